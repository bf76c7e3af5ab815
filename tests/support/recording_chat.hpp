#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "bot/chat/chat_platform.hpp"

namespace warroom::testing {

/// A chat platform that remembers every call, and can be told to fail the next ones.
class recording_chat final : public chat::chat_platform {
  public:
    struct call {
        std::string method;
        std::string channel;
        std::string text;  // topic, message text, or joined user list
        std::string ts;
    };

    chat::channel_info create_channel(const std::string& name, bool is_private) override {
        std::lock_guard lock(mutex_);
        fail_if_asked("create");
        for (const auto& taken : taken_names) {
            if (taken == name)
                throw chat::chat_error("name_taken", "name taken", false);
        }
        taken_names.push_back(name);
        calls.push_back({is_private ? "create_private" : "create", "C" + name, name, {}});
        return {"C" + name, name};
    }
    void set_topic(const std::string& channel, const std::string& topic) override {
        record("set_topic", channel, topic);
    }
    void invite(const std::string& channel, const std::vector<std::string>& users) override {
        std::string joined;
        for (const auto& u : users)
            joined += (joined.empty() ? "" : ",") + u;
        record("invite", channel, joined);
    }
    std::string post_message(const std::string& channel, const chat::message& msg) override {
        std::lock_guard lock(mutex_);
        fail_if_asked("post");
        const std::string ts = "1700000000." + std::to_string(100000 + calls.size());
        calls.push_back({"post", channel, msg.text, ts});
        return ts;
    }
    void update_message(const std::string& channel, const std::string& ts,
                        const chat::message& msg) override {
        std::lock_guard lock(mutex_);
        fail_if_asked("update");
        calls.push_back({"update", channel, msg.text, ts});
    }
    void pin(const std::string& channel, const std::string& ts) override {
        std::lock_guard lock(mutex_);
        fail_if_asked("pin");
        calls.push_back({"pin", channel, {}, ts});
    }
    void post_ephemeral(const std::string& channel, const std::string&,
                        const std::string& text) override {
        record("ephemeral", channel, text);
    }
    std::optional<chat::user_info> lookup_user(const std::string& user) override {
        return chat::user_info{user, user, user};
    }

    std::vector<call> of(const std::string& method) const {
        std::vector<call> out;
        for (const auto& c : calls) {
            if (c.method == method)
                out.push_back(c);
        }
        return out;
    }

    std::vector<call> calls;
    std::vector<std::string> taken_names;
    int fail_next = 0;      // how many upcoming calls fail
    std::string fail_only;  // when set, only calls of this method ("post", "invite", ...) fail
    std::string fail_code = "internal_error";
    bool fail_retryable = true;

  private:
    void record(const std::string& method, const std::string& channel, const std::string& text) {
        std::lock_guard lock(mutex_);
        fail_if_asked(method);
        calls.push_back({method, channel, text, {}});
    }
    void fail_if_asked(const std::string& method) {
        if (fail_next > 0 && (fail_only.empty() || fail_only == method)) {
            --fail_next;
            throw chat::chat_error(fail_code, "injected failure", fail_retryable, 0);
        }
    }
    std::mutex mutex_;
};

}  // namespace warroom::testing
