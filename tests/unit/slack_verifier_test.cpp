#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "bot/slack/form.hpp"
#include "bot/slack/verifier.hpp"

using namespace warroom::slack;
using namespace std::chrono_literals;

namespace {

// Slack's official test vector (reference §2.3).
constexpr std::string_view secret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr std::string_view timestamp = "1531420618";
constexpr std::string_view signature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

std::string official_body() {
    std::ifstream in(
        std::string(WARROOM_SOURCE_DIR) + "/tests/data/slack/slash_command_official.txt",
        std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::chrono::system_clock::time_point at(std::int64_t epoch_s) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(epoch_s));
}

const auto vector_time = at(1531420618);

}  // namespace

TEST_CASE("the official Slack test vector verifies with the clock at its timestamp",
          "[unit][slack][verifier]") {
    const std::string body = official_body();
    REQUIRE(body.size() == 362);
    const auto r = verify_request(secret, timestamp, signature, body, vector_time);
    CHECK(r.ok);
    CHECK(r.reason.empty());
    CHECK(static_cast<bool>(r));
}

TEST_CASE("signing the official vector reproduces Slack's signature", "[unit][slack][verifier]") {
    CHECK(sign_request(secret, timestamp, official_body()) == signature);
}

TEST_CASE("a body changed by one appended suffix fails as a bad signature",
          "[unit][slack][verifier]") {
    const auto r =
        verify_request(secret, timestamp, signature, official_body() + "------", vector_time);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "bad signature");
}

TEST_CASE("the official vector checked against the real wall clock is stale",
          "[unit][slack][verifier]") {
    const auto r = verify_request(secret, timestamp, signature, official_body(),
                                  std::chrono::system_clock::now());
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "stale timestamp");
}

TEST_CASE("the replay window is five minutes either way, inclusive", "[unit][slack][verifier]") {
    const std::string body = official_body();
    CHECK(verify_request(secret, timestamp, signature, body, vector_time + 300s).ok);
    CHECK(verify_request(secret, timestamp, signature, body, vector_time - 300s).ok);
    CHECK(verify_request(secret, timestamp, signature, body, vector_time + 301s).reason ==
          "stale timestamp");
    // A timestamp from the future is refused too (absolute difference, as the Python SDK does).
    CHECK(verify_request(secret, timestamp, signature, body, vector_time - 301s).reason ==
          "stale timestamp");
}

TEST_CASE("missing headers are named in the reason", "[unit][slack][verifier]") {
    const std::string body = official_body();
    CHECK(verify_request(secret, "", signature, body, vector_time).reason ==
          "missing X-Slack-Request-Timestamp");
    CHECK(verify_request(secret, timestamp, "", body, vector_time).reason ==
          "missing X-Slack-Signature");
    CHECK(verify_request(secret, "  ", signature, body, vector_time).reason ==
          "missing X-Slack-Request-Timestamp");
}

TEST_CASE("a timestamp that is not a plain decimal number is malformed",
          "[unit][slack][verifier]") {
    const std::string body = official_body();
    for (const char* bad : {"abc", "1531420618.5", "-1531420618", "+1531420618", "1531420618x",
                            "0x5B47A5CA", "15314 20618", "99999999999999999999999"}) {
        INFO(bad);
        const auto r = verify_request(secret, bad, signature, body, vector_time);
        CHECK_FALSE(r.ok);
        CHECK(r.reason == "malformed X-Slack-Request-Timestamp");
    }
}

TEST_CASE("surrounding header whitespace is not part of the value", "[unit][slack][verifier]") {
    CHECK(verify_request(secret, " 1531420618 ", std::string(signature) + "\t", official_body(),
                         vector_time)
              .ok);
}

TEST_CASE("an unknown signature version is refused even with a valid digest",
          "[unit][slack][verifier]") {
    std::string v1(signature);
    v1[1] = '1';
    const auto r = verify_request(secret, timestamp, v1, official_body(), vector_time);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "unsupported signature version");
    CHECK(verify_request(secret, timestamp, "V0=" + std::string(signature.substr(3)),
                         official_body(), vector_time)
              .reason == "unsupported signature version");
}

TEST_CASE("garbled signature headers are malformed, not crashes", "[unit][slack][verifier]") {
    const std::string body = official_body();
    for (const std::string& bad :
         {std::string("garbage"), std::string("v0="), std::string(signature.substr(0, 66)),
          std::string(signature) + "0", std::string(signature.substr(3))}) {
        INFO(bad);
        const auto r = verify_request(secret, timestamp, bad, body, vector_time);
        CHECK_FALSE(r.ok);
        CHECK(r.reason == "malformed X-Slack-Signature");
    }
}

TEST_CASE("upper-case hex is refused because Slack sends lower-case", "[unit][slack][verifier]") {
    std::string upper(signature);
    for (std::size_t i = 3; i < upper.size(); ++i) {
        upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
    }
    const auto r = verify_request(secret, timestamp, upper, official_body(), vector_time);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "bad signature");
}

TEST_CASE("a signature made with another secret or timestamp is a bad signature",
          "[unit][slack][verifier]") {
    const std::string body = official_body();
    CHECK(verify_request("another-secret", timestamp, signature, body, vector_time).reason ==
          "bad signature");
    const std::string other_ts = "1531420619";
    CHECK(verify_request(secret, other_ts, signature, body, vector_time).reason == "bad signature");
    CHECK(verify_request(secret, other_ts, sign_request(secret, other_ts, body), body, vector_time)
              .ok);
}

