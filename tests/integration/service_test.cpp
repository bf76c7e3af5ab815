#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "integration/service_fixture.hpp"
#include "support/forwarding_chat.hpp"

using warroom::testing::service_fixture;
using namespace std::chrono_literals;

namespace {
bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEST_CASE("declaring a SEV2 opens the war room the runbook describes", "[integration][service]") {
    service_fixture f;
    const auto r = f.run("create SEV2 \"API error rate spike\"", "general", "oncall-backend");
    REQUIRE(r.ok);
    CHECK(r.incident_id == "INC-20240115-0001");
    CHECK(r.channel_name == "incident-20240115-0001");

    const auto creates = f.chat.of("create");
    REQUIRE(creates.size() == 1);
    CHECK(creates[0].text == "incident-20240115-0001");
    const auto topics = f.chat.of("set_topic");
    REQUIRE(topics.size() == 1);
    CHECK(topics[0].text == "SEV2: API error rate spike | Commander: @oncall-backend");
    CHECK(topics[0].channel == "Cincident-20240115-0001");
    REQUIRE(f.chat.of("invite").size() == 1);
    CHECK(f.chat.of("invite")[0].text == "oncall-backend");

    const auto posts = f.chat.of("post");
    REQUIRE(posts.size() == 2);
    CHECK(posts[0].channel == "Cincident-20240115-0001");
    CHECK(contains(posts[0].text, "SEV2 Incident Declared: API error rate spike"));
    CHECK(contains(posts[0].text, "@oncall-backend"));
    CHECK(contains(posts[0].text, "#incident-20240115-0001"));
    CHECK(contains(posts[0].text, "15 min"));
    const auto pins = f.chat.of("pin");
    REQUIRE(pins.size() == 1);
    CHECK(pins[0].ts == posts[0].ts);
    CHECK(posts[1].channel == "incidents");
    CHECK(contains(posts[1].text, "INC-20240115-0001"));
    CHECK(f.pending() == 0);
}

TEST_CASE("each declaration of the day takes the next number", "[integration][service]") {
    service_fixture f;
    CHECK(f.run("create SEV1 \"first\"", "general").incident_id == "INC-20240115-0001");
    CHECK(f.run("create P2 \"second\"", "general").incident_id == "INC-20240115-0002");
    f.clock.advance(24h);
    CHECK(f.run("create SEV3 \"next day\"", "general").incident_id == "INC-20240116-0001");
}

TEST_CASE("a SEV4 is recorded as a ticket and opens no war room", "[integration][service]") {
    service_fixture f;
    const auto r = f.run("create SEV4 \"typo on the status page\"", "general");
    REQUIRE(r.ok);
    CHECK(contains(r.text, "ticket"));
    CHECK(r.channel_name.empty());
    CHECK(f.chat.of("create").empty());
    const auto posts = f.chat.of("post");
    REQUIRE(posts.size() == 1);
    CHECK(posts[0].channel == "general");
}

TEST_CASE("private and security incidents get a private channel and no cross-post",
          "[integration][service]") {
    service_fixture f;
    auto r = f.run("create SEV1 \"customer data export\" --private", "general");
    REQUIRE(r.ok);
    CHECK(f.chat.of("create_private").size() == 1);
    for (const auto& p : f.chat.of("post"))
        CHECK(p.channel != "incidents");

    r = f.run("create SEV0 \"Security breach: leaked API keys\"", "general");
    REQUIRE(r.ok);
    CHECK(contains(r.text, "security"));
    CHECK(f.chat.of("create_private").size() == 2);
    for (const auto& p : f.chat.of("post"))
        CHECK(p.channel != "incidents");
}

TEST_CASE("the lifecycle is followed in the war room and recorded in the timeline",
          "[integration][service]") {
    service_fixture f;
    const auto room = f.run("create SEV2 \"API error rate spike\"", "general").channel_name;
    const auto id = "INC-20240115-0001";
    f.clock.advance(5min);
    REQUIRE(f.run("status identified", room).ok);
    REQUIRE(f.run("update \"pool at 100%, raising it\"", room, "bob").ok);
    REQUIRE(f.run("hypothesis \"connection pool exhausted\" --confidence high", room).ok);
    REQUIRE(f.run("mitigation \"raise pool to 50\" --owner @bob", room).ok);
    REQUIRE(f.run("status monitoring", room).ok);
    f.clock.advance(30min);
    const auto resolved =
        f.run("resolve \"Increased database connection pool from 20 to 50\"", room);
    REQUIRE(resolved.ok);
    CHECK(contains(resolved.text, "35m"));
    REQUIRE(f.run("close", room).ok);

    const auto inc = f.svc->find(id);
    REQUIRE(inc);
    CHECK(inc->status == warroom::domain::status::closed);
    CHECK(inc->acknowledged_at.has_value());
    CHECK(inc->mitigated_at.has_value());
    CHECK(inc->resolved_at.has_value());
    CHECK(inc->closed_at.has_value());
    CHECK(inc->summary == "Increased database connection pool from 20 to 50");
    CHECK(inc->hypotheses.size() == 1);
    CHECK(inc->mitigations.size() == 1);
    CHECK(inc->participants == std::vector<std::string>{"alice", "bob"});

    const auto events = f.svc->events(id);
    std::vector<std::string> kinds;
    for (const auto& e : events)
        kinds.emplace_back(warroom::domain::to_string(e.kind));
    CHECK(kinds == std::vector<std::string>{"declared", "status_changed", "update_posted",
                                            "hypothesis", "mitigation", "status_changed",
                                            "resolved", "closed"});
    CHECK(events[1].data["from"] == "investigating");
    CHECK(events[1].data["to"] == "identified");
    CHECK(events[2].actor == "bob");
    for (std::size_t i = 1; i < events.size(); ++i)
        CHECK(events[i].id > events[i - 1].id);

    // The pinned card and the announcement were edited in place as the incident changed.
    CHECK_FALSE(f.chat.of("update").empty());
    CHECK(contains(f.chat.of("post").back().text, "Incident Closed"));
}

TEST_CASE("an illegal transition is a one-line error and changes nothing",
          "[integration][service]") {
    service_fixture f;
    const auto room = f.run("create SEV2 \"x\"", "general").channel_name;
    const auto before_events = f.timeline_size("INC-20240115-0001");
    const auto before_calls = f.chat.calls.size();
    for (const char* bad : {"close", "status investigating", "sev SEV2"}) {
        INFO(bad);
        const auto r = f.run(bad, room);
        CHECK_FALSE(r.ok);
        CHECK_FALSE(contains(r.text, "\n"));
    }
    CHECK(f.timeline_size("INC-20240115-0001") == before_events);
    CHECK(f.chat.calls.size() == before_calls);
    CHECK(f.pending() == 0);
}

TEST_CASE("incident commands outside a war room say where to run them", "[integration][service]") {
    service_fixture f;
    const auto r = f.run("status identified", "general");
    CHECK_FALSE(r.ok);
    CHECK(contains(r.text, "not an incident channel"));
}

TEST_CASE("a repeated delivery with the same idempotency key is applied once",
          "[integration][service]") {
    service_fixture f;
    const auto first = f.run("create SEV2 \"dup\"", "general", "alice", "trigger-1");
    const auto second = f.run("create SEV2 \"dup\"", "general", "alice", "trigger-1");
    CHECK(first.ok);
    CHECK(second.duplicate);
    CHECK(f.chat.of("create").size() == 1);
    CHECK(f.run("create SEV2 \"other\"", "general", "alice", "trigger-2").incident_id ==
          "INC-20240115-0002");
}

TEST_CASE("action items are added, listed and completed by number", "[integration][service]") {
    service_fixture f;
    const auto room = f.run("create SEV2 \"x\"", "general").channel_name;
    REQUIRE(
        f.run("action add \"Add pool monitoring\" --owner @devops --due 2025-02-01 --priority P1",
              room)
            .ok);
    REQUIRE(f.run("action add \"Load test bulk features\" --owner @qa --due 2025-02-15", room).ok);
    auto list = f.run("action list", room);
    CHECK(contains(list.text, "#1 Add pool monitoring"));
    CHECK(contains(list.text, "@qa"));
    REQUIRE(f.run("action done 1", room).ok);
    CHECK_FALSE(f.run("action done 1", room).ok);
    const auto missing = f.run("action done 7", room);
    CHECK_FALSE(missing.ok);
    CHECK(contains(missing.text, "no action item #7"));
    const auto inc = f.svc->find("INC-20240115-0001");
    REQUIRE(inc->actions.size() == 2);
    CHECK(inc->actions[0].done);
    CHECK(inc->actions[1].priority == "P2");
}

TEST_CASE("severity and commander changes update the topic and record from and to",
          "[integration][service]") {
    service_fixture f;
    const auto room = f.run("create SEV3 \"slow search\"", "general").channel_name;
    REQUIRE(f.run("sev SEV1", room).ok);
    REQUIRE(f.run("commander @carol", room).ok);
    REQUIRE(f.run("role scribe @dave", room).ok);
    CHECK(f.chat.of("set_topic").back().text == "SEV1: slow search | Commander: @carol");
    const auto events = f.svc->events("INC-20240115-0001");
    CHECK(events[1].data["from"] == "SEV3");
    CHECK(events[1].data["to"] == "SEV1");
    CHECK(events[2].data["to"] == "carol");
    CHECK(events[3].data["role"] == "scribe");
    const auto inc = f.svc->find("INC-20240115-0001");
    CHECK(inc->update_cadence == 10min);
    CHECK(inc->role_holder("scribe") == "dave");
}

TEST_CASE("a ticket raised to SEV2 gets its war room", "[integration][service]") {
    service_fixture f;
    const auto r = f.run("create SEV4 \"odd log line\"", "general");
    REQUIRE(f.chat.of("create").empty());
    const auto up = f.run("sev SEV2 ", "general", "alice", {});
    CHECK_FALSE(up.ok);  // the ticket has no channel: it is addressed by id
    warroom::service::command_context ctx;
    ctx.actor = "alice";
    ctx.channel = "general";
    ctx.incident_id = r.incident_id;
    REQUIRE(f.svc->set_severity(ctx, warroom::domain::severity::sev2).ok);
    f.deliver();
    CHECK(f.chat.of("create").size() == 1);
    CHECK(f.chat.of("pin").size() == 1);
}

TEST_CASE("incidents, timelines and message references survive a restart",
          "[integration][service]") {
    service_fixture f;
    const auto room = f.run("create SEV2 \"persisted\"", "general").channel_name;
    REQUIRE(f.run("note \"before restart\"", room).ok);
    f.restart();
    REQUIRE(f.run("status identified", room).ok);  // edits the card posted before the restart
    CHECK(f.chat.of("update").size() >= 1);
    const auto tl = f.run("timeline", room);
    CHECK(contains(tl.text, "before restart"));
    CHECK(contains(f.run("list", "general").text, "INC-20240115-0001"));
}

TEST_CASE("messages that fail to deliver are retried later, in order", "[integration][service]") {
    service_fixture f;
    f.chat.fail_next = 1;  // the channel creation fails once with a retryable error
    const auto r = f.run("create SEV2 \"flaky chat\"", "general");
    REQUIRE(r.ok);  // the command is committed; delivery is the outbox's job
    CHECK(f.chat.of("create").empty());
    CHECK(f.pending() == 6);
    f.clock.advance(2s);
    f.deliver();
    CHECK(f.chat.of("create").size() == 1);
    CHECK(f.chat.of("pin").size() == 1);
    CHECK(f.pending() == 0);
    CHECK(f.chat.calls.front().method == "create");
}

TEST_CASE("a taken channel name moves on to the next free one", "[integration][service]") {
    service_fixture f;
    f.chat.taken_names = {"incident-20240115-0001"};
    const auto r = f.run("create SEV2 \"name clash\"", "general");
    REQUIRE(r.ok);
    REQUIRE(f.chat.of("create").size() == 1);
    CHECK(f.chat.of("create")[0].text == "incident-20240115-0001-2");
    CHECK(f.svc->find(r.incident_id)->channel_name == "incident-20240115-0001-2");
    CHECK(f.run("status identified", "incident-20240115-0001-2").ok);
}

TEST_CASE("stats count incidents by status and severity", "[integration][service]") {
    service_fixture f;
    const auto room = f.run("create SEV1 \"a\"", "general").channel_name;
    f.run("create SEV3 \"b\"", "general");
    f.clock.advance(1h);
    REQUIRE(f.run("resolve \"fixed\"", room).ok);
    const auto s = f.run("stats", "general");
    CHECK(contains(s.text, "2 total"));
    CHECK(contains(s.text, "SEV1=1"));
    CHECK(contains(s.text, "Mean time to resolve: 1h 00m"));
}

TEST_CASE("acknowledging stamps the time once and records who", "[integration][service]") {
    service_fixture f;
    const auto r = f.run("create SEV1 \"db down\"", "general");
    f.clock.advance(3min);
    warroom::service::command_context ctx;
    ctx.actor = "bob";
    ctx.channel = r.channel_name;
    REQUIRE(f.svc->acknowledge(ctx).ok);
    f.clock.advance(1min);
    CHECK(contains(f.svc->acknowledge(ctx).text, "Already acknowledged"));
    const auto inc = f.svc->find(r.incident_id);
    CHECK(*inc->acknowledged_at - inc->declared_at == 3min);
    CHECK(contains(f.svc->events(r.incident_id).back().text, "Acknowledged by @bob after 3m"));
}

TEST_CASE("pinned messages and people joining land in the timeline", "[integration][service]") {
    service_fixture f;
    const auto r = f.run("create SEV2 \"x\"", "general");
    warroom::service::command_context ctx;
    ctx.actor = "carol";
    ctx.channel = r.channel_name;
    REQUIRE(f.svc
                ->record_pin(ctx, {"dave", "pool at 100% since 14:02", "1700000000.000200",
                                   "https://example.slack.com/archives/C1/p1700000000000200"})
                .ok);
    REQUIRE(f.svc->add_participant(ctx, "erin").ok);
    CHECK(f.svc->add_participant(ctx, "erin").text == "already a participant");
    const auto events = f.svc->events(r.incident_id);
    REQUIRE(events.size() == 3);
    CHECK(events[1].kind == warroom::domain::event_kind::message_pinned);
    CHECK(events[1].text == "pool at 100% since 14:02");
    CHECK(events[1].data["author"] == "dave");
    CHECK(events[2].kind == warroom::domain::event_kind::participant_joined);
    const auto inc = f.svc->find(r.incident_id);
    CHECK(std::find(inc->participants.begin(), inc->participants.end(), "erin") !=
          inc->participants.end());
}

// ---------------------------------------------------------------------------------------------
// Outbox lanes

TEST_CASE("a failing invite does not hold back the card, its pin or the cross-post",
          "[integration][service][outbox]") {
    service_fixture f;
    f.chat.fail_only = "invite";
    f.chat.fail_next = 1;
    REQUIRE(f.run("create SEV2 \"invite trouble\"", "general").ok);
    CHECK(f.chat.of("invite").empty());
    CHECK(f.chat.of("post").size() == 2);
    CHECK(f.chat.of("pin").size() == 1);
    CHECK(f.pending() == 1);  // only the invitation waits for its retry
    f.clock.advance(2s);
    f.deliver();
    CHECK(f.chat.of("invite").size() == 1);
    CHECK(f.pending() == 0);
}

TEST_CASE("a pin waits for its post, also across the post's retry",
          "[integration][service][outbox]") {
    service_fixture f;
    f.chat.fail_only = "post";
    f.chat.fail_next = 1;  // the card's post (the first) fails once
    REQUIRE(f.run("create SEV2 \"post trouble\"", "general").ok);
    CHECK(f.chat.of("pin").empty());
    REQUIRE(f.chat.of("post").size() == 1);
    CHECK(f.chat.of("post")[0].channel == "incidents");  // another channel's lane went on
    CHECK(f.pending() == 2);                             // the card and its pin
    f.clock.advance(2s);
    f.deliver();
    const auto posts = f.chat.of("post");
    REQUIRE(posts.size() == 2);
    REQUIRE(f.chat.of("pin").size() == 1);
    CHECK(f.chat.of("pin")[0].ts == posts[1].ts);
    CHECK(f.pending() == 0);
}

namespace {

/// Passes calls on to a recording_chat; set_topic and invite hold until the card has been
/// posted, so a dispatcher that puts them on the post's path never finishes them in time.
class gated_chat final : public warroom::testing::forwarding_chat {
  public:
    explicit gated_chat(warroom::testing::recording_chat& inner) : forwarding_chat(inner) {}

