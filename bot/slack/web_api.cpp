#include "bot/slack/web_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <thread>

namespace warroom::slack {

namespace {

using enc = body_encoding;
using tier = rate_tier;

// Method → body encoding, rate tier, idempotency (reference §6, §7.1, §9.2).
// JSON for write methods that accept it; form for readers (they silently ignore JSON bodies,
// §9.2 pitfall) and for files.* (PY's choice; `files` then travels as JSON inside the form).
// Idempotent = sending it twice has the effect of sending it once, or the second call fails
// with an error we tolerate (already_pinned, already_in_channel, name_taken is NOT tolerated).
constexpr std::array methods{
    // Tier 1 or Tier 3 is UNCONFIRMED (reference §5.1). Pacing it as Tier 1 would hold a
    // reconnect after a dropped socket for up to a minute; Tier 3 keeps reconnects prompt, and a
    // real Tier 1 limit answers 429 + Retry-After, which call() honours.
    method_spec{"apps.connections.open", enc::form, tier::tier3, true},
    method_spec{"auth.test", enc::form, tier::auth_test, true},
    method_spec{"bookmarks.add", enc::json, tier::tier2, false},
    method_spec{"chat.postEphemeral", enc::json, tier::tier4, false},
    method_spec{"chat.postMessage", enc::json, tier::post_message, false},
    method_spec{"chat.scheduleMessage", enc::json, tier::tier3, false},
    method_spec{"chat.update", enc::json, tier::tier3, true},
    method_spec{"conversations.archive", enc::json, tier::tier2, true},
    method_spec{"conversations.create", enc::json, tier::tier2, false},
    method_spec{"conversations.history", enc::form, tier::tier3, true},
    method_spec{"conversations.info", enc::form, tier::tier3, true},
    method_spec{"conversations.invite", enc::json, tier::tier3, true},
    method_spec{"conversations.join", enc::json, tier::tier3, true},
    method_spec{"conversations.list", enc::form, tier::tier2, true},
    method_spec{"conversations.open", enc::form, tier::tier3, true},
    method_spec{"conversations.setPurpose", enc::json, tier::tier2, true},
    method_spec{"conversations.setTopic", enc::json, tier::tier2, true},
    method_spec{"files.completeUploadExternal", enc::form, tier::tier4, false},
    method_spec{"files.getUploadURLExternal", enc::form, tier::tier4, true},
    method_spec{"pins.add", enc::json, tier::tier2, true},
    method_spec{"reactions.add", enc::json, tier::tier3, true},
    method_spec{"usergroups.users.list", enc::form, tier::tier2, true},
    method_spec{"users.info", enc::form, tier::tier4, true},
    method_spec{"users.list", enc::form, tier::tier2, true},
    method_spec{"users.lookupByEmail", enc::form, tier::tier3, true},
    method_spec{"views.open", enc::json, tier::tier4, false},
    method_spec{"views.publish", enc::json, tier::tier4, true},
    method_spec{"views.push", enc::json, tier::tier4, false},
    method_spec{"views.update", enc::json, tier::tier4, true},
};

constexpr method_spec unknown_method{"", enc::form, tier::tier2, false};

std::string to_text(const nlohmann::json& v) {
    if (v.is_string())
        return v.get<std::string>();
    return v.dump();
}

std::string join_strings(const nlohmann::json& array, std::string_view sep) {
    std::string out;
    if (!array.is_array())
        return out;
    for (const auto& item : array) {
        if (!out.empty())
            out += sep;
        out += to_text(item);
    }
    return out;
}

// Retry-After is an integer number of seconds for Slack; anything else counts as absent.
std::optional<int> parse_retry_after(const std::string& value) {
    std::string_view v(value);
    while (!v.empty() && v.front() == ' ')
        v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ')
        v.remove_suffix(1);
    int seconds = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || seconds < 0) {
        return std::nullopt;
    }
    return std::max(seconds, 1);  // 0 would make us hammer; a second costs little
}

void log_warnings(std::string_view method, const nlohmann::json& body) {
    if (const auto it = body.find("warning"); it != body.end()) {
        spdlog::debug("slack {}: warning {}", method, to_text(*it));
    }
    if (const auto meta = body.find("response_metadata"); meta != body.end() && meta->is_object()) {
        if (const auto w = meta->find("warnings"); w != meta->end()) {
            spdlog::debug("slack {}: warnings {}", method, join_strings(*w, ","));
        }
    }
}

}  // namespace

bool is_retryable_error(std::string_view code) {
    static constexpr std::array retryable{
        std::string_view{"ratelimited"},
        std::string_view{"rate_limited"},
        std::string_view{"internal_error"},
        std::string_view{"fatal_error"},
        std::string_view{"service_unavailable"},
        std::string_view{"request_timeout"},
        std::string_view{"timeout"},
        std::string_view{"network_error"},
    };
    if (code.starts_with("http_5"))
        return true;
    return std::find(retryable.begin(), retryable.end(), code) != retryable.end();
}

