#include "app/app.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "app/openapi.hpp"
#include "core/field_crypto.hpp"
#include "core/time_zone.hpp"
#include "core/working_calendar.hpp"
#include "http/json_io.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "modules/accounts/password.hpp"
#include "modules/accounts/routes.hpp"
#include "modules/accounts/service.hpp"
#include "modules/analytics/routes.hpp"
#include "modules/analytics/service.hpp"
#include "modules/devices/routes.hpp"
#include "modules/devices/service.hpp"
#include "modules/mediation/routes.hpp"
#include "modules/mediation/service.hpp"
#include "modules/notify/deliverer.hpp"
#include "modules/notify/outbox.hpp"
#include "modules/notify/routes.hpp"
#include "modules/notify/service.hpp"
#include "modules/notify/webhook_sender.hpp"
#include "modules/open311/routes.hpp"
#include "modules/open311/service.hpp"
#include "modules/orders/attachment_routes.hpp"
#include "modules/orders/attachment_service.hpp"
#include "modules/orders/catalog_service.hpp"
#include "modules/orders/public_routes.hpp"
#include "modules/orders/public_service.hpp"
#include "modules/orders/routes.hpp"
#include "modules/orders/scheduler.hpp"
#include "modules/orders/service.hpp"
#include "modules/orders/similar_routes.hpp"
#include "modules/orders/similar_service.hpp"
#include "modules/registry/assignment_routes.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/board_routes.hpp"
#include "modules/registry/import_jobs.hpp"
#include "modules/registry/register_file_routes.hpp"
#include "modules/registry/resident_routes.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/routes.hpp"
#include "modules/registry/service.hpp"
#include "modules/safety/routes.hpp"
#include "modules/safety/service.hpp"

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
    // Before the producers that hold an Outbox& (orders), so it outlives them.
    std::unique_ptr<notify::Deliverer> deliverer;
    std::unique_ptr<notify::Outbox> outbox;
    std::unique_ptr<notify::NotifyService> notify;
    std::unique_ptr<WorkingCalendar> calendar;
    std::unique_ptr<orders::CatalogService> order_catalog;
    std::unique_ptr<orders::OrderService> orders;
    std::unique_ptr<orders::PublicService> order_public;     // QR reports, tracking, ratings
    std::unique_ptr<open311::Open311Service> open311;        // GeoReport v2 over the orders
    std::unique_ptr<orders::SimilarService> order_similar;   // possible duplicates at intake
    std::unique_ptr<analytics::StatsService> stats;          // order statistics: rollups kept by a listener
    std::unique_ptr<orders::AttachmentService> attachments;  // photos and PDFs on orders
    std::unique_ptr<devices::DeviceService> devices;         // signed device alarms → hazard orders
    std::unique_ptr<mediation::MediationService> mediation;  // disputes: parties, roster, sessions, outcomes
    std::unique_ptr<safety::SafetyService> safety;  // inspections, venues, hazards (排查 → 整改 → 复查)
    // After the services it drives, so it is destroyed (and its thread joined) before them.
    std::unique_ptr<orders::DeadlineScheduler> scheduler;  // warnings, overdue, escalation, no-response closes
    http::Router router;
    std::unique_ptr<http::StaticFiles> web;  // the console at "/", before the pipeline that points at it
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
    LINLI_TRY(FixedUtcOffset(config.timezone));  // a clear message instead of a throw
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

