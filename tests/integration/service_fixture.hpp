#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "bot/config/config.hpp"
#include "bot/domain/clock.hpp"
#include "bot/render/renderer.hpp"
#include "bot/service/incident_service.hpp"
#include "bot/service/outbox_dispatcher.hpp"
#include "bot/store/store.hpp"
#include "commands/registry.hpp"
#include "support/recording_chat.hpp"

namespace warroom::testing {

/// A temp directory removed at the end of the test.
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("warroom-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        std::filesystem::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

/// The service on a fresh SQLite file with a manual clock, a recording chat platform and the
/// real registry: the same composition as the binary, minus the adapters.
struct service_fixture {
    temp_dir dir;
    config::config cfg = config::default_config();
    domain::manual_clock clock{domain::parse_iso8601("2024-01-15T14:23:00Z")};
    std::unique_ptr<store::store> db;
    std::unique_ptr<render::renderer> templates;
    std::unique_ptr<service::incident_service> svc;
    recording_chat chat;
    std::unique_ptr<service::outbox_dispatcher> dispatcher;
    commands::registry registry = commands::make_default_registry();

    service_fixture() { open(); }

    /// Delivers through `other` from now on, e.g. with several delivery threads.
    void use_dispatcher(chat::chat_platform& other, service::outbox_options options) {
        dispatcher = std::make_unique<service::outbox_dispatcher>(*db, other, clock, options);
    }

    std::string url() const { return "sqlite:" + (dir.path / "warroom.db").string(); }

    void open() {
        db = store::open_store(url(), 2);
        db->migrate();
        templates = std::make_unique<render::renderer>(render::builtin_templates_dir(), "");
        svc = std::make_unique<service::incident_service>(*db, cfg, *templates, clock);
        dispatcher = std::make_unique<service::outbox_dispatcher>(*db, chat, clock);
    }

    /// Simulates a restart: everything in memory is dropped, the database file stays.
    void restart() {
        dispatcher.reset();
        svc.reset();
        db.reset();
        open();
    }

    service::command_result run(const std::string& text, const std::string& channel,
                                const std::string& actor = "alice", const std::string& key = {}) {
        service::command_context ctx;
        ctx.actor = actor;
        ctx.channel = channel;
        ctx.source = domain::event_source::slash_command;
        ctx.idempotency_key = key;
        auto result = registry.dispatch(text, ctx, *svc);
        deliver();
        return result;
    }

    int deliver() {
        int total = 0;
        for (int n; (n = dispatcher->run_once()) > 0;)
            total += n;
        return total;
    }

    std::int64_t pending() {
        std::int64_t n = 0;
        db->transact([&](store::store_tx& tx) { n = tx.pending_outbox_count(); });
        return n;
    }

    std::size_t timeline_size(const std::string& id) { return svc->events(id).size(); }
};

}  // namespace warroom::testing
