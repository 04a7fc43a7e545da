// Dispute mediation over HTTP as a community office runs it: a rota of mediators (a volunteer lawyer,
// the community police officer), a dispute between neighbours recorded the day it happens and sent
// to the lawyer on duty, a session, an agreement both parties sign, the outcome that resolves the
// order, the answer to the reporter, figures and their export. And what must not happen: the grid
// worker of the place who is not on the dispute reads nothing of it (404, not in lists; counts by
// grid only), the tracking page repeats nothing that was said, a party who is neither in the
// register nor named, an out-of-scope resident, a stranger accepting the agreement, a session on an
// unknown date or in an unknown place. A mediator off the roster is allowed, with the warning kept.
#include <gtest/gtest.h>

#include <string>

#include "core/id_number.hpp"
#include "modules/accounts/service.hpp"
#include "modules/registry/resident_service.hpp"
#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace json = boost::json;

class Mediation : public ::testing::TestWithParam<Backend> {
protected:
    Mediation() : server(GetParam()) {}

    void SetUp() override {
        subdistrict = server.CreateNode(std::nullopt, "subdistrict", "和平街道");
        community = server.CreateNode(subdistrict, "community", "青和居社区");
        elsewhere = server.CreateNode(subdistrict, "community", "流塘社区");
        grid_a = server.CreateNode(community, "grid", "第1网格");
        grid_b = server.CreateNode(community, "grid", "第2网格");
        building_1 = server.CreateNode(grid_a, "building", "1号楼");
        unit_1 = server.CreateNode(building_1, "unit", "1单元");
        building_3 = server.CreateNode(grid_b, "building", "3号楼");
        server.CreateUser("admin1", Role::kAdmin);
        server.CreateUser("staff1", Role::kCommunityStaff, {community});
        server.CreateUser("worker_a", Role::kGridWorker, {grid_a});
        server.CreateUser("worker_b", Role::kGridWorker, {grid_b});
        lawyer_user = server.CreateUser("lawyer1", Role::kVolunteer);
        police_user = server.CreateUser("police1", Role::kPartnerUnit);
        staff = std::make_unique<HttpClient>(server.LoggedIn("staff1"));
        worker_a = std::make_unique<HttpClient>(server.LoggedIn("worker_a"));
        worker_b = std::make_unique<HttpClient>(server.LoggedIn("worker_b"));
        lawyer = std::make_unique<HttpClient>(server.LoggedIn("lawyer1"));

        // A resident of 1号楼, registered as the register's own service would.
        const Actor system = accounts::AccountsService::SystemActor("test");
        const RequestInfo info{"test", "local"};
        auto household = server.app().residents().CreateHousehold(system, {unit_1, "101"}, info);
        ASSERT_TRUE(household);
        registry::NewResident r;
        r.name = "张伟";
        const std::string first17 = "11010819800101001";
        r.id_number = first17 + id_number::CheckCharacter(first17);
        r.phone = "13912345678";
        r.household_id = household->id;
        r.relation = registry::Relation::kHead;
        auto resident = server.app().residents().CreateResident(system, r, info);
        ASSERT_TRUE(resident) << resident.error().message;
        zhang = resident->id;

        lawyer_mediator = Register(lawyer_user, {"law", "party_member"}, "青和律师事务所 律师");
        police_mediator = Register(police_user, {"police"}, "青和派出所 社区民警");
    }

    int64_t Register(int64_t user, json::array specialisms, const std::string& title) {
        auto reply = staff->Post("/api/v1/mediators",
                                 json::object{{"user_id", user}, {"specialisms", specialisms}, {"title", title}});
        EXPECT_EQ(reply.status, 201) << reply.body;
        return reply.Json().at("id").as_int64();
    }

    void OnDutyToday(int64_t mediator) {
        auto reply = staff->Post("/api/v1/mediation/duty",
                                 json::object{{"community_id", community},
                                              {"entries", json::array{json::object{{"date", Today()},
                                                                                   {"mediator_id", mediator}}}}});
        ASSERT_EQ(reply.status, 200) << reply.body;
    }

