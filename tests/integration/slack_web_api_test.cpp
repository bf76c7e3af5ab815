// The outbound Slack side (http_client, web_api, slack_chat) against a tiny in-process fake of
// the Web API: a Beast server on 127.0.0.1 whose answers are lambdas per method, recording every
// request. Sleeps are injected and advance a manual clock, so no test waits for real back-off.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/chat/chat_platform.hpp"
#include "bot/domain/clock.hpp"
#include "bot/slack/http_client.hpp"
#include "bot/slack/slack_chat.hpp"
#include "bot/slack/web_api.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using namespace std::chrono_literals;
using namespace warroom;

constexpr const char* test_token = "xoxb-test-token-0123456789";

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

json parse_form(std::string_view body) {
    json out = json::object();
    while (!body.empty()) {
        const auto amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        const auto eq = pair.find('=');
        out[percent_decode(pair.substr(0, eq))] =
            eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
        if (amp == std::string_view::npos)
            break;
        body.remove_prefix(amp + 1);
    }
    return out;
}

struct recorded {
    std::string target;  // "/api/chat.postMessage"
    std::string method;  // "chat.postMessage"; the full path for non-API targets
    std::map<std::string, std::string> headers;  // lower-cased names
    std::string content_type;
    std::string body;
    json args;  // the JSON body, or the form fields as strings
};

struct reply {
    int status = 200;
    std::string body = R"({"ok":true})";
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds delay{0};
};

reply ok(json fields = json::object()) {
    fields["ok"] = true;
    return {200, fields.dump(), {}, 0ms};
}

reply slack_error(const std::string& code) {
    return {200, json{{"ok", false}, {"error", code}}.dump(), {}, 0ms};
}

class fake_slack {
  public:
    using handler = std::function<reply(const recorded&)>;

    fake_slack() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        accept_thread_ = std::thread([this] { accept_loop(); });
    }

    ~fake_slack() {
        stopping_ = true;
        {
            // Wake the blocking accept with a connection of our own.
            boost::system::error_code ec;
            asio::io_context wake_ioc;
            tcp::socket wake(wake_ioc);
            wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
        }
        accept_thread_.join();
        std::vector<std::thread> threads;
        {
            std::lock_guard lock(mutex_);
            // shutdown() wakes a thread blocked reading the socket.
            for (const auto& s : sockets_)
                ::shutdown(s->native_handle(), SHUT_RDWR);
            threads.swap(threads_);
        }
        for (auto& t : threads)
            t.join();
    }

    void on(const std::string& method, handler h) {
        std::lock_guard lock(mutex_);
        handlers_[method] = std::move(h);
    }

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/"; }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    unsigned short port() const { return port_; }

    std::vector<recorded> requests(const std::string& method = {}) const {
        std::lock_guard lock(mutex_);
        std::vector<recorded> out;
        for (const auto& r : requests_) {
            if (method.empty() || r.method == method)
                out.push_back(r);
        }
        return out;
    }
    int connections() const { return connections_.load(); }

  private:
    void accept_loop() {
        for (;;) {
            auto socket = std::make_shared<tcp::socket>(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(*socket, ec);
            if (stopping_)
                return;
            if (ec)
                continue;
            ++connections_;
            std::lock_guard lock(mutex_);
            sockets_.push_back(socket);
            threads_.emplace_back([this, socket] { serve(*socket); });
        }
    }

    void serve(tcp::socket& socket) {
        // Hang up when done so the client sees the end (the fd is closed by the destructor).
        struct hang_up {
            tcp::socket& s;
            ~hang_up() { ::shutdown(s.native_handle(), SHUT_RDWR); }
        } guard{socket};
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            boost::system::error_code ec;
            http::read(socket, buffer, req, ec);
            if (ec)
                return;

            recorded rec;
            rec.target = std::string(req.target());
            rec.method = rec.target.starts_with("/api/") ? rec.target.substr(5) : rec.target;
            for (const auto& field : req) {
                std::string name(field.name_string());
                for (auto& ch : name)
                    ch = static_cast<char>(std::tolower(ch));
                rec.headers[name] = std::string(field.value());
            }
            rec.content_type = rec.headers["content-type"];
            rec.body = req.body();
            if (rec.content_type.starts_with("application/json")) {
                rec.args = json::parse(rec.body, nullptr, false);
            } else if (rec.content_type.starts_with("application/x-www-form-urlencoded")) {
                rec.args = parse_form(rec.body);
            }

            handler h;
            {
                std::lock_guard lock(mutex_);
                requests_.push_back(rec);
                if (const auto it = handlers_.find(rec.method); it != handlers_.end()) {
                    h = it->second;
                }
            }
            const reply r = h ? h(rec) : slack_error("unknown_method");
            if (r.delay > 0ms)
                std::this_thread::sleep_for(r.delay);

            http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
            res.set(http::field::content_type, "application/json; charset=utf-8");
            for (const auto& [name, value] : r.headers)
                res.set(name, value);
            res.body() = r.body;
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            http::write(socket, res, ec);
            if (ec || !req.keep_alive())
                return;
        }
    }

    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0};
    std::thread accept_thread_;
    mutable std::mutex mutex_;
    std::map<std::string, handler> handlers_;
    std::vector<recorded> requests_;
    std::vector<std::shared_ptr<tcp::socket>> sockets_;
    std::vector<std::thread> threads_;
};

