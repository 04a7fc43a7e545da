// The `linli` command as an operator uses it: help, config precedence, users, backup, SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "app/config.hpp"
#include "app/demo.hpp"
#include "support/http_client.hpp"

namespace linli::testing {
namespace {

namespace fs = std::filesystem;

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

/// Runs the real binary through the shell with `args`; `input` goes to stdin.
CommandResult RunLinli(const std::string& args, const std::string& input = {}) {
    fs::path in = fs::temp_directory_path() / ("linli-cli-in-" + std::to_string(getpid()));
    std::ofstream(in) << input;
    std::string cmd = std::string(LINLI_BINARY) + " " + args + " < " + in.string() + " 2>&1";
    CommandResult r;
    FILE* pipe = popen(cmd.c_str(), "r");
    std::array<char, 4096> buf{};
    size_t n = 0;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) {
        r.output.append(buf.data(), n);
    }
    int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    fs::remove(in);
    return r;
}

/// A `linli serve` child process on an ephemeral loopback port.
struct Served {
    pid_t pid = -1;
    uint16_t port = 0;  // 0: it did not start
};

/// Starts `linli serve` with `args`, its output going to `log`, and waits for its "serving on" line.
Served Serve(const std::string& args, const fs::path& log) {
    Served s;
    s.pid = fork();
    if (s.pid == 0) {
        std::string cmd =
            std::string(LINLI_BINARY) + " serve --listen 127.0.0.1:0 " + args + " > " + log.string() + " 2>&1";
        execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    for (int i = 0; i < 200 && s.port == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::ifstream in(log);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::smatch m;
        if (std::regex_search(text, m, std::regex("serving on http://127\\.0\\.0\\.1:([0-9]+)"))) {
            s.port = static_cast<uint16_t>(std::stoi(m[1]));
        }
    }
    if (s.port == 0) {  // no server to talk to: leave no process behind either
        kill(s.pid, SIGKILL);
        waitpid(s.pid, nullptr, 0);
    }
    return s;
}

/// Sends SIGTERM and returns the exit status as waitpid reports it.
int StopServed(const Served& s) {
    kill(s.pid, SIGTERM);
    int status = 0;
    waitpid(s.pid, &status, 0);
    return status;
}

class Cli : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("linli-cli-" + std::to_string(getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir);
        db = "--db sqlite:" + (dir / "linli.db").string() + " --key-file " + (dir / "linli.key").string() +
             " --password-cost minimum";
    }
    void TearDown() override { fs::remove_all(dir); }
    fs::path dir;
    std::string db;
};

TEST_F(Cli, EverySubcommandHasHelp) {
    for (const char* sub : {"serve", "migrate", "demo", "backup", "version", "user", "user add", "user passwd"}) {
        auto r = RunLinli(std::string(sub) + " --help");
        EXPECT_EQ(r.exit_code, 0) << sub << ": " << r.output;
        EXPECT_NE(r.output.find("Usage"), std::string::npos) << sub;
    }
    auto r = RunLinli("version");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.output.find("linli "), std::string::npos);
}

TEST_F(Cli, MigrateReportsTheSchemaVersion) {
    auto r = RunLinli("migrate " + db);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("schema at version"), std::string::npos);
}

