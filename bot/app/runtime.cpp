#include "bot/app/runtime.hpp"

#include <spdlog/spdlog.h>

namespace warroom::app {

config::config load_config_or_throw() {
    config::config cfg;
    try {
        cfg = config::load(config::process_environment());
    } catch (const config::config_error& e) {
        throw startup_error(std::string("configuration: ") + e.what());
    }
    const auto problems = config::validate(cfg);
    if (!problems.empty()) {
        std::string text = "configuration: " + problems.front();
        for (std::size_t i = 1; i < problems.size(); ++i)
            text += "\nconfiguration: " + problems[i];
        throw startup_error(text);
    }
    return cfg;
}

std::unique_ptr<runtime> start_runtime(config::config cfg, std::unique_ptr<domain::clock> clock) {
    auto rt = std::make_unique<runtime>();
    rt->cfg = std::move(cfg);
    rt->clock = std::move(clock);
    try {
        rt->templates = std::make_unique<render::renderer>(render::builtin_templates_dir(),
                                                           rt->cfg.templates_dir);
    } catch (const render::template_error& e) {
        throw startup_error(std::string("templates: ") + e.what());
    }
    try {
        rt->db = store::open_store(rt->cfg.database_url, rt->cfg.database_pool_size);
        const int applied = rt->db->migrate();
        if (applied > 0) {
            spdlog::info("database {}: applied {} migration(s), schema version {}",
                         store::redact_url(rt->cfg.database_url), applied,
                         rt->db->schema_version());
        }
    } catch (const store::store_error& e) {
        throw startup_error(std::string("database: ") + e.what());
    }
    rt->service =
        std::make_unique<service::incident_service>(*rt->db, rt->cfg, *rt->templates, *rt->clock);
    rt->db_workers = std::make_unique<store::db_pool>(rt->cfg.database_pool_size);
    rt->registry = commands::make_default_registry();
    return rt;
}

}  // namespace warroom::app