const domain::time_point t0 = domain::parse_iso8601("2024-01-15T14:00:00Z");

// A web_api on the fake server whose sleeps are recorded and move a manual clock.
struct harness {
    explicit harness(std::function<void(slack::web_api_options&)> tweak = {},
                     std::string base_url = {}) {
        slack::web_api_options options;
        options.base_url = base_url.empty() ? server.base_url() : base_url;
        options.bot_token = test_token;
        options.timeout = 5s;
        options.max_retries = 3;
        options.pacing = false;  // pacing has its own test; here sleeps are only back-off
        if (tweak)
            tweak(options);
        api = std::make_unique<slack::web_api>(options, clock);
        api->seed_jitter(42);
        api->set_sleep([this](std::chrono::milliseconds d) {
            std::lock_guard lock(sleeps_mutex);
            sleeps.push_back(d);
            clock.advance(d);
        });
        chat = std::make_unique<slack::slack_chat>(*api);
    }

    std::vector<std::chrono::milliseconds> recorded_sleeps() {
        std::lock_guard lock(sleeps_mutex);
        return sleeps;
    }

    fake_slack server;
    domain::manual_clock clock{t0};
    std::mutex sleeps_mutex;
    std::vector<std::chrono::milliseconds> sleeps;
    std::unique_ptr<slack::web_api> api;
    std::unique_ptr<slack::slack_chat> chat;
};

json channel_page(std::vector<std::pair<std::string, std::string>> channels,
                  const std::string& cursor) {
    json list = json::array();
    for (const auto& [id, name] : channels)
        list.push_back({{"id", id}, {"name", name}});
    return {{"channels", list}, {"response_metadata", {{"next_cursor", cursor}}}};
}

}  // namespace

TEST_CASE("Every Web API call sends the bot token as a Bearer header and nowhere else",
          "[slack][web_api]") {
    harness h;
    h.server.on("chat.postMessage", [](const recorded&) { return ok({{"ts", "1.000100"}}); });
    h.server.on("users.info", [](const recorded&) { return ok({{"user", {{"id", "U1"}}}}); });

    h.api->call("chat.postMessage", {{"channel", "C1"}, {"text", "hi"}});
    h.api->call("users.info", {{"user", "U1"}});

    const auto reqs = h.server.requests();
    REQUIRE(reqs.size() == 2);
    for (const auto& r : reqs) {
        CHECK(r.headers.at("authorization") == std::string("Bearer ") + test_token);
        CHECK(r.body.find(test_token) == std::string::npos);
        CHECK(r.target.find('?') == std::string::npos);
    }
}

