#include "bot/slack/verifier.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <stdexcept>

// The low-level SHA-256 calls are deprecated in OpenSSL 3 but need no provider: EVP_MAC/EVP_Digest
// would load and initialise the default provider (~2 MB of RSS) and are slower per call.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace warroom::slack {

namespace {

constexpr std::string_view version_prefix = "v0=";
constexpr std::size_t sha256_size = 32;
constexpr std::size_t sha256_block_size = 64;
using sha256_digest = hmac_sha256_key::digest;

// SHA256_Init/Update/Final only fail on a null context; treat a failure as a broken library.
void check(int ok) {
    if (ok != 1)
        throw std::runtime_error("SHA-256 failed");
}

SHA256_CTX load(const std::array<unsigned char, sizeof(SHA256_CTX)>& stored) {
    SHA256_CTX ctx;
    std::memcpy(&ctx, stored.data(), sizeof ctx);
    return ctx;
}

}  // namespace

static_assert(sizeof(SHA256_CTX) == 112 && alignof(SHA256_CTX) <= 8,
              "hmac_sha256_key::state_size must match OpenSSL's SHA256_CTX");

hmac_sha256_key::hmac_sha256_key(std::string_view key) : empty_(key.empty()) {
    // RFC 2104: a key longer than the block is replaced by its hash, then zero-padded.
    std::array<unsigned char, sha256_block_size> block{};
    if (key.size() > block.size()) {
        SHA256_CTX ctx;
        check(SHA256_Init(&ctx));
        check(SHA256_Update(&ctx, key.data(), key.size()));
        check(SHA256_Final(block.data(), &ctx));
        OPENSSL_cleanse(&ctx, sizeof ctx);
    } else if (!key.empty()) {
        std::memcpy(block.data(), key.data(), key.size());
    }
    std::array<unsigned char, sha256_block_size> pad{};
    const auto prepare = [&](unsigned char fill, std::array<unsigned char, state_size>& out) {
        for (std::size_t i = 0; i < block.size(); ++i)
            pad[i] = static_cast<unsigned char>(block[i] ^ fill);
        SHA256_CTX ctx;
        check(SHA256_Init(&ctx));
        check(SHA256_Update(&ctx, pad.data(), pad.size()));
        std::memcpy(out.data(), &ctx, sizeof ctx);
        OPENSSL_cleanse(&ctx, sizeof ctx);
    };
    prepare(0x36, inner_);
    prepare(0x5c, outer_);
    OPENSSL_cleanse(block.data(), block.size());
    OPENSSL_cleanse(pad.data(), pad.size());
}

hmac_sha256_key::~hmac_sha256_key() {
    OPENSSL_cleanse(inner_.data(), inner_.size());
    OPENSSL_cleanse(outer_.data(), outer_.size());
}

hmac_sha256_key::digest hmac_sha256_key::mac(std::initializer_list<std::string_view> parts) const {
    SHA256_CTX ctx = load(inner_);
    for (const std::string_view part : parts) {
        if (!part.empty())
            check(SHA256_Update(&ctx, part.data(), part.size()));
    }
    digest inner_hash{};
    check(SHA256_Final(inner_hash.data(), &ctx));
    ctx = load(outer_);
    check(SHA256_Update(&ctx, inner_hash.data(), inner_hash.size()));
    digest out{};
    check(SHA256_Final(out.data(), &ctx));
    OPENSSL_cleanse(&ctx, sizeof ctx);
    return out;
}

namespace {

std::string hex_lower(const unsigned char* data, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 0x0f]);
    }
    return out;
}

// HTTP allows optional whitespace around a field value; it is not part of the value.
std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::optional<std::int64_t> parse_epoch_seconds(std::string_view s) {
    if (s.empty())
        return std::nullopt;
    for (const char c : s) {
        if (c < '0' || c > '9')
            return std::nullopt;  // no sign, no fraction, no spaces
    }
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size())
        return std::nullopt;
    return value;
}

verify_result fail(std::string reason) {
    return verify_result{false, std::move(reason)};
}

}  // namespace

verify_result verify_request(std::string_view signing_secret, std::string_view timestamp_header,
                             std::string_view signature_header, std::string_view raw_body,
                             std::chrono::system_clock::time_point now) {
    return verify_request(hmac_sha256_key(signing_secret), timestamp_header, signature_header,
                          raw_body, now);
}

verify_result verify_request(const hmac_sha256_key& signing_key, std::string_view timestamp_header,
                             std::string_view signature_header, std::string_view raw_body,
                             std::chrono::system_clock::time_point now) {
    // An empty key would let anyone compute valid signatures: refuse rather than "verify".
    if (signing_key.empty())
        return fail("no signing secret configured");
    const std::string_view timestamp = trim_ows(timestamp_header);
    const std::string_view signature = trim_ows(signature_header);
    if (timestamp.empty())
        return fail("missing X-Slack-Request-Timestamp");
    if (signature.empty())
        return fail("missing X-Slack-Signature");

    const auto ts = parse_epoch_seconds(timestamp);
    if (!ts)
        return fail("malformed X-Slack-Request-Timestamp");
    const std::int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    // |now - ts| in unsigned arithmetic: no signed overflow whatever the header holds.
    const std::uint64_t skew =
        *ts >= now_s ? static_cast<std::uint64_t>(*ts) - static_cast<std::uint64_t>(now_s)
                     : static_cast<std::uint64_t>(now_s) - static_cast<std::uint64_t>(*ts);
    if (skew > static_cast<std::uint64_t>(max_request_skew.count())) {
        return fail("stale timestamp");
    }

    if (!signature.starts_with(version_prefix)) {
        return signature.find('=') != std::string_view::npos ? fail("unsupported signature version")
                                                             : fail("malformed X-Slack-Signature");
    }
    if (signature.size() != version_prefix.size() + 2 * sha256_size) {
        return fail("malformed X-Slack-Signature");
    }

    const sha256_digest mac = signing_key.mac({"v0:", timestamp, ":", raw_body});
    const std::string expected = std::string(version_prefix) + hex_lower(mac.data(), mac.size());
    // Lengths are equal (checked above), so CRYPTO_memcmp compares every byte in constant time.
    // Upper-case hex is refused like any other mismatch: Slack sends lower-case (§2.1).
    if (CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
        return fail("bad signature");
    }
    return verify_result{true, {}};
}

std::string sign_request(std::string_view signing_secret, std::string_view timestamp,
                         std::string_view body) {
    if (signing_secret.empty())
        throw std::invalid_argument("sign_request: empty signing secret");
    return sign_request(hmac_sha256_key(signing_secret), timestamp, body);
}

std::string sign_request(const hmac_sha256_key& signing_key, std::string_view timestamp,
                         std::string_view body) {
    const sha256_digest mac = signing_key.mac({"v0:", timestamp, ":", body});
    return std::string(version_prefix) + hex_lower(mac.data(), mac.size());
}

std::string sha256_hex(std::string_view data) {
    SHA256_CTX ctx;
    sha256_digest out{};
    check(SHA256_Init(&ctx));
    check(SHA256_Update(&ctx, data.data(), data.size()));
    check(SHA256_Final(out.data(), &ctx));
    return hex_lower(out.data(), out.size());
}

}  // namespace warroom::slack
