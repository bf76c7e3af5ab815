// connect_postgres: loads the PostgreSQL module on first use (see postgres_module.hpp).
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "bot/store/postgres_module.hpp"
#include "bot/store/sql_connection.hpp"

// Set by CMake for this file only (the build tree's path in one object, not in all of them).
#ifndef WARROOM_PG_MODULE_DIR
#error "WARROOM_PG_MODULE_DIR must name the directory the build puts the PostgreSQL module in"
#endif
#ifndef WARROOM_PG_MODULE_NAME
#error "WARROOM_PG_MODULE_NAME must be the PostgreSQL module's file name"
#endif

namespace warroom::store {

namespace {

namespace fs = std::filesystem;

// WARROOM_PG_MODULE, when set, is the only place looked at. Otherwise: next to the executable
// (the build tree, or an install into one directory), the install layout's lib/warroom beside
// bin/, then the build tree this binary came from (test executables live elsewhere in it).
std::vector<std::string> module_candidates() {
    if (const char* over = std::getenv("WARROOM_PG_MODULE"); over != nullptr && *over != '\0')
        return {over};
    std::vector<std::string> out;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        out.push_back((exe.parent_path() / WARROOM_PG_MODULE_NAME).string());
        out.push_back((exe.parent_path().parent_path() / "lib" / "warroom" / WARROOM_PG_MODULE_NAME)
                          .string());
    }
    const std::string built = (fs::path(WARROOM_PG_MODULE_DIR) / WARROOM_PG_MODULE_NAME).string();
    if (std::find(out.begin(), out.end(), built) == out.end())
        out.push_back(built);
    return out;
}

pg_module_factory load_module() {
    std::string tried;
    for (const std::string& path : module_candidates()) {
        tried += (tried.empty() ? "" : ", ") + path;
        std::error_code ec;
        if (!fs::exists(path, ec))
            continue;
        // Never closed: connections it made run its code until the process ends.
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            // Present but unusable (a missing libpq, a stale build): that is worth reading.
            const char* why = dlerror();
            tried += " (" + std::string(why != nullptr ? why : "dlopen failed") + ")";
            continue;
        }
        if (void* symbol = dlsym(handle, pg_module_factory_symbol))
            return reinterpret_cast<pg_module_factory>(symbol);
        tried += " (no " + std::string(pg_module_factory_symbol) + ")";
    }
    throw sql_error(sql_error::kind::other, "PostgreSQL support not found: tried " + tried +
                                                "; rebuild or set WARROOM_PG_MODULE");
}

}  // namespace

std::unique_ptr<sql_connection> connect_postgres(const std::string& url) {
    // Loaded once, by the first caller; a failed load throws and the next call tries again.
    static const pg_module_factory connect = load_module();
    return std::unique_ptr<sql_connection>(connect(url));
}

}  // namespace warroom::store
