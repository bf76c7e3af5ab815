#pragma once

// The simulator and a bot in Slack mode pointed at it, shared by the end-to-end test files.

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/app/runtime.hpp"
#include "bot/app/slack_app.hpp"
#include "integration/service_fixture.hpp"
#include "slack_sim/simulator.hpp"

namespace warroom::testing {

/// The simulator and a bot in Slack mode pointed at it, on a fresh SQLite file.
struct slack_fixture {
    using json = nlohmann::json;

    temp_dir dir;
    slack_sim::simulator sim{[] {
        slack_sim::sim_options o;
        o.enforce_rate_limits = false;
        o.retry_scale = 0.01;
        return o;
    }()};
    std::unique_ptr<app::runtime> rt;
    std::unique_ptr<app::slack_app> bot;

    slack_fixture() {
        sim.start();
        auto cfg = config::default_config();
        cfg.database_url = "sqlite:" + (dir.path / "slack.db").string();
        cfg.slack_api_url = sim.api_url();
        cfg.slack_bot_token = sim.options().bot_token;
        cfg.slack_signing_secret = sim.options().signing_secret;
        cfg.listen = "127.0.0.1:0";
        rt = app::start_runtime(cfg, std::make_unique<domain::system_clock>());
        bot = std::make_unique<app::slack_app>(*rt);
        bot->start();
        sim.set_bot_endpoint(endpoint());
    }
    ~slack_fixture() {
        bot->stop();
        sim.stop();
    }
    slack_fixture(const slack_fixture&) = delete;
    slack_fixture& operator=(const slack_fixture&) = delete;

    std::string endpoint() const {
        return "http://127.0.0.1:" + std::to_string(bot->port()) + "/slack/events";
    }

    /// Polls the workspace until `pred` holds (the bot works asynchronously after the ack).
    template <class Pred>
    json wait_for(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        json s = sim.state();
        while (!pred(s) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds{20});
            s = sim.state();
        }
        return s;
    }

    static const json* channel_named(const json& s, const std::string& name) {
        for (const auto& c : s["channels"]) {
            if (c["name"] == name)
                return &c;
        }
        return nullptr;
    }

    static std::vector<json> messages(const json& s, const std::string& channel_id) {
        std::vector<json> out;
        if (s["messages"].contains(channel_id)) {
            for (const auto& m : s["messages"][channel_id])
                out.push_back(m);
        }
        return out;
    }

    int calls(const std::string& method) { return static_cast<int>(sim.calls(method).size()); }
};

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

/// The war room the day's first incident gets.
inline std::string today_room() {
    return "incident-" + domain::format_day(std::chrono::system_clock::now()) + "-0001";
}

}  // namespace warroom::testing
