#pragma once

#include <functional>
#include <string>

#include "bot/service/incident_service.hpp"
#include "bot/store/store.hpp"
#include "commands/registry.hpp"

namespace warroom::slack {

class slack_chat;

/// Applies one stored Slack request (what the ingress put in the inbox) to the service: slash
/// commands and @warroom mentions through the shared grammar, buttons and modal submissions to
/// their use cases, pins, :pushpin: reactions and joins to the timeline. Every path runs with the
/// request's idempotency key, so a redelivery is applied once. Runs on the inbox worker.
class applier {
public:
    applier(service::incident_service& service, const commands::registry& commands,
            slack_chat* chat, std::string bot_user_id);

    void operator()(const store::inbox_item& item);

    /// Called after each applied request (the app wakes the outbox dispatcher).
    void on_applied(std::function<void()> f) { on_applied_ = std::move(f); }

private:
    void apply_slash(const store::inbox_item& item, const nlohmann::json& payload);
    void apply_event(const store::inbox_item& item, const nlohmann::json& payload);
    void apply_interaction(const store::inbox_item& item, const nlohmann::json& payload);
    /// Answers nothing and changes nothing, but marks the request handled.
    void ignore(const store::inbox_item& item);

    service::incident_service& service_;
    const commands::registry& commands_;
    slack_chat* chat_;  // for message lookups; may be null in tests
    std::string bot_user_id_;
    std::function<void()> on_applied_;
};

/// "<@UBOT> diag db" -> "diag db" when the text starts with a mention of `bot_user_id`; else "".
std::string strip_bot_mention(const std::string& text, const std::string& bot_user_id);

}  // namespace warroom::slack
