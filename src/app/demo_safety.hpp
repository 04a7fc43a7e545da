#pragma once
/// The demo's safety inspections (after demo.hpp's city): a few "三小" venues in 青和居's first grid
/// and a handful of inspections by its grid worker — of venues, a building's e-bike charging, a fire
/// escape, a rental building — whose failures are hazard orders at every stage: open, overdue,
/// rectified and waiting for the second visit, and signed off by the community office. Loading twice
/// changes nothing (inspections are idempotent by their client ids).

#include <cstdint>
#include <ostream>

#include "core/error.hpp"

namespace linli::accounts {
class AccountsService;
}
namespace linli::registry {
class RegistryService;
}
namespace linli::safety {
class SafetyService;
}

namespace linli::app {

struct DemoSafety {
    bool created = false;  // false: already there, or no demo city to put it in
    int64_t venues = 0;
    int64_t inspections = 0;
    int64_t hazards = 0;
};

/// REQUIRES: LoadDemo has run (the city, grid_qhj_01 and staff_qhj exist).
Result<DemoSafety> LoadDemoSafety(safety::SafetyService& safety, accounts::AccountsService& accounts,
                                  registry::RegistryService& registry);
void PrintDemoSafety(const DemoSafety& summary, std::ostream& out);

}  // namespace linli::app
