#include "bot/config/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "bot/domain/clock.hpp"
#include "bot/domain/incident.hpp"

namespace warroom::config {

namespace {

const std::vector<std::string> log_levels{"trace", "debug",    "info", "warn",
                                          "error", "critical", "off"};
const std::vector<std::string> log_formats{"text", "json"};
const std::vector<std::string> channel_placeholders{"prefix", "date", "seq", "slug", "sev"};

std::string join(const std::vector<std::string>& items, const std::string& sep) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty())
            out += sep;
        out += item;
    }
    return out;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

// A typo is the common cause of an unknown key, so name the closest known key when it is close.
std::optional<std::string> closest(const std::string& key, const std::vector<std::string>& known) {
    std::optional<std::string> best;
    std::size_t best_distance = 3;
    for (const auto& candidate : known) {
        const std::size_t d = edit_distance(key, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

std::string strip_prefix_char(std::string value, char c) {
    if (!value.empty() && value.front() == c)
        value.erase(0, 1);
    return value;
}

// Durations written back by describe() must parse again with domain::parse_duration.
std::string format_cadence(std::chrono::seconds d) {
    if (d.count() <= 0)
        return "off";
    long long s = d.count();
    std::string out;
    if (s >= 3600) {
        out += std::to_string(s / 3600) + "h";
        s %= 3600;
    }
    if (s >= 60) {
        out += std::to_string(s / 60) + "m";
        s %= 60;
    }
    if (s > 0)
        out += std::to_string(s) + "s";
    return out;
}

// "0", "off" and "none" switch reminders off; everything else must be a positive duration.
std::optional<std::chrono::seconds> parse_cadence(const std::string& text) {
    if (text == "0" || text == "off" || text == "none")
        return std::chrono::seconds{0};
    return domain::parse_duration(text);
}

// ---------------------------------------------------------------------------------------------
// YAML reading

class yaml_reader {
  public:
    explicit yaml_reader(std::string origin) : origin_(std::move(origin)) {}

    using setter = std::function<void(const YAML::Node&, const std::string& path)>;
    struct field {
        std::string name;
        setter set;
    };

    [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const {
        throw config_error(origin_ + ": " + message + line_of(at));
    }

    // Walks one mapping: every key must be known and appear once; null means "leave defaults".
    void read_map(const YAML::Node& node, const std::string& path,
                  const std::vector<field>& fields) const {
        if (node.IsNull())
            return;
        if (!node.IsMap()) {
            fail(node, "'" + path + "' must be a mapping, found " + what(node, false));
        }
        std::vector<std::string> names;
        for (const auto& f : fields)
            names.push_back(f.name);
        std::set<std::string> seen;
        for (auto it = node.begin(); it != node.end(); ++it) {
            const std::string key = it->first.Scalar();
            const std::string key_path = path.empty() ? key : path + "." + key;
            const auto f = std::find_if(fields.begin(), fields.end(),
                                        [&](const field& x) { return x.name == key; });
            if (f == fields.end()) {
                std::string message =
                    "unknown key '" + key_path + "' (expected one of: " + join(names, ", ");
                if (const auto guess = closest(key, names)) {
                    message += "; did you mean '" + *guess + "'?";
                }
                fail(it->first, message + ")");
            }
            if (!seen.insert(key).second)
                fail(it->first, "duplicate key '" + key_path + "'");
            f->set(it->second, key_path);
        }
    }

    setter str(std::string& dst, bool secret = false) const {
        return [this, &dst, secret](const YAML::Node& n, const std::string& path) {
            if (n.IsNull())
                return;
            if (!n.IsScalar())
                fail(n, "'" + path + "' must be a string, found " + what(n, secret));
            dst = n.Scalar();
        };
    }

    setter integer(int& dst) const {
        return [this, &dst](const YAML::Node& n, const std::string& path) {
            if (n.IsNull())
                return;
            int value = 0;
            if (!n.IsScalar() || !YAML::convert<int>::decode(n, value)) {
                fail(n, "'" + path + "' must be an integer, found " + what(n, false));
            }
            dst = value;
        };
    }

    setter boolean(bool& dst) const {
        return [this, &dst](const YAML::Node& n, const std::string& path) {
            if (n.IsNull())
                return;
            bool value = false;
            if (!n.IsScalar() || !YAML::convert<bool>::decode(n, value)) {
                fail(n, "'" + path + "' must be true or false, found " + what(n, false));
            }
            dst = value;
        };
    }

    setter one_of(std::string& dst, const std::vector<std::string>& allowed) const {
        return [this, &dst, &allowed](const YAML::Node& n, const std::string& path) {
            if (n.IsNull())
                return;
            if (!n.IsScalar() || !contains(allowed, n.Scalar())) {
                fail(n, "'" + path + "' must be one of " + join(allowed, "|") + ", found " +
                            what(n, false));
            }
            dst = n.Scalar();
        };
    }

    setter cadence(std::chrono::seconds& dst) const {
        return [this, &dst](const YAML::Node& n, const std::string& path) {
            if (n.IsNull())
                return;
            std::optional<std::chrono::seconds> value;
            if (n.IsScalar())
                value = parse_cadence(n.Scalar());
            if (!value) {
                fail(n, "'" + path + "' must be a duration such as 15m, 1h, 90s (or 0/off for " +
                            "none), found " + what(n, false));
            }
            dst = *value;
        };
    }

    setter with_prefix_stripped(std::string& dst, char c) const {
        return [this, &dst, c](const YAML::Node& n, const std::string& path) {
            str(dst)(n, path);
            dst = strip_prefix_char(dst, c);
        };
    }

    void read_severities(const YAML::Node& node, const std::string& path, config& cfg) const {
        if (node.IsNull())
            return;
        if (!node.IsMap()) {
            fail(node, "'" + path + "' must be a mapping of SEV0-SEV4 (or P0-P4) entries, found " +
                           what(node, false));
        }
        std::map<domain::severity, std::string> seen;
        for (auto it = node.begin(); it != node.end(); ++it) {
            const std::string key = it->first.Scalar();
            const std::string key_path = path + "." + key;
            const auto level = domain::parse_severity(key);
            if (!level) {
                fail(it->first, "unknown severity '" + key_path +
                                    "' (expected one of: SEV0, SEV1, SEV2, SEV3, SEV4 or the "
                                    "aliases P0-P4)");
            }
            if (const auto prev = seen.find(*level); prev != seen.end()) {
                fail(it->first, "'" + key_path + "' names the same severity as '" + path + "." +
                                    prev->second + "'");
            }
            seen.emplace(*level, key);
            auto& p = cfg.severities[static_cast<std::size_t>(*level)];
            read_map(it->second, key_path,
                     {{"description", str(p.description)},
                      {"response_time", str(p.response_time)},
                      {"update_cadence", cadence(p.update_cadence)},
                      {"pages", boolean(p.pages)},
                      {"war_room", boolean(p.war_room)},
                      {"status_page", boolean(p.status_page)},
                      {"commander_group", with_prefix_stripped(p.commander_group, '@')}});
        }
    }

    void read_root(const YAML::Node& root, config& cfg) const {
        read_map(
            root, "",
            {{"slack",
              [&](const YAML::Node& n, const std::string& p) {
                  read_map(n, p,
                           {{"bot_token", str(cfg.slack_bot_token, true)},
                            {"signing_secret", str(cfg.slack_signing_secret, true)},
                            {"app_token", str(cfg.slack_app_token, true)},
                            {"api_url", str(cfg.slack_api_url)},
                            {"outbox_threads", integer(cfg.slack_outbox_threads)}});
              }},
             {"database",
              [&](const YAML::Node& n, const std::string& p) {
                  read_map(n, p,
                           {{"url", str(cfg.database_url, true)},
                            {"pool_size", integer(cfg.database_pool_size)}});
              }},
             {"server",
              [&](const YAML::Node& n, const std::string& p) {
                  read_map(n, p, {{"listen", str(cfg.listen)}});
              }},
             {"log",
              [&](const YAML::Node& n, const std::string& p) {
                  read_map(n, p,
                           {{"level", one_of(cfg.log_level, log_levels)},
                            {"format", one_of(cfg.log_format, log_formats)}});
              }},
             {"incidents",
              [&](const YAML::Node& n, const std::string& p) {
                  read_map(n, p,
                           {{"announce_channel", with_prefix_stripped(cfg.announce_channel, '#')},
                            {"channel_prefix", str(cfg.channel_prefix)},
                            {"channel_name_template", str(cfg.channel_name_template)},
                            {"default_commander", with_prefix_stripped(cfg.default_commander, '@')},
                            {"templates_dir", str(cfg.templates_dir)}});
              }},
             {"severities",
              [&](const YAML::Node& n, const std::string& p) { read_severities(n, p, cfg); }}});
    }

  private:
    static std::string line_of(const YAML::Node& n) {
        const YAML::Mark mark = n.Mark();
        if (mark.is_null() || mark.line < 0)
            return "";
        return " at line " + std::to_string(mark.line + 1);
    }

    // What the user wrote, for the error message; a secret's value is never repeated.
    static std::string what(const YAML::Node& n, bool secret) {
        if (n.IsMap())
            return "a mapping";
        if (n.IsSequence())
            return "a list";
        if (n.IsNull())
            return "nothing";
        if (secret)
            return "a value that is not a string";
        // Errors are one line: a block scalar's newlines are shown escaped, a long value cut.
        std::string shown;
        for (const char c : n.Scalar()) {
            if (c == '\n') {
                shown += "\\n";
            } else if (c != '\r') {
                shown.push_back(c);
            }
        }
        if (shown.size() > 60)
            shown = shown.substr(0, 57) + "...";
        return "'" + shown + "'";
    }

    std::string origin_;
};

// ---------------------------------------------------------------------------------------------
// Environment

struct env_string {
    const char* variable;
    std::string config::*field;
    char strip;  // a leading character users often type and Slack does not want ('#', '@')
};

const std::vector<env_string>& env_strings() {
    static const std::vector<env_string> bindings{
        {"SLACK_BOT_TOKEN", &config::slack_bot_token, '\0'},
        {"SLACK_SIGNING_SECRET", &config::slack_signing_secret, '\0'},
        {"SLACK_APP_TOKEN", &config::slack_app_token, '\0'},
        {"SLACK_API_URL", &config::slack_api_url, '\0'},
        {"DATABASE_URL", &config::database_url, '\0'},
        {"WARROOM_LISTEN", &config::listen, '\0'},
        {"WARROOM_ANNOUNCE_CHANNEL", &config::announce_channel, '#'},
    };
    return bindings;
}

void apply_environment(config& cfg, const std::map<std::string, std::string>& env) {
    // An empty variable counts as unset, as `VAR=` in compose files and unit files usually means.
    const auto get = [&](const char* name) -> std::optional<std::string> {
        const auto it = env.find(name);
        if (it == env.end() || it->second.empty())
            return std::nullopt;
        return it->second;
    };
    for (const auto& b : env_strings()) {
        if (auto v = get(b.variable))
            cfg.*b.field = b.strip ? strip_prefix_char(*v, b.strip) : *v;
    }
    if (auto v = get("WARROOM_LOG_LEVEL")) {
        if (!contains(log_levels, *v)) {
            throw config_error("environment: WARROOM_LOG_LEVEL=" + *v + " (expected one of " +
                               join(log_levels, "|") + ")");
        }
        cfg.log_level = *v;
    }
    if (auto v = get("WARROOM_LOG_FORMAT")) {
        if (!contains(log_formats, *v)) {
            throw config_error("environment: WARROOM_LOG_FORMAT=" + *v + " (expected one of " +
                               join(log_formats, "|") + ")");
        }
        cfg.log_format = *v;
    }
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

bool is_listen_address(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        return false;
    std::string host = text.substr(0, colon);
    const std::string port = text.substr(colon + 1);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']')
            return false;
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string::npos) {
        return false;  // a bare IPv6 address is ambiguous: it must be written [::1]:3000
    }
    if (host.find_first_of(" \t/") != std::string::npos)
        return false;
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    return std::stoi(port) <= 65535;  // port 0 (any free port) is allowed for tests
}

std::string scheme_of(const std::string& url) {
    const auto colon = url.find(':');
    if (colon == std::string::npos)
        return {};
    const std::string scheme = url.substr(0, colon);
    const bool plain = !scheme.empty() && std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '-' || c == '.';
    });
    return plain ? scheme : std::string{};
}

std::string quote(const std::string& s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02x", c);
                    out += buf;
                } else {
                    out.push_back(ch);
                }
        }
    }
    return out + "\"";
}

