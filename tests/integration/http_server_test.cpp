#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include "bot/http/server.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace wh = warroom::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

using test_response = bhttp::response<bhttp::string_body>;

/// A blocking HTTP client with a deadline on every call: async Beast operations on a private
/// io_context, run until done, with tcp_stream timeouts so nothing can hang.
class test_client {
  public:
    explicit test_client(unsigned short port, std::chrono::seconds timeout = 5s)
        : timeout_(timeout) {
        stream_.expires_after(timeout_);
        stream_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                              [this](beast::error_code ec) { ec_ = ec; });
        run();
        REQUIRE_FALSE(ec_);
    }

    void write(bhttp::request<bhttp::string_body> req) {
        req.version(11);
        req.set(bhttp::field::host, "127.0.0.1");
        req.prepare_payload();
        stream_.expires_after(timeout_);
        bhttp::async_write(stream_, req, [this](beast::error_code ec, std::size_t) { ec_ = ec; });
        run();
        REQUIRE_FALSE(ec_);
    }

    void write_raw(const std::string& bytes) {
        stream_.expires_after(timeout_);
        net::async_write(stream_, net::buffer(bytes),
                         [this](beast::error_code ec, std::size_t) { ec_ = ec; });
        run();
        REQUIRE_FALSE(ec_);
    }

    test_response read() {
        test_response res;
        stream_.expires_after(timeout_);
        bhttp::async_read(stream_, buffer_, res,
                          [this](beast::error_code ec, std::size_t) { ec_ = ec; });
        run();
        REQUIRE_FALSE(ec_);
        return res;
    }

    test_response request(bhttp::verb method, const std::string& target, std::string body = {}) {
        bhttp::request<bhttp::string_body> req{method, target, 11};
        req.body() = std::move(body);
        write(std::move(req));
        return read();
    }

    /// Reads until the server closes the connection; returns how the read ended.
    beast::error_code read_until_closed() {
        std::array<char, 4096> scratch{};
        stream_.expires_after(timeout_);
        ec_ = {};
        for (;;) {
            std::size_t n = 0;
            stream_.async_read_some(net::buffer(scratch),
                                    [&](beast::error_code ec, std::size_t got) {
                                        ec_ = ec;
                                        n = got;
                                    });
            run();
            if (ec_)
                return ec_;
            (void)n;
        }
    }

    bool closed_by_peer() {
        const auto ec = read_until_closed();
        return ec == net::error::eof || ec == net::error::connection_reset;
    }

  private:
    void run() {
        ioc_.restart();
        ioc_.run_for(timeout_ + 5s);
    }

    std::chrono::seconds timeout_;
    net::io_context ioc_;
    beast::tcp_stream stream_{ioc_};
    beast::flat_buffer buffer_;
    beast::error_code ec_;
};

wh::server_options test_options() {
    wh::server_options o;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    return o;
}

/// Starts on construction; stops (briefly) on destruction so a failing test cannot hang.
struct running_server {
    running_server(wh::server_options options, const wh::router& routes)
        : server(std::move(options), routes) {
        server.start();
    }
    ~running_server() { server.stop(100ms); }
    wh::server server;
    unsigned short port() const { return server.port(); }
};

wh::handler answer(int status, std::string body) {
    return
        [status, body](wh::request&&, wh::responder respond) { respond(wh::text(status, body)); };
}

/// Threads started by handlers; joined at the end of each test.
struct worker_threads {
    std::mutex mu;
    std::vector<std::thread> threads;
    template <class Fn>
    void spawn(Fn fn) {
        std::lock_guard lock(mu);
        threads.emplace_back(std::move(fn));
    }
    ~worker_threads() {
        for (auto& t : threads)
            t.join();
    }
};

}  // namespace

