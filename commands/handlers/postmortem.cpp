#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

request parse(const invocation& inv) {
    args::at_most(inv, 0);
    return postmortem_command{};
}

service::command_result execute(const postmortem_command&, const execution&) {
    return reply("postmortem drafts are not available yet; /incident timeline shows the record");
}

}  // namespace

void register_postmortem(registry& r) {
    r.add({
        .name = "postmortem",
        .usage = "postmortem",
        .summary = "draft the postmortem from the recorded timeline (not yet available)",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
