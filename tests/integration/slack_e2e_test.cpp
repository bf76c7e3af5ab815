// The bot against the Slack workspace simulator over HTTP: signed deliveries in, Web API calls
// out, through the real ingress, inbox, worker, service and outbox.
#include <catch2/catch.hpp>

#include <thread>

#include <spdlog/spdlog.h>

#include "bot/app/runtime.hpp"
#include "bot/app/slack_app.hpp"
#include "bot/slack/http_client.hpp"
#include "bot/slack/slack_chat.hpp"
#include "bot/slack/verifier.hpp"
#include "bot/slack/web_api.hpp"
#include "integration/slack_fixture.hpp"
#include "slack_sim/simulator.hpp"
#include "support/forwarding_chat.hpp"

using namespace warroom;
using namespace std::chrono_literals;
using nlohmann::json;

using testing::contains;
using testing::slack_fixture;
using testing::today_room;

TEST_CASE("a slash command over HTTP declares an incident with its war room, card and cross-post",
          "[integration][slack]") {
    slack_fixture f;
    const auto r = f.sim.slash_command("U_ALICE", "C_GENERAL", "/incident",
                                       "create SEV2 \"API error rate spike\"");
    REQUIRE(r.delivered);
    CHECK(r.status == 200);
    CHECK(r.latency < 1000ms);

    const std::string room = today_room();
    auto s = f.wait_for([&](const json& st) {
        const auto* c = slack_fixture::channel_named(st, room);
        return c != nullptr && !st["pins"][(*c)["id"].get<std::string>()].empty() &&
               !slack_fixture::messages(st, "C_INCIDENTS").empty();
    });
    const json* channel = slack_fixture::channel_named(s, room);
    REQUIRE(channel != nullptr);
    const std::string id = (*channel)["id"];
    CHECK((*channel)["topic"] == "SEV2: API error rate spike | Commander: <@U_ALICE>");
    CHECK((*channel)["is_private"] == false);
    const auto members = (*channel)["members"].get<std::vector<std::string>>();
    CHECK(std::find(members.begin(), members.end(), "U_ALICE") != members.end());
    const auto posted = slack_fixture::messages(s, id);
    const auto card = std::find_if(posted.begin(), posted.end(), [](const json& m) {
        return m.value("bot_id", "") != "" && m["pinned"] == true;
    });
    REQUIRE(card != posted.end());
    CHECK(contains((*card)["text"], "SEV2 Incident Declared: API error rate spike"));
    // The card is Block Kit with the incident's buttons.
    std::vector<std::string> buttons;
    for (const auto& block : (*card)["blocks"]) {
        if (block["type"] != "actions")
            continue;
        for (const auto& el : block["elements"])
            buttons.push_back(el["action_id"]);
    }
    CHECK(buttons == std::vector<std::string>{"incident_ack", "incident_update",
                                              "incident_severity", "incident_resolve"});
    CHECK(contains(slack_fixture::messages(s, "C_INCIDENTS").front()["text"],
                   "INC-" + domain::format_day(std::chrono::system_clock::now()) + "-0001"));

    // The caller's answer arrives through the response URL, only for them.
    s = f.wait_for([](const json& st) { return !st["ephemeral"].empty(); });
    REQUIRE_FALSE(s["ephemeral"].empty());
    CHECK(contains(s["ephemeral"].back()["text"], "Declared INC-"));
}