TEST_CASE("requests reach the handler for their method and path; others get 404 or 405",
          "[http][integration]") {
    wh::router routes;
    routes.add("GET", "/healthz", answer(200, "ok"));
    routes.add("POST", "/slack/events", [](wh::request&& req, wh::responder respond) {
        nlohmann::json j{{"method", req.method},
                         {"path", req.path},
                         {"query", std::string(req.query())},
                         {"body", req.body},
                         {"type", req.header("Content-Type")},
                         {"remote_set", !req.remote.empty()}};
        respond(wh::json(200, j));
    });
    routes.add_prefix("GET", "/api/incidents/", [](wh::request&& req, wh::responder respond) {
        respond(
            wh::text(200, "incident " + req.path.substr(std::string("/api/incidents/").size())));
    });
    routes.add("GET", "/api/incidents/", answer(200, "exact wins"));
    running_server srv(test_options(), routes);
    test_client client(srv.port());

    auto health = client.request(bhttp::verb::get, "/healthz");
    CHECK(health.result_int() == 200);
    CHECK(health.body() == "ok");
    CHECK(health[bhttp::field::server] == "warroom");
    CHECK(health[bhttp::field::content_type] == "text/plain; charset=utf-8");
    CHECK(health[bhttp::field::content_length] == "2");

    bhttp::request<bhttp::string_body> post{bhttp::verb::post, "/slack/events?x=1", 11};
    post.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
    post.body() = "command=%2Fincident&text=list";
    client.write(post);
    auto events = client.read();
    REQUIRE(events.result_int() == 200);
    CHECK(events[bhttp::field::content_type] == "application/json");
    const auto j = nlohmann::json::parse(events.body());
    CHECK(j["method"] == "POST");
    CHECK(j["path"] == "/slack/events");
    CHECK(j["query"] == "x=1");
    CHECK(j["body"] == "command=%2Fincident&text=list");
    CHECK(j["type"] == "application/x-www-form-urlencoded");
    CHECK(j["remote_set"] == true);

    CHECK(client.request(bhttp::verb::get, "/api/incidents/INC-20240115-0042").body() ==
          "incident INC-20240115-0042");
    CHECK(client.request(bhttp::verb::get, "/api/incidents/").body() == "exact wins");

    auto missing = client.request(bhttp::verb::get, "/nope");
    CHECK(missing.result_int() == 404);

    auto wrong = client.request(bhttp::verb::get, "/slack/events");
    CHECK(wrong.result_int() == 405);
    CHECK(wrong[bhttp::field::allow] == "POST");
    auto wrong_prefix = client.request(bhttp::verb::delete_, "/api/incidents/x");
    CHECK(wrong_prefix.result_int() == 405);
    CHECK(wrong_prefix[bhttp::field::allow] == "GET");

    // Still the same connection: errors on the routing level keep it alive.
    CHECK(client.request(bhttp::verb::get, "/healthz").result_int() == 200);
}

TEST_CASE("registering the same method and path twice throws invalid_argument", "[http][unit]") {
    wh::router routes;
    routes.add("POST", "/slack/events", answer(200, ""));
    routes.add("GET", "/slack/events", answer(200, ""));  // another method is fine
    CHECK_THROWS_AS(routes.add("POST", "/slack/events", answer(200, "")), std::invalid_argument);
    routes.add_prefix("GET", "/api/", answer(200, ""));
    CHECK_THROWS_AS(routes.add_prefix("GET", "/api/", answer(200, "")), std::invalid_argument);
    CHECK_THROWS_AS(routes.add("GET", "no-slash", answer(200, "")), std::invalid_argument);
    CHECK_THROWS_AS(routes.add("GET", "/empty", wh::handler{}), std::invalid_argument);
}

TEST_CASE("several requests on one keep-alive connection are answered in order, also pipelined",
          "[http][integration]") {
    wh::router routes;
    routes.add("POST", "/echo", [](wh::request&& req, wh::responder respond) {
        respond(wh::text(200, "got " + req.body));
    });
    running_server srv(test_options(), routes);
    test_client client(srv.port());

    for (int i = 0; i < 5; ++i) {
        auto res = client.request(bhttp::verb::post, "/echo", std::to_string(i));
        CHECK(res.body() == "got " + std::to_string(i));
        CHECK(res.keep_alive());
    }

    std::string burst;
    for (int i = 0; i < 3; ++i) {
        const auto body = "p" + std::to_string(i);
        burst +=
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n\r\n" + body;
    }
    client.write_raw(burst);
    for (int i = 0; i < 3; ++i)
        CHECK(client.read().body() == "got p" + std::to_string(i));
}

TEST_CASE("a handler may answer later from another thread", "[http][integration]") {
    worker_threads workers;
    wh::router routes;
    routes.add("POST", "/slow", [&](wh::request&& req, wh::responder respond) {
        workers.spawn([body = std::move(req.body), respond = std::move(respond)] {
            std::this_thread::sleep_for(50ms);
            respond(wh::text(202, "durably stored " + body));
        });
    });
    running_server srv(test_options(), routes);
    test_client client(srv.port());
    const auto start = std::chrono::steady_clock::now();
    auto res = client.request(bhttp::verb::post, "/slow", "x");
    CHECK(std::chrono::steady_clock::now() - start >= 50ms);
    CHECK(res.result_int() == 202);
    CHECK(res.body() == "durably stored x");
    CHECK(client.request(bhttp::verb::post, "/slow", "y").body() == "durably stored y");
}

