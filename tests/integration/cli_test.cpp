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
    for (const char* sub : {"serve", "migrate", "demo", "backup", "version", "user", "user add"}) {
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

TEST_F(Cli, DemoLoadsOnceAndBackupCopiesIt) {
    auto first = RunLinli("demo " + db);
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_NE(first.output.find("admin"), std::string::npos);
    auto second = RunLinli("demo " + db);
    EXPECT_EQ(second.exit_code, 0) << second.output;
    EXPECT_NE(second.output.find("already loaded"), std::string::npos);

    auto copy = dir / "copy.db";
    auto backup = RunLinli("backup " + copy.string() + " " + db);
    ASSERT_EQ(backup.exit_code, 0) << backup.output;
    // The copy is a working database with the same accounts.
    auto list = RunLinli("user list --key-file " + (dir / "linli.key").string() + " --db sqlite:" + copy.string());
    EXPECT_NE(list.output.find("grid_qhj_01"), std::string::npos) << list.output;
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
    pid_t pid = fork();
    if (pid == 0) {
        std::string cmd = std::string(LINLI_BINARY) + " serve --listen 127.0.0.1:0 " + db + " > " + log.string() + " 2>&1";
        execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    // Wait for the "serving on http://127.0.0.1:PORT" line.
    uint16_t port = 0;
    for (int i = 0; i < 200 && port == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::ifstream in(log);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::smatch m;
        if (std::regex_search(text, m, std::regex("serving on http://127\\.0\\.0\\.1:([0-9]+)"))) {
            port = static_cast<uint16_t>(std::stoi(m[1]));
        }
    }
    ASSERT_NE(port, 0) << "server did not start";
    HttpClient client(port);
    EXPECT_EQ(client.Get("/healthz").status, 200);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("linli stopped"), std::string::npos) << text;
}

}  // namespace
}  // namespace linli::testing
