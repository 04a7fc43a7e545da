#include "app/config.hpp"

#include <toml++/toml.h>

#include <charconv>
#include <filesystem>
#include <functional>
#include <optional>

namespace linli::app {

namespace {

Result<int64_t> ParseInt(const std::string& key, const std::string& v, int64_t min, int64_t max) {
    int64_t out = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc{} || p != v.data() + v.size()) {
        return InvalidArgument(key, key + " must be a whole number, got '" + v + "'");
    }
    if (out < min || out > max) {
        return InvalidArgument(key, key + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return out;
}

Result<bool> ParseBool(const std::string& key, const std::string& v) {
    if (v == "true" || v == "1" || v == "yes" || v == "on") {
        return true;
    }
    if (v == "false" || v == "0" || v == "no" || v == "off") {
        return false;
    }
    return InvalidArgument(key, key + " must be true or false, got '" + v + "'");
}

struct Setting {
    SettingInfo info;
    std::function<Result<void>(Config&, const std::string&)> set;
    bool list = false;  // a TOML array is accepted and joined with commas
};

// WorkingCalendarConfig's field names (in WorkingCalendar::Create's errors) as setting keys.
Error AsCalendarSettingError(Error error) {
    if (error.field == "spans") {
        error.field = "community.working_hours";
    } else if (error.field == "time_zone") {
        error.field = "community.timezone";
    } else {
        error.field = "community." + error.field;  // weekend_days, holidays, extra_workdays
    }
    error.message = error.field + ": " + error.message;
    return error;
}

// A calendar setting is checked on its own as it is set, so the error points at the source that
// gave it; rules between settings (a date both holiday and extra workday) wait for Validate.
std::function<Result<void>(Config&, const std::string&)> CalendarSetter(std::string Config::*member) {
    return [member](Config& c, const std::string& v) -> Result<void> {
        Config alone;
        alone.*member = v;
        LINLI_TRY(CalendarConfigFrom(alone));
        c.*member = v;
        return {};
    };
}

template <class T>
std::function<Result<void>(Config&, const std::string&)> IntSetter(T Config::*member, const std::string& key,
                                                                   int64_t min, int64_t max) {
    return [member, key, min, max](Config& c, const std::string& v) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto n, ParseInt(key, v, min, max));
        c.*member = static_cast<T>(n);
        return {};
    };
}

std::function<Result<void>(Config&, const std::string&)> StringSetter(std::string Config::*member) {
    return [member](Config& c, const std::string& v) -> Result<void> {
        c.*member = v;
        return {};
    };
}

const std::vector<Setting>& AllSettings() {
    static const std::vector<Setting> settings = [] {
        std::vector<Setting> s;
        auto add = [&](std::string key, std::string env, std::string flag, std::string help, auto setter) {
            s.push_back({{std::move(key), std::move(env), std::move(flag), std::move(help)}, std::move(setter)});
        };
        add("server.listen", "LINLI_LISTEN", "listen", "HOST:PORT to serve on", StringSetter(&Config::listen));
        add("server.io_threads", "LINLI_IO_THREADS", "io-threads", "threads doing network I/O",
            IntSetter(&Config::io_threads, "server.io_threads", 1, 64));
        add("server.workers", "LINLI_WORKERS", "workers", "threads running write handlers (each waits for its commit)",
            IntSetter(&Config::workers, "server.workers", 1, 1024));
        add("server.read_workers", "LINLI_READ_WORKERS", "read-workers", "threads running GET handlers",
            IntSetter(&Config::read_workers, "server.read_workers", 1, 256));
        add("server.body_limit", "LINLI_BODY_LIMIT", "body-limit", "largest request body in bytes",
            IntSetter(&Config::body_limit, "server.body_limit", 1024, int64_t{1} << 30));
        add("server.read_timeout", "LINLI_READ_TIMEOUT", "read-timeout", "seconds to receive one request",
            IntSetter(&Config::read_timeout_s, "server.read_timeout", 1, 3600));
        add("server.idle_timeout", "LINLI_IDLE_TIMEOUT", "idle-timeout", "seconds a keep-alive connection may idle",
            IntSetter(&Config::idle_timeout_s, "server.idle_timeout", 1, 3600));
        add("server.max_inflight", "LINLI_MAX_INFLIGHT", "max-inflight", "requests in progress before 503",
            IntSetter(&Config::max_inflight, "server.max_inflight", 1, 1000000));
        add("server.access_log", "LINLI_ACCESS_LOG", "access-log", "log one line per request (true/false)",
            [](Config& c, const std::string& v) -> Result<void> {
                LINLI_ASSIGN_OR_RETURN(c.access_log, ParseBool("server.access_log", v));
                return {};
            });
        add("server.log_level", "LINLI_LOG_LEVEL", "log-level", "trace, debug, info, warn, error",
            StringSetter(&Config::log_level));
        add("server.web_root", "LINLI_WEB_ROOT", "web-root",
            "folder of the built web console served at / (index.html, assets/); empty: no console",
            StringSetter(&Config::web_root));
        add("database.url", "LINLI_DB", "db", "sqlite:PATH or postgresql://...", StringSetter(&Config::db));
        add("database.readers", "LINLI_DB_READERS", "db-readers", "reader connections (SQLite) / pool size (PostgreSQL)",
            IntSetter(&Config::db_readers, "database.readers", 1, 256));
        add("auth.idle_timeout", "LINLI_SESSION_IDLE", "session-idle", "seconds before an idle session expires",
            IntSetter(&Config::idle_session_s, "auth.idle_timeout", 60, 86400));
        add("auth.absolute_timeout", "LINLI_SESSION_MAX", "session-max", "seconds a session lives at most",
            IntSetter(&Config::absolute_session_s, "auth.absolute_timeout", 60, 30 * 86400));
        add("auth.max_failed_logins", "LINLI_MAX_FAILED_LOGINS", "max-failed-logins", "failed logins before a lock",
            IntSetter(&Config::max_failed_logins, "auth.max_failed_logins", 1, 100));
        add("auth.lock_seconds", "LINLI_LOCK_SECONDS", "lock-seconds", "how long a locked account stays locked",
            IntSetter(&Config::lock_s, "auth.lock_seconds", 1, 86400));
        add("auth.password_cost", "LINLI_PASSWORD_COST", "password-cost", "interactive (default) or minimum (tests)",
            StringSetter(&Config::password_cost));
        add("security.key_file", "LINLI_KEY_FILE", "key-file",
            "file holding the key that encrypts ID numbers and phones (created on first use)",
            StringSetter(&Config::key_file));
        add("community.timezone", "LINLI_TIMEZONE", "timezone", "the community's time zone",
            StringSetter(&Config::timezone));
        auto add_list = [&](std::string key, std::string env, std::string flag, std::string help, auto setter) {
            add(std::move(key), std::move(env), std::move(flag), std::move(help), std::move(setter));
            s.back().list = true;
        };
        add_list("community.working_hours", "LINLI_WORKING_HOURS", "working-hours",
                 "working time of a working day, e.g. 09:00-12:00,13:30-18:00", CalendarSetter(&Config::working_hours));
        add_list("community.weekend_days", "LINLI_WEEKEND_DAYS", "weekend-days",
                 "ISO weekdays off (1 = Monday ... 7 = Sunday), e.g. 6,7", CalendarSetter(&Config::weekend_days));
        add_list("community.holidays", "LINLI_HOLIDAYS", "holidays",
                 "dates off, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, comma-separated", CalendarSetter(&Config::holidays));
        add_list("community.extra_workdays", "LINLI_EXTRA_WORKDAYS", "extra-workdays",
                 "weekend dates worked instead (调休), YYYY-MM-DD, comma-separated",
                 CalendarSetter(&Config::extra_workdays));
        add("notify.poll_seconds", "LINLI_NOTIFY_POLL", "notify-poll",
            "seconds between looks for due notifications (a new one wakes the deliverer at once)",
            IntSetter(&Config::notify_poll_s, "notify.poll_seconds", 1, 3600));
        add("notify.max_attempts", "LINLI_NOTIFY_MAX_ATTEMPTS", "notify-max-attempts",
            "webhook attempts (with backoff from 10 s to 1 h) before a delivery is marked failed",
            IntSetter(&Config::notify_max_attempts, "notify.max_attempts", 1, 100));
        add("notify.webhook_timeout", "LINLI_NOTIFY_WEBHOOK_TIMEOUT", "notify-webhook-timeout",
            "seconds one webhook POST may take",
            IntSetter(&Config::notify_webhook_timeout_s, "notify.webhook_timeout", 1, 60));
        add("notify.outbox_retention_days", "LINLI_NOTIFY_OUTBOX_RETENTION_DAYS", "notify-outbox-retention-days",
            "days a delivered notification stays in the outbox (inbox messages stay); 0: for ever",
            IntSetter(&Config::notify_outbox_retention_days, "notify.outbox_retention_days", 0, 3650));
        add("storage.attachments_dir", "LINLI_ATTACHMENTS_DIR", "attachments-dir",
            "folder for order attachments (photos, PDFs); shared by every instance",
            StringSetter(&Config::attachments_dir));
        add("storage.attachment_max_bytes", "LINLI_ATTACHMENT_MAX_BYTES", "attachment-max-bytes",
            "largest attachment in bytes (larger uploads answer 413)",
            IntSetter(&Config::attachment_max_bytes, "storage.attachment_max_bytes", 1024, int64_t{1} << 30));
        add("storage.attachments_per_order", "LINLI_ATTACHMENTS_PER_ORDER", "attachments-per-order",
            "most attachments one order may have",
            IntSetter(&Config::attachments_per_order, "storage.attachments_per_order", 1, 1000));
        add("devices.dedupe_minutes", "LINLI_DEVICE_DEDUPE_MINUTES", "device-dedupe-minutes",
            "a device's repeated alarms within this many minutes join its open order (0: every alarm a new order)",
            IntSetter(&Config::device_dedupe_minutes, "devices.dedupe_minutes", 0, 24 * 60));
        add("orders.scheduler_interval_seconds", "LINLI_SCHEDULER_INTERVAL", "scheduler-interval",
            "the deadline scheduler sleeps at most this long between sweeps (it wakes sooner for a due deadline)",
            IntSetter(&Config::scheduler_interval_s, "orders.scheduler_interval_seconds", 1, 3600));
        add("orders.escalation_step_hours", "LINLI_ESCALATION_STEP_HOURS", "escalation-step-hours",
            "working hours an escalated, still overdue order waits before it climbs the next rung",
            IntSetter(&Config::escalation_step_hours, "orders.escalation_step_hours", 1, 8784));
        return s;
    }();
    return settings;
}

}  // namespace

