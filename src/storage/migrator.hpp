#pragma once
/// Numbered schema migrations, compiled into the binary (cmake/EmbedMigrations.cmake).
/// A migration is applied once, in its own transaction, and recorded in schema_migrations.

#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "storage/database.hpp"

namespace linli::storage {

struct EmbeddedMigration {
    int version;
    std::string_view name;     // "0001_territory"
    std::string_view dialect;  // "shared", "sqlite" or "postgres"
    std::string_view sql;
};

const std::vector<EmbeddedMigration>& EmbeddedMigrations();

/// The migrations for `dialect` in version order (a dialect file wins over a shared one).
std::vector<EmbeddedMigration> MigrationsFor(Dialect dialect);

}  // namespace linli::storage
