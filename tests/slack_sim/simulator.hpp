#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace warroom::slack_sim {

struct sim_options {
    /// "host:port"; port 0 picks a free one (read it back with port()).
    std::string listen = "127.0.0.1:0";
    std::string bot_token = "xoxb-sim";
    std::string app_token = "xapp-sim";
    std::string signing_secret = "sim-secret";
    std::string bot_user_id = "UBOT";
    std::string bot_id = "B_WARROOM";
    std::string app_id = "A_WARROOM";
    std::string team_id = "T_SIM";
    /// Scopes the bot token has: sent as `x-oauth-scopes`, and a method whose scopes are all
    /// missing answers `missing_scope`. Empty = the default bot scope set.
    std::vector<std::string> scopes;
    bool enforce_rate_limits = true;
    /// Benchmarks: answer 200 to POSTs on /response/<id> for ids the simulator never issued
    /// (load generators make up their own), counting them instead of keeping each reply.
    bool sink_unknown_response_urls = false;
    /// Multiplies every rate-limit window (0.01: a minute becomes 0.6 s).
    double rate_limit_scale = 1.0;
    /// chat.postMessage: 1 per second per channel after this many back-to-back messages.
    int post_message_burst = 5;
    /// Multiplies the Events API retry schedule (immediately, +1 min, +5 min).
    double retry_scale = 1.0;
    /// The bot must answer an HTTP delivery within this, else it is an `http_timeout` failure.
    std::chrono::milliseconds delivery_timeout{3000};
    /// Socket Mode: an envelope not acked within this is redelivered (events_api only).
    std::chrono::milliseconds ack_timeout{3000};
    /// Retries after the first attempt of an Events API delivery (Slack: 3).
    int max_retries = 3;
    /// trigger_id lifetime (Slack: 3 s).
    std::chrono::milliseconds trigger_ttl{3000};
    /// response_url: uses and lifetime (Slack: 5 uses within 30 minutes).
    int response_url_max_uses = 5;
    std::chrono::milliseconds response_url_ttl{30 * 60 * 1000};
    /// Socket Mode: after a `disconnect` frame the server closes the link after this.
    std::chrono::milliseconds disconnect_grace{5000};
    /// Socket Mode: server-sent WebSocket pings; 0 = only on request (socket_ping()).
    std::chrono::milliseconds socket_ping_interval{0};
    /// chat.postMessage text over 40,000 characters: `msg_too_long` when true, else truncated
    /// with the `message_truncated` warning (what Slack documents since Nov 2024).
    bool strict_message_length = true;
    /// Also deliver the events the bot's own calls cause, as Slack does: `message` (with bot_id)
    /// for its posts, `member_joined_channel` for its invites. Fire-and-forget, so off by
    /// default to keep tests deterministic.
    bool echo_bot_actions = false;
};

/// One POST (or Socket Mode envelope) of one delivery.
struct attempt_record {
    int retry_num = 0;         ///< 0 for the first attempt
    std::string retry_reason;  ///< "" first time, http_timeout / http_error / timeout ...
    int status = 0;            ///< HTTP status; 0 when there was none (timeout, no ack)
    std::string error;         ///< transport problem, if any
    std::chrono::milliseconds latency{0};
};

/// What happened to something the simulator sent to the bot.
struct delivery_result {
    bool delivered = false;   ///< the bot acknowledged (HTTP 2xx, or a Socket Mode ack)
    std::string transport;    ///< "http", "socket" or "" when nothing was sent
    int status = 0;           ///< status of the acknowledged (or last) attempt; 200 for an ack
    std::string body;         ///< raw HTTP body, or the ack's payload serialised
    nlohmann::json response;  ///< body parsed as JSON (null when not JSON), or the ack payload
    std::chrono::milliseconds latency{0};  ///< of the acknowledged (or last) attempt
    int attempts = 0;  ///< POSTs / envelopes sent, retries and duplicates included
    std::vector<attempt_record> attempt_log;
    std::string error;        ///< why nothing was delivered, or why the request was refused
    std::string event_id;     ///< Events API deliveries
    std::string envelope_id;  ///< Socket Mode deliveries
    std::string trigger_id;   ///< slash commands and block_actions
    std::string response_url;
    std::string ts;  ///< the message a delivery created (post_message)
    /// Further deliveries caused by the same action (the app_mention after a message).
    std::vector<delivery_result> followups;
};

