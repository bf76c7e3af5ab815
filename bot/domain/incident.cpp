#include "bot/domain/incident.hpp"

#include <algorithm>
#include <cstdio>

#include "bot/domain/text.hpp"

namespace warroom::domain {

std::string_view to_string(mitigation_state s) {
    return s == mitigation_state::applied ? "applied" : "proposed";
}

std::optional<mitigation_state> parse_mitigation_state(std::string_view s) {
    if (s == "applied")
        return mitigation_state::applied;
    if (s == "proposed")
        return mitigation_state::proposed;
    return std::nullopt;
}

std::string incident::role_holder(std::string_view role) const {
    if (role == "commander")
        return commander;
    for (const auto& r : roles) {
        if (r.role == role)
            return r.user;
    }
    return {};
}

bool incident::add_participant(const std::string& user) {
    if (user.empty() ||
        std::find(participants.begin(), participants.end(), user) != participants.end()) {
        return false;
    }
    participants.push_back(user);
    return true;
}

std::string make_incident_id(const std::string& day, int seq) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d", seq);
    return "INC-" + day + "-" + buf;
}

bool is_incident_id(std::string_view text) {
    // INC-YYYYMMDD-NNNN (the sequence may grow past 4 digits on a very bad day)
    if (text.size() < 17 || !text.starts_with("INC-") || text[12] != '-')
        return false;
    for (std::size_t i = 4; i < text.size(); ++i) {
        if (i == 12)
            continue;
        if (text[i] < '0' || text[i] > '9')
            return false;
    }
    return true;
}

bool is_valid_channel_name(std::string_view name) {
    if (name.empty() || name.size() > 80)
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

namespace {
std::string sanitize_channel(std::string_view raw) {
    std::string out;
    for (const char ch : raw) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 'A' && c <= 'Z') {
            out.push_back(static_cast<char>(c - 'A' + 'a'));
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
            out.push_back(static_cast<char>(c));
        } else if (!out.empty() && out.back() != '-') {
            out.push_back('-');
        }
    }
    // collapse doubled separators left by an empty slug, and trim the ends
    std::string collapsed;
    for (const char c : out) {
        if (c == '-' && !collapsed.empty() && collapsed.back() == '-')
            continue;
        collapsed.push_back(c);
    }
    while (!collapsed.empty() && (collapsed.back() == '-' || collapsed.back() == '_'))
        collapsed.pop_back();
    while (!collapsed.empty() && (collapsed.front() == '-' || collapsed.front() == '_'))
        collapsed.erase(0, 1);
    return collapsed;
}
}  // namespace

std::string make_channel_name(const std::string& pattern, const std::string& prefix,
                              const std::string& day, int seq, const std::string& title,
                              severity sev) {
    char seq_buf[16];
    std::snprintf(seq_buf, sizeof seq_buf, "%04d", seq);
    const auto build = [&](const std::string& slug) {
        return sanitize_channel(substitute(pattern, {{"prefix", prefix},
                                                     {"date", day},
                                                     {"seq", seq_buf},
                                                     {"slug", slug},
                                                     {"sev", to_lower(to_string(sev))}}));
    };
    const std::string without_slug = build("");
    std::string slug = slugify(title, 80);
    std::string name = build(slug);
    if (name.size() > 80) {
        // Shorten the slug alone so the date and sequence that make the name unique survive.
        const std::size_t room = 80 > without_slug.size() + 1 ? 80 - without_slug.size() - 1 : 0;
        slug = slugify(title, room);
        name = build(slug);
    }
    if (name.size() > 80)
        name.resize(80);
    while (!name.empty() && (name.back() == '-' || name.back() == '_'))
        name.pop_back();
    return name;
}

std::string make_topic(const incident& inc) {
    std::string topic = std::string(to_string(inc.severity)) + ": " + inc.title;
    if (!inc.commander.empty())
        topic += " | Commander: @" + inc.commander;
    if (inc.status != status::investigating)
        topic += " | " + std::string(display_name(inc.status));
    return topic;
}

}  // namespace warroom::domain
