#include "bot/store/sql_store.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>
#include <unordered_set>

#include "bot/store/migrations.hpp"

namespace warroom::store {

namespace {

using domain::time_point;

// Serializes outbox claims across replicas (PostgreSQL advisory lock key).
constexpr const char* outbox_claim_lock_key = "727173";

// ---------------------------------------------------------------------------------------------
// Value conversion

std::string text_of(const sql_value& v) {
    return v.value_or(std::string());
}

std::int64_t int_of(const sql_value& v, const char* column) {
    if (!v)
        return 0;
    try {
        std::size_t used = 0;
        const long long n = std::stoll(*v, &used);
        if (used != v->size())
            throw std::invalid_argument("trailing characters");
        return n;
    } catch (const std::exception&) {
        throw store_error(std::string("corrupt value in column ") + column + ": '" + *v + "'");
    }
}

sql_value opt_time(const std::optional<time_point>& t) {
    if (!t)
        return std::nullopt;
    return format_db_time(*t);
}

time_point time_of(const sql_value& v, const char* column) {
    if (!v)
        throw store_error(std::string("missing time in column ") + column);
    try {
        return parse_db_time(*v);
    } catch (const std::exception&) {
        throw store_error(std::string("corrupt time in column ") + column + ": '" + *v + "'");
    }
}

std::optional<time_point> opt_time_of(const sql_value& v, const char* column) {
    if (!v)
        return std::nullopt;
    return time_of(v, column);
}

nlohmann::json json_of(const sql_value& v, const char* column) {
    if (!v || v->empty())
        return nlohmann::json::object();
    try {
        return nlohmann::json::parse(*v);
    } catch (const nlohmann::json::exception&) {
        throw store_error(std::string("corrupt JSON in column ") + column);
    }
}

template <class T>
T must(std::optional<T> v, const char* what, const sql_value& raw) {
    if (!v)
        throw store_error(std::string("unknown ") + what + " '" + text_of(raw) + "' in database");
    return *v;
}

/// "INSERT INTO inbox ... VALUES (...), (...) ... RETURNING key" for `rows` rows.
const std::string& inbox_insert_sql(std::size_t rows) {
    static const auto build = [](std::size_t n) {
        std::string sql =
            "INSERT INTO inbox (key, source, received_at, kind, payload, status, lease_until) "
            "VALUES ";
        for (std::size_t r = 0; r < n; ++r) {
            const std::size_t p = r * 5;
            sql += (r ? ", ($" : "($") + std::to_string(p + 1) + ", $" + std::to_string(p + 2) +
                   ", $" + std::to_string(p + 3) + ", $" + std::to_string(p + 4) + ", $" +
                   std::to_string(p + 5) + ", 'pending', '')";
        }
        return sql + " ON CONFLICT (key) DO NOTHING RETURNING key";
    };
    static const std::string one = build(1), four = build(4), sixteen = build(16),
                             sixty_four = build(64);
    switch (rows) {
        case 64:
            return sixty_four;
        case 16:
            return sixteen;
        case 4:
            return four;
        default:
            return one;
    }
}

// ---------------------------------------------------------------------------------------------
// The incident's list-valued fields that live in JSON columns

nlohmann::json hypotheses_json(const std::vector<domain::hypothesis>& hs) {
    auto out = nlohmann::json::array();
    for (const auto& h : hs) {
        out.push_back({{"number", h.number},
                       {"text", h.text},
                       {"confidence", std::string(to_string(h.confidence))},
                       {"author", h.author},
                       {"at", format_db_time(h.at)}});
    }
    return out;
}

nlohmann::json mitigations_json(const std::vector<domain::mitigation>& ms) {
    auto out = nlohmann::json::array();
    for (const auto& m : ms) {
        out.push_back({{"number", m.number},
                       {"action", m.action},
                       {"owner", m.owner},
                       {"state", std::string(to_string(m.state))},
                       {"at", format_db_time(m.at)}});
    }
    return out;
}

std::vector<domain::hypothesis> hypotheses_from(const nlohmann::json& j) {
    std::vector<domain::hypothesis> out;
    for (const auto& e : j) {
        domain::hypothesis h;
        h.number = e.at("number").get<int>();
        h.text = e.at("text").get<std::string>();
        const auto conf = e.at("confidence").get<std::string>();
        h.confidence = must(domain::parse_confidence(conf), "confidence", conf);
        h.author = e.at("author").get<std::string>();
        h.at = parse_db_time(e.at("at").get<std::string>());
        out.push_back(std::move(h));
    }
    return out;
}

std::vector<domain::mitigation> mitigations_from(const nlohmann::json& j) {
    std::vector<domain::mitigation> out;
    for (const auto& e : j) {
        domain::mitigation m;
        m.number = e.at("number").get<int>();
        m.action = e.at("action").get<std::string>();
        m.owner = e.at("owner").get<std::string>();
        const auto state = e.at("state").get<std::string>();
        m.state = must(domain::parse_mitigation_state(state), "mitigation state", state);
        m.at = parse_db_time(e.at("at").get<std::string>());
        out.push_back(std::move(m));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// SQL text. Placeholders are $n on both dialects; the only dialect difference is row locking.

constexpr const char* incident_columns =
    "id, day, seq, title, severity, status, is_private, commander, created_by, participants, "
    "hypotheses, mitigations, summary, channel_name, channel_id, declared_at, acknowledged_at, "
    "mitigated_at, resolved_at, closed_at, update_cadence_s, version";

sql_params incident_params(const domain::incident& inc) {
    return {
        inc.id,
        inc.day,
        std::to_string(inc.seq),
        inc.title,
        std::string(to_string(inc.severity)),
        std::string(to_string(inc.status)),
        inc.is_private ? "1" : "0",
        inc.commander,
        inc.created_by,
        nlohmann::json(inc.participants).dump(),
        hypotheses_json(inc.hypotheses).dump(),
        mitigations_json(inc.mitigations).dump(),
        inc.summary,
        inc.channel_name,
        inc.channel_id,
        format_db_time(inc.declared_at),
        opt_time(inc.acknowledged_at),
        opt_time(inc.mitigated_at),
        opt_time(inc.resolved_at),
        opt_time(inc.closed_at),
        std::to_string(inc.update_cadence.count()),
        std::to_string(inc.version),
    };
}

domain::incident incident_from(const sql_row& r) {
    domain::incident inc;
    try {
        inc.id = text_of(r.at(0));
        inc.day = text_of(r.at(1));
        inc.seq = static_cast<int>(int_of(r.at(2), "seq"));
        inc.title = text_of(r.at(3));
        inc.severity = must(domain::parse_severity(text_of(r.at(4))), "severity", r.at(4));
        inc.status = must(domain::parse_status(text_of(r.at(5))), "status", r.at(5));
        inc.is_private = int_of(r.at(6), "is_private") != 0;
        inc.commander = text_of(r.at(7));
        inc.created_by = text_of(r.at(8));
        inc.participants = json_of(r.at(9), "participants").get<std::vector<std::string>>();
        inc.hypotheses = hypotheses_from(json_of(r.at(10), "hypotheses"));
        inc.mitigations = mitigations_from(json_of(r.at(11), "mitigations"));
        inc.summary = text_of(r.at(12));
        inc.channel_name = text_of(r.at(13));
        inc.channel_id = text_of(r.at(14));
        inc.declared_at = time_of(r.at(15), "declared_at");
        inc.acknowledged_at = opt_time_of(r.at(16), "acknowledged_at");
        inc.mitigated_at = opt_time_of(r.at(17), "mitigated_at");
        inc.resolved_at = opt_time_of(r.at(18), "resolved_at");
        inc.closed_at = opt_time_of(r.at(19), "closed_at");
        inc.update_cadence = std::chrono::seconds{int_of(r.at(20), "update_cadence_s")};
        inc.version = static_cast<int>(int_of(r.at(21), "version"));
    } catch (const store_error&) {
        throw;
    } catch (const std::exception& e) {
        throw store_error("corrupt incident row " + inc.id + ": " + e.what());
    }
    return inc;
}

outbox_row outbox_from(const sql_row& r) {
    outbox_row o;
    o.id = int_of(r.at(0), "outbox.id");
    o.message.incident_id = text_of(r.at(1));
    o.message.kind = text_of(r.at(2));
    o.message.payload = json_of(r.at(3), "outbox.payload");
    o.attempts = static_cast<int>(int_of(r.at(4), "outbox.attempts"));
    o.created_at = time_of(r.at(5), "outbox.created_at");
    o.next_attempt_at = time_of(r.at(6), "outbox.next_attempt_at");
    o.last_error = text_of(r.at(7));
    return o;
}

job job_from(const sql_row& r) {
    job j;
    j.id = int_of(r.at(0), "jobs.id");
    j.kind = text_of(r.at(1));
    j.incident_id = text_of(r.at(2));
    j.due_at = time_of(r.at(3), "jobs.due_at");
    j.payload = json_of(r.at(4), "jobs.payload");
    return j;
}

// ---------------------------------------------------------------------------------------------

/// A PostgreSQL array literal of text elements: {"a","b\\"c"}.
std::string pg_text_array(const std::vector<const std::string*>& values) {
    std::size_t size = 2;
    for (const auto* v : values)
        size += v->size() + 3;
    std::string out;
    out.reserve(size + size / 16);
    out.push_back('{');
    for (const auto* v : values) {
        if (out.size() > 1)
            out.push_back(',');
        out.push_back('"');
        for (const char c : *v) {
            if (c == '"' || c == '\\')
                out.push_back('\\');
            out.push_back(c);
        }
        out.push_back('"');
    }
    out.push_back('}');
    return out;
}

/// Inserts requests as pending, keys already stored (or repeated in the batch) excepted; true
/// for each row stored. One statement on PostgreSQL (arrays unnested: one round trip whatever
/// the batch), multi-row INSERTs in a few fixed sizes on SQLite. Safe outside a transaction:
/// each row stands alone, and a row that made it is found by its key on a retry.
std::vector<bool> enqueue_rows(sql_connection& c, const std::vector<inbox_item>& items) {
    std::vector<bool> fresh(items.size(), false);
    // A key twice in one batch (a retry that raced its original) is stored once; the later
    // copies are duplicates, which RETURNING alone could not tell apart.
    std::vector<std::size_t> todo;
    todo.reserve(items.size());
    {
        std::unordered_set<std::string_view> seen;
        seen.reserve(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (seen.insert(items[i].key).second)
                todo.push_back(i);
        }
    }
    const auto mark = [&](const sql_result& r, std::size_t from, std::size_t n) {
        std::unordered_set<std::string_view> stored;
        stored.reserve(r.rows.size());
        for (const auto& row : r.rows) {
            if (!row.empty() && row[0])
                stored.insert(*row[0]);
        }
        for (std::size_t j = from; j < from + n; ++j)
            fresh[todo[j]] = stored.count(items[todo[j]].key) > 0;
    };
    if (c.dialect() == sql_dialect::postgres) {
        std::vector<std::string> times;
        times.reserve(todo.size());
        std::vector<const std::string*> keys, sources, kinds, payloads, received;
        for (auto* v : {&keys, &sources, &kinds, &payloads, &received})
            v->reserve(todo.size());
        for (const std::size_t i : todo) {
            keys.push_back(&items[i].key);
            sources.push_back(&items[i].source);
            kinds.push_back(&items[i].kind);
            payloads.push_back(&items[i].payload);
            times.push_back(format_db_time(items[i].received_at));
        }
        for (const auto& t : times)
            received.push_back(&t);
        const auto r = c.exec(
            "INSERT INTO inbox (key, source, received_at, kind, payload, status, lease_until) "
            "SELECT k, s, t, d, p, 'pending', '' "
            "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) "
            "AS batch(k, s, t, d, p) ON CONFLICT (key) DO NOTHING RETURNING key",
            {pg_text_array(keys), pg_text_array(sources), pg_text_array(received),
             pg_text_array(kinds), pg_text_array(payloads)});
        mark(r, 0, todo.size());
        return fresh;
    }
    // One statement (and prepared-cache entry) per chunk size, at most four of them.
    std::size_t next = 0;
    while (next < todo.size()) {
        std::size_t n = 1;
        for (const std::size_t size : {64, 16, 4}) {
            if (todo.size() - next >= size) {
                n = size;
                break;
            }
        }
        sql_params params;
        params.reserve(n * 5);
        for (std::size_t j = 0; j < n; ++j) {
            const auto& item = items[todo[next + j]];
            params.insert(params.end(), {item.key, item.source, format_db_time(item.received_at),
                                         item.kind, item.payload});
        }
        mark(c.exec(inbox_insert_sql(n), params), next, n);
        next += n;
    }
    return fresh;
}

class sql_tx final : public store_tx {
  public:
    explicit sql_tx(sql_connection& c) : c_(c), pg_(c.dialect() == sql_dialect::postgres) {}

    bool inbox_claim(const std::string& key, const std::string& source, time_point at) override {
        // A pending row (stored at acknowledgement) becomes applied. The UPDATE takes the row
        // lock, so a concurrent claim waits and then finds it applied.
        const auto pending = c_.exec(
            "UPDATE inbox SET status = 'applied' WHERE key = $1 AND status = 'pending'", {key});
        if (pending.affected > 0)
            return true;
        // RETURNING tells both dialects apart "inserted" from "conflict, nothing done".
        const auto r = c_.exec(
            "INSERT INTO inbox (key, source, received_at, status) VALUES ($1, $2, $3, 'applied') "
            "ON CONFLICT (key) DO NOTHING RETURNING key",
            {key, source, format_db_time(at)});
        return !r.rows.empty();
    }

    std::vector<bool> inbox_enqueue(const std::vector<inbox_item>& items) override {
        return enqueue_rows(c_, items);
    }

    std::vector<inbox_item> claim_inbox(time_point now, std::chrono::seconds lease,
                                        int limit) override {
        if (limit <= 0)
            return {};
        const auto r = c_.exec(
            std::string("UPDATE inbox SET lease_until = $2, attempts = attempts + 1 WHERE key IN "
                        "(SELECT key FROM inbox WHERE status = 'pending' AND lease_until <= $1 "
                        "ORDER BY received_at, key LIMIT $3") +
                (pg_ ? " FOR UPDATE SKIP LOCKED" : "") +
                ") RETURNING key, source, kind, payload, received_at, attempts",
            {format_db_time(now), format_db_time(now + lease), std::to_string(limit)});
        std::vector<inbox_item> out;
        out.reserve(r.rows.size());
        for (const auto& row : r.rows) {
            out.push_back({text_of(row.at(0)), text_of(row.at(1)), text_of(row.at(2)),
                           text_of(row.at(3)), time_of(row.at(4), "inbox.received_at"),
                           static_cast<int>(int_of(row.at(5), "inbox.attempts"))});
        }
        // RETURNING has no defined order.
        std::sort(out.begin(), out.end(), [](const inbox_item& a, const inbox_item& b) {
            return a.received_at != b.received_at ? a.received_at < b.received_at : a.key < b.key;
        });
        return out;
    }

    void finish_inbox(const std::string& key, const std::string& status) override {
        c_.exec("UPDATE inbox SET status = $2 WHERE key = $1 AND status = 'pending'",
                {key, status});
    }

    std::int64_t pending_inbox_count() override {
        const auto r = c_.exec("SELECT COUNT(*) FROM inbox WHERE status = 'pending'", {});
        return int_of(single(r).at(0), "count");
    }

    int next_incident_seq(const std::string& day) override {
        // One statement, so concurrent writers serialize on the row lock (PostgreSQL) or the
        // write lock (SQLite) and never see the same number.
        const auto r = c_.exec(
            "INSERT INTO incident_seq (day, last) VALUES ($1, 1) "
            "ON CONFLICT (day) DO UPDATE SET last = incident_seq.last + 1 RETURNING last",
            {day});
        return static_cast<int>(int_of(single(r).at(0), "incident_seq.last"));
    }

    void insert_incident(const domain::incident& inc) override {
        c_.exec(std::string("INSERT INTO incidents (") + incident_columns +
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
                    "$16, $17, $18, $19, $20, $21, $22)",
                incident_params(inc));
        write_children(inc);
    }

    void update_incident(const domain::incident& inc) override {
        const auto r = c_.exec(
            "UPDATE incidents SET day = $2, seq = $3, title = $4, severity = $5, status = $6, "
            "is_private = $7, commander = $8, created_by = $9, participants = $10, "
            "hypotheses = $11, mitigations = $12, summary = $13, channel_name = $14, "
            "channel_id = $15, declared_at = $16, acknowledged_at = $17, mitigated_at = $18, "
            "resolved_at = $19, closed_at = $20, update_cadence_s = $21, version = version + 1 "
            "WHERE id = $1 AND version = $22",
            incident_params(inc));
        if (r.affected == 0) {
            const auto exists = c_.exec("SELECT version FROM incidents WHERE id = $1", {inc.id});
            if (exists.rows.empty()) {
                throw conflict_error("incident " + inc.id + " no longer exists");
            }
            throw conflict_error("incident " + inc.id + " was changed by someone else (saved " +
                                 "version " + text_of(exists.rows.front().at(0)) +
                                 ", this change started from version " +
                                 std::to_string(inc.version) + ")");
        }
        c_.exec("DELETE FROM roles WHERE incident_id = $1", {inc.id});
        c_.exec("DELETE FROM actions WHERE incident_id = $1", {inc.id});
        write_children(inc);
    }

    std::optional<domain::incident> find_incident(const std::string& id, bool for_update) override {
        const auto r = c_.exec(std::string("SELECT ") + incident_columns +
                                   " FROM incidents WHERE id = $1" + lock_suffix(for_update),
                               {id});
        if (r.rows.empty())
            return std::nullopt;
        return load(r.rows.front());
    }

    std::optional<domain::incident> find_incident_by_channel(const std::string& channel,
                                                             bool for_update) override {
        const std::string name =
            !channel.empty() && channel[0] == '#' ? channel.substr(1) : channel;
        // Tickets have no channel; an empty name must not match them.
        if (name.empty())
            return std::nullopt;
        const auto r = c_.exec(std::string("SELECT ") + incident_columns +
                                   " FROM incidents WHERE channel_id = $1 OR channel_name = $1 "
                                   "ORDER BY declared_at DESC, id DESC LIMIT 1" +
                                   lock_suffix(for_update),
                               {name});
        if (r.rows.empty())
            return std::nullopt;
        return load(r.rows.front());
    }

    std::vector<domain::incident> list_incidents(const incident_filter& filter) override {
        if (filter.limit <= 0)
            return {};
        const std::string where = filter.include_closed ? "" : " WHERE status <> 'closed'";
        const auto r = c_.exec(std::string("SELECT ") + incident_columns + " FROM incidents" +
                                   where + " ORDER BY declared_at DESC, id DESC LIMIT $1",
                               {std::to_string(filter.limit)});
        std::vector<domain::incident> out;
        out.reserve(r.rows.size());
        for (const auto& row : r.rows)
            out.push_back(load(row));
        return out;
    }

    std::int64_t append_timeline(const domain::timeline_event& ev) override {
        const auto r = c_.exec(
            "INSERT INTO timeline (incident_id, kind, at, actor, source, text, data) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            {ev.incident_id, std::string(to_string(ev.kind)), format_db_time(ev.at), ev.actor,
             std::string(to_string(ev.source)), ev.text, ev.data.dump()});
        return int_of(single(r).at(0), "timeline.id");
    }

    std::vector<domain::timeline_event> timeline(const std::string& incident_id) override {
        const auto r = c_.exec(
            "SELECT id, incident_id, kind, at, actor, source, text, data FROM timeline "
            "WHERE incident_id = $1 ORDER BY id",
            {incident_id});
        std::vector<domain::timeline_event> out;
        out.reserve(r.rows.size());
        for (const auto& row : r.rows) {
            domain::timeline_event ev;
            ev.id = int_of(row.at(0), "timeline.id");
            ev.incident_id = text_of(row.at(1));
            ev.kind = must(domain::parse_event_kind(text_of(row.at(2))), "event kind", row.at(2));
            ev.at = time_of(row.at(3), "timeline.at");
            ev.actor = text_of(row.at(4));
            ev.source =
                must(domain::parse_event_source(text_of(row.at(5))), "event source", row.at(5));
            ev.text = text_of(row.at(6));
            ev.data = json_of(row.at(7), "timeline.data");
            out.push_back(std::move(ev));
        }
        return out;
    }

    std::int64_t enqueue_outbox(const outbox_message& msg, time_point at) override {
        const auto r = c_.exec(
            "INSERT INTO outbox (incident_id, kind, payload, status, attempts, created_at, "
            "next_attempt_at, lane, lease_until) "
            "VALUES ($1, $2, $3, 'pending', 0, $4, $4, $5, '') RETURNING id",
            {msg.incident_id, msg.kind, msg.payload.dump(), format_db_time(at), outbox_lane(msg)});
        return int_of(single(r).at(0), "outbox.id");
    }

    std::vector<outbox_row> claim_outbox(time_point now, std::chrono::seconds lease,
                                         int limit) override {
        if (limit <= 0)
            return {};
        // Claims take turns, so each sees every earlier claim committed: row locks alone
        // (SKIP LOCKED) would let a second replica take an incident's later rows while the
        // first still holds its earlier ones. SQLite's write transaction is exclusive already.
        if (pg_)
            c_.exec("SELECT pg_advisory_xact_lock($1)", {outbox_claim_lock_key});
        // '' sorts before every time, so never-leased and released rows count as free.
        const std::string at = format_db_time(now);
        const auto r = c_.exec(
            "SELECT o.id, o.incident_id, o.kind, o.payload, o.attempts, o.created_at, "
            "o.next_attempt_at, o.last_error, o.lane, o.lease_until FROM outbox o "
            "WHERE o.status = 'pending' AND o.next_attempt_at <= $1 AND o.lease_until <= $1 "
            "AND (o.incident_id = '' OR NOT EXISTS (SELECT 1 FROM outbox p "
            "WHERE p.status = 'pending' AND p.incident_id = o.incident_id AND p.id <> o.id "
            "AND (p.lease_until > $1 OR (p.id < o.id AND p.next_attempt_at > $1 "
            "AND (p.lane = o.lane OR p.lane = '' OR o.lane = ''))))) "
            "ORDER BY o.id LIMIT $2",
            {at, std::to_string(limit)});
        std::vector<outbox_row> out;
        out.reserve(r.rows.size());
        std::string ids;
        for (const auto& row : r.rows) {
            outbox_row o = outbox_from(row);
            o.lane = text_of(row.at(8));
            o.lease_expired = !text_of(row.at(9)).empty();
            ids += (ids.empty() ? "" : ",") + std::to_string(o.id);
            out.push_back(std::move(o));
        }
        if (!out.empty()) {
            // The id list is a parameter, not SQL text: one statement for every claim, so the
            // prepared-statement cache does not grow with each distinct list.
            if (pg_) {
                c_.exec("UPDATE outbox SET lease_until = $1 WHERE id = ANY($2::bigint[])",
                        {format_db_time(now + lease), "{" + ids + "}"});
            } else {
                c_.exec(
                    "UPDATE outbox SET lease_until = $1 WHERE id IN (SELECT value FROM "
                    "json_each($2))",
                    {format_db_time(now + lease), "[" + ids + "]"});
            }
        }
        return out;
    }

    void release_outbox(std::int64_t id) override {
        c_.exec("UPDATE outbox SET lease_until = '' WHERE id = $1 AND status = 'pending'",
                {std::to_string(id)});
    }

    void mark_outbox_delivered(std::int64_t id, time_point at) override {
        c_.exec(
            "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = $2, "
            "lease_until = '' WHERE id = $1",
            {std::to_string(id), format_db_time(at)});
    }

    void mark_outbox_retry(std::int64_t id, const std::string& error,
                           time_point next_attempt) override {
        c_.exec(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, "
            "lease_until = '' WHERE id = $1 AND status = 'pending'",
            {std::to_string(id), error, format_db_time(next_attempt)});
    }

    void mark_outbox_dead(std::int64_t id, const std::string& error) override {
        c_.exec(
            "UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = $2, "
            "lease_until = '' WHERE id = $1",
            {std::to_string(id), error});
    }

    std::int64_t pending_outbox_count() override {
        const auto r = c_.exec("SELECT COUNT(*) FROM outbox WHERE status = 'pending'");
        return int_of(single(r).at(0), "count");
    }

    void save_message_ref(const message_ref& ref) override {
        c_.exec(
            "INSERT INTO message_refs (incident_id, ref, channel, ts) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (incident_id, ref) DO UPDATE SET channel = excluded.channel, "
            "ts = excluded.ts",
            {ref.incident_id, ref.ref, ref.channel, ref.ts});
    }

    std::optional<message_ref> find_message_ref(const std::string& incident_id,
                                                const std::string& ref) override {
        const auto r = c_.exec(
            "SELECT incident_id, ref, channel, ts FROM message_refs "
            "WHERE incident_id = $1 AND ref = $2",
            {incident_id, ref});
        if (r.rows.empty())
            return std::nullopt;
        const auto& row = r.rows.front();
        return message_ref{text_of(row.at(0)), text_of(row.at(1)), text_of(row.at(2)),
                           text_of(row.at(3))};
    }

    std::int64_t schedule_job(const job& j) override {
        const auto r = c_.exec(
            "INSERT INTO jobs (kind, incident_id, due_at, payload, status) "
            "VALUES ($1, $2, $3, $4, 'pending') RETURNING id",
            {j.kind, j.incident_id, format_db_time(j.due_at), j.payload.dump()});
        return int_of(single(r).at(0), "jobs.id");
    }

    std::vector<job> claim_due_jobs(time_point now, int limit) override {
        if (limit <= 0)
            return {};
        // One statement picks and marks. PostgreSQL skips rows another replica is claiming;
        // SQLite's write transaction is exclusive already.
        const auto r =
            c_.exec(std::string("UPDATE jobs SET status = 'claimed', claimed_at = $1 WHERE id IN "
                                "(SELECT id FROM jobs WHERE status = 'pending' AND due_at <= $1 "
                                "ORDER BY due_at, id LIMIT $2") +
                        (pg_ ? " FOR UPDATE SKIP LOCKED" : "") +
                        ") RETURNING id, kind, incident_id, due_at, payload",
                    {format_db_time(now), std::to_string(limit)});
        std::vector<job> out;
        out.reserve(r.rows.size());
        for (const auto& row : r.rows)
            out.push_back(job_from(row));
        // RETURNING has no defined order.
        std::sort(out.begin(), out.end(), [](const job& a, const job& b) {
            return a.due_at != b.due_at ? a.due_at < b.due_at : a.id < b.id;
        });
        return out;
    }

    void cancel_jobs(const std::string& incident_id, const std::string& kind) override {
        // An empty kind cancels every pending job of the incident.
        if (kind.empty()) {
            c_.exec("DELETE FROM jobs WHERE incident_id = $1 AND status = 'pending'",
                    {incident_id});
        } else {
            c_.exec("DELETE FROM jobs WHERE incident_id = $1 AND kind = $2 AND status = 'pending'",
                    {incident_id, kind});
        }
    }

  private:
    static const sql_row& single(const sql_result& r) {
        if (r.rows.size() != 1) {
            throw store_error("expected one row from the database, got " +
                              std::to_string(r.rows.size()));
        }
        return r.rows.front();
    }

    std::string lock_suffix(bool for_update) const {
        return for_update && pg_ ? " FOR UPDATE" : "";
    }

    domain::incident load(const sql_row& row) {
        domain::incident inc = incident_from(row);
        const auto roles = c_.exec(
            "SELECT role, user_name FROM roles WHERE incident_id = $1 ORDER BY position", {inc.id});
        for (const auto& r : roles.rows) {
            inc.roles.push_back({text_of(r.at(0)), text_of(r.at(1))});
        }
        const auto actions = c_.exec(
            "SELECT number, text, owner, due, priority, done, done_at FROM actions "
            "WHERE incident_id = $1 ORDER BY position",
            {inc.id});
        for (const auto& r : actions.rows) {
            domain::action_item a;
            a.number = static_cast<int>(int_of(r.at(0), "actions.number"));
            a.text = text_of(r.at(1));
            a.owner = text_of(r.at(2));
            a.due = text_of(r.at(3));
            a.priority = text_of(r.at(4));
            a.done = int_of(r.at(5), "actions.done") != 0;
            a.done_at = opt_time_of(r.at(6), "actions.done_at");
            inc.actions.push_back(std::move(a));
        }
        return inc;
    }

    void write_children(const domain::incident& inc) {
        for (std::size_t i = 0; i < inc.roles.size(); ++i) {
            const auto& r = inc.roles[i];
            c_.exec(
                "INSERT INTO roles (incident_id, position, role, user_name) "
                "VALUES ($1, $2, $3, $4)",
                {inc.id, std::to_string(i), r.role, r.user});
        }
        for (std::size_t i = 0; i < inc.actions.size(); ++i) {
            const auto& a = inc.actions[i];
            c_.exec(
                "INSERT INTO actions (incident_id, position, number, text, owner, due, priority, "
                "done, done_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                {inc.id, std::to_string(i), std::to_string(a.number), a.text, a.owner, a.due,
                 a.priority, a.done ? "1" : "0", opt_time(a.done_at)});
        }
    }

    sql_connection& c_;
    bool pg_;
};

// ---------------------------------------------------------------------------------------------

constexpr int max_attempts = 5;
constexpr auto checkout_timeout = std::chrono::seconds(30);
// Serializes migrations of several replicas starting at once (PostgreSQL advisory lock key).
constexpr const char* migration_lock_key = "727172";

class sql_store final : public store {
  public:
    sql_store(connection_factory factory, std::unique_ptr<sql_connection> first, int pool_size,
              std::unique_ptr<sql_housekeeper> upkeep)
        : upkeep_(std::move(upkeep)),
          factory_(std::move(factory)),
          dialect_(first->dialect()),
          pool_size_(std::max(1, pool_size)) {
        idle_.push_back(std::move(first));
        open_ = 1;
    }

