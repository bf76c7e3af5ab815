#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

request parse(const invocation& inv) {
    args::at_most(inv, 0);
    return close_command{};
}

service::command_result execute(const close_command&, const execution& ex) {
    return ex.service.close(ex.ctx);
}

}  // namespace

void register_close(registry& r) {
    r.add({
        .name = "close",
        .usage = "close",
        .summary = "close the resolved incident",
        .incident_scoped = true,
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
