#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace warroom::slack {

/// Slack's replay window (reference §2.2): a request whose timestamp is more than this far from
/// our clock, in either direction, is refused.
inline constexpr std::chrono::seconds max_request_skew{300};

struct verify_result {
    bool ok = false;
    /// Short, safe to log and to return to the caller ("stale timestamp", "bad signature").
    /// Never contains the secret or the expected signature.
    std::string reason;

    explicit operator bool() const { return ok; }
};

/// An HMAC-SHA256 key (RFC 2104) with both padded key blocks hashed once, so each MAC starts from
/// copies of the two prepared SHA-256 states instead of rehashing the key. Immutable after
/// construction: one key may be used by many threads at once.
class hmac_sha256_key {
  public:
    static constexpr std::size_t digest_size = 32;
    using digest = std::array<unsigned char, digest_size>;

    explicit hmac_sha256_key(std::string_view key);
    hmac_sha256_key(const hmac_sha256_key&) = default;
    hmac_sha256_key& operator=(const hmac_sha256_key&) = default;
    ~hmac_sha256_key();  // wipes the key-derived states

    /// True for an empty key, which must never be used to verify anything.
    bool empty() const { return empty_; }

    /// HMAC-SHA256 of the concatenation of `parts` (fed piecewise: nothing is copied).
    digest mac(std::initializer_list<std::string_view> parts) const;

  private:
    // The inner (key ^ ipad) and outer (key ^ opad) SHA256_CTX, kept as bytes so that OpenSSL's
    // headers stay out of this one (sizes checked in verifier.cpp).
    static constexpr std::size_t state_size = 112;
    alignas(8) std::array<unsigned char, state_size> inner_{};
    alignas(8) std::array<unsigned char, state_size> outer_{};
    bool empty_ = true;
};

/// Checks Slack's v0 request signature (reference §2): HMAC-SHA256 keyed with the signing secret
/// over "v0:{timestamp}:{raw body}", compared in constant time. An empty header value means the
/// header was absent. `raw_body` must be the bytes exactly as received, before any parsing.
verify_result verify_request(std::string_view signing_secret, std::string_view timestamp_header,
                             std::string_view signature_header, std::string_view raw_body,
                             std::chrono::system_clock::time_point now);

/// The same check with a key prepared once (the ingress verifies every request with one secret).
verify_result verify_request(const hmac_sha256_key& signing_key, std::string_view timestamp_header,
                             std::string_view signature_header, std::string_view raw_body,
                             std::chrono::system_clock::time_point now);

/// The X-Slack-Signature value Slack would send: "v0=" + 64 lower-case hex digits. Used by the
/// simulator and the load generator. Throws std::invalid_argument for an empty secret.
std::string sign_request(std::string_view signing_secret, std::string_view timestamp,
                         std::string_view body);
/// The same with a key prepared once (the load generator signs every request with one secret).
std::string sign_request(const hmac_sha256_key& signing_key, std::string_view timestamp,
                         std::string_view body);

/// Lower-case hex SHA-256 of `data` (fallback idempotency keys, bounded key lengths).
std::string sha256_hex(std::string_view data);

}  // namespace warroom::slack