TEST_CASE("a handler that never answers gets 503 after handler_timeout; its late answer is ignored",
          "[http][integration]") {
    std::mutex mu;
    std::vector<wh::responder> kept;
    wh::router routes;
    routes.add("POST", "/black-hole", [&](wh::request&&, wh::responder respond) {
        std::lock_guard lock(mu);
        kept.push_back(std::move(respond));
    });
    routes.add("GET", "/healthz", answer(200, "ok"));
    auto options = test_options();
    options.handler_timeout = 1s;
    running_server srv(options, routes);
    test_client client(srv.port());

    const auto start = std::chrono::steady_clock::now();
    auto res = client.request(bhttp::verb::post, "/black-hole", "x");
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(res.result_int() == 503);
    CHECK(waited >= 900ms);
    CHECK(waited < 4s);

    {
        std::lock_guard lock(mu);
        REQUIRE(kept.size() == 1);
        kept[0](wh::text(200, "too late"));  // ignored, from a foreign thread
        kept[0](wh::text(200, "twice"));     // and again
    }
    // The connection carries on with the next request, which must not see the late answer.
    auto next = client.request(bhttp::verb::get, "/healthz");
    CHECK(next.result_int() == 200);
    CHECK(next.body() == "ok");
}

TEST_CASE("a responder called after the server is gone does nothing", "[http][integration]") {
    std::mutex mu;
    std::vector<wh::responder> kept;
    wh::router routes;
    routes.add("POST", "/black-hole", [&](wh::request&&, wh::responder respond) {
        std::lock_guard lock(mu);
        kept.push_back(std::move(respond));
    });
    {
        running_server srv(test_options(), routes);
        test_client client(srv.port());
        client.write(bhttp::request<bhttp::string_body>{bhttp::verb::post, "/black-hole", 11});
        for (int i = 0; i < 200; ++i) {
            {
                std::lock_guard lock(mu);
                if (!kept.empty())
                    break;
            }
            std::this_thread::sleep_for(10ms);
        }
        srv.server.stop(0ms);
    }
    std::lock_guard lock(mu);
    REQUIRE(kept.size() == 1);
    kept[0](wh::text(200, "nobody listens"));
    kept.clear();  // the last owner of the session goes away here
}

TEST_CASE("an oversized body gets 413 and a closed connection; the server keeps serving",
          "[http][integration]") {
    wh::router routes;
    routes.add("POST", "/hooks/generic", answer(200, "accepted"));
    auto options = test_options();
    options.body_limit = 1024;
    running_server srv(options, routes);

    test_client big(srv.port());
    auto res = big.request(bhttp::verb::post, "/hooks/generic", std::string(64 * 1024, 'a'));
    CHECK(res.result_int() == 413);
    CHECK(res.body() == "request body is larger than 1024 bytes\n");
    CHECK_FALSE(res.keep_alive());
    CHECK(big.closed_by_peer());

    test_client other(srv.port());
    auto ok = other.request(bhttp::verb::post, "/hooks/generic", std::string(1024, 'b'));
    CHECK(ok.result_int() == 200);
}

TEST_CASE("a malformed request line gets 400 and a closed connection", "[http][integration]") {
    wh::router routes;
    routes.add("GET", "/healthz", answer(200, "ok"));
    running_server srv(test_options(), routes);
    test_client client(srv.port());
    client.write_raw("GARBAGE\x01 /??? HTTP/9\r\n\r\n");
    auto res = client.read();
    CHECK(res.result_int() == 400);
    CHECK(res.body().rfind("malformed HTTP request", 0) == 0);
    CHECK(res[bhttp::field::connection] == "close");
    CHECK(client.closed_by_peer());
}

TEST_CASE("a client that never finishes its headers is dropped after read_timeout",
          "[http][integration]") {
    wh::router routes;
    routes.add("GET", "/healthz", answer(200, "ok"));
    auto options = test_options();
    options.read_timeout = 1s;
    running_server srv(options, routes);

    test_client slow(srv.port());
    const auto start = std::chrono::steady_clock::now();
    slow.write_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // the blank line never comes
    CHECK(slow.closed_by_peer());
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= 900ms);
    CHECK(waited < 4s);

    test_client silent(srv.port());  // connects and sends nothing at all
    CHECK(silent.closed_by_peer());
}

