#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "bot/config/config.hpp"

using namespace warroom;
using config::config_error;
using std::chrono::minutes;

namespace {

using env_map = std::map<std::string, std::string>;

const config::severity_policy& sev(const config::config& cfg, domain::severity s) {
    return cfg.policy(s);
}

// The message of the config_error thrown by `f`, or "" when nothing was thrown.
template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

std::string yaml_error(const std::string& yaml) {
    return error_of([&] { config::load_yaml(yaml, "config.yaml"); });
}

bool has_problem(const std::vector<std::string>& problems, const std::string& needle) {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const std::string& p) { return p.find(needle) != std::string::npos; });
}

// A config file in a fresh temp directory, removed at the end of the test.
struct temp_file {
    std::filesystem::path dir;
    std::filesystem::path path;
    explicit temp_file(const std::string& text) {
        dir = std::filesystem::temp_directory_path() /
              ("warroom-config-test-" + std::to_string(::getpid()) + "-" +
               std::to_string(counter()++));
        std::filesystem::create_directories(dir);
        path = dir / "config.yaml";
        std::ofstream(path) << text;
    }
    ~temp_file() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

config::config valid_slack_config() {
    auto cfg = config::default_config();
    cfg.slack_bot_token = "xoxb-1-2-abc";
    cfg.slack_app_token = "xapp-1-A1-2-def";
    return cfg;
}

}  // namespace

TEST_CASE("default severities follow the seed runbook's SEV table", "[config][defaults]") {
    const auto cfg = config::default_config();
    using domain::severity;

    CHECK(sev(cfg, severity::sev0).description == "Complete outage, data loss, security breach");
    CHECK(sev(cfg, severity::sev1).description == "Major feature down, significant user impact");
    CHECK(sev(cfg, severity::sev2).description == "Degraded performance, moderate impact");
    CHECK(sev(cfg, severity::sev3).description == "Minor issues, workarounds available");
    CHECK(sev(cfg, severity::sev4).description == "Cosmetic issues, no functional impact");

    CHECK(sev(cfg, severity::sev0).response_time == "Immediate");
    CHECK(sev(cfg, severity::sev1).response_time == "<5 minutes");
    CHECK(sev(cfg, severity::sev2).response_time == "<15 minutes");
    CHECK(sev(cfg, severity::sev3).response_time == "<1 hour");
    CHECK(sev(cfg, severity::sev4).response_time == "Best effort");

    for (int i = 0; i < domain::severity_count; ++i) {
        CHECK(cfg.severities[static_cast<std::size_t>(i)].level == static_cast<severity>(i));
    }
}

TEST_CASE("default cadences are 10 min for critical, 15 min for SEV2 and none for SEV4",
          "[config][defaults]") {
    const auto cfg = config::default_config();
    using domain::severity;
    CHECK(sev(cfg, severity::sev0).update_cadence == minutes{10});
    CHECK(sev(cfg, severity::sev1).update_cadence == minutes{10});
    CHECK(sev(cfg, severity::sev2).update_cadence == minutes{15});
    CHECK(sev(cfg, severity::sev3).update_cadence == minutes{30});
    CHECK(sev(cfg, severity::sev4).update_cadence == std::chrono::seconds{0});
}

TEST_CASE("only SEV0-1 page and reach the status page, and SEV4 opens no war room",
          "[config][defaults]") {
    const auto cfg = config::default_config();
    using domain::severity;
    CHECK(sev(cfg, severity::sev0).pages);
    CHECK(sev(cfg, severity::sev1).pages);
    CHECK_FALSE(sev(cfg, severity::sev2).pages);
    CHECK_FALSE(sev(cfg, severity::sev4).pages);

    CHECK(sev(cfg, severity::sev0).status_page);
    CHECK(sev(cfg, severity::sev1).status_page);
    CHECK_FALSE(sev(cfg, severity::sev2).status_page);
    CHECK_FALSE(sev(cfg, severity::sev3).status_page);

    CHECK(sev(cfg, severity::sev3).war_room);
    CHECK_FALSE(sev(cfg, severity::sev4).war_room);

    CHECK(sev(cfg, severity::sev0).commander_group == "engineering-lead");
    CHECK(sev(cfg, severity::sev1).commander_group == "senior-oncall");
    CHECK(sev(cfg, severity::sev2).commander_group == "oncall");
    CHECK(sev(cfg, severity::sev4).commander_group.empty());
}

