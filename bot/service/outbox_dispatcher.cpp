#include "bot/service/outbox_dispatcher.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>

namespace warroom::service {

namespace {
constexpr int max_name_attempts = 20;

chat::message to_message(const nlohmann::json& payload) {
    chat::message msg;
    msg.text = payload.value("text", "");
    if (payload.contains("blocks"))
        msg.blocks = payload["blocks"];
    return msg;
}

/// "incident-20240115-0042" -> "incident-20240115-0042-2", keeping within Slack's 80 characters.
std::string numbered_name(const std::string& base, int n) {
    const std::string suffix = "-" + std::to_string(n);
    return base.substr(0, std::min(base.size(), 80 - suffix.size())) + suffix;
}
}  // namespace

outbox_dispatcher::outbox_dispatcher(store::store& db, chat::chat_platform& chat,
                                     const domain::clock& clock)
    : db_(db), chat_(chat), clock_(clock) {}

std::chrono::seconds outbox_dispatcher::backoff(int attempts) {
    const int capped = std::clamp(attempts, 0, 9);
    return std::min(std::chrono::seconds{1 << capped}, std::chrono::seconds{300});
}

int outbox_dispatcher::run_once(int batch) {
    std::vector<store::outbox_row> rows;
    db_.transact([&](store::store_tx& tx) { rows = tx.due_outbox(clock_.now(), batch); });
    int delivered = 0;
    std::vector<std::string> blocked;  // incidents whose earlier message failed this round
    for (const auto& row : rows) {
        if (cancelled_.load()) break;
        const auto& incident = row.message.incident_id;
        if (!incident.empty() &&
            std::find(blocked.begin(), blocked.end(), incident) != blocked.end()) {
            continue;
        }
        try {
            deliver(row);
            ++delivered;
        } catch (const chat::chat_error& e) {
            if (!incident.empty())
                blocked.push_back(incident);
            if (!e.retryable()) {
                spdlog::error("outbox {}: {} failed permanently: {} ({})", row.id, row.message.kind,
                              e.code(), e.what());
                db_.transact([&](store::store_tx& tx) {
                    tx.mark_outbox_dead(row.id, e.code() + ": " + e.what());
                });
                continue;
            }
            const auto wait = e.retry_after_s() > 0 ? std::chrono::seconds{e.retry_after_s()}
                                                    : backoff(row.attempts);
            spdlog::warn("outbox {}: {} will retry in {}s: {}", row.id, row.message.kind,
                         wait.count(), e.code());
            db_.transact([&](store::store_tx& tx) {
                tx.mark_outbox_retry(row.id, e.code(), clock_.now() + wait);
            });
        } catch (const std::exception& e) {
            if (!incident.empty())
                blocked.push_back(incident);
            const auto wait = backoff(row.attempts);
            spdlog::warn("outbox {}: {} will retry in {}s: {}", row.id, row.message.kind,
                         wait.count(), e.what());
            db_.transact([&](store::store_tx& tx) {
                tx.mark_outbox_retry(row.id, e.what(), clock_.now() + wait);
            });
        }
    }
    return delivered;
}

chat::message outbox_dispatcher::with_card(const std::string& incident_id,
                                           const nlohmann::json& payload) {
    chat::message out = to_message(payload);
    if (!payload.contains("card") || incident_id.empty()) return out;
    std::optional<domain::incident> inc;
    db_.transact([&](store::store_tx& tx) { inc = tx.find_incident(incident_id, false); });
    if (!inc) return out;
    // Drawn from the incident as it is now, so a delayed delivery never shows stale state.
    out.card = {{"kind", payload["card"]},
                {"incident",
                 {{"id", inc->id},
                  {"title", inc->title},
                  {"severity", domain::to_string(inc->severity)},
                  {"status", domain::to_string(inc->status)},
                  {"commander", inc->commander},
                  {"channel_id", inc->channel_id},
                  {"channel_name", inc->channel_name},
                  {"is_private", inc->is_private},
                  {"acknowledged", inc->acknowledged_at.has_value()}}}};
    return out;
}

std::string outbox_dispatcher::resolve_channel(const std::string& incident_id,
                                               const std::string& channel) {
    if (channel != "$incident")
        return channel;
    std::optional<domain::incident> inc;
    db_.transact([&](store::store_tx& tx) { inc = tx.find_incident(incident_id, false); });
    if (!inc || inc->channel_id.empty()) {
        // The create_channel message always precedes, so this only happens if it was given up.
        throw chat::chat_error("channel_not_found",
                               "incident " + incident_id + " has no war-room channel", false);
    }
    return inc->channel_id;
}

void outbox_dispatcher::deliver(const store::outbox_row& row) {
    const auto& msg = row.message;
    const auto& p = msg.payload;
    const auto now = [this] { return clock_.now(); };

    if (msg.kind == "create_channel") {
        const std::string base = p.at("name").get<std::string>();
        chat::channel_info created;
        for (int attempt = 1;; ++attempt) {
            const std::string name = attempt == 1 ? base : numbered_name(base, attempt);
            try {
                created = chat_.create_channel(name, p.value("private", false));
                break;
            } catch (const chat::chat_error& e) {
                // Someone (or an earlier run of ours) already owns the name: take the next one.
                if (e.code() != "name_taken" || attempt >= max_name_attempts)
                    throw;
            }
        }
        db_.transact([&](store::store_tx& tx) {
            auto inc = tx.find_incident(msg.incident_id, true);
            if (inc) {
                inc->channel_id = created.id;
                inc->channel_name = created.name;
                tx.update_incident(*inc);
            }
            tx.mark_outbox_delivered(row.id, now());
        });
        return;
    }
    if (msg.kind == "post") {
        const std::string channel = resolve_channel(msg.incident_id, p.at("channel"));
        const std::string ts = chat_.post_message(channel, with_card(msg.incident_id, p));
        db_.transact([&](store::store_tx& tx) {
            if (p.contains("ref"))
                tx.save_message_ref({msg.incident_id, p["ref"], channel, ts});
            tx.mark_outbox_delivered(row.id, now());
        });
        return;
    }
    if (msg.kind == "update" || msg.kind == "pin") {
        std::optional<store::message_ref> ref;
        db_.transact(
            [&](store::store_tx& tx) { ref = tx.find_message_ref(msg.incident_id, p.at("ref")); });
        if (!ref) {
            throw chat::chat_error("message_not_found",
                                   "no posted message named '" + p.at("ref").get<std::string>() +
                                       "' for " + msg.incident_id,
                                   false);
        }
        if (msg.kind == "update") {
            chat_.update_message(ref->channel, ref->ts, with_card(msg.incident_id, p));
        } else {
            chat_.pin(ref->channel, ref->ts);
        }
    } else if (msg.kind == "reply") {
        chat_.reply(p.at("target"), p.at("text"));
    } else if (msg.kind == "set_topic") {
        chat_.set_topic(resolve_channel(msg.incident_id, p.at("channel")), p.at("topic"));
    } else if (msg.kind == "invite") {
        chat_.invite(resolve_channel(msg.incident_id, p.at("channel")),
                     p.at("users").get<std::vector<std::string>>());
    } else {
        throw chat::chat_error("unknown_kind", "unknown outbox message kind '" + msg.kind + "'",
                               false);
    }
    db_.transact([&](store::store_tx& tx) { tx.mark_outbox_delivered(row.id, now()); });
}

}  // namespace warroom::service