TEST_F(Cli, UsersAreAddedListedAndDisabled) {
    auto added = RunLinli("user add wang --role community_staff --name 王芳 --password-stdin " + db, "A-long-passw0rd\n");
    ASSERT_EQ(added.exit_code, 0) << added.output;
    auto list = RunLinli("user list " + db);
    EXPECT_NE(list.output.find("wang"), std::string::npos);
    EXPECT_NE(list.output.find("community_staff"), std::string::npos);
    EXPECT_EQ(list.output.find("A-long-passw0rd"), std::string::npos);
    auto passwd = RunLinli("user passwd wang --password-stdin " + db, "Another-long-passw0rd\n");
    EXPECT_EQ(passwd.exit_code, 0) << passwd.output;
    EXPECT_NE(passwd.output.find("set the password of wang"), std::string::npos);
    auto weak_reset = RunLinli("user passwd wang --password-stdin " + db, "short\n");
    EXPECT_NE(weak_reset.exit_code, 0);
    EXPECT_NE(weak_reset.output.find("password"), std::string::npos);
    auto nobody = RunLinli("user passwd nobody --password-stdin " + db, "Another-long-passw0rd\n");
    EXPECT_NE(nobody.exit_code, 0);
    auto disabled = RunLinli("user disable wang " + db);
    EXPECT_EQ(disabled.exit_code, 0) << disabled.output;
    EXPECT_NE(RunLinli("user list " + db).output.find("disabled"), std::string::npos);

    auto bad_role = RunLinli("user add lisi --role emperor --password-stdin " + db, "A-long-passw0rd\n");
    EXPECT_NE(bad_role.exit_code, 0);
    EXPECT_NE(bad_role.output.find("role"), std::string::npos);
    auto weak = RunLinli("user add lisi --role volunteer --password-stdin " + db, "short\n");
    EXPECT_NE(weak.exit_code, 0);
    EXPECT_NE(weak.output.find("password"), std::string::npos);
}

/// The id of the child of `parent` (or of the root, without one) named `name`; 0 when absent.
int64_t NodeNamed(HttpClient& client, std::optional<int64_t> parent, const std::string& name) {
    auto reply = client.Get("/api/v1/territory/nodes" + (parent ? "?parent_id=" + std::to_string(*parent) : ""));
    EXPECT_EQ(reply.status, 200) << reply.body;
    const auto json = reply.Json();
    for (const auto& item : json.at("items").as_array()) {
        if (item.at("name").as_string() == name) {
            return item.at("id").as_int64();
        }
    }
    return 0;
}