    /// The server's clock as a local date in Shanghai.
    std::string Today() {
        const int64_t local = server.clock().Now() + 8 * 3600;
        const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(local / 86400))};
        char out[16];
        std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
        return out;
    }

    json::object Intake(std::optional<int64_t> mediator = std::nullopt) {
        json::object body{{"category", "neighbours"},
                          {"subject", "楼上漏水"},
                          {"description", "201漏水到101，双方争吵"},
                          {"channel", "walk_in"},
                          {"parties", json::array{json::object{{"side", "applicant"}, {"resident_id", zhang}},
                                                  json::object{{"side", "respondent"},
                                                               {"name", "李娜"},
                                                               {"phone", "13698765432"}}}}};
        if (mediator) {
            body["mediator_id"] = *mediator;
        }
        return body;
    }

    static std::string Url(int64_t id, const std::string& tail = {}) {
        return "/api/v1/disputes/" + std::to_string(id) + (tail.empty() ? "" : "/" + tail);
    }

    TestServer server;
    int64_t subdistrict = 0, community = 0, elsewhere = 0, grid_a = 0, grid_b = 0, building_1 = 0, unit_1 = 0,
            building_3 = 0;
    int64_t lawyer_user = 0, police_user = 0, zhang = 0, lawyer_mediator = 0, police_mediator = 0;
    std::unique_ptr<HttpClient> staff, worker_a, worker_b, lawyer;
};

TEST_P(Mediation, ADisputeIsMediatedTheSameDayAndAnswered) {
    OnDutyToday(lawyer_mediator);
    auto created = staff->Post("/api/v1/disputes", Intake(lawyer_mediator));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto d = created.Json();
    const int64_t id = d.at("id").as_int64();
    EXPECT_EQ(created.Header("location"), Url(id));
    EXPECT_TRUE(d.at("warnings").as_array().empty());
    EXPECT_EQ(d.at("order").at("kind"), "dispute");
    EXPECT_EQ(d.at("order").at("state"), "dispatched");
    EXPECT_EQ(d.at("order").at("handler").at("user_id").as_int64(), lawyer_user);
    EXPECT_EQ(d.at("order").at("category").at("code"), "neighbour_dispute");  // due the same day
    EXPECT_EQ(d.at("parties").as_array()[1].at("phone"), "136****5432");
    const int64_t zhang_party = d.at("parties").as_array()[0].at("id").as_int64();
    const int64_t li_party = d.at("parties").as_array()[1].at("id").as_int64();

    // The lawyer has no territory of their own, yet sees what they mediate.
    auto mine = lawyer->Get("/api/v1/disputes");
    ASSERT_EQ(mine.status, 200) << mine.body;
    ASSERT_EQ(mine.Json().at("items").as_array().size(), 1u);
    EXPECT_EQ(mine.Json().at("items").as_array()[0].at("subject"), "楼上漏水");

    auto session = lawyer->Post(Url(id, "sessions"), json::object{{"held_on", Today()},
                                                                   {"start_time", "19:30"},
                                                                   {"place_id", community},
                                                                   {"place_note", "红色议事厅"},
                                                                   {"attendee_party_ids", json::array{zhang_party, li_party}},
                                                                   {"attendee_mediator_ids", json::array{lawyer_mediator}},
                                                                   {"other_attendees", "物业经理"},
                                                                   {"notes", "双方同意由楼上承担维修费用"}});
    ASSERT_EQ(session.status, 200) << session.body;
    EXPECT_EQ(session.Json().at("sessions").as_array().size(), 1u);

    auto agreement = lawyer->Send("PUT", Url(id, "agreement"),
                                  json::serialize(json::object{{"text", "李娜承担维修费用八百元，三日内付清。"}}),
                                  {{"Content-Type", "application/json"}});
    ASSERT_EQ(agreement.status, 200) << agreement.body;
    for (int64_t party : {zhang_party, li_party}) {
        auto decided = lawyer->Post(Url(id, "agreement/decisions"),
                                    json::object{{"party_id", party}, {"decision", "accepted"}});
        ASSERT_EQ(decided.status, 200) << decided.body;
    }
    auto outcome = lawyer->Post(Url(id, "outcome"), json::object{{"outcome", "agreed"}, {"note", "当场签字"}});
    ASSERT_EQ(outcome.status, 200) << outcome.body;
    EXPECT_EQ(outcome.Json().at("outcome").at("outcome"), "agreed");
    EXPECT_EQ(outcome.Json().at("order").at("state"), "resolved");

    // Answered and closed like any order.
    auto replied = lawyer->Post("/api/v1/orders/" + std::to_string(id) + "/reply",
                                json::object{{"text", "张先生您好，双方已达成调解协议。"}});
    ASSERT_EQ(replied.status, 200) << replied.body;
    ASSERT_EQ(staff->Post("/api/v1/orders/" + std::to_string(id) + "/close", json::object{}).status, 200);

    // The tracking page shows the steps and nothing that was said.
    const std::string code(d.at("tracking_code").as_string());
    auto track = server.Client().Get("/api/v1/track/" + code);
    ASSERT_EQ(track.status, 200) << track.body;
    EXPECT_EQ(track.Json().at("title"), "矛盾纠纷调解");
    for (const char* secret : {"漏水", "李娜", "八百", "红色议事厅", "张先生"}) {
        EXPECT_EQ(track.body.find(secret), std::string::npos) << secret;
    }

    auto stats = staff->Get("/api/v1/disputes/stats?group_by=category");
    ASSERT_EQ(stats.status, 200) << stats.body;
    EXPECT_EQ(stats.Json().at("total").at("received").as_int64(), 1);
    EXPECT_EQ(stats.Json().at("total").at("mediated").as_int64(), 1);
    EXPECT_EQ(stats.Json().at("total").at("agreed").as_int64(), 1);
    EXPECT_EQ(stats.Json().at("rows").as_array()[0].at("name"), "邻里纠纷");
    auto csv = staff->Get("/api/v1/disputes/stats/export?group_by=month&format=csv");
    ASSERT_EQ(csv.status, 200) << csv.body;
    EXPECT_NE(csv.body.find("月份,受理,已调解,调解成功"), std::string::npos);
    EXPECT_NE(csv.body.find("合计,1,1,1"), std::string::npos);
    auto xlsx = staff->Get("/api/v1/disputes/stats/export?format=xlsx");
    ASSERT_EQ(xlsx.status, 200);
    EXPECT_EQ(xlsx.body.substr(0, 2), "PK");  // a zip: the workbook
}

