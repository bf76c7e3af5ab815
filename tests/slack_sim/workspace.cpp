#include "tests/slack_sim/workspace.hpp"

#include <algorithm>
#include <cstdio>

#include "tests/slack_sim/util.hpp"

namespace warroom::slack_sim {

using nlohmann::json;

bool channel_record::is_member(const std::string& user) const {
    return std::find(members.begin(), members.end(), user) != members.end();
}

message_record* channel_record::find_message(const std::string& ts) {
    for (auto& m : messages) {
        if (m.ts == ts && !m.deleted) {
            return &m;
        }
    }
    return nullptr;
}

workspace::workspace(const sim_options& options) : options_(options) {}

void workspace::seed() {
    users.clear();
    channels.clear();
    usergroups.clear();
    ephemerals.clear();
    views.clear();
    files.clear();
    triggers.clear();
    response_urls.clear();
    socket_tickets.clear();
    deliveries = json::array();

    users.push_back({"U_ALICE", "alice", "Alice Example", "alice@example.com", false, false});
    users.push_back({"U_BOB", "bob", "Bob Example", "bob@example.com", false, false});
    users.push_back({options_.bot_user_id, "warroom", "warroom", "", true, false});

    auto now = util::unix_seconds();
    for (auto [id, name] : {std::pair{"C_GENERAL", "general"}, {"C_INCIDENTS", "incidents"}}) {
        channel_record c;
        c.id = id;
        c.name = name;
        c.creator = "U_ALICE";
        c.created = now;
        c.members = {"U_ALICE", "U_BOB", options_.bot_user_id};
        channels.push_back(std::move(c));
    }
    usergroups.push_back({"S_ONCALL_BACKEND", "oncall-backend", "On-call backend", {"U_ALICE"}});
}

user_record* workspace::find_user(const std::string& ref) {
    std::string key = ref;
    if (!key.empty() && key[0] == '@') {
        key = key.substr(1);
    }
    // "<@U123>" and "<@U123|name>" are what users type in escaped text.
    if (key.size() > 3 && key.substr(0, 2) == "<@" && key.back() == '>') {
        key = key.substr(2, key.find_first_of("|>") - 2);
    }
    for (auto& u : users) {
        if (u.id == key) {
            return &u;
        }
    }
    if (key != ref || key.empty() || key[0] != 'U') {
        for (auto& u : users) {
            if (u.name == key) {
                return &u;
            }
        }
    }
    return nullptr;
}

channel_record* workspace::find_channel(const std::string& ref) {
    if (ref.empty()) {
        return nullptr;
    }
    for (auto& c : channels) {
        if (c.id == ref) {
            return &c;
        }
    }
    if (ref[0] == '#') {
        return find_channel_by_name(ref.substr(1));
    }
    return find_channel_by_name(ref);
}

channel_record* workspace::find_channel_by_name(const std::string& name) {
    for (auto& c : channels) {
        if (!c.is_im && c.name == name) {
            return &c;
        }
    }
    return nullptr;
}

usergroup_record* workspace::find_usergroup(const std::string& ref) {
    for (auto& g : usergroups) {
        if (g.id == ref || g.handle == ref || "@" + g.handle == ref) {
            return &g;
        }
    }
    return nullptr;
}

user_record& workspace::bot_user() {
    return *find_user(options_.bot_user_id);
}

std::string workspace::add_user(const std::string& handle, const std::string& real_name,
                                bool is_bot, const std::string& email) {
    std::string base = "U_";
    for (char c : handle) {
        if ((c >= 'a' && c <= 'z')) {
            base.push_back(static_cast<char>(c - 'a' + 'A'));
        } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            base.push_back(c);
        }
    }
    std::string id = base;
    for (int n = 2; find_user(id) != nullptr; ++n) {
        id = base + std::to_string(n);
    }
    users.push_back({id, handle, real_name.empty() ? handle : real_name, email, is_bot, false});
    return id;
}

channel_record& workspace::add_channel(const std::string& name, bool is_private,
                                       const std::string& creator) {
    channel_record c;
    c.id = next_id('C');
    c.name = name;
    c.is_private = is_private;
    c.creator = creator;
    c.created = util::unix_seconds();
    channels.push_back(std::move(c));
    return channels.back();
}

std::string workspace::add_usergroup(const std::string& handle,
                                     const std::vector<std::string>& members) {
    usergroup_record g;
    g.id = next_id('S');
    g.handle = handle;
    g.name = handle;
    g.users = members;
    usergroups.push_back(g);
    return g.id;
}

