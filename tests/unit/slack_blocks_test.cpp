#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "bot/slack/blocks.hpp"

using namespace warroom;
using namespace warroom::slack;
using nlohmann::json;

namespace {

std::string data(const std::string& name) {
    std::ifstream in(std::string(WARROOM_SOURCE_DIR) + "/tests/data/slack/" + name,
                     std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

domain::incident sample_incident() {
    domain::incident inc;
    inc.id = "INC-20240115-0042";
    inc.day = "20240115";
    inc.seq = 42;
    inc.title = "API error rate spike";
    inc.severity = domain::severity::sev2;
    inc.status = domain::status::investigating;
    inc.commander = "U024BE7LH";
    inc.created_by = "alice";
    inc.channel_name = "incident-20240115-0042";
    inc.channel_id = "C0123ABCD";
    return inc;
}

const json* find_block(const json& blocks, std::string_view type) {
    for (const json& b : blocks) {
        if (b["type"] == type)
            return &b;
    }
    return nullptr;
}

std::vector<std::string> action_ids(const json& blocks) {
    std::vector<std::string> ids;
    if (const json* actions = find_block(blocks, "actions")) {
        for (const json& e : (*actions)["elements"])
            ids.push_back(e["action_id"]);
    }
    return ids;
}

// A submission of `view` with the given state values, as Slack would send it.
view_submission submission(const json& view, const json& values,
                           std::string_view user = "U123ABC456") {
    view_submission s;
    s.user.id = std::string(user);
    s.view.id = "V1";
    s.view.callback_id = view["callback_id"];
    s.view.private_metadata = view["private_metadata"];
    s.view.values = values;
    return s;
}

json text_value(std::string_view block, std::string_view value) {
    return {
        {std::string(block),
         {{std::string(block), {{"type", "plain_text_input"}, {"value", std::string(value)}}}}}};
}

}  // namespace

TEST_CASE("the incident card shows severity and title, the four fields and the four buttons",
          "[unit][slack][blocks]") {
    const json blocks = incident_card(sample_incident(), "Error rate at *12%*");
    const json* header = find_block(blocks, "header");
    REQUIRE(header != nullptr);
    CHECK((*header)["text"]["type"] == "plain_text");
    CHECK((*header)["text"]["text"] == "SEV2: API error rate spike");

    const json& fields = blocks[1]["fields"];
    REQUIRE(fields.size() == 4);
    CHECK(fields[0]["text"] == "*Status*\nInvestigating");
    CHECK(fields[1]["text"] == "*Severity*\nSEV2");
    CHECK(fields[2]["text"] == "*Commander*\n<@U024BE7LH>");
    CHECK(fields[3]["text"] == "*Channel*\n<#C0123ABCD>");
    CHECK(blocks.dump().find("Error rate at *12%*") != std::string::npos);

    CHECK(action_ids(blocks) == std::vector<std::string>{"incident_ack", "incident_update",
                                                         "incident_severity", "incident_resolve"});
    for (const json& button : (*find_block(blocks, "actions"))["elements"]) {
        CHECK(button["value"] == "INC-20240115-0042");
        CHECK(button["type"] == "button");
    }
    CHECK((*find_block(blocks, "actions"))["elements"][3]["style"] == "danger");
}

TEST_CASE("a commander handle is shown as @handle, an id as a mention", "[unit][slack][blocks]") {
    CHECK(user_mention("U024BE7LH") == "<@U024BE7LH>");
    CHECK(user_mention("W012A3CDE") == "<@W012A3CDE>");
    CHECK(user_mention("oncall-backend") == "@oncall-backend");
    CHECK(user_mention("@alice") == "@alice");
    CHECK(user_mention("Ux<y>") == "@Ux&lt;y&gt;");
    CHECK(user_mention("") == "_unassigned_");
    auto inc = sample_incident();
    inc.commander = "oncall-backend";
    inc.channel_id.clear();
    const json blocks = incident_card(inc);
    CHECK(blocks[1]["fields"][2]["text"] == "*Commander*\n@oncall-backend");
    CHECK(blocks[1]["fields"][3]["text"] == "*Channel*\n#incident-20240115-0042");
}

TEST_CASE("the acknowledge button disappears once acknowledged, all buttons once resolved",
          "[unit][slack][blocks]") {
    auto inc = sample_incident();
    inc.acknowledged_at = domain::time_point{};
    CHECK(action_ids(incident_card(inc)) ==
          std::vector<std::string>{"incident_update", "incident_severity", "incident_resolve"});
    inc.status = domain::status::resolved;
    CHECK(find_block(incident_card(inc), "actions") == nullptr);
}

TEST_CASE("the announce card offers only Join channel, and never for a private incident",
          "[unit][slack][blocks]") {
    auto inc = sample_incident();
    CHECK(action_ids(announce_card(inc)) == std::vector<std::string>{"incident_join"});
    inc.is_private = true;
    CHECK(action_ids(announce_card(inc)).empty());
    auto ticket = sample_incident();
    ticket.channel_name.clear();
    ticket.channel_id.clear();
    CHECK(action_ids(announce_card(ticket)).empty());
}

TEST_CASE("user text in mrkdwn is escaped so it cannot mention or link", "[unit][slack][blocks]") {
    auto inc = sample_incident();
    inc.created_by = "<!channel>";
    const std::string dumped = incident_card(inc).dump();
    CHECK(dumped.find("<!channel>") == std::string::npos);
    CHECK(dumped.find("&lt;!channel&gt;") != std::string::npos);
}

TEST_CASE("a 300-character title is cut to the 150-character header limit with an ellipsis",
          "[unit][slack][blocks]") {
    auto inc = sample_incident();
    inc.title = std::string(300, 'x');
    const std::string header = incident_card(inc)[0]["text"]["text"];
    CHECK(text_length(header) == 150);
    CHECK(header.ends_with("\u2026"));
    CHECK(header.starts_with("SEV2: xxx"));
}

TEST_CASE("truncation counts characters, never splits UTF-8, and fixes invalid bytes",
          "[unit][slack][blocks]") {
    CHECK(truncate_text("hello", 5) == "hello");
    CHECK(truncate_text("hello world", 6) == "hello\u2026");
    CHECK(truncate_text("ééééé", 3) == "éé\u2026");
    CHECK(text_length("😀") == 2);  // outside the BMP: two UTF-16 units
    CHECK(truncate_text("😀😀😀", 4) == "😀\u2026");
    CHECK(truncate_text("a\xffz", 10) == "a\uFFFDz");
    CHECK(truncate_text("abc", 0).empty());
    const json j = section_block(std::string("bad \xc3\x28 utf8"));
    CHECK_NOTHROW(j.dump());
}

TEST_CASE("mrkdwn truncation drops a half mention or entity instead of showing raw syntax",
          "[unit][slack][blocks]") {
    CHECK(truncate_mrkdwn("ping <@U024BE7LH> now", 10) == "ping\u2026");
    CHECK(truncate_mrkdwn("a &amp; b", 4) == "a\u2026");
    CHECK(truncate_mrkdwn("<@U1> and more text", 8) == "<@U1> a\u2026");
}

TEST_CASE("section text is capped at 3000 characters", "[unit][slack][blocks]") {
    const json s = section_block(std::string(5000, 'y'));
    CHECK(text_length(s["text"]["text"].get<std::string>()) == 3000);
    CHECK(section_block("")["text"]["text"] == " ");
}

TEST_CASE("more than 50 blocks are cut to 50 with a note of how many were dropped",
          "[unit][slack][blocks]") {
    json blocks = json::array();
    for (int i = 0; i < 70; ++i)
        blocks.push_back(section_block("line " + std::to_string(i)));
    const json fitted = fit_blocks(blocks);
    REQUIRE(fitted.size() == 50);
    CHECK(fitted[48]["text"]["text"] == "line 48");
    CHECK(fitted[49]["type"] == "context");
    CHECK(fitted[49]["elements"][0]["text"] == "_21 more blocks not shown_");
    CHECK(fit_blocks(json::array({section_block("a")})).size() == 1);
}

TEST_CASE("the declare modal has the five inputs, SEV0-SEV4 with descriptions and the default",
          "[unit][slack][blocks]") {
    const json view = declare_modal(domain::severity::sev3, "C2147483705");
    CHECK(view["type"] == "modal");
    CHECK(view["callback_id"] == "declare_incident");
    CHECK(view["private_metadata"] == "C2147483705");
    CHECK(text_length(view["title"]["text"].get<std::string>()) <= 24);
    REQUIRE(view["blocks"].size() == 5);
    std::vector<std::string> block_ids;
    for (const json& b : view["blocks"]) {
        CHECK(b["type"] == "input");
        block_ids.push_back(b["block_id"]);
    }
    CHECK(block_ids ==
          std::vector<std::string>{"title", "severity", "private", "commander", "description"});
    const json& select = view["blocks"][1]["element"];
    CHECK(select["type"] == "static_select");
    REQUIRE(select["options"].size() == 5);
    CHECK(select["options"][0]["value"] == "SEV0");
    CHECK(select["options"][0]["description"]["text"] ==
          "Complete outage, data loss, security breach");
    CHECK(select["options"][4]["value"] == "SEV4");
    CHECK(select["initial_option"] == select["options"][3]);
    CHECK(view["blocks"][0]["element"]["max_length"] == 150);
    CHECK(view["blocks"][2]["element"]["type"] == "checkboxes");
    CHECK(view["blocks"][3]["element"]["type"] == "users_select");
    CHECK(view["blocks"][4]["element"]["multiline"] == true);
    CHECK(view["blocks"][2]["optional"] == true);
    CHECK(view["blocks"][0]["optional"] == false);
}

TEST_CASE("private_metadata over 3000 characters is refused rather than corrupted",
          "[unit][slack][blocks]") {
    CHECK_THROWS_AS(declare_modal(domain::severity::sev2, std::string(3001, 'm')),
                    std::length_error);
    CHECK_NOTHROW(declare_modal(domain::severity::sev2, std::string(3000, 'm')));
}

TEST_CASE("the real declare submission parses into declare fields", "[unit][slack][blocks]") {
    const auto s = std::get<view_submission>(
        interaction_from_json(json::parse(data("interaction_view_submission.json"))));
    const auto r = parse_declare_submission(s);
    REQUIRE(std::holds_alternative<declare_fields>(r));
    const auto& f = std::get<declare_fields>(r);
    CHECK(f.title == "API error rate spike");
    CHECK(f.severity == domain::severity::sev1);
    CHECK(f.is_private);
    CHECK(f.commander == "U024BE7LH");
    CHECK(f.description.empty());
    CHECK(f.private_metadata == "C2147483705");
    CHECK(f.user_id == "U123ABC456");
}

TEST_CASE("a declare submission without title or severity returns errors by block id",
          "[unit][slack][blocks]") {
    const json view = declare_modal(domain::severity::sev2, "");
    json values = text_value("title", "   ");
    values["severity"] = {{"severity", {{"type", "static_select"}, {"selected_option", nullptr}}}};
    const auto r = parse_declare_submission(submission(view, values));
    REQUIRE(std::holds_alternative<field_errors>(r));
    const auto& errors = std::get<field_errors>(r);
    CHECK(errors.at("title") == "Enter a title.");
    CHECK(errors.at("severity") == "Choose a severity.");
    const json response = errors_response(errors);
    CHECK(response["response_action"] == "errors");
    CHECK(response["errors"]["title"] == "Enter a title.");

    const auto too_long =
        parse_declare_submission(submission(view, text_value("title", std::string(151, 't'))));
    CHECK(std::get<field_errors>(too_long).at("title").find("150") != std::string::npos);
}

TEST_CASE("update, resolve and severity modals round-trip through their parsers",
          "[unit][slack][blocks]") {
    const json update = update_modal("INC-20240115-0042");
    CHECK(update["callback_id"] == "post_update");
    CHECK(update["blocks"][1]["block_id"] == "text");
    const auto u = parse_update_submission(submission(update, text_value("text", " Rolled back ")));
    CHECK(std::get<update_fields>(u).incident_id == "INC-20240115-0042");
    CHECK(std::get<update_fields>(u).text == "Rolled back");
    CHECK(std::get<field_errors>(parse_update_submission(submission(update, json::object())))
              .count("text") == 1);

    const json resolve = resolve_modal("INC-20240115-0042");
    CHECK(resolve["callback_id"] == "resolve_incident");
    CHECK(resolve["blocks"][1]["block_id"] == "summary");
    const auto r = parse_resolve_submission(submission(resolve, text_value("summary", "Fixed")));
    CHECK(std::get<resolve_fields>(r).summary == "Fixed");

    const json sev = severity_modal("INC-20240115-0042", domain::severity::sev2);
    CHECK(sev["callback_id"] == "change_severity");
    CHECK(sev["blocks"][1]["element"]["initial_option"]["value"] == "SEV2");
    const json chosen = {
        {"severity",
         {{"severity", {{"type", "static_select"}, {"selected_option", {{"value", "SEV0"}}}}}}}};
    const auto s = parse_severity_submission(submission(sev, chosen));
    CHECK(std::get<severity_fields>(s).severity == domain::severity::sev0);
    CHECK(std::get<severity_fields>(s).incident_id == "INC-20240115-0042");
    CHECK(std::holds_alternative<field_errors>(
        parse_severity_submission(submission(sev, json::object()))));
}

TEST_CASE("a submission of another view or with foreign metadata is a payload error",
          "[unit][slack][blocks]") {
    const json update = update_modal("INC-20240115-0042");
    CHECK_THROWS_AS(parse_resolve_submission(submission(update, json::object())), payload_error);
    json forged = update;
    forged["private_metadata"] = "C123";
    CHECK_THROWS_AS(parse_update_submission(submission(forged, text_value("text", "x"))),
                    payload_error);
}
