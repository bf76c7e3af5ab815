#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bot/http/message.hpp"

namespace warroom::http {

/// The explicit (method, path) → handler table. Filled at start; read-only while serving, so
/// lookups need no lock.
class router {
  public:
    /// Routes requests whose path equals `path` exactly. A second handler for the same method
    /// and path throws std::invalid_argument, so a wiring mistake stops startup.
    void add(std::string method, std::string path, handler h);
    /// Routes every path starting with `prefix` (e.g. "/api/incidents/"); the longest matching
    /// prefix wins, and an exact route wins over any prefix. Duplicates throw as for add().
    void add_prefix(std::string method, std::string prefix, handler h);

    /// What a lookup found: the handler, or why there is none.
    struct match_result {
        const handler* target = nullptr;  ///< null when no route takes this method and path
        bool path_known = false;          ///< some route has this path (→ 405, not 404)
        std::string allow;                ///< "GET, POST" for the 405 Allow header
    };
    match_result match(std::string_view method, std::string_view path) const;

    bool empty() const { return exact_.empty() && prefixes_.empty(); }

  private:
    struct methods {
        std::vector<std::pair<std::string, handler>> by_method;
        const handler* find(std::string_view method) const;
        void collect(std::vector<std::string_view>& out) const;
    };
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };

    static void insert(methods& m, std::string method, handler h, std::string_view what);

    std::unordered_map<std::string, methods, string_hash, std::equal_to<>> exact_;
    std::vector<std::pair<std::string, methods>> prefixes_;  ///< longest first
};

}  // namespace warroom::http
