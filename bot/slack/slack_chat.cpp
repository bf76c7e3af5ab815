#include "bot/slack/slack_chat.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <unordered_set>

#include "bot/domain/text.hpp"
#include "bot/slack/blocks.hpp"

namespace warroom::slack {

namespace {

using namespace std::chrono_literals;

// A name that was not found in a complete listing is not looked for again before this.
constexpr auto rescan_after = 5min;
constexpr std::size_t invite_batch_size = 100;  // conversations.invite limit since Sept 2025
constexpr int max_pages = 1000;                 // guards against a cursor that never ends
// Message metadata that marks a post as sent by an outbox row (see find_posted).
constexpr const char* outbox_event_type = "warroom_outbox";
// find_posted reads at most this many pages of 100 messages back to the row's creation.
constexpr int max_lookup_pages = 5;
// How much earlier than the row's creation Slack's ts may be: the two clocks differ a little.
constexpr auto clock_skew_margin = std::chrono::minutes(10);

// A Slack ts ("1700000000.000100") for a time.
std::string slack_ts(std::chrono::system_clock::time_point t) {
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1000000),
                  static_cast<long long>(us % 1000000));
    return buf;
}

// Whether a history message carries our outbox tag for `outbox_id`.
bool tagged_with(const nlohmann::json& m, std::int64_t outbox_id) {
    const auto meta = m.find("metadata");
    if (meta == m.end() || !meta->is_object() || meta->value("event_type", "") != outbox_event_type)
        return false;
    const auto payload = meta->find("event_payload");
    if (payload == meta->end() || !payload->is_object())
        return false;
    const auto id = payload->find("outbox_id");
    if (id == payload->end())
        return false;
    if (id->is_number_integer())
        return id->get<std::int64_t>() == outbox_id;
    // UNCONFIRMED whether Slack hands payload numbers back as numbers; accept a string too.
    return id->is_string() && id->get<std::string>() == std::to_string(outbox_id);
}

bool is_id(const std::string& s, std::string_view first_chars) {
    if (s.size() < 3 || first_chars.find(s[0]) == std::string_view::npos)
        return false;
    // Slack's ids are upper-case letters and digits; '_' is accepted too because names never
    // contain upper case, and the simulator's readable ids (U_ALICE) use it.
    return std::all_of(s.begin() + 1, s.end(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    });
}

std::string next_cursor(const nlohmann::json& response) {
    const auto meta = response.find("response_metadata");
    if (meta == response.end() || !meta->is_object())
        return {};
    const auto cursor = meta->find("next_cursor");
    // Empty, null or absent all mean "last page" (§9.4).
    if (cursor == meta->end() || !cursor->is_string())
        return {};
    return cursor->get<std::string>();
}

// Cuts UTF-8 text to at most `max_chars` code points, marking the cut with an ellipsis.
std::string truncate_chars(const std::string& text, std::size_t max_chars) {
    const auto is_lead = [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; };
    if (static_cast<std::size_t>(std::count_if(text.begin(), text.end(), is_lead)) <= max_chars) {
        return text;
    }
    std::size_t chars = 0;
    std::size_t cut = 0;
    for (; cut < text.size(); ++cut) {
        if (is_lead(text[cut]) && chars++ == max_chars - 1)
            break;  // keep room for the ellipsis
    }
    return text.substr(0, cut) + "\u2026";
}

// Cuts UTF-8 text to at most `max_bytes` bytes on a code point boundary, with an ellipsis.
std::string truncate_bytes(const std::string& text, std::size_t max_bytes) {
    if (text.size() <= max_bytes)
        return text;
    std::size_t end = max_bytes - 3;  // room for the 3-byte ellipsis
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;
    return text.substr(0, end) + "\u2026";
}

bool tolerated_invite_error(const std::string& code) {
    return code == "already_in_channel" || code == "cant_invite_self";
}

// Errors about one invitee rather than the channel or the token: skip that user, go on.
bool per_user_invite_error(const std::string& code) {
    static const std::unordered_set<std::string> codes{
        "already_in_channel",
        "cant_invite_self",
        "cant_invite",
        "user_not_found",
        "no_user",
        "user_is_restricted",
        "ura_max_channels",
        "org_user_not_in_team",
        "invitee_cant_see_channel",
        "no_external_invite_permission",
        "user_is_deactivated",
        "users_not_found",
    };
    return codes.contains(code);
}

}  // namespace

