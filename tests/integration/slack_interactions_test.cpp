// Buttons, modals, Web API faults and bad input, end to end: the bot in Slack mode against the
// workspace simulator, through the real ingress, inbox, worker, service and outbox.
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include "bot/slack/http_client.hpp"
#include "bot/slack/verifier.hpp"
#include "integration/slack_fixture.hpp"

using namespace warroom;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::contains;
using testing::slack_fixture;
using testing::today_room;

namespace {

std::string today_incident() {
    return "INC-" + domain::format_day(std::chrono::system_clock::now()) + "-0001";
}

/// The id of the channel called `name`, or "" while it does not exist.
std::string channel_id(const json& s, const std::string& name) {
    const json* c = slack_fixture::channel_named(s, name);
    return c == nullptr ? std::string() : (*c)["id"].get<std::string>();
}

std::string topic_of(const json& s, const std::string& name) {
    const json* c = slack_fixture::channel_named(s, name);
    return c == nullptr ? std::string() : (*c)["topic"].get<std::string>();
}

int incident_rooms(const json& s) {
    int n = 0;
    for (const auto& c : s["channels"]) {
        if (c["name"].get<std::string>().starts_with("incident-"))
            ++n;
    }
    return n;
}

/// What the bot itself posted in a channel, oldest first (no joins, no topic notices).
std::vector<json> bot_posts(const json& s, const std::string& channel) {
    std::vector<json> out;
    for (auto& m : slack_fixture::messages(s, channel)) {
        if (m.value("bot_id", "") != "" && m.value("subtype", "") == "")
            out.push_back(std::move(m));
    }
    return out;
}

/// The pinned card in the war room, or null.
json card_of(const json& s, const std::string& channel) {
    for (auto& m : bot_posts(s, channel)) {
        if (m.value("pinned", false))
            return m;
    }
    return nullptr;
}

std::vector<std::string> buttons_of(const json& message) {
    std::vector<std::string> out;
    if (!message.is_object() || !message.contains("blocks"))
        return out;
    for (const auto& block : message["blocks"]) {
        if (block.value("type", "") != "actions")
            continue;
        for (const auto& el : block["elements"])
            out.push_back(el.value("action_id", ""));
    }
    return out;
}

/// The newest open modal with this callback id, or null.
json open_view(const json& s, const std::string& callback_id) {
    json found;
    for (const auto& v : s["views"]) {
        if (v.value("callback_id", "") == callback_id && v.value("open", false))
            found = v;
    }
    return found;
}

int count_events(slack_fixture& f, domain::event_kind kind, const std::string& containing = "") {
    const auto inc = f.rt->service->find(today_incident());
    if (!inc)
        return 0;
    int n = 0;
    for (const auto& e : f.rt->service->events(inc->id)) {
        if (e.kind == kind && contains(e.text, containing))
            ++n;
    }
    return n;
}

/// Declares the day's first incident by slash command and waits for its pinned card.
std::string declare_by_command(slack_fixture& f, const std::string& text) {
    REQUIRE(f.sim.slash_command("U_ALICE", "C_GENERAL", "/incident", text).delivered);
    const std::string room = today_room();
    const auto s = f.wait_for([&](const json& st) {
        const auto id = channel_id(st, room);
        return !id.empty() && !card_of(st, id).is_null();
    });
    const std::string id = channel_id(s, room);
    REQUIRE(!id.empty());
    REQUIRE(!card_of(s, id).is_null());
    return id;
}

/// Which of `markers` each bot post in `channel` contains (the first that matches, "?" if none).
std::vector<std::string> post_sequence(const json& s, const std::string& channel,
                                       const std::vector<std::string>& markers) {
    std::vector<std::string> out;
    for (const auto& m : bot_posts(s, channel)) {
        const std::string text = m.value("text", "");
        const auto it = std::find_if(markers.begin(), markers.end(),
                                     [&](const std::string& k) { return contains(text, k); });
        out.push_back(it == markers.end() ? "? " + text : *it);
    }
    return out;
}

int successful_calls(slack_fixture& f, const std::string& method) {
    int n = 0;
    for (const auto& c : f.sim.calls(method))
        n += c.ok ? 1 : 0;
    return n;
}

/// Declares, then moves the incident through five commands sent in the war room; returns the
/// room and the markers of the bot posts expected there, in order.
std::pair<std::string, std::vector<std::string>> run_ordered_flow(slack_fixture& f) {
    const std::string id = declare_by_command(f, "create SEV2 \"checkout errors\"");
    for (const char* cmd : {"status identified", "update \"first: bad deploy found\"",
                            "update \"second: rolling back\"", "status monitoring",
                            "update \"third: error rate normal\""}) {
        INFO(cmd);
        REQUIRE(f.sim.slash_command("U_ALICE", id, "/incident", cmd).delivered);
    }
    return {id,
            {"Incident Declared: checkout errors", "→ Identified", "first: bad deploy found",
             "second: rolling back", "→ Monitoring", "third: error rate normal"}};
}

}  // namespace

