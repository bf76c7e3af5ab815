#include "bot/slack/form.hpp"

namespace warroom::slack {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string form_decode(std::string_view component) {
    std::string out;
    out.reserve(component.size());
    for (std::size_t i = 0; i < component.size(); ++i) {
        const char c = component[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%') {
            const int hi = i + 1 < component.size() ? hex_value(component[i + 1]) : -1;
            const int lo = i + 2 < component.size() ? hex_value(component[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                throw form_error("malformed percent escape at byte " + std::to_string(i));
            }
            out.push_back(static_cast<char>((hi << 4) | lo));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

form_fields parse_form(std::string_view body) {
    form_fields fields;
    std::size_t offset = 0;
    while (offset <= body.size()) {
        std::size_t amp = body.find('&', offset);
        if (amp == std::string_view::npos)
            amp = body.size();
        const std::string_view field = body.substr(offset, amp - offset);
        if (!field.empty()) {
            const std::size_t eq = field.find('=');
            try {
                if (eq == std::string_view::npos) {
                    fields.emplace_back(form_decode(field), std::string());
                } else {
                    fields.emplace_back(form_decode(field.substr(0, eq)),
                                        form_decode(field.substr(eq + 1)));
                }
            } catch (const form_error&) {
                // Report the position in the whole body, not inside the field.
                throw form_error("malformed percent escape in form field " +
                                 std::to_string(fields.size() + 1));
            }
        }
        offset = amp + 1;
    }
    return fields;
}

const std::string* find_field(const form_fields& fields, std::string_view key) {
    for (const auto& [k, v] : fields) {
        if (k == key)
            return &v;
    }
    return nullptr;
}

std::string form_encode(std::string_view component) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(component.size());
    for (const char ch : component) {
        const auto c = static_cast<unsigned char>(ch);
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '*' || c == '-' || c == '.' || c == '_';
        if (keep) {
            out.push_back(ch);
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0x0f]);
        }
    }
    return out;
}

std::string encode_form(const form_fields& fields) {
    std::string out;
    for (const auto& [key, value] : fields) {
        if (!out.empty())
            out.push_back('&');
        out += form_encode(key);
        out.push_back('=');
        out += form_encode(value);
    }
    return out;
}

}  // namespace warroom::slack