const method_spec& lookup_method(std::string_view method) {
    for (const auto& m : methods) {
        if (m.name == method)
            return m;
    }
    return unknown_method;
}

tier_budget budget_of(rate_tier t) {
    // Bursts of a tenth of the minute budget: the JAVA SDK's burst threshold (§7.4).
    switch (t) {
        case tier::tier1:
            return {1, 1};
        case tier::tier2:
            return {20, 2};
        case tier::tier3:
            return {50, 5};
        case tier::tier4:
            return {100, 10};
        // Workspace-wide "several hundred per minute" (§7.2); per channel is separate.
        case tier::post_message:
            return {300, 30};
        case tier::auth_test:
            return {600, 60};  // "hundreds per minute"; JAVA budgets 600
    }
    return {20, 2};
}

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0F];
        }
    }
    return out;
}

std::string form_encode(const nlohmann::json& args) {
    std::string out;
    if (!args.is_object())
        return out;
    for (const auto& [key, value] : args.items()) {
        if (value.is_null())
            continue;  // JSON null means "use the default": leave it out
        if (!out.empty())
            out += '&';
        out += percent_encode(key);
        out += '=';
        out += percent_encode(to_text(value));
    }
    return out;
}

web_api::web_api(web_api_options options, const domain::clock& clock)
    : options_(std::move(options)), clock_(clock), rng_(std::random_device{}()) {
    if (options_.bot_token.empty())
        throw std::invalid_argument("the Slack bot token is empty");
    if (!options_.base_url.starts_with("https://") && !options_.base_url.starts_with("http://")) {
        throw std::invalid_argument("SLACK_API_URL must start with https:// or http://");
    }
    if (!options_.base_url.ends_with('/'))
        options_.base_url += '/';
    http_client_options http_options;
    http_options.timeout = options_.timeout;
    http_options.verify_peer = options_.verify_tls;
    http_options.user_agent = "warroom/" WARROOM_VERSION;
    http_ = std::make_unique<http_client>(http_options);
}

web_api::~web_api() = default;

void web_api::set_sleep(sleep_fn sleep) {
    std::lock_guard lock(mutex_);
    sleep_ = std::move(sleep);
}

void web_api::seed_jitter(unsigned seed) {
    std::lock_guard lock(mutex_);
    rng_.seed(seed);
}

void web_api::cancel() {
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
    }
    cancel_cv_.notify_all();
}

void web_api::throw_if_cancelled() {
    std::lock_guard lock(mutex_);
    if (cancelled_)
        throw slack_api_error("cancelled", "slack: the bot is shutting down", true);
}

void web_api::wait(std::chrono::milliseconds d) {
    if (d > std::chrono::milliseconds::zero()) {
        std::unique_lock lock(mutex_);
        if (sleep_) {
            auto sleep = sleep_;
            lock.unlock();
            sleep(d);
        } else {
            cancel_cv_.wait_for(lock, d, [this] { return cancelled_; });
        }
    }
    throw_if_cancelled();
}

std::chrono::milliseconds web_api::backoff(int attempt) {
    const int shift = std::clamp(attempt, 0, 20);
    const auto full = std::min<long long>(options_.backoff_cap.count(),
                                          options_.backoff_base.count() * (1LL << shift));
    std::lock_guard lock(mutex_);
    std::uniform_int_distribution<long long> dist(full / 2, full);
    return std::chrono::milliseconds{dist(rng_)};
}

std::chrono::milliseconds web_api::reserve(const std::string& key, double capacity,
                                           double per_second) {
    // Called with mutex_ held. Tokens may go negative: a caller reserves its slot and sleeps
    // until it comes, so concurrent callers queue up instead of all waking at once.
    const auto now = clock_.now();
    bucket& b = buckets_[key];
    if (!b.primed) {
        b = bucket{capacity, capacity, per_second, now, true};
    } else if (now > b.last) {
        const double elapsed = std::chrono::duration<double>(now - b.last).count();
        b.tokens = std::min(b.capacity, b.tokens + elapsed * b.per_second);
        b.last = now;
    }
    b.tokens -= 1;
    if (b.tokens >= 0)
        return std::chrono::milliseconds::zero();
    return std::chrono::milliseconds{
        static_cast<long long>(std::ceil(-b.tokens / b.per_second * 1000.0))};
}

