#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "commands/registry.hpp"

using namespace warroom;
using namespace warroom::commands;

namespace {

// Records what the handlers asked the service to do, so execute steps are checked without a
// database.
class recording_service final : public service_port {
  public:
    struct call {
        std::string method;
        std::vector<std::string> args;
        std::string incident_id;
        std::string actor;
    };

    std::vector<call> calls;
    service::command_result answer;  // what every call returns
    bool throw_user_error = false;

    result declare(const context& ctx, const service::declare_request& r) override {
        return record(ctx, "declare",
                      {std::string(domain::to_string(r.severity)), r.title,
                       r.is_private ? "private" : "public", r.commander, r.description});
    }
    result set_status(const context& ctx, domain::status to) override {
        return record(ctx, "set_status", {std::string(domain::to_string(to))});
    }
    result post_update(const context& ctx, const std::string& text) override {
        return record(ctx, "post_update", {text});
    }
    result set_severity(const context& ctx, domain::severity to) override {
        return record(ctx, "set_severity", {std::string(domain::to_string(to))});
    }
    result set_commander(const context& ctx, const std::string& user) override {
        return record(ctx, "set_commander", {user});
    }
    result assign_role(const context& ctx, const std::string& role,
                       const std::string& user) override {
        return record(ctx, "assign_role", {role, user});
    }
    result add_note(const context& ctx, const std::string& text) override {
        return record(ctx, "add_note", {text});
    }
    result add_hypothesis(const context& ctx, const std::string& text,
                          domain::confidence conf) override {
        return record(ctx, "add_hypothesis", {text, std::string(domain::to_string(conf))});
    }
    result add_mitigation(const context& ctx, const std::string& action,
                          const std::string& owner) override {
        return record(ctx, "add_mitigation", {action, owner});
    }
    result add_action(const context& ctx, const service::action_request& r) override {
        return record(ctx, "add_action", {r.text, r.owner, r.due, r.priority});
    }
    result complete_action(const context& ctx, int number) override {
        return record(ctx, "complete_action", {std::to_string(number)});
    }
    result list_actions(const context& ctx) override { return record(ctx, "list_actions", {}); }
    result resolve(const context& ctx, const std::string& summary) override {
        return record(ctx, "resolve", {summary});
    }
    result close(const context& ctx) override { return record(ctx, "close", {}); }
    result timeline(const context& ctx) override { return record(ctx, "timeline", {}); }
    result list(const context& ctx) override { return record(ctx, "list", {}); }
    result stats(const context& ctx) override { return record(ctx, "stats", {}); }

