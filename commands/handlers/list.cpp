#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

request parse(const invocation& inv) {
    args::at_most(inv, 0);
    return list_command{};
}

service::command_result execute(const list_command&, const execution& ex) {
    return ex.service.list(ex.ctx);
}

}  // namespace

void register_list(registry& r) {
    r.add({
        .name = "list",
        .usage = "list",
        .summary = "list open incidents",
        .incident_scoped = false,
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