TEST_CASE("war-room commands, mentions, pins and reactions update the cards and the timeline",
          "[integration][slack]") {
    slack_fixture f;
    REQUIRE(f.sim.slash_command("U_ALICE", "C_GENERAL", "/incident", "create SEV2 \"db slow\"")
                .delivered);
    const std::string room = today_room();
    auto s = f.wait_for([&](const json& st) {
        const auto* c = slack_fixture::channel_named(st, room);
        return c != nullptr && !st["pins"][(*c)["id"].get<std::string>()].empty();
    });
    const std::string id = (*slack_fixture::channel_named(s, room))["id"];

    REQUIRE(f.sim.slash_command("U_ALICE", id, "/incident", "status identified").delivered);
    const auto mention = f.sim.post_message("U_ALICE", id, "<@UBOT> note pool exhausted at 14:02");
    INFO(mention.error << " status " << mention.status << " body " << mention.body);
    REQUIRE(mention.delivered);
    REQUIRE(f.sim.join("U_BOB", id).delivered);
    const auto evidence = f.sim.post_message("U_BOB", id, "p99 latency 4.2s on orders-db");
    REQUIRE(evidence.delivered);
    REQUIRE(f.sim.pin("U_BOB", id, evidence.ts).delivered);
    REQUIRE(f.sim.slash_command("U_ALICE", id, "/incident", "resolve \"raised the pool to 50\"")
                .delivered);

    s = f.wait_for([&](const json& st) {
        // The topic is the last thing the resolution changes.
        return contains((*slack_fixture::channel_named(st, room))["topic"], "Resolved");
    });
    const auto msgs = slack_fixture::messages(s, id);
    CHECK(std::any_of(msgs.begin(), msgs.end(), [](const json& m) {
        return m["text"].get<std::string>().find("Incident Resolved") != std::string::npos;
    }));
    for (const auto& m : msgs) {
        if (m["pinned"] == true && m.value("bot_id", "") != "") {
            CHECK(m["edited"] == true);  // the pinned card follows the incident
        }
    }
    CHECK(contains((*slack_fixture::channel_named(s, room))["topic"], "Resolved"));

    const auto inc = f.rt->service->find(
        "INC-" + domain::format_day(std::chrono::system_clock::now()) + "-0001");
    REQUIRE(inc);
    const auto events = f.rt->service->events(inc->id);
    std::vector<std::string> kinds;
    for (const auto& e : events)
        kinds.emplace_back(domain::to_string(e.kind));
    CHECK(std::find(kinds.begin(), kinds.end(), "note") != kinds.end());
    CHECK(std::find(kinds.begin(), kinds.end(), "message_pinned") != kinds.end());
    CHECK(std::find(kinds.begin(), kinds.end(), "resolved") != kinds.end());
    CHECK(std::find(kinds.begin(), kinds.end(), "participant_joined") != kinds.end());
    for (const auto& e : events) {
        if (e.kind == domain::event_kind::message_pinned) {
            CHECK(e.text == "p99 latency 4.2s on orders-db");
        }
    }
}

TEST_CASE("every Slack delivery duplicated still applies each command once",
          "[integration][slack]") {
    slack_fixture f;
    f.sim.duplicate_deliveries(true);
    const auto r =
        f.sim.slash_command("U_ALICE", "C_GENERAL", "/incident", "create SEV1 \"twice?\"");
    REQUIRE(r.delivered);
    CHECK(r.attempts >= 2);
    const std::string room = today_room();
    auto s = f.wait_for([&](const json& st) {
        const auto* c = slack_fixture::channel_named(st, room);
        return c != nullptr && !st["pins"][(*c)["id"].get<std::string>()].empty();
    });
    std::this_thread::sleep_for(300ms);  // give a second application the chance to show up
    s = f.sim.state();
    CHECK(f.calls("conversations.create") == 1);
    int rooms = 0;
    for (const auto& c : s["channels"]) {
        if (c["name"].get<std::string>().starts_with("incident-"))
            ++rooms;
    }
    CHECK(rooms == 1);
}