    void set_topic(const std::string& channel, const std::string& topic) override {
        held_ += wait_for_post() ? 0 : 1;
        inner_.set_topic(channel, topic);
    }
    void invite(const std::string& channel, const std::vector<std::string>& users) override {
        held_ += wait_for_post() ? 0 : 1;
        inner_.invite(channel, users);
    }
    std::string post_message(const std::string& channel,
                             const warroom::chat::message& msg) override {
        auto ts = inner_.post_message(channel, msg);
        if (channel != "incidents") {  // the war-room card, not the cross-post
            std::lock_guard lock(mutex_);
            posted_ = true;
        }
        posted_cv_.notify_all();
        return ts;
    }

    /// Calls that gave up waiting for the post (the post was queued behind them).
    int held() const { return held_.load(); }

  private:
    bool wait_for_post() {
        std::unique_lock lock(mutex_);
        return posted_cv_.wait_for(lock, 5s, [this] { return posted_; });
    }

    std::mutex mutex_;
    std::condition_variable posted_cv_;
    bool posted_ = false;
    std::atomic<int> held_{0};
};

}  // namespace

TEST_CASE(
    "with several delivery threads the card is posted and pinned while topic and invite "
    "are still in flight",
    "[integration][service][outbox]") {
    service_fixture f;
    gated_chat gate(f.chat);
    warroom::service::outbox_options options;
    options.threads = 4;
    f.use_dispatcher(gate, options);
    REQUIRE(f.run("create SEV2 \"parallel\"", "general").ok);
    CHECK(gate.held() == 0);
    CHECK(f.pending() == 0);
    // create first; the pin follows its post; topic and invite finished after the post.
    std::vector<std::string> order;  // the cross-post is left out: it has a lane of its own
    for (const auto& c : f.chat.calls) {
        if (c.channel != "incidents")
            order.push_back(c.method);
    }
    REQUIRE(order.size() == 5);
    CHECK(order.front() == "create");
    const auto at = [&](const std::string& m) {
        return std::find(order.begin(), order.end(), m) - order.begin();
    };
    CHECK(at("post") < at("pin"));
    CHECK(at("post") < at("set_topic"));
    CHECK(at("post") < at("invite"));
    const auto posts = f.chat.of("post");
    const auto card = std::find_if(posts.begin(), posts.end(), [](const auto& p) {
        return p.channel == "Cincident-20240115-0001";
    });
    REQUIRE(card != posts.end());
    CHECK(f.chat.of("pin")[0].ts == card->ts);
}

TEST_CASE("with several delivery threads each channel's messages keep their order",
          "[integration][service][outbox]") {
    service_fixture f;
    warroom::service::outbox_options options;
    options.threads = 4;
    f.use_dispatcher(f.chat, options);
    const auto room = f.run("create SEV2 \"ordering\"", "general").channel_name;
    for (int i = 1; i <= 6; ++i) {
        REQUIRE(f.run("update \"step " + std::to_string(i) + "\"", room).ok);
    }
    REQUIRE(f.run("resolve \"done\"", room).ok);
    std::vector<std::string> in_room;
    for (const auto& p : f.chat.of("post")) {
        if (p.channel == "C" + room)
            in_room.push_back(p.text);
    }
    REQUIRE(in_room.size() == 8);  // card, six updates, resolution
    for (int i = 1; i <= 6; ++i) {
        CHECK(contains(in_room[static_cast<std::size_t>(i)], "step " + std::to_string(i)));
    }
    CHECK(contains(in_room.back(), "Resolved"));
    CHECK(f.pending() == 0);
}

TEST_CASE("a cancelled dispatcher stops after the call in hand and leaves the rest claimable",
          "[integration][service][outbox]") {
    service_fixture f;
    // Cancels from inside the first platform call, as a shutdown arriving mid-batch would.
    struct cancelling_chat final : warroom::chat::chat_platform {
        warroom::testing::recording_chat& inner;
        warroom::service::outbox_dispatcher* dispatcher = nullptr;
        explicit cancelling_chat(warroom::testing::recording_chat& r) : inner(r) {}
        warroom::chat::channel_info create_channel(const std::string& name, bool priv) override {
            dispatcher->cancel();
            return inner.create_channel(name, priv);
        }
        void set_topic(const std::string& c, const std::string& t) override {
            inner.set_topic(c, t);
        }
        void invite(const std::string& c, const std::vector<std::string>& u) override {
            inner.invite(c, u);
        }
        std::string post_message(const std::string& c, const warroom::chat::message& m) override {
            return inner.post_message(c, m);
        }
        void update_message(const std::string& c, const std::string& ts,
                            const warroom::chat::message& m) override {
            inner.update_message(c, ts, m);
        }
        void pin(const std::string& c, const std::string& ts) override { inner.pin(c, ts); }
        void post_ephemeral(const std::string& c, const std::string& u,
                            const std::string& t) override {
            inner.post_ephemeral(c, u, t);
        }
        std::optional<warroom::chat::user_info> lookup_user(const std::string& u) override {
            return inner.lookup_user(u);
        }
    } cancelling(f.chat);
    warroom::service::outbox_options options;
    options.threads = 4;
    f.use_dispatcher(cancelling, options);
    cancelling.dispatcher = f.dispatcher.get();
    REQUIRE(f.run("create SEV2 \"shutting down\"", "general").ok);
    CHECK(f.chat.calls.size() == 1);  // the create in hand finished, nothing else started
    CHECK(f.pending() == 5);
    // No lease is left behind: the next start delivers the rest at once.
    f.use_dispatcher(f.chat, options);
    CHECK(f.deliver() == 5);
    CHECK(f.pending() == 0);
}
