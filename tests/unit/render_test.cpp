#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "bot/render/renderer.hpp"

using namespace warroom::render;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string builtin = std::string(WARROOM_SOURCE_DIR) + "/templates";

// A user templates directory, removed at the end of the test.
struct user_dir {
    fs::path path;
    user_dir() {
        static int counter = 0;
        path = fs::temp_directory_path() / ("warroom-render-test-" + std::to_string(::getpid()) +
                                            "-" + std::to_string(counter++));
        fs::create_directories(path);
    }
    ~user_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& text) const {
        const auto file = path / name;
        std::ofstream(file) << text;
        return file.string();
    }
};

std::string error_of(const std::string& builtin_dir, const std::string& user) {
    try {
        renderer r(builtin_dir, user);
    } catch (const template_error& e) {
        return e.what();
    }
    return "";
}

json incident(const std::string& severity, const std::string& emoji) {
    json d = sample_data();
    d["severity"] = severity;
    d["emoji"] = emoji;
    return d;
}

}  // namespace

TEST_CASE("every built-in template loads and renders the sample incident", "[render]") {
    const renderer r(builtin, "");
    for (const auto& name : required_templates()) {
        CAPTURE(name);
        REQUIRE(r.has(name));
        CHECK(r.source_of(name) == builtin + "/" + name + ".mustache");
        const auto text = r.render(name, sample_data());
        CHECK_FALSE(text.empty());
        CHECK(text.back() != '\n');
        CHECK(text.find("{{") == std::string::npos);
        CHECK(text.find("**") == std::string::npos);  // Slack mrkdwn bold is *one* star
    }
}

TEST_CASE("the initial message uses the seed's internal communication wording", "[render]") {
    const renderer r(builtin, "");
    const auto text = r.render("initial", incident("SEV2", "🟠"));
    CHECK(text ==
          "🟠 *SEV2 Incident Declared: API error rate spike*\n"
          "*Status*: Investigating\n"
          "*Impact*: 150 users, workflow executions failing\n"
          "*Commander*: @oncall-backend\n"
          "*War Room*: #incident-20240115-0042\n"
          "Investigating database connection pool exhaustion. Updates every 15 min.");
}

TEST_CASE("the initial message drops the impact line when there is no impact", "[render]") {
    const renderer r(builtin, "");
    auto d = incident("SEV1", "🔴");
    d["impact"] = "";
    d["cadence"] = "10 min";
    const auto text = r.render("initial", d);
    CHECK(text.find("Impact") == std::string::npos);
    CHECK_THAT(text, Catch::StartsWith("🔴 *SEV1 Incident Declared: API error rate spike*\n"
                                       "*Status*: Investigating\n*Commander*:"));
    CHECK_THAT(text, Catch::EndsWith("Updates every 10 min."));
}

TEST_CASE("a private incident is marked as such in the war room", "[render]") {
    const renderer r(builtin, "");
    auto d = sample_data();
    d["is_private"] = true;
    CHECK_THAT(r.render("initial", d), Catch::Contains("Private incident"));
    CHECK(r.render("initial", sample_data()).find("Private") == std::string::npos);
}

TEST_CASE("the update message carries status, text, author and next update", "[render]") {
    const renderer r(builtin, "");
    auto d = sample_data();
    d["status"] = "Identified";
    d["text"] = "Rolled back the bulk execution deploy.";
    const auto text = r.render("update", d);
    CHECK_THAT(text, Catch::Contains("*SEV2 Update: API error rate spike*"));
    CHECK_THAT(text, Catch::Contains("*Status*: Identified"));
    CHECK_THAT(text, Catch::Contains("Rolled back the bulk execution deploy."));
    CHECK_THAT(text, Catch::Contains("@oncall-backend"));
    CHECK_THAT(text, Catch::Contains("Next update in 15 min."));
    d["cadence"] = "";
    CHECK(r.render("update", d).find("Next update") == std::string::npos);
}

TEST_CASE("the resolved message follows the seed and thanks every participant", "[render]") {
    const renderer r(builtin, "");
    const auto text = r.render("resolved", sample_data());
    CHECK_THAT(text, Catch::StartsWith("✅ *Incident Resolved: API error rate spike*\n"));
    CHECK_THAT(text, Catch::Contains("*Resolution*: Increased database connection pool from 20 "
                                     "to 50 connections"));
    CHECK_THAT(text, Catch::Contains("*Duration*: 25m"));
    CHECK_THAT(text,
               Catch::Contains("Thanks to @oncall-backend, @platform-team for rapid response."));

    auto none = sample_data();
    none["participants"] = json::array();
    CHECK(r.render("resolved", none).find("Thanks to") == std::string::npos);
}

