// Work-order statistics and possible duplicates over HTTP, as an office and its grid workers use
// them: figures per category and grid on a small known set (counts, on-time rate, medians, overdue),
// scope (a grid worker sees their grid, 404 outside it), figures that follow every step of an order
// and stay the same once the background applier has folded them into the rollup, a scorecard per
// grid worker, exports with Chinese headers, and duplicates ranked by place, category and text.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.hpp"
#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace json = boost::json;

constexpr const char* kPhone = "13812345678";

class Stats : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        subdistrict = server->CreateNode(std::nullopt, "subdistrict", "和平街道");
        community = server->CreateNode(subdistrict, "community", "青和居社区");
        grid_a = server->CreateNode(community, "grid", "第1网格");
        grid_b = server->CreateNode(community, "grid", "第2网格");
        building_1 = server->CreateNode(grid_a, "building", "1号楼");
        building_2 = server->CreateNode(grid_a, "building", "2号楼");
        building_3 = server->CreateNode(grid_b, "building", "3号楼");
        server->CreateUser("admin1", Role::kAdmin);
        server->CreateUser("staff1", Role::kCommunityStaff, {community});
        worker_a_id = server->CreateUser("worker_a", Role::kGridWorker, {grid_a});
        worker_b_id = server->CreateUser("worker_b", Role::kGridWorker, {grid_b});
        server->CreateUser("head1", Role::kBuildingHead, {building_1});

        SignIn();

        for (const auto& [user, grid] : {std::pair{worker_a_id, grid_a}, std::pair{worker_b_id, grid_b}}) {
            auto assigned =
                admin->Post("/api/v1/assignments",
                            json::object{{"role", "grid_worker"}, {"user_id", user}, {"node_ids", json::array{grid}}});
            ASSERT_EQ(assigned.status, 201) << assigned.body;
        }
        const auto listed = staff->Get("/api/v1/order-categories").Json();
        for (const auto& c : listed.at("items").as_array()) {
            if (c.at("code") == "repairs") {
                repairs = c.at("id").as_int64();
            }
            if (c.at("code") == "noise") {
                noise = c.at("id").as_int64();
            }
        }
        ASSERT_GT(repairs, 0);
        ASSERT_GT(noise, 0);
    }

    void SignIn() {
        admin = std::make_unique<HttpClient>(server->LoggedIn("admin1"));
        staff = std::make_unique<HttpClient>(server->LoggedIn("staff1"));
        worker_a = std::make_unique<HttpClient>(server->LoggedIn("worker_a"));
        worker_b = std::make_unique<HttpClient>(server->LoggedIn("worker_b"));
        head = std::make_unique<HttpClient>(server->LoggedIn("head1"));
        anonymous = std::make_unique<HttpClient>(server->Client());
    }

    /// Moves the clock on; sessions idle that long have expired, so everyone signs in again.
    void Later(int64_t seconds) {
        server->clock().Advance(seconds);
        SignIn();
    }

    json::value Create(int64_t place, int64_t category, const std::string& title, const std::string& text = {}) {
        auto reply = staff->Post("/api/v1/orders", json::object{{"kind", "request"},
                                                                {"category_id", category},
                                                                {"title", title},
                                                                {"description", text},
                                                                {"place_id", place},
                                                                {"reporter_name", "王阿姨"},
                                                                {"reporter_phone", kPhone},
                                                                {"channel", "walk_in"}});
        EXPECT_EQ(reply.status, 201) << reply.body;
        return reply.Json();
    }

    HttpReply Step(HttpClient& client, int64_t id, const std::string& action, json::object body = {}) {
        return client.Post("/api/v1/orders/" + std::to_string(id) + "/" + action, body);
    }

    /// GET stats as `client`; the JSON.
    json::value Figures(HttpClient& client, const std::string& query) {
        auto reply = client.Get("/api/v1/orders/stats" + query);
        EXPECT_EQ(reply.status, 200) << reply.body;
        return reply.Json();
    }

    /// The figures of the item whose key is `key`.
    static json::object ItemOf(const json::value& report, int64_t key) {
        for (const auto& item : report.at("items").as_array()) {
            if (item.at("key").as_int64() == key) {
                return item.at("figures").as_object();
            }
        }
        ADD_FAILURE() << "no item with key " << key << " in " << json::serialize(report);
        return {};
    }

    int64_t DirtyFacts() {
        auto n = server->app().db().Read([](storage::Conn& c) -> Result<int64_t> {
            LINLI_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT count(*) FROM order_stats_facts WHERE dirty = TRUE"));
            return rows.at(0).Int(0);
        });
        return n ? *n : -1;
    }

    std::unique_ptr<TestServer> server;
    int64_t subdistrict = 0, community = 0, grid_a = 0, grid_b = 0, building_1 = 0, building_2 = 0, building_3 = 0;
    int64_t worker_a_id = 0, worker_b_id = 0, repairs = 0, noise = 0;
    std::unique_ptr<HttpClient> admin, staff, worker_a, worker_b, head, anonymous;
};

