// Devices that post alarms, over HTTP, as an administrator registers them and as a smoke sensor (or
// someone pretending to be one) posts: unsigned, wrongly signed, stale and replayed alarms are
// refused with a clear message; a valid one becomes a hazard order with channel "device" at the
// device's building; repeats within the dedupe window join that order's timeline.
#include <gtest/gtest.h>

#include <string>

#include "modules/notify/signature.hpp"
#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace json = boost::json;

class Devices : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam(), [](app::Config& c) { c.device_dedupe_minutes = 10; });
        const int64_t subdistrict = server->CreateNode(std::nullopt, "subdistrict", "和平街道");
        const int64_t community = server->CreateNode(subdistrict, "community", "青和居社区");
        const int64_t grid = server->CreateNode(community, "grid", "第1网格");
        building = server->CreateNode(grid, "building", "1号楼");
        server->CreateUser("admin1", Role::kAdmin);
        server->CreateUser("staff1", Role::kCommunityStaff, {community});
        admin = std::make_unique<HttpClient>(server->LoggedIn("admin1"));
        staff = std::make_unique<HttpClient>(server->LoggedIn("staff1"));

        auto registered =
            admin->Post("/api/v1/devices",
                        json::object{{"name", "1号楼3层烟感"}, {"kind", "smoke_sensor"}, {"place_id", building}});
        ASSERT_EQ(registered.status, 201) << registered.body;
        device = registered.Json().at("id").as_int64();
        secret = json::value_to<std::string>(registered.Json().at("secret"));
        ASSERT_TRUE(secret.starts_with("dvsec_"));
    }

    std::string AlarmUrl() const { return "/api/v1/hooks/devices/" + std::to_string(device) + "/alarms"; }

    /// Posts `body` signed with `key` at `timestamp` (the server's clock by default).
    HttpReply Alarm(const std::string& body, std::optional<int64_t> timestamp = std::nullopt,
                    std::optional<std::string> key = std::nullopt) {
        const int64_t ts = timestamp.value_or(server->clock().Now());
        HttpClient device_client = server->Client();
        return device_client.Send("POST", AlarmUrl(), body,
                                  {{"Content-Type", "application/json"},
                                   {"X-Linli-Timestamp", std::to_string(ts)},
                                   {"X-Linli-Signature", notify::SignWebhook(key.value_or(secret), ts, body)}},
                                  false);
    }

    std::unique_ptr<TestServer> server;
    std::unique_ptr<HttpClient> admin, staff;
    int64_t building = 0;
    int64_t device = 0;
    std::string secret;
};

TEST_P(Devices, OnlyAdminsRegisterAndTheSecretIsShownOnce) {
    auto by_staff =
        staff->Post("/api/v1/devices", json::object{{"name", "x"}, {"kind", "smoke_sensor"}, {"place_id", building}});
    EXPECT_EQ(by_staff.status, 403);
    auto listed = admin->Get("/api/v1/devices");
    ASSERT_EQ(listed.status, 200);
    ASSERT_EQ(listed.Json().at("items").as_array().size(), 1u);
    EXPECT_FALSE(listed.Json().at("items").as_array()[0].as_object().contains("secret"));
    EXPECT_EQ(listed.body.find(secret), std::string::npos);
    auto bad_kind =
        admin->Post("/api/v1/devices", json::object{{"name", "x"}, {"kind", "toaster"}, {"place_id", building}});
    EXPECT_EQ(bad_kind.status, 400);
    EXPECT_EQ(bad_kind.ErrorField(), "kind");
    auto other_needs_category =
        admin->Post("/api/v1/devices", json::object{{"name", "x"}, {"kind", "other"}, {"place_id", building}});
    EXPECT_EQ(other_needs_category.status, 400);
    EXPECT_EQ(other_needs_category.ErrorField(), "category_code");
}

