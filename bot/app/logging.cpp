#include "bot/app/logging.hpp"

#include <cstdio>
#include <mutex>
#include <stdexcept>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace warroom::app {

namespace {

/// One JSON object per line; the message is escaped by nlohmann, so any text stays valid JSON.
class json_stderr_sink final : public spdlog::sinks::base_sink<std::mutex> {
  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const auto since_epoch = msg.time.time_since_epoch();
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
        const std::time_t secs = static_cast<std::time_t>(ms / 1000);
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char stamp[40];
        const auto len = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        std::snprintf(stamp + len, sizeof stamp - len, ".%03lldZ",
                      static_cast<long long>(ms % 1000));
        nlohmann::json line{{"ts", stamp},
                            {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                                                  spdlog::level::to_string_view(msg.level).size())},
                            {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
                            {"msg", std::string(msg.payload.data(), msg.payload.size())}};
        const std::string text =
            line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        std::fwrite(text.data(), 1, text.size(), stderr);
    }
    void flush_() override { std::fflush(stderr); }
};

}  // namespace

void setup_logging(const std::string& level, const std::string& format) {
    const auto lvl = spdlog::level::from_str(level);
    if (lvl == spdlog::level::off && level != "off") {
        throw std::invalid_argument("unknown log level '" + level + "'");
    }
    std::shared_ptr<spdlog::sinks::sink> sink;
    if (format == "json") {
        sink = std::make_shared<json_stderr_sink>();
    } else if (format == "text") {
        sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    } else {
        throw std::invalid_argument("unknown log format '" + format + "' (expected text or json)");
    }
    auto logger = std::make_shared<spdlog::logger>("warroom", sink);
    logger->set_level(lvl);
    spdlog::set_default_logger(logger);
}

}  // namespace warroom::app