channel_record& workspace::im_with(const std::string& user) {
    for (auto& c : channels) {
        if (c.is_im && c.is_member(user)) {
            return c;
        }
    }
    channel_record c;
    c.id = next_id('D');
    c.name = user;
    c.is_im = true;
    c.is_private = true;
    c.creator = options_.bot_user_id;
    c.created = util::unix_seconds();
    c.members = {user, options_.bot_user_id};
    channels.push_back(std::move(c));
    return channels.back();
}

std::string workspace::next_ts() {
    auto now = util::unix_micros();
    last_ts_micros_ = std::max(now, last_ts_micros_ + 1);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%lld.%06lld", last_ts_micros_ / 1000000,
                  last_ts_micros_ % 1000000);
    return buf;
}

std::string workspace::next_id(char prefix) {
    // Slack ids are upper-case alphanumerics; a counter keeps them short and readable.
    char buf[32];
    std::snprintf(buf, sizeof buf, "%c%08lld", prefix, ++id_counter_ + 1000);
    return buf;
}

json workspace::user_json(const user_record& u) const {
    json j = {{"id", u.id},
              {"team_id", options_.team_id},
              {"name", u.name},
              {"deleted", u.deleted},
              {"real_name", u.real_name},
              {"tz", "Etc/UTC"},
              {"tz_offset", 0},
              {"is_bot", u.is_bot},
              {"is_admin", false},
              {"is_app_user", false},
              {"profile",
               {{"real_name", u.real_name},
                {"display_name", u.name},
                {"email", u.email},
                {"team", options_.team_id}}}};
    if (u.is_bot && u.id == options_.bot_user_id) {
        j["profile"]["bot_id"] = options_.bot_id;
        j["profile"]["api_app_id"] = options_.app_id;
    }
    return j;
}

json workspace::channel_json(const channel_record& c) const {
    bool bot_member = c.is_member(options_.bot_user_id);
    json j = {{"id", c.id},
              {"name", c.name},
              {"is_channel", !c.is_private && !c.is_im},
              {"is_group", false},
              {"is_im", c.is_im},
              {"is_mpim", false},
              {"is_private", c.is_private},
              {"created", c.created},
              {"creator", c.creator},
              {"is_archived", c.archived},
              {"is_general", c.id == "C_GENERAL"},
              {"name_normalized", c.name},
              {"is_shared", false},
              {"is_ext_shared", false},
              {"is_org_shared", false},
              {"is_member", bot_member},
              {"topic",
               {{"value", c.topic}, {"creator", c.topic_creator}, {"last_set", c.topic_last_set}}},
              {"purpose", {{"value", c.purpose}, {"creator", ""}, {"last_set", 0}}},
              {"num_members", c.members.size()}};
    if (c.is_im) {
        j["user"] = c.members.front();
        j.erase("name");
    }
    return j;
}

json workspace::message_json(const channel_record& c, const message_record& m) const {
    json j = {{"type", "message"}, {"ts", m.ts}, {"text", m.text}, {"team", options_.team_id}};
    if (!m.user.empty()) {
        j["user"] = m.user;
    }
    if (!m.bot_id.empty()) {
        j["bot_id"] = m.bot_id;
        j["app_id"] = options_.app_id;
    }
    if (!m.subtype.empty()) {
        j["subtype"] = m.subtype;
    }
    if (!m.blocks.is_null()) {
        j["blocks"] = m.blocks;
    }
    if (!m.attachments.is_null()) {
        j["attachments"] = m.attachments;
    }
    if (!m.metadata.is_null()) {
        j["metadata"] = m.metadata;
    }
    if (!m.thread_ts.empty()) {
        j["thread_ts"] = m.thread_ts;
    }
    if (m.reply_count > 0) {
        j["thread_ts"] = m.ts;
        j["reply_count"] = m.reply_count;
    }
    if (m.edited) {
        j["edited"] = {{"user", m.edited->first}, {"ts", m.edited->second}};
    }
    if (m.pinned) {
        j["pinned_to"] = json::array({c.id});
    }
    if (!m.reactions.empty()) {
        json r = json::array();
        for (const auto& [name, who] : m.reactions) {
            r.push_back({{"name", name}, {"users", who}, {"count", who.size()}});
        }
        j["reactions"] = r;
    }
    if (!m.files.empty()) {
        json f = json::array();
        for (const auto& id : m.files) {
            auto it = files.find(id);
            if (it != files.end()) {
                f.push_back(file_json(it->second));
            }
        }
        j["files"] = f;
    }
    return j;
}

json workspace::file_json(const file_record& f) const {
    return {{"id", f.id},
            {"name", f.filename},
            {"title", f.title.empty() ? f.filename : f.title},
            {"size", f.bytes.size()},
            {"created", f.created},
            {"channels", f.channels},
            {"user", options_.bot_user_id}};
}