TEST_CASE("bad signatures, stale timestamps and malformed bodies are refused and change nothing",
          "[integration][slack]") {
    slack_fixture f;
    slack::http_client client(slack::http_client_options{});
    const auto now = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
    const std::string body =
        "command=%2Fincident&text=create+SEV1+x&user_id=U_ALICE&"
        "channel_id=C_GENERAL&trigger_id=t1";
    const auto post = [&](const std::string& ts, const std::string& sig, const std::string& b,
                          const std::string& type) {
        return client.post(
            f.endpoint(), {{"X-Slack-Request-Timestamp", ts}, {"X-Slack-Signature", sig}}, b, type);
    };
    const std::string form = "application/x-www-form-urlencoded";
    CHECK(post(now, "v0=" + std::string(64, '0'), body, form).status == 401);
    CHECK(post(now, "", body, form).status == 401);
    const std::string stale = std::to_string(std::stoll(now) - 600);
    CHECK(post(stale, slack::sign_request("sim-secret", stale, body), body, form).status == 401);
    const std::string bad_json = "{\"type\":\"event_callback\",";
    CHECK(post(now, slack::sign_request("sim-secret", now, bad_json), bad_json, "application/json")
              .status == 400);
    const std::string bad_form = "payload=%ZZ";
    CHECK(post(now, slack::sign_request("sim-secret", now, bad_form), bad_form, form).status ==
          400);
    // The server keeps serving, and nothing was applied.
    CHECK(post(now, slack::sign_request("sim-secret", now, body), body, form).status == 200);
    std::this_thread::sleep_for(200ms);
    CHECK(f.calls("conversations.create") <= 1);
    f.wait_for([&](const json&) { return f.calls("conversations.create") == 1; });
    CHECK(f.calls("conversations.create") == 1);
}

TEST_CASE("url verification is answered with the challenge", "[integration][slack]") {
    slack_fixture f;
    const auto r = f.sim.verify_url();
    INFO(r.error << " status " << r.status << " body " << r.body);
    REQUIRE(r.delivered);
    CHECK(r.response.contains("challenge"));
}

namespace {

/// The bot in Socket Mode only (no signing secret, so no HTTP server at all).
struct socket_fixture {
    testing::temp_dir dir;
    slack_sim::simulator sim{[] {
        slack_sim::sim_options o;
        o.enforce_rate_limits = false;
        o.ack_timeout = 2000ms;
        return o;
    }()};
    std::unique_ptr<app::runtime> rt;
    std::unique_ptr<app::slack_app> bot;

    socket_fixture() {
        sim.start();
        auto cfg = config::default_config();
        cfg.database_url = "sqlite:" + (dir.path / "socket.db").string();
        cfg.slack_api_url = sim.api_url();
        cfg.slack_bot_token = sim.options().bot_token;
        cfg.slack_app_token = sim.options().app_token;
        if (std::getenv("WARROOM_TEST_DEBUG"))
            spdlog::set_level(spdlog::level::debug);
        rt = app::start_runtime(cfg, std::make_unique<domain::system_clock>());
        bot = std::make_unique<app::slack_app>(*rt);
        bot->start();
        REQUIRE(sim.wait_for_socket_connections(1, 10s));
    }
    ~socket_fixture() {
        bot->stop();
        sim.stop();
    }

    template <class Pred>
    bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!pred()) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            std::this_thread::sleep_for(20ms);
        }
        return true;
    }

    int rooms() {
        int n = 0;
        const json state = sim.state();  // iterating a temporary's member would dangle
        for (const auto& c : state["channels"]) {
            if (c["name"].get<std::string>().starts_with("incident-"))
                ++n;
        }
        return n;
    }
};

}  // namespace

TEST_CASE("over Socket Mode a slash command is acked after it is stored and then applied",
          "[integration][slack][socket]") {
    socket_fixture f;
    CHECK(f.bot->port() == 0);  // no public HTTP endpoint is needed
    const auto r =
        f.sim.slash_command("U_ALICE", "C_GENERAL", "/incident", "create SEV2 \"over the socket\"");
    REQUIRE(r.delivered);
    CHECK(r.transport == "socket");
    CHECK(f.eventually([&] { return f.rooms() == 1; }));
    CHECK(f.eventually([&] { return !f.sim.state()["ephemeral"].empty(); }));
}