TEST_CASE("defaults match the design's environment defaults and pass validation",
          "[config][defaults]") {
    const auto cfg = config::load({});
    CHECK(cfg.slack_api_url == "https://slack.com/api/");
    CHECK(cfg.database_url == "sqlite:./warroom.db");
    CHECK(cfg.listen == "0.0.0.0:3000");
    CHECK(cfg.log_format == "text");
    CHECK(cfg.announce_channel == "incidents");
    CHECK_FALSE(cfg.slack_configured());
    CHECK(config::validate(cfg).empty());
}

TEST_CASE("a YAML file overrides every section", "[config][yaml]") {
    const auto cfg = config::load_yaml(R"(
slack:
  bot_token: xoxb-file
  signing_secret: s3cret
  api_url: http://127.0.0.1:9999/api/
database:
  url: postgres://warroom@db/warroom
  pool_size: 16
server:
  listen: 127.0.0.1:8080
log:
  level: debug
  format: json
incidents:
  announce_channel: "#ops-incidents"
  channel_prefix: inc
  channel_name_template: "{prefix}-{date}-{seq}-{slug}"
  default_commander: "@alice"
  templates_dir: /etc/warroom/templates
)",
                                       "config.yaml");
    CHECK(cfg.slack_bot_token == "xoxb-file");
    CHECK(cfg.slack_signing_secret == "s3cret");
    CHECK(cfg.slack_api_url == "http://127.0.0.1:9999/api/");
    CHECK(cfg.database_url == "postgres://warroom@db/warroom");
    CHECK(cfg.database_pool_size == 16);
    CHECK(cfg.listen == "127.0.0.1:8080");
    CHECK(cfg.log_level == "debug");
    CHECK(cfg.log_format == "json");
    CHECK(cfg.announce_channel == "ops-incidents");  // the '#' users type is dropped
    CHECK(cfg.channel_prefix == "inc");
    CHECK(cfg.channel_name_template == "{prefix}-{date}-{seq}-{slug}");
    CHECK(cfg.default_commander == "alice");
    CHECK(cfg.templates_dir == "/etc/warroom/templates");
    CHECK(cfg.slack_configured());
}

TEST_CASE("a partial severity entry overrides only the fields it names", "[config][yaml]") {
    const auto cfg = config::load_yaml(R"(
severities:
  SEV2:
    update_cadence: 20m
    pages: true
)",
                                       "config.yaml");
    const auto& p = cfg.policy(domain::severity::sev2);
    CHECK(p.update_cadence == minutes{20});
    CHECK(p.pages);
    CHECK(p.description == "Degraded performance, moderate impact");
    CHECK(p.response_time == "<15 minutes");
    CHECK(p.war_room);
    CHECK(p.commander_group == "oncall");
    // other levels are untouched
    CHECK(cfg.policy(domain::severity::sev1).update_cadence == minutes{10});
}

TEST_CASE("severity keys accept P0-P4 aliases and any letter case", "[config][yaml]") {
    const auto cfg = config::load_yaml(R"(
severities:
  P0: {update_cadence: 5m}
  sev3: {commander_group: "@platform-team"}
  p4: {war_room: true, update_cadence: 1h30m}
)",
                                       "config.yaml");
    CHECK(cfg.policy(domain::severity::sev0).update_cadence == minutes{5});
    CHECK(cfg.policy(domain::severity::sev3).commander_group == "platform-team");
    CHECK(cfg.policy(domain::severity::sev4).war_room);
    CHECK(cfg.policy(domain::severity::sev4).update_cadence == minutes{90});
}

TEST_CASE("update_cadence accepts 0, off and none to switch reminders off", "[config][yaml]") {
    for (const std::string value : {"0", "off", "none", "\"off\""}) {
        CAPTURE(value);
        const auto cfg =
            config::load_yaml("severities: {SEV2: {update_cadence: " + value + "}}", "c.yaml");
        CHECK(cfg.policy(domain::severity::sev2).update_cadence == std::chrono::seconds{0});
    }
}

TEST_CASE("an empty file or empty sections keep the defaults", "[config][yaml]") {
    CHECK(config::load_yaml("", "config.yaml").listen == "0.0.0.0:3000");
    CHECK(config::load_yaml("# nothing yet\n", "config.yaml").listen == "0.0.0.0:3000");
    const auto cfg = config::load_yaml("slack:\nincidents:\n  announce_channel:\n", "config.yaml");
    CHECK(cfg.announce_channel == "incidents");
}

