#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/domain/incident.hpp"
#include "bot/domain/timeline.hpp"

namespace warroom::store {

/// A database problem worth one line to the operator (bad URL, unreachable server, ...).
/// The message never contains the password.
class store_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Thrown by update_incident when another writer saved the incident in between.
class conflict_error : public store_error {
  public:
    using store_error::store_error;
};

/// One message for the outside world, written in the same transaction as the change that caused
/// it and delivered later by the outbox dispatcher.
///
/// kind and payload (channel "$incident" means the incident's own war room):
///   create_channel {name, private}
///   set_topic      {channel, topic}
///   invite         {channel, users: [..]}
///   post           {channel, text, blocks?, ref?}   ref names the message for later update/pin
///   update         {ref, channel?, text, blocks?}    channel: where ref was posted (its lane)
///   pin            {ref, channel?}
///   reply          {target: {channel, user, response_url?}, text, ok}   the caller's answer
///
/// Delivery order follows lanes (see outbox_lane): an incident's rows in one lane go out in the
/// order written, different lanes of it may go out concurrently.
struct outbox_message {
    std::string incident_id;  // may be empty for messages that belong to no incident
    std::string kind;
    nlohmann::json payload = nlohmann::json::object();
};

struct outbox_row {
    std::int64_t id = 0;
    outbox_message message;
    int attempts = 0;
    domain::time_point created_at;
    domain::time_point next_attempt_at;
    std::string last_error;
    std::string lane;  // outbox_lane() of the message, fixed when it was written
    /// The row was claimed before and that lease ran out without an outcome (the deliverer
    /// crashed or hung), so its platform call may have happened already.
    bool lease_expired = false;
};

/// The ordering lane of a message within its incident:
///   ""             a barrier: waits for every older row of the incident and holds back every
///                  later one (create_channel, and anything whose lane is unknown, such as rows
///                  written before lanes existed or an update/pin without its channel)
///   "topic"        set_topic
///   "invite"       invite
///   "chan:<ch>"    post, and update/pin naming their channel: one channel's messages keep
///                  their order, and a pin or edit follows the post it refers to
///   "reply"        reply
/// Rows without an incident are independent of each other.
std::string outbox_lane(const outbox_message& msg);

/// Where a posted message lives, so later edits and pins find it.
struct message_ref {
    std::string incident_id;
    std::string ref;
    std::string channel;
    std::string ts;
};

/// A durable timer (status-update cadence, nudges). Filled by later capabilities.
struct job {
    std::int64_t id = 0;
    std::string kind;
    std::string incident_id;
    domain::time_point due_at;
    nlohmann::json payload = nlohmann::json::object();
};

/// A request from the outside (a Slack event, slash command, click, alert) stored under its
/// idempotency key before it is acknowledged, and applied later by a worker.
struct inbox_item {
    std::string key;
    std::string source;   // "slack_http", "socket_mode", ...
    std::string kind;     // what the payload is, for the worker: "slash_command", "event", ...
    std::string payload;  // the request as received (already verified)
    domain::time_point received_at;
    int attempts = 0;  // how often a worker claimed it
};

struct incident_filter {
    bool include_closed = false;
    int limit = 50;
};

/// The operations one command may do inside its transaction. Obtained from store::transact and
/// valid only inside the callback.
class store_tx {
  public:
    virtual ~store_tx() = default;

    /// Marks an idempotency key as applied by this transaction: true when the key was new or
    /// still pending (the caller applies the request), false when it was applied already (the
    /// caller must not apply it again). Concurrent claims of one key: exactly one gets true.
    virtual bool inbox_claim(const std::string& key, const std::string& source,
                             domain::time_point at) = 0;

    /// Stores verified requests as pending (one transaction for the whole batch: a group commit).
    /// For each item: true when new, false when its key was already there (a duplicate delivery).
    virtual std::vector<bool> inbox_enqueue(const std::vector<inbox_item>& items) = 0;
    /// Leases up to `limit` pending items (oldest first) whose lease has run out, so each is
    /// worked on by one worker at a time across replicas; attempts is incremented. An item whose
    /// worker died is leased again once `lease` has passed.
    virtual std::vector<inbox_item> claim_inbox(domain::time_point now, std::chrono::seconds lease,
                                                int limit) = 0;
    /// Ends an item without applying a command: status "ignored" (nothing to do) or "dead"
    /// (failed too often). Has no effect on an applied item.
    virtual void finish_inbox(const std::string& key, const std::string& status) = 0;
    virtual std::int64_t pending_inbox_count() = 0;

    /// Next per-day incident number: 1, 2, ... unique across concurrent writers and replicas.
    virtual int next_incident_seq(const std::string& day) = 0;

