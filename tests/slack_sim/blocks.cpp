#include "tests/slack_sim/blocks.hpp"

#include <set>
#include <vector>

#include "tests/slack_sim/sim_impl.hpp"
#include "tests/slack_sim/util.hpp"

namespace warroom::slack_sim {

using nlohmann::json;

namespace {

const std::set<std::string>& block_types() {
    static const std::set<std::string> t = {
        "section",   "header", "context", "actions",  "divider", "image", "input",
        "rich_text", "file",   "video",   "markdown", "call",    "table", "context_actions"};
    return t;
}

struct checker {
    std::vector<std::string> errors;

    void fail(const std::string& what, const std::string& pointer) {
        errors.push_back("[ERROR] " + what + " [json-pointer:" + pointer + "]");
    }

    std::size_t text_len(const json& j) {
        return j.is_string() ? util::utf8_length(j.get_ref<const std::string&>()) : 0;
    }

    // A composition text object; `plain_only` for header, button and modal texts.
    void text_object(const json& t, const std::string& p, std::size_t max, bool plain_only) {
        if (!t.is_object() || !t.contains("type") || !t.contains("text") ||
            !t["text"].is_string()) {
            fail("must be a text object", p);
            return;
        }
        auto type = t["type"].is_string() ? t["type"].get<std::string>() : "";
        if (type != "plain_text" && (plain_only || type != "mrkdwn")) {
            fail(plain_only ? "must be plain_text" : "must be plain_text or mrkdwn", p + "/type");
        }
        auto n = text_len(t["text"]);
        if (n == 0) {
            fail("must be more than 0 characters", p + "/text");
        } else if (n > max) {
            fail("must be less than " + std::to_string(max + 1) + " characters", p + "/text");
        }
    }

    void id_field(const json& obj, const char* key, const std::string& p) {
        if (obj.contains(key)) {
            if (!obj[key].is_string()) {
                fail("must be a string", p + "/" + key);
            } else if (text_len(obj[key]) > 255) {
                fail("must be less than 256 characters", p + "/" + key);
            }
        }
    }

    void element(const json& e, const std::string& p) {
        if (!e.is_object() || !e.contains("type") || !e["type"].is_string()) {
            fail("must provide an object with a type", p);
            return;
        }
        id_field(e, "action_id", p);
        if (e["type"] == "button") {
            if (!e.contains("text")) {
                fail("missing required field: text", p);
            } else {
                text_object(e["text"], p + "/text", 75, true);
            }
            if (e.contains("value") && text_len(e["value"]) > 2000) {
                fail("must be less than 2001 characters", p + "/value");
            }
            if (e.contains("url") && text_len(e["url"]) > 3000) {
                fail("must be less than 3001 characters", p + "/url");
            }
            if (e.contains("style") && e["style"] != "primary" && e["style"] != "danger") {
                fail("must be one of primary, danger", p + "/style");
            }
        }
    }

