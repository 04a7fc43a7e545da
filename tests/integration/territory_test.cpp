// The territory tree over HTTP, and the scope rule: a user sees exactly what lies under their scope.
#include <gtest/gtest.h>

#include <set>

#include "support/test_server.hpp"

namespace linli::testing {
namespace {

class Territory : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        subdistrict = server->CreateNode(std::nullopt, "subdistrict", "和平街道");
        community = server->CreateNode(subdistrict, "community", "青和居社区");
        grid_a = server->CreateNode(community, "grid", "第1网格");
        grid_b = server->CreateNode(community, "grid", "第2网格");
        building_a = server->CreateNode(grid_a, "building", "1号楼");
        building_b = server->CreateNode(grid_b, "building", "3号楼");
        server->CreateUser("admin1", Role::kAdmin);
        server->CreateUser("grid_a", Role::kGridWorker, {grid_a});
        server->CreateUser("volunteer1", Role::kVolunteer, {community});
    }
    std::string Node(int64_t id) { return "/api/v1/territory/nodes/" + std::to_string(id); }

    std::unique_ptr<TestServer> server;
    int64_t subdistrict = 0, community = 0, grid_a = 0, grid_b = 0, building_a = 0, building_b = 0;
};

TEST_P(Territory, AdminBuildsTheTreeDownToAHousehold) {
    HttpClient admin = server->LoggedIn("admin1");
    auto unit = admin.Post("/api/v1/territory/nodes",
                           {{"parent_id", building_a}, {"kind", "unit"}, {"name", "1单元"}});
    ASSERT_EQ(unit.status, 201) << unit.body;
    EXPECT_FALSE(unit.Header("location").empty());
    int64_t unit_id = unit.Json().at("id").as_int64();
    auto household =
        admin.Post("/api/v1/territory/nodes", {{"parent_id", unit_id}, {"kind", "household"}, {"name", "101室"}});
    ASSERT_EQ(household.status, 201) << household.body;
    auto node = household.Json();
    EXPECT_EQ(node.at("community_id").as_int64(), community);
    EXPECT_EQ(node.at("depth").as_int64(), 5);

    auto ancestors = admin.Get(Node(node.at("id").as_int64()) + "/ancestors");
    ASSERT_EQ(ancestors.status, 200);
    EXPECT_EQ(ancestors.Json().at("items").as_array().size(), 6u);
    EXPECT_EQ(ancestors.Json().at("items").as_array()[0].at("name").as_string(), "和平街道");
}

TEST_P(Territory, AChildMustBeExactlyOneLevelBelowItsParent) {
    HttpClient admin = server->LoggedIn("admin1");
    auto wrong = admin.Post("/api/v1/territory/nodes", {{"parent_id", community}, {"kind", "building"}, {"name", "X"}});
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(wrong.ErrorField(), "kind");
}

TEST_P(Territory, SiblingNamesAreUnique) {
    HttpClient admin = server->LoggedIn("admin1");
    auto dup = admin.Post("/api/v1/territory/nodes", {{"parent_id", community}, {"kind", "grid"}, {"name", "第1网格"}});
    EXPECT_EQ(dup.status, 409);
    EXPECT_EQ(dup.ErrorField(), "name");
}

