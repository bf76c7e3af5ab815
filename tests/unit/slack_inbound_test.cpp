#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "bot/slack/form.hpp"
#include "bot/slack/inbound.hpp"
#include "bot/slack/verifier.hpp"

using namespace warroom::slack;
using nlohmann::json;

namespace {

std::string data(const std::string& name) {
    const std::string path = std::string(WARROOM_SOURCE_DIR) + "/tests/data/slack/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("missing test data " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string as_form_payload(const json& payload) {
    return encode_form({{"payload", payload.dump()}});
}

}  // namespace

// ---- Events API

TEST_CASE("url_verification yields the challenge to echo", "[unit][slack][inbound]") {
    const auto r = parse_events_body(data("events_url_verification.json"));
    REQUIRE(std::holds_alternative<url_verification>(r));
    CHECK(std::get<url_verification>(r).challenge ==
          "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
}

TEST_CASE("an event_callback message keeps its ids and the inner event as sent",
          "[unit][slack][inbound]") {
    const auto r = parse_events_body(data("events_message.json"));
    REQUIRE(std::holds_alternative<event_callback>(r));
    const auto& e = std::get<event_callback>(r);
    CHECK(e.event_id == "Ev123ABC456");
    CHECK(e.team_id == "T123ABC456");
    CHECK(e.api_app_id == "A123ABC456");
    CHECK(e.event_time == 1355517523);
    CHECK(e.type == "message");
    CHECK(e.event["channel"] == "C123ABC456");
    CHECK(e.event["text"] == "rollback done &amp; error rate &lt; 1%");
    CHECK(idempotency_key(r) == "event:Ev123ABC456");
}

TEST_CASE("app_mention and reaction_added parse, unknown outer fields are ignored",
          "[unit][slack][inbound]") {
    const auto m = std::get<event_callback>(parse_events_body(data("events_app_mention.json")));
    CHECK(m.type == "app_mention");
    CHECK(m.event["text"] == "<@U0LAN0Z89> diag db-connections");
    const auto r = std::get<event_callback>(parse_events_body(data("events_reaction_added.json")));
    CHECK(r.type == "reaction_added");
    CHECK(r.event["item"]["ts"] == "1360782400.498405");
}

TEST_CASE("app_rate_limited reports the limited minute", "[unit][slack][inbound]") {
    const auto r = parse_events_body(data("events_app_rate_limited.json"));
    REQUIRE(std::holds_alternative<app_rate_limited>(r));
    CHECK(std::get<app_rate_limited>(r).minute_rate_limited == 1518467820);
    CHECK(std::get<app_rate_limited>(r).team_id == "T123456");
    CHECK(idempotency_key(r) == "app_rate_limited:T123456:1518467820");
}

TEST_CASE("an unknown outer event type is unsupported rather than an error",
          "[unit][slack][inbound]") {
    const auto r = parse_events_body(R"({"type":"app_future_thing","x":1})");
    REQUIRE(std::holds_alternative<unsupported_event_request>(r));
    CHECK(std::get<unsupported_event_request>(r).type == "app_future_thing");
    CHECK(idempotency_key(r).starts_with("events:app_future_thing:"));
}

TEST_CASE("null optional fields are treated as absent", "[unit][slack][inbound]") {
    const auto r = parse_events_body(
        R"({"type":"event_callback","event_id":"Ev1","team_id":null,"event_time":null,)"
        R"("event":{"type":"message","user":null}})");
    const auto& e = std::get<event_callback>(r);
    CHECK(e.team_id.empty());
    CHECK(e.event_time == 0);
}

// ---- Slash commands

TEST_CASE("the official slash command body parses with every field decoded",
          "[unit][slack][inbound]") {
    const auto r = parse_slash_command(data("slash_command_official.txt"));
    REQUIRE(std::holds_alternative<slash_command>(r));
    const auto& c = std::get<slash_command>(r);
    CHECK(c.command == "/webhook-collect");
    CHECK(c.text.empty());
    CHECK(c.user_id == "U2CERLKJA");
    CHECK(c.user_name == "roadrunner");
    CHECK(c.channel_id == "G8PSS9T3V");
    CHECK(c.channel_name == "foobar");
    CHECK(c.team_id == "T1DC2JH3J");
    CHECK(c.response_url ==
          "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN");
    CHECK(c.trigger_id == "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");
    CHECK(c.api_app_id.empty());
    CHECK(idempotency_key(c) ==
          "command:398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");
}

TEST_CASE("an /incident command keeps its text with Slack's escaped mentions",
          "[unit][slack][inbound]") {
    const auto c = std::get<slash_command>(parse_slash_command(data("slash_command_incident.txt")));
    CHECK(c.command == "/incident");
    CHECK(c.text == "create SEV2 \"API error rate spike\" --commander <@U024BE7LH|alice>");
    CHECK(c.enterprise_id == "E0001");
    CHECK(c.api_app_id == "A123456");
    CHECK_FALSE(c.is_enterprise_install);
}

TEST_CASE("ssl_check=1 is its own result so the server answers 200 and does nothing",
          "[unit][slack][inbound]") {
    CHECK(std::holds_alternative<ssl_check>(
        parse_slash_command(data("slash_command_ssl_check.txt"))));
    CHECK(std::holds_alternative<slash_command>(
        parse_slash_command("ssl_check=0&command=%2Fincident&user_id=U1&channel_id=C1")));
}

TEST_CASE("a slash command without trigger_id is keyed on a digest of its body",
          "[unit][slack][inbound]") {
    const auto a = std::get<slash_command>(
        parse_slash_command("command=%2Fincident&user_id=U1&channel_id=C1&text=list"));
    const auto b = std::get<slash_command>(
        parse_slash_command("command=%2Fincident&user_id=U1&channel_id=C1&text=stats"));
    CHECK(idempotency_key(a).starts_with("command:sha256:"));
    CHECK(idempotency_key(a) != idempotency_key(b));
    CHECK(idempotency_key(a) == idempotency_key(std::get<slash_command>(parse_slash_command(
                                    "command=%2Fincident&user_id=U1&channel_id=C1&text=list"))));
}

TEST_CASE("the Socket Mode slash command payload gives the same command as the form",
          "[unit][slack][inbound]") {
    const auto env =
        std::get<socket_envelope>(parse_socket_envelope(data("socket_slash_commands.json")));
    CHECK(env.type == envelope_type::slash_commands);
    CHECK(env.accepts_response_payload);
    const slash_command from_socket = slash_command_from_json(env.payload);
    const auto from_form =
        std::get<slash_command>(parse_slash_command(data("slash_command_incident.txt")));
    CHECK(from_socket.command == from_form.command);
    CHECK(from_socket.text == from_form.text);
    CHECK(from_socket.user_id == from_form.user_id);
    CHECK(from_socket.channel_id == from_form.channel_id);
    CHECK(from_socket.trigger_id == from_form.trigger_id);
    CHECK(idempotency_key(env) == idempotency_key(from_form));
}

TEST_CASE("a stored slash command reads back field for field, control characters escaped",
          "[unit][slack][inbound]") {
    auto c = std::get<slash_command>(parse_slash_command(data("slash_command_incident.txt")));
    c.text = "quote \" backslash \\ newline \n tab \t bell \x07 caf\xc3\xa9 \xf0\x9f\x94\xa5";
    const std::string stored = slash_command_json(c);
    const json back = json::parse(stored);
    CHECK(back.size() == 10);
    CHECK(back["text"] == c.text);
    CHECK(back["command"] == "/incident");
    CHECK(back["trigger_id"] == c.trigger_id);
    CHECK(back["response_url"] == c.response_url);
    const slash_command again = slash_command_from_json(back);
    CHECK(again.text == c.text);
    CHECK(again.user_id == c.user_id);
    CHECK(again.channel_id == c.channel_id);
    CHECK(again.api_app_id == c.api_app_id);
    CHECK(idempotency_key(again) == idempotency_key(c));
    CHECK(stored.find("\\u0007") != std::string::npos);
}

TEST_CASE("a slash command with invalid UTF-8 is refused rather than stored",
          "[unit][slack][inbound]") {
    slash_command c;
    c.command = "/incident";
    c.user_id = "U1";
    c.channel_id = "C1";
    for (const char* bad : {"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                            "caf\xc3", "\x80"}) {
        c.text = std::string("create SEV2 ") + bad;
        CAPTURE(c.text);
        CHECK_THROWS_AS(slash_command_json(c), payload_error);
    }
    c.text = "create SEV2 \xe2\x82\xac \xf4\x8f\xbf\xbf";  // U+20AC and U+10FFFF are fine
    CHECK(json::parse(slash_command_json(c))["text"] == c.text);
}

TEST_CASE("a slash command's body digest is only taken when there is no trigger_id",
          "[unit][slack][inbound]") {
    const auto with = std::get<slash_command>(parse_slash_command(
        "command=%2Fincident&user_id=U1&channel_id=C1&text=list&trigger_id=1.2.3"));
    CHECK(with.body_digest.empty());
    CHECK(idempotency_key(with) == "command:1.2.3");
    const std::string body = "command=%2Fincident&user_id=U1&channel_id=C1&text=list";
    const auto without = std::get<slash_command>(parse_slash_command(body));
    CHECK(without.body_digest == sha256_hex(body));
    CHECK(std::get<slash_command>(slash_request_from_form(parse_form(body), body)).body_digest ==
          without.body_digest);
}

// ---- Interactivity

TEST_CASE("a button click parses user, channel, message, container and action",
          "[unit][slack][inbound]") {
    const auto i = parse_interaction(data("interaction_block_actions.txt"));
    REQUIRE(std::holds_alternative<block_actions>(i));
    const auto& b = std::get<block_actions>(i);
    CHECK(b.trigger_id == "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3");
    CHECK(b.user.id == "U123ABC456");
    CHECK(b.user.username == "alice");
    CHECK(b.team_id == "T123ABC456");
    CHECK(b.channel_id == "C123ABC456");
    CHECK(b.message_ts == "1548261231.000200");
    CHECK(b.container.type == "message");
    CHECK_FALSE(b.container.is_ephemeral);
    CHECK(b.response_url == "https://hooks.slack.com/actions/T123ABC456/123456/abcdef");
    REQUIRE(b.actions.size() == 1);
    CHECK(b.actions[0].action_id == "incident_ack");
    CHECK(b.actions[0].block_id == "=qXel");
    CHECK(b.actions[0].type == "button");
    CHECK(b.actions[0].value == "INC-20240115-0042");
    CHECK(b.actions[0].action_ts == "1548426417.840180");
    CHECK_FALSE(b.view.has_value());
}

TEST_CASE("a double click on the same button gives one idempotency key, another user another",
          "[unit][slack][inbound]") {
    json p = json::parse(data("interaction_block_actions.json"));
    const auto first = idempotency_key(interaction_from_json(p));
    CHECK(first.starts_with("action:incident_ack:1548261231.000200:U123ABC456:INC-20240115-0042:"));

    json second_click = p;
    second_click["trigger_id"] = "99999.88888.other";
    second_click["actions"][0]["action_ts"] = "1548426418.120000";  // 0.3 s later
    CHECK(idempotency_key(interaction_from_json(second_click)) == first);

    json other_user = p;
    other_user["user"]["id"] = "U999";
    CHECK(idempotency_key(interaction_from_json(other_user)) != first);

    json other_button = p;
    other_button["actions"][0]["action_id"] = "incident_resolve";
    CHECK(idempotency_key(interaction_from_json(other_button)) != first);

    // The same card is edited in place (same ts); a deliberate click a minute later is new.
    json later = p;
    later["actions"][0]["action_ts"] = "1548426477.840180";
    CHECK(idempotency_key(interaction_from_json(later)) != first);
}

TEST_CASE("a select's chosen option is the action value", "[unit][slack][inbound]") {
    json p = json::parse(data("interaction_block_actions.json"));
    p["actions"][0] = {{"action_id", "pick"},
                       {"block_id", "b"},
                       {"type", "static_select"},
                       {"selected_option", {{"value", "SEV1"}}},
                       {"action_ts", "1548426417.840180"}};
    CHECK(std::get<block_actions>(interaction_from_json(p)).actions[0].value == "SEV1");
    p["actions"][0]["selected_option"] = nullptr;  // deselected
    CHECK(std::get<block_actions>(interaction_from_json(p)).actions[0].value.empty());
}

TEST_CASE("a view submission parses the view, its metadata and state values",
          "[unit][slack][inbound]") {
    const auto i = parse_interaction(data("interaction_view_submission.txt"));
    REQUIRE(std::holds_alternative<view_submission>(i));
    const auto& s = std::get<view_submission>(i);
    CHECK(s.user.id == "U123ABC456");
    CHECK(s.trigger_id == "12466734323.1395872398.e6bd34c4e5aa9bb5da8d");
    CHECK(s.view.id == "VNHU13V36");
    CHECK(s.view.callback_id == "declare_incident");
    CHECK(s.view.private_metadata == "C2147483705");
    CHECK(s.view.hash == "156663117.cd33ad1f");
    const json* title = state_value(s.view, "title", "title");
    REQUIRE(title != nullptr);
    CHECK((*title)["value"] == "  API error rate spike  ");
    CHECK(state_value(s.view, "title", "nope") == nullptr);
    CHECK(state_value(s.view, "nope", "title") == nullptr);
    CHECK(idempotency_key(i) == "view:VNHU13V36:156663117.cd33ad1f");
}

TEST_CASE("view_closed, shortcuts and unknown interaction types parse without error",
          "[unit][slack][inbound]") {
    const auto closed = parse_interaction(data("interaction_view_closed.txt"));
    REQUIRE(std::holds_alternative<view_closed>(closed));
    CHECK(std::get<view_closed>(closed).is_cleared);
    CHECK(std::get<view_closed>(closed).view.callback_id == "post_update");

    const auto sc = parse_interaction(data("interaction_shortcut.txt"));
    REQUIRE(std::holds_alternative<shortcut>(sc));
    CHECK(std::get<shortcut>(sc).callback_id == "declare_incident_shortcut");
    CHECK_FALSE(std::get<shortcut>(sc).on_message);
    CHECK(idempotency_key(sc) ==
          "shortcut:944799105734.773906753841.38b5894552bdd4a780554ee59d1f3638");

    const auto other = parse_interaction(data("interaction_block_suggestion.txt"));
    REQUIRE(std::holds_alternative<unsupported_interaction>(other));
    CHECK(std::get<unsupported_interaction>(other).type == "block_suggestion");
}

// ---- Socket Mode

TEST_CASE("hello and disconnect frames parse", "[unit][slack][inbound]") {
    const auto h = std::get<socket_hello>(parse_socket_envelope(data("socket_hello.json")));
    CHECK(h.num_connections == 1);
    CHECK(h.approximate_connection_time == 18060);
    CHECK(h.app_id == "A01K58AR4RF");
    const auto d =
        std::get<socket_disconnect>(parse_socket_envelope(data("socket_disconnect.json")));
    CHECK(d.reason == "warning");
}

TEST_CASE("an events_api envelope carries retry fields and is keyed on the inner event_id",
          "[unit][slack][inbound]") {
    const auto env =
        std::get<socket_envelope>(parse_socket_envelope(data("socket_events_api.json")));
    CHECK(env.envelope_id == "57d6a792-4d35-4d0b-b6aa-3361493e1caf");
    CHECK(env.type == envelope_type::events_api);
    CHECK(env.retry_attempt == 1);
    CHECK(env.retry_reason == "timeout");
    CHECK_FALSE(env.accepts_response_payload);
    CHECK(idempotency_key(env) == "event:Ev123ABC456");
    // The same event over HTTP gets the same key, so a switch of transport does not re-apply it.
    CHECK(idempotency_key(env) == idempotency_key(parse_events_body(data("events_message.json"))));
    const auto inner = events_request_from_json(env.payload);
    CHECK(std::get<event_callback>(inner).type == "message");
}

TEST_CASE("an interactive envelope's payload is the interaction JSON itself",
          "[unit][slack][inbound]") {
    const auto env =
        std::get<socket_envelope>(parse_socket_envelope(data("socket_interactive.json")));
    CHECK(env.type == envelope_type::interactive);
    const auto i = interaction_from_json(env.payload);
    CHECK(std::get<block_actions>(i).actions[0].action_id == "incident_ack");
    CHECK(idempotency_key(env) ==
          idempotency_key(parse_interaction(data("interaction_block_actions.txt"))));
}

TEST_CASE("an envelope whose payload cannot be parsed falls back to the envelope id",
          "[unit][slack][inbound]") {
    const auto env = std::get<socket_envelope>(parse_socket_envelope(
        R"({"type":"events_api","envelope_id":"e-1","payload":{"type":"event_callback"}})"));
    CHECK(idempotency_key(env) == "envelope:e-1");
}

TEST_CASE("an envelope of an unknown type is returned so it can still be acknowledged",
          "[unit][slack][inbound]") {
    const auto env = std::get<socket_envelope>(
        parse_socket_envelope(R"({"type":"future_kind","envelope_id":"e-2"})"));
    CHECK(env.type == envelope_type::unsupported);
    CHECK(env.type_name == "future_kind");
    CHECK(idempotency_key(env) == "envelope:e-2");
}

TEST_CASE("acknowledgements carry the envelope id and an optional payload",
          "[unit][slack][inbound]") {
    CHECK(json::parse(socket_ack("e-1")) == json{{"envelope_id", "e-1"}});
    CHECK(json::parse(socket_ack("e-1", json{{"text", "ok"}})) ==
          json{{"envelope_id", "e-1"}, {"payload", {{"text", "ok"}}}});
}

// ---- Keys and text

TEST_CASE("idempotency keys never exceed 200 bytes", "[unit][slack][inbound]") {
    json p = json::parse(data("interaction_block_actions.json"));
    p["actions"][0]["value"] = std::string(2000, 'v');
    const auto key = idempotency_key(interaction_from_json(p));
    CHECK(key.size() <= 200);
    CHECK(key.starts_with("action:sha256:"));
    const auto e = parse_events_body(R"({"type":"event_callback","event_id":")" +
                                     std::string(500, 'E') + R"(","event":{"type":"message"}})");
    CHECK(idempotency_key(e).size() <= 200);
}

