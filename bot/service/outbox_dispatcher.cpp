#include "bot/service/outbox_dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

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

/// One claimed batch: which rows wait for which, and what the delivery threads share.
struct outbox_dispatcher::round {
    struct task {
        store::outbox_row row;
        std::vector<std::size_t> dependents;  // rows that follow this one
        int waiting = 0;                      // rows this one follows, not yet delivered
        bool taken = false;
    };
    std::vector<task> tasks;      // in id order
    std::set<std::size_t> ready;  // lowest first, so one thread delivers in id order
    int running = 0;
    int delivered = 0;
    domain::time_point start_by;
    std::mutex mutex;
    std::condition_variable changed;
};

outbox_dispatcher::outbox_dispatcher(store::store& db, chat::chat_platform& chat,
                                     const domain::clock& clock, outbox_options options)
    : db_(db), chat_(chat), clock_(clock), options_(options) {}

outbox_dispatcher::~outbox_dispatcher() {
    {
        std::lock_guard lock(pool_mutex_);
        pool_stopping_ = true;
    }
    pool_wake_.notify_all();
    for (auto& t : helpers_)
        t.join();
}

void outbox_dispatcher::helper_main() {
    std::uint64_t seen = 0;
    std::unique_lock lock(pool_mutex_);
    for (;;) {
        pool_wake_.wait(lock, [&] {
            return pool_stopping_ || (current_ != nullptr && round_seq_ != seen && wanted_ > 0);
        });
        if (pool_stopping_)
            return;
        seen = round_seq_;
        --wanted_;
        round& r = *current_;
        ++in_round_;
        lock.unlock();
        work(r);
        lock.lock();
        if (--in_round_ == 0)
            pool_idle_.notify_all();
    }
}

std::chrono::seconds outbox_dispatcher::backoff(int attempts) {
    const int capped = std::clamp(attempts, 0, 9);
    return std::min(std::chrono::seconds{1 << capped}, std::chrono::seconds{300});
}

int outbox_dispatcher::run_once(int batch) {
    if (cancelled_.load())
        return 0;
    std::vector<store::outbox_row> rows;
    const auto claimed_at = clock_.now();
    db_.transact(
        [&](store::store_tx& tx) { rows = tx.claim_outbox(claimed_at, options_.lease, batch); });
    if (rows.empty())
        return 0;

    round r;
    r.start_by = claimed_at + options_.start_window;
    r.tasks.resize(rows.size());
    std::map<std::string, std::vector<std::size_t>> earlier;  // per incident, in id order
    for (std::size_t i = 0; i < rows.size(); ++i) {
        r.tasks[i].row = std::move(rows[i]);
        const auto& row = r.tasks[i].row;
        if (!row.message.incident_id.empty()) {
            auto& seen = earlier[row.message.incident_id];
            for (const std::size_t j : seen) {
                const auto& lane = r.tasks[j].row.lane;
                // "" is a barrier: it follows everything before it and precedes everything after.
                if (lane.empty() || row.lane.empty() || lane == row.lane) {
                    r.tasks[j].dependents.push_back(i);
                    ++r.tasks[i].waiting;
                }
            }
            seen.push_back(i);
        }
        if (r.tasks[i].waiting == 0)
            r.ready.insert(i);
    }

    const int threads =
        static_cast<int>(std::min<std::size_t>(std::max(options_.threads, 1), r.tasks.size()));
    if (threads > 1) {
        {
            std::lock_guard lock(pool_mutex_);
            // Started from this thread, so they inherit its name and priority.
            while (static_cast<int>(helpers_.size()) < options_.threads - 1)
                helpers_.emplace_back([this] { helper_main(); });
            current_ = &r;
            ++round_seq_;
            wanted_ = threads - 1;
        }
        pool_wake_.notify_all();
    }
    work(r);
    if (threads > 1) {
        // The round lives on this stack: no helper may join it late or still be inside it.
        std::unique_lock lock(pool_mutex_);
        current_ = nullptr;
        wanted_ = 0;
        pool_idle_.wait(lock, [this] { return in_round_ == 0; });
    }

    // Rows not tried this round (their lane is held by a failure, or we were cancelled) go
    // back at once rather than when the lease runs out.
    std::vector<std::int64_t> untried;
    for (const auto& t : r.tasks) {
        if (!t.taken)
            untried.push_back(t.row.id);
    }
    if (!untried.empty()) {
        db_.transact([&](store::store_tx& tx) {
            for (const auto id : untried)
                tx.release_outbox(id);
        });
    }
    return r.delivered;
}

