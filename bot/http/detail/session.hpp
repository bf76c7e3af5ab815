#pragma once

// Internal to warroom_http: one HTTP/1.1 connection. Includes Beast; only bot/http/*.cpp may
// include it.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "bot/http/detail/core.hpp"
#include "bot/http/message.hpp"

namespace warroom::http::detail {

using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

/// Reads requests one at a time (pipelined ones wait in the buffer, so answers keep their order),
/// hands each to its handler, waits for the responder, writes the answer. Everything runs as one
/// coroutine on the connection's strand; only deliver() may be called from other threads.
class session : public std::enable_shared_from_this<session> {
  public:
    session(std::shared_ptr<server_core> core, boost::asio::ip::tcp::socket socket,
            strand_type strand);
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    /// Starts the connection's coroutine on its strand.
    static void start(const std::shared_ptr<session>& self);

    /// The responder's target: hands `res` to request number `generation`. Any thread.
    void deliver(std::uint64_t generation, response res);

    /// On the strand (posted by stop()): close now if waiting for a next request.
    void close_if_idle();
    /// On the strand (posted by stop() after the grace period): abandon everything.
    void force_close();

    const strand_type& strand() const { return strand_; }

  private:
    enum class read_result { ok, closed, rejected };

    boost::asio::awaitable<void> run();
    boost::asio::awaitable<void> serve();
    boost::asio::awaitable<read_result> read_request(bool first);
    boost::asio::awaitable<response> call_handler();
    boost::asio::awaitable<bool> write(const response& res, bool close);
    boost::asio::awaitable<bool> send(std::array<boost::asio::const_buffer, 2> buffers);
    boost::asio::awaitable<void> linger();
    void parse_buffered(boost::beast::error_code& ec);
    void accept_response(std::uint64_t generation, response res);
    void format_head(const response& res, bool close);
    void shut();
    void log_request(int status) const;
    static bool bodiless(int status);

    // Declared first so it is destroyed last: the socket and timer below need the io_context.
    std::shared_ptr<server_core> core_;
    strand_type strand_;
    boost::beast::tcp_stream stream_;
    boost::asio::steady_timer handler_timer_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::string remote_;
    std::string head_;                   ///< the response head, reused across requests
    std::string method_, path_;          ///< of the current request, for logs; capacity reused
    std::optional<response> rejection_;  ///< an error answer chosen while reading
    std::optional<response> pending_;    ///< the handler's answer, once it arrived
    std::uint64_t generation_ = 0;       ///< numbers requests, so a late answer is recognised
    std::chrono::steady_clock::time_point started_{};
    unsigned version_ = 11;
    bool waiting_ = false;  ///< a handler owns the current request
    bool idle_ = false;     ///< waiting for the first byte of a request
    bool aborted_ = false;  ///< force_close() ran; the coroutine must just leave
};

}  // namespace warroom::http::detail
