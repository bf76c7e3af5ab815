#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

// Block Kit and modal limits (slack-platform.md §8.2), checked the way Slack rejects them.
namespace warroom::slack_sim {

/// Throws api_error(error_code) with "[ERROR] ... [json-pointer:...]" messages.
void validate_blocks(const nlohmann::json& blocks, std::size_t max_blocks,
                     const std::string& pointer, const std::string& error_code);

/// Throws api_error("invalid_arguments" / "view_too_large").
void validate_view(const nlohmann::json& view);

/// Finds the block and element carrying `action_id`; false when absent.
bool find_action(const nlohmann::json& blocks, const std::string& action_id, std::string& block_id,
                 nlohmann::json& element);

}  // namespace warroom::slack_sim