TEST_P(Mediation, AGridWorkerWhoIsNotOnItSeesCountsOnly) {
    const int64_t id = staff->Post("/api/v1/disputes", Intake(lawyer_mediator)).Json().at("id").as_int64();
    const std::string order = "/api/v1/orders/" + std::to_string(id);
    EXPECT_EQ(worker_a->Get(Url(id)).status, 404);
    EXPECT_EQ(worker_a->Get(order).status, 404);
    EXPECT_EQ(worker_a->Get(order + "/timeline").status, 404);
    EXPECT_EQ(worker_a->Post(Url(id, "sessions"), json::object{{"held_on", Today()}, {"place_id", community}}).status,
              404);
    EXPECT_TRUE(worker_a->Get("/api/v1/orders").Json().at("items").as_array().empty());
    EXPECT_TRUE(worker_a->Get("/api/v1/disputes").Json().at("items").as_array().empty());

    auto counts = worker_a->Get("/api/v1/disputes/stats?group_by=grid");
    ASSERT_EQ(counts.status, 200) << counts.body;
    ASSERT_EQ(counts.Json().at("rows").as_array().size(), 1u);
    EXPECT_EQ(counts.Json().at("rows").as_array()[0].at("name"), "第1网格");
    EXPECT_EQ(counts.Json().at("rows").as_array()[0].at("received").as_int64(), 1);
    EXPECT_EQ(counts.body.find("漏水"), std::string::npos);
    auto by_category = worker_a->Get("/api/v1/disputes/stats?group_by=category");
    EXPECT_EQ(by_category.status, 403);
    EXPECT_EQ(by_category.ErrorField(), "group_by");
    EXPECT_TRUE(worker_b->Get("/api/v1/disputes/stats?group_by=grid").Json().at("rows").as_array().empty());
}

TEST_P(Mediation, AGridWorkerReadsTheirCommunitysRosterOnly) {
    OnDutyToday(lawyer_mediator);
    // The community node lies above the grid worker's scope; the roster is theirs to read all the same.
    auto roster = worker_a->Get("/api/v1/mediation/duty?community_id=" + std::to_string(community));
    ASSERT_EQ(roster.status, 200) << roster.body;
    ASSERT_EQ(roster.Json().at("items").as_array().size(), 1u);
    EXPECT_EQ(roster.Json().at("items").as_array()[0].at("mediator_id").as_int64(), lawyer_mediator);
    // Another community's roster stays out of reach; a node that is not a community is refused.
    EXPECT_EQ(worker_a->Get("/api/v1/mediation/duty?community_id=" + std::to_string(elsewhere)).status, 404);
    for (int64_t not_community : {subdistrict, grid_a}) {
        auto reply = worker_a->Get("/api/v1/mediation/duty?community_id=" + std::to_string(not_community));
        EXPECT_EQ(reply.status, 400) << reply.body;
        EXPECT_EQ(reply.ErrorField(), "community_id");
    }
}