TEST_CASE("Write methods go as JSON with a charset and readers as forms without one",
          "[slack][web_api]") {
    harness h;
    h.server.on("chat.postMessage", [](const recorded&) { return ok({{"ts", "1.0"}}); });
    h.server.on("users.info", [](const recorded&) { return ok({{"user", {{"id", "U1"}}}}); });
    h.server.on("usergroups.users.list", [](const recorded&) {
        return ok({{"users", {"U1", "W2"}}});
    });

    const json blocks =
        json::array({{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", "*SEV2*"}}}}});
    h.api->call("chat.postMessage", {{"channel", "C1"}, {"text", "a & b"}, {"blocks", blocks}});
    h.api->call("users.info", {{"user", "U1"}});
    CHECK(h.chat->usergroup_members("S123") == std::vector<std::string>{"U1", "W2"});

    const auto post = h.server.requests("chat.postMessage").at(0);
    CHECK(post.content_type == "application/json; charset=utf-8");
    CHECK(post.args["text"] == "a & b");
    CHECK(post.args["blocks"] == blocks);  // a real array, not a string, in JSON bodies

    const auto info = h.server.requests("users.info").at(0);
    CHECK(info.content_type == "application/x-www-form-urlencoded");
    CHECK(info.args == json{{"user", "U1"}});

    const auto group = h.server.requests("usergroups.users.list").at(0);
    CHECK(group.content_type == "application/x-www-form-urlencoded");
    CHECK(group.args == json{{"usergroup", "S123"}});

    CHECK(slack::lookup_method("users.info").encoding == slack::body_encoding::form);
    CHECK(slack::lookup_method("conversations.create").encoding == slack::body_encoding::json);
    CHECK(slack::lookup_method("files.getUploadURLExternal").encoding ==
          slack::body_encoding::form);
}

TEST_CASE("Form encoding percent-encodes values and sends nested values as JSON strings",
          "[slack][web_api]") {
    const std::string body = slack::form_encode({{"cursor", "dXNlcjpVMEc5V0ZYTlo="},
                                                 {"limit", 200},
                                                 {"exclude_archived", true},
                                                 {"files", json::array({{{"id", "F1"}}})},
                                                 {"skipped", nullptr}});
    CHECK(body.find("cursor=dXNlcjpVMEc5V0ZYTlo%3D") != std::string::npos);
    CHECK(body.find("limit=200") != std::string::npos);
    CHECK(body.find("exclude_archived=true") != std::string::npos);
    CHECK(body.find("files=%5B%7B%22id%22%3A%22F1%22%7D%5D") != std::string::npos);
    CHECK(body.find("skipped") == std::string::npos);
}

TEST_CASE("ok:false becomes a typed error carrying Slack's code and scopes", "[slack][web_api]") {
    harness h;
    h.server.on("conversations.create", [](const recorded&) {
        return reply{200,
                     json{{"ok", false},
                          {"error", "missing_scope"},
                          {"needed", "channels:manage"},
                          {"provided", "chat:write"}}
                         .dump(),
                     {},
                     0ms};
    });
    h.server.on("auth.test", [](const recorded&) { return slack_error("invalid_auth"); });
    h.server.on("pins.add", [](const recorded&) { return slack_error("internal_error"); });

    try {
        h.api->call("conversations.create", {{"name", "incident-1"}});
        FAIL("expected slack_api_error");
    } catch (const slack::slack_api_error& e) {
        CHECK(e.code() == "missing_scope");
        CHECK(e.needed() == "channels:manage");
        CHECK(e.provided() == "chat:write");
        CHECK_FALSE(e.retryable());
        CHECK(std::string(e.what()).find("channels:manage") != std::string::npos);
        CHECK(std::string(e.what()).find(test_token) == std::string::npos);
    }
    try {
        h.api->call("auth.test", json::object());
        FAIL("expected slack_api_error");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "invalid_auth");
        CHECK_FALSE(e.retryable());
    }
    try {
        h.api->call("pins.add", {{"channel", "C1"}, {"timestamp", "1.0"}});
        FAIL("expected slack_api_error");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "internal_error");
        CHECK(e.retryable());  // for the caller to retry later; never resent by the client
    }
    CHECK(h.server.requests("pins.add").size() == 1);
    CHECK(h.recorded_sleeps().empty());
}

TEST_CASE("HTTP 429 waits the Retry-After seconds and then succeeds", "[slack][web_api]") {
    harness h;
    std::atomic<int> calls{0};
    h.server.on("chat.update", [&](const recorded&) {
        if (calls++ == 0) {
            return reply{429, R"({"ok":false,"error":"ratelimited"})", {{"Retry-After", "3"}}, 0ms};
        }
        return ok({{"ts", "1.0"}});
    });

    h.api->call("chat.update", {{"channel", "C1"}, {"ts", "1.0"}, {"text", "x"}});

    CHECK(h.server.requests("chat.update").size() == 2);
    CHECK(h.recorded_sleeps() == std::vector<std::chrono::milliseconds>{3000ms});
}

TEST_CASE("A Retry-After beyond the maximum wait fails fast with the hint for the caller",
          "[slack][web_api]") {
    harness h([](slack::web_api_options& o) { o.max_retry_after = 10s; });
    h.server.on("chat.update", [](const recorded&) {
        return reply{429, R"({"ok":false,"error":"ratelimited"})", {{"Retry-After", "120"}}, 0ms};
    });
    try {
        h.api->call("chat.update", {{"channel", "C1"}, {"ts", "1.0"}, {"text", "x"}});
        FAIL("expected slack_api_error");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "ratelimited");
        CHECK(e.retryable());
        CHECK(e.retry_after_s() == 120);
    }
    CHECK(h.server.requests("chat.update").size() == 1);
    CHECK(h.recorded_sleeps().empty());
}

TEST_CASE("Cancelling the client ends a long back-off at once and refuses further calls",
          "[slack][web_api]") {
    harness h([](slack::web_api_options& o) {
        o.backoff_base = std::chrono::minutes(10);  // a wait no test could sit out
        o.backoff_cap = std::chrono::minutes(10);
    });
    h.api->set_sleep({});  // the real, cancellable wait
    h.server.on("conversations.setTopic", [&](const recorded&) {
        return reply{503, "upstream down", {}, 0ms};
    });

    std::string code;
    std::thread caller([&] {
        try {
            h.chat->set_topic("C123ABC", "SEV2: checkout down");
        } catch (const chat::chat_error& e) {
            code = e.code();
        }
    });
    while (h.server.requests("conversations.setTopic").empty())
        std::this_thread::sleep_for(5ms);
    h.api->cancel();  // as slack_app::stop does on SIGTERM
    caller.join();

    CHECK(code == "cancelled");
    CHECK(h.server.requests("conversations.setTopic").size() == 1);
    try {
        h.chat->set_topic("C123ABC", "again");
        FAIL("a call after cancel() must fail");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "cancelled");
        CHECK(e.retryable());  // the outbox keeps the message for the next start
    }
    CHECK(h.server.requests("conversations.setTopic").size() == 1);
}

TEST_CASE("A reply during shutdown stays in the outbox instead of falling back to an ephemeral",
          "[slack][web_api]") {
    harness h;
    h.api->cancel();
    const json target{{"channel", "C123ABC"},
                      {"user", "U123ABC"},
                      {"response_url", h.server.base_url() + "/hooks/T1/B1/x"}};
    try {
        h.chat->reply(target, "Declared INC-20261129-0001");
        FAIL("a reply after cancel() must fail");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "cancelled");
        CHECK(e.retryable());
    }
    CHECK(h.server.requests().empty());
}