    void transact(const std::function<void(store_tx&)>& fn) override { transact_as(fn, false); }

    std::vector<bool> enqueue_inbox(const std::vector<inbox_item>& items) override {
        if (dialect_ != sql_dialect::postgres)
            return store::enqueue_inbox(items);  // SQLite: BEGIN and COMMIT cost no round trip
        // One statement in its own implicit transaction: one round trip instead of three.
        std::vector<bool> fresh;
        run_single([&](sql_connection& c) { fresh = enqueue_rows(c, items); });
        return fresh;
    }

    void transact_urgent(const std::function<void(store_tx&)>& fn) override {
        transact_as(fn, true);
    }

    int migrate() override {
        const int current = schema_version();
        if (current > latest_schema_version()) {
            throw store_error("the database schema is version " + std::to_string(current) +
                              ", newer than this binary knows (" +
                              std::to_string(latest_schema_version()) + "); upgrade warroom");
        }
        int applied = 0;
        for (const auto& m : migrations_for(dialect_)) {
            if (m.version <= current)
                continue;
            bool did = false;
            run([&](sql_connection& c) {
                did = false;
                if (dialect_ == sql_dialect::postgres) {
                    c.exec("SELECT pg_advisory_xact_lock($1)", {migration_lock_key});
                }
                c.exec_script(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, applied_at TEXT NOT NULL)");
                // Another replica may have applied it while we waited for the lock.
                const auto seen = c.exec("SELECT version FROM schema_migrations WHERE version = $1",
                                         {std::to_string(m.version)});
                if (!seen.rows.empty())
                    return;
                c.exec_script(m.sql);
                c.exec(
                    "INSERT INTO schema_migrations (version, name, applied_at) "
                    "VALUES ($1, $2, $3)",
                    {std::to_string(m.version), std::string(m.name),
                     format_db_time(std::chrono::system_clock::now())});
                did = true;
            });
            if (did)
                ++applied;
        }
        return applied;
    }

