#pragma once
/// `linli demo`: the deterministic demo city modelled on the reports in seeds/ (demo_city.hpp),
/// one account per role, scoped as such a person would be, and the grid workers, building heads and
/// household-link leaders who look after the city, with a few gaps. Loading twice changes nothing.

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
}  // namespace linli::registry

namespace linli::app {

/// Every demo account has this password; README.md says so and says to change it.
inline constexpr const char* kDemoPassword = "Linli-demo-2026";

struct DemoAccount {
    std::string username;
    std::string role;
    std::string scope;  // the name of the node it is scoped to, or "everything"
};

/// How well one community's people are looked after once the demo's carers are assigned.
struct DemoCoverage {
    std::string community;  // "青和居社区"
    int64_t grids = 0;
    int64_t grids_with_worker = 0;
    int64_t buildings = 0;
    int64_t buildings_with_head = 0;
    int64_t households = 0;
    int64_t households_with_link_leader = 0;
};

struct DemoSummary {
    bool created = false;  // false: the demo was already there
    int64_t nodes = 0;
    int64_t residents = 0;
    std::vector<DemoAccount> accounts;  // the demo's own accounts, one per role, with kDemoPassword
    // The carers this load assigned, demo accounts included. Their accounts have no password:
    // nobody logs in as them until an administrator sets one.
    int64_t grid_workers = 0;
    int64_t building_heads = 0;
    int64_t link_leaders = 0;
    std::vector<DemoCoverage> coverage;  // per community
};

/// `progress`, when set, is told each community's name as its people are loaded.
Result<DemoSummary> LoadDemo(accounts::AccountsService& accounts, registry::RegistryService& registry,
                             registry::ResidentService& residents, registry::AssignmentService& assignments,
                             std::ostream* progress = nullptr);
void PrintDemoSummary(const DemoSummary& summary, std::ostream& out);

}  // namespace linli::app
