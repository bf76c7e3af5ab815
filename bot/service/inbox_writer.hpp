#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "bot/domain/clock.hpp"
#include "bot/store/store.hpp"

namespace warroom::service {

/// Makes verified requests durable before they are acknowledged, with group commit: requests
/// arriving together are written in one transaction, so acknowledging costs one commit per batch
/// rather than one per request. The callback runs on the writer thread after the commit.
class inbox_writer {
  public:
    enum class outcome { stored, duplicate, failed };
    using callback = std::function<void(outcome)>;

    inbox_writer(store::store& db, std::size_t max_batch = 2000, std::size_t max_queue = 200000);
    ~inbox_writer();
    inbox_writer(const inbox_writer&) = delete;
    inbox_writer& operator=(const inbox_writer&) = delete;

    /// Queues one request. False (and no callback) when the queue is full or stopping: the
    /// caller answers "try again" (Slack retries) instead of growing memory without bound.
    bool submit(store::inbox_item item, callback done);

    /// Called after each committed batch that stored new requests (to wake the worker).
    void on_stored(std::function<void()> f) { on_stored_ = std::move(f); }

    /// Writes what is queued, then stops the thread.
    void stop();

    std::size_t batches_written() const { return batches_; }

  private:
    struct pending {
        store::inbox_item item;
        callback done;
    };
    void run();

    store::store& db_;
    const std::size_t max_batch_;
    const std::size_t max_queue_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<pending> queue_;
    bool stopping_ = false;
    std::size_t batches_ = 0;
    std::function<void()> on_stored_;
    std::thread thread_;
};

}  // namespace warroom::service
