// The Socket Mode client against the Slack simulator: hello, envelopes and acks, redelivery,
// disconnect/refresh, abrupt drops, unrecoverable token errors and stop(). Every wait is bounded.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "bot/domain/clock.hpp"
#include "bot/slack/inbound.hpp"
#include "bot/slack/socket_mode.hpp"
#include "bot/slack/web_api.hpp"
#include "tests/slack_sim/simulator.hpp"

namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using warroom::slack::envelope_type;
using warroom::slack::socket_envelope;
using warroom::slack::socket_mode_client;
using warroom::slack::socket_mode_options;
using warroom::slack_sim::sim_options;
using warroom::slack_sim::simulator;

// Polls `pred` until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred())
            return true;
        std::this_thread::sleep_for(10ms);
    }
    return pred();
}

sim_options fast_sim() {
    sim_options o;
    o.enforce_rate_limits = false;
    o.retry_scale = 0.001;  // Slack's +1 min / +5 min retries become 60 / 300 ms
    o.disconnect_grace = 1000ms;
    return o;
}

socket_mode_options fast_client(std::string app_token = "xapp-sim") {
    socket_mode_options o;
    o.app_token = std::move(app_token);
    o.connect_timeout = 5s;
    o.backoff_base = 50ms;
    o.backoff_cap = 500ms;
    return o;
}

// What the bot's handler saw; it acks according to `policy` (nullopt: leave unacked).
class recorder {
  public:
    using policy_fn =
        std::function<std::optional<std::optional<json>>(const socket_envelope&, int index)>;

    explicit recorder(policy_fn policy = {}) : policy_(std::move(policy)) {}

    void operator()(const socket_envelope& env, warroom::slack::ack_fn ack) {
        std::lock_guard lock(mutex_);
        const int index = static_cast<int>(seen_.size());
        seen_.push_back(env);
        acks_.push_back(ack);
        std::optional<std::optional<json>> decision;
        if (policy_) {
            decision = policy_(env, index);
        } else {
            decision = std::optional<json>{};  // bare ack
        }
        if (decision)
            ack(*decision);
    }

    std::vector<socket_envelope> seen() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    warroom::slack::ack_fn ack_of(std::size_t i) const {
        std::lock_guard lock(mutex_);
        return acks_.at(i);
    }
    std::size_t count() const {
        std::lock_guard lock(mutex_);
        return seen_.size();
    }

  private:
    mutable std::mutex mutex_;
    policy_fn policy_;
    std::vector<socket_envelope> seen_;
    std::vector<warroom::slack::ack_fn> acks_;
};

struct fixture {
    explicit fixture(sim_options o = fast_sim()) : sim(std::move(o)) {
        sim.start();
        warroom::slack::web_api_options w;
        w.base_url = sim.api_url();
        w.bot_token = "xoxb-sim";
        w.pacing = false;  // the simulator's limits are off; reconnects must not wait a minute
        w.timeout = 2s;
        w.max_retries = 2;
        w.backoff_base = 10ms;
        w.backoff_cap = 50ms;
        api = std::make_unique<warroom::slack::web_api>(w, clock);
    }

    std::size_t opens() const { return sim.calls("apps.connections.open").size(); }

    simulator sim;
    warroom::domain::system_clock clock;
    std::unique_ptr<warroom::slack::web_api> api;
};

// A scripted Slack for what the simulator cannot do: send garbage frames, or go silent (no
// pongs) while keeping TCP open. It answers apps.connections.open with its own ws:// URL.
class fake_slack {
  public:
    struct script {
        std::vector<std::pair<bool, std::string>> before_hello;  // (binary?, bytes)
        bool silent_after_hello = false;  // never read again: pings go unanswered
    };

