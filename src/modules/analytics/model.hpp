#pragma once
/// Work-order statistics as plain data (issue 4 §9): what a caller asks for and the figures they get.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modules/analytics/rollup.hpp"

namespace linli::analytics {

/// What the figures are broken down by.
enum class GroupBy { kCategory, kGrid, kCommunity, kHandler, kDay, kWeek, kMonth };
inline constexpr std::array<std::pair<GroupBy, std::string_view>, 7> kGroupBys{{
    {GroupBy::kCategory, "category"},
    {GroupBy::kGrid, "grid"},
    {GroupBy::kCommunity, "community"},
    {GroupBy::kHandler, "handler"},
    {GroupBy::kDay, "day"},
    {GroupBy::kWeek, "week"},
    {GroupBy::kMonth, "month"},
}};
std::string_view GroupByName(GroupBy g);
std::optional<GroupBy> ParseGroupBy(std::string_view name);
inline bool IsTimeGroup(GroupBy g) {
    return g == GroupBy::kDay || g == GroupBy::kWeek || g == GroupBy::kMonth;
}

/// Days are local days (the community's time zone) as numbers since 1970-01-01; both ends included.
struct StatsQuery {
    GroupBy group_by = GroupBy::kCategory;
    std::optional<int64_t> node_id;   // a subdistrict, community or grid (or above) in scope
    std::optional<int64_t> from_day;  // default: 29 days before to_day
    std::optional<int64_t> to_day;    // default: today
};

/// The figures of one group (or of all of them).
struct Figures {
    int64_t collected = 0;  // orders created in the period (the cohort the other figures describe)
    int64_t accepted = 0;
    int64_t resolved = 0;     // resolved, replied or closed
    int64_t in_progress = 0;  // still open
    int64_t overdue = 0;      // open and past the deadline of their state, now
    int64_t on_time = 0;      // resolved by the resolve deadline
    int64_t merged = 0;
    int64_t rejected = 0;
    std::optional<double> on_time_rate;  // on_time / resolved
    std::optional<double> median_accept_seconds;
    std::optional<double> median_resolve_seconds;
    std::optional<double> mean_accept_seconds;
    std::optional<double> mean_resolve_seconds;
    int64_t ratings = 0;
    std::optional<double> satisfaction;       // mean score 1–5
    std::optional<double> satisfaction_rate;  // share of ratings 4 or 5
};

/// Figures from summed rollup values and a live overdue count.
Figures FiguresOf(const Values& v, int64_t overdue);

/// One line of a breakdown: the group's key and label, and its figures.
struct StatsRow {
    int64_t key = 0;      // category id, node id, handler key (−unit id, user id, 0 nobody), or first day
    std::string code;     // category code; "user"/"unit"/"none" for handlers; the date for periods
    std::string name;     // Chinese name (category, node, person, unit) or the period ("2026-03", "2026-03-02")
    std::string name_en;  // category only
    Figures figures;
};

struct StatsReport {
    GroupBy group_by = GroupBy::kCategory;
    int64_t from_day = 0;
    int64_t to_day = 0;
    std::optional<int64_t> node_id;
    std::string node_name;
    std::vector<StatsRow> rows;
    Figures total;
};

/// A grid worker's scorecard over a period (orders created in it and handled by them now).
struct Scorecard {
    int64_t user_id = 0;
    std::string name;
    std::vector<std::string> grids;  // the grids they look after
    int64_t handled = 0;
    int64_t resolved = 0;
    int64_t on_time = 0;
    std::optional<double> on_time_rate;
    std::optional<double> median_resolve_seconds;
    int64_t ratings = 0;
    std::optional<double> satisfaction;
    int64_t in_progress = 0;
    int64_t overdue_now = 0;  // every open order of theirs past its deadline now, whatever its period
};

struct ScorecardReport {
    int64_t from_day = 0;
    int64_t to_day = 0;
    std::optional<int64_t> node_id;
    std::vector<Scorecard> items;
};

/// Longest range one query may span.
constexpr int64_t kMaxRangeDays = 3660;

}  // namespace linli::analytics
