// Work orders over HTTP as an office uses them: staff intake dispatched to the grid worker, the
// worker's steps to a reply, the office's close; illegal steps (409 with the allowed list), replies
// by the wrong person, a partner unit that sees only what was sent to it, merges and rejections.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace json = boost::json;

class Orders : public ::testing::Test {
protected:
    void SetUp() override {
        subdistrict = server.CreateNode(std::nullopt, "subdistrict", "和平街道");
        community = server.CreateNode(subdistrict, "community", "青和居社区");
        grid_a = server.CreateNode(community, "grid", "第1网格");
        grid_b = server.CreateNode(community, "grid", "第2网格");
        building_1 = server.CreateNode(grid_a, "building", "1号楼");
        building_3 = server.CreateNode(grid_b, "building", "3号楼");
        server.CreateUser("admin1", Role::kAdmin);
        server.CreateUser("staff1", Role::kCommunityStaff, {community});
        worker_a_id = server.CreateUser("worker_a", Role::kGridWorker, {grid_a});
        server.CreateUser("worker_b", Role::kGridWorker, {grid_b});
        wuye_id = server.CreateUser("wuye1", Role::kPartnerUnit);

        admin = std::make_unique<HttpClient>(server.LoggedIn("admin1"));
        staff = std::make_unique<HttpClient>(server.LoggedIn("staff1"));
        worker_a = std::make_unique<HttpClient>(server.LoggedIn("worker_a"));
        worker_b = std::make_unique<HttpClient>(server.LoggedIn("worker_b"));
        wuye = std::make_unique<HttpClient>(server.LoggedIn("wuye1"));

        auto assigned = admin->Post(
            "/api/v1/assignments",
            json::object{{"role", "grid_worker"}, {"user_id", worker_a_id}, {"node_ids", json::array{grid_a}}});
        ASSERT_EQ(assigned.status, 201) << assigned.body;

        auto categories = staff->Get("/api/v1/order-categories");
        ASSERT_EQ(categories.status, 200) << categories.body;
        const auto listed = categories.Json();  // Json() answers a fresh value: keep it alive
        for (const auto& c : listed.at("items").as_array()) {
            if (c.at("code") == "repairs") {
                repairs = c.at("id").as_int64();
            }
        }
        ASSERT_GT(repairs, 0);
    }

    json::object Intake(int64_t place, const std::string& title = "楼道灯不亮", bool auto_dispatch = true) {
        return json::object{{"kind", "request"},
                            {"category_id", repairs},
                            {"title", title},
                            {"description", "3楼到5楼的楼道灯坏了"},
                            {"place_id", place},
                            {"reporter_name", "王阿姨"},
                            {"reporter_phone", "13812345678"},
                            {"channel", "walk_in"},
                            {"auto_dispatch", auto_dispatch}};
    }

    json::value Create(const json::object& body) {
        auto reply = staff->Post("/api/v1/orders", body);
        EXPECT_EQ(reply.status, 201) << reply.body;
        return reply.Json();
    }

    static std::string Url(int64_t id, const std::string& action = {}) {
        return "/api/v1/orders/" + std::to_string(id) + (action.empty() ? "" : "/" + action);
    }

    HttpReply Step(HttpClient& client, int64_t id, const std::string& action, json::object body = {}) {
        return client.Post(Url(id, action), body);
    }

    TestServer server;
    int64_t subdistrict = 0, community = 0, grid_a = 0, grid_b = 0, building_1 = 0, building_3 = 0;
    int64_t worker_a_id = 0, wuye_id = 0, repairs = 0;
    std::unique_ptr<HttpClient> admin, staff, worker_a, worker_b, wuye;
};

