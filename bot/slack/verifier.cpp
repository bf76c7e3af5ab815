#include "bot/slack/verifier.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace warroom::slack {

namespace {

constexpr std::string_view version_prefix = "v0=";
constexpr std::size_t sha256_size = 32;
using sha256_digest = std::array<unsigned char, sha256_size>;

struct mac_deleter {
    void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct mac_ctx_deleter {
    void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// The algorithm fetch is a provider lookup; do it once. A fetched EVP_MAC is reference-counted
// and may be shared by threads, each of which makes its own EVP_MAC_CTX.
EVP_MAC* hmac_algorithm() {
    static const std::unique_ptr<EVP_MAC, mac_deleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    return mac.get();
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// HMAC-SHA256 over the concatenation of `parts`, fed piecewise so the body is not copied.
std::optional<sha256_digest> hmac_sha256(std::string_view key,
                                         std::initializer_list<std::string_view> parts) {
    EVP_MAC* mac = hmac_algorithm();
    if (mac == nullptr || key.empty()) {
        ERR_clear_error();
        return std::nullopt;
    }
    const std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> ctx(EVP_MAC_CTX_new(mac));
    char digest_name[] = "SHA256";
    const std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end()};
    bool ok = ctx != nullptr && EVP_MAC_init(ctx.get(), bytes(key), key.size(), params.data()) == 1;
    for (const std::string_view part : parts) {
        if (ok && !part.empty())
            ok = EVP_MAC_update(ctx.get(), bytes(part), part.size()) == 1;
    }
    sha256_digest out{};
    std::size_t out_len = 0;
    ok = ok && EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) == 1 &&
         out_len == out.size();
    if (!ok) {
        // Leave no stale entries in this thread's OpenSSL error queue for unrelated callers.
        ERR_clear_error();
        return std::nullopt;
    }
    return out;
}

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
    // An empty key would let anyone compute valid signatures: refuse rather than "verify".
    if (signing_secret.empty())
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

    const auto mac = hmac_sha256(signing_secret, {"v0:", timestamp, ":", raw_body});
    if (!mac)
        return fail("signature check unavailable");
    const std::string expected = std::string(version_prefix) + hex_lower(mac->data(), mac->size());
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
    const auto mac = hmac_sha256(signing_secret, {"v0:", timestamp, ":", body});
    if (!mac)
        throw std::runtime_error("sign_request: HMAC-SHA256 failed");
    return std::string(version_prefix) + hex_lower(mac->data(), mac->size());
}

std::string sha256_hex(std::string_view data) {
    sha256_digest out{};
    unsigned int out_len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &out_len, EVP_sha256(), nullptr) != 1 ||
        out_len != out.size()) {
        ERR_clear_error();
        throw std::runtime_error("SHA-256 failed");
    }
    return hex_lower(out.data(), out.size());
}

}  // namespace warroom::slack