  private:
    result record(const context& ctx, std::string method, std::vector<std::string> args) {
        calls.push_back({std::move(method), std::move(args), ctx.incident_id, ctx.actor});
        if (throw_user_error)
            throw service::user_error("only a resolved incident can be closed");
        return answer;
    }
};

const registry& commands_under_test() {
    static const registry r = make_default_registry();
    return r;
}

parsed_command parse_ok(const std::string& text) {
    auto result = commands_under_test().parse(text);
    if (const auto* e = std::get_if<parse_error>(&result)) {
        FAIL("\"" << text << "\" did not parse: " << e->message);
    }
    return std::get<parsed_command>(result);
}

template <class Command>
Command parse_as(const std::string& text) {
    const parsed_command p = parse_ok(text);
    INFO("parsing \"" << text << "\" gave command " << p.command);
    REQUIRE(std::holds_alternative<Command>(p.request));
    return std::get<Command>(p.request);
}

std::string error_of(const std::string& text) {
    const auto result = commands_under_test().parse(text);
    if (std::holds_alternative<parsed_command>(result)) {
        FAIL("\"" << text << "\" parsed but should have been rejected");
    }
    return std::get<parse_error>(result).message;
}

service::command_context ctx() {
    service::command_context c;
    c.actor = "alice";
    c.channel = "incident-20240115-0042";
    return c;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Happy paths, one per subcommand.

TEST_CASE("create parses severity, quoted title and every flag", "[grammar]") {
    const auto c = parse_as<create_command>(
        "create SEV1 \"API error rate spike\" --private --commander @oncall-backend "
        "--description \"5xx above 5% on /checkout\"");
    CHECK(c.request.severity == domain::severity::sev1);
    CHECK(c.request.title == "API error rate spike");
    CHECK(c.request.is_private);
    CHECK(c.request.commander == "oncall-backend");
    CHECK(c.request.description == "5xx above 5% on /checkout");
}

TEST_CASE("create defaults to public with no commander and no description", "[grammar]") {
    const auto c = parse_as<create_command>("create SEV3 \"Slow search\"");
    CHECK(c.request.severity == domain::severity::sev3);
    CHECK_FALSE(c.request.is_private);
    CHECK(c.request.commander.empty());
    CHECK(c.request.description.empty());
}

TEST_CASE("declare is an alias of create and P-levels are severities", "[grammar]") {
    const auto p = parse_ok("declare P0 \"Checkout down\"");
    CHECK(p.command == "create");
    const auto& c = std::get<create_command>(p.request);
    CHECK(c.request.severity == domain::severity::sev0);
    for (int i = 0; i <= 4; ++i) {
        const auto s = std::to_string(i);
        CHECK(parse_as<create_command>("create P" + s + " x").request.severity ==
              static_cast<domain::severity>(i));
        CHECK(parse_as<create_command>("create sev" + s + " x").request.severity ==
              static_cast<domain::severity>(i));
    }
}

TEST_CASE("create accepts an unquoted multi-word title", "[grammar]") {
    const auto c = parse_as<create_command>("create SEV2 checkout is down --private");
    CHECK(c.request.title == "checkout is down");
    CHECK(c.request.is_private);
}

TEST_CASE("create accepts a title of exactly 150 characters, counted as characters", "[grammar]") {
    std::string title;
    for (int i = 0; i < 150; ++i)
        title += "\xC3\xA9";  // é: two bytes, one character
    CHECK(parse_as<create_command>("create SEV2 \"" + title + "\"").request.title == title);
}

TEST_CASE("create takes its title in every quoting form", "[grammar]") {
    CHECK(parse_as<create_command>("create SEV2 'API down'").request.title == "API down");
    CHECK(parse_as<create_command>("create SEV2 \xE2\x80\x9C"
                                   "API down\xE2\x80\x9D")
              .request.title == "API down");
    CHECK(parse_as<create_command>("create SEV2 \"say \\\"hi\\\"\"").request.title == "say \"hi\"");
    CHECK(parse_as<create_command>("create SEV2 \"R&amp;D &lt;3\"").request.title == "R&D <3");
}

TEST_CASE("flags take values in both --k v and --k=v forms", "[grammar]") {
    for (const std::string line :
         {"create SEV2 x --commander @bob", "create SEV2 x --commander=@bob",
          "create SEV2 x --commander=<@U07BOB>", "create SEV2 --commander @bob x"}) {
        CAPTURE(line);
        const auto c = parse_as<create_command>(line);
        CHECK(c.request.title == "x");
        CHECK((c.request.commander == "bob" || c.request.commander == "U07BOB"));
    }
    CHECK(parse_as<create_command>("create SEV2 x --description=\"a b\"").request.description ==
          "a b");
}

TEST_CASE("status accepts the four response stages in any case", "[grammar]") {
    CHECK(parse_as<status_command>("status investigating").to == domain::status::investigating);
    CHECK(parse_as<status_command>("status identified").to == domain::status::identified);
    CHECK(parse_as<status_command>("status Monitoring").to == domain::status::monitoring);
    CHECK(parse_as<status_command>("status RESOLVED").to == domain::status::resolved);
}

TEST_CASE("update takes quoted text or the remaining bare words", "[grammar]") {
    CHECK(parse_as<update_command>("update \"Rolled back v2.3\"").text == "Rolled back v2.3");
    CHECK(parse_as<update_command>("update rolled back v2.3, error rate falling").text ==
          "rolled back v2.3, error rate falling");
}

TEST_CASE("sev accepts SEVn and Pn", "[grammar]") {
    CHECK(parse_as<sev_command>("sev SEV1").to == domain::severity::sev1);
    CHECK(parse_as<sev_command>("sev p3").to == domain::severity::sev3);
    CHECK(parse_as<sev_command>("severity P4").to == domain::severity::sev4);
}

TEST_CASE("commander takes a user in all three mention forms", "[grammar]") {
    CHECK(parse_as<commander_command>("commander @alice").user == "alice");
    CHECK(parse_as<commander_command>("commander <@U123ABC>").user == "U123ABC");
    CHECK(parse_as<commander_command>("commander <@U123ABC|alice>").user == "U123ABC");
}

TEST_CASE("role assigns a lower-cased role name to a user", "[grammar]") {
    const auto r = parse_as<role_command>("role Scribe <@U9|sam>");
    CHECK(r.role == "scribe");
    CHECK(r.user == "U9");
    CHECK(parse_as<role_command>("role comms-lead_2 @kim").role == "comms-lead_2");
    CHECK(parse_as<role_command>("role " + std::string(32, 'r') + " @kim").role.size() == 32);
}

TEST_CASE("role commander is the commander command", "[grammar]") {
    CHECK(parse_as<commander_command>("role commander @bob").user == "bob");
}

TEST_CASE("note joins bare words, keeping mentions and links as Slack renders them", "[grammar]") {
    CHECK(parse_as<note_command>("note restarted the pods").text == "restarted the pods");
    CHECK(parse_as<note_command>("note asked <@U1>, see <https://grafana.example/d|dash>").text ==
          "asked <@U1>, see <https://grafana.example/d|dash>");
    CHECK(parse_as<note_command>("note set replicas=3 on api").text == "set replicas=3 on api");
    CHECK(parse_as<note_command>("note \"multi\nline\"").text == "multi\nline");
}

TEST_CASE("hypothesis defaults to medium confidence and reads the flag anywhere", "[grammar]") {
    const auto h = parse_as<hypothesis_command>("hypothesis \"DB pool exhausted\"");
    CHECK(h.text == "DB pool exhausted");
    CHECK(h.confidence == domain::confidence::medium);
    const auto h2 = parse_as<hypothesis_command>("hypothesis db pool exhausted --confidence high");
    CHECK(h2.text == "db pool exhausted");
    CHECK(h2.confidence == domain::confidence::high);
    const auto h3 = parse_as<hypothesis_command>("hypothesis --confidence=low cache stampede");
    CHECK(h3.text == "cache stampede");
    CHECK(h3.confidence == domain::confidence::low);
}

TEST_CASE("mitigation has an optional owner", "[grammar]") {
    const auto m = parse_as<mitigation_command>("mitigation \"Roll back to v2.2\" --owner @bob");
    CHECK(m.action == "Roll back to v2.2");
    CHECK(m.owner == "bob");
    CHECK(parse_as<mitigation_command>("mitigation scale api to 10").owner.empty());
}

TEST_CASE("action add needs owner and due date and normalises the priority", "[grammar]") {
    const auto a = parse_as<action_add_command>(
        "action add \"Add pool saturation alert\" --owner @bob --due 2024-02-29 --priority p1");
    CHECK(a.request.text == "Add pool saturation alert");
    CHECK(a.request.owner == "bob");
    CHECK(a.request.due == "2024-02-29");
    CHECK(a.request.priority == "P1");
    CHECK(parse_as<action_add_command>("action add x --owner=@b --due=2024-01-01 --priority HIGH")
              .request.priority == "High");
    CHECK(parse_as<action_add_command>("action add fix alerts --owner <@U1> --due 2024-01-01")
              .request.priority.empty());
}

TEST_CASE("action done takes a positive number, with or without #", "[grammar]") {
    CHECK(parse_as<action_done_command>("action done 3").number == 3);
    CHECK(parse_as<action_done_command>("action done #12").number == 12);
    CHECK(parse_as<action_done_command>("action DONE 999999").number == 999999);
}

TEST_CASE("action list takes nothing", "[grammar]") {
    parse_as<action_list_command>("action list");
}

TEST_CASE("resolve takes the summary", "[grammar]") {
    CHECK(parse_as<resolve_command>("resolve \"Rolled back the bad deploy\"").summary ==
          "Rolled back the bad deploy");
    CHECK(parse_as<resolve_command>("resolve rolled back").summary == "rolled back");
}

TEST_CASE("close, timeline, postmortem, list and stats take no arguments", "[grammar]") {
    parse_as<close_command>("close");
    parse_as<timeline_command>("timeline");
    parse_as<postmortem_command>("postmortem");
    parse_as<list_command>("list");
    parse_as<stats_command>("stats");
}

TEST_CASE("help lists everything or one command by name or alias", "[grammar]") {
    CHECK(parse_as<help_command>("help").topic.empty());
    CHECK(parse_as<help_command>("help sev").topic == "sev");
    CHECK(parse_as<help_command>("help declare").topic == "create");
}

TEST_CASE("diag takes a name and key=value parameters in order", "[grammar]") {
    const auto d = parse_as<diag_command>("diag db-connections limit=10 since=\"2 hours\"");
    CHECK(d.name == "db-connections");
    REQUIRE(d.params.size() == 2);
    CHECK(d.params[0] == std::pair<std::string, std::string>{"limit", "10"});
    CHECK(d.params[1] == std::pair<std::string, std::string>{"since", "2 hours"});
    CHECK(parse_as<diag_command>("diag slow_queries").params.empty());
}

TEST_CASE("runbook takes a name", "[grammar]") {
    CHECK(parse_as<runbook_command>("runbook database-outage").name == "database-outage");
}

TEST_CASE("page targets on-call, a user, a user group or a team", "[grammar]") {
    CHECK(parse_as<page_command>("page").kind == page_command::target_kind::on_call);
    const auto u = parse_as<page_command>("page <@U123|dba>");
    CHECK(u.kind == page_command::target_kind::user);
    CHECK(u.target == "U123");
    const auto g = parse_as<page_command>("page <!subteam^S1|@sre>");
    CHECK(g.kind == page_command::target_kind::user_group);
    CHECK(g.target == "S1");
    const auto t = parse_as<page_command>("page Database");
    CHECK(t.kind == page_command::target_kind::team);
    CHECK(t.target == "database");
}

TEST_CASE("cadence and snooze take a duration", "[grammar]") {
    CHECK(parse_as<cadence_command>("cadence 15m").every == std::chrono::minutes(15));
    CHECK(parse_as<cadence_command>("cadence 1h30m").every == std::chrono::minutes(90));
    CHECK(parse_as<cadence_command>("cadence off").every == std::chrono::seconds(0));
    CHECK(parse_as<snooze_command>("snooze 30m").duration == std::chrono::minutes(30));
    CHECK(parse_as<snooze_command>("snooze 24h").duration == std::chrono::hours(24));
}

TEST_CASE("subcommand names are case-insensitive", "[grammar]") {
    CHECK(parse_ok("SEV P1").command == "sev");
    CHECK(parse_ok("Note hi").command == "note");
}

TEST_CASE("an incident ID after the subcommand or --incident names the incident", "[grammar]") {
    const auto a = parse_ok("timeline INC-20240115-0042");
    CHECK(a.incident_id == "INC-20240115-0042");
    const auto b = parse_ok("note inc-20240115-0042 restarted pods");
    CHECK(b.incident_id == "INC-20240115-0042");
    CHECK(std::get<note_command>(b.request).text == "restarted pods");
    const auto c = parse_ok("sev P1 --incident=INC-20240115-0042");
    CHECK(c.incident_id == "INC-20240115-0042");
    CHECK(parse_ok("sev P1").incident_id.empty());
}

// ---------------------------------------------------------------------------------------------
// Malformed input: every error is one line, says what was expected, and changes nothing.

TEST_CASE("malformed input gets a one-line error that says what was expected", "[grammar]") {
    struct bad_input {
        std::string text;
        std::string says;  // a fragment the message must contain
    };
    const std::string long_title(151, 't');
    const std::vector<bad_input> cases{
        // No or unusable subcommand.
        {"", "expected: /incident create SEV0-4|P0-4 \"title\""},
        {"   ", "/incident help lists every command"},
        {"\"create\" SEV1 x", "expected a subcommand first"},
        {"@bob", "expected a subcommand first"},
        {"--private", "expected a subcommand first"},
        {"frobnicate", "unknown subcommand \"frobnicate\""},
        // create
        {"create", "missing the severity and the title"},
        {"create SEV9 \"x\"", "expected: /incident create SEV0-4|P0-4 \"title\""},
        {"create SEV9 \"x\"", "(got \"SEV9\")"},
        {"create \"API down\" SEV2", "(got \"API down\")"},
        {"create SEV2", "missing the title"},
        {"create SEV2 \"\"", "the title must not be empty"},
        {"create SEV2 " + long_title, "the title is too long (151 characters; at most 150)"},
        {"create SEV2 x --private=yes", "--private takes no value"},
        {"create SEV2 x --commander", "missing value for --commander"},
        {"create SEV2 x --commander --private", "missing value for --commander"},
        {"create SEV2 x --commander bob", "(got \"bob\")"},
        {"create SEV2 x --urgent", "unknown flag --urgent for /incident create"},
        {"create SEV2 x --privat", "did you mean --private?"},
        {"create SEV2 x --private --private", "--private given twice"},
        {"create SEV2 x --commander @a --commander=@b", "--commander given twice"},
        {"create SEV2 x --description \"\"", "the description must not be empty"},
        {"create SEV2 x --incident INC-20240115-0042", "unknown flag --incident"},
        // status
        {"status", "missing the new status"},
        {"status fixed",
         "expected: /incident status investigating|identified|monitoring|resolved (got \"fixed\")"},
        {"status closed", "close a resolved incident with /incident close"},
        {"status resolved now", "unexpected \"now\" (too many arguments)"},
        // update
        {"update", "missing the update text"},
        {"update \"  \"", "the update text must not be empty"},
        {"update \"rolled back\" v2.2",
         "unexpected \"v2.2\" after the quoted text; put all of the update text in one"},
        {"update restarted --force", "unknown flag --force for /incident update (quote text"},
        // sev
        {"sev", "missing the severity"},
        {"sev SEV9", "expected: /incident sev SEV0-4|P0-4 (got \"SEV9\")"},
        {"sev P5", "(got \"P5\")"},
        {"sev \"SEV1\"", "(got \"SEV1\")"},
        {"sev SEV1 SEV2", "unexpected \"SEV2\""},
        // commander
        {"commander", "missing the new commander"},
        {"commander bob", "expected: /incident commander @user (got \"bob\")"},
        {"commander #general", "(got \"#general\")"},
        {"commander @a @b", "unexpected \"@b\""},
        // role
        {"role", "missing the role name and the user"},
        {"role scribe", "missing the user"},
        {"role @bob scribe", "expected: /incident role NAME @user (got \"@bob\")"},
        {"role scr!be @bob", "role names are lower-case letters, digits, - and _"},
        {"role " + std::string(33, 'r') + " @bob", "at most 32"},
        {"role scribe bob", "(got \"bob\")"},
        {"role scribe @bob @kim", "unexpected \"@kim\""},
        // note, hypothesis, mitigation, resolve
        {"note", "missing the note"},
        {"note \"a\" \"b\"", "unexpected \"b\" after the quoted text"},
        {"hypothesis", "missing the hypothesis"},
        {"hypothesis db --confidence sure", "[--confidence low|medium|high] (got \"sure\")"},
        {"hypothesis db --confidence", "missing value for --confidence"},
        {"hypothesis db --confidence=\"high\"", "(got \"high\")"},
        {"mitigation", "missing the mitigation"},
        {"mitigation restart --owner bob", "expected: /incident mitigation \"action\" [--owner"},
        {"mitigation restart --owner", "missing value for --owner"},
        {"resolve", "missing the resolution summary"},
        {"resolve \"\"", "the resolution summary must not be empty"},
        // action
        {"action", "missing add, done or list"},
        {"action remove 3", "unknown action verb \"remove\""},
        {"action ad x", "did you mean \"add\"?"},
        {"action add", "missing the action text"},
        {"action add \"x\" --due 2024-01-15", "missing --owner"},
        {"action add \"x\" --owner @bob", "missing --due"},
        {"action add \"x\" --owner bob --due 2024-01-15", "(got \"bob\")"},
        {"action add \"x\" --owner @bob --due 2024-02-30", "--due YYYY-MM-DD"},
        {"action add \"x\" --owner @bob --due 2024-02-30", "(got \"2024-02-30\")"},
        {"action add \"x\" --owner @bob --due tomorrow", "(got \"tomorrow\")"},
        {"action add \"x\" --owner @bob --due 2024-1-5", "(got \"2024-1-5\")"},
        {"action add x --owner @b --due 2024-01-15 --priority urgent", "(got \"urgent\")"},
        {"action add x --owner @b --due 2024-01-15 --priority P5", "(got \"P5\")"},
        {"action done", "missing the action number; expected: /incident action done N"},
        {"action done 0", "expected: /incident action done N (got \"0\")"},
        {"action done -1", "(got \"-1\")"},
        {"action done three", "(got \"three\")"},
        {"action done 99999999999", "(got \"99999999999\")"},
        {"action done 1 2", "unexpected \"2\""},
        {"action done 3 --owner @x", "--owner does not apply here"},
        {"action list all", "expected: /incident action list"},
        // commands without arguments
        {"close now", "/incident close takes no arguments"},
        {"timeline all", "/incident timeline takes no arguments"},
        {"list open", "/incident list takes no arguments"},
        {"stats 7d", "/incident stats takes no arguments"},
        {"postmortem draft", "/incident postmortem takes no arguments"},
        {"help nope", "no command \"nope\""},
        {"help sev status", "unexpected \"status\""},
        // capabilities configured later still validate their arguments
        {"diag", "missing the diagnostic name"},
        {"diag DB!", "diagnostic names are lower-case"},
        {"diag db limit", "parameters are key=value (got \"limit\")"},
        {"diag db a=1 a=2", "parameter \"a\" given twice"},
        {"diag \"db\"", "expected: /incident diag NAME [key=value ...] (got \"db\")"},
        {"runbook", "missing the runbook name"},
        {"runbook db outage", "unexpected \"outage\""},
        {"page @a @b", "unexpected \"@b\""},
        {"page \"sre\"", "expected: /incident page [@user|@group|team]"},
        {"page #general", "(got \"#general\")"},
        {"cadence", "missing the interval"},
        {"cadence soon", "expected: /incident cadence DURATION|off (e.g. 15m) (got \"soon\")"},
        {"cadence 10s", "between 1m and 24h"},
        {"cadence 2d", "between 1m and 24h"},
        {"snooze", "missing how long to snooze"},
        {"snooze 0m", "(got \"0m\")"},
        {"snooze -5m", "(got \"-5m\")"},
        // which incident
        {"timeline --incident INC-1", "expected: /incident <command> --incident INC-YYYYMMDD-NNNN"},
        {"note INC-20240115-0042 x --incident INC-20240115-0043", "the incident is given twice"},
        // syntax
        {"note \"restarted", "expected a closing \""},
        {"commander <@>", "expected <@U123ABC>"},
        {"note x --", "empty flag name `--`"},
        {"note x --=y", "expected --name"},
    };
    REQUIRE(cases.size() >= 40);
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const std::string message = error_of(c.text);
        CAPTURE(message);
        CHECK(message.find('\n') == std::string::npos);
        CHECK_THAT(message, Catch::Contains("expected"));
        CHECK_THAT(message, Catch::Contains(c.says));
    }
}

TEST_CASE("error messages stay on one line even when the input spans lines", "[grammar]") {
    for (const std::string text : {"sev \"SEV\n9\"", "commander \"a\nb\"", "frob\nnicate"}) {
        CAPTURE(text);
        CHECK(error_of(text).find('\n') == std::string::npos);
    }
}

TEST_CASE("an unknown subcommand suggests the closest one", "[grammar]") {
    CHECK_THAT(error_of("stauts resolved"), Catch::Contains("did you mean \"status\"?"));
    CHECK_THAT(error_of("hypothesys x"), Catch::Contains("did you mean \"hypothesis\"?"));
    CHECK_THAT(error_of("delcare SEV1 x"), Catch::Contains("did you mean \"declare\"?"));
    CHECK_THAT(error_of("timelime"), Catch::Contains("/incident help"));
    CHECK_THAT(error_of("xyzzy"), !Catch::Contains("did you mean"));
    CHECK(commands_under_test().suggest("nte") == std::optional<std::string>("note"));
    CHECK(commands_under_test().suggest("stat") == std::optional<std::string>("stats"));
    CHECK_FALSE(commands_under_test().suggest("kubernetes"));
}

// ---------------------------------------------------------------------------------------------
// The registry.

namespace {
command_spec spec_named(std::string name, std::vector<std::string> aliases = {}) {
    command_spec s;
    s.name = std::move(name);
    s.aliases = std::move(aliases);
    s.usage = s.name;
    s.summary = "test";
    s.parse = [](const invocation&) -> request { return close_command{}; };
    s.execute = [](const request&, const execution&) { return reply("ran"); };
    return s;
}
}  // namespace

TEST_CASE("registering a name or alias twice throws", "[registry]") {
    registry r;
    r.add(spec_named("create", {"declare"}));
    CHECK_THROWS_WITH(r.add(spec_named("create")), Catch::Contains("duplicate"));
    CHECK_THROWS_WITH(r.add(spec_named("declare")), Catch::Contains("\"declare\""));
    CHECK_THROWS_AS(r.add(spec_named("open", {"create"})), std::invalid_argument);
    CHECK_THROWS_AS(r.add(spec_named("open", {"Declare"})), std::invalid_argument);
    CHECK_THROWS_AS(r.add(spec_named("open", {"start", "start"})), std::invalid_argument);
    CHECK_THROWS_AS(r.add(spec_named("open", {"open"})), std::invalid_argument);
    CHECK(r.commands().size() == 1);
    CHECK_NOTHROW(r.add(spec_named("open")));
}

TEST_CASE("an incomplete or badly named spec is refused", "[registry]") {
    registry r;
    auto no_parse = spec_named("a");
    no_parse.parse = nullptr;
    CHECK_THROWS_AS(r.add(no_parse), std::invalid_argument);
    CHECK_THROWS_AS(r.add(spec_named("")), std::invalid_argument);
    CHECK_THROWS_AS(r.add(spec_named("Bad Name")), std::invalid_argument);
    auto twice = spec_named("b");
    twice.flags = {{"owner", true, false}, {"owner", false, false}};
    CHECK_THROWS_AS(r.add(twice), std::invalid_argument);
    auto reserved = spec_named("c");
    reserved.flags = {{"incident", true, false}};
    CHECK_THROWS_AS(r.add(reserved), std::invalid_argument);
}

TEST_CASE("the default registry has every subcommand of the design", "[registry]") {
    const auto& r = commands_under_test();
    for (const char* name :
         {"create",   "declare",    "status",     "update",     "sev",     "commander",
          "role",     "note",       "hypothesis", "mitigation", "diag",    "runbook",
          "page",     "action",     "cadence",    "snooze",     "resolve", "close",
          "timeline", "postmortem", "list",       "stats",      "help"}) {
        CAPTURE(name);
        CHECK(r.find(name) != nullptr);
    }
    CHECK(r.find("DECLARE") == r.find("create"));
    CHECK(r.find("nope") == nullptr);
}

TEST_CASE("help has one line per registered command with its usage and summary", "[registry]") {
    const auto& r = commands_under_test();
    const std::string help = r.help();
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= help.size()) {
        const std::size_t end = std::min(help.find('\n', start), help.size());
        lines.push_back(help.substr(start, end - start));
        start = end + 1;
    }
    for (const auto& spec : r.commands()) {
        CAPTURE(spec.name);
        const std::string expected_line = "/incident " + spec.usage + " — " + spec.summary;
        const auto n = std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
            return l.starts_with(expected_line);
        });
        CHECK(n == 1);
    }
    CHECK_THAT(help, Catch::Contains("(alias: declare)"));
    CHECK(lines.size() == r.commands().size() + 2);  // a heading and the incident-ID hint
    CHECK(r.help("severity") ==
          "/incident sev SEV0-4|P0-4 — change the severity (P0-P4 mean "
          "SEV0-SEV4) (alias: severity)");
    CHECK_FALSE(r.help("nope"));
}

