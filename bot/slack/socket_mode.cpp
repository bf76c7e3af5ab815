#include "bot/slack/socket_mode.hpp"

#include <openssl/ssl.h>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <variant>

#include "bot/domain/text.hpp"
#include "bot/slack/tls_context.hpp"
#include "bot/slack/web_api.hpp"

namespace warroom::slack {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using steady = std::chrono::steady_clock;
using nlohmann::json;

namespace {

// A link that stayed up this long was healthy: the next failure starts the backoff afresh.
constexpr auto healthy_uptime = std::chrono::seconds(60);
// How long a close handshake (ours on stop() or after `disconnect`) may take before the TCP
// connection is simply cut.
constexpr auto close_grace = std::chrono::seconds(2);
// Acks and pings waiting for the one write in flight. Far above what Slack sends in a burst; an
// ack that does not fit is dropped and Slack redelivers the envelope.
constexpr std::size_t max_queued_frames = 1024;
// Envelopes carry at most a view submission (§8); the parser refuses more anyway.
constexpr std::size_t max_frame_bytes = 2 * max_payload_bytes;
// PY's wait when `ratelimited` comes without Retry-After (§5.1).
constexpr int default_retry_after_s = 30;

bool is_unrecoverable(const std::string& code) {
    // NODE's list (§5.1): a token or workspace problem that no retry can fix.
    return code == "not_authed" || code == "invalid_auth" || code == "account_inactive" ||
           code == "user_removed_from_team" || code == "team_disabled";
}

struct ws_url {
    bool tls = false;
    std::string host;         // DNS, SNI and certificate name (IPv6 without brackets)
    std::string host_header;  // Host header of the upgrade request
    std::string port;
    std::string target;    // path + query: the query holds the ticket, never log it
    std::string redacted;  // scheme://host:port/path, safe to log
    bool host_is_ip = false;
};

// Messages name nothing from the URL itself: its query string is a credential.
ws_url parse_ws_url(std::string_view text, bool debug_reconnects) {
    const auto r = boost::urls::parse_uri(text);
    if (!r)
        throw std::invalid_argument("apps.connections.open returned a malformed URL");
    const boost::urls::url_view u = *r;
    const std::string scheme = domain::to_lower(u.scheme());
    ws_url out;
    if (scheme == "wss") {
        out.tls = true;
    } else if (scheme != "ws") {
        throw std::invalid_argument("apps.connections.open returned a non-WebSocket URL (" +
                                    scheme + ")");
    }
    out.host = std::string(u.host_address());
    if (out.host.empty())
        throw std::invalid_argument("apps.connections.open returned a URL without a host");
    out.host_is_ip = u.host_type() == boost::urls::host_type::ipv4 ||
                     u.host_type() == boost::urls::host_type::ipv6;
    out.port = u.has_port() ? std::string(u.port()) : std::string(out.tls ? "443" : "80");
    out.host_header = std::string(u.encoded_host_and_port());
    std::string path(u.encoded_path());
    if (path.empty())
        path = "/";
    out.redacted = scheme + "://" + out.host_header + path;
    out.target = path;
    std::string query = u.has_query() ? std::string(u.encoded_query()) : std::string();
    if (debug_reconnects)
        query += (query.empty() ? "" : "&") + std::string("debug_reconnects=true");
    if (!query.empty())
        out.target += "?" + query;
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct socket_mode_client::impl {
    impl(socket_mode_options o, web_api& a, envelope_handler h)
        : opts(std::move(o)), api(a), handler(std::move(h)), rng(std::random_device{}()) {}

    struct connection;
    // What acks go through. It points at the link while that link runs and is emptied when
    // the link's run ends, so a late ack finds nothing and is dropped.
    struct ack_gate {
        std::mutex mutex;
        std::shared_ptr<connection> link;
    };
    struct outcome {
        bool ready = false;  // got hello
        steady::duration uptime{};
        std::string disconnect_reason;  // from a `disconnect` message
    };

    void loop();
    outcome run_connection(const std::string& url);
    std::string open_url();
    std::chrono::milliseconds backoff(int failures);
    // Sleeps unless stop() comes first; true when stopping.
    bool wait(std::chrono::milliseconds d);
    bool stopping() {
        std::lock_guard lock(mutex);
        return stop_requested;
    }

    socket_mode_options opts;
    web_api& api;
    envelope_handler handler;
    fatal_handler fatal;
    std::mt19937 rng;  // client thread only

    // Declared before the io_context: handlers still queued in it when it is destroyed may own
    // streams that use this context.
    lazy_tls_context tls;     // system trust, as http_client
    asio::io_context ioc{1};  // run by the client thread alone, one link at a time

    std::thread thread;
    std::mutex mutex;  // guards stop_requested, current, started
    std::condition_variable cv;
    bool stop_requested = false;
    bool started = false;
    std::shared_ptr<connection> current;

    std::atomic<bool> is_connected{false};
    std::atomic<int> made{0};
};

// One WebSocket link, from resolve to close. Every member runs on `strand`.
struct socket_mode_client::impl::connection : std::enable_shared_from_this<connection> {
    using plain_ws = websocket::stream<beast::tcp_stream>;
    using tls_ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

    connection(impl& owner, ws_url u, std::shared_ptr<ack_gate> g)
        : client(owner),
          url(std::move(u)),
          gate(std::move(g)),
          strand(asio::make_strand(owner.ioc)),
          resolver(strand),
          deadline(strand),
          ping_timer(strand),
          watchdog(strand) {}

    struct outgoing {
        enum class kind { text, ping, close } what;
        std::string text;
    };

    impl& client;
    ws_url url;
    std::shared_ptr<ack_gate> gate;
    asio::strand<asio::io_context::executor_type> strand;
    tcp::resolver resolver;
    std::variant<std::monostate, std::unique_ptr<plain_ws>, std::unique_ptr<tls_ws>> ws;
    asio::steady_timer deadline;    // connect phase, hello, close handshake
    asio::steady_timer ping_timer;  // our pings
    asio::steady_timer watchdog;    // pong_timeout after a ping
    unsigned deadline_gen = 0;
    unsigned watchdog_gen = 0;
    bool watchdog_armed = false;

    std::deque<outgoing> queue;
    bool writing = false;
    bool upgraded = false;  // WebSocket handshake done: a close frame can be sent
    bool closing = false;   // close frame queued: nothing else goes out
    bool aborted = false;   // TCP cut: every pending operation fails
    bool finished = false;
    outcome result;
    steady::time_point ready_at{};

    template <class F>
    void with_ws(F&& f) {
        if (auto* p = std::get_if<std::unique_ptr<plain_ws>>(&ws)) {
            f(**p);
        } else if (auto* s = std::get_if<std::unique_ptr<tls_ws>>(&ws)) {
            f(**s);
        }
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    asio::awaitable<void> run() {
        auto self = shared_from_this();
        spdlog::info("socket mode: connecting to {}", url.redacted);
        arm_deadline(client.opts.connect_timeout, "connect");
        auto [rec, endpoints] = co_await resolver.async_resolve(
            url.host, url.port, asio::as_tuple(asio::use_awaitable));
        if (aborted)
            co_return;
        if (rec) {
            spdlog::warn("socket mode: cannot resolve {}: {}", url.host, rec.message());
            co_return;
        }
        if (url.tls) {
            ssl::context* tls = nullptr;
            try {
                tls = &client.tls.get();
            } catch (const boost::system::system_error& e) {
                spdlog::warn("socket mode: cannot set up TLS: {}", e.code().message());
                co_return;
            }
            auto& s = *ws.emplace<std::unique_ptr<tls_ws>>(std::make_unique<tls_ws>(strand, *tls));
            // SNI is mandatory for Slack; an IP literal is not a valid SNI name (RFC 6066).
            if (!url.host_is_ip &&
                !SSL_set_tlsext_host_name(s.next_layer().native_handle(), url.host.c_str())) {
                spdlog::warn("socket mode: cannot set SNI for {}", url.host);
                co_return;
            }
            s.next_layer().set_verify_mode(ssl::verify_peer);
            s.next_layer().set_verify_callback(ssl::host_name_verification(url.host));
            co_await serve(s, endpoints);
        } else {
            auto& s = *ws.emplace<std::unique_ptr<plain_ws>>(std::make_unique<plain_ws>(strand));
            co_await serve(s, endpoints);
        }
    }

    template <class Ws>
    asio::awaitable<void> serve(Ws& s, const tcp::resolver::results_type& endpoints) {
        auto& tcp_layer = beast::get_lowest_layer(s);
        tcp_layer.expires_after(client.opts.connect_timeout);
        auto [cec, ep] =
            co_await tcp_layer.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
        if (aborted)
            co_return;
        if (cec) {
            spdlog::warn("socket mode: cannot connect to {}: {}", url.redacted, cec.message());
            co_return;
        }
        error_code ignored;
        tcp_layer.socket().set_option(tcp::no_delay(true), ignored);
        if constexpr (std::is_same_v<Ws, tls_ws>) {
            tcp_layer.expires_after(client.opts.connect_timeout);
            auto [hec] = co_await s.next_layer().async_handshake(
                ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
            if (aborted)
                co_return;
            if (hec) {
                spdlog::warn("socket mode: TLS handshake with {} failed: {}", url.host,
                             hec.message());
                co_return;
            }
        }
        // From here the WebSocket's own timeouts apply (Beast's async-ssl client does this).
        tcp_layer.expires_never();
        // suggested(client) has no idle timeout and no keep-alive pings, which would leave a
        // silently dead link open; let Beast ping when idle and give up after a full interval.
        auto t = websocket::stream_base::timeout::suggested(beast::role_type::client);
        t.handshake_timeout = client.opts.connect_timeout;
        t.idle_timeout = client.opts.ping_interval + client.opts.pong_timeout;
        t.keep_alive_pings = true;
        s.set_option(t);
        s.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
            req.set(beast::http::field::user_agent, std::string("warroom/") + WARROOM_VERSION);
        }));
        s.read_message_max(max_frame_bytes);
        // Beast answers pings with pongs by itself while a read is pending (the read loop below
        // always keeps one pending); this only notes that the peer is alive. Whether and how
        // often Slack pings is UNCONFIRMED (§5.4), so both cases work: server pings are answered
        // when they come, and our own pings detect a dead link when they do not.
        s.control_callback([this](websocket::frame_type, beast::string_view) { on_activity(); });

        auto [wec] = co_await s.async_handshake(url.host_header, url.target,
                                                asio::as_tuple(asio::use_awaitable));
        if (aborted)
            co_return;
        if (wec) {
            spdlog::warn("socket mode: WebSocket upgrade at {} failed: {}", url.redacted,
                         wec.message());
            co_return;
        }
        upgraded = true;
        // The link is not ready until hello; a server that never sends it is given up on.
        arm_deadline(client.opts.connect_timeout, "hello");
        schedule_ping();

        beast::flat_buffer buffer;
        for (;;) {
            auto [rec, n] = co_await s.async_read(buffer, asio::as_tuple(asio::use_awaitable));
            if (rec) {
                if (rec == websocket::error::closed) {
                    spdlog::info("socket mode: link to {} closed (code {})", url.host,
                                 static_cast<int>(s.reason().code));
                } else if (closing && !aborted) {
                    // Beast ends a pending read this way when our close completes first.
                    spdlog::info("socket mode: link to {} closed", url.host);
                } else if (!aborted) {
                    spdlog::warn("socket mode: link to {} lost: {}", url.host, rec.message());
                }
                break;
            }
            on_activity();
            if (!s.got_text()) {
                spdlog::debug("socket mode: ignored a binary frame of {} bytes", n);
            } else {
                on_text(beast::buffers_to_string(buffer.data()));
            }
            buffer.consume(buffer.size());
        }
    }

    // Runs once when run() is over, whatever the reason: nothing may stay pending, so that the
    // client's io_context runs out of work and the next link can start.
    void finish() {
        if (finished)
            return;
        finished = true;
        if (result.ready)
            result.uptime = steady::now() - ready_at;
        client.is_connected = false;
        cut();
        ++deadline_gen;
        ++watchdog_gen;
        deadline.cancel();
        ping_timer.cancel();
        watchdog.cancel();
        queue.clear();
    }

    // Cuts the TCP connection: every pending operation completes with an error.
    void cut() {
        aborted = true;
        resolver.cancel();
        with_ws([](auto& s) { beast::get_lowest_layer(s).close(); });
    }

    void abort(const char* why) {
        if (finished || aborted)
            return;
        spdlog::warn("socket mode: dropping the link to {}: {}", url.host, why);
        client.is_connected = false;
        cut();
    }

    // A graceful end: a close frame after the acks already queued, then the read loop sees
    // the peer's close. Before the upgrade there is nothing to close gracefully.
    void begin_close() {
        if (closing || finished || aborted)
            return;
        closing = true;
        client.is_connected = false;
        if (!upgraded) {
            cut();
            return;
        }
        arm_deadline(close_grace, "close handshake");
        queue.push_back({outgoing::kind::close, {}});
        pump();
    }

    // ---- inbound ------------------------------------------------------------------------------

    void on_text(const std::string& text) {
        socket_message message;
        try {
            message = parse_socket_envelope(text);
        } catch (const payload_error& e) {
            // Parse again only on this path, to tell a new message type from garbage.
            const json j = json::parse(text, nullptr, false);
            if (j.is_object() && j.contains("type") && j["type"].is_string() &&
                !j.contains("envelope_id")) {
                spdlog::debug("socket mode: ignored a message of unknown type '{}'",
                              j["type"].get<std::string>().substr(0, 64));
            } else {
                spdlog::warn("socket mode: ignored a malformed frame ({} bytes): {}", text.size(),
                             e.what());
            }
            return;
        }
        if (const auto* h = std::get_if<socket_hello>(&message)) {
            on_hello(*h);
        } else if (const auto* d = std::get_if<socket_disconnect>(&message)) {
            on_disconnect(*d);
        } else {
            dispatch(std::get<socket_envelope>(message));
        }
    }

    void on_hello(const socket_hello& h) {
        if (result.ready || closing) {
            spdlog::debug("socket mode: ignored an extra hello");
            return;
        }
        disarm_deadline();
        result.ready = true;
        ready_at = steady::now();
        client.is_connected = true;
        ++client.made;
        spdlog::info(
            "socket mode: connected to {} ({} connection(s) open{})", url.host, h.num_connections,
            h.approximate_connection_time > 0
                ? ", refresh expected in ~" + std::to_string(h.approximate_connection_time) + " s"
                : std::string());
    }

    void on_disconnect(const socket_disconnect& d) {
        result.disconnect_reason = d.reason.empty() ? "unspecified" : d.reason;
        if (d.reason == "link_disabled") {
            spdlog::error(
                "socket mode: Slack disabled Socket Mode for this app (link_disabled); "
                "reconnecting with backoff until it is turned on again in the app settings");
        } else if (d.reason == "refresh_requested" || d.reason == "warning") {
            spdlog::info("socket mode: Slack asked for a reconnect ({})", result.disconnect_reason);
        } else {
            spdlog::warn("socket mode: Slack sent disconnect ({}); reconnecting",
                         result.disconnect_reason.substr(0, 64));
        }
        // Close this link before opening the next one: Slack counts open links per app
        // (too_many_websockets), which is why PY does it in this order too. That reason is
        // UNCONFIRMED (SDK tests only) and Slack may add others: every reason reconnects, only
        // refresh_requested and warning skip the backoff.
        begin_close();
    }

    void dispatch(const socket_envelope& envelope) {
        if (!result.ready) {
            // Ready only after hello (§5.2); unacked, the envelope comes again.
            spdlog::warn("socket mode: envelope {} before hello ignored", envelope.envelope_id);
            return;
        }
        if (closing) {
            spdlog::debug("socket mode: envelope {} arrived while closing; left for redelivery",
                          envelope.envelope_id);
            return;
        }
        spdlog::debug("socket mode: envelope {} ({}, retry {})", envelope.envelope_id,
                      envelope.type_name, envelope.retry_attempt);
        try {
            client.handler(envelope, make_ack(envelope));
        } catch (const std::exception& e) {
            // Unacked, so Slack delivers it again; the link itself is fine.
            spdlog::error("socket mode: envelope handler failed for {}: {}", envelope.envelope_id,
                          e.what());
        } catch (...) {
            spdlog::error("socket mode: envelope handler failed for {}", envelope.envelope_id);
        }
    }

    ack_fn make_ack(const socket_envelope& envelope) {
        struct state {
            std::shared_ptr<ack_gate> gate;
            std::string envelope_id;
            bool accepts_payload = false;
            std::atomic<bool> used{false};
        };
        auto st = std::make_shared<state>();
        st->gate = gate;
        st->envelope_id = envelope.envelope_id;
        st->accepts_payload = envelope.accepts_response_payload;
        return [st](std::optional<json> payload) {
            if (st->used.exchange(true)) {
                spdlog::debug("socket mode: envelope {} acknowledged twice; second ack ignored",
                              st->envelope_id);
                return;
            }
            if (payload && !st->accepts_payload) {
                // §5.3: a payload only where Slack accepts one. Without one the ack is bare
                // (PY's form; NODE's "payload":{} works as well).
                spdlog::debug("socket mode: envelope {} takes no response payload; dropped it",
                              st->envelope_id);
                payload.reset();
            }
            std::string frame = socket_ack(st->envelope_id, payload);
            std::lock_guard lock(st->gate->mutex);
            if (!st->gate->link) {
                spdlog::debug("socket mode: ack of {} dropped: its link is gone (Slack redelivers)",
                              st->envelope_id);
                return;
            }
            asio::post(st->gate->link->strand,
                       [link = st->gate->link, frame = std::move(frame), id = st->envelope_id]() {
                           link->enqueue_ack(frame, id);
                       });
        };
    }

    // ---- outbound: one write in flight --------------------------------------------------------

    void enqueue_ack(const std::string& frame, const std::string& envelope_id) {
        if (closing || aborted || finished) {
            spdlog::debug("socket mode: ack of {} dropped: its link is closing (Slack redelivers)",
                          envelope_id);
            return;
        }
        if (queue.size() >= max_queued_frames) {
            spdlog::warn("socket mode: write queue full; ack of {} dropped (Slack redelivers)",
                         envelope_id);
            return;
        }
        queue.push_back({outgoing::kind::text, frame});
        pump();
    }

    void pump() {
        if (writing || queue.empty() || !upgraded || aborted || finished)
            return;
        writing = true;
        auto item = std::make_shared<outgoing>(std::move(queue.front()));
        queue.pop_front();
        auto done = [self = shared_from_this(), item](error_code ec, auto&&...) {
            self->writing = false;
            if (ec) {
                if (!self->aborted && !self->finished)
                    spdlog::warn("socket mode: write to {} failed: {}", self->url.host,
                                 ec.message());
                self->abort("write failed");
                return;
            }
            if (item->what == outgoing::kind::close)
                return;  // the read loop ends when the peer answers the close
            self->pump();
        };
        with_ws([&](auto& s) {
            switch (item->what) {
                case outgoing::kind::text:
                    s.text(true);
                    s.async_write(asio::buffer(item->text), done);
                    break;
                case outgoing::kind::ping:
                    s.async_ping({}, done);
                    break;
                case outgoing::kind::close:
                    s.async_close(websocket::close_code::normal, done);
                    break;
            }
        });
    }

    // ---- timers -------------------------------------------------------------------------------

    void arm_deadline(std::chrono::steady_clock::duration d, const char* what) {
        const unsigned gen = ++deadline_gen;
        deadline.expires_after(d);
        deadline.async_wait([self = shared_from_this(), gen, what](error_code ec) {
            if (ec || gen != self->deadline_gen || self->finished)
                return;
            spdlog::warn("socket mode: {} with {} timed out", what, self->url.host);
            self->abort("timeout");
        });
    }

    void disarm_deadline() {
        ++deadline_gen;
        deadline.cancel();
    }

    void schedule_ping() {
        ping_timer.expires_after(client.opts.ping_interval);
        ping_timer.async_wait([self = shared_from_this()](error_code ec) {
            if (ec || self->finished || self->aborted || self->closing)
                return;
            if (self->queue.size() < max_queued_frames) {
                self->queue.push_back({outgoing::kind::ping, {}});
                self->pump();
            }
            self->arm_watchdog();
            self->schedule_ping();
        });
    }

    // Armed by a ping, disarmed by any frame: a link that stays silent for pong_timeout after
    // a ping is dead even if TCP has not noticed.
    void arm_watchdog() {
        if (watchdog_armed)
            return;
        watchdog_armed = true;
        const unsigned gen = ++watchdog_gen;
        watchdog.expires_after(client.opts.pong_timeout);
        watchdog.async_wait([self = shared_from_this(), gen](error_code ec) {
            if (ec || gen != self->watchdog_gen || self->finished)
                return;
            self->abort("no pong within pong_timeout");
        });
    }

    void on_activity() {
        if (!watchdog_armed)
            return;
        watchdog_armed = false;
        ++watchdog_gen;
        watchdog.cancel();
    }
};

// ---------------------------------------------------------------------------------------------

std::string socket_mode_client::impl::open_url() {
    const api_response res =
        api.call_with_token(opts.app_token, "apps.connections.open", json::object());
    const auto it = res.body.find("url");
    if (it == res.body.end() || !it->is_string() || it->get<std::string>().empty()) {
        throw slack_api_error("invalid_response", "apps.connections.open returned no url", true);
    }
    return it->get<std::string>();
}

std::chrono::milliseconds socket_mode_client::impl::backoff(int failures) {
    // Full jitter: uniform in [0, min(cap, base·2^failures)], so replicas that lost Slack at the
    // same moment do not come back in lockstep.
    const int shift = std::clamp(failures, 0, 20);
    const auto base = std::max<std::int64_t>(opts.backoff_base.count(), 1);
    const auto cap = std::max<std::int64_t>(opts.backoff_cap.count(), base);
    const std::int64_t ceiling = std::min<std::int64_t>(cap, base << shift);
    std::uniform_int_distribution<std::int64_t> dist(0, ceiling);
    return std::chrono::milliseconds(dist(rng));
}

bool socket_mode_client::impl::wait(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, d, [this] { return stop_requested; });
}

socket_mode_client::impl::outcome socket_mode_client::impl::run_connection(
    const std::string& url_text) {
    ws_url url;
    try {
        url = parse_ws_url(url_text, opts.debug_reconnects);
    } catch (const std::invalid_argument& e) {
        spdlog::warn("socket mode: {}", e.what());
        return {};
    }
    auto gate = std::make_shared<ack_gate>();
    auto link = std::make_shared<connection>(*this, std::move(url), gate);
    {
        std::lock_guard lock(mutex);
        if (stop_requested)
            return {};
        current = link;
    }
    {
        std::lock_guard lock(gate->mutex);
        gate->link = link;
    }
    asio::co_spawn(link->strand, link->run(), [link](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::error("socket mode: link failed: {}", ex.what());
            } catch (...) {
                spdlog::error("socket mode: link failed");
            }
        }
        link->finish();
        // Not "run until out of work": Beast's idle-ping timer stays armed after a failed read
        // and would hold the next connect back for half an idle timeout.
        link->client.ioc.stop();
    });
    ioc.restart();
    bool link_over = false;
    for (;;) {
        try {
            if (!link_over) {
                ioc.run();
                link_over = true;
                ioc.restart();
            }
            // Handlers already due (cancelled timers, failed writes) release their references
            // to the old link now; Beast's timer is harmless (it holds only a weak reference).
            ioc.poll();
            break;
        } catch (const std::exception& e) {
            // A handler threw outside the coroutine; drop the link, keep the client alive.
            spdlog::error("socket mode: unexpected error: {}", e.what());
            asio::post(link->strand, [link] { link->abort("internal error"); });
        }
    }
    {
        std::lock_guard lock(gate->mutex);
        gate->link.reset();
    }
    {
        std::lock_guard lock(mutex);
        current.reset();
    }
    is_connected = false;
    return link->result;
}

