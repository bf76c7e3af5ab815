#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace warroom::domain {

// SEV0 is the worst. The seed runbooks also use P0-P4 for the same scale.
enum class severity { sev0 = 0, sev1, sev2, sev3, sev4 };

inline constexpr int severity_count = 5;

/// Accepts SEV0-SEV4 and P0-P4, case-insensitive.
std::optional<severity> parse_severity(std::string_view text);
/// "SEV0".."SEV4".
std::string_view to_string(severity s);
int to_index(severity s);

enum class status { investigating, identified, monitoring, resolved, closed };

std::optional<status> parse_status(std::string_view text);
/// "investigating", ... lower-case as typed by users.
std::string_view to_string(status s);
/// "Investigating", ... for messages.
std::string_view display_name(status s);
bool is_open(status s);

/// Empty when the move is allowed, otherwise a one-line reason for the user.
std::optional<std::string> check_transition(status from, status to);

enum class confidence { low, medium, high };
std::optional<confidence> parse_confidence(std::string_view text);
std::string_view to_string(confidence c);

}  // namespace warroom::domain
