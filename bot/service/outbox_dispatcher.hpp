#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bot/chat/chat_platform.hpp"
#include "bot/domain/clock.hpp"
#include "bot/store/store.hpp"

namespace warroom::service {

struct outbox_options {
    /// Delivery threads per batch. 1 delivers in the caller's thread strictly in id order (the
    /// shell, whose printed transcript must read in order); more run independent lanes at once.
    int threads = 1;
    /// How long a claimed row belongs to this dispatcher; another replica takes it over after.
    std::chrono::seconds lease{180};
    /// No delivery starts later than this after the claim, so a slow batch never delivers a
    /// row whose lease another replica may already have taken over.
    std::chrono::seconds start_window{90};
};

/// Delivers outbox rows to the chat platform. Rows are leased (store::claim_outbox), so replicas
/// sharing a database never deliver one row twice at once. Within a batch the rows of one lane
/// (store::outbox_lane) go out in id order, a barrier (create_channel) before anything later of
/// its incident, and different lanes and incidents concurrently on `threads` threads. A failed
/// row holds back the rest of its lane (a failed barrier: the rest of its incident) until its
/// retry. The effect of a delivery (channel id, message ts) and the "delivered" mark are written
/// in one transaction; a crash between the platform call and that commit repeats the call,
/// except for posts, which are first looked up (chat_platform::find_posted) when they may have
/// been sent already.
class outbox_dispatcher {
  public:
    outbox_dispatcher(store::store& db, chat::chat_platform& chat, const domain::clock& clock,
                      outbox_options options = {});
    /// Stops and joins the delivery threads (after the round in progress, if any).
    ~outbox_dispatcher();
    outbox_dispatcher(const outbox_dispatcher&) = delete;
    outbox_dispatcher& operator=(const outbox_dispatcher&) = delete;

    /// Claims up to `batch` due rows and delivers them; returns how many were delivered. Run it
    /// from a background_loop (Slack mode) or right after a command (the shell).
    int run_once(int batch = 100);

    /// Makes run_once stop after the calls in hand, so shutdown does not wait for a whole batch
    /// of slow platform calls; what is left is released and stays in the outbox for next time.
    void cancel() { cancelled_.store(true); }

    /// Backoff before attempt `attempts` + 1: 1 s, 2 s, 4 s ... capped at 5 minutes.
    static std::chrono::seconds backoff(int attempts);

  private:
    struct round;

    void work(round& r);
    void helper_main();
    /// Delivers one row and records the outcome; true when it was delivered.
    bool attempt(const store::outbox_row& row);
    void deliver(const store::outbox_row& row);
    std::string resolve_channel(const std::string& incident_id, const std::string& channel);
    chat::message with_card(const std::string& incident_id, const nlohmann::json& payload);

    store::store& db_;
    chat::chat_platform& chat_;
    const domain::clock& clock_;
    outbox_options options_;
    std::atomic<bool> cancelled_{false};

    // Delivery threads besides the caller's, started once and kept: starting them for every
    // round cost a clone and an exit per thread per round.
    std::mutex pool_mutex_;
    std::condition_variable pool_wake_;  // a round is open for helpers to join
    std::condition_variable pool_idle_;  // the last helper left the round
    round* current_ = nullptr;           // the open round, or null
    std::uint64_t round_seq_ = 0;
    int wanted_ = 0;    // helpers the open round can still take
    int in_round_ = 0;  // helpers working on it
    bool pool_stopping_ = false;
    std::vector<std::thread> helpers_;
};

}  // namespace warroom::service
