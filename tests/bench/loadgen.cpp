// loadgen: an HTTP/1.1 keep-alive load generator for the bot's endpoints.
//
//   loadgen [--connections C] [--duration 10s] [--rate R] [--slack-signed SECRET]
//           [--response-url URL] [--body TEXT] [--content-type TYPE] [--timeout 5s]
//           http://host:port/path
//   loadgen --serve 127.0.0.1:18080 [--threads 2] [--duration 60s]   trivial 200 server
//   loadgen --self-test                                              smoke test, exit 0/1
//
// Closed loop (no --rate): every connection sends its next request as soon as the previous
// answer arrives; latency is measured from the send. Open loop (--rate R): request i is
// scheduled at start + i/R, round-robin over the connections; latency is measured from the
// SCHEDULED time, so a server that falls behind shows its queueing delay instead of quietly
// slowing the generator down (no coordinated omission).
//
// Single-threaded on purpose: on a 2-core machine the generator shares the CPU with the server.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <deque>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "bot/http/server.hpp"
#include "bot/slack/verifier.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr auto nothrow_awaitable = net::as_tuple(net::use_awaitable);

/// What the request template fills in for request number `sequence`.
struct request_parts {
    std::string content_type = "text/plain";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};
using request_template = std::function<void(std::uint64_t sequence, request_parts& out)>;

struct target_url {
    std::string host;
    std::string port;
    std::string path;
};

struct run_config {
    target_url url;
    std::size_t connections = 200;
    clock_type::duration duration = 10s;
    std::optional<double> rate;  ///< requests per second; set → open loop
    clock_type::duration request_timeout = 5s;
    request_template make_request;
    std::string label = "default";
};

struct run_result {
    std::uint64_t ok = 0;
    std::uint64_t non_2xx = 0;
    std::uint64_t errors = 0;
    std::uint64_t unsent = 0;  ///< open loop: scheduled but never sent (server far behind)
    double seconds = 0;
    std::vector<std::uint32_t> latencies_us;  ///< of answered requests
};

// ---- Slack v0 signing -----------------------------------------------------------------------

std::string hex(const unsigned char* data, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(size * 2, '0');
    for (std::size_t i = 0; i < size; ++i) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0x0f];
    }
    return out;
}

std::string random_tag() {
    std::random_device rd;
    std::uniform_int_distribution<std::uint64_t> dist;
    const auto v = dist(rd);
    return hex(reinterpret_cast<const unsigned char*>(&v), sizeof v);
}

std::string percent_encode(std::string_view text) {
    static const char* hex_digits = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += '%';
            out += hex_digits[c >> 4];
            out += hex_digits[c & 15];
        }
    }
    return out;
}

/// Distinct, signed slash commands, as Slack sends them (form-encoded, fresh trigger_id each).
/// `response_url` is where the bot's replies go (each request gets its own URL under it).
request_template slack_signed_template(std::string secret, std::string response_url =
                                                               "https://hooks.slack.com/"
                                                               "commands/T1/1") {
    const std::string encoded_url = percent_encode(response_url + "/");
    return [key = warroom::slack::hmac_sha256_key(secret), encoded_url, tag = random_tag()](
               std::uint64_t sequence, request_parts& out) {
        const auto ts = std::to_string(std::time(nullptr));
        const std::string id = std::to_string(sequence) + "." + tag;
        out.content_type = "application/x-www-form-urlencoded";
        out.body = "command=%2Fincident&text=list&user_id=U1&channel_id=C1&trigger_id=" + id +
                   "&response_url=" + encoded_url + id;
        out.headers.emplace_back("X-Slack-Request-Timestamp", ts);
        out.headers.emplace_back("X-Slack-Signature",
                                 warroom::slack::sign_request(key, ts, out.body));
    };
}

request_template constant_template(std::string body, std::string content_type) {
    return [body = std::move(body), content_type = std::move(content_type)](std::uint64_t,
                                                                            request_parts& out) {
        out.content_type = content_type;
        out.body = body;
    };
}

// ---- the load run ---------------------------------------------------------------------------

class load_run {
  public:
    explicit load_run(run_config config) : config_(std::move(config)) {}

