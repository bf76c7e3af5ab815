#include <algorithm>

#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/handlers/names.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "diag NAME [key=value ...]";

request parse(const invocation& inv) {
    const token& name = args::positional(inv, 0, "the diagnostic name");
    diag_command cmd;
    cmd.name = args::word(name, usage);
    if (!is_config_name(cmd.name)) {
        args::fail(usage, "diagnostic names are lower-case letters, digits, ., - and _ (got " +
                              args::quote(name.raw) + ")");
    }
    for (std::size_t i = 1; i < inv.positionals.size(); ++i) {
        const token& p = inv.positionals[i];
        if (p.kind != token_kind::param) {
            args::fail(usage, "parameters are key=value (got " + args::quote(p.raw) + ")");
        }
        const bool repeated = std::any_of(cmd.params.begin(), cmd.params.end(),
                                          [&](const auto& kv) { return kv.first == p.text; });
        if (repeated)
            args::fail(usage, "parameter " + args::quote(p.text) + " given twice");
        // Values stay text: the diagnostic's declaration types them and binds them, never splices.
        cmd.params.emplace_back(p.text, p.attached->text);
    }
    return cmd;
}

service::command_result execute(const diag_command& cmd, const execution&) {
    return reply("diagnostics are not available in this release, so `" + cmd.name +
                 "` was not run: run the query by hand and record what it showed with "
                 "/incident note");
}

}  // namespace

void register_diag(registry& r) {
    r.add({
        .name = "diag",
        .usage = std::string(usage),
        .summary = "run a pre-declared diagnostic query and record its result (not yet available)",
        .parse = parse,
        .execute = typed_execute(&execute),
    });
}

}  // namespace warroom::commands
