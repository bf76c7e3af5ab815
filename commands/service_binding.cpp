#include "commands/registry.hpp"
#include "commands/service_port.hpp"

namespace warroom::commands {

using result = service_port::result;
using context = service_port::context;

result service_binding::declare(const context& ctx, const service::declare_request& req) {
    return svc_.declare(ctx, req);
}
result service_binding::set_status(const context& ctx, domain::status to) {
    return svc_.set_status(ctx, to);
}
result service_binding::post_update(const context& ctx, const std::string& text) {
    return svc_.post_update(ctx, text);
}
result service_binding::set_severity(const context& ctx, domain::severity to) {
    return svc_.set_severity(ctx, to);
}
result service_binding::set_commander(const context& ctx, const std::string& user) {
    return svc_.set_commander(ctx, user);
}
result service_binding::assign_role(const context& ctx, const std::string& role,
                                    const std::string& user) {
    return svc_.assign_role(ctx, role, user);
}
result service_binding::add_note(const context& ctx, const std::string& text) {
    return svc_.add_note(ctx, text);
}
result service_binding::add_hypothesis(const context& ctx, const std::string& text,
                                       domain::confidence conf) {
    return svc_.add_hypothesis(ctx, text, conf);
}
result service_binding::add_mitigation(const context& ctx, const std::string& action,
                                       const std::string& owner) {
    return svc_.add_mitigation(ctx, action, owner);
}
result service_binding::add_action(const context& ctx, const service::action_request& req) {
    return svc_.add_action(ctx, req);
}
result service_binding::complete_action(const context& ctx, int number) {
    return svc_.complete_action(ctx, number);
}
result service_binding::list_actions(const context& ctx) {
    return svc_.list_actions(ctx);
}
result service_binding::resolve(const context& ctx, const std::string& summary) {
    return svc_.resolve(ctx, summary);
}
result service_binding::close(const context& ctx) {
    return svc_.close(ctx);
}
result service_binding::timeline(const context& ctx) {
    return svc_.timeline(ctx);
}
result service_binding::list(const context& ctx) {
    return svc_.list(ctx);
}
result service_binding::stats(const context& ctx) {
    return svc_.stats(ctx);
}

// Lives here, not in registry.cpp, so the parse layer links without the service's symbols.
service::command_result registry::dispatch(std::string_view text,
                                           const service::command_context& ctx,
                                           service::incident_service& service) const {
    service_binding binding(service);
    // Answers that never reached the service (grammar errors, help, capabilities not in this
    // release) are recorded too, so a redelivered request is answered once.
    return service.answer(ctx, dispatch(text, ctx, static_cast<service_port&>(binding)));
}

}  // namespace warroom::commands
