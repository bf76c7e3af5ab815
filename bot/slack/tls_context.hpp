#pragma once

// Internal to warroom_slack: includes Asio's SSL headers.

#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace warroom::slack {

/// The TLS client context for Slack's Web API and Socket Mode links: TLS 1.2 or later, the
/// system's trust store plus an optional CA file. Made on first use, not up front: a context
/// initialises OpenSSL's default provider and parses the system CA bundle (~2 MB of RSS), which a
/// client that only speaks plain http/ws (the simulator, a TLS-terminating proxy) never needs.
class lazy_tls_context {
  public:
    explicit lazy_tls_context(std::string ca_file = {}) : ca_file_(std::move(ca_file)) {}

    /// Thread-safe. Throws boost::system::system_error when the context cannot be made; nothing
    /// is cached then, so the next call tries again.
    boost::asio::ssl::context& get();

    const std::string& ca_file() const { return ca_file_; }

  private:
    const std::string ca_file_;
    std::mutex mutex_;
    std::optional<boost::asio::ssl::context> ctx_;
};

}  // namespace warroom::slack