TEST_CASE("Slack's three entities decode and encode, and nothing else does",
          "[unit][slack][inbound]") {
    CHECK(unescape("a &amp; b &lt;c&gt; &quot; &amp;lt;") == "a & b <c> &quot; &lt;");
    CHECK(escape("a & b <c> \"d\"") == "a &amp; b &lt;c&gt; \"d\"");
    CHECK(unescape(escape("<@U1> & <!here>")) == "<@U1> & <!here>");
    CHECK(unescape("&amp") == "&amp");
}

// ---- Malformed bodies

TEST_CASE("malformed Events API bodies are payload errors with one-line reasons",
          "[unit][slack][inbound]") {
    const std::string deep_array(10000, '[');
    const std::string deep_object = [] {
        std::string s;
        for (int i = 0; i < 100; ++i)
            s += R"({"a":)";
        return s + "1" + std::string(100, '}');
    }();
    const std::vector<std::string> bad{
        "",
        "not json",
        "{",
        R"({"type":"event_callback",})",
        "[]",
        R"(["type","event_callback"])",
        "\"event_callback\"",
        "42",
        "null",
        R"({})",
        R"({"type":42})",
        R"({"type":""})",
        R"({"type":"url_verification"})",
        R"({"type":"url_verification","challenge":7})",
        R"({"type":"event_callback","event":{"type":"message"}})",
        R"({"type":"event_callback","event_id":"","event":{"type":"message"}})",
        R"({"type":"event_callback","event_id":"Ev1"})",
        R"({"type":"event_callback","event_id":"Ev1","event":"message"})",
        R"({"type":"event_callback","event_id":"Ev1","event":{"text":"no type"}})",
        R"({"type":"event_callback","event_id":"Ev1","event":{"type":null}})",
        R"({"type":"app_rate_limited"})",
        R"({"type":"app_rate_limited","minute_rate_limited":"soon"})",
        "{\"type\":\"event_callback\",\"event_id\":\"\xff\xfe\"}",
        deep_array,
        deep_object,
        std::string(max_payload_bytes + 1, ' '),
    };
    for (const std::string& body : bad) {
        INFO(body.substr(0, 80));
        try {
            parse_events_body(body);
            FAIL("accepted");
        } catch (const payload_error& e) {
            const std::string what = e.what();
            CHECK_FALSE(what.empty());
            CHECK(what.find('\n') == std::string::npos);
        }
    }
}