struct call_record {
    std::string method;
    nlohmann::json args;  ///< every argument, the token left out
    int status = 200;     ///< HTTP status answered
    bool ok = false;
    std::string error;  ///< "" when ok
    std::chrono::system_clock::time_point at;
};

nlohmann::json to_json(const delivery_result& r);
nlohmann::json to_json(const call_record& r);

/// A Slack workspace on localhost: Web API, Socket Mode, signed deliveries to the bot, and a
/// control API. Every public member is thread-safe. The delivery calls block until the bot has
/// acknowledged or the retries ran out, so they must not be called from a simulator thread.
class simulator {
  public:
    explicit simulator(sim_options options = {});
    ~simulator();
    simulator(const simulator&) = delete;
    simulator& operator=(const simulator&) = delete;

    void start();
    void stop();

    /// "http://127.0.0.1:PORT/api/"
    std::string api_url() const;
    /// "http://127.0.0.1:PORT/control/"
    std::string control_url() const;
    unsigned short port() const;
    const sim_options& options() const;

    // Workspace state. Users and channels may be named by id, "name", "#name" or "@handle".
    std::string add_user(std::string handle, std::string real_name = "", bool is_bot = false,
                         std::string email = "");
    std::string add_channel(std::string name, bool is_private = false,
                            std::vector<std::string> members = {});
    std::string add_usergroup(std::string handle, std::vector<std::string> users);
    /// Where signed Events API / slash command / interactivity requests are POSTed (http://).
    void set_bot_endpoint(std::string url);
    /// Back to the seed workspace; faults, logs and rate-limit windows cleared.
    void reset();

    // Deliveries: the workspace changes first, then the bot is told.
    delivery_result slash_command(const std::string& user, const std::string& channel,
                                  const std::string& command, const std::string& text);
    delivery_result post_message(const std::string& user, const std::string& channel,
                                 const std::string& text, const std::string& thread_ts = "");
    delivery_result pin(const std::string& user, const std::string& channel, const std::string& ts);
    delivery_result react(const std::string& user, const std::string& channel,
                          const std::string& ts, const std::string& reaction);
    delivery_result click_button(const std::string& user, const std::string& channel,
                                 const std::string& message_ts, const std::string& action_id,
                                 const std::string& value = "");
    /// `values`: Slack's state.values shape {block_id:{action_id:{type,value}}}, or the short
    /// forms {block_id:{action_id:"text"}} and {action_id:"text"}.
    delivery_result submit_view(const std::string& user, const std::string& view_id,
                                const nlohmann::json& values);
    delivery_result join(const std::string& user, const std::string& channel);
    /// The url_verification handshake; delivered == the bot echoed the challenge.
    delivery_result verify_url();

    // Faults. A method of "*" matches every Web API method.
    /// The next `count` calls answer `http_status` (500, 503, ...). With `after_apply` the call
    /// takes effect first, so a client that retries it does it twice.
    void fail_next(std::string method, int count, int http_status, bool after_apply = false);
    void rate_limit_next(std::string method, int count, int retry_after_s);
    void slow_next(std::string method, std::chrono::milliseconds delay, int count = 1);
    /// The next n HTTP connections to the simulator are closed without an answer.
    void drop_next_connections(int n);
    /// Every delivery is sent twice (same event_id / envelope_id / trigger_id).
    void duplicate_deliveries(bool on);
    /// After `frames` more frames, the Socket Mode connection that would send the next one is
    /// dropped abruptly (no close frame) instead.
    void drop_socket_mode_after(int frames);

    // Socket Mode control.
    /// Sends {"type":"disconnect","reason":...} on every open connection.
    void socket_disconnect(const std::string& reason);
    /// Closes every Socket Mode connection abruptly.
    void socket_drop_all();
    /// Sends a WebSocket ping on every connection.
    void socket_ping();
    int socket_connection_count() const;
    /// Waits until `n` Socket Mode connections are open (hello sent); false on timeout.
    bool wait_for_socket_connections(int n, std::chrono::milliseconds timeout) const;

    // Read back.
    nlohmann::json state() const;
    std::vector<call_record> calls(const std::string& method = "") const;

    struct impl;

  private:
    std::shared_ptr<impl> impl_;
};

}  // namespace warroom::slack_sim