    virtual void insert_incident(const domain::incident& inc) = 0;
    /// Saves the whole aggregate (roles, actions, ...). `inc.version` must be the version that
    /// was loaded; the stored version becomes version + 1. A stale version throws conflict_error.
    virtual void update_incident(const domain::incident& inc) = 0;
    /// With for_update the row is locked until the transaction ends (PostgreSQL); SQLite
    /// transactions are already exclusive.
    virtual std::optional<domain::incident> find_incident(const std::string& id,
                                                          bool for_update) = 0;
    /// Matches either the channel id or the channel name (without '#').
    virtual std::optional<domain::incident> find_incident_by_channel(const std::string& channel,
                                                                     bool for_update) = 0;
    /// Newest first.
    virtual std::vector<domain::incident> list_incidents(const incident_filter& filter) = 0;

    /// Appends the event; returns its id. Ids grow, so they order an incident's timeline.
    virtual std::int64_t append_timeline(const domain::timeline_event& ev) = 0;
    /// Oldest first.
    virtual std::vector<domain::timeline_event> timeline(const std::string& incident_id) = 0;

    virtual std::int64_t enqueue_outbox(const outbox_message& msg, domain::time_point at) = 0;
    /// Leases up to `limit` undelivered messages due at `now` (oldest first) until now + `lease`,
    /// so across replicas each is delivered by one dispatcher at a time. An incident is skipped
    /// while any of its rows is leased by an earlier claim (so two claimers never reorder it);
    /// a row waits while an older row of its lane, or an older barrier, is not due yet. Rows
    /// whose lease ran out are claimed again (lease_expired is set). Claims serialize: on
    /// PostgreSQL through an advisory lock, on SQLite through the write lock.
    virtual std::vector<outbox_row> claim_outbox(domain::time_point now, std::chrono::seconds lease,
                                                 int limit) = 0;
    /// Ends a lease without an attempt (the row was claimed but not tried this round).
    virtual void release_outbox(std::int64_t id) = 0;
    /// The mark_outbox_* calls end the row's lease too.
    virtual void mark_outbox_delivered(std::int64_t id, domain::time_point at) = 0;
    virtual void mark_outbox_retry(std::int64_t id, const std::string& error,
                                   domain::time_point next_attempt) = 0;
    /// Gives up on a message (a permanent error); it stays in the table for the operator.
    virtual void mark_outbox_dead(std::int64_t id, const std::string& error) = 0;
    virtual std::int64_t pending_outbox_count() = 0;

    virtual void save_message_ref(const message_ref& ref) = 0;
    virtual std::optional<message_ref> find_message_ref(const std::string& incident_id,
                                                        const std::string& ref) = 0;

    virtual std::int64_t schedule_job(const job& j) = 0;
    /// Claims up to `limit` due jobs; each is handed to exactly one caller across replicas.
    virtual std::vector<job> claim_due_jobs(domain::time_point now, int limit) = 0;
    virtual void cancel_jobs(const std::string& incident_id, const std::string& kind) = 0;
};

/// A database. Thread-safe: transact may be called from several threads at once; each call gets
/// its own connection from the store's pool.
class store {
  public:
    virtual ~store() = default;

    /// Runs `fn` in one transaction: committed when fn returns, rolled back when it throws
    /// (the exception propagates). Transient serialization failures are retried.
    virtual void transact(const std::function<void(store_tx&)>& fn) = 0;
    /// The same, but ahead of every transact() waiting for a connection: for the inbox writer,
    /// whose callers (Slack, within its 3 s) wait for the commit. FIFO among urgent callers.
    virtual void transact_urgent(const std::function<void(store_tx&)>& fn) { transact(fn); }
    /// store_tx::inbox_enqueue on its own, urgent like transact_urgent. Rows stand alone (each
    /// is found by its key on a retry), so the store may write them in one self-committing
    /// statement: one round trip on PostgreSQL instead of BEGIN, INSERT, COMMIT.
    virtual std::vector<bool> enqueue_inbox(const std::vector<inbox_item>& items) {
        std::vector<bool> fresh;
        transact_urgent([&](store_tx& tx) { fresh = tx.inbox_enqueue(items); });
        return fresh;
    }

    /// Applies pending migrations; returns how many were applied.
    virtual int migrate() = 0;
    /// Highest applied migration, and the highest this binary knows.
    virtual int schema_version() = 0;
    virtual int latest_schema_version() const = 0;
    /// Cheap round trip ("SELECT 1"); throws store_error when the database is gone.
    virtual void ping() = 0;
    /// "sqlite" or "postgres".
    virtual std::string dialect() const = 0;
};

/// Opens the database named by `url`: "sqlite:PATH" (":memory:" allowed), "sqlite://PATH",
/// "postgres://..." or "postgresql://...". PostgreSQL gets `pool_size` connections at most; SQLite
/// always one (its write lock serializes every transaction anyway).
/// Throws store_error with a one-line, password-free reason.
std::unique_ptr<store> open_store(const std::string& url, int pool_size = 4);

/// The URL with any password replaced by "***", for logs and errors.
std::string redact_url(const std::string& url);

}  // namespace warroom::store