TEST_CASE("a dropped Socket Mode connection reconnects and loses nothing that was acked",
          "[integration][slack][socket]") {
    socket_fixture f;
    REQUIRE(f.sim.slash_command("U_ALICE", "C_GENERAL", "/incident", "create SEV1 \"first\"")
                .delivered);
    // A new link shows as a second apps.connections.open plus an open socket (the count alone
    // may not have dropped yet when we look).
    const auto reconnected = [&](std::size_t opens) {
        return f.eventually(
            [&] {
                return f.sim.calls("apps.connections.open").size() >= opens &&
                       f.sim.socket_connection_count() >= 1;
            },
            15s);
    };
    f.sim.socket_drop_all();
    REQUIRE(reconnected(2));
    REQUIRE(f.sim.slash_command("U_ALICE", "C_GENERAL", "/incident", "create SEV1 \"second\"")
                .delivered);
    f.sim.socket_disconnect("refresh_requested");
    REQUIRE(reconnected(3));
    CHECK(f.eventually([&] { return f.rooms() == 2; }, 15s));
}

// ---------------------------------------------------------------------------------------------
// The outbox against the simulator: lanes on the declare path, and no double post after a
// lost answer or a crash.

TEST_CASE("declaring posts the card and pins it without waiting for the topic or the invitations",
          "[integration][slack][outbox]") {
    slack_fixture f;
    // Both answers are held back; on a serial path the post could not even start before them.
    constexpr auto held = 2000ms;
    f.sim.slow_next("conversations.setTopic", held);
    f.sim.slow_next("conversations.invite", held);
    REQUIRE(f.sim.slash_command("U_ALICE", "C_GENERAL", "/incident", "create SEV2 \"fast path\"")
                .delivered);
    const std::string room = today_room();
    f.wait_for([&](const json& st) {
        const auto* c = slack_fixture::channel_named(st, room);
        return c != nullptr && !st["pins"][(*c)["id"].get<std::string>()].empty() &&
               contains((*c)["topic"].get<std::string>(), "fast path");
    });
    // The pin and the topic are in; the invitation may still be on its way (it runs on its own
    // lane, possibly behind the held topic call), so wait for each call to have been made.
    const auto first = [&](const std::string& method) {
        INFO(method);
        f.wait_for([&](const json&) { return !f.sim.calls(method).empty(); }, 15s);
        const auto calls = f.sim.calls(method);
        REQUIRE_FALSE(calls.empty());
        return calls.front().at;
    };
    const auto create = first("conversations.create");
    const auto topic = first("conversations.setTopic");
    const auto invite = first("conversations.invite");
    const auto post = first("chat.postMessage");
    const auto pin = first("pins.add");
    // The critical path is create -> post -> pin; topic and invite start after create.
    CHECK(create < post);
    CHECK(post < pin);
    CHECK(create < topic);
    CHECK(create < invite);
    // Causally impossible if the post waited for either answer: both came `held` after their
    // request, and the pin needs the post's answer.
    CHECK(pin < topic + held);
    CHECK(pin < invite + held);
}

namespace {

/// Passes calls on to the real Slack platform. `lose_answers` posts reach Slack but answer
/// with a timeout, as when the connection drops after Slack applied the call; `die_after_post`
/// throws something no dispatcher catches, as if the process died right after the call.
class lossy_chat final : public warroom::testing::forwarding_chat {
  public:
    struct crash {};

    explicit lossy_chat(chat::chat_platform& inner) : forwarding_chat(inner) {}

    std::string post_message(const std::string& channel, const chat::message& msg) override {
        auto ts = inner_.post_message(channel, msg);
        if (die_after_post) {
            die_after_post = false;
            throw crash{};
        }
        if (lose_answers > 0) {
            --lose_answers;
            throw chat::chat_error("timeout", "the answer was lost", true);
        }
        return ts;
    }

