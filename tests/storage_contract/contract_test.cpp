// The storage contract: what every repository may rely on, checked on every available backend
// (SQLite always; PostgreSQL when LINLI_TEST_PG_URL is set, see scripts/pg-test-server).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.hpp"
#include "storage/migration_runner.hpp"
#include "storage/migrator.hpp"
#include "support/test_database.hpp"

namespace linli {
namespace {

using storage::Conn;
using storage::Database;
using storage::Dialect;
using storage::Param;
using storage::Row;
using storage::Rows;
using testing::Backend;

class BackendsEnvironment : public ::testing::Environment {
public:
    void SetUp() override {
        if (testing::AvailableBackends().size() == 1) {
            std::printf(
                "storage contract: LINLI_TEST_PG_URL is not set, PostgreSQL is not tested "
                "(start one with scripts/pg-test-server)\n");
        }
    }
};
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new BackendsEnvironment);

/// Runs the statement or fails the test (setup steps whose failure makes the rest meaningless).
void MustExec(Database& db, const std::string& sql) {
    auto r = db.Write([&](Conn& c) { return c.Exec(sql); });
    ASSERT_TRUE(r) << sql << ": " << r.error().message;
}

int64_t Count(Database& db, const std::string& table) {
    auto r = db.Read([&](Conn& c) { return c.QueryOne("SELECT COUNT(*) FROM " + table, {}, table); });
    if (!r) {
        ADD_FAILURE() << r.error().message;
        return -1;
    }
    return r->Int(0);
}

std::string MakeTempDir() {
    std::string dir = (std::filesystem::temp_directory_path() / "linli-contract-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    return dir;
}

bool OnPath(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::string rest = path != nullptr ? path : "";
    size_t start = 0;
    while (start <= rest.size()) {
        size_t end = rest.find(':', start);
        std::string dir = rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) {
            return true;
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return false;
}

class StorageContract : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override { db_ = testing::OpenTestDatabase(GetParam(), /*migrate=*/false); }

    bool IsSqlite() const { return GetParam() == Backend::kSqlite; }

    /// Runs `jobs` (each one Write()) concurrently. On SQLite they are made to queue up behind a
    /// write that holds the writer, so they are certain to share one group-commit batch.
    std::vector<std::future<void>> RunTogether(std::vector<std::function<void()>> jobs) {
        std::vector<std::future<void>> done;
        if (!IsSqlite()) {
            for (auto& job : jobs) {
                done.push_back(std::async(std::launch::async, job));
            }
            return done;
        }
        std::promise<void> gate;
        std::shared_future<void> open = gate.get_future().share();
        std::atomic<bool> holding{false};
        auto blocker = std::async(std::launch::async, [&] {
            auto r = db_->Write([&](Conn&) -> Result<void> {
                holding = true;
                open.wait();
                return {};
            });
            EXPECT_TRUE(r);
        });
        while (!holding) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        for (auto& job : jobs) {
            done.push_back(std::async(std::launch::async, job));
        }
        while (db_->Stats().queue_depth < static_cast<int64_t>(jobs.size())) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        gate.set_value();
        blocker.get();
        return done;
    }

    std::unique_ptr<Database> db_;
};

TEST_P(StorageContract, ValuesRoundTripVerbatim) {
    MustExec(*db_, "CREATE TABLE vals (id BIGINT PRIMARY KEY, n BIGINT, r DOUBLE PRECISION, s TEXT, b BOOLEAN)");
    struct Case {
        int64_t id;
        std::optional<int64_t> n;
        std::optional<double> r;
        std::optional<std::string> s;
        bool b;
    };
    const std::vector<Case> cases = {
        {1, std::nullopt, std::nullopt, std::nullopt, false},
        {2, -1, -0.5, "", true},
        {3, std::numeric_limits<int64_t>::min(), 1.0 / 3.0, "邻里互助，网格员张三（楼栋长）", false},
        {4, std::numeric_limits<int64_t>::max(), 1e-300, "it's \"quoted\" ''", true},
        {5, 0, 12345678.90625, "a; b; -- not a comment /* nor this */", false},
        {6, 42, -2.5e300, "'); DROP TABLE vals; --", true},
    };
    for (const Case& c : cases) {
        auto returned = db_->Write([&](Conn& conn) {
            return conn.QueryOne("INSERT INTO vals (id, n, r, s, b) VALUES ($1, $2, $3, $4, $5) RETURNING id, s",
                                 {c.id, c.n, c.r, c.s, c.b}, "vals");
        });
        ASSERT_TRUE(returned) << returned.error().message;
        EXPECT_EQ(returned->Int(0), c.id);
        EXPECT_EQ(returned->OptText(1), c.s);
    }

    auto rows = db_->Read([](Conn& conn) { return conn.Query("SELECT id, n, r, s, b FROM vals ORDER BY id"); });
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
        const Row& row = (*rows)[i];
        const Case& c = cases[i];
        EXPECT_EQ(row.Int(0), c.id);
        EXPECT_EQ(row.OptInt(1), c.n) << "row " << c.id;
        EXPECT_EQ(row.IsNull(2), !c.r.has_value());
        if (c.r) {
            EXPECT_EQ(row.Real(2), *c.r) << "row " << c.id;  // exact: doubles travel without loss
        }
        EXPECT_EQ(row.OptText(3), c.s) << "row " << c.id;
        EXPECT_EQ(row.Bool(4), c.b) << "row " << c.id;
    }
    // NULL text reads as "" through Text().
    EXPECT_EQ((*rows)[0].Text(3), "");
    // The injection-looking text was data: the table is still there.
    EXPECT_EQ(Count(*db_, "vals"), static_cast<int64_t>(cases.size()));

    // A parameter compared against stored text finds it byte for byte.
    auto found = db_->Read([](Conn& conn) {
        return conn.QueryOne("SELECT id FROM vals WHERE s = $1", {"'); DROP TABLE vals; --"}, "vals");
    });
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(found->Int(0), 6);
}

TEST_P(StorageContract, QueryOneReportsNotFound) {
    MustExec(*db_, "CREATE TABLE empty_t (id BIGINT PRIMARY KEY)");
    auto r = db_->Read([](Conn& c) { return c.QueryOne("SELECT id FROM empty_t WHERE id = $1", {7}, "no such row"); });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(r.error().message, "no such row");
}

TEST_P(StorageContract, BooleanExpressionsReadAsBool) {
    auto r = db_->Read([](Conn& c) { return c.QueryOne("SELECT 1 = 1, 1 = 2", {}, "x"); });
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->Bool(0));
    EXPECT_FALSE(r->Bool(1));
}

