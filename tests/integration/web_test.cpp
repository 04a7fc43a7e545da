// What the web console needs from the server (issue 6): the console's files at "/", the building
// board's people, and the working calendar.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/crypto.hpp"
#include "core/id_number.hpp"
#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace fs = std::filesystem;

std::string ValidId(const std::string& first17) {
    return first17 + id_number::CheckCharacter(first17);
}

class WebConsole : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("linli-web-" + crypto::RandomHex(6));
        fs::create_directories(root_ / "assets");
        std::ofstream(root_ / "index.html") << "<!doctype html><div id=app></div>";
        std::ofstream(root_ / "assets" / "index-1a2b.js") << "export{}";
        server_ = std::make_unique<TestServer>(Backend::kSqlite, [this](app::Config& c) { c.web_root = root_.string(); });
    }
    void TearDown() override {
        server_.reset();
        fs::remove_all(root_);
    }
    fs::path root_;
    std::unique_ptr<TestServer> server_;
};

TEST_F(WebConsole, ServesTheConsoleAndKeepsApiErrorsJson) {
    HttpClient client = server_->Client();
    auto index = client.Get("/");
    ASSERT_EQ(index.status, 200);
    EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(index.Header("cache-control"), "no-cache");

    auto page = client.Get("/track/AB12CD34EF");  // a resident's tracking page: the single page draws it
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page.body, index.body);

    auto asset = client.Get("/assets/index-1a2b.js");
    ASSERT_EQ(asset.status, 200);
    EXPECT_EQ(asset.Header("cache-control"), "public, max-age=31536000, immutable");

    auto api = client.Get("/api/v1/no-such-thing");
    EXPECT_EQ(api.status, 404);
    EXPECT_EQ(api.ErrorCode(), "not_found");
    auto health = client.Get("/healthz");
    EXPECT_EQ(health.status, 200);

    auto traversal = client.Get("/assets/%2e%2e/%2e%2e/etc/passwd");
    EXPECT_EQ(traversal.status, 404);
}

class BuildingBoard : public ::testing::Test {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>();
        auto subdistrict = server->CreateNode(std::nullopt, "subdistrict", "和平街道");
        auto community = server->CreateNode(subdistrict, "community", "青和居社区");
        grid = server->CreateNode(community, "grid", "第1网格");
        other_grid = server->CreateNode(community, "grid", "第2网格");
        building = server->CreateNode(grid, "building", "1号楼");
        auto unit = server->CreateNode(building, "unit", "1单元");
        household = server->CreateNode(unit, "household", "101");
        server->CreateUser("admin1", Role::kAdmin);
        head_id = server->CreateUser("head1", Role::kBuildingHead, {building});
        worker_id = server->CreateUser("grid1", Role::kGridWorker, {grid});
        server->CreateUser("grid2", Role::kGridWorker, {other_grid});
        server->CreateUser("volunteer1", Role::kVolunteer, {community});
        admin = std::make_unique<HttpClient>(server->LoggedIn("admin1"));
        Assign("building_head", head_id, building);
        Assign("grid_worker", worker_id, grid);
    }
    void Assign(const char* role, int64_t user, int64_t node) {
        auto r = admin->Post("/api/v1/assignments", {{"role", role}, {"user_id", user}, {"node_ids", {node}}});
        ASSERT_EQ(r.status, 201) << r.body;
    }
    void Resident(const std::string& name, const std::string& first17, const std::string& phone,
                  boost::json::array tags) {
        auto r = admin->Post("/api/v1/residents", {{"name", name},
                                                   {"id_number", ValidId(first17)},
                                                   {"phone", phone},
                                                   {"household_id", household},
                                                   {"relation", "other"},
                                                   {"tags", std::move(tags)}});
        ASSERT_EQ(r.status, 201) << r.body;
    }
    std::string Board() { return "/api/v1/buildings/" + std::to_string(building) + "/board"; }

    std::unique_ptr<TestServer> server;
    std::unique_ptr<HttpClient> admin;
    int64_t grid = 0, other_grid = 0, building = 0, household = 0, head_id = 0, worker_id = 0;
};