TEST_CASE("A burst of 5xx is retried with exponential back-off and then succeeds",
          "[slack][web_api]") {
    harness h;
    std::atomic<int> calls{0};
    h.server.on("conversations.setTopic", [&](const recorded&) {
        const int n = calls++;
        if (n < 3)
            return reply{n == 1 ? 502 : 503, "upstream down", {}, 0ms};
        return ok();
    });

    h.chat->set_topic("C123ABC", "SEV2: API error rate spike | Commander: @oncall");

    CHECK(h.server.requests("conversations.setTopic").size() == 4);
    const auto sleeps = h.recorded_sleeps();
    REQUIRE(sleeps.size() == 3);
    // Equal jitter: uniformly within [d/2, d] for d = 1 s, 2 s, 4 s.
    for (std::size_t i = 0; i < sleeps.size(); ++i) {
        const auto full = std::chrono::milliseconds{1000LL << i};
        CHECK(sleeps[i] >= full / 2);
        CHECK(sleeps[i] <= full);
    }
}

TEST_CASE("A 5xx on chat.postMessage is not resent by the client: Slack may have posted it",
          "[slack][web_api]") {
    harness h;
    h.server.on("chat.postMessage", [](const recorded&) { return reply{502, "bad gw", {}, 0ms}; });
    try {
        h.chat->post_message("C123ABC", chat::message{"Investigating elevated 5xx"});
        FAIL("expected chat_error");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "http_502");
        CHECK(e.retryable());  // the outbox retries, after looking for the message
    }
    CHECK(h.server.requests("chat.postMessage").size() == 1);
    CHECK(h.recorded_sleeps().empty());
}

TEST_CASE("Back-off is capped at the configured maximum", "[slack][web_api]") {
    harness h;
    for (int attempt = 0; attempt < 40; ++attempt)
        CHECK(h.api->backoff(attempt) <= 30s);
    CHECK(h.api->backoff(10) >= 15s);
}

TEST_CASE("Exhausted retries surface as a retryable chat_error", "[slack][web_api]") {
    harness h([](slack::web_api_options& o) { o.max_retries = 2; });
    h.server.on("conversations.setTopic", [](const recorded&) {
        return reply{503, "busy", {}, 0ms};
    });
    try {
        h.chat->set_topic("C123ABC", "topic");
        FAIL("expected chat_error");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "http_503");
        CHECK(e.retryable());
    }
    CHECK(h.server.requests("conversations.setTopic").size() == 3);
    CHECK(h.recorded_sleeps().size() == 2);
}

TEST_CASE("A closed port is a retryable network error after the retries", "[slack][web_api]") {
    unsigned short closed_port = 0;
    {
        asio::io_context ioc;
        tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        closed_port = probe.local_endpoint().port();
    }
    harness h([](slack::web_api_options& o) { o.max_retries = 2; },
              "http://127.0.0.1:" + std::to_string(closed_port) + "/api/");
    try {
        h.chat->post_message("C123ABC", chat::message{"hello"});
        FAIL("expected chat_error");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "network_error");
        CHECK(e.retryable());
    }
    // Nothing was sent, so even chat.postMessage is safely resent.
    CHECK(h.recorded_sleeps().size() == 2);
}

TEST_CASE("A slow server times out at the configured timeout", "[slack][web_api]") {
    harness h([](slack::web_api_options& o) {
        o.timeout = 200ms;
        o.max_retries = 2;
    });
    h.server.on("chat.postMessage", [](const recorded&) {
        return reply{200, R"({"ok":true,"ts":"1.0"})", {}, 700ms};
    });

    const auto start = std::chrono::steady_clock::now();
    try {
        h.chat->post_message("C123ABC", chat::message{"hello"});
        FAIL("expected chat_error");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "timeout");
        CHECK(e.retryable());
    }
    CHECK(std::chrono::steady_clock::now() - start < 650ms);
    // The request reached the server and may have posted: a message is never sent twice.
    CHECK(h.server.requests("chat.postMessage").size() == 1);
}

TEST_CASE("Calls reuse one keep-alive connection and reconnect after a timeout",
          "[slack][http_client]") {
    fake_slack server;
    server.on("/fast", [](const recorded&) { return ok(); });
    server.on("/slow", [](const recorded&) { return reply{200, "{}", {}, 500ms}; });
    slack::http_client_options options;
    options.timeout = 200ms;
    slack::http_client client(options);

    for (int i = 0; i < 3; ++i) {
        CHECK(client.post(server.url("/fast"), {}, "{}", "application/json").status == 200);
    }
    CHECK(server.connections() == 1);
    CHECK_THROWS_AS(client.post(server.url("/slow"), {}, "{}", "application/json"),
                    slack::network_error);
    const auto res = client.post(server.url("/fast"), {{"X-Test", "1"}}, "{}", "application/json");
    CHECK(res.status == 200);
    CHECK(res.header("content-type") == "application/json; charset=utf-8");
    CHECK(server.connections() == 2);
}

