#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace warroom::render {

/// A template that does not load or does not render; names the file and the line.
class template_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// The message templates every installation has. A user's templates directory must provide each
/// of them (missing ones fall back to the built-in file of the same name).
inline const std::vector<std::string>& required_templates() {
    static const std::vector<std::string> names{"initial",         "update",      "resolved",
                                                "customer_status", "sev4_ticket", "announce",
                                                "closed",          "timeline"};
    return names;
}

/// Mustache templates (`NAME.mustache`) loaded once at start and checked: every file parses and
/// renders against a sample incident. Rendering is pure and thread-safe.
class renderer {
  public:
    /// Loads from `user_dir` (may be empty) over `builtin_dir`. Throws template_error.
    renderer(const std::string& builtin_dir, const std::string& user_dir);

    /// Renders template `name` with `data` (a JSON object; nested objects and arrays are
    /// sections). Text is not HTML-escaped: the output is Slack mrkdwn, not HTML.
    std::string render(const std::string& name, const nlohmann::json& data) const;

    bool has(const std::string& name) const;
    /// Where `name` was loaded from, for messages.
    std::string source_of(const std::string& name) const;

  private:
    struct entry {
        std::string path;
        std::string text;      // as written, for messages
        std::string prepared;  // standalone tag lines removed (see renderer.cpp)
    };
    std::map<std::string, entry> templates_;
};

/// The data contract: a sample of every key the service passes to the templates (common incident
/// keys plus the per-template ones). Templates are checked against it at load, and a tag naming a
/// key that is not in it is an error, so a typo fails at start instead of rendering nothing.
const nlohmann::json& sample_data();

/// The built-in templates directory: $WARROOM_TEMPLATES_DIR, else the installed share directory,
/// else the source tree's templates/ (so a fresh build runs without installing).
std::string builtin_templates_dir();

}  // namespace warroom::render