TEST_P(Stats, CountsOnTimeRatesMediansAndOverdueOfAKnownSet) {
    // Three repairs in grid A (dispatched to worker A at intake), one noise complaint in grid B.
    const int64_t r1 = Create(building_1, repairs, "楼道灯不亮").at("id").as_int64();
    const int64_t r2 = Create(building_2, repairs, "水管漏水").at("id").as_int64();
    Create(building_1, repairs, "门禁坏了");
    Create(building_3, noise, "夜间装修噪音");

    Later(2 * 3600);
    ASSERT_EQ(Step(*worker_a, r1, "start").status, 200);
    ASSERT_EQ(Step(*worker_a, r1, "resolve").status, 200);
    Later(2 * 3600);
    ASSERT_EQ(Step(*worker_a, r2, "start").status, 200);
    ASSERT_EQ(Step(*worker_a, r2, "resolve").status, 200);
    // Noise is due within 24 calendar hours; repairs within 24 working hours (days away).
    Later(22 * 3600);

    auto report = Figures(*staff, "?group_by=category");
    EXPECT_EQ(report.at("group_by"), "category");
    auto rep = ItemOf(report, repairs);
    EXPECT_EQ(rep.at("collected").as_int64(), 3);
    EXPECT_EQ(rep.at("accepted").as_int64(), 3);
    EXPECT_EQ(rep.at("resolved").as_int64(), 2);
    EXPECT_EQ(rep.at("in_progress").as_int64(), 1);
    EXPECT_EQ(rep.at("overdue").as_int64(), 0);
    EXPECT_EQ(rep.at("resolved_on_time").as_int64(), 2);
    EXPECT_DOUBLE_EQ(rep.at("on_time_rate").to_number<double>(), 1.0);
    // Resolved after 2 h and 4 h: the median lies between them (histogram, see median_precision).
    const double median = rep.at("median_resolve_seconds").to_number<double>();
    EXPECT_GE(median, 2 * 3600.0);
    EXPECT_LE(median, 4 * 3600.0);
    EXPECT_DOUBLE_EQ(rep.at("mean_resolve_seconds").to_number<double>(), 3 * 3600.0);
    EXPECT_DOUBLE_EQ(rep.at("median_accept_seconds").to_number<double>(), 0.0);  // accepted at intake
    EXPECT_TRUE(rep.at("satisfaction").is_null());                               // nobody rated yet

    auto noisy = ItemOf(report, noise);
    EXPECT_EQ(noisy.at("collected").as_int64(), 1);
    EXPECT_EQ(noisy.at("in_progress").as_int64(), 1);
    EXPECT_EQ(noisy.at("overdue").as_int64(), 1);
    EXPECT_TRUE(noisy.at("on_time_rate").is_null());

    const auto& total = report.at("total");
    EXPECT_EQ(total.at("collected").as_int64(), 4);
    EXPECT_EQ(total.at("resolved").as_int64(), 2);
    EXPECT_EQ(total.at("overdue").as_int64(), 1);

    auto by_grid = Figures(*staff, "?group_by=grid");
    EXPECT_EQ(ItemOf(by_grid, grid_a).at("collected").as_int64(), 3);
    EXPECT_EQ(ItemOf(by_grid, grid_b).at("collected").as_int64(), 1);
    auto by_handler = Figures(*staff, "?group_by=handler");
    EXPECT_EQ(ItemOf(by_handler, worker_a_id).at("resolved").as_int64(), 2);
    auto by_day = Figures(*staff, "?group_by=day");
    int64_t days_total = 0;
    for (const auto& item : by_day.at("items").as_array()) {
        days_total += item.at("figures").at("collected").as_int64();
    }
    EXPECT_EQ(days_total, 4);
    EXPECT_EQ(by_day.at("items").as_array().size(), 30u);  // the last 30 days, empty ones too
    auto by_month = Figures(*staff, "?group_by=month&from=2020-01-01");
    EXPECT_EQ(by_month.at("total").at("collected").as_int64(), 4);
    // Nothing was created in 2020.
    EXPECT_EQ(Figures(*staff, "?from=2020-01-01&to=2020-12-31").at("total").at("collected").as_int64(), 0);
}

