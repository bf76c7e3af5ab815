#include "bot/service/incident_service.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <map>

#include "bot/domain/text.hpp"

namespace warroom::service {

using domain::event_kind;
using nlohmann::json;

namespace {

constexpr int max_conflict_retries = 3;
constexpr const char* war_room = "$incident";

std::string at(const std::string& user) {
    return user.empty() ? "nobody" : "@" + user;
}

std::string_view emoji(domain::severity s) {
    switch (s) {
        case domain::severity::sev0:
        case domain::severity::sev1:
            return "🔴";
        case domain::severity::sev2:
            return "🟠";
        case domain::severity::sev3:
            return "🟡";
        case domain::severity::sev4:
            return "⚪";
    }
    return "⚪";
}

std::string cadence_text(std::chrono::seconds cadence) {
    if (cadence.count() <= 0)
        return {};
    if (cadence.count() % 60 == 0)
        return std::to_string(cadence.count() / 60) + " min";
    return std::to_string(cadence.count()) + " s";
}

/// Titles that name a security problem get the security treatment (private channel, no
/// cross-post) even without --private: seed 004 says "DO NOT publicly disclose until assessed".
bool looks_like_security_incident(const std::string& title) {
    const std::string t = domain::to_lower(title);
    for (const char* word : {"security", "breach", "unauthorized", "unauthorised", "exfiltration",
                             "compromise", "leaked credential", "intrusion"}) {
        if (t.find(word) != std::string::npos)
            return true;
    }
    return false;
}

}  // namespace

/// Everything one command needs inside its transaction: the locked incident, the time, and
/// helpers that write timeline events and outbox rows into the same transaction.
struct incident_service::tx_context {
    store::store_tx& tx;
    domain::incident inc;
    domain::time_point now;
    const command_context& ctx;
    const config::config& cfg;
    const render::renderer& templates;

    void event(event_kind kind, std::string text, json data = json::object()) {
        domain::timeline_event ev;
        ev.incident_id = inc.id;
        ev.kind = kind;
        ev.at = now;
        ev.actor = ctx.actor;
        ev.source = ctx.source;
        ev.text = std::move(text);
        ev.data = std::move(data);
        tx.append_timeline(ev);
    }

    void send(std::string kind, json payload) {
        tx.enqueue_outbox({inc.id, std::move(kind), std::move(payload)}, now);
    }

    /// `card` marks a live incident card ("war_room" or "announce") the platform may draw.
    void post(const std::string& channel, const std::string& text, const std::string& ref = {},
              const std::string& card = {}) {
        json p{{"channel", channel}, {"text", text}};
        if (!ref.empty())
            p["ref"] = ref;
        if (!card.empty())
            p["card"] = card;
        send("post", std::move(p));
    }

    bool public_incident() const { return !inc.is_private; }

    json data() const {
        const auto& policy = cfg.policy(inc.severity);
        json participants = json::array();
        for (const auto& p : inc.participants)
            participants.push_back({{"name", p}});
        return json{
            {"id", inc.id},
            {"title", inc.title},
            {"severity", std::string(domain::to_string(inc.severity))},
            {"emoji", std::string(emoji(inc.severity))},
            {"status", std::string(domain::display_name(inc.status))},
            {"commander", inc.commander},
            {"channel", inc.channel_name},
            {"is_private", inc.is_private},
            {"declared_at", domain::format_iso8601(inc.declared_at)},
            {"cadence", cadence_text(inc.update_cadence)},
            {"response_time", policy.response_time},
            {"impact", ""},
            {"description", domain::is_open(inc.status) ? inc.summary : ""},
            {"summary", inc.summary},
            {"actor", ctx.actor},
            {"now", domain::format_iso8601(now)},
            {"duration", domain::format_duration(std::chrono::duration_cast<std::chrono::seconds>(
                             now - inc.declared_at))},
            {"participants", participants}};
    }

    /// Re-renders the pinned card and the announcement so they show the current state, and
    /// re-sets the topic (it carries severity, commander and status).
    void refresh_cards() {
        if (inc.is_ticket())
            return;
        send("set_topic", {{"channel", war_room}, {"topic", domain::make_topic(inc)}});
        // "channel" names where the ref was posted, which puts the edit in that channel's
        // lane, behind the post (see store::outbox_lane).
        send("update", {{"ref", "card"},
                        {"channel", war_room},
                        {"card", "war_room"},
                        {"text", templates.render("initial", data())}});
        if (public_incident()) {
            send("update", {{"ref", "announce"},
                            {"channel", cfg.announce_channel},
                            {"card", "announce"},
                            {"text", templates.render("announce", data())}});
        }
    }

