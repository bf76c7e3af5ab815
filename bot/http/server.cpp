#include "bot/http/server.hpp"

#include <pthread.h>

#include <charconv>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bot/http/detail/core.hpp"
#include "bot/http/detail/session.hpp"

namespace warroom::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using detail::server_core;
using detail::session;

namespace {

constexpr auto nothrow_awaitable = net::as_tuple(net::use_awaitable);

const std::string& busy_response() {
    static const std::string text = [] {
        const std::string body = "too many connections; retry later\n";
        return "HTTP/1.1 503 Service Unavailable\r\nServer: warroom\r\n"
               "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" +
               body;
    }();
    return text;
}

/// Beyond max_connections: say so without reading, and close, so fds never run out.
void refuse(tcp::socket& socket) {
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    socket.write_some(net::buffer(busy_response()), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
}

tcp::endpoint parse_listen(const std::string& listen, net::io_context& ioc) {
    std::string host;
    std::string port_text;
    if (!listen.empty() && listen.front() == '[') {
        const auto close = listen.find("]:");
        if (close == std::string::npos)
            throw std::runtime_error("invalid listen address '" + listen +
                                     "': expected [ipv6]:port");
        host = listen.substr(1, close - 1);
        port_text = listen.substr(close + 2);
    } else {
        const auto colon = listen.rfind(':');
        if (colon == std::string::npos)
            throw std::runtime_error("invalid listen address '" + listen + "': expected host:port");
        host = listen.substr(0, colon);
        port_text = listen.substr(colon + 1);
    }
    unsigned port = 0;
    const auto [end, perr] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || perr != std::errc() || end != port_text.data() + port_text.size() ||
        port > 65535) {
        throw std::runtime_error("invalid listen address '" + listen + "': bad port '" + port_text +
                                 "'");
    }
    if (host.empty())
        host = "0.0.0.0";
    boost::system::error_code ec;
    const auto address = net::ip::make_address(host, ec);
    if (!ec)
        return {address, static_cast<unsigned short>(port)};
    // Not a literal address: a host name such as "localhost".
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(host, port_text, tcp::resolver::passive, ec);
    if (ec || results.empty())
        throw std::runtime_error("invalid listen address '" + listen + "': cannot resolve '" +
                                 host + "'");
    return results.begin()->endpoint();
}

net::awaitable<void> accept_loop(server_core& core) {
    for (;;) {
        auto strand = net::make_strand(core.ioc);
        auto [ec, accepted] = co_await core.acceptor.async_accept(strand, nothrow_awaitable);
        tcp::socket socket(std::move(accepted));
        if (core.stopping.load() || !core.acceptor.is_open())
            co_return;
        if (ec) {
            // Usually EMFILE/ENFILE: pause instead of spinning on a failing accept.
            spdlog::warn("http: accept failed: {}", ec.message());
            net::steady_timer pause(core.acceptor.get_executor(), std::chrono::milliseconds(50));
            co_await pause.async_wait(nothrow_awaitable);
            continue;
        }
        if (core.connections.load() >= core.options.max_connections) {
            spdlog::warn("http: {} connections open; refused one", core.connections.load());
            refuse(socket);
            continue;
        }
        core.connections.fetch_add(1);  // released when the session's coroutine ends
        session::start(std::make_shared<session>(core.shared_from_this(), std::move(socket),
                                                 std::move(strand)));
    }
}

void run_io(server_core& core) {
    pthread_setname_np(pthread_self(), "http-io");
    for (;;) {
        try {
            core.ioc.run();
            return;
        } catch (const std::exception& e) {
            spdlog::error("http: I/O thread caught: {}", e.what());
        } catch (...) {
            spdlog::error("http: I/O thread caught an unknown exception");
        }
    }
}

/// Runs `fn` for every open session on its own strand.
template <class Fn>
void for_each_session(server_core& core, Fn fn) {
    std::lock_guard lock(core.sessions_mu);
    for (session* s : core.sessions) {
        // Registered sessions are alive (their coroutine owns them); take a reference that
        // outlives the post.
        auto self = s->shared_from_this();
        net::post(s->strand(), [self, fn] { fn(*self); });
    }
}

}  // namespace