TEST_CASE("chat.postMessage is paced to one per second per channel and not across channels",
          "[slack][web_api]") {
    harness h([](slack::web_api_options& o) {
        o.pacing = true;
        o.post_message_burst = 1;
    });
    std::mutex m;
    std::map<std::string, std::vector<domain::time_point>> seen;
    h.server.on("chat.postMessage", [&](const recorded& r) {
        std::lock_guard lock(m);
        seen[r.args["channel"].get<std::string>()].push_back(h.clock.now());
        return ok({{"ts", "1.0"}});
    });

    for (int i = 0; i < 3; ++i)
        h.chat->post_message("C111", chat::message{"update"});
    h.chat->post_message("C222", chat::message{"cross-post"});

    const auto& c1 = seen["C111"];
    REQUIRE(c1.size() == 3);
    CHECK(c1[1] - c1[0] >= 1s);
    CHECK(c1[2] - c1[1] >= 1s);
    REQUIRE(seen["C222"].size() == 1);
    CHECK(seen["C222"][0] == c1[2]);  // another channel does not wait
}

TEST_CASE("chat.postMessage allows a short burst per channel before pacing", "[slack][web_api]") {
    harness h([](slack::web_api_options& o) {
        o.pacing = true;
        o.post_message_burst = 3;
    });
    h.server.on("chat.postMessage", [](const recorded&) { return ok({{"ts", "1.0"}}); });
    for (int i = 0; i < 3; ++i)
        h.chat->post_message("C111", chat::message{"m"});
    CHECK(h.recorded_sleeps().empty());
    h.chat->post_message("C111", chat::message{"m"});
    REQUIRE(h.recorded_sleeps().size() == 1);
    CHECK(h.recorded_sleeps()[0] >= 1000ms);
}

TEST_CASE("Tier limits pace a method once its burst is spent", "[slack][web_api]") {
    harness h([](slack::web_api_options& o) { o.pacing = true; });
    h.server.on("conversations.create", [](const recorded& r) {
        return ok({{"channel", {{"id", "C9"}, {"name", r.args["name"]}}}});
    });
    // Tier 2: 20 per minute, a burst of 2, then one every 3 s.
    for (int i = 0; i < 3; ++i)
        h.chat->create_channel("incident-" + std::to_string(i), false);
    const auto sleeps = h.recorded_sleeps();
    REQUIRE(sleeps.size() == 1);
    CHECK(sleeps[0] >= 2900ms);
    CHECK(sleeps[0] <= 3000ms);
}

TEST_CASE("Inviting 250 users sends three batches of at most 100", "[slack][slack_chat]") {
    harness h;
    h.server.on("conversations.invite", [](const recorded&) { return ok(); });
    std::vector<std::string> users;
    for (int i = 0; i < 250; ++i)
        users.push_back("U" + std::to_string(10000 + i));

    h.chat->invite("C123ABC", users);

    const auto calls = h.server.requests("conversations.invite");
    REQUIRE(calls.size() == 3);
    std::vector<std::size_t> sizes;
    for (const auto& c : calls) {
        CHECK(c.args["channel"] == "C123ABC");
        const std::string list = c.args["users"];
        sizes.push_back(static_cast<std::size_t>(std::count(list.begin(), list.end(), ',')) + 1);
    }
    CHECK(sizes == std::vector<std::size_t>{100, 100, 50});
}

TEST_CASE("already_in_channel and cant_invite_self are tolerated when inviting",
          "[slack][slack_chat]") {
    harness h;
    h.server.on("conversations.invite", [](const recorded& r) {
        const std::string users = r.args["users"];
        if (users.find(',') != std::string::npos)
            return slack_error("already_in_channel");
        if (users == "U0A")
            return slack_error("already_in_channel");
        if (users == "UBOT")
            return slack_error("cant_invite_self");
        return ok();
    });

    CHECK_NOTHROW(h.chat->invite("C123ABC", {"U0A"}));
    CHECK_NOTHROW(h.chat->invite("C123ABC", {"UBOT"}));
    // A batch refused for one member is resent user by user, so the others still get in.
    CHECK_NOTHROW(h.chat->invite("C123ABC", {"U0A", "U0B", "U0C"}));
    std::vector<std::string> sent;
    for (const auto& r : h.server.requests("conversations.invite"))
        sent.push_back(r.args["users"]);
    CHECK(sent == std::vector<std::string>{"U0A", "UBOT", "U0A,U0B,U0C", "U0A", "U0B", "U0C"});
}

TEST_CASE("A channel-level invite error is not swallowed", "[slack][slack_chat]") {
    harness h;
    h.server.on("conversations.invite", [](const recorded&) { return slack_error("is_archived"); });
    try {
        h.chat->invite("C123ABC", {"U0A", "U0B"});
        FAIL("expected chat_error");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "is_archived");
        CHECK_FALSE(e.retryable());
    }
}

