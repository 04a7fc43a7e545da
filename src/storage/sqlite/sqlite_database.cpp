#include "storage/sqlite/sqlite_database.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/metrics.hpp"
#include "storage/sql_rewrite.hpp"

namespace linli::storage {

namespace {

// Dynamic SQL (IN lists of varying length) could grow the cache without bound; beyond this many
// distinct statements the cache starts over. Repositories use a few hundred at most.
constexpr size_t kMaxCachedStatements = 1000;

std::string Abbreviate(std::string_view sql) {
    constexpr size_t kMax = 300;
    return sql.size() <= kMax ? std::string(sql) : std::string(sql.substr(0, kMax)) + "...";
}

/// "UNIQUE constraint failed: users.login" names "login"; "CHECK constraint failed: age_ok" names
/// "age_ok"; a composite key "t.a, t.b" names "a, b" (what PostgreSQL's "Key (a, b)=" says).
std::string ConstraintField(std::string_view message) {
    size_t colon = message.rfind(": ");
    if (colon == std::string_view::npos) {
        return {};
    }
    std::string_view rest = message.substr(colon + 2);
    std::string out;
    for (;;) {
        size_t comma = rest.find(", ");
        std::string_view part = rest.substr(0, comma);
        size_t dot = part.rfind('.');
        out.append(dot == std::string_view::npos ? part : part.substr(dot + 1));
        if (comma == std::string_view::npos) {
            return out;
        }
        out.append(", ");
        rest = rest.substr(comma + 2);
    }
}

struct TransparentHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

/// One sqlite3 handle and its prepared statements. Used by one thread at a time.
class Connection {
public:
    static std::unique_ptr<Connection> Open(const std::string& path, bool writer, int busy_timeout_ms) {
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
        if (writer) {
            flags |= SQLITE_OPEN_CREATE;
        }
        sqlite3* db = nullptr;
        int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
        auto conn = std::unique_ptr<Connection>(new Connection(db));  // closes db even on failure
        if (rc != SQLITE_OK) {
            throw DatabaseError("cannot open SQLite database " + path + ": " +
                                (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
        }
        sqlite3_busy_timeout(db, busy_timeout_ms);
        // Every connection, every time: these are per-connection settings (journal_mode persists).
        std::string mode = conn->QueryText("PRAGMA journal_mode=WAL");
        if (mode != "wal") {
            spdlog::warn("SQLite database {} runs in journal mode '{}', not WAL", path, mode);
        }
        conn->Exec("PRAGMA synchronous=FULL");
        conn->Exec("PRAGMA foreign_keys=ON");
        // Statement journals and sort spills stay in memory: a file import's one big transaction
        // otherwise writes them to temp files a million times over.
        conn->Exec("PRAGMA temp_store=MEMORY");
        // Read pages through a memory map instead of a read() per page cache miss: searches over
        // tens of thousands of residents otherwise spend most of their time copying pages in.
        conn->Exec("PRAGMA mmap_size=268435456");
        if (writer) {
            // The writer holds a whole batch (or a whole imported file) in one transaction; with the
            // default 2 MB cache it spills pages mid-transaction. 64 MiB is ample on a community box.
            conn->Exec("PRAGMA cache_size=-65536");
        } else {
            conn->Exec("PRAGMA query_only=ON");  // a bug that writes through a reader fails loudly
        }
        return conn;
    }

    ~Connection() {
        for (auto& [sql, stmt] : cache_) {
            sqlite3_finalize(stmt);
        }
        for (sqlite3_stmt* stmt : control_) {
            sqlite3_finalize(stmt);
        }
        sqlite3_close_v2(db_);
    }

    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sqlite3* db() const { return db_; }

    /// Runs statements without parameters (BEGIN, PRAGMA, migration scripts). Throws DatabaseError.
    void Exec(const std::string& sql) {
        char* err = nullptr;
        int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
        if (rc != SQLITE_OK) {
            std::string message = err != nullptr ? err : sqlite3_errstr(rc);
            sqlite3_free(err);
            throw DatabaseError("SQLite: " + message + " (in: " + Abbreviate(sql) + ")");
        }
    }

    /// The transaction statements every read and write runs: kept prepared, because parsing them
    /// again for each request (sqlite3_exec) cost more than running them.
    enum class Control : size_t { kBegin, kBeginImmediate, kCommit, kSavepoint, kRelease, kRollbackTo, kCount };

    /// Runs one transaction statement. Throws DatabaseError, as Exec does.
    void Run(Control which) {
        static constexpr std::array<const char*, static_cast<size_t>(Control::kCount)> kSql{
            "BEGIN", "BEGIN IMMEDIATE", "COMMIT", "SAVEPOINT linli_write", "RELEASE linli_write",
            "ROLLBACK TO linli_write"};
        const auto i = static_cast<size_t>(which);
        sqlite3_stmt*& stmt = control_[i];
        if (stmt == nullptr) {
            if (sqlite3_prepare_v3(db_, kSql[i], -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
                stmt = nullptr;
                throw DatabaseError("SQLite: " + std::string(sqlite3_errmsg(db_)) + " (in: " + kSql[i] + ")");
            }
        }
        const int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
            throw DatabaseError("SQLite: " + std::string(sqlite3_errmsg(db_)) + " (in: " + kSql[i] + ")");
        }
    }

    /// Best effort, for error paths: ends whatever transaction is open.
    void RollbackQuietly() noexcept {
        if (sqlite3_get_autocommit(db_) == 0) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }

    /// The cached statement for `sql` (PostgreSQL-style), preparing it on first use.
    sqlite3_stmt* Prepare(std::string_view sql) {
        if (auto it = cache_.find(sql); it != cache_.end()) {
            return it->second;
        }
        if (cache_.size() >= kMaxCachedStatements) {
            for (auto& [text, stmt] : cache_) {
                sqlite3_finalize(stmt);
            }
            cache_.clear();
        }
        const std::string rewritten = RewritePlaceholdersForSqlite(sql);
        sqlite3_stmt* stmt = nullptr;
        const char* tail = nullptr;
        int rc = sqlite3_prepare_v3(db_, rewritten.c_str(), static_cast<int>(rewritten.size() + 1),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
        if (rc != SQLITE_OK) {
            throw DatabaseError("SQLite: " + std::string(sqlite3_errmsg(db_)) + " (in: " + Abbreviate(sql) + ")");
        }
        if (stmt == nullptr) {
            throw DatabaseError("SQLite: empty statement");
        }
        if (tail != nullptr && !IsBlankSql(tail)) {
            sqlite3_finalize(stmt);
            throw DatabaseError("one statement per Query()/Exec() call (in: " + Abbreviate(sql) + ")");
        }
        cache_.emplace(std::string(sql), stmt);
        return stmt;
    }

private:
    explicit Connection(sqlite3* db) : db_(db) {}

    std::string QueryText(const char* sql) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
            throw DatabaseError("SQLite: " + std::string(sqlite3_errmsg(db_)));
        }
        std::string out;
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            const auto* text = sqlite3_column_text(stmt, 0);
            out = text != nullptr ? reinterpret_cast<const char*>(text) : "";
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            throw DatabaseError("SQLite: " + std::string(sqlite3_errstr(rc)) + " (in: " + sql + ")");
        }
        return out;
    }

