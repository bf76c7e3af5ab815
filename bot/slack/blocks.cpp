#include "bot/slack/blocks.hpp"

#include <optional>
#include <stdexcept>

#include "bot/domain/text.hpp"

namespace warroom::slack {

using nlohmann::json;

namespace {

constexpr std::string_view ellipsis = "\u2026";  // one UTF-16 unit
constexpr std::string_view replacement = "\uFFFD";
constexpr std::size_t max_label_chars = 2000;
constexpr std::size_t max_placeholder_chars = 150;

struct code_point {
    std::size_t bytes = 1;
    std::size_t utf16_units = 1;
    bool valid = false;
};

// Decodes the UTF-8 sequence at s[i]; rejects overlong forms, surrogates and values past U+10FFFF.
code_point decode(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80)
        return {1, 1, true};
    std::size_t len = 0;
    char32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
        cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        cp = b0 & 0x07;
    } else {
        return {};
    }
    if (i + len > s.size())
        return {};
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80)
            return {};
        cp = (cp << 6) | (b & 0x3F);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    if (overlong || surrogate || cp > 0x10FFFF)
        return {};
    return {len, cp >= 0x10000 ? 2u : 1u, true};
}

std::string sanitize_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const code_point c = decode(s, i);
        if (c.valid) {
            out.append(s.substr(i, c.bytes));
        } else {
            out.append(replacement);
        }
        i += c.bytes;
    }
    return out;
}

// Longest prefix of valid UTF-8 `s` whose length is at most `budget` UTF-16 units.
std::string_view prefix_within(std::string_view s, std::size_t budget) {
    std::size_t units = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        const code_point c = decode(s, i);
        if (units + c.utf16_units > budget)
            break;
        units += c.utf16_units;
        i += c.bytes;
    }
    return s.substr(0, i);
}

