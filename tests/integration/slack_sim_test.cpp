// The Slack simulator exercised from the outside with plain Beast clients: Web API, limits,
// faults, signed HTTP deliveries with retries, Socket Mode, and the control API.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/slack_sim/simulator.hpp"

namespace {
/// `text` has the shape of `pattern`: '0' a digit, 'x' a lower-case hex digit, anything else
/// itself. (std::regex trips g++ 12's -Wmaybe-uninitialized under ASan at -O1.)
bool matches_shape(const std::string& text, std::string_view pattern) {
    if (text.size() != pattern.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool digit = c >= '0' && c <= '9';
        if (pattern[i] == '0' ? !digit
            : pattern[i] == 'x' ? !(digit || (c >= 'a' && c <= 'f'))
                                : c != pattern[i]) {
            return false;
        }
    }
    return true;
}
}  // namespace

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;
using warroom::slack_sim::delivery_result;
using warroom::slack_sim::sim_options;
using warroom::slack_sim::simulator;

// ---- a plain HTTP client ----------------------------------------------------------------------

struct http_result {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    json j() const { return json::parse(body, nullptr, false); }
};

http_result http_do(unsigned short port, http::verb verb, const std::string& target,
                    const std::string& body = "", const std::string& content_type = "",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    asio::io_context ioc;
    http_result out;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            beast::tcp_stream stream(co_await asio::this_coro::executor);
            stream.expires_after(20s);
            co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                          asio::use_awaitable);
            http::request<http::string_body> req{verb, target, 11};
            req.set(http::field::host, "127.0.0.1");
            if (!content_type.empty()) {
                req.set(http::field::content_type, content_type);
            }
            for (const auto& [k, v] : headers) {
                req.set(k, v);
            }
            req.body() = body;
            req.prepare_payload();
            co_await http::async_write(stream, req, asio::use_awaitable);
            beast::flat_buffer buffer;
            http::response<http::string_body> res;
            co_await http::async_read(stream, buffer, res, asio::use_awaitable);
            out.status = static_cast<int>(res.result_int());
            for (const auto& f : res) {
                std::string name(f.name_string());
                for (auto& c : name) {
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                }
                out.headers[name] = std::string(f.value());
            }
            out.body = res.body();
        },
        [](std::exception_ptr e) {
            if (e) {
                std::rethrow_exception(e);
            }
        });
    ioc.run();
    return out;
}

std::string path_of(const std::string& url) {
    auto p = url.find('/', url.find("//") + 2);
    return url.substr(p);
}

/// A Web API call as a bot would make it: JSON with the token in the header.
http_result api(simulator& sim, const std::string& method, const json& args = json::object(),
                const std::string& token = "xoxb-sim") {
    std::vector<std::pair<std::string, std::string>> h;
    if (!token.empty()) {
        h.emplace_back("Authorization", "Bearer " + token);
    }
    return http_do(sim.port(), http::verb::post, "/api/" + method, args.dump(),
                   "application/json; charset=utf-8", h);
}

/// The same call form-encoded (how GET-style readers must be called).
http_result api_form(simulator& sim, const std::string& method, const std::string& form,
                     const std::string& token = "xoxb-sim") {
    std::vector<std::pair<std::string, std::string>> h;
    if (!token.empty()) {
        h.emplace_back("Authorization", "Bearer " + token);
    }
    return http_do(sim.port(), http::verb::post, "/api/" + method, form,
                   "application/x-www-form-urlencoded", h);
}

std::string error_of(const http_result& r) {
    auto j = r.j();
    REQUIRE(j.is_object());
    REQUIRE(j.contains("ok"));
    return j["ok"].get<bool>() ? "" : j.value("error", "?");
}

sim_options fast_options() {
    sim_options o;
    o.enforce_rate_limits = false;
    return o;
}

std::string hmac_hex(const std::string& key, const std::string& msg) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md.data(), &len);
    std::string hex;
    static const char* digits = "0123456789abcdef";
    for (unsigned i = 0; i < len; ++i) {
        hex.push_back(digits[md[i] >> 4]);
        hex.push_back(digits[md[i] & 15]);
    }
    return hex;
}

std::string url_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size()) {
            out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::string percent(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
    }
    return out;
}

std::map<std::string, std::string> parse_form(const std::string& body) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start <= body.size()) {
        auto amp = body.find('&', start);
        auto part = body.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        auto eq = part.find('=');
        if (eq != std::string::npos) {
            out[url_decode(part.substr(0, eq))] = url_decode(part.substr(eq + 1));
        }
        if (amp == std::string::npos) {
            break;
        }
        start = amp + 1;
    }
    return out;
}

// ---- a tiny bot endpoint ----------------------------------------------------------------------

struct received {
    std::map<std::string, std::string> headers;
    std::string body;
    std::string content_type;
    bool signature_valid = false;
};

/// Records what the simulator POSTs; each request is answered by `respond` (delay, status, body).
class receiver {
  public:
    struct answer {
        std::chrono::milliseconds delay{0};
        int status = 200;
        std::string body;
        std::string content_type = "text/plain";
        bool no_retry = false;
    };
    using policy = std::function<answer(int index, const received&)>;