TEST_CASE("malformed slash command and interaction bodies are payload errors",
          "[unit][slack][inbound]") {
    const std::vector<std::string> bad_commands{
        "",
        "command=%2Fincident&user_id=U1",
        "command=%2Fincident&channel_id=C1",
        "user_id=U1&channel_id=C1",
        "command=&user_id=U1&channel_id=C1",
        "command=%2Fincident&user_id=U1&channel_id=C1&text=%E",
        "command=%ZZincident&user_id=U1&channel_id=C1",
    };
    for (const auto& body : bad_commands) {
        INFO(body);
        CHECK_THROWS_AS(parse_slash_command(body), payload_error);
    }
    const std::vector<std::string> bad_interactions{
        "",
        "token=x",
        "payload=",
        "payload=not+json",
        "payload=%7B",
        "payload=%5B%5D",
        "payload=%zz",
        as_form_payload(json::object()),
        as_form_payload({{"type", "block_actions"}}),
        as_form_payload({{"type", "block_actions"}, {"user", {{"id", "U1"}}}}),
        as_form_payload({{"type", "block_actions"}, {"user", {{"id", "U1"}}}, {"actions", "x"}}),
        as_form_payload(
            {{"type", "block_actions"}, {"user", {{"id", "U1"}}}, {"actions", json::array()}}),
        as_form_payload({{"type", "block_actions"},
                         {"user", {{"id", "U1"}}},
                         {"actions", json::array({{{"value", "no action id"}}})}}),
        as_form_payload({{"type", "block_actions"},
                         {"user", "U1"},
                         {"actions", json::array({{{"action_id", "a"}}})}}),
        as_form_payload({{"type", "view_submission"}, {"user", {{"id", "U1"}}}}),
        as_form_payload({{"type", "view_submission"},
                         {"user", {{"id", "U1"}}},
                         {"view", {{"callback_id", "x"}}}}),
        as_form_payload({{"type", "view_submission"},
                         {"user", {{"id", "U1"}}},
                         {"view", {{"id", "V1"}, {"state", {{"values", json::array()}}}}}}),
        as_form_payload({{"type", "view_closed"}, {"view", {{"id", "V1"}}}}),
        as_form_payload({{"type", "shortcut"}, {"user", {{"id", "U1"}}}, {"callback_id", "c"}}),
        "payload=" + form_encode(std::string(200, '[') + std::string(200, ']')),
    };
    for (const auto& body : bad_interactions) {
        INFO(body.substr(0, 120));
        CHECK_THROWS_AS(parse_interaction(body), payload_error);
    }
}