TEST_CASE("the customer status uses the seed's status page wording", "[render]") {
    const renderer r(builtin, "");
    auto d = sample_data();
    d["title"] = "API Performance Issues";
    CHECK(r.render("customer_status", d) ==
          "*Investigating - API Performance Issues*\n"
          "We are currently experiencing elevated error rates affecting workflow executions.\n"
          "Our team is actively investigating. Next update in 15 min.");

    d["status"] = "Resolved";
    d["resolved"] = true;
    d["message"] = "";
    d["cadence"] = "";
    CHECK(r.render("customer_status", d) ==
          "*Resolved - API Performance Issues*\n"
          "This incident has been resolved. All services are operating normally.\n"
          "We apologize for any inconvenience.");
}

TEST_CASE("a SEV4 ticket opens no war room", "[render]") {
    const renderer r(builtin, "");
    auto d = incident("SEV4", "⚪");
    d["channel"] = "";
    d["response_time"] = "Best effort";
    const auto text = r.render("sev4_ticket", d);
    CHECK_THAT(text, Catch::StartsWith("⚪ *SEV4 ticket recorded: API error rate spike* "
                                       "(INC-20240115-0042)"));
    CHECK_THAT(text, Catch::Contains("SEV4 is a ticket, not an incident"));
    CHECK_THAT(text, Catch::Contains("*Response time*: Best effort"));
    CHECK(text.find('#') == std::string::npos);
}

TEST_CASE("the announcement names severity, incident, commander and the room to join", "[render]") {
    const renderer r(builtin, "");
    const auto text = r.render("announce", incident("SEV0", "🔴"));
    CHECK_THAT(text, Catch::StartsWith("🔴 *SEV0: API error rate spike* (INC-20240115-0042)"));
    CHECK_THAT(text, Catch::Contains("*Commander*: @oncall-backend"));
    CHECK_THAT(text, Catch::EndsWith("Join #incident-20240115-0042"));
}

TEST_CASE("the closed message counts open action items", "[render]") {
    const renderer r(builtin, "");
    auto d = sample_data();
    d["open_actions"] = 3;
    d["duration"] = "1h 05m";
    const auto text = r.render("closed", d);
    CHECK_THAT(text, Catch::Contains("*Incident Closed: API error rate spike*"));
    CHECK_THAT(text, Catch::Contains("*Duration*: 1h 05m"));
    CHECK_THAT(text, Catch::Contains("*Open action items*: 3"));
}

TEST_CASE("the timeline lists every event under a header with id and title", "[render]") {
    const renderer r(builtin, "");
    const auto text = r.render("timeline", sample_data());
    CHECK_THAT(text, Catch::StartsWith("🕒 *Timeline: INC-20240115-0042 - API error rate spike*"));
    CHECK_THAT(text, Catch::Contains(
                         "\n• `14:05` *declared* @oncall-backend: SEV2 declared: API error rate "
                         "spike\n"));
    // an event without an actor shows no '@' (and does not borrow the top-level actor)
    CHECK_THAT(text, Catch::EndsWith("\n• `14:20` *status*: Update reminder"));

    auto empty = sample_data();
    empty["events"] = json::array();
    CHECK_THAT(r.render("timeline", empty), Catch::EndsWith("_No events recorded yet._"));
}

TEST_CASE("titles are not HTML-escaped", "[render]") {
    const renderer r(builtin, "");
    auto d = sample_data();
    d["title"] = "Q&A <api> \"quoted\" 'x'";
    for (const auto& name : {"initial", "announce", "timeline", "resolved"}) {
        CAPTURE(name);
        CHECK_THAT(r.render(name, d), Catch::Contains("Q&A <api> \"quoted\" 'x'"));
    }
}

TEST_CASE("data values are never parsed as template syntax", "[render]") {
    const renderer r(builtin, "");
    auto d = sample_data();
    d["title"] = "{{#id}}boom{{/id}} {{commander}}";
    CHECK_THAT(r.render("initial", d), Catch::Contains("{{#id}}boom{{/id}} {{commander}}"));
}

TEST_CASE("a user template overrides one built-in and the rest fall back", "[render][user]") {
    user_dir dir;
    const auto path =
        dir.write("initial.mustache",
                  "{{! custom }}\n{{emoji}} NEW {{severity}}: {{title}} in #{{channel}}\n");
    const renderer r(builtin, dir.path.string());
    CHECK(r.source_of("initial") == path);
    CHECK(r.render("initial", sample_data()) ==
          "🟠 NEW SEV2: API error rate spike in #incident-20240115-0042");
    CHECK(r.source_of("update") == builtin + "/update.mustache");
    CHECK_THAT(r.render("update", sample_data()), Catch::Contains("*SEV2 Update:"));
}

TEST_CASE("a missing user templates directory is an error naming it", "[render][user]") {
    const auto msg = error_of(builtin, "/nonexistent/warroom-templates");
    CHECK_THAT(msg, Catch::Contains("'/nonexistent/warroom-templates' does not exist"));
    CHECK_THAT(error_of("/nonexistent/builtin", ""), Catch::Contains("'/nonexistent/builtin'"));
}