    /// Channel, topic, invitations, the pinned initial communication and the cross-post.
    void open_war_room() {
        send("create_channel", {{"name", inc.channel_name}, {"private", inc.is_private}});
        send("set_topic", {{"channel", war_room}, {"topic", domain::make_topic(inc)}});
        json users = json::array();
        for (const auto& u : {ctx.actor, inc.commander}) {
            if (!u.empty() && std::find(users.begin(), users.end(), u) == users.end()) {
                users.push_back(u);
            }
        }
        send("invite", {{"channel", war_room}, {"users", users}});
        post(war_room, templates.render("initial", data()), "card", "war_room");
        send("pin", {{"ref", "card"}, {"channel", war_room}});
        if (public_incident()) {
            post(cfg.announce_channel, templates.render("announce", data()), "announce",
                 "announce");
        }
    }

    /// Posts in the war room, or where the ticket was filed for a SEV4 ticket.
    void announce_in_room(const std::string& text) {
        post(inc.is_ticket() ? ctx.channel : std::string(war_room), text);
    }
};

incident_service::incident_service(store::store& db, const config::config& cfg,
                                   const render::renderer& templates, const domain::clock& clock)
    : db_(db), cfg_(cfg), templates_(templates), clock_(clock) {}

command_result incident_service::in_transaction(
    const command_context& ctx, const std::function<command_result(store::store_tx&)>& body) {
    for (int attempt = 1;; ++attempt) {
        try {
            command_result result;
            db_.transact([&](store::store_tx& tx) {
                if (!claim(tx, ctx)) {
                    result.duplicate = true;
                    result.text = "already applied";
                    return;
                }
                result = body(tx);
                enqueue_reply(tx, ctx, result);
            });
            result.recorded = true;
            return result;
        } catch (const user_error& e) {
            // Nothing of the command was kept; the refusal itself is answered once.
            command_result refused{false, e.what(), false, {}, {}};
            db_.transact([&](store::store_tx& tx) {
                if (!claim(tx, ctx)) {
                    refused.duplicate = true;
                    return;
                }
                enqueue_reply(tx, ctx, refused);
            });
            refused.recorded = true;
            return refused;
        } catch (const store::conflict_error& e) {
            // Another writer saved the incident in between; the whole command runs again on
            // fresh state (nothing of this attempt was committed).
            if (attempt >= max_conflict_retries)
                throw;
            spdlog::debug("retrying after conflict: {}", e.what());
        }
    }
}

bool incident_service::claim(store::store_tx& tx, const command_context& ctx) const {
    return ctx.idempotency_key.empty() ||
           tx.inbox_claim(ctx.idempotency_key, std::string(to_string(ctx.source)), clock_.now());
}

void incident_service::enqueue_reply(store::store_tx& tx, const command_context& ctx,
                                     const command_result& result) const {
    if (ctx.reply_to.is_null() || result.text.empty())
        return;
    tx.enqueue_outbox({result.incident_id,
                       "reply",
                       {{"target", ctx.reply_to}, {"text", result.text}, {"ok", result.ok}}},
                      clock_.now());
}

command_result incident_service::on_incident(const command_context& ctx,
                                             const std::function<std::string(tx_context&)>& body) {
    return in_transaction(ctx, [&](store::store_tx& tx) {
        std::optional<domain::incident> found = ctx.incident_id.empty()
                                                    ? tx.find_incident_by_channel(ctx.channel, true)
                                                    : tx.find_incident(ctx.incident_id, true);
        if (!found) {
            if (!ctx.incident_id.empty())
                throw user_error("no incident " + ctx.incident_id);
            throw user_error("#" + ctx.channel +
                             " is not an incident channel; run this in a war room "
                             "(/incident list shows them)");
        }
        const domain::incident before = *found;
        tx_context t{tx, std::move(*found), clock_.now(), ctx, cfg_, templates_};
        std::string reply = body(t);
        if (t.inc != before) {  // read-only commands (timeline, action list) write nothing
            t.inc.add_participant(ctx.actor);
            tx.update_incident(t.inc);
        }
        return command_result{true, std::move(reply), false, t.inc.id, t.inc.channel_name};
    });
}

command_result incident_service::declare(const command_context& ctx, const declare_request& req) {
    return in_transaction(ctx, [&](store::store_tx& tx) {
        const std::string title = domain::trim(req.title);
        if (title.empty())
            throw user_error("expected a title: /incident create SEV2 \"what is broken\"");
        const auto now = clock_.now();
        const auto& policy = cfg_.policy(req.severity);

        domain::incident inc;
        inc.day = domain::format_day(now);
        inc.seq = tx.next_incident_seq(inc.day);
        inc.id = domain::make_incident_id(inc.day, inc.seq);
        inc.title = title;
        inc.severity = req.severity;
        inc.is_private = req.is_private || looks_like_security_incident(title);
        inc.commander = !req.commander.empty()            ? req.commander
                        : !cfg_.default_commander.empty() ? cfg_.default_commander
                                                          : ctx.actor;
        inc.created_by = ctx.actor;
        inc.summary = domain::trim(req.description);
        inc.declared_at = now;
        inc.update_cadence = policy.update_cadence;
        if (policy.war_room) {
            inc.channel_name =
                domain::make_channel_name(cfg_.channel_name_template, cfg_.channel_prefix, inc.day,
                                          inc.seq, title, req.severity);
        }
        inc.add_participant(ctx.actor);
        inc.add_participant(inc.commander);
        tx.insert_incident(inc);

        tx_context t{tx, inc, now, ctx, cfg_, templates_};
        t.event(event_kind::declared,
                std::string(domain::to_string(inc.severity)) + " declared by " + at(ctx.actor) +
                    ": " + title + " (commander " + at(inc.commander) + ")",
                {{"severity", domain::to_string(inc.severity)},
                 {"title", title},
                 {"commander", inc.commander},
                 {"private", inc.is_private},
                 {"channel", inc.channel_name}});

        command_result result{true, {}, false, inc.id, inc.channel_name};
        if (inc.is_ticket()) {
            t.post(ctx.channel, templates_.render("sev4_ticket", t.data()));
            result.text = "Recorded ticket " + inc.id +
                          " (SEV4 is a ticket, not an incident: no war room opened)";
            return result;
        }
        t.open_war_room();
        result.text = "Declared " + inc.id + " (" + std::string(domain::to_string(inc.severity)) +
                      "): war room #" + inc.channel_name;
        if (inc.is_private && !req.is_private) {
            result.text += " (private: treated as a security incident, not cross-posted)";
        } else if (inc.is_private) {
            result.text += " (private, not cross-posted)";
        }
        return result;
    });
}

namespace {
/// Stamps the lifecycle timestamps a status reaches for the first time.
void stamp(domain::incident& inc, domain::status to, domain::time_point now) {
    if (to != domain::status::investigating && !inc.acknowledged_at)
        inc.acknowledged_at = now;
    if ((to == domain::status::monitoring || to == domain::status::resolved) && !inc.mitigated_at) {
        inc.mitigated_at = now;
    }
    if (to == domain::status::resolved)
        inc.resolved_at = now;
    if (to == domain::status::closed)
        inc.closed_at = now;
    if (to == domain::status::investigating)
        inc.resolved_at.reset();  // reopened
}
}  // namespace

command_result incident_service::set_status(const command_context& ctx, domain::status to) {
    return on_incident(ctx, [&](tx_context& t) {
        const auto from = t.inc.status;
        if (auto why = domain::check_transition(from, to))
            throw user_error(*why);
        if (to == domain::status::closed)
            throw user_error("use /incident close to close an incident");
        t.inc.status = to;
        stamp(t.inc, to, t.now);
        const std::string line = "Status " + std::string(domain::display_name(from)) + " → " +
                                 std::string(domain::display_name(to)) + " (by " + at(t.ctx.actor) +
                                 ")";
        t.event(event_kind::status_changed, line,
                {{"from", domain::to_string(from)}, {"to", domain::to_string(to)}});
        t.announce_in_room("*" + t.inc.id + "* " + line);
        t.refresh_cards();
        return "Status is now " + std::string(domain::to_string(to));
    });
}

command_result incident_service::post_update(const command_context& ctx, const std::string& text) {
    return on_incident(ctx, [&](tx_context& t) {
        const std::string body = domain::trim(text);
        if (body.empty())
            throw user_error("expected the update text: /incident update \"what changed\"");
        const bool acknowledges = domain::is_open(t.inc.status) && !t.inc.acknowledged_at;
        if (acknowledges)
            t.inc.acknowledged_at = t.now;
        t.event(event_kind::update_posted, body);
        json d = t.data();
        d["text"] = body;
        t.announce_in_room(t.templates.render("update", d));
        // The first update acknowledges: redraw the cards so their Acknowledge button goes.
        if (acknowledges)
            t.refresh_cards();
        return std::string("Update posted");
    });
}

command_result incident_service::set_severity(const command_context& ctx, domain::severity to) {
    return on_incident(ctx, [&](tx_context& t) {
        const auto from = t.inc.severity;
        if (from == to)
            throw user_error("the incident is already " + std::string(domain::to_string(to)));
        if (!domain::is_open(t.inc.status)) {
            throw user_error("the incident is " + std::string(domain::to_string(t.inc.status)) +
                             "; severity can only change while it is open");
        }
        t.inc.severity = to;
        t.inc.update_cadence = t.cfg.policy(to).update_cadence;
        const std::string line = "Severity " + std::string(domain::to_string(from)) + " → " +
                                 std::string(domain::to_string(to)) + " (by " + at(t.ctx.actor) +
                                 ")";
        t.event(event_kind::severity_changed, line,
                {{"from", domain::to_string(from)}, {"to", domain::to_string(to)}});
        if (t.inc.is_ticket() && t.cfg.policy(to).war_room) {
            // A ticket that turns out to be an incident gets its war room now.
            t.inc.channel_name =
                domain::make_channel_name(t.cfg.channel_name_template, t.cfg.channel_prefix,
                                          t.inc.day, t.inc.seq, t.inc.title, to);
            t.post(t.ctx.channel,
                   "*" + t.inc.id + "* " + line + ": opening war room #" + t.inc.channel_name);
            t.open_war_room();
            return "Severity is now " + std::string(domain::to_string(to)) + "; war room #" +
                   t.inc.channel_name;
        }
        t.announce_in_room("*" + t.inc.id + "* " + line);
        t.refresh_cards();
        return "Severity is now " + std::string(domain::to_string(to));
    });
}

command_result incident_service::set_commander(const command_context& ctx,
                                               const std::string& user) {
    return on_incident(ctx, [&](tx_context& t) {
        if (user.empty())
            throw user_error("expected a user: /incident commander @name");
        if (t.inc.commander == user)
            throw user_error(at(user) + " is already the commander");
        const std::string from = t.inc.commander;
        t.inc.commander = user;
        t.inc.add_participant(user);
        const std::string line =
            "Commander " + at(from) + " → " + at(user) + " (by " + at(t.ctx.actor) + ")";
        t.event(event_kind::role_assigned, line,
                {{"role", "commander"}, {"from", from}, {"to", user}});
        if (!t.inc.is_ticket())
            t.send("invite", {{"channel", war_room}, {"users", {user}}});
        t.announce_in_room("*" + t.inc.id + "* " + line);
        t.refresh_cards();
        return "Commander is now " + at(user);
    });
}

command_result incident_service::assign_role(const command_context& ctx, const std::string& role,
                                             const std::string& user) {
    const std::string name = domain::to_lower(role);
    if (name == "commander" || name == "ic")
        return set_commander(ctx, user);
    return on_incident(ctx, [&](tx_context& t) {
        if (user.empty())
            throw user_error("expected a user: /incident role " + name + " @name");
        std::string from;
        auto it = std::find_if(t.inc.roles.begin(), t.inc.roles.end(),
                               [&](const auto& r) { return r.role == name; });
        if (it != t.inc.roles.end()) {
            if (it->user == user)
                throw user_error(at(user) + " already holds " + name);
            from = it->user;
            it->user = user;
        } else {
            t.inc.roles.push_back({name, user});
        }
        t.inc.add_participant(user);
        const std::string line =
            "Role " + name + ": " + at(user) + (from.empty() ? "" : " (was " + at(from) + ")");
        t.event(event_kind::role_assigned, line, {{"role", name}, {"from", from}, {"to", user}});
        if (!t.inc.is_ticket())
            t.send("invite", {{"channel", war_room}, {"users", {user}}});
        t.announce_in_room("*" + t.inc.id + "* " + line);
        return at(user) + " is now " + name;
    });
}

command_result incident_service::add_note(const command_context& ctx, const std::string& text) {
    return on_incident(ctx, [&](tx_context& t) {
        const std::string body = domain::trim(text);
        if (body.empty())
            throw user_error("expected the note text: /incident note \"what you saw\"");
        t.event(event_kind::note, body);
        return std::string("Noted in the timeline of ") + t.inc.id;
    });
}

command_result incident_service::add_hypothesis(const command_context& ctx, const std::string& text,
                                                domain::confidence conf) {
    return on_incident(ctx, [&](tx_context& t) {
        const std::string body = domain::trim(text);
        if (body.empty())
            throw user_error(
                "expected the hypothesis: /incident hypothesis \"...\" --confidence high");
        const int number = static_cast<int>(t.inc.hypotheses.size()) + 1;
        t.inc.hypotheses.push_back({number, body, conf, t.ctx.actor, t.now});
        t.event(event_kind::hypothesis, body,
                {{"number", number}, {"confidence", domain::to_string(conf)}});
        t.announce_in_room("*Hypothesis #" + std::to_string(number) + "*: " + body +
                           "\n*Confidence*: " + std::string(domain::to_string(conf)) + " (" +
                           at(t.ctx.actor) + ")");
        return "Hypothesis #" + std::to_string(number) + " recorded";
    });
}

command_result incident_service::add_mitigation(const command_context& ctx,
                                                const std::string& action,
                                                const std::string& owner) {
    return on_incident(ctx, [&](tx_context& t) {
        const std::string body = domain::trim(action);
        if (body.empty())
            throw user_error(
                "expected the action: /incident mitigation \"roll back\" [--owner @name]");
        const int number = static_cast<int>(t.inc.mitigations.size()) + 1;
        t.inc.mitigations.push_back(
            {number, body, owner, domain::mitigation_state::proposed, t.now});
        if (!owner.empty())
            t.inc.add_participant(owner);
        t.event(event_kind::mitigation, body, {{"number", number}, {"owner", owner}});
        t.announce_in_room("*Mitigation #" + std::to_string(number) + "*: " + body +
                           (owner.empty() ? "" : " (owner " + at(owner) + ")"));
        return "Mitigation #" + std::to_string(number) + " recorded";
    });
}

command_result incident_service::add_action(const command_context& ctx, const action_request& req) {
    return on_incident(ctx, [&](tx_context& t) {
        const std::string body = domain::trim(req.text);
        if (body.empty())
            throw user_error("expected the action item text");
        if (req.owner.empty())
            throw user_error("expected an owner: --owner @name");
        if (!domain::is_valid_date(req.due))
            throw user_error("expected a due date as YYYY-MM-DD");
        const int number = static_cast<int>(t.inc.actions.size()) + 1;
        domain::action_item item;
        item.number = number;
        item.text = body;
        item.owner = req.owner;
        item.due = req.due;
        item.priority = req.priority.empty() ? "P2" : req.priority;
        t.inc.actions.push_back(item);
        const std::string line = "Action item #" + std::to_string(number) + ": " + body +
                                 " (owner " + at(req.owner) + ", due " + req.due + ", " +
                                 item.priority + ")";
        t.event(event_kind::action_added, line,
                {{"number", number},
                 {"owner", req.owner},
                 {"due", req.due},
                 {"priority", item.priority}});
        t.announce_in_room(line);
        return "Action item #" + std::to_string(number) + " added";
    });
}

command_result incident_service::complete_action(const command_context& ctx, int number) {
    return on_incident(ctx, [&](tx_context& t) {
        auto it = std::find_if(t.inc.actions.begin(), t.inc.actions.end(),
                               [&](const auto& a) { return a.number == number; });
        if (it == t.inc.actions.end()) {
            throw user_error("no action item #" + std::to_string(number) + " (this incident has " +
                             std::to_string(t.inc.actions.size()) + "); see /incident action list");
        }
        if (it->done)
            throw user_error("action item #" + std::to_string(number) + " is already done");
        it->done = true;
        it->done_at = t.now;
        const std::string line = "Action item #" + std::to_string(number) + " done: " + it->text;
        t.event(event_kind::action_done, line, {{"number", number}});
        t.announce_in_room(line + " (" + at(t.ctx.actor) + ")");
        return "Action item #" + std::to_string(number) + " marked done";
    });
}

command_result incident_service::list_actions(const command_context& ctx) {
    return on_incident(ctx, [&](tx_context& t) {
        if (t.inc.actions.empty())
            return "No action items for " + t.inc.id + " yet";
        std::string out = "Action items for " + t.inc.id + ":";
        for (const auto& a : t.inc.actions) {
            out += "\n" + std::string(a.done ? "☑" : "☐") + " #" + std::to_string(a.number) + " " +
                   a.text + " — " + at(a.owner) + ", due " + a.due + ", " + a.priority;
        }
        return out;
    });
}

command_result incident_service::resolve(const command_context& ctx, const std::string& summary) {
    return on_incident(ctx, [&](tx_context& t) {
        const std::string body = domain::trim(summary);
        if (body.empty())
            throw user_error("expected a summary: /incident resolve \"what fixed it\"");
        if (auto why = domain::check_transition(t.inc.status, domain::status::resolved)) {
            throw user_error(*why);
        }
        const auto from = t.inc.status;
        t.inc.status = domain::status::resolved;
        t.inc.summary = body;
        stamp(t.inc, domain::status::resolved, t.now);
        const auto took =
            std::chrono::duration_cast<std::chrono::seconds>(t.now - t.inc.declared_at);
        t.event(
            event_kind::resolved, "Resolved: " + body,
            {{"from", domain::to_string(from)}, {"summary", body}, {"duration_s", took.count()}});
        t.announce_in_room(t.templates.render("resolved", t.data()));
        if (!t.inc.is_ticket() && t.public_incident()) {
            t.post(t.cfg.announce_channel, "✅ *" + t.inc.id + "* resolved after " +
                                               domain::format_duration(took) + ": " + t.inc.title);
        }
        t.refresh_cards();
        return t.inc.id + " resolved after " + domain::format_duration(took);
    });
}

command_result incident_service::close(const command_context& ctx) {
    return on_incident(ctx, [&](tx_context& t) {
        if (auto why = domain::check_transition(t.inc.status, domain::status::closed)) {
            throw user_error(*why);
        }
        t.inc.status = domain::status::closed;
        stamp(t.inc, domain::status::closed, t.now);
        const auto open_actions = std::count_if(t.inc.actions.begin(), t.inc.actions.end(),
                                                [](const auto& a) { return !a.done; });
        t.event(event_kind::closed, "Closed by " + at(t.ctx.actor),
                {{"open_actions", open_actions}});
        json d = t.data();
        d["open_actions"] = open_actions;
        t.announce_in_room(t.templates.render("closed", d));
        t.refresh_cards();
        return t.inc.id + " closed";
    });
}

command_result incident_service::timeline(const command_context& ctx) {
    return on_incident(ctx, [&](tx_context& t) {
        json events = json::array();
        for (const auto& ev : t.tx.timeline(t.inc.id)) {
            events.push_back({{"time", domain::format_hhmm(ev.at)},
                              {"at", domain::format_iso8601(ev.at)},
                              {"kind", std::string(domain::to_string(ev.kind))},
                              {"actor", ev.actor},
                              {"text", ev.text}});
        }
        json d = t.data();
        d["events"] = events;
        return t.templates.render("timeline", d);
    });
}

command_result incident_service::list(const command_context& ctx) {
    return in_transaction(ctx, [&](store::store_tx& tx) {
        const auto incidents = tx.list_incidents({false, 50});
        if (incidents.empty())
            return command_result{true, "No open incidents. 🎉", false, {}, {}};
        const auto now = clock_.now();
        std::string out = "Open incidents (" + std::to_string(incidents.size()) + "):";
        for (const auto& inc : incidents) {
            out += "\n" + std::string(emoji(inc.severity)) + " " + inc.id + " " +
                   std::string(domain::to_string(inc.severity)) + " " +
                   std::string(domain::to_string(inc.status)) + " — " + inc.title +
                   (inc.is_ticket() ? " (ticket)" : " #" + inc.channel_name) + ", commander " +
                   at(inc.commander) + ", open " +
                   domain::format_duration(
                       std::chrono::duration_cast<std::chrono::seconds>(now - inc.declared_at));
        }
        return command_result{true, out, false, {}, {}};
    });
}

command_result incident_service::stats(const command_context& ctx) {
    return in_transaction(ctx, [&](store::store_tx& tx) {
        const auto incidents = tx.list_incidents({true, 100000});
        std::map<std::string, int> by_status;
        std::array<int, domain::severity_count> by_sev{};
        std::chrono::seconds total_ttr{0};
        int resolved = 0;
        for (const auto& inc : incidents) {
            ++by_status[std::string(domain::to_string(inc.status))];
            ++by_sev[static_cast<std::size_t>(inc.severity)];
            if (inc.resolved_at) {
                total_ttr += std::chrono::duration_cast<std::chrono::seconds>(*inc.resolved_at -
                                                                              inc.declared_at);
                ++resolved;
            }
        }
        std::string out = "Incidents: " + std::to_string(incidents.size()) + " total";
        for (const auto& [name, n] : by_status)
            out += ", " + std::to_string(n) + " " + name;
        out += "\nBy severity:";
        for (int i = 0; i < domain::severity_count; ++i) {
            out += " " + std::string(domain::to_string(static_cast<domain::severity>(i))) + "=" +
                   std::to_string(by_sev[static_cast<std::size_t>(i)]);
        }
        if (resolved > 0) {
            out += "\nMean time to resolve: " + domain::format_duration(total_ttr / resolved) +
                   " over " + std::to_string(resolved) + " resolved";
        }
        return command_result{true, out, false, {}, {}};
    });
}

command_result incident_service::acknowledge(const command_context& ctx) {
    return on_incident(ctx, [&](tx_context& t) {
        if (t.inc.acknowledged_at) {
            return "Already acknowledged at " + domain::format_hhmm(*t.inc.acknowledged_at) +
                   " UTC";
        }
        t.inc.acknowledged_at = t.now;
        const auto took =
            std::chrono::duration_cast<std::chrono::seconds>(t.now - t.inc.declared_at);
        const std::string line =
            "Acknowledged by " + at(t.ctx.actor) + " after " + domain::format_duration(took);
        t.event(event_kind::note, line, {{"acknowledged", true}});
        t.announce_in_room("*" + t.inc.id + "* " + line);
        // The cards show an Acknowledge button until the incident is acknowledged: redraw them,
        // or the button stays and invites clicks that only answer "Already acknowledged".
        t.refresh_cards();
        return std::string("Acknowledged");
    });
}

command_result incident_service::record_pin(const command_context& ctx, const pinned_message& msg) {
    return on_incident(ctx, [&](tx_context& t) {
        const std::string text = domain::trim(msg.text);
        t.event(event_kind::message_pinned, text.empty() ? "(pinned message without text)" : text,
                {{"author", msg.author}, {"ts", msg.ts}, {"permalink", msg.permalink}});
        return std::string("Pinned message recorded in the timeline");
    });
}

command_result incident_service::add_participant(const command_context& ctx,
                                                 const std::string& user) {
    return on_incident(ctx, [&](tx_context& t) {
        if (!t.inc.add_participant(user))
            return std::string("already a participant");
        t.event(event_kind::participant_joined, at(user) + " joined the war room",
                {{"user", user}});
        return at(user) + " is now a participant";
    });
}

command_result incident_service::answer(const command_context& ctx, command_result r) {
    if (r.recorded || (ctx.idempotency_key.empty() && ctx.reply_to.is_null()))
        return r;
    db_.transact([&](store::store_tx& tx) {
        if (!claim(tx, ctx)) {
            r.duplicate = true;
            return;
        }
        enqueue_reply(tx, ctx, r);
    });
    r.recorded = true;
    return r;
}

std::optional<domain::incident> incident_service::find(const std::string& incident_id) {
    std::optional<domain::incident> inc;
    db_.transact([&](store::store_tx& tx) { inc = tx.find_incident(incident_id, false); });
    return inc;
}

std::vector<domain::timeline_event> incident_service::events(const std::string& incident_id) {
    std::vector<domain::timeline_event> out;
    db_.transact([&](store::store_tx& tx) { out = tx.timeline(incident_id); });
    return out;
}

}  // namespace warroom::service
