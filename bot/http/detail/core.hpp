#pragma once

// Internal to warroom_http: the state shared by the server, its accept loop and its sessions.
// This header includes Asio, so only bot/http/*.cpp may include it.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include "bot/http/router.hpp"
#include "bot/http/server.hpp"

namespace warroom::http::detail {

class session;

/// Sessions hold this by shared_ptr, so the io_context outlives every socket and timer even when
/// a responder kept on a database thread is the last owner of a session.
struct server_core : std::enable_shared_from_this<server_core> {
    server_core(server_options o, router r)
        : options(std::move(o)),
          routes(std::move(r)),
          ioc(options.threads > 0 ? options.threads : 1),
          acceptor(boost::asio::make_strand(ioc)) {}

    const server_options options;
    const router routes;
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor acceptor;  ///< on its own strand; closed by stop()

    /// Set once by stop(): no new connections, no new requests, `Connection: close` on answers.
    std::atomic<bool> stopping{false};

    /// The response gate. A responder called off the I/O threads posts to its session's strand
    /// only while the gate is open; stop() closes it and waits for `posting` to drain before the
    /// threads finish, so nothing is ever posted into an io_context that nobody runs.
    std::atomic<bool> gate_open{true};
    std::atomic<int> posting{0};

    /// Connections counted from accept until their session ends (for max_connections).
    std::atomic<std::size_t> connections{0};

    /// Sessions whose connection is still open; touched on connect/disconnect only.
    std::mutex sessions_mu;
    std::condition_variable sessions_cv;  ///< notified when a session leaves
    std::unordered_set<session*> sessions;

    std::vector<std::thread> threads;

    enum class state { created, running, stopping, stopped };
    std::mutex state_mu;
    std::condition_variable state_cv;
    state current = state::created;
};

}  // namespace warroom::http::detail
