#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bot/config/config.hpp"
#include "bot/domain/clock.hpp"
#include "bot/domain/incident.hpp"
#include "bot/domain/timeline.hpp"
#include "bot/render/renderer.hpp"
#include "bot/store/store.hpp"

namespace warroom::service {

/// A problem the caller caused (wrong channel, illegal transition, unknown action number).
/// Its message is one line shown only to the caller; nothing was changed.
class user_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Who ran a command, where, and how. Users and channels are as the platform names them
/// (handle without '@', channel id or name without '#').
struct command_context {
    std::string actor;
    std::string channel;
    domain::event_source source = domain::event_source::slash_command;
    /// When set, the command is applied at most once for this key (Slack event_id, trigger_id...).
    std::string idempotency_key;
    /// Overrides the channel lookup: act on this incident wherever the command was typed.
    std::string incident_id;
    /// When set ({"channel", "user", "response_url"?}), the reply to the caller is also written
    /// to the outbox in the command's transaction, so it is delivered even if this process dies.
    nlohmann::json reply_to;
};

/// The reply to the caller. Effects visible to others go through the outbox instead.
struct command_result {
    bool ok = true;
    std::string text;          // shown to the caller only (ephemeral)
    bool duplicate = false;    // the idempotency key had been applied already
    std::string incident_id;   // the incident acted on, when there is one
    std::string channel_name;  // its war room, so a shell can "click into" it after declare
    bool recorded = false;     // the service claimed the idempotency key and queued the reply
};

struct declare_request {
    domain::severity severity = domain::severity::sev2;
    std::string title;
    bool is_private = false;
    std::string commander;  // empty: config default, else the declarer
    std::string description;
};

struct action_request {
    std::string text;
    std::string owner;
    std::string due;       // YYYY-MM-DD, checked by the grammar
    std::string priority;  // empty: "P2"
};

/// A message someone pinned in the war room, as the platform reported it.
struct pinned_message {
    std::string author;
    std::string text;
    std::string ts;
    std::string permalink;
};

struct stats_result {
    int open = 0;
    int resolved = 0;
    int closed = 0;
};

/// The use cases. Each call is one database transaction holding the domain change, its timeline
/// event(s) and the outgoing messages. Methods never throw for user mistakes: they return
/// ok=false with a one-line reason. Thread-safe; call from a database worker, never an I/O thread.
class incident_service {
  public:
    incident_service(store::store& db, const config::config& cfg, const render::renderer& templates,
                     const domain::clock& clock);

    command_result declare(const command_context& ctx, const declare_request& req);
    command_result set_status(const command_context& ctx, domain::status to);
    command_result post_update(const command_context& ctx, const std::string& text);
    command_result set_severity(const command_context& ctx, domain::severity to);
    command_result set_commander(const command_context& ctx, const std::string& user);
    command_result assign_role(const command_context& ctx, const std::string& role,
                               const std::string& user);
    command_result add_note(const command_context& ctx, const std::string& text);
    command_result add_hypothesis(const command_context& ctx, const std::string& text,
                                  domain::confidence conf);
    command_result add_mitigation(const command_context& ctx, const std::string& action,
                                  const std::string& owner);
    command_result add_action(const command_context& ctx, const action_request& req);
    command_result complete_action(const command_context& ctx, int number);
    command_result list_actions(const command_context& ctx);
    command_result resolve(const command_context& ctx, const std::string& summary);
    command_result close(const command_context& ctx);
    command_result timeline(const command_context& ctx);
    command_result list(const command_context& ctx);
    command_result stats(const command_context& ctx);

    /// The Acknowledge button: the first acknowledgement stamps acknowledged_at.
    command_result acknowledge(const command_context& ctx);
    /// A message pinned (or :pushpin:-reacted) in the war room becomes a timeline event.
    command_result record_pin(const command_context& ctx, const pinned_message& msg);
    /// Someone joined the war room: they become a participant (once).
    command_result add_participant(const command_context& ctx, const std::string& user);

    /// Records an answer given without any change (a grammar error, help, a capability not in
    /// this release): claims the idempotency key and queues the reply, like a command would, so
    /// a redelivery is not answered twice. Without a key or reply target it returns `r` as is.
    command_result answer(const command_context& ctx, command_result r);

    /// Read helpers for adapters (API, postmortem): nullopt when unknown.
    std::optional<domain::incident> find(const std::string& incident_id);
    std::vector<domain::timeline_event> events(const std::string& incident_id);

  private:
    struct tx_context;
    /// Runs `body` on the incident the context points at, in one transaction, with idempotency.
    command_result on_incident(const command_context& ctx,
                               const std::function<std::string(tx_context&)>& body);
    command_result in_transaction(const command_context& ctx,
                                  const std::function<command_result(store::store_tx&)>& body);
    /// Claims the idempotency key (if any) in this transaction; false for a repeat.
    bool claim(store::store_tx& tx, const command_context& ctx) const;
    void enqueue_reply(store::store_tx& tx, const command_context& ctx,
                       const command_result& result) const;

    store::store& db_;
    const config::config& cfg_;
    const render::renderer& templates_;
    const domain::clock& clock_;
};

}  // namespace warroom::service