TEST_P(Devices, UnsignedWronglySignedAndStaleAlarmsAreRefused) {
    const std::string body = R"({"event":"smoke","alarm_id":"a-1"})";
    HttpClient anyone = server->Client();
    auto unsigned_alarm = anyone.Send("POST", AlarmUrl(), body, {{"Content-Type", "application/json"}}, false);
    EXPECT_EQ(unsigned_alarm.status, 401) << unsigned_alarm.body;
    EXPECT_NE(unsigned_alarm.body.find("signed"), std::string::npos) << unsigned_alarm.body;

    auto wrong = Alarm(body, std::nullopt, std::string("dvsec_not-the-secret"));
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    EXPECT_EQ(wrong.ErrorField(), "X-Linli-Signature");

    auto stale = Alarm(body, server->clock().Now() - 600);
    EXPECT_EQ(stale.status, 401) << stale.body;
    EXPECT_EQ(stale.ErrorField(), "X-Linli-Timestamp");

    // A body changed after signing no longer matches.
    const int64_t ts = server->clock().Now();
    auto tampered = anyone.Send("POST", AlarmUrl(), R"({"event":"all_clear","alarm_id":"a-1"})",
                                {{"Content-Type", "application/json"},
                                 {"X-Linli-Timestamp", std::to_string(ts)},
                                 {"X-Linli-Signature", notify::SignWebhook(secret, ts, body)}},
                                false);
    EXPECT_EQ(tampered.status, 401) << tampered.body;

    auto unknown = anyone.Send(
        "POST", "/api/v1/hooks/devices/999999/alarms", body,
        {{"X-Linli-Timestamp", std::to_string(ts)}, {"X-Linli-Signature", notify::SignWebhook(secret, ts, body)}},
        false);
    EXPECT_EQ(unknown.status, 401) << unknown.body;

    // None of them opened an order.
    EXPECT_EQ(staff->Get("/api/v1/orders").Json().at("items").as_array().size(), 0u);
}

TEST_P(Devices, AValidAlarmBecomesADeviceOrderAndAReplayIsRefused) {
    const std::string body = R"({"event":"smoke","message":"3F corridor","alarm_id":"a-1"})";
    const int64_t ts = server->clock().Now();
    auto first = Alarm(body, ts);
    ASSERT_EQ(first.status, 201) << first.body;
    const int64_t order = first.Json().at("order_id").as_int64();
    EXPECT_FALSE(first.Json().at("deduplicated").as_bool());

    auto detail = staff->Get("/api/v1/orders/" + std::to_string(order));
    ASSERT_EQ(detail.status, 200) << detail.body;
    const json::value detail_json = detail.Json();
    const auto& o = detail_json.as_object();
    EXPECT_EQ(o.at("channel"), "device");
    EXPECT_EQ(o.at("kind"), "hazard");
    EXPECT_EQ(o.at("state"), "submitted");
    EXPECT_EQ(o.at("place").at("id").as_int64(), building);

    // The very same request again (same timestamp, same signature): a replay.
    auto replay = Alarm(body, ts);
    EXPECT_EQ(replay.status, 409) << replay.body;
    EXPECT_NE(replay.body.find("replay"), std::string::npos) << replay.body;

    // A new alarm of the same device soon after joins the open order's timeline.
    server->clock().Advance(120);
    auto again = Alarm(R"({"event":"smoke","alarm_id":"a-2"})");
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_TRUE(again.Json().at("deduplicated").as_bool());
    EXPECT_EQ(again.Json().at("order_id").as_int64(), order);
    auto timeline = staff->Get("/api/v1/orders/" + std::to_string(order) + "/timeline");
    ASSERT_EQ(timeline.status, 200);
    bool found = false;
    const json::value events = timeline.Json();
    for (const auto& e : events.at("items").as_array()) {
        found = found || e.at("action") == "alarm";
    }
    EXPECT_TRUE(found) << timeline.body;

    // Long after, an alarm is a new matter.
    server->clock().Advance(3600);
    auto later = Alarm(R"({"event":"smoke","alarm_id":"a-3"})");
    ASSERT_EQ(later.status, 201) << later.body;
    EXPECT_NE(later.Json().at("order_id").as_int64(), order);
}

TEST_P(Devices, ARemovedDeviceIsRefused) {
    ASSERT_EQ(admin->Delete("/api/v1/devices/" + std::to_string(device)).status, 204);
    auto refused = Alarm(R"({"event":"smoke"})");
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_EQ(admin->Get("/api/v1/devices/" + std::to_string(device)).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, Devices, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace linli::testing
