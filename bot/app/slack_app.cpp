#include "bot/app/slack_app.hpp"

#include <csignal>
#include <pthread.h>

#include <spdlog/spdlog.h>

#include "bot/http/server.hpp"
#include "bot/service/background_loop.hpp"
#include "bot/service/inbox_worker.hpp"
#include "bot/service/inbox_writer.hpp"
#include "bot/service/outbox_dispatcher.hpp"
#include "bot/slack/applier.hpp"
#include "bot/slack/blocks.hpp"
#include "bot/slack/ingress.hpp"
#include "bot/slack/slack_chat.hpp"
#include "bot/slack/socket_mode.hpp"
#include "bot/slack/web_api.hpp"

namespace warroom::app {

using namespace std::chrono_literals;
using nlohmann::json;

/// Declared in start order; destroyed in reverse, so the server stops before the workers.
struct slack_app::parts {
    std::unique_ptr<slack::web_api> api;
    std::unique_ptr<slack::slack_chat> chat;
    slack::auth_info auth;
    std::unique_ptr<service::outbox_dispatcher> dispatcher;
    std::unique_ptr<service::background_loop> outbox_loop;
    std::unique_ptr<slack::applier> apply;
    std::unique_ptr<service::inbox_worker> worker;
    std::unique_ptr<service::background_loop> inbox_loop;
    std::unique_ptr<service::inbox_writer> inbox;
    std::unique_ptr<store::db_pool> slack_calls;  // views.open must not wait behind the outbox
    std::unique_ptr<slack::ingress> front_door;
    std::unique_ptr<slack::socket_mode_client> socket;
    http::router routes;
    std::unique_ptr<http::server> server;
};

slack_app::slack_app(runtime& rt) : rt_(rt), parts_(std::make_unique<parts>()) {}

slack_app::~slack_app() { stop(); }

unsigned short slack_app::port() const { return parts_->server ? parts_->server->port() : 0; }

const std::string& slack_app::bot_user_id() const { return parts_->auth.user_id; }

namespace {

// Applying commands and delivering their messages yield the CPU to acknowledging new requests
// (Slack's 3 s budget): under a burst the backlog waits in the durable inbox, not in the kernel's
// accept queue. Nice 10, not SCHED_IDLE: on a busy host they still make steady progress.
constexpr int background_nice = 10;

/// Opens the modal a request asked for; runs on the Slack-calls pool, within the 3 s the
/// trigger lives.
void open_modal(slack::slack_chat& chat, service::incident_service& svc,
                const slack::modal_request& m) {
    json view;
    if (m.kind == "declare") {
        view = slack::declare_modal(domain::severity::sev2, m.channel_id);
    } else if (m.kind == "update") {
        view = slack::update_modal(m.incident_id);
    } else if (m.kind == "resolve") {
        view = slack::resolve_modal(m.incident_id);
    } else if (m.kind == "severity") {
        const auto inc = svc.find(m.incident_id);
        view = slack::severity_modal(m.incident_id, inc ? inc->severity : domain::severity::sev2);
    } else {
        return;
    }
    try {
        chat.views_open(m.trigger_id, view);
    } catch (const std::exception& e) {
        spdlog::warn("opening the {} modal failed: {}", m.kind, e.what());
    }
}

}  // namespace

void slack_app::start() {
    auto& p = *parts_;
    const auto& cfg = rt_.cfg;
    slack::web_api_options api_options;
    api_options.base_url = cfg.slack_api_url;
    api_options.bot_token = cfg.slack_bot_token;
    p.api = std::make_unique<slack::web_api>(api_options, *rt_.clock);
    p.chat = std::make_unique<slack::slack_chat>(*p.api);
    try {
        p.auth = p.chat->auth_test();
    } catch (const std::exception& e) {
        throw startup_error(std::string("Slack: auth.test failed: ") + e.what() +
                            " (check SLACK_BOT_TOKEN and SLACK_API_URL)");
    }
    spdlog::info("connected to Slack team {} as {}", p.auth.team, p.auth.user_id);

    service::outbox_options outbox;
    outbox.threads = cfg.slack_outbox_threads;
    p.dispatcher =
        std::make_unique<service::outbox_dispatcher>(*rt_.db, *p.chat, *rt_.clock, outbox);
    p.outbox_loop = std::make_unique<service::background_loop>(
        "outbox", [&p] { return p.dispatcher->run_once(); }, 1s, background_nice);
    p.apply = std::make_unique<slack::applier>(*rt_.service, rt_.registry, p.chat.get(),
                                               p.auth.user_id);
    p.apply->on_applied([&p] { p.outbox_loop->notify(); });
    p.worker = std::make_unique<service::inbox_worker>(
        *rt_.db, *rt_.clock, [&p](const store::inbox_item& item) { (*p.apply)(item); });
    p.inbox_loop = std::make_unique<service::background_loop>(
        "inbox", [&p] { return p.worker->run_once(); }, 1s, background_nice);
    p.inbox = std::make_unique<service::inbox_writer>(*rt_.db);
    p.inbox->on_stored([&p] { p.inbox_loop->notify(); });
    p.slack_calls = std::make_unique<store::db_pool>(2, 256);
    p.front_door = std::make_unique<slack::ingress>(
        cfg.slack_signing_secret, *rt_.clock, *p.inbox,
        [this, &p](slack::modal_request m) {
            try {
                p.slack_calls->submit(
                    [this, &p, m] { open_modal(*p.chat, *rt_.service, m); });
            } catch (const std::exception& e) {
                spdlog::warn("cannot open a modal now: {}", e.what());
            }
        });

    if (!cfg.slack_app_token.empty()) {
        slack::socket_mode_options socket_options;
        socket_options.app_token = cfg.slack_app_token;
        p.socket = std::make_unique<slack::socket_mode_client>(
            socket_options, *p.api,
            [&p](const slack::socket_envelope& envelope, slack::ack_fn ack) {
                p.front_door->handle_envelope(envelope, std::move(ack));
            });
        p.socket->on_fatal([](const std::string& code) {
            spdlog::critical("Socket Mode gave up: {} (check SLACK_APP_TOKEN and that Socket "
                             "Mode is enabled for the app)",
                             code);
        });
        p.socket->start();
        spdlog::info("Socket Mode started");
    }
    if (cfg.slack_signing_secret.empty()) return;  // Socket Mode only: no public HTTP needed

    const auto slack_handler = [&p](http::request&& req, http::responder respond) {
        p.front_door->handle_http(std::move(req), std::move(respond));
    };
    for (const char* path : {"/slack/events", "/slack/commands", "/slack/interactions"}) {
        p.routes.add("POST", path, slack_handler);
    }
    p.routes.add("GET", "/healthz", [](http::request&&, http::responder respond) {
        respond(http::text(200, "ok\n"));
    });
    p.routes.add("GET", "/readyz", [this, &p](http::request&&, http::responder respond) {
        // The database check blocks: it runs on a database worker, never on the I/O thread.
        try {
            rt_.db_workers->submit([this, &p, respond] {
                json body{{"slack", p.auth.ok}};
                bool ready = p.auth.ok;
                try {
                    rt_.db->ping();
                    const int have = rt_.db->schema_version();
                    const int want = rt_.db->latest_schema_version();
                    body["database"] = "ok";
                    body["schema"] = std::to_string(have) + "/" + std::to_string(want);
                    ready = ready && have == want;
                } catch (const std::exception& e) {
                    body["database"] = e.what();
                    ready = false;
                }
                body["ready"] = ready;
                respond(http::json(ready ? 200 : 503, body));
            });
        } catch (const std::exception& e) {
            respond(http::text(503, std::string("busy: ") + e.what() + "\n"));
        }
    });
    http::server_options options;
    options.listen = cfg.listen;
    p.server = std::make_unique<http::server>(options, p.routes);
    try {
        p.server->start();
    } catch (const std::exception& e) {
        throw startup_error(std::string("HTTP: ") + e.what());
    }
    spdlog::info("listening on {} (port {}) for Slack events", cfg.listen, p.server->port());
}

void slack_app::stop() {
    auto& p = *parts_;
    // Front doors first (in-flight requests finish and are stored), then the workers.
    if (p.socket) p.socket->stop();
    if (p.server) p.server->stop(5s);
    if (p.inbox) p.inbox->stop();
    // What follows may be sitting in a Slack back-off or pacing wait; end those waits now.
    if (p.api) p.api->cancel();
    if (p.slack_calls) p.slack_calls->stop();
    if (p.inbox_loop) p.inbox_loop->stop();
    if (p.dispatcher) p.dispatcher->cancel();
    if (p.outbox_loop) p.outbox_loop->stop();
}

namespace {
sigset_t stop_signal_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}
}  // namespace

void block_stop_signals() {
    const sigset_t set = stop_signal_set();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int run_slack(runtime& rt) {
    block_stop_signals();  // threads started from here on inherit it
    slack_app app(rt);
    app.start();
    const sigset_t set = stop_signal_set();
    int sig = 0;
    sigwait(&set, &sig);
    spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    app.stop();
    return 0;
}

}  // namespace warroom::app
