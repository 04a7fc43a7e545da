// The deadline scheduler in the real server, on every available backend, seen as the office and the
// resident see it: the grid worker's inbox gets the 80% warning, the order shows overdue and climbs
// grid → community → subdistrict in its timeline, the resident's tracking page shows the escalation
// but not the internal warning, a supervision gives a fresh warning, and an answer nobody rates
// closes as "no response" after 7 days. The server's own scheduler thread runs too; the test drives
// sweeps with RunOnce at the moved clock, and every count it checks must hold whoever swept first.
#include "modules/orders/scheduler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "modules/notify/deliverer.hpp"
#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace json = boost::json;

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;

class Scheduler : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        subdistrict = server.CreateNode(std::nullopt, "subdistrict", "和平街道");
        community = server.CreateNode(subdistrict, "community", "青和居社区");
        grid = server.CreateNode(community, "grid", "第1网格");
        building = server.CreateNode(grid, "building", "1号楼");
        server.CreateUser("admin1", Role::kAdmin);
        server.CreateUser("staff1", Role::kCommunityStaff, {community});
        server.CreateUser("leader1", Role::kSubdistrictLeader, {subdistrict});
        worker_id = server.CreateUser("worker1", Role::kGridWorker, {grid});
        LogIn();
        auto assigned =
            admin->Post("/api/v1/assignments",
                        json::object{{"role", "grid_worker"}, {"user_id", worker_id}, {"node_ids", json::array{grid}}});
        ASSERT_EQ(assigned.status, 201) << assigned.body;
        const auto listed = staff->Get("/api/v1/order-categories").Json();
        for (const auto& c : listed.at("items").as_array()) {
            if (c.at("code") == "repairs") {
                repairs = c.at("id").as_int64();
            }
        }
        ASSERT_GT(repairs, 0);
    }

    /// Sessions expire after 30 idle minutes: everyone logs in again after the clock moves.
    void LogIn() {
        admin = std::make_unique<HttpClient>(server.LoggedIn("admin1"));
        staff = std::make_unique<HttpClient>(server.LoggedIn("staff1"));
        leader = std::make_unique<HttpClient>(server.LoggedIn("leader1"));
        worker = std::make_unique<HttpClient>(server.LoggedIn("worker1"));
    }

    /// Moves the clock to `t` and runs one sweep there, as the scheduler thread would.
    void SweepAt(int64_t t) {
        server.clock().Set(t);
        LogIn();
        Sweep();
    }

    /// Staff intake, dispatched to the grid worker at once.
    json::value Create() {
        auto reply = staff->Post("/api/v1/orders", json::object{{"kind", "request"},
                                                                {"category_id", repairs},
                                                                {"title", "楼道灯不亮"},
                                                                {"place_id", building},
                                                                {"reporter_name", "王阿姨"},
                                                                {"reporter_phone", "13812345678"},
                                                                {"channel", "walk_in"}});
        EXPECT_EQ(reply.status, 201) << reply.body;
        return reply.Json();
    }

    static std::string Url(int64_t id, const std::string& action = {}) {
        return "/api/v1/orders/" + std::to_string(id) + (action.empty() ? "" : "/" + action);
    }

    void Sweep() {
        auto r = server.app().scheduler().RunOnce(server.clock().Now());
        ASSERT_TRUE(r) << r.error().message;
    }

    json::value Order(int64_t id) {
        auto reply = staff->Get(Url(id));
        EXPECT_EQ(reply.status, 200) << reply.body;
        return reply.Json();
    }

    std::vector<std::string> Timeline(int64_t id) {
        auto reply = staff->Get(Url(id, "timeline"));
        EXPECT_EQ(reply.status, 200) << reply.body;
        std::vector<std::string> out;
        const auto events = reply.Json();
        for (const auto& e : events.at("items").as_array()) {
            out.emplace_back(e.at("action").as_string());
        }
        return out;
    }

    int Count(int64_t id, const std::string& action) {
        auto all = Timeline(id);
        return static_cast<int>(std::count(all.begin(), all.end(), action));
    }

    std::vector<std::string> InboxTopics(HttpClient& client) {
        auto delivered = server.app().deliverer().RunOnce();
        EXPECT_TRUE(delivered) << delivered.error().message;
        auto reply = client.Get("/api/v1/inbox");
        EXPECT_EQ(reply.status, 200) << reply.body;
        std::vector<std::string> out;
        const auto items = reply.Json();
        for (const auto& m : items.at("items").as_array()) {
            out.emplace_back(m.at("topic").as_string());
        }
        return out;
    }

    std::vector<std::string> PublicActions(const std::string& code) {
        auto reply = HttpClient(server.port()).Get("/api/v1/track/" + code);
        EXPECT_EQ(reply.status, 200) << reply.body;
        std::vector<std::string> out;
        const auto view = reply.Json();
        for (const auto& e : view.at("events").as_array()) {
            out.emplace_back(e.at("action").as_string());
        }
        return out;
    }

    TestServer server{GetParam()};
    int64_t subdistrict = 0, community = 0, grid = 0, building = 0, worker_id = 0, repairs = 0;
    std::unique_ptr<HttpClient> admin, staff, leader, worker;
};

