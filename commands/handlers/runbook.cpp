#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/handlers/names.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "runbook NAME";

request parse(const invocation& inv) {
    const token& name = args::positional(inv, 0, "the runbook name");
    args::at_most(inv, 1);
    runbook_command cmd{args::word(name, usage)};
    if (!is_config_name(cmd.name)) {
        args::fail(usage, "runbook names are lower-case letters, digits, ., - and _ (got " +
                              args::quote(name.raw) + ")");
    }
    return cmd;
}

service::command_result execute(const runbook_command& cmd, const execution&) {
    return reply("runbooks are not shown in chat in this release, so `" + cmd.name +
                 "` cannot be shown here; the seed runbooks ship in deploy/runbooks/");
}

}  // namespace

void register_runbook(registry& r) {
    r.add({
        .name = "runbook",
        .usage = std::string(usage),
        .summary = "show a runbook's steps in the war room (not yet available)",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
