#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

request parse(const invocation& inv) {
    args::at_most(inv, 0);
    return timeline_command{};
}

service::command_result execute(const timeline_command&, const execution& ex) {
    return ex.service.timeline(ex.ctx);
}

}  // namespace

void register_timeline(registry& r) {
    r.add({
        .name = "timeline",
        .usage = "timeline",
        .summary = "show the incident's timeline",
        .incident_scoped = true,
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
