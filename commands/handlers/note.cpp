#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "note \"text\"";

request parse(const invocation& inv) {
    return note_command{args::free_text(inv, 0, "the note", usage)};
}

service::command_result execute(const note_command& cmd, const execution& ex) {
    return ex.service.add_note(ex.ctx, cmd.text);
}

}  // namespace

void register_note(registry& r) {
    r.add({
        .name = "note",
        .usage = std::string(usage),
        .summary = "add a note to the timeline",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