std::string_view trim_trailing_space(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string short_quote(std::string_view s) {
    std::string out;
    for (const char ch : s.substr(0, 40)) {
        const auto c = static_cast<unsigned char>(ch);
        out.push_back(c >= 0x20 && c < 0x7f ? ch : '?');
    }
    return "'" + out + "'";
}

bool is_slack_id(std::string_view s, std::string_view first_chars) {
    if (s.size() < 2 || first_chars.find(s.front()) == std::string_view::npos)
        return false;
    for (const char c : s.substr(1)) {
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

std::string channel_reference(const domain::incident& inc) {
    if (is_slack_id(inc.channel_id, "CGD"))
        return "<#" + inc.channel_id + ">";
    if (!inc.channel_name.empty())
        return "#" + escape(inc.channel_name);
    return "_none (ticket)_";
}

json field(std::string_view label, std::string_view value) {
    return mrkdwn_text("*" + std::string(label) + "*\n" + std::string(value), max_field_chars);
}

json summary_blocks(const domain::incident& inc, std::string_view text) {
    json blocks = json::array();
    blocks.push_back(header_block(std::string(domain::to_string(inc.severity)) + ": " + inc.title));
    blocks.push_back({{"type", "section"},
                      {"fields", json::array({
                                     field("Status", domain::display_name(inc.status)),
                                     field("Severity", domain::to_string(inc.severity)),
                                     field("Commander", user_mention(inc.commander)),
                                     field("Channel", channel_reference(inc)),
                                 })}});
    if (!text.empty())
        blocks.push_back(section_block(text));
    std::string context = "`" + escape(inc.id) + "`";
    if (!inc.created_by.empty())
        context += " · declared by " + user_mention(inc.created_by);
    if (inc.is_private)
        context += " · :lock: private";
    if (inc.acknowledged_at)
        context += " · acknowledged";
    blocks.push_back(context_block(context));
    return blocks;
}

json button(std::string_view label, std::string_view action_id, std::string_view value,
            std::string_view style = {}) {
    json b = {{"type", "button"},
              {"text", plain_text(label, max_button_chars)},
              {"action_id", std::string(action_id)},
              {"value", truncate_text(value, 2000)}};
    if (!style.empty())
        b["style"] = std::string(style);
    return b;
}

json input_block(std::string_view block_id, std::string_view label, json element, bool optional,
                 std::string_view hint = {}) {
    json b = {{"type", "input"},
              {"block_id", std::string(block_id)},
              {"label", plain_text(label, max_label_chars)},
              {"element", std::move(element)},
              {"optional", optional}};
    if (!hint.empty())
        b["hint"] = plain_text(hint, max_label_chars);
    return b;
}

json text_input(std::string_view action_id, bool multiline, std::size_t max_length,
                std::string_view placeholder) {
    json e = {{"type", "plain_text_input"},
              {"action_id", std::string(action_id)},
              {"multiline", multiline},
              {"max_length", max_length}};
    if (!placeholder.empty())
        e["placeholder"] = plain_text(placeholder, max_placeholder_chars);
    return e;
}

json severity_option(domain::severity s, const severity_descriptions& descriptions) {
    json o = {{"text", plain_text(domain::to_string(s), max_option_chars)},
              {"value", std::string(domain::to_string(s))}};
    const std::string& d = descriptions[static_cast<std::size_t>(domain::to_index(s))];
    if (!d.empty())
        o["description"] = plain_text(d, max_option_chars);
    return o;
}

json severity_select(domain::severity initial, const severity_descriptions& descriptions) {
    json options = json::array();
    for (int i = 0; i < domain::severity_count; ++i) {
        options.push_back(severity_option(static_cast<domain::severity>(i), descriptions));
    }
    return {{"type", "static_select"},
            {"action_id", std::string(ids::severity_block)},
            {"placeholder", plain_text("Choose a severity", max_placeholder_chars)},
            {"options", std::move(options)},
            // Must equal one of the options exactly, so it is built by the same function.
            {"initial_option", severity_option(initial, descriptions)}};
}

json modal(std::string_view callback_id, std::string_view title, std::string_view submit,
           std::string_view private_metadata, json blocks) {
    if (text_length(private_metadata) > max_private_metadata_chars) {
        throw std::length_error("private_metadata longer than 3000 characters");
    }
    return {{"type", "modal"},
            {"callback_id", std::string(callback_id)},
            {"title", plain_text(title, max_modal_title_chars)},
            {"submit", plain_text(submit, max_modal_title_chars)},
            {"close", plain_text("Cancel", max_modal_title_chars)},
            {"private_metadata", sanitize_utf8(private_metadata)},
            {"blocks", fit_blocks(std::move(blocks), max_view_blocks)}};
}

// ---- submissions

void expect_view(const view_submission& s, std::string_view callback_id) {
    if (s.view.callback_id != callback_id) {
        throw payload_error("view " + short_quote(s.view.callback_id) + " is not " +
                            std::string(callback_id));
    }
}

std::string incident_id_of(const view_submission& s) {
    if (!domain::is_incident_id(s.view.private_metadata)) {
        throw payload_error("private_metadata is not an incident id");
    }
    return s.view.private_metadata;
}

// The element of each input uses its block id as action id (see ids).
const json* input_state(const view_submission& s, std::string_view block_id) {
    return state_value(s.view, block_id, block_id);
}

std::string typed_text(const view_submission& s, std::string_view block_id) {
    const json* v = input_state(s, block_id);
    if (v == nullptr)
        return {};
    const auto it = v->find("value");
    return it != v->end() && it->is_string() ? domain::trim(it->get<std::string>()) : std::string();
}

std::optional<domain::severity> chosen_severity(const view_submission& s) {
    const json* v = input_state(s, ids::severity_block);
    if (v == nullptr)
        return std::nullopt;
    const auto opt = v->find("selected_option");
    if (opt == v->end() || !opt->is_object())
        return std::nullopt;  // null when deselected
    const auto value = opt->find("value");
    if (value == opt->end() || !value->is_string())
        return std::nullopt;
    return domain::parse_severity(value->get<std::string>());
}

bool checkbox_checked(const view_submission& s, std::string_view block_id,
                      std::string_view option_value) {
    const json* v = input_state(s, block_id);
    if (v == nullptr)
        return false;
    const auto selected = v->find("selected_options");
    if (selected == v->end() || !selected->is_array())
        return false;
    for (const json& o : *selected) {
        if (!o.is_object())
            continue;
        const auto value = o.find("value");
        if (value != o.end() && value->is_string() && value->get<std::string>() == option_value) {
            return true;
        }
    }
    return false;
}

std::string chosen_user(const view_submission& s, std::string_view block_id) {
    const json* v = input_state(s, block_id);
    if (v == nullptr)
        return {};
    const auto it = v->find("selected_user");
    return it != v->end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Required free text: empty and too long are user errors, reported under the block.
void check_text(field_errors& errors, std::string_view block_id, const std::string& text,
                std::string_view what, std::size_t max_chars) {
    if (text.empty()) {
        errors[std::string(block_id)] = "Enter " + std::string(what) + ".";
    } else if (text_length(text) > max_chars) {
        errors[std::string(block_id)] =
            "Keep it to " + std::to_string(max_chars) + " characters or fewer.";
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Text and generic blocks

std::size_t text_length(std::string_view utf8) {
    std::size_t units = 0;
    for (std::size_t i = 0; i < utf8.size();) {
        const code_point c = decode(utf8, i);
        units += c.utf16_units;
        i += c.bytes;
    }
    return units;
}

std::string truncate_text(std::string_view text, std::size_t max_chars) {
    const std::string clean = sanitize_utf8(text);
    if (text_length(clean) <= max_chars)
        return clean;
    if (max_chars == 0)
        return {};
    return std::string(trim_trailing_space(prefix_within(clean, max_chars - 1))) +
           std::string(ellipsis);
}

std::string truncate_mrkdwn(std::string_view text, std::size_t max_chars) {
    const std::string clean = sanitize_utf8(text);
    if (text_length(clean) <= max_chars)
        return clean;
    if (max_chars == 0)
        return {};
    std::string_view kept = prefix_within(clean, max_chars - 1);
    // A cut inside <@U123|name> or <https://…> would show raw syntax; drop the partial token.
    if (const std::size_t open = kept.rfind('<');
        open != std::string_view::npos && kept.find('>', open) == std::string_view::npos) {
        kept = kept.substr(0, open);
    }
    // Likewise half of "&amp;" (entities are at most 5 bytes).
    if (const std::size_t amp = kept.rfind('&'); amp != std::string_view::npos &&
                                                 kept.size() - amp < 5 &&
                                                 kept.find(';', amp) == std::string_view::npos) {
        kept = kept.substr(0, amp);
    }
    return std::string(trim_trailing_space(kept)) + std::string(ellipsis);
}

json plain_text(std::string_view text, std::size_t max_chars) {
    return {{"type", "plain_text"}, {"text", truncate_text(text, max_chars)}, {"emoji", true}};
}

json mrkdwn_text(std::string_view text, std::size_t max_chars) {
    return {{"type", "mrkdwn"}, {"text", truncate_mrkdwn(text, max_chars)}};
}

json section_block(std::string_view text) {
    // Slack refuses an empty section text (1..3000 characters).
    return {{"type", "section"},
            {"text", mrkdwn_text(text.empty() ? " " : text, max_section_chars)}};
}

json header_block(std::string_view text) {
    return {{"type", "header"}, {"text", plain_text(text.empty() ? " " : text, max_header_chars)}};
}

json context_block(std::string_view text) {
    return {{"type", "context"},
            {"elements", json::array({mrkdwn_text(text.empty() ? " " : text, max_section_chars)})}};
}

json fit_blocks(json blocks, std::size_t max_blocks) {
    if (!blocks.is_array() || blocks.size() <= max_blocks || max_blocks == 0)
        return blocks;
    const std::size_t dropped = blocks.size() - (max_blocks - 1);
    blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(max_blocks - 1), blocks.end());
    blocks.push_back(context_block("_" + std::to_string(dropped) + " more blocks not shown_"));
    return blocks;
}

std::string user_mention(std::string_view user) {
    if (!user.empty() && user.front() == '@')
        user.remove_prefix(1);
    if (user.empty())
        return "_unassigned_";
    if (is_slack_id(user, "UW"))
        return "<@" + std::string(user) + ">";
    return "@" + escape(user);
}

// ---------------------------------------------------------------------------------------------
// Cards

json incident_card(const domain::incident& inc, std::string_view text) {
    json blocks = summary_blocks(inc, text);
    if (domain::is_open(inc.status)) {
        json buttons = json::array();
        if (!inc.acknowledged_at)
            buttons.push_back(button("Acknowledge", ids::ack, inc.id));
        buttons.push_back(button("Post update", ids::update, inc.id));
        buttons.push_back(button("Change severity", ids::severity, inc.id));
        buttons.push_back(button("Resolve", ids::resolve, inc.id, "danger"));
        blocks.push_back({{"type", "actions"}, {"elements", std::move(buttons)}});
    }
    return fit_blocks(std::move(blocks));
}

json announce_card(const domain::incident& inc, std::string_view text) {
    json blocks = summary_blocks(inc, text);
    // Private war rooms are never announced, but if one is, it must not invite people in.
    if (domain::is_open(inc.status) && !inc.is_private && !inc.is_ticket()) {
        blocks.push_back(
            {{"type", "actions"},
             {"elements", json::array({button("Join channel", ids::join, inc.id, "primary")})}});
    }
    return fit_blocks(std::move(blocks));
}

// ---------------------------------------------------------------------------------------------
// Modals

const severity_descriptions& default_severity_descriptions() {
    static const severity_descriptions descriptions{
        "Complete outage, data loss, security breach",
        "Major feature down, significant user impact",
        "Degraded performance, moderate impact",
        "Minor issues, workarounds available",
        "Cosmetic issues, no functional impact (a ticket)",
    };
    return descriptions;
}

json declare_modal(domain::severity default_severity, std::string_view private_metadata,
                   const severity_descriptions& descriptions) {
    json blocks = json::array();
    blocks.push_back(input_block(
        ids::title_block, "Title",
        text_input(ids::title_block, false, max_title_chars, "API error rate spike"), false));
    blocks.push_back(input_block(ids::severity_block, "Severity",
                                 severity_select(default_severity, descriptions), false,
                                 "SEV4 records a ticket and opens no war room."));
    blocks.push_back(input_block(
        ids::private_block, "Visibility",
        {{"type", "checkboxes"},
         {"action_id", std::string(ids::private_block)},
         {"options",
          json::array({{{"text", plain_text("Private incident", max_option_chars)},
                        {"description", plain_text("Private channel; never announced or put on "
                                                   "the status page",
                                                   max_option_chars)},
                        {"value", "private"}}})}},
        true));
    blocks.push_back(
        input_block(ids::commander_block, "Commander",
                    {{"type", "users_select"},
                     {"action_id", std::string(ids::commander_block)},
                     {"placeholder", plain_text("Who leads the response", max_placeholder_chars)}},
                    true, "Defaults to you."));
    blocks.push_back(input_block(
        ids::description_block, "What is happening",
        text_input(ids::description_block, true, max_section_chars, "Symptoms, impact, links"),
        true));
    return modal(ids::declare_view, "Declare incident", "Declare", private_metadata,
                 std::move(blocks));
}

json update_modal(std::string_view incident_id) {
    json blocks = json::array();
    blocks.push_back(context_block("Status update for `" + escape(incident_id) + "`"));
    blocks.push_back(input_block(
        ids::text_block, "Update",
        text_input(ids::text_block, true, max_section_chars, "What changed, what is next"), false));
    return modal(ids::update_view, "Post an update", "Post", incident_id, std::move(blocks));
}

json resolve_modal(std::string_view incident_id) {
    json blocks = json::array();
    blocks.push_back(context_block("Resolving `" + escape(incident_id) + "`"));
    blocks.push_back(input_block(ids::summary_block, "Resolution summary",
                                 text_input(ids::summary_block, true, max_section_chars,
                                            "Root cause and fix, in a sentence or two"),
                                 false));
    return modal(ids::resolve_view, "Resolve incident", "Resolve", incident_id, std::move(blocks));
}

json severity_modal(std::string_view incident_id, domain::severity current,
                    const severity_descriptions& descriptions) {
    json blocks = json::array();
    blocks.push_back(context_block("`" + escape(incident_id) + "` is " +
                                   std::string(domain::to_string(current))));
    blocks.push_back(input_block(ids::severity_block, "New severity",
                                 severity_select(current, descriptions), false));
    return modal(ids::severity_view, "Change severity", "Change", incident_id, std::move(blocks));
}

// ---------------------------------------------------------------------------------------------
// Submissions

std::variant<declare_fields, field_errors> parse_declare_submission(const view_submission& s) {
    expect_view(s, ids::declare_view);
    field_errors errors;
    declare_fields out;
    out.title = typed_text(s, ids::title_block);
    check_text(errors, ids::title_block, out.title, "a title", max_title_chars);
    const auto sev = chosen_severity(s);
    if (!sev) {
        errors[std::string(ids::severity_block)] = "Choose a severity.";
    } else {
        out.severity = *sev;
    }
    if (!errors.empty())
        return errors;
    out.is_private = checkbox_checked(s, ids::private_block, "private");
    out.commander = chosen_user(s, ids::commander_block);
    out.description = typed_text(s, ids::description_block);
    out.private_metadata = s.view.private_metadata;
    out.user_id = s.user.id;
    return out;
}

std::variant<update_fields, field_errors> parse_update_submission(const view_submission& s) {
    expect_view(s, ids::update_view);
    update_fields out{incident_id_of(s), typed_text(s, ids::text_block), s.user.id};
    field_errors errors;
    check_text(errors, ids::text_block, out.text, "the update", max_section_chars);
    if (!errors.empty())
        return errors;
    return out;
}

std::variant<resolve_fields, field_errors> parse_resolve_submission(const view_submission& s) {
    expect_view(s, ids::resolve_view);
    resolve_fields out{incident_id_of(s), typed_text(s, ids::summary_block), s.user.id};
    field_errors errors;
    check_text(errors, ids::summary_block, out.summary, "a summary", max_section_chars);
    if (!errors.empty())
        return errors;
    return out;
}

std::variant<severity_fields, field_errors> parse_severity_submission(const view_submission& s) {
    expect_view(s, ids::severity_view);
    const std::string id = incident_id_of(s);
    const auto sev = chosen_severity(s);
    if (!sev)
        return field_errors{{std::string(ids::severity_block), "Choose a severity."}};
    return severity_fields{id, *sev, s.user.id};
}

json errors_response(const field_errors& errors) {
    json e = json::object();
    for (const auto& [block, message] : errors)
        e[block] = truncate_text(message, 300);
    return {{"response_action", "errors"}, {"errors", std::move(e)}};
}

}  // namespace warroom::slack
