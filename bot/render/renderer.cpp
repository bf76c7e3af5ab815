#include "bot/render/renderer.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>

#include "bot/render/kainjow.hpp"

namespace warroom::render {

namespace fs = std::filesystem;
using kainjow::mustache::data;
using kainjow::mustache::mustache;

namespace {

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty())
            out += ", ";
        out += item;
    }
    return out;
}

int line_at(const std::string& text, std::size_t offset) {
    offset = std::min(offset, text.size());
    return 1 + static_cast<int>(std::count(
                   text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

[[noreturn]] void fail_at(const std::string& path, int line, const std::string& message) {
    throw template_error(path + ":" + std::to_string(line) + ": " + message);
}

// ---------------------------------------------------------------------------------------------
// Our own tag scanner. kainjow reports errors as byte offsets and, for a mismatched close, the
// offset of the opening tag; scanning ourselves gives the line a user has to fix.

struct tag {
    char kind = 0;  // 0 variable, '#', '^', '/', '!', '=', '>', '&', '{'
    std::string name;
    std::size_t begin = 0;  // offset of the opening delimiter
    std::size_t end = 0;    // offset just past the closing delimiter
};

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos)
        return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

std::vector<tag> scan_tags(const std::string& path, const std::string& text) {
    std::vector<tag> tags;
    std::string open = "{{";
    std::string close = "}}";
    std::size_t pos = 0;
    while ((pos = text.find(open, pos)) != std::string::npos) {
        tag t;
        t.begin = pos;
        std::size_t content = pos + open.size();
        std::string closing = close;
        if (open == "{{" && content < text.size() && text[content] == '{') {
            t.kind = '{';
            ++content;
            closing = "}}}";
        }
        const std::size_t stop = text.find(closing, content);
        if (stop == std::string::npos) {
            fail_at(path, line_at(text, pos),
                    "tag '" + open + "' is never closed with '" + closing + "'");
        }
        std::string inner = trim(text.substr(content, stop - content));
        t.end = stop + closing.size();
        if (t.kind == 0 && !inner.empty() &&
            std::string("#^/!=>&").find(inner[0]) != std::string::npos) {
            t.kind = inner[0];
            inner = inner.substr(1);
        }
        if (t.kind == '=') {
            // {{=<% %>=}}: the new delimiters apply from the next tag on
            if (inner.empty() || inner.back() != '=') {
                fail_at(path, line_at(text, pos),
                        "invalid delimiter change '" + text.substr(pos, t.end - pos) + "'");
            }
            inner.pop_back();
            const std::string spec = trim(inner);
            const auto space = spec.find_first_of(" \t");
            if (space == std::string::npos) {
                fail_at(path, line_at(text, pos),
                        "invalid delimiter change '" + text.substr(pos, t.end - pos) + "'");
            }
            open = spec.substr(0, space);
            close = trim(spec.substr(space));
            if (open.empty() || close.empty() || close.find_first_of(" \t=") != std::string::npos) {
                fail_at(path, line_at(text, pos),
                        "invalid delimiter change '" + text.substr(pos, t.end - pos) + "'");
            }
        }
        t.name = trim(inner);
        tags.push_back(t);
        pos = t.end;
    }
    return tags;
}

void check_sections(const std::string& path, const std::string& text,
                    const std::vector<tag>& tags) {
    std::vector<const tag*> open;
    for (const auto& t : tags) {
        if (t.kind == '#' || t.kind == '^') {
            open.push_back(&t);
        } else if (t.kind == '/') {
            if (open.empty()) {
                fail_at(path, line_at(text, t.begin),
                        "{{/" + t.name + "}} closes a section that was never opened");
            }
            if (open.back()->name != t.name) {
                fail_at(path, line_at(text, t.begin),
                        "{{/" + t.name + "}} closes section '" + open.back()->name +
                            "' opened on line " +
                            std::to_string(line_at(text, open.back()->begin)) + " (expected {{/" +
                            open.back()->name + "}})");
            }
            open.pop_back();
        }
    }
    if (!open.empty()) {
        const tag& t = *open.back();
        fail_at(path, line_at(text, t.begin),
                "section {{" + std::string(1, t.kind) + t.name +
                    "}} is never closed (expected {{/" + t.name + "}})");
    }
}

// Mustache removes a line that holds only section, comment or delimiter tags. kainjow does that for
// sections it renders but leaves a blank line for skipped ones and for multi-line comments, so we
// remove such lines ourselves before kainjow sees the text (it then finds no standalone lines).
std::string strip_standalone_lines(const std::string& text, const std::vector<tag>& tags) {
    const auto standalone_kind = [](char k) {
        return k == '#' || k == '^' || k == '/' || k == '!' || k == '=';
    };
    const auto blank = [&](std::size_t from, std::size_t to) {
        for (std::size_t c = from; c < to; ++c) {
            if (text[c] != ' ' && text[c] != '\t' && text[c] != '\r')
                return false;
        }
        return true;
    };
    std::string out;
    std::size_t copied = 0;  // text[0, copied) is already in `out`; always a line start
    std::size_t i = 0;
    while (i < tags.size()) {
        if (tags[i].begin < copied || !standalone_kind(tags[i].kind)) {
            ++i;
            continue;
        }
        const auto nl =
            tags[i].begin == 0 ? std::string::npos : text.rfind('\n', tags[i].begin - 1);
        const std::size_t line_start = nl == std::string::npos ? 0 : nl + 1;
        // Gather every tag on this line; a multi-line comment stretches the line to its end.
        std::size_t j = i;
        std::size_t line_end = text.find('\n', tags[j].end);
        while (j + 1 < tags.size() &&
               tags[j + 1].begin < (line_end == std::string::npos ? text.size() : line_end)) {
            ++j;
            line_end = text.find('\n', tags[j].end);
        }
        bool standalone = blank(line_start, tags[i].begin);
        std::string kept;
        for (std::size_t k = i; k <= j && standalone; ++k) {
            standalone =
                standalone_kind(tags[k].kind) && (k == i || blank(tags[k - 1].end, tags[k].begin));
            kept.append(text, tags[k].begin, tags[k].end - tags[k].begin);
        }
        const std::size_t stop = line_end == std::string::npos ? text.size() : line_end;
        if (standalone && blank(tags[j].end, stop)) {
            out.append(text, copied, line_start - copied);
            out += kept;
            copied = line_end == std::string::npos ? text.size() : line_end + 1;
        }
        i = j + 1;
    }
    out.append(text, copied, std::string::npos);
    return out;
}

// ---------------------------------------------------------------------------------------------
// JSON to kainjow data

data to_data(const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::object: {
            data obj{data::type::object};
            for (auto it = j.begin(); it != j.end(); ++it) {
                obj.set(it.key(), to_data(it.value()));
                // Mustache cannot ask "is this list empty?" without looping over it, so a list
                // `xs` also gets a `has_xs` flag for headings such as "Thanks to".
                if (it.value().is_array() && !j.contains("has_" + it.key())) {
                    obj.set("has_" + it.key(), data(!it.value().empty()));
                }
            }
            return obj;
        }
        case nlohmann::json::value_t::array: {
            // Objects in a list also get `first` and `last`, for separators: "@a, @b".
            data list{data::type::list};
            for (std::size_t i = 0; i < j.size(); ++i) {
                data item = to_data(j[i]);
                if (j[i].is_object()) {
                    if (!j[i].contains("first"))
                        item.set("first", data(i == 0));
                    if (!j[i].contains("last"))
                        item.set("last", data(i + 1 == j.size()));
                }
                list.push_back(item);
            }
            return list;
        }
        case nlohmann::json::value_t::string: {
            const auto& s = j.get_ref<const std::string&>();
            // An empty string is false, so `{{#impact}}...{{/impact}}` disappears when unset.
            if (s.empty())
                return data(false);
            return data(s);
        }
        case nlohmann::json::value_t::boolean:
            return data(j.get<bool>());
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float:
            return data(j.dump());
        default:
            return data(false);  // null, discarded, binary
    }
}

void collect_keys(const nlohmann::json& j, std::set<std::string>& keys) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            keys.insert(it.key());
            if (it.value().is_array())
                keys.insert("has_" + it.key());
            collect_keys(it.value(), keys);
        }
    } else if (j.is_array()) {
        for (const auto& item : j)
            collect_keys(item, keys);
    }
}

