// The resident's side of work orders over HTTP, as a resident with a phone and the community office
// see it: a building's QR token (only for buildings in scope; forged, truncated or foreign tokens
// refused), the no-login report that becomes an order, rate limits by address and phone, the public
// tracking page that shows no internal notes and no one else's data, and the rating: only by the
// reporter (tracking code + phone), once per answer, within 7 days, 1-5; a poor one reopens the order
// once and alerts the supervisors.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "modules/orders/public_repository.hpp"
#include "modules/orders/repository.hpp"
#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace json = boost::json;

constexpr const char* kWangPhone = "13812345678";
constexpr const char* kLiPhone = "13987654321";

class Public : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        subdistrict = server->CreateNode(std::nullopt, "subdistrict", "和平街道");
        community = server->CreateNode(subdistrict, "community", "青和居社区");
        grid_a = server->CreateNode(community, "grid", "第1网格");
        grid_b = server->CreateNode(community, "grid", "第2网格");
        building_1 = server->CreateNode(grid_a, "building", "1号楼");
        building_3 = server->CreateNode(grid_b, "building", "3号楼");
        server->CreateUser("admin1", Role::kAdmin);
        staff_id = server->CreateUser("staff1", Role::kCommunityStaff, {community});
        worker_a_id = server->CreateUser("worker_a", Role::kGridWorker, {grid_a});
        server->CreateUser("worker_b", Role::kGridWorker, {grid_b});
        server->CreateUser("resident1", Role::kResident);

        admin = std::make_unique<HttpClient>(server->LoggedIn("admin1"));
        staff = std::make_unique<HttpClient>(server->LoggedIn("staff1"));
        worker_a = std::make_unique<HttpClient>(server->LoggedIn("worker_a"));
        worker_b = std::make_unique<HttpClient>(server->LoggedIn("worker_b"));
        anonymous = std::make_unique<HttpClient>(server->Client());

        auto assigned = admin->Post(
            "/api/v1/assignments",
            json::object{{"role", "grid_worker"}, {"user_id", worker_a_id}, {"node_ids", json::array{grid_a}}});
        ASSERT_EQ(assigned.status, 201) << assigned.body;

        auto categories = staff->Get("/api/v1/order-categories");
        ASSERT_EQ(categories.status, 200) << categories.body;
        const json::value categories_json = categories.Json();  // outlives the loop
        for (const auto& c : categories_json.at("items").as_array()) {
            if (c.at("code") == "repairs") {
                repairs = c.at("id").as_int64();
            }
        }
        ASSERT_GT(repairs, 0);
    }

    std::string Token(int64_t building) {
        auto qr = staff->Get("/api/v1/buildings/" + std::to_string(building) + "/qr");
        EXPECT_EQ(qr.status, 200) << qr.body;
        return json::value_to<std::string>(qr.Json().at("token"));
    }

    json::object ReportBody(const std::string& token, const std::string& phone = kWangPhone,
                            const std::string& name = "王阿姨") {
        return json::object{
            {"building_token", token}, {"category_id", repairs}, {"description", "3楼到5楼的楼道灯坏了，晚上看不见"},
            {"phone", phone},          {"name", name},           {"room", "2单元301"}};
    }

    HttpReply Report(const json::object& body) { return anonymous->Post("/api/v1/public/reports", body); }

    /// Files a report and answers its tracking code.
    std::string Reported(const std::string& phone = kWangPhone, const std::string& name = "王阿姨") {
        auto reply = Report(ReportBody(Token(building_1), phone, name));
        EXPECT_EQ(reply.status, 201) << reply.body;
        return json::value_to<std::string>(reply.Json().at("tracking_code"));
    }

    /// The order behind a tracking code, as staff see it.
    json::object OrderOf(const std::string& code) {
        auto list = staff->Get("/api/v1/orders");
        EXPECT_EQ(list.status, 200) << list.body;
        const json::value list_json = list.Json();  // outlives the loop
        for (const auto& o : list_json.at("items").as_array()) {
            if (o.at("tracking_code") == code.c_str()) {
                return o.as_object();
            }
        }
        ADD_FAILURE() << "no order " << code;
        return {};
    }

    /// The order id of a tracking code, straight from the database (sessions expire when the clock jumps).
    int64_t OrderOfAsAdmin(const std::string& code) {
        orders::OrderRepository repo;
        auto found = server->app().db().Read([&](storage::Conn& c) { return repo.FindByTrackingCode(c, code); });
        EXPECT_TRUE(found && *found);
        return found && *found ? (*found)->id : 0;
    }

    static std::string Url(int64_t id, const std::string& action) {
        return "/api/v1/orders/" + std::to_string(id) + "/" + action;
    }

    void Step(HttpClient& client, int64_t id, const std::string& action, json::object body = {}) {
        auto reply = client.Post(Url(id, action), body);
        ASSERT_EQ(reply.status, 200) << action << ": " << reply.body;
    }

    /// The office takes the order from intake to an answer (the grid worker of building 1 handles it).
    void Answer(int64_t id, bool first_time = true) {
        if (first_time) {
            Step(*staff, id, "accept", {{"note", "内部：此户多次反映，注意沟通方式"}});
        }
        Step(*staff, id, "dispatch");
        Step(*worker_a, id, "start");
        Step(*worker_a, id, "resolve", {{"note", "内部：更换了灯泡和开关，物业承担费用"}});
        Step(*worker_a, id, "reply", {{"text", "楼道灯已修好，感谢反映。"}});
    }

    HttpReply Track(const std::string& code) { return anonymous->Get("/api/v1/track/" + code); }

    HttpReply Rate(const std::string& code, json::object body) {
        return anonymous->Post("/api/v1/track/" + code + "/rating", body);
    }

    int64_t LowRatingAlerts(HttpClient& client) {
        auto inbox = client.Get("/api/v1/inbox");
        if (inbox.status != 200) {
            return -1;
        }
        int64_t n = 0;
        const json::value inbox_json = inbox.Json();  // outlives the loop
        for (const auto& m : inbox_json.at("items").as_array()) {
            if (m.at("topic") == "order.low_rating") {
                ++n;
            }
        }
        return n;
    }

    std::unique_ptr<TestServer> server;
    int64_t subdistrict = 0, community = 0, grid_a = 0, grid_b = 0, building_1 = 0, building_3 = 0;
    int64_t staff_id = 0, worker_a_id = 0, repairs = 0;
    std::unique_ptr<HttpClient> admin, staff, worker_a, worker_b, anonymous;
};

