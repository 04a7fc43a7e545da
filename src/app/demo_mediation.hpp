#pragma once
/// The demo's mediation (after demo.hpp's city): a rota of mediators for 青和居 — the community's
/// people's mediator, a Party-member volunteer, a judge of the district court, the community police
/// officer and a volunteer lawyer (the three newcomers' accounts have no password, like the carers)
/// — on duty two a day for the next two weeks, and a handful of disputes between 青和居's residents
/// at every stage: waiting, in mediation, agreed, and failed and referred to the court. Loading twice
/// changes nothing.

#include <cstdint>
#include <ostream>

#include "core/error.hpp"

namespace linli::accounts {
class AccountsService;
}
namespace linli::registry {
class RegistryService;
class ResidentService;
}  // namespace linli::registry
namespace linli::mediation {
class MediationService;
}

namespace linli::app {

struct DemoDisputes {
    bool created = false;  // false: already there, or no demo city to put them in
    int64_t mediators = 0;
    int64_t duty_days = 0;
    int64_t disputes = 0;
};

/// REQUIRES: LoadDemo has run (the city, staff_qhj and volunteer_qhj exist).
Result<DemoDisputes> LoadDemoDisputes(mediation::MediationService& mediation, accounts::AccountsService& accounts,
                                      registry::RegistryService& registry, registry::ResidentService& residents);
void PrintDemoDisputes(const DemoDisputes& summary, std::ostream& out);

}  // namespace linli::app
