#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/service/incident_service.hpp"
#include "commands/command.hpp"
#include "commands/service_port.hpp"

namespace warroom::commands {

/// The `/incident` subcommands, in registration order. One grammar for Slack and the shell.
class registry {
  public:
    /// Throws std::invalid_argument when the name or an alias is already taken (by a name or an
    /// alias) or the spec is incomplete; make_default_registry() therefore fails at startup.
    void add(command_spec spec);

    /// By name or alias, case-insensitive; nullptr when unknown.
    const command_spec* find(std::string_view name_or_alias) const;
    const std::vector<command_spec>& commands() const { return specs_; }

    /// Generated from the registry: one line per command, "/incident <usage> — <summary>".
    std::string help() const;
    /// The help line of one command (name or alias); nullopt when unknown.
    std::optional<std::string> help(std::string_view command) const;
    /// A registered name or alias within edit distance 2 of `typed`.
    std::optional<std::string> suggest(std::string_view typed) const;

    /// Pure: tokenizes and validates `text` (what follows "/incident"). Never touches a service.
    parse_result parse(std::string_view text) const;
    /// Runs a parsed command; the line's incident ID, if any, overrides ctx.incident_id.
    service::command_result execute(const parsed_command& cmd, const service::command_context& ctx,
                                    service_port& service) const;

    /// parse + execute. Bad input: ok=false, one line, nothing called on the service.
    /// Empty text is an error naming the create form (Slack opens the declare modal instead).
    service::command_result dispatch(std::string_view text, const service::command_context& ctx,
                                     service_port& service) const;
    service::command_result dispatch(std::string_view text, const service::command_context& ctx,
                                     service::incident_service& service) const;

  private:
    std::vector<command_spec> specs_;
};

/// Every subcommand, registered by the explicit list in default_registry.cpp.
registry make_default_registry();

}  // namespace warroom::commands