    explicit receiver(std::string secret, policy p = {})
        : secret_(std::move(secret)), policy_(std::move(p)), acceptor_(ioc_) {
        tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.bind(ep);
        acceptor_.listen();
        asio::co_spawn(ioc_, accept(), asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~receiver() {
        ioc_.stop();
        thread_.join();
    }
    std::string url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
               "/slack/events";
    }
    std::vector<received> requests() {
        std::lock_guard lock(mu_);
        return got_;
    }

  private:
    asio::awaitable<void> accept() {
        for (;;) {
            auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
            asio::co_spawn(ioc_, serve(std::move(socket)), asio::detached);
        }
    }
    asio::awaitable<void> serve(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        boost::system::error_code ec;
        co_await http::async_read(stream, buffer, req,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            co_return;
        }
        received r;
        for (const auto& f : req) {
            std::string name(f.name_string());
            for (auto& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            r.headers[name] = std::string(f.value());
        }
        r.body = req.body();
        r.content_type = r.headers["content-type"];
        // The verification a bot does: v0 HMAC-SHA256 over "v0:ts:body", constant-time compare.
        auto expected = "v0=" + hmac_hex(secret_, "v0:" + r.headers["x-slack-request-timestamp"] +
                                                      ":" + r.body);
        const auto& got = r.headers["x-slack-signature"];
        r.signature_valid = got.size() == expected.size() &&
                            CRYPTO_memcmp(got.data(), expected.data(), got.size()) == 0;
        int index = 0;
        {
            std::lock_guard lock(mu_);
            index = static_cast<int>(got_.size());
            got_.push_back(r);
        }
        answer a = policy_ ? policy_(index, r) : answer{};
        if (a.delay.count() > 0) {
            asio::steady_timer t(ioc_, a.delay);
            co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
        res.set(http::field::content_type, a.content_type);
        if (a.no_retry) {
            res.set("X-Slack-No-Retry", "1");
        }
        res.body() = a.body;
        res.keep_alive(false);
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    }

    std::string secret_;
    policy policy_;
    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::mutex mu_;
    std::vector<received> got_;
};

// ---- a Socket Mode client ---------------------------------------------------------------------

class ws_client {
  public:
    ws_client() : ws_(ioc_) {}
    ~ws_client() {
        ioc_.stop();
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    /// Connects to ws://127.0.0.1:PORT/...; returns the HTTP status of a refused handshake, or 101.
    int connect(const std::string& url) {
        auto rest = url.substr(std::string("ws://").size());
        auto slash = rest.find('/');
        auto authority = rest.substr(0, slash);
        auto target = rest.substr(slash);
        auto port =
            static_cast<unsigned short>(std::stoi(authority.substr(authority.find(':') + 1)));
        beast::get_lowest_layer(ws_).expires_after(10s);
        beast::get_lowest_layer(ws_).connect(
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        beast::get_lowest_layer(ws_).expires_never();
        websocket::response_type res;
        boost::system::error_code ec;
        ws_.handshake(res, authority, target, ec);
        if (ec) {
            return static_cast<int>(res.result_int());
        }
        ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
            std::lock_guard lock(mu_);
            if (kind == websocket::frame_type::ping) {
                ++pings_;
            } else if (kind == websocket::frame_type::pong) {
                ++pongs_;
            }
        });
        read_loop();
        thread_ = std::thread([this] { ioc_.run(); });
        return 101;
    }

    /// The next text frame as JSON; nullopt after `timeout` or when the link closed.
    std::optional<json> next(std::chrono::milliseconds timeout = 5000ms) {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, timeout, [&] { return !frames_.empty() || closed_; });
        if (frames_.empty()) {
            return std::nullopt;
        }
        auto j = frames_.front();
        frames_.pop_front();
        return j;
    }
    /// Skips frames until one of `type` (envelopes have a type too).
    std::optional<json> next_of(const std::string& type,
                                std::chrono::milliseconds timeout = 5000ms) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto f = next(left);
            if (!f) {
                return std::nullopt;
            }
            if (f->value("type", "") == type) {
                return f;
            }
        }
        return std::nullopt;
    }
    void send(const json& j) {
        auto text = std::make_shared<std::string>(j.dump());
        std::promise<void> done;
        auto fut = done.get_future();
        asio::post(ioc_, [&, text] {
            ws_.text(true);
            ws_.async_write(asio::buffer(*text), [&, text](boost::system::error_code, std::size_t) {
                done.set_value();
            });
        });
        fut.wait_for(5s);
    }
    void ping() {
        std::promise<void> done;
        auto fut = done.get_future();
        asio::post(ioc_, [&] {
            ws_.async_ping({}, [&](boost::system::error_code) { done.set_value(); });
        });
        fut.wait_for(5s);
    }
    bool wait_closed(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, timeout, [&] { return closed_; });
    }
    int pings() {
        std::lock_guard lock(mu_);
        return pings_;
    }
    int pongs() {
        std::lock_guard lock(mu_);
        return pongs_;
    }
    void close() {
        asio::post(ioc_, [this] {
            beast::error_code ec;
            beast::get_lowest_layer(ws_).socket().close(ec);
        });
        wait_closed(5s);
    }

  private:
    void read_loop() {
        ws_.async_read(buffer_, [this](boost::system::error_code ec, std::size_t) {
            std::lock_guard lock(mu_);
            if (ec) {
                closed_ = true;
                cv_.notify_all();
                return;
            }
            frames_.push_back(
                json::parse(beast::buffers_to_string(buffer_.data()), nullptr, false));
            buffer_.consume(buffer_.size());
            cv_.notify_all();
            read_loop();
        });
    }

    asio::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<json> frames_;
    bool closed_ = false;
    int pings_ = 0;
    int pongs_ = 0;
};

std::string open_socket_url(simulator& sim) {
    auto r = api(sim, "apps.connections.open", json::object(), "xapp-sim");
    REQUIRE(error_of(r).empty());
    return r.j()["url"].get<std::string>();
}

}  // namespace

// ==== Web API ================================================================================

TEST_CASE("Web API: authentication and the response envelope", "[slack_sim]") {
    simulator sim(fast_options());
    sim.start();

    CHECK(error_of(api(sim, "auth.test", json::object(), "")) == "not_authed");
    CHECK(error_of(api(sim, "auth.test", json::object(), "xoxb-wrong")) == "invalid_auth");
    CHECK(error_of(api(sim, "no.such.method")) == "unknown_method");
    CHECK(error_of(api(sim, "chat.postMessage", {{"channel", "C_GENERAL"}, {"text", "x"}},
                       "xapp-sim")) == "not_allowed_token_type");
    CHECK(error_of(api(sim, "apps.connections.open")) == "not_allowed_token_type");

    auto ok = api(sim, "auth.test");
    CHECK(ok.status == 200);
    CHECK(ok.j()["ok"] == true);
    CHECK(ok.j()["user_id"] == "UBOT");
    CHECK(ok.j()["bot_id"] == "B_WARROOM");
    CHECK(ok.headers["x-oauth-scopes"].find("chat:write") != std::string::npos);

    // Token as a form field, and the form warnings Slack gives about charsets.
    auto form = http_do(sim.port(), http::verb::post, "/api/auth.test", "token=xoxb-sim",
                        "application/x-www-form-urlencoded");
    CHECK(form.j()["ok"] == true);
    auto charset = http_do(sim.port(), http::verb::post, "/api/auth.test", "token=xoxb-sim",
                           "application/x-www-form-urlencoded; charset=utf-8");
    CHECK(charset.j()["warning"] == "superfluous_charset");
    auto no_charset = http_do(sim.port(), http::verb::post, "/api/auth.test", "{}",
                              "application/json", {{"Authorization", "Bearer xoxb-sim"}});
    CHECK(no_charset.j()["warning"] == "missing_charset");
    auto bad_json =
        http_do(sim.port(), http::verb::post, "/api/auth.test", "{nope",
                "application/json; charset=utf-8", {{"Authorization", "Bearer xoxb-sim"}});
    CHECK(error_of(bad_json) == "invalid_json");
    // A token in the query string is never read.
    auto query = http_do(sim.port(), http::verb::post, "/api/auth.test?token=xoxb-sim");
    CHECK(error_of(query) == "not_authed");

    auto calls = sim.calls("auth.test");
    REQUIRE(calls.size() >= 3);
    CHECK(calls.front().error == "not_authed");
}

TEST_CASE("Web API: missing scopes are reported like Slack", "[slack_sim]") {
    auto o = fast_options();
    o.scopes = {"chat:write"};
    simulator sim(o);
    sim.start();
    auto r = api(sim, "conversations.create", {{"name", "x"}});
    CHECK(error_of(r) == "missing_scope");
    CHECK(r.j()["needed"].get<std::string>().find("channels:manage") != std::string::npos);
    CHECK(r.j()["provided"] == "chat:write");
}

TEST_CASE("Web API: conversations.create validates names", "[slack_sim]") {
    simulator sim(fast_options());
    sim.start();
    CHECK(error_of(api(sim, "conversations.create", {{"name", ""}})) == "invalid_name_required");
    CHECK(error_of(api(sim, "conversations.create", {{"name", std::string(81, 'a')}})) ==
          "invalid_name_maxlength");
    CHECK(error_of(api(sim, "conversations.create", {{"name", "Incident-1"}})) ==
          "invalid_name_specials");
    CHECK(error_of(api(sim, "conversations.create", {{"name", "a b"}})) == "invalid_name_specials");
    CHECK(error_of(api(sim, "conversations.create", {{"name", "general"}})) == "name_taken");

    auto r = api(sim, "conversations.create",
                 {{"name", "incident-20240115-0042"}, {"is_private", true}});
    REQUIRE(error_of(r).empty());
    auto ch = r.j()["channel"];
    CHECK(ch["name"] == "incident-20240115-0042");
    CHECK(ch["is_private"] == true);
    CHECK(ch["is_member"] == true);
    CHECK(error_of(api(sim, "conversations.create", {{"name", "incident-20240115-0042"}})) ==
          "name_taken");

    auto state = sim.state();
    bool found = false;
    for (const auto& c : state["channels"]) {
        if (c["name"] == "incident-20240115-0042") {
            found = true;
            CHECK(c["is_private"] == true);
            CHECK(c["members"] == json::array({"UBOT"}));
        }
    }
    CHECK(found);
}

