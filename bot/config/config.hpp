#pragma once

#include <array>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "bot/domain/severity.hpp"

namespace warroom::config {

/// A configuration problem: names the file (or "environment"), the key path and what was expected.
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// How one severity level is run. Defaults come from the seed runbooks (004's SEV table,
/// 003/004's update cadences).
struct severity_policy {
    domain::severity level = domain::severity::sev2;
    std::string description;       // "Degraded performance, moderate impact"
    std::string response_time;     // "<15 minutes"
    std::chrono::seconds update_cadence{0};  // 0: no automatic update reminders
    bool pages = false;            // page responders on declaration
    bool war_room = true;          // open a channel (SEV4: a ticket, no war room)
    bool status_page = false;      // customer communication required
    std::string commander_group;   // who commands by default, e.g. "oncall"
};

struct config {
    // Slack (secrets: never logged, masked by describe())
    std::string slack_bot_token;
    std::string slack_signing_secret;
    std::string slack_app_token;
    std::string slack_api_url = "https://slack.com/api/";
    int slack_outbox_threads = 4;  // concurrent Slack calls delivering the outbox

    std::string database_url = "sqlite:./warroom.db";
    int database_pool_size = 4;
    std::string listen = "0.0.0.0:3000";
    std::string log_level = "info";    // trace|debug|info|warn|error|critical|off
    std::string log_format = "text";   // text|json

    std::string announce_channel = "incidents";  // without '#'
    std::string templates_dir;                   // empty: the built-in templates
    std::string channel_prefix = "incident";
    std::string channel_name_template = "{prefix}-{date}-{seq}";  // {slug} and {sev} also allowed
    std::string default_commander;  // empty: whoever declares commands

    std::array<severity_policy, domain::severity_count> severities;

    const severity_policy& policy(domain::severity s) const {
        return severities[static_cast<std::size_t>(s)];
    }
    bool slack_configured() const {
        return !slack_bot_token.empty() && (!slack_app_token.empty() || !slack_signing_secret.empty());
    }
};

/// The configuration a user gets with no file and no environment.
config default_config();

/// Where values come from: the YAML file named by WARROOM_CONFIG (if any), then the environment.
/// `env` maps variable names to values (tests pass their own; main passes the process environment).
/// Throws config_error on: unknown key, wrong type, bad duration, bad enum value, unreadable file.
config load(const std::map<std::string, std::string>& env);

/// Loads only the YAML text (no environment); `origin` names the file in errors.
config load_yaml(const std::string& yaml_text, const std::string& origin);

/// Semantic checks after loading (channel template yields valid names, pool size > 0, URL scheme
/// known, listen address parses, ...). Returns every problem, one line each; empty when valid.
std::vector<std::string> validate(const config& cfg);

/// The effective configuration as YAML, secrets replaced by "***" (set) or "" (unset).
std::string describe(const config& cfg);

/// The process environment as a map (for main).
std::map<std::string, std::string> process_environment();

}  // namespace warroom::config