TEST_CASE("Handles are resolved through users.list and unknown handles are skipped",
          "[slack][slack_chat]") {
    harness h;
    h.server.on("users.list", [](const recorded& r) {
        if (!r.args.contains("cursor")) {
            return ok(
                {{"members",
                  {{{"id", "U0A"}, {"name", "alice"}, {"profile", {{"display_name", "Al"}}}}}},
                 {"response_metadata", {{"next_cursor", "page2="}}}});
        }
        return ok({{"members",
                    {{{"id", "U0B"}, {"name", "oncall-backend"}},
                     {{"id", "U0C"}, {"name", "gone"}, {"deleted", true}}}},
                   {"response_metadata", {{"next_cursor", ""}}}});
    });
    h.server.on("conversations.invite", [](const recorded&) { return ok(); });

    h.chat->invite("C123ABC", {"@alice", "@oncall-backend", "<@U0D|dave>", "@gone", "@nobody"});
    h.chat->invite("C123ABC", {"@al"});  // display name, from the cache

    const auto invites = h.server.requests("conversations.invite");
    REQUIRE(invites.size() == 2);
    CHECK(invites[0].args["users"] == "U0A,U0B,U0D");
    CHECK(invites[1].args["users"] == "U0A");
    CHECK(h.server.requests("users.list").size() == 2);  // two pages, loaded once
    CHECK(h.server.requests("users.list")[1].args["cursor"] == "page2=");
}

TEST_CASE("name_taken from conversations.create surfaces as chat_error name_taken",
          "[slack][slack_chat]") {
    harness h;
    h.server.on("conversations.create", [](const recorded& r) {
        if (r.args["name"] == "incident-20240115-0042")
            return slack_error("name_taken");
        return ok({{"channel", {{"id", "C0NEW"}, {"name", r.args["name"]}}}});
    });
    try {
        h.chat->create_channel("incident-20240115-0042", false);
        FAIL("expected chat_error");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "name_taken");
        CHECK_FALSE(e.retryable());
    }
    const auto created = h.chat->create_channel("incident-20240115-0042-2", true);
    CHECK(created.id == "C0NEW");
    CHECK(created.name == "incident-20240115-0042-2");
    const auto req = h.server.requests("conversations.create").back();
    CHECK(req.args["is_private"] == true);
}

TEST_CASE("not_in_channel on chat.postMessage joins the channel and posts once more",
          "[slack][slack_chat]") {
    harness h;
    std::atomic<bool> joined{false};
    h.server.on("chat.postMessage", [&](const recorded&) {
        if (!joined)
            return slack_error("not_in_channel");
        return ok({{"ts", "1705327200.000200"}});
    });
    h.server.on("conversations.join", [&](const recorded&) {
        joined = true;
        return ok({{"channel", {{"id", "C0INC"}}}});
    });

    const json blocks = json::array({{{"type", "divider"}}});
    const auto ts = h.chat->post_message("C0INC", chat::message{"declared", blocks});
    CHECK(ts == "1705327200.000200");

    const auto all = h.server.requests();
    REQUIRE(all.size() == 3);
    CHECK(all[0].method == "chat.postMessage");
    CHECK(all[1].method == "conversations.join");
    CHECK(all[1].args["channel"] == "C0INC");
    CHECK(all[2].method == "chat.postMessage");
    CHECK(all[2].args["unfurl_links"] == false);
    CHECK(all[2].args["blocks"] == blocks);
    CHECK(all[2].args["text"] == "declared");
}

TEST_CASE("not_in_channel is surfaced when the channel cannot be joined", "[slack][slack_chat]") {
    harness h;
    h.server.on("chat.postMessage", [](const recorded&) { return slack_error("not_in_channel"); });
    h.server.on("conversations.join", [](const recorded&) {
        return slack_error("method_not_supported_for_channel_type");
    });
    try {
        h.chat->post_message("G0PRIV", chat::message{"x"});
        FAIL("expected chat_error");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "not_in_channel");
    }
    CHECK(h.server.requests("chat.postMessage").size() == 1);
}

TEST_CASE("A channel name is resolved to its id through paginated conversations.list, once",
          "[slack][slack_chat]") {
    harness h;
    h.server.on("conversations.list", [](const recorded& r) {
        if (!r.args.contains("cursor")) {
            return ok(channel_page({{"C0GEN", "general"}}, "dGVhbTpDMDYxRkE1UEI="));
        }
        return ok(channel_page({{"C0ANN", "incidents"}}, ""));
    });
    h.server.on("conversations.setTopic", [](const recorded&) { return ok(); });
    h.server.on("chat.postMessage", [](const recorded&) { return ok({{"ts", "1.0"}}); });

    h.chat->set_topic("#incidents", "SEV2: API error rate spike | Commander: @oncall-backend");
    h.chat->set_topic("incidents", "again");
    h.chat->post_message("#incidents", chat::message{"declared"});

    const auto lists = h.server.requests("conversations.list");
    REQUIRE(lists.size() == 2);
    CHECK(lists[0].args["types"] == "public_channel,private_channel");
    CHECK(lists[0].args["exclude_archived"] == "true");
    CHECK(lists[0].args["limit"] == "200");
    CHECK(lists[1].args["cursor"] == "dGVhbTpDMDYxRkE1UEI=");
    for (const auto& r : h.server.requests("conversations.setTopic")) {
        CHECK(r.args["channel"] == "C0ANN");
    }
    CHECK(h.server.requests("chat.postMessage").at(0).args["channel"] == "C0ANN");

    try {
        h.chat->set_topic("#nowhere", "x");
        FAIL("expected chat_error");
    } catch (const chat::chat_error& e) {
        CHECK(e.code() == "channel_not_found");
    }
}