TEST_P(Scheduler, TheHandlerIsWarnedThenTheOrderIsOverdueAndClimbsTheLadderToTheTop) {
    const auto created = Create();
    const int64_t id = created.at("id").as_int64();
    const int64_t due = created.at("due_resolve_at").as_int64();
    Sweep();

    // A minute before the deadline 80% of the time has long passed: one warning, to the grid worker.
    SweepAt(due - 60);
    Sweep();
    EXPECT_EQ(Count(id, "warn"), 1);
    const auto topics = InboxTopics(*worker);
    EXPECT_EQ(std::count(topics.begin(), topics.end(), "order.deadline_warning"), 1);
    EXPECT_FALSE(Order(id).at("overdue").as_bool());

    // Past the deadline: flagged and escalated to the community.
    SweepAt(due + 1);
    auto late = Order(id);
    EXPECT_TRUE(late.at("overdue").as_bool());
    EXPECT_EQ(late.at("overdue_at").as_int64(), due + 1);
    EXPECT_EQ(late.at("state"), "escalated");
    EXPECT_EQ(late.at("escalation_level"), "community");

    // Still open days later: the subdistrict, and no further however long it waits.
    for (int day = 1; day <= 10; ++day) {
        SweepAt(due + day * kDay);
    }
    EXPECT_EQ(Order(id).at("escalation_level"), "subdistrict");
    EXPECT_EQ(Count(id, "overdue"), 1);
    EXPECT_EQ(Count(id, "escalate"), 2);

    // The resident sees the escalations, not the office's warnings and flags.
    const auto seen = PublicActions(created.at("tracking_code").as_string().c_str());
    EXPECT_EQ(std::count(seen.begin(), seen.end(), "escalate"), 2);
    EXPECT_EQ(std::count(seen.begin(), seen.end(), "warn"), 0);
    EXPECT_EQ(std::count(seen.begin(), seen.end(), "overdue"), 0);
}

TEST_P(Scheduler, ASupervisionWithANewDeadlineGetsAFreshWarning) {
    const auto created = Create();
    const int64_t id = created.at("id").as_int64();
    Sweep();
    SweepAt(created.at("due_resolve_at").as_int64() - 60);
    ASSERT_EQ(Count(id, "warn"), 1);

    const int64_t new_due = server.clock().Now() + 5 * kDay;
    auto supervised = leader->Post(Url(id, "supervise"), json::object{{"note", "请本周办结"}, {"due_at", new_due}});
    ASSERT_EQ(supervised.status, 200) << supervised.body;
    Sweep();
    EXPECT_EQ(Count(id, "warn"), 1);  // the new deadline is days away
    SweepAt(new_due - 60);
    EXPECT_EQ(Count(id, "warn"), 2);
    EXPECT_EQ(Count(id, "overdue"), 0);
}

TEST_P(Scheduler, AnAnswerNobodyRatesClosesAsNoResponseAfterSevenDays) {
    const auto created = Create();
    const int64_t id = created.at("id").as_int64();
    ASSERT_EQ(worker->Post(Url(id, "start"), json::object{}).status, 200);
    ASSERT_EQ(worker->Post(Url(id, "resolve"), json::object{}).status, 200);
    ASSERT_EQ(worker->Post(Url(id, "reply"), json::object{{"text", "王阿姨您好，灯已修好。"}}).status, 200);
    const int64_t replied_at = Order(id).at("replied_at").as_int64();

    SweepAt(replied_at + 7 * kDay - kHour);
    EXPECT_EQ(Order(id).at("state"), "replied");
    SweepAt(replied_at + 7 * kDay);
    Sweep();
    const auto closed = Order(id);
    EXPECT_EQ(closed.at("state"), "closed");
    EXPECT_EQ(closed.at("close_reason"), "no_response");
    EXPECT_EQ(Count(id, "close"), 1);
    const auto seen = PublicActions(created.at("tracking_code").as_string().c_str());
    EXPECT_EQ(seen.back(), "close");
}

INSTANTIATE_TEST_SUITE_P(Backends, Scheduler, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace linli::testing
