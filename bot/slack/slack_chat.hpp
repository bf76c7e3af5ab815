#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/chat/chat_platform.hpp"
#include "bot/domain/clock.hpp"
#include "bot/slack/web_api.hpp"

namespace warroom::slack {

struct auth_info {
    bool ok = false;
    std::string user_id;  // the bot's own user (U…)
    std::string bot_id;   // B…
    std::string team;
    std::string team_id;
    std::string url;
    std::vector<std::string> scopes;  // from the x-oauth-scopes response header
};

/// The Slack chat_platform over the Web API. Channel arguments may be ids or names ("incidents",
/// "#incidents"); names are resolved once through conversations.list and cached. Users may be
/// ids (U…/W…), mentions (<@U…>) or handles ("@alice"), resolved through users.list.
/// Errors are slack_api_error, a chat::chat_error carrying Slack's code. Thread-safe.
/// `api` must outlive this object.
class slack_chat final : public chat::chat_platform {
  public:
    explicit slack_chat(web_api& api);

    chat::channel_info create_channel(const std::string& name, bool is_private) override;
    void set_topic(const std::string& channel, const std::string& topic) override;
    void invite(const std::string& channel, const std::vector<std::string>& users) override;
    std::string post_message(const std::string& channel, const chat::message& msg) override;
    void update_message(const std::string& channel, const std::string& ts,
                        const chat::message& msg) override;
    void pin(const std::string& channel, const std::string& ts) override;
    void post_ephemeral(const std::string& channel, const std::string& user,
                        const std::string& text) override;
    std::optional<chat::user_info> lookup_user(const std::string& user) override;
    /// Reads the channel's history since `since` (less a clock-skew margin, at most 500
    /// messages) for the bot's message tagged with the row's metadata.
    std::optional<std::string> find_posted(const std::string& channel, std::int64_t outbox_id,
                                           std::chrono::system_clock::time_point since) override;
    std::optional<chat::channel_info> find_own_channel(
        const std::string& name, std::chrono::system_clock::time_point since) override;
    /// Through the target's "response_url" when present (ephemeral, works even where the bot is
    /// not a member); falls back to chat.postEphemeral when it is absent, expired or used up.
    void reply(const nlohmann::json& target, const std::string& text) override;

    /// auth.test; also remembers the bot's own user id (so invite never invites itself).
    auth_info auth_test();

    struct fetched_message {
        std::string user;
        std::string text;
    };
    /// One message by its ts (conversations.history), for :pushpin: reactions that carry none.
    std::optional<fetched_message> fetch_message(const std::string& channel, const std::string& ts);
    /// bookmarks.add of a link; returns the bookmark id.
    std::string bookmarks_add(const std::string& channel, const std::string& title,
                              const std::string& link);
    /// usergroups.users.list: the member ids of a user group (S…).
    std::vector<std::string> usergroup_members(const std::string& usergroup_id);
    /// files.getUploadURLExternal → POST the bytes → files.completeUploadExternal; shares the
    /// file in `channel` (empty: keep it private). Returns the file id.
    std::string upload_file(const std::string& channel, const std::string& filename,
                            const std::string& content, const std::string& title);
    /// views.open; returns the view object (store its "id" for views_update).
    nlohmann::json views_open(const std::string& trigger_id, const nlohmann::json& view);
    /// views.update; `hash` may be empty (no conflict check).
    nlohmann::json views_update(const std::string& view_id, const nlohmann::json& view,
                                const std::string& hash);
    /// conversations.open with one user; returns the DM channel id (D…).
    std::string open_im(const std::string& user);

    /// The channel id for an id or a name; throws chat_error{"channel_not_found"}.
    std::string resolve_channel(const std::string& channel);
    /// The user id for an id, mention or handle; nullopt when no such user.
    std::optional<std::string> resolve_user(const std::string& user);

    static bool looks_like_channel_id(const std::string& s);
    static bool looks_like_user_id(const std::string& s);

  private:
    /// Pages through conversations.list (public and private, not archived) until `visit`
    /// returns false.
    void for_each_channel(const std::function<bool(const nlohmann::json&)>& visit);
    void load_channels();
    void load_users();
    void invite_batch(const std::string& channel_id, const std::vector<std::string>& ids);

    web_api& api_;
    std::mutex mutex_;                                          // guards the caches
    std::unordered_map<std::string, std::string> channel_ids_;  // name → id
    std::unordered_map<std::string, std::string> user_ids_;     // lower-cased handle → id
    std::optional<domain::time_point> users_loaded_at_;
    std::optional<domain::time_point> channels_loaded_at_;
    std::string self_user_id_;
};

/// Turns "@U0123ABCD" user ids in text into Slack mentions ("<@U0123ABCD>"); handles stay.
std::string mention_users(const std::string& text);

/// The Block Kit blocks a message is drawn with: its incident card when it carries one,
/// else its own blocks (possibly none).
nlohmann::json blocks_of(const chat::message& msg);

/// The bot scopes warroom uses (deploy/slack-app-manifest.yaml lists them with reasons).
const std::vector<std::string>& required_bot_scopes();

}  // namespace warroom::slack
