// One conformance suite for every store backend: each scenario runs on SQLite (a temp file) and
// on PostgreSQL (WARROOM_TEST_PG_URL, a fresh schema per test). Without WARROOM_TEST_PG_URL the
// PostgreSQL runs are skipped with a warning, or fail when WARROOM_REQUIRE_PG=1.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "bot/store/sql_connection.hpp"
#include "bot/store/sql_store.hpp"
#include "bot/store/store.hpp"

namespace ws = warroom::store;
namespace wd = warroom::domain;
using namespace std::chrono_literals;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

std::string pg_base_url() {
    return env("WARROOM_TEST_PG_URL");
}

/// False when PostgreSQL is not configured; then the caller skips (or the test fails when
/// WARROOM_REQUIRE_PG=1).
bool pg_available() {
    if (!pg_base_url().empty())
        return true;
    if (env("WARROOM_REQUIRE_PG") == "1") {
        FAIL(
            "WARROOM_REQUIRE_PG=1 but WARROOM_TEST_PG_URL is not set "
            "(run: eval \"$(tests/pg/pg_test_cluster.sh start)\")");
    }
    WARN("PostgreSQL case skipped: WARROOM_TEST_PG_URL is not set");
    SUCCEED("skipped");
    return false;
}

std::string with_query(const std::string& url, const std::string& kv) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + kv;
}

/// A fresh, migrated database for one test, removed afterwards.
class test_db {
  public:
    static std::unique_ptr<test_db> open(const std::string& backend, int pool_size = 8) {
        auto t = std::unique_ptr<test_db>(new test_db());
        t->backend_ = backend;
        t->pool_size_ = pool_size;
        if (backend == "sqlite") {
            std::string tmpl =
                (std::filesystem::temp_directory_path() / "warroom-store-XXXXXX").string();
            if (mkdtemp(tmpl.data()) == nullptr)
                FAIL("mkdtemp failed");
            t->dir_ = tmpl;
            t->url_ = "sqlite:" + tmpl + "/warroom.db";
        } else {
            if (!pg_available())
                return nullptr;
            static std::atomic<int> counter{0};
            t->schema_ = "warroom_t_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
            t->admin_ = ws::connect_postgres(pg_base_url());
            t->admin_->exec_script("DROP SCHEMA IF EXISTS " + t->schema_ +
                                   " CASCADE; CREATE SCHEMA " + t->schema_);
            // Every connection of this store sees only the test's own schema.
            t->url_ = with_query(pg_base_url(), "options=-csearch_path%3D" + t->schema_);
        }
        t->store_ = ws::open_store(t->url_, pool_size);
        REQUIRE(t->store_->migrate() == t->store_->latest_schema_version());
        return t;
    }

    ~test_db() {
        store_.reset();
        try {
            if (admin_)
                admin_->exec_script("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
        } catch (const std::exception&) {
            // Best effort: the schema name is unique, a leftover harms no other test.
        }
        if (!dir_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
        }
    }

    ws::store& db() { return *store_; }
    const std::string& url() const { return url_; }
    const std::string& backend() const { return backend_; }

    /// Closes every connection and opens the same database again, as after a restart.
    void reopen() {
        store_.reset();
        store_ = ws::open_store(url_, pool_size_);
    }

  private:
    test_db() = default;

    std::string backend_;
    int pool_size_ = 8;
    std::string dir_;
    std::string schema_;
    std::string url_;
    std::unique_ptr<ws::sql_connection> admin_;
    std::unique_ptr<ws::store> store_;
};

#define EACH_BACKEND(var)                                                               \
    const std::string backend_name = GENERATE(as<std::string>{}, "sqlite", "postgres"); \
    CAPTURE(backend_name);                                                              \
    auto var = test_db::open(backend_name);                                             \
    if (!var)                                                                           \
    return

wd::time_point at(int year, unsigned month, unsigned day, int h, int m, int s,
                  std::chrono::nanoseconds extra = 0ns) {
    using namespace std::chrono;
    const sys_days d = std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day};
    return wd::time_point(duration_cast<wd::time_point::duration>(d.time_since_epoch() + hours{h} +
                                                                  minutes{m} + seconds{s} + extra));
}

const wd::time_point t0 = at(2024, 1, 15, 14, 30, 0);

wd::incident minimal_incident(const std::string& day, int seq, wd::time_point declared) {
    wd::incident inc;
    inc.day = day;
    inc.seq = seq;
    inc.id = wd::make_incident_id(day, seq);
    inc.title = "incident " + std::to_string(seq);
    inc.declared_at = declared;
    inc.channel_name = "incident-" + day + "-" + std::to_string(seq);
    inc.commander = "oncall";
    inc.created_by = "alice";
    return inc;
}

wd::incident full_incident() {
    wd::incident inc;
    inc.id = "INC-20240115-0042";
    inc.day = "20240115";
    inc.seq = 42;
    inc.title = "API error rate spike — \"quoted\" 'text' ✓";
    inc.severity = wd::severity::sev1;
    inc.status = wd::status::monitoring;
    inc.is_private = true;
    inc.commander = "oncall-backend";
    inc.created_by = "alice";
    inc.roles = {{"scribe", "bob"}, {"comms", "carol"}, {"scribe", "dave"}};
    inc.participants = {"alice", "bob", "carol"};
    inc.hypotheses = {
        {1, "connection pool exhausted", wd::confidence::high, "bob", t0 + 5min + 123456789ns},
        {2, "bad deploy", wd::confidence::low, "carol", t0 + 7min}};
    inc.mitigations = {
        {1, "raise pool size", "bob", wd::mitigation_state::applied, t0 + 10min + 1ns},
        {2, "roll back", "", wd::mitigation_state::proposed, t0 + 11min}};
    inc.actions = {{3, "add pool alert", "bob", "2024-02-01", "P1", true, t0 + 2h + 999ns},
                   {1, "write runbook", "carol", "2024-02-15", "Medium", false, std::nullopt}};
    inc.summary = "pool exhausted after deploy\nsecond line";
    inc.channel_name = "incident-20240115-0042";
    inc.channel_id = "C0123456";
    inc.declared_at = t0 + 1ns;
    inc.acknowledged_at = t0 + 2min + 500ms;
    inc.mitigated_at = t0 + 12min;
    inc.resolved_at = std::nullopt;
    inc.closed_at = std::nullopt;
    inc.update_cadence = 15min;
    inc.version = 0;
    return inc;
}

/// Runs `per_thread(thread_index)` on `n` threads at once and waits for all.
template <class F>
void in_parallel(int n, F per_thread) {
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            ++ready;
            while (ready.load() < n)
                std::this_thread::yield();
            per_thread(i);
        });
    }
    for (auto& t : threads)
        t.join();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Incident numbers

TEST_CASE("incident numbers are unique and dense under eight concurrent writers", "[store]") {
    EACH_BACKEND(t);
    constexpr int writers = 8, per_writer = 50;
    std::vector<std::vector<int>> seen(writers);
    std::vector<std::string> errors(writers);
    in_parallel(writers, [&](int w) {
        try {
            for (int i = 0; i < per_writer; ++i) {
                t->db().transact([&](ws::store_tx& tx) {
                    const int seq = tx.next_incident_seq("20240115");
                    tx.insert_incident(minimal_incident("20240115", seq, t0));
                    seen[static_cast<std::size_t>(w)].push_back(seq);
                });
            }
        } catch (const std::exception& e) {
            errors[static_cast<std::size_t>(w)] = e.what();
        }
    });
    for (const auto& e : errors)
        CHECK(e.empty());
    std::vector<int> all;
    for (const auto& s : seen)
        all.insert(all.end(), s.begin(), s.end());
    std::sort(all.begin(), all.end());
    REQUIRE(all.size() == static_cast<std::size_t>(writers * per_writer));
    for (std::size_t i = 0; i < all.size(); ++i)
        REQUIRE(all[i] == static_cast<int>(i + 1));

    t->db().transact([&](ws::store_tx& tx) {
        CHECK(tx.list_incidents({true, 1000}).size() == all.size());
    });
}

