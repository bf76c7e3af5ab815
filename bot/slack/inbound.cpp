#include "bot/slack/inbound.hpp"

#include <charconv>
#include <limits>

#include "bot/slack/form.hpp"
#include "bot/slack/verifier.hpp"

namespace warroom::slack {

using nlohmann::json;

namespace {

constexpr std::size_t max_key_bytes = 200;
// Click bursts closer than this on the same button count as one click (see block_actions key).
constexpr std::int64_t click_window_s = 10;

// Attacker-controlled text quoted in an error: one short line, printable ASCII only.
std::string excerpt(std::string_view s) {
    constexpr std::size_t max_chars = 40;
    std::string out;
    for (const char ch : s.substr(0, max_chars)) {
        const auto c = static_cast<unsigned char>(ch);
        out.push_back(c >= 0x20 && c < 0x7f ? ch : '?');
    }
    if (s.size() > max_chars)
        out += "...";
    return "'" + out + "'";
}

std::string dump(const json& j) {
    // Hand-built JSON may hold invalid UTF-8; a digest must not throw because of it.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Refuses JSON nested deeper than max_json_depth without parsing it, so neither the parser nor
// anything walking the result can be driven into deep recursion.
void check_depth(std::string_view text) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_json_depth) {
                throw payload_error("JSON nested deeper than " + std::to_string(max_json_depth) +
                                    " levels");
            }
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
}

const json* member(const json& obj, std::string_view key) {
    if (!obj.is_object())
        return nullptr;
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return nullptr;  // Slack sends null for "not here"
    return &*it;
}

const json& object_field(const json& obj, std::string_view key, std::string_view path) {
    const json* v = member(obj, key);
    if (v == nullptr)
        throw payload_error("missing " + std::string(path));
    if (!v->is_object())
        throw payload_error(std::string(path) + " is not an object");
    return *v;
}

std::string required_string(const json& obj, std::string_view key, std::string_view path) {
    const json* v = member(obj, key);
    if (v == nullptr)
        throw payload_error("missing " + std::string(path));
    if (!v->is_string())
        throw payload_error(std::string(path) + " is not a string");
    std::string s = v->get<std::string>();
    if (s.empty())
        throw payload_error("empty " + std::string(path));
    return s;
}

// Optional fields of an unexpected type are treated as absent: tolerance for what we do not need.
std::string optional_string(const json& obj, std::string_view key) {
    const json* v = member(obj, key);
    return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::int64_t optional_int(const json& obj, std::string_view key) {
    const json* v = member(obj, key);
    if (v == nullptr)
        return 0;
    // is_number_integer() is also true for unsigned values, so test unsigned first: one past
    // INT64_MAX must not wrap to a negative time.
    if (v->is_number_unsigned()) {
        const auto u = v->get<std::uint64_t>();
        return u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                   ? 0
                   : static_cast<std::int64_t>(u);
    }
    if (v->is_number_integer())
        return v->get<std::int64_t>();
    return 0;
}

int optional_small_int(const json& obj, std::string_view key) {
    const std::int64_t v = optional_int(obj, key);
    return v < 0 || v > std::numeric_limits<int>::max() ? 0 : static_cast<int>(v);
}

// is_enterprise_install arrives as the string "true" (BOLTJS, §1.1) in forms and in Socket Mode
// JSON; a real boolean is accepted too, since the docs do not pin the JSON type down.
bool optional_bool(const json& obj, std::string_view key) {
    const json* v = member(obj, key);
    if (v == nullptr)
        return false;
    if (v->is_boolean())
        return v->get<bool>();
    if (v->is_string())
        return v->get<std::string>() == "true" || v->get<std::string>() == "1";
    return false;
}

std::string bounded_key(std::string key) {
    if (key.size() <= max_key_bytes)
        return key;
    // Keep the kind prefix readable and make the rest fixed-length.
    const std::size_t colon = key.find(':');
    const std::string kind =
        colon == std::string::npos || colon > 32 ? "key" : key.substr(0, colon);
    return kind + ":sha256:" + sha256_hex(key);
}

user_ref parse_user(const json& payload) {
    const json& u = object_field(payload, "user", "user");
    user_ref out;
    out.id = required_string(u, "id", "user.id");
    out.username = optional_string(u, "username");
    out.name = optional_string(u, "name");
    out.team_id = optional_string(u, "team_id");
    return out;
}

std::string team_id_of(const json& payload, const user_ref& user) {
    if (const json* team = member(payload, "team"); team != nullptr) {
        std::string id = optional_string(*team, "id");
        if (!id.empty())
            return id;
    }
    return user.team_id;  // `team` is null for org-wide installs (§4.2)
}

view_state parse_view(const json& v) {
    view_state out;
    out.id = required_string(v, "id", "view.id");
    out.type = optional_string(v, "type");
    out.callback_id = optional_string(v, "callback_id");
    out.private_metadata = optional_string(v, "private_metadata");
    out.hash = optional_string(v, "hash");
    out.root_view_id = optional_string(v, "root_view_id");
    out.external_id = optional_string(v, "external_id");
    if (const json* state = member(v, "state"); state != nullptr) {
        if (!state->is_object())
            throw payload_error("view.state is not an object");
        if (const json* values = member(*state, "values"); values != nullptr) {
            if (!values->is_object())
                throw payload_error("view.state.values is not an object");
            out.values = *values;
        }
    }
    return out;
}

std::string action_value(const json& a) {
    if (const json* v = member(a, "value"); v != nullptr && v->is_string()) {
        return v->get<std::string>();
    }
    if (const json* opt = member(a, "selected_option"); opt != nullptr) {
        return optional_string(*opt, "value");
    }
    for (const char* key : {"selected_user", "selected_channel", "selected_conversation",
                            "selected_date", "selected_time"}) {
        if (const json* v = member(a, key); v != nullptr && v->is_string()) {
            return v->get<std::string>();
        }
    }
    return {};
}

block_actions parse_block_actions(const json& p) {
    block_actions out;
    out.user = parse_user(p);
    out.trigger_id = optional_string(p, "trigger_id");
    out.team_id = team_id_of(p, out.user);
    out.api_app_id = optional_string(p, "api_app_id");
    out.response_url = optional_string(p, "response_url");

    const json* actions = member(p, "actions");
    if (actions == nullptr)
        throw payload_error("missing actions");
    if (!actions->is_array())
        throw payload_error("actions is not an array");
    if (actions->empty())
        throw payload_error("empty actions");
    for (const json& a : *actions) {
        if (!a.is_object())
            throw payload_error("actions[] entry is not an object");
        action act;
        act.action_id = required_string(a, "action_id", "actions[].action_id");
        act.block_id = optional_string(a, "block_id");
        act.type = optional_string(a, "type");
        act.value = action_value(a);
        act.action_ts = optional_string(a, "action_ts");
        act.raw = a;
        out.actions.push_back(std::move(act));
    }

    if (const json* c = member(p, "container"); c != nullptr && c->is_object()) {
        out.container.type = optional_string(*c, "type");
        out.container.message_ts = optional_string(*c, "message_ts");
        out.container.channel_id = optional_string(*c, "channel_id");
        out.container.view_id = optional_string(*c, "view_id");
        out.container.is_ephemeral = optional_bool(*c, "is_ephemeral");
    }
    if (const json* ch = member(p, "channel"); ch != nullptr) {
        out.channel_id = optional_string(*ch, "id");
    }
    if (out.channel_id.empty())
        out.channel_id = out.container.channel_id;
    out.message_ts = out.container.message_ts;
    if (out.message_ts.empty()) {
        if (const json* m = member(p, "message"); m != nullptr) {
            out.message_ts = optional_string(*m, "ts");
        }
    }
    if (const json* v = member(p, "view"); v != nullptr) {
        if (!v->is_object())
            throw payload_error("view is not an object");
        out.view = parse_view(*v);
    }
    return out;
}

view_submission parse_view_submission(const json& p) {
    view_submission out;
    out.user = parse_user(p);
    out.trigger_id = optional_string(p, "trigger_id");
    out.team_id = team_id_of(p, out.user);
    out.api_app_id = optional_string(p, "api_app_id");
    out.view = parse_view(object_field(p, "view", "view"));
    if (const json* urls = member(p, "response_urls"); urls != nullptr && urls->is_array()) {
        out.response_urls = *urls;
    }
    return out;
}

view_closed parse_view_closed(const json& p) {
    view_closed out;
    out.user = parse_user(p);
    out.team_id = team_id_of(p, out.user);
    out.api_app_id = optional_string(p, "api_app_id");
    out.view = parse_view(object_field(p, "view", "view"));
    out.is_cleared = optional_bool(p, "is_cleared");
    return out;
}

shortcut parse_shortcut(const json& p, bool on_message) {
    shortcut out;
    out.on_message = on_message;
    out.user = parse_user(p);
    out.callback_id = required_string(p, "callback_id", "callback_id");
    // A shortcut exists to open a modal; without a trigger_id nothing can be done with it.
    out.trigger_id = required_string(p, "trigger_id", "trigger_id");
    out.team_id = team_id_of(p, out.user);
    out.response_url = optional_string(p, "response_url");
    if (const json* ch = member(p, "channel"); ch != nullptr) {
        out.channel_id = optional_string(*ch, "id");
    }
    if (const json* m = member(p, "message"); m != nullptr) {
        out.message_ts = optional_string(*m, "ts");
    }
    if (out.message_ts.empty())
        out.message_ts = optional_string(p, "message_ts");
    return out;
}

// Whole seconds of a Slack timestamp such as "1548426417.840180".
std::optional<std::int64_t> whole_seconds(std::string_view ts) {
    const std::size_t dot = ts.find('.');
    const std::string_view digits = ts.substr(0, dot);
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || v < 0) {
        return std::nullopt;
    }
    return v;
}

std::string key_of(const block_actions& b) {
    // Slack gives no dedup key for a double click: each click has its own trigger_id and
    // action_ts, so neither can tell a double click from a deliberate second click. The design
    // keys a click on what was clicked: the action, the message (or view) holding it, and who
    // clicked, plus the selected value so changing a select is a new intent. That alone would
    // also swallow every later click on a card that is edited in place (same ts), e.g. a second
    // "Post update" an hour later, so clicks are grouped into click_window_s windows of
    // action_ts: a double click (well under a second apart) applies once; a rare double click
    // straddling a window edge applies twice, which the domain tolerates (acknowledging twice
    // is a no-op, a modal opens twice). Redeliveries carry the same action_ts, so they dedup.
    const action& a = b.actions.front();
    const std::string where = !b.message_ts.empty()          ? b.message_ts
                              : !b.container.view_id.empty() ? "view-" + b.container.view_id
                              : b.view                       ? "view-" + b.view->id
                                                             : std::string("-");
    std::string key = "action:" + a.action_id + ":" + where + ":" + b.user.id + ":" + a.value;
    if (const auto secs = whole_seconds(a.action_ts)) {
        key += ":" + std::to_string(*secs / click_window_s);
    } else if (!b.trigger_id.empty()) {
        // Without action_ts there is no way to group clicks; applying each is the safe side.
        key += ":" + b.trigger_id;
    }
    return bounded_key(std::move(key));
}

}  // namespace

