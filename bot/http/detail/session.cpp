#include "bot/http/detail/session.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

namespace warroom::http::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono;

namespace {

// Expected network outcomes (EOF, timeouts, cancellation) come back as values, not exceptions.
constexpr auto nothrow_awaitable = net::as_tuple(net::use_awaitable);

constexpr std::size_t header_limit = 16 * 1024;
constexpr std::size_t read_chunk = 64 * 1024;
// After an error answer the client may still be sending; reading (and dropping) a bounded amount
// before closing keeps the kernel from answering with RST, which could destroy our answer.
constexpr std::size_t max_drain = 4 << 20;
constexpr seconds max_linger{2};
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

std::string format_remote(const tcp::socket& socket) {
    beast::error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    if (ec)
        return "unknown";
    auto address = ep.address().to_string();
    if (ep.address().is_v6())
        address = "[" + address + "]";
    return address + ":" + std::to_string(ep.port());
}

std::string_view path_of(std::string_view target) {
    // The absolute form ("http://host/path?q") is legal in a request line; routes see the path.
    if (!target.empty() && target.front() != '/') {
        const auto scheme = target.find("://");
        if (scheme != std::string_view::npos) {
            const auto slash = target.find('/', scheme + 3);
            target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
        }
    }
    return target.substr(0, target.find_first_of("?#"));
}

void append_uint(std::string& out, std::uint64_t v) {
    char digits[24];
    const auto end = std::to_chars(std::begin(digits), std::end(digits), v).ptr;
    out.append(digits, end);
}

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
}

// A handler must not be able to split the response (header injection).
bool is_field_value(std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Framing headers belong to the server; a handler's copy would contradict them.
bool is_reserved(std::string_view name) {
    using boost::beast::iequals;  // ASCII only, no std::locale per call
    return iequals(name, "content-length") || iequals(name, "connection") ||
           iequals(name, "server") || iequals(name, "transfer-encoding") ||
           iequals(name, "content-type");
}

/// The server's own one-line answers (errors, 404, 503) end in a newline, for curl users.
response error_text(int status, std::string reason) {
    reason.push_back('\n');
    return text(status, std::move(reason));
}

bool expects_continue(const bhttp::request<bhttp::string_body>& msg) {
    const auto it = msg.find(bhttp::field::expect);
    return it != msg.end() && boost::beast::iequals(it->value(), "100-continue");
}

}  // namespace

session::session(std::shared_ptr<server_core> core, tcp::socket socket, strand_type strand)
    : core_(std::move(core)),
      strand_(std::move(strand)),
      stream_(std::move(socket)),
      handler_timer_(strand_),
      remote_(format_remote(stream_.socket())) {
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    // Lets send() write a small answer inline; async operations are unaffected by this flag.
    stream_.socket().non_blocking(true, ec);
}

void session::start(const std::shared_ptr<session>& self) {
    net::co_spawn(self->strand_, self->run(), [self](std::exception_ptr e) {
        if (!e)
            return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            spdlog::error("http: connection from {} failed: {}", self->remote_, ex.what());
        } catch (...) {
            spdlog::error("http: connection from {} failed", self->remote_);
        }
    });
}

net::awaitable<void> session::run() {
    // Registered while the connection is open, so stop() can reach it; unregistered even when
    // the coroutine ends by exception.
    struct registration {
        session& s;
        explicit registration(session& in) : s(in) {
            std::lock_guard lock(s.core_->sessions_mu);
            s.core_->sessions.insert(&s);
        }
        ~registration() {
            {
                std::lock_guard lock(s.core_->sessions_mu);
                s.core_->sessions.erase(&s);
            }
            s.core_->connections.fetch_sub(1);
            s.core_->sessions_cv.notify_all();
        }
        registration(const registration&) = delete;
        registration& operator=(const registration&) = delete;
    } reg(*this);

    try {
        co_await serve();
    } catch (const std::exception& e) {
        spdlog::error("http: connection from {} failed: {}", remote_, e.what());
    }
    shut();
}

net::awaitable<void> session::serve() {
    bool first = true;
    while (!aborted_) {
        const auto got = co_await read_request(first);
        first = false;
        if (got == read_result::closed)
            co_return;
        if (got == read_result::rejected) {
            // A reading error leaves the stream out of sync: answer, then close.
            const int status = rejection_->status;
            if (co_await write(*rejection_, true))
                co_await linger();
            log_request(status);
            co_return;
        }
        const bool keep_alive = parser_->get().keep_alive();
        const response res = co_await call_handler();
        if (aborted_)
            co_return;
        const bool close = !keep_alive || core_->stopping.load();
        const bool sent = co_await write(res, close);
        log_request(res.status);
        if (!sent)
            co_return;
        if (close) {
            if (buffer_.size() > 0)  // pipelined requests we will not answer
                co_await linger();
            co_return;
        }
    }
}