const std::set<std::string>& known_keys() {
    static const std::set<std::string> keys = [] {
        std::set<std::string> k{"first", "last"};
        collect_keys(sample_data(), k);
        return k;
    }();
    return keys;
}

void check_names(const std::string& path, const std::string& text, const std::vector<tag>& tags) {
    for (const auto& t : tags) {
        if (t.kind == '!' || t.kind == '=' || t.kind == '/')
            continue;
        if (t.kind == '>') {
            fail_at(path, line_at(text, t.begin),
                    "partials ({{>" + t.name + "}}) are not supported; each template is one file");
        }
        if (t.name == ".")
            continue;
        std::size_t start = 0;
        while (true) {
            const auto dot = t.name.find('.', start);
            const std::string part = t.name.substr(start, dot - start);
            if (!known_keys().count(part)) {
                std::vector<std::string> names(known_keys().begin(), known_keys().end());
                fail_at(path, line_at(text, t.begin),
                        "unknown variable '" + t.name + "' (known: " + join(names) + ")");
            }
            if (dot == std::string::npos)
                break;
            start = dot + 1;
        }
    }
}

// Everything the sample has, with text emptied and lists cleared: sections must cope with both.
nlohmann::json sparse(const nlohmann::json& j) {
    if (j.is_object()) {
        nlohmann::json out = nlohmann::json::object();
        for (auto it = j.begin(); it != j.end(); ++it)
            out[it.key()] = sparse(it.value());
        return out;
    }
    if (j.is_array())
        return nlohmann::json::array();
    if (j.is_string())
        return "";
    if (j.is_boolean())
        return !j.get<bool>();
    if (j.is_number())
        return 0;
    return j;
}

