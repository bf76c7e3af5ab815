#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "commands/tokenizer.hpp"

using namespace warroom::commands;

namespace {

std::vector<std::string> texts(const std::vector<token>& tokens) {
    std::vector<std::string> out;
    for (const auto& t : tokens)
        out.push_back(t.text);
    return out;
}

// Returns the syntax error's message, failing the test when there was none.
std::string syntax_error_of(const std::string& input) {
    try {
        tokenize(input);
    } catch (const syntax_error& e) {
        return e.what();
    }
    FAIL("expected a syntax error for: " << input);
    return {};
}

}  // namespace

TEST_CASE("empty and blank text has no tokens", "[tokenizer]") {
    CHECK(tokenize("").empty());
    CHECK(tokenize("   \t \n ").empty());
    CHECK(tokenize("\xC2\xA0").empty());
}

TEST_CASE("bare words split on any whitespace, including no-break spaces", "[tokenizer]") {
    const auto tokens = tokenize("  sev\tP1\nnow\xC2\xA0please ");
    REQUIRE(tokens.size() == 4);
    CHECK(texts(tokens) == std::vector<std::string>{"sev", "P1", "now", "please"});
    for (const auto& t : tokens)
        CHECK(t.kind == token_kind::word);
}

TEST_CASE("raw text and offsets point back into the input", "[tokenizer]") {
    const std::string input = "note  \"a b\" c";
    const auto tokens = tokenize(input);
    REQUIRE(tokens.size() == 3);
    CHECK(tokens[1].raw == "\"a b\"");
    CHECK(tokens[1].offset == 6);
    CHECK(input.substr(tokens[1].offset, tokens[1].raw.size()) == tokens[1].raw);
    CHECK(tokens[2].offset == tokens[1].end() + 1);
}

TEST_CASE("double quotes keep spaces and remove the quotes", "[tokenizer]") {
    const auto tokens = tokenize("create SEV2 \"API error rate spike\"");
    REQUIRE(tokens.size() == 3);
    CHECK(tokens[2].kind == token_kind::quoted);
    CHECK(tokens[2].text == "API error rate spike");
}

TEST_CASE("backslash escapes a double quote and a backslash inside double quotes", "[tokenizer]") {
    const auto tokens = tokenize(R"("say \"hi\" to C:\\tmp \n")");
    REQUIRE(tokens.size() == 1);
    CHECK(tokens[0].text == R"(say "hi" to C:\tmp \n)");
}

TEST_CASE("an empty quoted string is a token with empty text", "[tokenizer]") {
    const auto tokens = tokenize("note \"\"");
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[1].kind == token_kind::quoted);
    CHECK(tokens[1].text.empty());
}

TEST_CASE("single quotes work and apostrophes inside them stay", "[tokenizer]") {
    const auto tokens = tokenize("note 'don't restart the db' now");
    REQUIRE(tokens.size() == 3);
    CHECK(tokens[1].kind == token_kind::quoted);
    CHECK(tokens[1].text == "don't restart the db");
}

TEST_CASE("an apostrophe inside a bare word is not a quote", "[tokenizer]") {
    const auto tokens = tokenize("note it's down, 5\" screen");
    CHECK(texts(tokens) == std::vector<std::string>{"note", "it's", "down,", "5\"", "screen"});
}

TEST_CASE("smart double and single quotes from phones and macOS work", "[tokenizer]") {
    const auto tokens = tokenize(
        "create SEV1 \xE2\x80\x9C"
        "API down\xE2\x80\x9D \xE2\x80\x98"
        "it\xE2\x80\x99s bad\xE2\x80\x99");
    REQUIRE(tokens.size() == 4);
    CHECK(tokens[2].kind == token_kind::quoted);
    CHECK(tokens[2].text == "API down");
    CHECK(tokens[3].kind == token_kind::quoted);
    CHECK(tokens[3].text == "it\xE2\x80\x99s bad");
}

TEST_CASE("a straight quote can close a smart quote and the other way round", "[tokenizer]") {
    CHECK(tokenize("\xE2\x80\x9C"
                   "a b\"")[0]
              .text == "a b");
    CHECK(tokenize("\"a b\xE2\x80\x9D")[0].text == "a b");
}

TEST_CASE("unterminated quotes are syntax errors that say which quote is missing", "[tokenizer]") {
    CHECK_THAT(syntax_error_of("note \"restarted pods"), Catch::Contains("expected a closing \""));
    CHECK_THAT(syntax_error_of("note 'restarted pods"), Catch::Contains("expected a closing '"));
    CHECK_THAT(syntax_error_of("note \xE2\x80\x9Crestarted"), Catch::Contains("unterminated"));
    CHECK_THAT(syntax_error_of("note \"ends with backslash\\\""), Catch::Contains("unterminated"));
}

