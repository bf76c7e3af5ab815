#include "bot/service/thread_priority.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace warroom::service {

void lower_priority(int nice) {
    // setpriority on a thread id changes that thread only (Linux, not POSIX).
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    // Relative to where the process already runs (an operator may have started it niced).
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, tid);
    const int target = std::min(19, (errno == 0 ? current : 0) + nice);
    if (::setpriority(PRIO_PROCESS, tid, target) != 0)
        spdlog::warn("cannot lower the priority of a background thread: {}", std::strerror(errno));
}

}  // namespace warroom::service
