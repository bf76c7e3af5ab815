#include <catch2/catch.hpp>

#include <atomic>
#include <future>

#include "bot/service/background_loop.hpp"
#include "bot/service/inbox_worker.hpp"
#include "bot/service/inbox_writer.hpp"
#include "integration/service_fixture.hpp"

using namespace warroom;
using testing::service_fixture;
using namespace std::chrono_literals;

namespace {
store::inbox_item request(const std::string& key, const std::string& text) {
    return {key, "test", "command", text, domain::parse_iso8601("2024-01-15T14:23:00Z"), 0};
}
}  // namespace

TEST_CASE("requests are acknowledged only after they are stored, duplicates recognised",
          "[integration][inbox]") {
    service_fixture f;
    service::inbox_writer writer(*f.db);
    std::vector<std::promise<service::inbox_writer::outcome>> results(3);
    REQUIRE(writer.submit(request("k1", "list"), [&](auto o) { results[0].set_value(o); }));
    REQUIRE(writer.submit(request("k2", "list"), [&](auto o) { results[1].set_value(o); }));
    REQUIRE(writer.submit(request("k1", "list"), [&](auto o) { results[2].set_value(o); }));
    using outcome = service::inbox_writer::outcome;
    std::vector<outcome> got;
    for (auto& r : results) {
        auto fut = r.get_future();
        REQUIRE(fut.wait_for(5s) == std::future_status::ready);
        got.push_back(fut.get());
    }
    CHECK(got == std::vector<outcome>{outcome::stored, outcome::stored, outcome::duplicate});
    writer.stop();
    std::int64_t pending = 0;
    f.db->transact([&](store::store_tx& tx) { pending = tx.pending_inbox_count(); });
    CHECK(pending == 2);
}

TEST_CASE("a full inbox queue refuses instead of growing without bound", "[integration][inbox]") {
    service_fixture f;
    service::inbox_writer writer(*f.db, 10, 0);
    CHECK_FALSE(writer.submit(request("k1", "list"), [](auto) {}));
}

TEST_CASE("a stored command is applied once, its reply goes through the outbox",
          "[integration][inbox]") {
    service_fixture f;
    f.db->transact([&](store::store_tx& tx) {
        tx.inbox_enqueue({request("trigger-1", "create SEV2 \"from the inbox\""),
                          request("trigger-2", "sev SEV7")});
    });
    std::atomic<int> applied{0};
    service::inbox_worker worker(*f.db, f.clock, [&](const store::inbox_item& item) {
        service::command_context ctx;
        ctx.actor = "alice";
        ctx.channel = "general";
        ctx.idempotency_key = item.key;
        ctx.reply_to = {{"channel", "general"}, {"user", "alice"}};
        f.registry.dispatch(item.payload, ctx, *f.svc);
        ++applied;
    });
    CHECK(worker.run_once() == 2);
    CHECK(worker.run_once() == 0);  // nothing pending any more
    f.deliver();
    CHECK(f.chat.of("create").size() == 1);
    const auto replies = f.chat.of("ephemeral");
    REQUIRE(replies.size() == 2);
    CHECK(replies[0].text.find("Declared INC-20240115-0001") != std::string::npos);
    CHECK(replies[1].text.find("SEV7") != std::string::npos);

    // A redelivery of an applied request (a replica that lost its lease) changes nothing.
    service::command_context again;
    again.actor = "alice";
    again.channel = "general";
    again.idempotency_key = "trigger-1";
    again.reply_to = {{"channel", "general"}, {"user", "alice"}};
    CHECK(f.registry.dispatch("create SEV2 \"from the inbox\"", again, *f.svc).duplicate);
    f.deliver();
    CHECK(f.chat.of("create").size() == 1);
    CHECK(f.chat.of("ephemeral").size() == 2);
}

TEST_CASE("a request that keeps failing is retried after its lease, then given up",
          "[integration][inbox]") {
    service_fixture f;
    f.db->transact([&](store::store_tx& tx) { tx.inbox_enqueue({request("poison", "x")}); });
    int calls = 0;
    service::inbox_worker worker(
        *f.db, f.clock,
        [&](const store::inbox_item&) {
            ++calls;
            throw std::runtime_error("database went away");
        },
        10s, 3);
    for (int i = 0; i < 6; ++i) {
        worker.run_once();
        f.clock.advance(11s);
    }
    CHECK(calls == 3);
    std::int64_t pending = 0;
    f.db->transact([&](store::store_tx& tx) { pending = tx.pending_inbox_count(); });
    CHECK(pending == 0);
}

TEST_CASE("a background loop runs its step again while there is work and stops cleanly",
          "[integration][inbox]") {
    std::atomic<int> steps{0};
    std::promise<void> reached;
    {
        service::background_loop loop(
            "test",
            [&] {
                const int n = ++steps;
                if (n == 5)
                    reached.set_value();
                return n < 5 ? 1 : 0;
            },
            10s);
        REQUIRE(reached.get_future().wait_for(5s) == std::future_status::ready);
        loop.notify();
        loop.stop();
    }
    CHECK(steps >= 5);
}
