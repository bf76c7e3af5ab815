#include "commands/handlers/duration.hpp"

#include "bot/domain/clock.hpp"
#include "commands/arguments.hpp"

namespace warroom::commands {

std::chrono::seconds reminder_interval(const value& v, std::string_view usage) {
    const auto d = v.kind == token_kind::word ? domain::parse_duration(v.text) : std::nullopt;
    if (!d)
        args::reject(usage, v);
    // Shorter than a minute floods the channel; longer than a day is not a cadence any more.
    if (*d < std::chrono::minutes(1) || *d > std::chrono::hours(24)) {
        args::fail(usage,
                   "the interval must be between 1m and 24h (got " + args::quote(v.raw) + ")");
    }
    return *d;
}

}  // namespace warroom::commands