net::awaitable<session::read_result> session::read_request(bool first) {
    const auto& options = core_->options;
    if (buffer_.size() == 0) {
        if (core_->stopping.load())
            co_return read_result::closed;
        // Waiting for a request to begin: a fresh connection gets the read timeout (it owes us
        // a request), a kept-alive one the idle timeout.
        idle_ = true;
        stream_.expires_after(first ? options.read_timeout : options.idle_timeout);
        auto [ec, n] = co_await stream_.async_read_some(
            buffer_.prepare(beast::read_size(buffer_, read_chunk)), nothrow_awaitable);
        idle_ = false;
        if (ec || aborted_)
            co_return read_result::closed;
        buffer_.commit(n);
    }
    if (spdlog::should_log(spdlog::level::debug))
        started_ = steady_clock::now();

    // One deadline for the whole request, header and body: a client trickling bytes cannot
    // hold the connection longer than read_timeout.
    stream_.expires_after(options.read_timeout);
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(options.body_limit);
    bool sent_continue = false;
    beast::error_code ec;
    for (;;) {
        // Bytes already buffered (a pipelined request, or all of a small one) are parsed
        // without another trip through the scheduler.
        parse_buffered(ec);
        if (ec || parser_->is_done())
            break;
        if (!sent_continue && parser_->is_header_done() && expects_continue(parser_->get())) {
            sent_continue = true;
            if (!co_await send({net::buffer(continue_line), net::const_buffer()}))
                co_return read_result::closed;
            stream_.expires_after(options.read_timeout);
        }
        auto [rec, n] = co_await stream_.async_read_some(
            buffer_.prepare(beast::read_size(buffer_, read_chunk)), nothrow_awaitable);
        if (rec || aborted_)
            co_return read_result::closed;  // EOF mid-request, timeout, reset: nobody to answer
        buffer_.commit(n);
    }

    if (parser_->is_header_done()) {
        method_.assign(parser_->get().method_string());
        path_.assign(path_of(parser_->get().target()));
    } else {
        method_.assign("-");
        path_.assign("-");
    }
    if (!ec) {
        version_ = parser_->get().version();
        co_return read_result::ok;
    }
    if (ec == bhttp::error::body_limit) {
        rejection_ = error_text(
            413, "request body is larger than " + std::to_string(options.body_limit) + " bytes");
    } else if (ec == bhttp::error::header_limit) {
        rejection_ = error_text(
            431, "request header is larger than " + std::to_string(header_limit) + " bytes");
    } else {
        rejection_ = error_text(400, "malformed HTTP request: " + ec.message());
    }
    version_ = 11;
    co_return read_result::rejected;
}

void session::parse_buffered(beast::error_code& ec) {
    while (buffer_.size() > 0 && !parser_->is_done()) {
        const auto used = parser_->put(buffer_.data(), ec);
        buffer_.consume(used);
        if (ec == bhttp::error::need_more) {
            ec = {};
            return;
        }
        if (ec || used == 0)
            return;
    }
}

net::awaitable<response> session::call_handler() {
    auto& msg = parser_->get();
    request req;
    req.method = method_;
    req.target.assign(msg.target());
    req.path = path_;
    for (const auto& field : msg) {
        auto& entry =
            req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        std::transform(entry.first.begin(), entry.first.end(), entry.first.begin(), ascii_lower);
    }
    req.body = std::move(msg.body());
    req.remote = remote_;

    const auto route = core_->routes.match(method_, path_);
    if (route.target == nullptr) {
        if (!route.path_known)
            co_return error_text(404, "no route for " + path_);
        auto r =
            error_text(405, "method " + method_ + " is not allowed here; allowed: " + route.allow);
        r.headers.emplace_back("Allow", route.allow);
        co_return r;
    }

    const auto generation = ++generation_;
    pending_.reset();
    waiting_ = true;
    try {
        (*route.target)(std::move(req),
                        responder([self = shared_from_this(), generation](response r) {
                            self->deliver(generation, std::move(r));
                        }));
    } catch (const std::exception& e) {
        spdlog::error("http: handler for {} {} threw: {}", method_, path_, e.what());
        if (!pending_)
            pending_ = error_text(500, "internal server error");
    } catch (...) {
        spdlog::error("http: handler for {} {} threw", method_, path_);
        if (!pending_)
            pending_ = error_text(500, "internal server error");
    }
    // A handler that answered inline is done; otherwise wait for deliver() to cancel the timer.
    if (!pending_ && !aborted_) {
        handler_timer_.expires_after(core_->options.handler_timeout);
        co_await handler_timer_.async_wait(nothrow_awaitable);
    }
    waiting_ = false;
    if (pending_) {
        response r = std::move(*pending_);
        pending_.reset();
        co_return r;
    }
    if (!aborted_) {
        spdlog::warn("http: handler for {} {} did not answer within {}s; answered 503", method_,
                     path_, core_->options.handler_timeout.count());
    }
    co_return error_text(503, "the request handler did not answer in time");
}