slack_chat::slack_chat(web_api& api) : api_(api) {}

bool slack_chat::looks_like_channel_id(const std::string& s) {
    return is_id(s, "CGD");
}

bool slack_chat::looks_like_user_id(const std::string& s) {
    return is_id(s, "UW");
}

void slack_chat::for_each_channel(const std::function<bool(const nlohmann::json&)>& visit) {
    std::string cursor;
    for (int page = 0; page < max_pages; ++page) {
        // Private channels are listed only to members.
        nlohmann::json args{{"types", "public_channel,private_channel"},
                            {"exclude_archived", true},
                            {"limit", 200}};
        if (!cursor.empty())
            args["cursor"] = cursor;
        const auto res = api_.call("conversations.list", args);
        for (const auto& ch : res.value("channels", nlohmann::json::array())) {
            if (!visit(ch))
                return;
        }
        const std::string next = next_cursor(res);
        if (next.empty() || next == cursor)
            break;
        cursor = next;
    }
}

void slack_chat::load_channels() {
    std::unordered_map<std::string, std::string> found;
    for_each_channel([&](const nlohmann::json& ch) {
        if (ch.contains("name") && ch.contains("id"))
            found[ch["name"].get<std::string>()] = ch["id"].get<std::string>();
        return true;
    });
    std::lock_guard lock(mutex_);
    for (auto& [name, id] : found)
        channel_ids_[name] = std::move(id);
    channels_loaded_at_ = api_.clock().now();
}

void slack_chat::load_users() {
    std::unordered_map<std::string, std::string> found;
    std::string cursor;
    for (int page = 0; page < max_pages; ++page) {
        nlohmann::json args{{"limit", 200}};
        if (!cursor.empty())
            args["cursor"] = cursor;
        const auto res = api_.call("users.list", args);
        for (const auto& u : res.value("members", nlohmann::json::array())) {
            if (!u.contains("id") || u.value("deleted", false))
                continue;
            const std::string id = u["id"].get<std::string>();
            // The legacy username and the display name are what people type after '@'.
            if (u.contains("name") && u["name"].is_string())
                found[domain::to_lower(u["name"].get<std::string>())] = id;
            if (u.contains("profile") && u["profile"].is_object()) {
                for (const char* key : {"display_name", "display_name_normalized"}) {
                    const std::string v = u["profile"].value(key, "");
                    if (!v.empty())
                        found.emplace(domain::to_lower(v), id);
                }
            }
        }
        const std::string next = next_cursor(res);
        if (next.empty() || next == cursor)
            break;
        cursor = next;
    }
    std::lock_guard lock(mutex_);
    for (auto& [handle, id] : found)
        user_ids_[handle] = std::move(id);
    users_loaded_at_ = api_.clock().now();
}

std::string slack_chat::resolve_channel(const std::string& channel) {
    std::string name = channel;
    // <#C123|name> as Slack writes channel links.
    if (name.starts_with("<#") && name.ends_with(">")) {
        name = name.substr(2, name.size() - 3);
        name = name.substr(0, name.find('|'));
    }
    if (name.starts_with("#"))
        name.erase(0, 1);
    if (looks_like_channel_id(name))
        return name;
    if (name.empty())
        throw slack_api_error("channel_not_found", "empty channel name", false);

    bool stale = true;
    {
        std::lock_guard lock(mutex_);
        if (const auto it = channel_ids_.find(name); it != channel_ids_.end())
            return it->second;
        stale = !channels_loaded_at_ || api_.clock().now() - *channels_loaded_at_ > rescan_after;
    }
    if (stale)
        load_channels();
    std::lock_guard lock(mutex_);
    if (const auto it = channel_ids_.find(name); it != channel_ids_.end())
        return it->second;
    throw slack_api_error("channel_not_found",
                          "no channel named #" + name + " visible to the bot (invite it there)",
                          false);
}

std::optional<std::string> slack_chat::resolve_user(const std::string& user) {
    std::string handle = user;
    // <@U123> or <@U123|alice> as Slack writes mentions.
    if (handle.starts_with("<@") && handle.ends_with(">")) {
        handle = handle.substr(2, handle.size() - 3);
        handle = handle.substr(0, handle.find('|'));
    }
    if (handle.starts_with("@"))
        handle.erase(0, 1);
    if (handle.empty())
        return std::nullopt;
    if (looks_like_user_id(handle))
        return handle;
    handle = domain::to_lower(handle);

    bool stale = true;
    {
        std::lock_guard lock(mutex_);
        if (const auto it = user_ids_.find(handle); it != user_ids_.end())
            return it->second;
        stale = !users_loaded_at_ || api_.clock().now() - *users_loaded_at_ > rescan_after;
    }
    if (stale)
        load_users();
    std::lock_guard lock(mutex_);
    if (const auto it = user_ids_.find(handle); it != user_ids_.end())
        return it->second;
    return std::nullopt;
}

