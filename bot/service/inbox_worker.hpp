#pragma once

#include <chrono>
#include <functional>

#include "bot/domain/clock.hpp"
#include "bot/store/store.hpp"

namespace warroom::service {

/// Applies stored requests. Each is leased, so with several replicas one worker has it at a time;
/// the handler applies it in a transaction that also marks the key applied (the service's
/// idempotency claim), so a request is applied once even if a worker dies mid-way and the lease
/// runs out. A request that keeps failing is given up after `max_attempts`.
class inbox_worker {
  public:
    /// Applies one request; throws when it should be tried again later.
    using handler = std::function<void(const store::inbox_item&)>;

    inbox_worker(store::store& db, const domain::clock& clock, handler apply,
                 std::chrono::seconds lease = std::chrono::seconds{30}, int max_attempts = 5);

    /// Claims and applies what is pending; returns how many requests were handled.
    int run_once(int batch = 64);

  private:
    store::store& db_;
    const domain::clock& clock_;
    handler apply_;
    std::chrono::seconds lease_;
    int max_attempts_;
};

}  // namespace warroom::service
