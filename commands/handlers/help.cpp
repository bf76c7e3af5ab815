#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "help [command]";

request parse(const invocation& inv) {
    args::at_most(inv, 1);
    if (inv.positionals.empty())
        return help_command{};
    const token& t = inv.positionals.front();
    const command_spec* topic = t.kind == token_kind::word ? inv.commands->find(t.text) : nullptr;
    if (topic == nullptr) {
        std::string problem = "no command " + args::quote(t.raw);
        if (auto near = inv.commands->suggest(t.text))
            problem += " (did you mean \"" + *near + "\"?)";
        args::fail(usage, problem);
    }
    return help_command{topic->name};
}

service::command_result execute(const help_command& cmd, const execution& ex) {
    if (cmd.topic.empty())
        return reply(ex.commands.help());
    return reply(ex.commands.help(cmd.topic).value_or(ex.commands.help()));
}

}  // namespace

void register_help(registry& r) {
    r.add({
        .name = "help",
        .usage = std::string(usage),
        .summary = "list every command, or show one",
        .incident_scoped = false,
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
