#include "storage/postgres/postgres_database.hpp"

#include <libpq-fe.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "core/metrics.hpp"

extern char** environ;

namespace linli::storage {

namespace {

// The first retry usually succeeds; more than a few means real contention the caller should see.
constexpr int kMaxWriteAttempts = 4;
// Our half of the two-key advisory lock; the other half is the schema, so test schemas don't queue.
constexpr int kMigrationLockKey = 0x4c494e4c;  // "LINL"

std::string Abbreviate(std::string_view sql) {
    constexpr size_t kMax = 300;
    return sql.size() <= kMax ? std::string(sql) : std::string(sql.substr(0, kMax)) + "...";
}

/// A serialization failure or deadlock: the whole transaction may succeed when run again.
class RetryableError : public DatabaseError {
public:
    using DatabaseError::DatabaseError;
};

struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

std::string Field(const PGresult* res, int code) {
    const char* v = PQresultErrorField(res, code);
    return v != nullptr ? v : "";
}

/// "Key (login)=(bob) already exists." names "login".
std::string KeyColumns(std::string_view detail) {
    constexpr std::string_view kPrefix = "Key (";
    if (detail.substr(0, kPrefix.size()) != kPrefix) {
        return {};
    }
    size_t end = detail.find(")=", kPrefix.size());
    return end == std::string_view::npos ? std::string() : std::string(detail.substr(kPrefix.size(), end - kPrefix.size()));
}

std::string DoubleText(double v) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, ec == std::errc() ? end : buf);
}

void IgnoreNotice(void*, const char* message) {
    // "relation already exists, skipping" and friends: not worth the server's stderr.
    spdlog::debug("PostgreSQL notice: {}", message);
}

/// One pool slot. `conn` is null until first use and after it was found broken.
struct Slot {
    PGconn* conn = nullptr;
    ~Slot() { Drop(); }
    void Drop() {
        if (conn != nullptr) {
            PQfinish(conn);
            conn = nullptr;
        }
    }
};

class PgConn final : public Conn {
public:
    explicit PgConn(PGconn* conn) : conn_(conn) {}

    Dialect dialect() const override { return Dialect::kPostgres; }

    Result<Rows> Query(std::string_view sql, std::span<const Param> params) override {
        LINLI_ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
        Rows rows;
        const int n = PQntuples(res.get());
        const int columns = PQnfields(res.get());
        rows.reserve(static_cast<size_t>(n));
        for (int r = 0; r < n; ++r) {
            std::vector<std::optional<std::string>> cells;
            cells.reserve(static_cast<size_t>(columns));
            for (int c = 0; c < columns; ++c) {
                if (PQgetisnull(res.get(), r, c) != 0) {
                    cells.emplace_back(std::nullopt);
                } else {
                    cells.emplace_back(std::string(PQgetvalue(res.get(), r, c),
                                                   static_cast<size_t>(PQgetlength(res.get(), r, c))));
                }
            }
            rows.emplace_back(std::move(cells));
        }
        return rows;
    }

    Result<int64_t> Exec(std::string_view sql, std::span<const Param> params) override {
        LINLI_ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
        const char* tuples = PQcmdTuples(res.get());
        int64_t n = 0;
        std::from_chars(tuples, tuples + std::strlen(tuples), n);
        return n;
    }

    void AfterCommit(std::function<void()> fn) override { after_commit_.push_back(std::move(fn)); }

    /// Runs what AfterCommit collected; call once the transaction committed. A throwing callback is a
    /// bug: logged, not rethrown, so that the write it followed is still answered as committed.
    void RunAfterCommit() noexcept {
        for (auto& fn : after_commit_) {
            try {
                fn();
            } catch (const std::exception& e) {
                spdlog::error("an after-commit callback threw: {}", e.what());
            } catch (...) {
                spdlog::error("an after-commit callback threw");
            }
        }
        after_commit_.clear();
    }

    using Conn::Exec;
    using Conn::Query;

    /// A statement without parameters through the simple protocol (several statements allowed).
    PgResult Simple(std::string_view sql) {
        PgResult res(PQexec(conn_, std::string(sql).c_str()));
        Check(res, sql);
        return res;
    }