TEST_CASE("Slack's HTML escapes are decoded in bare and quoted text", "[tokenizer]") {
    const auto tokens = tokenize("note a&amp;b \"x &lt; y &gt; z\" &amp;lt;");
    REQUIRE(tokens.size() == 4);
    CHECK(tokens[1].text == "a&b");
    CHECK(tokens[1].raw == "a&amp;b");
    CHECK(tokens[2].text == "x < y > z");
    CHECK(tokens[3].text == "&lt;");  // decoded once, not twice
    CHECK(html_unescape("&quot;&amp") == "&quot;&amp");
}

TEST_CASE("a bare @handle is a user mention with the handle as its value", "[tokenizer]") {
    const auto tokens = tokenize("commander @oncall-backend");
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[1].kind == token_kind::user);
    CHECK(tokens[1].text == "oncall-backend");
    CHECK(tokens[1].raw == "@oncall-backend");
}

TEST_CASE("a Slack <@U…> mention's value is the user id", "[tokenizer]") {
    const auto tokens = tokenize("<@U123ABC>");
    REQUIRE(tokens.size() == 1);
    CHECK(tokens[0].kind == token_kind::user);
    CHECK(tokens[0].text == "U123ABC");
    CHECK(tokens[0].label.empty());
    CHECK(tokens[0].raw == "<@U123ABC>");
}

TEST_CASE("a Slack <@U…|name> mention keeps the id as value and the name as label", "[tokenizer]") {
    const auto tokens = tokenize("<@U123ABC|alice>");
    REQUIRE(tokens.size() == 1);
    CHECK(tokens[0].kind == token_kind::user);
    CHECK(tokens[0].text == "U123ABC");
    CHECK(tokens[0].label == "alice");
}

TEST_CASE("malformed bracket mentions are syntax errors", "[tokenizer]") {
    CHECK_THAT(syntax_error_of("commander <@>"), Catch::Contains("expected <@U123ABC>"));
    CHECK_THAT(syntax_error_of("commander <@|alice>"), Catch::Contains("bad mention"));
    CHECK_THAT(syntax_error_of("commander <@U1 23>"), Catch::Contains("bad mention"));
    CHECK_THAT(syntax_error_of("commander <@U123"), Catch::Contains("unterminated"));
    CHECK_THAT(syntax_error_of("page <!subteam^|@sre>"), Catch::Contains("bad user group"));
    CHECK_THAT(syntax_error_of("note a <b> c"), Catch::Contains("quote text that contains <"));
}

TEST_CASE("an @ that is not followed by a handle is plain text", "[tokenizer]") {
    const auto tokens = tokenize("note meet @ 3pm @bob,");
    CHECK(tokens[2].kind == token_kind::word);
    CHECK(tokens[4].kind == token_kind::word);
    CHECK(tokens[4].text == "@bob,");
}

TEST_CASE("channel references come as #name, <#C…> and <#C…|name>", "[tokenizer]") {
    const auto tokens = tokenize("#incidents <#C123> <#C456|war-room>");
    REQUIRE(tokens.size() == 3);
    for (const auto& t : tokens)
        CHECK(t.kind == token_kind::channel);
    CHECK(tokens[0].text == "incidents");
    CHECK(tokens[1].text == "C123");
    CHECK(tokens[2].text == "C456");
    CHECK(tokens[2].label == "war-room");
    CHECK_THAT(syntax_error_of("<#>"), Catch::Contains("expected <#C123ABC>"));
}

TEST_CASE("user groups, @here and links are recognised", "[tokenizer]") {
    const auto tokens = tokenize(
        "<!subteam^S0614TZR7|@sre-team> <!here> <https://grafana.example/d?a=1&amp;b=2|dash>");
    REQUIRE(tokens.size() == 3);
    CHECK(tokens[0].kind == token_kind::usergroup);
    CHECK(tokens[0].text == "S0614TZR7");
    CHECK(tokens[0].label == "sre-team");
    CHECK(tokens[1].kind == token_kind::word);
    CHECK(tokens[1].text == "@here");
    CHECK(tokens[2].kind == token_kind::word);
    CHECK(tokens[2].text == "https://grafana.example/d?a=1&b=2");
    CHECK(tokens[2].label == "dash");
}

TEST_CASE("a valueless flag is one token with its name", "[tokenizer]") {
    const auto tokens = tokenize("create SEV1 \"x\" --private");
    REQUIRE(tokens.size() == 4);
    CHECK(tokens[3].kind == token_kind::flag);
    CHECK(tokens[3].text == "private");
    CHECK_FALSE(tokens[3].attached);
}

