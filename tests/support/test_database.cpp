#include "support/test_database.hpp"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <stdexcept>

#include "core/crypto.hpp"
#include "storage/migration_runner.hpp"

namespace linli::testing {

namespace {

/// Forwards everything to the real database and cleans up after it (temp file, schema).
class TestDatabase final : public storage::Database, public storage::MigrationTarget {
public:
    TestDatabase(std::unique_ptr<storage::Database> inner, std::function<void()> cleanup)
        : inner_(std::move(inner)), cleanup_(std::move(cleanup)) {}
    ~TestDatabase() override {
        inner_->Close();
        inner_.reset();
        if (cleanup_) {
            cleanup_();
        }
    }

    storage::Dialect dialect() const override { return inner_->dialect(); }
    Result<int> Migrate() override { return inner_->Migrate(); }
    Result<int> SchemaVersion() override { return inner_->SchemaVersion(); }
    Result<void> Backup(const std::string& path) override { return inner_->Backup(path); }
    storage::WriteStats Stats() const override { return inner_->Stats(); }
    void Close() override { inner_->Close(); }
    Result<int> MigrateWith(std::span<const storage::EmbeddedMigration> migrations) override {
        return storage::MigrateWith(*inner_, migrations);
    }

protected:
    Result<void> RunRead(const std::function<Result<void>(storage::Conn&)>& fn) override { return inner_->Read(fn); }
    Result<void> RunWrite(std::function<Result<void>(storage::Conn&)> fn) override {
        return inner_->Write(std::move(fn));
    }

private:
    std::unique_ptr<storage::Database> inner_;
    std::function<void()> cleanup_;
};

std::unique_ptr<storage::Database> OpenOrThrow(const storage::Options& options) {
    auto db = storage::Open(options);
    if (!db) {
        throw std::runtime_error("cannot open test database: " + db.error().message);
    }
    return std::move(*db);
}

std::unique_ptr<storage::Database> OpenSqlite(storage::Options options) {
    std::string dir = (std::filesystem::temp_directory_path() / "linli-test-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed for " + dir);
    }
    options.url = "sqlite:" + dir + "/test.db";
    auto inner = OpenOrThrow(options);
    return std::make_unique<TestDatabase>(std::move(inner), [dir] {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    });
}

std::unique_ptr<storage::Database> OpenPostgres(storage::Options options) {
    const char* base = std::getenv("LINLI_TEST_PG_URL");
    if (base == nullptr || *base == '\0') {
        throw std::runtime_error("LINLI_TEST_PG_URL is not set");
    }
    const std::string base_url = base;
    const std::string schema = "t_" + crypto::RandomHex(8);
    auto admin_open = [base_url] {
        storage::Options admin_options;
        admin_options.url = base_url;
        admin_options.readers = 1;
        return OpenOrThrow(admin_options);
    };
    {
        auto admin = admin_open();
        auto created = admin->Write([&](storage::Conn& c) { return c.Exec("CREATE SCHEMA " + schema); });
        if (!created) {
            throw std::runtime_error("cannot create schema " + schema + ": " + created.error().message);
        }
    }
    // libpq's `options` runs `SET search_path` for every connection the pool opens.
    options.url = base_url + (base_url.find('?') == std::string::npos ? "?" : "&") +
                  "options=-csearch_path%3D" + schema;
    auto inner = OpenOrThrow(options);
    return std::make_unique<TestDatabase>(std::move(inner), [admin_open, schema] {
        auto admin = admin_open();
        (void)admin->Write([&](storage::Conn& c) { return c.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); });
    });
}

}  // namespace

std::string BackendName(Backend backend) {
    switch (backend) {
        case Backend::kSqlite: return "Sqlite";
        case Backend::kPostgres: return "Postgres";
    }
    return "Unknown";
}

std::vector<Backend> AvailableBackends() {
    std::vector<Backend> out = {Backend::kSqlite};
    const char* url = std::getenv("LINLI_TEST_PG_URL");
    if (url != nullptr && *url != '\0') {
        out.push_back(Backend::kPostgres);
    }
    return out;
}

std::unique_ptr<storage::Database> OpenTestDatabase(Backend backend, bool migrate) {
    return OpenTestDatabase(backend, storage::Options{}, migrate);
}

std::unique_ptr<storage::Database> OpenTestDatabase(Backend backend, storage::Options options, bool migrate) {
    crypto::Init();
    auto db = backend == Backend::kSqlite ? OpenSqlite(std::move(options)) : OpenPostgres(std::move(options));
    if (migrate) {
        auto applied = db->Migrate();
        if (!applied) {
            throw std::runtime_error("migrating the test database failed: " + applied.error().message);
        }
    }
    return db;
}

}  // namespace linli::testing