TEST_CASE("Web API: setTopic, invite, join", "[slack_sim]") {
    simulator sim(fast_options());
    sim.start();
    auto outside = sim.add_channel("outside", false, {"alice"});
    auto secret = sim.add_channel("secret", true, {"alice"});

    SECTION("setTopic") {
        CHECK(error_of(api(sim, "conversations.setTopic",
                           {{"channel", "C_NOPE"}, {"topic", "t"}})) == "channel_not_found");
        CHECK(error_of(api(sim, "conversations.setTopic",
                           {{"channel", outside}, {"topic", "t"}})) == "not_in_channel");
        // A private channel the bot is not in is invisible to it.
        CHECK(error_of(api(sim, "conversations.setTopic", {{"channel", secret}, {"topic", "t"}})) ==
              "channel_not_found");
        CHECK(error_of(api(sim, "conversations.setTopic",
                           {{"channel", "C_INCIDENTS"}, {"topic", std::string(251, 'x')}})) ==
              "too_long");
        auto topic = "SEV2: API error rate spike | Commander: @alice";
        auto r = api(sim, "conversations.setTopic", {{"channel", "C_INCIDENTS"}, {"topic", topic}});
        REQUIRE(error_of(r).empty());
        CHECK(r.j()["channel"]["topic"]["value"] == topic);
        CHECK(sim.state()["channels"][1]["topic"] == topic);
    }
    SECTION("invite") {
        auto created = api(sim, "conversations.create", {{"name", "war-room"}}).j();
        auto id = created["channel"]["id"].get<std::string>();
        CHECK(error_of(api(sim, "conversations.invite",
                           {{"channel", id}, {"users", "U_NOBODY"}})) == "user_not_found");
        CHECK(error_of(api(sim, "conversations.invite", {{"channel", id}, {"users", "UBOT"}})) ==
              "cant_invite_self");
        CHECK(error_of(api(sim, "conversations.invite",
                           {{"channel", outside}, {"users", "U_BOB"}})) == "not_in_channel");
        auto r = api(sim, "conversations.invite", {{"channel", id}, {"users", "U_ALICE,U_BOB"}});
        REQUIRE(error_of(r).empty());
        // Everyone already in: the call fails; with someone new it succeeds.
        auto again =
            api(sim, "conversations.invite", {{"channel", id}, {"users", "U_ALICE,U_BOB"}});
        CHECK(error_of(again) == "already_in_channel");
        CHECK(again.j()["errors"].size() == 2);
        auto carol = sim.add_user("carol");
        CHECK(error_of(api(sim, "conversations.invite",
                           {{"channel", id}, {"users", "U_ALICE," + carol}})) == "");
        // force=true skips the invalid ids.
        auto dave = sim.add_user("dave");
        CHECK(error_of(api(sim, "conversations.invite",
                           {{"channel", id}, {"users", "U_NOBODY," + dave}, {"force", true}})) ==
              "");
    }
    SECTION("join") {
        auto r = api(sim, "conversations.join", {{"channel", outside}});
        REQUIRE(error_of(r).empty());
        auto again = api(sim, "conversations.join", {{"channel", outside}});
        CHECK(again.j()["warning"] == "already_in_channel");
        CHECK(error_of(api(sim, "conversations.join", {{"channel", "C_NOPE"}})) ==
              "channel_not_found");
    }
}

