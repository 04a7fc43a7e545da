// Carers through AssignmentService on every available backend: grid workers, building heads and
// link leaders assigned by kind, history kept when a head is replaced, exact coverage figures for a
// small tree, scope (another grid's assignments are a 404) and the coverage ledger export.

#include "modules/registry/assignment_service.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "http/router.hpp"
#include "modules/accounts/audit.hpp"
#include "modules/registry/assignment_routes.hpp"
#include "support/route_call.hpp"
#include "support/test_database.hpp"

namespace linli::registry {
namespace {

using storage::Conn;

constexpr int64_t kStart = 1'735'689'600;  // 2025-01-01 UTC

class AssignmentServiceTest : public ::testing::TestWithParam<linli::testing::Backend> {
protected:
    void SetUp() override {
        db_ = linli::testing::OpenTestDatabase(GetParam());
        territory_ = std::make_unique<RegistryService>(*db_, clock_);
        service_ = std::make_unique<AssignmentService>(*db_, clock_, *territory_);
        admin_.role = Role::kAdmin;
        admin_.username = "admin";

        subdistrict_ = MakeNode(std::nullopt, NodeKind::kSubdistrict, "和平街道");
        community_ = MakeNode(subdistrict_, NodeKind::kCommunity, "青和居社区");
        grid_a_ = MakeNode(community_, NodeKind::kGrid, "第1网格");
        grid_b_ = MakeNode(community_, NodeKind::kGrid, "第2网格");
        building_1_ = MakeNode(grid_a_, NodeKind::kBuilding, "1号楼");
        building_2_ = MakeNode(grid_a_, NodeKind::kBuilding, "2号楼");
        building_3_ = MakeNode(grid_b_, NodeKind::kBuilding, "3号楼");
        // 20 households: 8 + 6 in grid A, 6 in grid B.
        AddHouseholds(building_1_, 8);
        AddHouseholds(building_2_, 6);
        AddHouseholds(building_3_, 6);

        staff_ = Scoped(Role::kCommunityStaff, {community_});
        worker_a_ = Scoped(Role::kGridWorker, {grid_a_});
        worker_b_ = Scoped(Role::kGridWorker, {grid_b_});
        user_1_ = MakeUser("zhang");
        user_2_ = MakeUser("li");
        user_3_ = MakeUser("wang");
        RegisterAssignmentRoutes(router_, *service_);
    }

    http::Response Call(const Actor& actor, http::Method method, const std::string& path, std::string body = {},
                        std::vector<std::pair<std::string, std::string>> query = {}) {
        return linli::testing::CallRoute(router_, actor, method, path, std::move(body), std::move(query));
    }

    static boost::json::object Json(const http::Response& r) { return boost::json::parse(r.body).as_object(); }

    int64_t MakeNode(std::optional<int64_t> parent, NodeKind kind, const std::string& name) {
        NewNode n;
        n.parent_id = parent;
        n.kind = kind;
        n.name = name;
        auto created = territory_->Create(admin_, n, info_);
        EXPECT_TRUE(created) << name << ": " << (created ? "" : created.error().message);
        return created ? created->id : 0;
    }

    void AddHouseholds(int64_t building, int n) {
        int64_t unit = MakeNode(building, NodeKind::kUnit, "1单元");
        for (int i = 0; i < n; ++i) {
            households_.push_back(MakeNode(unit, NodeKind::kHousehold, std::to_string(101 + i)));
        }
    }

    int64_t MakeUser(const std::string& name) {
        auto id = db_->Write([&](Conn& c) -> Result<int64_t> {
            LINLI_ASSIGN_OR_RETURN(auto rows, c.Query("INSERT INTO users (username, display_name, password_hash, role,"
                                                      " created_at, updated_at) VALUES ($1, $1, 'x', 'link_leader', "
                                                      "$2, $2) RETURNING id",
                                                      {name, kStart}));
            return rows.at(0).Int(0);
        });
        EXPECT_TRUE(id);
        return id ? *id : 0;
    }