nlohmann::json parse_json_object(std::string_view text) {
    if (text.size() > max_payload_bytes)
        throw payload_error("body larger than 2 MiB");
    check_depth(text);
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        throw payload_error("invalid JSON at byte " + std::to_string(e.byte));
    } catch (const json::exception&) {
        throw payload_error("invalid JSON");
    }
    if (!j.is_object())
        throw payload_error("expected a JSON object");
    return j;
}

// ---------------------------------------------------------------------------------------------
// Events API

events_request events_request_from_json(const json& body) {
    if (!body.is_object())
        throw payload_error("expected a JSON object");
    const std::string type = required_string(body, "type", "type");
    if (type == "url_verification") {
        return url_verification{required_string(body, "challenge", "challenge")};
    }
    if (type == "event_callback") {
        event_callback out;
        out.event_id = required_string(body, "event_id", "event_id");
        out.team_id = optional_string(body, "team_id");
        out.api_app_id = optional_string(body, "api_app_id");
        out.event_time = optional_int(body, "event_time");
        // Only the inner type is required: inner shapes vary by event and some are UNCONFIRMED
        // (pin_added's item, §10.6), so the object is kept as sent for the handler to read.
        const json& event = object_field(body, "event", "event");
        out.type = required_string(event, "type", "event.type");
        out.event = event;
        return out;
    }
    if (type == "app_rate_limited") {
        app_rate_limited out;
        out.team_id = optional_string(body, "team_id");
        out.api_app_id = optional_string(body, "api_app_id");
        const json* minute = member(body, "minute_rate_limited");
        if (minute == nullptr)
            throw payload_error("missing minute_rate_limited");
        if (!minute->is_number_integer()) {
            throw payload_error("minute_rate_limited is not an integer");
        }
        out.minute_rate_limited = optional_int(body, "minute_rate_limited");
        return out;
    }
    return unsupported_event_request{type, body};
}

