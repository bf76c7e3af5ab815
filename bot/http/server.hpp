#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "bot/http/message.hpp"
#include "bot/http/router.hpp"

namespace warroom::http {

struct server_options {
    std::string listen = "0.0.0.0:3000";    ///< "host:port", "[::1]:port"; port 0 picks a free one
    std::size_t body_limit = 1 << 20;       ///< larger bodies get 413 and the connection is closed
    std::chrono::seconds read_timeout{10};  ///< from a request's first byte to its last
    std::chrono::seconds idle_timeout{60};  ///< between requests on a keep-alive connection
    std::chrono::seconds write_timeout{10};
    std::chrono::seconds handler_timeout{10};  ///< no answer by then → 503
    int threads = 2;
    std::size_t max_connections = 10000;  ///< beyond this, new connections get 503 and close
};

namespace detail {
struct server_core;
}

/// The bot's one HTTP/1.1 server: a single io_context run by `threads` threads, a strand per
/// connection, keep-alive and pipelining (answered in order), and a deadline on every stage.
///
/// Thread safety: start() once; stop() and run_until_stopped() from any thread.
class server {
  public:
    /// The router is copied; later changes to the original do not affect the server.
    server(server_options options, const router& routes);
    ~server();  ///< stops with no grace if still running
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Binds and starts serving. Throws std::runtime_error with a one-line reason ("cannot listen
    /// on 0.0.0.0:3000: Address already in use").
    void start();
    /// The bound port (useful with port 0).
    unsigned short port() const { return port_; }

    /// Graceful stop: stops accepting at once, closes idle keep-alive connections, lets in-flight
    /// requests finish (up to `grace`), then closes whatever is left and joins the I/O threads.
    /// Idempotent; concurrent callers all return once the server has stopped.
    void stop(std::chrono::milliseconds grace);
    /// Blocks until stop() has finished (returns at once if the server never started).
    void run_until_stopped();

  private:
    std::shared_ptr<detail::server_core> core_;
    unsigned short port_ = 0;
};

}  // namespace warroom::http