TEST_P(StorageContract, ExecReportsRowsChanged) {
    MustExec(*db_, "CREATE TABLE changed (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)");
    auto n = db_->Write([](Conn& c) -> Result<int64_t> {
        for (int i = 1; i <= 5; ++i) {
            LINLI_TRY(c.Exec("INSERT INTO changed (id, v) VALUES ($1, $2)", {i, i * 10}));
        }
        return c.Exec("UPDATE changed SET v = v + 1 WHERE v > $1", {20});
    });
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(*n, 3);
    // Statements that change no rows report 0, whatever ran before them.
    auto ddl = db_->Write([](Conn& c) -> Result<int64_t> {
        LINLI_TRY(c.Exec("DELETE FROM changed WHERE v < $1", {100}));
        return c.Exec("CREATE INDEX changed_v ON changed (v)");
    });
    ASSERT_TRUE(ddl) << ddl.error().message;
    EXPECT_EQ(*ddl, 0);
}

TEST_P(StorageContract, UniqueViolationIsConflictAndWritesNothing) {
    MustExec(*db_, "CREATE TABLE people (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
    MustExec(*db_, "INSERT INTO people (id, name) VALUES (1, 'a')");

    auto r = db_->Write([](Conn& c) -> Result<void> {
        LINLI_TRY(c.Exec("INSERT INTO people (id, name) VALUES ($1, $2)", {2, "b"}));
        LINLI_TRY(c.Exec("INSERT INTO people (id, name) VALUES ($1, $2)", {3, "a"}));
        return {};
    });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kConflict);
    EXPECT_EQ(r.error().field, "name");
    EXPECT_EQ(Count(*db_, "people"), 1);  // "b" went with the failed write

    auto pk = db_->Write([](Conn& c) { return c.Exec("INSERT INTO people (id, name) VALUES ($1, $2)", {1, "z"}); });
    ASSERT_FALSE(pk);
    EXPECT_EQ(pk.error().code, ErrorCode::kConflict);

    MustExec(*db_, "CREATE TABLE pairs (a BIGINT NOT NULL, b BIGINT NOT NULL, PRIMARY KEY (a, b))");
    MustExec(*db_, "INSERT INTO pairs (a, b) VALUES (1, 2)");
    auto pair = db_->Write([](Conn& c) { return c.Exec("INSERT INTO pairs (a, b) VALUES ($1, $2)", {1, 2}); });
    ASSERT_FALSE(pair);
    EXPECT_EQ(pair.error().code, ErrorCode::kConflict);
    EXPECT_EQ(pair.error().field, "a, b");
}