TEST_CASE("/incident alone opens the declare modal, whose submission declares the incident",
          "[integration][slack][interactions]") {
    slack_fixture f;
    const auto r = f.sim.slash_command("U_ALICE", "C_GENERAL", "/incident", "");
    REQUIRE(r.delivered);
    CHECK(r.status == 200);

    auto s =
        f.wait_for([](const json& st) { return !open_view(st, "declare_incident").is_null(); });
    const json view = open_view(s, "declare_incident");
    REQUIRE(view.is_object());
    CHECK(view["user"] == "U_ALICE");
    CHECK(view["private_metadata"] == "C_GENERAL");  // where it was opened from
    const auto opens = f.sim.calls("views.open");
    REQUIRE(opens.size() == 1);
    CHECK(opens.front().ok);
    CHECK(opens.front().args["trigger_id"] == r.trigger_id);
    const std::string view_id = view["id"];

    {  // An empty title comes back as a field error and declares nothing.
        const auto bad = f.sim.submit_view(
            "U_ALICE", view_id,
            {{"title", {{"title", "   "}}}, {"severity", {{"severity", "SEV2"}}}});
        REQUIRE(bad.delivered);
        CHECK(bad.response["response_action"] == "errors");
        CHECK(bad.response["errors"].contains("title"));
        CHECK_FALSE(bad.response["errors"].contains("severity"));
        std::this_thread::sleep_for(300ms);  // room for a wrong application to show up
        s = f.sim.state();
        const json still = open_view(s, "declare_incident");
        REQUIRE(still.is_object());  // the modal stays open, showing the error
        CHECK(still["errors"].contains("title"));
        CHECK(f.calls("conversations.create") == 0);
        CHECK(incident_rooms(s) == 0);
        CHECK_FALSE(f.rt->service->find(today_incident()));
    }

    // Corrected (or right the first time), the same modal declares the incident.
    const auto ok = f.sim.submit_view("U_ALICE", view_id,
                                      {{"title", {{"title", "Payments failing"}}},
                                       {"severity", {{"severity", "SEV1"}}},
                                       {"description", {{"description", "card auths time out"}}}});
    REQUIRE(ok.delivered);
    CHECK(ok.body.empty());  // an empty 200 closes the modal
    const std::string room = today_room();
    s = f.wait_for([&](const json& st) {
        const auto id = channel_id(st, room);
        return !id.empty() && !card_of(st, id).is_null();
    });
    const std::string id = channel_id(s, room);
    REQUIRE(!id.empty());
    CHECK(contains(topic_of(s, room), "SEV1: Payments failing"));
    const json card = card_of(s, id);
    REQUIRE(card.is_object());
    CHECK(contains(card.value("text", ""), "SEV1 Incident Declared: Payments failing"));
    CHECK(open_view(s, "declare_incident").is_null());
    CHECK(f.calls("conversations.create") == 1);
}