    run_result run() {
        const auto endpoints = tcp::resolver(ioc_).resolve(config_.url.host, config_.url.port);
        host_header_ = config_.url.host + ":" + config_.url.port;
        conns_.resize(config_.connections);
        for (auto& c : conns_)
            c.socket = std::make_unique<tcp::socket>(ioc_);

        // Phase 1: connect everyone first, so connection setup is not counted as latency.
        for (auto& c : conns_)
            net::co_spawn(ioc_, connect(c, endpoints), net::detached);
        ioc_.run();
        ioc_.restart();

        // Phase 2: the measured run.
        start_ = clock_type::now();
        end_ = start_ + config_.duration;
        if (config_.rate)
            interval_ = std::chrono::duration_cast<clock_type::duration>(
                std::chrono::duration<double>(1.0 / *config_.rate));
        result_.latencies_us.reserve(1 << 16);
        active_ = conns_.size();
        for (std::size_t i = 0; i < conns_.size(); ++i)
            net::co_spawn(ioc_, drive(i, endpoints), net::detached);
        net::co_spawn(ioc_, watchdog(), net::detached);
        ioc_.run();
        result_.seconds = std::chrono::duration<double>(finished_ - start_).count();
        return std::move(result_);
    }

  private:
    struct connection {
        std::unique_ptr<tcp::socket> socket;
        beast::flat_buffer buffer;
        std::string wire;  ///< the serialized request, reused
        request_parts parts;
        clock_type::time_point deadline = clock_type::time_point::max();
    };

    net::awaitable<bool> connect(connection& c, const tcp::resolver::results_type& endpoints) {
        c.deadline = clock_type::now() + config_.request_timeout;
        c.socket = std::make_unique<tcp::socket>(ioc_);
        c.buffer.clear();
        auto [ec, ep] = co_await net::async_connect(*c.socket, endpoints, nothrow_awaitable);
        c.deadline = clock_type::time_point::max();
        if (ec) {
            ++result_.errors;
            co_return false;
        }
        c.socket->set_option(tcp::no_delay(true), ec);
        co_return true;
    }

    void format(connection& c) {
        c.parts.headers.clear();
        config_.make_request(sequence_++, c.parts);
        auto& w = c.wire;
        w.clear();
        w.append("POST ").append(config_.url.path).append(" HTTP/1.1\r\nHost: ");
        w.append(host_header_).append("\r\nUser-Agent: warroom-loadgen\r\nContent-Type: ");
        w.append(c.parts.content_type).append("\r\nContent-Length: ");
        w.append(std::to_string(c.parts.body.size())).append("\r\n");
        for (const auto& [name, value] : c.parts.headers)
            w.append(name).append(": ").append(value).append("\r\n");
        w.append("\r\n").append(c.parts.body);
    }

    /// How many requests of connection `index` fall inside the run, from its `next`-th on.
    std::uint64_t remaining(std::size_t index, std::uint64_t next) const {
        const auto total = static_cast<std::uint64_t>(config_.duration / interval_);
        std::uint64_t left = 0;
        for (auto i = index + next * conns_.size(); i < total; i += conns_.size())
            ++left;
        return left;
    }

