#include "bot/http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace warroom::http {

namespace {

void check_method(const std::string& method) {
    const bool ok = !method.empty() && std::all_of(method.begin(), method.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    });
    if (!ok)
        throw std::invalid_argument("invalid HTTP method for a route: '" + method + "'");
}

void check_path(const std::string& path) {
    if (path.empty() || path.front() != '/' || path.find_first_of("?# \r\n") != std::string::npos)
        throw std::invalid_argument("route path must start with '/' and have no query: '" + path +
                                    "'");
}

}  // namespace

const handler* router::methods::find(std::string_view method) const {
    for (const auto& [m, h] : by_method) {
        if (m == method)
            return &h;
    }
    return nullptr;
}

void router::methods::collect(std::vector<std::string_view>& out) const {
    for (const auto& entry : by_method) {
        // The same method can be allowed through an exact route and a prefix route.
        if (std::find(out.begin(), out.end(), entry.first) == out.end())
            out.push_back(entry.first);
    }
}

void router::insert(methods& m, std::string method, handler h, std::string_view what) {
    if (!h)
        throw std::invalid_argument("empty handler for route " + method + " " + std::string(what));
    if (m.find(method) != nullptr)
        throw std::invalid_argument("duplicate route: " + method + " " + std::string(what));
    m.by_method.emplace_back(std::move(method), std::move(h));
}

void router::add(std::string method, std::string path, handler h) {
    check_method(method);
    check_path(path);
    auto& m = exact_[path];
    insert(m, std::move(method), std::move(h), path);
}

void router::add_prefix(std::string method, std::string prefix, handler h) {
    check_method(method);
    check_path(prefix);
    auto it = std::find_if(prefixes_.begin(), prefixes_.end(),
                           [&](const auto& p) { return p.first == prefix; });
    if (it == prefixes_.end()) {
        // Keep longest first so the first match during lookup is the most specific one.
        auto pos = std::find_if(prefixes_.begin(), prefixes_.end(),
                                [&](const auto& p) { return p.first.size() < prefix.size(); });
        it = prefixes_.insert(pos, {prefix, methods{}});
    }
    insert(it->second, std::move(method), std::move(h), prefix + "*");
}

router::match_result router::match(std::string_view method, std::string_view path) const {
    match_result result;
    const auto exact = exact_.find(path);
    if (exact != exact_.end()) {
        result.path_known = true;
        if ((result.target = exact->second.find(method)) != nullptr)
            return result;
    }
    for (const auto& [prefix, m] : prefixes_) {
        if (!path.starts_with(prefix))
            continue;
        result.path_known = true;
        if ((result.target = m.find(method)) != nullptr)
            return result;
    }
    if (!result.path_known)
        return result;
    // Only the failure path builds the Allow list, so a hit allocates nothing.
    std::vector<std::string_view> allowed;
    if (exact != exact_.end())
        exact->second.collect(allowed);
    for (const auto& [prefix, m] : prefixes_) {
        if (path.starts_with(prefix))
            m.collect(allowed);
    }
    for (const auto m : allowed) {
        if (!result.allow.empty())
            result.allow += ", ";
        result.allow += m;
    }
    return result;
}

}  // namespace warroom::http
