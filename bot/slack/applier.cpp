#include "bot/slack/applier.hpp"

#include <spdlog/spdlog.h>

#include "bot/domain/text.hpp"
#include "bot/slack/blocks.hpp"
#include "bot/slack/ingress.hpp"
#include "bot/slack/inbound.hpp"
#include "bot/slack/slack_chat.hpp"

namespace warroom::slack {

using nlohmann::json;

namespace {

service::command_context context_for(const store::inbox_item& item, std::string actor,
                                     std::string channel, domain::event_source source) {
    service::command_context ctx;
    ctx.actor = std::move(actor);
    ctx.channel = std::move(channel);
    ctx.source = source;
    ctx.idempotency_key = item.key;
    return ctx;
}

/// Where the caller's answer goes: the response URL when Slack gave one, else an ephemeral
/// message in the channel, else (a modal, no channel) a direct message.
json reply_target(const std::string& channel, const std::string& user,
                  const std::string& response_url) {
    json t{{"channel", channel.empty() ? user : channel}, {"user", user}};
    if (!response_url.empty()) t["response_url"] = response_url;
    if (channel.empty()) t["direct"] = true;
    return t;
}

}  // namespace

std::string strip_bot_mention(const std::string& text, const std::string& bot_user_id) {
    const std::string trimmed = domain::trim(text);
    if (bot_user_id.empty() || !trimmed.starts_with("<@" + bot_user_id)) return {};
    const auto close = trimmed.find('>');
    if (close == std::string::npos) return {};
    return domain::trim(trimmed.substr(close + 1));
}

applier::applier(service::incident_service& service, const commands::registry& commands,
                 slack_chat* chat, std::string bot_user_id)
    : service_(service), commands_(commands), chat_(chat), bot_user_id_(std::move(bot_user_id)) {}

void applier::operator()(const store::inbox_item& item) {
    json payload;
    try {
        payload = json::parse(item.payload);
    } catch (const json::exception& e) {
        // The ingress stored it, so this is not the user's doing; keep it out of the queue.
        spdlog::error("inbox {}: stored payload is not JSON: {}", item.key, e.what());
        ignore(item);
        return;
    }
    if (item.kind == ingress::kind_slash) {
        apply_slash(item, payload);
    } else if (item.kind == ingress::kind_event) {
        apply_event(item, payload);
    } else if (item.kind == ingress::kind_interaction) {
        apply_interaction(item, payload);
    } else {
        spdlog::warn("inbox {}: unknown kind '{}'", item.key, item.kind);
        ignore(item);
        return;
    }
    if (on_applied_) on_applied_();
}

void applier::ignore(const store::inbox_item& item) {
    // An answer with no text and no reply target only claims the key.
    service_.answer(context_for(item, {}, {}, domain::event_source::system), {});
}

void applier::apply_slash(const store::inbox_item& item, const json& payload) {
    const auto cmd = slash_command_from_json(payload);
    auto ctx = context_for(item, cmd.user_id, cmd.channel_id, domain::event_source::slash_command);
    ctx.reply_to = reply_target(cmd.channel_id, cmd.user_id, cmd.response_url);
    commands_.dispatch(cmd.text, ctx, service_);
}

void applier::apply_event(const store::inbox_item& item, const json& payload) {
    const auto request = events_request_from_json(payload);
    const auto* cb = std::get_if<event_callback>(&request);
    if (cb == nullptr) {
        ignore(item);
        return;
    }
    const json& ev = cb->event;
    const std::string user = ev.value("user", "");
    if (!bot_user_id_.empty() && user == bot_user_id_) {
        ignore(item);  // our own doing, echoed back
        return;
    }
    if (cb->type == "app_mention") {
        // Plain `message` events are not commands even when they mention the bot: Slack sends
        // an app_mention for those too, and one of them must win.
        const std::string channel = ev.value("channel", "");
        const std::string text = strip_bot_mention(ev.value("text", ""), bot_user_id_);
        auto ctx = context_for(item, user, channel, domain::event_source::message);
        ctx.reply_to = reply_target(channel, user, {});
        commands_.dispatch(text.empty() ? "help" : text, ctx, service_);
        return;
    }
    if (cb->type == "pin_added" || (cb->type == "reaction_added" &&
                                    ev.value("reaction", "") == "pushpin")) {
        // pin_added's item shape is UNCONFIRMED in Slack's docs: read both the nested message
        // and the flat form, and fall back to looking the message up.
        const json item_obj = ev.value("item", json::object());
        const json message = item_obj.value("message", json::object());
        std::string channel = ev.value("channel_id", item_obj.value("channel", ""));
        if (channel.empty()) channel = ev.value("channel", "");
        service::pinned_message pin;
        pin.ts = message.value("ts", item_obj.value("ts", ""));
        pin.text = message.value("text", "");
        pin.author = message.value("user", ev.value("item_user", ""));
        pin.permalink = message.value("permalink", "");
        if (pin.text.empty() && chat_ != nullptr && !pin.ts.empty()) {
            if (auto found = chat_->fetch_message(channel, pin.ts)) {
                pin.text = found->text;
                if (pin.author.empty()) pin.author = found->user;
            }
        }
        if (pin.text.empty()) pin.text = "message " + pin.ts;
        pin.text = unescape(pin.text);
        service_.record_pin(context_for(item, user, channel, domain::event_source::message), pin);
        return;
    }
    if (cb->type == "member_joined_channel") {
        const std::string channel = ev.value("channel", "");
        service_.add_participant(context_for(item, user, channel, domain::event_source::system),
                                 user);
        return;
    }
    ignore(item);
}

void applier::apply_interaction(const store::inbox_item& item, const json& payload) {
    const auto in = interaction_from_json(payload);
    if (const auto* actions = std::get_if<block_actions>(&in)) {
        for (const auto& a : actions->actions) {
            if (a.action_id != "incident_ack") continue;
            auto ctx = context_for(item, actions->user.id, actions->channel_id,
                                   domain::event_source::message);
            ctx.incident_id = a.value;
            ctx.reply_to = reply_target(actions->channel_id, actions->user.id,
                                        actions->response_url);
            service_.acknowledge(ctx);
            return;
        }
        ignore(item);
        return;
    }
    const auto* submission = std::get_if<view_submission>(&in);
    if (submission == nullptr) {
        ignore(item);
        return;
    }
    const std::string& user = submission->user.id;
    auto ctx = context_for(item, user, {}, domain::event_source::slash_command);
    ctx.reply_to = reply_target({}, user, {});
    const auto& cb = submission->view.callback_id;
    // The ingress answered field errors already, so these parse; anything else is ignored.
    if (cb == "declare_incident") {
        auto parsed = parse_declare_submission(*submission);
        if (const auto* f = std::get_if<declare_fields>(&parsed)) {
            // The modal carries the channel it was opened from (SEV4 tickets are filed there).
            ctx.channel = f->private_metadata;
            service::declare_request req;
            req.severity = f->severity;
            req.title = f->title;
            req.is_private = f->is_private;
            req.commander = f->commander;
            req.description = f->description;
            service_.declare(ctx, req);
            return;
        }
    }
    // The other modals act on the incident named in their metadata; answers go to its room.
    const auto scoped = [&](const std::string& incident_id) {
        ctx.incident_id = incident_id;
        if (const auto inc = service_.find(incident_id); inc && !inc->channel_id.empty()) {
            ctx.channel = inc->channel_id;
            ctx.reply_to = reply_target(inc->channel_id, user, {});
        }
    };
    if (cb == "post_update") {
        auto parsed = parse_update_submission(*submission);
        if (const auto* f = std::get_if<update_fields>(&parsed)) {
            scoped(f->incident_id);
            service_.post_update(ctx, f->text);
            return;
        }
    } else if (cb == "resolve_incident") {
        auto parsed = parse_resolve_submission(*submission);
        if (const auto* f = std::get_if<resolve_fields>(&parsed)) {
            scoped(f->incident_id);
            service_.resolve(ctx, f->summary);
            return;
        }
    } else if (cb == "change_severity") {
        auto parsed = parse_severity_submission(*submission);
        if (const auto* f = std::get_if<severity_fields>(&parsed)) {
            scoped(f->incident_id);
            service_.set_severity(ctx, f->severity);
            return;
        }
    }
    ignore(item);
}

}  // namespace warroom::slack
