#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/handlers/names.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "page [@user|@group|team]";

request parse(const invocation& inv) {
    args::at_most(inv, 1);
    page_command cmd;
    if (inv.positionals.empty()) {
        cmd.display = "the on-call responder";
        return cmd;
    }
    const token& t = inv.positionals.front();
    cmd.target = t.text;
    cmd.display = t.raw;
    switch (t.kind) {
        case token_kind::user:
            cmd.kind = page_command::target_kind::user;
            break;
        case token_kind::usergroup:
            cmd.kind = page_command::target_kind::user_group;
            break;
        case token_kind::word:
            cmd.kind = page_command::target_kind::team;
            cmd.target = args::word(t, usage);
            if (!is_config_name(cmd.target))
                args::reject(usage, t);
            cmd.display = cmd.target;
            break;
        default:
            args::reject(usage, t);
    }
    return cmd;
}

service::command_result execute(const page_command& cmd, const execution&) {
    // Say plainly that nobody was paged: a responder must not believe help is on the way.
    return reply("paging is not available in this release, so " + cmd.display +
                 " was NOT paged: page them directly and record it with /incident note");
}

}  // namespace

void register_page(registry& r) {
    r.add({
        .name = "page",
        .usage = std::string(usage),
        .summary = "page a person, a user group or a team (default: on-call) (not yet available)",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
