#pragma once

#include <string>

#include "bot/store/sql_connection.hpp"

// The PostgreSQL driver (libpqxx, and libpq with its chain: gnutls, krb5, ldap, ...) is a module
// of its own, libwarroom_pg.so, that connect_postgres loads on first use: a process on SQLite
// never maps those libraries. The module is built by the same compiler with the same flags, so
// C++ types and exceptions cross the boundary as within one binary.
namespace warroom::store {

/// The module's one exported symbol, and its type.
inline constexpr const char* pg_module_factory_symbol = "warroom_pg_connect";
using pg_module_factory = sql_connection* (*)(const std::string& url);

}  // namespace warroom::store

/// Opens a connection (the caller owns it) or throws sql_error, exactly as connect_postgres.
extern "C" warroom::store::sql_connection* warroom_pg_connect(const std::string& url);