TEST_CASE("Web API: chat.postMessage, chat.update, chat.postEphemeral", "[slack_sim]") {
    simulator sim(fast_options());
    sim.start();
    auto outside = sim.add_channel("outside", true, {"alice"});
    sim.add_channel("public-outside", false, {"alice"});

    auto r = api(sim, "chat.postMessage", {{"channel", "#incidents"}, {"text", "hello"}});
    REQUIRE(error_of(r).empty());
    auto ts = r.j()["ts"].get<std::string>();
    CHECK(matches_shape(ts, "0000000000.000000"));
    CHECK(r.j()["channel"] == "C_INCIDENTS");
    CHECK(r.j()["message"]["text"] == "hello");
    CHECK(r.j()["message"]["bot_id"] == "B_WARROOM");

    std::set<std::string> seen{ts};
    for (int i = 0; i < 20; ++i) {
        auto t = api(sim, "chat.postMessage", {{"channel", "C_INCIDENTS"}, {"text", "n"}})
                     .j()["ts"]
                     .get<std::string>();
        CHECK(seen.insert(t).second);
    }

    CHECK(error_of(api(sim, "chat.postMessage", {{"channel", "C_NOPE"}, {"text", "x"}})) ==
          "channel_not_found");
    CHECK(error_of(api(sim, "chat.postMessage", {{"channel", outside}, {"text", "x"}})) ==
          "not_in_channel");
    // chat:write.public lets the bot post in public channels it is not in.
    CHECK(error_of(api(sim, "chat.postMessage", {{"channel", "#public-outside"}, {"text", "x"}})) ==
          "");
    CHECK(error_of(api(sim, "chat.postMessage", {{"channel", "C_GENERAL"}})) == "no_text");
    CHECK(error_of(api(sim, "chat.postMessage",
                       {{"channel", "C_GENERAL"}, {"text", std::string(40001, 'x')}})) ==
          "msg_too_long");
    CHECK(error_of(
              api(sim, "chat.postMessage",
                  {{"channel", "C_GENERAL"}, {"text", "x"}, {"blocks", {{"type", "divider"}}}})) ==
          "invalid_blocks");
    json many = json::array();
    for (int i = 0; i < 51; ++i) {
        many.push_back({{"type", "divider"}});
    }
    auto too_many =
        api(sim, "chat.postMessage", {{"channel", "C_GENERAL"}, {"text", "x"}, {"blocks", many}});
    CHECK(error_of(too_many) == "invalid_blocks");
    CHECK(too_many.j()["response_metadata"]["messages"][0].get<std::string>().find("50") !=
          std::string::npos);

    // Form encoding with blocks as a JSON string, as most SDKs send it.
    json blocks = json::array(
        {{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", "*SEV2* declared"}}}},
         {{"type", "actions"},
          {"elements",
           json::array({{{"type", "button"},
                         {"action_id", "ack"},
                         {"value", "INC-1"},
                         {"text", {{"type", "plain_text"}, {"text", "Acknowledge"}}}}})}}});
    auto form = api_form(sim, "chat.postMessage",
                         "channel=C_GENERAL&text=fallback&blocks=" + percent(blocks.dump()));
    REQUIRE(error_of(form).empty());
    auto bts = form.j()["ts"].get<std::string>();
    CHECK(form.j()["message"]["blocks"][0]["type"] == "section");

    // chat.update
    auto up = api(sim, "chat.update", {{"channel", "C_GENERAL"}, {"ts", bts}, {"text", "edited"}});
    REQUIRE(error_of(up).empty());
    CHECK(up.j()["text"] == "edited");
    CHECK(error_of(api(sim, "chat.update",
                       {{"channel", "C_GENERAL"}, {"ts", "1.000000"}, {"text", "x"}})) ==
          "message_not_found");
    auto user_msg = sim.post_message("alice", "#general", "a human wrote this");
    CHECK(error_of(api(sim, "chat.update",
                       {{"channel", "C_GENERAL"}, {"ts", user_msg.ts}, {"text", "x"}})) ==
          "cant_update_message");
    CHECK(
        error_of(api(sim, "chat.update",
                     {{"channel", "C_GENERAL"}, {"ts", bts}, {"text", std::string(4001, 'x')}})) ==
        "msg_too_long");

    // chat.postEphemeral
    auto carol = sim.add_user("carol");
    CHECK(error_of(api(sim, "chat.postEphemeral",
                       {{"channel", "C_GENERAL"}, {"user", carol}, {"text", "psst"}})) ==
          "user_not_in_channel");
    auto eph = api(sim, "chat.postEphemeral",
                   {{"channel", "C_GENERAL"}, {"user", "U_ALICE"}, {"text", "only you"}});
    REQUIRE(error_of(eph).empty());
    CHECK(eph.j().contains("message_ts"));

    auto state = sim.state();
    bool edited = false;
    for (const auto& m : state["messages"]["C_GENERAL"]) {
        if (m["ts"] == bts) {
            edited = m["edited"].get<bool>() && m["text"] == "edited";
        }
    }
    CHECK(edited);
    REQUIRE(state["ephemeral"].size() == 1);
    CHECK(state["ephemeral"][0]["user"] == "U_ALICE");
    CHECK(state["ephemeral"][0]["text"] == "only you");
}

TEST_CASE("Web API: pins, reactions, bookmarks, users, usergroups, pagination", "[slack_sim]") {
    simulator sim(fast_options());
    sim.start();
    auto ts = api(sim, "chat.postMessage", {{"channel", "C_INCIDENTS"}, {"text", "pin me"}})
                  .j()["ts"]
                  .get<std::string>();

    CHECK(error_of(api(sim, "pins.add", {{"channel", "C_INCIDENTS"}, {"timestamp", "1.000001"}})) ==
          "message_not_found");
    CHECK(error_of(api(sim, "pins.add", {{"channel", "C_INCIDENTS"}, {"timestamp", ts}})) == "");
    CHECK(error_of(api(sim, "pins.add", {{"channel", "C_INCIDENTS"}, {"timestamp", ts}})) ==
          "already_pinned");
    CHECK(sim.state()["pins"]["C_INCIDENTS"] == json::array({ts}));

    CHECK(error_of(api(sim, "reactions.add",
                       {{"channel", "C_INCIDENTS"}, {"timestamp", ts}, {"name", "eyes"}})) == "");
    CHECK(error_of(api(sim, "reactions.add",
                       {{"channel", "C_INCIDENTS"}, {"timestamp", ts}, {"name", "eyes"}})) ==
          "already_reacted");

    CHECK(error_of(api(sim, "bookmarks.add",
                       {{"channel_id", "C_INCIDENTS"},
                        {"title", "Runbook"},
                        {"type", "link"},
                        {"link", "https://runbooks/api"}})) == "");
    CHECK(error_of(api(sim, "bookmarks.add",
                       {{"channel_id", "C_INCIDENTS"},
                        {"title", "Runbook"},
                        {"type", "link"},
                        {"link", "ftp://x"}})) == "invalid_link");

    CHECK(error_of(api_form(sim, "users.info", "user=U_NOPE")) == "user_not_found");
    auto alice = api_form(sim, "users.info", "user=U_ALICE");
    CHECK(alice.j()["user"]["name"] == "alice");
    // Readers ignore a JSON body, as Slack does: the argument is lost.
    CHECK(error_of(api(sim, "users.info", {{"user", "U_ALICE"}})) == "user_not_found");
    CHECK(api_form(sim, "usergroups.users.list", "usergroup=S_ONCALL_BACKEND").j()["users"] ==
          json::array({"U_ALICE"}));
    CHECK(error_of(api_form(sim, "usergroups.users.list", "usergroup=S_NOPE")) ==
          "no_such_subteam");

    for (int i = 0; i < 5; ++i) {
        sim.add_user("user" + std::to_string(i));
    }
    std::set<std::string> ids;
    std::string cursor;
    int pages = 0;
    do {
        std::string form = "limit=3";
        if (!cursor.empty()) {
            form += "&cursor=" + percent(cursor);
        }
        auto page = api_form(sim, "users.list", form).j();
        REQUIRE(page["ok"] == true);
        CHECK(page["members"].size() <= 3);
        for (const auto& m : page["members"]) {
            ids.insert(m["id"].get<std::string>());
        }
        cursor = page["response_metadata"]["next_cursor"].get<std::string>();
        ++pages;
    } while (!cursor.empty() && pages < 10);
    CHECK(ids.size() == 8);
    CHECK(pages == 3);
    CHECK(error_of(api_form(sim, "conversations.list", "cursor=bm9wZQ%3D%3D")) == "invalid_cursor");
    auto channels = api_form(sim, "conversations.list", "limit=1").j();
    CHECK(channels["channels"].size() == 1);
    CHECK_FALSE(channels["response_metadata"]["next_cursor"].get<std::string>().empty());
    CHECK(api_form(sim, "conversations.info", "channel=C_GENERAL").j()["channel"]["name"] ==
          "general");

    // History shows what users wrote through the control side.
    sim.post_message("bob", "C_INCIDENTS", "db is on fire");
    auto history = api_form(sim, "conversations.history", "channel=C_INCIDENTS").j();
    REQUIRE(history["ok"] == true);
    CHECK(history["messages"][0]["text"] == "db is on fire");
    CHECK(history["messages"][0]["user"] == "U_BOB");
}

TEST_CASE("Web API: message metadata comes back from history only with include_all_metadata",
          "[slack_sim]") {
    simulator sim(fast_options());
    sim.start();
    const json metadata{{"event_type", "warroom_outbox"}, {"event_payload", {{"outbox_id", 7}}}};
    auto posted = api(sim, "chat.postMessage",
                      {{"channel", "C_INCIDENTS"}, {"text", "tagged"}, {"metadata", metadata}})
                      .j();
    REQUIRE(posted["ok"] == true);
    auto plain = api_form(sim, "conversations.history", "channel=C_INCIDENTS").j();
    REQUIRE(plain["ok"] == true);
    CHECK(plain["messages"][0]["ts"] == posted["ts"]);
    CHECK_FALSE(plain["messages"][0].contains("metadata"));
    auto full =
        api_form(sim, "conversations.history", "channel=C_INCIDENTS&include_all_metadata=true").j();
    REQUIRE(full["ok"] == true);
    CHECK(full["messages"][0]["metadata"] == metadata);
}

TEST_CASE("Web API: file upload in three steps", "[slack_sim]") {
    simulator sim(fast_options());
    sim.start();
    CHECK(error_of(api_form(sim, "files.getUploadURLExternal", "filename=pm.md&length=0")) ==
          "missing_argument");
    auto r = api_form(sim, "files.getUploadURLExternal", "filename=pm.md&length=11").j();
    REQUIRE(r["ok"] == true);
    auto file_id = r["file_id"].get<std::string>();
    auto upload_url = r["upload_url"].get<std::string>();
    CHECK(upload_url.rfind(sim.api_url().substr(0, sim.api_url().size() - 5), 0) == 0);

    // Completing before the bytes arrived fails.
    CHECK(error_of(api(sim, "files.completeUploadExternal",
                       {{"files", json::array({{{"id", file_id}}})}})) == "file_not_found");
    auto up = http_do(sim.port(), http::verb::post, path_of(upload_url), "# Postmortem",
                      "application/octet-stream");
    CHECK(up.status == 200);
    auto done = api(sim, "files.completeUploadExternal",
                    {{"files", json::array({{{"id", file_id}, {"title", "Postmortem"}}})},
                     {"channel_id", "C_INCIDENTS"},
                     {"initial_comment", "draft attached"}});
    REQUIRE(error_of(done).empty());
    CHECK(done.j()["files"][0]["id"] == file_id);
    CHECK(error_of(api(sim, "files.completeUploadExternal",
                       {{"files", json::array({{{"id", file_id}}})}})) == "file_not_found");

    auto state = sim.state();
    REQUIRE(state["files"].size() == 1);
    CHECK(state["files"][0]["bytes"] == "# Postmortem");
    CHECK(state["files"][0]["channels"] == json::array({"C_INCIDENTS"}));
    CHECK(state["messages"]["C_INCIDENTS"].back()["files"] == json::array({file_id}));
}

// ==== limits and faults =======================================================================

TEST_CASE("Rate limits: 429 with Retry-After under a scaled tier window", "[slack_sim]") {
    sim_options o;
    o.rate_limit_scale = 0.05;  // a minute is 3 s
    simulator sim(o);
    sim.start();

    // Tier 2: 20 per window.
    for (int i = 0; i < 20; ++i) {
        REQUIRE(error_of(api(sim, "conversations.setTopic",
                             {{"channel", "C_GENERAL"}, {"topic", std::to_string(i)}})) == "");
    }
    auto limited = api(sim, "conversations.setTopic", {{"channel", "C_GENERAL"}, {"topic", "x"}});
    CHECK(limited.status == 429);
    CHECK(error_of(limited) == "ratelimited");
    REQUIRE(limited.headers.count("retry-after") == 1);
    auto retry_after = std::stoi(limited.headers["retry-after"]);
    CHECK(retry_after >= 1);
    CHECK(retry_after <= 3);
    // Other methods are not affected.
    CHECK(api(sim, "auth.test").status == 200);
    // Honouring Retry-After is enough.
    std::this_thread::sleep_for(std::chrono::seconds(retry_after));
    CHECK(api(sim, "conversations.setTopic", {{"channel", "C_GENERAL"}, {"topic", "y"}}).status ==
          200);
}

TEST_CASE("Rate limits: chat.postMessage allows a short burst per channel", "[slack_sim]") {
    simulator sim;  // real windows: 1 message per second per channel after a burst of 5
    sim.start();
    int first_429 = -1;
    for (int i = 0; i < 8 && first_429 < 0; ++i) {
        auto r = api(sim, "chat.postMessage", {{"channel", "C_GENERAL"}, {"text", "m"}});
        if (r.status == 429) {
            first_429 = i;
            CHECK(r.headers["retry-after"] == "1");
        }
    }
    CHECK(first_429 >= 5);
    // Another channel has its own budget.
    CHECK(api(sim, "chat.postMessage", {{"channel", "C_INCIDENTS"}, {"text", "m"}}).status == 200);
}

TEST_CASE("Faults: injected 429, 5xx, slow responses, dropped connections", "[slack_sim]") {
    simulator sim(fast_options());
    sim.start();

    sim.rate_limit_next("chat.postMessage", 1, 7);
    auto r = api(sim, "chat.postMessage", {{"channel", "C_GENERAL"}, {"text", "x"}});
    CHECK(r.status == 429);
    CHECK(r.headers["retry-after"] == "7");
    CHECK(api(sim, "chat.postMessage", {{"channel", "C_GENERAL"}, {"text", "x"}}).status == 200);

    sim.fail_next("*", 2, 503);
    CHECK(api(sim, "auth.test").status == 503);
    CHECK(api(sim, "users.list").status == 503);
    CHECK(api(sim, "auth.test").status == 200);

    // after_apply: the message is stored although the client saw a 500.
    auto before = sim.state()["messages"]["C_GENERAL"].size();
    sim.fail_next("chat.postMessage", 1, 500, true);
    CHECK(api(sim, "chat.postMessage", {{"channel", "C_GENERAL"}, {"text", "twice?"}}).status ==
          500);
    CHECK(sim.state()["messages"]["C_GENERAL"].size() == before + 1);

    sim.slow_next("auth.test", 300ms);
    auto start = std::chrono::steady_clock::now();
    CHECK(api(sim, "auth.test").status == 200);
    CHECK(std::chrono::steady_clock::now() - start >= 300ms);

    sim.drop_next_connections(1);
    CHECK_THROWS(api(sim, "auth.test"));
    CHECK(api(sim, "auth.test").status == 200);

    auto log = sim.calls("chat.postMessage");
    REQUIRE(log.size() >= 3);
    CHECK(log[0].status == 429);
    CHECK(log[0].error == "ratelimited");
}

// ==== deliveries over HTTP ====================================================================

TEST_CASE("HTTP delivery: signed slash command, events and interactivity", "[slack_sim]") {
    simulator sim(fast_options());
    sim.start();
    receiver bot("sim-secret", [](int, const received& r) {
        receiver::answer a;
        if (r.body.find("command=") != std::string::npos) {
            a.content_type = "application/json";
            a.body = R"({"response_type":"ephemeral","text":"Declaring..."})";
        }
        return a;
    });
    sim.set_bot_endpoint(bot.url());

    auto r = sim.slash_command("alice", "#incidents", "/incident", "create SEV2 \"API errors\"");
    CHECK(r.delivered);
    CHECK(r.transport == "http");
    CHECK(r.status == 200);
    CHECK(r.attempts == 1);
    CHECK(r.response["text"] == "Declaring...");
    CHECK_FALSE(r.trigger_id.empty());

    auto reqs = bot.requests();
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0].signature_valid);
    CHECK(reqs[0].content_type == "application/x-www-form-urlencoded");
    auto form = parse_form(reqs[0].body);
    CHECK(form["command"] == "/incident");
    CHECK(form["text"] == "create SEV2 \"API errors\"");
    CHECK(form["user_id"] == "U_ALICE");
    CHECK(form["channel_id"] == "C_INCIDENTS");
    CHECK(form["trigger_id"] == r.trigger_id);
    CHECK(form["response_url"] == r.response_url);
    // The ephemeral answer is what alice sees.
    CHECK(sim.state()["ephemeral"][0]["text"] == "Declaring...");

    // response_url: up to 5 uses, recorded; in_channel posts publicly.
    auto rpath = path_of(r.response_url);
    auto post =
        http_do(sim.port(), http::verb::post, rpath,
                R"({"response_type":"in_channel","text":"SEV2 declared"})", "application/json");
    CHECK(post.status == 200);
    CHECK(sim.state()["messages"]["C_INCIDENTS"].back()["text"] == "SEV2 declared");
    for (int i = 0; i < 4; ++i) {
        CHECK(http_do(sim.port(), http::verb::post, rpath, R"({"text":"more"})", "application/json")
                  .status == 200);
    }
    CHECK(http_do(sim.port(), http::verb::post, rpath, R"({"text":"sixth"})", "application/json")
              .status == 404);

    // A mention: a message event, then an app_mention event, both signed JSON envelopes.
    auto m = sim.post_message("bob", "C_INCIDENTS", "<@UBOT> diag db-connections");
    CHECK(m.delivered);
    CHECK_FALSE(m.ts.empty());
    REQUIRE(m.followups.size() == 1);
    CHECK(m.followups[0].delivered);
    reqs = bot.requests();
    REQUIRE(reqs.size() == 3);
    auto message = json::parse(reqs[1].body);
    auto mention = json::parse(reqs[2].body);
    CHECK(reqs[1].signature_valid);
    CHECK(reqs[1].content_type == "application/json");
    CHECK(message["type"] == "event_callback");
    CHECK(message["event"]["type"] == "message");
    CHECK(message["event"]["ts"] == m.ts);
    CHECK(message["event_id"] == m.event_id);
    CHECK(mention["event"]["type"] == "app_mention");
    CHECK(mention["event"]["text"] == "<@UBOT> diag db-connections");
    CHECK(message["event_id"] != mention["event_id"]);

    // pin, reaction, join: each one event.
    CHECK(sim.pin("alice", "C_INCIDENTS", m.ts).delivered);
    CHECK(sim.react("alice", "C_INCIDENTS", m.ts, "eyes").delivered);
    auto carol = sim.add_user("carol");
    CHECK(sim.join(carol, "C_INCIDENTS").delivered);
    reqs = bot.requests();
    REQUIRE(reqs.size() == 6);
    CHECK(json::parse(reqs[3].body)["event"]["type"] == "pin_added");
    CHECK(json::parse(reqs[3].body)["event"]["item"]["message"]["ts"] == m.ts);
    CHECK(json::parse(reqs[4].body)["event"]["reaction"] == "eyes");
    CHECK(json::parse(reqs[5].body)["event"]["type"] == "member_joined_channel");
    CHECK(json::parse(reqs[5].body)["event"]["user"] == carol);

    // A button click: payload= form with block_actions.
    json blocks = json::array(
        {{{"type", "actions"},
          {"block_id", "b1"},
          {"elements", json::array({{{"type", "button"},
                                     {"action_id", "ack_page"},
                                     {"value", "INC-7"},
                                     {"text", {{"type", "plain_text"}, {"text", "Ack"}}}}})}}});
    auto posted = api(sim, "chat.postMessage",
                      {{"channel", "C_INCIDENTS"}, {"text", "page"}, {"blocks", blocks}})
                      .j();
    auto click = sim.click_button("bob", "C_INCIDENTS", posted["ts"], "ack_page");
    CHECK(click.delivered);
    CHECK_FALSE(sim.click_button("bob", "C_INCIDENTS", posted["ts"], "missing").error.empty());
    reqs = bot.requests();
    REQUIRE(reqs.size() == 7);
    CHECK(reqs[6].signature_valid);
    auto payload = json::parse(parse_form(reqs[6].body)["payload"]);
    CHECK(payload["type"] == "block_actions");
    CHECK(payload["actions"][0]["action_id"] == "ack_page");
    CHECK(payload["actions"][0]["value"] == "INC-7");
    CHECK(payload["actions"][0]["block_id"] == "b1");
    CHECK(payload["container"]["message_ts"] == posted["ts"]);
    CHECK(payload["user"]["id"] == "U_BOB");

    // replace_original through the click's response_url rewrites the message.
    auto replaced =
        http_do(sim.port(), http::verb::post, path_of(click.response_url),
                R"({"replace_original":true,"text":"Acked by bob"})", "application/json");
    CHECK(replaced.status == 200);
    bool rewritten = false;
    auto after_click = sim.state();
    for (const auto& msg : after_click["messages"]["C_INCIDENTS"]) {
        rewritten = rewritten || (msg["ts"] == posted["ts"] && msg["text"] == "Acked by bob");
    }
    CHECK(rewritten);

    // The url_verification handshake.
    receiver echo("sim-secret", [](int, const received& req) {
        receiver::answer a;
        a.content_type = "application/json";
        a.body = json{{"challenge", json::parse(req.body)["challenge"]}}.dump();
        return a;
    });
    sim.set_bot_endpoint(echo.url());
    CHECK(sim.verify_url().delivered);
    sim.set_bot_endpoint(bot.url());
    CHECK_FALSE(sim.verify_url().delivered);
}