TEST_P(StorageContract, OtherConstraintViolationsAreInvalidArgument) {
    MustExec(*db_, "CREATE TABLE parents (id BIGINT PRIMARY KEY)");
    MustExec(*db_,
             "CREATE TABLE kids (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES parents (id), "
             "age BIGINT NOT NULL CONSTRAINT age_ok CHECK (age >= 0))");
    MustExec(*db_, "INSERT INTO parents (id) VALUES (1)");
    auto insert = [&](Param parent, Param age) {
        return db_->Write([&](Conn& c) {
            return c.Exec("INSERT INTO kids (id, parent_id, age) VALUES ($1, $2, $3)", {1, parent, age});
        });
    };

    auto missing_parent = insert(99, 3);
    ASSERT_FALSE(missing_parent);
    EXPECT_EQ(missing_parent.error().code, ErrorCode::kInvalidArgument);

    auto negative = insert(1, -1);
    ASSERT_FALSE(negative);
    EXPECT_EQ(negative.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(negative.error().field, "age_ok");

    auto null_age = insert(1, nullptr);
    ASSERT_FALSE(null_age);
    EXPECT_EQ(null_age.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(null_age.error().field, "age");

    EXPECT_EQ(Count(*db_, "kids"), 0);
    EXPECT_TRUE(insert(1, 7));
    EXPECT_EQ(Count(*db_, "kids"), 1);
}

TEST_P(StorageContract, BadSqlThrowsDatabaseError) {
    EXPECT_THROW((void)db_->Read([](Conn& c) { return c.Query("SELEC 1"); }), storage::DatabaseError);
    EXPECT_THROW((void)db_->Write([](Conn& c) { return c.Exec("INSERT INTO no_such_table VALUES (1)"); }),
                 storage::DatabaseError);
    EXPECT_THROW((void)db_->Read([](Conn& c) { return c.Query("SELECT $1, $2", {1}); }), storage::DatabaseError);
    // The database is still usable afterwards.
    auto ok = db_->Read([](Conn& c) { return c.QueryOne("SELECT 1", {}, "x"); });
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->Int(0), 1);
}

TEST_P(StorageContract, FailedWriteLeavesNothingWhileItsBatchNeighboursCommit) {
    MustExec(*db_, "CREATE TABLE batch_t (id BIGINT PRIMARY KEY, who TEXT NOT NULL)");
    const auto commits_before = db_->Stats().commits;
    constexpr int kEach = 8;
    std::atomic<int> good_ok{0};
    std::atomic<int> bad_rejected{0};
    std::vector<std::function<void()>> jobs;
    for (int i = 0; i < kEach; ++i) {
        jobs.push_back([&, i] {
            auto r = db_->Write([&](Conn& c) { return c.Exec("INSERT INTO batch_t VALUES ($1, 'good')", {i}); });
            if (r) {
                ++good_ok;
            }
        });
        jobs.push_back([&, i] {
            auto r = db_->Write([&](Conn& c) -> Result<void> {
                LINLI_TRY(c.Exec("INSERT INTO batch_t VALUES ($1, 'bad')", {100 + i}));
                return InvalidArgument("who", "changed my mind");
            });
            if (!r && r.error().code == ErrorCode::kInvalidArgument && r.error().message == "changed my mind") {
                ++bad_rejected;
            }
        });
    }
    for (auto& f : RunTogether(std::move(jobs))) {
        f.get();
    }
    EXPECT_EQ(good_ok, kEach);
    EXPECT_EQ(bad_rejected, kEach);
    EXPECT_EQ(Count(*db_, "batch_t"), kEach);
    auto bad = db_->Read([](Conn& c) { return c.QueryOne("SELECT COUNT(*) FROM batch_t WHERE who = 'bad'", {}, ""); });
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->Int(0), 0);
    if (IsSqlite()) {
        // The holding write's transaction, then ONE transaction for all sixteen.
        EXPECT_EQ(db_->Stats().commits - commits_before, 2);
    }
}