TEST_CASE("an unknown key names its full path and the keys that are allowed", "[config][errors]") {
    const auto msg = yaml_error("incidents:\n  anounce_channel: ops\n");
    CHECK_THAT(msg, Catch::StartsWith("config.yaml: unknown key 'incidents.anounce_channel' "
                                      "(expected one of: announce_channel, channel_prefix, "));
    CHECK_THAT(msg, Catch::Contains("did you mean 'announce_channel'?"));
    CHECK_THAT(msg, Catch::Contains("line 2"));
    CHECK(msg.find('\n') == std::string::npos);

    CHECK_THAT(yaml_error("databse: {url: sqlite:x.db}\n"),
               Catch::Contains("unknown key 'databse' (expected one of: slack, database,"));
    CHECK_THAT(yaml_error("severities:\n  SEV2:\n    cadence: 5m\n"),
               Catch::Contains("unknown key 'severities.SEV2.cadence' (expected one of: "
                               "description, response_time, update_cadence"));
}

TEST_CASE("an unknown severity key is an error naming the accepted levels", "[config][errors]") {
    const auto msg = yaml_error("severities:\n  SEV5: {pages: true}\n");
    CHECK_THAT(msg, Catch::Contains("unknown severity 'severities.SEV5'"));
    CHECK_THAT(msg, Catch::Contains("SEV0"));
    CHECK_THAT(msg, Catch::Contains("P0-P4"));
    CHECK_THAT(yaml_error("severities:\n  SEV2: {pages: true}\n  P2: {pages: false}\n"),
               Catch::Contains("'severities.P2' names the same severity as 'severities.SEV2'"));
}

TEST_CASE("a wrong type names the key, the expected type and what was found", "[config][errors]") {
    CHECK_THAT(yaml_error("database:\n  pool_size: lots\n"),
               Catch::Contains("config.yaml: 'database.pool_size' must be an integer, found "
                               "'lots' at line 2"));
    CHECK_THAT(yaml_error("database:\n  pool_size: 4.5\n"),
               Catch::Contains("'database.pool_size' must be an integer"));
    CHECK_THAT(yaml_error("severities:\n  SEV1:\n    pages: sometimes\n"),
               Catch::Contains("'severities.SEV1.pages' must be true or false, found "
                               "'sometimes' at line 3"));
    CHECK_THAT(yaml_error("server:\n  listen:\n    host: 0.0.0.0\n"),
               Catch::Contains("'server.listen' must be a string, found a mapping"));
    CHECK_THAT(yaml_error("log: [info]\n"),
               Catch::Contains("'log' must be a mapping, found a list"));
    CHECK_THAT(yaml_error("- just\n- a list\n"), Catch::Contains("config.yaml: the file must be"));
}

TEST_CASE("a bad duration shows the expected form", "[config][errors]") {
    const auto msg = yaml_error("severities:\n  SEV2:\n    update_cadence: 15 minutes\n");
    CHECK_THAT(msg, Catch::Contains("'severities.SEV2.update_cadence' must be a duration such as "
                                    "15m, 1h, 90s"));
    CHECK_THAT(msg, Catch::Contains("found '15 minutes'"));
    CHECK_THAT(yaml_error("severities: {SEV2: {update_cadence: 15}}"),
               Catch::Contains("found '15'"));
}

TEST_CASE("log level and format must be one of the known values", "[config][errors]") {
    CHECK_THAT(yaml_error("log:\n  format: xml\n"),
               Catch::Contains("'log.format' must be one of text|json, found 'xml' at line 2"));
    CHECK_THAT(yaml_error("log:\n  level: verbose\n"),
               Catch::Contains("'log.level' must be one of "
                               "trace|debug|info|warn|error|critical|off, found 'verbose'"));
}

TEST_CASE("a YAML syntax error reports its line", "[config][errors]") {
    const auto msg = yaml_error("slack:\n  bot_token: a\n  api_url: [unclosed\nlog: {}\n");
    CHECK_THAT(msg, Catch::StartsWith("config.yaml: YAML syntax error at line "));
    CHECK(msg.find('\n') == std::string::npos);
    const auto msg2 = yaml_error("log:\n  level: info\n   format: json\n");
    CHECK_THAT(msg2, Catch::Contains("YAML syntax error at line 3"));
}

