#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "bot/chat/chat_platform.hpp"
#include "bot/domain/clock.hpp"
#include "bot/slack/http_client.hpp"

namespace warroom::slack {

/// A Web API call that failed: `ok:false` from Slack (code = Slack's `error`), or a transport
/// failure after retries (codes "network_error", "timeout", "http_<status>",
/// "invalid_response"). It is a chat_error, so the outbox dispatcher handles it directly.
class slack_api_error : public chat::chat_error {
  public:
    slack_api_error(std::string code, std::string message, bool retryable, int retry_after_s = 0,
                    std::string needed = {}, std::string provided = {})
        : chat::chat_error(std::move(code), std::move(message), retryable, retry_after_s),
          needed_(std::move(needed)),
          provided_(std::move(provided)) {}
    /// Scopes the method needs / the token has; only set for permission errors (missing_scope).
    const std::string& needed() const { return needed_; }
    const std::string& provided() const { return provided_; }

  private:
    std::string needed_;
    std::string provided_;
};

/// Whether an `ok:false` code can succeed when the same call is made again later.
bool is_retryable_error(std::string_view code);

enum class body_encoding { json, form };
enum class rate_tier { tier1, tier2, tier3, tier4, post_message, auth_test };

struct method_spec {
    std::string_view name;
    body_encoding encoding;
    rate_tier tier;
    // False when sending the call twice can act twice (a second message, a second channel):
    // such calls are not resent after the request may have reached Slack.
    bool idempotent;
};

/// The method table (encoding, tier, idempotency). Unknown methods get form encoding (which
/// every method accepts), Tier 2 pacing and no resend.
const method_spec& lookup_method(std::string_view method);

/// Requests per minute and burst size of a tier's client-side token bucket.
struct tier_budget {
    double per_minute;
    double burst;
};
tier_budget budget_of(rate_tier tier);

struct web_api_options {
    std::string base_url = "https://slack.com/api/";  // SLACK_API_URL
    std::string bot_token;                            // xoxb-…; never logged
    std::chrono::milliseconds timeout{10'000};        // per network step
    int max_retries = 5;                              // resends after the first attempt
    std::chrono::seconds max_retry_after{60};  // longer Retry-After: fail fast, caller re-queues
    std::chrono::milliseconds backoff_base{1'000};
    std::chrono::milliseconds backoff_cap{30'000};
    bool pacing = true;             // client-side tier and per-channel limits
    double post_message_burst = 3;  // chat.postMessage per channel: 1/s after this burst
    bool verify_tls = true;
};

/// Result of a call with the HTTP response headers (`x-oauth-scopes`, `x-slack-req-id`, …).
struct api_response {
    nlohmann::json body;
    std::map<std::string, std::string> headers;
};

/// The Slack Web API over HTTPS: token header, per-method encoding, `ok:false` → typed error,
/// 429 + Retry-After, backoff on 5xx and transport errors, and client-side pacing per method
/// tier and per channel for chat.postMessage. Thread-safe; calls from several threads share the
/// pacing state and take turns on the connection.
class web_api {
  public:
    using sleep_fn = std::function<void(std::chrono::milliseconds)>;

    /// Throws std::invalid_argument on an empty token or a base URL that is not http(s).
    web_api(web_api_options options, const domain::clock& clock);
    ~web_api();

    /// Calls `method` with `args` (a JSON object) and returns the response on `ok:true`; throws
    /// slack_api_error otherwise.
    nlohmann::json call(std::string_view method, const nlohmann::json& args);
    api_response call_full(std::string_view method, const nlohmann::json& args);
    /// The same with another token (an app-level xapp- token for apps.connections.open).
    api_response call_with_token(std::string_view token, std::string_view method,
                                 const nlohmann::json& args);

    /// POSTs raw bytes to a files.getUploadURLExternal upload URL (no token: the URL is the
    /// credential). Retries transport errors and 5xx like call(); throws slack_api_error.
    void upload_bytes(const std::string& upload_url, std::string_view bytes);
    /// POSTs a JSON message payload to an interaction's response_url (no token either), with the
    /// same retries. Throws slack_api_error{"response_url_failed"} on a non-2xx answer (expired
    /// or used up; Slack's body strings for those are UNCONFIRMED, so only the status counts).
    void post_response_url(const std::string& response_url, const nlohmann::json& payload);

    /// Replaces how the client waits (tests record instead of sleeping). Default: a wait that
    /// cancel() cuts short.
    void set_sleep(sleep_fn sleep);
    /// Shutdown: waits in progress (back-off, pacing, Retry-After) end now and every call from
    /// here on fails with slack_api_error{"cancelled"} (retryable), so a stopping bot does not sit
    /// out a five-minute back-off. A request already on the wire still runs to its timeout.
    void cancel();
    /// Seeds the back-off jitter (tests).
    void seed_jitter(unsigned seed);

    const domain::clock& clock() const { return clock_; }
    const web_api_options& options() const { return options_; }

    /// The back-off before resend `attempt` (0-based): equal jitter over
    /// min(cap, base·2^attempt), i.e. uniformly in [d/2, d].
    std::chrono::milliseconds backoff(int attempt);

  private:
    struct bucket {
        double tokens = 0;
        double capacity = 1;
        double per_second = 1;
        domain::time_point last{};
        bool primed = false;
    };

    api_response call_impl(std::string_view token, std::string_view method,
                           const nlohmann::json& args);
    void pace(const method_spec& spec, const nlohmann::json& args);
    std::chrono::milliseconds reserve(const std::string& key, double capacity, double per_second);
    void pause_method(std::string_view method, std::chrono::seconds for_how_long);
    /// Waits `d`, then throws if cancelled (also when cancelled during the wait).
    void wait(std::chrono::milliseconds d);
    void throw_if_cancelled();
    void post_raw(const std::string& url, std::string_view body, std::string_view content_type,
                  const std::string& what, const std::string& failure_code);

    web_api_options options_;
    const domain::clock& clock_;
    std::unique_ptr<http_client> http_;
    sleep_fn sleep_;    // empty: the cancellable wait
    std::mutex mutex_;  // guards buckets_, paused_until_, rng_, sleep_, cancelled_
    std::condition_variable cancel_cv_;
    bool cancelled_ = false;
    std::unordered_map<std::string, bucket> buckets_;
    std::unordered_map<std::string, domain::time_point> paused_until_;
    std::mt19937 rng_;
};

/// application/x-www-form-urlencoded encoding of a JSON object: strings as they are, numbers
/// and booleans as JSON text, nested objects and arrays as JSON strings, nulls omitted.
std::string form_encode(const nlohmann::json& args);
/// RFC 3986 percent-encoding of everything except unreserved characters.
std::string percent_encode(std::string_view text);

}  // namespace warroom::slack
