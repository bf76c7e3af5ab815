#pragma once

#include <string>

namespace warroom::app {

/// Routes spdlog to stderr, as text or as one JSON object per line. Throws std::invalid_argument
/// on an unknown level or format (config validation reports those first).
void setup_logging(const std::string& level, const std::string& format);

}  // namespace warroom::app
