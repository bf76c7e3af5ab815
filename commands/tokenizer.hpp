#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace warroom::commands {

/// Malformed command text (unterminated quote, `--` with no name, `<@>`...). The message is one
/// line and says what was expected.
class syntax_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class token_kind {
    word,       // bare text; also `<https://…>` links and `<!here>` (text "@here")
    quoted,     // "double", 'single' or “smart” quoted text, quotes removed
    user,       // @alice, <@U123ABC>, <@U123ABC|alice>
    usergroup,  // <!subteam^S123|@sre>
    channel,    // #name, <#C123>, <#C123|name>
    flag,       // --name or --name=value (also —name, as macOS autocorrects "--")
    param,      // key=value
};

/// One lexical unit as the user typed it.
struct value {
    token_kind kind = token_kind::word;
    /// word/quoted: the text, HTML entities decoded. user/usergroup/channel: the Slack id when the
    /// bracket form gave one, else the handle or channel name. flag: the name without dashes.
    /// param: the key.
    std::string text;
    /// The display part of <@U123|alice>, <#C123|name>, <!subteam^S1|@sre>, <url|label>.
    std::string label;
    /// Exactly as typed (still HTML-escaped).
    std::string raw;
    /// Byte offset of `raw` in the input; tokens with no space between them touch.
    std::size_t offset = 0;

    std::size_t end() const { return offset + raw.size(); }
};

struct token : value {
    /// The part after '=' of `--flag=value` and `key=value`, classified like any other value.
    std::optional<value> attached;
};

/// Splits the text after `/incident` into tokens. Throws syntax_error.
std::vector<token> tokenize(std::string_view text);

/// Decodes the three entities Slack escapes in user text: &amp; &lt; &gt;.
std::string html_unescape(std::string_view text);

/// The token as it should reappear inside free text: decoded text for words and quoted strings,
/// the raw form for mentions and links so Slack still renders them; key=value as typed.
std::string as_free_text(const token& t);

std::string_view to_string(token_kind k);

}  // namespace warroom::commands