TEST_CASE("each day's incident numbers start again at 1", "[store]") {
    EACH_BACKEND(t);
    t->db().transact([](ws::store_tx& tx) {
        CHECK(tx.next_incident_seq("20240115") == 1);
        CHECK(tx.next_incident_seq("20240115") == 2);
        CHECK(tx.next_incident_seq("20240116") == 1);
        CHECK(tx.next_incident_seq("20240115") == 3);
        CHECK(tx.next_incident_seq("20240116") == 2);
    });
}

// ---------------------------------------------------------------------------------------------
// Transactions

TEST_CASE("a transaction that throws leaves no incident, timeline event or outbox message",
          "[store]") {
    EACH_BACKEND(t);
    struct boom : std::runtime_error {
        boom() : std::runtime_error("boom") {}
    };
    const auto inc = minimal_incident("20240115", 1, t0);
    REQUIRE_THROWS_AS(t->db().transact([&](ws::store_tx& tx) {
        CHECK(tx.inbox_claim("evt-1", "slack", t0));
        tx.next_incident_seq("20240115");
        tx.insert_incident(inc);
        wd::timeline_event ev;
        ev.incident_id = inc.id;
        ev.kind = wd::event_kind::declared;
        ev.at = t0;
        tx.append_timeline(ev);
        tx.enqueue_outbox({inc.id, "post", {{"channel", "$incident"}, {"text", "hi"}}}, t0);
        throw boom();
    }),
                      boom);

    t->db().transact([&](ws::store_tx& tx) {
        CHECK_FALSE(tx.find_incident(inc.id, false).has_value());
        CHECK(tx.timeline(inc.id).empty());
        CHECK(tx.pending_outbox_count() == 0);
        CHECK(tx.claim_outbox(t0 + 1h, 60s, 10).empty());
        // The key and the number were rolled back too, so the retry starts from scratch.
        CHECK(tx.inbox_claim("evt-1", "slack", t0));
        CHECK(tx.next_incident_seq("20240115") == 1);
    });
}

TEST_CASE("a database error rolls back and leaves the pool usable", "[store]") {
    EACH_BACKEND(t);
    const auto inc = minimal_incident("20240115", 1, t0);
    t->db().transact([&](ws::store_tx& tx) { tx.insert_incident(inc); });
    // More failures than connections: a leaked or poisoned connection would show up here.
    for (int i = 0; i < 20; ++i) {
        CHECK_THROWS_AS(t->db().transact([&](ws::store_tx& tx) {
            tx.enqueue_outbox({inc.id, "post", {}}, t0);
            tx.insert_incident(inc);  // duplicate primary key
        }),
                        ws::store_error);
    }
    for (int i = 0; i < 20; ++i) {
        t->db().transact([&](ws::store_tx& tx) { CHECK(tx.find_incident(inc.id, true)); });
    }
    t->db().transact([&](ws::store_tx& tx) { CHECK(tx.pending_outbox_count() == 0); });
    t->db().ping();
}

TEST_CASE("transact waits for a free connection when every pooled one is busy", "[store]") {
    const std::string backend_name = GENERATE(as<std::string>{}, "sqlite", "postgres");
    CAPTURE(backend_name);
    auto t = test_db::open(backend_name, 1);
    if (!t)
        return;
    std::atomic<int> done{0};
    in_parallel(4, [&](int w) {
        for (int i = 0; i < 10; ++i) {
            t->db().transact([&](ws::store_tx& tx) {
                tx.inbox_claim("k-" + std::to_string(w) + "-" + std::to_string(i), "test", t0);
            });
            ++done;
        }
    });
    CHECK(done == 40);
}

TEST_CASE("an urgent transaction goes ahead of ordinary ones waiting for the connection",
          "[store]") {
    const std::string backend_name = GENERATE(as<std::string>{}, "sqlite", "postgres");
    CAPTURE(backend_name);
    auto t = test_db::open(backend_name, 1);
    if (!t)
        return;
    std::mutex order_mu;
    std::vector<std::string> order;
    const auto note = [&](const std::string& who) {
        std::lock_guard lock(order_mu);
        order.push_back(who);
    };
    std::atomic<bool> holding{false}, release{false};
    std::thread holder([&] {
        t->db().transact([&](ws::store_tx&) {
            holding = true;
            while (!release)
                std::this_thread::sleep_for(1ms);
        });
    });
    while (!holding)
        std::this_thread::sleep_for(1ms);
    // Queued in this order while the holder keeps the only connection (the sleeps only order
    // the arrivals; nothing is measured).
    std::thread ordinary1([&] { t->db().transact([&](ws::store_tx&) { note("ordinary 1"); }); });
    std::this_thread::sleep_for(150ms);
    std::thread ordinary2([&] { t->db().transact([&](ws::store_tx&) { note("ordinary 2"); }); });
    std::this_thread::sleep_for(150ms);
    std::thread urgent([&] { t->db().transact_urgent([&](ws::store_tx&) { note("urgent"); }); });
    std::this_thread::sleep_for(150ms);
    release = true;
    for (auto* th : {&holder, &ordinary1, &ordinary2, &urgent})
        th->join();
    CHECK(order == std::vector<std::string>{"urgent", "ordinary 1", "ordinary 2"});
}

// ---------------------------------------------------------------------------------------------
// Idempotency

TEST_CASE("a second claim of the same key is refused", "[store]") {
    EACH_BACKEND(t);
    t->db().transact([](ws::store_tx& tx) {
        CHECK(tx.inbox_claim("Ev123", "slack", t0));
        CHECK_FALSE(tx.inbox_claim("Ev123", "slack", t0 + 1s));
        CHECK(tx.inbox_claim("Ev124", "slack", t0));
    });
    t->db().transact([](ws::store_tx& tx) { CHECK_FALSE(tx.inbox_claim("Ev123", "other", t0)); });
}

