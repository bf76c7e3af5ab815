#pragma once

namespace warroom::commands {

class registry;

// One function per handler file; make_default_registry() calls them in help order.
void register_create(registry& r);
void register_status(registry& r);
void register_update(registry& r);
void register_sev(registry& r);
void register_commander(registry& r);
void register_role(registry& r);
void register_note(registry& r);
void register_hypothesis(registry& r);
void register_mitigation(registry& r);
void register_diag(registry& r);
void register_runbook(registry& r);
void register_page(registry& r);
void register_action(registry& r);
void register_cadence(registry& r);
void register_snooze(registry& r);
void register_resolve(registry& r);
void register_close(registry& r);
void register_timeline(registry& r);
void register_postmortem(registry& r);
void register_list(registry& r);
void register_stats(registry& r);
void register_help(registry& r);

}  // namespace warroom::commands
