#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "bot/domain/incident.hpp"
#include "bot/domain/severity.hpp"
#include "bot/slack/inbound.hpp"

// Block Kit builders (pure JSON) for incident cards and the incident modals, and the parsers of
// those modals' submissions. Every builder respects the limits of reference §8.2.
namespace warroom::slack {

// Block Kit limits (§8.2). Lengths are counted in UTF-16 code units, which is never less than
// the number of characters however Slack counts them, so text cut to these limits always fits.
inline constexpr std::size_t max_message_blocks = 50;
inline constexpr std::size_t max_view_blocks = 100;
inline constexpr std::size_t max_header_chars = 150;
inline constexpr std::size_t max_section_chars = 3000;
inline constexpr std::size_t max_field_chars = 2000;
inline constexpr std::size_t max_button_chars = 75;
inline constexpr std::size_t max_option_chars = 75;
inline constexpr std::size_t max_modal_title_chars = 24;
inline constexpr std::size_t max_private_metadata_chars = 3000;
/// The longest incident title the declare modal accepts.
inline constexpr std::size_t max_title_chars = 150;

/// Action ids of the card buttons, callback ids of the modals, block ids of their inputs. Each
/// input's element uses its block id as action id too.
namespace ids {
inline constexpr std::string_view ack = "incident_ack";
inline constexpr std::string_view update = "incident_update";
inline constexpr std::string_view severity = "incident_severity";
inline constexpr std::string_view resolve = "incident_resolve";
inline constexpr std::string_view join = "incident_join";

inline constexpr std::string_view declare_view = "declare_incident";
inline constexpr std::string_view update_view = "post_update";
inline constexpr std::string_view resolve_view = "resolve_incident";
inline constexpr std::string_view severity_view = "change_severity";

inline constexpr std::string_view title_block = "title";
inline constexpr std::string_view severity_block = "severity";
inline constexpr std::string_view private_block = "private";
inline constexpr std::string_view commander_block = "commander";
inline constexpr std::string_view description_block = "description";
inline constexpr std::string_view text_block = "text";
inline constexpr std::string_view summary_block = "summary";
}  // namespace ids

/// Length in UTF-16 code units (invalid UTF-8 bytes count as one each).
std::size_t text_length(std::string_view utf8);
/// Cut to at most `max_chars` (ellipsis included) on a character boundary, ending in "…" when
/// cut; invalid UTF-8 is replaced by U+FFFD so the JSON can always be serialised.
std::string truncate_text(std::string_view text, std::size_t max_chars);
/// Like truncate_text, but never leaves half of a <@U…>/<url|label> token or an &amp; entity.
std::string truncate_mrkdwn(std::string_view text, std::size_t max_chars);

nlohmann::json plain_text(std::string_view text, std::size_t max_chars);
nlohmann::json mrkdwn_text(std::string_view text, std::size_t max_chars);
/// `text` is mrkdwn: escape user-typed parts with slack::escape first.
nlohmann::json section_block(std::string_view text);
nlohmann::json header_block(std::string_view text);
nlohmann::json context_block(std::string_view text);
/// At most `max_blocks`: the excess is replaced by one context block saying how many were cut.
nlohmann::json fit_blocks(nlohmann::json blocks, std::size_t max_blocks = max_message_blocks);

/// "<@U123ABC>" when `user` looks like a Slack user id (U or W, then upper-case letters and
/// digits), otherwise "@handle" escaped; "_unassigned_" when empty.
std::string user_mention(std::string_view user);

/// The war-room card: header "SEV2: title", fields (Status, Severity, Commander, Channel), the
/// optional `text` (mrkdwn, already escaped by the caller), a context line with the incident id,
/// and the buttons Acknowledge (until acknowledged), Post update, Change severity, Resolve.
/// A resolved or closed incident's card has no buttons. Returns the `blocks` array.
nlohmann::json incident_card(const domain::incident& inc, std::string_view text = {});
/// The cross-post in the announce channel: the same summary, and a "Join channel" button
/// (action incident_join, value the incident id) when there is a public war room to join.
nlohmann::json announce_card(const domain::incident& inc, std::string_view text = {});

/// The option descriptions of the severity selects, SEV0 first (≤ 75 characters shown).
using severity_descriptions = std::array<std::string, domain::severity_count>;
/// From the seed runbook's severity table.
const severity_descriptions& default_severity_descriptions();

/// The `view` objects for views.open. `private_metadata` comes back in the submission; over
/// 3000 characters throws std::length_error (cutting it would corrupt it).
nlohmann::json declare_modal(
    domain::severity default_severity, std::string_view private_metadata,
    const severity_descriptions& descriptions = default_severity_descriptions());
nlohmann::json update_modal(std::string_view incident_id);
nlohmann::json resolve_modal(std::string_view incident_id);
nlohmann::json severity_modal(
    std::string_view incident_id, domain::severity current,
    const severity_descriptions& descriptions = default_severity_descriptions());

/// block_id → message shown under that input (response_action "errors").
using field_errors = std::map<std::string, std::string>;

struct declare_fields {
    std::string title;  // trimmed, plain text as typed
    domain::severity severity = domain::severity::sev2;
    bool is_private = false;
    std::string commander;    // Slack user id, empty when not chosen
    std::string description;  // trimmed, may be empty
    std::string private_metadata;
    std::string user_id;  // who submitted
};

struct update_fields {
    std::string incident_id;
    std::string text;
    std::string user_id;
};

struct resolve_fields {
    std::string incident_id;
    std::string summary;
    std::string user_id;
};

struct severity_fields {
    std::string incident_id;
    domain::severity severity = domain::severity::sev2;
    std::string user_id;
};

/// User mistakes come back as field_errors. A submission of another view, or one whose
/// private_metadata is not an incident id (it is ours, so that is not the user's doing), throws
/// payload_error.
std::variant<declare_fields, field_errors> parse_declare_submission(const view_submission& s);
std::variant<update_fields, field_errors> parse_update_submission(const view_submission& s);
std::variant<resolve_fields, field_errors> parse_resolve_submission(const view_submission& s);
std::variant<severity_fields, field_errors> parse_severity_submission(const view_submission& s);

/// {"response_action":"errors","errors":{…}}: the body that shows `errors` in the open modal.
nlohmann::json errors_response(const field_errors& errors);

}  // namespace warroom::slack