TEST_P(Public, StaffGetTheQrTokenOfABuildingInTheirScopeOnly) {
    auto qr = staff->Get("/api/v1/buildings/" + std::to_string(building_1) + "/qr");
    ASSERT_EQ(qr.status, 200) << qr.body;
    const auto token = json::value_to<std::string>(qr.Json().at("token"));
    EXPECT_EQ(qr.Json().at("url"), ("/r/" + token).c_str());
    EXPECT_EQ(qr.Json().at("building_name"), "1号楼");
    // The same building always gets the same token: a reprinted board shows the same code.
    EXPECT_EQ(Token(building_1), token);
    EXPECT_NE(Token(building_3), token);

    // Another grid's worker does not see building 1: 404, as for a missing one.
    EXPECT_EQ(worker_b->Get("/api/v1/buildings/" + std::to_string(building_1) + "/qr").status, 404);
    EXPECT_EQ(worker_a->Get("/api/v1/buildings/" + std::to_string(building_1) + "/qr").status, 200);
    EXPECT_EQ(staff->Get("/api/v1/buildings/999999/qr").status, 404);
    // Only buildings get QR codes.
    auto grid = staff->Get("/api/v1/buildings/" + std::to_string(grid_a) + "/qr");
    EXPECT_EQ(grid.status, 400);
    EXPECT_EQ(grid.ErrorField(), "id");
    // Residents do not print boards; strangers are not signed in.
    EXPECT_EQ(server->LoggedIn("resident1").Get("/api/v1/buildings/" + std::to_string(building_1) + "/qr").status, 403);
    EXPECT_EQ(anonymous->Get("/api/v1/buildings/" + std::to_string(building_1) + "/qr").status, 401);

    // The page behind the QR code: the building and the categories, no login.
    auto form = anonymous->Get("/api/v1/public/buildings/" + token);
    ASSERT_EQ(form.status, 200) << form.body;
    EXPECT_EQ(form.Json().at("building").at("name"), "1号楼");
    EXPECT_EQ(form.Json().at("community_name"), "青和居社区");
    EXPECT_FALSE(form.Json().at("categories").as_array().empty());
}

