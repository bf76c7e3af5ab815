#include "bot/service/inbox_writer.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace warroom::service {

inbox_writer::inbox_writer(store::store& db, std::size_t max_batch, std::size_t max_queue)
    : db_(db), max_batch_(max_batch), max_queue_(max_queue), thread_([this] { run(); }) {}

inbox_writer::~inbox_writer() {
    stop();
}

bool inbox_writer::submit(store::inbox_item item, callback done) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= max_queue_)
            return false;
        queue_.push_back({std::move(item), std::move(done)});
    }
    wake_.notify_one();
    return true;
}

void inbox_writer::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable())
            return;
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable())
        thread_.join();
}

void inbox_writer::run() {
    pthread_setname_np(pthread_self(), "inbox-writer");
    std::vector<pending> batch;
    std::vector<store::inbox_item> items;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty())
                return;  // stopping, and everything is written
            // Whatever queued while the previous commit ran goes into this one.
            const std::size_t n = std::min(max_batch_, queue_.size());
            batch.clear();
            for (std::size_t i = 0; i < n; ++i) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        items.clear();
        for (auto& p : batch)
            items.push_back(std::move(p.item));  // only the callbacks are needed afterwards
        std::vector<bool> fresh;
        bool ok = true;
        try {
            fresh = db_.enqueue_inbox(items);
            ++batches_;
        } catch (const std::exception& e) {
            ok = false;
            spdlog::error("inbox: writing {} request(s) failed: {}", batch.size(), e.what());
        }
        bool any_new = false;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const auto result = !ok        ? outcome::failed
                                : fresh[i] ? outcome::stored
                                           : outcome::duplicate;
            any_new = any_new || result == outcome::stored;
            try {
                batch[i].done(result);
            } catch (const std::exception& e) {
                spdlog::error("inbox: acknowledgement callback threw: {}", e.what());
            }
        }
        if (any_new && on_stored_)
            on_stored_();
    }
}

}  // namespace warroom::service
