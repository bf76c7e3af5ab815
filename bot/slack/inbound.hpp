#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/slack/form.hpp"

// Typed parsing of what Slack sends (reference §1, §3, §4, §5). Parsers are tolerant of unknown
// and extra fields, strict on the fields the bot needs, and throw nothing but payload_error.
namespace warroom::slack {

/// A body that is not a well-formed Slack payload. The message is one line, safe to log, and
/// names what was wrong ("missing event_id", "invalid JSON at byte 12").
class payload_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Larger bodies are refused before parsing. The largest thing Slack sends us is a view
/// submission (views are capped at 250 kB), so this leaves ample room.
inline constexpr std::size_t max_payload_bytes = 2 * 1024 * 1024;
/// Deeper JSON is refused before parsing. Real payloads (rich_text inside blocks inside a view)
/// stay well under 20 levels.
inline constexpr int max_json_depth = 64;

/// Parses a JSON object within the limits above. Throws payload_error.
nlohmann::json parse_json_object(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Events API (§3)

struct url_verification {
    std::string challenge;
};

struct event_callback {
    std::string event_id;  // the dedup key for retries
    std::string team_id;
    std::string api_app_id;
    std::int64_t event_time = 0;  // epoch seconds; 0 when absent
    std::string type;             // the inner event's type: "message", "app_mention", ...
    nlohmann::json event;         // the inner event object as sent
};

struct app_rate_limited {
    std::string team_id;
    std::string api_app_id;
    std::int64_t minute_rate_limited = 0;  // epoch seconds, rounded to the minute
};

/// An outer type this bot does not know (Slack may add some); answer 200 and ignore it.
struct unsupported_event_request {
    std::string type;
    nlohmann::json body;
};

using events_request =
    std::variant<url_verification, event_callback, app_rate_limited, unsupported_event_request>;

events_request parse_events_body(std::string_view json);
/// The same from an already-parsed body (a Socket Mode events_api envelope's payload).
events_request events_request_from_json(const nlohmann::json& body);

// ---------------------------------------------------------------------------------------------
// Slash commands (§1)

struct slash_command {
    std::string command;  // "/incident"
    std::string text;     // still Slack-escaped: "&lt;" stays "&lt;" (see unescape)
    std::string user_id;
    std::string user_name;  // deprecated by Slack; informative only
    std::string channel_id;
    std::string channel_name;
    std::string team_id;
    std::string team_domain;
    std::string enterprise_id;
    std::string response_url;
    std::string trigger_id;
    std::string api_app_id;
    bool is_enterprise_install = false;
    /// SHA-256 of the body as received: the idempotency fallback, so only computed when there
    /// is no trigger_id.
    std::string body_digest;
};

/// Slack's `ssl_check=1` probe: answer 200 and do nothing else.
struct ssl_check {};

using slash_request = std::variant<slash_command, ssl_check>;

/// From the application/x-www-form-urlencoded body of an HTTP slash command.
slash_request parse_slash_command(std::string_view form);
/// The same from the body's already decoded fields (`form` is the raw body, for the digest).
slash_request slash_request_from_form(const form_fields& fields, std::string_view form);
/// The command as the JSON object text Socket Mode would send (the fields above that the bot
/// reads back), written without building a JSON tree: this runs before every acknowledgement.
/// Throws payload_error when a field is not valid UTF-8.
std::string slash_command_json(const slash_command& cmd);
/// From a Socket Mode slash_commands envelope's payload (the same fields as a JSON object).
slash_command slash_command_from_json(const nlohmann::json& payload);

// ---------------------------------------------------------------------------------------------
// Interactivity (§4)

struct user_ref {
    std::string id;
    std::string username;
    std::string name;
    std::string team_id;
};

struct action {
    std::string action_id;
    std::string block_id;
    std::string type;  // "button", "static_select", ...
    /// A button's `value`, or the selection of a select/picker (selected_option.value,
    /// selected_user, selected_channel, selected_conversation, selected_date); empty when none.
    std::string value;
    std::string action_ts;
    nlohmann::json raw;  // the whole action object, for element types not modelled here
};

struct action_container {
    std::string type;  // "message", "message_attachment", "view"
    std::string message_ts;
    std::string channel_id;
    std::string view_id;
    bool is_ephemeral = false;
};

struct view_state {
    std::string id;
    std::string type;  // "modal", "home"
    std::string callback_id;
    std::string private_metadata;
    std::string hash;
    std::string root_view_id;
    std::string external_id;
    /// state.values: { block_id: { action_id: { "type": ..., "value" | "selected_*": ... } } }
    nlohmann::json values = nlohmann::json::object();
};

struct block_actions {
    std::string trigger_id;
    user_ref user;
    std::string team_id;
    std::string api_app_id;
    std::string channel_id;  // from `channel` or the container; empty in a modal
    std::string message_ts;  // from the container or `message`; empty in a modal
    action_container container;
    std::vector<action> actions;     // at least one
    std::string response_url;        // message surfaces only
    std::optional<view_state> view;  // when the block was in a view
};

struct view_submission {
    std::string trigger_id;  // not always sent
    user_ref user;
    std::string team_id;
    std::string api_app_id;
    view_state view;
    nlohmann::json response_urls = nlohmann::json::array();
};

struct view_closed {
    user_ref user;
    std::string team_id;
    std::string api_app_id;
    view_state view;
    bool is_cleared = false;
};

/// A global shortcut (`shortcut`) or a message shortcut (`message_action`).
struct shortcut {
    bool on_message = false;
    std::string callback_id;
    std::string trigger_id;
    user_ref user;
    std::string team_id;
    std::string channel_id;    // message shortcuts only
    std::string message_ts;    // message shortcuts only
    std::string response_url;  // message shortcuts only
};

/// block_suggestion, interactive_message, anything new: acknowledge with 200 and ignore.
struct unsupported_interaction {
    std::string type;
    nlohmann::json payload;
};

using interaction =
    std::variant<block_actions, view_submission, view_closed, shortcut, unsupported_interaction>;

/// From the form body `payload=<url-encoded JSON>` of an HTTP interactivity request.
interaction parse_interaction(std::string_view form);
/// From the payload JSON itself (a Socket Mode interactive envelope's payload).
interaction interaction_from_json(const nlohmann::json& payload);

/// The state.values entry for (block_id, action_id), or nullptr.
const nlohmann::json* state_value(const view_state& view, std::string_view block_id,
                                  std::string_view action_id);

// ---------------------------------------------------------------------------------------------
// Socket Mode (§5)

struct socket_hello {
    int num_connections = 0;
    std::int64_t approximate_connection_time = 0;  // seconds; 0 when absent
    std::string app_id;
};

struct socket_disconnect {
    std::string reason;  // link_disabled, warning, refresh_requested, too_many_websockets, ...
};

enum class envelope_type { events_api, interactive, slash_commands, unsupported };

struct socket_envelope {
    std::string envelope_id;
    envelope_type type = envelope_type::unsupported;
    std::string type_name;   // as sent, for logs and for unsupported envelopes
    nlohmann::json payload;  // events_request_from_json / interaction_from_json /
                             // slash_command_from_json read it
    bool accepts_response_payload = false;
    int retry_attempt = 0;
    std::string retry_reason;
};

using socket_message = std::variant<socket_hello, socket_disconnect, socket_envelope>;

/// One Socket Mode text frame. An envelope of an unknown type is returned (type unsupported) so
/// it can still be acknowledged; a frame with an unknown type and no envelope_id is an error.
socket_message parse_socket_envelope(std::string_view json);

/// The acknowledgement frame: {"envelope_id":"…"} plus "payload" when given (send one only when
/// the envelope's accepts_response_payload is true, §5.3).
std::string socket_ack(std::string_view envelope_id,
                       const std::optional<nlohmann::json>& payload = std::nullopt);

// ---------------------------------------------------------------------------------------------
// Idempotency keys for the inbox (DESIGN "write path" step 2). The same request gets the same
// key over HTTP and over Socket Mode. Keys are at most 200 bytes: a longer one becomes
// "<kind>:sha256:<hex of the whole key>".
//   event_callback      event:<event_id>
//   app_rate_limited    app_rate_limited:<team_id>:<minute_rate_limited>
//   slash command       command:<trigger_id>, or command:sha256:<body digest> without one
//   block_actions       action:<action_id>:<message_ts | view-<view_id>>:<user_id>:<value>:
//                       <action_ts / 10 s>  (a double click applies once; see inbound.cpp)
//   view_submission     view:<view.id>:<view.hash>   (view:<view.id> when there is no hash)
//   view_closed         view_closed:<view.id>:<view.hash>
//   shortcut            shortcut:<trigger_id>
//   unsupported kinds   events:<type>:<sha256 of the JSON>, interaction:<type>:<sha256>
//   socket envelope     the key of its payload; envelope:<envelope_id> if that does not parse

std::string idempotency_key(const events_request& request);
std::string idempotency_key(const slash_command& command);
std::string idempotency_key(const interaction& payload);
std::string idempotency_key(const socket_envelope& envelope);

// ---------------------------------------------------------------------------------------------
// mrkdwn text (§8.4)

/// Decodes the three entities Slack escapes: &amp; &lt; &gt; (nothing else).
std::string unescape(std::string_view text);
/// Escapes '&' (first), '<' and '>' so user text can never become a mention or a link.
std::string escape(std::string_view text);

}  // namespace warroom::slack
