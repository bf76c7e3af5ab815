#include "bot/slack/http_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <mutex>
#include <system_error>

#include "bot/domain/text.hpp"
#include "bot/slack/tls_context.hpp"

namespace warroom::slack {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

const char* to_string(network_error::kind k) {
    switch (k) {
        case network_error::kind::dns:
            return "dns";
        case network_error::kind::connect:
            return "connect";
        case network_error::kind::tls:
            return "tls";
        case network_error::kind::timeout:
            return "timeout";
        case network_error::kind::io:
            return "io";
        case network_error::kind::protocol:
            return "protocol";
    }
    return "unknown";
}

std::string http_response::header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
}

namespace {

struct parsed_url {
    bool tls = false;
    std::string host;         // for DNS, SNI and certificate checks (IPv6 without brackets)
    std::string host_header;  // as it goes into the Host header
    std::string port;
    std::string target;
    bool host_is_ip = false;
};

parsed_url parse_url(std::string_view text) {
    const auto r = boost::urls::parse_uri(text);
    if (!r)
        throw std::invalid_argument("malformed URL");
    const boost::urls::url_view u = *r;
    const std::string scheme = domain::to_lower(u.scheme());
    parsed_url out;
    if (scheme == "https") {
        out.tls = true;
    } else if (scheme != "http") {
        throw std::invalid_argument("unsupported URL scheme '" + scheme + "'");
    }
    out.host = std::string(u.host_address());
    if (out.host.empty())
        throw std::invalid_argument("URL has no host");
    out.host_is_ip = u.host_type() == boost::urls::host_type::ipv4 ||
                     u.host_type() == boost::urls::host_type::ipv6;
    const std::string default_port = out.tls ? "443" : "80";
    out.port = u.has_port() ? std::string(u.port()) : default_port;
    out.host_header = std::string(u.encoded_host_and_port());
    out.target = std::string(u.encoded_path());
    if (out.target.empty())
        out.target = "/";
    if (u.has_query())
        out.target += "?" + std::string(u.encoded_query());
    return out;
}

// Each connection has its own io_context, so requests on different connections run in parallel
// on their callers' threads. Declared first: the streams must go before it.
struct connection {
    asio::io_context ioc;
    asio::ip::tcp::resolver resolver{ioc};
    bool tls = false;
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;
    bool connected = false;

    beast::tcp_stream& tcp() { return tls ? secure->next_layer() : *plain; }
    void close() {
        if (plain || secure) {
            error_code ignored;
            tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
            tcp().socket().close(ignored);
        }
        connected = false;
        buffer.clear();
    }
};

// More idle keep-alive connections than this per host are closed when their request ends.
constexpr std::size_t max_idle_per_host = 8;

// The peer closed an idle keep-alive connection before answering: safe to resend once.
struct stale_connection {};

bool is_peer_close(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == ssl::error::stream_truncated;
}

}  // namespace

struct http_client::impl {
    explicit impl(const http_client_options& options) : opts(options) {
        // The CA file is parsed with the TLS context, on first https use; a path that cannot be
        // read should still fail here, at startup.
        if (!opts.ca_file.empty() && !std::ifstream(opts.ca_file)) {
            throw std::invalid_argument("cannot read the CA file " + opts.ca_file + ": " +
                                        std::generic_category().message(errno));
        }
    }

    ssl::context& tls_context() {
        try {
            return tls.get();
        } catch (const boost::system::system_error& e) {
            throw network_error(network_error::kind::tls,
                                opts.ca_file.empty() ? "cannot set up TLS: " + e.code().message()
                                                     : "cannot set up TLS with the CA file " +
                                                           opts.ca_file + ": " + e.code().message(),
                                false);
        }
    }

    const http_client_options& opts;
    lazy_tls_context tls{opts.ca_file};  // outlives the pooled streams that use it
    std::mutex mutex;                    // guards pool
    // Idle keep-alive connections per "scheme://host:port"; a request takes one for itself.
    std::map<std::string, std::vector<std::unique_ptr<connection>>> pool;