std::string render_text(const std::string& path, const std::string& prepared,
                        const nlohmann::json& input) {
    if (!input.is_object()) {
        throw template_error(path + ": render data must be a JSON object, got " +
                             std::string(input.type_name()));
    }
    // kainjow's render mutates the parsed template (error state, walk bookkeeping), so a shared
    // compiled object is not safe across threads; parsing per call keeps render() const and pure.
    mustache tmpl{prepared};
    tmpl.set_custom_escape([](const std::string& s) { return s; });  // mrkdwn, not HTML
    if (!tmpl.is_valid())
        throw template_error(path + ": " + tmpl.error_message());
    std::string out = tmpl.render(to_data(input));
    if (!tmpl.is_valid())
        throw template_error(path + ": render error: " + tmpl.error_message());
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) {
        out.pop_back();
    }
    return out;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw template_error(path.string() + ": cannot read file");
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad())
        throw template_error(path.string() + ": cannot read file");
    return text;
}

}  // namespace

const nlohmann::json& sample_data() {
    static const nlohmann::json sample = nlohmann::json::parse(R"json({
        "id": "INC-20240115-0042",
        "title": "API error rate spike",
        "severity": "SEV2",
        "emoji": "🟠",
        "status": "Investigating",
        "commander": "oncall-backend",
        "channel": "incident-20240115-0042",
        "is_private": false,
        "declared_at": "2024-01-15T14:05:00Z",
        "cadence": "15 min",
        "response_time": "<15 minutes",
        "impact": "150 users, workflow executions failing",
        "description": "Investigating database connection pool exhaustion.",
        "actor": "oncall-backend",
        "now": "2024-01-15T14:30:00Z",
        "text": "Connection pool at 100%; raising the pool size from 20 to 50.",
        "summary": "Increased database connection pool from 20 to 50 connections",
        "duration": "25m",
        "participants": [{"name": "oncall-backend"}, {"name": "platform-team"}],
        "message": "We are currently experiencing elevated error rates affecting workflow executions.",
        "resolved": false,
        "open_actions": 2,
        "events": [
            {"time": "14:05", "kind": "declared", "actor": "oncall-backend",
             "text": "SEV2 declared: API error rate spike"},
            {"time": "14:12", "kind": "hypothesis", "actor": "oncall-backend",
             "text": "Database connection pool exhaustion (high)"},
            {"time": "14:20", "kind": "status", "actor": "", "text": "Update reminder"}
        ]
    })json");
    return sample;
}

