#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>

// Slack's per-method tier windows and the injected faults. Not thread-safe by itself.
namespace warroom::slack_sim {

/// Calls allowed per minute for a method (0 when the method is unknown).
int tier_budget(const std::string& method);
/// 1..4, or 0 for the "special" methods (chat.postMessage, auth.test).
int method_tier(const std::string& method);

class rate_limiter {
  public:
    using clock = std::chrono::steady_clock;

    rate_limiter(double scale, int post_message_burst);

    /// Records a call when allowed; otherwise returns the seconds to put in Retry-After.
    /// `channel` only matters for chat.postMessage (limited per channel).
    std::optional<int> admit(const std::string& token, const std::string& method,
                             const std::string& channel, clock::time_point now);
    void clear();

  private:
    std::optional<int> window(const std::string& key, int budget, clock::duration length,
                              clock::time_point now);
    std::optional<int> bucket(const std::string& key, clock::time_point now);

    double scale_;
    int burst_;
    std::map<std::string, std::deque<clock::time_point>> windows_;
    struct bucket_state {
        double tokens = 0;
        clock::time_point refilled;
    };
    std::map<std::string, bucket_state> buckets_;
};

/// What the next call of a method should suffer.
struct fault_decision {
    bool rate_limited = false;  ///< answer 429 with Retry-After: retry_after_s
    int retry_after_s = 0;
    int http_status = 0;  ///< > 0: answer this 5xx
    bool after_apply = false;
    std::chrono::milliseconds delay{0};
};

class fault_table {
  public:
    void fail_next(const std::string& method, int count, int http_status, bool after_apply);
    void rate_limit_next(const std::string& method, int count, int retry_after_s);
    void slow_next(const std::string& method, std::chrono::milliseconds delay, int count);
    void drop_next_connections(int n) { drop_connections_ += n; }
    /// Consumes one dropped connection if any is pending.
    bool take_drop();
    /// Consumes the faults that apply to one call of `method`.
    fault_decision take(const std::string& method);
    void clear();

  private:
    struct failure {
        int count = 0;
        int status = 0;
        bool after_apply = false;
    };
    struct limit {
        int count = 0;
        int retry_after_s = 0;
    };
    struct slow {
        int count = 0;
        std::chrono::milliseconds delay{0};
    };
    template <class T>
    static T* pick(std::map<std::string, T>& table, const std::string& method);

    std::map<std::string, failure> failures_;
    std::map<std::string, limit> limits_;
    std::map<std::string, slow> slows_;
    int drop_connections_ = 0;
};

}  // namespace warroom::slack_sim