void socket_mode_client::impl::loop() {
    int failures = 0;
    while (!stopping()) {
        std::string url;
        try {
            url = open_url();
        } catch (const slack_api_error& e) {
            if (is_unrecoverable(e.code())) {
                spdlog::error(
                    "socket mode: apps.connections.open failed with {}; not retrying (check "
                    "SLACK_APP_TOKEN and the app's installation)",
                    e.code());
                if (fatal) {
                    try {
                        fatal(e.code());
                    } catch (const std::exception& ex) {
                        spdlog::error("socket mode: fatal handler failed: {}", ex.what());
                    }
                }
                return;
            }
            std::chrono::milliseconds delay;
            if (e.code() == "ratelimited") {
                const int s = e.retry_after_s() > 0 ? e.retry_after_s() : default_retry_after_s;
                delay = std::chrono::seconds(s);
            } else {
                delay = backoff(failures++);
            }
            spdlog::warn("socket mode: apps.connections.open failed ({}); retrying in {} ms",
                         e.what(), delay.count());
            if (wait(delay))
                return;
            continue;
        } catch (const std::exception& e) {
            const auto delay = backoff(failures++);
            spdlog::warn("socket mode: apps.connections.open failed ({}); retrying in {} ms",
                         e.what(), delay.count());
            if (wait(delay))
                return;
            continue;
        }

        const outcome out = run_connection(url);
        if (stopping())
            return;
        if (out.ready && out.uptime > healthy_uptime)
            failures = 0;
        // Routine refreshes of a working link reconnect at once; everything else (drops,
        // link_disabled, too_many_websockets, unknown reasons, failed connects) backs off.
        const bool routine = out.ready && (out.disconnect_reason == "refresh_requested" ||
                                           out.disconnect_reason == "warning");
        if (routine)
            continue;
        const auto delay = backoff(failures++);
        spdlog::info("socket mode: reconnecting in {} ms", delay.count());
        if (wait(delay))
            return;
    }
}