    void AddResident(int64_t household, int n) {
        auto path = db_->Read([&](Conn& c) -> Result<std::string> {
            LINLI_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT path FROM territory_nodes WHERE id = $1", {household}));
            return rows.at(0).Text(0);
        });
        ASSERT_TRUE(path);
        auto ok = db_->Write([&](Conn& c) -> Result<int64_t> {
            return c.Exec(
                "INSERT INTO residents (name, id_number_enc, id_number_hash, id_last4_hash, id_number_masked,"
                " birth_date, sex, hukou, household_id, scope_path, created_at, updated_at) VALUES"
                " ('居民', 'e', $1, 'l', 'm', '1950-01-01', 'male', 'registered', $2, $3, $4, $4)",
                {"hash" + std::to_string(n), household, *path, kStart});
        });
        ASSERT_TRUE(ok) << ok.error().message;
    }

    Actor Scoped(Role role, const std::vector<int64_t>& ids) {
        Actor a;
        a.role = role;
        a.username = std::string(RoleName(role));
        auto scope = territory_->ResolveScope(ids);
        EXPECT_TRUE(scope);
        if (scope) {
            a.scope = *scope;
        }
        return a;
    }

    std::vector<Assignment> MustAssign(CareRole role, int64_t user, std::vector<int64_t> nodes) {
        auto r = service_->Assign(staff_, NewAssignment{role, user, std::move(nodes), std::nullopt}, info_);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return r ? *r : std::vector<Assignment>{};
    }

    std::vector<Assignment> ListAll(const Actor& actor, AssignmentQuery q = {}) {
        auto page = service_->List(actor, q);
        EXPECT_TRUE(page) << (page ? "" : page.error().message);
        return page ? page->items : std::vector<Assignment>{};
    }

    int64_t AuditCount(const std::string& action) {
        auto n = db_->Read([&](Conn& c) -> Result<int64_t> {
            LINLI_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT COUNT(*) FROM audit_log WHERE action = $1", {action}));
            return rows.at(0).Int(0);
        });
        EXPECT_TRUE(n) << (n ? "" : n.error().message);
        return n ? *n : -1;
    }

    http::Router router_;
    ManualClock clock_{kStart};
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<RegistryService> territory_;
    std::unique_ptr<AssignmentService> service_;
    RequestInfo info_{"req-1", "127.0.0.1"};
    Actor admin_, staff_, worker_a_, worker_b_;
    int64_t subdistrict_ = 0, community_ = 0, grid_a_ = 0, grid_b_ = 0;
    int64_t building_1_ = 0, building_2_ = 0, building_3_ = 0;
    std::vector<int64_t> households_;
    int64_t user_1_ = 0, user_2_ = 0, user_3_ = 0;
};

TEST_P(AssignmentServiceTest, AssignsEachRoleToItsKindOfNode) {
    auto worker = MustAssign(CareRole::kGridWorker, user_1_, {grid_a_});
    ASSERT_EQ(worker.size(), 1u);
    EXPECT_EQ(worker[0].node_id, grid_a_);
    EXPECT_EQ(worker[0].username, "zhang");
    EXPECT_EQ(worker[0].started_at, kStart);
    EXPECT_FALSE(worker[0].ended_at);

    auto head = MustAssign(CareRole::kBuildingHead, user_2_, {building_1_});
    ASSERT_EQ(head.size(), 1u);
    EXPECT_EQ(head[0].role, CareRole::kBuildingHead);

    std::vector<int64_t> twelve(households_.begin(), households_.begin() + 12);
    auto leader = MustAssign(CareRole::kLinkLeader, user_3_, twelve);
    ASSERT_EQ(leader.size(), 12u);
    for (size_t i = 0; i < 12; ++i) {
        EXPECT_EQ(leader[i].node_id, twelve[i]);
    }
    EXPECT_EQ(AuditCount("assignment.create"), 14);

    AssignmentQuery by_user;
    by_user.user_id = user_3_;
    EXPECT_EQ(ListAll(admin_, by_user).size(), 12u);
    AssignmentQuery by_role;
    by_role.role = CareRole::kGridWorker;
    EXPECT_EQ(ListAll(staff_, by_role).size(), 1u);

    // Assigning the same person again keeps one row.
    EXPECT_EQ(MustAssign(CareRole::kLinkLeader, user_3_, {twelve[0]}).at(0).id, leader[0].id);
    EXPECT_EQ(ListAll(admin_, by_user).size(), 12u);
}

TEST_P(AssignmentServiceTest, WrongNodeKindForRoleIsABadNodeIds) {
    auto r = service_->Assign(staff_, NewAssignment{CareRole::kGridWorker, user_1_, {building_1_}, {}}, info_);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().field, "node_ids");

