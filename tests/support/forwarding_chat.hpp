#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/chat/chat_platform.hpp"

namespace warroom::testing {

/// Passes every call on to another platform. Test decorators derive from it and override only
/// the calls they hold back, fail or count.
class forwarding_chat : public chat::chat_platform {
  public:
    explicit forwarding_chat(chat::chat_platform& inner) : inner_(inner) {}

    chat::channel_info create_channel(const std::string& name, bool is_private) override {
        return inner_.create_channel(name, is_private);
    }
    void set_topic(const std::string& channel, const std::string& topic) override {
        inner_.set_topic(channel, topic);
    }
    void invite(const std::string& channel, const std::vector<std::string>& users) override {
        inner_.invite(channel, users);
    }
    std::string post_message(const std::string& channel, const chat::message& msg) override {
        return inner_.post_message(channel, msg);
    }
    void update_message(const std::string& channel, const std::string& ts,
                        const chat::message& msg) override {
        inner_.update_message(channel, ts, msg);
    }
    void pin(const std::string& channel, const std::string& ts) override {
        inner_.pin(channel, ts);
    }
    void post_ephemeral(const std::string& channel, const std::string& user,
                        const std::string& text) override {
        inner_.post_ephemeral(channel, user, text);
    }
    std::optional<chat::user_info> lookup_user(const std::string& user) override {
        return inner_.lookup_user(user);
    }
    std::optional<std::string> find_posted(const std::string& channel, std::int64_t outbox_id,
                                           std::chrono::system_clock::time_point since) override {
        return inner_.find_posted(channel, outbox_id, since);
    }
    std::optional<chat::channel_info> find_own_channel(
        const std::string& name, std::chrono::system_clock::time_point since) override {
        return inner_.find_own_channel(name, since);
    }
    void reply(const nlohmann::json& target, const std::string& text) override {
        inner_.reply(target, text);
    }

  protected:
    chat::chat_platform& inner_;
};

}  // namespace warroom::testing
