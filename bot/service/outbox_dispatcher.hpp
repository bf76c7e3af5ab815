#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "bot/chat/chat_platform.hpp"
#include "bot/domain/clock.hpp"
#include "bot/store/store.hpp"

namespace warroom::service {

/// Delivers outbox rows to the chat platform, oldest first and in order per incident. The effect
/// of a delivery (channel id, message ts) and the "delivered" mark are written in one transaction,
/// so a crash between the two only ever repeats the platform call, never loses the row.
class outbox_dispatcher {
  public:
    outbox_dispatcher(store::store& db, chat::chat_platform& chat, const domain::clock& clock);

    /// Delivers every message that is due now; returns how many were delivered. Run it from a
    /// background_loop (Slack mode) or right after a command (the shell).
    int run_once(int batch = 100);

    /// Makes run_once stop after the message in hand, so shutdown does not wait for a whole
    /// batch of slow platform calls; what is left stays in the outbox for the next start.
    void cancel() { cancelled_.store(true); }

    /// Backoff before attempt `attempts` + 1: 1 s, 2 s, 4 s ... capped at 5 minutes.
    static std::chrono::seconds backoff(int attempts);

  private:
    void deliver(const store::outbox_row& row);
    std::string resolve_channel(const std::string& incident_id, const std::string& channel);
    chat::message with_card(const std::string& incident_id, const nlohmann::json& payload);

    store::store& db_;
    chat::chat_platform& chat_;
    const domain::clock& clock_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace warroom::service
