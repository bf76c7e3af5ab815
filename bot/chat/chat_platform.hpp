#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace warroom::chat {

/// A failure reported by the chat platform. `code` is the platform's error code
/// ("name_taken", "channel_not_found", "ratelimited", ...); `retryable` says whether trying the
/// same call again later can succeed; `retry_after_s` is the platform's hint, 0 when none.
class chat_error : public std::runtime_error {
  public:
    chat_error(std::string code, std::string message, bool retryable, int retry_after_s = 0)
        : std::runtime_error(std::move(message)),
          code_(std::move(code)),
          retryable_(retryable),
          retry_after_s_(retry_after_s) {}
    const std::string& code() const { return code_; }
    bool retryable() const { return retryable_; }
    int retry_after_s() const { return retry_after_s_; }

  private:
    std::string code_;
    bool retryable_;
    int retry_after_s_;
};

struct message {
    message(std::string text_ = {}, nlohmann::json blocks_ = nlohmann::json::array(),
            nlohmann::json card_ = {})
        : text(std::move(text_)), blocks(std::move(blocks_)), card(std::move(card_)) {}

    std::string text;  // mrkdwn; always set, it is the notification and fallback text
    nlohmann::json blocks = nlohmann::json::array();  // Block Kit, optional
    /// A live incident card: {"kind": "war_room"|"announce", "incident": {id, title, severity,
    /// status, commander, channel_id, channel_name, is_private, acknowledged}}. Platforms with
    /// rich messages draw it (Slack: Block Kit with buttons); others show `text`.
    nlohmann::json card;
    /// The outbox row that sends it (0: none). Platforms that can store it with the message
    /// (Slack: message metadata) let find_posted recognise the message after a lost answer.
    std::int64_t outbox_id = 0;
};

struct channel_info {
    std::string id;
    std::string name;
};

struct user_info {
    std::string id;
    std::string handle;  // display name without '@'
    std::string real_name;
};

/// What the incident service needs from a chat platform. Slack implements it over the Web API,
/// the local shell prints. Calls block; they run on the outbox dispatcher, never on an I/O thread.
class chat_platform {
  public:
    virtual ~chat_platform() = default;

    /// Creates a channel; throws chat_error{"name_taken"} when the name is in use.
    virtual channel_info create_channel(const std::string& name, bool is_private) = 0;
    /// `channel` is an id or a name ("incidents" / "#incidents").
    virtual void set_topic(const std::string& channel, const std::string& topic) = 0;
    virtual void invite(const std::string& channel, const std::vector<std::string>& users) = 0;
    /// Returns the message timestamp (its id for update and pin).
    virtual std::string post_message(const std::string& channel, const message& msg) = 0;
    virtual void update_message(const std::string& channel, const std::string& ts,
                                const message& msg) = 0;
    virtual void pin(const std::string& channel, const std::string& ts) = 0;
    virtual void post_ephemeral(const std::string& channel, const std::string& user,
                                const std::string& text) = 0;
    virtual std::optional<user_info> lookup_user(const std::string& user) = 0;

    /// The ts of a message that post_message sent for outbox row `outbox_id` into `channel`
    /// (posted at `since` or later), or nullopt when there is none. The default never finds one:
    /// platforms that cannot look messages up repeat the post.
    virtual std::optional<std::string> find_posted(
        const std::string& /*channel*/, std::int64_t /*outbox_id*/,
        std::chrono::system_clock::time_point /*since*/) {
        return std::nullopt;
    }

    /// The channel named `name` if this bot created it at `since` or later, else nullopt: after
    /// a create whose answer was lost (a 5xx, a crash before the result was stored) the retry
    /// finds the name taken, and must adopt that room rather than open a second one. The default
    /// never finds one.
    virtual std::optional<channel_info> find_own_channel(
        const std::string& /*name*/, std::chrono::system_clock::time_point /*since*/) {
        return std::nullopt;
    }

    /// Answers the person who ran a command, visible only to them. `target` is what the inbound
    /// request carried: {"channel", "user"} and, from Slack, "response_url". The default posts
    /// an ephemeral message; Slack prefers the response URL.
    virtual void reply(const nlohmann::json& target, const std::string& text) {
        post_ephemeral(target.value("channel", ""), target.value("user", ""), text);
    }
};

}  // namespace warroom::chat