TEST_CASE("HTTP delivery: a slow or failing bot gets Slack's retries", "[slack_sim]") {
    auto o = fast_options();
    o.delivery_timeout = 300ms;
    o.retry_scale = 0.001;  // +1 min / +5 min become 60 ms / 300 ms

    SECTION("timeouts") {
        simulator sim(o);
        sim.start();
        receiver bot("sim-secret", [](int i, const received&) {
            receiver::answer a;
            a.delay = i < 2 ? 700ms : 0ms;
            return a;
        });
        sim.set_bot_endpoint(bot.url());
        auto r = sim.post_message("alice", "C_GENERAL", "hello");
        CHECK(r.delivered);
        CHECK(r.attempts == 3);
        REQUIRE(r.attempt_log.size() == 3);
        CHECK(r.attempt_log[0].error == "http_timeout");
        CHECK(r.attempt_log[1].retry_reason == "http_timeout");
        auto reqs = bot.requests();
        REQUIRE(reqs.size() == 3);
        CHECK(reqs[0].headers.count("x-slack-retry-num") == 0);
        CHECK(reqs[1].headers["x-slack-retry-num"] == "1");
        CHECK(reqs[2].headers["x-slack-retry-num"] == "2");
        CHECK(reqs[2].headers["x-slack-retry-reason"] == "http_timeout");
        // Same event each time, so the bot can deduplicate.
        CHECK(json::parse(reqs[0].body)["event_id"] == json::parse(reqs[2].body)["event_id"]);
        for (const auto& q : reqs) {
            CHECK(q.signature_valid);
        }
    }
    SECTION("errors and giving up") {
        simulator sim(o);
        sim.start();
        receiver bot("sim-secret", [](int, const received&) {
            receiver::answer a;
            a.status = 500;
            return a;
        });
        sim.set_bot_endpoint(bot.url());
        auto r = sim.post_message("alice", "C_GENERAL", "hello");
        CHECK_FALSE(r.delivered);
        CHECK(r.attempts == 4);  // the first attempt and 3 retries
        auto reqs = bot.requests();
        REQUIRE(reqs.size() == 4);
        CHECK(reqs[3].headers["x-slack-retry-num"] == "3");
        CHECK(reqs[3].headers["x-slack-retry-reason"] == "http_error");
    }
    SECTION("X-Slack-No-Retry stops retries of an error") {
        simulator sim(o);
        sim.start();
        receiver bot("sim-secret", [](int, const received&) {
            receiver::answer a;
            a.status = 503;
            a.no_retry = true;
            return a;
        });
        sim.set_bot_endpoint(bot.url());
        auto r = sim.post_message("alice", "C_GENERAL", "hello");
        CHECK_FALSE(r.delivered);
        CHECK(r.attempts == 1);
    }
    SECTION("slash commands are not retried; the user sees operation_timeout") {
        simulator sim(o);
        sim.start();
        receiver bot("sim-secret", [](int, const received&) {
            receiver::answer a;
            a.delay = 700ms;
            return a;
        });
        sim.set_bot_endpoint(bot.url());
        auto r = sim.slash_command("alice", "C_GENERAL", "/incident", "list");
        CHECK_FALSE(r.delivered);
        CHECK(r.attempts == 1);
        CHECK(r.error == "operation_timeout");
    }
    SECTION("duplicate deliveries carry the same event_id") {
        simulator sim(o);
        sim.start();
        receiver bot("sim-secret");
        sim.set_bot_endpoint(bot.url());
        sim.duplicate_deliveries(true);
        auto r = sim.post_message("alice", "C_GENERAL", "hello");
        CHECK(r.delivered);
        CHECK(r.attempts == 2);
        auto reqs = bot.requests();
        REQUIRE(reqs.size() == 2);
        CHECK(reqs[0].body == reqs[1].body);
    }
}

