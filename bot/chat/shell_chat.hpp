#pragma once

#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <string>

#include "bot/chat/chat_platform.hpp"

namespace warroom::chat {

/// The local shell's chat platform: it "creates" channels and "posts" messages by printing them
/// readably. Channel ids are the channel names, so everything still lines up after a restart.
class shell_chat final : public chat_platform {
  public:
    explicit shell_chat(std::ostream& out, std::string bot_name = "warroom");

    channel_info create_channel(const std::string& name, bool is_private) override;
    void set_topic(const std::string& channel, const std::string& topic) override;
    void invite(const std::string& channel, const std::vector<std::string>& users) override;
    std::string post_message(const std::string& channel, const message& msg) override;
    void update_message(const std::string& channel, const std::string& ts,
                        const message& msg) override;
    void pin(const std::string& channel, const std::string& ts) override;
    void post_ephemeral(const std::string& channel, const std::string& user,
                        const std::string& text) override;
    std::optional<user_info> lookup_user(const std::string& user) override;

    /// Prints a message a person typed, in the same layout as the bot's.
    void echo_user_message(const std::string& channel, const std::string& user,
                           const std::string& text);

    /// "#name" for a channel id or name.
    static std::string display(const std::string& channel);

  private:
    void print_block(const std::string& header, const std::string& text);

    std::ostream& out_;
    std::string bot_name_;
    std::mutex mutex_;
    std::set<std::string> channels_;  // created in this run; the rest are assumed to exist
    std::map<std::string, std::string> topics_;
    std::map<std::string, std::string> posted_;  // ts -> text, to show what an edit changed
    long long next_ts_ = 0;
};

}  // namespace warroom::chat
