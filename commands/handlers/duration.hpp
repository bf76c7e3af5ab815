#pragma once

#include <chrono>
#include <string_view>

#include "commands/command.hpp"

namespace warroom::commands {

/// A reminder interval between one minute and one day, as "15m", "1h", "2h30m".
std::chrono::seconds reminder_interval(const value& v, std::string_view usage);

}  // namespace warroom::commands
