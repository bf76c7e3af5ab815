// Password redaction for URLs and driver messages. A file of its own because the PostgreSQL
// module (libwarroom_pg.so) compiles it too: the module sees none of the executable's symbols.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "bot/store/sql_connection.hpp"
#include "bot/store/store.hpp"

namespace warroom::store {

namespace {

struct span {
    std::size_t begin = std::string::npos;
    std::size_t end = std::string::npos;
    bool found() const { return begin != std::string::npos; }
};

/// Where passwords sit in a URL: after "user:" in the authority, and any "password=" query value.
std::vector<span> password_spans(const std::string& url) {
    std::vector<span> out;
    const std::size_t scheme = url.find("://");
    if (scheme == std::string::npos)
        return out;
    const std::size_t start = scheme + 3;
    const std::size_t query = url.find('?', start);
    // The last '@' before the query ends the user info, so an unescaped '@' in the password
    // is still covered.
    const std::size_t at = query == std::string::npos ? url.rfind('@') : url.rfind('@', query);
    if (at != std::string::npos && at > start) {
        const std::size_t colon = url.find(':', start);
        if (colon != std::string::npos && colon < at)
            out.push_back({colon + 1, at});
    }
    if (query != std::string::npos) {
        std::size_t pos = query;
        while (pos < url.size()) {
            const std::size_t key = pos + 1;
            std::size_t next = url.find('&', key);
            if (next == std::string::npos)
                next = url.size();
            if (url.compare(key, 9, "password=") == 0)
                out.push_back({key + 9, next});
            pos = next;
        }
    }
    return out;
}

std::string percent_decode(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() &&
            std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

void replace_all(std::string& text, const std::string& needle, const std::string& with) {
    if (needle.empty())
        return;
    for (std::size_t pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + with.size())) {
        text.replace(pos, needle.size(), with);
    }
}

}  // namespace

std::string redact_url(const std::string& url) {
    std::string out = url;
    auto spans = password_spans(url);
    // Replace from the back so earlier offsets stay valid.
    std::sort(spans.begin(), spans.end(),
              [](const span& a, const span& b) { return a.begin > b.begin; });
    for (const auto& s : spans)
        out.replace(s.begin, s.end - s.begin, "***");
    return out;
}

std::string scrub_message(const std::string& message, const std::string& url) {
    std::string text = message;
    if (!url.empty()) {
        replace_all(text, url, redact_url(url));
        for (const auto& s : password_spans(url)) {
            const std::string raw = url.substr(s.begin, s.end - s.begin);
            replace_all(text, raw, "***");
            replace_all(text, percent_decode(raw), "***");
        }
    }
    // One line: libpq messages carry newlines and tabs ("\n\tIs the server running ...").
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        const bool space = ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ';
        if (space) {
            if (!out.empty() && out.back() != ' ')
                out.push_back(' ');
        } else {
            out.push_back(ch);
        }
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

}  // namespace warroom::store
