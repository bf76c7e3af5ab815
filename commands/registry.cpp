#include "commands/registry.hpp"

#include <algorithm>
#include <stdexcept>

#include "bot/domain/incident.hpp"
#include "bot/domain/text.hpp"
#include "commands/arguments.hpp"

namespace warroom::commands {

namespace {

constexpr std::string_view incident_flag = "incident";
constexpr std::string_view incident_flag_usage = "<command> --incident INC-YYYYMMDD-NNNN ...";

// Incident IDs are upper-case; people type them in any case.
std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

bool valid_command_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

std::string help_line(const command_spec& spec) {
    std::string line = "/incident " + spec.usage + " — " + spec.summary;
    if (!spec.aliases.empty()) {
        line += spec.aliases.size() == 1 ? " (alias: " : " (aliases: ";
        for (std::size_t i = 0; i < spec.aliases.size(); ++i) {
            line += (i == 0 ? "" : ", ") + spec.aliases[i];
        }
        line += ")";
    }
    return line;
}

const flag_spec* find_flag(const command_spec& spec, std::string_view name) {
    for (const auto& f : spec.flags) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

std::string unknown_flag_problem(const command_spec& spec, std::string_view name) {
    std::string problem = "unknown flag --" + std::string(name) + " for /incident " + spec.name;
    std::vector<std::string> names;
    for (const auto& f : spec.flags)
        names.push_back(f.name);
    if (auto near = args::closest(name, names))
        problem += " (did you mean --" + *near + "?)";
    else
        problem += " (quote text that contains --)";
    return problem;
}

// Splits the tokens after the subcommand into positionals and flags, checking flags against
// the spec: which exist, which take a value, which are required.
invocation bind(const registry& commands, const command_spec& spec, const std::string& typed_name,
                const std::vector<token>& tokens, std::string& incident_id) {
    invocation inv;
    inv.spec = &spec;
    inv.commands = &commands;
    inv.typed_name = typed_name;
    for (std::size_t i = 1; i < tokens.size(); ++i) {
        const token& t = tokens[i];
        if (t.kind != token_kind::flag) {
            inv.positionals.push_back(t);
            continue;
        }
        const bool is_incident = spec.incident_scoped && t.text == incident_flag;
        const flag_spec incident_spec{std::string(incident_flag), true, false};
        const flag_spec* fs = is_incident ? &incident_spec : find_flag(spec, t.text);
        if (fs == nullptr)
            args::fail(spec.usage, unknown_flag_problem(spec, t.text));
        if (inv.flags.contains(fs->name))
            args::fail(spec.usage, "--" + fs->name + " given twice");
        if (!fs->takes_value) {
            if (t.attached)
                args::fail(spec.usage, "--" + fs->name + " takes no value");
            inv.flags.emplace(fs->name, static_cast<const value&>(t));
            continue;
        }
        if (t.attached) {
            inv.flags.emplace(fs->name, *t.attached);
        } else if (i + 1 < tokens.size() && tokens[i + 1].kind != token_kind::flag &&
                   tokens[i + 1].kind != token_kind::param) {
            inv.flags.emplace(fs->name, static_cast<const value&>(tokens[++i]));
        } else {
            args::fail(spec.usage, "missing value for --" + fs->name);
        }
    }
    for (const auto& f : spec.flags) {
        if (f.required && !inv.has(f.name))
            args::fail(spec.usage, "missing --" + f.name);
    }

    // The incident to act on: `--incident ID`, or an ID right after the subcommand.
    if (const auto it = inv.flags.find(std::string(incident_flag)); it != inv.flags.end()) {
        const std::string upper = to_upper(it->second.text);
        if (it->second.kind != token_kind::word || !domain::is_incident_id(upper)) {
            args::reject(incident_flag_usage, it->second);
        }
        incident_id = upper;
        inv.flags.erase(it);
    }
    if (spec.incident_scoped && !inv.positionals.empty() &&
        inv.positionals.front().kind == token_kind::word) {
        const std::string upper = to_upper(inv.positionals.front().text);
        if (domain::is_incident_id(upper)) {
            if (!incident_id.empty()) {
                args::fail(spec.usage, "the incident is given twice (an ID and --incident)");
            }
            incident_id = upper;
            inv.positionals.erase(inv.positionals.begin());
        }
    }
    return inv;
}

}  // namespace

const value* invocation::flag(std::string_view name) const {
    const auto it = flags.find(std::string(name));
    return it == flags.end() ? nullptr : &it->second;
}

service::command_result reply(std::string text, bool ok) {
    service::command_result r;
    r.ok = ok;
    r.text = std::move(text);
    return r;
}

void registry::add(command_spec spec) {
    if (!valid_command_name(spec.name)) {
        throw std::invalid_argument("command name \"" + spec.name +
                                    "\" must be lower-case letters, digits and -");
    }
    if (spec.usage.empty() || spec.summary.empty() || !spec.parse || !spec.execute) {
        throw std::invalid_argument("command \"" + spec.name +
                                    "\" needs a usage, a summary, a parse and an execute step");
    }
    std::vector<std::string> names{spec.name};
    names.insert(names.end(), spec.aliases.begin(), spec.aliases.end());
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (!valid_command_name(names[i])) {
            throw std::invalid_argument("alias \"" + names[i] + "\" of command \"" + spec.name +
                                        "\" must be lower-case letters, digits and -");
        }
        const bool repeated = std::find(names.begin(), names.begin() + static_cast<long>(i),
                                        names[i]) != names.begin() + static_cast<long>(i);
        if (repeated || find(names[i]) != nullptr) {
            throw std::invalid_argument("duplicate command name or alias \"" + names[i] +
                                        "\" (registering \"" + spec.name + "\")");
        }
    }
    for (std::size_t i = 0; i < spec.flags.size(); ++i) {
        const auto& f = spec.flags[i];
        const bool clash =
            find_flag(spec, f.name) != &f || (spec.incident_scoped && f.name == incident_flag);
        if (f.name.empty() || clash) {
            throw std::invalid_argument("command \"" + spec.name + "\" declares flag --" + f.name +
                                        " twice or with a reserved name");
        }
    }
    specs_.push_back(std::move(spec));
}

const command_spec* registry::find(std::string_view name_or_alias) const {
    const std::string key = domain::to_lower(name_or_alias);
    for (const auto& spec : specs_) {
        if (spec.name == key)
            return &spec;
        if (std::find(spec.aliases.begin(), spec.aliases.end(), key) != spec.aliases.end()) {
            return &spec;
        }
    }
    return nullptr;
}

std::string registry::help() const {
    std::string text = "Commands (bad input gets a one-line error and changes nothing):\n";
    for (const auto& spec : specs_)
        text += help_line(spec) + "\n";
    text +=
        "Outside a war room, name the incident: put its ID after the command, e.g. /incident "
        "timeline INC-20240115-0042, or add --incident INC-20240115-0042.";
    return text;
}

std::optional<std::string> registry::help(std::string_view command) const {
    const command_spec* spec = find(command);
    if (spec == nullptr)
        return std::nullopt;
    return help_line(*spec);
}

std::optional<std::string> registry::suggest(std::string_view typed) const {
    std::vector<std::string> names;
    for (const auto& spec : specs_) {
        names.push_back(spec.name);
        names.insert(names.end(), spec.aliases.begin(), spec.aliases.end());
    }
    return args::closest(typed, names);
}

parse_result registry::parse(std::string_view text) const {
    try {
        const std::vector<token> tokens = tokenize(text);
        if (tokens.empty()) {
            const command_spec* create = find("create");
            const std::string form = create ? "/incident " + create->usage : "/incident <command>";
            return parse_error{"missing subcommand; expected: " + form +
                               " (/incident help lists every command)"};
        }
        const token& head = tokens.front();
        if (head.kind != token_kind::word) {
            return parse_error{"expected a subcommand first, e.g. /incident help (got " +
                               args::quote(head.raw) + ")"};
        }
        const command_spec* spec = find(head.text);
        if (spec == nullptr) {
            std::string message = "unknown subcommand " + args::quote(head.raw);
            if (auto near = suggest(head.text))
                message += " (did you mean \"" + *near + "\"?)";
            return parse_error{message + "; expected: a subcommand listed by /incident help"};
        }
        std::string incident_id;
        const invocation inv = bind(*this, *spec, head.text, tokens, incident_id);
        return parsed_command{spec->name, std::move(incident_id), spec->parse(inv)};
    } catch (const syntax_error& e) {
        return parse_error{args::one_line(e.what())};
    } catch (const usage_error& e) {
        return parse_error{args::one_line(e.what())};
    }
}

service::command_result registry::execute(const parsed_command& cmd,
                                          const service::command_context& ctx,
                                          service_port& service) const {
    const command_spec* spec = find(cmd.command);
    if (spec == nullptr) {
        return reply("unknown subcommand " + args::quote(cmd.command) +
                         "; expected: a subcommand listed by /incident help",
                     false);
    }
    service::command_context scoped = ctx;
    if (!cmd.incident_id.empty())
        scoped.incident_id = cmd.incident_id;
    try {
        return spec->execute(cmd.request, execution{scoped, service, *this});
    } catch (const service::user_error& e) {
        return reply(args::one_line(e.what()), false);
    }
}

service::command_result registry::dispatch(std::string_view text,
                                           const service::command_context& ctx,
                                           service_port& service) const {
    parse_result parsed = parse(text);
    if (const auto* error = std::get_if<parse_error>(&parsed))
        return reply(error->message, false);
    return execute(std::get<parsed_command>(parsed), ctx, service);
}

}  // namespace warroom::commands
