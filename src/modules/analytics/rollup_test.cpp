// The pure parts of the statistics: what one order contributes and where, the encoding kept beside
// it, day and month arithmetic, ranges split into whole months and edge days, and medians.
#include "modules/analytics/rollup.hpp"

#include <gtest/gtest.h>

namespace linli::analytics {
namespace {

constexpr int kShanghai = 8 * 3600;

orders::Order ResolvedOrder() {
    orders::Order o;
    o.id = 7;
    o.created_at = 1'772'323'200;  // 2026-03-01T00:00Z = 08:00 in Shanghai
    o.place_path = "/1/2/3/40/41/";
    o.community_id = 2;
    o.grid_id = 3;
    o.category_id = 5;
    o.handler.user_id = 9;
    o.accepted_at = o.created_at + 600;
    o.resolved_at = o.created_at + 7200;
    o.due_resolve_at = o.created_at + 86400;
    o.state = orders::OrderState::kReplied;
    return o;
}

TEST(Rollup, AnOrderContributesToItsDayGridCategoryAndHandler) {
    const auto c = ContributionOf(ResolvedOrder(), RatingTotals{1, 4, 1}, kShanghai);
    EXPECT_EQ(FormatDate(c.day), "2026-03-01");
    EXPECT_EQ(c.node_path, "/1/2/3/");  // cut after the grid: buildings are not counted apart
    EXPECT_EQ(c.handler_key, 9);
    EXPECT_TRUE(c.accepted);
    EXPECT_EQ(c.accept_secs, 600);
    EXPECT_TRUE(c.resolved);
    EXPECT_TRUE(c.on_time);
    EXPECT_FALSE(c.open);
    EXPECT_EQ(Decode(Encode(c)), c);
    EXPECT_FALSE(Decode("v0|garbage"));

    RollupDelta delta;
    AddTo(delta, c, +1);
    // Three nodes (subdistrict, community, grid) × {all, category, handler} × {day, month}.
    EXPECT_EQ(delta.size(), 18u);
    const auto& grid_month = delta.at(RollupKey{3, 'c', 'm', c.day, 5});
    EXPECT_EQ(grid_month.first.kind, 'g');
    EXPECT_EQ(grid_month.second[kResolved], 1);
    EXPECT_EQ(grid_month.second[kResolveHist + BucketOf(7200)], 1);
    EXPECT_EQ(delta.at(RollupKey{1, 'a', 'd', c.day, 0}).first.depth, 0);
    EXPECT_EQ(delta.at(RollupKey{2, 'h', 'd', c.day, 9}).first.kind, 'c');

    // Subtracting what was added leaves nothing.
    AddTo(delta, c, -1);
    for (const auto& [key, row] : delta) {
        for (int64_t v : row.second) {
            EXPECT_EQ(v, 0);
        }
    }
}

TEST(Rollup, LateReopenedAndUnitHandledOrders) {
    auto o = ResolvedOrder();
    o.resolved_at = o.due_resolve_at + 1;
    EXPECT_FALSE(ContributionOf(o, {}, kShanghai).on_time);
    o.state = orders::OrderState::kReopened;  // resolved before, open again
    const auto reopened = ContributionOf(o, {}, kShanghai);
    EXPECT_FALSE(reopened.resolved);
    EXPECT_TRUE(reopened.open);
    o.handler.unit_id = 4;
    EXPECT_EQ(HandlerKey(o.handler), -4);  // a unit wins over its member
}

TEST(Rollup, LocalDaysWeeksAndMonths) {
    // 2026-02-28T20:00Z is already 1 March in Shanghai.
    EXPECT_EQ(FormatDate(LocalDay(1'772'308'800, kShanghai)), "2026-03-01");
    EXPECT_EQ(FormatDate(LocalDay(1'772'308'800, 0)), "2026-02-28");
    const int64_t d = *ParseDate("2026-03-04");  // a Wednesday
    EXPECT_EQ(FormatDate(WeekStart(d)), "2026-03-02");
    EXPECT_EQ(FormatDate(MonthStart(d)), "2026-03-01");
    EXPECT_EQ(FormatDate(NextMonthStart(*ParseDate("2026-12-31"))), "2027-01-01");
    EXPECT_EQ(FormatMonth(d), "2026-03");
    EXPECT_FALSE(ParseDate("2026-02-29"));
    EXPECT_FALSE(ParseDate("2026-3-4"));
    EXPECT_EQ(ParseDate("2024-02-29").has_value(), true);
}

TEST(Rollup, RangesUseWholeMonthsAndDaysAtTheEdges) {
    auto s = SplitRange(*ParseDate("2026-01-15"), *ParseDate("2026-04-10"));
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].grain, 'd');
    EXPECT_EQ(FormatDate(s[0].from), "2026-01-15");
    EXPECT_EQ(FormatDate(s[0].to), "2026-01-31");
    EXPECT_EQ(s[1].grain, 'm');
    EXPECT_EQ(FormatDate(s[1].from), "2026-02-01");
    EXPECT_EQ(FormatDate(s[1].to), "2026-03-01");
    EXPECT_EQ(s[2].grain, 'd');
    EXPECT_EQ(FormatDate(s[2].from), "2026-04-01");
    EXPECT_EQ(FormatDate(s[2].to), "2026-04-10");

    auto whole = SplitRange(*ParseDate("2026-01-01"), *ParseDate("2026-12-31"));
    ASSERT_EQ(whole.size(), 1u);
    EXPECT_EQ(whole[0].grain, 'm');
    auto inside = SplitRange(*ParseDate("2026-05-03"), *ParseDate("2026-05-20"));
    ASSERT_EQ(inside.size(), 1u);
    EXPECT_EQ(inside[0].grain, 'd');
}

TEST(Rollup, MediansAreReadInsideTheirBucket) {
    Values v{};
    EXPECT_FALSE(HistogramMedian(v, kResolveHist));
    // 1 h, 2 h, 5 h: the median (2 h) lies in the bucket [2 h, 3 h).
    for (int64_t s : {3600, 7200, 18000}) {
        v[kResolveHist + BucketOf(s)] += 1;
    }
    const double m = *HistogramMedian(v, kResolveHist);
    EXPECT_GE(m, 7200.0);
    EXPECT_LT(m, 10800.0);
    // Everything past 14 days answers the open bucket's lower bound.
    Values slow{};
    slow[kAcceptHist + BucketOf(40 * 86400)] = 3;
    EXPECT_DOUBLE_EQ(*HistogramMedian(slow, kAcceptHist), 1209600.0);
    EXPECT_EQ(BucketOf(-5), 0u);
    EXPECT_EQ(BucketOf(0), 0u);
    EXPECT_EQ(BucketOf(59), 1u);
    EXPECT_EQ(BucketOf(60), 2u);
    Values instant{};
    instant[kAcceptHist] = 3;  // all accepted at intake
    EXPECT_DOUBLE_EQ(*HistogramMedian(instant, kAcceptHist), 0.0);
}

}  // namespace
}  // namespace linli::analytics
