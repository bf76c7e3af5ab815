#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/slack_sim/simulator.hpp"

// The workspace as plain data. Not thread-safe by itself: the simulator guards it with its mutex.
namespace warroom::slack_sim {

using steady_time = std::chrono::steady_clock::time_point;

struct user_record {
    std::string id;
    std::string name;  ///< the handle, "alice"
    std::string real_name;
    std::string email;
    bool is_bot = false;
    bool deleted = false;
};

struct message_record {
    std::string ts;
    std::string user;    ///< author; the bot user id for the bot's own messages
    std::string bot_id;  ///< set for messages the bot posted
    std::string subtype;
    std::string text;
    nlohmann::json blocks;  ///< null when none
    nlohmann::json attachments;
    nlohmann::json metadata;
    std::string thread_ts;
    std::optional<std::pair<std::string, std::string>> edited;  ///< (user, ts)
    bool pinned = false;
    std::string pinned_by;
    std::map<std::string, std::vector<std::string>> reactions;  ///< name -> users, in order
    std::vector<std::string> files;
    int reply_count = 0;
    bool deleted = false;
};

struct bookmark_record {
    std::string id;
    std::string title;
    std::string link;
    std::string emoji;
    std::string type;
    long long created = 0;
};

struct channel_record {
    std::string id;
    std::string name;
    bool is_private = false;
    bool is_im = false;
    bool archived = false;
    std::string creator;
    long long created = 0;
    std::string topic;
    std::string topic_creator;
    long long topic_last_set = 0;
    std::string purpose;
    std::vector<std::string> members;      ///< join order
    std::vector<message_record> messages;  ///< oldest first
    std::vector<bookmark_record> bookmarks;

    bool is_member(const std::string& user) const;
    message_record* find_message(const std::string& ts);
};

struct ephemeral_record {
    std::string channel;
    std::string user;  ///< who sees it
    std::string ts;
    std::string text;
    nlohmann::json blocks;
    std::string source;  ///< chat.postEphemeral, slash_response, response_url
    std::string thread_ts;
};

struct view_record {
    std::string id;
    std::string user;
    std::string team_id;
    nlohmann::json view;  ///< as the bot sent it
    std::string hash;
    std::string root_view_id;
    std::string previous_view_id;
    std::string external_id;
    bool open = true;
    nlohmann::json errors;  ///< the last response_action:errors, null otherwise
    nlohmann::json submissions = nlohmann::json::array();
};

struct file_record {
    std::string id;
    std::string filename;
    std::string title;
    std::string alt_txt;
    std::string snippet_type;
    long long declared_length = 0;
    std::string bytes;
    bool uploaded = false;
    bool completed = false;
    std::vector<std::string> channels;
    long long created = 0;
};

struct trigger_record {
    steady_time issued;
    bool used = false;
    std::string user;
};

struct response_url_record {
    steady_time issued;
    int uses = 0;
    std::string kind;  ///< slash_command or block_actions
    std::string channel;
    std::string user;
    std::string message_ts;  ///< block_actions: the message the button was on
    nlohmann::json posts = nlohmann::json::array();
};

struct usergroup_record {
    std::string id;
    std::string handle;
    std::string name;
    std::vector<std::string> users;
};

class workspace {
  public:
    explicit workspace(const sim_options& options);

    /// The seed: alice, bob, the bot; #general and #incidents with everyone in them.
    void seed();

    const sim_options& options() const { return options_; }

    // Lookups by id, "name", "#name", "@handle". nullptr when unknown.
    user_record* find_user(const std::string& ref);
    channel_record* find_channel(const std::string& ref);
    channel_record* find_channel_by_name(const std::string& name);
    usergroup_record* find_usergroup(const std::string& ref);
    user_record& bot_user();

    std::string add_user(const std::string& handle, const std::string& real_name, bool is_bot,
                         const std::string& email);
    channel_record& add_channel(const std::string& name, bool is_private,
                                const std::string& creator);
    std::string add_usergroup(const std::string& handle, const std::vector<std::string>& users);
    /// The bot's DM with `user`, created on first use.
    channel_record& im_with(const std::string& user);

    /// A new message ts, strictly increasing across the workspace: "1700000000.000100".
    std::string next_ts();
    std::string next_id(char prefix);

    nlohmann::json user_json(const user_record& u) const;
    nlohmann::json channel_json(const channel_record& c) const;
    nlohmann::json message_json(const channel_record& c, const message_record& m) const;
    nlohmann::json file_json(const file_record& f) const;
    nlohmann::json view_json(const view_record& v) const;
    nlohmann::json state_json() const;

    std::vector<user_record> users;
    std::vector<channel_record> channels;
    std::vector<usergroup_record> usergroups;
    std::vector<ephemeral_record> ephemerals;
    std::map<std::string, view_record> views;
    std::map<std::string, file_record> files;
    std::map<std::string, trigger_record> triggers;
    std::map<std::string, response_url_record> response_urls;
    std::uint64_t sunk_response_posts = 0;              // see options::sink_unknown_response_urls
    std::map<std::string, std::string> socket_tickets;  ///< ticket -> "" (unused)
    /// What the bot answered to url_verification / deliveries, for read-back.
    nlohmann::json deliveries = nlohmann::json::array();

  private:
    const sim_options& options_;
    long long last_ts_micros_ = 0;
    long long id_counter_ = 0;
};

}  // namespace warroom::slack_sim
