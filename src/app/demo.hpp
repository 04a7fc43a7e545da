#pragma once
/// `linli demo`: a small, deterministic demo territory modelled on the reports in seeds/ and one
/// account per role, scoped as such a person would be. Loading twice changes nothing.

#include <ostream>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace linli::accounts {
class AccountsService;
}
namespace linli::registry {
class RegistryService;
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
    int nodes = 0;
    std::vector<DemoAccount> accounts;
};

Result<DemoSummary> LoadDemo(accounts::AccountsService& accounts, registry::RegistryService& registry);
void PrintDemoSummary(const DemoSummary& summary, std::ostream& out);

}  // namespace linli::app
