// The control API: JSON over HTTP under /control/, mirroring the C++ calls so a test in another
// process, or a person with curl, can drive the workspace.
#include <boost/asio/use_awaitable.hpp>

#include "tests/slack_sim/sim_impl.hpp"
#include "tests/slack_sim/socket_mode.hpp"
#include "tests/slack_sim/util.hpp"

namespace warroom::slack_sim {

using nlohmann::json;

namespace {

http_reply fail(const std::string& error, unsigned status = 400) {
    return http_reply::json({{"ok", false}, {"error", error}}, status);
}

http_reply ok(json extra = json::object()) {
    json out = {{"ok", true}};
    out.update(extra);
    return http_reply::json(out);
}

http_reply delivered(const delivery_result& r) {
    json out = to_json(r);
    // A refused action (unknown user, no such button) is the caller's mistake; a delivery the
    // bot did not acknowledge is still a successful control call.
    bool refused = !r.error.empty() && r.attempts == 0 && r.ts.empty();
    out["ok"] = !refused;
    return http_reply::json(out, refused ? 400 : 200);
}

std::string str(const json& body, const char* key, const std::string& fallback = "") {
    if (!body.contains(key) || body[key].is_null()) {
        return fallback;
    }
    return body[key].is_string() ? body[key].get<std::string>() : body[key].dump();
}

int integer(const json& body, const char* key, int fallback) {
    if (!body.contains(key)) {
        return fallback;
    }
    if (body[key].is_number()) {
        return body[key].get<int>();
    }
    try {
        return std::stoi(str(body, key));
    } catch (const std::exception&) {
        return fallback;
    }
}

bool flag(const json& body, const char* key) {
    if (!body.contains(key)) {
        return false;
    }
    const auto& v = body[key];
    return v.is_boolean() ? v.get<bool>() : (str(body, key) == "true" || str(body, key) == "1");
}

const json& endpoints() {
    static const json e = {
        {"GET /control/state", "workspace, messages, pins, files, views, ephemerals, calls"},
        {"GET /control/calls?method=M", "Web API call log"},
        {"GET /control/socket", "open Socket Mode connections"},
        {"POST /control/reset", "back to the seed workspace"},
        {"POST /control/users", "{handle, real_name?, is_bot?, email?} -> {id}"},
        {"POST /control/channels", "{name, is_private?, members?} -> {id}"},
        {"POST /control/usergroups", "{handle, users} -> {id}"},
        {"POST /control/bot_endpoint", "{url}"},
        {"POST /control/slash_command", "{user, channel, command, text}"},
        {"POST /control/message", "{user, channel, text, thread_ts?}"},
        {"POST /control/pin", "{user, channel, ts}"},
        {"POST /control/react", "{user, channel, ts, reaction}"},
        {"POST /control/click", "{user, channel, message_ts, action_id, value?}"},
        {"POST /control/submit_view", "{user, view_id, values}"},
        {"POST /control/join", "{user, channel}"},
        {"POST /control/verify_url", "url_verification handshake"},
        {"POST /control/faults/fail", "{method, count, status, after_apply?}"},
        {"POST /control/faults/rate_limit", "{method, count, retry_after}"},
        {"POST /control/faults/slow", "{method, delay_ms, count?}"},
        {"POST /control/faults/drop_connections", "{count}"},
        {"POST /control/faults/duplicate_deliveries", "{on}"},
        {"POST /control/faults/drop_socket_mode_after", "{frames}"},
        {"POST /control/socket/disconnect", "{reason}"},
        {"POST /control/socket/drop", "close every link abruptly"},
        {"POST /control/socket/ping", "WebSocket ping on every link"}};
    return e;
}

}  // namespace

awaitable<http_reply> simulator::impl::handle_control(const std::string& raw_path,
                                                      const http_request& req,
                                                      std::string_view query) {
    std::string path = raw_path;
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    const bool is_get = req.method() == http::verb::get;
    json body = json::object();
    if (!req.body().empty()) {
        body = json::parse(req.body(), nullptr, false);
        if (!body.is_object()) {
            co_return fail("the body must be a JSON object");
        }
    }
    // Query parameters work too, so simple calls fit in a browser or a short curl.
    for (auto& [k, v] : util::parse_form(query)) {
        if (!body.contains(k)) {
            body[k] = v;
        }
    }

    if (path.empty()) {
        co_return ok({{"endpoints", endpoints()}});
    }
    if (path == "/state" && is_get) {
        json s;
        {
            std::lock_guard lock(mu);
            s = ws.state_json();
            json calls = json::array();
            for (const auto& c : call_log) {
                calls.push_back(to_json(c));
            }
            s["calls"] = calls;
            s["bot_endpoint"] = bot_endpoint;
            s["socket_connections"] = sockets.size();
        }
        co_return ok({{"state", s}});
    }
    if (path == "/calls" && is_get) {
        auto method = str(body, "method");
        json list = json::array();
        std::lock_guard lock(mu);
        for (const auto& c : call_log) {
            if (method.empty() || c.method == method) {
                list.push_back(to_json(c));
            }
        }
        co_return ok({{"calls", list}});
    }
    if (path == "/socket" && is_get) {
        json list = json::array();
        std::lock_guard lock(mu);
        for (const auto& s : sockets) {
            list.push_back(s->info());
        }
        co_return ok({{"connections", list}});
    }
    if (req.method() != http::verb::post) {
        co_return fail("use POST for " + path, 405);
    }

    if (path == "/reset") {
        std::lock_guard lock(mu);
        ws.seed();
        faults.clear();
        limiter.clear();
        call_log.clear();
        duplicate = false;
        socket_drop_after = -1;
        co_return ok();
    }
    if (path == "/users") {
        auto handle = str(body, "handle");
        if (handle.empty()) {
            co_return fail("handle is required");
        }
        std::lock_guard lock(mu);
        auto id =
            ws.add_user(handle, str(body, "real_name"), flag(body, "is_bot"), str(body, "email"));
        co_return ok({{"id", id}});
    }
    if (path == "/channels") {
        auto name = str(body, "name");
        if (name.empty() || name[0] == '#') {
            name = name.empty() ? name : name.substr(1);
        }
        if (name.empty()) {
            co_return fail("name is required");
        }
        std::lock_guard lock(mu);
        if (ws.find_channel_by_name(name) != nullptr) {
            co_return fail("name_taken");
        }
        std::vector<std::string> ids;
        if (body.contains("members") && body["members"].is_array()) {
            for (const auto& m : body["members"]) {
                auto* u = m.is_string() ? ws.find_user(m.get<std::string>()) : nullptr;
                if (u == nullptr) {
                    co_return fail("unknown user: " + m.dump());
                }
                ids.push_back(u->id);
            }
        }
        auto& c =
            ws.add_channel(name, flag(body, "is_private"), ids.empty() ? "U_ALICE" : ids.front());
        c.members = ids;
        co_return ok({{"id", c.id}});
    }
    if (path == "/usergroups") {
        std::lock_guard lock(mu);
        std::vector<std::string> ids;
        for (const auto& m : body.value("users", json::array())) {
            auto* u = m.is_string() ? ws.find_user(m.get<std::string>()) : nullptr;
            if (u == nullptr) {
                co_return fail("unknown user: " + m.dump());
            }
            ids.push_back(u->id);
        }
        co_return ok({{"id", ws.add_usergroup(str(body, "handle"), ids)}});
    }
    if (path == "/bot_endpoint") {
        auto url = str(body, "url");
        util::url_parts parts;
        if (!url.empty() && !util::parse_http_url(url, parts)) {
            co_return fail("the bot endpoint must be an http:// URL");
        }
        std::lock_guard lock(mu);
        bot_endpoint = url;
        co_return ok();
    }

    // Deliveries: the workspace changes under the lock, then the bot is told.
    prepared p;
    bool is_delivery = true;
    {
        std::lock_guard lock(mu);
        auto user = str(body, "user", "alice");
        auto channel = str(body, "channel", "#general");
        if (path == "/slash_command") {
            p = prepare_slash_command(user, channel, str(body, "command", "/incident"),
                                      str(body, "text"));
        } else if (path == "/message") {
            p = prepare_message(user, channel, str(body, "text"), str(body, "thread_ts"));
        } else if (path == "/pin") {
            p = prepare_pin(user, channel, str(body, "ts"));
        } else if (path == "/react") {
            p = prepare_react(user, channel, str(body, "ts"), str(body, "reaction"));
        } else if (path == "/click") {
            p = prepare_click(user, channel, str(body, "message_ts"), str(body, "action_id"),
                              str(body, "value"));
        } else if (path == "/submit_view") {
            p = prepare_submit(user, str(body, "view_id"), body.value("values", json::object()));
        } else if (path == "/join") {
            p = prepare_join(user, channel);
        } else if (path == "/verify_url") {
            p = prepare_verify();
        } else {
            is_delivery = false;
        }
    }
    if (is_delivery) {
        auto r = co_await send(std::move(p));
        co_return delivered(r);
    }

    std::lock_guard lock(mu);
    auto method = str(body, "method", "*");
    if (path == "/faults/fail") {
        faults.fail_next(method, integer(body, "count", 1), integer(body, "status", 500),
                         flag(body, "after_apply"));
    } else if (path == "/faults/rate_limit") {
        faults.rate_limit_next(method, integer(body, "count", 1), integer(body, "retry_after", 1));
    } else if (path == "/faults/slow") {
        faults.slow_next(method, std::chrono::milliseconds(integer(body, "delay_ms", 1000)),
                         integer(body, "count", 1));
    } else if (path == "/faults/drop_connections") {
        faults.drop_next_connections(integer(body, "count", 1));
    } else if (path == "/faults/duplicate_deliveries") {
        duplicate = !body.contains("on") || flag(body, "on");
    } else if (path == "/faults/drop_socket_mode_after") {
        auto frames = integer(body, "frames", 0);
        socket_drop_after = frames < 0 ? -1 : frames;
    } else if (path == "/socket/disconnect" || path == "/socket/drop" || path == "/socket/ping") {
        // The sessions take mu themselves (and this is the I/O thread already).
        auto reason = str(body, "reason", "refresh_requested");
        asio::post(ioc, [this, path, reason] {
            if (path == "/socket/disconnect") {
                disconnect_sockets(reason);
            } else if (path == "/socket/drop") {
                drop_sockets();
            } else {
                ping_sockets();
            }
        });
        co_return ok({{"connections", sockets.size()}});
    } else {
        co_return fail("no such control endpoint: " + path, 404);
    }
    co_return ok();
}

}  // namespace warroom::slack_sim