TEST_CASE("--flag value leaves the value as the next token for the grammar", "[tokenizer]") {
    const auto tokens = tokenize("--confidence high");
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[0].kind == token_kind::flag);
    CHECK_FALSE(tokens[0].attached);
    CHECK(tokens[1].text == "high");
}

TEST_CASE("--flag=value attaches a classified value", "[tokenizer]") {
    const auto tokens = tokenize("--owner=@bob --who=<@U1|al> --description=\"two words\"");
    REQUIRE(tokens.size() == 3);
    REQUIRE(tokens[0].attached);
    CHECK(tokens[0].text == "owner");
    CHECK(tokens[0].attached->kind == token_kind::user);
    CHECK(tokens[0].attached->text == "bob");
    CHECK(tokens[0].raw == "--owner=@bob");
    CHECK(tokens[1].attached->text == "U1");
    CHECK(tokens[2].attached->kind == token_kind::quoted);
    CHECK(tokens[2].attached->text == "two words");
}

TEST_CASE("flag names are case-insensitive and an autocorrected em dash still makes a flag",
          "[tokenizer]") {
    const auto tokens = tokenize("--Private \xE2\x80\x94private \xE2\x80\x94 --dry_run-2");
    REQUIRE(tokens.size() == 4);
    CHECK(tokens[0].kind == token_kind::flag);
    CHECK(tokens[0].text == "private");
    CHECK(tokens[1].kind == token_kind::flag);
    CHECK(tokens[1].text == "private");
    CHECK(tokens[2].kind == token_kind::word);  // a lone dash is punctuation
    CHECK(tokens[3].text == "dry_run-2");
}

TEST_CASE("malformed flags are syntax errors", "[tokenizer]") {
    CHECK_THAT(syntax_error_of("note x --"), Catch::Contains("empty flag name `--`"));
    CHECK_THAT(syntax_error_of("--=x"), Catch::Contains("expected --name"));
    CHECK_THAT(syntax_error_of("--9lives"), Catch::Contains("expected --name"));
    CHECK_THAT(syntax_error_of("--own!er"), Catch::Contains("expected --name"));
    CHECK_THAT(syntax_error_of("--owner= @bob"), Catch::Contains("expected --owner=value"));
}

TEST_CASE("key=value is a parameter, with quoted values allowed", "[tokenizer]") {
    const auto tokens = tokenize("diag db limit=10 since=\"2 hours\" x= a==b");
    REQUIRE(tokens.size() == 6);
    CHECK(tokens[2].kind == token_kind::param);
    CHECK(tokens[2].text == "limit");
    CHECK(tokens[2].attached->text == "10");
    CHECK(tokens[3].text == "since");
    CHECK(tokens[3].attached->text == "2 hours");
    CHECK(tokens[4].kind == token_kind::word);  // no value: not a parameter
    CHECK(tokens[5].kind == token_kind::param);
    CHECK(tokens[5].attached->text == "=b");
}

TEST_CASE("text glued to a mention or a closing quote starts a new touching token", "[tokenizer]") {
    const auto tokens = tokenize("ping <@U1>, \"api\"s cc:<@U2>");
    REQUIRE(tokens.size() == 7);
    CHECK(tokens[1].kind == token_kind::user);
    CHECK(tokens[2].text == ",");
    CHECK(tokens[2].offset == tokens[1].end());
    CHECK(tokens[4].text == "s");
    CHECK(tokens[4].offset == tokens[3].end());
    CHECK(tokens[5].kind == token_kind::word);
    CHECK(tokens[5].text == "cc:");
    CHECK(tokens[6].kind == token_kind::user);
    CHECK(tokens[6].offset == tokens[5].end());
}

TEST_CASE("free text keeps decoded words and raw mentions", "[tokenizer]") {
    const auto tokens = tokenize("a&amp;b <@U1> \"q\" <https://x.example> k=v @bob");
    std::vector<std::string> pieces;
    for (const auto& t : tokens)
        pieces.push_back(as_free_text(t));
    CHECK(pieces ==
          std::vector<std::string>{"a&b", "<@U1>", "q", "<https://x.example>", "k=v", "@bob"});
}

TEST_CASE("every syntax error message is one line", "[tokenizer]") {
    for (const std::string input : {"\"a\nb", "'x\ny", "<@\n>", "--\n", "<foo\nbar>"}) {
        CAPTURE(input);
        CHECK(syntax_error_of(input).find('\n') == std::string::npos);
    }
}