void web_api::pace(const method_spec& spec, const nlohmann::json& args) {
    std::chrono::milliseconds delay{0};
    const std::string method(spec.name);
    {
        std::lock_guard lock(mutex_);
        if (const auto it = paused_until_.find(method); it != paused_until_.end()) {
            const auto now = clock_.now();
            if (it->second > now) {
                const auto left = std::chrono::ceil<std::chrono::milliseconds>(it->second - now);
                if (left > options_.max_retry_after) {
                    // Blocking the caller that long would stall the outbox; it re-queues instead.
                    const auto secs = std::chrono::ceil<std::chrono::seconds>(left);
                    throw slack_api_error("ratelimited",
                                          "slack " + method + ": rate limited for another " +
                                              std::to_string(secs.count()) + " s",
                                          true, static_cast<int>(secs.count()));
                }
                delay = left;
            } else {
                paused_until_.erase(it);
            }
        }
        if (options_.pacing && !spec.name.empty()) {
            const tier_budget budget = budget_of(spec.tier);
            delay = std::max(delay, reserve(method, budget.burst, budget.per_minute / 60.0));
            if (spec.tier == rate_tier::post_message) {
                // About one message per second per channel, short bursts allowed (§7.2).
                const std::string channel =
                    args.is_object() && args.contains("channel") ? to_text(args["channel"]) : "";
                delay = std::max(delay, reserve(method + "#" + channel,
                                                std::max(1.0, options_.post_message_burst), 1.0));
            }
        }
    }
    if (delay > std::chrono::milliseconds::zero()) {
        spdlog::debug("slack {}: pacing, waiting {} ms", method, delay.count());
        wait(delay);
    }
}

void web_api::pause_method(std::string_view method, std::chrono::seconds for_how_long) {
    std::lock_guard lock(mutex_);
    const auto until = clock_.now() + for_how_long;
    auto& slot = paused_until_[std::string(method)];
    slot = std::max(slot, until);
}

nlohmann::json web_api::call(std::string_view method, const nlohmann::json& args) {
    return call_impl(options_.bot_token, method, args).body;
}

api_response web_api::call_full(std::string_view method, const nlohmann::json& args) {
    return call_impl(options_.bot_token, method, args);
}

api_response web_api::call_with_token(std::string_view token, std::string_view method,
                                      const nlohmann::json& args) {
    if (token.empty())
        throw std::invalid_argument("empty Slack token");
    return call_impl(token, method, args);
}