TEST_CASE("duplicate keys are rejected rather than silently merged", "[config][errors]") {
    CHECK_THAT(yaml_error("log:\n  level: info\n  level: debug\n"),
               Catch::Contains("duplicate key 'log.level' at line 3"));
}

TEST_CASE("load reads the file named by WARROOM_CONFIG", "[config][load]") {
    temp_file file("database:\n  pool_size: 9\nlog:\n  level: warn\n");
    const auto cfg = config::load({{"WARROOM_CONFIG", file.path.string()}});
    CHECK(cfg.database_pool_size == 9);
    CHECK(cfg.log_level == "warn");
}

TEST_CASE("errors in a loaded file name that file", "[config][load]") {
    temp_file file("incidents:\n  anounce_channel: x\n");
    const auto msg = error_of([&] { config::load({{"WARROOM_CONFIG", file.path.string()}}); });
    CHECK_THAT(msg, Catch::StartsWith(file.path.string() + ": unknown key"));
}

TEST_CASE("a missing config file is an error naming it", "[config][load]") {
    const auto msg = error_of([] {
        config::load({{"WARROOM_CONFIG", "/nonexistent/warroom/config.yaml"}});
    });
    CHECK_THAT(msg, Catch::Contains("WARROOM_CONFIG=/nonexistent/warroom/config.yaml"));
    CHECK_THAT(msg, Catch::Contains("no such file"));

    temp_file file("");
    const auto dir_msg = error_of([&] { config::load({{"WARROOM_CONFIG", file.dir.string()}}); });
    CHECK_THAT(dir_msg, Catch::Contains("not a regular file"));
}

TEST_CASE("environment variables win over the file", "[config][env]") {
    temp_file file(R"(
slack: {bot_token: xoxb-file, app_token: xapp-file, api_url: "http://file/api/"}
database: {url: "sqlite:file.db"}
server: {listen: "127.0.0.1:1"}
log: {level: debug, format: text}
incidents: {announce_channel: from-file}
)");
    const env_map env{{"WARROOM_CONFIG", file.path.string()},
                      {"SLACK_BOT_TOKEN", "xoxb-env"},
                      {"SLACK_APP_TOKEN", "xapp-env"},
                      {"SLACK_SIGNING_SECRET", "env-secret"},
                      {"SLACK_API_URL", "http://127.0.0.1:4000/api/"},
                      {"DATABASE_URL", "postgres://u@h/db"},
                      {"WARROOM_LISTEN", "127.0.0.1:0"},
                      {"WARROOM_LOG_LEVEL", "error"},
                      {"WARROOM_LOG_FORMAT", "json"},
                      {"WARROOM_ANNOUNCE_CHANNEL", "#from-env"}};
    const auto cfg = config::load(env);
    CHECK(cfg.slack_bot_token == "xoxb-env");
    CHECK(cfg.slack_app_token == "xapp-env");
    CHECK(cfg.slack_signing_secret == "env-secret");
    CHECK(cfg.slack_api_url == "http://127.0.0.1:4000/api/");
    CHECK(cfg.database_url == "postgres://u@h/db");
    CHECK(cfg.listen == "127.0.0.1:0");
    CHECK(cfg.log_level == "error");
    CHECK(cfg.log_format == "json");
    CHECK(cfg.announce_channel == "from-env");
    CHECK(config::validate(cfg).empty());
}

TEST_CASE("an empty environment variable does not override the file", "[config][env]") {
    temp_file file("log: {level: debug}\n");
    const auto cfg =
        config::load({{"WARROOM_CONFIG", file.path.string()}, {"WARROOM_LOG_LEVEL", ""}});
    CHECK(cfg.log_level == "debug");
}

TEST_CASE("a bad environment value names the variable", "[config][env]") {
    CHECK_THAT(error_of([] {
                   config::load({{"WARROOM_LOG_FORMAT", "xml"}});
               }),
               Catch::StartsWith("environment: WARROOM_LOG_FORMAT=xml (expected one of "
                                 "text|json)"));
    CHECK_THAT(error_of([] {
                   config::load({{"WARROOM_LOG_LEVEL", "loud"}});
               }),
               Catch::Contains("WARROOM_LOG_LEVEL=loud"));
}

