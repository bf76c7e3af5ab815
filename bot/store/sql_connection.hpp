#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/store/store.hpp"

// A minimal SQL connection: one query implementation (sql_store) runs on two drivers. Driver
// headers (SQLiteCpp, libpqxx) stay inside the driver .cpp files.
namespace warroom::store {

/// A parameter or column value; nullopt is SQL NULL. Everything travels as text, which both
/// databases convert to the column type.
using sql_value = std::optional<std::string>;
using sql_params = std::vector<sql_value>;
using sql_row = std::vector<sql_value>;

struct sql_result {
    std::vector<sql_row> rows;
    std::int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

enum class sql_dialect { sqlite, postgres };

/// A database error from a driver, already one line and free of secrets.
class sql_error : public store_error {
  public:
    enum class kind {
        other,
        transient,  // busy/locked, serialization failure, deadlock: retrying the transaction helps
        broken,     // the connection is gone; it must not go back to the pool
    };
    sql_error(kind k, const std::string& message) : store_error(message), kind_(k) {}
    kind error_kind() const { return kind_; }

  private:
    kind kind_;
};

/// One connection, used by one thread at a time. SQL uses $1, $2, ... placeholders on both
/// dialects (SQLite treats them as named parameters, so a placeholder may repeat).
class sql_connection {
  public:
    virtual ~sql_connection() = default;

    virtual sql_dialect dialect() const = 0;
    /// Starts a write transaction (BEGIN IMMEDIATE on SQLite).
    virtual void begin() = 0;
    virtual void commit() = 0;
    /// Never throws; a connection whose rollback failed reports broken() afterwards.
    virtual void rollback() noexcept = 0;
    virtual bool in_transaction() const = 0;
    /// True once the connection failed in a way that makes it unusable.
    virtual bool broken() const = 0;
    /// One statement with bound parameters; inside the open transaction if there is one.
    virtual sql_result exec(const std::string& sql, const sql_params& params = {}) = 0;
    /// Several statements without parameters (migrations).
    virtual void exec_script(const std::string& sql) = 0;
};

/// `target` is a file path, or a "file:" URI when `uri` is true. With `auto_checkpoint` off the
/// connection never checkpoints the WAL itself (a sqlite_checkpointer must). Throws sql_error.
std::unique_ptr<sql_connection> connect_sqlite(const std::string& target, bool uri,
                                               bool auto_checkpoint = true);

/// Background upkeep a store owns for its lifetime.
class sql_housekeeper {
  public:
    virtual ~sql_housekeeper() = default;
};

/// Checkpoints the SQLite WAL of `path` every 250 ms from a thread of its own, so that commits
/// on connections opened without auto_checkpoint never pay for it. Throws sql_error.
std::unique_ptr<sql_housekeeper> start_sqlite_checkpointer(const std::string& path);
/// `url` is a libpq connection URI. Errors name the redacted URL, never the password. The first
/// call loads the PostgreSQL module (postgres_module.hpp); without it, throws sql_error naming
/// the paths tried.
std::unique_ptr<sql_connection> connect_postgres(const std::string& url);

/// Makes a driver message safe for one log line: newlines folded, the URL's password (plain and
/// percent-decoded) replaced by "***".
std::string scrub_message(const std::string& message, const std::string& url);

}  // namespace warroom::store
