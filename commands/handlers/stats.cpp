#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

request parse(const invocation& inv) {
    args::at_most(inv, 0);
    return stats_command{};
}

service::command_result execute(const stats_command&, const execution& ex) {
    return ex.service.stats(ex.ctx);
}

}  // namespace

void register_stats(registry& r) {
    r.add({
        .name = "stats",
        .usage = "stats",
        .summary = "count open, resolved and closed incidents",
        .incident_scoped = false,
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
