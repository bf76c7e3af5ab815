#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "tests/slack_sim/limits.hpp"
#include "tests/slack_sim/simulator.hpp"
#include "tests/slack_sim/workspace.hpp"

// Internals shared by the simulator's translation units. Threading: one I/O thread runs every
// socket, timer and coroutine; `mu` guards the workspace and everything the public API touches
// from other threads.
namespace warroom::slack_sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
template <class T>
using awaitable = asio::awaitable<T>;
using http_request = http::request<http::string_body>;

/// What one route answers.
struct http_reply {
    unsigned status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool drop = false;  ///< close the connection without answering
    std::chrono::milliseconds delay{0};

    static http_reply json(const nlohmann::json& j, unsigned status = 200);
    static http_reply text(std::string body, unsigned status = 200);
};

/// A Web API error: `{"ok":false,"error":code, ...extra}`.
class api_error : public std::runtime_error {
  public:
    explicit api_error(std::string code, std::vector<std::string> messages = {},
                       nlohmann::json extra = nlohmann::json::object())
        : std::runtime_error(code),
          code_(std::move(code)),
          messages_(std::move(messages)),
          extra_(std::move(extra)) {}
    const std::string& code() const { return code_; }
    const std::vector<std::string>& messages() const { return messages_; }
    const nlohmann::json& extra() const { return extra_; }

  private:
    std::string code_;
    std::vector<std::string> messages_;
    nlohmann::json extra_;
};

/// One thing to tell the bot, in both encodings (HTTP body and Socket Mode payload).
struct delivery {
    std::string kind;  ///< events_api, slash_commands, interactive, url_verification
    nlohmann::json payload;
    std::string http_body;
    std::string content_type;
    std::string event_id;
    std::string trigger_id;
    std::string response_url;
    std::string channel;
    std::string user;
    std::string view_id;  ///< view_submission: the view being submitted
    std::string challenge;
    std::string interaction;  ///< block_actions / view_submission
};

/// The outcome of changing the workspace for a user action: what to deliver, or why not.
struct prepared {
    std::string error;  ///< the action was refused; nothing changed
    std::string note;   ///< the action happened but the bot is not told (why)
    std::vector<delivery> deliveries;
    std::string ts;
};

class socket_session;

/// Waiting for one Socket Mode ack.
struct ack_waiter {
    explicit ack_waiter(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    bool acked = false;
    nlohmann::json payload;
};

struct simulator::impl {
    explicit impl(sim_options options);

    sim_options opt;
    std::vector<std::string> scopes;
    // Declared before everything bound to it, so it is destroyed last: its destructor destroys
    // the coroutines still suspended in it.
    asio::io_context ioc;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    tcp::acceptor acceptor{ioc};
    std::thread thread;
    std::atomic<bool> running{false};
    std::atomic<unsigned short> port{0};
    std::string host;

    mutable std::mutex mu;
    mutable std::condition_variable socket_cv;
    workspace ws;
    rate_limiter limiter;
    fault_table faults;
    std::vector<call_record> call_log;
    std::string bot_endpoint;
    bool duplicate = false;
    int socket_drop_after = -1;                            ///< frames left before a drop; -1 = off
    std::vector<std::shared_ptr<socket_session>> sockets;  ///< open, hello sent
    std::size_t socket_round_robin = 0;
    // I/O thread only.
    std::map<std::string, std::shared_ptr<ack_waiter>> acks;
    int next_socket_id = 1;

    std::string base_url() const;
    bool on_io_thread() const;
    /// Runs `fn` on the I/O thread and waits for it.
    void run_on_io(std::function<void()> fn);

    // http_server.cpp
    void listen();
    awaitable<void> accept_loop();
    awaitable<void> serve(tcp::socket socket);
    awaitable<http_reply> route(http_request& req);

    // web_api.cpp
    awaitable<http_reply> handle_api(const std::string& method, const http_request& req,
                                     std::string_view query);
    http_reply handle_upload(const std::string& file_id, const http_request& req);

    // control.cpp
    awaitable<http_reply> handle_control(const std::string& path, const http_request& req,
                                         std::string_view query);

    // delivery.cpp (prepare_* need `mu` held)
    prepared prepare_slash_command(const std::string& user, const std::string& channel,
                                   const std::string& command, const std::string& text);
    prepared prepare_message(const std::string& user, const std::string& channel,
                             const std::string& text, const std::string& thread_ts);
    prepared prepare_pin(const std::string& user, const std::string& channel,
                         const std::string& ts);
    prepared prepare_react(const std::string& user, const std::string& channel,
                           const std::string& ts, const std::string& reaction);
    prepared prepare_click(const std::string& user, const std::string& channel,
                           const std::string& message_ts, const std::string& action_id,
                           const std::string& value);
    prepared prepare_submit(const std::string& user, const std::string& view_id,
                            const nlohmann::json& values);
    prepared prepare_join(const std::string& user, const std::string& channel);
    prepared prepare_verify();
    /// An event_callback envelope around `inner`.
    delivery make_event(nlohmann::json inner);
    /// Delivers everything in `p`; the first delivery's result carries the others as followups.
    awaitable<delivery_result> send(prepared p);
    awaitable<delivery_result> send_one(delivery d);
    /// From a non-I/O thread.
    delivery_result send_blocking(prepared p);
    /// Fire and forget (echoes of the bot's own messages).
    void send_detached(delivery d);
    http_reply handle_response_url(const std::string& id, const http_request& req);
    /// Applies what the bot answered to a slash command or view submission.
    void apply_response(const delivery& d, const nlohmann::json& response,
                        const std::string& raw_body);
    /// Posts a message as the bot; returns its ts. `mu` held.
    std::string post_as_bot(channel_record& c, const std::string& text,
                            const nlohmann::json& blocks, const std::string& thread_ts);
    /// New single-use trigger_id. `mu` held.
    std::string issue_trigger(const std::string& user);

    // socket_mode.cpp
    awaitable<void> serve_socket(beast::tcp_stream stream, http_request req);
    /// A connection that takes new envelopes, round robin; nullptr when none. I/O thread.
    std::shared_ptr<socket_session> pick_socket();
    void socket_closed(const std::shared_ptr<socket_session>& s);
    /// Counts a server frame against drop_socket_mode_after; true = drop instead.
    bool consume_frame_budget();
    void on_ack(const std::string& envelope_id, nlohmann::json payload);
    void disconnect_sockets(const std::string& reason);
    void drop_sockets();
    void ping_sockets();
};

}  // namespace warroom::slack_sim