chat::channel_info slack_chat::create_channel(const std::string& name, bool is_private) {
    // name_taken surfaces as chat_error{"name_taken"}: the outbox dispatcher picks the next name.
    const auto res =
        api_.call("conversations.create", {{"name", name}, {"is_private", is_private}});
    chat::channel_info info;
    info.id = res.at("channel").at("id").get<std::string>();
    info.name = res["channel"].value("name", name);
    std::lock_guard lock(mutex_);
    channel_ids_[info.name] = info.id;
    return info;
}

void slack_chat::set_topic(const std::string& channel, const std::string& topic) {
    const std::string id = resolve_channel(channel);
    // Over 250 characters Slack answers too_long, and retrying would never help.
    api_.call("conversations.setTopic",
              {{"channel", id}, {"topic", truncate_chars(mention_users(topic), 250)}});
}

void slack_chat::invite_batch(const std::string& channel_id, const std::vector<std::string>& ids) {
    std::string joined;
    for (const auto& id : ids) {
        if (!joined.empty())
            joined += ',';
        joined += id;
    }
    try {
        api_.call("conversations.invite", {{"channel", channel_id}, {"users", joined}});
    } catch (const slack_api_error& e) {
        const std::string& code = e.code();
        if (!per_user_invite_error(code))
            throw;
        if (ids.size() == 1) {
            if (tolerated_invite_error(code)) {
                spdlog::debug("slack invite: {} in {}: {}", ids.front(), channel_id, code);
            } else {
                spdlog::warn("slack invite: cannot invite {} to {}: {}", ids.front(), channel_id,
                             code);
            }
            return;
        }
        // UNCONFIRMED whether Slack invites the rest of a batch when one user is already a
        // member (or cannot be invited). Resending one by one covers both behaviours: users the
        // batch did add now answer already_in_channel, which is tolerated.
        for (const auto& id : ids)
            invite_batch(channel_id, {id});
    }
}

void slack_chat::invite(const std::string& channel, const std::vector<std::string>& users) {
    const std::string channel_id = resolve_channel(channel);
    std::string self;
    {
        std::lock_guard lock(mutex_);
        self = self_user_id_;
    }
    std::vector<std::string> ids;
    std::unordered_set<std::string> seen;
    for (const auto& user : users) {
        const auto id = resolve_user(user);
        if (!id) {
            spdlog::warn("slack invite: no Slack user '{}', skipped", user);
            continue;
        }
        if (*id == self)
            continue;  // cant_invite_self
        if (seen.insert(*id).second)
            ids.push_back(*id);
    }
    for (std::size_t i = 0; i < ids.size(); i += invite_batch_size) {
        const auto end =
            ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + invite_batch_size));
        invite_batch(channel_id,
                     std::vector<std::string>(ids.begin() + static_cast<std::ptrdiff_t>(i), end));
    }
}

std::string slack_chat::post_message(const std::string& channel, const chat::message& msg) {
    // A user id posts into the bot's DM with that user.
    const std::string id = looks_like_user_id(channel) ? channel : resolve_channel(channel);
    nlohmann::json args{
        {"channel", id}, {"text", mention_users(msg.text)}, {"unfurl_links", false}};
    if (const auto blocks = blocks_of(msg); !blocks.empty())
        args["blocks"] = blocks;
    if (msg.outbox_id != 0) {
        // Tags the message with its outbox row, so find_posted recognises it after a lost answer.
        args["metadata"] = {{"event_type", outbox_event_type},
                            {"event_payload", {{"outbox_id", msg.outbox_id}}}};
    }
    try {
        return api_.call("chat.postMessage", args).at("ts").get<std::string>();
    } catch (const slack_api_error& e) {
        if (e.code() != "not_in_channel")
            throw;
        // Public channels can be joined (channels:join); private ones need a human invite.
        try {
            api_.call("conversations.join", {{"channel", id}});
        } catch (const slack_api_error& join_error) {
            throw slack_api_error(e.code(),
                                  std::string(e.what()) + "; joining failed: " + join_error.code(),
                                  e.retryable(), e.retry_after_s());
        }
        return api_.call("chat.postMessage", args).at("ts").get<std::string>();
    }
}

