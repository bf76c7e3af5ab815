#include "bot/app/cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "bot/app/logging.hpp"
#include "bot/app/runtime.hpp"
#include "bot/app/shell.hpp"
#include "bot/app/slack_app.hpp"
#include "bot/slack/slack_chat.hpp"
#include "bot/slack/web_api.hpp"

namespace warroom::app {

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

struct subcommand {
    std::string name;
    std::string summary;
    std::string help;
    std::function<int(const std::vector<std::string>&)> run;
};

int start_shell(runtime& rt) {
    const bool interactive = isatty(STDIN_FILENO) != 0;
    shell sh(rt, std::cin, std::cout, login_name(), interactive);
    return sh.run();
}

/// Loads config, sets up logging and composes the runtime; prints the reason and returns
/// nullptr on failure.
std::unique_ptr<runtime> compose(const char* default_level) {
    try {
        config::config cfg = load_config_or_throw();
        if (cfg.slack_configured()) {
            // Before any thread starts, so every thread inherits the mask and only run_slack's
            // sigwait sees SIGINT/SIGTERM (a clean shutdown instead of dying mid-write).
            block_stop_signals();
        }
        // The shell prints to stdout; keep informational logs out of the conversation unless
        // the operator asked for them.
        const bool level_set = std::getenv("WARROOM_LOG_LEVEL") != nullptr;
        setup_logging(level_set ? cfg.log_level : default_level, cfg.log_format);
        return start_runtime(std::move(cfg), std::make_unique<domain::system_clock>());
    } catch (const startup_error& e) {
        std::cerr << "warroom: " << e.what() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "warroom: startup failed: " << e.what() << "\n";
    }
    return nullptr;
}

int cmd_run(const std::vector<std::string>&) {
    auto rt = compose("warn");
    if (!rt)
        return exit_usage;
    if (rt->cfg.slack_configured()) {
        try {
            return run_slack(*rt);
        } catch (const startup_error& e) {
            std::cerr << "warroom: " << e.what() << "\n";
            return exit_usage;
        }
    } else {
        std::cerr << "warroom: no Slack credentials, starting the local shell. To connect Slack, "
                     "set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (see README).\n";
    }
    return start_shell(*rt);
}

int cmd_shell(const std::vector<std::string>&) {
    auto rt = compose("warn");
    if (!rt)
        return exit_usage;
    return start_shell(*rt);
}

/// Talks to Slack the way the bot will: auth.test with the bot token (and the scopes it was
/// granted), apps.connections.open with the app token. Prints findings; false on any problem.
bool check_slack(const config::config& cfg) {
    domain::system_clock clock;
    slack::web_api_options options;
    options.base_url = cfg.slack_api_url;
    options.bot_token = cfg.slack_bot_token;
    options.max_retries = 1;
    options.timeout = std::chrono::milliseconds{5000};
    slack::web_api api(options, clock);
    slack::slack_chat chat(api);
    bool ok = true;
    try {
        const auto auth = chat.auth_test();
        std::cout << "# slack: bot token OK (team " << auth.team << ", bot user " << auth.user_id
                  << ")\n";
        std::vector<std::string> missing;
        for (const auto& scope : slack::required_bot_scopes()) {
            if (std::find(auth.scopes.begin(), auth.scopes.end(), scope) == auth.scopes.end()) {
                missing.push_back(scope);
            }
        }
        if (!auth.scopes.empty() && !missing.empty()) {
            std::string list;
            for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
            std::cerr << "error: slack: the bot token lacks scopes: " << list
                      << " (add them from deploy/slack-app-manifest.yaml and reinstall the app)\n";
            ok = false;
        }
    } catch (const std::exception& e) {
        std::cerr << "error: slack: auth.test at " << cfg.slack_api_url << " failed: " << e.what()
                  << "\n";
        return false;
    }
    if (!cfg.slack_app_token.empty()) {
        try {
            api.call_with_token(cfg.slack_app_token, "apps.connections.open",
                                nlohmann::json::object());
            std::cout << "# slack: app token OK (Socket Mode)\n";
        } catch (const std::exception& e) {
            std::cerr << "error: slack: Socket Mode (apps.connections.open with SLACK_APP_TOKEN) "
                         "failed: "
                      << e.what() << "\n";
            ok = false;
        }
    }
    return ok;
}

int cmd_check_config(const std::vector<std::string>&) {
    config::config cfg;
    try {
        cfg = config::load(config::process_environment());
    } catch (const config::config_error& e) {
        std::cerr << "warroom: configuration: " << e.what() << "\n";
        return exit_failure;
    }
    std::cout << config::describe(cfg);
    int status = exit_ok;
    for (const auto& problem : config::validate(cfg)) {
        std::cerr << "error: " << problem << "\n";
        status = exit_failure;
    }
    try {
        render::renderer templates(render::builtin_templates_dir(), cfg.templates_dir);
    } catch (const render::template_error& e) {
        std::cerr << "error: templates: " << e.what() << "\n";
        status = exit_failure;
    }
    try {
        auto db = store::open_store(cfg.database_url, 1);
        const int current = db->schema_version();
        std::cout << "# database: " << store::redact_url(cfg.database_url) << " reachable, schema "
                  << current << "/" << db->latest_schema_version() << "\n";
    } catch (const store::store_error& e) {
        std::cerr << "error: database: " << e.what() << "\n";
        status = exit_failure;
    }
    if (!cfg.slack_configured()) {
        std::cout << "# slack: not configured (the bot runs the local shell); set SLACK_BOT_TOKEN "
                     "and SLACK_APP_TOKEN or SLACK_SIGNING_SECRET\n";
    } else if (!check_slack(cfg)) {
        status = exit_failure;
    }
    std::cout << (status == exit_ok ? "# configuration OK\n" : "# configuration has errors\n");
    return status;
}

int cmd_migrate(const std::vector<std::string>&) {
    try {
        config::config cfg = load_config_or_throw();
        auto db = store::open_store(cfg.database_url, 1);
        const int applied = db->migrate();
        std::cout << "applied " << applied << " migration(s); schema version "
                  << db->schema_version() << "\n";
        return exit_ok;
    } catch (const startup_error& e) {
        std::cerr << "warroom: " << e.what() << "\n";
    } catch (const store::store_error& e) {
        std::cerr << "warroom: database: " << e.what() << "\n";
    }
    return exit_failure;
}

int cmd_version(const std::vector<std::string>&) {
    std::cout << "warroom " << WARROOM_VERSION << "\n";
    return exit_ok;
}

const std::vector<subcommand>& subcommands() {
    static const std::vector<subcommand> table{
        {"run", "start the bot (Slack when configured, else the local shell)",
         "usage: warroom run\n\nStarts the bot. Without Slack credentials it runs the local shell "
         "on the configured database\n(default sqlite:./warroom.db). Configuration comes from "
         "WARROOM_CONFIG (YAML) and the environment.",
         cmd_run},
        {"shell", "the local chat REPL that plays Slack",
         "usage: warroom shell\n\nReads lines from stdin (interactive or piped; exits at EOF):\n"
         "  /incident ...      an incident command in the current channel (start: #general)\n"
         "  @warroom ...       the same, as a mention\n"
         "  #channel: text     a message in another channel\n"
         "  /join #channel     switch channel;  /as @user  act as another user\n"
         "After a declaration the current channel becomes the new war room.",
         cmd_shell},
        {"check-config", "print the effective configuration (secrets masked) and check it",
         "usage: warroom check-config\n\nPrints the effective configuration with secrets masked, "
         "checks templates and the database,\nand exits non-zero on any problem.",
         cmd_check_config},
        {"migrate", "apply database migrations and exit",
         "usage: warroom migrate\n\nApplies pending migrations to DATABASE_URL (the bot also does "
         "this at start).",
         cmd_migrate},
        {"version", "print the version", "usage: warroom version", cmd_version},
    };
    return table;
}

void print_usage(std::ostream& out) {
    out << "warroom: a self-hosted Slack incident bot\n\nusage: warroom [COMMAND] [--help]\n\n"
           "commands:\n";
    for (const auto& sc : subcommands()) {
        out << "  " << sc.name << std::string(14 - sc.name.size(), ' ') << sc.summary << "\n";
    }
    out << "\nWith no command, `run`. Environment: SLACK_BOT_TOKEN, SLACK_APP_TOKEN, "
           "SLACK_SIGNING_SECRET,\nSLACK_API_URL, DATABASE_URL, WARROOM_CONFIG, WARROOM_LISTEN, "
           "WARROOM_LOG_LEVEL, WARROOM_LOG_FORMAT.\n";
}

}  // namespace

int run_cli(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
        print_usage(std::cout);
        return exit_ok;
    }
    if (!args.empty() && args[0] == "--version")
        return cmd_version({});
    const std::string name = args.empty() ? "run" : args[0];
    for (const auto& sc : subcommands()) {
        if (sc.name != name)
            continue;
        const std::vector<std::string> rest(args.empty() ? args.begin() : args.begin() + 1,
                                            args.end());
        for (const auto& a : rest) {
            if (a == "--help" || a == "-h") {
                std::cout << sc.help << "\n";
                return exit_ok;
            }
        }
        if (!rest.empty()) {
            std::cerr << "warroom " << name << ": unexpected argument '" << rest.front() << "'\n"
                      << sc.help << "\n";
            return exit_usage;
        }
        return sc.run(rest);
    }
    std::cerr << "warroom: unknown command '" << name << "'\n\n";
    print_usage(std::cerr);
    return exit_usage;
}

}  // namespace warroom::app