TEST_P(Public, AForgedTruncatedOrForeignTokenIsRefusedWithAClearMessage) {
    const std::string token = Token(building_1);
    const std::string tag = token.substr(token.find('.') + 1);
    // Building 1's signature with building 3's id: a token "for another building".
    const std::string foreign = std::to_string(building_3) + "." + tag;
    const std::string truncated = token.substr(0, token.size() - 3);
    std::string flipped = token;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    for (const std::string& bad : {foreign, truncated, flipped, std::string("12345"), std::string(".") + tag,
                                   std::string("0") + token, std::string("-1.") + tag, std::string(300, 'x')}) {
        auto reply = Report(ReportBody(bad));
        EXPECT_EQ(reply.status, 400) << bad << ": " << reply.body;
        if (bad.size() <= 64) {
            EXPECT_EQ(reply.ErrorField(), "building_token") << bad;
            EXPECT_NE(reply.Json().at("error").at("message").as_string().find("QR code is not valid"),
                      json::string::npos)
                << reply.body;
            EXPECT_EQ(anonymous->Get("/api/v1/public/buildings/" + bad).status, 404) << bad;
        }
    }
    // Nothing was filed, and the forged requests did not use up the resident's allowance.
    EXPECT_TRUE(staff->Get("/api/v1/orders").Json().at("items").as_array().empty());
    EXPECT_EQ(Report(ReportBody(token)).status, 201);

    // A genuine token whose building has since been deleted: 404, not a crash.
    const int64_t doomed = server->CreateNode(grid_a, "building", "临时板房");
    const std::string stale = Token(doomed);
    ASSERT_EQ(admin->Delete("/api/v1/territory/nodes/" + std::to_string(doomed)).status, 204);
    auto reply = Report(ReportBody(stale));
    EXPECT_EQ(reply.status, 404) << reply.body;
    EXPECT_EQ(reply.ErrorField(), "building_token");
    EXPECT_EQ(anonymous->Get("/api/v1/public/buildings/" + stale).status, 404);
}

TEST_P(Public, AReportBecomesAQrOrderAtTheBuildingAndIsTrackedByItsCode) {
    auto reply = Report(ReportBody(Token(building_1)));
    ASSERT_EQ(reply.status, 201) << reply.body;
    const auto code = json::value_to<std::string>(reply.Json().at("tracking_code"));
    EXPECT_EQ(reply.Json().at("track_url"), ("/track/" + code).c_str());
    EXPECT_EQ(reply.Header("location"), "/api/v1/track/" + code);

    auto order = OrderOf(code);
    EXPECT_EQ(order.at("channel"), "qr_code");
    EXPECT_EQ(order.at("state"), "submitted");
    EXPECT_EQ(order.at("place").at("id"), building_1);
    EXPECT_EQ(order.at("address"), "2单元301");
    EXPECT_EQ(order.at("reporter_phone"), "138****5678");

    auto track = Track(code);
    ASSERT_EQ(track.status, 200) << track.body;
    EXPECT_EQ(track.Json().at("state"), "submitted");
    EXPECT_EQ(track.Json().at("reporter_phone"), "138****5678");
    EXPECT_EQ(track.Json().at("rating").at("open"), false);
    EXPECT_EQ(track.body.find(kWangPhone), std::string::npos);

    EXPECT_EQ(Track("ZZZZZZZZZZ").status, 404);
    EXPECT_EQ(Track("not-a-code").status, 404);
    EXPECT_EQ(Track(code.substr(0, 9)).status, 404);

    // A second report of the same matter: the resident is told nothing of other people's reports
    // (possible duplicates are for staff, GET /api/v1/orders/{id}/similar; ADR 0006).
    auto again = Report(ReportBody(Token(building_1), kLiPhone, "李四"));
    ASSERT_EQ(again.status, 201) << again.body;
    EXPECT_FALSE(again.Json().as_object().contains("possible_duplicates"));
    EXPECT_EQ(again.body.find(code), std::string::npos);
    const auto second = OrderOf(json::value_to<std::string>(again.Json().at("tracking_code")));
    auto offered = staff->Get("/api/v1/orders/" + std::to_string(second.at("id").as_int64()) + "/similar");
    ASSERT_EQ(offered.status, 200) << offered.body;
    EXPECT_EQ(offered.Json().at("items").at(0).at("tracking_code"), code.c_str());
}

