#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "bot/config/config.hpp"
#include "bot/domain/clock.hpp"
#include "bot/render/renderer.hpp"
#include "bot/service/incident_service.hpp"
#include "bot/store/db_pool.hpp"
#include "bot/store/store.hpp"
#include "commands/registry.hpp"

namespace warroom::app {

/// A startup problem for the operator: one line, already says what to fix, exit code 2.
class startup_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Everything a running bot is made of, composed in one place. Adapters (shell, Slack) borrow it.
struct runtime {
    config::config cfg;
    std::unique_ptr<domain::clock> clock;
    std::unique_ptr<store::store> db;
    std::unique_ptr<render::renderer> templates;
    std::unique_ptr<service::incident_service> service;
    std::unique_ptr<store::db_pool> db_workers;  // blocking database work runs here
    commands::registry registry;
};

/// Loads templates, opens and migrates the database, and wires the service. Throws startup_error.
std::unique_ptr<runtime> start_runtime(config::config cfg, std::unique_ptr<domain::clock> clock);

/// Loads and validates the configuration from the process environment. Throws startup_error
/// listing every problem.
config::config load_config_or_throw();

}  // namespace warroom::app
