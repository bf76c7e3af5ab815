#include "tests/slack_sim/limits.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace warroom::slack_sim {

namespace {

// Tiers from the method reference (slack-platform.md §6); 0 = "special", handled separately.
const std::unordered_map<std::string, int>& tiers() {
    static const std::unordered_map<std::string, int> t = {
        {"auth.test", 0},
        {"apps.connections.open", 3},  // docs.slack.dev metadata; older pages say Tier 1
        {"conversations.create", 2},
        {"conversations.setTopic", 2},
        {"conversations.setPurpose", 2},
        {"conversations.invite", 3},
        {"conversations.join", 3},
        {"conversations.archive", 2},
        {"conversations.info", 3},
        {"conversations.list", 2},
        {"conversations.members", 4},
        {"conversations.history", 3},
        {"conversations.replies", 3},
        {"chat.postMessage", 0},
        {"chat.update", 3},
        {"chat.delete", 3},
        {"chat.postEphemeral", 4},
        {"chat.getPermalink", 0},
        {"pins.add", 2},
        {"pins.remove", 2},
        {"pins.list", 2},
        {"reactions.add", 3},
        {"bookmarks.add", 2},
        {"bookmarks.list", 3},
        {"users.info", 4},
        {"users.list", 2},
        {"users.lookupByEmail", 3},
        {"usergroups.list", 2},
        {"usergroups.users.list", 2},
        {"files.getUploadURLExternal", 4},
        {"files.completeUploadExternal", 4},
        {"views.open", 4},
        {"views.update", 4},
        {"views.push", 4},
    };
    return t;
}

}  // namespace

int method_tier(const std::string& method) {
    auto it = tiers().find(method);
    return it == tiers().end() ? -1 : it->second;
}

int tier_budget(const std::string& method) {
    switch (method_tier(method)) {
        case 1:
            return 1;
        case 2:
            return 20;
        case 3:
            return 50;
        case 4:
            return 100;
        case 0:
            // auth.test and chat.getPermalink: "hundreds per minute" (JAVA budgets 600).
            return 600;
        default:
            return 0;
    }
}

rate_limiter::rate_limiter(double scale, int post_message_burst)
    : scale_(scale > 0 ? scale : 1.0), burst_(std::max(1, post_message_burst)) {}

std::optional<int> rate_limiter::admit(const std::string& token, const std::string& method,
                                       const std::string& channel, clock::time_point now) {
    if (method == "chat.postMessage") {
        // 1 per second per channel with a short burst, plus the workspace-wide
        // "several hundred per minute".
        if (auto wait = bucket(token + "|" + method + "|" + channel, now)) {
            return wait;
        }
        auto minute = std::chrono::duration_cast<clock::duration>(
            std::chrono::duration<double>(60.0 * scale_));
        return window(token + "|" + method, 600, minute, now);
    }
    int budget = tier_budget(method);
    if (budget == 0) {
        return std::nullopt;
    }
    auto minute =
        std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(60.0 * scale_));
    return window(token + "|" + method, budget, minute, now);
}

void rate_limiter::clear() {
    windows_.clear();
    buckets_.clear();
}

std::optional<int> rate_limiter::window(const std::string& key, int budget, clock::duration length,
                                        clock::time_point now) {
    auto& calls = windows_[key];
    while (!calls.empty() && calls.front() + length <= now) {
        calls.pop_front();
    }
    if (static_cast<int>(calls.size()) < budget) {
        calls.push_back(now);
        return std::nullopt;
    }
    auto wait = std::chrono::duration<double>(calls.front() + length - now).count();
    // Retry-After is whole seconds; never 0, or clients would spin.
    return std::max(1, static_cast<int>(std::ceil(wait)));
}

std::optional<int> rate_limiter::bucket(const std::string& key, clock::time_point now) {
    auto per_token = std::chrono::duration<double>(1.0 * scale_);
    auto [it, inserted] = buckets_.try_emplace(key);
    auto& b = it->second;
    if (inserted) {
        b.tokens = burst_;
        b.refilled = now;
    } else {
        double earned = std::chrono::duration<double>(now - b.refilled) / per_token;
        b.tokens = std::min<double>(burst_, b.tokens + earned);
        b.refilled = now;
    }
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return std::nullopt;
    }
    double wait = (1.0 - b.tokens) * per_token.count();
    return std::max(1, static_cast<int>(std::ceil(wait)));
}

template <class T>
T* fault_table::pick(std::map<std::string, T>& table, const std::string& method) {
    for (const auto& key : {method, std::string("*")}) {
        auto it = table.find(key);
        if (it != table.end() && it->second.count > 0) {
            return &it->second;
        }
    }
    return nullptr;
}

void fault_table::fail_next(const std::string& method, int count, int http_status,
                            bool after_apply) {
    failures_[method] = {count, http_status, after_apply};
}

void fault_table::rate_limit_next(const std::string& method, int count, int retry_after_s) {
    limits_[method] = {count, retry_after_s};
}

void fault_table::slow_next(const std::string& method, std::chrono::milliseconds delay, int count) {
    slows_[method] = {count, delay};
}

bool fault_table::take_drop() {
    if (drop_connections_ <= 0) {
        return false;
    }
    --drop_connections_;
    return true;
}

fault_decision fault_table::take(const std::string& method) {
    fault_decision d;
    if (auto* s = pick(slows_, method)) {
        --s->count;
        d.delay = s->delay;
    }
    if (auto* l = pick(limits_, method)) {
        --l->count;
        d.rate_limited = true;
        d.retry_after_s = std::max(0, l->retry_after_s);
        return d;
    }
    if (auto* f = pick(failures_, method)) {
        --f->count;
        d.http_status = f->status;
        d.after_apply = f->after_apply;
    }
    return d;
}

void fault_table::clear() {
    failures_.clear();
    limits_.clear();
    slows_.clear();
    drop_connections_ = 0;
}

}  // namespace warroom::slack_sim
