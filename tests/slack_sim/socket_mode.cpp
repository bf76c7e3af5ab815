// Socket Mode: the WebSocket server side (hello, envelopes out, acks in, disconnect, pings).
#include "tests/slack_sim/socket_mode.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "tests/slack_sim/util.hpp"

namespace warroom::slack_sim {

using nlohmann::json;
namespace websocket = beast::websocket;

socket_session::socket_session(simulator::impl& sim, beast::tcp_stream stream, int id)
    : sim_(sim), ws_(std::move(stream)), id_(id), ping_timer_(sim.ioc), close_timer_(sim.ioc) {}

json socket_session::info() const {
    return {{"id", id_},
            {"accepting", accepting()},
            {"connected_at", connected_at_},
            {"disconnect_reason", disconnect_reason_}};
}

awaitable<void> socket_session::run(http_request req) {
    auto self = shared_from_this();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "slack-sim"); }));
    boost::system::error_code ec;
    co_await ws_.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        co_return;
    }
    connected_at_ = util::unix_seconds();
    std::size_t count = 0;
    {
        std::lock_guard lock(sim_.mu);
        sim_.sockets.push_back(self);
        count = sim_.sockets.size();
    }
    ready_ = true;
    sim_.socket_cv.notify_all();
    json hello = {{"type", "hello"},
                  {"num_connections", count},
                  {"connection_info", {{"app_id", sim_.opt.app_id}}},
                  {"debug_info",
                   {{"host", "applink-sim-" + std::to_string(id_)},
                    {"started", "slack_sim"},
                    {"build_number", 1},
                    {"approximate_connection_time", 18060}}}};
    send_text(hello.dump());
    // Slack allows 10 simultaneous links per app.
    if (count > 10) {
        send_disconnect("too_many_websockets");
    }
    schedule_pings();

    beast::flat_buffer buffer;
    for (;;) {
        buffer.clear();
        co_await ws_.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            break;
        }
        if (!ws_.got_text()) {
            continue;  // binary frames carry nothing in Socket Mode
        }
        auto parsed = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
        if (parsed.is_object() && parsed.contains("envelope_id") &&
            parsed["envelope_id"].is_string()) {
            sim_.on_ack(parsed["envelope_id"].get<std::string>(), parsed.value("payload", json()));
        }
    }
    closed_ = true;
    ping_timer_.cancel();
    close_timer_.cancel();
    sim_.socket_closed(self);
}

void socket_session::send_text(std::string text) {
    if (closed_) {
        return;
    }
    if (sim_.consume_frame_budget()) {
        drop();
        return;
    }
    enqueue({outgoing::kind::text, std::move(text)});
}

void socket_session::send_ping() {
    if (!closed_) {
        enqueue({outgoing::kind::ping, ""});
    }
}

void socket_session::send_disconnect(const std::string& reason) {
    if (closed_) {
        return;
    }
    disconnect_reason_ = reason;
    // After `warning` the link still works until the server closes it; otherwise no new
    // envelopes go to a link that was told to go away.
    leaving_ = reason != "warning";
    json frame = {{"type", "disconnect"},
                  {"reason", reason},
                  {"debug_info", {{"host", "applink-sim-" + std::to_string(id_)}}}};
    send_text(frame.dump());
    close_timer_.expires_after(sim_.opt.disconnect_grace);
    close_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->closed_) {
            return;
        }
        self->leaving_ = true;
        self->enqueue({outgoing::kind::close, ""});
        // A client that never answers the close frame is cut off.
        self->close_timer_.expires_after(std::chrono::seconds(2));
        self->close_timer_.async_wait([self](boost::system::error_code ec2) {
            if (!ec2) {
                self->drop();
            }
        });
    });
}

void socket_session::drop() {
    if (closed_) {
        return;
    }
    closed_ = true;
    ping_timer_.cancel();
    beast::error_code ignored;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
}

void socket_session::enqueue(outgoing o) {
    queue_.push_back(std::move(o));
    pump();
}

