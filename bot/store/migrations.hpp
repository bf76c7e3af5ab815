#pragma once

#include <vector>

#include "bot/store/sql_connection.hpp"

namespace warroom::store {

/// One schema step. Versions start at 1, grow by one, and are never edited once released:
/// a change is a new migration.
struct migration {
    int version;
    const char* name;
    const char* sql;
};

/// The dialect's migrations in version order.
const std::vector<migration>& migrations_for(sql_dialect d);

}  // namespace warroom::store
