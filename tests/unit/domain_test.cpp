#include <catch2/catch.hpp>

#include "bot/domain/clock.hpp"
#include "bot/domain/incident.hpp"
#include "bot/domain/severity.hpp"
#include "bot/domain/text.hpp"
#include "bot/domain/timeline.hpp"

using namespace warroom::domain;
using namespace std::chrono_literals;

TEST_CASE("severities parse as SEV0-4 and as the P0-4 aliases, in any case", "[unit][domain]") {
    CHECK(parse_severity("SEV0") == severity::sev0);
    CHECK(parse_severity("sev2") == severity::sev2);
    CHECK(parse_severity("Sev4") == severity::sev4);
    CHECK(parse_severity("P0") == severity::sev0);
    CHECK(parse_severity("p3") == severity::sev3);
    CHECK(to_string(severity::sev1) == "SEV1");
}

TEST_CASE("anything that is not a severity is refused", "[unit][domain]") {
    for (const char* bad :
         {"", "SEV", "SEV5", "SEV-1", "P5", "PP1", "SEV22", "sev 2", "2", "high"}) {
        INFO(bad);
        CHECK_FALSE(parse_severity(bad).has_value());
    }
}

TEST_CASE("the lifecycle moves forward, may step back while open, and closed is final",
          "[unit][domain]") {
    CHECK_FALSE(check_transition(status::investigating, status::identified));
    CHECK_FALSE(check_transition(status::investigating, status::monitoring));
    CHECK_FALSE(check_transition(status::investigating, status::resolved));
    CHECK_FALSE(check_transition(status::identified, status::investigating));
    CHECK_FALSE(check_transition(status::monitoring, status::identified));
    CHECK_FALSE(check_transition(status::monitoring, status::resolved));
    CHECK_FALSE(check_transition(status::resolved, status::closed));
    CHECK_FALSE(check_transition(status::resolved, status::investigating));
}

TEST_CASE("illegal lifecycle moves are errors with a reason, not silent no-ops", "[unit][domain]") {
    CHECK(check_transition(status::investigating, status::investigating)->find("already") !=
          std::string::npos);
    CHECK(check_transition(status::investigating, status::closed)->find("resolve it first") !=
          std::string::npos);
    CHECK(check_transition(status::monitoring, status::closed).has_value());
    CHECK(check_transition(status::resolved, status::monitoring).has_value());
    for (auto to :
         {status::investigating, status::identified, status::monitoring, status::resolved}) {
        CHECK(check_transition(status::closed, to)->find("closed") != std::string::npos);
    }
}

TEST_CASE("statuses parse from the words people type", "[unit][domain]") {
    CHECK(parse_status("investigating") == status::investigating);
    CHECK(parse_status("Identified") == status::identified);
    CHECK(parse_status("MONITORING") == status::monitoring);
    CHECK(parse_status("resolved") == status::resolved);
    CHECK_FALSE(parse_status("fixed").has_value());
    CHECK(display_name(status::monitoring) == "Monitoring");
}

TEST_CASE("incident IDs are INC-YYYYMMDD-NNNN with a zero-padded per-day sequence",
          "[unit][domain]") {
    CHECK(make_incident_id("20240115", 42) == "INC-20240115-0042");
    CHECK(make_incident_id("20240115", 12345) == "INC-20240115-12345");
    CHECK(is_incident_id("INC-20240115-0042"));
    CHECK_FALSE(is_incident_id("INC-2024011-0042"));
    CHECK_FALSE(is_incident_id("inc-20240115-0042"));
    CHECK_FALSE(is_incident_id("INC-20240115-00a2"));
}

TEST_CASE("the default channel name matches the incident ID as the seed runbook names it",
          "[unit][domain]") {
    CHECK(make_channel_name("{prefix}-{date}-{seq}", "incident", "20240115", 42,
                            "API error rate spike", severity::sev2) == "incident-20240115-0042");
}

TEST_CASE("a name template can add a Slack-safe slug of the title", "[unit][domain]") {
    CHECK(make_channel_name("{prefix}-{date}-{seq}-{slug}", "incident", "20240115", 42,
                            "API error rate spike!",
                            severity::sev2) == "incident-20240115-0042-api-error-rate-spike");
    CHECK(make_channel_name("{prefix}-{sev}-{seq}-{slug}", "INC", "20240115", 7, "DB down",
                            severity::sev0) == "inc-sev0-0007-db-down");
}

