#include "commands/handlers/handlers.hpp"
#include "commands/registry.hpp"

namespace warroom::commands {

registry make_default_registry() {
    registry r;
    // The order here is the order of /incident help: the incident's life from declare to close.
    register_create(r);
    register_status(r);
    register_update(r);
    register_sev(r);
    register_commander(r);
    register_role(r);
    register_note(r);
    register_hypothesis(r);
    register_mitigation(r);
    register_diag(r);
    register_runbook(r);
    register_page(r);
    register_action(r);
    register_cadence(r);
    register_snooze(r);
    register_resolve(r);
    register_close(r);
    register_timeline(r);
    register_postmortem(r);
    register_list(r);
    register_stats(r);
    register_help(r);
    return r;
}

}  // namespace warroom::commands
