// The public face: lifecycle, thread hand-off to the I/O thread, and the C++ control calls.
#include "tests/slack_sim/simulator.hpp"

#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "tests/slack_sim/sim_impl.hpp"
#include "tests/slack_sim/util.hpp"
#include "tests/slack_sim/web_api.hpp"

namespace warroom::slack_sim {

using nlohmann::json;

json to_json(const delivery_result& r) {
    json attempts = json::array();
    for (const auto& a : r.attempt_log) {
        attempts.push_back({{"retry_num", a.retry_num},
                            {"retry_reason", a.retry_reason},
                            {"status", a.status},
                            {"error", a.error},
                            {"latency_ms", a.latency.count()}});
    }
    json followups = json::array();
    for (const auto& f : r.followups) {
        followups.push_back(to_json(f));
    }
    return {{"delivered", r.delivered},
            {"transport", r.transport},
            {"status", r.status},
            {"body", r.body},
            {"response", r.response},
            {"latency_ms", r.latency.count()},
            {"attempts", r.attempts},
            {"attempt_log", attempts},
            {"error", r.error},
            {"event_id", r.event_id},
            {"envelope_id", r.envelope_id},
            {"trigger_id", r.trigger_id},
            {"response_url", r.response_url},
            {"ts", r.ts},
            {"followups", followups}};
}

json to_json(const call_record& r) {
    return {
        {"method", r.method},
        {"args", r.args},
        {"status", r.status},
        {"ok", r.ok},
        {"error", r.error},
        {"at_ms",
         std::chrono::duration_cast<std::chrono::milliseconds>(r.at.time_since_epoch()).count()}};
}

simulator::impl::impl(sim_options options)
    : opt(std::move(options)),
      scopes(opt.scopes.empty() ? default_scopes() : opt.scopes),
      ws(opt),
      limiter(opt.rate_limit_scale, opt.post_message_burst) {
    ws.seed();
}

std::string simulator::impl::base_url() const {
    return "http://" + host + ":" + std::to_string(port.load());
}

bool simulator::impl::on_io_thread() const {
    return const_cast<asio::io_context&>(ioc).get_executor().running_in_this_thread();
}

void simulator::impl::run_on_io(std::function<void()> fn) {
    if (on_io_thread()) {
        fn();
        return;
    }
    if (!running) {
        return;
    }
    std::promise<void> done;
    auto fut = done.get_future();
    asio::post(ioc, [&] {
        fn();
        done.set_value();
    });
    fut.get();
}

simulator::simulator(sim_options options) : impl_(std::make_shared<impl>(std::move(options))) {}

simulator::~simulator() {
    stop();
}

void simulator::start() {
    if (impl_->running) {
        return;
    }
    impl_->listen();
    impl_->work.emplace(impl_->ioc.get_executor());
    asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
    impl_->running = true;
    impl_->thread = std::thread([i = impl_.get()] { i->ioc.run(); });
}

void simulator::stop() {
    if (!impl_->running.exchange(false)) {
        return;
    }
    // Coroutines still suspended (deliveries, open links) are destroyed with the io_context.
    impl_->work.reset();
    impl_->ioc.stop();
    if (impl_->thread.joinable()) {
        impl_->thread.join();
    }
    std::lock_guard lock(impl_->mu);
    impl_->sockets.clear();
    impl_->socket_cv.notify_all();
}

std::string simulator::api_url() const {
    return impl_->base_url() + "/api/";
}

std::string simulator::control_url() const {
    return impl_->base_url() + "/control/";
}

unsigned short simulator::port() const {
    return impl_->port;
}

const sim_options& simulator::options() const {
    return impl_->opt;
}

std::string simulator::add_user(std::string handle, std::string real_name, bool is_bot,
                                std::string email) {
    std::lock_guard lock(impl_->mu);
    return impl_->ws.add_user(handle, real_name, is_bot, email);
}

std::string simulator::add_channel(std::string name, bool is_private,
                                   std::vector<std::string> members) {
    std::lock_guard lock(impl_->mu);
    auto& ws = impl_->ws;
    if (ws.find_channel_by_name(name) != nullptr) {
        throw std::invalid_argument("slack_sim: channel name taken: " + name);
    }
    std::vector<std::string> ids;
    for (const auto& m : members) {
        auto* u = ws.find_user(m);
        if (u == nullptr) {
            throw std::invalid_argument("slack_sim: unknown user: " + m);
        }
        ids.push_back(u->id);
    }
    auto& c = ws.add_channel(name, is_private, ids.empty() ? "U_ALICE" : ids.front());
    c.members = ids;
    return c.id;
}

std::string simulator::add_usergroup(std::string handle, std::vector<std::string> users) {
    std::lock_guard lock(impl_->mu);
    std::vector<std::string> ids;
    for (const auto& m : users) {
        auto* u = impl_->ws.find_user(m);
        if (u == nullptr) {
            throw std::invalid_argument("slack_sim: unknown user: " + m);
        }
        ids.push_back(u->id);
    }
    return impl_->ws.add_usergroup(handle, ids);
}

void simulator::set_bot_endpoint(std::string url) {
    util::url_parts parts;
    if (!url.empty() && !util::parse_http_url(url, parts)) {
        throw std::invalid_argument("slack_sim: the bot endpoint must be an http:// URL: " + url);
    }
    std::lock_guard lock(impl_->mu);
    impl_->bot_endpoint = std::move(url);
}

void simulator::reset() {
    std::lock_guard lock(impl_->mu);
    impl_->ws.seed();
    impl_->faults.clear();
    impl_->limiter.clear();
    impl_->call_log.clear();
    impl_->duplicate = false;
    impl_->socket_drop_after = -1;
}

delivery_result simulator::slash_command(const std::string& user, const std::string& channel,
                                         const std::string& command, const std::string& text) {
    prepared p;
    {
        std::lock_guard lock(impl_->mu);
        p = impl_->prepare_slash_command(user, channel, command, text);
    }
    return impl_->send_blocking(std::move(p));
}

delivery_result simulator::post_message(const std::string& user, const std::string& channel,
                                        const std::string& text, const std::string& thread_ts) {
    prepared p;
    {
        std::lock_guard lock(impl_->mu);
        p = impl_->prepare_message(user, channel, text, thread_ts);
    }
    return impl_->send_blocking(std::move(p));
}

delivery_result simulator::pin(const std::string& user, const std::string& channel,
                               const std::string& ts) {
    prepared p;
    {
        std::lock_guard lock(impl_->mu);
        p = impl_->prepare_pin(user, channel, ts);
    }
    return impl_->send_blocking(std::move(p));
}

delivery_result simulator::react(const std::string& user, const std::string& channel,
                                 const std::string& ts, const std::string& reaction) {
    prepared p;
    {
        std::lock_guard lock(impl_->mu);
        p = impl_->prepare_react(user, channel, ts, reaction);
    }
    return impl_->send_blocking(std::move(p));
}

delivery_result simulator::click_button(const std::string& user, const std::string& channel,
                                        const std::string& message_ts, const std::string& action_id,
                                        const std::string& value) {
    prepared p;
    {
        std::lock_guard lock(impl_->mu);
        p = impl_->prepare_click(user, channel, message_ts, action_id, value);
    }
    return impl_->send_blocking(std::move(p));
}

delivery_result simulator::submit_view(const std::string& user, const std::string& view_id,
                                       const json& values) {
    prepared p;
    {
        std::lock_guard lock(impl_->mu);
        p = impl_->prepare_submit(user, view_id, values);
    }
    return impl_->send_blocking(std::move(p));
}

delivery_result simulator::join(const std::string& user, const std::string& channel) {
    prepared p;
    {
        std::lock_guard lock(impl_->mu);
        p = impl_->prepare_join(user, channel);
    }
    return impl_->send_blocking(std::move(p));
}

delivery_result simulator::verify_url() {
    prepared p;
    {
        std::lock_guard lock(impl_->mu);
        p = impl_->prepare_verify();
    }
    return impl_->send_blocking(std::move(p));
}

void simulator::fail_next(std::string method, int count, int http_status, bool after_apply) {
    std::lock_guard lock(impl_->mu);
    impl_->faults.fail_next(method, count, http_status, after_apply);
}

void simulator::rate_limit_next(std::string method, int count, int retry_after_s) {
    std::lock_guard lock(impl_->mu);
    impl_->faults.rate_limit_next(method, count, retry_after_s);
}

void simulator::slow_next(std::string method, std::chrono::milliseconds delay, int count) {
    std::lock_guard lock(impl_->mu);
    impl_->faults.slow_next(method, delay, count);
}

void simulator::drop_next_connections(int n) {
    std::lock_guard lock(impl_->mu);
    impl_->faults.drop_next_connections(n);
}

void simulator::duplicate_deliveries(bool on) {
    std::lock_guard lock(impl_->mu);
    impl_->duplicate = on;
}

void simulator::drop_socket_mode_after(int frames) {
    std::lock_guard lock(impl_->mu);
    impl_->socket_drop_after = frames < 0 ? -1 : frames;
}

void simulator::socket_disconnect(const std::string& reason) {
    impl_->run_on_io([this, reason] { impl_->disconnect_sockets(reason); });
}

void simulator::socket_drop_all() {
    impl_->run_on_io([this] { impl_->drop_sockets(); });
}

void simulator::socket_ping() {
    impl_->run_on_io([this] { impl_->ping_sockets(); });
}

int simulator::socket_connection_count() const {
    std::lock_guard lock(impl_->mu);
    return static_cast<int>(impl_->sockets.size());
}

bool simulator::wait_for_socket_connections(int n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mu);
    return impl_->socket_cv.wait_for(lock, timeout,
                                     [&] { return static_cast<int>(impl_->sockets.size()) >= n; });
}

json simulator::state() const {
    std::lock_guard lock(impl_->mu);
    json s = impl_->ws.state_json();
    json calls = json::array();
    for (const auto& c : impl_->call_log) {
        calls.push_back(to_json(c));
    }
    s["calls"] = calls;
    s["bot_endpoint"] = impl_->bot_endpoint;
    s["socket_connections"] = impl_->sockets.size();
    return s;
}

std::vector<call_record> simulator::calls(const std::string& method) const {
    std::lock_guard lock(impl_->mu);
    std::vector<call_record> out;
    for (const auto& c : impl_->call_log) {
        if (method.empty() || c.method == method) {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace warroom::slack_sim