    r = service_->Assign(staff_, NewAssignment{CareRole::kLinkLeader, user_1_, {households_[0], building_1_}, {}},
                         info_);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, "node_ids");
    EXPECT_TRUE(ListAll(admin_).empty()) << "nothing of a refused call is written";

    r = service_->Assign(staff_, NewAssignment{CareRole::kGridWorker, 9999, {grid_a_}, {}}, info_);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, "user_id");

    r = service_->Assign(staff_, NewAssignment{CareRole::kGridWorker, user_1_, {}, {}}, info_);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, "node_ids");
}

TEST_P(AssignmentServiceTest, ReassigningABuildingHeadEndsThePreviousOneAndKeepsHistory) {
    auto first = MustAssign(CareRole::kBuildingHead, user_1_, {building_1_});
    clock_.Advance(3600);
    auto second = MustAssign(CareRole::kBuildingHead, user_2_, {building_1_});
    ASSERT_EQ(second.size(), 1u);

    AssignmentQuery active;
    active.node_id = building_1_;
    auto now = ListAll(staff_, active);
    ASSERT_EQ(now.size(), 1u);
    EXPECT_EQ(now[0].user_id, user_2_);

    AssignmentQuery history = active;
    history.active_only = false;
    auto all = ListAll(staff_, history);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, first[0].id);
    EXPECT_EQ(all[0].ended_at, kStart + 3600);

    // Several grid workers may share a grid.
    MustAssign(CareRole::kGridWorker, user_1_, {grid_a_});
    MustAssign(CareRole::kGridWorker, user_2_, {grid_a_});
    AssignmentQuery grid;
    grid.node_id = grid_a_;
    grid.role = CareRole::kGridWorker;
    EXPECT_EQ(ListAll(staff_, grid).size(), 2u);

    // Ending keeps the row.
    auto ended = service_->End(staff_, second[0].id, info_);
    ASSERT_TRUE(ended) << ended.error().message;
    EXPECT_TRUE(ended->ended_at);
    EXPECT_TRUE(ListAll(staff_, active).empty());
    EXPECT_EQ(ListAll(staff_, history).size(), 2u);
    auto again = service_->End(staff_, second[0].id, info_);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
    EXPECT_EQ(AuditCount("assignment.end"), 1);
}

TEST_P(AssignmentServiceTest, CoverageFiguresAreExact) {
    MustAssign(CareRole::kGridWorker, user_1_, {grid_a_});
    MustAssign(CareRole::kBuildingHead, user_2_, {building_1_});
    std::vector<int64_t> twelve(households_.begin(), households_.begin() + 12);
    MustAssign(CareRole::kLinkLeader, user_3_, twelve);
    AddResident(households_[0], 1);
    AddResident(households_[0], 2);
    AddResident(households_[19], 3);

    auto c = service_->GetCoverage(staff_, community_);
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->grids.size(), 2u);
    const auto& a = c->grids[0];
    EXPECT_EQ(a.grid_id, grid_a_);
    EXPECT_TRUE(a.has_grid_worker);
    EXPECT_EQ(a.buildings, 2);
    EXPECT_EQ(a.buildings_without_head, 1);
    EXPECT_EQ(a.households, 14);
    EXPECT_EQ(a.households_without_link_leader, 2);
    EXPECT_EQ(a.residents, 2);
    EXPECT_DOUBLE_EQ(a.covered_share, 12.0 / 14.0);
    const auto& b = c->grids[1];
    EXPECT_FALSE(b.has_grid_worker);
    EXPECT_EQ(b.buildings, 1);
    EXPECT_EQ(b.buildings_without_head, 1);
    EXPECT_EQ(b.households, 6);
    EXPECT_EQ(b.households_without_link_leader, 6);
    EXPECT_EQ(b.residents, 1);
    EXPECT_DOUBLE_EQ(b.covered_share, 0.0);

    EXPECT_EQ(c->totals.buildings, 3);
    EXPECT_EQ(c->totals.buildings_without_head, 2);
    EXPECT_EQ(c->totals.households, 20);
    EXPECT_EQ(c->totals.households_without_link_leader, 8);
    EXPECT_EQ(c->totals.residents, 3);
    EXPECT_DOUBLE_EQ(c->totals.covered_share, 0.6);
    EXPECT_EQ(c->grids_without_worker, 1);

    // The same from the subdistrict and from one grid.
    auto from_top = service_->GetCoverage(admin_, subdistrict_);
    ASSERT_TRUE(from_top);
    EXPECT_DOUBLE_EQ(from_top->totals.covered_share, 0.6);
    auto one = service_->GetCoverage(worker_b_, grid_b_);
    ASSERT_TRUE(one);
    ASSERT_EQ(one->grids.size(), 1u);
    EXPECT_EQ(one->totals.households, 6);

    auto building = service_->GetCoverage(staff_, building_1_);
    ASSERT_FALSE(building);
    EXPECT_EQ(building.error().field, "node_id");

    // An ended link leader no longer covers.
    auto list = ListAll(staff_, AssignmentQuery{households_[0]});
    ASSERT_EQ(list.size(), 1u);
    ASSERT_TRUE(service_->End(staff_, list[0].id, info_));
    EXPECT_EQ(service_->GetCoverage(staff_, community_)->totals.households_without_link_leader, 9);
}

