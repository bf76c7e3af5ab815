#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage =
    "create SEV0-4|P0-4 \"title\" [--private] [--commander @user] [--description \"text\"]";

request parse(const invocation& inv) {
    const token& level = args::positional(inv, 0, "the severity and the title");
    const auto severity =
        level.kind == token_kind::word ? domain::parse_severity(level.text) : std::nullopt;
    if (!severity)
        args::reject(usage, level);

    create_command cmd;
    cmd.request.severity = *severity;
    cmd.request.title = args::free_text(inv, 1, "the title", usage, args::max_title_chars);
    cmd.request.is_private = inv.has("private");
    cmd.request.commander = args::user_flag(inv, "commander", usage).value_or("");
    if (const value* d = inv.flag("description")) {
        cmd.request.description = args::text_value(*d, "the description", usage);
    }
    return cmd;
}

service::command_result execute(const create_command& cmd, const execution& ex) {
    return ex.service.declare(ex.ctx, cmd.request);
}

}  // namespace

void register_create(registry& r) {
    r.add({
        .name = "create",
        .aliases = {"declare"},
        .usage = std::string(usage),
        .summary = "declare an incident and open its war room (SEV4 records a ticket)",
        .flags = {{"private", false, false},
                  {"commander", true, false},
                  {"description", true, false}},
        .incident_scoped = false,
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
