#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/slack/inbound.hpp"

// The Socket Mode client (reference slack-platform.md §5): one WebSocket to Slack, reconnected
// for as long as the client runs. Beast and OpenSSL stay in socket_mode.cpp.
namespace warroom::slack {

class web_api;

struct socket_mode_options {
    std::string app_token;                     ///< xapp-…, scope connections:write; never logged
    std::chrono::seconds connect_timeout{10};  ///< resolve+connect+TLS+upgrade, then hello
    std::chrono::seconds ping_interval{10};    ///< our own WebSocket pings
    std::chrono::seconds pong_timeout{10};     ///< no pong (or any frame) after a ping: reconnect
    std::chrono::milliseconds backoff_base{1000};
    std::chrono::milliseconds backoff_cap{30000};
    /// Appends `debug_reconnects=true` to the URL: Slack then ends links after ~360 s (§5.1).
    bool debug_reconnects = false;
};

/// Acknowledges one envelope. Call it once, from any thread, when the envelope is safe (in the
/// inbox). The payload is sent only when the envelope's accepts_response_payload is true (§5.3).
using ack_fn = std::function<void(std::optional<nlohmann::json>)>;

/// Called for every envelope (on the client's thread; keep it short: the socket is not read
/// while it runs). The client then sends {"envelope_id":…,"payload":…} on the socket that
/// delivered the envelope; an ack that comes after that socket died is dropped (Slack redelivers
/// unacked envelopes and the inbox deduplicates them).
using envelope_handler = std::function<void(const socket_envelope&, ack_fn ack)>;

/// Called once, on the client's thread, when apps.connections.open fails in a way retrying cannot
/// fix (not_authed, invalid_auth, account_inactive, user_removed_from_team, team_disabled). The
/// argument is Slack's error code. The client has stopped trying when it is called.
using fatal_handler = std::function<void(std::string code)>;

/// Connects with apps.connections.open (a fresh single-use URL for every connect), treats the
/// link as ready after `hello`, dispatches envelopes, writes acks one at a time, reconnects on
/// `disconnect` (closing the old link first), on drops, on missing pongs, with exponential
/// backoff and full jitter. All network work runs on one thread of its own.
class socket_mode_client {
  public:
    /// Throws std::invalid_argument when the app token is empty or the handler is unset.
    socket_mode_client(socket_mode_options options, web_api& api, envelope_handler handler);
    /// Calls stop().
    ~socket_mode_client();
    socket_mode_client(const socket_mode_client&) = delete;
    socket_mode_client& operator=(const socket_mode_client&) = delete;

    /// Sets the unrecoverable-error callback; call before start().
    void on_fatal(fatal_handler handler);

    /// Starts the client's thread. A second call does nothing.
    void start();
    /// Sends a normal close frame on the open link (or abandons a connect in progress), then
    /// joins the thread. An apps.connections.open call in flight is waited for (it is bounded by
    /// web_api's timeouts). Safe to call twice, and before start(). Do not call it from the
    /// envelope or fatal handler and expect a join: there it only requests the stop.
    void stop();

    /// True between `hello` and the start of the link's close.
    bool connected() const;
    /// Links that reached `hello` so far.
    int connections_made() const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace warroom::slack
