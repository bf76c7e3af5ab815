#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "bot/domain/severity.hpp"
#include "bot/service/incident_service.hpp"
#include "commands/service_port.hpp"
#include "commands/tokenizer.hpp"

namespace warroom::commands {

class registry;

// ---- The typed result of parsing: one struct per subcommand, fully validated. ----

struct create_command {
    service::declare_request request;
};
struct status_command {
    domain::status to = domain::status::investigating;
};
struct update_command {
    std::string text;
};
struct sev_command {
    domain::severity to = domain::severity::sev2;
};
/// Also what `role commander @u` parses to.
struct commander_command {
    std::string user;
};
struct role_command {
    std::string role;
    std::string user;
};
struct note_command {
    std::string text;
};
struct hypothesis_command {
    std::string text;
    domain::confidence confidence = domain::confidence::medium;
};
struct mitigation_command {
    std::string action;
    std::string owner;  // empty when not given
};
struct action_add_command {
    service::action_request request;
};
struct action_done_command {
    int number = 0;
};
struct action_list_command {};
struct resolve_command {
    std::string summary;
};
struct close_command {};
struct timeline_command {};
struct list_command {};
struct stats_command {};
struct help_command {
    std::string topic;  // canonical command name; empty for the full list
};
struct diag_command {
    std::string name;
    std::vector<std::pair<std::string, std::string>> params;  // in the order typed
};
struct runbook_command {
    std::string name;
};
struct page_command {
    enum class target_kind { on_call, user, user_group, team };
    target_kind kind = target_kind::on_call;
    std::string target;   // user id/handle, group id, or team name; empty for on_call
    std::string display;  // how to name the target back to the user
};
struct cadence_command {
    std::chrono::seconds every{0};
};
struct snooze_command {
    std::chrono::seconds duration{0};
};
struct postmortem_command {};

using request =
    std::variant<create_command, status_command, update_command, sev_command, commander_command,
                 role_command, note_command, hypothesis_command, mitigation_command,
                 action_add_command, action_done_command, action_list_command, resolve_command,
                 close_command, timeline_command, list_command, stats_command, help_command,
                 diag_command, runbook_command, page_command, cadence_command, snooze_command,
                 postmortem_command>;

/// A command line that passed the grammar: what to run, on which incident, with what.
struct parsed_command {
    std::string command;      // canonical subcommand name
    std::string incident_id;  // INC-… given on the line; empty: the channel's incident
    commands::request request;
};

struct parse_error {
    std::string message;  // one line, says what was expected
};

using parse_result = std::variant<parsed_command, parse_error>;

// ---- The generic stage the registry hands to each handler's parse step. ----

struct flag_spec {
    std::string name;  // without "--"
    bool takes_value = false;
    bool required = false;
};

struct command_spec;

/// The subcommand's arguments after the registry checked the flags against the spec.
struct invocation {
    const command_spec* spec = nullptr;
    const registry* commands = nullptr;  // the registry parsing this line (help checks topics)
    std::string typed_name;              // as typed, e.g. an alias
    std::vector<token> positionals;      // values and key=value params, in order
    std::map<std::string, value> flags;  // flag name -> its value (the flag itself if valueless)

    bool has(std::string_view flag) const { return flags.contains(std::string(flag)); }
    const value* flag(std::string_view name) const;
};

/// A grammar violation found by a parse step. Its message is one line that says what was expected.
class usage_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// What an execute step may use.
struct execution {
    const service::command_context& ctx;
    service_port& service;
    const commands::registry& commands;
};

struct command_spec {
    using parse_fn = std::function<request(const invocation&)>;
    using execute_fn = std::function<service::command_result(const request&, const execution&)>;

    // Default member initializers let handlers name only the fields they set.
    std::string name{};
    std::vector<std::string> aliases{};
    std::string usage{};  // after "/incident ", e.g. "sev SEV0-4|P0-4"
    std::string summary{};
    std::vector<flag_spec> flags{};
    /// Acts on one incident: accepts an incident ID right after the name, or --incident ID.
    bool incident_scoped = true;
    /// Pure: validates everything and throws usage_error; never touches the service.
    parse_fn parse{};
    /// Calls the service with the request `parse` produced.
    execute_fn execute{};
};

/// Adapts a handler written against its own request type to the generic execute signature.
template <class Command>
command_spec::execute_fn typed_execute(service::command_result (*fn)(const Command&,
                                                                     const execution&)) {
    return [fn](const request& r, const execution& e) { return fn(std::get<Command>(r), e); };
}

/// A reply to the caller only (nothing changed).
service::command_result reply(std::string text, bool ok = true);

}  // namespace warroom::commands