events_request parse_events_body(std::string_view json_text) {
    return events_request_from_json(parse_json_object(json_text));
}

// ---------------------------------------------------------------------------------------------
// Slash commands

namespace {

slash_command slash_command_from_fields(const json& fields) {
    slash_command out;
    out.command = required_string(fields, "command", "command");
    out.user_id = required_string(fields, "user_id", "user_id");
    out.channel_id = required_string(fields, "channel_id", "channel_id");
    out.text = optional_string(fields, "text");
    out.user_name = optional_string(fields, "user_name");
    out.channel_name = optional_string(fields, "channel_name");
    out.team_id = optional_string(fields, "team_id");
    out.team_domain = optional_string(fields, "team_domain");
    out.enterprise_id = optional_string(fields, "enterprise_id");
    out.response_url = optional_string(fields, "response_url");
    out.trigger_id = optional_string(fields, "trigger_id");
    out.api_app_id = optional_string(fields, "api_app_id");
    out.is_enterprise_install = optional_bool(fields, "is_enterprise_install");
    return out;
}

form_fields decode_form(std::string_view form) {
    if (form.size() > max_payload_bytes)
        throw payload_error("body larger than 2 MiB");
    try {
        return parse_form(form);
    } catch (const form_error& e) {
        throw payload_error(e.what());
    }
}

}  // namespace