TEST_P(StorageContract, ExceptionReachesTheCallerAndRollsBackOnlyItsWrite) {
    MustExec(*db_, "CREATE TABLE throw_t (id BIGINT PRIMARY KEY)");
    std::atomic<bool> caught{false};
    std::atomic<bool> neighbour_ok{false};
    std::vector<std::function<void()>> jobs;
    jobs.push_back([&] {
        try {
            (void)db_->Write([](Conn& c) -> Result<void> {
                LINLI_TRY(c.Exec("INSERT INTO throw_t VALUES (1)"));
                throw std::runtime_error("boom");
            });
        } catch (const std::runtime_error& e) {
            caught = std::string(e.what()) == "boom";
        }
    });
    jobs.push_back(
        [&] { neighbour_ok = bool(db_->Write([](Conn& c) { return c.Exec("INSERT INTO throw_t VALUES (2)"); })); });
    for (auto& f : RunTogether(std::move(jobs))) {
        f.get();
    }
    EXPECT_TRUE(caught);
    EXPECT_TRUE(neighbour_ok);
    auto ids = db_->Read([](Conn& c) { return c.Query("SELECT id FROM throw_t"); });
    ASSERT_TRUE(ids);
    ASSERT_EQ(ids->size(), 1u);
    EXPECT_EQ((*ids)[0].Int(0), 2);
}

// A write alone in its batch runs without a savepoint (SQLite): its failure must still undo it all.
TEST_P(StorageContract, ALoneWriteThatThrowsLeavesNothingAndTheNextOneCommits) {
    MustExec(*db_, "CREATE TABLE lone_t (id BIGINT PRIMARY KEY)");
    EXPECT_THROW((void)db_->Write([](Conn& c) -> Result<void> {
        LINLI_TRY(c.Exec("INSERT INTO lone_t VALUES (1)"));
        throw std::runtime_error("boom");
    }),
                 std::runtime_error);
    auto failed = db_->Write([](Conn& c) -> Result<void> {
        LINLI_TRY(c.Exec("INSERT INTO lone_t VALUES (2)"));
        return Error{ErrorCode::kInvalidArgument, "changed my mind", "id"};
    });
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().field, "id");
    ASSERT_TRUE(db_->Write([](Conn& c) { return c.Exec("INSERT INTO lone_t VALUES (3)"); }));
    auto ids = db_->Read([](Conn& c) { return c.Query("SELECT id FROM lone_t"); });
    ASSERT_TRUE(ids);
    ASSERT_EQ(ids->size(), 1u);
    EXPECT_EQ((*ids)[0].Int(0), 3);
}

TEST_P(StorageContract, ReadSeesTheWriteThatJustReturned) {
    MustExec(*db_, "CREATE TABLE ryw (id BIGINT PRIMARY KEY, v TEXT NOT NULL)");
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(db_->Write([&](Conn& c) { return c.Exec("INSERT INTO ryw VALUES ($1, $2)", {i, "v"}); }));
        auto seen = db_->Read([&](Conn& c) { return c.Query("SELECT v FROM ryw WHERE id = $1", {i}); });
        ASSERT_TRUE(seen);
        ASSERT_EQ(seen->size(), 1u) << "write " << i << " not visible after Write returned";
    }
}

