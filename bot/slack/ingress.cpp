#include "bot/slack/ingress.hpp"

#include <spdlog/spdlog.h>

#include "bot/slack/blocks.hpp"
#include "bot/slack/form.hpp"
#include "bot/slack/verifier.hpp"

namespace warroom::slack {

using nlohmann::json;

namespace {

http::response answer_json(const std::optional<json>& body) {
    if (!body)
        return http::text(200, "");  // an empty 200 is Slack's silent acknowledgement
    return http::json(200, *body);
}

bool is_form(const http::request& req) {
    return req.header("content-type").find("application/x-www-form-urlencoded") !=
           std::string::npos;
}

/// The modal a button opens, or empty for buttons that change state through the inbox.
std::string modal_for_action(const std::string& action_id) {
    if (action_id == "incident_update")
        return "update";
    if (action_id == "incident_resolve")
        return "resolve";
    if (action_id == "incident_severity")
        return "severity";
    return {};
}

}  // namespace

ingress::ingress(std::string signing_secret, const domain::clock& clock,
                 service::inbox_writer& inbox, modal_opener open_modal)
    : signing_secret_(std::move(signing_secret)),
      clock_(clock),
      inbox_(inbox),
      open_modal_(std::move(open_modal)) {}

ingress::decision ingress::decide_slash(const slash_command& cmd) {
    decision d;
    if (cmd.text.find_first_not_of(" \t") == std::string::npos) {
        // `/incident` alone opens the declare modal; nothing is stored until it is submitted.
        open_modal_({cmd.trigger_id, "declare", {}, cmd.channel_id, cmd.user_id});
        return d;
    }
    d.store = true;
    d.kind = kind_slash;
    d.key = idempotency_key(cmd);
    d.payload = slash_command_json(cmd);
    return d;
}

ingress::decision ingress::decide_interaction(const interaction& in, json raw) {
    decision d;
    if (const auto* actions = std::get_if<block_actions>(&in)) {
        for (const auto& a : actions->actions) {
            if (const auto modal = modal_for_action(a.action_id); !modal.empty()) {
                open_modal_(
                    {actions->trigger_id, modal, a.value, actions->channel_id, actions->user.id});
                return d;
            }
        }
    } else if (const auto* submission = std::get_if<view_submission>(&in)) {
        // Field errors must come back in this response (Slack shows them in the open modal).
        const auto& cb = submission->view.callback_id;
        std::optional<field_errors> errors;
        const auto check = [&](const auto& parsed) {
            if (const auto* e = std::get_if<field_errors>(&parsed))
                errors = *e;
        };
        if (cb == "declare_incident")
            check(parse_declare_submission(*submission));
        if (cb == "post_update")
            check(parse_update_submission(*submission));
        if (cb == "resolve_incident")
            check(parse_resolve_submission(*submission));
        if (cb == "change_severity")
            check(parse_severity_submission(*submission));
        if (errors) {
            d.answer = errors_response(*errors);
            return d;
        }
    } else if (std::holds_alternative<view_closed>(in) ||
               std::holds_alternative<unsupported_interaction>(in)) {
        return d;  // known and ignored: acknowledged, nothing to apply
    }
    d.store = true;
    d.kind = kind_interaction;
    d.key = idempotency_key(in);
    d.payload = raw.dump();
    return d;
}

ingress::decision ingress::decide_event(const events_request& req, json raw) {
    decision d;
    if (const auto* v = std::get_if<url_verification>(&req)) {
        d.answer = json{{"challenge", v->challenge}};
        return d;
    }
    if (const auto* limited = std::get_if<app_rate_limited>(&req)) {
        spdlog::warn("Slack rate-limited event deliveries for minute {}",
                     limited->minute_rate_limited);
        return d;
    }
    if (!std::holds_alternative<event_callback>(req))
        return d;
    d.store = true;
    d.kind = kind_event;
    d.key = idempotency_key(req);
    d.payload = raw.dump();
    return d;
}

void ingress::settle(decision d, const std::string& source,
                     std::function<void(bool, std::optional<json>)> done) {
    if (!d.store) {
        done(true, std::move(d.answer));
        return;
    }
    store::inbox_item item{std::move(d.key),     source,       std::move(d.kind),
                           std::move(d.payload), clock_.now(), 0};
    auto answer = std::move(d.answer);
    const bool queued =
        inbox_.submit(std::move(item), [done, answer](service::inbox_writer::outcome o) {
            done(o != service::inbox_writer::outcome::failed, answer);
        });
    if (!queued)
        done(false, std::nullopt);
}

void ingress::handle_http(http::request&& req, http::responder respond) {
    // Nothing is parsed before the signature is checked.
    const auto verdict = verify_request(signing_secret_, req.header("x-slack-request-timestamp"),
                                        req.header("x-slack-signature"), req.body, clock_.now());
    if (!verdict.ok) {
        spdlog::warn("rejected a Slack request from {}: {}", req.remote, verdict.reason);
        respond(http::text(401, verdict.reason + "\n"));
        return;
    }
    decision d;
    try {
        if (is_form(req)) {
            const auto fields = parse_form(req.body);
            if (const std::string* payload = find_field(fields, "payload")) {
                auto raw = parse_json_object(*payload);
                const auto in = interaction_from_json(raw);  // before raw is moved from
                d = decide_interaction(in, std::move(raw));
            } else {
                const auto cmd = slash_request_from_form(fields, req.body);
                if (std::holds_alternative<ssl_check>(cmd)) {
                    respond(http::text(200, ""));
                    return;
                }
                d = decide_slash(std::get<slash_command>(cmd));
            }
        } else {
            auto raw = parse_json_object(req.body);
            const auto request = events_request_from_json(raw);  // before raw is moved from
            d = decide_event(request, std::move(raw));
        }
    } catch (const payload_error& e) {
        respond(http::text(400, std::string("bad Slack payload: ") + e.what() + "\n"));
        return;
    } catch (const std::exception& e) {
        respond(http::text(400, std::string("bad request: ") + e.what() + "\n"));
        return;
    }
    const std::string retry = req.header("x-slack-retry-num");
    settle(std::move(d), "slack_http",
           [respond = std::move(respond), retry](bool ok, std::optional<json> answer) {
               if (!ok) {
                   // Not stored: Slack must try again, so no X-Slack-No-Retry here.
                   respond(http::text(503, "busy, try again\n"));
                   return;
               }
               if (!retry.empty())
                   spdlog::debug("acknowledged Slack retry #{}", retry);
               respond(answer_json(answer));
           });
}

void ingress::handle_envelope(const socket_envelope& envelope, ack_fn ack) {
    decision d;
    try {
        switch (envelope.type) {
            case envelope_type::slash_commands:
                d = decide_slash(slash_command_from_json(envelope.payload));
                break;
            case envelope_type::interactive:
                d = decide_interaction(interaction_from_json(envelope.payload), envelope.payload);
                break;
            case envelope_type::events_api:
                d = decide_event(events_request_from_json(envelope.payload), envelope.payload);
                break;
            case envelope_type::unsupported:
                break;
        }
    } catch (const std::exception& e) {
        // A payload we cannot read will not get better on redelivery: acknowledge and drop it.
        spdlog::warn("dropped Socket Mode envelope {} ({}): {}", envelope.envelope_id,
                     envelope.type_name, e.what());
        ack(std::nullopt);
        return;
    }
    if (d.store && d.key.empty())
        d.key = "envelope:" + envelope.envelope_id;
    settle(std::move(d), "socket_mode",
           [ack = std::move(ack)](bool ok, std::optional<json> answer) {
               // Not stored: no ack, so Slack redelivers the envelope.
               if (ok)
                   ack(std::move(answer));
           });
}

}  // namespace warroom::slack