TEST_P(Stats, AGridWorkerSeesTheirGridAndNothingOutside) {
    Create(building_1, repairs, "楼道灯不亮");
    Create(building_1, repairs, "水管漏水");
    Create(building_3, noise, "夜间装修噪音");

    EXPECT_EQ(Figures(*worker_a, "").at("total").at("collected").as_int64(), 2);
    EXPECT_EQ(Figures(*worker_b, "").at("total").at("collected").as_int64(), 1);
    EXPECT_EQ(Figures(*worker_a, "?node_id=" + std::to_string(grid_a)).at("total").at("collected").as_int64(), 2);
    EXPECT_EQ(Figures(*staff, "").at("total").at("collected").as_int64(), 3);
    EXPECT_EQ(Figures(*admin, "").at("total").at("collected").as_int64(), 3);

    for (int64_t outside : {grid_b, community, subdistrict}) {
        auto reply = worker_a->Get("/api/v1/orders/stats?node_id=" + std::to_string(outside));
        EXPECT_EQ(reply.status, 404) << outside;
        EXPECT_EQ(reply.ErrorField(), "node_id");
        EXPECT_EQ(worker_a->Get("/api/v1/orders/scorecards?node_id=" + std::to_string(outside)).status, 404);
    }
    EXPECT_EQ(worker_a->Get("/api/v1/orders/stats/export?node_id=" + std::to_string(grid_b)).status, 404);
    // Figures go down to grids; a building head has none to see.
    auto below = staff->Get("/api/v1/orders/stats?node_id=" + std::to_string(building_1));
    EXPECT_EQ(below.status, 400);
    EXPECT_EQ(below.ErrorField(), "node_id");
    EXPECT_EQ(head->Get("/api/v1/orders/stats").status, 403);
    // Bad input names the parameter.
    EXPECT_EQ(staff->Get("/api/v1/orders/stats?group_by=street").ErrorField(), "group_by");
    EXPECT_EQ(staff->Get("/api/v1/orders/stats?from=2026-02-30").ErrorField(), "from");
    EXPECT_EQ(staff->Get("/api/v1/orders/stats?from=2026-03-02&to=2026-03-01").ErrorField(), "from");
    EXPECT_EQ(staff->Get("/api/v1/orders/stats?colour=red").status, 400);
}

