#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace warroom::slack {

/// A transport failure: the peer gave no usable HTTP response.
class network_error : public std::runtime_error {
  public:
    enum class kind { dns, connect, tls, timeout, io, protocol };

    /// `request_sent` is true when the whole request reached the socket before the failure, so
    /// the server may have acted on it (matters before retrying a non-idempotent call).
    network_error(kind k, std::string message, bool request_sent)
        : std::runtime_error(std::move(message)), kind_(k), request_sent_(request_sent) {}
    kind error_kind() const { return kind_; }
    bool request_sent() const { return request_sent_; }

  private:
    kind kind_;
    bool request_sent_;
};

const char* to_string(network_error::kind k);

struct http_response {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased; repeated names joined ", "
    std::string body;

    /// The header's value, or "" when absent; `name` must be lower-case.
    std::string header(const std::string& name) const;
};

struct http_client_options {
    std::chrono::milliseconds timeout{10'000};  // each of resolve, connect, handshake, write, read
    std::size_t body_limit = 16 * 1024 * 1024;  // response body bytes
    bool verify_peer = true;                    // certificate chain + host name, https only
    std::string ca_file;                        // extra trust anchors (PEM), besides the system's
    std::string user_agent = "warroom";
};

using http_headers = std::vector<std::pair<std::string, std::string>>;

/// A small blocking HTTP/1.1 client for http:// and https:// URLs. It keeps idle keep-alive
/// connections per (scheme, host, port) and reconnects when one breaks.
///
/// Thread safety: one client may be shared by several threads. Each request takes a connection
/// of its own (an idle one, or a new one), so requests from different threads run in parallel;
/// up to 8 idle connections per host are kept for reuse.
class http_client {
  public:
    explicit http_client(http_client_options options = {});
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    /// POSTs `body`. Throws network_error on DNS, connect, TLS, timeout and protocol failures,
    /// std::invalid_argument on a malformed or unsupported URL. Any HTTP status is returned.
    http_response post(std::string_view url, const http_headers& headers, std::string_view body,
                       std::string_view content_type);

    /// Drops every pooled connection (the next request reconnects).
    void close_all();

    const http_client_options& options() const { return options_; }

  private:
    struct impl;
    http_client_options options_;
    std::unique_ptr<impl> impl_;
};

}  // namespace warroom::slack
