#include "bot/chat/shell_chat.hpp"

#include <chrono>
#include <cstdio>
#include <sstream>

namespace warroom::chat {

namespace {
std::string strip_hash(const std::string& channel) {
    return !channel.empty() && channel[0] == '#' ? channel.substr(1) : channel;
}
}  // namespace

shell_chat::shell_chat(std::ostream& out, std::string bot_name)
    : out_(out), bot_name_(std::move(bot_name)) {
    // Message timestamps look like Slack's ("seconds.sequence") and never repeat across runs.
    next_ts_ = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count() *
               1'000'000;
}

std::string shell_chat::display(const std::string& channel) {
    return "#" + strip_hash(channel);
}

channel_info shell_chat::create_channel(const std::string& name, bool is_private) {
    std::lock_guard lock(mutex_);
    const std::string clean = strip_hash(name);
    if (!channels_.insert(clean).second) {
        throw chat_error("name_taken", "a channel named #" + clean + " already exists", false);
    }
    out_ << "  ── " << display(clean) << " created (" << (is_private ? "private" : "public")
         << " channel)\n";
    out_.flush();
    return {clean, clean};
}

void shell_chat::set_topic(const std::string& channel, const std::string& topic) {
    std::lock_guard lock(mutex_);
    auto& current = topics_[strip_hash(channel)];
    if (current == topic)
        return;  // Slack does not announce an unchanged topic either
    current = topic;
    out_ << "  ── " << display(channel) << " topic: " << topic << "\n";
    out_.flush();
}

void shell_chat::invite(const std::string& channel, const std::vector<std::string>& users) {
    std::lock_guard lock(mutex_);
    std::string names;
    for (const auto& u : users)
        names += (names.empty() ? "@" : ", @") + u;
    out_ << "  ── " << display(channel) << " invited " << names << "\n";
    out_.flush();
}

void shell_chat::print_block(const std::string& header, const std::string& text) {
    out_ << header << "\n";
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
        out_ << "  │ " << line << "\n";
    out_.flush();
}

std::string shell_chat::post_message(const std::string& channel, const message& msg) {
    std::lock_guard lock(mutex_);
    const long long n = ++next_ts_;
    char ts[32];
    std::snprintf(ts, sizeof ts, "%lld.%06lld", n / 1'000'000, n % 1'000'000);
    print_block(display(channel) + " @" + bot_name_ + ":", msg.text);
    posted_[ts] = msg.text;
    return ts;
}

void shell_chat::update_message(const std::string& channel, const std::string& ts,
                                const message& msg) {
    std::lock_guard lock(mutex_);
    // Repeating the whole card on every change would drown the conversation: show the lines
    // that changed when this run posted the message, else its first line.
    std::string shown;
    const auto known = posted_.find(ts);
    if (known != posted_.end()) {
        std::istringstream before(known->second), after(msg.text);
        std::string old_line, new_line;
        while (std::getline(after, new_line)) {
            const bool had = static_cast<bool>(std::getline(before, old_line));
            if (!had || old_line != new_line)
                shown += (shown.empty() ? "" : " / ") + new_line;
        }
        known->second = msg.text;
    }
    if (shown.empty())
        shown = msg.text.substr(0, msg.text.find('\n'));
    out_ << "  ── " << display(channel) << " message " << ts << " edited: " << shown << "\n";
    out_.flush();
}

void shell_chat::pin(const std::string& channel, const std::string& ts) {
    std::lock_guard lock(mutex_);
    out_ << "  ── " << display(channel) << " pinned message " << ts << "\n";
    out_.flush();
}

void shell_chat::post_ephemeral(const std::string& channel, const std::string& user,
                                const std::string& text) {
    std::lock_guard lock(mutex_);
    print_block(display(channel) + " (only visible to @" + user + "):", text);
}

std::optional<user_info> shell_chat::lookup_user(const std::string& user) {
    const std::string handle = !user.empty() && user[0] == '@' ? user.substr(1) : user;
    if (handle.empty())
        return std::nullopt;
    return user_info{handle, handle, handle};
}

void shell_chat::echo_user_message(const std::string& channel, const std::string& user,
                                   const std::string& text) {
    std::lock_guard lock(mutex_);
    print_block(display(channel) + " @" + user + ":", text);
}

}  // namespace warroom::chat