void session::deliver(std::uint64_t generation, response res) {
    if (strand_.running_in_this_thread()) {
        accept_response(generation, std::move(res));
        return;
    }
    // seq_cst on both counters: stop() either sees `posting` raised, or we see the gate closed.
    auto& core = *core_;
    core.posting.fetch_add(1);
    if (core.gate_open.load()) {
        net::post(strand_, [self = shared_from_this(), generation, r = std::move(res)]() mutable {
            self->accept_response(generation, std::move(r));
        });
    }
    core.posting.fetch_sub(1);
}

void session::accept_response(std::uint64_t generation, response res) {
    // Late (after the 503), doubled, or for an abandoned request: ignore.
    if (!waiting_ || generation != generation_ || pending_)
        return;
    pending_ = std::move(res);
    handler_timer_.cancel();
}

void session::close_if_idle() {
    if (idle_)
        stream_.cancel();
}

void session::force_close() {
    aborted_ = true;
    handler_timer_.cancel();
    stream_.close();
}

void session::format_head(const response& res, bool close) {
    int status = res.status;
    if (status < 200 || status > 599) {
        spdlog::error("http: handler for {} {} answered with invalid status {}; sent 500", method_,
                      path_, status);
        status = 500;
    }
    const auto known = bhttp::int_to_status(static_cast<unsigned>(status));
    head_.clear();
    head_ += "HTTP/1.1 ";
    append_uint(head_, static_cast<unsigned>(status));
    head_ += ' ';
    if (known == bhttp::status::unknown)
        head_ += "Unknown";
    else
        head_.append(bhttp::obsolete_reason(known));
    head_ += "\r\nServer: warroom\r\n";
    if (!bodiless(status)) {
        head_ += "Content-Type: ";
        head_ += is_field_value(res.content_type) ? std::string_view(res.content_type)
                                                  : std::string_view("application/octet-stream");
        head_ += "\r\nContent-Length: ";
        append_uint(head_, res.body.size());
        head_ += "\r\n";
    }
    for (const auto& [name, value] : res.headers) {
        if (!is_token(name) || !is_field_value(value) || is_reserved(name)) {
            spdlog::warn("http: dropped invalid or reserved response header '{}' for {} {}",
                         is_token(name) ? name : std::string("?"), method_, path_);
            continue;
        }
        head_ += name;
        head_ += ": ";
        head_ += value;
        head_ += "\r\n";
    }
    if (close)
        head_ += "Connection: close\r\n";
    else if (version_ == 10)  // HTTP/1.0 keeps the connection only when told so
        head_ += "Connection: keep-alive\r\n";
    head_ += "\r\n";
}

bool session::bodiless(int status) {
    return status == 204 || status == 304;
}

net::awaitable<bool> session::write(const response& res, bool close) {
    format_head(res, close);
    const int status = res.status >= 200 && res.status <= 599 ? res.status : 500;
    const auto body = bodiless(status) ? net::const_buffer() : net::buffer(res.body);
    co_return co_await send({net::buffer(head_), body});
}

net::awaitable<bool> session::send(std::array<net::const_buffer, 2> buffers) {
    const auto total = net::buffer_size(buffers);
    // The socket is non-blocking, so a small answer usually leaves in this one writev with no
    // trip through the scheduler; only a full send buffer falls back to an async write.
    beast::error_code ec;
    const auto sent = stream_.socket().write_some(buffers, ec);
    if (!ec && sent == total)
        co_return true;
    if (ec && ec != net::error::would_block && ec != net::error::try_again)
        co_return false;
    beast::buffers_suffix<std::array<net::const_buffer, 2>> rest(buffers);
    rest.consume(ec ? 0 : sent);
    stream_.expires_after(core_->options.write_timeout);
    auto [wec, n] = co_await net::async_write(stream_, rest, nothrow_awaitable);
    (void)n;
    co_return !wec && !aborted_;
}

net::awaitable<void> session::linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec)
        co_return;
    stream_.expires_after(
        std::min<steady_clock::duration>(max_linger, core_->options.read_timeout));
    std::size_t drained = 0;
    while (!aborted_ && drained < max_drain) {
        buffer_.clear();
        auto [rec, n] =
            co_await stream_.async_read_some(buffer_.prepare(read_chunk), nothrow_awaitable);
        if (rec)
            break;  // the client closed its side (or the deadline passed): done
        drained += n;
    }
}

void session::shut() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
}

void session::log_request(int status) const {
    if (!spdlog::should_log(spdlog::level::debug))
        return;
    const auto us = duration_cast<microseconds>(steady_clock::now() - started_).count();
    spdlog::debug("http {} {} {} {}us", method_, path_, status, us);
}

}  // namespace warroom::http::detail
