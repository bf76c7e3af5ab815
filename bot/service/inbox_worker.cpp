#include "bot/service/inbox_worker.hpp"

#include <spdlog/spdlog.h>

namespace warroom::service {

inbox_worker::inbox_worker(store::store& db, const domain::clock& clock, handler apply,
                           std::chrono::seconds lease, int max_attempts)
    : db_(db),
      clock_(clock),
      apply_(std::move(apply)),
      lease_(lease),
      max_attempts_(max_attempts) {}

int inbox_worker::run_once(int batch) {
    std::vector<store::inbox_item> items;
    db_.transact([&](store::store_tx& tx) { items = tx.claim_inbox(clock_.now(), lease_, batch); });
    for (const auto& item : items) {
        if (item.attempts > max_attempts_) {
            spdlog::error("inbox {}: {} failed {} times, giving up", item.key, item.kind,
                          item.attempts - 1);
            db_.transact([&](store::store_tx& tx) { tx.finish_inbox(item.key, "dead"); });
            continue;
        }
        try {
            apply_(item);
        } catch (const std::exception& e) {
            // The lease keeps others off it; when it runs out the request is tried again.
            spdlog::warn("inbox {}: {} failed (attempt {}), will retry: {}", item.key, item.kind,
                         item.attempts, e.what());
        }
    }
    return static_cast<int>(items.size());
}

}  // namespace warroom::service