TEST_F(BuildingBoard, ListsCarersAndOnlyTheResidentsWhoAgreed) {
    Resident("党员甲", "11010119600101123", "13800000001", {"party_member", "board_listed"});
    Resident("党员乙", "11010119600101124", "13800000002", {"party_member"});  // did not agree
    Resident("队员丙", "11010119700101125", "13800000003", {"fire_squad_119", "board_listed"});
    Resident("邻居丁", "11010119800101126", "13800000004", {"board_listed"});  // neither squad nor party

    auto board = admin->Get(Board());
    ASSERT_EQ(board.status, 200) << board.body;
    EXPECT_EQ(board.Header("cache-control"), "no-store");
    auto j = board.Json().as_object();
    EXPECT_EQ(j.at("building").at("name").as_string(), "1号楼");
    ASSERT_EQ(j.at("building_heads").as_array().size(), 1u);
    EXPECT_EQ(j.at("building_heads").as_array()[0].at("user_id").as_int64(), head_id);
    ASSERT_EQ(j.at("grid_workers").as_array().size(), 1u);
    ASSERT_EQ(j.at("party_members").as_array().size(), 1u);
    EXPECT_EQ(j.at("party_members").as_array()[0].at("name").as_string(), "党员甲");
    EXPECT_EQ(j.at("party_members").as_array()[0].at("phone").as_string(), "13800000001");  // in full: agreed
    ASSERT_EQ(j.at("squad").as_array().size(), 1u);
    EXPECT_EQ(j.at("squad").as_array()[0].at("name").as_string(), "队员丙");

    // Each phone shown is an audited reveal.
    auto audit = admin->Get("/api/v1/audit?action=resident.reveal");
    ASSERT_EQ(audit.status, 200);
    EXPECT_EQ(audit.Json().at("items").as_array().size(), 2u);
}

TEST_F(BuildingBoard, ScopeAndRolesApply) {
    EXPECT_EQ(server->LoggedIn("grid1").Get(Board()).status, 200);
    EXPECT_EQ(server->LoggedIn("grid2").Get(Board()).status, 404);  // another grid's building
    EXPECT_EQ(server->LoggedIn("volunteer1").Get(Board()).status, 403);
    auto not_building = admin->Get("/api/v1/buildings/" + std::to_string(grid) + "/board");
    EXPECT_EQ(not_building.status, 400);
    EXPECT_EQ(not_building.ErrorField(), "id");
}

TEST(WorkingCalendarRoute, AnswersTheConfiguredCalendar) {
    TestServer server(Backend::kSqlite, [](app::Config& c) {
        c.holidays = "2026-10-01..2026-10-03";
        c.extra_workdays = "2026-10-10";
    });
    server.CreateUser("staff1", Role::kCommunityStaff);
    auto r = server.LoggedIn("staff1").Get("/api/v1/working-calendar");
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = r.Json().as_object();
    EXPECT_EQ(j.at("timezone").as_string(), "Asia/Shanghai");
    ASSERT_EQ(j.at("working_hours").as_array().size(), 2u);
    EXPECT_EQ(j.at("working_hours").as_array()[0].as_string(), "09:00-12:00");
    EXPECT_EQ(j.at("working_hours").as_array()[1].as_string(), "13:30-18:00");
    EXPECT_EQ(j.at("weekend_days").as_array().size(), 2u);
    EXPECT_EQ(j.at("holidays").as_array().size(), 3u);
    EXPECT_EQ(j.at("extra_workdays").as_array()[0].as_string(), "2026-10-10");
    EXPECT_EQ(server.Client().Get("/api/v1/working-calendar").status, 401);
}

}  // namespace
}  // namespace linli::testing
