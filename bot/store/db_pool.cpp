#include "bot/store/db_pool.hpp"

#include <algorithm>
#include <string>

namespace warroom::store {

db_pool::db_pool(int threads, std::size_t max_queued)
    : max_queued_(std::max<std::size_t>(1, max_queued)) {
    const int n = std::max(1, threads);
    workers_.reserve(static_cast<std::size_t>(n));
    try {
        for (int i = 0; i < n; ++i) {
            workers_.emplace_back([this] { work(); });
            worker_ids_.push_back(workers_.back().get_id());
        }
    } catch (...) {
        stop();
        throw;
    }
}

db_pool::~db_pool() {
    stop();
}

void db_pool::enqueue(std::function<void()> task) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_)
            throw db_pool_stopped("database pool is stopped");
        if (queue_.size() >= max_queued_) {
            throw db_pool_full("database pool queue is full (" + std::to_string(max_queued_) +
                               " tasks waiting)");
        }
        queue_.push_back(std::move(task));
    }
    wake_.notify_one();
}

void db_pool::work() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            // Drain before leaving: work accepted before stop() still runs.
            if (queue_.empty())
                return;
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        task();  // a packaged_task: the callable's exception lands in its future
    }
}

void db_pool::stop() {
    const auto self = std::this_thread::get_id();
    for (const auto& id : worker_ids_) {
        if (id == self)
            throw std::logic_error("db_pool::stop() called from a pool task");
    }
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    std::lock_guard join_lock(join_mutex_);
    for (auto& w : workers_) {
        if (w.joinable())
            w.join();
    }
}

std::size_t db_pool::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

}  // namespace warroom::store