double Share(int64_t part, int64_t whole) {
    return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// One load of the demo serves every check below: it takes a while in a Debug build.
TEST_F(Cli, DemoLoadsOnceWithItsCarersAndBackupCopiesIt) {
    auto first = RunLinli("demo " + db);
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_NE(first.output.find("admin"), std::string::npos);
    // The summary counts the carers but lists only the demo's own accounts, whose password it prints.
    EXPECT_NE(first.output.find("grid workers"), std::string::npos) << first.output;
    EXPECT_NE(first.output.find("household-link leaders"), std::string::npos) << first.output;
    EXPECT_EQ(first.output.find("grid_qhj_02"), std::string::npos) << first.output;
    EXPECT_NE(first.output.find(app::kDemoPassword), std::string::npos);
    auto second = RunLinli("demo " + db);
    EXPECT_EQ(second.exit_code, 0) << second.output;
    EXPECT_NE(second.output.find("already loaded"), std::string::npos);

    auto copy = dir / "copy.db";
    auto backup = RunLinli("backup " + copy.string() + " " + db);
    ASSERT_EQ(backup.exit_code, 0) << backup.output;
    // The copy is a working database with the same accounts.
    auto list = RunLinli("user list --key-file " + (dir / "linli.key").string() + " --db sqlite:" + copy.string());
    EXPECT_NE(list.output.find("grid_qhj_01"), std::string::npos) << list.output;
    EXPECT_NE(list.output.find("link_lt_"), std::string::npos);

    // What a leader sees in the coverage report: mostly covered, with gaps.
    Served served = Serve(db, dir / "serve.log");
    ASSERT_NE(served.port, 0) << "server did not start";
    HttpClient admin(served.port);
    ASSERT_EQ(admin.Login("admin", app::kDemoPassword).status, 200);
    const int64_t subdistrict = NodeNamed(admin, std::nullopt, "和平街道");
    const int64_t qhj = NodeNamed(admin, subdistrict, "青和居社区");
    const int64_t lt = NodeNamed(admin, subdistrict, "流塘社区");
    ASSERT_TRUE(subdistrict > 0 && qhj > 0 && lt > 0);
    auto coverage = [&](int64_t node) {
        auto reply = admin.Get("/api/v1/coverage?node_id=" + std::to_string(node));
        EXPECT_EQ(reply.status, 200) << reply.body;
        return reply.Json().as_object();
    };

    auto qinghe = coverage(qhj);
    const auto& qt = qinghe.at("totals").as_object();
    EXPECT_EQ(qt.at("grids").as_int64(), 15);
    EXPECT_EQ(qt.at("grids_without_worker").as_int64(), 0);
    int64_t qhj_grid2 = 0;
    for (const auto& grid : qinghe.at("grids").as_array()) {
        EXPECT_TRUE(grid.at("has_grid_worker").as_bool()) << grid.at("grid_name").as_string();
        if (grid.at("grid_name").as_string() == "第2网格") {
            qhj_grid2 = grid.at("grid_id").as_int64();
        }
    }
    EXPECT_EQ(qt.at("buildings").as_int64(), 19);
    EXPECT_EQ(qt.at("buildings_without_head").as_int64(), 1);
    EXPECT_EQ(qt.at("households").as_int64(), 5235);
    const double qhj_households = 1.0 - Share(qt.at("households_without_link_leader").as_int64(), 5235);
    EXPECT_GE(qhj_households, 0.94);
    EXPECT_LT(qhj_households, 1.0);  // a few households still have nobody

    auto liutang = coverage(lt);
    const auto& lt_totals = liutang.at("totals").as_object();
    EXPECT_EQ(lt_totals.at("grids").as_int64(), 20);
    EXPECT_EQ(lt_totals.at("grids_without_worker").as_int64(), 1);
    EXPECT_EQ(lt_totals.at("buildings").as_int64(), 792);
    const double lt_heads = 1.0 - Share(lt_totals.at("buildings_without_head").as_int64(), 792);
    EXPECT_GE(lt_heads, 0.80);
    EXPECT_LE(lt_heads, 0.90);
    const double lt_households =
        1.0 - Share(lt_totals.at("households_without_link_leader").as_int64(), lt_totals.at("households").as_int64());
    EXPECT_GE(lt_households, 0.40);
    EXPECT_LE(lt_households, 0.60);
    EXPECT_EQ(coverage(subdistrict).at("totals").at("grids_without_worker").as_int64(), 1);
    // The demo's summary says what the report says.
    auto grouped = [](int64_t n) {
        std::string digits = std::to_string(n);
        for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
            digits.insert(static_cast<size_t>(i), ",");
        }
        return digits;
    };
    for (const auto* totals : {&qt, &lt_totals}) {
        const int64_t households = totals->at("households").as_int64();
        const std::string line =
            "buildings with a head " +
            grouped(totals->at("buildings").as_int64() - totals->at("buildings_without_head").as_int64()) + "/" +
            grouped(totals->at("buildings").as_int64()) + ", households with a link leader " +
            grouped(households - totals->at("households_without_link_leader").as_int64()) + "/" + grouped(households);
        EXPECT_NE(first.output.find(line), std::string::npos) << line << "\n" << first.output;
    }

    // A link leader looks after 10 to 30 households, and sees them.
    auto leaders = admin.Get("/api/v1/users?role=link_leader&limit=500");
    ASSERT_EQ(leaders.status, 200) << leaders.body;
    const auto leaders_json = leaders.Json();
    const auto& leader_items = leaders_json.at("items").as_array();
    ASSERT_GT(leader_items.size(), 100u);
    for (const auto& leader : leader_items) {
        if (leader.at("username").as_string() == "link_qhj_u1") {
            continue;  // the demo's own: scoped to its unit
        }
        const auto scope = leader.at("scope_node_ids").as_array().size();
        EXPECT_GE(scope, 10u) << leader.at("username").as_string();
        EXPECT_LE(scope, 30u) << leader.at("username").as_string();
        EXPECT_TRUE(leader.at("password_changed_at").is_null()) << leader.at("username").as_string();
    }

    // A carer has no password: logging in fails exactly like a wrong password ...
    HttpClient carer(served.port);
    auto refused = carer.Login("grid_qhj_02", app::kDemoPassword);
    HttpClient stranger(served.port);
    auto wrong = stranger.Login("staff_qhj", "Not-the-passw0rd");
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_EQ(refused.status, wrong.status);
    EXPECT_EQ(refused.Json().at("error").at("message"), wrong.Json().at("error").at("message"));
    for (const char* attempt : {"", "!"}) {  // nothing stands in for the missing password
        EXPECT_EQ(carer.Login("grid_qhj_02", attempt).status, 401) << attempt;
    }

    // ... until an administrator sets one; then the grid worker sees the coverage of their grid only.
    auto found = admin.Get("/api/v1/users?q=grid_qhj_02");
    ASSERT_EQ(found.status, 200);
    ASSERT_EQ(found.Json().at("items").as_array().size(), 1u);
    const int64_t carer_id = found.Json().at("items").at(0).at("id").as_int64();
    auto set = admin.Patch("/api/v1/users/" + std::to_string(carer_id),
                           boost::json::object{{"password", "Carer-passw0rd-2026"}});
    ASSERT_EQ(set.status, 200) << set.body;
    ASSERT_EQ(carer.Login("grid_qhj_02", "Carer-passw0rd-2026").status, 200);
    auto own = carer.Get("/api/v1/coverage?node_id=" + std::to_string(qhj_grid2));
    EXPECT_EQ(own.status, 200) << own.body;
    EXPECT_EQ(carer.Get("/api/v1/coverage?node_id=" + std::to_string(qhj)).status, 404);

    int status = StopServed(served);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(Cli, BadSettingsNameTheKey) {
    auto r = RunLinli("migrate --workers many " + db);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("server.workers"), std::string::npos) << r.output;
    std::ofstream(dir / "bad.toml") << "[server]\nlisten = \"127.0.0.1:8080\"\nlistne = \"x\"\n";
    r = RunLinli("migrate --config " + (dir / "bad.toml").string() + " " + db);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("server.listne"), std::string::npos) << r.output;
}