TEST_CASE("malformed Socket Mode frames are payload errors", "[unit][slack][inbound]") {
    const std::vector<std::string> bad{
        "",
        "[]",
        R"({"envelope_id":"e1"})",
        R"({"type":"events_api","payload":{}})",
        R"({"type":"events_api","envelope_id":"e1"})",
        R"({"type":"interactive","envelope_id":"e1","payload":"x"})",
        R"({"type":"slash_commands","envelope_id":7,"payload":{}})",
        R"({"type":"something_new"})",
        R"({"type":"something_new\n\u0000with control characters"})",
    };
    for (const auto& frame : bad) {
        INFO(frame);
        try {
            parse_socket_envelope(frame);
            FAIL("accepted");
        } catch (const payload_error& e) {
            CHECK(std::string(e.what()).find('\n') == std::string::npos);
        }
    }
    CHECK_THROWS_AS(slash_command_from_json(json::array()), payload_error);
    CHECK_THROWS_AS(interaction_from_json("text"), payload_error);
    CHECK_THROWS_AS(events_request_from_json(json()), payload_error);
}

TEST_CASE("an out-of-range event_time reads as absent instead of wrapping negative",
          "[unit][slack][inbound]") {
    const auto e = std::get<event_callback>(parse_events_body(
        R"({"type":"event_callback","event_id":"Ev1","event_time":18446744073709551615,)"
        R"("event":{"type":"message"}})"));
    CHECK(e.event_time == 0);
}

TEST_CASE("a hand-built slash command without trigger_id still gets a distinct key",
          "[unit][slack][inbound]") {
    slash_command a;
    a.command = "/incident";
    a.user_id = "U1";
    a.channel_id = "C1";
    a.text = "list";
    slash_command b = a;
    b.text = "stats";
    CHECK(idempotency_key(a).starts_with("command:sha256:"));
    CHECK(idempotency_key(a).size() > std::string("command:sha256:").size());
    CHECK(idempotency_key(a) != idempotency_key(b));
}