TEST_F(Orders, StaffIntakeGoesToTheGridWorkerWhoAnswersTheResident) {
    auto created = Create(Intake(building_1));
    const int64_t id = created.at("id").as_int64();
    EXPECT_EQ(created.at("state"), "dispatched");
    EXPECT_EQ(created.at("handler").at("user_id").as_int64(), worker_a_id);
    EXPECT_EQ(created.at("reporter_phone"), "138****5678");
    EXPECT_EQ(created.at("tracking_code").as_string().size(), 10u);

    ASSERT_EQ(Step(*worker_a, id, "start").status, 200);
    ASSERT_EQ(Step(*worker_a, id, "resolve", {{"note", "换了灯泡"}}).status, 200);
    auto replied = Step(*worker_a, id, "reply", {{"text", "王阿姨您好，楼道灯已修好。"}});
    ASSERT_EQ(replied.status, 200) << replied.body;
    EXPECT_EQ(replied.Json().at("state"), "replied");
    auto closed = Step(*staff, id, "close");
    ASSERT_EQ(closed.status, 200) << closed.body;
    EXPECT_EQ(closed.Json().at("state"), "closed");

    auto timeline = staff->Get(Url(id, "timeline"));
    ASSERT_EQ(timeline.status, 200);
    std::vector<std::string> actions;
    const auto events = timeline.Json();
    for (const auto& e : events.at("items").as_array()) {
        actions.emplace_back(e.at("action").as_string());
        EXPECT_GT(e.at("at").as_int64(), 0);
        EXPECT_FALSE(e.at("actor_role").as_string().empty());
    }
    EXPECT_EQ(actions,
              (std::vector<std::string>{"submit", "accept", "dispatch", "start", "resolve", "reply", "close"}));

    // Listed for the office and the grid worker, not for the other grid.
    EXPECT_EQ(staff->Get("/api/v1/orders?state=closed").Json().at("items").as_array().size(), 1u);
    EXPECT_EQ(worker_b->Get("/api/v1/orders").Json().at("items").as_array().size(), 0u);
    EXPECT_EQ(worker_b->Get(Url(id)).status, 404);
}

TEST_F(Orders, AnIllegalStepIsAConflictListingTheAllowedOnes) {
    const int64_t id = Create(Intake(building_1)).at("id").as_int64();
    auto early = Step(*staff, id, "close");
    ASSERT_EQ(early.status, 409) << early.body;
    EXPECT_EQ(early.ErrorCode(), "conflict");
    std::set<std::string> allowed;
    const auto error = early.Json();
    for (const auto& a : error.at("error").at("allowed").as_array()) {
        allowed.insert(std::string(a.as_string()));
    }
    EXPECT_EQ(allowed, (std::set<std::string>{"dispatch", "start", "return", "escalate", "supervise"}));
    // The caller's own possible steps come with the order.
    auto detail = worker_a->Get(Url(id)).Json();
    std::set<std::string> mine;
    for (const auto& a : detail.at("actions").as_array()) {
        mine.insert(std::string(a.as_string()));
    }
    EXPECT_EQ(mine, (std::set<std::string>{"dispatch", "start", "return", "escalate"}));  // handler and dispatcher
}

TEST_F(Orders, OnlyTheHandlerReplies) {
    const int64_t id = Create(Intake(building_1)).at("id").as_int64();
    ASSERT_EQ(Step(*worker_a, id, "start").status, 200);
    ASSERT_EQ(Step(*worker_a, id, "resolve").status, 200);
    EXPECT_EQ(Step(*staff, id, "reply", {{"text", "已修好"}}).status, 403);     // sees it, not the handler
    EXPECT_EQ(Step(*worker_b, id, "reply", {{"text", "已修好"}}).status, 404);  // cannot see it at all
    auto bad = Step(*worker_a, id, "reply", {{"text", "已修好"}, {"reason", "x"}});
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.ErrorField(), "reason");  // a field this step does not take
    EXPECT_EQ(Step(*worker_a, id, "reply", {}).ErrorField(), "text");
}