const std::vector<SettingInfo>& Settings() {
    static const std::vector<SettingInfo> infos = [] {
        std::vector<SettingInfo> v;
        for (const auto& s : AllSettings()) {
            v.push_back(s.info);
        }
        return v;
    }();
    return infos;
}

namespace {

const Setting* FindSetting(const std::string& toml_key) {
    for (const auto& s : AllSettings()) {
        if (s.info.toml_key == toml_key) {
            return &s;
        }
    }
    return nullptr;
}

// A TOML scalar as the text a variable or flag would give.
std::optional<std::string> ScalarText(const toml::node& value) {
    if (auto s = value.value<std::string>()) {
        return *s;
    }
    if (auto i = value.value<int64_t>()) {
        return std::to_string(*i);
    }
    if (auto b = value.value<bool>()) {
        return *b ? "true" : "false";
    }
    return std::nullopt;
}

}  // namespace

Result<void> ApplySetting(Config& config, const std::string& toml_key, const std::string& value) {
    if (const Setting* s = FindSetting(toml_key)) {
        return s->set(config, value);
    }
    return InvalidArgument(toml_key, "unknown setting " + toml_key);
}

Result<void> ApplyTomlFile(Config& config, const std::string& path, bool required) {
    if (!std::filesystem::exists(path)) {
        if (required) {
            return InvalidArgument("config", "config file not found: " + path);
        }
        return {};
    }
    toml::table table;
    try {
        table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        return InvalidArgument("config", path + ": " + std::string(e.description()));
    }
    // Walk [section] key = value pairs; every key must be a known setting so typos are caught.
    for (const auto& [section, node] : table) {
        const auto* sub = node.as_table();
        if (sub == nullptr) {
            return InvalidArgument(std::string(section.str()), "expected a [section] in " + path);
        }
        for (const auto& [key, value] : *sub) {
            std::string full = std::string(section.str()) + "." + std::string(key.str());
            std::optional<std::string> text = ScalarText(value);
            const Setting* setting = FindSetting(full);
            if (const auto* array = value.as_array(); array != nullptr && setting != nullptr && setting->list) {
                // holidays = ["2026-10-01", "2026-10-02"] means the same as "2026-10-01,2026-10-02".
                text.emplace();
                for (const auto& item : *array) {
                    auto item_text = ScalarText(item);
                    if (!item_text) {
                        return InvalidArgument(full, full + " must be a list of strings or integers");
                    }
                    *text += (text->empty() ? "" : ",") + *item_text;
                }
            }
            if (!text) {
                return InvalidArgument(full, full + " must be a string, integer or boolean");
            }
            LINLI_TRY(ApplySetting(config, full, *text));
        }
    }
    return {};
}

