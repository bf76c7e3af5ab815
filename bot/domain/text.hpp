#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace warroom::domain {

std::string to_lower(std::string_view s);
std::string trim(std::string_view s);
/// Lower-case ASCII slug of a title: letters and digits kept, everything else one '-'.
/// Non-ASCII UTF-8 sequences are dropped (Slack channel names are ASCII-safe this way).
std::string slugify(std::string_view title, std::size_t max_len);
/// Replaces each {key} in `pattern` by its value; unknown keys are left as they are.
std::string substitute(std::string_view pattern,
                       const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace warroom::domain
