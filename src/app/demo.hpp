#pragma once
/// `linli demo`: the deterministic demo city modelled on the reports in seeds/ (demo_city.hpp) and
/// one account per role, scoped as such a person would be. Loading twice changes nothing.

#include <ostream>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace linli::accounts {
class AccountsService;
}
namespace linli::registry {
class RegistryService;
class ResidentService;
class AssignmentService;
}

namespace linli::app {

/// Every demo account has this password; README.md says so and says to change it.
inline constexpr const char* kDemoPassword = "Linli-demo-2026";

struct DemoAccount {
    std::string username;
    std::string role;
    std::string scope;  // the name of the node it is scoped to, or "everything"
};

struct DemoSummary {
    bool created = false;  // false: the demo was already there
    int64_t nodes = 0;
    int64_t residents = 0;
    std::vector<DemoAccount> accounts;
};

/// `progress`, when set, is told each community's name as its people are loaded.
Result<DemoSummary> LoadDemo(accounts::AccountsService& accounts, registry::RegistryService& registry,
                             registry::ResidentService& residents, registry::AssignmentService& assignments,
                             std::ostream* progress = nullptr);
void PrintDemoSummary(const DemoSummary& summary, std::ostream& out);

}  // namespace linli::app