api_response web_api::call_impl(std::string_view token, std::string_view method,
                                const nlohmann::json& args) {
    const method_spec& known = lookup_method(method);
    method_spec spec = known;
    spec.name = method;  // unknown methods are paced under their own name
    const std::string name(method);
    const std::string url = options_.base_url + name;
    const nlohmann::json& object_args = args.is_null() ? nlohmann::json::object() : args;

    std::string body;
    std::string content_type;
    if (spec.encoding == body_encoding::json) {
        body = object_args.dump();
        // Without the charset Slack warns missing_charset (§9.2).
        content_type = "application/json; charset=utf-8";
    } else {
        body = form_encode(object_args);
        // No charset on form posts: it triggers superfluous_charset (§9.2).
        content_type = "application/x-www-form-urlencoded";
    }
    const http_headers headers{{"Authorization", "Bearer " + std::string(token)},
                               {"Accept", "application/json"}};

    for (int attempt = 0;; ++attempt) {
        const bool can_retry = attempt < options_.max_retries;
        pace(spec, object_args);

        throw_if_cancelled();
        http_response res;
        try {
            res = http_->post(url, headers, body, content_type);
        } catch (const network_error& e) {
            const std::string code =
                e.error_kind() == network_error::kind::timeout ? "timeout" : "network_error";
            // A request that reached Slack may have acted; resending a non-idempotent one could
            // post twice, so the caller (the outbox) decides.
            const bool resend = can_retry && (known.idempotent || !e.request_sent());
            if (!resend) {
                throw slack_api_error(code, "slack " + name + ": " + e.what(), true);
            }
            const auto delay = backoff(attempt);
            spdlog::debug("slack {}: {} ({}), retrying in {} ms", name, code, e.what(),
                          delay.count());
            wait(delay);
            continue;
        }

        const std::string req_id = res.header("x-slack-req-id");
        if (res.status == 429) {
            const auto retry_after = parse_retry_after(res.header("retry-after"));
            const int hint = retry_after.value_or(0);
            if (!can_retry) {
                if (retry_after)
                    pause_method(name, std::chrono::seconds{*retry_after});
                throw slack_api_error("ratelimited", "slack " + name + ": rate limited (HTTP 429)",
                                      true, hint);
            }
            if (retry_after) {
                pause_method(name, std::chrono::seconds{*retry_after});
                spdlog::debug("slack {}: HTTP 429, Retry-After {} s", name, *retry_after);
                // The next pace() sleeps out the pause (or fails fast when it is too long).
            } else {
                // Slack always sends Retry-After with 429; without it, back off instead.
                wait(backoff(attempt));
            }
            continue;
        }
        if (res.status >= 500) {
            const std::string code = "http_" + std::to_string(res.status);
            // The request reached Slack, which may have acted before failing: a second
            // chat.postMessage could post twice. The caller decides (the outbox looks the
            // message up before it posts again).
            if (!can_retry || !known.idempotent) {
                throw slack_api_error(code,
                                      "slack " + name + ": HTTP " + std::to_string(res.status) +
                                          " after " + std::to_string(attempt + 1) + " attempts",
                                      true);
            }
            const auto delay = backoff(attempt);
            spdlog::debug("slack {}: HTTP {}, retrying in {} ms", name, res.status, delay.count());
            wait(delay);
            continue;
        }
        if (res.status < 200 || res.status >= 300) {
            // Redirects are not followed (the token would travel to another host).
            throw slack_api_error(
                "http_" + std::to_string(res.status),
                "slack " + name + ": unexpected HTTP " + std::to_string(res.status), false);
        }

        nlohmann::json parsed = nlohmann::json::parse(res.body, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("ok") ||
            !parsed["ok"].is_boolean()) {
            throw slack_api_error("invalid_response",
                                  "slack " + name + ": response is not a Web API envelope", true);
        }
        log_warnings(name, parsed);
        if (parsed["ok"].get<bool>())
            return {std::move(parsed), std::move(res.headers)};

        const std::string code =
            parsed.contains("error") ? to_text(parsed["error"]) : std::string("unknown_error");
        const auto retry_after = parse_retry_after(res.header("retry-after"));
        if (code == "ratelimited" && can_retry) {
            // Same meaning as HTTP 429, the only ok:false we resend ourselves (§7.4).
            if (retry_after) {
                pause_method(name, std::chrono::seconds{*retry_after});
            } else {
                wait(backoff(attempt));
            }
            continue;
        }

        std::string message = "slack " + name + ": " + code;
        const std::string needed = parsed.contains("needed") ? to_text(parsed["needed"]) : "";
        const std::string provided = parsed.contains("provided") ? to_text(parsed["provided"]) : "";
        if (!needed.empty())
            message += " (needs " + needed + "; token has " + provided + ")";
        if (const auto meta = parsed.find("response_metadata");
            meta != parsed.end() && meta->is_object() && meta->contains("messages")) {
            const std::string details = join_strings((*meta)["messages"], "; ");
            if (!details.empty())
                message += ": " + details;
        } else if (parsed.contains("errors")) {
            const std::string details = to_text(parsed["errors"]);
            message += ": " + details.substr(0, 500);
        }
        if (!req_id.empty())
            message += " [req " + req_id + "]";
        throw slack_api_error(code, message, is_retryable_error(code), retry_after.value_or(0),
                              needed, provided);
    }
}

void web_api::upload_bytes(const std::string& upload_url, std::string_view bytes) {
    // Resending is harmless: the bytes land on the same file id, and nothing is shared until
    // files.completeUploadExternal.
    post_raw(upload_url, bytes, "application/octet-stream", "file upload", "upload_failed");
}

void web_api::post_response_url(const std::string& response_url, const nlohmann::json& payload) {
    post_raw(response_url, payload.dump(), "application/json; charset=utf-8", "response_url",
             "response_url_failed");
}

void web_api::post_raw(const std::string& url, std::string_view body, std::string_view content_type,
                       const std::string& what, const std::string& failure_code) {
    // The URL is never logged or put in errors: it is the credential.
    for (int attempt = 0;; ++attempt) {
        const bool can_retry = attempt < options_.max_retries;
        throw_if_cancelled();
        http_response res;
        try {
            res = http_->post(url, {}, body, content_type);
        } catch (const std::invalid_argument& e) {
            throw slack_api_error("invalid_url", what + ": " + e.what(), false);
        } catch (const network_error& e) {
            const std::string code =
                e.error_kind() == network_error::kind::timeout ? "timeout" : "network_error";
            if (!can_retry || e.request_sent()) {
                throw slack_api_error(code, what + ": " + e.what(), true);
            }
            wait(backoff(attempt));
            continue;
        }
        if (res.status >= 200 && res.status < 300)
            return;
        if (res.status >= 500 || res.status == 429) {
            if (!can_retry) {
                throw slack_api_error(failure_code, what + ": HTTP " + std::to_string(res.status),
                                      true);
            }
            const auto retry_after = parse_retry_after(res.header("retry-after"));
            wait(retry_after && std::chrono::seconds{*retry_after} <= options_.max_retry_after
                     ? std::chrono::milliseconds{std::chrono::seconds{*retry_after}}
                     : backoff(attempt));
            continue;
        }
        throw slack_api_error(failure_code, what + ": HTTP " + std::to_string(res.status), false);
    }
}

}  // namespace warroom::slack
