#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "sev SEV0-4|P0-4";

request parse(const invocation& inv) {
    const token& t = args::positional(inv, 0, "the severity");
    args::at_most(inv, 1);
    const auto to = t.kind == token_kind::word ? domain::parse_severity(t.text) : std::nullopt;
    if (!to)
        args::reject(usage, t);
    return sev_command{*to};
}

service::command_result execute(const sev_command& cmd, const execution& ex) {
    return ex.service.set_severity(ex.ctx, cmd.to);
}

}  // namespace

void register_sev(registry& r) {
    r.add({
        .name = "sev",
        .aliases = {"severity"},
        .usage = std::string(usage),
        .summary = "change the severity (P0-P4 mean SEV0-SEV4)",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