    explicit fake_slack(script sc) : script_(std::move(sc)) {
        acceptor_.open(tcp::v4());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        boost::asio::co_spawn(ioc_, accept_loop(), boost::asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~fake_slack() {
        ioc_.stop();
        thread_.join();
    }

    std::string api_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/"; }
    int opens() const { return opens_; }
    int links() const { return links_; }
    std::vector<std::string> received() const {
        std::lock_guard lock(mutex_);
        return received_;
    }

  private:
    using tcp = boost::asio::ip::tcp;
    template <class T>
    using awaitable = boost::asio::awaitable<T>;

    awaitable<void> accept_loop() {
        for (;;) {
            boost::system::error_code ec;
            auto socket = co_await acceptor_.async_accept(
                boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec)
                co_return;
            boost::asio::co_spawn(ioc_, serve(std::move(socket)), boost::asio::detached);
        }
    }

    awaitable<void> serve(tcp::socket socket) {
        namespace beast = boost::beast;
        namespace http = beast::http;
        namespace websocket = beast::websocket;
        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            boost::system::error_code ec;
            co_await http::async_read(stream, buffer, req,
                                      boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec)
                co_return;
            if (websocket::is_upgrade(req)) {
                co_await serve_ws(websocket::stream<beast::tcp_stream>(std::move(stream)), req);
                co_return;
            }
            ++opens_;
            http::response<http::string_body> res{http::status::ok, req.version()};
            res.set(http::field::content_type, "application/json");
            res.body() = json{{"ok", true},
                              {"url", "ws://127.0.0.1:" + std::to_string(port_) +
                                          "/link/?ticket=secret-ticket"}}
                             .dump();
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            co_await http::async_write(stream, res,
                                       boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec || !req.keep_alive())
                co_return;
        }
    }

    awaitable<void> serve_ws(
        boost::beast::websocket::stream<boost::beast::tcp_stream> ws,
        const boost::beast::http::request<boost::beast::http::string_body>& req) {
        namespace beast = boost::beast;
        boost::system::error_code ec;
        co_await ws.async_accept(req, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (ec)
            co_return;
        ++links_;
        for (const auto& [binary, bytes] : script_.before_hello) {
            ws.binary(binary);
            co_await ws.async_write(boost::asio::buffer(bytes),
                                    boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        }
        ws.text(true);
        const std::string hello = R"({"type":"hello","num_connections":1})";
        co_await ws.async_write(boost::asio::buffer(hello),
                                boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        const std::string envelope =
            R"({"envelope_id":"env-1","type":"events_api","accepts_response_payload":false,)"
            R"("retry_attempt":0,"retry_reason":"","payload":{"type":"event_callback",)"
            R"("event_id":"Ev1","team_id":"T1","api_app_id":"A1","event":{"type":"message"}}})";
        co_await ws.async_write(boost::asio::buffer(envelope),
                                boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (script_.silent_after_hello) {
            // Hold the link open without reading: the client's pings are never answered.
            boost::asio::steady_timer forever(ioc_, std::chrono::hours(1));
            co_await forever.async_wait(
                boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            co_return;
        }
        beast::flat_buffer buffer;
        for (;;) {
            co_await ws.async_read(buffer,
                                   boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec)
                co_return;
            std::lock_guard lock(mutex_);
            received_.push_back(beast::buffers_to_string(buffer.data()));
            buffer.consume(buffer.size());
        }
    }

    script script_;
    boost::asio::io_context ioc_;
    tcp::acceptor acceptor_{ioc_};
    unsigned short port_ = 0;
    std::thread thread_;
    std::atomic<int> opens_{0};
    std::atomic<int> links_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> received_;
};

// Captures what the process writes to stdout (spdlog's default sink) while it lives.
class stdout_capture {
  public:
    stdout_capture() : file_(std::tmpfile()) {
        std::fflush(stdout);
        saved_ = ::dup(1);
        ::dup2(::fileno(file_), 1);
    }
    ~stdout_capture() {
        if (saved_ >= 0)
            finish();
        std::fclose(file_);
    }
    std::string finish() {
        std::fflush(stdout);
        ::dup2(saved_, 1);
        ::close(saved_);
        saved_ = -1;
        std::string out;
        std::rewind(file_);
        char chunk[4096];
        std::size_t n = 0;
        while ((n = std::fread(chunk, 1, sizeof chunk, file_)) > 0)
            out.append(chunk, n);
        std::fwrite(out.data(), 1, out.size(), stdout);  // still visible in the test log
        return out;
    }

  private:
    std::FILE* file_;
    int saved_ = -1;
};

std::unique_ptr<warroom::slack::web_api> api_for(const std::string& base_url,
                                                 const warroom::domain::clock& clock) {
    warroom::slack::web_api_options w;
    w.base_url = base_url;
    w.bot_token = "xoxb-fake";
    w.pacing = false;
    w.timeout = 2s;
    w.max_retries = 1;
    return std::make_unique<warroom::slack::web_api>(w, clock);
}

}  // namespace

TEST_CASE("Socket Mode connects, is ready after hello, and stops cleanly", "[socket_mode]") {
    fixture f;
    recorder bot;
    socket_mode_client client(fast_client(), *f.api, std::ref(bot));
    CHECK_FALSE(client.connected());
    client.start();
    client.start();  // a second start does nothing
    REQUIRE(f.sim.wait_for_socket_connections(1, 5s));
    REQUIRE(eventually([&] { return client.connected(); }));
    CHECK(client.connections_made() == 1);
    CHECK(f.opens() == 1);

    const auto before = std::chrono::steady_clock::now();
    client.stop();
    const auto took = std::chrono::steady_clock::now() - before;
    CHECK(took < 3s);  // a close handshake on loopback, not a timeout
    CHECK_FALSE(client.connected());
    CHECK(eventually([&] { return f.sim.socket_connection_count() == 0; }, 3s));
    client.stop();  // twice is fine
    CHECK(client.connections_made() == 1);
}

TEST_CASE("Socket Mode: a slash command reaches the handler; the ack carries the response",
          "[socket_mode]") {
    fixture f;
    recorder bot([](const socket_envelope& env, int) -> std::optional<std::optional<json>> {
        // The same answer for every envelope; only those that accept a payload carry it.
        (void)env;
        return std::optional<json>(json{{"response_type", "ephemeral"}, {"text", "pong"}});
    });
    socket_mode_client client(fast_client(), *f.api, std::ref(bot));
    client.start();
    REQUIRE(f.sim.wait_for_socket_connections(1, 5s));
    REQUIRE(eventually([&] { return client.connected(); }));

    const auto r = f.sim.slash_command("alice", "C_GENERAL", "/incident", "help");
    CHECK(r.delivered);
    CHECK(r.transport == "socket");
    CHECK(r.attempts == 1);
    REQUIRE(r.response.is_object());
    CHECK(r.response.value("text", "") == "pong");
    CHECK(r.response.value("response_type", "") == "ephemeral");

    const auto seen = bot.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].type == envelope_type::slash_commands);
    CHECK(seen[0].envelope_id == r.envelope_id);
    CHECK(seen[0].accepts_response_payload);
    const auto cmd = warroom::slack::slash_command_from_json(seen[0].payload);
    CHECK(cmd.command == "/incident");
    CHECK(cmd.text == "help");

    // An events_api envelope takes a bare ack; a payload offered for it is not sent (§5.3).
    const auto m = f.sim.post_message("alice", "C_GENERAL", "hello from the socket");
    CHECK(m.delivered);
    CHECK(m.response.is_null());
}

TEST_CASE("Socket Mode: acks may come from another thread, later; a second ack is ignored",
          "[socket_mode]") {
    fixture f;
    recorder bot([](const socket_envelope&, int) -> std::optional<std::optional<json>> {
        return std::nullopt;  // the test acks
    });
    socket_mode_client client(fast_client(), *f.api, std::ref(bot));
    client.start();
    REQUIRE(eventually([&] { return client.connected(); }));

    auto delivery = std::async(std::launch::async, [&] {
        return f.sim.slash_command("alice", "C_GENERAL", "/incident", "list");
    });
    REQUIRE(eventually([&] { return bot.count() == 1; }));
    std::thread acker([ack = bot.ack_of(0)] {
        ack(json{{"text", "first"}});
        ack(json{{"text", "second"}});
    });
    acker.join();
    REQUIRE(delivery.wait_for(5s) == std::future_status::ready);
    const auto r = delivery.get();
    CHECK(r.delivered);
    CHECK(r.response.value("text", "") == "first");
}

TEST_CASE("Socket Mode: an envelope left unacked is redelivered with retry_attempt 1",
          "[socket_mode]") {
    auto o = fast_sim();
    o.ack_timeout = 300ms;
    fixture f(o);
    recorder bot([](const socket_envelope& env, int) -> std::optional<std::optional<json>> {
        if (env.retry_attempt == 0)
            return std::nullopt;  // "crash" before the inbox insert
        return std::optional<json>{};
    });
    socket_mode_client client(fast_client(), *f.api, std::ref(bot));
    client.start();
    REQUIRE(eventually([&] { return client.connected(); }));

    const auto r = f.sim.post_message("alice", "C_GENERAL", "please retry");
    CHECK(r.delivered);
    CHECK(r.attempts == 2);
    const auto seen = bot.seen();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].type == envelope_type::events_api);
    CHECK(seen[0].retry_attempt == 0);
    CHECK(seen[1].retry_attempt == 1);
    CHECK(seen[1].retry_reason == "timeout");
    CHECK(seen[0].envelope_id == seen[1].envelope_id);
    // The inbox's dedup key is the same on both.
    CHECK(warroom::slack::idempotency_key(seen[0]) == warroom::slack::idempotency_key(seen[1]));
    CHECK(client.connections_made() == 1);
}

TEST_CASE("Socket Mode: disconnect refresh_requested closes the old link, then reconnects",
          "[socket_mode]") {
    fixture f;
    recorder bot;
    socket_mode_client client(fast_client(), *f.api, std::ref(bot));
    client.start();
    REQUIRE(eventually([&] { return client.connected(); }));
    REQUIRE(f.sim.slash_command("alice", "C_GENERAL", "/incident", "list").delivered);

    f.sim.socket_disconnect("refresh_requested");
    REQUIRE(eventually([&] { return client.connections_made() == 2 && client.connected(); }));
    CHECK(f.opens() == 2);  // a fresh single-use URL
    // The old link was closed by the client before (or as) the new one opened, well before the
    // simulator's grace period would have cut it.
    CHECK(eventually([&] { return f.sim.socket_connection_count() == 1; }, 900ms));

    const auto r = f.sim.slash_command("alice", "C_GENERAL", "/incident", "status");
    CHECK(r.delivered);
    CHECK(r.attempts == 1);
    CHECK(bot.count() == 2);
}

TEST_CASE("Socket Mode: link_disabled and other reasons also reconnect (with backoff)",
          "[socket_mode]") {
    fixture f;
    recorder bot;
    socket_mode_client client(fast_client(), *f.api, std::ref(bot));
    client.start();
    REQUIRE(eventually([&] { return client.connected(); }));

    f.sim.socket_disconnect("link_disabled");
    REQUIRE(eventually([&] { return client.connections_made() == 2 && client.connected(); }));
    f.sim.socket_disconnect("something_new");
    REQUIRE(eventually([&] { return client.connections_made() == 3 && client.connected(); }));
    CHECK(f.sim.slash_command("alice", "C_GENERAL", "/incident", "list").delivered);
}

TEST_CASE("Socket Mode: an abrupt drop reconnects with backoff and loses nothing acked",
          "[socket_mode]") {
    auto o = fast_sim();
    o.ack_timeout = 500ms;
    fixture f(o);
    recorder bot;
    socket_mode_client client(fast_client(), *f.api, std::ref(bot));
    client.start();
    REQUIRE(eventually([&] { return client.connected(); }));

    SECTION("socket_drop_all") {
        REQUIRE(f.sim.slash_command("alice", "C_GENERAL", "/incident", "list").delivered);
        f.sim.socket_drop_all();
        REQUIRE(eventually([&] { return client.connections_made() == 2 && client.connected(); }));
        CHECK(f.sim.slash_command("alice", "C_GENERAL", "/incident", "list").delivered);
        CHECK(f.opens() == 2);
    }
    SECTION("drop mid-stream") {
        // Six events in a row; the link dies when the third frame after this would go out.
        f.sim.drop_socket_mode_after(2);
        std::vector<std::string> event_ids;
        for (int i = 0; i < 6; ++i) {
            const auto r = f.sim.post_message("alice", "C_GENERAL", "event " + std::to_string(i));
            CHECK(r.delivered);
            event_ids.push_back(r.event_id);
        }
        CHECK(client.connections_made() >= 2);
        // Every event reached the handler at least once, and each ack the simulator recorded
        // belongs to an envelope the handler saw: nothing acknowledged went missing.
        std::set<std::string> seen_events;
        for (const auto& env : bot.seen()) {
            const auto ev = warroom::slack::events_request_from_json(env.payload);
            if (const auto* cb = std::get_if<warroom::slack::event_callback>(&ev))
                seen_events.insert(cb->event_id);
        }
        for (const auto& id : event_ids)
            CHECK(seen_events.count(id) == 1);
    }
}

TEST_CASE("Socket Mode: an ack whose link died is dropped; the redelivery is acked",
          "[socket_mode]") {
    auto o = fast_sim();
    o.ack_timeout = 500ms;
    fixture f(o);
    recorder bot([](const socket_envelope& env, int) -> std::optional<std::optional<json>> {
        if (env.retry_attempt == 0)
            return std::nullopt;
        return std::optional<json>{};
    });
    socket_mode_client client(fast_client(), *f.api, std::ref(bot));
    client.start();
    REQUIRE(eventually([&] { return client.connected(); }));

    auto delivery = std::async(std::launch::async,
                               [&] { return f.sim.post_message("alice", "C_GENERAL", "late"); });
    REQUIRE(eventually([&] { return bot.count() == 1; }));
    f.sim.socket_drop_all();
    REQUIRE(eventually([&] { return client.connections_made() == 2 && client.connected(); }));
    bot.ack_of(0)(std::nullopt);  // the old link is gone: dropped, no crash
    REQUIRE(delivery.wait_for(10s) == std::future_status::ready);
    const auto r = delivery.get();
    CHECK(r.delivered);
    CHECK(r.attempts == 2);
    CHECK(bot.count() == 2);
}

TEST_CASE("Socket Mode: an invalid app token is fatal, with no reconnect storm", "[socket_mode]") {
    fixture f;
    recorder bot;
    socket_mode_client client(fast_client("xapp-not-the-right-one"), *f.api, std::ref(bot));
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::string> codes;
    client.on_fatal([&](std::string code) {
        std::lock_guard lock(m);
        codes.push_back(std::move(code));
        cv.notify_all();
    });
    client.start();
    {
        std::unique_lock lock(m);
        REQUIRE(cv.wait_for(lock, 5s, [&] { return !codes.empty(); }));
    }
    std::this_thread::sleep_for(300ms);  // 6 backoff periods: a storm would show
    {
        std::lock_guard lock(m);
        REQUIRE(codes.size() == 1);
        CHECK(codes[0] == "invalid_auth");
    }
    CHECK(f.opens() == 1);
    CHECK_FALSE(client.connected());
    CHECK(client.connections_made() == 0);
    client.stop();
}

TEST_CASE("Socket Mode: stop() during backoff and before start returns promptly", "[socket_mode]") {
    SECTION("never started") {
        fixture f;
        recorder bot;
        socket_mode_client client(fast_client(), *f.api, std::ref(bot));
        client.stop();
        client.start();  // after stop: does nothing
        CHECK_FALSE(client.connected());
        CHECK(f.opens() == 0);
    }
    SECTION("while waiting to reconnect") {
        fixture f;
        recorder bot;
        auto opts = fast_client();
        opts.backoff_base = 10s;  // the wait is long; stop() must cut it short
        opts.backoff_cap = 10s;
        socket_mode_client client(opts, *f.api, std::ref(bot));
        client.start();
        REQUIRE(eventually([&] { return client.connected(); }));
        f.sim.fail_next("apps.connections.open", 100, 500);
        f.sim.socket_drop_all();
        REQUIRE(eventually([&] { return !client.connected(); }));
        const auto before = std::chrono::steady_clock::now();
        client.stop();
        CHECK(std::chrono::steady_clock::now() - before < 5s);
    }
    SECTION("the destructor stops a connected client") {
        fixture f;
        recorder bot;
        {
            socket_mode_client client(fast_client(), *f.api, std::ref(bot));
            client.start();
            REQUIRE(eventually([&] { return client.connected(); }));
        }
        CHECK(eventually([&] { return f.sim.socket_connection_count() == 0; }, 3s));
    }
}

TEST_CASE("Socket Mode ignores binary, malformed and unknown frames and keeps the link",
          "[socket_mode]") {
    fake_slack::script sc;
    sc.before_hello = {{true, std::string("\x01\x02\x03", 3)},
                       {false, "this is not JSON"},
                       {false, R"({"type":"brand_new_kind","x":1})"},
                       {false, "[1,2,3]"},
                       {false, R"({"envelope_id":"env-0","type":"events_api"})"}};
    fake_slack slack(sc);
    warroom::domain::system_clock clock;
    auto api = api_for(slack.api_url(), clock);
    recorder bot;
    socket_mode_client client(fast_client(), *api, std::ref(bot));
    client.start();
    REQUIRE(eventually([&] { return client.connected(); }));
    REQUIRE(eventually([&] { return !slack.received().empty(); }));
    const auto seen = bot.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].envelope_id == "env-1");
    CHECK(slack.received() == std::vector<std::string>{R"({"envelope_id":"env-1"})"});
    CHECK(client.connections_made() == 1);
    CHECK(slack.links() == 1);
    client.stop();
}

