#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

namespace warroom::domain {

using time_point = std::chrono::system_clock::time_point;

/// Every place that needs "now" takes a clock, so tests can run an hour of cadence instantly.
class clock {
  public:
    virtual ~clock() = default;
    virtual time_point now() const = 0;
};

class system_clock final : public clock {
  public:
    time_point now() const override { return std::chrono::system_clock::now(); }
};

/// A clock that only moves when told to; safe to read from several threads.
class manual_clock final : public clock {
  public:
    explicit manual_clock(time_point start) : now_(start.time_since_epoch().count()) {}
    time_point now() const override {
        return time_point(time_point::duration(now_.load(std::memory_order_relaxed)));
    }
    void advance(std::chrono::system_clock::duration d) {
        now_.fetch_add(d.count(), std::memory_order_relaxed);
    }
    void set(time_point t) { now_.store(t.time_since_epoch().count(), std::memory_order_relaxed); }

  private:
    std::atomic<time_point::duration::rep> now_;
};

/// "2024-01-15T14:30:00Z" (UTC, second precision).
std::string format_iso8601(time_point t);
/// Parses the format above (also accepts fractional seconds); throws std::invalid_argument.
time_point parse_iso8601(const std::string& text);
/// "20240115" in UTC.
std::string format_day(time_point t);
/// "14:30" in UTC.
std::string format_hhmm(time_point t);
/// "1h 05m", "12m", "45s": a human duration for messages.
std::string format_duration(std::chrono::seconds d);
/// Parses "15m", "1h", "90s", "2h30m", "1d"; nullopt on anything else (zero and negative rejected).
std::optional<std::chrono::seconds> parse_duration(const std::string& text);
/// Parses "YYYY-MM-DD" strictly (real calendar dates only).
bool is_valid_date(const std::string& text);

}  // namespace warroom::domain