    int schema_version() override {
        int version = 0;
        run([&](sql_connection& c) {
            const char* exists_sql =
                dialect_ == sql_dialect::sqlite
                    ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                      "AND name = 'schema_migrations'"
                    : "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 "
                      "END";
            const auto exists = c.exec(exists_sql);
            if (exists.rows.empty() || int_of(exists.rows.front().at(0), "count") == 0) {
                version = 0;
                return;
            }
            const auto r = c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
            version = r.rows.empty() ? 0 : static_cast<int>(int_of(r.rows.front().at(0), "max"));
        });
        return version;
    }

    int latest_schema_version() const override {
        const auto& all = migrations_for(dialect_);
        return all.empty() ? 0 : all.back().version;
    }

    void ping() override {
        // A pooled connection may have died with the server; one fresh try tells the truth.
        for (int attempt = 1;; ++attempt) {
            lease l(*this);
            try {
                l->exec("SELECT 1");
                return;
            } catch (const sql_error& e) {
                if (e.error_kind() != sql_error::kind::broken || attempt >= 2)
                    throw;
            }
        }
    }

    std::string dialect() const override {
        return dialect_ == sql_dialect::sqlite ? "sqlite" : "postgres";
    }

  private:
    /// A checked-out connection; goes back to the pool when the lease ends, unless it broke.
    class lease {
      public:
        explicit lease(sql_store& s, bool urgent = false) : store_(s), conn_(s.acquire(urgent)) {}
        ~lease() { store_.release(std::move(conn_)); }
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        sql_connection* operator->() const { return conn_.get(); }
        sql_connection& operator*() const { return *conn_; }