json workspace::view_json(const view_record& v) const {
    json j = v.view;
    j["id"] = v.id;
    j["team_id"] = options_.team_id;
    j["hash"] = v.hash;
    j["root_view_id"] = v.root_view_id;
    j["previous_view_id"] = v.previous_view_id.empty() ? json(nullptr) : json(v.previous_view_id);
    j["app_id"] = options_.app_id;
    j["bot_id"] = options_.bot_id;
    if (!v.external_id.empty()) {
        j["external_id"] = v.external_id;
    }
    for (const char* key : {"callback_id", "private_metadata"}) {
        if (!j.contains(key)) {
            j[key] = "";
        }
    }
    if (!j.contains("state")) {
        j["state"] = {{"values", json::object()}};
    }
    return j;
}

json workspace::state_json() const {
    json out;
    json us = json::array();
    for (const auto& u : users) {
        us.push_back({{"id", u.id},
                      {"name", u.name},
                      {"real_name", u.real_name},
                      {"email", u.email},
                      {"is_bot", u.is_bot}});
    }
    out["users"] = us;

    json chans = json::array();
    json msgs = json::object();
    json pins = json::object();
    for (const auto& c : channels) {
        json cj = {{"id", c.id},           {"name", c.name},         {"is_private", c.is_private},
                   {"is_im", c.is_im},     {"topic", c.topic},       {"purpose", c.purpose},
                   {"members", c.members}, {"archived", c.archived}, {"creator", c.creator}};
        json bms = json::array();
        for (const auto& b : c.bookmarks) {
            bms.push_back({{"id", b.id},
                           {"title", b.title},
                           {"link", b.link},
                           {"emoji", b.emoji},
                           {"type", b.type}});
        }
        cj["bookmarks"] = bms;
        chans.push_back(cj);

        json list = json::array();
        json pinned = json::array();
        for (const auto& m : c.messages) {
            if (m.deleted) {
                continue;
            }
            json mj = {{"ts", m.ts},
                       {"user", m.user},
                       {"text", m.text},
                       {"blocks", m.blocks},
                       {"edited", m.edited.has_value()},
                       {"pinned", m.pinned},
                       {"thread_ts", m.thread_ts}};
            if (!m.bot_id.empty()) {
                mj["bot_id"] = m.bot_id;
            }
            if (!m.subtype.empty()) {
                mj["subtype"] = m.subtype;
            }
            if (!m.attachments.is_null()) {
                mj["attachments"] = m.attachments;
            }
            if (!m.reactions.empty()) {
                mj["reactions"] = m.reactions;
            }
            if (!m.files.empty()) {
                mj["files"] = m.files;
            }
            if (m.pinned) {
                pinned.push_back(m.ts);
            }
            list.push_back(mj);
        }
        msgs[c.id] = list;
        pins[c.id] = pinned;
    }
    out["channels"] = chans;
    out["messages"] = msgs;
    out["pins"] = pins;

    json eph = json::array();
    for (const auto& e : ephemerals) {
        eph.push_back({{"channel", e.channel},
                       {"user", e.user},
                       {"ts", e.ts},
                       {"text", e.text},
                       {"blocks", e.blocks},
                       {"source", e.source},
                       {"thread_ts", e.thread_ts}});
    }
    out["ephemeral"] = eph;

    json fs = json::array();
    for (const auto& [id, f] : files) {
        json fj = file_json(f);
        fj["uploaded"] = f.uploaded;
        fj["completed"] = f.completed;
        fj["bytes"] = f.bytes;
        fs.push_back(fj);
    }
    out["files"] = fs;

    json vs = json::array();
    for (const auto& [id, v] : views) {
        json vj = view_json(v);
        vj["user"] = v.user;
        vj["open"] = v.open;
        vj["errors"] = v.errors;
        vj["submissions"] = v.submissions;
        vs.push_back(vj);
    }
    out["views"] = vs;

    json groups = json::array();
    for (const auto& g : usergroups) {
        groups.push_back({{"id", g.id}, {"handle", g.handle}, {"users", g.users}});
    }
    out["usergroups"] = groups;

    json rus = json::array();
    for (const auto& [id, r] : response_urls) {
        rus.push_back({{"id", id},
                       {"kind", r.kind},
                       {"channel", r.channel},
                       {"user", r.user},
                       {"uses", r.uses},
                       {"posts", r.posts}});
    }
    out["response_urls"] = rus;
    out["deliveries"] = deliveries;
    return out;
}

}  // namespace warroom::slack_sim
