// The one HTTP listener: Web API, upload and response URLs, control API, Socket Mode upgrade.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "tests/slack_sim/sim_impl.hpp"
#include "tests/slack_sim/util.hpp"

namespace warroom::slack_sim {

http_reply http_reply::json(const nlohmann::json& j, unsigned status) {
    http_reply r;
    r.status = status;
    r.body = j.dump();
    return r;
}

http_reply http_reply::text(std::string body, unsigned status) {
    http_reply r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(body);
    return r;
}

void simulator::impl::listen() {
    auto colon = opt.listen.rfind(':');
    if (colon == std::string::npos) {
        throw std::invalid_argument("listen must be host:port, got '" + opt.listen + "'");
    }
    auto address = asio::ip::make_address(opt.listen.substr(0, colon));
    auto requested = static_cast<unsigned short>(std::stoi(opt.listen.substr(colon + 1)));
    tcp::endpoint ep(address, requested);
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(asio::socket_base::max_listen_connections);
    port = acceptor.local_endpoint().port();
    // URLs handed to the bot must be reachable: a wildcard listen is reached via loopback.
    host = address.is_unspecified() ? "127.0.0.1" : address.to_string();
    if (address.is_v6() && !address.is_unspecified()) {
        host = "[" + host + "]";
    }
}

awaitable<void> simulator::impl::accept_loop() {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket =
            co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
                co_return;
            }
            continue;
        }
        asio::co_spawn(ioc, serve(std::move(socket)), asio::detached);
    }
}

awaitable<void> simulator::impl::serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        // An idle keep-alive connection is closed after a minute, like any sane server.
        stream.expires_after(std::chrono::seconds(60));
        boost::system::error_code ec;
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            break;
        }
        http_request req = parser.release();
        if (beast::websocket::is_upgrade(req)) {
            stream.expires_never();
            co_await serve_socket(std::move(stream), std::move(req));
            co_return;
        }
        http_reply reply;
        try {
            reply = co_await route(req);
        } catch (const std::exception& e) {
            reply = http_reply::json(
                {{"ok", false}, {"error", "internal_error"}, {"detail", e.what()}}, 500);
        }
        if (reply.drop) {
            beast::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream.socket().close(ignored);
            co_return;
        }
        if (reply.delay.count() > 0) {
            asio::steady_timer timer(ioc, reply.delay);
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        http::response<http::string_body> res{static_cast<http::status>(reply.status),
                                              req.version()};
        res.set(http::field::server, "slack-sim");
        res.set(http::field::content_type, reply.content_type);
        for (const auto& [name, value] : reply.headers) {
            res.set(name, value);
        }
        res.keep_alive(req.keep_alive());
        res.body() = std::move(reply.body);
        res.prepare_payload();
        stream.expires_after(std::chrono::seconds(30));
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !res.keep_alive()) {
            break;
        }
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

awaitable<http_reply> simulator::impl::route(http_request& req) {
    std::string target(req.target());
    std::string_view query;
    auto qpos = target.find('?');
    std::string path = target.substr(0, qpos);
    if (qpos != std::string::npos) {
        query = std::string_view(req.target()).substr(qpos + 1);
    }
    if (util::starts_with(path, "/api/")) {
        co_return co_await handle_api(path.substr(5), req, query);
    }
    if (util::starts_with(path, "/control")) {
        co_return co_await handle_control(path.substr(8), req, query);
    }
    if (util::starts_with(path, "/upload/v1/")) {
        std::lock_guard lock(mu);
        co_return handle_upload(path.substr(11), req);
    }
    if (util::starts_with(path, "/response/")) {
        std::lock_guard lock(mu);
        co_return handle_response_url(path.substr(10), req);
    }
    if (path == "/socket") {
        // A plain GET without the upgrade headers.
        co_return http_reply::text("expected a WebSocket upgrade\n", 400);
    }
    if (path == "/" || path.empty()) {
        co_return http_reply::text("slack_sim: Web API at " + base_url() + "/api/, control at " +
                                   base_url() + "/control/\n");
    }
    co_return http_reply::text("not found\n", 404);
}

}  // namespace warroom::slack_sim
