#pragma once

#include <cstddef>
#include <string_view>

namespace warroom::commands {

/// Names of diagnostics, runbooks and teams as config files declare them: lower-case letters,
/// digits, '.', '-' and '_', starting with a letter or digit, at most 64 characters.
inline bool is_config_name(std::string_view name) {
    if (name.empty() || name.size() > 64)
        return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '-' && c != '_')))
            return false;
    }
    return true;
}

}  // namespace warroom::commands
