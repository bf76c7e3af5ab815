#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view usage = "role NAME @user";
constexpr std::size_t max_role_chars = 32;

bool valid_role(std::string_view name) {
    if (name.empty() || name.size() > max_role_chars)
        return false;
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

request parse(const invocation& inv) {
    const token& name = args::positional(inv, 0, "the role name and the user");
    const token& who = args::positional(inv, 1, "the user");
    args::at_most(inv, 2);
    const std::string role = args::word(name, usage);
    if (!valid_role(role)) {
        args::fail(usage, "role names are lower-case letters, digits, - and _, at most 32 (got " +
                              args::quote(name.raw) + ")");
    }
    const std::string user = args::user(who, usage);
    // The commander is a field of the incident, not a role row: one code path changes it.
    if (role == "commander")
        return commander_command{user};
    return role_command{role, user};
}

service::command_result execute(const role_command& cmd, const execution& ex) {
    return ex.service.assign_role(ex.ctx, cmd.role, cmd.user);
}

service::command_result execute_any(const request& req, const execution& ex) {
    if (const auto* c = std::get_if<commander_command>(&req)) {
        return ex.service.set_commander(ex.ctx, c->user);
    }
    return execute(std::get<role_command>(req), ex);
}

}  // namespace

void register_role(registry& r) {
    r.add({
        .name = "role",
        .usage = std::string(usage),
        .summary = "give someone a role (scribe, comms, ...); role commander @user = commander",
        .parse = parse,
        .execute = execute_any,
    });
}

}  // namespace warroom::commands
