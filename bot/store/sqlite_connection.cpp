#include <sqlite3.h>
#include <unistd.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bot/store/sql_connection.hpp"

namespace warroom::store {

namespace {

constexpr int busy_timeout_ms = 5000;

sql_error translate(const SQLite::Exception& e, const std::string& context) {
    const int primary = e.getErrorCode() & 0xff;
    const auto k = (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) ? sql_error::kind::transient
                                                                        : sql_error::kind::other;
    return sql_error(k, scrub_message(context + e.what(), ""));
}

class sqlite_connection final : public sql_connection {
  public:
    sqlite_connection(const std::string& target, bool uri, bool auto_checkpoint)
        : db_(target, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | (uri ? SQLITE_OPEN_URI : 0),
              busy_timeout_ms) {
        // WAL lets readers run beside the writer; NORMAL sync in WAL mode survives a process
        // crash (kill -9), only a power loss may drop the last commits.
        db_.exec("PRAGMA journal_mode=WAL");
        db_.exec("PRAGMA synchronous=NORMAL");
        db_.exec("PRAGMA foreign_keys=ON");
        if (!auto_checkpoint) {
            // A checkpoint (copying the WAL back and fsyncing) runs inside whichever commit
            // crosses the threshold and takes milliseconds; a sqlite_checkpointer does it beside
            // the writers instead.
            db_.exec("PRAGMA wal_autocheckpoint=0");
        }
        // After a burst the WAL file is cut back to this once it has been checkpointed.
        db_.exec("PRAGMA journal_size_limit=67108864");
        if (sqlite3_db_readonly(db_.getHandle(), "main") == 1) {
            throw sql_error(sql_error::kind::other, "the database file is read-only");
        }
    }

    sql_dialect dialect() const override { return sql_dialect::sqlite; }

    void begin() override {
        // IMMEDIATE takes the write lock up front: two transactions that both read and then
        // write can otherwise deadlock (SQLITE_BUSY without waiting).
        run_simple("BEGIN IMMEDIATE");
    }

    void commit() override { run_simple("COMMIT"); }

    void rollback() noexcept override {
        if (!in_transaction())
            return;
        try {
            db_.exec("ROLLBACK");
        } catch (...) {
            broken_ = true;
        }
    }

    bool in_transaction() const override { return sqlite3_get_autocommit(db_.getHandle()) == 0; }

    bool broken() const override { return broken_; }

    sql_result exec(const std::string& sql, const sql_params& params) override {
        prepared& p = prepare(sql);
        SQLite::Statement& stmt = *p.statement;
        // Reset even when stepping throws: an unfinished statement would keep its lock.
        struct reset_guard {
            SQLite::Statement& s;
            ~reset_guard() {
                try {
                    s.reset();
                } catch (...) {
                    // The error was already reported by the step that failed.
                }
            }
        } guard{stmt};
        try {
            stmt.clearBindings();
            if (p.index_of.size() != params.size()) {
                throw sql_error(sql_error::kind::other,
                                "SQLite: statement expects " + std::to_string(p.index_of.size()) +
                                    " parameters, got " + std::to_string(params.size()));
            }
            for (std::size_t i = 0; i < params.size(); ++i) {
                const int index = p.index_of[i];
                if (index == 0) {
                    throw sql_error(sql_error::kind::other,
                                    "SQLite: statement has no parameter $" + std::to_string(i + 1));
                }
                if (params[i]) {
                    stmt.bindNoCopy(index, *params[i]);  // params outlive the statement's steps
                } else {
                    stmt.bind(index);
                }
            }
            sql_result result;
            const int columns = stmt.getColumnCount();
            while (stmt.executeStep()) {
                sql_row row;
                row.reserve(static_cast<std::size_t>(columns));
                for (int c = 0; c < columns; ++c) {
                    if (stmt.isColumnNull(c)) {
                        row.emplace_back(std::nullopt);
                    } else {
                        row.emplace_back(stmt.getColumn(c).getString());
                    }
                }
                result.rows.push_back(std::move(row));
            }
            result.affected = sqlite3_changes(db_.getHandle());
            return result;
        } catch (const SQLite::Exception& e) {
            throw translate(e, "SQLite: ");
        }
    }

    void exec_script(const std::string& sql) override {
        try {
            db_.exec(sql);
        } catch (const SQLite::Exception& e) {
            throw translate(e, "SQLite: ");
        }
    }

