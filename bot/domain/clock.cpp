#include "bot/domain/clock.hpp"

#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace warroom::domain {

namespace {
std::tm to_utc_tm(time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return tm;
}
}  // namespace

std::string format_iso8601(time_point t) {
    const std::tm tm = to_utc_tm(t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

time_point parse_iso8601(const std::string& text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s,
                    &consumed) != 6) {
        throw std::invalid_argument("not an ISO-8601 UTC time: " + text);
    }
    std::chrono::nanoseconds frac{0};
    std::size_t pos = static_cast<std::size_t>(consumed);
    if (pos < text.size() && text[pos] == '.') {
        long long scale = 100000000;
        for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
            frac += std::chrono::nanoseconds((text[pos] - '0') * scale);
            scale /= 10;
        }
    }
    const std::chrono::sys_days day = std::chrono::year{y} /
                                      std::chrono::month{static_cast<unsigned>(mo)} /
                                      std::chrono::day{static_cast<unsigned>(d)};
    return time_point(std::chrono::duration_cast<time_point::duration>(
        day.time_since_epoch() + std::chrono::hours{h} + std::chrono::minutes{mi} +
        std::chrono::seconds{s} + frac));
}

std::string format_day(time_point t) {
    const std::tm tm = to_utc_tm(t);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
    return buf;
}

std::string format_hhmm(time_point t) {
    const std::tm tm = to_utc_tm(t);
    char buf[8];
    std::strftime(buf, sizeof buf, "%H:%M", &tm);
    return buf;
}

std::string format_duration(std::chrono::seconds d) {
    const long long total = d.count() < 0 ? 0 : d.count();
    const long long days = total / 86400, hours = (total % 86400) / 3600,
                    minutes = (total % 3600) / 60, seconds = total % 60;
    char buf[48];
    if (days > 0) {
        std::snprintf(buf, sizeof buf, "%lldd %lldh %02lldm", days, hours, minutes);
    } else if (hours > 0) {
        std::snprintf(buf, sizeof buf, "%lldh %02lldm", hours, minutes);
    } else if (minutes > 0) {
        std::snprintf(buf, sizeof buf, "%lldm", minutes);
    } else {
        std::snprintf(buf, sizeof buf, "%llds", seconds);
    }
    return buf;
}

std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
    if (text.empty())
        return std::nullopt;
    long long total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        long long n = 0;
        const std::size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            n = n * 10 + (text[i] - '0');
            if (n > 10'000'000)
                return std::nullopt;
            ++i;
        }
        if (i == start || i == text.size())
            return std::nullopt;
        switch (text[i]) {
            case 's':
                total += n;
                break;
            case 'm':
                total += n * 60;
                break;
            case 'h':
                total += n * 3600;
                break;
            case 'd':
                total += n * 86400;
                break;
            default:
                return std::nullopt;
        }
        ++i;
    }
    if (total <= 0)
        return std::nullopt;
    return std::chrono::seconds{total};
}

bool is_valid_date(const std::string& text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-')
        return false;
    for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
        if (text[i] < '0' || text[i] > '9')
            return false;
    }
    const int y = std::stoi(text.substr(0, 4));
    const unsigned m = static_cast<unsigned>(std::stoi(text.substr(5, 2)));
    const unsigned d = static_cast<unsigned>(std::stoi(text.substr(8, 2)));
    return std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m},
                                       std::chrono::day{d}}
        .ok();
}

}  // namespace warroom::domain
