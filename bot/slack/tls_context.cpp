#include "bot/slack/tls_context.hpp"

namespace warroom::slack {

boost::asio::ssl::context& lazy_tls_context::get() {
    namespace ssl = boost::asio::ssl;
    std::lock_guard lock(mutex_);
    if (!ctx_) {
        ssl::context ctx{ssl::context::tls_client};
        ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                        ssl::context::no_tlsv1_1);  // Slack requires TLS 1.2+
        ctx.set_default_verify_paths();
        if (!ca_file_.empty())
            ctx.load_verify_file(ca_file_);
        ctx_.emplace(std::move(ctx));
    }
    return *ctx_;
}

}  // namespace warroom::slack
