#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "status investigating|identified|monitoring|resolved";

request parse(const invocation& inv) {
    const token& t = args::positional(inv, 0, "the new status");
    args::at_most(inv, 1);
    const auto to = t.kind == token_kind::word ? domain::parse_status(t.text) : std::nullopt;
    // Closing has its own command because it ends the record, not just the response.
    if (to == domain::status::closed)
        args::fail(usage, "close a resolved incident with /incident close");
    if (!to)
        args::reject(usage, t);
    return status_command{*to};
}

service::command_result execute(const status_command& cmd, const execution& ex) {
    return ex.service.set_status(ex.ctx, cmd.to);
}

}  // namespace

void register_status(registry& r) {
    r.add({
        .name = "status",
        .usage = std::string(usage),
        .summary = "move the incident to another stage",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
