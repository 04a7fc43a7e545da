#pragma once
/// Configuration: built-in defaults, then a TOML file, then LINLI_* environment variables, then
/// command-line flags — each later source overrides the earlier ones.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/working_calendar.hpp"

namespace linli::app {

struct Config {
    // [server]
    std::string listen = "127.0.0.1:8080";
    int io_threads = 2;
    int workers = 64;
    int read_workers = 4;
    int64_t body_limit = 1 << 20;
    int read_timeout_s = 30;
    int idle_timeout_s = 60;
    int max_inflight = 4096;
    bool access_log = true;
    std::string log_level = "info";
    std::string web_root = "web/dist";  // the built console (index.html, assets/); "" serves none
    // [database]
    std::string db = "sqlite:var/linli.db";
    int db_readers = 4;
    // [auth]
    int idle_session_s = 30 * 60;
    int absolute_session_s = 12 * 60 * 60;
    int max_failed_logins = 5;
    int lock_s = 15 * 60;
    std::string password_cost = "interactive";  // interactive | minimum (tests only)
    // [security]
    std::string key_file = "var/linli.key";  // encrypts ID numbers and phones; keep it out of backups of the DB
    // [community]
    std::string timezone = "Asia/Shanghai";
    // The working calendar that SLA deadlines count in, as written in config (see CalendarConfigFrom).
    std::string working_hours = "09:00-12:00,13:30-18:00";
    std::string weekend_days = "6,7";  // ISO weekdays, 1 = Monday
    std::string holidays;              // none built in: each community lists the year's public holidays
    std::string extra_workdays;        // weekend days worked in exchange (调休)
    // [notify]
    int notify_poll_s = 5;              // the deliverer looks for due notifications at least this often
    int notify_max_attempts = 10;       // webhook attempts before a delivery is marked failed
    int notify_webhook_timeout_s = 10;  // one webhook POST, connect included
    int notify_outbox_retention_days = 30;  // delivered outbox rows are pruned after this; 0: kept for ever
    // [storage] order attachments (docs/attachments.md)
    std::string attachments_dir = "var/attachments";  // shared storage when several instances serve
    int64_t attachment_max_bytes = 10 * 1024 * 1024;
    int attachments_per_order = 20;
    // [devices] incoming device alarms (docs/devices.md)
    int device_dedupe_minutes = 10;  // repeated alarms of one device within this join its open order; 0: never
    // [orders] the deadline scheduler (ADR 0005 "Scheduler")
    int scheduler_interval_s = 30;      // it looks at least this often (sooner when a deadline comes first)
    int escalation_step_hours = 8;      // working hours between automatic rungs on one missed deadline
};

/// One setting as it appears in each source: TOML key "server.listen", env LINLI_LISTEN, flag --listen.
struct SettingInfo {
    std::string toml_key;
    std::string env;
    std::string flag;  // without dashes
    std::string help;
};
const std::vector<SettingInfo>& Settings();

/// Sets one setting from text; 400-style error naming the key when the value is bad.
Result<void> ApplySetting(Config& config, const std::string& toml_key, const std::string& value);

/// Reads `path` (TOML). A missing file is an error only when `required`.
Result<void> ApplyTomlFile(Config& config, const std::string& path, bool required);

/// Applies every LINLI_* variable present in `env` (name → value).
Result<void> ApplyEnvironment(Config& config, const std::map<std::string, std::string>& env);

/// Checks cross-field rules (ranges, listen address shape).
Result<void> Validate(const Config& config);

/// The community's working calendar from the [community] settings, checked by WorkingCalendar::Create
/// (so `WorkingCalendar::Create(*result)` cannot fail); errors name the setting ("community.holidays").
Result<WorkingCalendarConfig> CalendarConfigFrom(const Config& config);

/// host and port of `listen` ("HOST:PORT" or "[v6]:PORT").
Result<std::pair<std::string, uint16_t>> SplitListen(const std::string& listen);

}  // namespace linli::app
