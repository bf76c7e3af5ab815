#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "resolve \"summary\"";

request parse(const invocation& inv) {
    return resolve_command{args::free_text(inv, 0, "the resolution summary", usage)};
}

service::command_result execute(const resolve_command& cmd, const execution& ex) {
    return ex.service.resolve(ex.ctx, cmd.summary);
}

}  // namespace

void register_resolve(registry& r) {
    r.add({
        .name = "resolve",
        .usage = std::string(usage),
        .summary = "mark the incident resolved with a summary of what fixed it",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
