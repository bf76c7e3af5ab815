#include "bot/domain/text.hpp"

#include <cctype>

namespace warroom::domain {

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return std::string(s);
}

std::string slugify(std::string_view title, std::size_t max_len) {
    std::string out;
    bool pending_dash = false;
    for (const char ch : title) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 && c < 0x80) {
            if (pending_dash && !out.empty())
                out.push_back('-');
            pending_dash = false;
            out.push_back(static_cast<char>(std::tolower(c)));
        } else {
            pending_dash = true;
        }
        if (out.size() >= max_len)
            break;
    }
    if (out.size() > max_len)
        out.resize(max_len);
    while (!out.empty() && out.back() == '-')
        out.pop_back();
    return out;
}

std::string substitute(std::string_view pattern,
                       const std::vector<std::pair<std::string, std::string>>& values) {
    std::string out;
    out.reserve(pattern.size() + 32);
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] == '{') {
            const auto close = pattern.find('}', i);
            if (close != std::string_view::npos) {
                const auto key = pattern.substr(i + 1, close - i - 1);
                bool replaced = false;
                for (const auto& [k, v] : values) {
                    if (k == key) {
                        out += v;
                        replaced = true;
                        break;
                    }
                }
                if (replaced) {
                    i = close + 1;
                    continue;
                }
            }
        }
        out.push_back(pattern[i++]);
    }
    return out;
}

}  // namespace warroom::domain