TEST_P(Stats, FiguresFollowEveryStepAndMatchOnceFolded) {
    const auto created = Create(building_1, repairs, "楼道灯不亮", "3楼到5楼的楼道灯坏了");
    const int64_t id = created.at("id").as_int64();
    const std::string code(created.at("tracking_code").as_string());
    auto total = [&] { return Figures(*staff, "").at("total").as_object(); };

    auto t = total();
    EXPECT_EQ(t.at("collected").as_int64(), 1);
    EXPECT_EQ(t.at("in_progress").as_int64(), 1);
    EXPECT_EQ(t.at("resolved").as_int64(), 0);

    ASSERT_EQ(Step(*worker_a, id, "return", {{"reason", "不是我网格的事"}}).status, 200);
    EXPECT_EQ(ItemOf(Figures(*staff, "?group_by=handler"), 0).at("collected").as_int64(), 1);  // nobody holds it
    ASSERT_EQ(Step(*staff, id, "dispatch", {{"handler_user_id", worker_a_id}}).status, 200);
    EXPECT_EQ(ItemOf(Figures(*staff, "?group_by=handler"), worker_a_id).at("collected").as_int64(), 1);

    Later(3600);
    ASSERT_EQ(Step(*worker_a, id, "start").status, 200);
    ASSERT_EQ(Step(*worker_a, id, "resolve").status, 200);
    t = total();
    EXPECT_EQ(t.at("resolved").as_int64(), 1);
    EXPECT_EQ(t.at("in_progress").as_int64(), 0);
    EXPECT_EQ(t.at("resolved_on_time").as_int64(), 1);

    ASSERT_EQ(Step(*worker_a, id, "reply", {{"text", "王阿姨您好，楼道灯已修好。"}}).status, 200);
    EXPECT_EQ(total().at("resolved").as_int64(), 1);  // replied still counts as resolved
    auto rated = anonymous->Post("/api/v1/track/" + code + "/rating", json::object{{"score", 5}, {"phone", kPhone}});
    ASSERT_EQ(rated.status, 201) << rated.body;  // a good rating closes the order
    t = total();
    EXPECT_EQ(t.at("ratings").as_int64(), 1);
    EXPECT_DOUBLE_EQ(t.at("satisfaction").to_number<double>(), 5.0);
    EXPECT_DOUBLE_EQ(t.at("satisfaction_rate").to_number<double>(), 1.0);
    EXPECT_EQ(t.at("resolved").as_int64(), 1);

    // The applier folds the changes into the rollup in the background: the figures stay the same.
    const auto before = Figures(*staff, "?group_by=handler");
    ASSERT_TRUE(Eventually([&] { return DirtyFacts() == 0; }));
    EXPECT_EQ(json::serialize(Figures(*staff, "?group_by=handler")), json::serialize(before));
    EXPECT_EQ(total().at("collected").as_int64(), 1);
}

TEST_P(Stats, AnAnswerAskedAgainFollowsNewOrdersDeadlinesAndRenames) {
    // Dashboards ask the same question over and over; each answer must still be today's truth.
    Create(building_3, noise, "夜间装修噪音");  // due within 24 calendar hours
    auto first = Figures(*staff, "?group_by=grid");
    EXPECT_EQ(json::serialize(Figures(*staff, "?group_by=grid")), json::serialize(first));
    EXPECT_EQ(ItemOf(first, grid_b).at("collected").as_int64(), 1);
    EXPECT_EQ(ItemOf(first, grid_b).at("overdue").as_int64(), 0);

    // A new order counts at once.
    Create(building_3, noise, "楼上漏水");
    EXPECT_EQ(ItemOf(Figures(*staff, "?group_by=grid"), grid_b).at("collected").as_int64(), 2);

    // A renamed grid shows its new name at once.
    auto renamed =
        staff->Patch("/api/v1/territory/nodes/" + std::to_string(grid_b), json::object{{"name", "第二网格"}});
    ASSERT_EQ(renamed.status, 200) << renamed.body;
    bool named = false;
    const auto after_rename = Figures(*staff, "?group_by=grid");
    for (const auto& item : after_rename.at("items").as_array()) {
        named = named || (item.at("key").as_int64() == grid_b && item.at("name") == "第二网格");
    }
    EXPECT_TRUE(named);

    // With nothing written, time alone makes both orders overdue.
    Later(25 * 3600);
    auto later = Figures(*staff, "?group_by=grid");
    EXPECT_EQ(ItemOf(later, grid_b).at("overdue").as_int64(), 2);
    EXPECT_EQ(later.at("total").at("overdue").as_int64(), 2);
}