TEST_F(Orders, APartnerUnitSeesOnlyWhatWasSentToIt) {
    auto unit =
        admin->Post("/api/v1/handling-units",
                    json::object{{"name", "青和物业"}, {"kind", "property_company"}, {"contact", "010-12345678"}});
    ASSERT_EQ(unit.status, 201) << unit.body;
    const int64_t unit_id = unit.Json().at("id").as_int64();
    auto member = admin->Post("/api/v1/handling-units/" + std::to_string(unit_id) + "/members",
                              json::object{{"user_id", wuye_id}});
    ASSERT_EQ(member.status, 200) << member.body;
    EXPECT_EQ(staff->Post("/api/v1/handling-units", json::object{{"name", "x"}, {"kind", "other"}}).status, 403);

    const int64_t sent = Create(Intake(building_1)).at("id").as_int64();
    const int64_t other = Create(Intake(building_3)).at("id").as_int64();
    auto dispatched = Step(*staff, sent, "dispatch", {{"handler_unit_id", unit_id}, {"note", "请物业处理"}});
    ASSERT_EQ(dispatched.status, 200) << dispatched.body;
    EXPECT_EQ(dispatched.Json().at("handler").at("unit_name"), "青和物业");

    EXPECT_EQ(wuye->Get(Url(sent)).status, 200);
    EXPECT_EQ(wuye->Get(Url(other)).status, 404);
    EXPECT_EQ(wuye->Get(Url(other, "timeline")).status, 404);
    auto list = wuye->Get("/api/v1/orders");
    ASSERT_EQ(list.status, 200);
    ASSERT_EQ(list.Json().at("items").as_array().size(), 1u);
    EXPECT_EQ(list.Json().at("items").as_array()[0].at("id").as_int64(), sent);
    EXPECT_EQ(Step(*wuye, sent, "start").status, 200);
    EXPECT_EQ(wuye->Post("/api/v1/orders", Intake(building_1)).status, 403);
}

TEST_F(Orders, MergeKeepsBothReportersAndRejectionIsStillAnswered) {
    const int64_t first = Create(Intake(building_1)).at("id").as_int64();
    auto second_body = Intake(building_1, "楼道灯又坏了", false);
    second_body["reporter_name"] = "李师傅";
    second_body["reporter_phone"] = "13998765432";
    const int64_t second = Create(second_body).at("id").as_int64();
    auto merged = Step(*staff, second, "merge", {{"into", first}});
    ASSERT_EQ(merged.status, 200) << merged.body;
    EXPECT_EQ(merged.Json().at("state"), "merged");
    auto reporters = staff->Get(Url(first)).Json().at("reporters").as_array();
    ASSERT_EQ(reporters.size(), 2u);
    EXPECT_EQ(reporters[0].at("name"), "王阿姨");
    EXPECT_EQ(reporters[1].at("name"), "李师傅");
    EXPECT_EQ(reporters[1].at("phone"), "139****5432");

    const int64_t third = Create(Intake(building_1, "家里水龙头坏了", false)).at("id").as_int64();
    auto no_reason = Step(*staff, third, "reject");
    EXPECT_EQ(no_reason.status, 400);
    EXPECT_EQ(no_reason.ErrorField(), "reason");
    ASSERT_EQ(Step(*staff, third, "reject", {{"reason", "属于户内维修，请联系物业"}}).status, 200);
    EXPECT_EQ(Step(*staff, third, "close").status, 409);
    ASSERT_EQ(Step(*staff, third, "reply", {{"text", "已电话告知可联系物业有偿维修"}}).status, 200);
    EXPECT_EQ(Step(*staff, third, "close").status, 200);
}

