// Fuzz target: the Slack request verifier, every Slack payload parser, the Block Kit text
// helpers and the /incident tokenizer. Built for libFuzzer with clang (WARROOM_FUZZ=ON) and, with
// g++, as a plain executable driven by fuzz_driver.cpp.
//
// Contract checked: the parsers throw nothing but payload_error (form_error for the raw form
// codec, syntax_error for the tokenizer), and a few round-trip properties hold. Anything else
// escapes or aborts, which is the crash the fuzzer reports.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bot/slack/blocks.hpp"
#include "bot/slack/form.hpp"
#include "bot/slack/inbound.hpp"
#include "bot/slack/verifier.hpp"
#include "commands/tokenizer.hpp"

namespace {

using namespace warroom;
using namespace warroom::slack;

void check(bool ok) {
    if (!ok)
        std::abort();
}

// Input layout for the verifier: "timestamp\nsignature\nbody"; missing parts are empty.
void fuzz_verifier(std::string_view input) {
    const std::size_t nl1 = input.find('\n');
    const std::string_view ts = input.substr(0, nl1);
    std::string_view rest =
        nl1 == std::string_view::npos ? std::string_view() : input.substr(nl1 + 1);
    const std::size_t nl2 = rest.find('\n');
    const std::string_view sig = rest.substr(0, nl2);
    const std::string_view body =
        nl2 == std::string_view::npos ? std::string_view() : rest.substr(nl2 + 1);

    constexpr std::string_view secret = "8f742231b10e8888abcd99yyyzzz85a5";
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1531420618));
    const verify_result r = verify_request(secret, ts, sig, body, now);
    check(r.ok == r.reason.empty());
    check(r.reason.find(secret) == std::string::npos);

    // Whatever Slack would sign for this body must verify at that moment. Only timestamps that
    // fit a system_clock time_point (nanoseconds in 64 bits) can be "now".
    bool plain_number = !ts.empty() && ts.size() <= 10;
    for (const char c : ts)
        plain_number = plain_number && c >= '0' && c <= '9';
    if (plain_number && std::stoll(std::string(ts)) <= 9'000'000'000) {
        const std::string good = sign_request(secret, ts, body);
        const auto at = std::chrono::system_clock::time_point(
            std::chrono::seconds(std::stoll(std::string(ts))));
        check(verify_request(secret, ts, good, body, at).ok);
    }
}

void fuzz_submissions(const view_submission& s) {
    // Each parser refuses a submission of another view with payload_error.
    try {
        (void)parse_declare_submission(s);
    } catch (const payload_error&) {
    }
    try {
        (void)parse_update_submission(s);
    } catch (const payload_error&) {
    }
    try {
        (void)parse_resolve_submission(s);
    } catch (const payload_error&) {
    }
    try {
        (void)parse_severity_submission(s);
    } catch (const payload_error&) {
    }
}

void use(const interaction& i) {
    (void)idempotency_key(i);
    if (const auto* s = std::get_if<view_submission>(&i))
        fuzz_submissions(*s);
}

void fuzz_parsers(std::string_view input) {
    try {
        (void)idempotency_key(parse_events_body(input));
    } catch (const payload_error&) {
    }
    try {
        const slash_request r = parse_slash_command(input);
        if (const auto* c = std::get_if<slash_command>(&r))
            (void)idempotency_key(*c);
    } catch (const payload_error&) {
    }
    try {
        use(parse_interaction(input));
    } catch (const payload_error&) {
    }
    // The JSON seeds are interaction payloads themselves: reach the typed parsers directly too.
    try {
        const nlohmann::json j = parse_json_object(input);
        try {
            use(interaction_from_json(j));
        } catch (const payload_error&) {
        }
        try {
            (void)idempotency_key(slash_command_from_json(j));
        } catch (const payload_error&) {
        }
    } catch (const payload_error&) {
    }
    try {
        const socket_message m = parse_socket_envelope(input);
        if (const auto* env = std::get_if<socket_envelope>(&m)) {
            (void)idempotency_key(*env);
            (void)socket_ack(env->envelope_id);
        }
    } catch (const payload_error&) {
    }
}

void fuzz_text(std::string_view input) {
    try {
        const form_fields f = parse_form(input);
        check(parse_form(encode_form(f)) == f);
    } catch (const form_error&) {
    }
    check(unescape(escape(input)) == input);

    const std::size_t max = input.empty() ? 0 : static_cast<unsigned char>(input[0]) % 64;
    check(text_length(truncate_text(input, max)) <= max);
    check(text_length(truncate_mrkdwn(input, max)) <= max);

    domain::incident inc;
    inc.id = "INC-20240115-0042";
    inc.title = std::string(input);
    inc.commander = std::string(input.substr(0, 20));
    inc.channel_id = std::string(input.substr(0, 12));
    inc.channel_name = "incident-20240115-0042";
    // Every byte sequence must still serialise: builders replace invalid UTF-8.
    (void)incident_card(inc, input).dump();
    (void)announce_card(inc, input).dump();
}

void fuzz_tokenizer(std::string_view input) {
    try {
        for (const auto& t : commands::tokenize(input))
            (void)commands::as_free_text(t);
    } catch (const commands::syntax_error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    fuzz_verifier(input);
    fuzz_parsers(input);
    fuzz_text(input);
    fuzz_tokenizer(input);
    return 0;
}