TEST_CASE("A file upload takes three requests and the bytes arrive", "[slack][slack_chat]") {
    harness h;
    const std::string upload_url = h.server.url("/upload/v1/ABC123");
    h.server.on("files.getUploadURLExternal", [&](const recorded&) {
        return ok({{"upload_url", upload_url}, {"file_id", "F0POSTMORTEM"}});
    });
    h.server.on("/upload/v1/ABC123", [](const recorded& r) {
        return reply{200, "OK - " + std::to_string(r.body.size()), {}, 0ms};
    });
    h.server.on("files.completeUploadExternal", [](const recorded&) {
        return ok({{"files", {{{"id", "F0POSTMORTEM"}, {"title", "Postmortem"}}}}});
    });

    const std::string content = "# Postmortem INC-20240115-0042\n\n| time | event |\n";
    const auto id = h.chat->upload_file("C0INC", "postmortem.md", content, "Postmortem");
    CHECK(id == "F0POSTMORTEM");

    const auto all = h.server.requests();
    REQUIRE(all.size() == 3);
    CHECK(all[0].method == "files.getUploadURLExternal");
    CHECK(all[0].content_type == "application/x-www-form-urlencoded");
    CHECK(all[0].args["filename"] == "postmortem.md");
    CHECK(all[0].args["length"] == std::to_string(content.size()));
    CHECK(all[1].target == "/upload/v1/ABC123");
    CHECK(all[1].body == content);
    CHECK(all[1].headers.count("authorization") == 0);  // the URL is the credential
    CHECK(all[2].method == "files.completeUploadExternal");
    CHECK(all[2].content_type == "application/x-www-form-urlencoded");
    CHECK(all[2].args["channel_id"] == "C0INC");
    CHECK(json::parse(all[2].args["files"].get<std::string>()) ==
          json::array({{{"id", "F0POSTMORTEM"}, {"title", "Postmortem"}}}));
}

TEST_CASE("auth_test reads the bot identity and the x-oauth-scopes header", "[slack][slack_chat]") {
    harness h;
    h.server.on("auth.test", [](const recorded&) {
        return reply{200,
                     json{{"ok", true},
                          {"user_id", "U0BOT"},
                          {"bot_id", "B0BOT"},
                          {"team", "Acme"},
                          {"team_id", "T0ACME"}}
                         .dump(),
                     {{"x-oauth-scopes", "chat:write,channels:manage, users:read"}},
                     0ms};
    });
    h.server.on("conversations.invite", [](const recorded&) { return ok(); });

    const auto info = h.chat->auth_test();
    CHECK(info.ok);
    CHECK(info.user_id == "U0BOT");
    CHECK(info.bot_id == "B0BOT");
    CHECK(info.team == "Acme");
    CHECK(info.scopes == std::vector<std::string>{"chat:write", "channels:manage", "users:read"});

    // Knowing itself, the bot leaves itself out of invitations.
    h.chat->invite("C123ABC", {"U0BOT", "U0A"});
    CHECK(h.server.requests("conversations.invite").at(0).args["users"] == "U0A");
}

TEST_CASE("Updates, pins, ephemeral replies and user lookups use their methods",
          "[slack][slack_chat]") {
    harness h;
    h.server.on("chat.update", [](const recorded&) { return ok(); });
    h.server.on("pins.add", [](const recorded&) { return slack_error("already_pinned"); });
    h.server.on("chat.postEphemeral", [](const recorded&) { return ok({{"message_ts", "2.0"}}); });
    h.server.on("users.info", [](const recorded& r) {
        if (r.args["user"] != "U0A")
            return slack_error("user_not_found");
        return ok({{"user",
                    {{"id", "U0A"},
                     {"name", "alice"},
                     {"real_name", "Alice Liddell"},
                     {"profile", {{"display_name", "alice.l"}}}}}});
    });

    h.chat->update_message("C0INC", "1.0", chat::message{std::string(5000, 'x')});
    CHECK_NOTHROW(h.chat->pin("C0INC", "1.0"));
    h.chat->post_ephemeral("C0INC", "U0A", "Expected: /incident sev SEV0-4");
    const auto alice = h.chat->lookup_user("U0A");
    REQUIRE(alice);
    CHECK(alice->handle == "alice.l");
    CHECK(alice->real_name == "Alice Liddell");
    CHECK_FALSE(h.chat->lookup_user("U0ZZZ"));

    const auto update = h.server.requests("chat.update").at(0);
    CHECK(update.args["ts"] == "1.0");
    CHECK(update.args["blocks"] == json::array());
    CHECK(update.args["text"].get<std::string>().size() <= 4000 + 2);  // 3,999 + "…"
    CHECK(h.server.requests("pins.add").at(0).args["timestamp"] == "1.0");
    CHECK(h.server.requests("chat.postEphemeral").at(0).args["user"] == "U0A");
}