      private:
        sql_store& store_;
        std::unique_ptr<sql_connection> conn_;
    };

    /// First come, first served: a thread that just released a connection and asks again queues
    /// behind the waiters, so nobody is starved by a busy worker. Urgent callers (the inbox
    /// writer, whose commit Slack is waiting for) queue ahead of all others, in their own order.
    std::unique_ptr<sql_connection> acquire(bool urgent) {
        std::unique_lock lock(mutex_);
        const std::uint64_t ticket = next_ticket_++;
        if (urgent) {
            waiting_.insert(waiting_.begin() + static_cast<std::ptrdiff_t>(urgent_waiting_),
                            ticket);
            ++urgent_waiting_;
        } else {
            waiting_.push_back(ticket);
        }
        const bool ready = available_.wait_for(lock, checkout_timeout, [&] {
            return waiting_.front() == ticket && (!idle_.empty() || open_ < pool_size_);
        });
        if (urgent)
            --urgent_waiting_;
        if (!ready) {
            waiting_.erase(std::find(waiting_.begin(), waiting_.end(), ticket));
            available_.notify_all();
            throw store_error("no database connection became free within 30 s (all " +
                              std::to_string(pool_size_) + " busy)");
        }
        waiting_.pop_front();
        // With more than one connection the next in line may be able to go too.
        available_.notify_all();
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
        ++open_;
        lock.unlock();
        try {
            return factory_();
        } catch (...) {
            lock.lock();
            --open_;
            available_.notify_all();
            throw;
        }
    }

