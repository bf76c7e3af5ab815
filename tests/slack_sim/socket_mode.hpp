#pragma once

#include <deque>
#include <memory>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <nlohmann/json.hpp>

#include "tests/slack_sim/sim_impl.hpp"

namespace warroom::slack_sim {

/// One Socket Mode WebSocket. Lives on the I/O thread; every member is called there.
class socket_session : public std::enable_shared_from_this<socket_session> {
  public:
    socket_session(simulator::impl& sim, beast::tcp_stream stream, int id);

    /// Accepts the upgrade, sends hello, reads acks until the link closes.
    awaitable<void> run(http_request req);

    void send_text(std::string text);
    void send_ping();
    /// A `disconnect` frame; the server closes the link after disconnect_grace.
    void send_disconnect(const std::string& reason);
    /// Closes the TCP connection without a close frame.
    void drop();

    int id() const { return id_; }
    /// Takes new envelopes: hello sent, not closing, not told to go away.
    bool accepting() const { return ready_ && !closed_ && !leaving_; }
    nlohmann::json info() const;

  private:
    struct outgoing {
        enum class kind { text, ping, close } what;
        std::string text;
    };
    void enqueue(outgoing o);
    void pump();
    void schedule_pings();

    simulator::impl& sim_;
    beast::websocket::stream<beast::tcp_stream> ws_;
    int id_;
    std::deque<outgoing> queue_;
    bool writing_ = false;
    bool ready_ = false;
    bool closed_ = false;
    bool leaving_ = false;
    std::string disconnect_reason_;
    long long connected_at_ = 0;
    asio::steady_timer ping_timer_;
    asio::steady_timer close_timer_;
};

}  // namespace warroom::slack_sim