    /// Maps a failed result: constraint violations to Result errors, the rest thrown.
    static Result<void> MapError(PGconn* conn, const PgResult& res, std::string_view sql) {
        if (!res) {
            throw DatabaseError("PostgreSQL: " + std::string(PQerrorMessage(conn)));
        }
        const std::string state = Field(res.get(), PG_DIAG_SQLSTATE);
        const std::string message = Field(res.get(), PG_DIAG_MESSAGE_PRIMARY);
        std::string field = Field(res.get(), PG_DIAG_COLUMN_NAME);
        if (field.empty()) {
            field = KeyColumns(Field(res.get(), PG_DIAG_MESSAGE_DETAIL));
        }
        if (field.empty()) {
            field = Field(res.get(), PG_DIAG_CONSTRAINT_NAME);
        }
        if (state == "23505") {
            return Conflict(message, field);
        }
        if (state == "23503" || state == "23514" || state == "23502") {
            return InvalidArgument(field, message);
        }
        std::string what = "PostgreSQL: " + (message.empty() ? std::string(PQerrorMessage(conn)) : message) + " [" +
                           state + "] (in: " + Abbreviate(sql) + ")";
        if (state == "40001" || state == "40P01") {
            throw RetryableError(what);
        }
        throw DatabaseError(what);
    }

private:
    Result<PgResult> Run(std::string_view sql, std::span<const Param> params) {
        std::vector<std::string> texts(params.size());
        std::vector<const char*> values(params.size(), nullptr);
        std::vector<int> lengths(params.size(), 0);
        for (size_t i = 0; i < params.size(); ++i) {
            const auto& v = params[i].value;
            if (std::holds_alternative<std::nullptr_t>(v)) {
                continue;
            }
            if (const auto* n = std::get_if<int64_t>(&v)) {
                texts[i] = std::to_string(*n);
            } else if (const auto* d = std::get_if<double>(&v)) {
                texts[i] = DoubleText(*d);
            } else {
                texts[i] = std::get<std::string>(v);
            }
            values[i] = texts[i].c_str();
            lengths[i] = static_cast<int>(texts[i].size());
        }
        // Untyped text parameters: the server infers each type from where it is used.
        PgResult res(PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(params.size()), nullptr,
                                  values.data(), lengths.data(), nullptr, 0));
        if (res) {
            auto status = PQresultStatus(res.get());
            if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
                return res;
            }
        }
        LINLI_TRY(MapError(conn_, res, sql));
        return res;  // unreachable: MapError returns an error or throws
    }

    void Check(const PgResult& res, std::string_view sql) {
        if (res) {
            auto status = PQresultStatus(res.get());
            if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
                return;
            }
        }
        auto mapped = MapError(conn_, res, sql);
        throw DatabaseError("PostgreSQL: " + mapped.error().message + " (in: " + Abbreviate(sql) + ")");
    }

    PGconn* conn_;
    std::vector<std::function<void()>> after_commit_;
};

}  // namespace

struct PostgresDatabase::Impl {
    Options options;

    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::unique_ptr<Slot>> slots;
    std::vector<Slot*> idle;
    bool closed = false;  // guarded by mu: no new callers once set
    std::mutex close_mu;

    std::atomic<int64_t> waiting{0};  // callers waiting for a connection; changed under mu
    std::atomic<int64_t> commits{0};
    metrics::Gauge* depth_gauge = nullptr;
    metrics::Histogram* batch_histogram = nullptr;
    metrics::Counter* commits_counter = nullptr;
    metrics::Histogram* commit_seconds = nullptr;

    /// A pooled connection, back to the pool on destruction (dropped if left mid-transaction).
    class Lease {
    public:
        Lease(Impl& impl, Slot* slot) : impl_(impl), slot_(slot) {}
        ~Lease() {
            if (slot_ == nullptr) {
                return;
            }
            if (slot_->conn != nullptr &&
                (PQstatus(slot_->conn) != CONNECTION_OK || PQtransactionStatus(slot_->conn) != PQTRANS_IDLE)) {
                slot_->Drop();  // reconnect on next use rather than hand out a dirty session
            }
            {
                std::lock_guard lock(impl_.mu);
                impl_.idle.push_back(slot_);
            }
            impl_.cv.notify_one();
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Slot* slot() const { return slot_; }

    private:
        Impl& impl_;
        Slot* slot_;
    };