  private:
    struct prepared {
        std::unique_ptr<SQLite::Statement> statement;
        /// index_of[i]: SQLite's bind index of "$<i+1>" (0: absent). Worked out once, since
        /// looking a name up is a linear scan and a batch insert binds hundreds.
        std::vector<int> index_of;
    };

    prepared& prepare(const std::string& sql) {
        auto it = statements_.find(sql);
        if (it == statements_.end()) {
            // The code's statements are a fixed set well below this; a query built with values
            // in its text would otherwise grow the cache without end. Nothing is mid-step here
            // (one statement runs at a time), so dropping them all is safe.
            if (statements_.size() >= max_cached_statements)
                statements_.clear();
            try {
                prepared p;
                p.statement = std::make_unique<SQLite::Statement>(db_, sql);
                const int count = p.statement->getBindParameterCount();
                p.index_of.resize(static_cast<std::size_t>(count));
                for (std::size_t i = 0; i < p.index_of.size(); ++i) {
                    // Built in two steps: g++ 12 at -O3 reports a false -Wrestrict on "$" + s.
                    std::string name = "$";
                    name += std::to_string(i + 1);
                    p.index_of[i] = p.statement->getIndex(name.c_str());
                }
                it = statements_.emplace(sql, std::move(p)).first;
            } catch (const SQLite::Exception& e) {
                throw translate(e, "SQLite: ");
            }
        }
        return it->second;
    }

    void run_simple(const char* sql) {
        try {
            db_.exec(sql);
        } catch (const SQLite::Exception& e) {
            throw translate(e, std::string("SQLite ") + sql + ": ");
        }
    }

    SQLite::Database db_;
    // Prepared once per connection; the set of statements is fixed by the code, so it stays small.
    static constexpr std::size_t max_cached_statements = 256;
    std::unordered_map<std::string, prepared> statements_;
    bool broken_ = false;
};

/// Checkpoints the WAL from its own connection and thread. PASSIVE never takes the write lock,
/// so commits go on meanwhile; it copies what no reader still needs and, once everything is
/// copied, the next commit starts the WAL file over, so it stays small.
class sqlite_checkpointer final : public sql_housekeeper {
  public:
    explicit sqlite_checkpointer(const std::string& path)
        : db_(path, SQLite::OPEN_READWRITE, busy_timeout_ms) {
        // A connection only knows the file is in WAL mode once it has read it; until then a
        // checkpoint call quietly does nothing.
        db_.exec("PRAGMA journal_mode=WAL");
        thread_ = std::thread([this] { run(); });
    }

    ~sqlite_checkpointer() override {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }

  private:
    void run() {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
            lock.unlock();
            int frames = 0;
            int copied = 0;
            const int rc = sqlite3_wal_checkpoint_v2(db_.getHandle(), nullptr,
                                                     SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
            if (rc != SQLITE_OK && rc != SQLITE_BUSY && !warned_) {
                warned_ = true;  // once: the WAL keeps working, it just grows
                spdlog::error("SQLite: WAL checkpoint failed: {}", sqlite3_errmsg(db_.getHandle()));
            }
            lock.lock();
        }
    }

    static constexpr std::chrono::milliseconds interval{250};
    SQLite::Database db_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool warned_ = false;
    std::thread thread_;
};

}  // namespace

std::unique_ptr<sql_housekeeper> start_sqlite_checkpointer(const std::string& path) {
    try {
        return std::make_unique<sqlite_checkpointer>(path);
    } catch (const SQLite::Exception& e) {
        throw translate(e, "SQLite checkpointer for " + path + ": ");
    }
}

std::unique_ptr<sql_connection> connect_sqlite(const std::string& target, bool uri,
                                               bool auto_checkpoint) {
    const std::string prefix = "cannot open SQLite database " + target + ": ";
    try {
        return std::make_unique<sqlite_connection>(target, uri, auto_checkpoint);
    } catch (const sql_error& e) {
        throw sql_error(e.error_kind(), prefix + e.what());
    } catch (const SQLite::Exception& e) {
        // SQLite only says "unable to open database file"; name the usual cause.
        std::string reason = e.what();
        if (!uri) {
            namespace fs = std::filesystem;
            std::error_code ec;
            const fs::path parent = fs::absolute(fs::path(target), ec).parent_path();
            if (!ec && !fs::is_directory(parent, ec)) {
                reason += " (directory " + parent.string() + " does not exist)";
            } else if (!ec && access(parent.c_str(), W_OK) != 0) {
                reason += " (directory " + parent.string() + " is not writable)";
            }
        }
        throw sql_error(sql_error::kind::other, scrub_message(prefix + reason, ""));
    }
}

}  // namespace warroom::store
