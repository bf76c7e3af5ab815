#include "bot/service/background_loop.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "bot/service/thread_priority.hpp"

namespace warroom::service {

background_loop::background_loop(std::string name, std::function<int()> step,
                                 std::chrono::milliseconds poll, int nice)
    : name_(std::move(name)), step_(std::move(step)), poll_(poll), nice_(nice), thread_([this] {
          run();
      }) {}

background_loop::~background_loop() {
    stop();
}

void background_loop::notify() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wake_.notify_all();
}

void background_loop::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
        thread_.join();
}

void background_loop::run() {
    // Named, so `top -H` and profilers show which loop is busy (15 characters at most).
    pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    if (nice_ > 0)
        lower_priority(nice_);
    for (;;) {
        int done = 0;
        try {
            done = step_();
        } catch (const std::exception& e) {
            spdlog::error("{}: {}", name_, e.what());
        }
        std::unique_lock lock(mutex_);
        if (stopping_)
            return;
        if (done > 0 && !woken_)
            continue;
        wake_.wait_for(lock, poll_, [this] { return stopping_ || woken_; });
        woken_ = false;
        if (stopping_)
            return;
    }
}

}  // namespace warroom::service