    void PublishWaiting(int64_t delta) {
        int64_t now = waiting.fetch_add(delta, std::memory_order_relaxed) + delta;
        if (depth_gauge != nullptr) {
            depth_gauge->Set(now);
        }
    }

    /// Blocks until a connection is free. Callers already waiting when Close() starts are still
    /// served (Close finishes queued work); later callers get a null lease.
    Lease Checkout() {
        std::unique_lock lock(mu);
        if (closed) {
            return Lease(*this, nullptr);
        }
        PublishWaiting(1);
        cv.wait(lock, [&] { return !idle.empty(); });
        PublishWaiting(-1);
        Slot* slot = idle.back();
        idle.pop_back();
        return Lease(*this, slot);
    }

    Result<void> Connect(Slot& slot) {
        slot.Drop();
        slot.conn = PQconnectdb(options.url.c_str());
        if (PQstatus(slot.conn) != CONNECTION_OK) {
            std::string why = PQerrorMessage(slot.conn);
            slot.Drop();
            while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) {
                why.pop_back();
            }
            return Error{ErrorCode::kUnavailable, "cannot connect to PostgreSQL: " + why, {}};
        }
        PQsetNoticeProcessor(slot.conn, IgnoreNotice, nullptr);
        return {};
    }

    /// Opens a transaction with `begin`, connecting first if needed and reconnecting once if the
    /// connection turns out to be broken (server restart, idle timeout).
    Result<void> Begin(Slot& slot, const char* begin) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (slot.conn == nullptr || PQstatus(slot.conn) != CONNECTION_OK) {
                LINLI_TRY(Connect(slot));
            }
            PgResult res(PQexec(slot.conn, begin));
            if (res && PQresultStatus(res.get()) == PGRES_COMMAND_OK) {
                return {};
            }
            if (PQstatus(slot.conn) == CONNECTION_OK) {
                throw DatabaseError("PostgreSQL: " + std::string(PQerrorMessage(slot.conn)));
            }
            slot.Drop();
        }
        return Error{ErrorCode::kUnavailable, "lost the connection to PostgreSQL", {}};
    }

    static void RollbackQuietly(Slot& slot) noexcept {
        if (slot.conn != nullptr && PQtransactionStatus(slot.conn) != PQTRANS_IDLE) {
            PQclear(PQexec(slot.conn, "ROLLBACK"));
        }
    }

    /// COMMIT; a transaction aborted by an earlier failed statement answers ROLLBACK instead.
    Result<void> Commit(Slot& slot) {
        PgResult res(PQexec(slot.conn, "COMMIT"));
        if (res && PQresultStatus(res.get()) == PGRES_COMMAND_OK) {
            if (std::strcmp(PQcmdStatus(res.get()), "ROLLBACK") == 0) {
                throw DatabaseError(
                    "PostgreSQL rolled the transaction back: a statement failed and the callback carried on "
                    "instead of returning the error");
            }
            return {};
        }
        return PgConn::MapError(slot.conn, res, "COMMIT");  // deferred constraints, serialization
    }
};

PostgresDatabase::PostgresDatabase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::Open(const Options& options) {
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(options.url.c_str(), &error);
    if (parsed == nullptr) {
        std::string why = error != nullptr ? error : "out of memory";
        PQfreemem(error);
        return InvalidArgument("database.url", "bad PostgreSQL URL: " + why);
    }
    PQconninfoFree(parsed);

    auto impl = std::make_unique<Impl>();
    impl->options = options;
    const int size = std::max(1, options.readers);
    for (int i = 0; i < size; ++i) {
        impl->slots.push_back(std::make_unique<Slot>());
        impl->idle.push_back(impl->slots.back().get());
    }
    if (options.metrics != nullptr) {
        metrics::Registry& m = *options.metrics;
        impl->depth_gauge = &m.GetGauge("linli_storage_write_queue_depth", "Callers waiting for a database connection");
        impl->batch_histogram = &m.GetHistogram("linli_storage_commit_batch_size",
                                                "Writes committed together in one transaction (group commit)", {},
                                                {1, 2, 4, 8, 16, 32, 64, 128, 256, 512});
        impl->commits_counter = &m.GetCounter("linli_storage_commits_total", "Write transactions committed");
        impl->commit_seconds = &m.GetHistogram("linli_storage_commit_seconds",
                                               "Time from BEGIN to the end of COMMIT of one write transaction", {},
                                               metrics::Registry::LatencyBuckets());
    }
    return std::unique_ptr<PostgresDatabase>(new PostgresDatabase(std::move(impl)));
}