TEST_CASE("channel names stay valid for Unicode, punctuation-only and very long titles",
          "[unit][domain]") {
    const std::string pattern = "{prefix}-{date}-{seq}-{slug}";
    const auto unicode = make_channel_name(pattern, "incident", "20240115", 1,
                                           "Zahlungsausfall für Kunden 💥 in Köln", severity::sev1);
    CHECK(is_valid_channel_name(unicode));
    CHECK(unicode.starts_with("incident-20240115-0001-zahlungsausfall-f"));
    const auto empty_slug =
        make_channel_name(pattern, "incident", "20240115", 2, "!!! ??? 🔥🔥", severity::sev1);
    CHECK(empty_slug == "incident-20240115-0002");
    const auto long_name = make_channel_name(pattern, "incident", "20240115", 3,
                                             std::string(300, 'a') + " tail", severity::sev1);
    CHECK(long_name.size() <= 80);
    CHECK(is_valid_channel_name(long_name));
    CHECK(long_name.starts_with("incident-20240115-0003-aaaa"));
}

TEST_CASE("the topic reads 'SEV2: title | Commander: @user' as in the runbook", "[unit][domain]") {
    incident inc;
    inc.severity = severity::sev2;
    inc.title = "API error rate spike";
    inc.commander = "oncall-backend";
    CHECK(make_topic(inc) == "SEV2: API error rate spike | Commander: @oncall-backend");
    inc.status = status::monitoring;
    CHECK(make_topic(inc) ==
          "SEV2: API error rate spike | Commander: @oncall-backend | Monitoring");
}

TEST_CASE("durations parse from 15m, 1h, 90s and combinations, and reject the rest",
          "[unit][domain]") {
    CHECK(parse_duration("15m") == 900s);
    CHECK(parse_duration("1h") == 3600s);
    CHECK(parse_duration("90s") == 90s);
    CHECK(parse_duration("2h30m") == 9000s);
    CHECK(parse_duration("1d") == 86400s);
    for (const char* bad : {"", "15", "m", "15 minutes", "0m", "-5m", "1.5h", "15M", "h1"}) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad).has_value());
    }
    CHECK(format_duration(45s) == "45s");
    CHECK(format_duration(12min) == "12m");
    CHECK(format_duration(65min) == "1h 05m");
}

TEST_CASE("dates must be real calendar dates", "[unit][domain]") {
    CHECK(is_valid_date("2025-02-01"));
    CHECK(is_valid_date("2024-02-29"));
    CHECK_FALSE(is_valid_date("2025-02-29"));
    CHECK_FALSE(is_valid_date("2025-13-01"));
    CHECK_FALSE(is_valid_date("2025-1-01"));
    CHECK_FALSE(is_valid_date("tomorrow"));
}

TEST_CASE("times round-trip through ISO-8601 UTC text", "[unit][domain]") {
    const auto t = parse_iso8601("2024-01-15T14:30:00Z");
    CHECK(format_iso8601(t) == "2024-01-15T14:30:00Z");
    CHECK(format_day(t) == "20240115");
    CHECK(format_hhmm(t) == "14:30");
    CHECK(parse_iso8601("2024-01-15T14:30:00.250Z") - t == 250ms);
    CHECK_THROWS_AS(parse_iso8601("yesterday"), std::invalid_argument);
}

TEST_CASE("a manual clock only moves when told to", "[unit][domain]") {
    manual_clock clk(parse_iso8601("2024-01-15T14:30:00Z"));
    const auto start = clk.now();
    clk.advance(1h);
    CHECK(clk.now() - start == 1h);
}

TEST_CASE("timeline kinds and sources round-trip through their stored names", "[unit][domain]") {
    for (auto k : {event_kind::declared, event_kind::status_changed, event_kind::severity_changed,
                   event_kind::role_assigned, event_kind::update_posted, event_kind::note,
                   event_kind::hypothesis, event_kind::mitigation, event_kind::diagnostic_run,
                   event_kind::message_pinned, event_kind::action_added, event_kind::action_done,
                   event_kind::resolved, event_kind::closed, event_kind::participant_joined}) {
        CHECK(parse_event_kind(to_string(k)) == k);
    }
    CHECK_FALSE(parse_event_kind("exploded").has_value());
    CHECK(parse_event_source("slash_command") == event_source::slash_command);
}

TEST_CASE("participants are listed once and roles answer who holds them", "[unit][domain]") {
    incident inc;
    inc.commander = "alice";
    CHECK(inc.add_participant("bob"));
    CHECK_FALSE(inc.add_participant("bob"));
    CHECK_FALSE(inc.add_participant(""));
    inc.roles.push_back({"scribe", "carol"});
    CHECK(inc.role_holder("commander") == "alice");
    CHECK(inc.role_holder("scribe") == "carol");
    CHECK(inc.role_holder("comms").empty());
}

TEST_CASE("slugs keep ASCII letters and digits and collapse the rest into single dashes",
          "[unit][domain]") {
    CHECK(slugify("  Hello, World!! 2024 ", 80) == "hello-world-2024");
    CHECK(slugify("abc def", 5) == "abc-d");
    CHECK(slugify("abcd efgh", 5) == "abcd");
    CHECK(to_lower("MiXeD") == "mixed");
    CHECK(trim("  x y  ") == "x y");
    CHECK(substitute("{a}-{b}-{c}", {{"a", "1"}, {"b", "2"}}) == "1-2-{c}");
}