TEST_CASE("describe shows the effective config with secrets masked", "[config][describe]") {
    auto cfg = valid_slack_config();
    cfg.slack_bot_token = "xoxb-very-secret-bot";
    cfg.slack_app_token = "xapp-very-secret-app";
    cfg.database_url = "postgres://warroom:hunter2@db:5432/warroom?password=hunter3";
    const auto text = config::describe(cfg);
    CHECK(text.find("very-secret") == std::string::npos);
    CHECK(text.find("hunter2") == std::string::npos);
    CHECK(text.find("hunter3") == std::string::npos);
    CHECK_THAT(text, Catch::Contains("  bot_token: \"***\""));
    CHECK_THAT(text, Catch::Contains("  app_token: \"***\""));
    CHECK_THAT(text, Catch::Contains("  signing_secret: \"\""));
    CHECK_THAT(text, Catch::Contains("postgres://warroom:***@db:5432/warroom?password=***"));
    CHECK_THAT(text, Catch::Contains("  SEV2:\n    description: \"Degraded performance, "
                                     "moderate impact\""));
    CHECK_THAT(text, Catch::Contains("    update_cadence: \"15m\""));
    CHECK_THAT(text, Catch::Contains("    update_cadence: \"off\""));
}

TEST_CASE("describe output loads back into the same configuration", "[config][describe]") {
    auto cfg = config::default_config();
    cfg.severities[2].update_cadence = std::chrono::seconds{5430};  // 1h30m30s
    cfg.default_commander = "quote\"d";
    cfg.database_pool_size = 12;
    const auto again = config::load_yaml(config::describe(cfg), "describe");
    CHECK(again.severities[2].update_cadence == cfg.severities[2].update_cadence);
    CHECK(again.default_commander == cfg.default_commander);
    CHECK(again.database_pool_size == 12);
    CHECK(config::describe(again) == config::describe(cfg));
}

TEST_CASE("secrets never appear in error messages", "[config][errors]") {
    CHECK_THAT(yaml_error("slack:\n  bot_token: [xoxb-leaked-value]\n"),
               Catch::Contains("'slack.bot_token' must be a string, found a list"));
    CHECK(yaml_error("slack:\n  bot_token: [xoxb-leaked-value]\n").find("leaked") ==
          std::string::npos);

    auto cfg = config::default_config();
    cfg.slack_bot_token = "xoxp-leaked-user-token";
    cfg.slack_app_token = "leaked-app";
    cfg.database_url = "mysql://root:leaked@db/x";
    for (const auto& p : config::validate(cfg)) {
        CAPTURE(p);
        CHECK(p.find("leaked") == std::string::npos);
    }
}

TEST_CASE("validate accepts a complete Slack setup in either mode", "[config][validate]") {
    CHECK(config::validate(valid_slack_config()).empty());
    auto http = config::default_config();
    http.slack_bot_token = "xoxb-1";
    http.slack_signing_secret = "abc";
    CHECK(config::validate(http).empty());
}

TEST_CASE("validate reports half-configured Slack credentials", "[config][validate]") {
    auto bot_only = config::default_config();
    bot_only.slack_bot_token = "xoxb-1";
    CHECK(has_problem(config::validate(bot_only),
                      "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN"));

    auto app_only = config::default_config();
    app_only.slack_app_token = "xapp-1";
    CHECK(has_problem(config::validate(app_only), "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN"));

    auto secret_only = config::default_config();
    secret_only.slack_signing_secret = "abc";
    CHECK(has_problem(config::validate(secret_only),
                      "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN"));
}

TEST_CASE("validate reports tokens of the wrong kind", "[config][validate]") {
    auto cfg = valid_slack_config();
    cfg.slack_bot_token = "xoxp-user-token";
    cfg.slack_app_token = "xoxb-bot-token";
    const auto problems = config::validate(cfg);
    CHECK(has_problem(problems, "SLACK_BOT_TOKEN): does not start with xoxb-"));
    CHECK(has_problem(problems, "SLACK_APP_TOKEN): does not start with xapp-"));
}