// The working calendar that deadlines count in, as configured (community.* settings), for the
// console's calendar page.
void RegisterCalendarRoute(http::Router& router, const WorkingCalendarConfig& config) {
    boost::json::array spans;
    for (const auto& span : config.spans) {
        spans.emplace_back(fmt::format("{:02}:{:02}-{:02}:{:02}", span.begin_minute / 60, span.begin_minute % 60,
                                       span.end_minute / 60, span.end_minute % 60));
    }
    boost::json::array weekend(config.weekend_days.begin(), config.weekend_days.end());
    boost::json::array holidays;
    for (const auto& d : config.holidays) {
        holidays.emplace_back(d);
    }
    boost::json::array extra;
    for (const auto& d : config.extra_workdays) {
        extra.emplace_back(d);
    }
    const boost::json::value body = boost::json::object{{"timezone", config.time_zone},
                                                        {"working_hours", std::move(spans)},
                                                        {"weekend_days", std::move(weekend)},
                                                        {"holidays", std::move(holidays)},
                                                        {"extra_workdays", std::move(extra)}};
    router.Add(
        http::Method::kGet, "/api/v1/working-calendar", http::AccessRule::AnyUser(),
        [body](http::Request&) -> Result<http::Response> { return http::JsonResponse(200, body); },
        "The working calendar deadlines count in");
}

}  // namespace

App::App() : impl_(std::make_unique<Impl>()) {}
App::~App() {
    if (impl_ && impl_->scheduler) {
        impl_->scheduler->Stop();  // before the outbox it enqueues into and the database close
    }
    if (impl_ && impl_->stats) {
        impl_->stats->Stop();  // before the database it folds into closes
    }
    if (impl_ && impl_->deliverer) {
        impl_->deliverer->Stop();  // before the database it writes to closes
    }
    if (impl_ && impl_->db) {
        impl_->db->Close();
    }
}