TEST_P(Public, TrackingShowsNoInternalNoteAndNoOtherPersonsData) {
    const std::string wang = Reported(kWangPhone, "王阿姨");
    const std::string li = Reported(kLiPhone, "李四");
    const int64_t id = OrderOf(wang).at("id").as_int64();
    Step(*staff, id, "supervise", {{"note", "内部督办：此事拖了两天"}, {"due_at", server->clock().Now() + 86400}});
    Answer(id);

    auto track = Track(wang);
    ASSERT_EQ(track.status, 200) << track.body;
    const std::string body = track.body;
    EXPECT_EQ(track.Json().at("state"), "replied");
    // The answer is there ...
    ASSERT_EQ(track.Json().at("replies").as_array().size(), 1u);
    EXPECT_EQ(track.Json().at("replies").at(0).at("text"), "楼道灯已修好，感谢反映。");
    EXPECT_EQ(track.Json().at("rating").at("open"), true);
    // ... and nothing internal: no internal notes, no supervision, no staff names or accounts.
    for (const char* secret : {"内部", "督办", "worker_a", "staff1", "物业承担"}) {
        EXPECT_EQ(body.find(secret), std::string::npos) << secret << " in " << body;
    }
    const json::value track_json = track.Json();  // outlives the loop
    for (const auto& e : track_json.at("events").as_array()) {
        EXPECT_NE(e.at("action"), "supervise");
        EXPECT_FALSE(e.as_object().contains("actor_name"));
    }
    // ... and nobody else's data: not the other resident's name or phone, not even Wang's own in full.
    for (const char* other : {"李四", kLiPhone, "139****4321", kWangPhone, "王阿姨"}) {
        EXPECT_EQ(body.find(other), std::string::npos) << other << " in " << body;
    }
    EXPECT_EQ(Track(li).body.find("王阿姨"), std::string::npos);
}

TEST_P(Public, StrictBodyAndBadFieldsAreNamed) {
    const std::string token = Token(building_1);
    auto body = ReportBody(token);
    body["floor"] = 3;
    auto unknown = Report(body);
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.ErrorField(), "floor");

    auto no_phone = ReportBody(token);
    no_phone.erase("phone");
    EXPECT_EQ(Report(no_phone).ErrorField(), "phone");

    auto bad_phone = ReportBody(token, "12345");
    auto bad = Report(bad_phone);
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.ErrorField(), "phone");

    auto bad_category = ReportBody(token);
    bad_category["category_id"] = 999999;
    EXPECT_EQ(Report(bad_category).ErrorField(), "category_id");

    auto empty = ReportBody(token);
    empty["description"] = "   ";
    EXPECT_EQ(Report(empty).ErrorField(), "description");

    auto bad_name = ReportBody(token);
    bad_name["name"] = "王\n阿姨";
    EXPECT_EQ(Report(bad_name).ErrorField(), "name");

    EXPECT_EQ(
        anonymous->Send("POST", "/api/v1/public/reports", "not json", {{"Content-Type", "application/json"}}).status,
        400);
    EXPECT_TRUE(staff->Get("/api/v1/orders").Json().at("items").as_array().empty());
}