TEST_CASE("a registry without create still answers empty text with an expectation", "[registry]") {
    registry r;
    r.add(spec_named("close"));
    const auto result = r.parse("");
    REQUIRE(std::holds_alternative<parse_error>(result));
    CHECK_THAT(std::get<parse_error>(result).message, Catch::Contains("expected: /incident"));
}

// ---------------------------------------------------------------------------------------------
// Dispatch: parse, then the right service call with the right arguments.

TEST_CASE("dispatch calls the service method each subcommand maps to", "[dispatch]") {
    struct mapping {
        std::string text;
        std::string method;
        std::vector<std::string> args;
    };
    const std::vector<mapping> cases{
        {"create P1 \"API down\" --private --commander <@U7|bob> --description d",
         "declare",
         {"SEV1", "API down", "private", "U7", "d"}},
        {"status identified", "set_status", {"identified"}},
        {"update rolled back", "post_update", {"rolled back"}},
        {"sev P0", "set_severity", {"SEV0"}},
        {"commander @bob", "set_commander", {"bob"}},
        {"role commander @bob", "set_commander", {"bob"}},
        {"role scribe @kim", "assign_role", {"scribe", "kim"}},
        {"note restarted the pods", "add_note", {"restarted the pods"}},
        {"hypothesis db pool --confidence low", "add_hypothesis", {"db pool", "low"}},
        {"hypothesis db pool", "add_hypothesis", {"db pool", "medium"}},
        {"mitigation roll back --owner @bob", "add_mitigation", {"roll back", "bob"}},
        {"mitigation roll back", "add_mitigation", {"roll back", ""}},
        {"action add alert --owner @bob --due 2024-03-01 --priority low",
         "add_action",
         {"alert", "bob", "2024-03-01", "Low"}},
        {"action done 2", "complete_action", {"2"}},
        {"action list", "list_actions", {}},
        {"resolve rolled back v2.3", "resolve", {"rolled back v2.3"}},
        {"close", "close", {}},
        {"timeline", "timeline", {}},
        {"list", "list", {}},
        {"stats", "stats", {}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        recording_service svc;
        svc.answer.text = "done";
        const auto result = commands_under_test().dispatch(c.text, ctx(), svc);
        CHECK(result.ok);
        CHECK(result.text == "done");
        REQUIRE(svc.calls.size() == 1);
        CHECK(svc.calls[0].method == c.method);
        CHECK(svc.calls[0].args == c.args);
        CHECK(svc.calls[0].actor == "alice");
    }
}

TEST_CASE("bad input reaches no service method", "[dispatch]") {
    for (const std::string text : {"sev SEV9", "action add x --owner @b", "create SEV1", "resolve",
                                   "note \"open", "", "frobnicate"}) {
        CAPTURE(text);
        recording_service svc;
        const auto result = commands_under_test().dispatch(text, ctx(), svc);
        CHECK_FALSE(result.ok);
        CHECK(result.text.find('\n') == std::string::npos);
        CHECK(svc.calls.empty());
    }
}

TEST_CASE("an incident ID on the line overrides the context's incident", "[dispatch]") {
    recording_service svc;
    auto c = ctx();
    c.incident_id = "INC-20240101-0001";
    commands_under_test().dispatch("close INC-20240115-0042", c, svc);
    commands_under_test().dispatch("close", c, svc);
    REQUIRE(svc.calls.size() == 2);
    CHECK(svc.calls[0].incident_id == "INC-20240115-0042");
    CHECK(svc.calls[1].incident_id == "INC-20240101-0001");
}

TEST_CASE("a service refusal passes through and a user_error becomes a one-line reply",
          "[dispatch]") {
    recording_service svc;
    svc.answer.ok = false;
    svc.answer.text = "the incident is already resolved";
    auto result = commands_under_test().dispatch("status resolved", ctx(), svc);
    CHECK_FALSE(result.ok);
    CHECK(result.text == "the incident is already resolved");

    svc.throw_user_error = true;
    result = commands_under_test().dispatch("close", ctx(), svc);
    CHECK_FALSE(result.ok);
    CHECK(result.text == "only a resolved incident can be closed");
}

TEST_CASE("help is answered without the service", "[dispatch]") {
    recording_service svc;
    const auto all = commands_under_test().dispatch("help", ctx(), svc);
    CHECK(all.ok);
    CHECK(all.text == commands_under_test().help());
    const auto one = commands_under_test().dispatch("help action", ctx(), svc);
    CHECK(one.ok);
    CHECK_THAT(one.text, Catch::StartsWith("/incident action add \"text\" --owner @user"));
    CHECK(svc.calls.empty());
}

TEST_CASE("capabilities not in this release say so plainly, say what to do instead, and change nothing",
          "[dispatch]") {
    struct answer {
        std::string text;
        std::string says;
    };
    const std::vector<answer> cases{
        {"diag db-connections limit=5", "`db-connections` was not run"},
        {"diag db-connections", "record what it showed with /incident note"},
        {"runbook database-outage", "deploy/runbooks/"},
        {"page <@U1|dba>", "<@U1|dba> was NOT paged: page them directly"},
        {"page", "the on-call responder was NOT paged"},
        {"cadence 15m", "no reminder every 15m was scheduled; post updates with /incident update"},
        {"cadence off", "cadence is not enabled in this build"},
        {"snooze 30m", "nothing to snooze for 30m"},
        {"postmortem", "postmortem drafts are not available yet; /incident timeline shows"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        recording_service svc;
        const auto result = commands_under_test().dispatch(c.text, ctx(), svc);
        CHECK(result.ok);
        CHECK_THAT(result.text, Catch::Contains(c.says));
        CHECK(result.text.find('\n') == std::string::npos);
        CHECK(svc.calls.empty());
    }
}
