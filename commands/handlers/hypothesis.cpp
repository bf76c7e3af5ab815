#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "hypothesis \"text\" [--confidence low|medium|high]";

request parse(const invocation& inv) {
    hypothesis_command cmd;
    cmd.text = args::free_text(inv, 0, "the hypothesis", usage);
    if (const value* c = inv.flag("confidence")) {
        const auto conf =
            c->kind == token_kind::word ? domain::parse_confidence(c->text) : std::nullopt;
        if (!conf)
            args::reject(usage, *c);
        cmd.confidence = *conf;
    }
    return cmd;
}

service::command_result execute(const hypothesis_command& cmd, const execution& ex) {
    return ex.service.add_hypothesis(ex.ctx, cmd.text, cmd.confidence);
}

}  // namespace

void register_hypothesis(registry& r) {
    r.add({
        .name = "hypothesis",
        .usage = std::string(usage),
        .summary = "record a suspected cause (confidence defaults to medium)",
        .flags = {{"confidence", true, false}},
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