TEST_CASE("validate reports bad database, pool, listen and API settings", "[config][validate]") {
    auto cfg = config::default_config();
    cfg.database_url = "mysql://db/x";
    cfg.database_pool_size = 0;
    cfg.listen = "3000";
    cfg.slack_api_url = "slack.com/api";
    const auto problems = config::validate(cfg);
    CHECK(has_problem(problems, "database.url (DATABASE_URL): unknown scheme 'mysql'"));
    CHECK(has_problem(problems, "database.pool_size: 0 is out of range (expected 1..64)"));
    CHECK(has_problem(problems, "server.listen (WARROOM_LISTEN): '3000' is not HOST:PORT"));
    CHECK(has_problem(problems, "slack.api_url (SLACK_API_URL)"));
    CHECK(problems.size() == 4);

    cfg = config::default_config();
    cfg.database_pool_size = 65;
    CHECK(has_problem(config::validate(cfg), "database.pool_size: 65"));

    for (const std::string ok : {"postgres://h/db", "postgresql://u@h:5432/db",
                                 "sqlite::memory:", "sqlite:/var/lib/warroom.db"}) {
        cfg = config::default_config();
        cfg.database_url = ok;
        CAPTURE(ok);
        CHECK(config::validate(cfg).empty());
    }
    for (const std::string ok : {"[::]:3000", "localhost:8080", "127.0.0.1:0"}) {
        cfg = config::default_config();
        cfg.listen = ok;
        CAPTURE(ok);
        CHECK(config::validate(cfg).empty());
    }
    for (const std::string bad : {"::1:3000", "host:", ":3000", "host:70000", "host:http"}) {
        cfg = config::default_config();
        cfg.listen = bad;
        CAPTURE(bad);
        CHECK(has_problem(config::validate(cfg), "server.listen"));
    }
}

TEST_CASE("validate reports channel templates that would collide or are not Slack names",
          "[config][validate]") {
    auto cfg = config::default_config();
    cfg.channel_name_template = "{prefix}-{date}-{slug}";
    CHECK(has_problem(config::validate(cfg), "has no {seq}"));

    cfg.channel_name_template = "{prefix}-{seq}-{team}";
    CHECK(has_problem(config::validate(cfg), "unknown placeholder '{team}'"));

    cfg.channel_name_template = "{seq}";
    cfg.channel_prefix = "";
    CHECK(config::validate(cfg).empty());

    cfg.channel_name_template = "{prefix}-{date}-{seq}";
    cfg.channel_prefix = std::string(90, 'x');
    CHECK(has_problem(config::validate(cfg), "the {seq} part is cut off"));

    cfg = config::default_config();
    cfg.channel_name_template = "{prefix}-{date}-{seq}-{slug}";
    CHECK(config::validate(cfg).empty());
}

TEST_CASE("validate reports an announce channel that is not a Slack name", "[config][validate]") {
    auto cfg = config::default_config();
    cfg.announce_channel = "Ops Incidents";
    CHECK(has_problem(config::validate(cfg), "incidents.announce_channel"));
    cfg.announce_channel = "";
    CHECK(has_problem(config::validate(cfg), "incidents.announce_channel"));
}

TEST_CASE("validate reports a templates_dir that does not exist", "[config][validate]") {
    auto cfg = config::default_config();
    cfg.templates_dir = "/nonexistent/warroom-templates";
    CHECK(has_problem(config::validate(cfg),
                      "incidents.templates_dir: '/nonexistent/warroom-templates'"));
}

TEST_CASE("process_environment reads the real environment", "[config][env]") {
    ::setenv("WARROOM_CONFIG_TEST_PROBE", "a=b", 1);
    const auto env = config::process_environment();
    REQUIRE(env.count("WARROOM_CONFIG_TEST_PROBE") == 1);
    CHECK(env.at("WARROOM_CONFIG_TEST_PROBE") == "a=b");
    ::unsetenv("WARROOM_CONFIG_TEST_PROBE");
}

TEST_CASE("the shipped config.example.yaml loads and shows exactly the defaults",
          "[config][example]") {
    const std::string path = std::string(WARROOM_SOURCE_DIR) + "/deploy/config.example.yaml";
    const auto cfg = config::load({{"WARROOM_CONFIG", path}});
    CHECK(config::describe(cfg) == config::describe(config::default_config()));
    CHECK(config::validate(cfg).empty());
}

TEST_CASE("an error about a multi-line value stays on one line", "[config][errors]") {
    const auto msg = yaml_error("database:\n  pool_size: |\n    many\n    more\n");
    CHECK_THAT(msg, Catch::Contains("found 'many\\nmore\\n'"));
    CHECK(msg.find('\n') == std::string::npos);
}
