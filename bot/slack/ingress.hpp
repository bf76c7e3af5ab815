#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bot/domain/clock.hpp"
#include "bot/http/message.hpp"
#include "bot/service/inbox_writer.hpp"
#include "bot/slack/inbound.hpp"
#include "bot/slack/verifier.hpp"

namespace warroom::slack {

/// Modals must be opened within 3 s of the trigger, so they skip the inbox: the ingress hands
/// them to this callback (which calls views.open off the I/O thread).
struct modal_request {
    std::string trigger_id;
    std::string kind;  // "declare", "update", "resolve", "severity"
    std::string incident_id;
    std::string channel_id;
    std::string user_id;
};
using modal_opener = std::function<void(modal_request)>;

/// The front door for everything Slack sends, over HTTP (Events API, slash commands,
/// interactivity on one URL) or Socket Mode. It verifies (HTTP), parses, stores the request in
/// the durable inbox under its idempotency key and only then acknowledges; the inbox worker
/// applies it afterwards. Runs on I/O threads: it never blocks.
class ingress {
  public:
    ingress(std::string signing_secret, const domain::clock& clock, service::inbox_writer& inbox,
            modal_opener open_modal);

    /// POST /slack/events (and the /slack/commands, /slack/interactions aliases).
    void handle_http(http::request&& req, http::responder respond);

    /// One Socket Mode envelope; `ack` gets the response payload (if any) once it is safe to ack.
    using ack_fn = std::function<void(std::optional<nlohmann::json> payload)>;
    void handle_envelope(const socket_envelope& envelope, ack_fn ack);

    /// Stored payloads are JSON objects of these kinds; the applier reads them back.
    static constexpr const char* kind_slash = "slash_command";
    static constexpr const char* kind_event = "event";
    static constexpr const char* kind_interaction = "interaction";

  private:
    /// What to do with one parsed request, whichever transport brought it.
    struct decision {
        bool store = false;
        std::string kind;
        std::string key;
        std::string payload;                   // JSON object text, as stored
        std::optional<nlohmann::json> answer;  // a body to answer with (now, or after storing)
    };
    decision decide_slash(const slash_command& cmd);
    decision decide_interaction(const interaction& in, nlohmann::json raw);
    decision decide_event(const events_request& req, nlohmann::json raw);
    /// Stores (when asked) and then calls `done(ok, answer)`.
    void settle(decision d, const std::string& source,
                std::function<void(bool ok, std::optional<nlohmann::json>)> done);

    hmac_sha256_key signing_secret_;  // prepared once: a verify copies two SHA-256 states
    const domain::clock& clock_;
    service::inbox_writer& inbox_;
    modal_opener open_modal_;
};

}  // namespace warroom::slack