    int lose_answers = 0;
    bool die_after_post = false;
};

/// The service with a manual clock and its outbox delivering to the simulator.
struct sim_outbox {
    slack_sim::simulator sim{[] {
        slack_sim::sim_options o;
        o.enforce_rate_limits = false;
        return o;
    }()};
    testing::service_fixture f;
    domain::system_clock wall;  // the Web API's pacing runs on real time
    std::unique_ptr<slack::web_api> api;
    std::unique_ptr<slack::slack_chat> slack;
    std::unique_ptr<lossy_chat> chat;

    sim_outbox() {
        sim.start();
        slack::web_api_options o;
        o.base_url = sim.api_url();
        o.bot_token = sim.options().bot_token;
        api = std::make_unique<slack::web_api>(o, wall);
        slack = std::make_unique<slack::slack_chat>(*api);
        slack->auth_test();
        chat = std::make_unique<lossy_chat>(*slack);
        f.use_dispatcher(*chat, {});
    }
    ~sim_outbox() { sim.stop(); }

    /// The bot's posts in the war room that contain `text`.
    int cards(const std::string& text) {
        const json s = sim.state();
        const json* room = slack_fixture::channel_named(s, "incident-20240115-0001");
        if (room == nullptr)
            return -1;
        int n = 0;
        for (const auto& m : slack_fixture::messages(s, (*room)["id"].get<std::string>())) {
            if (m.value("bot_id", "") != "" && contains(m.value("text", ""), text))
                ++n;
        }
        return n;
    }
    bool card_pinned(const std::string& text) {
        const json s = sim.state();
        const json* room = slack_fixture::channel_named(s, "incident-20240115-0001");
        if (room == nullptr)
            return false;
        for (const auto& m : slack_fixture::messages(s, (*room)["id"].get<std::string>())) {
            if (contains(m.value("text", ""), text))
                return m.value("pinned", false);
        }
        return false;
    }
};

}  // namespace

TEST_CASE("a card whose post answer was lost is found in the channel, not posted twice",
          "[integration][slack][outbox]") {
    sim_outbox s;
    s.chat->lose_answers = 1;  // the first post is the card (one thread: id order)
    REQUIRE(s.f.run("create SEV2 \"lost answer\"", "general").ok);
    CHECK(s.cards("Incident Declared: lost answer") == 1);
    CHECK_FALSE(s.card_pinned("Incident Declared: lost answer"));  // the pin waits for the post
    CHECK(s.f.pending() == 2);

    s.f.clock.advance(2s);  // the retry is due
    s.f.deliver();
    CHECK(s.f.pending() == 0);
    CHECK(s.cards("Incident Declared: lost answer") == 1);
    CHECK(s.card_pinned("Incident Declared: lost answer"));
    // The retry looked the card up (with its metadata) instead of posting it again.
    const auto lookups = s.sim.calls("conversations.history");
    REQUIRE(lookups.size() == 1);
    CHECK(lookups[0].args.value("include_all_metadata", "") == "true");
}

TEST_CASE("a card posted by a dispatcher that then died is adopted once its lease runs out",
          "[integration][slack][outbox]") {
    sim_outbox s;
    s.chat->die_after_post = true;
    service::command_context ctx;
    ctx.actor = "alice";
    ctx.channel = "general";
    ctx.source = domain::event_source::slash_command;
    REQUIRE(s.f.registry.dispatch("create SEV2 \"crash\"", ctx, *s.f.svc).ok);
    CHECK_THROWS_AS(s.f.dispatcher->run_once(), lossy_chat::crash);
    CHECK(s.cards("Incident Declared: crash") == 1);

    // A restarted dispatcher finds the rows still leased by the dead one, and waits.
    s.f.use_dispatcher(*s.chat, {});
    CHECK(s.f.deliver() == 0);
    s.f.clock.advance(service::outbox_options{}.lease + 1s);
    s.f.deliver();
    CHECK(s.f.pending() == 0);
    CHECK(s.cards("Incident Declared: crash") == 1);
    CHECK(s.card_pinned("Incident Declared: crash"));
}