TEST_CASE("an unclosed section reports the file and the line it opens on", "[render][user]") {
    user_dir dir;
    const auto path =
        dir.write("update.mustache", "*{{title}}*\n{{status}}\n{{#impact}}\nImpact: {{impact}}\n");
    const auto msg = error_of(builtin, dir.path.string());
    CHECK_THAT(msg, Catch::StartsWith(path + ":3: "));
    CHECK_THAT(msg, Catch::Contains("{{#impact}} is never closed"));
}

TEST_CASE("a mismatched close reports the line of the wrong closing tag", "[render][user]") {
    user_dir dir;
    const auto path = dir.write("announce.mustache",
                                "{{#impact}}\n{{#commander}}\n@{{commander}}\n{{/impact}}\nx\n");
    const auto msg = error_of(builtin, dir.path.string());
    CHECK_THAT(msg, Catch::StartsWith(path + ":4: "));
    CHECK_THAT(msg, Catch::Contains("closes section 'commander' opened on line 2"));
}

TEST_CASE("a closing tag without an opening one reports its line", "[render][user]") {
    user_dir dir;
    const auto path = dir.write("closed.mustache", "ok\nok\n{{/impact}}\n");
    CHECK_THAT(error_of(builtin, dir.path.string()), Catch::StartsWith(path + ":3: "));
}

TEST_CASE("an unterminated tag reports its line", "[render][user]") {
    user_dir dir;
    const auto path = dir.write("closed.mustache", "one\ntwo {{title\nthree\n");
    CHECK_THAT(error_of(builtin, dir.path.string()), Catch::StartsWith(path + ":2: "));
}

TEST_CASE("a misspelt variable is an error instead of an empty string", "[render][user]") {
    user_dir dir;
    const auto path = dir.write("closed.mustache", "{{title}}\n\n{{titel}}\n");
    const auto msg = error_of(builtin, dir.path.string());
    CHECK_THAT(msg, Catch::StartsWith(path + ":3: unknown variable 'titel'"));
}

TEST_CASE("a misspelt template file name in the user directory is an error", "[render][user]") {
    user_dir dir;
    dir.write("inital.mustache", "{{title}}\n");
    dir.write("README.md", "not a template\n");
    CHECK_THAT(error_of(builtin, dir.path.string()), Catch::Contains("unknown template 'inital'"));
}

TEST_CASE("rendering an unknown template name is an error", "[render]") {
    const renderer r(builtin, "");
    CHECK_FALSE(r.has("nope"));
    CHECK_THROWS_AS(r.render("nope", sample_data()), template_error);
    CHECK_THROWS_WITH(r.render("nope", sample_data()), Catch::Contains("unknown template 'nope'"));
    CHECK_THROWS_AS(r.render("initial", json::array()), template_error);
}

TEST_CASE("section-only lines leave no blank lines whether shown or skipped", "[render][user]") {
    user_dir dir;
    dir.write("closed.mustache",
              "{{! a comment\n    over two lines }}\nA\n  {{#impact}}  \nB {{impact}}\n"
              "{{/impact}}\n{{^impact}}\nnone\n{{/impact}}\nC\n");
    const renderer r(builtin, dir.path.string());
    auto d = sample_data();
    d["impact"] = "x";
    CHECK(r.render("closed", d) == "A\nB x\nC");
    d["impact"] = "";
    CHECK(r.render("closed", d) == "A\nnone\nC");
}

TEST_CASE("numbers render as text and lists as sections", "[render][user]") {
    user_dir dir;
    dir.write("closed.mustache",
              "{{open_actions}}|{{#participants}}{{name}}{{^last}},{{/last}}{{/participants}}\n");
    const renderer r(builtin, dir.path.string());
    auto d = sample_data();
    d["open_actions"] = 7;
    CHECK(r.render("closed", d) == "7|oncall-backend,platform-team");
}

TEST_CASE("rendering is safe from several threads at once", "[render]") {
    const renderer r(builtin, "");
    const auto expected = r.render("timeline", sample_data());
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                if (r.render("timeline", sample_data()) != expected)
                    ++mismatches;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    CHECK(mismatches == 0);
}

TEST_CASE("the built-in directory comes from WARROOM_TEMPLATES_DIR when set", "[render]") {
    const char* saved = std::getenv("WARROOM_TEMPLATES_DIR");
    const std::string saved_value = saved ? saved : "";
    ::setenv("WARROOM_TEMPLATES_DIR", "/somewhere/templates", 1);
    CHECK(builtin_templates_dir() == "/somewhere/templates");
    ::unsetenv("WARROOM_TEMPLATES_DIR");
    const auto fallback = builtin_templates_dir();
    CHECK(fs::is_directory(fallback));
    CHECK(fs::exists(fs::path(fallback) / "initial.mustache"));
    if (saved)
        ::setenv("WARROOM_TEMPLATES_DIR", saved_value.c_str(), 1);
}