TEST(Config, FileThenEnvironmentThenFlags) {
    auto dir = fs::temp_directory_path() / ("linli-config-" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "linli.toml") << "[server]\nlisten = \"0.0.0.0:9000\"\nworkers = 8\n"
                                         "[database]\nurl = \"sqlite:/tmp/a.db\"\n";
    app::Config c;
    ASSERT_TRUE(app::ApplyTomlFile(c, (dir / "linli.toml").string(), true));
    EXPECT_EQ(c.listen, "0.0.0.0:9000");
    EXPECT_EQ(c.workers, 8);
    ASSERT_TRUE(app::ApplyEnvironment(c, {{"LINLI_WORKERS", "12"}, {"LINLI_DB", "sqlite:/tmp/b.db"}}));
    EXPECT_EQ(c.workers, 12);
    EXPECT_EQ(c.db, "sqlite:/tmp/b.db");
    ASSERT_TRUE(app::ApplySetting(c, "server.workers", "20"));
    EXPECT_EQ(c.workers, 20);
    EXPECT_EQ(c.listen, "0.0.0.0:9000");
    EXPECT_FALSE(app::ApplyTomlFile(c, (dir / "missing.toml").string(), true));
    EXPECT_TRUE(app::ApplyTomlFile(c, (dir / "missing.toml").string(), false));
    fs::remove_all(dir);
}

TEST_F(Cli, SigtermStopsTheServerCleanly) {
    ASSERT_EQ(RunLinli("migrate " + db).exit_code, 0);
    auto log = dir / "serve.log";
    Served served = Serve(db, log);
    ASSERT_NE(served.port, 0) << "server did not start";
    HttpClient client(served.port);
    EXPECT_EQ(client.Get("/healthz").status, 200);
    int status = StopServed(served);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("linli stopped"), std::string::npos) << text;
}

}  // namespace
}  // namespace linli::testing
