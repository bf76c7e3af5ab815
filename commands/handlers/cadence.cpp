#include "bot/domain/clock.hpp"
#include "bot/domain/text.hpp"
#include "commands/arguments.hpp"
#include "commands/handlers/duration.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "cadence DURATION|off (e.g. 15m)";

request parse(const invocation& inv) {
    const token& t = args::positional(inv, 0, "the interval");
    args::at_most(inv, 1);
    if (t.kind == token_kind::word && domain::to_lower(t.text) == "off") {
        return cadence_command{std::chrono::seconds{0}};
    }
    return cadence_command{reminder_interval(t, usage)};
}

service::command_result execute(const cadence_command& cmd, const execution&) {
    const std::string asked =
        cmd.every.count() == 0
            ? "turning reminders off changes nothing"
            : "no reminder every " + domain::format_duration(cmd.every) + " was scheduled";
    return reply("automatic status-update cadence is not enabled in this build, so " + asked +
                 "; post updates with /incident update");
}

}  // namespace

void register_cadence(registry& r) {
    r.add({
        .name = "cadence",
        .usage = std::string(usage),
        .summary = "set how often the bot asks for a status update (not yet available)",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