TEST_CASE("Socket Mode reconnects when pings go unanswered", "[socket_mode]") {
    fake_slack::script sc;
    sc.silent_after_hello = true;
    fake_slack slack(sc);
    warroom::domain::system_clock clock;
    auto api = api_for(slack.api_url(), clock);
    recorder bot;
    auto opts = fast_client();
    opts.ping_interval = 1s;
    opts.pong_timeout = 1s;
    socket_mode_client client(opts, *api, std::ref(bot));
    client.start();
    REQUIRE(eventually([&] { return client.connections_made() == 1; }));
    // Ping at ~1 s, no pong by ~2 s: the link is given up and a new one opened.
    CHECK(eventually([&] { return client.connections_made() >= 2; }, 8s));
    CHECK(slack.opens() >= 2);
    client.stop();
}

TEST_CASE("Socket Mode never logs the app token or the URL's ticket", "[socket_mode]") {
    fake_slack::script sc;
    sc.before_hello = {{false, "garbage"}};
    fake_slack slack(sc);
    warroom::domain::system_clock clock;
    auto api = api_for(slack.api_url(), clock);
    recorder bot;
    std::string log;
    bool connected = false;
    {
        stdout_capture capture;  // no assertions inside: Catch prints to stdout too
        socket_mode_client client(fast_client("xapp-1-very-secret-token"), *api, std::ref(bot));
        client.start();
        connected = eventually([&] { return client.connected(); });
        client.stop();
        log = capture.finish();
    }
    REQUIRE(connected);
    CHECK(log.find("connecting to ws://127.0.0.1") != std::string::npos);
    CHECK(log.find("secret-ticket") == std::string::npos);
    CHECK(log.find("ticket=") == std::string::npos);
    CHECK(log.find("very-secret-token") == std::string::npos);

    // The fatal path names the error code, not the token.
    fixture f;
    {
        stdout_capture capture;
        socket_mode_client client(fast_client("xapp-2-very-secret-token"), *f.api, std::ref(bot));
        std::atomic<bool> fatal{false};
        client.on_fatal([&](std::string) { fatal = true; });
        client.start();
        connected = eventually([&] { return fatal.load(); });
        client.stop();
        log = capture.finish();
    }
    REQUIRE(connected);
    CHECK(log.find("invalid_auth") != std::string::npos);
    CHECK(log.find("very-secret-token") == std::string::npos);
}