slash_request slash_request_from_form(const form_fields& fields, std::string_view form) {
    if (const std::string* ssl = find_field(fields, "ssl_check"); ssl != nullptr && *ssl == "1") {
        return ssl_check{};
    }
    // Read straight from the fields (this is the acknowledgement path); the first occurrence of
    // a repeated field wins, as with find_field, and the rules are those of the JSON form.
    const auto required = [&](std::string_view key) {
        const std::string* v = find_field(fields, key);
        if (v == nullptr)
            throw payload_error("missing " + std::string(key));
        if (v->empty())
            throw payload_error("empty " + std::string(key));
        return *v;
    };
    const auto optional = [&](std::string_view key) {
        const std::string* v = find_field(fields, key);
        return v != nullptr ? *v : std::string();
    };
    slash_command out;
    out.command = required("command");
    out.user_id = required("user_id");
    out.channel_id = required("channel_id");
    out.text = optional("text");
    out.user_name = optional("user_name");
    out.channel_name = optional("channel_name");
    out.team_id = optional("team_id");
    out.team_domain = optional("team_domain");
    out.enterprise_id = optional("enterprise_id");
    out.response_url = optional("response_url");
    out.trigger_id = optional("trigger_id");
    out.api_app_id = optional("api_app_id");
    const std::string enterprise_install = optional("is_enterprise_install");
    out.is_enterprise_install = enterprise_install == "true" || enterprise_install == "1";
    if (out.trigger_id.empty())
        out.body_digest = sha256_hex(form);
    return out;
}

slash_request parse_slash_command(std::string_view form) {
    return slash_request_from_form(decode_form(form), form);
}

slash_command slash_command_from_json(const json& payload) {
    if (!payload.is_object())
        throw payload_error("slash command payload is not an object");
    slash_command out = slash_command_from_fields(payload);
    if (out.trigger_id.empty())
        out.body_digest = sha256_hex(dump(payload));
    return out;
}