TEST_P(AssignmentServiceTest, CoverageExportHasChineseHeadersAndIsAudited) {
    std::vector<int64_t> twelve(households_.begin(), households_.begin() + 12);
    MustAssign(CareRole::kLinkLeader, user_3_, twelve);
    auto csv = service_->ExportCoverage(staff_, community_, "csv", info_);
    ASSERT_TRUE(csv) << csv.error().message;
    EXPECT_NE(csv->find("网格,网格员,楼栋数,无楼栋长楼栋数,户数,无联户长户数,覆盖率"), std::string::npos);
    EXPECT_NE(csv->find("第1网格,无,2,2,14,2,85.7%"), std::string::npos) << *csv;
    EXPECT_NE(csv->find("合计,0,3,3,20,8,60.0%"), std::string::npos) << *csv;
    auto xlsx = service_->ExportCoverage(staff_, community_, "xlsx", info_);
    ASSERT_TRUE(xlsx) << xlsx.error().message;
    EXPECT_EQ(xlsx->substr(0, 2), "PK");
    EXPECT_EQ(AuditCount("export.coverage"), 2);
    auto bad = service_->ExportCoverage(staff_, community_, "pdf", info_);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().field, "format");
}

TEST_P(AssignmentServiceTest, AGridWorkerCannotSeeOrChangeAnotherGrid) {
    auto b_worker = MustAssign(CareRole::kGridWorker, user_1_, {grid_b_});
    auto a_head = MustAssign(CareRole::kBuildingHead, user_2_, {building_1_});

    // Grid A's worker sees grid A's assignments and nothing of grid B.
    auto seen = ListAll(worker_a_);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].id, a_head[0].id);
    AssignmentQuery q;
    q.node_id = grid_b_;
    auto list = service_->List(worker_a_, q);
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error().code, ErrorCode::kNotFound);

    auto end = service_->End(worker_a_, b_worker[0].id, info_);
    ASSERT_FALSE(end);
    EXPECT_EQ(end.error().code, ErrorCode::kNotFound);
    auto assign =
        service_->Assign(worker_a_, NewAssignment{CareRole::kBuildingHead, user_3_, {building_3_}, {}}, info_);
    ASSERT_FALSE(assign);
    EXPECT_EQ(assign.error().code, ErrorCode::kNotFound);
    auto coverage = service_->GetCoverage(worker_a_, grid_b_);
    ASSERT_FALSE(coverage);
    EXPECT_EQ(coverage.error().code, ErrorCode::kNotFound);

    // Inside their own grid a grid worker reads but does not assign.
    auto own = service_->End(worker_a_, a_head[0].id, info_);
    ASSERT_FALSE(own);
    EXPECT_EQ(own.error().code, ErrorCode::kForbidden);
    EXPECT_EQ(ListAll(worker_b_).size(), 1u);
}

