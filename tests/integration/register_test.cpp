// The register as a grid worker and an office use it over HTTP: import a residents file with bad
// rows, read the error report, export the ledger masked and scoped.
#include <gtest/gtest.h>

#include <thread>

#include "core/id_number.hpp"
#include "support/test_server.hpp"

namespace linli::testing {
namespace {

std::string ValidId(const std::string& first17) { return first17 + id_number::CheckCharacter(first17); }

class Register : public ::testing::Test {
protected:
    void SetUp() override {
        subdistrict = server.CreateNode(std::nullopt, "subdistrict", "和平街道");
        community = server.CreateNode(subdistrict, "community", "青和居社区");
        grid_a = server.CreateNode(community, "grid", "第1网格");
        grid_b = server.CreateNode(community, "grid", "第2网格");
        server.CreateUser("admin1", Role::kAdmin);
        server.CreateUser("grid_a", Role::kGridWorker, {grid_a});
        server.CreateUser("grid_b", Role::kGridWorker, {grid_b});
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

    TestServer server;
    int64_t subdistrict = 0, community = 0, grid_a = 0, grid_b = 0;
    const std::string kHeader = "姓名,身份证号,联系电话,楼栋,单元,房号,与户主关系,户籍类型,标签\r\n";
    const std::string kWang = ValidId("11010819500101001");  // 76 years old in 2026
    const std::string kLi = ValidId("11010819880202002");
};

TEST_F(Register, AFileWithABadRowImportsNothingAndReportsTheRowAndColumn) {
    HttpClient grid = server.LoggedIn("grid_a");
    std::string bad_id = kLi.substr(0, 17) + (kLi[17] == '1' ? "2" : "1");  // wrong check digit
    std::string csv = kHeader + "王建国," + kWang + ",13812345678,1号楼,1单元,101,户主,户籍,独居\r\n" +
                      "李芳," + bad_id + ",,1号楼,1单元,102,户主,户籍,\r\n";
    auto status = Import(grid, grid_a, csv);
    ASSERT_EQ(status.at("phase"), "done") << boost::json::serialize(status);
    EXPECT_FALSE(status.at("result").at("committed").as_bool());
    EXPECT_EQ(status.at("result").at("inserted").as_int64(), 0);
    const auto& first = status.at("first_errors").as_array().at(0);
    EXPECT_EQ(first.at("line").as_int64(), 3);
    EXPECT_EQ(first.at("column"), "id_number");
    EXPECT_EQ(grid.Get("/api/v1/residents/count").Json().at("count").as_int64(), 0);

    // The error report downloads as CSV: the bad row as uploaded, then its line and the Chinese column name.
    auto report = grid.Get(std::string(status.at("error_report").as_string()));
    ASSERT_EQ(report.status, 200) << report.body;
    EXPECT_NE(report.body.find("行号,错误列,错误说明,error\r\n"), std::string::npos) << report.body;
    EXPECT_NE(report.body.find("李芳," + bad_id + ",,1号楼,1单元,102,户主,户籍,,3,身份证号,"), std::string::npos)
        << report.body;
    EXPECT_EQ(report.body.find("王建国"), std::string::npos);  // only the rejected row

    // With skip_invalid the good row goes in.
    status = Import(grid, grid_a, csv, /*skip_invalid=*/true);
    EXPECT_TRUE(status.at("result").at("committed").as_bool());
    EXPECT_EQ(status.at("result").at("inserted").as_int64(), 1);
    EXPECT_EQ(status.at("result").at("skipped").as_int64(), 1);
}

TEST_F(Register, ReimportingUpdatesInsteadOfDuplicating) {
    HttpClient grid = server.LoggedIn("grid_a");
    std::string csv = kHeader + "王建国," + kWang + ",13812345678,1号楼,1单元,101,户主,户籍,\r\n";
    ASSERT_TRUE(Import(grid, grid_a, csv).at("result").at("committed").as_bool());
    auto again = Import(grid, grid_a, csv);
    EXPECT_EQ(again.at("result").at("inserted").as_int64(), 0);
    EXPECT_EQ(again.at("result").at("updated").as_int64(), 1);
    EXPECT_EQ(grid.Get("/api/v1/residents/count").Json().at("count").as_int64(), 1);
}

TEST_F(Register, AGridWorkerCannotImportIntoAnotherGrid) {
    HttpClient grid = server.LoggedIn("grid_a");
    std::string csv = kHeader + "王建国," + kWang + ",,1号楼,1单元,101,户主,户籍,\r\n";
    // Refused at upload, before a job exists: nothing to poll, nothing written.
    auto started = grid.Send("POST", "/api/v1/residents/imports?into=" + std::to_string(grid_b), csv,
                             {{"Content-Type", "text/csv"}});
    EXPECT_EQ(started.status, 404) << started.body;
    EXPECT_EQ(started.Json().at("error").at("code"), "not_found");
    EXPECT_EQ(started.Json().at("error").at("field"), "into");
    // Into a building (not a community or grid): 400 naming the same field.
    auto building = server.CreateNode(grid_a, "building", "1号楼");
    auto wrong_kind = grid.Send("POST", "/api/v1/residents/imports?into=" + std::to_string(building), csv,
                                {{"Content-Type", "text/csv"}});
    EXPECT_EQ(wrong_kind.status, 400) << wrong_kind.body;
    EXPECT_EQ(wrong_kind.Json().at("error").at("field"), "into");
}

TEST_F(Register, ExportsAreMaskedScopedAndAudited) {
    HttpClient admin = server.LoggedIn("admin1");
    std::string in_a = kHeader + "王建国," + kWang + ",13812345678,1号楼,1单元,101,户主,户籍,\r\n";
    std::string in_b = kHeader + "李芳," + kLi + ",13998765432,5号楼,1单元,201,户主,流动,\r\n";
    ASSERT_TRUE(Import(admin, grid_a, in_a).at("result").at("committed").as_bool());
    ASSERT_TRUE(Import(admin, grid_b, in_b).at("result").at("committed").as_bool());

    HttpClient grid = server.LoggedIn("grid_a");
    auto csv = grid.Get("/api/v1/residents/export?format=csv");
    ASSERT_EQ(csv.status, 200) << csv.body;
    EXPECT_NE(csv.Header("content-disposition").find("attachment"), std::string::npos);
    EXPECT_NE(csv.body.find("王建国"), std::string::npos);
    EXPECT_EQ(csv.body.find("李芳"), std::string::npos);            // another grid's resident
    EXPECT_EQ(csv.body.find(kWang), std::string::npos);           // never the full ID number
    EXPECT_EQ(csv.body.find("13812345678"), std::string::npos);   // never the full phone
    EXPECT_NE(csv.body.find("138****5678"), std::string::npos);

    auto xlsx = grid.Get("/api/v1/residents/export?format=xlsx");
    ASSERT_EQ(xlsx.status, 200);
    EXPECT_EQ(xlsx.body.substr(0, 2), "PK");

    auto audit = admin.Get("/api/v1/audit?action=export.residents");
    ASSERT_EQ(audit.status, 200);
    EXPECT_EQ(audit.Json().at("items").as_array().size(), 2u);
}

TEST_F(Register, UploadsTooLargeOrEmptyAreRefused) {
    HttpClient grid = server.LoggedIn("grid_a");
    auto empty = grid.Send("POST", "/api/v1/residents/imports?into=" + std::to_string(grid_a), "",
                           {{"Content-Type", "text/csv"}});
    EXPECT_EQ(empty.status, 400);
    EXPECT_EQ(empty.ErrorField(), "file");
    // An ordinary route keeps the 1 MiB limit even though uploads may be larger.
    std::string big(2 * 1024 * 1024, 'x');
    auto elsewhere = grid.Send("POST", "/api/v1/territory/nodes", big, {{"Content-Type", "application/json"}});
    EXPECT_EQ(elsewhere.status, 413);
    auto binary = Import(grid, grid_a, std::string("\x89PNG\r\n\x1a\n\0\0\0", 11));
    EXPECT_EQ(binary.at("phase"), "failed");
    EXPECT_EQ(binary.at("error").at("field"), "file");
}

}  // namespace
}  // namespace linli::testing