TEST_P(Stats, ManyAskingTheSameQuestionAtOnceShareOneComputation) {
    // A wall of dashboards asks the same question at the same moment, e.g. right after a commit:
    // they all get the same answer, and on SQLite (which keeps answers) it is computed once.
    Create(building_1, repairs, "楼道灯不亮");
    Create(building_3, noise, "夜间装修噪音");
    ASSERT_TRUE(Eventually([&] { return DirtyFacts() == 0; }));
    auto computed = [&] {
        const std::string text = anonymous->Get("/metrics").body;
        const std::string name = "linli_stats_answers_total{source=\"computed\"} ";
        const size_t at = text.find(name);
        return at == std::string::npos ? int64_t{-1} : std::stoll(text.substr(at + name.size()));
    };
    const int64_t before = computed();
    ASSERT_GE(before, 0);

    constexpr int kAsking = 8;
    std::vector<HttpClient> clients;
    for (int i = 0; i < kAsking; ++i) {
        clients.push_back(server->LoggedIn("staff1"));
    }
    std::vector<std::string> answers(kAsking);
    std::vector<int> statuses(kAsking);
    std::vector<std::thread> asking;
    for (int i = 0; i < kAsking; ++i) {
        asking.emplace_back([&, i] {
            auto reply = clients[i].Get("/api/v1/orders/stats?group_by=grid");
            statuses[i] = reply.status;
            answers[i] = reply.body;
        });
    }
    for (auto& t : asking) {
        t.join();
    }
    for (int i = 0; i < kAsking; ++i) {
        EXPECT_EQ(statuses[i], 200) << answers[i];
        EXPECT_EQ(answers[i], answers[0]);
    }
    EXPECT_EQ(ItemOf(json::parse(answers[0]), grid_a).at("collected").as_int64(), 1);
    EXPECT_EQ(ItemOf(json::parse(answers[0]), grid_b).at("collected").as_int64(), 1);
    // PostgreSQL keeps no answers (other server processes may write): each request computes its own.
    EXPECT_EQ(computed() - before, GetParam() == Backend::kSqlite ? 1 : kAsking);
}

TEST_P(Stats, AScorecardPerGridWorker) {
    const int64_t r1 = Create(building_1, repairs, "楼道灯不亮").at("id").as_int64();
    Create(building_1, repairs, "水管漏水");
    Later(3600);
    ASSERT_EQ(Step(*worker_a, r1, "start").status, 200);
    ASSERT_EQ(Step(*worker_a, r1, "resolve").status, 200);

    auto reply = staff->Get("/api/v1/orders/scorecards");
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto cards = reply.Json();
    ASSERT_EQ(cards.at("items").as_array().size(), 2u);  // both grid workers, with orders or not
    for (const auto& c : cards.at("items").as_array()) {
        if (c.at("user_id").as_int64() == worker_a_id) {
            EXPECT_EQ(c.at("handled").as_int64(), 2);
            EXPECT_EQ(c.at("resolved").as_int64(), 1);
            EXPECT_DOUBLE_EQ(c.at("on_time_rate").to_number<double>(), 1.0);
            EXPECT_EQ(c.at("in_progress").as_int64(), 1);
            EXPECT_EQ(c.at("overdue_now").as_int64(), 0);
            EXPECT_EQ(c.at("grids").as_array().at(0), "第1网格");
        } else {
            EXPECT_EQ(c.at("handled").as_int64(), 0);
        }
    }
    // A grid worker sees the scorecards of their grid only.
    EXPECT_EQ(worker_b->Get("/api/v1/orders/scorecards").Json().at("items").as_array().size(), 1u);
}