renderer::renderer(const std::string& builtin_dir, const std::string& user_dir) {
    std::error_code ec;
    if (builtin_dir.empty() || !fs::is_directory(builtin_dir, ec)) {
        throw template_error("built-in templates directory '" + builtin_dir +
                             "' does not exist (set WARROOM_TEMPLATES_DIR)");
    }
    if (!user_dir.empty()) {
        if (!fs::is_directory(user_dir, ec)) {
            throw template_error("templates directory '" + user_dir +
                                 "' does not exist (incidents.templates_dir)");
        }
        // A misspelt override would silently never be used; refuse it instead.
        const auto& names = required_templates();
        for (const auto& file : fs::directory_iterator(user_dir, ec)) {
            if (file.path().extension() != ".mustache")
                continue;
            const std::string stem = file.path().stem().string();
            if (std::find(names.begin(), names.end(), stem) == names.end()) {
                throw template_error(file.path().string() + ": unknown template '" + stem +
                                     "' (expected one of: " + join(names) + ")");
            }
        }
        if (ec)
            throw template_error("templates directory '" + user_dir + "': " + ec.message());
    }

    for (const auto& name : required_templates()) {
        fs::path path;
        if (!user_dir.empty() &&
            fs::is_regular_file(fs::path(user_dir) / (name + ".mustache"), ec)) {
            path = fs::path(user_dir) / (name + ".mustache");
        } else {
            path = fs::path(builtin_dir) / (name + ".mustache");
            if (!fs::is_regular_file(path, ec)) {
                throw template_error(path.string() + ": missing built-in template '" + name + "'");
            }
        }
        entry e;
        e.path = path.string();
        e.text = read_file(path);

        const auto tags = scan_tags(e.path, e.text);
        check_sections(e.path, e.text, tags);
        {
            // Anything our scanner let through but kainjow rejects, at the line kainjow names.
            const mustache parsed{e.text};
            if (!parsed.is_valid()) {
                const std::string& msg = parsed.error_message();
                const auto at = msg.rfind(" at ");
                std::optional<std::size_t> offset;
                if (at != std::string::npos) {
                    try {
                        offset = std::stoul(msg.substr(at + 4));
                    } catch (const std::exception&) {
                        offset.reset();
                    }
                }
                fail_at(e.path, offset ? line_at(e.text, *offset) : 1, msg);
            }
        }
        check_names(e.path, e.text, tags);
        e.prepared = strip_standalone_lines(e.text, tags);
        render_text(e.path, e.prepared, sample_data());
        render_text(e.path, e.prepared, sparse(sample_data()));
        templates_.emplace(name, std::move(e));
    }
}

std::string renderer::render(const std::string& name, const nlohmann::json& input) const {
    const auto it = templates_.find(name);
    if (it == templates_.end()) {
        throw template_error("unknown template '" + name +
                             "' (expected one of: " + join(required_templates()) + ")");
    }
    return render_text(it->second.path, it->second.prepared, input);
}

bool renderer::has(const std::string& name) const {
    return templates_.count(name) != 0;
}

std::string renderer::source_of(const std::string& name) const {
    const auto it = templates_.find(name);
    return it == templates_.end() ? std::string{} : it->second.path;
}

std::string builtin_templates_dir() {
    if (const char* env = std::getenv("WARROOM_TEMPLATES_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    std::error_code ec;
    const fs::path installed = fs::path(WARROOM_INSTALL_PREFIX) / "share" / "warroom" / "templates";
    if (fs::is_directory(installed, ec))
        return installed.string();
    return std::string(WARROOM_SOURCE_DIR) + "/templates";
}

}  // namespace warroom::render
