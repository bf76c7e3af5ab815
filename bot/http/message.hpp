#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace warroom::http {

/// One parsed HTTP request, free of Beast types so callers need not compile Beast.
struct request {
    std::string method;  ///< "GET", "POST", ... exactly as sent
    std::string target;  ///< the request target as sent, query included
    std::string path;    ///< the target without its query string
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
    std::string body;
    std::string remote;  ///< peer "address:port"

    /// The first header with this name (any case), or "" when absent.
    std::string header(std::string_view name) const;
    /// The text after '?' in the target, or "" (not decoded).
    std::string_view query() const;
};

struct response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    /// Extra headers; Content-Length, Connection and Server are set by the server.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

/// Sends the answer to a request. Callable from any thread, once; later calls, and calls after
/// the server gave up on the request (handler timeout, client gone, shutdown), are ignored.
using responder = std::function<void(response)>;

/// Handles one request. Runs on an I/O thread, so it must not block: hand slow work (database,
/// outbound HTTP) to another executor and call the responder from there when it is done.
using handler = std::function<void(request&&, responder)>;

/// A plain-text response; the body is sent verbatim (an empty 200 is Slack's silent ack).
response text(int status, std::string body);
/// A JSON response (Content-Type: application/json).
response json(int status, const nlohmann::json& body);

}  // namespace warroom::http
