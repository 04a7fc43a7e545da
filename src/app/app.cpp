#include "app/app.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "app/openapi.hpp"
#include "http/json_io.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "modules/accounts/password.hpp"
#include "modules/accounts/routes.hpp"
#include "modules/accounts/service.hpp"
#include "core/field_crypto.hpp"
#include "modules/registry/assignment_routes.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/import_jobs.hpp"
#include "modules/registry/register_file_routes.hpp"
#include "modules/registry/resident_routes.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/routes.hpp"
#include "modules/registry/service.hpp"

namespace linli::app {

struct App::Impl {
    Config config;
    const Clock* clock = nullptr;
    metrics::Registry metrics;
    std::unique_ptr<storage::Database> db;
    std::unique_ptr<FieldCrypto> crypto;
    std::unique_ptr<registry::RegistryService> registry;
    std::unique_ptr<registry::ResidentService> residents;
    std::unique_ptr<registry::ImportJobs> imports;
    std::unique_ptr<registry::AssignmentService> assignments;
    std::unique_ptr<accounts::AccountsService> accounts;
    http::Router router;
    std::unique_ptr<http::Pipeline> pipeline;
    std::unique_ptr<http::Server> server;
};

Result<std::unique_ptr<storage::Database>> OpenDatabase(const Config& config, metrics::Registry* metrics) {
    if (config.db.starts_with("sqlite:")) {
        // Create the folder of a relative SQLite path (var/linli.db) on first run.
        std::filesystem::path path(config.db.substr(7));
        if (path.has_parent_path()) {
            std::error_code ec;
            std::filesystem::create_directories(path.parent_path(), ec);
        }
    }
    storage::Options options;
    options.url = config.db;
    options.readers = config.db_readers;
    options.metrics = metrics;
    LINLI_ASSIGN_OR_RETURN(auto db, storage::Open(options));
    LINLI_ASSIGN_OR_RETURN(int applied, db->Migrate());
    if (applied > 0) {
        spdlog::info("applied {} migration(s)", applied);
    }
    return db;
}

Result<std::unique_ptr<registry::ResidentService>> MakeResidentService(const Config& config, storage::Database& db,
                                                                     const Clock& clock, const FieldCrypto& crypto,
                                                                     registry::RegistryService& territory) {
    LINLI_TRY(registry::FixedUtcOffset(config.timezone));  // a clear message instead of a throw
    registry::ResidentServiceOptions options;
    options.time_zone = config.timezone;
    return std::make_unique<registry::ResidentService>(db, clock, crypto, territory, options);
}

namespace {

// Routes that belong to no module: health, metrics, the API description.
void RegisterSystemRoutes(http::Router& router, storage::Database& db, metrics::Registry& metrics) {
    router.Add(
        http::Method::kGet, "/healthz", http::AccessRule::Public(),
        [&db](http::Request&) -> Result<http::Response> {
            // Healthy means the database answers a read, not just that the process is up.
            auto ok = db.Read([](storage::Conn& c) -> Result<void> {
                LINLI_TRY(c.Query("SELECT 1"));
                return {};
            });
            if (!ok) {
                return Error{ErrorCode::kUnavailable, "database unavailable", {}};
            }
            return http::JsonResponse(200, {{"status", "ok"}});
        },
        "Liveness and database reachability");
    router.Add(
        http::Method::kGet, "/metrics", http::AccessRule::Public(),
        [&metrics](http::Request&) -> Result<http::Response> {
            // Storage publishes its own figures (queue depth, batch sizes) into the same registry.
            return http::TextResponse(200, metrics.RenderPrometheus(), "text/plain; version=0.0.4; charset=utf-8");
        },
        "Prometheus metrics");
    router.Add(
        http::Method::kGet, "/api/v1/openapi.json", http::AccessRule::Public(),
        [](http::Request&) -> Result<http::Response> {
            http::Response r;
            r.body = std::string(kOpenApiJson);
            r.AddHeader("Cache-Control", "public, max-age=300");
            return r;
        },
        "This API's OpenAPI description");
}

}  // namespace

App::App() : impl_(std::make_unique<Impl>()) {}
App::~App() {
    if (impl_ && impl_->db) {
        impl_->db->Close();
    }
}

Result<std::unique_ptr<App>> App::Create(const Config& config, const Clock& clock,
                                         const DatabaseFactory& open_db) {
    LINLI_TRY(Validate(config));
    std::unique_ptr<App> app(new App());
    Impl& s = *app->impl_;
    s.config = config;
    s.clock = &clock;
    if (open_db) {
        s.db = open_db(&s.metrics);
        LINLI_TRY(s.db->Migrate());
    } else {
        LINLI_ASSIGN_OR_RETURN(s.db, OpenDatabase(config, &s.metrics));
    }

    s.registry = std::make_unique<registry::RegistryService>(*s.db, clock);
    LINLI_ASSIGN_OR_RETURN(s.crypto, FieldCrypto::OpenKeyFile(config.key_file));
    LINLI_ASSIGN_OR_RETURN(s.residents, MakeResidentService(config, *s.db, clock, *s.crypto, *s.registry));
    accounts::AccountsOptions account_options;
    account_options.idle_timeout_s = config.idle_session_s;
    account_options.absolute_timeout_s = config.absolute_session_s;
    account_options.max_failed_logins = config.max_failed_logins;
    account_options.lock_seconds = config.lock_s;
    account_options.cost =
        config.password_cost == "minimum" ? accounts::PasswordCost::Minimum() : accounts::PasswordCost::Interactive();
    auto* registry_service = s.registry.get();
    s.accounts = std::make_unique<accounts::AccountsService>(
        *s.db, clock, account_options,
        [registry_service](const std::vector<int64_t>& ids) { return registry_service->ResolveScope(ids); });

    RegisterSystemRoutes(s.router, *s.db, s.metrics);
    accounts::RegisterRoutes(s.router, *s.accounts);
    registry::RegisterRoutes(s.router, *s.registry);
    registry::RegisterResidentRoutes(s.router, *s.residents);
    s.imports = std::make_unique<registry::ImportJobs>(*s.residents, clock);
    s.assignments = std::make_unique<registry::AssignmentService>(*s.db, clock, *s.registry);
    registry::RegisterFileRoutes(s.router, *s.residents, *s.assignments, *s.imports, *s.db, clock);
    registry::RegisterAssignmentRoutes(s.router, *s.assignments);

    s.pipeline = std::make_unique<http::Pipeline>(s.router, accounts::MakeAuthenticator(*s.accounts), s.metrics,
                                                  http::PipelineOptions{config.access_log});
    LINLI_ASSIGN_OR_RETURN(auto listen, SplitListen(config.listen));
    http::ServerOptions server_options;
    server_options.host = listen.first;
    server_options.port = listen.second;
    server_options.io_threads = config.io_threads;
    server_options.workers = config.workers;
    server_options.read_workers = config.read_workers;
    server_options.body_limit = static_cast<size_t>(config.body_limit);
    server_options.read_timeout = std::chrono::seconds(config.read_timeout_s);
    server_options.idle_timeout = std::chrono::seconds(config.idle_timeout_s);
    server_options.max_inflight = config.max_inflight;
    s.server = std::make_unique<http::Server>(server_options, *s.pipeline, s.metrics);
    return app;
}

Result<void> App::Start() { return impl_->server->Start(); }
uint16_t App::port() const { return impl_->server->port(); }

void App::RunUntilStopped() {
    impl_->server->RunUntilStopped();
    // Every request has been answered; now make sure queued writes are durable before exit.
    impl_->db->Close();
}

void App::Stop() { impl_->server->Stop(); }
storage::Database& App::db() { return *impl_->db; }
accounts::AccountsService& App::accounts() { return *impl_->accounts; }
registry::RegistryService& App::registry() { return *impl_->registry; }
registry::ResidentService& App::residents() { return *impl_->residents; }
metrics::Registry& App::metrics() { return impl_->metrics; }

std::vector<std::pair<std::string, std::string>> App::RouteList() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : impl_->router.routes()) {
        out.emplace_back(std::string(http::MethodName(r.method)), r.pattern);
    }
    return out;
}

}  // namespace linli::app
