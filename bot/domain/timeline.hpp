#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bot/domain/clock.hpp"

namespace warroom::domain {

enum class event_kind {
    declared,
    status_changed,
    severity_changed,
    role_assigned,
    update_posted,
    note,
    hypothesis,
    mitigation,
    diagnostic_run,
    message_pinned,
    action_added,
    action_done,
    resolved,
    closed,
    participant_joined,
};

std::string_view to_string(event_kind k);
std::optional<event_kind> parse_event_kind(std::string_view s);

enum class event_source { slash_command, message, system, shell };
std::string_view to_string(event_source s);
std::optional<event_source> parse_event_source(std::string_view s);

/// One append-only timeline entry. `data` carries the typed details (from/to, confidence, ...).
struct timeline_event {
    std::int64_t id = 0;  // assigned by the store; orders events of one incident
    std::string incident_id;
    event_kind kind = event_kind::note;
    time_point at;
    std::string actor;  // handle without '@', "warroom" for system events
    event_source source = event_source::system;
    std::string text;  // human readable, as shown in `timeline` and the postmortem
    nlohmann::json data = nlohmann::json::object();
};

}  // namespace warroom::domain
