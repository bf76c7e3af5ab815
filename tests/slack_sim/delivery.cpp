// Telling the bot: building Events API / slash command / interactivity payloads, signing them,
// POSTing with Slack's timeout and retry rules (or handing them to Socket Mode), and applying
// what the bot answers. Also the response_url endpoint.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "tests/slack_sim/blocks.hpp"
#include "tests/slack_sim/sim_impl.hpp"
#include "tests/slack_sim/socket_mode.hpp"
#include "tests/slack_sim/util.hpp"

namespace warroom::slack_sim {

using nlohmann::json;
using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

namespace {

constexpr const char* verification_token = "sim-verification-token";

milliseconds since(steady::time_point start) {
    return std::chrono::duration_cast<milliseconds>(steady::now() - start);
}

struct http_outcome {
    int status = 0;
    std::string body;
    std::string content_type;
    bool no_retry = false;
    std::string error;  ///< http_timeout, connection_failed, too_many_redirects, ...
    milliseconds latency{0};
};

/// POST with one deadline for the whole exchange; follows up to 2 redirects like Slack.
awaitable<http_outcome> http_post(std::string url, std::string body, std::string content_type,
                                  std::vector<std::pair<std::string, std::string>> headers,
                                  milliseconds timeout) {
    auto ex = co_await asio::this_coro::executor;
    auto start = steady::now();
    http_outcome out;
    for (int redirects = 0;; ++redirects) {
        util::url_parts u;
        if (!util::parse_http_url(url, u)) {
            out.error = "connection_failed";
            out.body = "not an http:// URL: " + url;
            break;
        }
        boost::system::error_code ec;
        tcp::resolver resolver(ex);
        auto endpoints = co_await resolver.async_resolve(
            u.host, u.port, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            out.error = "connection_failed";
            break;
        }
        beast::tcp_stream stream(ex);
        auto left = timeout - since(start);
        stream.expires_after(left.count() > 0 ? left : milliseconds(1));
        co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            out.error = ec == beast::error::timeout ? "http_timeout" : "connection_failed";
            break;
        }
        http::request<http::string_body> req{http::verb::post, u.target, 11};
        req.set(http::field::host, u.host + ":" + u.port);
        req.set(http::field::user_agent, "Slackbot 1.0 (+https://api.slack.com/robots)");
        req.set(http::field::content_type, content_type);
        for (const auto& [k, v] : headers) {
            req.set(k, v);
        }
        req.body() = body;
        req.prepare_payload();
        co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(16 * 1024 * 1024);
        if (!ec) {
            co_await http::async_read(stream, buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
        }
        if (ec) {
            out.error = ec == beast::error::timeout ? "http_timeout" : "unknown_error";
            break;
        }
        auto res = parser.release();
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        out.status = static_cast<int>(res.result_int());
        out.body = res.body();
        out.content_type = std::string(res[http::field::content_type]);
        out.no_retry = res["X-Slack-No-Retry"] == "1";
        if (out.status >= 300 && out.status < 400 && res.count(http::field::location) > 0) {
            if (redirects == 2) {
                out.error = "too_many_redirects";
                break;
            }
            url = std::string(res[http::field::location]);
            continue;
        }
        if (out.status < 200 || out.status >= 300) {
            out.error = "http_error";
        }
        break;
    }
    out.latency = since(start);
    co_return out;
}

/// The body the bot answered, as JSON: parsed JSON, or {"text": body} for plain text.
json response_json(const std::string& body, const std::string& content_type) {
    if (body.empty()) {
        return nullptr;
    }
    try {
        return json::parse(body);
    } catch (const json::parse_error&) {
        if (util::starts_with(util::to_lower(content_type), "application/json")) {
            return nullptr;
        }
        return json{{"text", body}};
    }
}

/// What a typed value in view_submission state looks like for an element type.
json state_value(const std::string& type, const json& element, const json& v) {
    json out = {{"type", type}};
    auto text = v.is_string() ? v.get<std::string>() : v.dump();
    if (type == "static_select" || type == "external_select" || type == "radio_buttons") {
        json option = {{"text", {{"type", "plain_text"}, {"text", text}}}, {"value", text}};
        if (element.contains("options") && element["options"].is_array()) {
            for (const auto& o : element["options"]) {
                if (o.value("value", "") == text) {
                    option = o;
                }
            }
        }
        out["selected_option"] = option;
    } else if (type == "users_select") {
        out["selected_user"] = text;
    } else if (type == "conversations_select") {
        out["selected_conversation"] = text;
    } else if (type == "channels_select") {
        out["selected_channel"] = text;
    } else if (type == "datepicker") {
        out["selected_date"] = text;
    } else if (type == "timepicker") {
        out["selected_time"] = text;
    } else if (type == "multi_users_select") {
        out["selected_users"] = v.is_array() ? v : json::array({text});
    } else if (type == "checkboxes" || type == "multi_static_select") {
        json opts = json::array();
        for (const auto& item : v.is_array() ? v : json::array({text})) {
            auto s = item.is_string() ? item.get<std::string>() : item.dump();
            opts.push_back({{"text", {{"type", "plain_text"}, {"text", s}}}, {"value", s}});
        }
        out["selected_options"] = opts;
    } else {
        out["value"] = text;
    }
    return out;
}

}  // namespace

// ---- workspace helpers ------------------------------------------------------------------------

std::string simulator::impl::issue_trigger(const std::string& user) {
    // Slack's shape: "132456.7890123.abcdef..." (digits.digits.hex).
    auto id = std::to_string(util::unix_seconds()) + "." +
              std::to_string(ws.triggers.size() + 1000) + "." + util::random_hex(16);
    ws.triggers[id] = {steady::now(), false, user};
    return id;
}

std::string simulator::impl::post_as_bot(channel_record& c, const std::string& text,
                                         const json& blocks, const std::string& thread_ts) {
    message_record m;
    m.ts = ws.next_ts();
    m.user = opt.bot_user_id;
    m.bot_id = opt.bot_id;
    m.text = text;
    m.blocks = blocks;
    m.thread_ts = thread_ts;
    if (!thread_ts.empty()) {
        if (auto* parent = c.find_message(thread_ts)) {
            ++parent->reply_count;
        }
    }
    c.messages.push_back(std::move(m));
    return c.messages.back().ts;
}

delivery simulator::impl::make_event(json inner) {
    delivery d;
    d.kind = "events_api";
    d.event_id = "Ev" + util::random_id(10);
    d.channel = inner.value("channel", inner.value("channel_id", ""));
    d.user = inner.value("user", "");
    json envelope = {{"token", verification_token},
                     {"team_id", opt.team_id},
                     {"context_team_id", opt.team_id},
                     {"context_enterprise_id", nullptr},
                     {"api_app_id", opt.app_id},
                     {"event", std::move(inner)},
                     {"type", "event_callback"},
                     {"event_id", d.event_id},
                     {"event_time", util::unix_seconds()},
                     {"authorizations", json::array({{{"enterprise_id", nullptr},
                                                      {"team_id", opt.team_id},
                                                      {"user_id", opt.bot_user_id},
                                                      {"is_bot", true},
                                                      {"is_enterprise_install", false}}})},
                     {"is_ext_shared_channel", false},
                     {"event_context", "4-" + util::random_hex(20)}};
    d.http_body = envelope.dump();
    d.content_type = "application/json";
    d.payload = std::move(envelope);
    return d;
}

namespace {

std::string channel_type(const channel_record& c) {
    return c.is_im ? "im" : (c.is_private ? "group" : "channel");
}

delivery make_interactive(const json& payload, const std::string& interaction) {
    delivery d;
    d.kind = "interactive";
    d.interaction = interaction;
    d.payload = payload;
    d.http_body = "payload=" + util::url_encode(payload.dump());
    d.content_type = "application/x-www-form-urlencoded";
    d.trigger_id = payload.value("trigger_id", "");
    d.response_url = payload.value("response_url", "");
    return d;
}

}  // namespace

// ---- preparing deliveries (mu held) -----------------------------------------------------------

prepared simulator::impl::prepare_slash_command(const std::string& user, const std::string& channel,
                                                const std::string& command,
                                                const std::string& text) {
    prepared p;
    auto* u = ws.find_user(user);
    auto* c = ws.find_channel(channel);
    if (u == nullptr) {
        p.error = "unknown user: " + user;
        return p;
    }
    if (c == nullptr) {
        p.error = "unknown channel: " + channel;
        return p;
    }
    auto cmd = command.empty() || command[0] == '/' ? command : "/" + command;
    if (cmd.size() < 2) {
        p.error = "a slash command needs a name";
        return p;
    }
    delivery d;
    d.kind = "slash_commands";
    d.channel = c->id;
    d.user = u->id;
    d.trigger_id = issue_trigger(u->id);
    auto rid = util::random_hex(12);
    ws.response_urls[rid] = {steady::now(), 0, "slash_command", c->id, u->id, "", json::array()};
    d.response_url = base_url() + "/response/" + rid;
    std::vector<std::pair<std::string, std::string>> fields = {
        {"token", verification_token},
        {"team_id", opt.team_id},
        {"team_domain", "sim"},
        {"channel_id", c->id},
        {"channel_name", c->is_im ? "directmessage" : c->name},
        {"user_id", u->id},
        {"user_name", u->name},
        {"command", cmd},
        {"text", text},
        {"api_app_id", opt.app_id},
        {"is_enterprise_install", "false"},
        {"response_url", d.response_url},
        {"trigger_id", d.trigger_id}};
    d.http_body = util::encode_form(fields);
    d.content_type = "application/x-www-form-urlencoded";
    d.payload = json::object();
    for (const auto& [k, v] : fields) {
        d.payload[k] = v;
    }
    p.deliveries.push_back(std::move(d));
    return p;
}

prepared simulator::impl::prepare_message(const std::string& user, const std::string& channel,
                                          const std::string& text, const std::string& thread_ts) {
    prepared p;
    auto* u = ws.find_user(user);
    auto* c = ws.find_channel(channel);
    if (u == nullptr || c == nullptr) {
        p.error = u == nullptr ? "unknown user: " + user : "unknown channel: " + channel;
        return p;
    }
    if (!c->is_member(u->id)) {
        p.error = u->name + " is not a member of " + c->id + " (join first)";
        return p;
    }
    if (c->archived) {
        p.error = c->id + " is archived";
        return p;
    }
    message_record m;
    m.ts = ws.next_ts();
    m.user = u->id;
    m.text = text;
    if (!thread_ts.empty()) {
        auto* parent = c->find_message(thread_ts);
        if (parent == nullptr) {
            p.error = "no message " + thread_ts + " in " + c->id;
            return p;
        }
        m.thread_ts = parent->thread_ts.empty() ? parent->ts : parent->thread_ts;
        ++parent->reply_count;
    }
    c->messages.push_back(m);
    p.ts = m.ts;
    if (!c->is_member(opt.bot_user_id)) {
        p.note = "the bot is not a member of " + c->id + "; no event was sent";
        return p;
    }
    json event = {{"type", "message"},   {"channel", c->id},
                  {"user", u->id},       {"text", text},
                  {"ts", m.ts},          {"event_ts", m.ts},
                  {"team", opt.team_id}, {"channel_type", channel_type(*c)}};
    if (!m.thread_ts.empty()) {
        event["thread_ts"] = m.thread_ts;
        event["parent_user_id"] = c->find_message(m.thread_ts)->user;
    }
    p.deliveries.push_back(make_event(event));
    if (text.find("<@" + opt.bot_user_id + ">") != std::string::npos && !c->is_im) {
        json mention = {{"type", "app_mention"}, {"channel", c->id}, {"user", u->id},
                        {"text", text},          {"ts", m.ts},       {"event_ts", m.ts},
                        {"team", opt.team_id}};
        if (!m.thread_ts.empty()) {
            mention["thread_ts"] = m.thread_ts;
        }
        p.deliveries.push_back(make_event(mention));
    }
    return p;
}

prepared simulator::impl::prepare_pin(const std::string& user, const std::string& channel,
                                      const std::string& ts) {
    prepared p;
    auto* u = ws.find_user(user);
    auto* c = ws.find_channel(channel);
    auto* m = c == nullptr ? nullptr : c->find_message(ts);
    if (u == nullptr || c == nullptr || m == nullptr) {
        p.error = u == nullptr ? "unknown user: " + user
                               : (c == nullptr ? "unknown channel: " + channel
                                               : "no message " + ts + " in " + channel);
        return p;
    }
    if (m->pinned) {
        p.error = "message " + ts + " is already pinned";
        return p;
    }
    m->pinned = true;
    m->pinned_by = u->id;
    p.ts = ts;
    if (!c->is_member(opt.bot_user_id)) {
        p.note = "the bot is not a member of " + c->id + "; no event was sent";
        return p;
    }
    auto now = util::unix_seconds();
    auto pins = std::count_if(c->messages.begin(), c->messages.end(),
                              [](const message_record& x) { return x.pinned && !x.deleted; });
    p.deliveries.push_back(
        make_event({{"type", "pin_added"},
                    {"user", u->id},
                    {"channel_id", c->id},
                    {"item",
                     {{"type", "message"},
                      {"channel", c->id},
                      {"created", now},
                      {"created_by", u->id},
                      {"message", ws.message_json(*c, *m)}}},
                    {"item_user", m->user},
                    {"pin_count", pins},
                    {"pinned_info", {{"channel", c->id}, {"pinned_by", u->id}, {"pinned_ts", now}}},
                    {"event_ts", ws.next_ts()}}));
    return p;
}

prepared simulator::impl::prepare_react(const std::string& user, const std::string& channel,
                                        const std::string& ts, const std::string& reaction) {
    prepared p;
    auto* u = ws.find_user(user);
    auto* c = ws.find_channel(channel);
    auto* m = c == nullptr ? nullptr : c->find_message(ts);
    if (u == nullptr || c == nullptr || m == nullptr) {
        p.error = u == nullptr ? "unknown user: " + user
                               : (c == nullptr ? "unknown channel: " + channel
                                               : "no message " + ts + " in " + channel);
        return p;
    }
    std::string name = reaction;
    if (name.size() > 2 && name.front() == ':' && name.back() == ':') {
        name = name.substr(1, name.size() - 2);
    }
    auto& who = m->reactions[name];
    if (std::find(who.begin(), who.end(), u->id) != who.end()) {
        p.error = u->name + " already reacted with " + name;
        return p;
    }
    who.push_back(u->id);
    p.ts = ts;
    if (!c->is_member(opt.bot_user_id)) {
        p.note = "the bot is not a member of " + c->id + "; no event was sent";
        return p;
    }
    json event = {{"type", "reaction_added"},
                  {"user", u->id},
                  {"reaction", name},
                  {"item", {{"type", "message"}, {"channel", c->id}, {"ts", ts}}},
                  {"event_ts", ws.next_ts()}};
    if (!m->user.empty()) {
        event["item_user"] = m->user;
    }
    p.deliveries.push_back(make_event(event));
    return p;
}

prepared simulator::impl::prepare_click(const std::string& user, const std::string& channel,
                                        const std::string& message_ts, const std::string& action_id,
                                        const std::string& value) {
    prepared p;
    auto* u = ws.find_user(user);
    auto* c = ws.find_channel(channel);
    if (u == nullptr || c == nullptr) {
        p.error = u == nullptr ? "unknown user: " + user : "unknown channel: " + channel;
        return p;
    }
    json blocks;
    json message;
    bool ephemeral = false;
    if (auto* m = c->find_message(message_ts)) {
        blocks = m->blocks;
        message = ws.message_json(*c, *m);
    } else {
        for (const auto& e : ws.ephemerals) {
            if (e.channel == c->id && e.ts == message_ts && e.user == u->id) {
                blocks = e.blocks;
                ephemeral = true;
            }
        }
        if (!ephemeral) {
            p.error = "no message " + message_ts + " in " + c->id + " visible to " + u->name;
            return p;
        }
    }
    std::string block_id;
    json element;
    if (!find_action(blocks, action_id, block_id, element)) {
        p.error = "message " + message_ts + " has no element with action_id " + action_id;
        return p;
    }
    auto trigger = issue_trigger(u->id);
    auto rid = util::random_hex(12);
    ws.response_urls[rid] = {steady::now(), 0,          "block_actions", c->id,
                             u->id,         message_ts, json::array()};
    json action = {{"action_id", action_id},
                   {"block_id", block_id},
                   {"type", element.value("type", "button")},
                   {"action_ts", ws.next_ts()}};
    if (element.contains("text")) {
        action["text"] = element["text"];
    }
    if (element.contains("style")) {
        action["style"] = element["style"];
    }
    auto v = value.empty() ? element.value("value", "") : value;
    if (element.value("type", "button") == "button") {
        action["value"] = v;
    } else {
        action.update(state_value(element.value("type", ""), element, v));
    }
    json payload = {
        {"type", "block_actions"},
        {"user",
         {{"id", u->id}, {"username", u->name}, {"name", u->name}, {"team_id", opt.team_id}}},
        {"api_app_id", opt.app_id},
        {"token", verification_token},
        {"container",
         {{"type", "message"},
          {"message_ts", message_ts},
          {"channel_id", c->id},
          {"is_ephemeral", ephemeral}}},
        {"trigger_id", trigger},
        {"team", {{"id", opt.team_id}, {"domain", "sim"}}},
        {"enterprise", nullptr},
        {"is_enterprise_install", false},
        {"channel", {{"id", c->id}, {"name", c->is_im ? "directmessage" : c->name}}},
        {"state", {{"values", json::object()}}},
        {"response_url", base_url() + "/response/" + rid},
        {"actions", json::array({action})}};
    if (!ephemeral) {
        payload["message"] = message;
    }
    auto d = make_interactive(payload, "block_actions");
    d.channel = c->id;
    d.user = u->id;
    p.deliveries.push_back(std::move(d));
    return p;
}

prepared simulator::impl::prepare_submit(const std::string& user, const std::string& view_id,
                                         const json& values) {
    prepared p;
    auto* u = ws.find_user(user);
    auto it = ws.views.find(view_id);
    if (u == nullptr) {
        p.error = "unknown user: " + user;
        return p;
    }
    if (it == ws.views.end() || !it->second.open) {
        p.error = "no open view " + view_id;
        return p;
    }
    auto& v = it->second;
    if (v.user != u->id) {
        p.error = "view " + view_id + " was opened for " + v.user + ", not " + u->id;
        return p;
    }
    const json& blocks = v.view.contains("blocks") ? v.view["blocks"] : json::array();
    auto element_for = [&](const std::string& block_id, const std::string& action_id) {
        std::string found_block;
        json element;
        if (find_action(blocks, action_id, found_block, element) &&
            (block_id.empty() || found_block == block_id)) {
            return element;
        }
        return json{{"type", "plain_text_input"}};
    };
    json state = json::object();
    const json given = values.is_object() ? values : json::object();
    for (const auto& [key, val] : given.items()) {
        if (val.is_object()) {
            for (const auto& [action_id, inner] : val.items()) {
                if (inner.is_object()) {
                    state[key][action_id] = inner;
                } else {
                    auto element = element_for(key, action_id);
                    state[key][action_id] =
                        state_value(element.value("type", "plain_text_input"), element, inner);
                }
            }
        } else {
            std::string block_id;
            json element;
            if (!find_action(blocks, key, block_id, element)) {
                p.error = "view " + view_id + " has no input with action_id " + key;
                return p;
            }
            state[block_id][key] =
                state_value(element.value("type", "plain_text_input"), element, val);
        }
    }
    json view = ws.view_json(v);
    view["state"] = {{"values", state}};
    v.submissions.push_back(state);
    json payload = {
        {"type", "view_submission"},
        {"team", {{"id", opt.team_id}, {"domain", "sim"}}},
        {"user",
         {{"id", u->id}, {"username", u->name}, {"name", u->name}, {"team_id", opt.team_id}}},
        {"api_app_id", opt.app_id},
        {"token", verification_token},
        {"trigger_id", issue_trigger(u->id)},
        {"view", view},
        {"response_urls", json::array()},
        {"is_enterprise_install", false},
        {"enterprise", nullptr}};
    auto d = make_interactive(payload, "view_submission");
    d.user = u->id;
    d.view_id = v.id;
    p.deliveries.push_back(std::move(d));
    return p;
}

prepared simulator::impl::prepare_join(const std::string& user, const std::string& channel) {
    prepared p;
    auto* u = ws.find_user(user);
    auto* c = ws.find_channel(channel);
    if (u == nullptr || c == nullptr) {
        p.error = u == nullptr ? "unknown user: " + user : "unknown channel: " + channel;
        return p;
    }
    if (c->is_member(u->id)) {
        p.error = u->name + " is already in " + c->id;
        return p;
    }
    if (c->archived) {
        p.error = c->id + " is archived";
        return p;
    }
    c->members.push_back(u->id);
    message_record m;
    m.ts = ws.next_ts();
    m.user = u->id;
    m.subtype = "channel_join";
    m.text = "<@" + u->id + "> has joined the channel";
    c->messages.push_back(m);
    p.ts = m.ts;
    if (!c->is_member(opt.bot_user_id)) {
        p.note = "the bot is not a member of " + c->id + "; no event was sent";
        return p;
    }
    p.deliveries.push_back(make_event({{"type", "member_joined_channel"},
                                       {"user", u->id},
                                       {"channel", c->id},
                                       {"channel_type", c->is_private ? "G" : "C"},
                                       {"team", opt.team_id},
                                       {"inviter", ""},
                                       {"event_ts", m.ts}}));
    return p;
}

prepared simulator::impl::prepare_verify() {
    prepared p;
    delivery d;
    d.kind = "url_verification";
    d.challenge = util::random_hex(24);
    d.payload = {
        {"token", verification_token}, {"challenge", d.challenge}, {"type", "url_verification"}};
    d.http_body = d.payload.dump();
    d.content_type = "application/json";
    p.deliveries.push_back(std::move(d));
    return p;
}

// ---- sending ---------------------------------------------------------------------------------

awaitable<delivery_result> simulator::impl::send(prepared p) {
    delivery_result first;
    if (!p.error.empty()) {
        first.error = p.error;
        co_return first;
    }
    if (p.deliveries.empty()) {
        first.error = p.note;
        first.ts = p.ts;
        co_return first;
    }
    for (std::size_t i = 0; i < p.deliveries.size(); ++i) {
        auto r = co_await send_one(p.deliveries[i]);
        if (i == 0) {
            first = std::move(r);
        } else {
            first.followups.push_back(std::move(r));
        }
    }
    first.ts = p.ts;
    co_return first;
}

awaitable<delivery_result> simulator::impl::send_one(delivery d) {
    delivery_result result;
    result.event_id = d.event_id;
    result.trigger_id = d.trigger_id;
    result.response_url = d.response_url;
    std::string endpoint;
    bool twice = false;
    bool use_socket = false;
    {
        std::lock_guard lock(mu);
        endpoint = bot_endpoint;
        twice = duplicate;
        use_socket = d.kind != "url_verification" && !sockets.empty();
    }
    if (!use_socket && endpoint.empty()) {
        result.error = "no bot endpoint is set and no Socket Mode connection is open";
        co_return result;
    }
    result.transport = use_socket ? "socket" : "http";
    const bool retries = d.kind == "events_api";
    const int max_retries = retries ? std::max(0, opt.max_retries) : 0;
    std::string envelope_id = util::uuid();
    if (use_socket) {
        result.envelope_id = envelope_id;
    }
    bool acknowledged = false;
    json answer;
    std::string raw_answer;

    for (int copy = 0; copy < (twice ? 2 : 1); ++copy) {
        std::string reason;
        for (int retry = 0; retry <= max_retries; ++retry) {
            if (retry >= 2) {
                // Slack's schedule: immediately, then +1 minute, then +5 minutes.
                static constexpr double schedule_s[] = {0, 0, 60, 300};
                double s = schedule_s[std::min(retry, 3)] * opt.retry_scale;
                asio::steady_timer timer(ioc, std::chrono::duration_cast<steady::duration>(
                                                  std::chrono::duration<double>(s)));
                boost::system::error_code ec;
                co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
            attempt_record a;
            a.retry_num = retry;
            a.retry_reason = reason;
            ++result.attempts;
            if (use_socket) {
                json envelope = {
                    {"envelope_id", envelope_id},
                    {"type", d.kind},
                    {"payload", d.payload},
                    {"accepts_response_payload",
                     d.kind == "slash_commands" ||
                         (d.kind == "interactive" && d.interaction == "view_submission")}};
                if (d.kind == "events_api") {
                    envelope["retry_attempt"] = retry;
                    envelope["retry_reason"] = reason;
                }
                auto start = steady::now();
                auto session = pick_socket();
                // A link may be coming back (the bot reconnecting): wait up to the ack timeout.
                while (!session && since(start) < opt.ack_timeout) {
                    asio::steady_timer timer(ioc, milliseconds(20));
                    boost::system::error_code ec;
                    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                    session = pick_socket();
                }
                if (!session) {
                    a.error = "no Socket Mode connection";
                } else {
                    auto waiter = std::make_shared<ack_waiter>(ioc.get_executor());
                    acks[envelope_id] = waiter;
                    session->send_text(envelope.dump());
                    waiter->timer.expires_after(opt.ack_timeout - since(start));
                    boost::system::error_code ec;
                    co_await waiter->timer.async_wait(
                        asio::redirect_error(asio::use_awaitable, ec));
                    acks.erase(envelope_id);
                    if (waiter->acked) {
                        a.status = 200;
                        answer = waiter->payload;
                        raw_answer = answer.is_null() ? "" : answer.dump();
                    } else {
                        a.error = "timeout";
                    }
                }
                a.latency = since(start);
            } else {
                std::vector<std::pair<std::string, std::string>> headers;
                auto ts = std::to_string(util::unix_seconds());
                headers.emplace_back("X-Slack-Request-Timestamp", ts);
                headers.emplace_back("X-Slack-Signature",
                                     util::slack_signature(opt.signing_secret, ts, d.http_body));
                if (retry > 0) {
                    headers.emplace_back("X-Slack-Retry-Num", std::to_string(retry));
                    headers.emplace_back("X-Slack-Retry-Reason", reason);
                }
                auto out = co_await http_post(endpoint, d.http_body, d.content_type, headers,
                                              opt.delivery_timeout);
                a.status = out.status;
                a.error = out.error;
                a.latency = out.latency;
                if (out.error.empty()) {
                    answer = response_json(out.body, out.content_type);
                    raw_answer = out.body;
                    if (d.kind == "url_verification") {
                        answer = out.body;
                    }
                } else if (out.no_retry && out.error == "http_error") {
                    // X-Slack-No-Retry stops retries of this event, but not timeouts.
                    result.attempt_log.push_back(a);
                    result.status = a.status;
                    result.body = out.body;
                    result.latency = a.latency;
                    break;
                }
                result.body = out.body;
            }
            result.attempt_log.push_back(a);
            result.status = a.status;
            result.latency = a.latency;
            if (a.error.empty()) {
                acknowledged = true;
                break;
            }
            reason = use_socket ? "timeout" : a.error;
        }
    }

    result.delivered = acknowledged;
    if (acknowledged) {
        result.body = raw_answer;
        result.response = answer;
        if (d.kind == "url_verification") {
            auto body = raw_answer;
            std::string echoed = body;
            try {
                auto j = json::parse(body);
                echoed = j.is_object() ? j.value("challenge", "") : "";
            } catch (const json::parse_error&) {
                auto fields = util::parse_form(body);
                for (const auto& [k, v] : fields) {
                    if (k == "challenge") {
                        echoed = v;
                    }
                }
            }
            result.delivered = echoed == d.challenge;
            if (!result.delivered) {
                result.error = "the bot did not echo the challenge";
            }
            result.response = json::parse(body, nullptr, false).is_discarded()
                                  ? json(body)
                                  : json::parse(body, nullptr, false);
        } else {
            std::lock_guard lock(mu);
            apply_response(d, answer, raw_answer);
        }
    } else if (result.error.empty()) {
        const auto& last =
            result.attempt_log.empty() ? attempt_record{} : result.attempt_log.back();
        result.error = d.kind == "slash_commands" && last.error == "http_timeout"
                           ? "operation_timeout"  // what the user sees in Slack
                           : last.error;
    }
    {
        std::lock_guard lock(mu);
        ws.deliveries.push_back(
            {{"kind", d.kind},
             {"event_id", d.event_id},
             {"type",
              d.kind == "events_api"
                  ? d.payload["event"].value("type", "")
                  : (d.kind == "slash_commands" ? d.payload.value("command", "") : d.interaction)},
             {"transport", result.transport},
             {"attempts", result.attempts},
             {"delivered", result.delivered},
             {"status", result.status}});
    }
    co_return result;
}

delivery_result simulator::impl::send_blocking(prepared p) {
    if (on_io_thread()) {
        throw std::logic_error("slack_sim: a blocking delivery was called from the I/O thread");
    }
    if (!running) {
        delivery_result r;
        r.error = "the simulator is not running";
        return r;
    }
    auto fut = asio::co_spawn(ioc, send(std::move(p)), asio::use_future);
    return fut.get();
}

void simulator::impl::send_detached(delivery d) {
    asio::co_spawn(
        ioc, [this, d = std::move(d)]() -> awaitable<void> { co_await send_one(d); },
        asio::detached);
}

// ---- what the bot answered --------------------------------------------------------------------

void simulator::impl::apply_response(const delivery& d, const json& response,
                                     const std::string& raw_body) {
    if (d.kind == "slash_commands") {
        if (!response.is_object()) {
            return;
        }
        auto text = response.value("text", "");
        json blocks = response.contains("blocks") ? response["blocks"] : json(nullptr);
        if (text.empty() && blocks.is_null()) {
            return;  // e.g. {"response_type":"in_channel"} alone, or an empty ack
        }
        auto* c = ws.find_channel(d.channel);
        if (c == nullptr) {
            return;
        }
        if (response.value("response_type", "ephemeral") == "in_channel") {
            post_as_bot(*c, text, blocks, "");
        } else {
            ws.ephemerals.push_back(
                {c->id, d.user, ws.next_ts(), text, blocks, "slash_response", ""});
        }
        return;
    }
    if (d.kind != "interactive" || d.interaction != "view_submission") {
        return;
    }
    auto it = ws.views.find(d.view_id);
    if (it == ws.views.end()) {
        return;
    }
    auto& v = it->second;
    if (raw_body.empty() || !response.is_object()) {
        v.open = false;  // an empty 200 closes the submitted view
        return;
    }
    auto action = response.value("response_action", "");
    if (action == "errors") {
        v.errors = response.value("errors", json::object());
    } else if (action == "update" && response.contains("view")) {
        v.view = response["view"];
        v.hash = std::to_string(util::unix_seconds()) + "." + util::random_hex(6);
        v.errors = nullptr;
    } else if (action == "push" && response.contains("view")) {
        view_record pushed;
        pushed.id = ws.next_id('V');
        pushed.user = v.user;
        pushed.view = response["view"];
        pushed.hash = std::to_string(util::unix_seconds()) + "." + util::random_hex(6);
        pushed.root_view_id = v.root_view_id;
        pushed.previous_view_id = v.id;
        ws.views[pushed.id] = pushed;
    } else if (action == "clear") {
        auto root = v.root_view_id;
        for (auto& [id, other] : ws.views) {
            if (other.root_view_id == root) {
                other.open = false;
            }
        }
    } else {
        v.open = false;
    }
}

http_reply simulator::impl::handle_response_url(const std::string& id, const http_request& req) {
    auto it = ws.response_urls.find(id);
    if (req.method() == http::verb::post && it == ws.response_urls.end() &&
        opt.sink_unknown_response_urls) {
        ++ws.sunk_response_posts;
        return http_reply::text("ok");
    }
    if (req.method() != http::verb::post || it == ws.response_urls.end()) {
        return http_reply::text("invalid_url", 404);
    }
    auto& r = it->second;
    // Slack's failure bodies here are not documented; these strings are our choice.
    if (steady::now() - r.issued > opt.response_url_ttl) {
        return http_reply::text("expired_url", 404);
    }
    if (r.uses >= opt.response_url_max_uses) {
        return http_reply::text("used_url", 404);
    }
    json body;
    try {
        body = json::parse(req.body());
    } catch (const json::parse_error&) {
        return http_reply::text("invalid_payload", 400);
    }
    if (!body.is_object()) {
        return http_reply::text("invalid_payload", 400);
    }
    ++r.uses;
    r.posts.push_back(body);
    auto* c = ws.find_channel(r.channel);
    if (c == nullptr) {
        return http_reply::text("channel_not_found", 404);
    }
    auto text = body.value("text", "");
    json blocks = body.contains("blocks") ? body["blocks"] : json(nullptr);
    if (!blocks.is_null()) {
        try {
            validate_blocks(blocks, 50, "/blocks", "invalid_blocks");
        } catch (const api_error&) {
            return http_reply::text("invalid_blocks", 400);
        }
    }
    // replace_original / delete_original only apply to the message an action came from.
    if (r.kind == "block_actions" && !r.message_ts.empty()) {
        if (auto* m = c->find_message(r.message_ts)) {
            if (body.value("delete_original", false)) {
                m->deleted = true;
                if (text.empty() && blocks.is_null()) {
                    return http_reply::text("ok");
                }
            } else if (body.value("replace_original", false)) {
                m->text = text;
                m->blocks = blocks;
                m->edited = std::pair{opt.bot_user_id, ws.next_ts()};
                return http_reply::text("ok");
            }
        } else {
            for (auto& e : ws.ephemerals) {
                if (e.ts == r.message_ts && e.channel == c->id &&
                    body.value("replace_original", false)) {
                    e.text = text;
                    e.blocks = blocks;
                    return http_reply::text("ok");
                }
            }
        }
    }
    if (text.empty() && blocks.is_null()) {
        return http_reply::text("no_text", 400);
    }
    auto thread_ts = body.value("thread_ts", "");
    if (body.value("response_type", "ephemeral") == "in_channel") {
        post_as_bot(*c, text, blocks, thread_ts);
    } else {
        ws.ephemerals.push_back(
            {c->id, r.user, ws.next_ts(), text, blocks, "response_url", thread_ts});
    }
    return http_reply::text("ok");
}

}  // namespace warroom::slack_sim