TEST_P(Public, ReportsAreRateLimitedByPhoneAndByAddress) {
    const std::string token = Token(building_1);
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(Report(ReportBody(token)).status, 201) << i;
    }
    auto sixth = Report(ReportBody(token));
    EXPECT_EQ(sixth.status, 429) << sixth.body;
    EXPECT_EQ(sixth.ErrorField(), "phone");
    EXPECT_GT(std::stoi(sixth.Header("retry-after")), 0);

    // Other phones from the same address: 20 attempts an hour in all (the refused one above counted too).
    bool address_limited = false;
    for (int64_t i = 0; i < 30 && !address_limited; ++i) {
        auto reply = Report(ReportBody(token, std::to_string(13900000000 + i), "邻居"));
        if (reply.status == 429) {
            EXPECT_EQ(reply.ErrorField(), "");
            EXPECT_GT(std::stoi(reply.Header("retry-after")), 0);
            address_limited = true;
        } else {
            ASSERT_EQ(reply.status, 201) << reply.body;
        }
    }
    EXPECT_TRUE(address_limited);
    EXPECT_LE(staff->Get("/api/v1/orders?limit=100").Json().at("items").as_array().size(), 20u);

    // An hour later the address and the phone may report again.
    server->clock().Advance(3601);
    EXPECT_EQ(Report(ReportBody(token)).status, 201);
}

TEST_P(Public, OnlyTheReporterRatesOnceWithinSevenDaysFromOneToFive) {
    const std::string code = Reported();
    const int64_t id = OrderOf(code).at("id").as_int64();

    // Not answered yet.
    auto early = Rate(code, {{"score", 5}, {"phone", kWangPhone}});
    EXPECT_EQ(early.status, 409) << early.body;

    Answer(id);
    // Someone who is not the reporter: a wrong phone, or the right phone's last 4 digits only.
    auto stranger = Rate(code, {{"score", 1}, {"phone", kLiPhone}});
    EXPECT_EQ(stranger.status, 403) << stranger.body;
    EXPECT_EQ(stranger.ErrorField(), "phone");
    EXPECT_EQ(Rate(code, {{"score", 1}, {"phone", "5678"}}).ErrorField(), "phone");
    // Out of range, or not a number.
    for (const json::value& score :
         {json::value(0), json::value(6), json::value(-1), json::value("5"), json::value(4.5)}) {
        auto reply = Rate(code, {{"score", score}, {"phone", kWangPhone}});
        EXPECT_EQ(reply.status, 400) << reply.body;
        EXPECT_EQ(reply.ErrorField(), "score");
    }
    auto unknown = Rate(code, {{"score", 5}, {"phone", kWangPhone}, {"stars", 5}});
    EXPECT_EQ(unknown.ErrorField(), "stars");
    EXPECT_EQ(Rate("ZZZZZZZZZZ", {{"score", 5}, {"phone", kWangPhone}}).status, 404);

    // The reporter, with the number written as people do.
    auto rated = Rate(code, {{"score", 5}, {"comment", "修得很快，谢谢！"}, {"phone", "+86 138-1234-5678"}});
    ASSERT_EQ(rated.status, 201) << rated.body;
    EXPECT_EQ(rated.Json().at("reopened"), false);
    EXPECT_EQ(rated.Json().at("closed"), true);

    // Twice: 409.
    auto again = Rate(code, {{"score", 4}, {"phone", kWangPhone}});
    EXPECT_EQ(again.status, 409) << again.body;

    auto track = Track(code);
    EXPECT_EQ(track.Json().at("state"), "closed");
    EXPECT_EQ(track.Json().at("rating").at("score"), 5);
    EXPECT_EQ(track.Json().at("rating").at("open"), false);
    // The comment is for the office, not the public page; the office sees it in the timeline.
    EXPECT_EQ(track.body.find("修得很快"), std::string::npos);
    auto timeline = staff->Get("/api/v1/orders/" + std::to_string(id) + "/timeline");
    EXPECT_NE(timeline.body.find("修得很快"), std::string::npos);

    // Another answer left unrated for more than 7 days can no longer be rated.
    const std::string late = Reported(kLiPhone, "李四");
    Answer(OrderOf(late).at("id").as_int64());
    server->clock().Advance(8 * 86400);
    EXPECT_EQ(Track(late).Json().at("rating").at("open"), false);
    auto too_late = Rate(late, {{"score", 3}, {"phone", kLiPhone}});
    EXPECT_EQ(too_late.status, 409) << too_late.body;

    // What the scheduler will close as "no response": the unrated answer, not the rated (closed) one.
    orders::PublicRepository repo;
    auto awaiting = server->app().db().Read(
        [&](storage::Conn& c) { return repo.ListAwaitingRating(c, server->clock().Now() - 7 * 86400, 10); });
    ASSERT_TRUE(awaiting) << awaiting.error().message;
    ASSERT_EQ(awaiting->size(), 1u);
    EXPECT_EQ(awaiting->front().order_id, OrderOfAsAdmin(late));
}

