#include "bot/http/message.hpp"

#include <nlohmann/json.hpp>

#include <boost/beast/core/string.hpp>

namespace warroom::http {

std::string request::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        // ASCII-only comparison: boost::algorithm's copies the global std::locale on every call.
        if (boost::beast::iequals(key, name))
            return value;
    }
    return {};
}

std::string_view request::query() const {
    const auto q = target.find('?');
    if (q == std::string::npos)
        return {};
    return std::string_view(target).substr(q + 1);
}

response text(int status, std::string body) {
    response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

response json(int status, const nlohmann::json& body) {
    response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = body.dump();
    return r;
}

}  // namespace warroom::http
