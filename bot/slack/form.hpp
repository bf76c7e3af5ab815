#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace warroom::slack {

/// A malformed application/x-www-form-urlencoded body. The message is one line.
class form_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Decoded fields in the order they appeared; a key may repeat.
using form_fields = std::vector<std::pair<std::string, std::string>>;

/// Decodes a form body: fields split on '&', name and value on the first '=', '+' is a space,
/// %XX a byte (either hex case). A '%' not followed by two hex digits throws form_error. Empty
/// fields ("a=1&&b=2") are skipped and a field without '=' has an empty value, as browsers do.
form_fields parse_form(std::string_view body);

/// The first value for `key`, or nullptr.
const std::string* find_field(const form_fields& fields, std::string_view key);

/// Percent-decodes one form component ('+' is a space). Throws form_error.
std::string form_decode(std::string_view component);

/// Percent-encodes one form component: ASCII letters, digits and "*-._" stay, a space becomes
/// '+', every other byte is %XX (upper-case hex).
std::string form_encode(std::string_view component);

/// "k1=v1&k2=v2" in the given order.
std::string encode_form(const form_fields& fields);

}  // namespace warroom::slack