TEST_F(Orders, IntakeOffersPossibleDuplicatesOfTheBuildingAndTheyCanBeMerged) {
    const int64_t unit = server.CreateNode(building_1, "unit", "2单元");
    const int64_t household = server.CreateNode(unit, "household", "301");
    const int64_t first = Create(Intake(building_1, "3楼楼道灯不亮")).at("id").as_int64();
    // A household of the same building, another category: never offered.
    int64_t noise = 0;
    const auto categories = staff->Get("/api/v1/order-categories").Json();  // outlives the loop
    for (const auto& c : categories.at("items").as_array()) {
        if (c.at("code") == "noise") {
            noise = c.at("id").as_int64();
        }
    }
    auto other_category = Intake(household, "楼道灯不亮还很吵");
    other_category["category_id"] = noise;
    const int64_t noisy = Create(other_category).at("id").as_int64();
    // Unrelated text at the very same household: offered all the same (same place, same category).
    auto tap_body = Intake(household, "厨房水龙头漏水", false);
    tap_body["description"] = "厨房水龙头一直滴水";
    const int64_t tap = Create(tap_body).at("id").as_int64();

    // The second report of the lamp, from the household: the answer offers the first, best first.
    auto created = staff->Post("/api/v1/orders", Intake(household, "楼道灯坏了，3楼不亮", false));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto second = created.Json();
    const auto& offered = second.at("possible_duplicates").as_array();
    ASSERT_EQ(offered.size(), 2u) << created.body;
    const auto& best = offered.at(0).as_object();
    EXPECT_EQ(best.at("id"), first);
    EXPECT_EQ(best.at("title"), "3楼楼道灯不亮");
    EXPECT_EQ(best.at("state"), "dispatched");
    EXPECT_EQ(best.at("place").at("id"), building_1);
    EXPECT_EQ(best.at("place").at("name"), "1号楼");
    EXPECT_GT(best.at("created_at").as_int64(), 0);
    EXPECT_GT(best.at("similarity").to_number<double>(), 0.2);
    EXPECT_EQ(best.at("can_merge_into"), true);
    EXPECT_EQ(offered.at(1).at("id"), tap);
    EXPECT_EQ(offered.at(1).at("same_place"), true);
    for (const auto& o : offered) {
        EXPECT_NE(o.at("id"), noisy);
        EXPECT_NE(o.at("id"), second.at("id"));
    }
    // The similarity is a plain decimal ("0.571"), not Boost.JSON's exponent form ("5.71E-1").
    const auto similarity = created.body.find("\"similarity\":");
    ASSERT_NE(similarity, std::string::npos);
    EXPECT_EQ(created.body.substr(similarity + 13, 2), "0.") << created.body;
    EXPECT_EQ(created.body.find("E-1"), std::string::npos) << created.body;

    // Another building: nothing to offer, but the key is there.
    auto elsewhere = Create(Intake(building_3, "楼道灯不亮"));
    EXPECT_TRUE(elsewhere.at("possible_duplicates").as_array().empty());

    // The same list for an order that exists (a QR or Open311 report waiting to be accepted).
    const int64_t second_id = second.at("id").as_int64();
    auto later = staff->Get(Url(second_id, "similar"));
    ASSERT_EQ(later.status, 200) << later.body;
    EXPECT_EQ(later.Json().at("items").at(0).at("id"), first);
    EXPECT_EQ(worker_b->Get(Url(second_id, "similar")).status, 404);
    EXPECT_EQ(staff->Get(Url(second_id, "similar") + "?days=0").ErrorField(), "days");
    EXPECT_EQ(wuye->Get(Url(second_id, "similar")).status, 403);

    // What the console offers, it can merge: both reporters end up on the first order.
    ASSERT_EQ(Step(*staff, second_id, "merge", {{"into", first}}).status, 200);
    EXPECT_EQ(staff->Get(Url(first)).Json().at("reporters").as_array().size(), 2u);
    // A merged order is not offered again.
    auto third = Create(Intake(household, "楼道灯不亮"));
    for (const auto& o : third.at("possible_duplicates").as_array()) {
        EXPECT_NE(o.at("id"), second_id);
    }
}

TEST_F(Orders, BadInputNamesTheField) {
    auto body = Intake(building_1);
    body["colour"] = "red";
    auto unknown = staff->Post("/api/v1/orders", body);
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.ErrorField(), "colour");
    auto kind = Intake(building_1);
    kind["kind"] = "wish";
    EXPECT_EQ(staff->Post("/api/v1/orders", kind).ErrorField(), "kind");
    EXPECT_EQ(staff->Get("/api/v1/orders?state=lost").ErrorField(), "state");
    EXPECT_EQ(staff->Get("/api/v1/orders?sort=name").ErrorField(), "sort");
    EXPECT_EQ(worker_b->Post("/api/v1/orders", Intake(building_1)).status, 404);
    EXPECT_EQ(staff->Get(Url(999999)).status, 404);
    auto past =
        Step(*admin, Create(Intake(building_1)).at("id").as_int64(), "supervise", {{"note", "请尽快"}, {"due_at", 1}});
    EXPECT_EQ(past.ErrorField(), "due_at");
}

}  // namespace
}  // namespace linli::testing