    void release(std::unique_ptr<sql_connection> c) noexcept {
        if (c && c->in_transaction())
            c->rollback();
        std::lock_guard lock(mutex_);
        if (c && !c->broken()) {
            idle_.push_back(std::move(c));
        } else {
            --open_;  // dropped here; a later acquire opens a fresh one
        }
        available_.notify_all();
    }

    /// Runs `body` in a transaction on a pooled connection, retrying transient failures.
    template <class Body>
    void run(Body&& body, bool urgent = false) {
        for (int attempt = 1;; ++attempt) {
            lease c(*this, urgent);
            bool committing = false;
            try {
                c->begin();
                body(*c);
                committing = true;
                c->commit();
                return;
            } catch (const sql_error& e) {
                c->rollback();
                const bool retry = e.error_kind() == sql_error::kind::transient ||
                                   (e.error_kind() == sql_error::kind::broken && !committing);
                if (!retry || attempt >= max_attempts)
                    throw;
            } catch (...) {
                c->rollback();
                throw;
            }
            backoff(attempt);
        }
    }

    void transact_as(const std::function<void(store_tx&)>& fn, bool urgent) {
        run(
            [&](sql_connection& c) {
                sql_tx tx(c);
                fn(tx);
            },
            urgent);
    }

    /// Runs one self-contained statement outside BEGIN/COMMIT (urgent, like the inbox writer's
    /// transactions), retrying what transact() retries.
    template <class Body>
    void run_single(Body&& body) {
        for (int attempt = 1;; ++attempt) {
            lease c(*this, true);
            try {
                body(*c);
                return;
            } catch (const sql_error& e) {
                const bool retry = e.error_kind() == sql_error::kind::transient ||
                                   e.error_kind() == sql_error::kind::broken;
                if (!retry || attempt >= max_attempts)
                    throw;
            }
            backoff(attempt);
        }
    }