TEST_CASE("the Acknowledge button stamps the acknowledgement once, even when double-clicked",
          "[integration][slack][interactions]") {
    slack_fixture f;
    const std::string id = declare_by_command(f, "create SEV2 \"queue backlog\"");
    const std::string card_ts = card_of(f.sim.state(), id)["ts"];

    // Two clicks at once: the second may find the button already gone from the card.
    auto click = [&] {
        return f.sim.click_button("U_BOB", id, card_ts, "incident_ack", today_incident());
    };
    auto second = std::async(std::launch::async, click);
    const auto first = click();
    const auto other = second.get();
    INFO(first.error << " / " << other.error);
    CHECK((first.delivered || contains(first.error, "no element")));
    CHECK((other.delivered || contains(other.error, "no element")));
    CHECK((first.delivered || other.delivered));

    auto s = f.wait_for([&](const json& st) {
        for (const auto& m : bot_posts(st, id)) {
            if (contains(m.value("text", ""), "Acknowledged by"))
                return true;
        }
        return false;
    });
    std::this_thread::sleep_for(500ms);  // room for a second application to show up
    s = f.sim.state();
    int posted = 0;
    for (const auto& m : bot_posts(s, id))
        posted += contains(m.value("text", ""), "Acknowledged by <@U_BOB>") ? 1 : 0;
    CHECK(posted == 1);
    CHECK(count_events(f, domain::event_kind::note, "Acknowledged by") == 1);
    const auto inc = f.rt->service->find(today_incident());
    REQUIRE(inc);
    CHECK(inc->acknowledged_at.has_value());

    // The card follows: no Acknowledge button once acknowledged.
    s = f.wait_for([&](const json& st) {
        const auto b = buttons_of(card_of(st, id));
        return std::find(b.begin(), b.end(), "incident_ack") == b.end();
    });
    CHECK(buttons_of(card_of(s, id)) ==
          std::vector<std::string>{"incident_update", "incident_severity", "incident_resolve"});

    // A click on a stale copy of the card (the button was still shown) changes nothing.
    const auto late = f.sim.click_button("U_ALICE", id, card_ts, "incident_ack", today_incident());
    CHECK((late.delivered || contains(late.error, "no element")));
    std::this_thread::sleep_for(300ms);
    CHECK(count_events(f, domain::event_kind::note, "Acknowledged by") == 1);
}

TEST_CASE("the first status update acknowledges and takes the Acknowledge button off the cards",
          "[integration][slack][interactions]") {
    slack_fixture f;
    const std::string id = declare_by_command(f, "create SEV2 \"slow checkout\"");
    const auto before = buttons_of(card_of(f.sim.state(), id));
    REQUIRE(std::find(before.begin(), before.end(), "incident_ack") != before.end());

    REQUIRE(
        f.sim.slash_command("U_ALICE", id, "/incident", "update \"cache warming up\"").delivered);
    const auto s = f.wait_for([&](const json& st) {
        const auto b = buttons_of(card_of(st, id));
        return !b.empty() && std::find(b.begin(), b.end(), "incident_ack") == b.end();
    });
    const auto after = buttons_of(card_of(s, id));
    CHECK(after ==
          std::vector<std::string>{"incident_update", "incident_severity", "incident_resolve"});
    const auto inc = f.rt->service->find(today_incident());
    REQUIRE(inc);
    CHECK(inc->acknowledged_at.has_value());
}