TEST_P(AssignmentServiceTest, RoutesSpeakJsonAndFiles) {
    using http::Method;
    auto ids = [](const std::vector<int64_t>& v) {
        std::string out;
        for (auto id : v) {
            out += (out.empty() ? "" : ",") + std::to_string(id);
        }
        return "[" + out + "]";
    };
    std::vector<int64_t> twelve(households_.begin(), households_.begin() + 12);
    auto created =
        Call(staff_, Method::kPost, "/api/v1/assignments",
             R"({"role":"link_leader","user_id":)" + std::to_string(user_3_) + R"(,"node_ids":)" + ids(twelve) + "}");
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(Json(created).at("items").as_array().size(), 12u);

    auto wrong = Call(
        staff_, Method::kPost, "/api/v1/assignments",
        R"({"role":"grid_worker","user_id":)" + std::to_string(user_1_) + R"(,"node_ids":)" + ids({building_1_}) + "}");
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(Json(wrong).at("error").at("field").as_string(), "node_ids");
    auto typo = Call(staff_, Method::kPost, "/api/v1/assignments", R"({"role":"grid_worker","user":1,"node_ids":[1]})");
    EXPECT_EQ(typo.status, 400);
    auto bad_role =
        Call(staff_, Method::kPost, "/api/v1/assignments", R"({"role":"mayor","user_id":1,"node_ids":[1]})");
    EXPECT_EQ(bad_role.status, 400);
    EXPECT_EQ(Json(bad_role).at("error").at("field").as_string(), "role");

    auto list = Call(worker_a_, Method::kGet, "/api/v1/assignments", {}, {{"role", "link_leader"}});
    ASSERT_EQ(list.status, 200) << list.body;
    auto items = Json(list).at("items").as_array();
    ASSERT_EQ(items.size(), 12u);
    EXPECT_TRUE(Json(list).at("next_cursor").is_null());
    EXPECT_EQ(Call(worker_b_, Method::kGet, "/api/v1/assignments").body, R"({"items":[],"next_cursor":null})");

    const std::string first = std::to_string(items[0].as_object().at("id").as_int64());
    EXPECT_EQ(Call(worker_b_, Method::kPost, "/api/v1/assignments/" + first + "/end").status, 404);
    auto ended = Call(staff_, Method::kPost, "/api/v1/assignments/" + first + "/end");
    ASSERT_EQ(ended.status, 200) << ended.body;
    EXPECT_FALSE(Json(ended).at("active").as_bool());

    auto coverage = Call(staff_, Method::kGet, "/api/v1/coverage", {}, {{"node_id", std::to_string(community_)}});
    ASSERT_EQ(coverage.status, 200) << coverage.body;
    auto totals = Json(coverage).at("totals").as_object();
    EXPECT_EQ(totals.at("households").as_int64(), 20);
    EXPECT_EQ(totals.at("households_without_link_leader").as_int64(), 9);
    EXPECT_EQ(totals.at("grids_without_worker").as_int64(), 2);
    EXPECT_EQ(Call(staff_, Method::kGet, "/api/v1/coverage").status, 400);

    auto file = Call(staff_, Method::kGet, "/api/v1/coverage/export", {},
                     {{"node_id", std::to_string(community_)}, {"format", "xlsx"}});
    ASSERT_EQ(file.status, 200) << file.body;
    EXPECT_EQ(file.content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    bool attachment = false;
    for (const auto& [name, value] : file.headers) {
        attachment = attachment || (name == "Content-Disposition" && value.starts_with("attachment"));
    }
    EXPECT_TRUE(attachment);
    EXPECT_EQ(
        Call(worker_a_, Method::kGet, "/api/v1/coverage/export", {}, {{"node_id", std::to_string(grid_b_)}}).status,
        404);
}

INSTANTIATE_TEST_SUITE_P(Backends, AssignmentServiceTest, ::testing::ValuesIn(linli::testing::AvailableBackends()),
                         [](const auto& info) { return linli::testing::BackendName(info.param); });

}  // namespace
}  // namespace linli::registry