    static void backoff(int attempt) {
        thread_local std::minstd_rand rng{std::random_device{}()};
        const int base_ms = 5 << std::min(attempt, 6);
        std::uniform_int_distribution<int> jitter(0, base_ms);
        std::this_thread::sleep_for(std::chrono::milliseconds(base_ms + jitter(rng)));
    }

    std::unique_ptr<sql_housekeeper> upkeep_;  // first: outlives the connections
    connection_factory factory_;
    const sql_dialect dialect_;
    const int pool_size_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<sql_connection>> idle_;
    int open_ = 0;                       // connections that exist: idle plus leased
    std::deque<std::uint64_t> waiting_;  // tickets of threads waiting for a connection, in order
    std::size_t urgent_waiting_ = 0;     // the first this many of waiting_ are urgent
    std::uint64_t next_ticket_ = 0;
};

}  // namespace

std::unique_ptr<store> make_sql_store(connection_factory factory,
                                      std::unique_ptr<sql_connection> first, int pool_size,
                                      std::unique_ptr<sql_housekeeper> upkeep) {
    return std::make_unique<sql_store>(std::move(factory), std::move(first), pool_size,
                                       std::move(upkeep));
}

std::string format_db_time(time_point t) {
    using namespace std::chrono;
    const auto since = duration_cast<nanoseconds>(t.time_since_epoch());
    const auto day = floor<days>(since);
    const year_month_day ymd{sys_days{day}};
    const hh_mm_ss<nanoseconds> hms{since - day};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%09lldZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long long>(hms.hours().count()),
                  static_cast<long long>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()),
                  static_cast<long long>(hms.subseconds().count()));
    return buf;
}

time_point parse_db_time(const std::string& text) {
    return domain::parse_iso8601(text);
}

}  // namespace warroom::store