// ---------------------------------------------------------------------------------------------

socket_mode_client::socket_mode_client(socket_mode_options options, web_api& api,
                                       envelope_handler handler) {
    if (options.app_token.empty())
        throw std::invalid_argument("Socket Mode needs an app-level token (SLACK_APP_TOKEN)");
    if (!handler)
        throw std::invalid_argument("Socket Mode needs an envelope handler");
    if (options.ping_interval.count() <= 0 || options.pong_timeout.count() <= 0 ||
        options.connect_timeout.count() <= 0)
        throw std::invalid_argument("Socket Mode timeouts must be positive");
    impl_ = std::make_unique<impl>(std::move(options), api, std::move(handler));
}

socket_mode_client::~socket_mode_client() {
    stop();
}

void socket_mode_client::on_fatal(fatal_handler handler) {
    impl_->fatal = std::move(handler);
}

void socket_mode_client::start() {
    std::lock_guard lock(impl_->mutex);
    if (impl_->started || impl_->stop_requested)
        return;
    impl_->started = true;
    impl_->thread = std::thread([this] {
        try {
            impl_->loop();
        } catch (const std::exception& e) {
            spdlog::error("socket mode: client stopped: {}", e.what());
        }
        impl_->is_connected = false;
    });
}

void socket_mode_client::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stop_requested = true;
        if (auto link = impl_->current) {
            asio::post(link->strand, [link] { link->begin_close(); });
        }
    }
    impl_->cv.notify_all();
    if (impl_->thread.joinable() && impl_->thread.get_id() != std::this_thread::get_id())
        impl_->thread.join();
}

bool socket_mode_client::connected() const {
    return impl_->is_connected;
}

int socket_mode_client::connections_made() const {
    return impl_->made;
}

}  // namespace warroom::slack