    sqlite3* db_;
    std::unordered_map<std::string, sqlite3_stmt*, TransparentHash, std::equal_to<>> cache_;
    std::array<sqlite3_stmt*, static_cast<size_t>(Control::kCount)> control_{};  // never evicted
};

/// Resets a cached statement and its bindings however the call ends.
class StatementGuard {
public:
    explicit StatementGuard(sqlite3_stmt* stmt) : stmt_(stmt) {}
    ~StatementGuard() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    StatementGuard(const StatementGuard&) = delete;
    StatementGuard& operator=(const StatementGuard&) = delete;

private:
    sqlite3_stmt* stmt_;
};

std::string DoubleText(double v) {
    // Shortest text that reads back as the same double (SQLite's own text keeps only 15 digits).
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, ec == std::errc() ? end : buf);
}

class SqliteConn final : public Conn {
public:
    explicit SqliteConn(Connection& connection) : c_(connection) {}

    Dialect dialect() const override { return Dialect::kSqlite; }

    Result<Rows> Query(std::string_view sql, std::span<const Param> params) override {
        Rows rows;
        LINLI_TRY(Run(sql, params, &rows));
        return rows;
    }

    Result<int64_t> Exec(std::string_view sql, std::span<const Param> params) override {
        // sqlite3_changes64() keeps the count of the last INSERT/UPDATE/DELETE, so a DDL statement
        // would report a stale number; the running total tells whether this statement changed rows.
        const sqlite3_int64 total_before = sqlite3_total_changes64(c_.db());
        LINLI_TRY(Run(sql, params, nullptr));
        if (sqlite3_total_changes64(c_.db()) == total_before) {
            return int64_t{0};
        }
        return static_cast<int64_t>(sqlite3_changes64(c_.db()));
    }

