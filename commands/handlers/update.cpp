#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "update \"text\"";

request parse(const invocation& inv) {
    return update_command{args::free_text(inv, 0, "the update text", usage)};
}

service::command_result execute(const update_command& cmd, const execution& ex) {
    return ex.service.post_update(ex.ctx, cmd.text);
}

}  // namespace

void register_update(registry& r) {
    r.add({
        .name = "update",
        .usage = std::string(usage),
        .summary = "post a status update to the war room",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