PostgresDatabase::~PostgresDatabase() { Close(); }

Result<void> PostgresDatabase::RunRead(const std::function<Result<void>(Conn&)>& fn) {
    auto lease = impl_->Checkout();
    if (lease.slot() == nullptr) {
        return Error{ErrorCode::kUnavailable, "the database is closed", {}};
    }
    Slot& slot = *lease.slot();
    LINLI_TRY(impl_->Begin(slot, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    PgConn conn(slot.conn);
    Result<void> r;
    try {
        r = fn(conn);
    } catch (...) {
        Impl::RollbackQuietly(slot);
        throw;
    }
    if (!r) {
        Impl::RollbackQuietly(slot);
        return r;
    }
    LINLI_TRY(impl_->Commit(slot));
    conn.RunAfterCommit();
    return {};
}

Result<void> PostgresDatabase::RunWrite(std::function<Result<void>(Conn&)> fn) {
    auto lease = impl_->Checkout();
    if (lease.slot() == nullptr) {
        return Error{ErrorCode::kUnavailable, "the database is closed", {}};
    }
    Slot& slot = *lease.slot();
    for (int attempt = 1;; ++attempt) {
        const auto started = std::chrono::steady_clock::now();
        LINLI_TRY(impl_->Begin(slot, "BEGIN"));
        PgConn conn(slot.conn);
        try {
            Result<void> r = fn(conn);
            if (!r) {
                Impl::RollbackQuietly(slot);
                return r;
            }
            LINLI_TRY(impl_->Commit(slot));
            conn.RunAfterCommit();
        } catch (const RetryableError& e) {
            Impl::RollbackQuietly(slot);
            if (attempt >= kMaxWriteAttempts) {
                return Error{ErrorCode::kUnavailable, std::string("write kept conflicting, try again: ") + e.what(), {}};
            }
            spdlog::debug("retrying a write after: {}", e.what());
            continue;
        } catch (...) {
            Impl::RollbackQuietly(slot);
            throw;
        }
        impl_->commits.fetch_add(1, std::memory_order_relaxed);
        if (impl_->commits_counter != nullptr) {
            impl_->commits_counter->Inc();
            impl_->batch_histogram->Observe(1);
            impl_->commit_seconds->Observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
        return {};
    }
}

namespace {

class PgMigrationSession final : public MigrationSession {
public:
    explicit PgMigrationSession(PGconn* conn) : conn_(conn) {}
    void BeginLocked() override {
        conn_.Simple("BEGIN");
        // Held until COMMIT/ROLLBACK: instances starting together queue here, and the one that
        // waited finds the version already recorded.
        conn_.Simple("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) +
                     ", hashtext(coalesce(current_schema(), '')))");
    }
    void Commit() override {
        PgResult res = conn_.Simple("COMMIT");
        if (std::strcmp(PQcmdStatus(res.get()), "ROLLBACK") == 0) {
            throw DatabaseError("PostgreSQL rolled the migration back");
        }
        conn_.RunAfterCommit();
    }
    void Rollback() noexcept override {
        try {
            conn_.Simple("ROLLBACK");
        } catch (...) {
            // Nothing to do: the lease drops a connection left mid-transaction.
        }
    }
    void ExecScript(std::string_view sql) override { conn_.Simple(sql); }
    Conn& conn() override { return conn_; }

private:
    PgConn conn_;
};

}  // namespace

Result<int> PostgresDatabase::Migrate() { return MigrateWith(MigrationsFor(Dialect::kPostgres)); }

Result<int> PostgresDatabase::MigrateWith(std::span<const EmbeddedMigration> migrations) {
    auto lease = impl_->Checkout();
    if (lease.slot() == nullptr) {
        return Error{ErrorCode::kUnavailable, "the database is closed", {}};
    }
    Slot& slot = *lease.slot();
    // Begin() connects (or reconnects) the slot; the session then runs its own transactions.
    LINLI_TRY(impl_->Begin(slot, "BEGIN"));
    Impl::RollbackQuietly(slot);
    PgMigrationSession session(slot.conn);
    return ApplyMigrations(session, migrations, static_cast<int64_t>(std::time(nullptr)));
}

Result<int> PostgresDatabase::SchemaVersion() { return ReadSchemaVersion(*this); }

namespace {
/// "name" with inner quotes doubled, as pg_dump's --schema pattern takes an exact, case-kept name.
std::string QuotedIdentifier(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        out += c == '"' ? "\"\"" : std::string(1, c);
    }
    return out + "\"";
}
}  // namespace

Result<void> PostgresDatabase::Backup(const std::string& path) {
    // Linli's tables live in the connection's schema: dump that one, not every schema of the database
    // (which may hold other applications' data, or other test runs' schemas that come and go).
    LINLI_ASSIGN_OR_RETURN(std::string schema, Read([](Conn& conn) -> Result<std::string> {
                               LINLI_ASSIGN_OR_RETURN(auto row, conn.QueryOne("SELECT current_schema()", {}, "schema"));
                               return row.Text(0);
                           }));
    // Rebuild the connection string without the password, which goes into the child's environment
    // (argv is visible to every user through ps).
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(impl_->options.url.c_str(), &error);
    if (parsed == nullptr) {
        PQfreemem(error);
        return InvalidArgument("database.url", "bad PostgreSQL URL");
    }
    std::string conninfo;
    std::string password;
    for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
        if (o->val == nullptr) {
            continue;
        }
        if (std::strcmp(o->keyword, "password") == 0) {
            password = o->val;
            continue;
        }
        std::string value;
        for (const char* p = o->val; *p != '\0'; ++p) {
            if (*p == '\\' || *p == '\'') {
                value.push_back('\\');
            }
            value.push_back(*p);
        }
        conninfo += std::string(o->keyword) + "='" + value + "' ";
    }
    PQconninfoFree(parsed);

    const std::string tmp = path + ".tmp";
    std::vector<std::string> args = {"pg_dump", "--format=custom", "--file=" + tmp, "--dbname=" + conninfo};
    if (schema != "public") {
        // Not for public: a dump of it alone would CREATE SCHEMA public, which pg_restore into a new
        // database refuses (it exists there already).
        args.push_back("--schema=" + QuotedIdentifier(schema));
    }
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> env_storage;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::strncmp(*e, "PGPASSWORD=", 11) != 0) {
            env_storage.emplace_back(*e);
        }
    }
    if (!password.empty()) {
        env_storage.push_back("PGPASSWORD=" + password);
    }
    std::vector<char*> envp;
    for (auto& e : env_storage) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);

    pid_t pid = 0;
    int rc = posix_spawnp(&pid, "pg_dump", nullptr, nullptr, argv.data(), envp.data());
    if (rc != 0) {
        return Error{ErrorCode::kUnavailable,
                     "cannot run pg_dump (is the PostgreSQL client installed?): " + std::string(std::strerror(rc)),
                     {}};
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return Internal("waiting for pg_dump: " + std::string(std::strerror(errno)));
        }
    }
    std::error_code ignored;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::filesystem::remove(tmp, ignored);
        const std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                                  : "was killed by signal " + std::to_string(WTERMSIG(status));
        return Internal("pg_dump " + how);
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        return Internal("backup to " + path + " failed: " + ec.message());
    }
    return {};
}

WriteStats PostgresDatabase::Stats() const {
    const int64_t commits = impl_->commits.load(std::memory_order_relaxed);
    return WriteStats{
        .queue_depth = impl_->waiting.load(std::memory_order_relaxed),
        .commits = commits,
        .writes = commits,
    };
}

void PostgresDatabase::Close() {
    Impl& impl = *impl_;
    std::lock_guard close_lock(impl.close_mu);
    std::unique_lock lock(impl.mu);
    if (impl.closed) {
        return;
    }
    impl.closed = true;
    impl.cv.wait(lock, [&] {
        return impl.waiting.load() == 0 && impl.idle.size() == impl.slots.size();
    });
    impl.idle.clear();
    impl.slots.clear();  // PQfinish each
}

}  // namespace linli::storage
