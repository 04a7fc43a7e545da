#pragma once
/// The deadline scheduler's SQL (scheduler.hpp, migration 0008): the indexed look-ups of what is due
/// and the compare-and-set updates of its plan columns. The order rows themselves, their timeline and
/// the service's markers go through OrderRepository.
///
/// Every look-up is a range on a partial index (orders_sched_stale_idx, orders_sched_next_idx,
/// orders_replied_idx) with a LIMIT, so a sweep costs what is due, not the size of the table.
///
/// Thread safety: stateless; each call uses only the connection it is given.

#include <cstdint>
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "core/working_calendar.hpp"
#include "modules/orders/model.hpp"
#include "storage/database.hpp"

namespace linli::orders {

/// The scheduler's progress with one deadline (orders.sched_stage).
enum class SchedStage : int {
    kPlanned = 0,    // waiting for the warning point
    kWarned = 1,     // waiting for the deadline
    kOverdue = 2,    // flagged overdue; the escalation is next
    kEscalated = 3,  // escalated; sched_next_at is the next rung, or NULL at the top
};

/// An open order whose plan is missing or was made for another deadline.
struct StaleOrder {
    int64_t id = 0;
    OrderState state = OrderState::kSubmitted;
    int64_t current_due = 0;                          // due_accept_at while submitted, else due_resolve_at
    DeadlineKind kind = DeadlineKind::kWorkingHours;  // how the category counts that deadline
    int64_t created_at = 0;
    /// When the current deadline was last set by a supervision or a reopening (else it was set at intake).
    std::optional<int64_t> reset_at;
};

/// An open order the scheduler must look at (sched_next_at has come).
struct DueOrder {
    int64_t id = 0;
    int64_t due = 0;  // sched_due
    SchedStage stage = SchedStage::kPlanned;
    int64_t next_at = 0;
};

/// A replied order whose reply is older than the rating window.
struct RepliedOrder {
    int64_t id = 0;
    int64_t replied_at = 0;
};

class SchedulerRepository {
public:
    /// Up to `limit` open orders with a stale plan, by id.
    Result<std::vector<StaleOrder>> ListStale(storage::Conn& conn, int limit) const;
    /// Writes a fresh plan for `due` if the order is still in `state`, still runs against `due`, and
    /// its plan is still for another deadline (so a plan someone else made meanwhile is kept).
    Result<bool> SavePlan(storage::Conn& conn, int64_t id, OrderState state, int64_t due, SchedStage stage,
                          std::optional<int64_t> next_at) const;
    /// Up to `limit` open orders with sched_next_at <= now, earliest first.
    Result<std::vector<DueOrder>> ListDue(storage::Conn& conn, int64_t now, int limit) const;
    /// Moves the plan of `from` on to (`stage`, `next_at`) only if it is still exactly `from`: the
    /// compare-and-set that makes every step happen once.
    Result<bool> Advance(storage::Conn& conn, const DueOrder& from, SchedStage stage,
                         std::optional<int64_t> next_at) const;
    /// Up to `limit` replied orders answered at or before `cutoff` with no rating since their reply,
    /// oldest reply first.
    Result<std::vector<RepliedOrder>> ListUnrated(storage::Conn& conn, int64_t cutoff, int limit) const;
    /// Whether the reporter rated the order at or after `since` (a "rate" entry in its timeline).
    Result<bool> RatedSince(storage::Conn& conn, int64_t id, int64_t since) const;
    /// The earliest sched_next_at of an open order, and the earliest reply time of a replied order.
    Result<std::optional<int64_t>> EarliestNext(storage::Conn& conn) const;
    Result<std::optional<int64_t>> EarliestReply(storage::Conn& conn) const;
};

}  // namespace linli::orders
