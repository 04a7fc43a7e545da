#include "storage/migrator.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "storage/migration_runner.hpp"

namespace linli::storage {

namespace {

// The same text works on both engines (BIGINT is an INTEGER affinity on SQLite).
constexpr std::string_view kCreateBookkeeping =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

std::string_view DialectDirectory(Dialect dialect) {
    switch (dialect) {
        case Dialect::kSqlite: return "sqlite";
        case Dialect::kPostgres: return "postgres";
    }
    return "shared";
}

}  // namespace

std::vector<EmbeddedMigration> MigrationsFor(Dialect dialect) {
    const std::string_view own = DialectDirectory(dialect);
    std::map<int, EmbeddedMigration> by_version;
    for (const EmbeddedMigration& m : EmbeddedMigrations()) {
        if (m.dialect == own) {
            by_version[m.version] = m;  // a dialect file wins over a shared one
        } else if (m.dialect == "shared") {
            by_version.try_emplace(m.version, m);
        }
    }
    std::vector<EmbeddedMigration> out;
    out.reserve(by_version.size());
    for (auto& [version, m] : by_version) {
        out.push_back(m);
    }
    return out;
}

Result<int> ApplyMigrations(MigrationSession& session, std::span<const EmbeddedMigration> migrations,
                            int64_t now_epoch_seconds) {
    std::vector<EmbeddedMigration> ordered(migrations.begin(), migrations.end());
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const EmbeddedMigration& a, const EmbeddedMigration& b) { return a.version < b.version; });

    std::string_view current = "schema_migrations";
    try {
        session.BeginLocked();
        try {
            session.ExecScript(kCreateBookkeeping);
            session.Commit();
        } catch (...) {
            session.Rollback();
            throw;
        }

        int applied = 0;
        for (const EmbeddedMigration& m : ordered) {
            current = m.name;
            session.BeginLocked();
            try {
                // Checked under the lock: another process may have applied it while we waited.
                auto seen = session.conn().Query("SELECT 1 FROM schema_migrations WHERE version = $1",
                                                 {static_cast<int64_t>(m.version)});
                if (!seen) {
                    session.Rollback();
                    return seen.error();
                }
                if (!seen->empty()) {
                    session.Commit();
                    continue;
                }
                session.ExecScript(m.sql);
                auto recorded =
                    session.conn().Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                                        {static_cast<int64_t>(m.version), m.name, now_epoch_seconds});
                if (!recorded) {
                    session.Rollback();
                    return Internal("migration " + std::string(m.name) + ": " + recorded.error().message);
                }
                session.Commit();
                ++applied;
            } catch (...) {
                session.Rollback();
                throw;
            }
        }
        return applied;
    } catch (const DatabaseError& e) {
        return Internal("migration " + std::string(current) + " failed: " + e.what());
    }
}

Result<int> ReadSchemaVersion(Database& db) {
    return db.Read([&](Conn& c) -> Result<int> {
        // Looked up first so a fresh database answers 0 instead of a missing-table error.
        const std::string_view exists_sql =
            c.dialect() == Dialect::kSqlite
                ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
                : "SELECT 1 WHERE to_regclass('schema_migrations') IS NOT NULL";
        LINLI_ASSIGN_OR_RETURN(Rows exists, c.Query(exists_sql));
        if (exists.empty()) {
            return 0;
        }
        LINLI_ASSIGN_OR_RETURN(Rows rows, c.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
        return static_cast<int>(rows.at(0).Int(0));
    });
}

Result<int> MigrateWith(Database& db, std::span<const EmbeddedMigration> migrations) {
    auto* target = dynamic_cast<MigrationTarget*>(&db);
    if (target == nullptr) {
        return Internal("this database does not support migrations");
    }
    return target->MigrateWith(migrations);
}

}  // namespace linli::storage
