#pragma once
/// The embedded backend: one SQLite file in WAL mode (synchronous=FULL, foreign_keys=ON).
///
/// Writes: every Write() is a job on a queue served by ONE writer thread that owns the ONE writer
/// connection. The writer takes every queued job (up to Options::max_batch), runs BEGIN IMMEDIATE,
/// runs each job inside its own SAVEPOINT (a job that fails or throws is rolled back alone), then
/// one COMMIT: a burst of N writes costs one fsync. A caller returns only after the COMMIT that holds
/// its job has returned, with its own job's result (or exception, rethrown on its thread).
/// Reads: a pool of Options::readers connections; each Read() is one read transaction (a snapshot).
///
/// Thread safety: every public method may be called from any thread. Do not call Write() from inside
/// a Write() callback (it would wait for itself; it throws DatabaseError instead).

#include <memory>
#include <span>
#include <string>

#include "storage/database.hpp"
#include "storage/migration_runner.hpp"

namespace linli::storage {

class SqliteDatabase final : public Database, public MigrationTarget {
public:
    /// Opens (creating if absent) the database file at `path` and starts the writer thread.
    /// kUnavailable when the file cannot be opened or set up.
    static Result<std::unique_ptr<SqliteDatabase>> Open(const Options& options, const std::string& path);
    /// Calls Close().
    ~SqliteDatabase() override;

    SqliteDatabase(const SqliteDatabase&) = delete;
    SqliteDatabase& operator=(const SqliteDatabase&) = delete;

    Dialect dialect() const override { return Dialect::kSqlite; }
    Result<int> Migrate() override;
    Result<int> SchemaVersion() override;
    /// sqlite3_backup from a reader connection into `path`.tmp, then renamed to `path`.
    Result<void> Backup(const std::string& path) override;
    WriteStats Stats() const override;
    /// Stops accepting writes (later ones get kUnavailable), commits and answers every queued write,
    /// joins the writer, waits for running reads, closes every connection.
    void Close() override;
    /// Runs on the writer thread, alone (never inside a group-commit batch).
    Result<int> MigrateWith(std::span<const EmbeddedMigration> migrations) override;

protected:
    Result<void> RunRead(const std::function<Result<void>(Conn&)>& fn) override;
    Result<void> RunWrite(std::function<Result<void>(Conn&)> fn) override;

private:
    struct Impl;
    explicit SqliteDatabase(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

}  // namespace linli::storage
