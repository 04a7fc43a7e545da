#pragma once
/// Fresh, empty databases for tests, on every backend that is available.
///
/// Usage (a suite run once per backend):
///
///     class MyRepoTest : public ::testing::TestWithParam<linli::testing::Backend> {};
///     TEST_P(MyRepoTest, Something) {
///         auto db = linli::testing::OpenTestDatabase(GetParam());   // migrated, empty
///         db->Write([](linli::storage::Conn& c) { ... });
///     }
///     INSTANTIATE_TEST_SUITE_P(Backends, MyRepoTest,
///                              ::testing::ValuesIn(linli::testing::AvailableBackends()),
///                              [](const auto& info) { return linli::testing::BackendName(info.param); });
///
/// SQLite: a new file in a new temporary directory, removed when the returned object is destroyed.
/// PostgreSQL (only when the environment variable LINLI_TEST_PG_URL is set, e.g. by
/// `URL=$(scripts/pg-test-server start /tmp/pgt)`): a new schema `t_<random>` in that database,
/// made the search_path of every pool connection, dropped (CASCADE) when the object is destroyed.
/// The returned Database owns that clean-up; destroy it before the test ends (a unique_ptr does).

#include <memory>
#include <string>
#include <vector>

#include "storage/database.hpp"

namespace linli::testing {

enum class Backend { kSqlite, kPostgres };

/// "Sqlite" / "Postgres": usable as a gtest parameter name.
std::string BackendName(Backend backend);

/// SQLite always; PostgreSQL when LINLI_TEST_PG_URL is set.
std::vector<Backend> AvailableBackends();

/// A fresh empty database on `backend`, migrated to the latest schema when `migrate` is true.
/// Throws std::runtime_error if it cannot be created (the test cannot run anyway).
std::unique_ptr<storage::Database> OpenTestDatabase(Backend backend, bool migrate = true);

/// Same, with the caller's options (url is filled in; metrics, readers, max_batch are kept).
std::unique_ptr<storage::Database> OpenTestDatabase(Backend backend, storage::Options options, bool migrate);

}  // namespace linli::testing