std::string masked(const std::string& secret) {
    return quote(secret.empty() ? "" : "***");
}

// A database URL is worth showing, its password is not: "postgres://app:***@db/warroom".
std::string mask_url_password(const std::string& url) {
    std::string out = url;
    const auto authority = out.find("://");
    if (authority != std::string::npos) {
        const auto start = authority + 3;
        const auto at = out.find('@', start);
        const auto slash = out.find('/', start);
        if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
            const auto colon = out.find(':', start);
            if (colon != std::string::npos && colon < at)
                out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    // libpq also takes the password as a query parameter
    for (auto pos = out.find("password="); pos != std::string::npos;
         pos = out.find("password=", pos + 1)) {
        const auto value = pos + 9;
        const auto end = out.find_first_of("&; ", value);
        out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
    }
    return out;
}

}  // namespace

config default_config() {
    config cfg;
    using std::chrono::minutes;
    // Seed 004's SEV table; cadences from seed 003 (critical: every 10 min) and 004 (SEV2: 15 min).
    const std::array<severity_policy, domain::severity_count> table{{
        {domain::severity::sev0, "Complete outage, data loss, security breach", "Immediate",
         minutes{10}, true, true, true, "engineering-lead"},
        {domain::severity::sev1, "Major feature down, significant user impact", "<5 minutes",
         minutes{10}, true, true, true, "senior-oncall"},
        {domain::severity::sev2, "Degraded performance, moderate impact", "<15 minutes",
         minutes{15}, false, true, false, "oncall"},
        {domain::severity::sev3, "Minor issues, workarounds available", "<1 hour", minutes{30},
         false, true, false, "oncall"},
        // "SEV4: create ticket, no incident"
        {domain::severity::sev4, "Cosmetic issues, no functional impact", "Best effort", minutes{0},
         false, false, false, ""},
    }};
    cfg.severities = table;
    return cfg;
}

