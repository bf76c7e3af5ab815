#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// Small helpers shared by the simulator's pieces: encodings, signing, identifiers.
namespace warroom::slack_sim::util {

/// Percent-decoding for form bodies and query strings ('+' is a space).
std::string url_decode(std::string_view in);
/// RFC 3986 unreserved characters kept, everything else %XX.
std::string url_encode(std::string_view in);
/// "a=1&b=x%20y" -> ordered pairs, decoded.
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view body);
/// Pairs -> "a=1&b=x%20y".
std::string encode_form(const std::vector<std::pair<std::string, std::string>>& fields);

std::string base64_encode(std::string_view in);
/// Empty optional-like result: returns false when `in` is not valid base64.
bool base64_decode(std::string_view in, std::string& out);

/// Lower-case hex of HMAC-SHA256(key, message), computed with OpenSSL.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);
/// "v0=" + hmac_sha256_hex(secret, "v0:" + timestamp + ":" + body).
std::string slack_signature(std::string_view secret, std::string_view timestamp,
                            std::string_view body);

/// Random lower-case hex of `bytes` bytes.
std::string random_hex(int bytes);
/// A random UUID-like string (8-4-4-4-12 hex), as Slack's envelope ids look.
std::string uuid();
/// Random upper-case alphanumerics, as in Slack ids ("Ev" + this).
std::string random_id(int length);

long long unix_seconds();
long long unix_micros();

std::string to_lower(std::string_view in);
bool starts_with(std::string_view s, std::string_view prefix);
std::vector<std::string> split(std::string_view s, char sep);
std::string trim(std::string_view s);

/// UTF-8 aware length in code points (Slack counts characters, not bytes).
std::size_t utf8_length(std::string_view s);
/// Truncates to at most `n` code points.
std::string utf8_truncate(std::string_view s, std::size_t n);

/// "http://host:port/path?x" split; false when it is not an http:// URL.
struct url_parts {
    std::string host;
    std::string port;
    std::string target;  ///< path and query, at least "/"
};
bool parse_http_url(std::string_view url, url_parts& out);

}  // namespace warroom::slack_sim::util