    net::awaitable<void> drive(std::size_t index, tcp::resolver::results_type endpoints) {
        auto& c = conns_[index];
        net::steady_timer pacer(ioc_);
        const bool open_loop = config_.rate.has_value();
        // Bounds the run: requests still unsent this long after the end are given up.
        const auto give_up = end_ + config_.request_timeout;
        for (std::uint64_t j = 0;; ++j) {
            clock_type::time_point scheduled;
            if (open_loop) {
                scheduled = start_ + interval_ * static_cast<long>(index + j * conns_.size());
                if (scheduled >= end_)
                    break;
                if (clock_type::now() >= give_up) {
                    result_.unsent += remaining(index, j);
                    break;
                }
                if (clock_type::now() < scheduled) {
                    pacer.expires_at(scheduled);
                    co_await pacer.async_wait(nothrow_awaitable);
                }
            } else if (clock_type::now() >= end_) {
                break;
            }
            if (!c.socket->is_open() && !co_await connect(c, endpoints)) {
                // Count the request as failed and back off a little instead of spinning.
                pacer.expires_after(100ms);
                co_await pacer.async_wait(nothrow_awaitable);
                continue;
            }
            format(c);
            const auto sent = clock_type::now();
            if (!open_loop)
                scheduled = sent;
            c.deadline = sent + config_.request_timeout;
            auto [wec, wn] =
                co_await net::async_write(*c.socket, net::buffer(c.wire), nothrow_awaitable);
            (void)wn;
            std::optional<bhttp::response_parser<bhttp::string_body>> parser;
            beast::error_code rec;
            if (!wec) {
                parser.emplace();
                // A limit guards against runaway input from a misbehaving server.
                parser->body_limit(1 << 20);
                rec = std::get<0>(
                    co_await bhttp::async_read(*c.socket, c.buffer, *parser, nothrow_awaitable));
            }
            c.deadline = clock_type::time_point::max();
            const auto done = clock_type::now();
            if (wec || rec) {
                ++result_.errors;
                beast::error_code ignored;
                c.socket->close(ignored);
                c.buffer.clear();
                continue;
            }
            const auto us = std::chrono::duration_cast<std::chrono::microseconds>(done - scheduled);
            result_.latencies_us.push_back(static_cast<std::uint32_t>(
                std::min<long long>(us.count(), std::numeric_limits<std::uint32_t>::max())));
            const auto status = parser->get().result_int();
            if (status >= 200 && status < 300)
                ++result_.ok;
            else
                ++result_.non_2xx;
            if (!parser->get().keep_alive()) {
                beast::error_code ignored;
                c.socket->close(ignored);
                c.buffer.clear();
            }
        }
        if (--active_ == 0)
            finished_ = clock_type::now();
        beast::error_code ignored;
        c.socket->close(ignored);
    }

    /// One timer for all connections instead of a timer per operation: closes stuck sockets.
    net::awaitable<void> watchdog() {
        net::steady_timer tick(ioc_);
        while (active_ > 0) {
            tick.expires_after(100ms);
            co_await tick.async_wait(nothrow_awaitable);
            const auto now = clock_type::now();
            for (auto& c : conns_) {
                if (now > c.deadline) {
                    beast::error_code ignored;
                    c.socket->close(ignored);
                    c.deadline = clock_type::time_point::max();
                }
            }
        }
    }

    run_config config_;
    net::io_context ioc_{1};
    std::vector<connection> conns_;
    std::string host_header_;
    std::uint64_t sequence_ = 0;
    clock_type::time_point start_, end_, finished_;
    clock_type::duration interval_{};
    std::size_t active_ = 0;
    run_result result_;
};

std::uint32_t percentile(const std::vector<std::uint32_t>& sorted, double p) {
    if (sorted.empty())
        return 0;
    const auto idx = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(idx, sorted.size() - 1)];
}

void print_summary(const run_config& config, run_result& r) {
    std::sort(r.latencies_us.begin(), r.latencies_us.end());
    const auto answered = r.ok + r.non_2xx;
    const double rps = r.seconds > 0 ? static_cast<double>(answered) / r.seconds : 0.0;
    std::printf(
        "loadgen %s mode=%s url=http://%s:%s%s connections=%zu duration=%.2fs%s ok=%llu "
        "non2xx=%llu errors=%llu unsent=%llu req/s=%.0f p50=%uus p99=%uus max=%uus\n",
        config.label.c_str(), config.rate ? "open" : "closed", config.url.host.c_str(),
        config.url.port.c_str(), config.url.path.c_str(), config.connections, r.seconds,
        config.rate ? (" rate=" + std::to_string(static_cast<long long>(*config.rate))).c_str()
                    : "",
        static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.non_2xx),
        static_cast<unsigned long long>(r.errors), static_cast<unsigned long long>(r.unsent), rps,
        percentile(r.latencies_us, 0.50), percentile(r.latencies_us, 0.99),
        r.latencies_us.empty() ? 0U : r.latencies_us.back());
    std::fflush(stdout);
}

// ---- command line ---------------------------------------------------------------------------

clock_type::duration parse_duration(std::string_view text) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || value < 0)
        throw std::invalid_argument("bad duration '" + std::string(text) + "'");
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    double seconds = value;
    if (unit == "ms")
        seconds = value / 1000;
    else if (unit == "m")
        seconds = value * 60;
    else if (!unit.empty() && unit != "s")
        throw std::invalid_argument("bad duration unit in '" + std::string(text) + "'");
    return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
}