TEST_P(Public, ALowRatingReopensTheOrderOnceAndAlertsTheSupervisor) {
    const std::string code = Reported();
    const int64_t id = OrderOf(code).at("id").as_int64();
    Answer(id);

    auto low = Rate(code, {{"score", 1}, {"comment", "灯还是不亮"}, {"phone", kWangPhone}});
    ASSERT_EQ(low.status, 201) << low.body;
    EXPECT_EQ(low.Json().at("reopened"), true);

    auto track = Track(code);
    EXPECT_EQ(track.Json().at("state"), "reopened");
    bool reopen_shown = false;
    const json::value track_json = track.Json();  // outlives the loop
    for (const auto& e : track_json.at("events").as_array()) {
        if (e.at("action") == "reopen") {
            reopen_shown = e.as_object().contains("note");
        }
    }
    EXPECT_TRUE(reopen_shown) << track.body;
    // The community's staff (the supervisor of the place) is alerted in the inbox.
    EXPECT_TRUE(Eventually([&] { return LowRatingAlerts(*staff) == 1; }));
    EXPECT_EQ(LowRatingAlerts(*worker_b), 0);

    // Worked and answered again; the new answer can be rated, but a second poor rating does not
    // reopen the order again: it alerts, and the order closes for the office to decide.
    Answer(id, false);
    EXPECT_EQ(Track(code).Json().at("rating").at("open"), true);
    auto second = Rate(code, {{"score", 2}, {"phone", kWangPhone}});
    ASSERT_EQ(second.status, 201) << second.body;
    EXPECT_EQ(second.Json().at("reopened"), false);
    EXPECT_EQ(Track(code).Json().at("state"), "closed");
    EXPECT_TRUE(Eventually([&] { return LowRatingAlerts(*staff) == 2; }));

    auto order = staff->Get("/api/v1/orders/" + std::to_string(id));
    EXPECT_EQ(order.Json().at("reopen_count"), 1);
    // Nothing left half-done for the start-up recovery.
    orders::PublicRepository repo;
    auto pending = server->app().db().Read([&](storage::Conn& c) { return repo.ListPendingReopens(c, 10); });
    ASSERT_TRUE(pending);
    EXPECT_TRUE(pending->empty());
}