    void AfterCommit(std::function<void()> fn) override { after_commit_.push_back(std::move(fn)); }

    /// What AfterCommit collected since the last take (the current write's); the caller runs or drops it.
    std::vector<std::function<void()>> TakeAfterCommit() { return std::exchange(after_commit_, {}); }

    using Conn::Exec;
    using Conn::Query;

private:
    Result<void> Run(std::string_view sql, std::span<const Param> params, Rows* rows) {
        sqlite3_stmt* stmt = c_.Prepare(sql);
        StatementGuard guard(stmt);
        const int expected = sqlite3_bind_parameter_count(stmt);
        if (static_cast<size_t>(expected) != params.size()) {
            throw DatabaseError("statement takes " + std::to_string(expected) + " parameters, got " +
                                std::to_string(params.size()) + " (in: " + Abbreviate(sql) + ")");
        }
        for (size_t i = 0; i < params.size(); ++i) {
            const int index = static_cast<int>(i + 1);
            int rc = std::visit(
                [&](const auto& v) -> int {
                    using V = std::decay_t<decltype(v)>;
                    if constexpr (std::is_same_v<V, std::nullptr_t>) {
                        return sqlite3_bind_null(stmt, index);
                    } else if constexpr (std::is_same_v<V, int64_t>) {
                        return sqlite3_bind_int64(stmt, index, v);
                    } else if constexpr (std::is_same_v<V, double>) {
                        return sqlite3_bind_double(stmt, index, v);
                    } else {
                        // The parameter outlives the statement's use: the guard resets before we return.
                        return sqlite3_bind_text64(stmt, index, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
                    }
                },
                params[i].value);
            if (rc != SQLITE_OK) {
                throw DatabaseError("SQLite: cannot bind parameter " + std::to_string(index) + ": " +
                                    sqlite3_errmsg(c_.db()));
            }
        }
        const int columns = sqlite3_column_count(stmt);
        for (;;) {
            int rc = sqlite3_step(stmt);
            if (rc == SQLITE_DONE) {
                return {};
            }
            if (rc == SQLITE_ROW) {
                if (rows == nullptr) {
                    continue;  // Exec() of a statement that returns rows: run it to the end
                }
                std::vector<std::optional<std::string>> cells;
                cells.reserve(static_cast<size_t>(columns));
                for (int col = 0; col < columns; ++col) {
                    switch (sqlite3_column_type(stmt, col)) {
                        case SQLITE_NULL:
                            cells.emplace_back(std::nullopt);
                            break;
                        case SQLITE_FLOAT:
                            cells.emplace_back(DoubleText(sqlite3_column_double(stmt, col)));
                            break;
                        default: {
                            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
                            const int size = sqlite3_column_bytes(stmt, col);
                            cells.emplace_back(std::string(text != nullptr ? text : "", static_cast<size_t>(size)));
                        }
                    }
                }
                rows->emplace_back(std::move(cells));
                continue;
            }
            return MapError(sql);
        }
    }

    Result<void> MapError(std::string_view sql) {
        const int code = sqlite3_extended_errcode(c_.db());
        std::string message = sqlite3_errmsg(c_.db());
        switch (code) {
            case SQLITE_CONSTRAINT_UNIQUE:
            case SQLITE_CONSTRAINT_PRIMARYKEY:
            case SQLITE_CONSTRAINT_ROWID:
                return Conflict(message, ConstraintField(message));
            case SQLITE_CONSTRAINT_FOREIGNKEY:
            case SQLITE_CONSTRAINT_CHECK:
            case SQLITE_CONSTRAINT_NOTNULL:
                return InvalidArgument(ConstraintField(message), message);
            default:
                throw DatabaseError("SQLite: " + message + " (in: " + Abbreviate(sql) + ")");
        }
    }

    Connection& c_;
    std::vector<std::function<void()>> after_commit_;
};

/// Runs what AfterCommit collected, after a commit. A throwing callback is a bug: logged, not rethrown,
/// so that the writes it followed are still answered as committed.
void RunAfterCommit(std::vector<std::function<void()>>& fns) noexcept {
    for (auto& fn : fns) {
        try {
            fn();
        } catch (const std::exception& e) {
            spdlog::error("an after-commit callback threw: {}", e.what());
        } catch (...) {
            spdlog::error("an after-commit callback threw");
        }
    }
    fns.clear();
}

class SqliteMigrationSession final : public MigrationSession {
public:
    explicit SqliteMigrationSession(Connection& c) : c_(c), conn_(c) {}
    void BeginLocked() override { c_.Exec("BEGIN IMMEDIATE"); }  // the writer lock of the whole file
    void Commit() override {
        c_.Exec("COMMIT");
        auto after = conn_.TakeAfterCommit();
        RunAfterCommit(after);
    }
    void Rollback() noexcept override { c_.RollbackQuietly(); }
    void ExecScript(std::string_view sql) override { c_.Exec(std::string(sql)); }
    Conn& conn() override { return conn_; }

private:
    Connection& c_;
    SqliteConn conn_;
};

/// One queued write. Owned by the queue, then by the writer; the caller keeps only the future.
struct Job {
    std::function<Result<void>(Conn&)> fn;           // a normal write: one savepoint of a batch
    std::function<Result<void>(Connection&)> alone;  // runs by itself outside any batch (migrations)
    std::promise<Result<void>> done;
};

void FsyncDirectoryOf(const std::filesystem::path& file) {
    std::filesystem::path dir = file.parent_path();
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

struct SqliteDatabase::Impl {
    Options options;
    std::string path;

    // ---- the writer: one connection, one thread, one queue
    std::unique_ptr<Connection> writer;
    std::thread writer_thread;
    std::thread::id writer_id;
    std::mutex queue_mu;
    std::condition_variable queue_cv;
    std::deque<std::unique_ptr<Job>> queue;
    bool closing = false;  // guarded by queue_mu: no new jobs once set

    // ---- the readers: a fixed pool with blocking checkout
    std::mutex readers_mu;
    std::condition_variable readers_cv;
    std::vector<std::unique_ptr<Connection>> readers;
    std::vector<Connection*> idle_readers;
    bool readers_closed = false;

    std::mutex close_mu;  // serialises Close()
    bool closed = false;  // guarded by close_mu

    // ---- figures
    std::atomic<int64_t> queue_depth{0};
    std::atomic<int64_t> commits{0};
    std::atomic<int64_t> writes{0};
    metrics::Gauge* depth_gauge = nullptr;
    metrics::Histogram* batch_histogram = nullptr;
    metrics::Counter* commits_counter = nullptr;
    metrics::Histogram* commit_seconds = nullptr;

    // REQUIRES: queue_mu held.
    void PublishDepthLocked() {
        const auto depth = static_cast<int64_t>(queue.size());
        queue_depth.store(depth, std::memory_order_relaxed);
        if (depth_gauge != nullptr) {
            depth_gauge->Set(depth);
        }
    }

    Result<void> Submit(std::unique_ptr<Job> job) {
        if (std::this_thread::get_id() == writer_id) {
            throw DatabaseError("Write() called from inside a Write() callback; use the Conn you were given");
        }
        std::future<Result<void>> result = job->done.get_future();
        {
            std::lock_guard lock(queue_mu);
            if (closing) {
                return Error{ErrorCode::kUnavailable, "the database is closed", {}};
            }
            queue.push_back(std::move(job));
            PublishDepthLocked();
        }
        queue_cv.notify_one();
        return result.get();  // rethrows the job's exception on this thread
    }

    void WriterLoop() {
        for (;;) {
            std::vector<std::unique_ptr<Job>> batch;
            std::unique_ptr<Job> alone;
            {
                std::unique_lock lock(queue_mu);
                queue_cv.wait(lock, [&] { return !queue.empty() || closing; });
                if (queue.empty()) {
                    return;  // closing, and everything queued before Close() has been answered
                }
                if (queue.front()->alone) {
                    alone = std::move(queue.front());
                    queue.pop_front();
                } else {
                    const auto max_batch = static_cast<size_t>(std::max(1, options.max_batch));
                    while (!queue.empty() && !queue.front()->alone && batch.size() < max_batch) {
                        batch.push_back(std::move(queue.front()));
                        queue.pop_front();
                    }
                }
                PublishDepthLocked();
            }
            if (alone) {
                RunAlone(std::move(alone));
            } else {
                RunBatch(std::move(batch));
            }
        }
    }

    void RunAlone(std::unique_ptr<Job> job) {
        try {
            Result<void> r = job->alone(*writer);
            writer->RollbackQuietly();  // an alone job must leave no transaction open
            job->alone = nullptr;
            job->done.set_value(std::move(r));
        } catch (...) {
            writer->RollbackQuietly();
            job->alone = nullptr;
            job->done.set_exception(std::current_exception());
        }
    }

    /// Group commit: BEGIN IMMEDIATE, one SAVEPOINT per job, one COMMIT, then answer everyone.
    void RunBatch(std::vector<std::unique_ptr<Job>> batch) {
        const size_t n = batch.size();
        std::vector<std::optional<Result<void>>> results(n);
        std::vector<std::exception_ptr> exceptions(n);
        std::vector<std::vector<std::function<void()>>> after_commit(n);  // of the jobs that succeeded
        const auto started = std::chrono::steady_clock::now();
        sqlite3* db = writer->db();

        try {
            writer->Run(Connection::Control::kBeginImmediate);
        } catch (const DatabaseError& e) {
            Error error{ErrorCode::kUnavailable, std::string("cannot start a write transaction: ") + e.what(), {}};
            for (auto& job : batch) {
                job->fn = nullptr;
                job->done.set_value(error);
            }
            return;
        }

        SqliteConn conn(*writer);
        // A write alone in its batch needs no savepoint: if it fails, the whole transaction goes. A
        // savepoint is not free: SQLite copies every page first changed under it into a sub-journal,
        // which for a file import is most of the database.
        const bool savepoints = n > 1;
        size_t ran = 0;  // jobs that ran (their savepoint was opened)
        bool transaction_lost = false;
        bool rolled_back = false;  // the lone job failed and its transaction was rolled back
        for (; ran < n; ++ran) {
            Job& job = *batch[ran];
            bool ok = false;
            try {
                if (savepoints) {
                    writer->Run(Connection::Control::kSavepoint);
                }
                Result<void> r = job.fn(conn);
                ok = r.has_value();
                results[ran] = std::move(r);
            } catch (...) {
                exceptions[ran] = std::current_exception();
            }
            // A failed job's callbacks go with its savepoint.
            auto job_after_commit = conn.TakeAfterCommit();
            if (ok) {
                after_commit[ran] = std::move(job_after_commit);
            }
            // Disk full, I/O errors and the like make SQLite roll back the whole transaction.
            if (sqlite3_get_autocommit(db) != 0) {
                transaction_lost = true;
                ++ran;
                break;
            }
            try {
                if (!savepoints) {
                    if (!ok) {
                        writer->Exec("ROLLBACK");
                        rolled_back = true;
                    }
                } else {
                    if (!ok) {
                        writer->Run(Connection::Control::kRollbackTo);
                    }
                    writer->Run(Connection::Control::kRelease);
                }
            } catch (...) {
                writer->RollbackQuietly();
                transaction_lost = true;
                ++ran;
                break;
            }
        }

        std::optional<Error> batch_error;
        if (transaction_lost) {
            batch_error = Error{ErrorCode::kUnavailable,
                                std::string("the write transaction was rolled back: ") + sqlite3_errmsg(db),
                                {}};
        } else if (!rolled_back) {
            try {
                writer->Run(Connection::Control::kCommit);
            } catch (const DatabaseError& e) {
                writer->RollbackQuietly();
                batch_error = Error{ErrorCode::kUnavailable, std::string("commit failed: ") + e.what(), {}};
            }
        }

        if (!batch_error && !rolled_back) {
            // Committed: caches learn of it before any writer is answered.
            for (size_t i = 0; i < ran; ++i) {
                RunAfterCommit(after_commit[i]);
            }
            const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            int64_t committed_writes = 0;
            for (size_t i = 0; i < n; ++i) {
                if (!exceptions[i] && results[i] && results[i]->has_value()) {
                    ++committed_writes;
                }
            }
            commits.fetch_add(1, std::memory_order_relaxed);
            writes.fetch_add(committed_writes, std::memory_order_relaxed);
            if (commits_counter != nullptr) {
                commits_counter->Inc();
                batch_histogram->Observe(static_cast<double>(n));
                commit_seconds->Observe(seconds);
            }
        }

        // Jobs that never ran (the transaction was lost before them) go back to the head of the queue.
        if (ran < n) {
            std::lock_guard lock(queue_mu);
            for (size_t i = n; i > ran; --i) {
                queue.push_front(std::move(batch[i - 1]));
            }
            PublishDepthLocked();
        }

        // Only now, after COMMIT returned, is anyone told anything.
        for (size_t i = 0; i < ran; ++i) {
            Job& job = *batch[i];
            job.fn = nullptr;  // release the caller's captures before the caller resumes
            if (exceptions[i]) {
                job.done.set_exception(exceptions[i]);
            } else if (batch_error && results[i]->has_value()) {
                job.done.set_value(*batch_error);
            } else {
                job.done.set_value(std::move(*results[i]));
            }
        }
    }

    /// A reader connection, returned to the pool on destruction.
    class ReaderLease {
    public:
        ReaderLease(Impl& impl, Connection* c) : impl_(impl), c_(c) {}
        ~ReaderLease() {
            if (c_ != nullptr) {
                {
                    std::lock_guard lock(impl_.readers_mu);
                    impl_.idle_readers.push_back(c_);
                }
                impl_.readers_cv.notify_one();
            }
        }
        ReaderLease(const ReaderLease&) = delete;
        ReaderLease& operator=(const ReaderLease&) = delete;
        Connection* get() const { return c_; }

    private:
        Impl& impl_;
        Connection* c_;
    };

    ReaderLease CheckoutReader() {
        std::unique_lock lock(readers_mu);
        readers_cv.wait(lock, [&] { return !idle_readers.empty() || readers_closed; });
        if (readers_closed) {
            return ReaderLease(*this, nullptr);
        }
        Connection* c = idle_readers.back();
        idle_readers.pop_back();
        return ReaderLease(*this, c);
    }
};

SqliteDatabase::SqliteDatabase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const Options& options, const std::string& path) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->path = path;
    try {
        // The writer first: it creates the file and switches it to WAL before any reader opens it.
        impl->writer = Connection::Open(path, /*writer=*/true, options.busy_timeout_ms);
        const int readers = std::max(1, options.readers);
        for (int i = 0; i < readers; ++i) {
            impl->readers.push_back(Connection::Open(path, /*writer=*/false, options.busy_timeout_ms));
            impl->idle_readers.push_back(impl->readers.back().get());
        }
    } catch (const DatabaseError& e) {
        return Error{ErrorCode::kUnavailable, e.what(), {}};
    }
    if (options.metrics != nullptr) {
        metrics::Registry& m = *options.metrics;
        impl->depth_gauge = &m.GetGauge("linli_storage_write_queue_depth", "Writes waiting for the SQLite writer");
        impl->batch_histogram = &m.GetHistogram("linli_storage_commit_batch_size",
                                                "Writes committed together in one transaction (group commit)", {},
                                                {1, 2, 4, 8, 16, 32, 64, 128, 256, 512});
        impl->commits_counter = &m.GetCounter("linli_storage_commits_total", "Write transactions committed");
        impl->commit_seconds = &m.GetHistogram("linli_storage_commit_seconds",
                                               "Time from BEGIN to the end of COMMIT of one write transaction", {},
                                               metrics::Registry::LatencyBuckets());
    }
    Impl* raw = impl.get();
    impl->writer_thread = std::thread([raw] { raw->WriterLoop(); });
    // Named, so that top -H and perf tell the one thread every write waits for from the others.
    pthread_setname_np(impl->writer_thread.native_handle(), "linli-writer");
    impl->writer_id = impl->writer_thread.get_id();
    return std::unique_ptr<SqliteDatabase>(new SqliteDatabase(std::move(impl)));
}

SqliteDatabase::~SqliteDatabase() {
    Close();
}

Result<void> SqliteDatabase::RunWrite(std::function<Result<void>(Conn&)> fn) {
    auto job = std::make_unique<Job>();
    job->fn = std::move(fn);
    return impl_->Submit(std::move(job));
}

Result<void> SqliteDatabase::RunRead(const std::function<Result<void>(Conn&)>& fn) {
    auto lease = impl_->CheckoutReader();
    if (lease.get() == nullptr) {
        return Error{ErrorCode::kUnavailable, "the database is closed", {}};
    }
    Connection& c = *lease.get();
    SqliteConn conn(c);
    c.Run(Connection::Control::kBegin);  // deferred: the snapshot starts at the first read and lasts until COMMIT
    Result<void> r;
    try {
        r = fn(conn);
    } catch (...) {
        c.RollbackQuietly();
        throw;
    }
    if (r) {
        c.Run(Connection::Control::kCommit);
        auto after = conn.TakeAfterCommit();
        RunAfterCommit(after);
    } else {
        c.RollbackQuietly();
    }
    return r;
}

Result<int> SqliteDatabase::Migrate() {
    return MigrateWith(MigrationsFor(Dialect::kSqlite));
}

Result<int> SqliteDatabase::MigrateWith(std::span<const EmbeddedMigration> migrations) {
    std::optional<Result<int>> out;
    auto job = std::make_unique<Job>();
    job->alone = [&](Connection& c) -> Result<void> {
        SqliteMigrationSession session(c);
        out.emplace(ApplyMigrations(session, migrations, static_cast<int64_t>(std::time(nullptr))));
        return {};
    };
    LINLI_TRY(impl_->Submit(std::move(job)));
    return std::move(*out);
}

Result<int> SqliteDatabase::SchemaVersion() {
    return ReadSchemaVersion(*this);
}

Result<void> SqliteDatabase::Backup(const std::string& path) {
    auto lease = impl_->CheckoutReader();
    if (lease.get() == nullptr) {
        return Error{ErrorCode::kUnavailable, "the database is closed", {}};
    }
    const std::string tmp = path + ".tmp";
    std::error_code ignored;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
        std::filesystem::remove(tmp + suffix, ignored);
    }
    sqlite3* dest = nullptr;
    int rc = sqlite3_open_v2(tmp.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    auto fail = [&](std::string why) -> Result<void> {
        sqlite3_close_v2(dest);
        std::filesystem::remove(tmp, ignored);
        return Internal("backup to " + path + " failed: " + why);
    };
    if (rc != SQLITE_OK) {
        return fail(dest != nullptr ? sqlite3_errmsg(dest) : sqlite3_errstr(rc));
    }
    sqlite3_backup* backup = sqlite3_backup_init(dest, "main", lease.get()->db(), "main");
    if (backup == nullptr) {
        return fail(sqlite3_errmsg(dest));
    }
    // All pages in one step: one read transaction on the source, so the copy is one snapshot,
    // while the writer keeps committing into the WAL.
    do {
        rc = sqlite3_backup_step(backup, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) {
        return fail(sqlite3_errstr(rc));
    }
    if (sqlite3_close(dest) != SQLITE_OK) {
        return fail(sqlite3_errmsg(dest));
    }
    dest = nullptr;
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        return fail(ec.message());
    }
    FsyncDirectoryOf(path);
    return {};
}

WriteStats SqliteDatabase::Stats() const {
    return WriteStats{
        .queue_depth = impl_->queue_depth.load(std::memory_order_relaxed),
        .commits = impl_->commits.load(std::memory_order_relaxed),
        .writes = impl_->writes.load(std::memory_order_relaxed),
    };
}

void SqliteDatabase::Close() {
    Impl& impl = *impl_;
    std::lock_guard close_lock(impl.close_mu);
    if (impl.closed) {
        return;
    }
    {
        std::lock_guard lock(impl.queue_mu);
        impl.closing = true;
    }
    impl.queue_cv.notify_all();
    if (impl.writer_thread.joinable()) {
        impl.writer_thread.join();  // returns once the queue is drained
    }
    {
        std::unique_lock lock(impl.readers_mu);
        impl.readers_closed = true;
        impl.readers_cv.notify_all();
        impl.readers_cv.wait(lock, [&] { return impl.idle_readers.size() == impl.readers.size(); });
        impl.idle_readers.clear();
        impl.readers.clear();
    }
    impl.writer.reset();  // the last connection: SQLite checkpoints and removes the WAL
    impl.closed = true;
}

}  // namespace linli::storage