TEST_P(Mediation, AMediatorOffTheRosterIsAllowedAndTheWarningIsKept) {
    OnDutyToday(police_mediator);
    auto created = staff->Post("/api/v1/disputes", Intake(lawyer_mediator));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto d = created.Json();
    ASSERT_EQ(d.at("warnings").as_array().size(), 1u);
    EXPECT_EQ(d.at("warnings").as_array()[0].at("code"), "mediator_not_on_duty");
    EXPECT_EQ(d.at("mediators").as_array()[0].at("on_duty"), false);
    auto timeline = staff->Get("/api/v1/orders/" + std::to_string(d.at("id").as_int64()) + "/timeline");
    ASSERT_EQ(timeline.status, 200);
    bool kept = false;
    const auto events = timeline.Json();  // Json() answers a fresh value: keep it alive
    for (const auto& e : events.at("items").as_array()) {
        kept = kept || e.at("action") == "mediator_not_on_duty";
    }
    EXPECT_TRUE(kept) << timeline.body;

    // The one on duty is put on it too, without a warning.
    auto assigned = staff->Post(Url(d.at("id").as_int64(), "mediators"), json::object{{"mediator_id", police_mediator}});
    ASSERT_EQ(assigned.status, 200) << assigned.body;
    EXPECT_TRUE(assigned.Json().at("warnings").as_array().empty());
    EXPECT_EQ(worker_a->Post(Url(d.at("id").as_int64(), "mediators"), json::object{{"mediator_id", police_mediator}})
                  .status,
              403);
}

TEST_P(Mediation, BadPartiesAgreementsAndSessionsNameTheField) {
    auto nameless = Intake();
    nameless["parties"].as_array()[1].as_object().erase("name");
    auto r = staff->Post("/api/v1/disputes", nameless);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.ErrorField(), "parties[1].name");

    // 张伟 lives in the first grid: the second grid's worker cannot name him.
    auto out_of_scope = worker_b->Post("/api/v1/disputes", Intake());
    EXPECT_EQ(out_of_scope.status, 404) << out_of_scope.body;
    EXPECT_EQ(out_of_scope.ErrorField(), "parties[0].resident_id");

    auto created = staff->Post("/api/v1/disputes", Intake());
    ASSERT_EQ(created.status, 201) << created.body;
    const int64_t id = created.Json().at("id").as_int64();

    auto bad_date = staff->Post(Url(id, "sessions"), json::object{{"held_on", "上周三"}, {"place_id", community}});
    EXPECT_EQ(bad_date.status, 400);
    EXPECT_EQ(bad_date.ErrorField(), "held_on");
    auto bad_time = staff->Post(Url(id, "sessions"),
                                json::object{{"held_on", Today()}, {"start_time", "7pm"}, {"place_id", community}});
    EXPECT_EQ(bad_time.ErrorField(), "start_time");
    auto unknown_place = staff->Post(Url(id, "sessions"), json::object{{"held_on", Today()}, {"place_id", 987654}});
    EXPECT_EQ(unknown_place.status, 400);
    EXPECT_EQ(unknown_place.ErrorField(), "place_id");
    auto other_community =
        staff->Post(Url(id, "sessions"), json::object{{"held_on", Today()}, {"place_id", elsewhere}});
    EXPECT_EQ(other_community.ErrorField(), "place_id");

    ASSERT_EQ(staff
                  ->Send("PUT", Url(id, "agreement"), json::serialize(json::object{{"text", "双方各让一步。"}}),
                         {{"Content-Type", "application/json"}})
                  .status,
              200);
    auto stranger = staff->Post(Url(id, "agreement/decisions"), json::object{{"party_id", 424242}, {"decision", "accepted"}});
    EXPECT_EQ(stranger.status, 400) << stranger.body;
    EXPECT_EQ(stranger.ErrorField(), "party_id");
    auto unknown_field = staff->Post(Url(id, "outcome"), json::object{{"outcome", "agreed"}, {"court", "区法院"}});
    EXPECT_EQ(unknown_field.ErrorField(), "court");
    auto early = staff->Post(Url(id, "outcome"), json::object{{"outcome", "agreed"}});
    EXPECT_EQ(early.status, 409) << early.body;
    auto failed = staff->Post(Url(id, "outcome"), json::object{{"outcome", "failed"},
                                                               {"referral", "court"},
                                                               {"referral_to", "区人民法院"}});
    ASSERT_EQ(failed.status, 200) << failed.body;
    EXPECT_EQ(failed.Json().at("outcome").at("referral_to"), "区人民法院");
    auto stats = staff->Get("/api/v1/disputes/stats");
    EXPECT_EQ(stats.Json().at("total").at("referred").as_int64(), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, Mediation, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace linli::testing