TEST_CASE("trigger_id: single use, expiry, validity; views.open/update", "[slack_sim]") {
    auto o = fast_options();
    o.trigger_ttl = 1000ms;
    simulator sim(o);
    sim.start();
    receiver bot("sim-secret");
    sim.set_bot_endpoint(bot.url());

    json view = {{"type", "modal"},
                 {"callback_id", "declare"},
                 {"title", {{"type", "plain_text"}, {"text", "Declare"}}},
                 {"submit", {{"type", "plain_text"}, {"text", "Declare"}}},
                 {"blocks",
                  json::array({{{"type", "input"},
                                {"block_id", "title"},
                                {"label", {{"type", "plain_text"}, {"text", "Title"}}},
                                {"element",
                                 {{"type", "plain_text_input"}, {"action_id", "title_input"}}}}})}};

    auto cmd = sim.slash_command("alice", "C_GENERAL", "/incident", "");
    REQUIRE(cmd.delivered);
    auto opened = api(sim, "views.open", {{"trigger_id", cmd.trigger_id}, {"view", view}});
    REQUIRE(error_of(opened).empty());
    auto view_id = opened.j()["view"]["id"].get<std::string>();
    auto hash = opened.j()["view"]["hash"].get<std::string>();
    CHECK(error_of(api(sim, "views.open", {{"trigger_id", cmd.trigger_id}, {"view", view}})) ==
          "exchanged_trigger_id");
    CHECK(
        error_of(api(sim, "views.open", {{"trigger_id", "12345.98765.abcdef"}, {"view", view}})) ==
        "invalid_trigger_id");
    CHECK(error_of(api(sim, "views.open", {{"trigger_id", "garbage"}, {"view", view}})) ==
          "invalid_trigger_id");

    auto late = sim.slash_command("alice", "C_GENERAL", "/incident", "");
    std::this_thread::sleep_for(1100ms);
    CHECK(error_of(api(sim, "views.open", {{"trigger_id", late.trigger_id}, {"view", view}})) ==
          "expired_trigger_id");

    json bad = view;
    bad["title"]["text"] = std::string(25, 'x');
    auto fresh = sim.slash_command("alice", "C_GENERAL", "/incident", "");
    auto invalid = api(sim, "views.open", {{"trigger_id", fresh.trigger_id}, {"view", bad}});
    CHECK(error_of(invalid) == "invalid_arguments");
    CHECK_FALSE(invalid.j()["response_metadata"]["messages"].empty());

    CHECK(error_of(api(sim, "views.update",
                       {{"view_id", view_id}, {"hash", "stale"}, {"view", view}})) ==
          "hash_conflict");
    CHECK(error_of(api(sim, "views.update",
                       {{"view_id", view_id}, {"hash", hash}, {"view", view}})) == "");
    CHECK(error_of(api(sim, "views.update", {{"view_id", "V_NOPE"}, {"view", view}})) ==
          "not_found");

    // Submitting: the short form of values becomes Slack's state.values shape.
    auto sub = sim.submit_view("alice", view_id, {{"title_input", "DB down"}});
    INFO(sub.error);
    CHECK(sub.delivered);
    auto payload = json::parse(parse_form(bot.requests().back().body)["payload"]);
    CHECK(payload["type"] == "view_submission");
    CHECK(payload["view"]["state"]["values"]["title"]["title_input"]["value"] == "DB down");
    // An empty 200 closed the view.
    CHECK(sim.state()["views"][0]["open"] == false);
}

