// slack_sim_server: the simulator as a process, so a person (or a test in another language) can
// drive a real bot by hand.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "tests/slack_sim/simulator.hpp"

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) {
    stop_requested = 1;
}

void usage(std::ostream& out) {
    out << "usage: slack_sim_server [options]\n"
           "  --listen HOST:PORT       where to listen (default 127.0.0.1:8081)\n"
           "  --bot-endpoint URL       where signed HTTP deliveries go, e.g.\n"
           "                           http://127.0.0.1:3000/slack/events\n"
           "  --bot-token T            default xoxb-sim\n"
           "  --app-token T            default xapp-sim\n"
           "  --signing-secret S       default sim-secret\n"
           "  --no-rate-limits         accept every call\n"
           "  --sink-response-urls     answer 200 to response_urls it never issued (benchmarks)\n"
           "  --rate-limit-scale X     multiply rate-limit windows (0.01: a minute is 0.6 s)\n"
           "  --retry-scale X          multiply the Events API retry schedule\n"
           "  --echo-bot-actions       also deliver events for what the bot itself does\n"
           "  --help\n";
}

}  // namespace

int main(int argc, char** argv) {
    warroom::slack_sim::sim_options opt;
    opt.listen = "127.0.0.1:8081";
    std::string endpoint;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "slack_sim_server: " << a << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        try {
            if (a == "--help" || a == "-h") {
                usage(std::cout);
                return 0;
            } else if (a == "--listen") {
                opt.listen = value();
            } else if (a == "--bot-endpoint") {
                endpoint = value();
            } else if (a == "--bot-token") {
                opt.bot_token = value();
            } else if (a == "--app-token") {
                opt.app_token = value();
            } else if (a == "--signing-secret") {
                opt.signing_secret = value();
            } else if (a == "--no-rate-limits") {
                opt.enforce_rate_limits = false;
            } else if (a == "--sink-response-urls") {
                opt.sink_unknown_response_urls = true;
            } else if (a == "--rate-limit-scale") {
                opt.rate_limit_scale = std::stod(value());
            } else if (a == "--retry-scale") {
                opt.retry_scale = std::stod(value());
            } else if (a == "--echo-bot-actions") {
                opt.echo_bot_actions = true;
            } else {
                std::cerr << "slack_sim_server: unknown option " << a << "\n";
                usage(std::cerr);
                return 2;
            }
        } catch (const std::exception&) {
            std::cerr << "slack_sim_server: bad value for " << a << "\n";
            return 2;
        }
    }

    warroom::slack_sim::simulator sim(opt);
    try {
        if (!endpoint.empty()) {
            sim.set_bot_endpoint(endpoint);
        }
        sim.start();
    } catch (const std::exception& e) {
        std::cerr << "slack_sim_server: " << e.what() << "\n";
        return 1;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    const auto control = sim.control_url();
    std::cout << "slack_sim listening\n"
              << "  Web API:     " << sim.api_url() << "\n"
              << "  Control API: " << control << "\n"
              << "  Bot endpoint: " << (endpoint.empty() ? "(none: Socket Mode only)" : endpoint)
              << "\n\n"
              << "Give the bot:\n"
              << "  SLACK_API_URL=" << sim.api_url() << "\n"
              << "  SLACK_BOT_TOKEN=" << opt.bot_token << "\n"
              << "  SLACK_SIGNING_SECRET=" << opt.signing_secret << "   (HTTP Events API)\n"
              << "  SLACK_APP_TOKEN=" << opt.app_token << "   (Socket Mode)\n\n"
              << "Workspace: users alice (U_ALICE), bob (U_BOB), the bot warroom (UBOT);\n"
              << "           channels #general (C_GENERAL), #incidents (C_INCIDENTS).\n\n"
              << "Try:\n"
              << "  curl -s " << control << "slash_command -d '{\"user\":\"alice\","
              << "\"channel\":\"#general\",\"command\":\"/incident\","
              << "\"text\":\"create SEV2 \\\"API error rate spike\\\"\"}'\n"
              << "  curl -s " << control << "message -d '{\"user\":\"bob\","
              << "\"channel\":\"#incidents\",\"text\":\"<@UBOT> status\"}'\n"
              << "  curl -s " << control << "state | python3 -m json.tool\n"
              << "  curl -s " << control << "   (every control endpoint)\n"
              << std::flush;

    while (stop_requested == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    sim.stop();
    return 0;
}