TEST_P(Territory, AGridWorkerSeesOnlyTheirGrid) {
    HttpClient worker = server->LoggedIn("grid_a");
    EXPECT_EQ(worker.Get(Node(building_a)).status, 200);

    // Another grid's building by id: the same 404 as a node that does not exist.
    auto other = worker.Get(Node(building_b));
    auto missing = worker.Get(Node(999999));
    EXPECT_EQ(other.status, 404);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(other.Json().at("error").at("message"), missing.Json().at("error").at("message"));
    EXPECT_EQ(other.body.find("3号楼"), std::string::npos);

    // Lists, searches and counts leave it out.
    auto list = worker.Get("/api/v1/territory/nodes?kind=building");
    ASSERT_EQ(list.status, 200) << list.body;
    std::set<int64_t> ids;
    auto list_json = list.Json();
    for (const auto& n : list_json.at("items").as_array()) {
        ids.insert(n.at("id").as_int64());
    }
    EXPECT_TRUE(ids.contains(building_a));
    EXPECT_FALSE(ids.contains(building_b));
    auto search = worker.Get("/api/v1/territory/nodes?q=%E5%8F%B7%E6%A5%BC");  // "号楼"
    ASSERT_EQ(search.status, 200);
    EXPECT_EQ(search.body.find("3号楼"), std::string::npos);
    auto count = worker.Get("/api/v1/territory/nodes/count?kind=building");
    ASSERT_EQ(count.status, 200) << count.body;
    EXPECT_EQ(count.Json().at("count").as_int64(), 1);
    EXPECT_EQ(worker.Get("/api/v1/territory/nodes?parent_id=" + std::to_string(grid_b)).status, 404);
    // Nor can they write there.
    auto write = worker.Post("/api/v1/territory/nodes", {{"parent_id", building_b}, {"kind", "unit"}, {"name", "1单元"}});
    EXPECT_EQ(write.status, 404);
    EXPECT_EQ(worker.Patch(Node(building_b), {{"name", "改名"}}).status, 404);
    EXPECT_EQ(worker.Delete(Node(building_b)).status, 404);

    // Their list of roots starts at their own grid.
    auto roots = worker.Get("/api/v1/territory/nodes");
    ASSERT_EQ(roots.status, 200);
    ASSERT_EQ(roots.Json().at("items").as_array().size(), 1u);
    EXPECT_EQ(roots.Json().at("items").as_array()[0].at("id").as_int64(), grid_a);
}

TEST_P(Territory, AdminSeesEverything) {
    HttpClient admin = server->LoggedIn("admin1");
    auto count = admin.Get("/api/v1/territory/nodes/count");
    ASSERT_EQ(count.status, 200);
    EXPECT_EQ(count.Json().at("count").as_int64(), 6);
}

TEST_P(Territory, RolesThatMayNotWriteGet403) {
    HttpClient volunteer = server->LoggedIn("volunteer1");
    EXPECT_EQ(volunteer.Get(Node(building_a)).status, 200);
    auto write = volunteer.Post("/api/v1/territory/nodes", {{"parent_id", grid_a}, {"kind", "building"}, {"name", "9号楼"}});
    EXPECT_EQ(write.status, 403);
}

TEST_P(Territory, PagingVisitsEveryNodeOnce) {
    HttpClient admin = server->LoggedIn("admin1");
    for (int i = 0; i < 120; ++i) {
        server->CreateNode(grid_b, "building", "B" + std::to_string(1000 + i));
    }
    std::set<int64_t> seen;
    std::string cursor;
    int pages = 0;
    for (;;) {
        std::string url = "/api/v1/territory/nodes?parent_id=" + std::to_string(grid_b) + "&limit=50&sort=-name";
        if (!cursor.empty()) {
            url += "&cursor=" + cursor;
        }
        auto page = admin.Get(url);
        ASSERT_EQ(page.status, 200) << page.body;
        ++pages;
        auto page_json = page.Json();
        for (const auto& n : page_json.at("items").as_array()) {
            EXPECT_TRUE(seen.insert(n.at("id").as_int64()).second);
        }
        const auto& next = page_json.at("next_cursor");
        if (next.is_null()) {
            break;
        }
        cursor = std::string(next.as_string());
    }
    EXPECT_EQ(seen.size(), 121u);
    EXPECT_EQ(pages, 3);
}

TEST_P(Territory, WritesAreAudited) {
    HttpClient admin = server->LoggedIn("admin1");
    auto patch = admin.Patch(Node(building_a), {{"name", "1号楼（东）"}});
    ASSERT_EQ(patch.status, 200) << patch.body;
    auto audit = admin.Get("/api/v1/audit?action=territory.update");
    ASSERT_EQ(audit.status, 200);
    ASSERT_EQ(audit.Json().at("items").as_array().size(), 1u);
    EXPECT_EQ(audit.Json().at("items").as_array()[0].at("target_id").as_int64(), building_a);
}

INSTANTIATE_TEST_SUITE_P(Backends, Territory, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace linli::testing