void outbox_dispatcher::work(round& r) {
    std::unique_lock lock(r.mutex);
    for (;;) {
        if (cancelled_.load() || (!r.ready.empty() && clock_.now() > r.start_by))
            return;  // the calls in hand finish on their own threads
        if (r.ready.empty()) {
            if (r.running == 0)
                return;  // nothing in flight can make anything ready any more
            r.changed.wait(lock);
            continue;
        }
        const std::size_t i = *r.ready.begin();
        r.ready.erase(r.ready.begin());
        auto& task = r.tasks[i];
        task.taken = true;
        ++r.running;
        lock.unlock();
        bool ok = false;
        try {
            ok = attempt(task.row);
        } catch (const std::exception& e) {
            // Recording the outcome failed (the database is gone): the lease runs out and the
            // row is delivered again, looked up first if it is a post.
            spdlog::error("outbox {}: {}", task.row.id, e.what());
        }
        lock.lock();
        --r.running;
        if (ok) {
            ++r.delivered;
            for (const std::size_t d : task.dependents) {
                if (--r.tasks[d].waiting == 0)
                    r.ready.insert(d);
            }
        }
        // A failed row never releases its dependents: they wait for its retry.
        r.changed.notify_all();
    }
}

bool outbox_dispatcher::attempt(const store::outbox_row& row) {
    try {
        deliver(row);
        return true;
    } catch (const chat::chat_error& e) {
        if (!e.retryable()) {
            spdlog::error("outbox {}: {} failed permanently: {} ({})", row.id, row.message.kind,
                          e.code(), e.what());
            db_.transact([&](store::store_tx& tx) {
                tx.mark_outbox_dead(row.id, e.code() + ": " + e.what());
            });
            return false;
        }
        const auto wait =
            e.retry_after_s() > 0 ? std::chrono::seconds{e.retry_after_s()} : backoff(row.attempts);
        // Shutting down is not a delivery problem; the row simply waits for the next start.
        spdlog::log(e.code() == "cancelled" ? spdlog::level::debug : spdlog::level::warn,
                    "outbox {}: {} will retry in {}s: {}", row.id, row.message.kind, wait.count(),
                    e.code());
        db_.transact([&](store::store_tx& tx) {
            tx.mark_outbox_retry(row.id, e.code(), clock_.now() + wait);
        });
    } catch (const std::exception& e) {
        const auto wait = backoff(row.attempts);
        spdlog::warn("outbox {}: {} will retry in {}s: {}", row.id, row.message.kind, wait.count(),
                     e.what());
        db_.transact([&](store::store_tx& tx) {
            tx.mark_outbox_retry(row.id, e.what(), clock_.now() + wait);
        });
    }
    return false;
}

chat::message outbox_dispatcher::with_card(const std::string& incident_id,
                                           const nlohmann::json& payload) {
    chat::message out = to_message(payload);
    if (!payload.contains("card") || incident_id.empty())
        return out;
    std::optional<domain::incident> inc;
    db_.transact([&](store::store_tx& tx) { inc = tx.find_incident(incident_id, false); });
    if (!inc)
        return out;
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
                if (e.code() != "name_taken" || attempt >= max_name_attempts)
                    throw;
                // An earlier try may have created it and lost the answer (a 5xx, a crash
                // before the commit below): adopt that room rather than open a second one.
                if (row.attempts > 0 || row.lease_expired) {
                    if (auto own = chat_.find_own_channel(name, row.created_at)) {
                        spdlog::info("outbox {}: #{} was created by an earlier try; adopting it",
                                     row.id, name);
                        created = *own;
                        break;
                    }
                }
                // Someone else owns the name: take the next one.
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
        std::optional<std::string> ts;
        if (row.attempts > 0 || row.lease_expired) {
            // An earlier try may have posted and then lost the answer or crashed before the
            // commit below: adopt that message instead of posting it twice.
            ts = chat_.find_posted(channel, row.id, row.created_at);
            if (ts)
                spdlog::info("outbox {}: already posted as {}, not posting again", row.id, *ts);
        }
        if (!ts) {
            chat::message out = with_card(msg.incident_id, p);
            out.outbox_id = row.id;
            ts = chat_.post_message(channel, out);
        }
        db_.transact([&](store::store_tx& tx) {
            if (p.contains("ref"))
                tx.save_message_ref({msg.incident_id, p["ref"], channel, *ts});
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
