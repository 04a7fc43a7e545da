#pragma once
/// The migration runner shared by both backends (implemented in migrator.cpp).
///
/// Bookkeeping lives in `schema_migrations(version, name, applied_at)`. Each pending migration is
/// applied in its own transaction that first takes the schema lock (SQLite: BEGIN IMMEDIATE, the
/// one writer lock; PostgreSQL: pg_advisory_xact_lock), then re-checks that the version is still
/// missing, so several processes starting at once apply each migration exactly once.

#include <span>
#include <string_view>

#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/migrator.hpp"

namespace linli::storage {

/// One connection a backend lends the runner, outside any other transaction.
/// Not thread-safe: used by one thread for one Migrate() call.
class MigrationSession {
public:
    virtual ~MigrationSession() = default;
    /// Starts a transaction holding the schema lock. Throws DatabaseError.
    virtual void BeginLocked() = 0;
    virtual void Commit() = 0;
    /// Best effort; never throws.
    virtual void Rollback() noexcept = 0;
    /// Runs a script of one or more statements without parameters (a migration file).
    /// Throws DatabaseError naming the failing statement's error.
    virtual void ExecScript(std::string_view sql) = 0;
    /// Runs the runner's own bookkeeping statements.
    virtual Conn& conn() = 0;
};

/// Applies the migrations of `migrations` (in version order) not yet in schema_migrations.
/// Returns how many were applied; a failing migration is rolled back and reported as kInternal
/// naming it (migrations before it stay applied).
Result<int> ApplyMigrations(MigrationSession& session, std::span<const EmbeddedMigration> migrations,
                            int64_t now_epoch_seconds);

/// Highest applied version, 0 when schema_migrations does not exist yet; runs in a Read().
Result<int> ReadSchemaVersion(Database& db);

/// Implemented by both backends: Migrate() is MigrateWith(MigrationsFor(dialect())).
class MigrationTarget {
public:
    virtual ~MigrationTarget() = default;
    virtual Result<int> MigrateWith(std::span<const EmbeddedMigration> migrations) = 0;
};

/// Applies an explicit list of migrations to `db` (tests and tools); kInternal when `db` is not
/// one of ours (it does not implement MigrationTarget).
Result<int> MigrateWith(Database& db, std::span<const EmbeddedMigration> migrations);

}  // namespace linli::storage
