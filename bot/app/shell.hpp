#pragma once

#include <istream>
#include <ostream>
#include <string>

#include "bot/app/runtime.hpp"
#include "bot/chat/shell_chat.hpp"
#include "bot/service/outbox_dispatcher.hpp"

namespace warroom::app {

/// The local chat REPL that plays Slack: slash commands, channel messages, @warroom mentions.
/// It is an adapter over the same service, registry and outbox as Slack.
class shell {
  public:
    shell(runtime& rt, std::istream& in, std::ostream& out, std::string user, bool interactive);

    /// Reads until EOF; returns the process exit code (0).
    int run();

    /// Handles one input line (exposed for tests).
    void handle_line(const std::string& line);

    const std::string& channel() const { return channel_; }
    const std::string& user() const { return user_; }

  private:
    void run_command(const std::string& text, const std::string& channel, bool from_message);
    void drain_outbox();
    void prompt();

    runtime& rt_;
    std::istream& in_;
    std::ostream& out_;
    chat::shell_chat chat_;
    service::outbox_dispatcher dispatcher_;
    std::string user_;
    std::string channel_ = "general";
    bool interactive_;
};

/// The login name, for the default acting user.
std::string login_name();

}  // namespace warroom::app