    // Runs one asynchronous operation to completion or until the timeout; on timeout the
    // connection is closed (its state is unknown) and `timed_out` is set.
    template <class Start>
    error_code run(connection& c, Start&& start, bool& timed_out) {
        bool done = false;
        error_code result;
        start([&done, &result](error_code ec, auto&&...) {
            result = ec;
            done = true;
        });
        c.ioc.restart();
        c.ioc.run_for(opts.timeout);
        timed_out = !done;
        if (!done) {
            c.resolver.cancel();
            c.close();
            // The aborted handler still refers to this frame: let it run before returning.
            c.ioc.restart();
            c.ioc.run();
        }
        return result;
    }

    void connect(connection& c, const parsed_url& u) {
        c.close();
        c.tls = u.tls;
        c.plain.reset();
        c.secure.reset();
        bool timed_out = false;

        tcp::resolver::results_type endpoints;
        error_code ec = run(
            c,
            [&](auto handler) {
                c.resolver.async_resolve(
                    u.host, u.port,
                    [&endpoints, handler](error_code e, tcp::resolver::results_type r) mutable {
                        endpoints = std::move(r);
                        handler(e);
                    });
            },
            timed_out);
        if (timed_out) {
            throw network_error(network_error::kind::timeout,
                                "DNS lookup of " + u.host + " timed out", false);
        }
        if (ec) {
            throw network_error(network_error::kind::dns,
                                "cannot resolve " + u.host + ": " + ec.message(), false);
        }

        // Fresh streams on every connect: an SSL object cannot be reused after a failure.
        if (u.tls) {
            c.secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(c.ioc, tls_context());
        } else {
            c.plain = std::make_unique<beast::tcp_stream>(c.ioc);
        }
        ec = run(
            c, [&](auto handler) { c.tcp().async_connect(endpoints, std::move(handler)); },
            timed_out);
        if (timed_out || ec) {
            c.close();
            throw network_error(
                timed_out ? network_error::kind::timeout : network_error::kind::connect,
                "cannot connect to " + u.host + ":" + u.port + ": " +
                    (timed_out ? std::string("timed out") : ec.message()),
                false);
        }
        error_code ignored;
        c.tcp().socket().set_option(tcp::no_delay(true), ignored);

        if (u.tls) {
            // SNI is mandatory for Slack; an IP literal is not a valid SNI name (RFC 6066).
            if (!u.host_is_ip &&
                !SSL_set_tlsext_host_name(c.secure->native_handle(), u.host.c_str())) {
                c.close();
                throw network_error(network_error::kind::tls, "cannot set SNI for " + u.host,
                                    false);
            }
            if (opts.verify_peer) {
                c.secure->set_verify_mode(ssl::verify_peer);
                c.secure->set_verify_callback(ssl::host_name_verification(u.host));
            } else {
                c.secure->set_verify_mode(ssl::verify_none);
            }
            ec = run(
                c,
                [&](auto handler) {
                    c.secure->async_handshake(ssl::stream_base::client, std::move(handler));
                },
                timed_out);
            if (timed_out || ec) {
                c.close();
                throw network_error(
                    timed_out ? network_error::kind::timeout : network_error::kind::tls,
                    "TLS handshake with " + u.host +
                        " failed: " + (timed_out ? std::string("timed out") : ec.message()),
                    false);
            }
        }
        c.connected = true;
    }

