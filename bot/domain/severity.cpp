#include "bot/domain/severity.hpp"

#include <array>
#include <cctype>

#include "bot/domain/text.hpp"

namespace warroom::domain {

std::optional<severity> parse_severity(std::string_view text) {
    const std::string t = to_lower(text);
    std::string_view digits;
    if (t.size() == 4 && t.starts_with("sev")) {
        digits = std::string_view(t).substr(3);
    } else if (t.size() == 2 && t[0] == 'p') {
        digits = std::string_view(t).substr(1);
    } else {
        return std::nullopt;
    }
    if (digits[0] < '0' || digits[0] > '4')
        return std::nullopt;
    return static_cast<severity>(digits[0] - '0');
}

std::string_view to_string(severity s) {
    static constexpr std::array<std::string_view, severity_count> names{"SEV0", "SEV1", "SEV2",
                                                                        "SEV3", "SEV4"};
    return names[static_cast<std::size_t>(s)];
}

int to_index(severity s) {
    return static_cast<int>(s);
}

namespace {
constexpr std::array<std::string_view, 5> status_names{"investigating", "identified", "monitoring",
                                                       "resolved", "closed"};
constexpr std::array<std::string_view, 5> status_display{"Investigating", "Identified",
                                                         "Monitoring", "Resolved", "Closed"};
}  // namespace

std::optional<status> parse_status(std::string_view text) {
    const std::string t = to_lower(text);
    for (std::size_t i = 0; i < status_names.size(); ++i) {
        if (t == status_names[i])
            return static_cast<status>(i);
    }
    return std::nullopt;
}

std::string_view to_string(status s) {
    return status_names[static_cast<std::size_t>(s)];
}
std::string_view display_name(status s) {
    return status_display[static_cast<std::size_t>(s)];
}

bool is_open(status s) {
    return s != status::resolved && s != status::closed;
}

std::optional<std::string> check_transition(status from, status to) {
    if (from == to)
        return "the incident is already " + std::string(to_string(to));
    if (from == status::closed)
        return std::string("the incident is closed; nothing can change it");
    if (to == status::closed && from != status::resolved) {
        return "only a resolved incident can be closed (it is " + std::string(to_string(from)) +
               "); resolve it first";
    }
    // A resolved incident may be reopened (back to investigating) when the problem recurs,
    // but it does not jump back into the middle of the investigation.
    if (from == status::resolved && to != status::closed && to != status::investigating) {
        return "a resolved incident can only be reopened as investigating or closed";
    }
    return std::nullopt;
}

std::optional<confidence> parse_confidence(std::string_view text) {
    const std::string t = to_lower(text);
    if (t == "low")
        return confidence::low;
    if (t == "medium" || t == "med")
        return confidence::medium;
    if (t == "high")
        return confidence::high;
    return std::nullopt;
}

std::string_view to_string(confidence c) {
    switch (c) {
        case confidence::low:
            return "low";
        case confidence::medium:
            return "medium";
        case confidence::high:
            return "high";
    }
    return "low";
}

}  // namespace warroom::domain
