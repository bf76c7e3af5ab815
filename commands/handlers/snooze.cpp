#include "bot/domain/clock.hpp"
#include "commands/arguments.hpp"
#include "commands/handlers/duration.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "snooze DURATION (e.g. 30m)";

request parse(const invocation& inv) {
    const token& t = args::positional(inv, 0, "how long to snooze");
    args::at_most(inv, 1);
    return snooze_command{reminder_interval(t, usage)};
}

service::command_result execute(const snooze_command& cmd, const execution&) {
    return reply(
        "status-update reminders are not enabled in this build, so there is nothing to "
        "snooze for " +
        domain::format_duration(cmd.duration) + "; post updates with /incident update");
}

}  // namespace

void register_snooze(registry& r) {
    r.add({
        .name = "snooze",
        .usage = std::string(usage),
        .summary = "pause status-update reminders for a while (not yet available)",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