TEST_CASE("no reason ever contains the secret or the expected signature",
          "[unit][slack][verifier]") {
    const std::string body = official_body();
    for (const auto& r : {verify_request(secret, timestamp, signature, body + "x", vector_time),
                          verify_request(secret, timestamp, "v0=zz", body, vector_time),
                          verify_request(secret, "x", signature, body, vector_time),
                          verify_request(secret, timestamp, signature, body, at(0))}) {
        CHECK_FALSE(r.ok);
        CHECK(r.reason.find(secret) == std::string::npos);
        CHECK(r.reason.find("a2114d57") == std::string::npos);
        CHECK(r.reason.find('\n') == std::string::npos);
    }
}

TEST_CASE("an empty signing secret verifies nothing and signs nothing", "[unit][slack][verifier]") {
    CHECK(verify_request("", timestamp, signature, official_body(), vector_time).reason ==
          "no signing secret configured");
    CHECK_THROWS_AS(sign_request("", timestamp, "body"), std::invalid_argument);
}

TEST_CASE("an empty body and a binary body sign and verify", "[unit][slack][verifier]") {
    const std::string binary("\0\xff\x01payload", 10);
    for (const std::string& body : {std::string(), binary}) {
        const std::string sig = sign_request("s3cret", timestamp, body);
        CHECK(sig.size() == 67);
        CHECK(verify_request("s3cret", timestamp, sig, body, vector_time).ok);
    }
}

TEST_CASE("sha256_hex matches the known digest of the empty string and of abc",
          "[unit][slack][verifier]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("sha256_hex matches the FIPS 180-2 vectors for 448 bits and one million a",
          "[unit][slack][verifier]") {
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex(std::string(1'000'000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

namespace {

std::string hex(const hmac_sha256_key::digest& d) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char b : d) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0f]);
    }
    return out;
}

std::string hmac_hex(std::string_view key, std::string_view data) {
    return hex(hmac_sha256_key(key).mac({data}));
}

}  // namespace

TEST_CASE("HMAC-SHA256 matches RFC 4231 test cases 1 and 2 (keys shorter than a block)",
          "[unit][slack][verifier]") {
    CHECK(hmac_hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(hmac_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("HMAC-SHA256 hashes a 131-byte key first, as in RFC 4231 test cases 6 and 7",
          "[unit][slack][verifier]") {
    const std::string key(131, '\xaa');
    CHECK(hmac_hex(key, "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    CHECK(hmac_hex(key,
                   "This is a test using a larger than block-size key and a larger than "
                   "block-size data. The key needs to be hashed before being used by the HMAC "
                   "algorithm.") ==
          "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST_CASE("a prepared key gives the same MAC on every use and however the message is split",
          "[unit][slack][verifier]") {
    const hmac_sha256_key key("Jefe");
    const std::string expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    CHECK(hex(key.mac({"what do ya want for nothing?"})) == expected);
    CHECK(hex(key.mac({"what do ya ", "", "want for nothing?"})) == expected);
    const hmac_sha256_key copy = key;
    CHECK(hex(copy.mac({"what do ya want ", "for nothing?"})) == expected);
}

TEST_CASE("verifying with a prepared key agrees with verifying with the secret",
          "[unit][slack][verifier]") {
    const std::string body = official_body();
    const hmac_sha256_key key(secret);
    CHECK(verify_request(key, timestamp, signature, body, vector_time).ok);
    CHECK(verify_request(key, timestamp, signature, body + "x", vector_time).reason ==
          "bad signature");
    CHECK(verify_request(hmac_sha256_key(""), timestamp, signature, body, vector_time).reason ==
          "no signing secret configured");
}

// ---- application/x-www-form-urlencoded

TEST_CASE("form decoding turns plus into space and decodes percent escapes in order",
          "[unit][slack][form]") {
    const auto f =
        parse_form("command=%2Fincident&text=create+SEV2+%22API%22&text=second&x=%e2%9c%93");
    REQUIRE(f.size() == 4);
    CHECK(f[0] == std::pair<std::string, std::string>{"command", "/incident"});
    CHECK(f[1].second == "create SEV2 \"API\"");
    CHECK(f[3].second == "\xe2\x9c\x93");
    REQUIRE(find_field(f, "text") != nullptr);
    CHECK(*find_field(f, "text") == "create SEV2 \"API\"");  // first occurrence wins
    CHECK(find_field(f, "missing") == nullptr);
}

TEST_CASE("form fields without a value and empty fields are tolerated", "[unit][slack][form]") {
    const auto f = parse_form("a&&b=&=v&");
    REQUIRE(f.size() == 3);
    CHECK(f[0] == std::pair<std::string, std::string>{"a", ""});
    CHECK(f[1] == std::pair<std::string, std::string>{"b", ""});
    CHECK(f[2] == std::pair<std::string, std::string>{"", "v"});
    CHECK(parse_form("").empty());
    CHECK(parse_form("k=a=b")[0].second == "a=b");
}

TEST_CASE("malformed percent escapes are form errors", "[unit][slack][form]") {
    for (const char* bad : {"a=%", "a=%4", "a=%zz", "a=%4g", "%=1", "a=1&b=%%", "a=%-1"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_form(bad), form_error);
    }
    CHECK_THROWS_AS(form_decode("100%"), form_error);
}

TEST_CASE("form encoding round-trips every byte", "[unit][slack][form]") {
    std::string all;
    for (int c = 0; c < 256; ++c)
        all.push_back(static_cast<char>(c));
    const form_fields in{{"channel", "C123"}, {"text", "a b&c=d+e/é"}, {"bytes", all}};
    const std::string encoded = encode_form(in);
    CHECK(encoded.starts_with("channel=C123&text=a+b%26c%3Dd%2Be%2F%C3%A9&bytes="));
    CHECK(parse_form(encoded) == in);
    CHECK(form_encode("A-z_0.9*~") == "A-z_0.9*%7E");
}
