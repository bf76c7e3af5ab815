#pragma once

#include <memory>
#include <string>

#include "bot/app/runtime.hpp"

namespace warroom::app {

/// The bot connected to Slack: the HTTP server (Events API, slash commands, interactivity,
/// health), the durable inbox and its worker, and the outbox dispatcher, all over one runtime.
/// Tests start it against the simulator; `warroom run` starts it and waits for a signal.
class slack_app {
public:
    explicit slack_app(runtime& rt);
    ~slack_app();
    slack_app(const slack_app&) = delete;
    slack_app& operator=(const slack_app&) = delete;

    /// Checks the token (auth.test), then starts everything. Throws startup_error.
    void start();
    /// Stops accepting, finishes what is in flight, then stops the workers.
    void stop();
    /// The HTTP port (0 when the HTTP server is not running).
    unsigned short port() const;
    /// The bot's own Slack user id, learned from auth.test.
    const std::string& bot_user_id() const;

private:
    struct parts;
    runtime& rt_;
    std::unique_ptr<parts> parts_;
};

/// `warroom run` in Slack mode: starts the app and waits for SIGINT/SIGTERM.
int run_slack(runtime& rt);

/// Blocks SIGINT/SIGTERM in the calling thread (and the threads it starts later), so run_slack
/// can wait for them. Call it before the runtime starts its worker threads.
void block_stop_signals();

}  // namespace warroom::app
