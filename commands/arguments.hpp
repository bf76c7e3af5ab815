#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.hpp"

// Shared validation for handlers' parse steps. Every failure throws usage_error with one line
// that ends in "expected: /incident <usage>", so users always see the right form.
namespace warroom::commands::args {

/// Longest title the grammar accepts (characters, not bytes).
inline constexpr std::size_t max_title_chars = 150;
/// Longest free text (updates, notes, summaries); Slack caps a message at 40k, a note is shorter.
inline constexpr std::size_t max_text_chars = 3000;

/// "<problem>; expected: /incident <usage>".
[[noreturn]] void fail(std::string_view usage, std::string_view problem);
[[noreturn]] void fail(const invocation& inv, std::string_view problem);
/// "expected: /incident <usage> (got \"<raw>\")".
[[noreturn]] void reject(std::string_view usage, const value& got);
[[noreturn]] void reject(const invocation& inv, const value& got);

/// User input quoted for an error message: shortened, on one line.
std::string quote(std::string_view raw);

/// The i-th positional, or fail "missing <what>".
const token& positional(const invocation& inv, std::size_t i, std::string_view what);
/// Fails on the first positional at index >= n.
void at_most(const invocation& inv, std::size_t n, std::string_view usage);
void at_most(const invocation& inv, std::size_t n);
/// Rejects every flag; for subcommand verbs that accept none (action done/list).
void no_flags(const invocation& inv, std::string_view usage);

/// The positionals from `first` on as one text: a single quoted string, or the bare words joined
/// as typed (people type `/incident note restarted the pods`). Not empty, at most `max_chars`.
std::string free_text(const invocation& inv, std::size_t first, std::string_view what,
                      std::string_view usage, std::size_t max_chars = max_text_chars);
/// The value of a text-valued flag, checked the same way.
std::string text_value(const value& v, std::string_view what, std::string_view usage,
                       std::size_t max_chars = max_text_chars);

/// A user mention's id or handle (no '@'); anything else is rejected against `usage`.
std::string user(const value& v, std::string_view usage);
/// The user given to `--flag`, if the flag was given.
std::optional<std::string> user_flag(const invocation& inv, std::string_view flag,
                                     std::string_view usage);

/// A single bare word (not quoted, not a mention), lower-cased: names of roles, diagnostics...
std::string word(const value& v, std::string_view usage);

std::size_t utf8_length(std::string_view s);
/// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);
/// The candidate within edit distance 2 of `typed` (closest first), if any.
std::optional<std::string> closest(std::string_view typed, const std::vector<std::string>& names);
/// Control characters (newlines included) replaced by spaces.
std::string one_line(std::string_view s);

}  // namespace warroom::commands::args