Result<std::unique_ptr<App>> App::Create(const Config& config, const Clock& clock, const DatabaseFactory& open_db) {
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
    registry::RegisterBoardRoutes(s.router, *s.registry, *s.residents, *s.assignments);
    notify::DelivererOptions notify_options;
    notify_options.poll_seconds = config.notify_poll_s;
    notify_options.max_attempts = config.notify_max_attempts;
    notify_options.outbox_retention_s = int64_t{86400} * config.notify_outbox_retention_days;
    notify_options.delivery_lease_s =
        std::max<int64_t>(notify_options.delivery_lease_s, 4 * int64_t{config.notify_webhook_timeout_s});
    notify::CurlSenderOptions sender_options;
    sender_options.connect_timeout_ms = std::min(5000L, 1000L * config.notify_webhook_timeout_s);
    sender_options.total_timeout_ms = 1000L * config.notify_webhook_timeout_s;
    s.deliverer = std::make_unique<notify::Deliverer>(*s.db, clock, *s.crypto, notify::MakeCurlSender(sender_options),
                                                      notify_options);
    auto* deliverer = s.deliverer.get();
    s.outbox = std::make_unique<notify::Outbox>([deliverer] { deliverer->Wake(); });
    s.notify = std::make_unique<notify::NotifyService>(*s.db, clock, *s.crypto);
    // Webhook secrets from before migration 0014 are sealed with the key file before anything signs.
    LINLI_ASSIGN_OR_RETURN(int sealed, s.notify->SealStoredSecrets());
    if (sealed > 0) {
        spdlog::info("notify: sealed {} webhook secret(s) stored in clear", sealed);
    }
    notify::RegisterRoutes(s.router, *s.notify);
    LINLI_ASSIGN_OR_RETURN(auto calendar_config, CalendarConfigFrom(config));
    LINLI_ASSIGN_OR_RETURN(auto calendar, WorkingCalendar::Create(calendar_config));
    s.calendar = std::make_unique<WorkingCalendar>(std::move(calendar));
    RegisterCalendarRoute(s.router, calendar_config);
    s.order_catalog = std::make_unique<orders::CatalogService>(*s.db, clock, *s.accounts);
    s.orders = std::make_unique<orders::OrderService>(*s.db, clock, *s.calendar, *s.crypto, *s.order_catalog,
                                                      *s.registry, *s.assignments, *s.residents, *s.accounts);
    s.order_similar = std::make_unique<orders::SimilarService>(*s.db, clock, *s.registry);
    orders::RegisterRoutes(s.router, *s.orders, *s.order_catalog, clock, s.order_similar.get());
    s.open311 = std::make_unique<open311::Open311Service>(*s.db, clock, *s.orders, *s.order_catalog, *s.registry);
    s.orders->AddListener(s.open311.get());  // stores what an Open311 POST brings in the order's transaction
    open311::RegisterRoutes(s.router, *s.open311);
    s.order_public = std::make_unique<orders::PublicService>(*s.db, clock, *s.crypto, *s.orders, *s.order_catalog,
                                                             *s.registry, *s.accounts, s.outbox.get());
    orders::RegisterPublicRoutes(s.router, *s.order_public);
    orders::RegisterSimilarRoutes(s.router, *s.order_similar, *s.orders);
    analytics::StatsOptions stats_options;
    LINLI_ASSIGN_OR_RETURN(stats_options.utc_offset, FixedUtcOffset(config.timezone));
    stats_options.metrics = &s.metrics;
    s.stats = std::make_unique<analytics::StatsService>(*s.db, clock, *s.order_catalog, *s.registry, *s.assignments,
                                                        *s.accounts, stats_options);
    s.orders->AddListener(s.stats.get());  // each step rewrites the order's statistics fact
    analytics::RegisterRoutes(s.router, *s.stats);
    // First start after migration 0011, or a new time zone: count the orders there are (ADR 0007).
    if (auto fresh = s.stats->EnsureFresh(); !fresh) {
        spdlog::warn("order statistics: not rebuilt: {}", fresh.error().message);
    }
    orders::AttachmentOptions attachment_options;
    attachment_options.dir = config.attachments_dir;
    attachment_options.max_bytes = config.attachment_max_bytes;
    attachment_options.max_per_order = config.attachments_per_order;
    s.attachments = std::make_unique<orders::AttachmentService>(*s.db, clock, *s.crypto, attachment_options);
    orders::RegisterAttachmentRoutes(s.router, *s.attachments);
    // Files a crash left without their row (written, not yet recorded) are removed (docs/attachments.md).
    if (auto swept = s.attachments->SweepOrphans(); !swept) {
        spdlog::warn("attachments: orphan sweep failed: {}", swept.error().message);
    } else if (*swept > 0) {
        spdlog::info("attachments: removed {} orphaned file(s)", *swept);
    }
    devices::DeviceOptions device_options;
    device_options.dedupe_seconds = int64_t{60} * config.device_dedupe_minutes;
    s.devices = std::make_unique<devices::DeviceService>(*s.db, clock, *s.crypto, *s.orders, *s.order_catalog,
                                                         *s.registry, device_options);
    devices::RegisterRoutes(s.router, *s.devices);
    // Disputes: their record is written in the order's own transaction; only the people on a dispute
    // and leaders read it (the service registers the orders' visibility policy, ADR 0009).
    s.mediation = std::make_unique<mediation::MediationService>(*s.db, clock, *s.calendar, *s.crypto, *s.orders,
                                                                *s.order_catalog, *s.registry, *s.residents,
                                                                *s.accounts);
    s.orders->AddListener(s.mediation.get());
    mediation::RegisterRoutes(s.router, *s.mediation, clock);
    // Safety inspections: a hazard is an order of kind hazard; the service mirrors its steps and keeps
    // an inspection hazard from being answered or closed before a passed re-inspection (ADR 0008).
    safety::SafetyOptions safety_options;
    safety_options.photo_dir = (std::filesystem::path(config.attachments_dir) / "safety").string();
    safety_options.max_photo_bytes = config.attachment_max_bytes;
    LINLI_ASSIGN_OR_RETURN(safety_options.utc_offset, FixedUtcOffset(config.timezone));
    s.safety = std::make_unique<safety::SafetyService>(*s.db, clock, *s.crypto, *s.registry, *s.accounts, *s.orders,
                                                       *s.order_catalog, safety_options);
    s.orders->AddListener(s.safety.get());
    s.orders->AddStepGuard(s.safety.get());
    safety::RegisterRoutes(s.router, *s.safety);
    if (auto swept = s.safety->SweepOrphanPhotos(); !swept) {
        spdlog::warn("safety: photo orphan sweep failed: {}", swept.error().message);
    }
    // Order steps a crash left between a hazard's commit and its order (opening, sign-off, deadline).
    if (auto resumed = s.safety->ResumeUnfinished(); !resumed) {
        spdlog::warn("safety: unfinished hazard steps not resumed: {}", resumed.error().message);
    }
    // A poor rating whose reopen step a crash interrupted is finished now (ADR 0006).
    if (auto resumed = s.order_public->ResumePendingReopens(); !resumed) {
        spdlog::warn("ratings: pending reopens not finished: {}", resumed.error().message);
    }
    orders::SchedulerOptions scheduler_options;
    scheduler_options.max_sleep_s = config.scheduler_interval_s;
    scheduler_options.escalation_step_hours = config.escalation_step_hours;
    s.scheduler = std::make_unique<orders::DeadlineScheduler>(*s.db, clock, *s.calendar, *s.orders, s.outbox.get(),
                                                              s.order_public.get(), scheduler_options);

    http::PipelineOptions pipeline_options{config.access_log};
    if (!config.web_root.empty()) {
        s.web = std::make_unique<http::StaticFiles>(config.web_root);
        pipeline_options.static_files = s.web.get();
    }
    s.pipeline = std::make_unique<http::Pipeline>(s.router, accounts::MakeAuthenticator(*s.accounts), s.metrics,
                                                  pipeline_options);
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

Result<void> App::Start() {
    LINLI_TRY(impl_->server->Start());
    const auto& web_root = impl_->config.web_root;
    if (!web_root.empty() && !std::filesystem::is_regular_file(std::filesystem::path(web_root) / "index.html")) {
        static std::once_flag told;  // once per process: test binaries start many servers
        std::call_once(told, [&] {
            spdlog::warn("web console: no index.html in {} (build it with `make web`); serving the API only",
                         web_root);
        });
    }
    impl_->deliverer->Start();
    impl_->stats->Start();
    impl_->scheduler->Start();
    return {};
}
uint16_t App::port() const {
    return impl_->server->port();
}

void App::RunUntilStopped() {
    impl_->server->RunUntilStopped();
    // The scheduler writes and enqueues: stop it (its sweep in progress finishes) before the deliverer.
    impl_->scheduler->Stop();
    // No request can enqueue any more; stop delivering (an in-flight webhook POST is cancelled and
    // retried after a restart) before the database closes.
    impl_->deliverer->Stop();
    impl_->stats->Stop();
    // Every request has been answered; now make sure queued writes are durable before exit.
    impl_->db->Close();
}

void App::Stop() {
    impl_->server->Stop();
}
storage::Database& App::db() {
    return *impl_->db;
}
accounts::AccountsService& App::accounts() {
    return *impl_->accounts;
}
registry::RegistryService& App::registry() {
    return *impl_->registry;
}
registry::ResidentService& App::residents() {
    return *impl_->residents;
}
notify::Outbox& App::outbox() {
    return *impl_->outbox;
}
notify::Deliverer& App::deliverer() {
    return *impl_->deliverer;
}
orders::DeadlineScheduler& App::scheduler() {
    return *impl_->scheduler;
}
safety::SafetyService& App::safety() {
    return *impl_->safety;
}
mediation::MediationService& App::mediation() {
    return *impl_->mediation;
}
metrics::Registry& App::metrics() {
    return impl_->metrics;
}

const http::Router& App::router() const {
    return impl_->router;
}

std::vector<std::pair<std::string, std::string>> App::RouteList() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : impl_->router.routes()) {
        out.emplace_back(std::string(http::MethodName(r.method)), r.pattern);
    }
    return out;
}

}  // namespace linli::app