target_url parse_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (!url.starts_with(scheme))
        throw std::invalid_argument("only http:// URLs are supported: '" + std::string(url) + "'");
    url.remove_prefix(scheme.size());
    const auto slash = url.find('/');
    const auto authority = url.substr(0, slash);
    target_url t;
    t.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    const auto colon = authority.rfind(':');
    if (colon == std::string_view::npos || authority.ends_with(']')) {
        t.host = std::string(authority);
        t.port = "80";
    } else {
        t.host = std::string(authority.substr(0, colon));
        t.port = std::string(authority.substr(colon + 1));
    }
    if (t.host.size() > 2 && t.host.front() == '[' && t.host.back() == ']')
        t.host = t.host.substr(1, t.host.size() - 2);
    if (t.host.empty())
        throw std::invalid_argument("URL without a host: '" + std::string(url) + "'");
    return t;
}

// ---- built-in server and self test ----------------------------------------------------------

int serve(const std::string& listen, int threads, std::optional<clock_type::duration> duration) {
    warroom::http::router routes;
    auto ok = [](warroom::http::request&&, warroom::http::responder respond) {
        respond(warroom::http::text(200, "ok"));
    };
    routes.add_prefix("POST", "/", ok);
    routes.add_prefix("GET", "/", ok);
    warroom::http::server_options options;
    options.listen = listen;
    options.threads = threads;
    warroom::http::server server(options, routes);
    server.start();
    std::printf("loadgen: serving 200 on port %u\n", static_cast<unsigned>(server.port()));
    std::fflush(stdout);
    net::io_context ioc;
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    net::steady_timer timer(ioc);
    signals.async_wait([&](beast::error_code, int) { timer.cancel(); });
    if (duration) {
        timer.expires_after(*duration);
        timer.async_wait([&](beast::error_code) { signals.cancel(); });
    }
    ioc.run();
    server.stop(1s);
    return 0;
}

bool verify_slack(const warroom::http::request& req, std::string_view secret) {
    return warroom::slack::verify_request(secret, req.header("x-slack-request-timestamp"),
                                          req.header("x-slack-signature"), req.body,
                                          std::chrono::system_clock::now())
        .ok;
}

int self_test() {
    // Slack's published test vector (docs "verifying requests from Slack").
    const std::string vector_body =
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
        "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
        "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"
        "2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
        "803a0bc887a14d10d2c447fce8b6703c";
    const auto vector_sig = warroom::slack::sign_request(
        warroom::slack::hmac_sha256_key("8f742231b10e8888abcd99yyyzzz85a5"), "1531420618",
        vector_body);
    if (vector_sig != "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503") {
        std::printf("loadgen self-test: signature mismatch on Slack's test vector: %s\n",
                    vector_sig.c_str());
        return 1;
    }

    const std::string secret = "self-test-secret";
    std::mutex mu;
    std::unordered_set<std::string> triggers;
    warroom::http::router routes;
    routes.add("POST", "/slack/events",
               [&](warroom::http::request&& req, warroom::http::responder respond) {
                   if (!verify_slack(req, secret))
                       return respond(warroom::http::text(401, "bad signature"));
                   const auto at = req.body.find("trigger_id=");
                   if (at == std::string::npos)
                       return respond(warroom::http::text(400, "no trigger_id"));
                   const auto id = req.body.substr(at, req.body.find('&', at) - at);
                   std::lock_guard lock(mu);
                   if (!triggers.insert(id).second)
                       return respond(warroom::http::text(409, "duplicate trigger_id"));
                   respond(warroom::http::text(200, ""));
               });
    routes.add("POST", "/bench", [](warroom::http::request&&, warroom::http::responder respond) {
        respond(warroom::http::text(200, "ok"));
    });
    // Answers from another thread, as a handler does after a durable write on a database thread.
    std::mutex queue_mu;
    std::condition_variable queue_cv;
    std::deque<warroom::http::responder> queue;
    bool queue_done = false;
    std::thread worker([&] {
        std::unique_lock lock(queue_mu);
        for (;;) {
            queue_cv.wait(lock, [&] { return queue_done || !queue.empty(); });
            if (queue.empty())
                return;
            auto respond = std::move(queue.front());
            queue.pop_front();
            lock.unlock();
            respond(warroom::http::text(200, "stored"));
            lock.lock();
        }
    });
    routes.add("POST", "/async", [&](warroom::http::request&&, warroom::http::responder respond) {
        {
            std::lock_guard lock(queue_mu);
            queue.push_back(std::move(respond));
        }
        queue_cv.notify_one();
    });
    warroom::http::server_options options;
    options.listen = "127.0.0.1:0";
    options.threads = 2;
    warroom::http::server server(options, routes);
    server.start();
    const auto port = std::to_string(server.port());

    bool passed = true;
    auto check = [&](run_config config) {
        auto r = load_run(config).run();
        print_summary(config, r);
        if (r.ok == 0 || r.non_2xx != 0 || r.errors != 0 || r.unsent != 0)
            passed = false;
    };
    run_config closed;
    closed.label = "self-test-signed";
    closed.url = {"127.0.0.1", port, "/slack/events"};
    closed.connections = 8;
    closed.duration = 1s;
    closed.make_request = slack_signed_template(secret);
    check(closed);

    run_config open;
    open.label = "self-test-open";
    open.url = {"127.0.0.1", port, "/bench"};
    open.connections = 4;
    open.duration = 1s;
    open.rate = 400;
    open.make_request = constant_template("ping", "text/plain");
    check(open);

    run_config async;
    async.label = "self-test-async";
    async.url = {"127.0.0.1", port, "/async"};
    async.connections = 8;
    async.duration = 1s;
    async.make_request = constant_template("ping", "text/plain");
    check(async);

    server.stop(1s);
    {
        std::lock_guard lock(queue_mu);
        queue_done = true;
    }
    queue_cv.notify_one();
    worker.join();
    std::printf("loadgen self-test: %s\n", passed ? "passed" : "FAILED");
    return passed ? 0 : 1;
}