TEST_CASE("Views, bookmarks and DMs go to their methods", "[slack][slack_chat]") {
    harness h;
    h.server.on("views.open", [](const recorded& r) {
        return ok(
            {{"view",
              {{"id", "V0DECL"}, {"hash", "h1"}, {"callback_id", r.args["view"]["callback_id"]}}}});
    });
    h.server.on("views.update", [](const recorded&) { return ok({{"view", {{"id", "V0DECL"}}}}); });
    h.server.on("bookmarks.add", [](const recorded&) {
        return ok({{"bookmark", {{"id", "Bk1"}}}});
    });
    h.server.on("conversations.open", [](const recorded&) {
        return ok({{"channel", {{"id", "D0A"}}}});
    });

    const json view{{"type", "modal"}, {"callback_id", "declare"}};
    CHECK(h.chat->views_open("123.456.abc", view)["id"] == "V0DECL");
    CHECK(h.chat->views_update("V0DECL", view, "h1")["id"] == "V0DECL");
    CHECK(h.chat->bookmarks_add("C0INC", "Runbook", "https://runbooks.example/api") == "Bk1");
    CHECK(h.chat->open_im("U0A") == "D0A");

    CHECK(h.server.requests("views.open").at(0).args["view"] == view);
    CHECK(h.server.requests("views.update").at(0).args["hash"] == "h1");
    const auto bm = h.server.requests("bookmarks.add").at(0).args;
    CHECK(bm["channel_id"] == "C0INC");
    CHECK(bm["type"] == "link");
    CHECK(h.server.requests("conversations.open").at(0).args["users"] == "U0A");
}

TEST_CASE("A reply goes to the response_url and falls back to an ephemeral post when it is spent",
          "[slack][slack_chat]") {
    harness h;
    std::atomic<int> uses{0};
    h.server.on("/commands/T0/123/abc", [&](const recorded&) {
        return uses++ == 0 ? reply{200, "", {}, 0ms} : reply{404, "used_url", {}, 0ms};
    });
    h.server.on("chat.postEphemeral", [](const recorded&) { return ok({{"message_ts", "2.0"}}); });
    const json target{{"channel", "C0INC"},
                      {"user", "U0A"},
                      {"response_url", h.server.url("/commands/T0/123/abc")}};

    h.chat->reply(target, "Expected: /incident status investigating|identified|...");
    const auto first = h.server.requests("/commands/T0/123/abc").at(0);
    CHECK(first.content_type == "application/json; charset=utf-8");
    CHECK(first.args["response_type"] == "ephemeral");
    CHECK(first.args["text"] == "Expected: /incident status investigating|identified|...");
    CHECK(first.headers.count("authorization") == 0);
    CHECK(h.server.requests("chat.postEphemeral").empty());

    h.chat->reply(target, "second");
    const auto eph = h.server.requests("chat.postEphemeral");
    REQUIRE(eph.size() == 1);
    CHECK(eph[0].args["channel"] == "C0INC");
    CHECK(eph[0].args["user"] == "U0A");
    CHECK(eph[0].args["text"] == "second");
}

TEST_CASE("An https URL whose server does not speak TLS fails with a TLS network error",
          "[slack][http_client]") {
    fake_slack server;
    slack::http_client_options options;
    options.timeout = 2s;
    slack::http_client client(options);
    try {
        client.post("https://127.0.0.1:" + std::to_string(server.port()) + "/api/auth.test", {}, "",
                    "application/x-www-form-urlencoded");
        FAIL("expected network_error");
    } catch (const slack::network_error& e) {
        CHECK(e.error_kind() == slack::network_error::kind::tls);
        CHECK_FALSE(e.request_sent());
    }
    CHECK_THROWS_AS(client.post("ftp://127.0.0.1/x", {}, "", "text/plain"), std::invalid_argument);
}

TEST_CASE("A CA file that cannot be read fails when the client is made, naming the file",
          "[slack][http_client]") {
    slack::http_client_options options;
    options.ca_file = "/nonexistent/warroom-ca.pem";
    try {
        slack::http_client client(options);
        FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("/nonexistent/warroom-ca.pem") != std::string::npos);
    }
}

TEST_CASE("A CA file without certificates fails the first https request as a TLS error naming it",
          "[slack][http_client]") {
    const std::string path = "/tmp/warroom-test-ca-" + std::to_string(::getpid()) + ".pem";
    std::ofstream(path) << "not a certificate\n";
    fake_slack server;
    slack::http_client_options options;
    options.timeout = 2s;
    options.ca_file = path;
    slack::http_client client(options);  // readable: parsed only when TLS is first needed
    const std::string port = std::to_string(server.port());
    // Plain http never touches the CA file.
    CHECK(client
              .post("http://127.0.0.1:" + port + "/api/auth.test", {}, "",
                    "application/x-www-form-urlencoded")
              .status == 200);
    for (int attempt = 0; attempt < 2; ++attempt) {  // a failed setup is not cached
        try {
            client.post("https://127.0.0.1:" + port + "/api/auth.test", {}, "",
                        "application/x-www-form-urlencoded");
            FAIL("expected network_error");
        } catch (const slack::network_error& e) {
            CHECK(e.error_kind() == slack::network_error::kind::tls);
            CHECK_FALSE(e.request_sent());
            CHECK(std::string(e.what()).find(path) != std::string::npos);
        }
    }
    std::remove(path.c_str());
}
