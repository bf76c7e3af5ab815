#include "bot/store/store.hpp"

#include "bot/store/sql_connection.hpp"
#include "bot/store/sql_store.hpp"

namespace warroom::store {

std::string outbox_lane(const outbox_message& msg) {
    const auto& p = msg.payload;
    if (msg.kind == "set_topic")
        return "topic";
    if (msg.kind == "invite")
        return "invite";
    if (msg.kind == "reply")
        return "reply";
    if (msg.kind == "post" || msg.kind == "update" || msg.kind == "pin") {
        const auto channel = p.find("channel");
        if (channel != p.end() && channel->is_string() && !channel->get<std::string>().empty())
            return "chan:" + channel->get<std::string>();
    }
    return {};  // a barrier: create_channel, or a row we cannot place safely
}

namespace {

bool starts_with(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

std::unique_ptr<store> open_sqlite(const std::string& url, std::string path) {
    if (path.empty()) {
        throw store_error("database URL " + url + " names no SQLite file (use sqlite:PATH)");
    }
    // One connection, whatever the configured pool size: every transaction takes SQLite's single
    // write lock (BEGIN IMMEDIATE) anyway, so more connections add no concurrency. They would
    // cost: each commit by one connection empties the others' page caches, and contenders wait
    // in SQLite's sleep-and-poll busy handler (milliseconds) instead of the store's queue.
    // (":memory:" needs it too: every connection to it is a separate empty database.)
    try {
        if (path == ":memory:") {
            auto factory = [] { return connect_sqlite(":memory:", false); };
            auto first = factory();
            return make_sql_store(std::move(factory), std::move(first), 1);
        }
        auto factory = [path] { return connect_sqlite(path, false, false); };
        auto first = factory();  // creates the file and switches it to WAL
        auto checkpointer = start_sqlite_checkpointer(path);
        return make_sql_store(std::move(factory), std::move(first), 1, std::move(checkpointer));
    } catch (const sql_error& e) {
        throw store_error(e.what());
    }
}

std::unique_ptr<store> open_postgres(const std::string& url, int pool_size) {
    connection_factory factory = [url] { return connect_postgres(url); };
    try {
        auto first = factory();
        return make_sql_store(std::move(factory), std::move(first), pool_size);
    } catch (const sql_error& e) {
        throw store_error(e.what());
    }
}

}  // namespace

std::unique_ptr<store> open_store(const std::string& url, int pool_size) {
    if (starts_with(url, "sqlite:")) {
        std::string path = url.substr(7);
        if (starts_with(path, "//"))
            path = path.substr(2);
        return open_sqlite(url, path);  // always one connection, see there
    }
    if (starts_with(url, "postgres://") || starts_with(url, "postgresql://")) {
        return open_postgres(url, pool_size);
    }
    throw store_error("unsupported database URL " + scrub_message(redact_url(url), url) +
                      " (expected sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB)");
}

}  // namespace warroom::store
