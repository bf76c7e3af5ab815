#pragma once

namespace warroom::service {

/// Lowers the calling thread's CPU priority by `nice` (Linux: nice is per thread, and threads it
/// starts inherit it). Best effort: a failure is logged and changes nothing else.
void lower_priority(int nice);

}  // namespace warroom::service