namespace {

/// Appends `s` as a JSON string. Refuses invalid UTF-8, as nlohmann::json's dump() does, so
/// what is stored always parses back.
void append_json_string(std::string& out, std::string_view s, std::string_view field) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            // Length of the sequence from its lead byte; overlong forms, surrogates and code
            // points past U+10FFFF are invalid.
            const std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
            bool ok = n != 0 && c <= 0xf4 && i + n <= s.size();
            for (std::size_t k = 1; ok && k < n; ++k)
                ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
            if (ok && n >= 3) {
                const auto c1 = static_cast<unsigned char>(s[i + 1]);
                ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0) &&
                     !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
            }
            if (!ok)
                throw payload_error("invalid UTF-8 in " + std::string(field));
            out.append(s.substr(i, n));
            i += n - 1;
        } else if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c < 0x20) {
            switch (c) {
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    out.append("\\u00");
                    out.push_back(hex[c >> 4]);
                    out.push_back(hex[c & 0x0f]);
            }
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    out.push_back('"');
}

}  // namespace

std::string slash_command_json(const slash_command& cmd) {
    const std::pair<std::string_view, const std::string*> fields[] = {
        {"command", &cmd.command},           {"text", &cmd.text},
        {"user_id", &cmd.user_id},           {"user_name", &cmd.user_name},
        {"channel_id", &cmd.channel_id},     {"channel_name", &cmd.channel_name},
        {"team_id", &cmd.team_id},           {"response_url", &cmd.response_url},
        {"trigger_id", &cmd.trigger_id},     {"api_app_id", &cmd.api_app_id}};
    std::string out;
    std::size_t size = 2;
    for (const auto& [key, value] : fields)
        size += key.size() + value->size() + 6;
    out.reserve(size + size / 8);
    out.push_back('{');
    for (const auto& [key, value] : fields) {
        if (out.size() > 1)
            out.push_back(',');
        out.push_back('"');
        out.append(key);
        out.append("\":");
        append_json_string(out, *value, key);
    }
    out.push_back('}');
    return out;
}

// ---------------------------------------------------------------------------------------------
// Interactivity

interaction interaction_from_json(const json& payload) {
    if (!payload.is_object())
        throw payload_error("interaction payload is not an object");
    const std::string type = required_string(payload, "type", "type");
    if (type == "block_actions")
        return parse_block_actions(payload);
    if (type == "view_submission")
        return parse_view_submission(payload);
    if (type == "view_closed")
        return parse_view_closed(payload);
    if (type == "shortcut")
        return parse_shortcut(payload, false);
    if (type == "message_action")
        return parse_shortcut(payload, true);
    return unsupported_interaction{type, payload};
}

interaction parse_interaction(std::string_view form) {
    const form_fields fields = decode_form(form);
    const std::string* payload = find_field(fields, "payload");
    if (payload == nullptr)
        throw payload_error("missing payload field");
    if (payload->empty())
        throw payload_error("empty payload field");
    return interaction_from_json(parse_json_object(*payload));
}

const json* state_value(const view_state& view, std::string_view block_id,
                        std::string_view action_id) {
    const json* block = member(view.values, block_id);
    if (block == nullptr || !block->is_object())
        return nullptr;
    const json* value = member(*block, action_id);
    return value != nullptr && value->is_object() ? value : nullptr;
}

// ---------------------------------------------------------------------------------------------
// Socket Mode

socket_message parse_socket_envelope(std::string_view json_text) {
    const json frame = parse_json_object(json_text);
    const std::string type = required_string(frame, "type", "type");
    if (type == "hello") {
        socket_hello out;
        out.num_connections = optional_small_int(frame, "num_connections");
        if (const json* info = member(frame, "connection_info"); info != nullptr) {
            out.app_id = optional_string(*info, "app_id");
        }
        if (const json* debug = member(frame, "debug_info"); debug != nullptr) {
            out.approximate_connection_time = optional_int(*debug, "approximate_connection_time");
        }
        return out;
    }
    // Any reason is accepted: too_many_websockets appears only in SDK tests (UNCONFIRMED, §10.5)
    // and Slack may add others; the client reconnects on every disconnect anyway.
    if (type == "disconnect")
        return socket_disconnect{optional_string(frame, "reason")};

    socket_envelope out;
    out.type_name = type;
    if (type == "events_api") {
        out.type = envelope_type::events_api;
    } else if (type == "interactive") {
        out.type = envelope_type::interactive;
    } else if (type == "slash_commands") {
        out.type = envelope_type::slash_commands;
    } else if (member(frame, "envelope_id") == nullptr) {
        throw payload_error("unknown Socket Mode message type " + excerpt(type));
    }
    out.envelope_id = required_string(frame, "envelope_id", "envelope_id");
    if (out.type != envelope_type::unsupported) {
        out.payload = object_field(frame, "payload", "payload");
    } else if (const json* p = member(frame, "payload"); p != nullptr) {
        out.payload = *p;
    }
    out.accepts_response_payload = optional_bool(frame, "accepts_response_payload");
    out.retry_attempt = optional_small_int(frame, "retry_attempt");
    // "" on the first delivery; SDK tests show "timeout". The Socket Mode retry schedule is
    // UNCONFIRMED (§10.3), so any value is kept verbatim for logs.
    out.retry_reason = optional_string(frame, "retry_reason");
    return out;
}

