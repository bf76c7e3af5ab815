#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "bot/domain/clock.hpp"
#include "bot/domain/severity.hpp"

namespace warroom::domain {

struct hypothesis {
    int number = 0;
    std::string text;
    domain::confidence confidence = confidence::medium;
    std::string author;
    time_point at;
    bool operator==(const hypothesis&) const = default;
};

enum class mitigation_state { proposed, applied };
std::string_view to_string(mitigation_state s);
std::optional<mitigation_state> parse_mitigation_state(std::string_view s);

struct mitigation {
    int number = 0;
    std::string action;
    std::string owner;  // user handle, may be empty
    mitigation_state state = mitigation_state::proposed;
    time_point at;
    bool operator==(const mitigation&) const = default;
};

struct action_item {
    int number = 0;
    std::string text;
    std::string owner;
    std::string due;       // YYYY-MM-DD
    std::string priority;  // P0..P4 or High/Medium/Low as typed
    bool done = false;
    std::optional<time_point> done_at;
    bool operator==(const action_item&) const = default;
};

struct role_assignment {
    std::string role;  // lower-case role name, e.g. "scribe", "comms"
    std::string user;  // handle without '@'
    bool operator==(const role_assignment&) const = default;
};

/// The incident aggregate. Users are handles without the leading '@'.
struct incident {
    std::string id;   // INC-YYYYMMDD-NNNN
    std::string day;  // YYYYMMDD (UTC) the sequence belongs to
    int seq = 0;
    std::string title;
    domain::severity severity = severity::sev2;
    domain::status status = status::investigating;
    bool is_private = false;
    std::string commander;
    std::string created_by;
    std::vector<role_assignment> roles;
    std::vector<std::string> participants;
    std::vector<hypothesis> hypotheses;
    std::vector<mitigation> mitigations;
    std::vector<action_item> actions;
    std::string summary;
    std::string channel_name;  // without '#'; empty for a SEV4 ticket
    std::string channel_id;    // filled in once the chat platform created the channel
    time_point declared_at;
    std::optional<time_point> acknowledged_at;
    std::optional<time_point> mitigated_at;
    std::optional<time_point> resolved_at;
    std::optional<time_point> closed_at;
    std::chrono::seconds update_cadence{0};  // 0: no automatic update reminders
    int version = 0;                         // bumped on every save; the store rejects stale writes

    bool operator==(const incident&) const = default;

    bool is_ticket() const { return channel_name.empty(); }
    /// The user holding `role`, empty if nobody. "commander" is answered from `commander`.
    std::string role_holder(std::string_view role) const;
    /// Adds the user unless already listed; returns true when added.
    bool add_participant(const std::string& user);
};

/// "INC-20240115-0042".
std::string make_incident_id(const std::string& day, int seq);
/// True for a well-formed incident ID.
bool is_incident_id(std::string_view text);

/// Builds the war-room channel name from a pattern with {prefix}, {date}, {seq}, {slug}, {sev}.
/// The result only has the characters Slack allows (a-z, 0-9, '-', '_'), is at most 80 characters,
/// and never ends on a separator; the slug is shortened first when it is too long.
std::string make_channel_name(const std::string& pattern, const std::string& prefix,
                              const std::string& day, int seq, const std::string& title,
                              severity sev);

/// Slack channel names: lower-case letters, digits, '-' and '_', 1..80 characters.
bool is_valid_channel_name(std::string_view name);

/// "SEV2: API error rate spike | Commander: @oncall-backend".
std::string make_topic(const incident& inc);

}  // namespace warroom::domain
