#include "bot/app/shell.hpp"

#include <pwd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cstdlib>

#include "bot/domain/text.hpp"

namespace warroom::app {

namespace {
constexpr const char* shell_help =
    "shell: /incident ...        run an incident command in the current channel\n"
    "       @warroom ...          the same, as a mention in the channel\n"
    "       #channel: text        post text in another channel\n"
    "       /join #channel        switch the current channel\n"
    "       /as @user             act as another user\n"
    "       /help                 this text (and /incident help for the commands)\n"
    "       anything else is a message in the current channel; Ctrl-D or EOF quits";

std::string strip(std::string s, char lead) {
    if (!s.empty() && s[0] == lead)
        s.erase(0, 1);
    return s;
}

/// "@warroom diag x" / "<@warroom> diag x" -> "diag x"; empty when the text is not a mention.
std::string mention_command(const std::string& text) {
    for (const char* prefix : {"@warroom ", "<@warroom> "}) {
        if (text.starts_with(prefix))
            return domain::trim(text.substr(std::string(prefix).size()));
    }
    return {};
}
}  // namespace

std::string login_name() {
    if (const char* u = std::getenv("USER"); u != nullptr && *u != '\0')
        return u;
    if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_name != nullptr) {
        return pw->pw_name;
    }
    return "you";
}

shell::shell(runtime& rt, std::istream& in, std::ostream& out, std::string user, bool interactive)
    : rt_(rt),
      in_(in),
      out_(out),
      chat_(out),
      dispatcher_(*rt.db, chat_, *rt.clock),
      user_(std::move(user)),
      interactive_(interactive) {}

void shell::prompt() {
    out_ << "#" << channel_ << " @" << user_ << "> ";
    out_.flush();
}

int shell::run() {
    if (interactive_) {
        out_ << "warroom shell: type /incident help, or /help for the shell itself.\n";
    }
    drain_outbox();  // deliver anything an earlier run left behind
    std::string line;
    for (;;) {
        if (interactive_)
            prompt();
        if (!std::getline(in_, line))
            break;
        if (!interactive_ && !domain::trim(line).empty()) {
            // Piped input is echoed so the transcript reads like a conversation.
            out_ << "#" << channel_ << " @" << user_ << "> " << line << "\n";
        }
        handle_line(line);
    }
    if (interactive_)
        out_ << "\n";
    return 0;
}

void shell::handle_line(const std::string& raw) {
    const std::string line = domain::trim(raw);
    if (line.empty())
        return;
    if (line == "/help") {
        out_ << shell_help << "\n";
        return;
    }
    if (line.starts_with("/incident")) {
        if (line.size() == 9 || line[9] == ' ') {
            run_command(domain::trim(line.substr(9)), channel_, false);
            return;
        }
    }
    if (line.starts_with("/join")) {
        const std::string target = strip(domain::trim(line.substr(5)), '#');
        if (target.empty()) {
            out_ << "(shell) expected: /join #channel\n";
        } else {
            channel_ = target;
            out_ << "(shell) now in #" << channel_ << "\n";
        }
        return;
    }
    if (line.starts_with("/as")) {
        const std::string who = strip(domain::trim(line.substr(3)), '@');
        if (who.empty()) {
            out_ << "(shell) expected: /as @user\n";
        } else {
            user_ = who;
            out_ << "(shell) acting as @" << user_ << "\n";
        }
        return;
    }
    if (line[0] == '/') {
        out_ << "(shell) unknown command " << line.substr(0, line.find(' '))
             << "; try /incident help or /help\n";
        return;
    }
    std::string target = channel_;
    std::string text = line;
    if (line[0] == '#') {
        const auto colon = line.find(':');
        if (colon == std::string::npos || colon == 1) {
            out_ << "(shell) expected: #channel: message\n";
            return;
        }
        target = line.substr(1, colon - 1);
        text = domain::trim(line.substr(colon + 1));
    }
    if (const std::string cmd = mention_command(text); !cmd.empty()) {
        run_command(cmd, target, true);
    }
    // Other messages are conversation; the echo above already shows them.
}

void shell::run_command(const std::string& text, const std::string& channel, bool from_message) {
    service::command_context ctx;
    ctx.actor = user_;
    ctx.channel = channel;
    ctx.source = from_message ? domain::event_source::message : domain::event_source::shell;
    service::command_result result;
    try {
        // Database work runs on the database workers, as it does for Slack requests.
        result =
            rt_.db_workers->submit([&] { return rt_.registry.dispatch(text, ctx, *rt_.service); })
                .get();
    } catch (const std::exception& e) {
        spdlog::error("command failed: {}", e.what());
        out_ << "(only visible to you) something went wrong: " << e.what() << "\n";
        return;
    }
    drain_outbox();
    const std::string label = result.ok ? "(only visible to you) " : "(only visible to you) ⚠ ";
    std::string body = result.text;
    out_ << label;
    for (char c : body) {
        out_ << c;
        if (c == '\n')
            out_ << "  ";
    }
    out_ << "\n";
    const bool declared = result.ok && !result.channel_name.empty() &&
                          (text.starts_with("create") || text.starts_with("declare"));
    if (declared) {
        channel_ = result.channel_name;
        out_ << "(shell) now in #" << channel_ << "\n";
    }
    out_.flush();
}

void shell::drain_outbox() {
    try {
        rt_.db_workers
            ->submit([this] {
                while (dispatcher_.run_once() > 0) {
                }
            })
            .get();
    } catch (const std::exception& e) {
        spdlog::error("delivering messages failed: {}", e.what());
    }
}

}  // namespace warroom::app
