// The register's routes through the Router, without a server: strict bodies and queries, masked
// answers, the reveal's no-store answer, and 404 for what lies outside the caller's scope.

#include "modules/registry/resident_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/field_crypto.hpp"
#include "core/id_number.hpp"
#include "support/route_call.hpp"
#include "support/test_database.hpp"

namespace linli::registry {
namespace {

using http::Method;

class ResidentRoutesTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = linli::testing::OpenTestDatabase(linli::testing::Backend::kSqlite);
        crypto_ = FieldCrypto::ForTesting();
        territory_ = std::make_unique<RegistryService>(*db_, clock_);
        service_ = std::make_unique<ResidentService>(*db_, clock_, *crypto_, *territory_);
        RegisterResidentRoutes(router_, *service_);
        admin_.role = Role::kAdmin;
        int64_t parent = 0;
        for (auto [kind, name] : std::vector<std::pair<NodeKind, std::string>>{{NodeKind::kSubdistrict, "街道"},
                                                                               {NodeKind::kCommunity, "社区"},
                                                                               {NodeKind::kGrid, "网格"},
                                                                               {NodeKind::kBuilding, "1号楼"},
                                                                               {NodeKind::kUnit, "1单元"}}) {
            NewNode n{parent ? std::optional<int64_t>(parent) : std::nullopt, kind, name, std::nullopt};
            parent = territory_->Create(admin_, n, {})->id;
            ids_.push_back(parent);
        }
        other_grid_ = territory_->Create(admin_, NewNode{ids_[1], NodeKind::kGrid, "网格二", std::nullopt}, {})->id;
        worker_.role = Role::kGridWorker;
        worker_.scope = *territory_->ResolveScope({ids_[2]});
        stranger_.role = Role::kGridWorker;
        stranger_.scope = *territory_->ResolveScope({other_grid_});
        std::string first17 = "11010119800215123";
        id_ = first17 + id_number::CheckCharacter(first17);
    }

    http::Response Call(const Actor& actor, http::Method method, const std::string& path, std::string body = {},
                        std::vector<std::pair<std::string, std::string>> query = {}) {
        return linli::testing::CallRoute(router_, actor, method, path, std::move(body), std::move(query));
    }

    static boost::json::object Json(const http::Response& r) { return boost::json::parse(r.body).as_object(); }

    ManualClock clock_{1'735'689'600};
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<FieldCrypto> crypto_;
    std::unique_ptr<RegistryService> territory_;
    std::unique_ptr<ResidentService> service_;
    http::Router router_;
    Actor admin_, worker_, stranger_;
    std::vector<int64_t> ids_;
    int64_t other_grid_ = 0;
    std::string id_;
};

TEST_F(ResidentRoutesTest, RegistersAndReadsMaskedThroughTheApi) {
    auto household = Call(worker_, Method::kPost, "/api/v1/households",
                          R"({"unit_id":)" + std::to_string(ids_[4]) + R"(,"room":"101","tenure":"tenant"})");
    ASSERT_EQ(household.status, 201) << household.body;
    const int64_t household_id = Json(household)["id"].as_int64();

    auto created = Call(worker_, Method::kPost, "/api/v1/residents",
                        R"({"name":"张三","id_number":")" + id_ + R"(","phone":"13812345678","household_id":)" +
                            std::to_string(household_id) +
                            R"(,"relation":"head","tags":["living_alone",{"tag":"disabled","detail":"二级"}]})");
    ASSERT_EQ(created.status, 201) << created.body;
    auto body = Json(created);
    EXPECT_EQ(body["id_number"].as_string(), "1*************" + id_.substr(14));
    EXPECT_EQ(body["phone"].as_string(), "138****5678");
    EXPECT_EQ(body["sex"].as_string(), "male");
    EXPECT_EQ(created.body.find(id_), std::string::npos);
    const std::string resident = "/api/v1/residents/" + std::to_string(body["id"].as_int64());

    auto list = Call(worker_, Method::kGet, "/api/v1/residents", {},
                     {{"grid_id", std::to_string(ids_[2])}, {"tag", "disabled"}});
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(Json(list)["items"].as_array().size(), 1u);
    auto count = Call(worker_, Method::kGet, "/api/v1/residents/count", {}, {{"id_last4", id_.substr(14)}});
    EXPECT_EQ(Json(count)["count"].as_int64(), 1);

    auto reveal = Call(worker_, Method::kPost, resident + "/reveal", R"({"field":"phone","reason":"联系家属"})");
    ASSERT_EQ(reveal.status, 200) << reveal.body;
    EXPECT_EQ(Json(reveal)["value"].as_string(), "13812345678");
    bool no_store = false;
    for (const auto& [name, value] : reveal.headers) {
        no_store |= name == "Cache-Control" && value == "no-store";
    }
    EXPECT_TRUE(no_store);

    // Strict input: unknown fields and parameters are 400 naming them.
    auto typo = Call(worker_, Method::kPatch, resident, R"({"nmae":"李四"})");
    EXPECT_EQ(typo.status, 400);
    EXPECT_NE(typo.body.find("nmae"), std::string::npos);
    auto bad_param = Call(worker_, Method::kGet, "/api/v1/residents", {}, {{"grid", "1"}});
    EXPECT_EQ(bad_param.status, 400);
    auto bad_tag = Call(worker_, Method::kPatch, resident, R"({"tags":[{"tag":"disabled","grade":"一级"}]})");
    EXPECT_EQ(bad_tag.status, 400);

    // Another grid's worker: 404 by id, nothing in the list.
    EXPECT_EQ(Call(stranger_, Method::kGet, resident).status, 404);
    EXPECT_EQ(Json(Call(stranger_, Method::kGet, "/api/v1/residents"))["items"].as_array().size(), 0u);
    EXPECT_EQ(Call(stranger_, Method::kGet, "/api/v1/households/" + std::to_string(household_id)).status, 404);

    auto details = Call(worker_, Method::kPut, "/api/v1/buildings/" + std::to_string(ids_[3]) + "/details",
                        R"({"kind":"rental","floors":7})");
    ASSERT_EQ(details.status, 200) << details.body;
    EXPECT_EQ(Json(details)["kind"].as_string(), "rental");
    auto tags = Call(worker_, Method::kGet, "/api/v1/tags");
    EXPECT_GE(Json(tags)["items"].as_array().size(), 12u);
}

}  // namespace
}  // namespace linli::registry