    template <class Stream>
    http_response exchange(connection& c, Stream& stream, const parsed_url& u,
                           http::request<http::string_body>& req, bool reused) {
        bool timed_out = false;
        error_code ec = run(
            c, [&](auto handler) { http::async_write(stream, req, std::move(handler)); },
            timed_out);
        if (timed_out) {
            throw network_error(network_error::kind::timeout,
                                "sending the request to " + u.host + " timed out", false);
        }
        if (ec) {
            c.close();
            if (reused && is_peer_close(ec))
                throw stale_connection{};
            throw network_error(network_error::kind::io,
                                "sending the request to " + u.host + " failed: " + ec.message(),
                                false);
        }

        http::response_parser<http::string_body> parser;
        parser.body_limit(opts.body_limit);
        parser.header_limit(64 * 1024);
        ec = run(
            c,
            [&](auto handler) { http::async_read(stream, c.buffer, parser, std::move(handler)); },
            timed_out);
        if (timed_out) {
            throw network_error(network_error::kind::timeout,
                                "waiting for the response from " + u.host + " timed out", true);
        }
        if (ec) {
            const bool nothing_read = !parser.got_some() && c.buffer.size() == 0;
            c.close();
            if (reused && nothing_read && is_peer_close(ec))
                throw stale_connection{};
            const bool protocol = ec == http::error::body_limit || ec == http::error::header_limit;
            throw network_error(protocol ? network_error::kind::protocol : network_error::kind::io,
                                "reading the response from " + u.host + " failed: " + ec.message(),
                                true);
        }

        auto res = parser.release();
        http_response out;
        out.status = static_cast<int>(res.result_int());
        for (const auto& field : res) {
            const std::string name = domain::to_lower(field.name_string());
            auto [it, inserted] = out.headers.emplace(name, std::string(field.value()));
            if (!inserted)
                it->second += ", " + std::string(field.value());
        }
        out.body = std::move(res.body());
        if (!res.keep_alive())
            c.close();
        return out;
    }
};

http_client::http_client(http_client_options options)
    : options_(std::move(options)), impl_(std::make_unique<impl>(options_)) {}

http_client::~http_client() {
    close_all();
}

void http_client::close_all() {
    std::lock_guard lock(impl_->mutex);
    for (auto& [key, idle] : impl_->pool) {
        for (auto& c : idle)
            c->close();
    }
    impl_->pool.clear();
}

http_response http_client::post(std::string_view url, const http_headers& headers,
                                std::string_view body, std::string_view content_type) {
    const parsed_url u = parse_url(url);

    http::request<http::string_body> req{http::verb::post, u.target, 11};
    req.set(http::field::host, u.host_header);
    req.set(http::field::user_agent, options_.user_agent);
    req.set(http::field::content_type, content_type);
    for (const auto& [name, value] : headers)
        req.set(name, value);
    req.body() = std::string(body);
    req.keep_alive(true);
    req.prepare_payload();

    const std::string key = (u.tls ? "https://" : "http://") + u.host + ":" + u.port;
    std::unique_ptr<connection> taken;
    {
        std::lock_guard lock(impl_->mutex);
        auto& idle = impl_->pool[key];
        if (!idle.empty()) {
            taken = std::move(idle.back());
            idle.pop_back();
        }
    }
    if (!taken)
        taken = std::make_unique<connection>();
    // Back to the pool however the request ends; a broken one reconnects on its next use.
    struct give_back {
        impl& i;
        const std::string& key;
        std::unique_ptr<connection>& c;
        ~give_back() {
            std::lock_guard lock(i.mutex);
            auto& idle = i.pool[key];
            if (idle.size() < max_idle_per_host) {
                idle.push_back(std::move(c));
            } else {
                c->close();
            }
        }
    } guard{*impl_, key, taken};
    connection& c = *taken;

    for (int attempt = 0;; ++attempt) {
        const bool reused = c.connected;
        if (!c.connected)
            impl_->connect(c, u);
        try {
            if (c.tls)
                return impl_->exchange(c, *c.secure, u, req, reused);
            return impl_->exchange(c, *c.plain, u, req, reused);
        } catch (const stale_connection&) {
            // Servers close idle keep-alive connections at will; that is not a failure of this
            // request, which the server never read. Resend once on a new connection.
            if (attempt > 0) {
                throw network_error(network_error::kind::io,
                                    "connection to " + u.host + " closed by the peer", false);
            }
        }
    }
}

}  // namespace warroom::slack