void slack_chat::update_message(const std::string& channel, const std::string& ts,
                                const chat::message& msg) {
    const std::string id = resolve_channel(channel);
    // blocks always sent, [] when none, so blocks of the previous revision do not linger;
    // text over 4,000 characters is msg_too_long on chat.update (§8.1).
    api_.call("chat.update", {{"channel", id},
                              {"ts", ts},
                              {"text", truncate_chars(mention_users(msg.text), 4000)},
                              {"blocks", blocks_of(msg)}});
}

void slack_chat::pin(const std::string& channel, const std::string& ts) {
    const std::string id = resolve_channel(channel);
    try {
        api_.call("pins.add", {{"channel", id}, {"timestamp", ts}});
    } catch (const slack_api_error& e) {
        if (e.code() != "already_pinned")
            throw;
    }
}

void slack_chat::post_ephemeral(const std::string& channel, const std::string& user,
                                const std::string& text) {
    const std::string id = resolve_channel(channel);
    const auto user_id = resolve_user(user);
    if (!user_id)
        throw slack_api_error("user_not_found", "no Slack user '" + user + "'", false);
    // Ephemeral messages are limited to 4,000 bytes (§6.9).
    api_.call("chat.postEphemeral",
              {{"channel", id}, {"user", *user_id}, {"text", truncate_bytes(text, 4000)}});
}

std::optional<chat::user_info> slack_chat::lookup_user(const std::string& user) {
    const auto id = resolve_user(user);
    if (!id)
        return std::nullopt;
    nlohmann::json res;
    try {
        res = api_.call("users.info", {{"user", *id}});
    } catch (const slack_api_error& e) {
        if (e.code() == "user_not_found" || e.code() == "user_not_visible")
            return std::nullopt;
        throw;
    }
    const auto& u = res.at("user");
    chat::user_info info;
    info.id = u.value("id", *id);
    const auto profile = u.value("profile", nlohmann::json::object());
    const std::string display = profile.value("display_name", "");
    info.handle = display.empty() ? u.value("name", "") : display;
    info.real_name = u.value("real_name", profile.value("real_name", ""));
    return info;
}

void slack_chat::reply(const nlohmann::json& target, const std::string& text) {
    const std::string url = target.is_object() ? target.value("response_url", "") : "";
    if (!url.empty()) {
        try {
            api_.post_response_url(
                url, {{"response_type", "ephemeral"}, {"replace_original", false}, {"text", text}});
            return;
        } catch (const slack_api_error& e) {
            // Shutting down: the outbox keeps the reply for the next start, response_url and all.
            if (e.code() == "cancelled")
                throw;
            // A response_url lives 30 minutes and 5 uses (§1.4); the ephemeral post still works.
            spdlog::debug("slack reply: response_url failed ({}), posting ephemeral", e.code());
        }
    }
    if (target.value("direct", false)) {
        // Answers to a modal have no channel: they arrive as a direct message from the bot.
        chat::message dm;
        dm.text = text;
        post_message(target.value("user", ""), dm);
        return;
    }
    post_ephemeral(target.value("channel", ""), target.value("user", ""), text);
}

std::optional<std::string> slack_chat::find_posted(const std::string& channel,
                                                   std::int64_t outbox_id,
                                                   std::chrono::system_clock::time_point since) {
    // A post to a user id lands in a DM whose channel id we do not have here: not looked up.
    if (looks_like_user_id(channel))
        return std::nullopt;
    const std::string id = resolve_channel(channel);
    std::string self;
    {
        std::lock_guard lock(mutex_);
        self = self_user_id_;
    }
    std::string cursor;
    for (int page = 0; page < max_lookup_pages; ++page) {
        // include_all_metadata: without it the metadata may be left out (see the simulator).
        nlohmann::json args{{"channel", id},
                            {"oldest", slack_ts(since - clock_skew_margin)},
                            {"include_all_metadata", true},
                            {"limit", 100}};
        if (!cursor.empty())
            args["cursor"] = cursor;
        nlohmann::json res;
        try {
            res = api_.call("conversations.history", args);
        } catch (const slack_api_error& e) {
            // We cannot read the channel, so we were not in it and cannot have posted there.
            if (e.code() == "not_in_channel" || e.code() == "channel_not_found")
                return std::nullopt;
            throw;
        }
        for (const auto& m : res.value("messages", nlohmann::json::array())) {
            if (tagged_with(m, outbox_id) && (self.empty() || m.value("user", "") == self))
                return m.value("ts", "");
        }
        const std::string next = next_cursor(res);
        if (next.empty() || next == cursor)
            break;
        cursor = next;
    }
    return std::nullopt;
}