std::string socket_ack(std::string_view envelope_id, const std::optional<json>& payload) {
    json ack = {{"envelope_id", std::string(envelope_id)}};
    if (payload)
        ack["payload"] = *payload;
    return dump(ack);
}

// ---------------------------------------------------------------------------------------------
// Idempotency keys

std::string idempotency_key(const events_request& request) {
    struct visitor {
        std::string operator()(const event_callback& e) const { return "event:" + e.event_id; }
        std::string operator()(const url_verification& u) const {
            return "url_verification:" + u.challenge;
        }
        std::string operator()(const app_rate_limited& r) const {
            return "app_rate_limited:" + r.team_id + ":" + std::to_string(r.minute_rate_limited);
        }
        std::string operator()(const unsupported_event_request& u) const {
            return "events:" + u.type + ":" + sha256_hex(dump(u.body));
        }
    };
    return bounded_key(std::visit(visitor{}, request));
}

std::string idempotency_key(const slash_command& command) {
    // trigger_id is unique per invocation and the same on every redelivery of it.
    if (!command.trigger_id.empty())
        return bounded_key("command:" + command.trigger_id);
    if (!command.body_digest.empty())
        return "command:sha256:" + command.body_digest;
    // Built by hand rather than parsed: digest what identifies the invocation.
    return "command:sha256:" + sha256_hex(command.command + '\n' + command.user_id + '\n' +
                                          command.channel_id + '\n' + command.text);
}

std::string idempotency_key(const interaction& payload) {
    struct visitor {
        std::string operator()(const block_actions& b) const { return key_of(b); }
        std::string operator()(const view_submission& v) const {
            // views.update changes the hash, so an edited-and-resubmitted view is a new intent;
            // the same submission delivered twice has the same id and hash.
            return v.view.hash.empty() ? "view:" + v.view.id
                                       : "view:" + v.view.id + ":" + v.view.hash;
        }
        std::string operator()(const view_closed& v) const {
            return "view_closed:" + v.view.id + ":" + v.view.hash;
        }
        std::string operator()(const shortcut& s) const { return "shortcut:" + s.trigger_id; }
        std::string operator()(const unsupported_interaction& u) const {
            return "interaction:" + u.type + ":" + sha256_hex(dump(u.payload));
        }
    };
    return bounded_key(std::visit(visitor{}, payload));
}

std::string idempotency_key(const socket_envelope& envelope) {
    // Whether Slack reuses an envelope_id when it redelivers the same event is UNCONFIRMED
    // (§5.4 only says to dedup on event_id / envelope_id). The inner key is stable across
    // redeliveries and across transports, so it is preferred; envelope_id is the fallback.
    try {
        switch (envelope.type) {
            case envelope_type::events_api:
                return idempotency_key(events_request_from_json(envelope.payload));
            case envelope_type::interactive:
                return idempotency_key(interaction_from_json(envelope.payload));
            case envelope_type::slash_commands:
                return idempotency_key(slash_command_from_json(envelope.payload));
            case envelope_type::unsupported:
                break;
        }
    } catch (const payload_error&) {
        // Fall through: the envelope itself is still a unit Slack may redeliver.
    }
    return bounded_key("envelope:" + envelope.envelope_id);
}

// ---------------------------------------------------------------------------------------------
// mrkdwn text

std::string unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const std::string_view rest = text.substr(i);
        if (rest.starts_with("&amp;")) {
            out.push_back('&');
            i += 4;
        } else if (rest.starts_with("&lt;")) {
            out.push_back('<');
            i += 3;
        } else if (rest.starts_with("&gt;")) {
            out.push_back('>');
            i += 3;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

}  // namespace warroom::slack
