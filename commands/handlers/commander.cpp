#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "commander @user";

request parse(const invocation& inv) {
    const token& t = args::positional(inv, 0, "the new commander");
    args::at_most(inv, 1);
    return commander_command{args::user(t, usage)};
}

service::command_result execute(const commander_command& cmd, const execution& ex) {
    return ex.service.set_commander(ex.ctx, cmd.user);
}

}  // namespace

void register_commander(registry& r) {
    r.add({
        .name = "commander",
        .usage = std::string(usage),
        .summary = "hand the incident to a new commander",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
