#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/slack_sim/sim_impl.hpp"

// The Web API's method table. web_api.cpp does transport, auth, faults and limits;
// web_api_methods.cpp holds one function per method.
namespace warroom::slack_sim {

/// One authenticated Web API call being executed, with `mu` held.
struct api_call {
    simulator::impl& sim;
    workspace& ws;
    const nlohmann::json& args;
    std::vector<std::string> warnings;
    /// Deliveries the call causes (echoes of the bot's own messages), sent after the lock.
    std::vector<delivery> deliveries;

    std::string str(const std::string& key) const;
    bool has(const std::string& key) const;
    bool flag(const std::string& key, bool fallback = false) const;
    long long integer(const std::string& key, long long fallback) const;
    /// A JSON argument (form fields carry JSON as a string). Throws api_error(error_code) when
    /// it is not valid JSON; null when absent.
    nlohmann::json json_arg(const std::string& key, const std::string& error_code) const;
};

using method_fn = nlohmann::json (*)(api_call&);

const std::map<std::string, method_fn>& api_methods();
/// Bot scopes that satisfy the method (any one); empty when none is needed.
const std::vector<std::string>& method_scopes(const std::string& method);
/// GET-style readers silently ignore a JSON body (slack-platform.md §9.2).
bool ignores_json_body(const std::string& method);
/// The scopes a bot token gets when sim_options::scopes is empty.
std::vector<std::string> default_scopes();

}  // namespace warroom::slack_sim
