#pragma once
/// The analytics module's only SQL: the per-order facts, the rollup rows, live counts of overdue
/// orders, and the reads a rebuild needs. PostgreSQL-style $n, for SQLite and PostgreSQL alike.
///
/// It reads the orders module's tables (orders, order_ratings) but never writes them: statistics
/// are derived data, and going through OrderService for a million rows would be a million reads.
///
/// Thread safety: stateless; each call uses only the connection it is given.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "modules/analytics/rollup.hpp"
#include "storage/database.hpp"

namespace linli::analytics {

/// A fact row: what an order contributes now and what the rollup holds for it.
struct FactRow {
    int64_t order_id = 0;
    std::string cur;
    std::optional<std::string> applied;
};

/// Which rollup rows a query adds up.
struct RowSelection {
    char dim = 'a';
    enum class Nodes { kExact, kRoots, kKindUnder } nodes = Nodes::kExact;
    std::vector<int64_t> node_ids;         // kExact
    char kind = 'g';                       // kKindUnder: 'g' grids, 'c' communities
    std::vector<std::string> under_paths;  // kKindUnder: empty for everywhere
    Segment segment;
    /// What rows are grouped by: the dimension's key, the node, or the period.
    enum class GroupBy { kDimKey, kNode, kPeriod } group = GroupBy::kDimKey;
    /// kDimKey only: just these keys (empty: all).
    std::vector<int64_t> dim_keys;
};

/// True when a rollup row (`key`, `node`) is one `sel` adds up; the value it is grouped under.
bool Selects(const RowSelection& sel, const RollupKey& key, const RollupNode& node);
int64_t GroupValue(const RowSelection& sel, const RollupKey& key);

/// How live overdue counts are grouped.
/// kHandler: HandlerKey (a unit wins over its member); kHandlerUser: the handler user id.
enum class OverdueGroup { kNone, kCategory, kHandler, kHandlerUser, kGrid, kCommunity, kDay };

/// Open orders past the deadline of their state at `now`, created in [from_ts, to_ts), placed under
/// one of `under_paths` (empty: everywhere), optionally only those of `handler_user_ids`.
struct OverdueSelection {
    OverdueGroup group = OverdueGroup::kNone;
    std::vector<std::string> under_paths;
    std::optional<int64_t> from_ts;
    std::optional<int64_t> to_ts;
    std::vector<int64_t> handler_user_ids;
    int64_t now = 0;
    int utc_offset = 0;  // kDay: local days
};

/// Overdue open orders per group value, and the earliest deadline of the selected open orders that
/// has not passed yet (none: no such order): the counts hold, without writes, until that instant.
struct OverdueCounts {
    std::vector<std::pair<int64_t, int64_t>> late;
    std::optional<int64_t> next_due;
};

class StatsRepository {
public:
    /// Writes the order's current contribution; marks it dirty when it changed.
    Result<void> PutFact(storage::Conn& conn, int64_t order_id, const std::string& cur) const;
    Result<RatingTotals> RatingsOf(storage::Conn& conn, int64_t order_id) const;

    /// Up to `limit` dirty facts, lowest order id first. `lock` (PostgreSQL): FOR UPDATE SKIP LOCKED,
    /// so two instances never fold the same fact.
    Result<std::vector<FactRow>> DirtyFacts(storage::Conn& conn, int limit, bool lock) const;
    /// Records that the rollup now holds `cur` for the order.
    Result<void> MarkApplied(storage::Conn& conn, int64_t order_id, const std::string& cur) const;
    /// Adds every row of `delta` to the rollup (creating rows as needed); rows that end empty are removed.
    Result<void> AddRows(storage::Conn& conn, const RollupDelta& delta) const;

    /// Sums of the selected rows, per group value.
    Result<std::vector<std::pair<int64_t, Values>>> Sum(storage::Conn& conn, const RowSelection& sel) const;
    /// Counts of overdue open orders, per group value (an order is overdue once `now` is past the
    /// deadline of its state), and when the next one falls due.
    Result<OverdueCounts> Overdue(storage::Conn& conn, const OverdueSelection& sel) const;

    /// Names beside ids, read-only, for the labels of a report in the same snapshot (as the orders
    /// module names unit members): territory nodes, users (display names), handling units.
    Result<std::map<int64_t, std::string>> NodeNames(storage::Conn& conn, const std::vector<int64_t>& ids) const;
    Result<std::map<int64_t, std::string>> UserNames(storage::Conn& conn, const std::vector<int64_t>& ids) const;
    Result<std::map<int64_t, std::string>> UnitNames(storage::Conn& conn, const std::vector<int64_t>& ids) const;

    Result<std::optional<std::string>> Meta(storage::Conn& conn, const std::string& key) const;
    Result<void> SetMeta(storage::Conn& conn, const std::string& key, const std::string& value) const;

    // ---- rebuild -----------------------------------------------------------------------------
    Result<void> DeleteAll(storage::Conn& conn) const;
    /// Up to `limit` orders with ids above `after_id`, by id (the columns a contribution reads).
    Result<std::vector<orders::Order>> OrdersAfter(storage::Conn& conn, int64_t after_id, int limit) const;
    /// Every order's rating totals.
    Result<std::vector<std::pair<int64_t, RatingTotals>>> AllRatings(storage::Conn& conn) const;
    /// Inserts applied (clean) facts.
    Result<void> InsertFacts(storage::Conn& conn, const std::vector<std::pair<int64_t, std::string>>& facts) const;
};

}  // namespace linli::analytics