TEST_CASE("the Change severity and Resolve buttons open modals whose submissions apply",
          "[integration][slack][interactions]") {
    slack_fixture f;
    const std::string id = declare_by_command(f, "create SEV2 \"search is slow\"");
    const std::string room = today_room();
    const std::string card_ts = card_of(f.sim.state(), id)["ts"];
    const std::string inc_id = today_incident();

    const auto sev_click = f.sim.click_button("U_ALICE", id, card_ts, "incident_severity", inc_id);
    INFO(sev_click.error);
    REQUIRE(sev_click.delivered);
    auto s = f.wait_for([](const json& st) { return !open_view(st, "change_severity").is_null(); });
    const json sev_view = open_view(s, "change_severity");
    REQUIRE(sev_view.is_object());
    CHECK(sev_view["private_metadata"] == inc_id);
    const auto sev_submit = f.sim.submit_view("U_ALICE", sev_view["id"].get<std::string>(),
                                              {{"severity", {{"severity", "SEV1"}}}});
    REQUIRE(sev_submit.delivered);
    s = f.wait_for([&](const json& st) { return topic_of(st, room).starts_with("SEV1:"); });
    CHECK(topic_of(s, room).starts_with("SEV1: search is slow"));
    CHECK(count_events(f, domain::event_kind::severity_changed) == 1);
    // The card is redrawn in place with the new severity.
    s = f.wait_for(
        [&](const json& st) { return contains(card_of(st, id).value("text", ""), "SEV1"); });
    CHECK(card_of(s, id)["ts"] == card_ts);

    const auto resolve_click =
        f.sim.click_button("U_ALICE", id, card_ts, "incident_resolve", inc_id);
    INFO(resolve_click.error);
    REQUIRE(resolve_click.delivered);
    s = f.wait_for([](const json& st) { return !open_view(st, "resolve_incident").is_null(); });
    const json resolve_view = open_view(s, "resolve_incident");
    REQUIRE(resolve_view.is_object());
    CHECK(resolve_view["private_metadata"] == inc_id);
    const auto resolve_submit =
        f.sim.submit_view("U_ALICE", resolve_view["id"].get<std::string>(),
                          {{"summary", {{"summary", "reindexed the shard"}}}});
    REQUIRE(resolve_submit.delivered);
    s = f.wait_for([&](const json& st) { return contains(topic_of(st, room), "Resolved"); });
    CHECK(contains(topic_of(s, room), "Resolved"));
    s = f.wait_for([&](const json& st) {
        for (const auto& m : bot_posts(st, id)) {
            if (contains(m.value("text", ""), "Incident Resolved"))
                return true;
        }
        return false;
    });
    int resolved_posts = 0;
    for (const auto& m : bot_posts(s, id))
        resolved_posts +=
            contains(m.value("text", ""), "Incident Resolved: search is slow") ? 1 : 0;
    CHECK(resolved_posts == 1);
    CHECK(count_events(f, domain::event_kind::resolved) == 1);
    // A resolved incident's card has no buttons.
    s = f.wait_for([&](const json& st) { return buttons_of(card_of(st, id)).empty(); });
    CHECK(buttons_of(card_of(s, id)).empty());
}

TEST_CASE("a 429 storm delays messages but delivers each once and in order",
          "[integration][slack][faults]") {
    slack_fixture f;
    f.sim.rate_limit_next("chat.postMessage", 3, 1);
    f.sim.rate_limit_next("conversations.setTopic", 2, 1);
    const auto flow = run_ordered_flow(f);
    const std::string& id = flow.first;
    const std::vector<std::string>& expected = flow.second;
    // The topic has a lane of its own, so it may still be backing off once the posts are in.
    const auto s = f.wait_for(
        [&](const json& st) {
            return bot_posts(st, id).size() >= expected.size() &&
                   contains(topic_of(st, today_room()), "Monitoring");
        },
        15s);
    CHECK(post_sequence(s, id, expected) == expected);
    CHECK(incident_rooms(s) == 1);
    CHECK(contains(topic_of(s, today_room()), "Monitoring"));
    // The storm did hit: some calls were answered 429.
    int limited = 0;
    for (const auto& c : f.sim.calls("chat.postMessage"))
        limited += c.status == 429 ? 1 : 0;
    CHECK(limited == 3);
}

TEST_CASE("5xx bursts are retried: everything delivered once, in order, one war room",
          "[integration][slack][faults]") {
    slack_fixture f;
    f.sim.fail_next("chat.postMessage", 2, 500);
    f.sim.fail_next("conversations.create", 1, 503);
    const auto flow = run_ordered_flow(f);
    const std::string& id = flow.first;
    const std::vector<std::string>& expected = flow.second;
    const auto s = f.wait_for(
        [&](const json& st) { return bot_posts(st, id).size() >= expected.size(); }, 15s);
    CHECK(post_sequence(s, id, expected) == expected);
    CHECK(incident_rooms(s) == 1);
    CHECK(successful_calls(f, "conversations.create") == 1);
    CHECK(f.calls("conversations.create") == 2);  // the 503, then the one that worked
    // The cross-post went out once too.
    int announced = 0;
    for (const auto& m : bot_posts(s, "C_INCIDENTS"))
        announced += contains(m.value("text", ""), "checkout errors") ? 1 : 0;
    CHECK(announced == 1);
}

