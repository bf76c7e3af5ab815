#pragma once

#include <functional>
#include <memory>
#include <string>

#include "bot/store/sql_connection.hpp"
#include "bot/store/store.hpp"

namespace warroom::store {

using connection_factory = std::function<std::unique_ptr<sql_connection>()>;

/// The one store implementation over sql_connection. `first` is an already open connection (the
/// eager check at startup); further connections come from `factory`, at most `pool_size`.
/// `upkeep`, if any, lives as long as the store.
std::unique_ptr<store> make_sql_store(connection_factory factory,
                                      std::unique_ptr<sql_connection> first, int pool_size,
                                      std::unique_ptr<sql_housekeeper> upkeep = nullptr);

/// Database time text: "2024-01-15T14:30:00.123456789Z", UTC, fixed width so that string order
/// is time order; nanoseconds so a time_point survives a round trip unchanged.
std::string format_db_time(domain::time_point t);
domain::time_point parse_db_time(const std::string& text);

}  // namespace warroom::store