config load_yaml(const std::string& yaml_text, const std::string& origin) {
    config cfg = default_config();
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::ParserException& e) {
        throw config_error(origin + ": YAML syntax error at line " +
                           std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (!root.IsNull() && !root.IsMap()) {
        throw config_error(origin +
                           ": the file must be a mapping with the sections slack, database, "
                           "server, log, incidents, severities");
    }
    const yaml_reader reader(origin);
    try {
        reader.read_root(root, cfg);
    } catch (const YAML::Exception& e) {
        // yaml-cpp only throws here on a malformed node; keep the one-line, file-named contract.
        throw config_error(origin + ": " + e.msg);
    }
    return cfg;
}

config load(const std::map<std::string, std::string>& env) {
    config cfg = default_config();
    if (const auto it = env.find("WARROOM_CONFIG"); it != env.end() && !it->second.empty()) {
        const std::string& path = it->second;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) {
            throw config_error(
                "WARROOM_CONFIG=" + path + ": " +
                (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
        }
        std::ifstream in(path, std::ios::binary);
        std::string text;
        if (in)
            text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (!in || in.bad()) {
            throw config_error("WARROOM_CONFIG=" + path + ": cannot read file (" +
                               std::strerror(errno) + ")");
        }
        cfg = load_yaml(text, path);
    }
    apply_environment(cfg, env);
    return cfg;
}

std::vector<std::string> validate(const config& cfg) {
    std::vector<std::string> problems;

    // The URL may carry a password, so only its scheme is ever repeated.
    const std::string db_scheme = scheme_of(cfg.database_url);
    if (db_scheme != "sqlite" && db_scheme != "postgres" && db_scheme != "postgresql") {
        problems.push_back(
            "database.url (DATABASE_URL): " +
            (db_scheme.empty() ? std::string("no scheme") : "unknown scheme '" + db_scheme + "'") +
            " (expected sqlite:PATH, postgres://... or postgresql://...)");
    } else if (db_scheme == "sqlite" && cfg.database_url.size() == 7) {
        problems.push_back(
            "database.url (DATABASE_URL): sqlite: needs a file path, e.g. "
            "sqlite:./warroom.db");
    }
    if (cfg.slack_outbox_threads < 1 || cfg.slack_outbox_threads > 32) {
        problems.push_back("slack.outbox_threads: " + std::to_string(cfg.slack_outbox_threads) +
                           " is out of range (expected 1..32)");
    }
    if (cfg.database_pool_size < 1 || cfg.database_pool_size > 64) {
        problems.push_back("database.pool_size: " + std::to_string(cfg.database_pool_size) +
                           " is out of range (expected 1..64)");
    }
    if (!is_listen_address(cfg.listen)) {
        problems.push_back("server.listen (WARROOM_LISTEN): '" + cfg.listen +
                           "' is not HOST:PORT (e.g. 0.0.0.0:3000 or [::]:3000)");
    }
    const auto api = cfg.slack_api_url;
    const bool http = api.starts_with("http://") && api.size() > 7;
    const bool https = api.starts_with("https://") && api.size() > 8;
    if (!http && !https) {
        problems.push_back(
            "slack.api_url (SLACK_API_URL): expected an http:// or https:// URL, "
            "e.g. https://slack.com/api/");
    }
    if (!contains(log_levels, cfg.log_level)) {
        problems.push_back("log.level (WARROOM_LOG_LEVEL): '" + cfg.log_level +
                           "' (expected one of " + join(log_levels, "|") + ")");
    }
    if (!contains(log_formats, cfg.log_format)) {
        problems.push_back("log.format (WARROOM_LOG_FORMAT): '" + cfg.log_format +
                           "' (expected one of " + join(log_formats, "|") + ")");
    }

    // Channel names: every placeholder known, {seq} present (else two incidents on one day
    // collide), and a sample name valid for Slack with its sequence intact.
    const std::string& tpl = cfg.channel_name_template;
    for (std::size_t open = tpl.find('{'); open != std::string::npos;
         open = tpl.find('{', open + 1)) {
        const auto close = tpl.find('}', open);
        if (close == std::string::npos)
            break;
        const std::string name = tpl.substr(open + 1, close - open - 1);
        if (!contains(channel_placeholders, name)) {
            problems.push_back("incidents.channel_name_template: unknown placeholder '{" + name +
                               "}' (expected {prefix}, {date}, {seq}, {slug}, {sev})");
        }
    }
    if (tpl.find("{seq}") == std::string::npos) {
        problems.push_back("incidents.channel_name_template: '" + tpl +
                           "' has no {seq}, so two incidents on the same day would get the same "
                           "channel name");
    } else {
        const std::string sample =
            domain::make_channel_name(tpl, cfg.channel_prefix, "20240115", 42,
                                      "API error rate spike", domain::severity::sev2);
        if (!domain::is_valid_channel_name(sample)) {
            problems.push_back("incidents.channel_name_template: gives '" + sample +
                               "' for a sample incident, not a valid Slack channel name "
                               "(a-z, 0-9, '-', '_', 1..80 characters)");
        } else if (sample.find("0042") == std::string::npos) {
            problems.push_back(
                "incidents.channel_name_template: the {seq} part is cut off at 80 "
                "characters (sample: '" +
                sample + "'); shorten channel_prefix or the template");
        }
    }
    if (!domain::is_valid_channel_name(cfg.announce_channel)) {
        problems.push_back("incidents.announce_channel (WARROOM_ANNOUNCE_CHANNEL): '" +
                           cfg.announce_channel +
                           "' is not a valid Slack channel name (a-z, 0-9, '-', '_', 1..80 "
                           "characters, no '#')");
    }
    if (!cfg.templates_dir.empty()) {
        std::error_code ec;
        if (!std::filesystem::is_directory(cfg.templates_dir, ec)) {
            problems.push_back("incidents.templates_dir: '" + cfg.templates_dir +
                               "' is not a directory");
        }
    }

    // Slack credentials come in pairs: the bot token plus one way of receiving events.
    const bool bot = !cfg.slack_bot_token.empty();
    const bool app = !cfg.slack_app_token.empty();
    const bool secret = !cfg.slack_signing_secret.empty();
    if (bot && !app && !secret) {
        problems.push_back(
            "slack: SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket "
            "Mode) nor SLACK_SIGNING_SECRET (HTTP Events API) is");
    }
    if (!bot && (app || secret)) {
        problems.push_back(std::string("slack: ") +
                           (app ? "SLACK_APP_TOKEN" : "SLACK_SIGNING_SECRET") +
                           " is set but SLACK_BOT_TOKEN is not (the bot cannot post without it)");
    }
    if (bot && !cfg.slack_bot_token.starts_with("xoxb-")) {
        problems.push_back(
            "slack.bot_token (SLACK_BOT_TOKEN): does not start with xoxb- (use the "
            "Bot User OAuth Token, not a user or app token)");
    }
    if (app && !cfg.slack_app_token.starts_with("xapp-")) {
        problems.push_back(
            "slack.app_token (SLACK_APP_TOKEN): does not start with xapp- (use an "
            "app-level token with the connections:write scope)");
    }
    return problems;
}

std::string describe(const config& cfg) {
    std::ostringstream out;
    out << "# effective warroom configuration (secrets shown as \"***\")\n";
    out << "slack:\n"
        << "  bot_token: " << masked(cfg.slack_bot_token) << "\n"
        << "  signing_secret: " << masked(cfg.slack_signing_secret) << "\n"
        << "  app_token: " << masked(cfg.slack_app_token) << "\n"
        << "  api_url: " << quote(cfg.slack_api_url) << "\n"
        << "  outbox_threads: " << cfg.slack_outbox_threads << "\n";
    out << "database:\n"
        << "  url: " << quote(mask_url_password(cfg.database_url)) << "\n"
        << "  pool_size: " << cfg.database_pool_size << "\n";
    out << "server:\n"
        << "  listen: " << quote(cfg.listen) << "\n";
    out << "log:\n"
        << "  level: " << quote(cfg.log_level) << "\n"
        << "  format: " << quote(cfg.log_format) << "\n";
    out << "incidents:\n"
        << "  announce_channel: " << quote(cfg.announce_channel) << "\n"
        << "  channel_prefix: " << quote(cfg.channel_prefix) << "\n"
        << "  channel_name_template: " << quote(cfg.channel_name_template) << "\n"
        << "  default_commander: " << quote(cfg.default_commander) << "\n"
        << "  templates_dir: " << quote(cfg.templates_dir) << "\n";
    out << "severities:\n";
    for (std::size_t i = 0; i < cfg.severities.size(); ++i) {
        const auto& p = cfg.severities[i];
        out << "  " << domain::to_string(static_cast<domain::severity>(i)) << ":\n"
            << "    description: " << quote(p.description) << "\n"
            << "    response_time: " << quote(p.response_time) << "\n"
            << "    update_cadence: " << quote(format_cadence(p.update_cadence)) << "\n"
            << "    pages: " << (p.pages ? "true" : "false") << "\n"
            << "    war_room: " << (p.war_room ? "true" : "false") << "\n"
            << "    status_page: " << (p.status_page ? "true" : "false") << "\n"
            << "    commander_group: " << quote(p.commander_group) << "\n";
    }
    return out.str();
}

std::map<std::string, std::string> process_environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string entry(*e);
        const auto eq = entry.find('=');
        if (eq == std::string::npos)
            continue;
        env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
    return env;
}

}  // namespace warroom::config