TEST_P(Public, ASignedInResidentReportsAndRatesAsTheReporterUnderTheSameRules) {
    server->CreateUser("resident2", Role::kResident);
    auto wang = server->LoggedIn("resident1");
    auto li = server->LoggedIn("resident2");
    auto mine = [&](HttpClient& who, const std::string& code, json::object body) {
        return who.Post("/api/v1/my/reports/" + code + "/rating", body);
    };

    // Reported signed in: the same form, the same receipt.
    auto reported = wang.Post("/api/v1/my/reports", ReportBody(Token(building_1)));
    ASSERT_EQ(reported.status, 201) << reported.body;
    const auto code = json::value_to<std::string>(reported.Json().at("tracking_code"));
    EXPECT_EQ(OrderOf(code).at("channel"), "qr_code");
    // Staff record orders at /api/v1/orders, not here.
    EXPECT_EQ(staff->Post("/api/v1/my/reports", ReportBody(Token(building_1))).status, 403);
    EXPECT_EQ(anonymous->Post("/api/v1/my/reports", ReportBody(Token(building_1))).status, 401);
    EXPECT_EQ(wang.Post("/api/v1/my/reports", ReportBody("1.forged")).ErrorField(), "building_token");

    // Not answered yet.
    EXPECT_EQ(mine(wang, code, {{"score", 5}}).status, 409);
    const int64_t id = OrderOf(code).at("id").as_int64();
    Answer(id);

    // Someone who is not the reporter: another resident's account, the office, nobody.
    auto stranger = mine(li, code, {{"score", 1}});
    EXPECT_EQ(stranger.status, 403) << stranger.body;
    EXPECT_EQ(stranger.ErrorField(), "code");
    EXPECT_EQ(mine(*staff, code, {{"score", 1}}).status, 403);
    EXPECT_EQ(anonymous->Post("/api/v1/my/reports/" + code + "/rating", json::object{{"score", 1}}).status, 401);
    // A report filed without an account is rated with its phone, not by whoever signs in.
    const std::string anonymous_code = Reported(kLiPhone, "李四");
    Answer(OrderOf(anonymous_code).at("id").as_int64());
    EXPECT_EQ(mine(li, anonymous_code, {{"score", 5}}).status, 403);
    // Out of range, or not a number; the phone is not asked for; unknown codes.
    for (const json::value& score : {json::value(0), json::value(6), json::value("5"), json::value(4.5)}) {
        auto reply = mine(wang, code, {{"score", score}});
        EXPECT_EQ(reply.status, 400) << reply.body;
        EXPECT_EQ(reply.ErrorField(), "score");
    }
    EXPECT_EQ(mine(wang, code, {{"score", 5}, {"phone", kWangPhone}}).ErrorField(), "phone");
    EXPECT_EQ(mine(wang, "ZZZZZZZZZZ", {{"score", 5}}).status, 404);

    // The reporter: a poor rating reopens the order once and alerts the supervisors, as by phone.
    auto low = mine(wang, code, {{"score", 2}, {"comment", "灯还是不亮"}});
    ASSERT_EQ(low.status, 201) << low.body;
    EXPECT_EQ(low.Json().at("reopened"), true);
    EXPECT_EQ(Track(code).Json().at("state"), "reopened");
    EXPECT_TRUE(Eventually([&] { return LowRatingAlerts(*staff) == 1; }));
    // Twice: 409, signed in or with the phone of the same report.
    EXPECT_EQ(mine(wang, code, {{"score", 5}}).status, 409);

    // Answered again: rated once more, within 7 days only.
    Answer(id, false);
    EXPECT_EQ(Rate(code, {{"score", 4}, {"phone", kWangPhone}}).status, 201);
    EXPECT_EQ(mine(wang, code, {{"score", 5}}).status, 409);
    EXPECT_EQ(Track(code).Json().at("state"), "closed");

    auto late = wang.Post("/api/v1/my/reports", ReportBody(Token(building_1)));
    ASSERT_EQ(late.status, 201) << late.body;
    const auto late_code = json::value_to<std::string>(late.Json().at("tracking_code"));
    Answer(OrderOf(late_code).at("id").as_int64());
    server->clock().Advance(8 * 86400);
    auto wang_later = server->LoggedIn("resident1");  // sessions end when the clock jumps
    EXPECT_EQ(mine(wang_later, late_code, {{"score", 3}}).status, 409);
}

TEST_P(Public, RatingsAreRateLimitedPerTrackingCode) {
    const std::string code = Reported();
    Answer(OrderOf(code).at("id").as_int64());
    int refused = 0;
    for (int i = 0; i < 12; ++i) {
        auto reply = Rate(code, {{"score", 3}, {"phone", "1390000000" + std::to_string(i % 10)}});
        if (reply.status == 429) {
            ++refused;
            EXPECT_EQ(reply.ErrorField(), "code");
            EXPECT_GT(std::stoi(reply.Header("retry-after")), 0);
        } else {
            EXPECT_EQ(reply.status, 403) << reply.body;
        }
    }
    EXPECT_EQ(refused, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, Public, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace linli::testing
