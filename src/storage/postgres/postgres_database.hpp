#pragma once
/// The scale-out backend: a small pool of libpq connections to one PostgreSQL database.
///
/// Connections open lazily (Options::readers of them at most); a caller waits for a free one. A
/// connection found broken is reconnected once before the call fails with kUnavailable.
/// Write(): BEGIN; fn; COMMIT on one connection (ROLLBACK on an error or exception); a serialization
/// failure or deadlock (40001, 40P01) retries the whole Write() up to 3 more times.
/// Read(): BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; fn; COMMIT: one snapshot, like SQLite.
/// Parameters travel as text, results come back as text (booleans as "t"/"f").
///
/// Unlike SQLite, a failed statement (e.g. a unique violation) aborts the PostgreSQL transaction:
/// a Write() callback must return the error it got (LINLI_TRY) rather than carry on; to tolerate a
/// duplicate, write `INSERT ... ON CONFLICT`. Carrying on throws DatabaseError.
///
/// Thread safety: every public method may be called from any thread.

#include <memory>
#include <span>
#include <string>

#include "storage/database.hpp"
#include "storage/migration_runner.hpp"

namespace linli::storage {

class PostgresDatabase final : public Database, public MigrationTarget {
public:
    /// Checks the URL (does not connect yet). kInvalidArgument when libpq cannot parse it.
    static Result<std::unique_ptr<PostgresDatabase>> Open(const Options& options);
    /// Calls Close().
    ~PostgresDatabase() override;

    PostgresDatabase(const PostgresDatabase&) = delete;
    PostgresDatabase& operator=(const PostgresDatabase&) = delete;

    Dialect dialect() const override { return Dialect::kPostgres; }
    Result<int> Migrate() override;
    Result<int> SchemaVersion() override;
    /// Runs `pg_dump --format=custom` (found on PATH; password passed in its environment, not argv).
    Result<void> Backup(const std::string& path) override;
    /// queue_depth counts callers waiting for a pooled connection; one commit per Write().
    WriteStats Stats() const override;
    /// Refuses new calls, waits for running ones, closes every connection.
    void Close() override;
    /// Each migration in its own transaction under pg_advisory_xact_lock (per schema).
    Result<int> MigrateWith(std::span<const EmbeddedMigration> migrations) override;

protected:
    Result<void> RunRead(const std::function<Result<void>(Conn&)>& fn) override;
    Result<void> RunWrite(std::function<Result<void>(Conn&)> fn) override;

private:
    struct Impl;
    explicit PostgresDatabase(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

}  // namespace linli::storage
