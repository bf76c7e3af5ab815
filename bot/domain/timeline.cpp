#include "bot/domain/timeline.hpp"

#include <array>
#include <utility>

namespace warroom::domain {

namespace {
constexpr std::array<std::pair<event_kind, std::string_view>, 15> kind_names{{
    {event_kind::declared, "declared"},
    {event_kind::status_changed, "status_changed"},
    {event_kind::severity_changed, "severity_changed"},
    {event_kind::role_assigned, "role_assigned"},
    {event_kind::update_posted, "update_posted"},
    {event_kind::note, "note"},
    {event_kind::hypothesis, "hypothesis"},
    {event_kind::mitigation, "mitigation"},
    {event_kind::diagnostic_run, "diagnostic_run"},
    {event_kind::message_pinned, "message_pinned"},
    {event_kind::action_added, "action_added"},
    {event_kind::action_done, "action_done"},
    {event_kind::resolved, "resolved"},
    {event_kind::closed, "closed"},
    {event_kind::participant_joined, "participant_joined"},
}};

constexpr std::array<std::pair<event_source, std::string_view>, 4> source_names{{
    {event_source::slash_command, "slash_command"},
    {event_source::message, "message"},
    {event_source::system, "system"},
    {event_source::shell, "shell"},
}};
}  // namespace

std::string_view to_string(event_kind k) {
    for (const auto& [kind, name] : kind_names) {
        if (kind == k)
            return name;
    }
    return "note";
}

std::optional<event_kind> parse_event_kind(std::string_view s) {
    for (const auto& [kind, name] : kind_names) {
        if (name == s)
            return kind;
    }
    return std::nullopt;
}

std::string_view to_string(event_source s) {
    for (const auto& [src, name] : source_names) {
        if (src == s)
            return name;
    }
    return "system";
}

std::optional<event_source> parse_event_source(std::string_view s) {
    for (const auto& [src, name] : source_names) {
        if (name == s)
            return src;
    }
    return std::nullopt;
}

}  // namespace warroom::domain
