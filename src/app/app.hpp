#pragma once
/// The composition root: opens the database, builds every module's service, registers routes,
/// and runs the HTTP server. Tests build an App on port 0 with a ManualClock.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/config.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "storage/database.hpp"

namespace linli {
class FieldCrypto;
}
namespace linli::accounts {
class AccountsService;
}
namespace linli::http {
class Router;
}
namespace linli::notify {
class Deliverer;
class Outbox;
}  // namespace linli::notify
namespace linli::orders {
class DeadlineScheduler;
}  // namespace linli::orders
namespace linli::mediation {
class MediationService;
}  // namespace linli::mediation
namespace linli::registry {
class RegistryService;
class ResidentService;
}
namespace linli::safety {
class SafetyService;
}

namespace linli::app {

class App {
public:
    /// Opens a database given the registry its backend should publish metrics into (tests use it
    /// to run the app on a throwaway database).
    using DatabaseFactory = std::function<std::unique_ptr<storage::Database>(metrics::Registry*)>;

    /// Opens the configured database (or the factory's), migrates it, and wires the modules.
    /// Does not listen yet.
    static Result<std::unique_ptr<App>> Create(const Config& config, const Clock& clock,
                                               const DatabaseFactory& open_db = nullptr);
    ~App();

    /// Binds the listen address; after this port() is known.
    Result<void> Start();
    uint16_t port() const;
    /// Serves until SIGTERM/SIGINT or Stop(); then drains in-flight requests and flushes writes.
    void RunUntilStopped();
    void Stop();

    storage::Database& db();
    accounts::AccountsService& accounts();
    registry::RegistryService& registry();
    registry::ResidentService& residents();
    /// Where services enqueue notifications (wired to the deliverer).
    notify::Outbox& outbox();
    /// The notification deliverer (started by Start(), stopped on shutdown); tests run passes with it.
    notify::Deliverer& deliverer();
    /// The deadline scheduler (started by Start(), stopped on shutdown); tests run sweeps with it.
    orders::DeadlineScheduler& scheduler();
    /// Safety inspections (tests and the demo record inspections through it).
    safety::SafetyService& safety();
    /// Dispute mediation (the demo loads a roster and a few disputes through it).
    mediation::MediationService& mediation();
    metrics::Registry& metrics();
    /// Every route of every module; the fuzz targets run requests through it without sockets.
    const http::Router& router() const;
    /// Every registered route as (method, pattern), for the OpenAPI completeness test.
    std::vector<std::pair<std::string, std::string>> RouteList() const;

private:
    App();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The register's resident service for the configured time zone (used by App and the CLI).
Result<std::unique_ptr<registry::ResidentService>> MakeResidentService(const Config& config, storage::Database& db,
                                                                     const Clock& clock, const FieldCrypto& crypto,
                                                                     registry::RegistryService& territory);

/// Opens the configured database and applies migrations (used by `linli migrate` and the CLI).
Result<std::unique_ptr<storage::Database>> OpenDatabase(const Config& config, metrics::Registry* metrics = nullptr);

}  // namespace linli::app
