// Applies N commands through the registry and the incident service (parse, one transaction with
// the domain change, timeline event and outbox rows) on each store, and prints commands/s and
// latency percentiles. Then delivers the outbox to a null chat platform and prints messages/s.
//
//   bench_service [N]            SQLite in a temp dir, and PostgreSQL when WARROOM_TEST_PG_URL is
//   set
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "bot/chat/chat_platform.hpp"
#include "bot/config/config.hpp"
#include "bot/render/renderer.hpp"
#include "bot/service/incident_service.hpp"
#include "bot/service/outbox_dispatcher.hpp"
#include "bot/store/store.hpp"
#include "commands/registry.hpp"

namespace {

using steady = std::chrono::steady_clock;
namespace svc = warroom::service;

/// Accepts everything instantly, so the numbers measure the bot, not a peer.
class null_chat final : public warroom::chat::chat_platform {
  public:
    warroom::chat::channel_info create_channel(const std::string& name, bool) override {
        return {name, name};
    }
    void set_topic(const std::string&, const std::string&) override {}
    void invite(const std::string&, const std::vector<std::string>&) override {}
    std::string post_message(const std::string&, const warroom::chat::message&) override {
        return std::to_string(++ts_) + ".000100";
    }
    void update_message(const std::string&, const std::string&,
                        const warroom::chat::message&) override {}
    void pin(const std::string&, const std::string&) override {}
    void post_ephemeral(const std::string&, const std::string&, const std::string&) override {}
    std::optional<warroom::chat::user_info> lookup_user(const std::string& u) override {
        return warroom::chat::user_info{u, u, u};
    }

  private:
    long long ts_ = 1700000000;
};

double percentile(std::vector<double> v, double p) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    return v[idx];
}

void bench_store(const std::string& label, const std::string& url, int n, int threads) {
    auto db = warroom::store::open_store(url, threads);
    db->migrate();
    const auto cfg = warroom::config::default_config();
    warroom::render::renderer templates(warroom::render::builtin_templates_dir(), "");
    warroom::domain::system_clock clock;
    svc::incident_service service(*db, cfg, templates, clock);
    const auto registry = warroom::commands::make_default_registry();

    // Workers use disjoint war rooms, so they do not queue on the same incident row; each room
    // gets ~100 commands, about what a long real incident sees (the aggregate, with its action
    // items, is rewritten on every command).
    std::vector<std::string> rooms;
    const int room_count = std::max(threads, n / 100);
    for (int t = 0; t < room_count; ++t) {
        svc::command_context ctx;
        ctx.actor = "bench";
        ctx.channel = "general";
        const auto r = registry.dispatch("create SEV2 \"bench incident\"", ctx, service);
        if (!r.ok) {
            std::fprintf(stderr, "declare failed: %s\n", r.text.c_str());
            std::exit(1);
        }
        rooms.push_back(r.channel_name);
    }
    static const char* commands[] = {
        "update \"error rate back under 2%, watching\"",
        "note \"restarted api-7, pool usage dropped\"",
        "hypothesis \"connection pool exhausted by bulk jobs\" --confidence high",
        "mitigation \"raise pool size to 50\" --owner @alice",
        "action add \"alert on pool saturation\" --owner @bob --due 2030-01-31 --priority P1",
    };
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
    int failures = 0;
    const auto start = steady::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            auto& lat = latencies[static_cast<std::size_t>(t)];
            lat.reserve(static_cast<std::size_t>(n / threads + 1));
            svc::command_context ctx;
            ctx.actor = "bench";
            ctx.channel = rooms[static_cast<std::size_t>(t)];
            for (int i = t; i < n; i += threads) {
                ctx.channel = rooms[static_cast<std::size_t>(
                    (i / threads) % (room_count / threads) * threads + t)];
                const auto t0 = steady::now();
                const auto r = registry.dispatch(commands[i % 5], ctx, service);
                lat.push_back(
                    std::chrono::duration<double, std::micro>(steady::now() - t0).count());
                if (!r.ok)
                    __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
            }
        });
    }
    for (auto& w : workers)
        w.join();
    const double secs = std::chrono::duration<double>(steady::now() - start).count();
    std::vector<double> all;
    for (const auto& l : latencies)
        all.insert(all.end(), l.begin(), l.end());
    std::printf(
        "%-10s %2d thread(s): %6d commands in %6.2f s = %8.0f commands/s  p50 %7.0f us  "
        "p99 %7.0f us  max %7.0f us  failures %d\n",
        label.c_str(), threads, n, secs, n / secs, percentile(all, 0.50), percentile(all, 0.99),
        percentile(all, 1.0), failures);

    null_chat chat;
    svc::outbox_dispatcher dispatcher(*db, chat, clock);
    const auto d0 = steady::now();
    long delivered = 0;
    for (int got; (got = dispatcher.run_once(500)) > 0;)
        delivered += got;
    const double dsecs = std::chrono::duration<double>(steady::now() - d0).count();
    std::printf("%-10s outbox: %6ld messages delivered in %6.2f s = %8.0f messages/s\n",
                label.c_str(), delivered, dsecs, delivered / std::max(dsecs, 1e-9));
}

}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
    const auto dir =
        std::filesystem::temp_directory_path() / ("warroom-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    try {
        bench_store("sqlite", "sqlite:" + (dir / "a.db").string(), n, 1);
        bench_store("sqlite", "sqlite:" + (dir / "b.db").string(), n, 4);
        if (const char* pg = std::getenv("WARROOM_TEST_PG_URL"); pg != nullptr && *pg != '\0') {
            bench_store("postgres", pg, n, 1);
            bench_store("postgres", pg, n, 4);
        } else {
            std::printf(
                "postgres   skipped: set WARROOM_TEST_PG_URL (tests/pg/pg_test_cluster.sh "
                "start)\n");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench failed: %s\n", e.what());
        std::filesystem::remove_all(dir);
        return 1;
    }
    std::filesystem::remove_all(dir);
    return 0;
}
