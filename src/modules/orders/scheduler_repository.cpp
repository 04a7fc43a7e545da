#include "modules/orders/scheduler_repository.hpp"

#include <string>
#include <string_view>

namespace linli::orders {

namespace {

using storage::Conn;

// The open states must read exactly as in the WHERE clauses of the partial indexes of migration
// 0008, so that the planner sees the query implies the index's predicate. On SQLite both say
// "+state": the unary plus keeps SQLite, which has no statistics unless someone runs ANALYZE, from
// preferring orders_state_idx (every open order) over the partial index (only what is due).
// PostgreSQL has no unary plus for text and plans by its statistics.
constexpr std::string_view kOpenSqlite =
    "+state IN ('submitted', 'accepted', 'dispatched', 'in_progress', 'returned', 'escalated', 'reopened')";
constexpr std::string_view kOpenPostgres =
    "state IN ('submitted', 'accepted', 'dispatched', 'in_progress', 'returned', 'escalated', 'reopened')";
constexpr std::string_view kCurrentDue = "CASE WHEN state = 'submitted' THEN due_accept_at ELSE due_resolve_at END";

/// The scheduler's statements for one dialect, built once.
struct Statements {
    std::string list_stale;
    std::string list_due;
    std::string earliest_next;

    explicit Statements(std::string_view open) {
        const std::string due(kCurrentDue);
        list_stale = "SELECT id, state, " + due +
                     ", created_at,"
                     " (SELECT CASE WHEN orders.state = 'submitted' THEN c.accept_kind ELSE c.resolve_kind END"
                     "  FROM order_categories c WHERE c.id = orders.category_id),"
                     // The current deadline was last set by a supervision in the same clock (accept while
                     // submitted, resolve after), or by a reopening (resolve), else at intake.
                     " (SELECT MAX(e.at) FROM order_events e WHERE e.order_id = orders.id AND"
                     "  ((orders.state = 'submitted' AND e.action = 'supervise' AND e.to_state = 'submitted') OR"
                     "   (orders.state <> 'submitted' AND (e.action = 'reopen' OR"
                     "    (e.action = 'supervise' AND e.to_state <> 'submitted')))))"
                     " FROM orders WHERE " +
                     std::string(open) + " AND (sched_due IS NULL OR sched_due <> " + due +
                     ")"
                     " ORDER BY id LIMIT $1";
        list_due = "SELECT id, sched_due, sched_stage, sched_next_at FROM orders WHERE " + std::string(open) +
                   " AND sched_next_at IS NOT NULL AND sched_next_at <= $1 ORDER BY sched_next_at LIMIT $2";
        earliest_next = "SELECT sched_next_at FROM orders WHERE " + std::string(open) +
                        " AND sched_next_at IS NOT NULL ORDER BY sched_next_at LIMIT 1";
    }
};

const Statements& For(const Conn& conn) {
    static const Statements sqlite(kOpenSqlite);
    static const Statements postgres(kOpenPostgres);
    return conn.dialect() == storage::Dialect::kSqlite ? sqlite : postgres;
}

// Only while the plan is still stale: a second scheduler that read the same stale row must not
// reset a plan the first one has already made and acted on.
const std::string kSavePlan =
    "UPDATE orders SET sched_due = $2, sched_stage = $3, sched_next_at = $4"
    " WHERE id = $1 AND state = $5 AND " +
    std::string(kCurrentDue) +
    " = $2"
    " AND (sched_due IS NULL OR sched_due <> $2)";

constexpr std::string_view kAdvance =
    "UPDATE orders SET sched_stage = $5, sched_next_at = $6"
    " WHERE id = $1 AND sched_due = $2 AND sched_stage = $3 AND sched_next_at = $4";

// "rate" is the timeline action of a reporter's rating (issue 4 §6), written in the rating's own
// transaction. Reading the timeline, not the ratings table, keeps this correct with or without it.
constexpr std::string_view kListUnrated =
    "SELECT id, replied_at FROM orders WHERE state = 'replied' AND replied_at <= $1"
    " AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = orders.id AND e.action = 'rate'"
    "  AND e.at >= orders.replied_at)"
    " ORDER BY replied_at LIMIT $2";

constexpr std::string_view kRatedSince =
    "SELECT 1 FROM order_events WHERE order_id = $1 AND action = 'rate' AND at >= $2 LIMIT 1";

constexpr std::string_view kEarliestReply =
    "SELECT replied_at FROM orders WHERE state = 'replied' ORDER BY replied_at LIMIT 1";

}  // namespace

Result<std::vector<StaleOrder>> SchedulerRepository::ListStale(Conn& conn, int limit) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(For(conn).list_stale, {static_cast<int64_t>(limit)}));
    std::vector<StaleOrder> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        StaleOrder s;
        s.id = row.Int(0);
        s.state = Lookup(kOrderStates, row.Text(1)).value_or(OrderState::kSubmitted);
        s.current_due = row.Int(2);
        s.created_at = row.Int(3);
        s.kind = Lookup(kDeadlineKinds, row.Text(4)).value_or(DeadlineKind::kWorkingHours);
        s.reset_at = row.OptInt(5);
        out.push_back(s);
    }
    return out;
}

Result<bool> SchedulerRepository::SavePlan(Conn& conn, int64_t id, OrderState state, int64_t due, SchedStage stage,
                                           std::optional<int64_t> next_at) const {
    LINLI_ASSIGN_OR_RETURN(auto n,
                           conn.Exec(kSavePlan, {id, due, static_cast<int64_t>(stage), next_at, StateName(state)}));
    return n == 1;
}

Result<std::vector<DueOrder>> SchedulerRepository::ListDue(Conn& conn, int64_t now, int limit) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(For(conn).list_due, {now, static_cast<int64_t>(limit)}));
    std::vector<DueOrder> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        if (row.IsNull(1)) {
            continue;  // a plan always has its deadline; nothing sane to do with one that has not
        }
        out.push_back(DueOrder{row.Int(0), row.Int(1), static_cast<SchedStage>(row.Int(2)), row.Int(3)});
    }
    return out;
}

Result<bool> SchedulerRepository::Advance(Conn& conn, const DueOrder& from, SchedStage stage,
                                          std::optional<int64_t> next_at) const {
    LINLI_ASSIGN_OR_RETURN(auto n, conn.Exec(kAdvance, {from.id, from.due, static_cast<int64_t>(from.stage),
                                                        from.next_at, static_cast<int64_t>(stage), next_at}));
    return n == 1;
}

Result<std::vector<RepliedOrder>> SchedulerRepository::ListUnrated(Conn& conn, int64_t cutoff, int limit) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(kListUnrated, {cutoff, static_cast<int64_t>(limit)}));
    std::vector<RepliedOrder> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(RepliedOrder{row.Int(0), row.Int(1)});
    }
    return out;
}

Result<bool> SchedulerRepository::RatedSince(Conn& conn, int64_t id, int64_t since) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(kRatedSince, {id, since}));
    return !rows.empty();
}

Result<std::optional<int64_t>> SchedulerRepository::EarliestNext(Conn& conn) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(For(conn).earliest_next));
    if (rows.empty()) {
        return std::optional<int64_t>();
    }
    return rows.front().OptInt(0);
}

Result<std::optional<int64_t>> SchedulerRepository::EarliestReply(Conn& conn) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(kEarliestReply));
    if (rows.empty()) {
        return std::optional<int64_t>();
    }
    return rows.front().OptInt(0);
}

}  // namespace linli::orders