TEST_P(StorageContract, ManyConcurrentWritersAllCommit) {
    MustExec(*db_, "CREATE TABLE hits (thread BIGINT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (thread, seq))");
    constexpr int kThreads = 64;
    constexpr int kWrites = 50;
    const auto before = db_->Stats();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kWrites; ++i) {
                auto w = db_->Write([&](Conn& c) { return c.Exec("INSERT INTO hits VALUES ($1, $2)", {t, i}); });
                // And each writer sees its own write at once.
                auto r = db_->Read([&](Conn& c) {
                    return c.Query("SELECT 1 FROM hits WHERE thread = $1 AND seq = $2", {t, i});
                });
                if (!w || !r || r->size() != 1) {
                    ++failures;
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(Count(*db_, "hits"), kThreads * kWrites);
    const auto after = db_->Stats();
    EXPECT_EQ(after.writes - before.writes, kThreads * kWrites);
    if (IsSqlite()) {
        EXPECT_LT(after.commits - before.commits, after.writes - before.writes) << "no group commit happened";
        EXPECT_EQ(after.queue_depth, 0);
    }
}

storage::EmbeddedMigration Migration(int version, std::string_view name, std::string_view sql) {
    return storage::EmbeddedMigration{version, name, "shared", sql};
}

TEST_P(StorageContract, MigrationsApplyOnce) {
    const std::vector<storage::EmbeddedMigration> first = {
        Migration(1, "0001_places",
                  "CREATE TABLE places (id BIGINT PRIMARY KEY, name TEXT NOT NULL);\n"
                  "-- a comment; with a semicolon\n"
                  "INSERT INTO places (id, name) VALUES (1, 'a;b');"),
        Migration(2, "0002_place_index", "CREATE INDEX places_name ON places (name);"),
    };
    auto v0 = db_->SchemaVersion();
    ASSERT_TRUE(v0) << v0.error().message;
    EXPECT_EQ(*v0, 0);

    auto applied = storage::MigrateWith(*db_, first);
    ASSERT_TRUE(applied) << applied.error().message;
    EXPECT_EQ(*applied, 2);
    EXPECT_EQ(*db_->SchemaVersion(), 2);

    auto again = storage::MigrateWith(*db_, first);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, 0);
    EXPECT_EQ(Count(*db_, "places"), 1);  // the data step ran once

    auto next = first;
    next.push_back(Migration(3, "0003_more", "ALTER TABLE places ADD COLUMN note TEXT;"));
    EXPECT_EQ(*storage::MigrateWith(*db_, next), 1);
    EXPECT_EQ(*db_->SchemaVersion(), 3);

    auto recorded =
        db_->Read([](Conn& c) { return c.Query("SELECT version, name FROM schema_migrations ORDER BY version"); });
    ASSERT_TRUE(recorded);
    ASSERT_EQ(recorded->size(), 3u);
    EXPECT_EQ((*recorded)[2].Text(1), "0003_more");
}

TEST_P(StorageContract, FailedMigrationIsRolledBackAndReported) {
    const std::vector<storage::EmbeddedMigration> list = {
        Migration(1, "0001_ok", "CREATE TABLE ok_t (id BIGINT PRIMARY KEY);"),
        Migration(2, "0002_broken", "CREATE TABLE half_t (id BIGINT PRIMARY KEY);\nCREATE TABLEX nope (id BIGINT);"),
    };
    auto r = storage::MigrateWith(*db_, list);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInternal);
    EXPECT_NE(r.error().message.find("0002_broken"), std::string::npos) << r.error().message;
    EXPECT_EQ(*db_->SchemaVersion(), 1);
    EXPECT_EQ(Count(*db_, "ok_t"), 0);
    EXPECT_THROW((void)db_->Read([](Conn& c) { return c.Query("SELECT id FROM half_t"); }), storage::DatabaseError);
}

TEST_P(StorageContract, ConcurrentMigratorsApplyEachMigrationOnce) {
    const std::vector<storage::EmbeddedMigration> list = {
        Migration(1, "0001_a", "CREATE TABLE a_t (id BIGINT PRIMARY KEY); INSERT INTO a_t VALUES (1);"),
        Migration(2, "0002_b", "CREATE TABLE b_t (id BIGINT PRIMARY KEY);"),
        Migration(3, "0003_c", "INSERT INTO a_t VALUES (2);"),
    };
    std::vector<std::future<Result<int>>> runs;
    for (int i = 0; i < 4; ++i) {
        runs.push_back(std::async(std::launch::async, [&] { return storage::MigrateWith(*db_, list); }));
    }
    int total = 0;
    for (auto& run : runs) {
        auto r = run.get();
        ASSERT_TRUE(r) << r.error().message;
        total += *r;
    }
    EXPECT_EQ(total, 3);
    EXPECT_EQ(Count(*db_, "a_t"), 2);
    EXPECT_EQ(*db_->SchemaVersion(), 3);
}

TEST_P(StorageContract, EmbeddedMigrationsApplyOnce) {
    const auto expected = storage::MigrationsFor(db_->dialect());
    auto first = db_->Migrate();
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(*first, static_cast<int>(expected.size()));
    auto second = db_->Migrate();
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(*second, 0);
    EXPECT_EQ(*db_->SchemaVersion(), expected.empty() ? 0 : expected.back().version);
}

