#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace warroom::service {

/// Runs `step` on its own thread until stopped: as long as a step did work it runs again at once,
/// otherwise it sleeps until notify() or `poll` passes. Used by the outbox dispatcher and the
/// inbox worker, whose state is all in the database, so a lost wake-up only costs one poll.
class background_loop {
  public:
    /// `step` returns how much work it did; an exception is logged and the loop goes on.
    /// `nice` lowers the thread's CPU priority (0..19, Linux nice): work that follows an
    /// acknowledgement must not take the CPU from the acknowledgements themselves.
    background_loop(std::string name, std::function<int()> step, std::chrono::milliseconds poll,
                    int nice = 0);
    ~background_loop();
    background_loop(const background_loop&) = delete;
    background_loop& operator=(const background_loop&) = delete;

    void notify();
    /// Finishes the current step and joins the thread.
    void stop();

  private:
    void run();

    std::string name_;
    std::function<int()> step_;
    std::chrono::milliseconds poll_;
    int nice_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool woken_ = false;
    std::thread thread_;
};

}  // namespace warroom::service