// ==== Socket Mode =============================================================================

TEST_CASE("Socket Mode: hello, envelopes, acks, redelivery, disconnect", "[slack_sim]") {
    auto o = fast_options();
    o.ack_timeout = 300ms;
    o.disconnect_grace = 200ms;
    simulator sim(o);
    sim.start();

    auto url = open_socket_url(sim);
    CHECK(url.rfind("ws://127.0.0.1:" + std::to_string(sim.port()) + "/socket?ticket=", 0) == 0);

    SECTION("tickets are single use and checked") {
        ws_client bad;
        CHECK(bad.connect("ws://127.0.0.1:" + std::to_string(sim.port()) + "/socket?ticket=nope") ==
              401);
        ws_client first;
        CHECK(first.connect(url) == 101);
        ws_client again;
        CHECK(again.connect(url) == 401);
    }

    SECTION("hello, then deliveries go over the socket and wait for the ack") {
        ws_client c;
        REQUIRE(c.connect(url) == 101);
        auto hello = c.next();
        REQUIRE(hello);
        CHECK((*hello)["type"] == "hello");
        CHECK((*hello)["num_connections"] == 1);
        CHECK((*hello)["debug_info"].contains("approximate_connection_time"));
        REQUIRE(sim.wait_for_socket_connections(1, 2s));

        auto pending = std::async(std::launch::async,
                                  [&] { return sim.post_message("bob", "C_GENERAL", "hi"); });
        auto env = c.next_of("events_api");
        REQUIRE(env);
        CHECK((*env)["retry_attempt"] == 0);
        CHECK((*env)["retry_reason"] == "");
        CHECK((*env)["accepts_response_payload"] == false);
        CHECK((*env)["payload"]["event"]["text"] == "hi");
        CHECK(matches_shape((*env)["envelope_id"].get<std::string>(),
                            "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"));
        c.send({{"envelope_id", (*env)["envelope_id"]}});
        auto r = pending.get();
        CHECK(r.delivered);
        CHECK(r.transport == "socket");
        CHECK(r.attempts == 1);
        CHECK(r.envelope_id == (*env)["envelope_id"]);

        // Not acked: redelivered with retry_attempt 1.
        pending = std::async(std::launch::async,
                             [&] { return sim.post_message("bob", "C_GENERAL", "again"); });
        auto first = c.next_of("events_api");
        REQUIRE(first);
        auto second = c.next_of("events_api", 2s);
        REQUIRE(second);
        CHECK((*second)["retry_attempt"] == 1);
        CHECK((*second)["retry_reason"] == "timeout");
        CHECK((*second)["payload"]["event_id"] == (*first)["payload"]["event_id"]);
        c.send({{"envelope_id", (*second)["envelope_id"]}});
        r = pending.get();
        CHECK(r.delivered);
        CHECK(r.attempts == 2);

        // A slash command's ack may carry the response.
        auto cmd = std::async(std::launch::async, [&] {
            return sim.slash_command("alice", "C_GENERAL", "/incident", "help");
        });
        auto slash = c.next_of("slash_commands");
        REQUIRE(slash);
        CHECK((*slash)["accepts_response_payload"] == true);
        CHECK((*slash)["payload"]["command"] == "/incident");
        CHECK((*slash)["payload"]["text"] == "help");
        c.send({{"envelope_id", (*slash)["envelope_id"]}, {"payload", {{"text", "Usage: ..."}}}});
        auto cr = cmd.get();
        CHECK(cr.delivered);
        CHECK(cr.response["text"] == "Usage: ...");
        CHECK(sim.state()["ephemeral"].back()["text"] == "Usage: ...");

        // Pings both ways.
        c.ping();
        sim.socket_ping();
        auto deadline = std::chrono::steady_clock::now() + 2s;
        while ((c.pings() == 0 || c.pongs() == 0) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(10ms);
        }
        CHECK(c.pongs() >= 1);
        CHECK(c.pings() >= 1);

        // disconnect: the frame, then the server closes the link.
        sim.socket_disconnect("refresh_requested");
        auto bye = c.next_of("disconnect");
        REQUIRE(bye);
        CHECK((*bye)["reason"] == "refresh_requested");
        CHECK(c.wait_closed(3s));
        deadline = std::chrono::steady_clock::now() + 2s;
        while (sim.socket_connection_count() > 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(10ms);
        }
        CHECK(sim.socket_connection_count() == 0);
    }

    SECTION("a dropped link: the envelope is redelivered on another connection") {
        ws_client a;
        REQUIRE(a.connect(url) == 101);
        ws_client b;
        REQUIRE(b.connect(open_socket_url(sim)) == 101);
        REQUIRE(sim.wait_for_socket_connections(2, 2s));
        REQUIRE(a.next_of("hello"));
        REQUIRE(b.next_of("hello"));

        sim.drop_socket_mode_after(0);  // the next frame kills its link instead
        auto pending = std::async(std::launch::async,
                                  [&] { return sim.post_message("bob", "C_GENERAL", "lost?"); });
        // Whichever link got it died; the survivor gets the retry.
        std::optional<json> env;
        auto deadline = std::chrono::steady_clock::now() + 3s;
        ws_client* survivor = nullptr;
        while (!env && std::chrono::steady_clock::now() < deadline) {
            for (auto* c : {&a, &b}) {
                if (!env) {
                    if (auto f = c->next(50ms); f && (*f)["type"] == "events_api") {
                        env = f;
                        survivor = c;
                    }
                }
            }
        }
        REQUIRE(env);
        CHECK((*env)["retry_attempt"] == 1);
        survivor->send({{"envelope_id", (*env)["envelope_id"]}});
        auto r = pending.get();
        CHECK(r.delivered);
        CHECK(r.attempts == 2);
        CHECK(sim.socket_connection_count() == 1);
    }

    SECTION("abrupt drop of every link") {
        ws_client c;
        REQUIRE(c.connect(url) == 101);
        REQUIRE(sim.wait_for_socket_connections(1, 2s));
        sim.socket_drop_all();
        CHECK(c.wait_closed(3s));
    }
}