TEST_CASE("a war room created behind a 5xx is adopted on the retry, not opened twice",
          "[integration][slack][faults]") {
    slack_fixture f;
    // Slack creates the channel, then answers 503: the bot never learns the id.
    f.sim.fail_next("conversations.create", 1, 503, true);
    const auto flow = run_ordered_flow(f);
    const std::string& id = flow.first;
    const std::vector<std::string>& expected = flow.second;
    const auto s = f.wait_for(
        [&](const json& st) { return bot_posts(st, id).size() >= expected.size(); }, 15s);
    CHECK(post_sequence(s, id, expected) == expected);
    CHECK(incident_rooms(s) == 1);
    // The retry found the name taken and looked the channel up instead of creating "-2".
    CHECK(f.calls("conversations.create") == 2);
    CHECK(f.calls("conversations.list") >= 1);
}

TEST_CASE("with every Slack delivery duplicated a full incident applies each command once",
          "[integration][slack][faults]") {
    slack_fixture f;
    f.sim.duplicate_deliveries(true);
    const std::string id = declare_by_command(f, "create SEV2 \"login loop\"");
    for (const char* cmd : {"status identified", "update \"cookie domain fixed\"",
                            "resolve \"shipped the fix\"", "close"}) {
        INFO(cmd);
        const auto r = f.sim.slash_command("U_ALICE", id, "/incident", cmd);
        REQUIRE(r.delivered);
        CHECK(r.attempts >= 2);
    }
    auto s = f.wait_for([&](const json& st) {
        for (const auto& m : bot_posts(st, id)) {
            if (contains(m.value("text", ""), "Incident Closed"))
                return true;
        }
        return false;
    });
    std::this_thread::sleep_for(300ms);  // room for a second application to show up
    s = f.sim.state();
    CHECK(incident_rooms(s) == 1);
    CHECK(f.calls("conversations.create") == 1);
    CHECK(count_events(f, domain::event_kind::declared) == 1);
    CHECK(count_events(f, domain::event_kind::status_changed) == 1);
    CHECK(count_events(f, domain::event_kind::update_posted) == 1);
    CHECK(count_events(f, domain::event_kind::resolved) == 1);
    CHECK(count_events(f, domain::event_kind::closed) == 1);
    const std::vector<std::string> expected{"Incident Declared: login loop", "→ Identified",
                                            "cookie domain fixed", "Incident Resolved: login loop",
                                            "Incident Closed: login loop"};
    CHECK(post_sequence(s, id, expected) == expected);
}

TEST_CASE("unknown events are acknowledged, oversized bodies refused, and the server keeps serving",
          "[integration][slack]") {
    slack_fixture f;
    slack::http_client client(slack::http_client_options{});
    const auto now = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
    const auto post = [&](const std::string& body, const std::string& type) {
        return client.post(f.endpoint(),
                           {{"X-Slack-Request-Timestamp", now},
                            {"X-Slack-Signature", slack::sign_request("sim-secret", now, body)}},
                           body, type);
    };
    const json before = f.sim.state();
    const auto calls_before = f.sim.calls().size();

    const json emoji = {{"token", "unused"},
                        {"team_id", "T_SIM"},
                        {"api_app_id", "A_WARROOM"},
                        {"type", "event_callback"},
                        {"event_id", "Ev_EMOJI_1"},
                        {"event_time", std::stoll(now)},
                        {"event",
                         {{"type", "emoji_changed"},
                          {"subtype", "add"},
                          {"name", "partyparrot"},
                          {"value", "https://emoji.example/partyparrot.gif"},
                          {"event_ts", now + ".000100"}}}};
    CHECK(post(emoji.dump(), "application/json").status == 200);

    // 2 MiB + 1: over the server's body limit, whatever the content.
    const std::string huge(2 * 1024 * 1024 + 1, 'x');
    CHECK(post(huge, "application/json").status == 413);

    std::this_thread::sleep_for(300ms);  // room for a wrong application to show up
    const json after = f.sim.state();
    CHECK(after["channels"] == before["channels"]);
    CHECK(after["messages"] == before["messages"]);
    CHECK(f.sim.calls().size() == calls_before);

    // Still serving.
    declare_by_command(f, "create SEV3 \"after the noise\"");
    CHECK(f.calls("conversations.create") == 1);
}