std::optional<slack_chat::fetched_message> slack_chat::fetch_message(const std::string& channel,
                                                                     const std::string& ts) {
    const auto res = api_.call(
        "conversations.history",
        {{"channel", resolve_channel(channel)}, {"latest", ts}, {"inclusive", true}, {"limit", 1}});
    for (const auto& m : res.value("messages", nlohmann::json::array())) {
        if (m.value("ts", "") == ts)
            return fetched_message{m.value("user", ""), m.value("text", "")};
    }
    return std::nullopt;
}

nlohmann::json blocks_of(const chat::message& msg) {
    if (msg.card.is_object() && msg.card.contains("incident")) {
        // The card is drawn from the incident's current state (see outbox_dispatcher).
        const auto& j = msg.card["incident"];
        domain::incident inc;
        inc.id = j.value("id", "");
        inc.title = j.value("title", "");
        inc.severity =
            domain::parse_severity(j.value("severity", "SEV2")).value_or(domain::severity::sev2);
        inc.status = domain::parse_status(j.value("status", "investigating"))
                         .value_or(domain::status::investigating);
        inc.commander = j.value("commander", "");
        inc.channel_id = j.value("channel_id", "");
        inc.channel_name = j.value("channel_name", "");
        inc.is_private = j.value("is_private", false);
        if (j.value("acknowledged", false))
            inc.acknowledged_at = domain::time_point{};
        const std::string text = mention_users(msg.text);
        return msg.card.value("kind", "") == "announce" ? announce_card(inc, text)
                                                        : incident_card(inc, text);
    }
    return msg.blocks.is_array() ? msg.blocks : nlohmann::json::array();
}

std::string mention_users(const std::string& text) {
    // The core writes users as "@U0123ABCD" (ids from Slack); Slack only notifies "<@U0123ABCD>".
    // Handles ("@alice") are left alone: they are not ids.
    std::string out;
    out.reserve(text.size() + 8);
    for (std::size_t i = 0; i < text.size();) {
        const bool at_start = i == 0 || text[i - 1] == ' ' || text[i - 1] == '(' ||
                              text[i - 1] == '\n' || text[i - 1] == ',';
        if (text[i] == '@' && at_start && i + 1 < text.size() &&
            (text[i + 1] == 'U' || text[i + 1] == 'W')) {
            std::size_t j = i + 2;
            while (j < text.size() && ((text[j] >= 'A' && text[j] <= 'Z') ||
                                       (text[j] >= '0' && text[j] <= '9') || text[j] == '_')) {
                ++j;
            }
            const bool word_ends =
                j == text.size() || !std::isalnum(static_cast<unsigned char>(text[j]));
            if (j - i >= 4 && word_ends) {
                out += "<@" + text.substr(i + 1, j - i - 1) + ">";
                i = j;
                continue;
            }
        }
        out.push_back(text[i++]);
    }
    return out;
}

std::optional<chat::channel_info> slack_chat::find_own_channel(
    const std::string& name, std::chrono::system_clock::time_point since) {
    std::string self;
    {
        std::lock_guard lock(mutex_);
        self = self_user_id_;
    }
    if (self.empty())
        return std::nullopt;  // without auth.test we cannot tell our channels from others'
    const auto not_before = std::chrono::duration_cast<std::chrono::seconds>(
                                (since - clock_skew_margin).time_since_epoch())
                                .count();
    std::optional<chat::channel_info> own;
    for_each_channel([&](const nlohmann::json& ch) {
        if (ch.value("name", "") != name)
            return true;
        // Ours (the bot is a member of the private ones it created, so they are listed), and
        // made since the outbox row: not an older room of a reused name. Names are unique, so
        // the first match decides.
        if (ch.value("creator", "") == self && ch.value("created", std::int64_t{0}) >= not_before)
            own = chat::channel_info{ch.value("id", ""), name};
        return false;
    });
    return own;
}

