#pragma once
/// Work-order statistics as additive rollups (issue 4 §9, ADR 0007): what one order contributes to
/// the figures (its Contribution), how that becomes rows of the rollup table (one per level of the
/// territory above the order's grid × dimension × grain), the duration histogram that medians are
/// read from, and local-day arithmetic. Pure: no database, no clock.
///
/// Every figure is a sum over orders, histograms included, so a change of one order is "subtract
/// its old contribution, add its new one", and the figures of a node are the sum of its rows.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "modules/orders/model.hpp"

namespace linli::analytics {

/// Upper bounds (exclusive, seconds) of the duration histogram's buckets; the last bucket is open.
/// The first holds exactly 0 (accepted at intake), then 1 min … 14 days, each bucket at most 1.5×
/// wider than the one before from one hour to four days, 1.75× above.
inline constexpr std::array<int64_t, 24> kBucketBounds{1,     60,     300,    600,    900,    1800,   2700,   3600,
                                                       5400,  7200,   10800,  14400,  21600,  28800,  43200,  57600,
                                                       86400, 129600, 172800, 259200, 345600, 604800, 864000, 1209600};
inline constexpr size_t kBuckets = kBucketBounds.size() + 1;

/// The bucket of a duration (negative durations, from clock skew, count as 0).
size_t BucketOf(int64_t seconds);

/// The scalar figures, in the order of the rollup table's columns.
enum Figure : size_t {
    kCollected,    // orders created (the cohort)
    kAccepted,     // of which accepted
    kAcceptSecs,   // sum of created → accepted
    kResolved,     // resolved and still so (resolved, replied, closed)
    kResolveSecs,  // sum of created → resolved
    kOnTime,       // resolved at or before the resolve deadline
    kOpen,         // still being worked on (submitted … reopened)
    kMerged,
    kRejected,
    kRated,       // ratings given
    kRatingSum,   // sum of their scores (1–5)
    kRatingGood,  // ratings of 4 or 5
    kScalarFigures
};
/// Every column: the scalars, then kBuckets accept-time buckets, then kBuckets resolve-time buckets.
inline constexpr size_t kAcceptHist = kScalarFigures;
inline constexpr size_t kResolveHist = kAcceptHist + kBuckets;
inline constexpr size_t kValueCount = kResolveHist + kBuckets;

/// The rollup table's value column names, in that order (a0…a24 and r0…r24 for the histograms).
const std::vector<std::string>& ValueColumns();

using Values = std::array<int64_t, kValueCount>;

/// What one order contributes, with where it is counted: the day it was created (local), the
/// territory down to its grid (or its community when it has no grid), its category and handler.
struct Contribution {
    int64_t day = 0;        // local days since 1970-01-01 of created_at
    std::string node_path;  // the place's path cut after the grid (or the community)
    int64_t grid_id = 0;    // 0: none
    int64_t community_id = 0;
    int64_t category_id = 0;
    int64_t handler_key = 0;  // a unit: −its id; else a user: their id; 0: nobody
    bool accepted = false;
    int64_t accept_secs = 0;
    bool resolved = false;
    int64_t resolve_secs = 0;
    bool on_time = false;
    bool open = false;
    bool merged = false;
    bool rejected = false;
    int64_t rated = 0;
    int64_t rating_sum = 0;
    int64_t rating_good = 0;

    bool operator==(const Contribution&) const = default;
};

/// The ratings an order's answers were given.
struct RatingTotals {
    int64_t count = 0;
    int64_t sum = 0;
    int64_t good = 0;  // 4 or 5
};

/// The contribution of `order` as it stands, counted in local days at `utc_offset` seconds.
Contribution ContributionOf(const orders::Order& order, const RatingTotals& ratings, int utc_offset);

/// "v1|day|path|grid|community|category|handler|accepted|accept_secs|…": stored beside the order
/// so the next change knows what to subtract. Decode answers nullopt for anything else.
std::string Encode(const Contribution& c);
std::optional<Contribution> Decode(std::string_view text);

/// The handler key of an order's handler (a unit wins over its member).
int64_t HandlerKey(const orders::Handler& h);

/// One row of the rollup: figures of the orders under `node_id` (one level of the tree), of one
/// value of one dimension, in one period.
struct RollupKey {
    int64_t node_id = 0;
    char dim = 'a';    // 'a' all, 'c' category (dim_key = category id), 'h' handler (dim_key = HandlerKey)
    char grain = 'd';  // 'd' day, 'm' month (period = its first day)
    int64_t period = 0;
    int64_t dim_key = 0;
    auto operator<=>(const RollupKey&) const = default;
};

/// What a rollup row carries besides its key, for queries over a subtree.
struct RollupNode {
    std::string path;  // the node's materialised path
    int depth = 0;     // 0 for a root
    char kind = 'x';   // 'g' grid, 'c' community, 'x' above
};

/// Rows of the rollup, keyed, with their values; what an apply writes and a query adds up.
using RollupDelta = std::map<RollupKey, std::pair<RollupNode, Values>>;

/// The figures of `c` (one order) as a Values vector.
Values ValuesOf(const Contribution& c);

/// Adds `sign` × the contribution to every row it belongs to: each node on its path × {all,
/// category, handler} × {day, month}.
void AddTo(RollupDelta& delta, const Contribution& c, int sign);

// ---- days ----------------------------------------------------------------------------------------

/// Local day number (days since 1970-01-01 in the zone at `utc_offset`) of an instant.
int64_t LocalDay(int64_t epoch_seconds, int utc_offset);
/// The first day of the month / ISO week (Monday) containing `day`.
int64_t MonthStart(int64_t day);
int64_t WeekStart(int64_t day);
/// The first day of the month after the one containing `day`.
int64_t NextMonthStart(int64_t day);
/// "YYYY-MM-DD" ⇄ day number; nullopt for anything that is not a real date.
std::optional<int64_t> ParseDate(std::string_view text);
std::string FormatDate(int64_t day);
/// "YYYY-MM" of the month containing `day`.
std::string FormatMonth(int64_t day);

/// A stretch of periods of one grain: [from, to] (period numbers, inclusive).
struct Segment {
    char grain = 'd';
    int64_t from = 0;
    int64_t to = 0;
};
/// [from_day, to_day] as whole months ('m') where they are whole and days ('d') at the edges.
/// REQUIRES: from_day <= to_day.
std::vector<Segment> SplitRange(int64_t from_day, int64_t to_day);

// ---- reading figures -----------------------------------------------------------------------------

/// The median of a histogram (kBuckets counts starting at `first`), interpolated linearly inside
/// the bucket holding it; nullopt when empty. The zero bucket answers 0, the open last bucket its
/// lower bound.
std::optional<double> HistogramMedian(const Values& v, size_t first);

}  // namespace linli::analytics
