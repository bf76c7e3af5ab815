// One function per Web API method. Each runs with the workspace lock held, returns the success
// fields, and throws api_error with Slack's error code otherwise.
#include <algorithm>

#include "tests/slack_sim/blocks.hpp"
#include "tests/slack_sim/util.hpp"
#include "tests/slack_sim/web_api.hpp"

namespace warroom::slack_sim {

using nlohmann::json;

namespace {

bool has_scope(const api_call& c, const std::string& scope) {
    const auto& s = c.sim.scopes;
    return std::find(s.begin(), s.end(), scope) != s.end();
}

const std::string& bot(const api_call& c) {
    return c.sim.opt.bot_user_id;
}

/// The bot can see public channels and the private ones it is in.
bool visible(const api_call& c, const channel_record& ch) {
    return !ch.is_private || ch.is_member(bot(c));
}

channel_record& channel_arg(api_call& c, const std::string& key = "channel") {
    auto* ch = c.ws.find_channel(c.str(key));
    if (ch == nullptr || !visible(c, *ch)) {
        throw api_error("channel_not_found");
    }
    return *ch;
}

void require_member(const api_call& c, const channel_record& ch) {
    if (!ch.is_member(bot(c))) {
        throw api_error("not_in_channel");
    }
}

void require_active(const channel_record& ch) {
    if (ch.archived) {
        throw api_error("is_archived");
    }
}

message_record& message_arg(api_call& c, channel_record& ch, const std::string& key) {
    if (!c.has(key)) {
        throw api_error(key == "timestamp" ? "no_item_specified" : "message_not_found");
    }
    auto* m = ch.find_message(c.str(key));
    if (m == nullptr) {
        throw api_error("message_not_found");
    }
    return *m;
}

/// Cursor pagination over `total` items: (offset, limit) in, next_cursor out.
struct page {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string next_cursor;
};

page paginate(const api_call& c, std::size_t total, long long default_limit, long long max_limit) {
    long long limit = c.integer("limit", default_limit);
    if (limit <= 0) {
        limit = default_limit;
    }
    limit = std::min(limit, max_limit);  // Slack adjusts invalid limits silently.
    std::size_t offset = 0;
    if (c.has("cursor")) {
        std::string decoded;
        if (!util::base64_decode(c.str("cursor"), decoded) || !util::starts_with(decoded, "o:")) {
            throw api_error("invalid_cursor");
        }
        try {
            offset = std::stoul(decoded.substr(2));
        } catch (const std::exception&) {
            throw api_error("invalid_cursor");
        }
        if (offset > total) {
            throw api_error("invalid_cursor");
        }
    }
    page p;
    p.begin = offset;
    p.end = std::min(total, offset + static_cast<std::size_t>(limit));
    if (p.end < total) {
        // Real cursors are opaque base64 that often end in '='; clients must URL-encode them.
        p.next_cursor = util::base64_encode("o:" + std::to_string(p.end));
    }
    return p;
}

json page_metadata(const page& p) {
    return {{"next_cursor", p.next_cursor}};
}

/// Text, blocks and attachments of a message-posting call; throws no_text when all are empty.
struct message_content {
    std::string text;
    json blocks;
    json attachments;
};

message_content content_args(api_call& c, std::size_t max_text, const char* too_long_code,
                             bool truncate_instead) {
    message_content m;
    m.text = c.str("text");
    m.blocks = c.json_arg("blocks", "invalid_blocks");
    if (!m.blocks.is_null()) {
        validate_blocks(m.blocks, 50, "/blocks", "invalid_blocks");
    }
    m.attachments = c.json_arg("attachments", "invalid_attachments");
    if (!m.attachments.is_null()) {
        if (!m.attachments.is_array()) {
            throw api_error("invalid_attachments");
        }
        if (m.attachments.size() > 100) {
            throw api_error("too_many_attachments");
        }
    }
    if (c.has("markdown_text")) {
        if (!m.text.empty() || !m.blocks.is_null()) {
            throw api_error("markdown_text_conflict");
        }
        m.text = c.str("markdown_text");
    }
    bool empty_blocks = m.blocks.is_null() || m.blocks.empty();
    bool empty_attachments = m.attachments.is_null() || m.attachments.empty();
    if (m.text.empty() && empty_blocks && empty_attachments) {
        throw api_error("no_text");
    }
    if (util::utf8_length(m.text) > max_text) {
        if (!truncate_instead) {
            throw api_error(too_long_code);
        }
        m.text = util::utf8_truncate(m.text, max_text);
        c.warnings.push_back("message_truncated");
    }
    return m;
}

json echo_message_event(const channel_record& ch, const message_record& m, const workspace& ws) {
    json e = ws.message_json(ch, m);
    e["channel"] = ch.id;
    e["event_ts"] = m.ts;
    e["channel_type"] = ch.is_im ? "im" : (ch.is_private ? "group" : "channel");
    return e;
}

// ---- auth / apps -----------------------------------------------------------------------------

json auth_test(api_call& c) {
    return {{"url", "https://sim.slack.com/"},
            {"team", "Simulated Workspace"},
            {"user", c.ws.bot_user().name},
            {"team_id", c.sim.opt.team_id},
            {"user_id", bot(c)},
            {"bot_id", c.sim.opt.bot_id},
            {"app_id", c.sim.opt.app_id},
            {"is_enterprise_install", false}};
}

json apps_connections_open(api_call& c) {
    auto ticket = util::uuid();
    c.ws.socket_tickets[ticket] = "";
    return {{"url", "ws://" + c.sim.host + ":" + std::to_string(c.sim.port.load()) +
                        "/socket?ticket=" + ticket + "&app_id=" + c.sim.opt.app_id}};
}

// ---- conversations ---------------------------------------------------------------------------

json conversations_create(api_call& c) {
    auto name = c.str("name");
    if (name.empty()) {
        throw api_error("invalid_name_required");
    }
    if (util::utf8_length(name) > 80) {
        throw api_error("invalid_name_maxlength");
    }
    bool only_punctuation = true;
    for (char ch : name) {
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        if (!ok) {
            throw api_error("invalid_name_specials");
        }
        only_punctuation = only_punctuation && (ch == '-' || ch == '_');
    }
    if (only_punctuation) {
        throw api_error("invalid_name_punctuation");
    }
    if (c.ws.find_channel_by_name(name) != nullptr) {
        throw api_error("name_taken");
    }
    auto& ch = c.ws.add_channel(name, c.flag("is_private"), bot(c));
    ch.members.push_back(bot(c));
    return {{"channel", c.ws.channel_json(ch)}};
}

json set_topic_or_purpose(api_call& c, bool topic) {
    auto& ch = channel_arg(c);
    require_active(ch);
    require_member(c, ch);
    auto value = c.str(topic ? "topic" : "purpose");
    if (util::utf8_length(value) > 250) {
        throw api_error("too_long");
    }
    message_record m;
    m.ts = c.ws.next_ts();
    m.user = bot(c);
    if (topic) {
        ch.topic = value;
        ch.topic_creator = bot(c);
        ch.topic_last_set = util::unix_seconds();
        m.subtype = "channel_topic";
        m.text = "set the channel topic: " + value;
    } else {
        ch.purpose = value;
        m.subtype = "channel_purpose";
        m.text = "set the channel description: " + value;
    }
    ch.messages.push_back(m);
    return {{"channel", c.ws.channel_json(ch)}};
}

json conversations_set_topic(api_call& c) {
    return set_topic_or_purpose(c, true);
}

json conversations_set_purpose(api_call& c) {
    return set_topic_or_purpose(c, false);
}

json conversations_invite(api_call& c) {
    auto& ch = channel_arg(c);
    if (ch.is_im) {
        throw api_error("method_not_supported_for_channel_type");
    }
    require_active(ch);
    require_member(c, ch);
    if (!c.has("users")) {
        throw api_error("no_user");
    }
    std::vector<std::string> ids;
    for (const auto& part : util::split(c.str("users"), ',')) {
        auto id = util::trim(part);
        if (!id.empty()) {
            ids.push_back(id);
        }
    }
    if (ids.empty()) {
        throw api_error("no_user");
    }
    if (ids.size() > 1000) {
        throw api_error("invalid_arguments",
                        {"[ERROR] no more than 1000 items allowed [json-pointer:/users]"});
    }
    bool force = c.flag("force");
    json errors = json::array();
    std::vector<std::string> to_add;
    std::size_t already = 0;
    std::string first_error;
    for (const auto& id : ids) {
        std::string err;
        auto* u = c.ws.find_user(id);
        if (id == bot(c)) {
            err = "cant_invite_self";
        } else if (u == nullptr || u->id != id || u->deleted) {
            err = "user_not_found";
        } else if (ch.is_member(id)) {
            err = "already_in_channel";
            ++already;
        } else if (std::find(to_add.begin(), to_add.end(), id) == to_add.end()) {
            to_add.push_back(id);
        }
        if (!err.empty()) {
            errors.push_back({{"user", id}, {"ok", false}, {"error", err}});
            if (first_error.empty() && err != "already_in_channel") {
                first_error = err;
            }
        }
    }
    // Invalid ids fail the whole call unless force=true; users already in the channel only do
    // when nobody is left to invite.
    if (!first_error.empty() && !force) {
        throw api_error(first_error, {}, {{"errors", errors}});
    }
    if (to_add.empty()) {
        throw api_error(already > 0 ? "already_in_channel" : first_error, {}, {{"errors", errors}});
    }
    for (const auto& id : to_add) {
        ch.members.push_back(id);
        if (c.sim.opt.echo_bot_actions) {
            c.deliveries.push_back(c.sim.make_event({{"type", "member_joined_channel"},
                                                     {"user", id},
                                                     {"channel", ch.id},
                                                     {"channel_type", ch.is_private ? "G" : "C"},
                                                     {"team", c.sim.opt.team_id},
                                                     {"inviter", bot(c)},
                                                     {"event_ts", c.ws.next_ts()}}));
        }
    }
    json out = {{"channel", c.ws.channel_json(ch)}};
    if (!errors.empty()) {
        out["errors"] = errors;
    }
    return out;
}

json conversations_join(api_call& c) {
    auto& ch = channel_arg(c);
    if (ch.is_private || ch.is_im) {
        throw api_error("method_not_supported_for_channel_type");
    }
    require_active(ch);
    if (ch.is_member(bot(c))) {
        c.warnings.push_back("already_in_channel");
    } else {
        ch.members.push_back(bot(c));
    }
    return {{"channel", c.ws.channel_json(ch)}};
}

json conversations_archive(api_call& c) {
    auto& ch = channel_arg(c);
    if (ch.is_im) {
        throw api_error("method_not_supported_for_channel_type");
    }
    if (ch.archived) {
        throw api_error("already_archived");
    }
    if (ch.id == "C_GENERAL") {
        throw api_error("cant_archive_general");
    }
    require_member(c, ch);
    ch.archived = true;
    return json::object();
}

json conversations_info(api_call& c) {
    auto& ch = channel_arg(c);
    return {{"channel", c.ws.channel_json(ch)}};
}

json conversations_list(api_call& c) {
    std::string types = c.has("types") ? c.str("types") : "public_channel";
    auto wanted = util::split(types, ',');
    auto want = [&](const char* t) {
        return std::find(wanted.begin(), wanted.end(), t) != wanted.end();
    };
    bool exclude_archived = c.flag("exclude_archived");
    std::vector<const channel_record*> matching;
    for (const auto& ch : c.ws.channels) {
        bool type_ok = ch.is_im ? want("im")
                                : (ch.is_private ? want("private_channel") && ch.is_member(bot(c))
                                                 : want("public_channel"));
        if (type_ok && !(exclude_archived && ch.archived)) {
            matching.push_back(&ch);
        }
    }
    auto p = paginate(c, matching.size(), 100, 999);
    json list = json::array();
    for (auto i = p.begin; i < p.end; ++i) {
        list.push_back(c.ws.channel_json(*matching[i]));
    }
    return {{"channels", list}, {"response_metadata", page_metadata(p)}};
}

json conversations_members(api_call& c) {
    auto& ch = channel_arg(c);
    auto p = paginate(c, ch.members.size(), 100, 1000);
    json list = json::array();
    for (auto i = p.begin; i < p.end; ++i) {
        list.push_back(ch.members[i]);
    }
    return {{"members", list}, {"response_metadata", page_metadata(p)}};
}

json conversations_history(api_call& c) {
    auto& ch = channel_arg(c);
    require_member(c, ch);
    auto latest = c.str("latest");
    auto oldest = c.str("oldest");
    bool inclusive = c.flag("inclusive");
    auto as_number = [](const std::string& ts) {
        try {
            return ts.empty() ? 0.0 : std::stod(ts);
        } catch (const std::exception&) {
            throw api_error("invalid_ts_latest");
        }
    };
    double lo = oldest.empty() ? -1 : as_number(oldest);
    double hi = latest.empty() ? 1e18 : as_number(latest);
    std::vector<const message_record*> top;
    for (auto it = ch.messages.rbegin(); it != ch.messages.rend(); ++it) {
        const auto& m = *it;
        if (m.deleted || (!m.thread_ts.empty() && m.thread_ts != m.ts)) {
            continue;  // thread replies only show in conversations.replies
        }
        double t = as_number(m.ts);
        bool in_range = inclusive ? (t >= lo && t <= hi) : (t > lo && t < hi);
        if (in_range) {
            top.push_back(&m);
        }
    }
    auto p = paginate(c, top.size(), 100, 999);
    // UNCONFIRMED: Slack documents include_all_metadata as "return all metadata associated with
    // this message"; we take the strict reading, that messages come without metadata unless it
    // is set, so a client that forgets the flag fails here rather than in production.
    const bool with_metadata = c.flag("include_all_metadata");
    json list = json::array();
    for (auto i = p.begin; i < p.end; ++i) {
        json m = c.ws.message_json(ch, *top[i]);
        if (!with_metadata)
            m.erase("metadata");
        list.push_back(std::move(m));
    }
    std::size_t pins = std::count_if(ch.messages.begin(), ch.messages.end(),
                                     [](const message_record& m) { return m.pinned; });
    return {{"messages", list},
            {"has_more", !p.next_cursor.empty()},
            {"pin_count", pins},
            {"response_metadata", page_metadata(p)}};
}

json conversations_replies(api_call& c) {
    auto& ch = channel_arg(c);
    require_member(c, ch);
    auto ts = c.str("ts");
    auto* parent = ch.find_message(ts);
    if (parent == nullptr) {
        throw api_error("thread_not_found");
    }
    std::vector<const message_record*> thread{parent};
    for (const auto& m : ch.messages) {
        if (!m.deleted && m.thread_ts == ts && m.ts != ts) {
            thread.push_back(&m);
        }
    }
    auto p = paginate(c, thread.size(), 100, 1000);
    json list = json::array();
    for (auto i = p.begin; i < p.end; ++i) {
        list.push_back(c.ws.message_json(ch, *thread[i]));
    }
    return {{"messages", list},
            {"has_more", !p.next_cursor.empty()},
            {"response_metadata", page_metadata(p)}};
}

// ---- chat ------------------------------------------------------------------------------------

json chat_post_message(api_call& c) {
    auto ref = c.str("channel");
    auto* ch = c.ws.find_channel(ref);
    if (ch == nullptr) {
        auto* u = c.ws.find_user(ref);
        if (u != nullptr && u->id == ref && !u->is_bot) {
            ch = &c.ws.im_with(u->id);  // a user id opens the bot's DM with that user
        }
    }
    if (ch == nullptr || ref.empty()) {
        throw api_error("channel_not_found");
    }
    if (!ch->is_member(bot(c)) && (ch->is_private || !has_scope(c, "chat:write.public"))) {
        throw api_error("not_in_channel");
    }
    require_active(*ch);
    auto content = content_args(c, 40000, "msg_too_long", !c.sim.opt.strict_message_length);
    auto metadata = c.json_arg("metadata", "invalid_metadata_format");
    auto ts = c.sim.post_as_bot(*ch, content.text, content.blocks, c.str("thread_ts"));
    auto& m = *ch->find_message(ts);
    m.attachments = content.attachments;
    m.metadata = metadata;
    if (c.sim.opt.echo_bot_actions) {
        c.deliveries.push_back(c.sim.make_event(echo_message_event(*ch, m, c.ws)));
    }
    return {{"channel", ch->id}, {"ts", ts}, {"message", c.ws.message_json(*ch, m)}};
}

json chat_update(api_call& c) {
    auto& ch = channel_arg(c);
    auto& m = message_arg(c, ch, "ts");
    if (m.bot_id != c.sim.opt.bot_id) {
        throw api_error("cant_update_message");
    }
    auto content = content_args(c, 4000, "msg_too_long", false);
    m.text = content.text;
    if (!content.blocks.is_null()) {
        m.blocks = content.blocks;
    }
    if (!content.attachments.is_null()) {
        m.attachments = content.attachments;
    }
    m.edited = std::pair{bot(c), c.ws.next_ts()};
    return {
        {"channel", ch.id}, {"ts", m.ts}, {"text", m.text}, {"message", c.ws.message_json(ch, m)}};
}

json chat_delete(api_call& c) {
    auto& ch = channel_arg(c);
    auto& m = message_arg(c, ch, "ts");
    if (m.bot_id != c.sim.opt.bot_id) {
        throw api_error("cant_delete_message");
    }
    m.deleted = true;
    return {{"channel", ch.id}, {"ts", m.ts}};
}

json chat_post_ephemeral(api_call& c) {
    auto& ch = channel_arg(c);
    require_active(ch);
    auto* u = c.ws.find_user(c.str("user"));
    if (u == nullptr || !c.has("user")) {
        throw api_error("user_not_found");
    }
    if (!ch.is_member(u->id)) {
        throw api_error("user_not_in_channel");
    }
    require_member(c, ch);
    auto content = content_args(c, 1 << 30, "msg_too_long", false);
    if (content.text.size() > 4000) {  // ephemeral limits are in bytes
        throw api_error("msg_too_long");
    }
    ephemeral_record e;
    e.channel = ch.id;
    e.user = u->id;
    e.ts = c.ws.next_ts();
    e.text = content.text;
    e.blocks = content.blocks;
    e.source = "chat.postEphemeral";
    e.thread_ts = c.str("thread_ts");
    c.ws.ephemerals.push_back(e);
    return {{"message_ts", e.ts}};
}

json chat_get_permalink(api_call& c) {
    auto& ch = channel_arg(c);
    auto& m = message_arg(c, ch, "message_ts");
    std::string digits = m.ts;
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    return {{"channel", ch.id},
            {"permalink", "https://sim.slack.com/archives/" + ch.id + "/p" + digits}};
}

// ---- pins, reactions, bookmarks --------------------------------------------------------------

json pins_add(api_call& c) {
    auto& ch = channel_arg(c);
    require_member(c, ch);
    auto& m = message_arg(c, ch, "timestamp");
    if (m.pinned) {
        throw api_error("already_pinned");
    }
    if (std::count_if(ch.messages.begin(), ch.messages.end(),
                      [](const message_record& x) { return x.pinned; }) >= 100) {
        throw api_error("too_many_pins");
    }
    m.pinned = true;
    m.pinned_by = bot(c);
    return json::object();
}

json pins_remove(api_call& c) {
    auto& ch = channel_arg(c);
    require_member(c, ch);
    auto& m = message_arg(c, ch, "timestamp");
    if (!m.pinned) {
        throw api_error("no_pin");
    }
    m.pinned = false;
    return json::object();
}

json pins_list(api_call& c) {
    auto& ch = channel_arg(c);
    json items = json::array();
    for (const auto& m : ch.messages) {
        if (m.pinned && !m.deleted) {
            items.push_back({{"type", "message"},
                             {"channel", ch.id},
                             {"created_by", m.pinned_by},
                             {"message", c.ws.message_json(ch, m)}});
        }
    }
    return {{"items", items}};
}

// Hand-written rather than std::regex: g++ 12 reports a false -Wmaybe-uninitialized inside
// libstdc++'s regex compiler under ASan at -O1.

/// [a-z0-9_+'-]+ optionally followed by "::skin-tone-N" with N in 2..6.
bool is_emoji_name(std::string_view name) {
    if (const auto tone = name.find("::skin-tone-"); tone != std::string_view::npos) {
        const auto digit = name.substr(tone + 12);
        if (digit.size() != 1 || digit[0] < '2' || digit[0] > '6') return false;
        name = name.substr(0, tone);
    }
    if (name.empty()) return false;
    for (const char ch : name) {
        const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                        ch == '+' || ch == '\'' || ch == '-';
        if (!ok) return false;
    }
    return true;
}

/// digits "." digits "." lower-case hex, each part non-empty (the shape of a trigger_id).
bool is_trigger_shape(std::string_view id) {
    const auto first = id.find('.');
    const auto second = first == std::string_view::npos ? first : id.find('.', first + 1);
    if (second == std::string_view::npos) return false;
    const auto all = [](std::string_view part, bool hex) {
        if (part.empty()) return false;
        for (const char ch : part) {
            const bool digit = ch >= '0' && ch <= '9';
            if (!(digit || (hex && ch >= 'a' && ch <= 'f'))) return false;
        }
        return true;
    };
    return all(id.substr(0, first), false) && all(id.substr(first + 1, second - first - 1), false) &&
           all(id.substr(second + 1), true);
}

json reactions_add(api_call& c) {
    auto& ch = channel_arg(c);
    require_active(ch);
    auto name = c.str("name");
    if (!is_emoji_name(name)) {
        throw api_error("invalid_name");
    }
    auto& m = message_arg(c, ch, "timestamp");
    auto& who = m.reactions[name];
    if (std::find(who.begin(), who.end(), bot(c)) != who.end()) {
        throw api_error("already_reacted");
    }
    who.push_back(bot(c));
    return json::object();
}

json bookmarks_add(api_call& c) {
    auto* ch = c.ws.find_channel(c.str("channel_id"));
    if (ch == nullptr || !visible(c, *ch)) {
        throw api_error("channel_not_found");
    }
    if (!c.has("title")) {
        throw api_error("invalid_arguments", {"[ERROR] missing required field: title"});
    }
    if (c.str("type") != "link") {
        throw api_error("invalid_bookmark_type");
    }
    auto link = c.str("link");
    if (!util::starts_with(link, "http://") && !util::starts_with(link, "https://")) {
        throw api_error("invalid_link");
    }
    if (ch->bookmarks.size() >= 100) {
        throw api_error("too_many_bookmarks");
    }
    bookmark_record b{c.ws.next_id('B') + "k", c.str("title"), link,
                      c.str("emoji"),          "link",         util::unix_seconds()};
    ch->bookmarks.push_back(b);
    return {{"bookmark",
             {{"id", b.id},
              {"channel_id", ch->id},
              {"title", b.title},
              {"link", b.link},
              {"emoji", b.emoji},
              {"type", b.type},
              {"date_created", b.created},
              {"date_updated", 0},
              {"rank", std::to_string(ch->bookmarks.size())}}}};
}

json bookmarks_list(api_call& c) {
    auto* ch = c.ws.find_channel(c.str("channel_id"));
    if (ch == nullptr || !visible(c, *ch)) {
        throw api_error("channel_not_found");
    }
    json list = json::array();
    for (const auto& b : ch->bookmarks) {
        list.push_back({{"id", b.id},
                        {"channel_id", ch->id},
                        {"title", b.title},
                        {"link", b.link},
                        {"emoji", b.emoji},
                        {"type", b.type}});
    }
    return {{"bookmarks", list}};
}

// ---- users and groups ------------------------------------------------------------------------

json users_info(api_call& c) {
    auto id = c.str("user");
    auto* u = c.ws.find_user(id);
    if (u == nullptr || u->id != id) {
        throw api_error("user_not_found");
    }
    return {{"user", c.ws.user_json(*u)}};
}

json users_list(api_call& c) {
    auto p = paginate(c, c.ws.users.size(), 100, 1000);
    json list = json::array();
    for (auto i = p.begin; i < p.end; ++i) {
        list.push_back(c.ws.user_json(c.ws.users[i]));
    }
    return {{"members", list},
            {"cache_ts", util::unix_seconds()},
            {"response_metadata", page_metadata(p)}};
}

json users_lookup_by_email(api_call& c) {
    auto email = util::to_lower(c.str("email"));
    for (const auto& u : c.ws.users) {
        if (!u.deleted && !u.email.empty() && util::to_lower(u.email) == email) {
            return {{"user", c.ws.user_json(u)}};
        }
    }
    throw api_error("users_not_found");
}

json usergroups_list(api_call& c) {
    json list = json::array();
    for (const auto& g : c.ws.usergroups) {
        list.push_back({{"id", g.id},
                        {"team_id", c.sim.opt.team_id},
                        {"handle", g.handle},
                        {"name", g.name},
                        {"user_count", g.users.size()}});
    }
    return {{"usergroups", list}};
}

json usergroups_users_list(api_call& c) {
    auto* g = c.ws.find_usergroup(c.str("usergroup"));
    if (g == nullptr || !c.has("usergroup")) {
        throw api_error("no_such_subteam");
    }
    return {{"users", g->users}};
}

// ---- views -----------------------------------------------------------------------------------

/// Validates and spends a trigger_id; returns the user it was issued to.
std::string spend_trigger(api_call& c) {
    if (!c.has("trigger_id")) {
        throw api_error("invalid_arguments",
                        {"[ERROR] missing required field: trigger_id [json-pointer:/trigger_id]"});
    }
    auto id = c.str("trigger_id");
    auto it = c.ws.triggers.find(id);
    if (!is_trigger_shape(id) || it == c.ws.triggers.end()) {
        throw api_error("invalid_trigger_id");
    }
    if (it->second.used) {
        throw api_error("exchanged_trigger_id");
    }
    if (std::chrono::steady_clock::now() - it->second.issued > c.sim.opt.trigger_ttl) {
        throw api_error("expired_trigger_id");
    }
    it->second.used = true;
    return it->second.user;
}

json view_arg(api_call& c) {
    if (!c.has("view")) {
        throw api_error("invalid_arguments",
                        {"[ERROR] missing required field: view [json-pointer:/view]"});
    }
    auto view = c.json_arg("view", "invalid_arguments");
    validate_view(view);
    return view;
}

void check_external_id(api_call& c, const json& view, const std::string& self) {
    auto ext = view.value("external_id", "");
    if (ext.empty()) {
        return;
    }
    for (const auto& [id, v] : c.ws.views) {
        if (id != self && v.external_id == ext) {
            throw api_error("duplicate_external_id");
        }
    }
}

std::string new_hash() {
    return std::to_string(util::unix_seconds()) + "." + util::random_hex(6);
}

json views_open(api_call& c) {
    auto view = view_arg(c);
    check_external_id(c, view, "");
    auto user = spend_trigger(c);
    view_record v;
    v.id = c.ws.next_id('V');
    v.user = user;
    v.view = view;
    v.hash = new_hash();
    v.root_view_id = v.id;
    v.external_id = view.value("external_id", "");
    c.ws.views[v.id] = v;
    return {{"view", c.ws.view_json(v)}};
}

json views_push(api_call& c) {
    auto view = view_arg(c);
    check_external_id(c, view, "");
    auto user = spend_trigger(c);
    // The user's most recently opened stack that is still open.
    const view_record* top = nullptr;
    for (const auto& [id, v] : c.ws.views) {
        if (v.user == user && v.open && (top == nullptr || id > top->id)) {
            top = &v;
        }
    }
    if (top == nullptr) {
        throw api_error("not_found");
    }
    auto root = top->root_view_id;
    auto depth = std::count_if(c.ws.views.begin(), c.ws.views.end(), [&](const auto& kv) {
        return kv.second.open && kv.second.root_view_id == root;
    });
    if (depth >= 3) {
        throw api_error("push_limit_reached");
    }
    view_record v;
    v.id = c.ws.next_id('V');
    v.user = user;
    v.view = view;
    v.hash = new_hash();
    v.root_view_id = root;
    v.previous_view_id = top->id;
    v.external_id = view.value("external_id", "");
    c.ws.views[v.id] = v;
    return {{"view", c.ws.view_json(v)}};
}

json views_update(api_call& c) {
    view_record* target = nullptr;
    if (c.has("view_id")) {
        auto it = c.ws.views.find(c.str("view_id"));
        target = it == c.ws.views.end() ? nullptr : &it->second;
    } else if (c.has("external_id")) {
        for (auto& [id, v] : c.ws.views) {
            if (v.external_id == c.str("external_id")) {
                target = &v;
            }
        }
    } else {
        throw api_error("invalid_arguments", {"[ERROR] either view_id or external_id is required"});
    }
    if (target == nullptr) {
        throw api_error("not_found");
    }
    auto view = view_arg(c);
    check_external_id(c, view, target->id);
    if (c.has("hash") && c.str("hash") != target->hash) {
        throw api_error("hash_conflict");
    }
    target->view = view;
    target->hash = new_hash();
    target->errors = nullptr;
    if (view.contains("external_id")) {
        target->external_id = view.value("external_id", "");
    }
    return {{"view", c.ws.view_json(*target)}};
}

// ---- files -----------------------------------------------------------------------------------

json files_get_upload_url_external(api_call& c) {
    if (!c.has("filename")) {
        throw api_error("invalid_arguments",
                        {"[ERROR] missing required field: filename [json-pointer:/filename]"});
    }
    auto length = c.integer("length", 0);
    if (length <= 0) {
        throw api_error("missing_argument");
    }
    if (util::utf8_length(c.str("alt_txt")) > 1000) {
        throw api_error("alt_txt_too_large");
    }
    file_record f;
    f.id = c.ws.next_id('F');
    f.filename = c.str("filename");
    f.alt_txt = c.str("alt_txt");
    f.snippet_type = c.str("snippet_type");
    f.declared_length = length;
    f.created = util::unix_seconds();
    c.ws.files[f.id] = f;
    return {{"upload_url", c.sim.base_url() + "/upload/v1/" + f.id}, {"file_id", f.id}};
}

json files_complete_upload_external(api_call& c) {
    auto files = c.json_arg("files", "invalid_arguments");
    if (!files.is_array() || files.empty()) {
        throw api_error("invalid_arguments",
                        {"[ERROR] missing required field: files [json-pointer:/files]"});
    }
    std::vector<file_record*> records;
    for (const auto& entry : files) {
        auto id = entry.is_object() ? entry.value("id", "") : "";
        auto it = c.ws.files.find(id);
        if (it == c.ws.files.end() || it->second.completed || !it->second.uploaded) {
            throw api_error("file_not_found");
        }
        it->second.title = entry.value("title", it->second.filename);
        records.push_back(&it->second);
    }
    std::vector<channel_record*> targets;
    std::vector<std::string> refs;
    if (c.has("channel_id")) {
        refs.push_back(c.str("channel_id"));
    } else if (c.has("channels")) {
        refs = util::split(c.str("channels"), ',');
    }
    if (refs.size() > 100) {
        throw api_error("channels_limit_exceeded");
    }
    for (const auto& ref : refs) {
        auto* ch = c.ws.find_channel(util::trim(ref));
        if (ch == nullptr || !visible(c, *ch)) {
            throw api_error("channel_not_found");
        }
        require_member(c, *ch);
        targets.push_back(ch);
    }
    auto blocks = c.json_arg("blocks", "invalid_blocks");
    if (!blocks.is_null()) {
        validate_blocks(blocks, 50, "/blocks", "invalid_blocks");
    }
    json out = json::array();
    for (auto* f : records) {
        f->completed = true;
        out.push_back({{"id", f->id}, {"title", f->title}});
    }
    for (auto* ch : targets) {
        auto comment = c.str("initial_comment");
        auto ts = c.sim.post_as_bot(*ch, comment, comment.empty() ? blocks : json(nullptr),
                                    c.str("thread_ts"));
        auto* m = ch->find_message(ts);
        m->subtype = "file_share";
        for (auto* f : records) {
            m->files.push_back(f->id);
            f->channels.push_back(ch->id);
        }
    }
    return {{"files", out}};
}

}  // namespace

const std::map<std::string, method_fn>& api_methods() {
    static const std::map<std::string, method_fn> m = {
        {"auth.test", auth_test},
        {"apps.connections.open", apps_connections_open},
        {"conversations.create", conversations_create},
        {"conversations.setTopic", conversations_set_topic},
        {"conversations.setPurpose", conversations_set_purpose},
        {"conversations.invite", conversations_invite},
        {"conversations.join", conversations_join},
        {"conversations.archive", conversations_archive},
        {"conversations.info", conversations_info},
        {"conversations.list", conversations_list},
        {"conversations.members", conversations_members},
        {"conversations.history", conversations_history},
        {"conversations.replies", conversations_replies},
        {"chat.postMessage", chat_post_message},
        {"chat.update", chat_update},
        {"chat.delete", chat_delete},
        {"chat.postEphemeral", chat_post_ephemeral},
        {"chat.getPermalink", chat_get_permalink},
        {"pins.add", pins_add},
        {"pins.remove", pins_remove},
        {"pins.list", pins_list},
        {"reactions.add", reactions_add},
        {"bookmarks.add", bookmarks_add},
        {"bookmarks.list", bookmarks_list},
        {"users.info", users_info},
        {"users.list", users_list},
        {"users.lookupByEmail", users_lookup_by_email},
        {"usergroups.list", usergroups_list},
        {"usergroups.users.list", usergroups_users_list},
        {"views.open", views_open},
        {"views.push", views_push},
        {"views.update", views_update},
        {"files.getUploadURLExternal", files_get_upload_url_external},
        {"files.completeUploadExternal", files_complete_upload_external},
    };
    return m;
}

const std::vector<std::string>& method_scopes(const std::string& method) {
    static const std::map<std::string, std::vector<std::string>> m = {
        {"conversations.create", {"channels:manage", "groups:write", "channels:write"}},
        {"conversations.setTopic",
         {"channels:write.topic", "groups:write.topic", "channels:manage", "groups:write"}},
        {"conversations.setPurpose",
         {"channels:write.topic", "groups:write.topic", "channels:manage", "groups:write"}},
        {"conversations.invite",
         {"channels:write.invites", "groups:write.invites", "channels:manage", "groups:write"}},
        {"conversations.join", {"channels:join"}},
        {"conversations.archive", {"channels:manage", "groups:write"}},
        {"conversations.info", {"channels:read", "groups:read", "im:read", "mpim:read"}},
        {"conversations.list", {"channels:read", "groups:read", "im:read", "mpim:read"}},
        {"conversations.members", {"channels:read", "groups:read", "im:read", "mpim:read"}},
        {"conversations.history",
         {"channels:history", "groups:history", "im:history", "mpim:history"}},
        {"conversations.replies",
         {"channels:history", "groups:history", "im:history", "mpim:history"}},
        {"chat.postMessage", {"chat:write"}},
        {"chat.update", {"chat:write"}},
        {"chat.delete", {"chat:write"}},
        {"chat.postEphemeral", {"chat:write"}},
        {"pins.add", {"pins:write"}},
        {"pins.remove", {"pins:write"}},
        {"pins.list", {"pins:read"}},
        {"reactions.add", {"reactions:write"}},
        {"bookmarks.add", {"bookmarks:write"}},
        {"bookmarks.list", {"bookmarks:read"}},
        {"users.info", {"users:read"}},
        {"users.list", {"users:read"}},
        {"users.lookupByEmail", {"users:read.email"}},
        {"usergroups.list", {"usergroups:read"}},
        {"usergroups.users.list", {"usergroups:read"}},
        {"files.getUploadURLExternal", {"files:write"}},
        {"files.completeUploadExternal", {"files:write"}},
    };
    static const std::vector<std::string> none;
    auto it = m.find(method);
    return it == m.end() ? none : it->second;
}

bool ignores_json_body(const std::string& method) {
    static const std::vector<std::string> readers = {"conversations.info",
                                                     "conversations.list",
                                                     "conversations.members",
                                                     "conversations.history",
                                                     "conversations.replies",
                                                     "users.info",
                                                     "users.list",
                                                     "users.lookupByEmail",
                                                     "usergroups.list",
                                                     "usergroups.users.list",
                                                     "pins.list",
                                                     "bookmarks.list",
                                                     "files.getUploadURLExternal"};
    return std::find(readers.begin(), readers.end(), method) != readers.end();
}

std::vector<std::string> default_scopes() {
    return {"app_mentions:read", "bookmarks:read",  "bookmarks:write", "channels:history",
            "channels:join",     "channels:manage", "channels:read",   "chat:write",
            "chat:write.public", "commands",        "files:write",     "groups:history",
            "groups:read",       "groups:write",    "im:history",      "im:read",
            "im:write",          "pins:read",       "pins:write",      "reactions:read",
            "reactions:write",   "usergroups:read", "users:read",      "users:read.email"};
}

}  // namespace warroom::slack_sim