TEST_CASE("an Expect: 100-continue request gets the interim answer, then the real one",
          "[http][integration]") {
    wh::router routes;
    routes.add("POST", "/upload", [](wh::request&& req, wh::responder respond) {
        respond(wh::text(200, std::to_string(req.body.size())));
    });
    running_server srv(test_options(), routes);
    test_client client(srv.port());
    client.write_raw(
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    auto first = client.read();
    CHECK(first.result_int() == 100);
    client.write_raw("hello");
    auto res = client.read();
    CHECK(res.result_int() == 200);
    CHECK(res.body() == "5");
}

TEST_CASE("stop waits for an in-flight slow handler, then returns", "[http][integration]") {
    worker_threads workers;
    std::atomic<bool> handler_started{false};
    wh::router routes;
    routes.add("POST", "/slow", [&](wh::request&&, wh::responder respond) {
        handler_started = true;
        workers.spawn([respond = std::move(respond)] {
            std::this_thread::sleep_for(300ms);
            respond(wh::text(200, "finished"));
        });
    });
    routes.add("GET", "/healthz", answer(200, "ok"));
    running_server srv(test_options(), routes);

    test_client idle(srv.port());
    CHECK(idle.request(bhttp::verb::get, "/healthz").result_int() == 200);

    test_client busy(srv.port());
    busy.write(bhttp::request<bhttp::string_body>{bhttp::verb::post, "/slow", 11});
    for (int i = 0; i < 500 && !handler_started; ++i)
        std::this_thread::sleep_for(2ms);
    REQUIRE(handler_started);

    const auto start = std::chrono::steady_clock::now();
    auto stopped = std::async(std::launch::async, [&] { srv.server.stop(5s); });
    auto res = busy.read();
    CHECK(res.result_int() == 200);
    CHECK(res.body() == "finished");
    CHECK(res[bhttp::field::connection] == "close");
    REQUIRE(stopped.wait_for(5s) == std::future_status::ready);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 200ms);
    CHECK(took < 3s);
    CHECK(idle.closed_by_peer());  // the idle keep-alive connection was closed, not waited for

    // No longer accepting.
    net::io_context ioc;
    tcp::socket probe(ioc);
    beast::error_code ec;
    probe.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), srv.port()), ec);
    CHECK(ec);
}

TEST_CASE("stop gives up on a handler that outlives the grace period", "[http][integration]") {
    std::mutex mu;
    std::vector<wh::responder> kept;
    wh::router routes;
    routes.add("POST", "/black-hole", [&](wh::request&&, wh::responder respond) {
        std::lock_guard lock(mu);
        kept.push_back(std::move(respond));
    });
    running_server srv(test_options(), routes);
    test_client client(srv.port());
    client.write(bhttp::request<bhttp::string_body>{bhttp::verb::post, "/black-hole", 11});
    for (int i = 0; i < 500; ++i) {
        {
            std::lock_guard lock(mu);
            if (!kept.empty())
                break;
        }
        std::this_thread::sleep_for(2ms);
    }
    const auto start = std::chrono::steady_clock::now();
    srv.server.stop(200ms);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 150ms);
    CHECK(took < 3s);
    CHECK(client.closed_by_peer());
    std::lock_guard lock(mu);
    REQUIRE(kept.size() == 1);
    kept[0](wh::text(200, "after stop"));  // ignored
}

TEST_CASE("binding to an address in use fails with a clear one-line error", "[http][integration]") {
    wh::router routes;
    routes.add("GET", "/healthz", answer(200, "ok"));
    running_server first(test_options(), routes);

    auto options = test_options();
    options.listen = "127.0.0.1:" + std::to_string(first.port());
    wh::server second(options, routes);
    try {
        second.start();
        FAIL("start() should have thrown");
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        CHECK(what.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())) == 0);
        CHECK(what.find("in use") != std::string::npos);
        CHECK(what.find('\n') == std::string::npos);
    }

    options.listen = "not an address";
    wh::server third(options, routes);
    CHECK_THROWS_WITH(third.start(), Catch::Contains("invalid listen address"));
    options.listen = "127.0.0.1:99999";
    wh::server fourth(options, routes);
    CHECK_THROWS_WITH(fourth.start(), Catch::Contains("bad port"));
}

TEST_CASE("connections beyond max_connections get 503 and are closed", "[http][integration]") {
    wh::router routes;
    routes.add("GET", "/healthz", answer(200, "ok"));
    auto options = test_options();
    options.max_connections = 1;
    running_server srv(options, routes);

    test_client first(srv.port());
    CHECK(first.request(bhttp::verb::get, "/healthz").result_int() == 200);
    test_client second(srv.port());
    auto res = second.read();
    CHECK(res.result_int() == 503);
    // The first connection is unaffected.
    CHECK(first.request(bhttp::verb::get, "/healthz").result_int() == 200);
}

TEST_CASE("a handler that throws gets 500 and the connection stays usable", "[http][integration]") {
    wh::router routes;
    routes.add("GET", "/boom",
               [](wh::request&&, wh::responder) { throw std::runtime_error("bug"); });
    routes.add("GET", "/healthz", answer(200, "ok"));
    running_server srv(test_options(), routes);
    test_client client(srv.port());
    CHECK(client.request(bhttp::verb::get, "/boom").result_int() == 500);
    CHECK(client.request(bhttp::verb::get, "/healthz").result_int() == 200);
}