    void block(const json& b, const std::string& p, std::set<std::string>& ids) {
        if (!b.is_object() || !b.contains("type") || !b["type"].is_string()) {
            fail("must provide an object with a type", p);
            return;
        }
        auto type = b["type"].get<std::string>();
        if (block_types().count(type) == 0) {
            fail("unsupported type: " + type, p + "/type");
            return;
        }
        id_field(b, "block_id", p);
        if (b.contains("block_id") && b["block_id"].is_string() &&
            !ids.insert(b["block_id"].get<std::string>()).second) {
            fail("duplicate block_id", p + "/block_id");
        }
        if (type == "section") {
            if (!b.contains("text") && !b.contains("fields")) {
                fail("must provide text or fields", p);
            }
            if (b.contains("text")) {
                text_object(b["text"], p + "/text", 3000, false);
            }
            if (b.contains("fields")) {
                const auto& f = b["fields"];
                if (!f.is_array() || f.size() > 10) {
                    fail("no more than 10 items allowed", p + "/fields");
                } else {
                    for (std::size_t i = 0; i < f.size(); ++i) {
                        text_object(f[i], p + "/fields/" + std::to_string(i), 2000, false);
                    }
                }
            }
            if (b.contains("accessory")) {
                element(b["accessory"], p + "/accessory");
            }
        } else if (type == "header") {
            if (!b.contains("text")) {
                fail("missing required field: text", p);
            } else {
                text_object(b["text"], p + "/text", 150, true);
            }
        } else if (type == "context" || type == "actions") {
            std::size_t max = type == "context" ? 10 : 25;
            if (!b.contains("elements") || !b["elements"].is_array() || b["elements"].empty()) {
                fail("missing required field: elements", p);
            } else if (b["elements"].size() > max) {
                fail("no more than " + std::to_string(max) + " items allowed", p + "/elements");
            } else if (type == "actions") {
                for (std::size_t i = 0; i < b["elements"].size(); ++i) {
                    element(b["elements"][i], p + "/elements/" + std::to_string(i));
                }
            }
        } else if (type == "input") {
            if (!b.contains("label")) {
                fail("missing required field: label", p);
            } else {
                text_object(b["label"], p + "/label", 2000, true);
            }
            if (!b.contains("element")) {
                fail("missing required field: element", p);
            } else {
                element(b["element"], p + "/element");
            }
        } else if (type == "image") {
            if (!b.contains("image_url") && !b.contains("slack_file")) {
                fail("missing required field: image_url", p);
            }
            if (!b.contains("alt_text")) {
                fail("missing required field: alt_text", p);
            }
        }
    }
};

}  // namespace

void validate_blocks(const json& blocks, std::size_t max_blocks, const std::string& pointer,
                     const std::string& error_code) {
    checker c;
    if (!blocks.is_array()) {
        c.fail("must be an array", pointer);
    } else if (blocks.size() > max_blocks) {
        c.fail("no more than " + std::to_string(max_blocks) + " items allowed", pointer);
    } else {
        std::set<std::string> ids;
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            c.block(blocks[i], pointer + "/" + std::to_string(i), ids);
        }
    }
    if (!c.errors.empty()) {
        throw api_error(error_code, c.errors);
    }
}

void validate_view(const json& view) {
    if (view.dump().size() > 250 * 1024) {
        throw api_error("view_too_large");
    }
    checker c;
    if (!view.is_object()) {
        throw api_error("invalid_arguments", {"[ERROR] must be an object [json-pointer:/view]"});
    }
    auto type = view.value("type", "");
    if (type != "modal") {
        c.fail("must be one of modal", "/view/type");
    }
    if (!view.contains("title")) {
        c.fail("missing required field: title", "/view");
    } else {
        c.text_object(view["title"], "/view/title", 24, true);
    }
    for (const char* key : {"submit", "close"}) {
        if (view.contains(key)) {
            c.text_object(view[key], std::string("/view/") + key, 24, true);
        }
    }
    if (!view.contains("blocks")) {
        c.fail("missing required field: blocks", "/view");
    } else {
        try {
            validate_blocks(view["blocks"], 100, "/view/blocks", "invalid_arguments");
        } catch (const api_error& e) {
            c.errors.insert(c.errors.end(), e.messages().begin(), e.messages().end());
        }
        bool has_input = false;
        if (view["blocks"].is_array()) {
            for (const auto& b : view["blocks"]) {
                has_input = has_input || (b.is_object() && b.value("type", "") == "input");
            }
        }
        if (has_input && !view.contains("submit")) {
            c.fail("must provide submit when the view has input blocks", "/view/submit");
        }
    }
    if (view.contains("private_metadata") && c.text_len(view["private_metadata"]) > 3000) {
        c.fail("must be less than 3001 characters", "/view/private_metadata");
    }
    c.id_field(view, "callback_id", "/view");
    c.id_field(view, "external_id", "/view");
    if (!c.errors.empty()) {
        throw api_error("invalid_arguments", c.errors);
    }
}

bool find_action(const json& blocks, const std::string& action_id, std::string& block_id,
                 json& element) {
    if (!blocks.is_array()) {
        return false;
    }
    for (const auto& b : blocks) {
        if (!b.is_object()) {
            continue;
        }
        std::vector<const json*> candidates;
        if (b.contains("elements") && b["elements"].is_array()) {
            for (const auto& e : b["elements"]) {
                candidates.push_back(&e);
            }
        }
        for (const char* key : {"accessory", "element"}) {
            if (b.contains(key)) {
                candidates.push_back(&b[key]);
            }
        }
        for (const auto* e : candidates) {
            if (e->is_object() && e->value("action_id", "") == action_id) {
                block_id = b.value("block_id", "");
                element = *e;
                return true;
            }
        }
    }
    return false;
}

}  // namespace warroom::slack_sim