TEST_CASE("of parallel claims of one key exactly one wins", "[store]") {
    EACH_BACKEND(t);
    for (int round = 0; round < 5; ++round) {
        const std::string key = "alert-fingerprint-" + std::to_string(round);
        std::atomic<int> wins{0}, failures{0};
        in_parallel(8, [&](int) {
            try {
                t->db().transact([&](ws::store_tx& tx) {
                    if (tx.inbox_claim(key, "alertmanager", t0))
                        ++wins;
                });
            } catch (const std::exception&) {
                ++failures;
            }
        });
        CHECK(failures == 0);
        CHECK(wins == 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Incidents and timeline

TEST_CASE("an enqueued request is stored once and claimed by one worker at a time", "[store]") {
    EACH_BACKEND(t);
    const auto item = [](const std::string& key, wd::time_point when) {
        return ws::inbox_item{key, "slack_http", "slash_command", "text=list", when, 0};
    };
    t->db().transact([&](ws::store_tx& tx) {
        CHECK(tx.inbox_enqueue({item("T1", t0), item("T2", t0 + 1s), item("T1", t0 + 2s)}) ==
              std::vector<bool>{true, true, false});
        CHECK(tx.inbox_enqueue({item("T2", t0 + 3s)}) == std::vector<bool>{false});
        CHECK(tx.pending_inbox_count() == 2);
    });
    std::vector<ws::inbox_item> first, second, later;
    t->db().transact([&](ws::store_tx& tx) { first = tx.claim_inbox(t0 + 10s, 30s, 10); });
    t->db().transact([&](ws::store_tx& tx) { second = tx.claim_inbox(t0 + 11s, 30s, 10); });
    REQUIRE(first.size() == 2);
    CHECK(first[0].key == "T1");
    CHECK(first[0].payload == "text=list");
    CHECK(first[0].kind == "slash_command");
    CHECK(first[0].attempts == 1);
    CHECK(second.empty());  // still leased
    // The worker applied T1 and died before finishing T2: T2 comes back after its lease.
    t->db().transact([&](ws::store_tx& tx) { CHECK(tx.inbox_claim("T1", "slack_http", t0)); });
    t->db().transact([&](ws::store_tx& tx) { later = tx.claim_inbox(t0 + 41s, 30s, 10); });
    REQUIRE(later.size() == 1);
    CHECK(later[0].key == "T2");
    CHECK(later[0].attempts == 2);
    t->db().transact([&](ws::store_tx& tx) {
        CHECK_FALSE(tx.inbox_claim("T1", "slack_http", t0));
        tx.finish_inbox("T2", "ignored");
        CHECK(tx.pending_inbox_count() == 0);
        CHECK_FALSE(tx.inbox_claim("T2", "slack_http", t0));
    });
}

TEST_CASE("a batch of 150 requests is stored in one go with duplicates told apart", "[store]") {
    EACH_BACKEND(t);
    // In a transaction, or the inbox writer's way (one statement on PostgreSQL).
    const bool writer_path = GENERATE(false, true);
    CAPTURE(writer_path);
    // Quotes, backslashes, braces and commas would break a badly built array literal.
    const std::string tricky = R"({"text":"a \"quoted\" \\ {brace}, comma","who":"Zoë"})";
    const auto item = [&](int n, int dt) {
        return ws::inbox_item{"K" + std::to_string(n),
                              "slack_http",
                              "slash_command",
                              n == 1 ? tricky : "text=status " + std::to_string(n),
                              t0 + std::chrono::seconds(dt),
                              0};
    };
    t->db().transact([&](ws::store_tx& tx) { tx.inbox_enqueue({item(7, 0), item(140, 1)}); });
    // 150 items: K0..K144 in order, K7 and K140 already stored, K3 and K99 again at the end.
    std::vector<ws::inbox_item> batch;
    std::vector<bool> expected;
    for (int n = 0; n < 145; ++n) {
        batch.push_back(item(n, 10 + n));
        expected.push_back(n != 7 && n != 140);
    }
    for (const int n : {3, 99, 3, 145, 146}) {
        batch.push_back(item(n, 200));
        expected.push_back(n >= 145);
    }
    std::vector<bool> fresh;
    if (writer_path)
        fresh = t->db().enqueue_inbox(batch);
    else
        t->db().transact([&](ws::store_tx& tx) { fresh = tx.inbox_enqueue(batch); });
    CHECK(fresh == expected);
    std::vector<ws::inbox_item> claimed;
    t->db().transact([&](ws::store_tx& tx) {
        CHECK(tx.pending_inbox_count() == 147);
        claimed = tx.claim_inbox(t0 + 1h, 30s, 500);
    });
    REQUIRE(claimed.size() == 147);
    CHECK(claimed[0].key == "K7");  // received first
    CHECK(claimed[1].key == "K140");
    CHECK(claimed[2].key == "K0");
    CHECK(claimed[2].payload == "text=status 0");
    CHECK(claimed[3].payload == tricky);
    CHECK(claimed[3].received_at == t0 + 11s);
    CHECK(claimed.back().key == "K146");
}

TEST_CASE("SQLite's write-ahead log is copied into the database file in the background",
          "[store]") {
    auto t = test_db::open("sqlite");
    const std::string file = t->url().substr(std::string("sqlite:").size());
    const auto size_before = std::filesystem::file_size(file);
    // About 2 MB of requests. Commits never checkpoint themselves (that would stall them for
    // milliseconds); the store's checkpointer copies the log into the file shortly after.
    const std::string payload(2000, 'x');
    for (int b = 0; b < 10; ++b) {
        std::vector<ws::inbox_item> batch;
        for (int i = 0; i < 100; ++i) {
            batch.push_back(
                {"W" + std::to_string(b * 100 + i), "slack_http", "event", payload, t0, 0});
        }
        t->db().transact([&](ws::store_tx& tx) { tx.inbox_enqueue(batch); });
    }
    bool copied = false;
    for (int i = 0; i < 400 && !copied; ++i) {  // the checkpointer runs every 250 ms
        copied = std::filesystem::file_size(file) >= size_before + 1'500'000;
        if (!copied)
            std::this_thread::sleep_for(25ms);
    }
    CAPTURE(size_before, std::filesystem::file_size(file), std::filesystem::file_size(file + "-wal"));
    CHECK(copied);
}

TEST_CASE("of parallel claims of one pending request exactly one applies it", "[store]") {
    EACH_BACKEND(t);
    t->db().transact([&](ws::store_tx& tx) {
        tx.inbox_enqueue({{"Ev9", "slack_http", "event", "{}", t0, 0}});
    });
    std::atomic<int> wins{0}, failures{0};
    in_parallel(8, [&](int) {
        try {
            t->db().transact([&](ws::store_tx& tx) {
                if (tx.inbox_claim("Ev9", "slack_http", t0))
                    ++wins;
            });
        } catch (const std::exception&) {
            ++failures;
        }
    });
    CHECK(failures == 0);
    CHECK(wins == 1);
}

TEST_CASE("an incident reads back exactly as it was saved", "[store]") {
    EACH_BACKEND(t);
    const auto inc = full_incident();
    t->db().transact([&](ws::store_tx& tx) { tx.insert_incident(inc); });

    std::optional<wd::incident> loaded;
    t->db().transact([&](ws::store_tx& tx) { loaded = tx.find_incident(inc.id, false); });
    REQUIRE(loaded.has_value());
    CHECK(loaded->roles == inc.roles);
    CHECK(loaded->actions == inc.actions);
    CHECK(loaded->hypotheses == inc.hypotheses);
    CHECK(loaded->mitigations == inc.mitigations);
    CHECK(loaded->declared_at == inc.declared_at);
    CHECK(*loaded == inc);

    // An update replaces the child rows and bumps the version.
    auto changed = *loaded;
    changed.status = wd::status::closed;
    changed.severity = wd::severity::sev0;
    changed.roles = {{"comms", "erin"}};
    changed.actions.clear();
    changed.participants.push_back("erin");
    changed.resolved_at = t0 + 3h + 7ns;
    changed.closed_at = t0 + 4h;
    changed.acknowledged_at = std::nullopt;
    changed.update_cadence = 0s;
    changed.is_private = false;
    t->db().transact([&](ws::store_tx& tx) { tx.update_incident(changed); });
    t->db().transact([&](ws::store_tx& tx) { loaded = tx.find_incident(inc.id, true); });
    REQUIRE(loaded.has_value());
    CHECK(loaded->version == changed.version + 1);
    auto expected = changed;
    expected.version = changed.version + 1;
    CHECK(*loaded == expected);

    t->db().transact([&](ws::store_tx& tx) {
        CHECK_FALSE(tx.find_incident("INC-20240115-0043", false).has_value());
    });
}

TEST_CASE("an incident is found by its channel id or channel name", "[store]") {
    EACH_BACKEND(t);
    auto inc = full_incident();
    auto ticket = minimal_incident("20240115", 7, t0);
    ticket.channel_name.clear();  // a SEV4 ticket has no channel
    t->db().transact([&](ws::store_tx& tx) {
        tx.insert_incident(inc);
        tx.insert_incident(ticket);
    });
    t->db().transact([&](ws::store_tx& tx) {
        auto by_id = tx.find_incident_by_channel("C0123456", false);
        auto by_name = tx.find_incident_by_channel("incident-20240115-0042", true);
        auto by_hash = tx.find_incident_by_channel("#incident-20240115-0042", false);
        REQUIRE(by_id);
        REQUIRE(by_name);
        REQUIRE(by_hash);
        CHECK(by_id->id == inc.id);
        CHECK(by_name->id == inc.id);
        CHECK(by_hash->id == inc.id);
        CHECK(*by_id == inc);
        CHECK_FALSE(tx.find_incident_by_channel("general", false));
        CHECK_FALSE(tx.find_incident_by_channel("", false));
    });
}

TEST_CASE("incidents are listed newest first and closed ones only when asked", "[store]") {
    EACH_BACKEND(t);
    t->db().transact([&](ws::store_tx& tx) {
        for (int i = 1; i <= 5; ++i) {
            auto inc = minimal_incident("20240115", i, t0 + std::chrono::minutes(i));
            if (i == 2)
                inc.status = wd::status::closed;
            if (i == 4)
                inc.status = wd::status::resolved;
            tx.insert_incident(inc);
        }
    });
    t->db().transact([&](ws::store_tx& tx) {
        auto open = tx.list_incidents({false, 50});
        REQUIRE(open.size() == 4);
        CHECK(open[0].seq == 5);
        CHECK(open[1].seq == 4);
        CHECK(open[2].seq == 3);
        CHECK(open[3].seq == 1);
        auto all = tx.list_incidents({true, 50});
        REQUIRE(all.size() == 5);
        CHECK(all[3].seq == 2);
        auto limited = tx.list_incidents({true, 2});
        REQUIRE(limited.size() == 2);
        CHECK(limited[0].seq == 5);
    });
}

TEST_CASE("saving an incident from a stale version is a conflict and changes nothing", "[store]") {
    EACH_BACKEND(t);
    const auto inc = minimal_incident("20240115", 1, t0);
    t->db().transact([&](ws::store_tx& tx) { tx.insert_incident(inc); });

    auto first = inc;
    first.title = "first writer";
    auto second = inc;  // loaded at the same version as `first`
    second.title = "second writer";
    t->db().transact([&](ws::store_tx& tx) { tx.update_incident(first); });
    CHECK_THROWS_AS(t->db().transact([&](ws::store_tx& tx) { tx.update_incident(second); }),
                    ws::conflict_error);

    t->db().transact([&](ws::store_tx& tx) {
        auto stored = tx.find_incident(inc.id, false);
        REQUIRE(stored);
        CHECK(stored->title == "first writer");
        CHECK(stored->version == inc.version + 1);
    });
    auto missing = minimal_incident("20240115", 9, t0);
    CHECK_THROWS_AS(t->db().transact([&](ws::store_tx& tx) { tx.update_incident(missing); }),
                    ws::conflict_error);
}

TEST_CASE("the timeline comes back oldest first with growing ids", "[store]") {
    EACH_BACKEND(t);
    const auto inc = minimal_incident("20240115", 1, t0);
    const auto other = minimal_incident("20240115", 2, t0);
    std::vector<std::int64_t> ids;
    t->db().transact([&](ws::store_tx& tx) {
        tx.insert_incident(inc);
        tx.insert_incident(other);
    });
    for (int i = 0; i < 6; ++i) {
        t->db().transact([&](ws::store_tx& tx) {
            wd::timeline_event ev;
            ev.incident_id = i % 3 == 2 ? other.id : inc.id;
            ev.kind = i == 0 ? wd::event_kind::declared : wd::event_kind::note;
            ev.at = t0 + std::chrono::seconds(i) + 17ns;
            ev.actor = "alice";
            ev.source = wd::event_source::slash_command;
            ev.text = "event " + std::to_string(i);
            ev.data = {{"i", i}, {"nested", {{"from", "SEV2"}, {"to", "SEV1"}}}};
            const auto id = tx.append_timeline(ev);
            if (ev.incident_id == inc.id)
                ids.push_back(id);
        });
    }
    std::vector<wd::timeline_event> events;
    t->db().transact([&](ws::store_tx& tx) { events = tx.timeline(inc.id); });
    REQUIRE(events.size() == 4);
    for (std::size_t i = 0; i < events.size(); ++i) {
        CHECK(events[i].id == ids[i]);
        CHECK(events[i].incident_id == inc.id);
        if (i > 0) {
            CHECK(events[i].id > events[i - 1].id);
            CHECK(events[i].at > events[i - 1].at);
        }
    }
    CHECK(events[0].kind == wd::event_kind::declared);
    CHECK(events[0].text == "event 0");
    CHECK(events[0].actor == "alice");
    CHECK(events[0].source == wd::event_source::slash_command);
    CHECK(events[0].at == t0 + 17ns);
    CHECK(events[1].data ==
          nlohmann::json{{"i", 1}, {"nested", {{"from", "SEV2"}, {"to", "SEV1"}}}});
}

// ---------------------------------------------------------------------------------------------
// Outbox

namespace {
std::vector<std::int64_t> ids_of(const std::vector<ws::outbox_row>& rows) {
    std::vector<std::int64_t> out;
    for (const auto& r : rows)
        out.push_back(r.id);
    return out;
}

std::vector<std::int64_t> claim_ids(ws::store& db, wd::time_point now, int limit = 10,
                                    std::chrono::seconds lease = 60s) {
    std::vector<ws::outbox_row> rows;
    db.transact([&](ws::store_tx& tx) { rows = tx.claim_outbox(now, lease, limit); });
    return ids_of(rows);
}

void release_all(ws::store& db, const std::vector<std::int64_t>& ids) {
    db.transact([&](ws::store_tx& tx) {
        for (auto id : ids)
            tx.release_outbox(id);
    });
}
}  // namespace

TEST_CASE("claimed outbox messages come oldest first and wait for their retry time", "[store]") {
    EACH_BACKEND(t);
    std::int64_t a = 0, b = 0, c = 0;
    t->db().transact([&](ws::store_tx& tx) {
        a = tx.enqueue_outbox({"INC-20240115-0001", "post", {{"text", "a"}}}, t0);
        b = tx.enqueue_outbox({"INC-20240115-0002", "post", {{"text", "b"}}}, t0 + 1s);
        c = tx.enqueue_outbox({"", "post", {{"text", "c"}}}, t0 + 2s);
    });
    REQUIRE(a < b);
    REQUIRE(b < c);
    CHECK(claim_ids(t->db(), t0 - 1s).empty());
    t->db().transact([&](ws::store_tx& tx) {
        CHECK(tx.pending_outbox_count() == 3);
        auto due = tx.claim_outbox(t0 + 1s, 60s, 10);
        REQUIRE(due.size() == 2);
        CHECK(due[0].id == a);
        CHECK(due[0].message.incident_id == "INC-20240115-0001");
        CHECK(due[0].message.kind == "post");
        CHECK(due[0].message.payload == nlohmann::json{{"text", "a"}});
        CHECK(due[0].attempts == 0);
        CHECK(due[0].created_at == t0);
        CHECK(due[0].next_attempt_at == t0);
        CHECK(due[0].lane.empty());  // a post without a channel cannot be placed: a barrier
        CHECK_FALSE(due[0].lease_expired);
        CHECK(due[1].id == b);
    });

    t->db().transact([&](ws::store_tx& tx) {
        tx.mark_outbox_retry(a, "ratelimited", t0 + 30s);
        tx.release_outbox(b);
    });
    CHECK(claim_ids(t->db(), t0 + 10s) == std::vector<std::int64_t>{b, c});
    release_all(t->db(), {b, c});
    t->db().transact([&](ws::store_tx& tx) {
        auto due = tx.claim_outbox(t0 + 30s, 60s, 10);
        REQUIRE(due.size() == 3);
        CHECK(due[0].id == a);
        CHECK(due[0].attempts == 1);
        CHECK(due[0].last_error == "ratelimited");
        CHECK(due[0].next_attempt_at == t0 + 30s);
        // Marked and released rows are not "lost leases".
        CHECK_FALSE(due[0].lease_expired);
        CHECK_FALSE(due[1].lease_expired);
    });

    t->db().transact([&](ws::store_tx& tx) {
        tx.mark_outbox_delivered(a, t0 + 31s);
        tx.mark_outbox_dead(b, "channel_not_found");
        tx.release_outbox(c);
    });
    t->db().transact([&](ws::store_tx& tx) {
        CHECK(ids_of(tx.claim_outbox(t0 + 1h, 60s, 10)) == std::vector<std::int64_t>{c});
        CHECK(tx.pending_outbox_count() == 1);
        // A late retry of a delivered message must not resurrect it.
        tx.mark_outbox_retry(a, "late", t0);
        CHECK(tx.pending_outbox_count() == 1);
    });
}

TEST_CASE("an incident's later messages wait while an earlier barrier backs off", "[store]") {
    EACH_BACKEND(t);
    const std::string x = "INC-20240115-0001", y = "INC-20240115-0002";
    std::int64_t x1 = 0, x2 = 0, y1 = 0, x3 = 0;
    t->db().transact([&](ws::store_tx& tx) {
        x1 = tx.enqueue_outbox({x, "create_channel", {{"name", "incident-x"}}}, t0);
        x2 = tx.enqueue_outbox({x, "set_topic", {{"channel", "$incident"}}}, t0);
        y1 = tx.enqueue_outbox({y, "post", {{"channel", "$incident"}}}, t0);
        x3 = tx.enqueue_outbox({x, "post", {{"channel", "$incident"}}}, t0);
    });
    t->db().transact([&](ws::store_tx& tx) { tx.mark_outbox_retry(x1, "timeout", t0 + 1min); });
    CHECK(claim_ids(t->db(), t0 + 1s) == std::vector<std::int64_t>{y1});  // x2, x3 wait for x1
    release_all(t->db(), {y1});
    const auto all = claim_ids(t->db(), t0 + 1min);
    CHECK(all == std::vector<std::int64_t>{x1, x2, y1, x3});
    release_all(t->db(), all);
    // A dead message no longer holds the others back.
    t->db().transact([&](ws::store_tx& tx) {
        tx.mark_outbox_retry(x1, "timeout", t0 + 1h);
        tx.mark_outbox_dead(x1, "gave up");
    });
    CHECK(claim_ids(t->db(), t0 + 1s) == std::vector<std::int64_t>{x2, y1, x3});
}

TEST_CASE("a message waits for an older row of its own lane, not for other lanes", "[store]") {
    EACH_BACKEND(t);
    const std::string x = "INC-20240115-0001";
    std::int64_t topic = 0, invite = 0, post = 0, pin = 0, announce = 0, reply = 0;
    t->db().transact([&](ws::store_tx& tx) {
        topic = tx.enqueue_outbox({x, "set_topic", {{"channel", "$incident"}}}, t0);
        invite = tx.enqueue_outbox({x, "invite", {{"channel", "$incident"}}}, t0);
        post = tx.enqueue_outbox({x, "post", {{"channel", "$incident"}, {"ref", "card"}}}, t0);
        pin = tx.enqueue_outbox({x, "pin", {{"channel", "$incident"}, {"ref", "card"}}}, t0);
        announce = tx.enqueue_outbox({x, "post", {{"channel", "incidents"}}}, t0);
        reply = tx.enqueue_outbox({x, "reply", {{"text", "ok"}}}, t0);
    });
    t->db().transact([&](ws::store_tx& tx) {
        const auto rows = tx.claim_outbox(t0, 60s, 10);
        REQUIRE(rows.size() == 6);
        CHECK(rows[0].lane == "topic");
        CHECK(rows[1].lane == "invite");
        CHECK(rows[2].lane == "chan:$incident");
        CHECK(rows[3].lane == "chan:$incident");
        CHECK(rows[4].lane == "chan:incidents");
        CHECK(rows[5].lane == "reply");
        for (const auto& r : rows)
            tx.release_outbox(r.id);
        // A failed topic holds back nothing else; a failed post holds back its pin only.
        tx.mark_outbox_retry(topic, "timeout", t0 + 1min);
        tx.mark_outbox_retry(post, "timeout", t0 + 1min);
    });
    CHECK(claim_ids(t->db(), t0 + 1s) == std::vector<std::int64_t>{invite, announce, reply});
}

TEST_CASE("leased messages are claimed once until their lease runs out", "[store]") {
    EACH_BACKEND(t);
    const std::string x = "INC-20240115-0001", y = "INC-20240115-0002";
    std::int64_t x1 = 0, x2 = 0, y1 = 0;
    t->db().transact([&](ws::store_tx& tx) {
        x1 = tx.enqueue_outbox({x, "post", {{"channel", "$incident"}}}, t0);
        x2 = tx.enqueue_outbox({x, "set_topic", {{"channel", "$incident"}}}, t0);
        y1 = tx.enqueue_outbox({y, "post", {{"channel", "$incident"}}}, t0);
    });
    CHECK(claim_ids(t->db(), t0, 1) == std::vector<std::int64_t>{x1});
    // x2 is in another lane, but its incident is being delivered by the first claim.
    CHECK(claim_ids(t->db(), t0 + 1s) == std::vector<std::int64_t>{y1});
    CHECK(claim_ids(t->db(), t0 + 59s).empty());
    // The first claimer died: once its lease has run out, the row is claimed again, flagged.
    t->db().transact([&](ws::store_tx& tx) {
        const auto rows = tx.claim_outbox(t0 + 61s, 60s, 10);
        REQUIRE(ids_of(rows) == std::vector<std::int64_t>{x1, x2, y1});
        CHECK(rows[0].lease_expired);
        CHECK_FALSE(rows[1].lease_expired);
        CHECK(rows[2].lease_expired);
        tx.mark_outbox_delivered(x1, t0 + 62s);
        CHECK(tx.pending_outbox_count() == 2);
    });
    CHECK(claim_ids(t->db(), t0 + 62s).empty());
}

TEST_CASE("concurrent claimers get disjoint rows and deliver each incident in order", "[store]") {
    EACH_BACKEND(t);
    constexpr int incidents = 12, per_incident = 8;
    t->db().transact([&](ws::store_tx& tx) {
        for (int i = 0; i < per_incident; ++i) {
            for (int n = 0; n < incidents; ++n) {
                const char* kind = i % 3 == 0 ? "post" : i % 3 == 1 ? "set_topic" : "invite";
                tx.enqueue_outbox(
                    {"INC-" + std::to_string(n), kind, {{"channel", "$incident"}, {"i", i}}}, t0);
            }
        }
    });
    std::mutex mu;
    std::vector<std::int64_t> claimed;
    std::map<std::int64_t, std::pair<std::string, long>> marked;  // id -> incident, seq
    std::atomic<long> seq{0};
    std::atomic<int> failures{0};
    in_parallel(6, [&](int) {
        try {
            for (int idle = 0; idle < 50;) {
                std::vector<ws::outbox_row> got;
                t->db().transact([&](ws::store_tx& tx) { got = tx.claim_outbox(t0, 10min, 5); });
                if (got.empty()) {
                    ++idle;
                    std::this_thread::sleep_for(2ms);
                    continue;
                }
                idle = 0;
                for (const auto& row : got) {
                    {
                        std::lock_guard lock(mu);
                        claimed.push_back(row.id);
                    }
                    t->db().transact([&](ws::store_tx& tx) {
                        tx.mark_outbox_delivered(row.id, t0);
                        // Numbered before the commit, so the next claim of the incident (which
                        // needs this commit) can only number later.
                        const long n = ++seq;
                        std::lock_guard lock(mu);
                        marked[row.id] = {row.message.incident_id, n};
                    });
                }
            }
        } catch (const std::exception& e) {
            UNSCOPED_INFO(e.what());
            ++failures;
        }
    });
    CHECK(failures == 0);
    CHECK(claimed.size() == static_cast<std::size_t>(incidents * per_incident));
    CHECK(std::set<std::int64_t>(claimed.begin(), claimed.end()).size() == claimed.size());
    // Ids grow in write order, so per incident the marks must come in id order.
    std::map<std::string, long> last_seq;
    for (const auto& [id, mark] : marked) {
        CAPTURE(id, mark.first);
        CHECK(mark.second > last_seq[mark.first]);
        last_seq[mark.first] = mark.second;
    }
}

// ---------------------------------------------------------------------------------------------
// Message refs and jobs

TEST_CASE("saving a message reference again replaces its channel and ts", "[store]") {
    EACH_BACKEND(t);
    t->db().transact([&](ws::store_tx& tx) {
        CHECK_FALSE(tx.find_message_ref("INC-20240115-0001", "status").has_value());
        tx.save_message_ref({"INC-20240115-0001", "status", "C1", "1700000000.000100"});
        tx.save_message_ref({"INC-20240115-0002", "status", "C2", "1700000000.000200"});
    });
    t->db().transact([&](ws::store_tx& tx) {
        tx.save_message_ref({"INC-20240115-0001", "status", "C9", "1700000099.000900"});
    });
    t->db().transact([&](ws::store_tx& tx) {
        auto r = tx.find_message_ref("INC-20240115-0001", "status");
        REQUIRE(r);
        CHECK(r->incident_id == "INC-20240115-0001");
        CHECK(r->ref == "status");
        CHECK(r->channel == "C9");
        CHECK(r->ts == "1700000099.000900");
        auto other = tx.find_message_ref("INC-20240115-0002", "status");
        REQUIRE(other);
        CHECK(other->channel == "C2");
    });
}

TEST_CASE("due jobs are claimed once, in due order, and cancelled ones never", "[store]") {
    EACH_BACKEND(t);
    t->db().transact([&](ws::store_tx& tx) {
        tx.schedule_job({0, "status_reminder", "INC-1", t0 + 2min, {{"n", 2}}});
        tx.schedule_job({0, "status_reminder", "INC-1", t0 + 1min, {{"n", 1}}});
        tx.schedule_job({0, "nudge", "INC-1", t0 + 1min, {}});
        tx.schedule_job({0, "status_reminder", "INC-2", t0 + 1h, {}});
        tx.cancel_jobs("INC-1", "nudge");
    });
    t->db().transact([&](ws::store_tx& tx) {
        CHECK(tx.claim_due_jobs(t0, 10).empty());
        auto jobs = tx.claim_due_jobs(t0 + 5min, 10);
        REQUIRE(jobs.size() == 2);
        CHECK(jobs[0].due_at == t0 + 1min);
        CHECK(jobs[0].payload == nlohmann::json{{"n", 1}});
        CHECK(jobs[0].kind == "status_reminder");
        CHECK(jobs[0].incident_id == "INC-1");
        CHECK(jobs[1].due_at == t0 + 2min);
        CHECK(tx.claim_due_jobs(t0 + 5min, 10).empty());
    });
    t->db().transact([&](ws::store_tx& tx) {
        tx.cancel_jobs("INC-2", "");
        CHECK(tx.claim_due_jobs(t0 + 2h, 10).empty());
    });
}

TEST_CASE("concurrent claimers get every due job exactly once", "[store]") {
    EACH_BACKEND(t);
    constexpr int job_count = 200;
    t->db().transact([&](ws::store_tx& tx) {
        for (int i = 0; i < job_count; ++i) {
            tx.schedule_job({0,
                             "tick",
                             "INC-" + std::to_string(i % 7),
                             t0 + std::chrono::seconds(i % 13),
                             {{"i", i}}});
        }
    });
    std::vector<std::vector<std::int64_t>> claimed(8);
    std::atomic<int> failures{0};
    in_parallel(8, [&](int w) {
        try {
            for (;;) {
                std::vector<ws::job> got;
                t->db().transact([&](ws::store_tx& tx) { got = tx.claim_due_jobs(t0 + 1h, 7); });
                if (got.empty())
                    break;
                for (const auto& j : got)
                    claimed[static_cast<std::size_t>(w)].push_back(j.id);
            }
        } catch (const std::exception&) {
            ++failures;
        }
    });
    CHECK(failures == 0);
    std::vector<std::int64_t> all;
    for (const auto& c : claimed)
        all.insert(all.end(), c.begin(), c.end());
    CHECK(all.size() == static_cast<std::size_t>(job_count));
    CHECK(std::set<std::int64_t>(all.begin(), all.end()).size() == all.size());
}

// ---------------------------------------------------------------------------------------------
// Migrations and restarts

TEST_CASE("data survives a restart and migrate then applies nothing", "[store]") {
    EACH_BACKEND(t);
    const auto inc = full_incident();
    t->db().transact([&](ws::store_tx& tx) {
        tx.insert_incident(inc);
        tx.enqueue_outbox({inc.id, "post", {{"text", "x"}}}, t0);
        tx.inbox_claim("evt", "slack", t0);
        tx.next_incident_seq("20240115");
    });
    t->reopen();
    CHECK(t->db().migrate() == 0);
    CHECK(t->db().schema_version() == t->db().latest_schema_version());
    t->db().transact([&](ws::store_tx& tx) {
        auto loaded = tx.find_incident(inc.id, false);
        REQUIRE(loaded);
        CHECK(*loaded == inc);
        CHECK(tx.pending_outbox_count() == 1);
        CHECK_FALSE(tx.inbox_claim("evt", "slack", t0));
        CHECK(tx.next_incident_seq("20240115") == 2);
    });
}

TEST_CASE("a new database is migrated once to the latest version", "[store]") {
    const std::string backend_name = GENERATE(as<std::string>{}, "sqlite", "postgres");
    CAPTURE(backend_name);
    auto t = test_db::open(backend_name);  // already migrated once by the fixture
    if (!t)
        return;
    CHECK(t->db().latest_schema_version() >= 2);
    CHECK(t->db().schema_version() == t->db().latest_schema_version());
    CHECK(t->db().migrate() == 0);
    CHECK(t->db().dialect() == backend_name);
    t->db().ping();
}

TEST_CASE("a fresh database reports schema version 0 before migrating", "[store]") {
    const std::string backend_name = GENERATE(as<std::string>{}, "sqlite", "postgres");
    CAPTURE(backend_name);
    auto t = test_db::open(backend_name);
    if (!t)
        return;
    // A second, unmigrated database next to the fixture's.
    std::string url;
    std::unique_ptr<ws::sql_connection> admin;
    const std::string schema = "warroom_t_fresh_" + std::to_string(getpid());
    if (backend_name == "sqlite") {
        url = t->url() + "-fresh.db";
    } else {
        admin = ws::connect_postgres(pg_base_url());
        admin->exec_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
        url = with_query(pg_base_url(), "options=-csearch_path%3D" + schema);
    }
    {
        auto fresh = ws::open_store(url, 2);
        CHECK(fresh->schema_version() == 0);
        CHECK(fresh->migrate() == fresh->latest_schema_version());
        CHECK(fresh->schema_version() == fresh->latest_schema_version());
    }
    if (admin)
        admin->exec_script("DROP SCHEMA " + schema + " CASCADE");
}

TEST_CASE("replicas migrating at the same time apply each migration once", "[store]") {
    if (!pg_available())
        return;
    auto admin = ws::connect_postgres(pg_base_url());
    const std::string schema = "warroom_t_race_" + std::to_string(getpid());
    admin->exec_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
    const std::string url = with_query(pg_base_url(), "options=-csearch_path%3D" + schema);
    std::vector<int> applied(4, -1);
    std::atomic<int> failures{0};
    in_parallel(4, [&](int i) {
        try {
            applied[static_cast<std::size_t>(i)] = ws::open_store(url, 1)->migrate();
        } catch (const std::exception&) {
            ++failures;
        }
    });
    CHECK(failures == 0);
    int total = 0;
    for (int a : applied)
        total += a;
    auto s = ws::open_store(url, 1);
    CHECK(total == s->latest_schema_version());
    CHECK(s->schema_version() == s->latest_schema_version());
    s.reset();
    admin->exec_script("DROP SCHEMA " + schema + " CASCADE");
}

TEST_CASE("an in-memory SQLite store is one database for all its transactions", "[store]") {
    auto s = ws::open_store("sqlite::memory:", 4);
    CHECK(s->migrate() == s->latest_schema_version());
    std::atomic<int> failures{0};
    in_parallel(4, [&](int w) {
        try {
            for (int i = 0; i < 25; ++i) {
                s->transact([&](ws::store_tx& tx) {
                    const int seq = tx.next_incident_seq("20240115");
                    tx.insert_incident(minimal_incident("20240115", seq, t0));
                    tx.inbox_claim("k" + std::to_string(w * 100 + i), "test", t0);
                });
            }
        } catch (const std::exception&) {
            ++failures;
        }
    });
    CHECK(failures == 0);
    s->transact([&](ws::store_tx& tx) {
        CHECK(tx.list_incidents({true, 500}).size() == 100);
        CHECK(tx.next_incident_seq("20240115") == 101);
    });
    CHECK(s->migrate() == 0);
    CHECK(ws::open_store("sqlite::memory:")->schema_version() == 0);  // a separate database
}

TEST_CASE("sqlite URLs accept sqlite:PATH and sqlite://PATH", "[store]") {
    std::string dir = (std::filesystem::temp_directory_path() / "warroom-url-XXXXXX").string();
    REQUIRE(mkdtemp(dir.data()) != nullptr);
    {
        auto a = ws::open_store("sqlite:" + dir + "/a.db", 2);
        CHECK(a->dialect() == "sqlite");
        a->migrate();
        a->transact([](ws::store_tx& tx) { tx.inbox_claim("k", "s", t0); });
    }
    {
        auto b = ws::open_store("sqlite://" + dir + "/a.db", 2);
        CHECK(b->migrate() == 0);
        b->transact([](ws::store_tx& tx) { CHECK_FALSE(tx.inbox_claim("k", "s", t0)); });
    }
    std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Bad URLs

namespace {

std::string open_error(const std::string& url) {
    try {
        ws::open_store(url, 2);
    } catch (const ws::store_error& e) {
        return e.what();
    }
    FAIL("open_store(" << ws::redact_url(url) << ") did not throw");
    return "";
}

void check_one_line_without(const std::string& message, const std::string& secret) {
    CAPTURE(message);
    CHECK_FALSE(message.empty());
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find('\r') == std::string::npos);
    if (!secret.empty())
        CHECK(message.find(secret) == std::string::npos);
}

}  // namespace

TEST_CASE("an unknown database URL scheme is a one-line error", "[store][url]") {
    const auto msg = open_error("mysql://root:hunter2-secret@db:3306/warroom");
    check_one_line_without(msg, "hunter2-secret");
    CHECK(msg.find("mysql://root:***@db:3306/warroom") != std::string::npos);
    check_one_line_without(open_error("warroom.db"), "");
    check_one_line_without(open_error("sqlite:"), "");
}

TEST_CASE("an unreachable PostgreSQL is a one-line error without the password", "[store][url]") {
    const std::string secret = "s3cret-Unreachable-pw";
    const auto msg = open_error("postgres://warroom:" + secret + "@127.0.0.1:1/warroom_test");
    check_one_line_without(msg, secret);
    CHECK(msg.find("127.0.0.1") != std::string::npos);
    CHECK(msg.find("warroom:***@") != std::string::npos);
    const auto encoded = open_error(
        "postgresql://warroom:p%40ss%2Fword-xyz@127.0.0.1:1/db?password=p%40ss%2Fword-xyz");
    check_one_line_without(encoded, "p%40ss%2Fword-xyz");
    check_one_line_without(encoded, "p@ss/word-xyz");
}

TEST_CASE("a PostgreSQL connect error from inside the driver module reaches the caller typed",
          "[store][url]") {
    const std::string url = "postgres://warroom:s3cret-Closed-port@127.0.0.1:1/warroom_test";
    try {
        ws::connect_postgres(url);
        FAIL("connect_postgres to a closed port did not throw");
    } catch (const ws::sql_error& e) {
        const std::string msg = e.what();
        CAPTURE(msg);
        CHECK(e.error_kind() == ws::sql_error::kind::broken);
        CHECK(msg.starts_with(
            "cannot connect to PostgreSQL at postgres://warroom:***@127.0.0.1:1/warroom_test: "));
        CHECK(msg.find("Connection refused") != std::string::npos);
        check_one_line_without(msg, "s3cret-Closed-port");
    }
}

TEST_CASE("a wrong PostgreSQL password is a one-line error without the password", "[store][url]") {
    if (!pg_available())
        return;
    const std::string base = pg_base_url();
    const auto scheme = base.find("://") + 3;
    const auto colon = base.find(':', scheme);
    const auto at = base.find('@', scheme);
    REQUIRE(colon < at);
    const std::string wrong = "definitely-Wrong-pw-77";
    const auto msg = open_error(base.substr(0, colon + 1) + wrong + base.substr(at));
    check_one_line_without(msg, wrong);
    check_one_line_without(msg, base.substr(colon + 1, at - colon - 1));
    CHECK(msg.find("password authentication failed") != std::string::npos);
}

TEST_CASE("an SQLite path that cannot be written is a one-line error", "[store][url]") {
    const auto missing = open_error("sqlite:/nonexistent-warroom-dir/sub/warroom.db");
    check_one_line_without(missing, "");
    CHECK(missing.find("/nonexistent-warroom-dir/sub") != std::string::npos);
    CHECK(missing.find("does not exist") != std::string::npos);

    // A regular file where the directory should be.
    std::string dir = (std::filesystem::temp_directory_path() / "warroom-bad-XXXXXX").string();
    REQUIRE(mkdtemp(dir.data()) != nullptr);
    { std::ofstream(dir + "/file") << "x"; }
    check_one_line_without(open_error("sqlite:" + dir + "/file/warroom.db"), "");
    // Not a database at all.
    { std::ofstream(dir + "/garbage.db") << std::string(4096, 'x'); }
    check_one_line_without(open_error("sqlite:" + dir + "/garbage.db"), "");
    std::filesystem::remove_all(dir);
}

TEST_CASE("redact_url hides passwords and leaves everything else", "[store][url]") {
    CHECK(ws::redact_url("postgres://warroom:secret@db.internal:5432/warroom") ==
          "postgres://warroom:***@db.internal:5432/warroom");
    CHECK(ws::redact_url("postgresql://u:p%40ss@h/db?sslmode=require") ==
          "postgresql://u:***@h/db?sslmode=require");
    CHECK(ws::redact_url("postgres://u:a@b@h/db") == "postgres://u:***@h/db");
    CHECK(ws::redact_url("postgres://h/db?user=u&password=secret&sslmode=require") ==
          "postgres://h/db?user=u&password=***&sslmode=require");
    CHECK(ws::redact_url("postgres://u@h/db") == "postgres://u@h/db");
    CHECK(ws::redact_url("postgres://h:5432/db") == "postgres://h:5432/db");
    CHECK(ws::redact_url("sqlite:./warroom.db") == "sqlite:./warroom.db");
}

TEST_CASE("database times keep nanoseconds and sort as text", "[store]") {
    const auto a = t0 + 123456789ns;
    CHECK(ws::format_db_time(a) == "2024-01-15T14:30:00.123456789Z");
    CHECK(ws::parse_db_time(ws::format_db_time(a)) == a);
    CHECK(ws::format_db_time(wd::time_point{}) == "1970-01-01T00:00:00.000000000Z");
    const auto b = at(2024, 1, 15, 9, 5, 59, 1ns);
    CHECK(ws::format_db_time(b) < ws::format_db_time(a));
    CHECK(ws::format_db_time(t0 - 1ns) < ws::format_db_time(t0));
}

// ---------------------------------------------------------------------------------------------
// Retries and the connection pool, with failures injected under a real SQLite connection

namespace {

struct fault_plan {
    std::atomic<int> exec_failures{0};
    ws::sql_error::kind kind = ws::sql_error::kind::transient;
    std::atomic<int> connections{0};
};

class faulty_connection final : public ws::sql_connection {
  public:
    faulty_connection(std::unique_ptr<ws::sql_connection> inner, fault_plan& plan)
        : inner_(std::move(inner)), plan_(plan) {}
    ws::sql_dialect dialect() const override { return inner_->dialect(); }
    void begin() override { inner_->begin(); }
    void commit() override { inner_->commit(); }
    void rollback() noexcept override { inner_->rollback(); }
    bool in_transaction() const override { return inner_->in_transaction(); }
    bool broken() const override { return broken_ || inner_->broken(); }
    ws::sql_result exec(const std::string& sql, const ws::sql_params& params) override {
        if (plan_.exec_failures > 0 && inner_->in_transaction()) {
            --plan_.exec_failures;
            if (plan_.kind == ws::sql_error::kind::broken)
                broken_ = true;
            throw ws::sql_error(plan_.kind, "injected failure");
        }
        return inner_->exec(sql, params);
    }
    void exec_script(const std::string& sql) override { inner_->exec_script(sql); }

  private:
    std::unique_ptr<ws::sql_connection> inner_;
    fault_plan& plan_;
    bool broken_ = false;
};

struct faulty_store {
    std::string dir;
    fault_plan plan;
    std::unique_ptr<ws::store> db;

    explicit faulty_store(int pool_size) {
        dir = (std::filesystem::temp_directory_path() / "warroom-faulty-XXXXXX").string();
        REQUIRE(mkdtemp(dir.data()) != nullptr);
        const std::string path = dir + "/warroom.db";
        ws::connection_factory factory = [this, path]() -> std::unique_ptr<ws::sql_connection> {
            ++plan.connections;
            return std::make_unique<faulty_connection>(ws::connect_sqlite(path, false), plan);
        };
        auto first = factory();
        db = ws::make_sql_store(factory, std::move(first), pool_size);
        db->migrate();
    }
    ~faulty_store() {
        db.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

}  // namespace

TEST_CASE("a transient database failure reruns the whole transaction", "[store][retry]") {
    faulty_store s(1);
    s.plan.exec_failures = 2;
    int runs = 0;
    bool claimed = false;
    s.db->transact([&](ws::store_tx& tx) {
        ++runs;
        claimed = tx.inbox_claim("evt", "slack", t0);
    });
    CHECK(runs == 3);
    CHECK(claimed);
    CHECK(s.plan.connections == 1);  // the same pooled connection served every attempt
}

TEST_CASE("a transaction that keeps failing gives up and frees its connection", "[store][retry]") {
    faulty_store s(1);
    s.plan.exec_failures = 1000;
    int runs = 0;
    CHECK_THROWS_AS(s.db->transact([&](ws::store_tx& tx) {
        ++runs;
        tx.inbox_claim("evt", "slack", t0);
    }),
                    ws::store_error);
    CHECK(runs > 1);
    CHECK(runs <= 10);
    s.plan.exec_failures = 0;
    // With a pool of one, a leaked connection would make this wait and time out.
    s.db->transact([&](ws::store_tx& tx) { CHECK(tx.inbox_claim("evt", "slack", t0)); });
    CHECK(s.plan.connections == 1);
}

TEST_CASE("a broken connection is dropped and the transaction reruns on a new one",
          "[store][retry]") {
    faulty_store s(1);
    s.plan.kind = ws::sql_error::kind::broken;
    s.plan.exec_failures = 1;
    int runs = 0;
    s.db->transact([&](ws::store_tx& tx) {
        ++runs;
        tx.inbox_claim("evt", "slack", t0);
    });
    CHECK(runs == 2);
    CHECK(s.plan.connections == 2);
    s.db->transact([&](ws::store_tx& tx) { CHECK_FALSE(tx.inbox_claim("evt", "slack", t0)); });
    CHECK(s.plan.connections == 2);
}

TEST_CASE("an exception from the caller's code is not retried", "[store][retry]") {
    faulty_store s(1);
    int runs = 0;
    CHECK_THROWS_WITH(s.db->transact([&](ws::store_tx& tx) {
        ++runs;
        tx.inbox_claim("evt", "slack", t0);
        throw std::invalid_argument("bad input");
    }),
                      "bad input");
    CHECK(runs == 1);
    s.db->transact([&](ws::store_tx& tx) { CHECK(tx.inbox_claim("evt", "slack", t0)); });
}