TEST_P(StorageContract, BackupHoldsTheData) {
    MustExec(*db_, "CREATE TABLE backed_up (id BIGINT PRIMARY KEY, s TEXT NOT NULL)");
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(db_->Write([&](Conn& c) { return c.Exec("INSERT INTO backed_up VALUES ($1, '备份')", {i}); }));
    }
    const std::string dir = MakeTempDir();
    const std::string file = dir + "/backup.db";
    if (IsSqlite()) {
        auto r = db_->Backup(file);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
        storage::Options options;
        options.url = "sqlite:" + file;
        auto copy = storage::Open(options);
        ASSERT_TRUE(copy) << copy.error().message;
        auto rows = (*copy)->Read([](Conn& c) { return c.Query("SELECT COUNT(*), MIN(s) FROM backed_up"); });
        ASSERT_TRUE(rows) << rows.error().message;
        EXPECT_EQ((*rows)[0].Int(0), 10);
        EXPECT_EQ((*rows)[0].Text(1), "备份");
        (*copy)->Close();
    } else {
        if (!OnPath("pg_dump")) {
            std::filesystem::remove_all(dir);
            GTEST_SKIP() << "pg_dump is not installed";
        }
        auto r = db_->Backup(file);
        ASSERT_TRUE(r) << r.error().message;
        std::ifstream in(file, std::ios::binary);
        std::string magic(5, '\0');
        in.read(magic.data(), 5);
        EXPECT_EQ(magic, "PGDMP");  // pg_dump's custom format
        if (OnPath("pg_restore")) {
            std::string listing;
            if (FILE* p = ::popen(("pg_restore --list " + file).c_str(), "r")) {
                char buf[4096];
                size_t n = 0;
                while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
                    listing.append(buf, n);
                }
                ::pclose(p);
            }
            EXPECT_NE(listing.find("backed_up"), std::string::npos) << listing;
        }
    }
    std::filesystem::remove_all(dir);
}

TEST_P(StorageContract, CloseFinishesQueuedWritesThenRefusesNewOnes) {
    MustExec(*db_, "CREATE TABLE closing_t (id BIGINT PRIMARY KEY)");
    constexpr int kQueued = 12;
    constexpr int kPool = 4;  // Options::readers default: the PostgreSQL pool size
    const auto writes_before = db_->Stats().writes;

    std::promise<void> gate;
    std::shared_future<void> open = gate.get_future().share();
    std::atomic<int> inside{0};
    std::vector<std::future<bool>> writers;
    std::future<bool> blocker;
    if (IsSqlite()) {
        // One write holds the writer thread; the rest queue behind it.
        blocker = std::async(std::launch::async, [&] {
            return bool(db_->Write([&](Conn&) -> Result<void> {
                ++inside;
                open.wait();
                return {};
            }));
        });
        while (inside < 1) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    for (int i = 0; i < kQueued; ++i) {
        writers.push_back(std::async(std::launch::async, [&, i] {
            return bool(db_->Write([&](Conn& c) -> Result<int64_t> {
                if (!IsSqlite()) {
                    ++inside;
                    open.wait();  // holds a pooled connection; the others wait for one
                }
                return c.Exec("INSERT INTO closing_t VALUES ($1)", {i});
            }));
        }));
    }
    const int64_t expected_waiting = IsSqlite() ? kQueued : kQueued - kPool;
    while (db_->Stats().queue_depth < expected_waiting || (!IsSqlite() && inside < kPool)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }

    auto closer = std::async(std::launch::async, [&] { db_->Close(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let Close() start waiting
    gate.set_value();
    closer.get();
    if (blocker.valid()) {
        EXPECT_TRUE(blocker.get());
    }
    int ok = 0;
    for (auto& w : writers) {
        ok += w.get() ? 1 : 0;
    }
    EXPECT_EQ(ok, kQueued);
    EXPECT_EQ(db_->Stats().writes - writes_before, kQueued + (IsSqlite() ? 1 : 0));

    auto late = db_->Write([](Conn& c) { return c.Exec("INSERT INTO closing_t VALUES (999)"); });
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, ErrorCode::kUnavailable);
    auto late_read = db_->Read([](Conn& c) { return c.Query("SELECT 1"); });
    ASSERT_FALSE(late_read);
    EXPECT_EQ(late_read.error().code, ErrorCode::kUnavailable);
    db_->Close();  // idempotent
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageContract, ::testing::ValuesIn(testing::AvailableBackends()),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                             return testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace linli
