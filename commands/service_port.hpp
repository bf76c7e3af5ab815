#pragma once

#include <string>

#include "bot/service/incident_service.hpp"

namespace warroom::commands {

/// The use cases the handlers call, as an interface: the grammar's tests run against a recording
/// fake, and the command library links without the database behind the real service.
class service_port {
  public:
    virtual ~service_port() = default;

    using context = service::command_context;
    using result = service::command_result;

    virtual result declare(const context& ctx, const service::declare_request& req) = 0;
    virtual result set_status(const context& ctx, domain::status to) = 0;
    virtual result post_update(const context& ctx, const std::string& text) = 0;
    virtual result set_severity(const context& ctx, domain::severity to) = 0;
    virtual result set_commander(const context& ctx, const std::string& user) = 0;
    virtual result assign_role(const context& ctx, const std::string& role,
                               const std::string& user) = 0;
    virtual result add_note(const context& ctx, const std::string& text) = 0;
    virtual result add_hypothesis(const context& ctx, const std::string& text,
                                  domain::confidence conf) = 0;
    virtual result add_mitigation(const context& ctx, const std::string& action,
                                  const std::string& owner) = 0;
    virtual result add_action(const context& ctx, const service::action_request& req) = 0;
    virtual result complete_action(const context& ctx, int number) = 0;
    virtual result list_actions(const context& ctx) = 0;
    virtual result resolve(const context& ctx, const std::string& summary) = 0;
    virtual result close(const context& ctx) = 0;
    virtual result timeline(const context& ctx) = 0;
    virtual result list(const context& ctx) = 0;
    virtual result stats(const context& ctx) = 0;
};

/// Forwards every call to the real incident_service. Defined in its own translation unit so that
/// code using only the parse layer does not pull in the service's symbols.
class service_binding final : public service_port {
  public:
    explicit service_binding(service::incident_service& svc) : svc_(svc) {}

    result declare(const context& ctx, const service::declare_request& req) override;
    result set_status(const context& ctx, domain::status to) override;
    result post_update(const context& ctx, const std::string& text) override;
    result set_severity(const context& ctx, domain::severity to) override;
    result set_commander(const context& ctx, const std::string& user) override;
    result assign_role(const context& ctx, const std::string& role,
                       const std::string& user) override;
    result add_note(const context& ctx, const std::string& text) override;
    result add_hypothesis(const context& ctx, const std::string& text,
                          domain::confidence conf) override;
    result add_mitigation(const context& ctx, const std::string& action,
                          const std::string& owner) override;
    result add_action(const context& ctx, const service::action_request& req) override;
    result complete_action(const context& ctx, int number) override;
    result list_actions(const context& ctx) override;
    result resolve(const context& ctx, const std::string& summary) override;
    result close(const context& ctx) override;
    result timeline(const context& ctx) override;
    result list(const context& ctx) override;
    result stats(const context& ctx) override;

  private:
    service::incident_service& svc_;
};

}  // namespace warroom::commands