auth_info slack_chat::auth_test() {
    const auto res = api_.call_full("auth.test", nlohmann::json::object());
    auth_info info;
    info.ok = res.body.value("ok", false);
    info.user_id = res.body.value("user_id", "");
    info.bot_id = res.body.value("bot_id", "");
    info.team = res.body.value("team", "");
    info.team_id = res.body.value("team_id", "");
    info.url = res.body.value("url", "");
    if (const auto it = res.headers.find("x-oauth-scopes"); it != res.headers.end()) {
        std::string_view rest = it->second;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            std::string_view scope = rest.substr(0, comma);
            while (!scope.empty() && scope.front() == ' ')
                scope.remove_prefix(1);
            while (!scope.empty() && scope.back() == ' ')
                scope.remove_suffix(1);
            if (!scope.empty())
                info.scopes.emplace_back(scope);
            if (comma == std::string_view::npos)
                break;
            rest.remove_prefix(comma + 1);
        }
    }
    std::lock_guard lock(mutex_);
    self_user_id_ = info.user_id;
    return info;
}

std::string slack_chat::bookmarks_add(const std::string& channel, const std::string& title,
                                      const std::string& link) {
    const std::string id = resolve_channel(channel);
    const auto res = api_.call(
        "bookmarks.add", {{"channel_id", id}, {"title", title}, {"type", "link"}, {"link", link}});
    return res.value("bookmark", nlohmann::json::object()).value("id", "");
}

std::vector<std::string> slack_chat::usergroup_members(const std::string& usergroup_id) {
    const auto res = api_.call("usergroups.users.list", {{"usergroup", usergroup_id}});
    std::vector<std::string> out;
    for (const auto& u : res.value("users", nlohmann::json::array())) {
        if (u.is_string())
            out.push_back(u.get<std::string>());
    }
    return out;
}

std::string slack_chat::upload_file(const std::string& channel, const std::string& filename,
                                    const std::string& content, const std::string& title) {
    if (content.empty()) {
        // Slack answers missing_argument for length 0; say so before spending a call.
        throw slack_api_error("missing_argument", "cannot upload an empty file", false);
    }
    const std::string channel_id = channel.empty() ? std::string{} : resolve_channel(channel);
    const auto ticket = api_.call("files.getUploadURLExternal",
                                  {{"filename", filename}, {"length", content.size()}});
    const std::string upload_url = ticket.at("upload_url").get<std::string>();
    const std::string file_id = ticket.at("file_id").get<std::string>();
    api_.upload_bytes(upload_url, content);

    nlohmann::json args{
        {"files",
         nlohmann::json::array({{{"id", file_id}, {"title", title.empty() ? filename : title}}})}};
    if (!channel_id.empty())
        args["channel_id"] = channel_id;
    api_.call("files.completeUploadExternal", args);
    return file_id;
}

nlohmann::json slack_chat::views_open(const std::string& trigger_id, const nlohmann::json& view) {
    // Trigger errors: expired_trigger_id / exchanged_trigger_id per the method reference,
    // trigger_expired / trigger_exchanged per the guide (UNCONFIRMED); both are non-retryable
    // codes passed through unchanged, since a trigger cannot be reused anyway.
    return api_.call("views.open", {{"trigger_id", trigger_id}, {"view", view}})
        .value("view", nlohmann::json::object());
}

nlohmann::json slack_chat::views_update(const std::string& view_id, const nlohmann::json& view,
                                        const std::string& hash) {
    nlohmann::json args{{"view_id", view_id}, {"view", view}};
    if (!hash.empty())
        args["hash"] = hash;
    return api_.call("views.update", args).value("view", nlohmann::json::object());
}

std::string slack_chat::open_im(const std::string& user) {
    const auto id = resolve_user(user);
    if (!id)
        throw slack_api_error("user_not_found", "no Slack user '" + user + "'", false);
    const auto res = api_.call("conversations.open", {{"users", *id}});
    return res.at("channel").at("id").get<std::string>();
}

const std::vector<std::string>& required_bot_scopes() {
    // channels:history and groups:history also serve find_posted (conversations.history).
    static const std::vector<std::string> scopes{
        "app_mentions:read", "bookmarks:write", "channels:history", "channels:join",
        "channels:manage",   "channels:read",   "chat:write",       "commands",
        "files:write",       "groups:history",  "groups:read",      "groups:write",
        "pins:read",         "pins:write",      "reactions:read",   "usergroups:read",
        "users:read"};
    return scopes;
}

}  // namespace warroom::slack
