#include "commands/arguments.hpp"

#include <algorithm>

#include "bot/domain/text.hpp"

namespace warroom::commands::args {

namespace {
std::string expected_form(std::string_view usage) {
    return "expected: /incident " + std::string(usage);
}
}  // namespace

void fail(std::string_view usage, std::string_view problem) {
    throw usage_error(one_line(std::string(problem) + "; " + expected_form(usage)));
}

void fail(const invocation& inv, std::string_view problem) {
    fail(inv.spec->usage, problem);
}

void reject(std::string_view usage, const value& got) {
    throw usage_error(one_line(expected_form(usage) + " (got " + quote(got.raw) + ")"));
}

void reject(const invocation& inv, const value& got) {
    reject(inv.spec->usage, got);
}

std::string quote(std::string_view raw) {
    constexpr std::size_t limit = 40;
    std::string s = one_line(raw);
    // Quoted input is shown as typed rather than wrapped in a second pair of quotes.
    const bool already_quoted = s.starts_with('"') || s.starts_with('\'') ||
                                s.starts_with("\xE2\x80\x9C") || s.starts_with("\xE2\x80\x98");
    if (s.size() > limit) {
        std::size_t cut = limit;
        // Never split a UTF-8 sequence: back off over continuation bytes.
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
            --cut;
        s = s.substr(0, cut) + "...";
    }
    return already_quoted ? s : "\"" + s + "\"";
}

const token& positional(const invocation& inv, std::size_t i, std::string_view what) {
    if (i >= inv.positionals.size())
        fail(inv, "missing " + std::string(what));
    return inv.positionals[i];
}

void at_most(const invocation& inv, std::size_t n, std::string_view usage) {
    if (inv.positionals.size() <= n)
        return;
    const auto& extra = inv.positionals[n];
    if (n == 0) {
        fail(usage,
             "/incident " + inv.spec->name + " takes no arguments (got " + quote(extra.raw) + ")");
    }
    fail(usage, "unexpected " + quote(extra.raw) + " (too many arguments)");
}

void at_most(const invocation& inv, std::size_t n) {
    at_most(inv, n, inv.spec->usage);
}

void no_flags(const invocation& inv, std::string_view usage) {
    if (!inv.flags.empty())
        fail(usage, "--" + inv.flags.begin()->first + " does not apply here");
}

namespace {
std::string checked_text(std::string text, std::string_view what, std::string_view usage,
                         std::size_t max_chars) {
    text = domain::trim(text);
    if (text.empty())
        fail(usage, std::string(what) + " must not be empty");
    const std::size_t n = utf8_length(text);
    if (n > max_chars) {
        fail(usage, std::string(what) + " is too long (" + std::to_string(n) +
                        " characters; at most " + std::to_string(max_chars) + ")");
    }
    return text;
}
}  // namespace

std::string free_text(const invocation& inv, std::size_t first, std::string_view what,
                      std::string_view usage, std::size_t max_chars) {
    const auto& ps = inv.positionals;
    if (first >= ps.size())
        fail(usage, "missing " + std::string(what));
    if (ps[first].kind == token_kind::quoted && ps.size() > first + 1) {
        fail(usage, "unexpected " + quote(ps[first + 1].raw) +
                        " after the quoted text; put all of " + std::string(what) +
                        " in one pair of quotes");
    }
    std::string text;
    std::size_t previous_end = 0;
    for (std::size_t i = first; i < ps.size(); ++i) {
        // Tokens typed without a space between them (`<@U1>,`) stay together.
        if (i > first && ps[i].offset != previous_end)
            text.push_back(' ');
        text += as_free_text(ps[i]);
        previous_end = ps[i].end();
    }
    return checked_text(std::move(text), what, usage, max_chars);
}

std::string text_value(const value& v, std::string_view what, std::string_view usage,
                       std::size_t max_chars) {
    token t;
    static_cast<value&>(t) = v;
    return checked_text(as_free_text(t), what, usage, max_chars);
}

std::string user(const value& v, std::string_view usage) {
    if (v.kind != token_kind::user)
        reject(usage, v);
    return v.text;
}

std::optional<std::string> user_flag(const invocation& inv, std::string_view flag,
                                     std::string_view usage) {
    const value* v = inv.flag(flag);
    if (v == nullptr)
        return std::nullopt;
    return user(*v, usage);
}

std::string word(const value& v, std::string_view usage) {
    if (v.kind != token_kind::word)
        reject(usage, v);
    return domain::to_lower(v.text);
}

std::size_t utf8_length(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Optimal string alignment: a swap of two neighbours ("stauts") counts as one typo.
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

std::optional<std::string> closest(std::string_view typed, const std::vector<std::string>& names) {
    std::optional<std::string> best;
    std::size_t best_distance = 3;
    const std::string lowered = domain::to_lower(typed);
    for (const auto& name : names) {
        const std::size_t d = edit_distance(lowered, name);
        // A distance as long as the word itself is no resemblance ("x" vs "ls").
        if (d < best_distance && d < std::max(lowered.size(), name.size())) {
            best = name;
            best_distance = d;
        }
    }
    return best;
}

std::string one_line(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
            c = ' ';
    }
    return out;
}

}  // namespace warroom::commands::args