void usage() {
    std::puts(
        "usage: loadgen [--connections C] [--duration 10s] [--rate R] [--slack-signed SECRET]\n"
        "               [--response-url URL] [--body TEXT] [--content-type TYPE] [--timeout 5s] "
        "http://host:port/path\n"
        "       loadgen --serve HOST:PORT [--threads N] [--duration D]\n"
        "       loadgen --self-test");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        run_config config;
        std::optional<std::size_t> connections;
        std::optional<std::string> serve_at;
        std::optional<clock_type::duration> duration;
        std::string body = "ping";
        std::string content_type = "text/plain";
        std::optional<std::string> secret;
        std::optional<std::string> response_url;
        int threads = 2;
        std::string url;
        for (int i = 1; i < argc; ++i) {
            const std::string_view arg = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc)
                    throw std::invalid_argument(std::string(arg) + " needs a value");
                return argv[++i];
            };
            if (arg == "--help" || arg == "-h") {
                usage();
                return 0;
            } else if (arg == "--self-test") {
                return self_test();
            } else if (arg == "--connections" || arg == "-c") {
                connections = std::stoul(value());
            } else if (arg == "--duration" || arg == "-d") {
                duration = parse_duration(value());
            } else if (arg == "--rate") {
                config.rate = std::stod(value());
                if (*config.rate <= 0)
                    throw std::invalid_argument("--rate must be positive");
            } else if (arg == "--timeout") {
                config.request_timeout = parse_duration(value());
            } else if (arg == "--slack-signed") {
                secret = value();
            } else if (arg == "--response-url") {
                response_url = value();
            } else if (arg == "--body") {
                body = value();
            } else if (arg == "--content-type") {
                content_type = value();
            } else if (arg == "--serve") {
                serve_at = value();
            } else if (arg == "--threads") {
                threads = std::stoi(value());
            } else if (!arg.starts_with("-") && url.empty()) {
                url = std::string(arg);
            } else {
                throw std::invalid_argument("unknown argument '" + std::string(arg) + "'");
            }
        }
        if (serve_at)
            return serve(*serve_at, threads, duration);
        if (url.empty()) {
            usage();
            return 2;
        }
        config.url = parse_url(url);
        config.connections = connections.value_or(config.rate ? 50 : 200);
        if (config.connections == 0)
            throw std::invalid_argument("--connections must be at least 1");
        config.duration = duration.value_or(10s);
        config.label = secret ? "slack-signed" : "constant";
        if (secret) {
            config.make_request = response_url ? slack_signed_template(*secret, *response_url)
                                               : slack_signed_template(*secret);
        } else {
            config.make_request = constant_template(std::move(body), std::move(content_type));
        }
        auto result = load_run(config).run();
        print_summary(config, result);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "loadgen: %s\n", e.what());
        return 2;
    }
}
