#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "mitigation \"action\" [--owner @user]";

request parse(const invocation& inv) {
    mitigation_command cmd;
    cmd.action = args::free_text(inv, 0, "the mitigation", usage);
    cmd.owner = args::user_flag(inv, "owner", usage).value_or("");
    return cmd;
}

service::command_result execute(const mitigation_command& cmd, const execution& ex) {
    return ex.service.add_mitigation(ex.ctx, cmd.action, cmd.owner);
}

}  // namespace

void register_mitigation(registry& r) {
    r.add({
        .name = "mitigation",
        .usage = std::string(usage),
        .summary = "record a mitigation being applied, optionally with its owner",
        .flags = {{"owner", true, false}},
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
