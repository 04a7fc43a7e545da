// Ledgers out and error reports back, as an office and a grid worker use them over HTTP and the
// command line: the households ledger (scoped, sorted, escaped), exports that reveal personal data
// only with the right and a reason (audited), and an import's error report that carries the
// rejected rows so it can be corrected and imported again.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "core/id_number.hpp"
#include "modules/ledger/csv_reader.hpp"
#include "modules/ledger/xlsx_reader.hpp"
#include "support/test_server.hpp"

namespace linli::testing {
namespace {

std::string ValidId(const std::string& first17) {
    return first17 + id_number::CheckCharacter(first17);
}

std::string WrongCheckDigit(const std::string& id) {
    return id.substr(0, 17) + (id[17] == '1' ? "2" : "1");
}

/// The ledger as a spreadsheet program would read it.
ledger::Table ReadCsv(const std::string& body) {
    auto table = ledger::ReadCsv(body);
    EXPECT_TRUE(table) << body;
    return table ? std::move(*table) : ledger::Table{};
}

/// The data row whose cell in `column` equals `value`; fails the test when there is none.
const ledger::Row* RowWith(const ledger::Table& table, const std::string& column, const std::string& value) {
    auto col = std::find(table.header.begin(), table.header.end(), column);
    EXPECT_NE(col, table.header.end()) << column;
    if (col == table.header.end()) {
        return nullptr;
    }
    const auto c = static_cast<size_t>(col - table.header.begin());
    for (const auto& row : table.rows) {
        if (row.cells.at(c) == value) {
            return &row;
        }
    }
    ADD_FAILURE() << "no row with " << column << " = " << value;
    return nullptr;
}

std::string Cell(const ledger::Table& table, const ledger::Row* row, const std::string& column) {
    auto col = std::find(table.header.begin(), table.header.end(), column);
    if (row == nullptr || col == table.header.end()) {
        ADD_FAILURE() << "no column " << column;
        return {};
    }
    return row->cells.at(static_cast<size_t>(col - table.header.begin()));
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
    for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
        s.replace(pos, from.size(), to);
    }
}

class Exports : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        subdistrict = server->CreateNode(std::nullopt, "subdistrict", "和平街道");
        community = server->CreateNode(subdistrict, "community", "青和居社区");
        grid_a = server->CreateNode(community, "grid", "第1网格");
        grid_b = server->CreateNode(community, "grid", "第2网格");
        server->CreateUser("admin1", Role::kAdmin);
        server->CreateUser("grid_a", Role::kGridWorker, {grid_a});
        server->CreateUser("head_a", Role::kBuildingHead, {grid_a});
    }

    /// Uploads `csv` and polls until the import finishes; returns the final status.
    boost::json::value Import(HttpClient& client, int64_t into, const std::string& csv, bool skip_invalid = false) {
        std::string url = "/api/v1/residents/imports?into=" + std::to_string(into);
        if (skip_invalid) {
            url += "&skip_invalid=true";
        }
        auto started = client.Send("POST", url, csv, {{"Content-Type", "text/csv"}});
        EXPECT_EQ(started.status, 202) << started.body;
        std::string status_url(started.Json().at("status_url").as_string());
        for (int i = 0; i < 500; ++i) {
            auto status = client.Get(status_url);
            EXPECT_EQ(status.status, 200) << status.body;
            auto json = status.Json();
            std::string phase(json.at("phase").as_string());
            if (phase == "done" || phase == "failed") {
                return json;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ADD_FAILURE() << "import did not finish";
        return {};
    }

    /// Two households in grid A's 1号楼 (one with a son), one each in 2号楼 and 10号楼, one whose
    /// room is a formula; one household in grid B. 王建国's household gets a link leader.
    void LoadCity() {
        HttpClient admin = server->LoggedIn("admin1");
        const std::string a = kHeader + "王建国," + kWang + ",13812345678,1号楼,1单元,101,户主,户籍,独居,自有\r\n" +
                              "王小明," + kWangSon + ",,1号楼,1单元,101,子女,户籍,,自有\r\n" + "赵丽," + kZhao +
                              ",13700001111,10号楼,1单元,101,户主,流动,,租住\r\n" + "钱伟," + kQian +
                              ",,2号楼,1单元,101,户主,户籍,低保,\r\n" + "孙强," + kSun +
                              ",,1号楼,1单元,=1+2,户主,户籍,,\r\n";
        const std::string b = kHeader + "李芳," + kLi + ",13998765432,5号楼,1单元,201,户主,流动,,租住\r\n";
        ASSERT_TRUE(Import(admin, grid_a, a).at("result").at("committed").as_bool());
        ASSERT_TRUE(Import(admin, grid_b, b).at("result").at("committed").as_bool());

        auto leader = admin.Post("/api/v1/users", {{"username", "leader_a"},
                                                   {"display_name", "王阿姨"},
                                                   {"password", "Leader-passw0rd"},
                                                   {"role", "link_leader"},
                                                   {"scope_node_ids", boost::json::array{grid_a}}});
        ASSERT_EQ(leader.status, 201) << leader.body;
        auto wang = admin.Get("/api/v1/residents?q=" + std::string("%E7%8E%8B%E5%BB%BA%E5%9B%BD"));  // 王建国
        ASSERT_EQ(wang.status, 200) << wang.body;
        const int64_t household = wang.Json().at("items").at(0).at("household").at("id").as_int64();
        auto assigned = admin.Post("/api/v1/assignments", {{"role", "link_leader"},
                                                           {"user_id", leader.Json().at("id")},
                                                           {"node_ids", boost::json::array{household}}});
        ASSERT_EQ(assigned.status, 201) << assigned.body;
    }

    /// The newest audit row of `action`.
    boost::json::value LatestAudit(const std::string& action) {
        auto audit = server->LoggedIn("admin1").Get("/api/v1/audit?action=" + action);
        EXPECT_EQ(audit.status, 200) << audit.body;
        const auto json = audit.Json();
        const auto& items = json.at("items").as_array();
        EXPECT_FALSE(items.empty()) << action;
        return items.empty() ? boost::json::value() : items.at(0);
    }

    std::unique_ptr<TestServer> server;
    int64_t subdistrict = 0, community = 0, grid_a = 0, grid_b = 0;
    const std::string kHeader = "姓名,身份证号,联系电话,楼栋,单元,房号,与户主关系,户籍类型,标签,居住类型\r\n";
    const std::string kWang = ValidId("11010819500101001");  // over 65
    const std::string kWangSon = ValidId("11010819800303003");
    const std::string kLi = ValidId("11010819880202002");
    const std::string kZhao = ValidId("11010819900404004");
    const std::string kQian = ValidId("11010819910505005");
    const std::string kSun = ValidId("11010819920606006");
    const std::string kZhou = ValidId("11010819930707007");
};

TEST_P(Exports, TheHouseholdsLedgerShowsPlaceTenureHeadMembersLinkLeaderAndTags) {
    LoadCity();
    HttpClient admin = server->LoggedIn("admin1");
    auto reply = admin.Get("/api/v1/households/export?format=csv&node_id=" + std::to_string(community));
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_NE(reply.Header("content-disposition").find("households.csv"), std::string::npos);
    EXPECT_EQ(reply.Header("cache-control"), "no-store");
    auto table = ReadCsv(reply.body);
    EXPECT_EQ(table.header, (std::vector<std::string>{"社区", "网格", "楼栋", "单元", "房号", "住房性质", "户主",
                                                      "户主联系电话", "在住人数", "联户长", "标签"}));
    ASSERT_EQ(table.rows.size(), 5u);

    const auto* wang = RowWith(table, "户主", "王建国");
    EXPECT_EQ(Cell(table, wang, "社区"), "青和居社区");
    EXPECT_EQ(Cell(table, wang, "网格"), "第1网格");
    EXPECT_EQ(Cell(table, wang, "楼栋"), "1号楼");
    EXPECT_EQ(Cell(table, wang, "单元"), "1单元");
    EXPECT_EQ(Cell(table, wang, "房号"), "101");
    EXPECT_EQ(Cell(table, wang, "住房性质"), "自有");
    EXPECT_EQ(Cell(table, wang, "户主联系电话"), "138****5678");
    EXPECT_EQ(Cell(table, wang, "在住人数"), "2");
    EXPECT_EQ(Cell(table, wang, "联户长"), "王阿姨");
    EXPECT_NE(Cell(table, wang, "标签").find("独居"), std::string::npos);
    EXPECT_NE(Cell(table, wang, "标签").find("老年人"), std::string::npos);  // computed from the birth date

    const auto* zhao = RowWith(table, "户主", "赵丽");
    EXPECT_EQ(Cell(table, zhao, "住房性质"), "租住");
    EXPECT_EQ(Cell(table, zhao, "联户长"), "");
    EXPECT_EQ(Cell(table, zhao, "在住人数"), "1");
    EXPECT_NE(Cell(table, zhao, "标签").find("流动人口"), std::string::npos);
    EXPECT_NE(Cell(table, RowWith(table, "户主", "钱伟"), "标签").find("低保"), std::string::npos);
    EXPECT_EQ(Cell(table, RowWith(table, "户主", "李芳"), "网格"), "第2网格");

    // By place, numbers as numbers: 1号楼 (101 then the formula room), 2号楼, 10号楼, then grid B.
    std::vector<std::string> order;
    for (const auto& row : table.rows) {
        order.push_back(row.cells.at(6));
    }
    EXPECT_EQ(order, (std::vector<std::string>{"王建国", "孙强", "钱伟", "赵丽", "李芳"}));

    // A room that a spreadsheet would run as a formula is written as text.
    EXPECT_NE(reply.body.find(",'=1+2,"), std::string::npos) << reply.body;
    EXPECT_EQ(reply.body.find(",=1+2,"), std::string::npos);
    EXPECT_EQ(reply.body.find("13812345678"), std::string::npos);

    auto xlsx = admin.Get("/api/v1/households/export?format=xlsx");
    ASSERT_EQ(xlsx.status, 200);
    auto sheet = ledger::ReadXlsx(xlsx.body);
    ASSERT_TRUE(sheet);
    EXPECT_EQ(sheet->rows.size(), 5u);
    EXPECT_EQ(Cell(*sheet, RowWith(*sheet, "户主", "孙强"), "房号"), "=1+2");  // a string cell, never a formula

    auto audit = LatestAudit("export.households");
    EXPECT_EQ(audit.at("detail").at("rows").as_int64(), 5);
    EXPECT_EQ(audit.at("detail").at("format"), "xlsx");
    EXPECT_FALSE(audit.at("detail").at("reveal").as_bool());
}

TEST_P(Exports, AGridWorkersHouseholdsLedgerHoldsOnlyTheirGrid) {
    LoadCity();
    HttpClient grid = server->LoggedIn("grid_a");
    auto mine = grid.Get("/api/v1/households/export");
    ASSERT_EQ(mine.status, 200) << mine.body;
    auto table = ReadCsv(mine.body);
    EXPECT_EQ(table.rows.size(), 4u);
    EXPECT_EQ(mine.body.find("李芳"), std::string::npos);
    EXPECT_EQ(mine.body.find("第2网格"), std::string::npos);

    EXPECT_EQ(grid.Get("/api/v1/households/export?node_id=" + std::to_string(grid_a)).status, 200);
    auto other = grid.Get("/api/v1/households/export?node_id=" + std::to_string(grid_b));
    EXPECT_EQ(other.status, 404);
    EXPECT_EQ(other.ErrorField(), "node_id");
    EXPECT_EQ(grid.Get("/api/v1/households/export?node_id=999999").status, 404);
    EXPECT_EQ(grid.Get("/api/v1/households/export?format=pdf").ErrorField(), "format");

    // A role that may not read the register gets nothing.
    server->CreateUser("volunteer1", Role::kVolunteer, {community});
    EXPECT_EQ(server->LoggedIn("volunteer1").Get("/api/v1/households/export").status, 403);
}

TEST_P(Exports, RevealingNeedsTheRightAndAReasonAndIsAudited) {
    LoadCity();
    const std::string reason = "reason=%E5%85%A5%E6%88%B7%E8%B5%B0%E8%AE%BF%E6%A0%B8%E5%AF%B9";  // 入户走访核对
    HttpClient head = server->LoggedIn("head_a");
    EXPECT_EQ(head.Get("/api/v1/residents/export").status, 200);  // a building head may read, masked
    auto refused = head.Get("/api/v1/residents/export?reveal=true&" + reason);
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(head.Get("/api/v1/households/export?reveal=true&" + reason).status, 403);

    HttpClient grid = server->LoggedIn("grid_a");
    auto no_reason = grid.Get("/api/v1/residents/export?reveal=true");
    EXPECT_EQ(no_reason.status, 400);
    EXPECT_EQ(no_reason.ErrorField(), "reason");
    auto short_reason = grid.Get("/api/v1/households/export?reveal=true&reason=x");
    EXPECT_EQ(short_reason.status, 400);
    EXPECT_EQ(short_reason.ErrorField(), "reason");
    auto reason_alone = grid.Get("/api/v1/residents/export?" + reason);
    EXPECT_EQ(reason_alone.status, 400);
    EXPECT_EQ(reason_alone.ErrorField(), "reveal");

    auto full = grid.Get("/api/v1/residents/export?reveal=true&" + reason);
    ASSERT_EQ(full.status, 200) << full.body;
    auto table = ReadCsv(full.body);
    EXPECT_EQ(table.rows.size(), 5u);
    const auto* wang = RowWith(table, "姓名", "王建国");
    EXPECT_EQ(Cell(table, wang, "身份证号"), kWang);
    EXPECT_EQ(Cell(table, wang, "联系电话"), "13812345678");
    EXPECT_EQ(full.body.find(kLi), std::string::npos);  // another grid's resident, even revealed
    EXPECT_EQ(full.body.find("13998765432"), std::string::npos);

    auto audit = LatestAudit("export.residents");
    EXPECT_TRUE(audit.at("detail").at("reveal").as_bool());
    EXPECT_EQ(audit.at("detail").at("reason"), "入户走访核对");
    EXPECT_EQ(audit.at("detail").at("rows").as_int64(), 5);
    EXPECT_EQ(audit.at("actor_name"), "grid_a");
    // The refused attempts wrote no export row: the only one is this one.
    auto all = server->LoggedIn("admin1").Get("/api/v1/audit?action=export.residents");
    EXPECT_EQ(all.Json().at("items").as_array().size(), 2u);  // head_a's masked export and this one

    auto households = grid.Get("/api/v1/households/export?reveal=true&" + reason);
    ASSERT_EQ(households.status, 200) << households.body;
    auto ledger = ReadCsv(households.body);
    EXPECT_EQ(Cell(ledger, RowWith(ledger, "户主", "王建国"), "户主联系电话"), "13812345678");
    auto household_audit = LatestAudit("export.households");
    EXPECT_TRUE(household_audit.at("detail").at("reveal").as_bool());
    EXPECT_EQ(household_audit.at("detail").at("reason"), "入户走访核对");
    EXPECT_EQ(household_audit.at("detail").at("rows").as_int64(), 4);
}

TEST_P(Exports, TheErrorReportCarriesTheRejectedRowsAndImportsAgainOnceCorrected) {
    HttpClient grid = server->LoggedIn("grid_a");
    // Columns in an unusual order, an informational column (性别) and one the importer does not know.
    const std::string header = "房号,姓名,身份证号,联系电话,楼栋,单元,与户主关系,性别,备用\r\n";
    const std::string bad_id = WrongCheckDigit(kSun);
    const std::string csv = header + "101,王建国," + kWang + ",13812345678,1号楼,1单元,户主,男,甲\r\n" + "102,孙强," +
                            bad_id + ",12345,1号楼,1单元,户主,男,乙\r\n" + "103,周敏," + kZhou +
                            ",+8613700001111,1号楼,1单元,表亲,女,丙\r\n";
    auto status = Import(grid, grid_a, csv, /*skip_invalid=*/true);
    ASSERT_EQ(status.at("phase"), "done") << boost::json::serialize(status);
    EXPECT_EQ(status.at("result").at("inserted").as_int64(), 1);
    EXPECT_EQ(status.at("result").at("skipped").as_int64(), 2);

    const std::string report_url(status.at("error_report").as_string());
    auto report = grid.Get(report_url);
    ASSERT_EQ(report.status, 200) << report.body;
    EXPECT_NE(report.Header("content-disposition").find(".csv"), std::string::npos);
    auto table = ReadCsv(report.body);
    EXPECT_EQ(table.header,
              (std::vector<std::string>{"房号", "姓名", "身份证号", "联系电话", "楼栋", "单元", "与户主关系", "性别",
                                        "备用", "行号", "错误列", "错误说明", "error"}));
    ASSERT_EQ(table.rows.size(), 2u);  // one line per rejected row
    const auto& sun = table.rows[0].cells;
    EXPECT_EQ(std::vector<std::string>(sun.begin(), sun.begin() + 9),
              (std::vector<std::string>{"102", "孙强", bad_id, "12345", "1号楼", "1单元", "户主", "男", "乙"}));
    EXPECT_EQ(sun[9], "3");
    EXPECT_EQ(sun[10], "身份证号、联系电话");
    EXPECT_NE(sun[11].find("身份证号："), std::string::npos) << sun[11];
    EXPECT_NE(sun[11].find("；联系电话："), std::string::npos) << sun[11];
    EXPECT_NE(sun[12].find("phone: "), std::string::npos) << sun[12];
    const auto& zhou = table.rows[1].cells;
    EXPECT_EQ(zhou[3], "'+8613700001111");  // escaped in CSV, read back as it was
    EXPECT_EQ(zhou[9], "4");
    EXPECT_EQ(zhou[10], "与户主关系");

    auto xlsx = grid.Get(report_url + "?format=xlsx");
    ASSERT_EQ(xlsx.status, 200);
    auto sheet = ledger::ReadXlsx(xlsx.body);
    ASSERT_TRUE(sheet);
    EXPECT_EQ(sheet->rows.at(1).cells.at(3), "+8613700001111");

    // The person fixes the cells in the report itself and imports it: the error columns are ignored.
    std::string fixed = report.body;
    ReplaceAll(fixed, bad_id, kSun);
    ReplaceAll(fixed, ",12345,", ",13900002222,");
    ReplaceAll(fixed, ",表亲,", ",配偶,");
    auto again = Import(grid, grid_a, fixed);
    ASSERT_EQ(again.at("phase"), "done") << boost::json::serialize(again);
    EXPECT_TRUE(again.at("result").at("committed").as_bool()) << boost::json::serialize(again);
    EXPECT_EQ(again.at("result").at("inserted").as_int64(), 2);
    EXPECT_EQ(grid.Get("/api/v1/residents/count").Json().at("count").as_int64(), 3);
    auto zhou_phone = grid.Get("/api/v1/residents?phone=13700001111");
    EXPECT_EQ(zhou_phone.Json().at("items").as_array().size(), 1u) << zhou_phone.body;

    // A report that is corrected badly comes back again with fresh error columns, not doubled ones.
    std::string still_bad = report.body;
    ReplaceAll(still_bad, bad_id, kSun);
    auto third = Import(grid, grid_a, still_bad, /*skip_invalid=*/true);
    auto second_report = ReadCsv(grid.Get(std::string(third.at("error_report").as_string())).body);
    EXPECT_EQ(second_report.header.size(), 13u);
    EXPECT_EQ(second_report.header.back(), "error");

    // Someone else's import report is not found.
    EXPECT_EQ(server->LoggedIn("head_a").Get(report_url).status, 403);  // not a writer at all
    server->CreateUser("grid_a2", Role::kGridWorker, {grid_a});
    EXPECT_EQ(server->LoggedIn("grid_a2").Get(report_url).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, Exports, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

// ---- the command line -------------------------------------------------------------------------------

namespace fs = std::filesystem;

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

/// Runs the real binary through the shell with `args`; `input` goes to stdin.
CommandResult RunLinli(const std::string& args, const std::string& input = {}) {
    fs::path in = fs::temp_directory_path() / ("linli-export-in-" + std::to_string(getpid()));
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

std::string Slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

/// Starts `linli serve` on an ephemeral loopback port over `args`' database; returns its pid and port
/// (0 when it did not start).
std::pair<pid_t, uint16_t> Serve(const std::string& args, const fs::path& log) {
    pid_t pid = fork();
    if (pid == 0) {
        std::string cmd =
            std::string(LINLI_BINARY) + " serve --listen 127.0.0.1:0 " + args + " > " + log.string() + " 2>&1";
        execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::smatch m;
        const std::string text = Slurp(log);
        if (std::regex_search(text, m, std::regex("serving on http://127\\.0\\.0\\.1:([0-9]+)"))) {
            return {pid, static_cast<uint16_t>(std::stoi(m[1]))};
        }
    }
    return {pid, 0};
}

class CliExports : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("linli-export-" + std::to_string(getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir);
        db = "--db sqlite:" + (dir / "linli.db").string() + " --key-file " + (dir / "linli.key").string() +
             " --password-cost minimum";
    }
    void TearDown() override { fs::remove_all(dir); }

    /// A grid to import into, made the way an operator would: through the API of a server over the
    /// same database, stopped before the command line uses it.
    int64_t MakeGrid() {
        auto added = RunLinli("user add boss --role admin --password-stdin " + db, "Boss-passw0rd-1\n");
        EXPECT_EQ(added.exit_code, 0) << added.output;
        auto [pid, port] = Serve(db, dir / "serve.log");
        int64_t grid = 0;
        if (port != 0) {
            HttpClient admin(port);
            EXPECT_EQ(admin.Login("boss", "Boss-passw0rd-1").status, 200);
            auto make = [&](std::optional<int64_t> parent, const char* kind, const char* name) -> int64_t {
                boost::json::object body{{"kind", kind}, {"name", name}};
                if (parent) {
                    body["parent_id"] = *parent;
                }
                auto reply = admin.Post("/api/v1/territory/nodes", body);
                EXPECT_EQ(reply.status, 201) << reply.body;
                return reply.status == 201 ? reply.Json().at("id").as_int64() : 0;
            };
            const int64_t subdistrict = make(std::nullopt, "subdistrict", "和平街道");
            const int64_t community = make(subdistrict, "community", "青和居社区");
            grid = make(community, "grid", "第1网格");
        }
        kill(pid, SIGTERM);
        int status = 0;
        waitpid(pid, &status, 0);
        EXPECT_NE(port, 0) << Slurp(dir / "serve.log");
        return grid;
    }

    fs::path dir;
    std::string db;
};

TEST_F(CliExports, ImportWritesACorrectableReportAndExportsRevealOnlyWithAReason) {
    const int64_t grid = MakeGrid();
    ASSERT_NE(grid, 0);
    const std::string wang = ValidId("11010819500101001");
    const std::string sun = ValidId("11010819920606006");
    const std::string bad = WrongCheckDigit(sun);
    std::ofstream(dir / "people.csv") << "姓名,身份证号,联系电话,楼栋,单元,房号,与户主关系\r\n"
                                      << "王建国," << wang << ",13812345678,1号楼,1单元,101,户主\r\n"
                                      << "孙强," << bad << ",+8613700001111,1号楼,1单元,102,户主\r\n";
    const fs::path report = dir / "report.csv";
    auto imported = RunLinli("import " + (dir / "people.csv").string() + " --into " + std::to_string(grid) +
                             " --skip-invalid --errors " + report.string() + " " + db);
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
    EXPECT_NE(imported.output.find("report written to"), std::string::npos) << imported.output;

    std::string text = Slurp(report);
    auto table = ReadCsv(text);
    EXPECT_EQ(table.header, (std::vector<std::string>{"姓名", "身份证号", "联系电话", "楼栋", "单元", "房号",
                                                      "与户主关系", "行号", "错误列", "错误说明", "error"}));
    ASSERT_EQ(table.rows.size(), 1u);
    EXPECT_EQ(table.rows[0].cells[1], bad);
    EXPECT_EQ(table.rows[0].cells[7], "3");

    // Fixed in place and imported again: no complaint about the report's own columns.
    ReplaceAll(text, bad, sun);
    std::ofstream(dir / "fixed.csv", std::ios::binary) << text;
    auto again = RunLinli("import " + (dir / "fixed.csv").string() + " --into " + std::to_string(grid) + " " + db);
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("imported 1 of 1"), std::string::npos) << again.output;
    EXPECT_EQ(again.output.find("ignoring column"), std::string::npos) << again.output;

    const fs::path out = dir / "households.csv";
    auto no_reason = RunLinli("export households --out " + out.string() + " --reveal " + db);
    EXPECT_NE(no_reason.exit_code, 0);
    EXPECT_NE(no_reason.output.find("reason"), std::string::npos) << no_reason.output;
    EXPECT_FALSE(fs::exists(out));

    auto masked = RunLinli("export households --out " + out.string() + " " + db);
    ASSERT_EQ(masked.exit_code, 0) << masked.output;
    auto ledger = ReadCsv(Slurp(out));
    EXPECT_EQ(ledger.rows.size(), 2u);
    EXPECT_EQ(Cell(ledger, RowWith(ledger, "户主", "王建国"), "户主联系电话"), "138****5678");
    EXPECT_EQ(Cell(ledger, RowWith(ledger, "户主", "孙强"), "户主联系电话"), "137****1111");

    auto revealed =
        RunLinli("export residents --out " + (dir / "residents.xlsx").string() + " --reveal --reason 核对台账 " + db);
    ASSERT_EQ(revealed.exit_code, 0) << revealed.output;
    auto sheet = ledger::ReadXlsx(Slurp(dir / "residents.xlsx"));
    ASSERT_TRUE(sheet);
    EXPECT_EQ(Cell(*sheet, RowWith(*sheet, "姓名", "孙强"), "身份证号"), sun);
    EXPECT_EQ(Cell(*sheet, RowWith(*sheet, "姓名", "孙强"), "联系电话"), "13700001111");  // as stored: normalised
}

}  // namespace
}  // namespace linli::testing
