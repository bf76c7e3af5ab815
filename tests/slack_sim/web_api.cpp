// Web API transport: argument decoding, authentication, faults, tier limits, the call log.
#include "tests/slack_sim/web_api.hpp"

#include <algorithm>

#include "tests/slack_sim/util.hpp"

namespace warroom::slack_sim {

using nlohmann::json;

namespace {

std::string header(const http_request& req, http::field f) {
    auto it = req.find(f);
    return it == req.end() ? std::string() : std::string(it->value());
}

struct content_type {
    std::string mime;
    std::string boundary;
    bool has_charset = false;
};

content_type parse_content_type(const std::string& value) {
    content_type ct;
    auto parts = util::split(value, ';');
    ct.mime = util::to_lower(util::trim(parts.front()));
    for (std::size_t i = 1; i < parts.size(); ++i) {
        auto p = util::trim(parts[i]);
        auto eq = p.find('=');
        auto key = util::to_lower(util::trim(p.substr(0, eq)));
        auto val = eq == std::string::npos ? std::string() : util::trim(p.substr(eq + 1));
        if (val.size() >= 2 && val.front() == '"' && val.back() == '"') {
            val = val.substr(1, val.size() - 2);
        }
        if (key == "charset") {
            ct.has_charset = true;
        } else if (key == "boundary") {
            ct.boundary = val;
        }
    }
    return ct;
}

/// Text fields of a multipart/form-data body (Slack accepts this encoding for every method).
bool parse_multipart(const std::string& body, const std::string& boundary,
                     std::vector<std::pair<std::string, std::string>>& out) {
    if (boundary.empty()) {
        return false;
    }
    const std::string delim = "--" + boundary;
    std::size_t pos = body.find(delim);
    if (pos == std::string::npos) {
        return false;
    }
    for (;;) {
        pos += delim.size();
        if (body.compare(pos, 2, "--") == 0) {
            return true;
        }
        auto head_end = body.find("\r\n\r\n", pos);
        if (head_end == std::string::npos) {
            return false;
        }
        std::string head = body.substr(pos, head_end - pos);
        auto next = body.find("\r\n" + delim, head_end + 4);
        if (next == std::string::npos) {
            return false;
        }
        std::string value = body.substr(head_end + 4, next - head_end - 4);
        auto name_pos = head.find("name=\"");
        if (name_pos != std::string::npos) {
            auto end = head.find('"', name_pos + 6);
            out.emplace_back(head.substr(name_pos + 6, end - name_pos - 6), value);
        }
        pos = next + 2;
    }
}

json error_body(const std::string& code) {
    return {{"ok", false}, {"error", code}};
}

std::string join_list(const std::vector<std::string>& items, const char* sep) {
    std::string out;
    for (const auto& s : items) {
        if (!out.empty()) {
            out += sep;
        }
        out += s;
    }
    return out;
}

}  // namespace

std::string api_call::str(const std::string& key) const {
    auto it = args.find(key);
    if (it == args.end() || it->is_null()) {
        return "";
    }
    if (it->is_string()) {
        return it->get<std::string>();
    }
    if (it->is_boolean()) {
        return it->get<bool>() ? "true" : "false";
    }
    return it->dump();
}

bool api_call::has(const std::string& key) const {
    auto it = args.find(key);
    return it != args.end() && !it->is_null() &&
           !(it->is_string() && it->get_ref<const std::string&>().empty());
}

bool api_call::flag(const std::string& key, bool fallback) const {
    auto it = args.find(key);
    if (it == args.end() || it->is_null()) {
        return fallback;
    }
    if (it->is_boolean()) {
        return it->get<bool>();
    }
    if (it->is_number()) {
        return it->get<double>() != 0;
    }
    auto s = util::to_lower(str(key));
    return s == "true" || s == "1" || s == "yes";
}

long long api_call::integer(const std::string& key, long long fallback) const {
    auto it = args.find(key);
    if (it == args.end() || it->is_null()) {
        return fallback;
    }
    if (it->is_number()) {
        return it->get<long long>();
    }
    try {
        std::size_t used = 0;
        auto s = str(key);
        long long v = std::stoll(s, &used);
        return used == s.size() ? v : fallback;
    } catch (const std::exception&) {
        return fallback;
    }
}

json api_call::json_arg(const std::string& key, const std::string& error_code) const {
    auto it = args.find(key);
    if (it == args.end() || it->is_null()) {
        return nullptr;
    }
    if (!it->is_string()) {
        return *it;
    }
    const auto& s = it->get_ref<const std::string&>();
    if (s.empty()) {
        return nullptr;
    }
    try {
        return json::parse(s);
    } catch (const json::parse_error&) {
        throw api_error(error_code, {"[ERROR] invalid JSON [json-pointer:/" + key + "]"});
    }
}

awaitable<http_reply> simulator::impl::handle_api(const std::string& method,
                                                  const http_request& req, std::string_view query) {
    json args = json::object();
    std::vector<std::string> warnings;
    std::string token;
    std::string request_error;

    for (auto& [k, v] : util::parse_form(query)) {
        if (k != "token") {  // Slack: never in the query string.
            args[k] = v;
        }
    }
    auto auth = header(req, http::field::authorization);
    if (util::starts_with(util::to_lower(auth), "bearer ")) {
        token = util::trim(auth.substr(7));
    }
    const std::string& body = req.body();
    auto ct = parse_content_type(header(req, http::field::content_type));
    bool token_in_body = false;
    if (!body.empty()) {
        if (ct.mime == "application/json") {
            if (!ct.has_charset) {
                warnings.push_back("missing_charset");
            }
            try {
                auto parsed = json::parse(body);
                if (!parsed.is_object()) {
                    request_error = "json_not_object";
                } else if (!ignores_json_body(method)) {
                    // A token inside JSON is not read: JSON calls authenticate by header only.
                    for (auto& [k, v] : parsed.items()) {
                        if (k != "token" && !v.is_null()) {
                            args[k] = v;
                        }
                    }
                }
            } catch (const json::parse_error&) {
                request_error = "invalid_json";
            }
        } else if (ct.mime == "application/x-www-form-urlencoded" ||
                   ct.mime == "multipart/form-data") {
            std::vector<std::pair<std::string, std::string>> fields;
            if (ct.mime == "multipart/form-data") {
                if (!parse_multipart(body, ct.boundary, fields)) {
                    request_error = "invalid_form_data";
                }
            } else {
                if (ct.has_charset) {
                    warnings.push_back("superfluous_charset");
                }
                fields = util::parse_form(body);
            }
            for (auto& [k, v] : fields) {
                if (k == "token") {
                    if (token.empty()) {
                        token = v;
                        token_in_body = true;
                    }
                } else {
                    args[k] = v;
                }
            }
        } else if (ct.mime.empty()) {
            request_error = "missing_post_type";
        } else {
            request_error = "invalid_post_type";
        }
    }

    http_reply reply;
    std::vector<delivery> echoes;
    {
        std::lock_guard lock(mu);
        auto log = [&](int status, const json& result) {
            call_record rec;
            rec.method = method;
            rec.args = args;
            rec.status = status;
            rec.ok = result.value("ok", false);
            rec.error = rec.ok ? "" : result.value("error", "");
            rec.at = std::chrono::system_clock::now();
            call_log.push_back(std::move(rec));
        };
        auto finish = [&](const json& result, unsigned status) {
            log(static_cast<int>(status), result);
            reply.status = status;
            reply.body = result.dump();
        };
        reply.headers.emplace_back("x-slack-req-id", util::random_hex(8));

        if (faults.take_drop()) {
            log(0, error_body("connection_dropped"));
            reply.drop = true;
            co_return reply;
        }
        const auto& methods = api_methods();
        auto fn = methods.find(method);
        auto fault = faults.take(method);
        reply.delay = fault.delay;
        if (fault.rate_limited) {
            reply.headers.emplace_back("Retry-After", std::to_string(fault.retry_after_s));
            finish(error_body("ratelimited"), 429);
            co_return reply;
        }
        if (fault.http_status > 0 && !fault.after_apply) {
            finish(error_body(fault.http_status == 503 ? "service_unavailable" : "internal_error"),
                   static_cast<unsigned>(fault.http_status));
            co_return reply;
        }
        if (fn == methods.end()) {
            finish(error_body("unknown_method"), 200);
            co_return reply;
        }
        if (!request_error.empty()) {
            finish(error_body(request_error), 200);
            co_return reply;
        }
        if (token.empty()) {
            finish(error_body("not_authed"), 200);
            co_return reply;
        }
        bool is_bot = token == opt.bot_token;
        bool is_app = token == opt.app_token;
        if (!is_bot && !is_app) {
            finish(error_body("invalid_auth"), 200);
            co_return reply;
        }
        if (method == "apps.connections.open") {
            if (!is_app) {
                finish(error_body("not_allowed_token_type"), 200);
                co_return reply;
            }
            if (token_in_body) {
                // App-level tokens are only read from the Authorization header.
                finish(error_body("not_authed"), 200);
                co_return reply;
            }
        } else if (!is_bot) {
            finish(error_body("not_allowed_token_type"), 200);
            co_return reply;
        }
        const auto& needed = method_scopes(method);
        if (is_bot) {
            reply.headers.emplace_back("x-oauth-scopes", join_list(scopes, ","));
            reply.headers.emplace_back("x-accepted-oauth-scopes", join_list(needed, ","));
            bool granted = needed.empty() ||
                           std::any_of(needed.begin(), needed.end(), [&](const std::string& s) {
                               return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
                           });
            if (!granted) {
                json err = error_body("missing_scope");
                err["needed"] = join_list(needed, ",");
                err["provided"] = join_list(scopes, ",");
                finish(err, 200);
                co_return reply;
            }
        }
        if (opt.enforce_rate_limits) {
            std::string channel;
            if (method == "chat.postMessage" && args.contains("channel") &&
                args["channel"].is_string()) {
                channel = args["channel"].get<std::string>();
                if (auto* c = ws.find_channel(channel)) {
                    channel = c->id;
                }
            }
            if (auto wait =
                    limiter.admit(token, method, channel, std::chrono::steady_clock::now())) {
                reply.headers.emplace_back("Retry-After", std::to_string(*wait));
                finish(error_body("ratelimited"), 429);
                co_return reply;
            }
        }

        api_call call{*this, ws, args, warnings, {}};
        json result;
        try {
            result = fn->second(call);
            json ok = {{"ok", true}};
            ok.update(result);
            result = std::move(ok);
            if (!call.warnings.empty()) {
                result["warning"] = join_list(call.warnings, ",");
                result["response_metadata"]["warnings"] = call.warnings;
            }
        } catch (const api_error& e) {
            result = error_body(e.code());
            if (!e.messages().empty()) {
                result["response_metadata"]["messages"] = e.messages();
            }
            result.update(e.extra());
        }
        if (fault.http_status > 0) {
            // The call took effect but the client sees a server error: a blind retry repeats it.
            log(fault.http_status, result);
            reply.status = static_cast<unsigned>(fault.http_status);
            reply.body =
                error_body(fault.http_status == 503 ? "service_unavailable" : "internal_error")
                    .dump();
            echoes = std::move(call.deliveries);
        } else {
            finish(result, 200);
            echoes = std::move(call.deliveries);
        }
    }
    for (auto& d : echoes) {
        send_detached(std::move(d));
    }
    co_return reply;
}

http_reply simulator::impl::handle_upload(const std::string& file_id, const http_request& req) {
    auto it = ws.files.find(file_id);
    if (req.method() != http::verb::post || it == ws.files.end() || it->second.completed) {
        return http_reply::text("not found\n", 404);
    }
    auto& f = it->second;
    auto ct = parse_content_type(header(req, http::field::content_type));
    std::string bytes = req.body();
    if (ct.mime == "multipart/form-data") {
        // The file is the first part that has a filename.
        const std::string delim = "--" + ct.boundary;
        auto fn_pos = bytes.find("filename=");
        auto head_end = bytes.find("\r\n\r\n", fn_pos == std::string::npos ? 0 : fn_pos);
        auto next = head_end == std::string::npos ? head_end : bytes.find("\r\n" + delim, head_end);
        if (head_end == std::string::npos || next == std::string::npos) {
            return http_reply::text("invalid multipart body\n", 400);
        }
        bytes = bytes.substr(head_end + 4, next - head_end - 4);
    }
    f.bytes = std::move(bytes);
    f.uploaded = true;
    return http_reply::text("OK - " + std::to_string(f.bytes.size()));
}

}  // namespace warroom::slack_sim