void socket_session::pump() {
    if (writing_ || queue_.empty() || closed_) {
        return;
    }
    writing_ = true;
    auto item = std::make_shared<outgoing>(std::move(queue_.front()));
    queue_.pop_front();
    auto done = [self = shared_from_this(), item](boost::system::error_code ec, auto&&...) {
        self->writing_ = false;
        if (ec) {
            self->drop();
            return;
        }
        self->pump();
    };
    switch (item->what) {
        case outgoing::kind::text:
            ws_.text(true);
            ws_.async_write(asio::buffer(item->text), done);
            break;
        case outgoing::kind::ping:
            ws_.async_ping({}, done);
            break;
        case outgoing::kind::close:
            ws_.async_close(websocket::close_code::going_away, done);
            break;
    }
}

void socket_session::schedule_pings() {
    if (sim_.opt.socket_ping_interval.count() <= 0) {
        return;
    }
    ping_timer_.expires_after(sim_.opt.socket_ping_interval);
    ping_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->closed_) {
            return;
        }
        self->send_ping();
        self->schedule_pings();
    });
}

// ---- simulator side ---------------------------------------------------------------------------

awaitable<void> simulator::impl::serve_socket(beast::tcp_stream stream, http_request req) {
    std::string target(req.target());
    std::string ticket;
    auto q = target.find('?');
    if (q != std::string::npos) {
        for (const auto& [k, v] : util::parse_form(std::string_view(target).substr(q + 1))) {
            if (k == "ticket") {
                ticket = v;
            }
        }
    }
    bool valid = false;
    {
        std::lock_guard lock(mu);
        auto it = ws.socket_tickets.find(ticket);
        // Each URL from apps.connections.open works once.
        if (target.substr(0, q) == "/socket" && it != ws.socket_tickets.end()) {
            ws.socket_tickets.erase(it);
            valid = true;
        }
    }
    if (!valid) {
        http::response<http::string_body> res{http::status::unauthorized, req.version()};
        res.set(http::field::server, "slack-sim");
        res.set(http::field::content_type, "text/plain");
        res.body() = "invalid or used ticket\n";
        res.keep_alive(false);
        res.prepare_payload();
        boost::system::error_code ec;
        stream.expires_after(std::chrono::seconds(10));
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return;
    }
    auto session = std::make_shared<socket_session>(*this, std::move(stream), next_socket_id++);
    co_await session->run(std::move(req));
}

std::shared_ptr<socket_session> simulator::impl::pick_socket() {
    std::lock_guard lock(mu);
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        auto& s = sockets[(socket_round_robin + i) % sockets.size()];
        if (s->accepting()) {
            socket_round_robin = (socket_round_robin + i + 1) % sockets.size();
            return s;
        }
    }
    return nullptr;
}

void simulator::impl::socket_closed(const std::shared_ptr<socket_session>& s) {
    {
        std::lock_guard lock(mu);
        std::erase(sockets, s);
    }
    socket_cv.notify_all();
}

bool simulator::impl::consume_frame_budget() {
    std::lock_guard lock(mu);
    if (socket_drop_after < 0) {
        return false;
    }
    if (socket_drop_after == 0) {
        socket_drop_after = -1;
        return true;
    }
    --socket_drop_after;
    return false;
}

void simulator::impl::on_ack(const std::string& envelope_id, json payload) {
    auto it = acks.find(envelope_id);
    if (it == acks.end()) {
        return;  // late or unknown: Slack ignores it too
    }
    it->second->acked = true;
    it->second->payload = std::move(payload);
    it->second->timer.cancel();
}

void simulator::impl::disconnect_sockets(const std::string& reason) {
    std::vector<std::shared_ptr<socket_session>> copy;
    {
        std::lock_guard lock(mu);
        copy = sockets;
    }
    for (auto& s : copy) {
        s->send_disconnect(reason);
    }
}

void simulator::impl::drop_sockets() {
    std::vector<std::shared_ptr<socket_session>> copy;
    {
        std::lock_guard lock(mu);
        copy = sockets;
    }
    for (auto& s : copy) {
        s->drop();
    }
}

void simulator::impl::ping_sockets() {
    std::vector<std::shared_ptr<socket_session>> copy;
    {
        std::lock_guard lock(mu);
        copy = sockets;
    }
    for (auto& s : copy) {
        s->send_ping();
    }
}

}  // namespace warroom::slack_sim
