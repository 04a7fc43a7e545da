#pragma once
/// The deadline scheduler (issue 4 §5, §6; ADR 0005 "Scheduler"): the background worker that
/// follows every open order's current deadline — due_accept_at while submitted, else
/// due_resolve_at — and
///  1. warns at 80% of the time to it (of working time when the category counts working hours):
///     an internal timeline entry "warn", the accept_/resolve_warned_at marker, and a notification
///     "order.deadline_warning" to the handler (user, or the members of the handling unit);
///  2. flags it overdue when it passes: a timeline entry "overdue", overdue_at, and
///     "order.overdue" to the handler;
///  3. escalates it one rung (grid → community → subdistrict) through OrderService::EscalateOverdue,
///     and, while it stays open against the same deadline, one more rung every
///     `escalation_step_hours` working hours, until the subdistrict, the top;
///  4. closes as "no response" (close_reason "no_response", a public timeline entry "close") every
///     replied order whose latest answer was not rated within the rating window: the candidates come
///     from PublicService::RatingWindowPassed when a PublicService is given (its rating_days is the
///     window), else from the scheduler's own query; either way the close re-checks, inside its
///     transaction, that no "rate" entry joined the timeline since the reply. With a PublicService
///     each sweep also finishes reopen steps a crash left pending (ResumePendingReopens).
/// A new deadline (supervision, reopening, or acceptance which moves the order to its resolve
/// deadline) gets a fresh plan, so fresh warnings.
///
/// Durability and "never twice": the plan lives in orders.sched_due / sched_stage / sched_next_at
/// (migration 0008). Each step is one write transaction that compare-and-sets the plan and the
/// order's version, then writes the timeline entry and the outbox row: a second scheduler on the
/// same database, a repeated RunOnce, or a restart after a crash finds the step done and skips it.
/// (The escalation itself is EscalateOverdue's own transaction, idempotent per deadline; the plan
/// moves on after it, and a crash in between only repeats a call that then does nothing.)
///
/// Cost: every look-up is an indexed range over what is due, in batches of `batch`.
///
/// Threading: Start() runs sweeps on one thread; it sleeps until the next planned instant, at most
/// `max_sleep_s`, and Stop() or Wake() cut the sleep short. RunOnce may also be called directly
/// (tests, with a ManualClock); sweeps in one process never overlap.
///
/// The scheduler's own steps are written through OrderService::ApplyScheduledStep, so the service's
/// listeners (statistics, Open311) see them like any other step; it enqueues its notifications itself.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/working_calendar.hpp"
#include "modules/notify/outbox.hpp"
#include "modules/orders/public_service.hpp"
#include "modules/orders/repository.hpp"
#include "modules/orders/scheduler_repository.hpp"
#include "modules/orders/service.hpp"
#include "storage/database.hpp"

namespace linli::orders {

struct SchedulerOptions {
    /// Sleep at most this long between sweeps (new orders are planned at the next sweep).
    int max_sleep_s = 30;
    /// Orders read per query; a sweep repeats the query until nothing due is left.
    int batch = 200;
    /// The warning comes after this share of the time to the deadline.
    double warn_fraction = 0.8;
    /// Working hours between one automatic rung and the next on the same missed deadline.
    int64_t escalation_step_hours = 8;
    /// A replied order not rated within this long after the reply closes as "no response"
    /// (replaced by the PublicService's rating_days when one is given).
    int64_t rating_window_s = 7 * 24 * 3600;
};

/// What one sweep did (each counter: steps that took effect in this sweep).
struct SweepResult {
    int planned = 0;    // deadlines (re)planned
    int warned = 0;     // 80% warnings written
    int overdue = 0;    // overdue flags written
    int escalated = 0;  // rungs climbed
    int closed = 0;     // closed as "no response"
    int skipped = 0;    // steps another writer changed first; retried at the next sweep
    bool Acted() const { return warned + overdue + escalated + closed > 0; }
};

class DeadlineScheduler {
public:
    /// `outbox` may be null (no notifications, timeline only); `ratings` may be null (own query for
    /// unrated orders, no pending reopens to finish). Everything given outlives the scheduler.
    /// REQUIRES: `db` is migrated to 0008 or later.
    DeadlineScheduler(storage::Database& db, const Clock& clock, const WorkingCalendar& calendar, OrderService& orders,
                      const notify::Outbox* outbox, PublicService* ratings = nullptr, SchedulerOptions options = {});
    ~DeadlineScheduler();
    DeadlineScheduler(const DeadlineScheduler&) = delete;
    DeadlineScheduler& operator=(const DeadlineScheduler&) = delete;

    /// Starts the background thread (sweeps at clock.Now()). Idempotent.
    void Start();
    /// Finishes the sweep in progress and joins the thread. Idempotent; call before closing the database.
    void Stop();
    /// Cuts the current sleep short. Cheap; safe from any thread.
    void Wake();

    /// One sweep at `now`: plans stale deadlines, takes every step due at `now` (several steps of one
    /// order if all are due), closes unrated replied orders. A database error ends the sweep early;
    /// the next sweep carries on where it stopped.
    Result<SweepResult> RunOnce(int64_t now);

    /// The earliest instant at which a planned step falls due (none when nothing is planned).
    Result<std::optional<int64_t>> NextDue();

    const SchedulerOptions& options() const { return options_; }

private:
    enum class Outcome { kDone, kSkipped, kGone };
    Result<void> PlanStale(SweepResult& result);
    Result<void> RunDue(int64_t now, SweepResult& result);
    Result<void> CloseUnrated(int64_t now, SweepResult& result);
    Result<Outcome> Step(const DueOrder& due, int64_t now, SweepResult& result);
    Result<Outcome> Warn(const DueOrder& due, int64_t now);
    Result<Outcome> FlagOverdue(const DueOrder& due, int64_t now);
    Result<Outcome> Escalate(const DueOrder& due, int64_t now, SweepResult& result);
    Result<Outcome> ClimbAgain(const DueOrder& due, int64_t now, SweepResult& result);
    Result<Outcome> CloseNoResponse(const RepliedOrder& replied, int64_t now);
    Result<void> Notify(storage::Conn& conn, const Order& order, std::string topic, std::string title, std::string body,
                        std::string dedupe_key, int64_t due, int64_t now) const;
    std::optional<int64_t> NextRung(int level, int64_t now) const;
    void Loop();

    storage::Database& db_;
    const Clock& clock_;
    const WorkingCalendar& calendar_;
    OrderService& orders_;
    const notify::Outbox* outbox_;
    PublicService* ratings_;
    SchedulerOptions options_;
    OrderRepository repo_;
    CatalogRepository units_;
    SchedulerRepository sched_;

    std::mutex sweep_mu_;  // one sweep at a time in this process
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    bool woken_ = false;
    std::thread thread_;
};

/// The instant `fraction` of the way from `start` to `due`: of working time when `kind` counts
/// working hours and there is working time in between, else of elapsed time. `due` when
/// start >= due. Exposed for tests.
int64_t WarningInstant(const WorkingCalendar& calendar, int64_t start, int64_t due, DeadlineKind kind, double fraction);

}  // namespace linli::orders
