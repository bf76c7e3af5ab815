#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

namespace warroom::store {

/// submit() found the queue full. The caller should shed the request (e.g. answer "busy")
/// rather than wait: callers are I/O threads, which must never block.
class db_pool_full : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// submit() after stop().
class db_pool_stopped : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A few threads for blocking database calls (libpqxx, SQLite), so they never run on an I/O
/// thread. Tasks start in submission order. The queue is bounded: submit() never blocks, it
/// throws db_pool_full instead. stop() drains: every task accepted before it runs to completion.
class db_pool {
  public:
    /// `threads` workers (at least 1); at most `max_queued` tasks waiting to start.
    explicit db_pool(int threads, std::size_t max_queued = 1024);
    /// Calls stop().
    ~db_pool();
    db_pool(const db_pool&) = delete;
    db_pool& operator=(const db_pool&) = delete;

    /// Runs `f` on a pool thread; its result or exception arrives through the future.
    /// Throws db_pool_full when `max_queued` tasks already wait, db_pool_stopped after stop().
    template <class F>
    auto submit(F&& f) -> std::future<std::invoke_result_t<F>> {
        using result = std::invoke_result_t<F>;
        // shared_ptr because std::function needs a copyable target and packaged_task is not.
        auto task = std::make_shared<std::packaged_task<result()>>(std::forward<F>(f));
        auto future = task->get_future();
        enqueue([task] { (*task)(); });
        return future;
    }

    /// Refuses new work, lets the workers finish everything already queued, joins them.
    /// Idempotent and safe to call from several threads; calling it from a pool task throws
    /// std::logic_error (the thread would wait for itself).
    void stop();

    /// Tasks accepted but not started yet.
    std::size_t queued() const;
    int thread_count() const { return static_cast<int>(workers_.size()); }

  private:
    void enqueue(std::function<void()> task);
    void work();

    const std::size_t max_queued_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::mutex join_mutex_;  // one stop() joins, concurrent ones wait for it
    std::vector<std::thread> workers_;
    std::vector<std::thread::id> worker_ids_;  // fixed after construction, read by stop()
};

}  // namespace warroom::store