TEST_P(Stats, ExportsHaveChineseHeaders) {
    Create(building_1, repairs, "楼道灯不亮");
    auto csv = staff->Get("/api/v1/orders/stats/export?format=csv&group_by=category");
    ASSERT_EQ(csv.status, 200) << csv.body;
    EXPECT_NE(csv.Header("content-type").find("text/csv"), std::string::npos);
    EXPECT_NE(csv.Header("content-disposition").find("attachment"), std::string::npos);
    EXPECT_EQ(csv.body.rfind("\xEF\xBB\xBF类别,登记量,已受理,已办结,在办,超期,按时办结,按时办结率", 0), 0u) << csv.body;
    EXPECT_NE(csv.body.find("维修,1,"), std::string::npos) << csv.body;
    EXPECT_NE(csv.body.find("合计,1,"), std::string::npos) << csv.body;

    auto xlsx = staff->Get("/api/v1/orders/stats/export?format=xlsx&group_by=grid");
    ASSERT_EQ(xlsx.status, 200);
    EXPECT_EQ(xlsx.body.rfind("PK", 0), 0u);  // a zip: the workbook

    auto cards = staff->Get("/api/v1/orders/scorecards/export");
    ASSERT_EQ(cards.status, 200);
    EXPECT_EQ(cards.body.rfind("\xEF\xBB\xBF网格员,负责网格,经办工单,已办结", 0), 0u) << cards.body;
}

TEST_P(Stats, PossibleDuplicatesShareThePlaceAndCategoryAndRankByText) {
    const int64_t same = Create(building_1, repairs, "楼道灯不亮", "3楼楼道灯坏了，晚上很黑").at("id").as_int64();
    const int64_t other_matter = Create(building_1, repairs, "电梯停运").at("id").as_int64();
    Create(building_1, noise, "楼道灯不亮");    // another category
    Create(building_3, repairs, "楼道灯不亮");  // another building

    const std::string base =
        "/api/v1/orders/similar?place_id=" + std::to_string(building_1) + "&category_id=" + std::to_string(repairs);
    // Full-width punctuation and a slightly different wording still match.
    auto reply = staff->Get(base + "&text=%E6%A5%BC%E9%81%93%E7%9A%84%E7%81%AF%E4%B8%8D%E4%BA%AE%E4%BA%86%EF%BC%81");
    ASSERT_EQ(reply.status, 200) << reply.body;  // text=楼道的灯不亮了！
    const auto found = reply.Json();
    const auto& items = found.at("items").as_array();
    ASSERT_EQ(items.size(), 1u) << reply.body;
    EXPECT_EQ(items[0].at("id").as_int64(), same);
    EXPECT_GT(items[0].at("score").to_number<double>(), 0.3);
    EXPECT_EQ(items[0].at("can_merge_into"), true);

    // Without text: every recent order of the building and category, newest first.
    const auto all = staff->Get(base).Json();
    ASSERT_EQ(all.at("items").as_array().size(), 2u);
    EXPECT_EQ(all.at("items").as_array()[0].at("id").as_int64(), other_matter);

    // A week later they are no longer offered.
    Later(8 * 86400);
    EXPECT_EQ(staff->Get(base).Json().at("items").as_array().size(), 0u);
    EXPECT_EQ(staff->Get(base + "&days=30").Json().at("items").as_array().size(), 2u);

    // Outside the caller's scope the place does not exist.
    auto outside = worker_b->Get(base);
    EXPECT_EQ(outside.status, 404);
    EXPECT_EQ(outside.ErrorField(), "place_id");
    EXPECT_EQ(staff->Get("/api/v1/orders/similar?place_id=" + std::to_string(building_1)).ErrorField(), "category_id");
}

INSTANTIATE_TEST_SUITE_P(Backends, Stats, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace linli::testing