Result<void> ApplyEnvironment(Config& config, const std::map<std::string, std::string>& env) {
    for (const auto& s : AllSettings()) {
        if (auto it = env.find(s.info.env); it != env.end()) {
            LINLI_TRY(s.set(config, it->second));
        }
    }
    return {};
}

Result<std::pair<std::string, uint16_t>> SplitListen(const std::string& listen) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return InvalidArgument("server.listen", "listen must be HOST:PORT, got '" + listen + "'");
    }
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    LINLI_ASSIGN_OR_RETURN(auto port, ParseInt("server.listen", listen.substr(colon + 1), 0, 65535));
    return std::pair{host, static_cast<uint16_t>(port)};
}

Result<void> Validate(const Config& config) {
    LINLI_TRY(SplitListen(config.listen));
    if (!config.db.starts_with("sqlite:") && !config.db.starts_with("postgresql://") &&
        !config.db.starts_with("postgres://")) {
        return InvalidArgument("database.url", "database url must start with sqlite: or postgresql://");
    }
    if (config.password_cost != "interactive" && config.password_cost != "minimum") {
        return InvalidArgument("auth.password_cost", "password_cost must be interactive or minimum");
    }
    static const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error", "off"};
    if (std::find(levels.begin(), levels.end(), config.log_level) == levels.end()) {
        return InvalidArgument("server.log_level", "log_level must be one of trace, debug, info, warn, error, off");
    }
    if (config.absolute_session_s < config.idle_session_s) {
        return InvalidArgument("auth.absolute_timeout", "absolute_timeout must not be shorter than idle_timeout");
    }
    LINLI_TRY(CalendarConfigFrom(config));
    return {};
}

Result<WorkingCalendarConfig> CalendarConfigFrom(const Config& config) {
    auto parsed = [&]() -> Result<WorkingCalendarConfig> {
        WorkingCalendarConfig calendar;
        calendar.time_zone = config.timezone;
        LINLI_ASSIGN_OR_RETURN(calendar.spans, ParseWorkingSpans(config.working_hours, "spans"));
        LINLI_ASSIGN_OR_RETURN(calendar.weekend_days, ParseWeekdayList(config.weekend_days, "weekend_days"));
        LINLI_ASSIGN_OR_RETURN(calendar.holidays, ParseDateList(config.holidays, "holidays"));
        LINLI_ASSIGN_OR_RETURN(calendar.extra_workdays, ParseDateList(config.extra_workdays, "extra_workdays"));
        LINLI_ASSIGN_OR_RETURN(auto checked, WorkingCalendar::Create(calendar));
        return checked.config();  // as Create normalised it (spans sorted)
    }();
    if (!parsed) {
        return AsCalendarSettingError(parsed.error());
    }
    return parsed;
}

}  // namespace linli::app
