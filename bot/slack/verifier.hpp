#pragma once

#include <chrono>
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

/// Checks Slack's v0 request signature (reference §2): HMAC-SHA256 keyed with the signing secret
/// over "v0:{timestamp}:{raw body}", compared in constant time. An empty header value means the
/// header was absent. `raw_body` must be the bytes exactly as received, before any parsing.
verify_result verify_request(std::string_view signing_secret, std::string_view timestamp_header,
                             std::string_view signature_header, std::string_view raw_body,
                             std::chrono::system_clock::time_point now);

/// The X-Slack-Signature value Slack would send: "v0=" + 64 lower-case hex digits. Used by the
/// simulator and the load generator. Throws std::invalid_argument for an empty secret.
std::string sign_request(std::string_view signing_secret, std::string_view timestamp,
                         std::string_view body);

/// Lower-case hex SHA-256 of `data` (fallback idempotency keys, bounded key lengths).
std::string sha256_hex(std::string_view data);

}  // namespace warroom::slack
