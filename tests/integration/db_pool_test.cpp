#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bot/store/db_pool.hpp"

namespace ws = warroom::store;
using namespace std::chrono_literals;

TEST_CASE("db_pool runs work on its threads and returns results through futures", "[db_pool]") {
    ws::db_pool pool(3);
    CHECK(pool.thread_count() == 3);
    const auto caller = std::this_thread::get_id();
    auto where = pool.submit([] { return std::this_thread::get_id(); });
    CHECK(where.get() != caller);

    std::vector<std::future<int>> results;
    for (int i = 0; i < 100; ++i)
        results.push_back(pool.submit([i] { return i * i; }));
    for (int i = 0; i < 100; ++i)
        CHECK(results[static_cast<std::size_t>(i)].get() == i * i);

    auto nothing = pool.submit([] {});
    nothing.get();
    std::string text = "moved";
    auto moved = pool.submit([s = std::move(text)]() mutable { return s + "!"; });
    CHECK(moved.get() == "moved!");
}

TEST_CASE("an exception thrown by pool work arrives through its future", "[db_pool]") {
    ws::db_pool pool(1);
    auto f = pool.submit([]() -> int { throw std::runtime_error("database gone"); });
    CHECK_THROWS_WITH(f.get(), "database gone");
    CHECK(pool.submit([] { return 7; }).get() == 7);  // the worker survived
}

TEST_CASE("a full db_pool queue refuses new work instead of blocking", "[db_pool]") {
    ws::db_pool pool(1, 2);
    std::promise<void> release;
    auto gate = release.get_future().share();
    std::atomic<bool> started{false};
    auto busy = pool.submit([&, gate] {
        started = true;
        gate.wait();
    });
    while (!started)
        std::this_thread::sleep_for(1ms);
    auto q1 = pool.submit([] { return 1; });
    auto q2 = pool.submit([] { return 2; });
    CHECK(pool.queued() == 2);
    CHECK_THROWS_AS(pool.submit([] { return 3; }), ws::db_pool_full);
    release.set_value();
    busy.get();
    CHECK(q1.get() == 1);
    CHECK(q2.get() == 2);
    CHECK(pool.submit([] { return 4; }).get() == 4);
}

TEST_CASE("stopping a db_pool finishes queued work and then refuses more", "[db_pool]") {
    ws::db_pool pool(2, 64);
    std::atomic<int> ran{0};
    std::vector<std::future<void>> futures;
    for (int i = 0; i < 40; ++i) {
        futures.push_back(pool.submit([&] {
            std::this_thread::sleep_for(1ms);
            ++ran;
        }));
    }
    pool.stop();
    CHECK(ran == 40);
    for (auto& f : futures)
        CHECK(f.wait_for(0s) == std::future_status::ready);
    CHECK_THROWS_AS(pool.submit([] {}), ws::db_pool_stopped);
    pool.stop();  // idempotent
}

TEST_CASE("stopping a db_pool from its own task is refused", "[db_pool]") {
    ws::db_pool pool(1);
    auto f = pool.submit([&] { pool.stop(); });
    CHECK_THROWS_AS(f.get(), std::logic_error);
}

TEST_CASE("concurrent submitters and stop never lose accepted work", "[db_pool]") {
    auto pool = std::make_unique<ws::db_pool>(2, 10000);
    std::atomic<int> accepted{0}, ran{0};
    std::vector<std::thread> submitters;
    for (int t = 0; t < 4; ++t) {
        submitters.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                try {
                    pool->submit([&] { ++ran; });
                    ++accepted;
                } catch (const ws::db_pool_stopped&) {
                    return;
                }
            }
        });
    }
    std::this_thread::sleep_for(2ms);
    pool->stop();
    for (auto& s : submitters)
        s.join();
    CHECK(ran == accepted);
}
