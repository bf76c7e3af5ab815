#include "bot/domain/clock.hpp"
#include "bot/domain/text.hpp"
#include "commands/arguments.hpp"
#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view add_usage =
    "action add \"text\" --owner @user --due YYYY-MM-DD [--priority P0-P4|high|medium|low]";
constexpr std::string_view done_usage = "action done N";
constexpr std::string_view list_usage = "action list";
constexpr std::string_view usage =
    "action add \"text\" --owner @user --due YYYY-MM-DD [--priority P0-P4|high|medium|low] | "
    "action done N | action list";

// P0..P4 upper-case, words capitalised: the forms the postmortem template prints.
std::optional<std::string> normalise_priority(std::string_view typed) {
    const std::string p = domain::to_lower(typed);
    if (p.size() == 2 && p[0] == 'p' && p[1] >= '0' && p[1] <= '4')
        return "P" + p.substr(1);
    if (p == "high")
        return "High";
    if (p == "medium")
        return "Medium";
    if (p == "low")
        return "Low";
    return std::nullopt;
}

request parse_add(const invocation& inv) {
    action_add_command cmd;
    cmd.request.text = args::free_text(inv, 1, "the action text", add_usage);
    const auto owner = args::user_flag(inv, "owner", add_usage);
    if (!owner)
        args::fail(add_usage, "missing --owner");
    cmd.request.owner = *owner;
    const value* due = inv.flag("due");
    if (due == nullptr)
        args::fail(add_usage, "missing --due");
    if (due->kind != token_kind::word || !domain::is_valid_date(due->text)) {
        args::reject(add_usage, *due);
    }
    cmd.request.due = due->text;
    if (const value* p = inv.flag("priority")) {
        const auto priority =
            p->kind == token_kind::word ? normalise_priority(p->text) : std::nullopt;
        if (!priority)
            args::reject(add_usage, *p);
        cmd.request.priority = *priority;
    }
    return cmd;
}

// "3" or "#3" (people copy the number as the list shows it).
std::optional<int> action_number(const token& t) {
    std::string_view digits = t.raw;
    if (t.kind == token_kind::channel && digits.starts_with('#')) {
        digits.remove_prefix(1);
    } else if (t.kind != token_kind::word) {
        return std::nullopt;
    }
    if (digits.empty() || digits.size() > 6)
        return std::nullopt;
    int n = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
        n = n * 10 + (c - '0');
    }
    if (n <= 0)
        return std::nullopt;
    return n;
}

request parse_done(const invocation& inv) {
    args::no_flags(inv, done_usage);
    if (inv.positionals.size() < 2)
        args::fail(done_usage, "missing the action number");
    args::at_most(inv, 2, done_usage);
    const auto n = action_number(inv.positionals[1]);
    if (!n)
        args::reject(done_usage, inv.positionals[1]);
    return action_done_command{*n};
}

request parse(const invocation& inv) {
    if (inv.positionals.empty())
        args::fail(usage, "missing add, done or list");
    const token& verb = inv.positionals.front();
    const std::string v = verb.kind == token_kind::word ? domain::to_lower(verb.text) : "";
    if (v == "add")
        return parse_add(inv);
    if (v == "done")
        return parse_done(inv);
    if (v == "list") {
        args::no_flags(inv, list_usage);
        args::at_most(inv, 1, list_usage);
        return action_list_command{};
    }
    std::string problem = "unknown action verb " + args::quote(verb.raw);
    if (auto near = args::closest(v, {"add", "done", "list"})) {
        problem += " (did you mean \"" + *near + "\"?)";
    }
    args::fail(usage, problem);
}

service::command_result execute(const request& req, const execution& ex) {
    if (const auto* add = std::get_if<action_add_command>(&req)) {
        return ex.service.add_action(ex.ctx, add->request);
    }
    if (const auto* done = std::get_if<action_done_command>(&req)) {
        return ex.service.complete_action(ex.ctx, done->number);
    }
    // The only other request parse produces is action_list_command.
    return ex.service.list_actions(ex.ctx);
}

}  // namespace

void register_action(registry& r) {
    r.add({
        .name = "action",
        .usage = std::string(usage),
        .summary = "follow-up items for the postmortem: add one, mark one done, list them",
        .flags = {{"owner", true, false}, {"due", true, false}, {"priority", true, false}},
        .parse = parse,
        .execute = execute,
    });
}

}  // namespace warroom::commands
