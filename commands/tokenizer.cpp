#include "commands/tokenizer.hpp"

#include <algorithm>
#include <cctype>

#include "bot/domain/text.hpp"

namespace warroom::commands {

namespace {

// UTF-8 punctuation that phones and macOS substitute while people type.
constexpr std::string_view left_double = "\xE2\x80\x9C";   // “
constexpr std::string_view right_double = "\xE2\x80\x9D";  // ”
constexpr std::string_view low_double = "\xE2\x80\x9E";    // „
constexpr std::string_view left_single = "\xE2\x80\x98";   // ‘
constexpr std::string_view right_single = "\xE2\x80\x99";  // ’
constexpr std::string_view em_dash = "\xE2\x80\x94";       // — (autocorrected "--")
constexpr std::string_view en_dash = "\xE2\x80\x93";       // –
constexpr std::string_view no_break_space = "\xC2\xA0";

bool is_ascii_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_alnum(char c) {
    return is_ascii_alpha(c) || (c >= '0' && c <= '9');
}
bool is_handle_char(char c) {
    return is_ascii_alnum(c) || c == '.' || c == '_' || c == '-';
}
bool is_channel_char(char c) {
    return is_ascii_alnum(c) || c == '_' || c == '-';
}
bool is_flag_char(char c) {
    return is_ascii_alnum(c) || c == '_' || c == '-';
}
bool is_key_char(char c) {
    return is_ascii_alnum(c) || c == '_' || c == '.' || c == '-';
}

bool all_of(std::string_view s, bool (*pred)(char)) {
    for (const char c : s) {
        if (!pred(c))
            return false;
    }
    return true;
}

// Error messages quote user input; keep them short and on one line.
std::string shown(std::string_view s) {
    constexpr std::size_t limit = 40;
    std::size_t cut = std::min(limit, s.size());
    // Never split a UTF-8 sequence: JSON encoders reject the broken bytes.
    while (cut < s.size() && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    std::string out;
    for (const char c : s.substr(0, cut)) {
        out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
    }
    if (cut < s.size())
        out += "...";
    return out;
}

class lexer {
  public:
    explicit lexer(std::string_view text) : s_(text) {}

    std::vector<token> run() {
        std::vector<token> out;
        for (;;) {
            skip_space();
            if (at_end())
                break;
            out.push_back(next());
        }
        return out;
    }

  private:
    bool at_end() const { return i_ >= s_.size(); }
    bool at(std::string_view p) const { return s_.substr(i_).starts_with(p); }

    std::size_t space_len(std::size_t pos) const {
        if (pos >= s_.size())
            return 0;
        if (std::isspace(static_cast<unsigned char>(s_[pos])) != 0)
            return 1;
        if (s_.substr(pos).starts_with(no_break_space))
            return no_break_space.size();
        return 0;
    }
    bool boundary(std::size_t pos) const { return pos >= s_.size() || space_len(pos) > 0; }
    void skip_space() {
        while (std::size_t n = space_len(i_))
            i_ += n;
    }

    token next() {
        const std::size_t start = i_;
        if (at("--"))
            return read_flag(start, 2);
        for (const auto dash : {em_dash, en_dash}) {
            if (at(dash) && i_ + dash.size() < s_.size() && is_ascii_alpha(s_[i_ + dash.size()])) {
                return read_flag(start, dash.size());
            }
        }
        if (auto key_len = param_key_len())
            return read_param(start, key_len);
        token t;
        static_cast<value&>(t) = read_value();
        return t;
    }

    token read_flag(std::size_t start, std::size_t dashes) {
        i_ += dashes;
        const std::size_t name_start = i_;
        while (!at_end() && is_flag_char(s_[i_]))
            ++i_;
        const std::string_view name = s_.substr(name_start, i_ - name_start);
        if (name.empty() && boundary(i_)) {
            throw syntax_error("empty flag name `--`: expected --name, e.g. --private");
        }
        const bool ends_ok = boundary(i_) || s_[i_] == '=';
        if (name.empty() || !is_ascii_alpha(name.front()) || !ends_ok) {
            while (!boundary(i_))
                ++i_;
            throw syntax_error("bad flag `" + shown(s_.substr(start, i_ - start)) +
                               "`: expected --name or --name=value (letters, digits, - and _)");
        }
        token t;
        t.kind = token_kind::flag;
        t.text = domain::to_lower(name);
        if (!at_end() && s_[i_] == '=') {
            ++i_;
            if (boundary(i_)) {
                throw syntax_error("missing value after `--" + std::string(name) +
                                   "=`: expected --" + std::string(name) + "=value");
            }
            t.attached = read_value();
        }
        t.raw = std::string(s_.substr(start, i_ - start));
        t.offset = start;
        return t;
    }

    // key=value is only a parameter when the key looks like an identifier and a value follows.
    std::size_t param_key_len() const {
        if (at_end() || !(is_ascii_alpha(s_[i_]) || s_[i_] == '_'))
            return 0;
        std::size_t j = i_;
        while (j < s_.size() && is_key_char(s_[j]))
            ++j;
        if (j >= s_.size() || s_[j] != '=' || boundary(j + 1))
            return 0;
        return j - i_;
    }

    token read_param(std::size_t start, std::size_t key_len) {
        token t;
        t.kind = token_kind::param;
        t.text = std::string(s_.substr(start, key_len));
        i_ += key_len + 1;
        t.attached = read_value();
        t.raw = std::string(s_.substr(start, i_ - start));
        t.offset = start;
        return t;
    }

    value read_value() {
        if (at("\"") || at(left_double) || at(right_double) || at(low_double)) {
            return read_double_quoted();
        }
        if (at("'") || at(left_single))
            return read_single_quoted();
        if (at("<"))
            return read_bracket();
        return read_bare();
    }

    std::size_t double_quote_len(std::size_t pos) const {
        for (const auto q : {std::string_view("\""), left_double, right_double}) {
            if (s_.substr(pos).starts_with(q))
                return q.size();
        }
        return 0;
    }

    value read_double_quoted() {
        const std::size_t start = i_;
        i_ += at("\"") ? 1 : 3;
        std::string content;
        for (;;) {
            if (at_end()) {
                throw syntax_error("unterminated quote in `" + shown(s_.substr(start)) +
                                   "`: expected a closing \"");
            }
            if (s_[i_] == '\\' && i_ + 1 < s_.size()) {
                if (s_[i_ + 1] == '\\') {
                    content.push_back('\\');
                    i_ += 2;
                    continue;
                }
                if (const std::size_t q = double_quote_len(i_ + 1)) {
                    content.append(s_.substr(i_ + 1, q));
                    i_ += 1 + q;
                    continue;
                }
            }
            if (const std::size_t q = double_quote_len(i_)) {
                i_ += q;
                break;
            }
            content.push_back(s_[i_++]);
        }
        return quoted_value(start, content);
    }

    /// The quoted token that ran from `start` to the current position.
    value quoted_value(std::size_t start, const std::string& content) const {
        value v;
        v.kind = token_kind::quoted;
        v.text = html_unescape(content);
        v.raw = std::string(s_.substr(start, i_ - start));
        v.offset = start;
        return v;
    }

    // A single quote only closes before a space, the end or punctuation, so apostrophes inside
    // ('don't restart') stay part of the text.
    value read_single_quoted() {
        const std::size_t start = i_;
        i_ += at("'") ? 1 : left_single.size();
        std::string content;
        for (;;) {
            if (at_end()) {
                throw syntax_error("unterminated quote in `" + shown(s_.substr(start)) +
                                   "`: expected a closing '");
            }
            const std::size_t q = at("'") ? 1 : (at(right_single) ? right_single.size() : 0);
            if (q > 0) {
                const std::size_t after = i_ + q;
                const bool closes = boundary(after) || std::string_view(",.;:!?)").find(
                                                           s_[after]) != std::string_view::npos;
                if (closes) {
                    i_ = after;
                    break;
                }
            }
            content.push_back(s_[i_++]);
        }
        return quoted_value(start, content);
    }

    value read_bracket() {
        const std::size_t start = i_;
        const std::size_t close = s_.find('>', i_);
        if (close == std::string_view::npos) {
            throw syntax_error("unterminated `" + shown(s_.substr(start)) +
                               "`: expected <@U123>, <#C123> or a link ending in >");
        }
        const std::string_view inner = s_.substr(i_ + 1, close - i_ - 1);
        i_ = close + 1;
        value v;
        v.raw = std::string(s_.substr(start, i_ - start));
        v.offset = start;
        const std::size_t bar = inner.find('|');
        const std::string_view head = inner.substr(0, bar);
        const std::string_view label =
            bar == std::string_view::npos ? std::string_view{} : inner.substr(bar + 1);
        v.label = html_unescape(label);
        if (head.starts_with('@')) {
            const auto id = head.substr(1);
            if (id.empty() || !all_of(id, is_ascii_alnum)) {
                throw syntax_error("bad mention `" + shown(v.raw) +
                                   "`: expected <@U123ABC>, <@U123ABC|name> or @handle");
            }
            v.kind = token_kind::user;
            v.text = std::string(id);
            if (v.label.starts_with('@'))
                v.label.erase(0, 1);
            return v;
        }
        if (head.starts_with('#')) {
            const auto id = head.substr(1);
            if (id.empty() || !all_of(id, is_ascii_alnum)) {
                throw syntax_error("bad channel reference `" + shown(v.raw) +
                                   "`: expected <#C123ABC>, <#C123ABC|name> or #name");
            }
            v.kind = token_kind::channel;
            v.text = std::string(id);
            return v;
        }
        if (head.starts_with("!subteam^")) {
            const auto id = head.substr(9);
            if (id.empty() || !all_of(id, is_ascii_alnum)) {
                throw syntax_error("bad user group `" + shown(v.raw) +
                                   "`: expected <!subteam^S123|@team>");
            }
            v.kind = token_kind::usergroup;
            v.text = std::string(id);
            if (v.label.starts_with('@'))
                v.label.erase(0, 1);
            return v;
        }
        if (head.starts_with('!')) {
            // <!here>, <!channel>, <!date^…|fallback>: keep them readable as words.
            v.kind = token_kind::word;
            const auto name = head.substr(1);
            if (name == "here" || name == "channel" || name == "everyone") {
                v.text = "@" + std::string(name);
            } else {
                v.text = v.label.empty() ? std::string(name) : v.label;
            }
            return v;
        }
        if (head.starts_with("http://") || head.starts_with("https://") ||
            head.starts_with("mailto:")) {
            v.kind = token_kind::word;
            v.text = html_unescape(head);
            return v;
        }
        throw syntax_error("unrecognised `" + shown(v.raw) +
                           "`: expected <@U123>, <#C123> or a link; quote text that contains <");
    }

    value read_bare() {
        const std::size_t start = i_;
        while (!boundary(i_) && s_[i_] != '<')
            ++i_;
        value v;
        v.raw = std::string(s_.substr(start, i_ - start));
        v.offset = start;
        const std::string_view rest = std::string_view(v.raw).substr(1);
        if (v.raw.front() == '@' && !rest.empty() && all_of(rest, is_handle_char)) {
            v.kind = token_kind::user;
            v.text = std::string(rest);
        } else if (v.raw.front() == '#' && !rest.empty() && all_of(rest, is_channel_char)) {
            v.kind = token_kind::channel;
            v.text = std::string(rest);
        } else {
            v.kind = token_kind::word;
            v.text = html_unescape(v.raw);
        }
        return v;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace

std::vector<token> tokenize(std::string_view text) {
    return lexer(text).run();
}

std::string html_unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '&') {
            const auto rest = text.substr(i);
            if (rest.starts_with("&amp;")) {
                out.push_back('&');
                i += 5;
                continue;
            }
            if (rest.starts_with("&lt;")) {
                out.push_back('<');
                i += 4;
                continue;
            }
            if (rest.starts_with("&gt;")) {
                out.push_back('>');
                i += 4;
                continue;
            }
        }
        out.push_back(text[i++]);
    }
    return out;
}

std::string as_free_text(const token& t) {
    switch (t.kind) {
        case token_kind::word:
        case token_kind::quoted:
            return t.raw.starts_with('<') ? t.raw : t.text;
        case token_kind::param: {
            token v;
            static_cast<value&>(v) = *t.attached;
            return t.text + "=" + as_free_text(v);
        }
        case token_kind::user:
        case token_kind::usergroup:
        case token_kind::channel:
        case token_kind::flag:
            return t.raw;
    }
    return t.raw;
}

std::string_view to_string(token_kind k) {
    switch (k) {
        case token_kind::word:
            return "word";
        case token_kind::quoted:
            return "quoted text";
        case token_kind::user:
            return "user";
        case token_kind::usergroup:
            return "user group";
        case token_kind::channel:
            return "channel";
        case token_kind::flag:
            return "flag";
        case token_kind::param:
            return "key=value";
    }
    return "token";
}

}  // namespace warroom::commands