// ==== control API =============================================================================

TEST_CASE("Control API: round trip over HTTP", "[slack_sim]") {
    simulator sim(fast_options());
    sim.start();
    auto post = [&](const std::string& path, const json& body) {
        return http_do(sim.port(), http::verb::post, "/control/" + path, body.dump(),
                       "application/json");
    };
    auto index = http_do(sim.port(), http::verb::get, "/control/");
    CHECK(index.j()["ok"] == true);
    CHECK(index.j()["endpoints"].contains("POST /control/message"));

    auto user = post("users", {{"handle", "carol"}}).j();
    CHECK(user["id"] == "U_CAROL");
    auto ch = post("channels", {{"name", "ops"}, {"members", {"alice", "carol", "UBOT"}}}).j();
    REQUIRE(ch["ok"] == true);
    auto id = ch["id"].get<std::string>();

    receiver bot("sim-secret");
    CHECK(post("bot_endpoint", {{"url", bot.url()}}).j()["ok"] == true);
    auto msg = post("message", {{"user", "carol"}, {"channel", "#ops"}, {"text", "hello ops"}});
    CHECK(msg.status == 200);
    CHECK(msg.j()["delivered"] == true);
    REQUIRE(bot.requests().size() == 1);
    CHECK(json::parse(bot.requests()[0].body)["event"]["text"] == "hello ops");

    auto refused = post("message", {{"user", "nobody"}, {"channel", "#ops"}, {"text", "x"}});
    CHECK(refused.status == 400);
    CHECK(refused.j()["ok"] == false);

    CHECK(post("faults/fail", {{"method", "auth.test"}, {"count", 1}, {"status", 500}}).j()["ok"] ==
          true);
    CHECK(api(sim, "auth.test").status == 500);
    CHECK(api(sim, "auth.test").status == 200);

    auto state = http_do(sim.port(), http::verb::get, "/control/state").j()["state"];
    CHECK(state["messages"][id][0]["text"] == "hello ops");
    CHECK(state["calls"].size() == 2);
    auto calls = http_do(sim.port(), http::verb::get, "/control/calls?method=auth.test").j();
    CHECK(calls["calls"].size() == 2);
    CHECK(calls["calls"][0]["status"] == 500);

    CHECK(post("reset", json::object()).j()["ok"] == true);
    CHECK(sim.state()["channels"].size() == 2);
    CHECK(sim.calls().empty());
    CHECK(http_do(sim.port(), http::verb::post, "/control/nope", "{}", "application/json").status ==
          404);
}

TEST_CASE("Views: push limit and view_submission response actions", "[slack_sim]") {
    simulator sim(fast_options());
    sim.start();
    // The bot answers submissions with validation errors first, then with an empty 200.
    receiver bot("sim-secret", [](int, const received& r) {
        receiver::answer a;
        auto form = parse_form(r.body);
        if (form.count("payload") == 1) {
            auto p = json::parse(form["payload"]);
            auto values = p["view"]["state"]["values"];
            if (p["type"] == "view_submission" && values["title"]["t"]["value"] == "") {
                a.content_type = "application/json";
                a.body = R"({"response_action":"errors","errors":{"title":"Required"}})";
            }
        }
        return a;
    });
    sim.set_bot_endpoint(bot.url());
    auto modal = [](const std::string& title) {
        return json{
            {"type", "modal"},
            {"title", {{"type", "plain_text"}, {"text", title}}},
            {"submit", {{"type", "plain_text"}, {"text", "Go"}}},
            {"blocks",
             json::array({{{"type", "input"},
                           {"block_id", "title"},
                           {"label", {{"type", "plain_text"}, {"text", "Title"}}},
                           {"element", {{"type", "plain_text_input"}, {"action_id", "t"}}}}})}};
    };
    auto trigger = [&] {
        return sim.slash_command("alice", "C_GENERAL", "/incident", "").trigger_id;
    };

    auto root = api(sim, "views.open", {{"trigger_id", trigger()}, {"view", modal("One")}}).j();
    REQUIRE(root["ok"] == true);
    auto root_id = root["view"]["id"].get<std::string>();
    CHECK(api(sim, "views.push", {{"trigger_id", trigger()}, {"view", modal("Two")}}).j()["ok"] ==
          true);
    CHECK(api(sim, "views.push", {{"trigger_id", trigger()}, {"view", modal("Three")}}).j()["ok"] ==
          true);
    CHECK(error_of(api(sim, "views.push", {{"trigger_id", trigger()}, {"view", modal("Four")}})) ==
          "push_limit_reached");

    // A modal with an input block needs a submit button.
    json no_submit = modal("x");
    no_submit.erase("submit");
    CHECK(error_of(api(sim, "views.update", {{"view_id", root_id}, {"view", no_submit}})) ==
          "invalid_arguments");

    auto rejected = sim.submit_view("alice", root_id, {{"title", {{"t", ""}}}});
    CHECK(rejected.delivered);
    CHECK(rejected.response["response_action"] == "errors");
    auto state = sim.state();
    json root_view;
    for (const auto& v : state["views"]) {
        if (v["id"] == root_id) {
            root_view = v;
        }
    }
    CHECK(root_view["open"] == true);
    CHECK(root_view["errors"]["title"] == "Required");

    CHECK(sim.submit_view("alice", root_id, {{"title", {{"t", "DB down"}}}}).delivered);
    state = sim.state();
    for (const auto& v : state["views"]) {
        if (v["id"] == root_id) {
            CHECK(v["open"] == false);
            CHECK(v["submissions"].size() == 2);
        }
    }
    // Someone else cannot submit alice's view.
    CHECK_FALSE(sim.submit_view("bob", root_id, json::object()).error.empty());
}

TEST_CASE("echo_bot_actions: the bot hears its own messages, as on Slack", "[slack_sim]") {
    auto o = fast_options();
    o.echo_bot_actions = true;
    simulator sim(o);
    sim.start();
    receiver bot("sim-secret");
    sim.set_bot_endpoint(bot.url());
    auto posted =
        api(sim, "chat.postMessage", {{"channel", "C_GENERAL"}, {"text", "from the bot"}});
    REQUIRE(error_of(posted).empty());
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (bot.requests().empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    REQUIRE(bot.requests().size() == 1);
    auto event = json::parse(bot.requests()[0].body)["event"];
    CHECK(event["type"] == "message");
    CHECK(event["bot_id"] == "B_WARROOM");
    CHECK(event["ts"] == posted.j()["ts"]);
}