server::server(server_options options, const router& routes)
    : core_(std::make_shared<server_core>(std::move(options), routes)) {}

server::~server() {
    stop(std::chrono::milliseconds(0));
}

void server::start() {
    auto& core = *core_;
    {
        std::lock_guard lock(core.state_mu);
        if (core.current != server_core::state::created)
            throw std::logic_error("http server started twice");
    }
    const auto endpoint = parse_listen(core.options.listen, core.ioc);
    boost::system::error_code ec;
    auto fail = [&](const char* what) {
        boost::system::error_code ignored;
        core.acceptor.close(ignored);
        throw std::runtime_error("cannot listen on " + core.options.listen + ": " + what + " " +
                                 ec.message());
    };
    core.acceptor.open(endpoint.protocol(), ec);
    if (ec)
        fail("open:");
    core.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    core.acceptor.bind(endpoint, ec);
    if (ec)
        fail("bind:");
    core.acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        fail("listen:");
    port_ = core.acceptor.local_endpoint().port();

    net::co_spawn(core.acceptor.get_executor(), accept_loop(core), [](std::exception_ptr e) {
        if (!e)
            return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            spdlog::error("http: accept loop stopped: {}", ex.what());
        } catch (...) {
        }
    });
    const int threads = core.options.threads > 0 ? core.options.threads : 1;
    for (int i = 0; i < threads; ++i)
        core.threads.emplace_back([&core] { run_io(core); });
    std::lock_guard lock(core.state_mu);
    core.current = server_core::state::running;
    spdlog::info("http: listening on {} (port {})", core.options.listen, port_);
}

void server::stop(std::chrono::milliseconds grace) {
    auto& core = *core_;
    std::unique_lock state_lock(core.state_mu);
    switch (core.current) {
        case server_core::state::created:
            core.current = server_core::state::stopped;
            core.state_cv.notify_all();
            return;
        case server_core::state::stopping:
        case server_core::state::stopped:
            core.state_cv.wait(state_lock,
                               [&] { return core.current == server_core::state::stopped; });
            return;
        case server_core::state::running:
            break;
    }
    if (core.ioc.get_executor().running_in_this_thread())
        throw std::logic_error("http server stop() called from one of its own I/O threads");
    core.current = server_core::state::stopping;
    state_lock.unlock();

    const auto deadline = std::chrono::steady_clock::now() + grace;
    // 1. No new connections, no new requests; idle keep-alive connections close now.
    core.stopping.store(true);
    net::post(core.acceptor.get_executor(), [&core] {
        boost::system::error_code ec;
        core.acceptor.close(ec);
    });
    for_each_session(core, [](session& s) { s.close_if_idle(); });

    // 2. In-flight requests finish (each answered with Connection: close), up to the grace.
    {
        std::unique_lock lock(core.sessions_mu);
        core.sessions_cv.wait_until(lock, deadline, [&] { return core.sessions.empty(); });
        if (!core.sessions.empty())
            spdlog::warn("http: {} connections still busy after the grace period; closing them",
                         core.sessions.size());
    }

    // 3. Close the response gate, then abandon what is left; the threads return once the
    //    io_context has run out of work, which runs every handler already posted.
    core.gate_open.store(false);
    while (core.posting.load() != 0)
        std::this_thread::yield();
    for_each_session(core, [](session& s) { s.force_close(); });
    for (auto& t : core.threads)
        t.join();
    core.threads.clear();

    state_lock.lock();
    core.current = server_core::state::stopped;
    core.state_cv.notify_all();
    spdlog::info("http: stopped");
}

void server::run_until_stopped() {
    auto& core = *core_;
    std::unique_lock lock(core.state_mu);
    core.state_cv.wait(lock, [&] {
        return core.current == server_core::state::stopped ||
               core.current == server_core::state::created;
    });
}

}  // namespace warroom::http
