#include "modules/orders/scheduler.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <utility>
#include <vector>

#include "modules/orders/state_machine.hpp"

namespace linli::orders {

namespace {

using storage::Conn;

/// A sweep repeats plan → due steps while they find work; this bounds one sweep (the next carries on).
constexpr int kMaxRounds = 64;

/// The deadline the order runs against in its state (as OrderService counts it).
int64_t CurrentDue(const Order& o) {
    return o.state == OrderState::kSubmitted ? o.due_accept_at : o.due_resolve_at;
}

/// Which of the two deadlines an order in `state` runs against, for notes and payloads.
const char* DeadlineName(OrderState state) {
    return state == OrderState::kSubmitted ? "accept" : "resolve";
}
const char* DeadlineNameZh(OrderState state) {
    return state == OrderState::kSubmitted ? "受理" : "办结";
}

/// "2026-01-05 10:00" in the community's time zone.
std::string LocalTime(const WorkingCalendar& calendar, int64_t t) {
    const int64_t local = t + calendar.utc_offset();
    const int64_t second_of_day = ((local % 86400) + 86400) % 86400;
    return fmt::format("{} {:02}:{:02}", calendar.LocalDate(t), second_of_day / 3600, (second_of_day % 3600) / 60);
}

OrderEvent SystemEvent(const Order& order, int64_t now, std::string action, OrderState to, std::string note,
                       bool is_public, bool note_public, std::string detail) {
    OrderEvent e;
    e.order_id = order.id;
    e.at = now;
    e.actor_name = "scheduler";
    e.actor_role = "system";
    e.action = std::move(action);
    e.from_state = std::string(StateName(order.state));
    e.to_state = std::string(StateName(to));
    e.note = std::move(note);
    e.is_public = is_public;
    e.note_public = note_public;
    e.detail = std::move(detail);
    return e;
}

/// Returned from inside a write to roll it back when the order's version moved under us.
Error Raced() {
    return Conflict("the order changed meanwhile; the scheduler retries at its next sweep", "version");
}

}  // namespace

int64_t WarningInstant(const WorkingCalendar& calendar, int64_t start, int64_t due, DeadlineKind kind,
                       double fraction) {
    if (start >= due) {
        return due;
    }
    fraction = std::clamp(fraction, 0.0, 1.0);
    if (kind == DeadlineKind::kWorkingHours) {
        const int64_t working = calendar.WorkingSecondsBetween(start, due);
        if (working > 0) {
            const auto part = static_cast<int64_t>(std::llround(static_cast<double>(working) * fraction));
            return std::min(calendar.AddWorkingSeconds(start, part), due);
        }
    }
    return start + static_cast<int64_t>(std::llround(static_cast<double>(due - start) * fraction));
}

DeadlineScheduler::DeadlineScheduler(storage::Database& db, const Clock& clock, const WorkingCalendar& calendar,
                                     OrderService& orders, const notify::Outbox* outbox, PublicService* ratings,
                                     SchedulerOptions options)
    : db_(db),
      clock_(clock),
      calendar_(calendar),
      orders_(orders),
      outbox_(outbox),
      ratings_(ratings),
      options_(options) {
    if (ratings_) {
        options_.rating_window_s = ratings_->options().rating_days * 24 * 3600;  // one window for both sides
    }
    options_.batch = std::max(options_.batch, 1);
    options_.max_sleep_s = std::max(options_.max_sleep_s, 1);
    options_.escalation_step_hours = std::max<int64_t>(options_.escalation_step_hours, 1);
}

DeadlineScheduler::~DeadlineScheduler() {
    Stop();
}

void DeadlineScheduler::Start() {
    std::lock_guard lock(mu_);
    if (thread_.joinable() || stop_) {
        return;
    }
    thread_ = std::thread([this] { Loop(); });
}

void DeadlineScheduler::Stop() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void DeadlineScheduler::Wake() {
    {
        std::lock_guard lock(mu_);
        woken_ = true;
    }
    cv_.notify_all();
}

void DeadlineScheduler::Loop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        woken_ = false;
        lock.unlock();
        int64_t wait_s = options_.max_sleep_s;
        bool busy = false;
        try {
            auto sweep = RunOnce(clock_.Now());
            if (!sweep) {
                spdlog::warn("orders scheduler: sweep failed: {}", sweep.error().message);
            } else {
                if (sweep->Acted()) {
                    spdlog::info("orders scheduler: warned {}, overdue {}, escalated {}, closed {}", sweep->warned,
                                 sweep->overdue, sweep->escalated, sweep->closed);
                }
                // A sweep stops after a bounded amount of work: look again at once after any work.
                busy = sweep->planned > 0 || sweep->Acted();
            }
            auto next = NextDue();
            if (next && *next) {
                wait_s = std::clamp<int64_t>(**next - clock_.Now(), 1, options_.max_sleep_s);
            }
        } catch (const std::exception& e) {
            // A lost database: keep the thread and try again after the longest sleep.
            spdlog::error("orders scheduler: sweep threw: {}", e.what());
        }
        lock.lock();
        if (stop_) {
            break;
        }
        if (busy) {
            continue;
        }
        cv_.wait_for(lock, std::chrono::seconds(wait_s), [this] { return stop_ || woken_; });
    }
}

Result<std::optional<int64_t>> DeadlineScheduler::NextDue() {
    return db_.Read([&](Conn& conn) -> Result<std::optional<int64_t>> {
        LINLI_ASSIGN_OR_RETURN(auto next, sched_.EarliestNext(conn));
        LINLI_ASSIGN_OR_RETURN(auto reply, sched_.EarliestReply(conn));
        if (reply) {
            const int64_t close_at = *reply + options_.rating_window_s;
            next = next ? std::min(*next, close_at) : close_at;
        }
        return next;
    });
}

Result<SweepResult> DeadlineScheduler::RunOnce(int64_t now) {
    std::lock_guard sweep_lock(sweep_mu_);
    SweepResult result;
    for (int round = 0; round < kMaxRounds; ++round) {
        const SweepResult before = result;
        LINLI_TRY(PlanStale(result));
        LINLI_TRY(RunDue(now, result));
        // An escalation out of "submitted" moves the order to its resolve deadline: plan that too.
        if (result.planned == before.planned && result.warned == before.warned && result.overdue == before.overdue &&
            result.escalated == before.escalated) {
            break;
        }
    }
    LINLI_TRY(CloseUnrated(now, result));
    return result;
}

// ---- planning ----------------------------------------------------------------------------------

Result<void> DeadlineScheduler::PlanStale(SweepResult& result) {
    for (int round = 0; round < kMaxRounds; ++round) {
        LINLI_ASSIGN_OR_RETURN(auto stale,
                               db_.Read([&](Conn& conn) { return sched_.ListStale(conn, options_.batch); }));
        if (stale.empty()) {
            return {};
        }
        LINLI_ASSIGN_OR_RETURN(int saved, db_.Write([&](Conn& conn) -> Result<int> {
            int n = 0;
            for (const auto& s : stale) {
                SchedStage stage = SchedStage::kPlanned;
                std::optional<int64_t> next_at;
                if (s.current_due < WorkingCalendar::kFarFuture) {
                    // The time to a deadline runs from when it was set: intake, or the supervision or
                    // reopening that set it anew.
                    const int64_t start = std::max(s.created_at, s.reset_at.value_or(s.created_at));
                    const int64_t warn_at =
                        WarningInstant(calendar_, start, s.current_due, s.kind, options_.warn_fraction);
                    if (warn_at < s.current_due) {
                        next_at = warn_at;
                    } else {
                        stage = SchedStage::kWarned;  // no time to warn in: the deadline is next
                        next_at = s.current_due;
                    }
                }
                LINLI_ASSIGN_OR_RETURN(bool ok, sched_.SavePlan(conn, s.id, s.state, s.current_due, stage, next_at));
                n += ok ? 1 : 0;
            }
            return n;
        }));
        result.planned += saved;
        if (saved == 0) {
            return {};  // every one changed meanwhile; the next sweep sees them afresh
        }
    }
    return {};
}

// ---- due steps ---------------------------------------------------------------------------------

Result<void> DeadlineScheduler::RunDue(int64_t now, SweepResult& result) {
    for (int round = 0; round < kMaxRounds; ++round) {
        LINLI_ASSIGN_OR_RETURN(auto due,
                               db_.Read([&](Conn& conn) { return sched_.ListDue(conn, now, options_.batch); }));
        if (due.empty()) {
            return {};
        }
        int progressed = 0;
        for (const auto& d : due) {
            LINLI_ASSIGN_OR_RETURN(auto outcome, Step(d, now, result));
            if (outcome == Outcome::kSkipped) {
                ++result.skipped;
            } else {
                ++progressed;
            }
        }
        if (progressed == 0) {
            return {};  // all raced with other writers: leave them to the next sweep
        }
    }
    return {};
}

Result<DeadlineScheduler::Outcome> DeadlineScheduler::Step(const DueOrder& due, int64_t now, SweepResult& result) {
    Result<Outcome> outcome = Outcome::kDone;
    switch (due.stage) {
        case SchedStage::kPlanned:
            outcome = Warn(due, now);
            if (outcome && *outcome == Outcome::kDone && now < due.due) {
                ++result.warned;
            }
            break;
        case SchedStage::kWarned:
            outcome = FlagOverdue(due, now);
            if (outcome && *outcome == Outcome::kDone) {
                ++result.overdue;
            }
            break;
        case SchedStage::kOverdue:
            outcome = Escalate(due, now, result);
            break;
        case SchedStage::kEscalated:
            outcome = ClimbAgain(due, now, result);
            break;
    }
    if (!outcome && outcome.error().code == ErrorCode::kConflict) {
        return Outcome::kSkipped;
    }
    return outcome;
}

/// Inside a write: the order when it is still open against the plan's deadline; otherwise the plan
/// is dropped from the due index (a changed deadline is planned afresh through the stale index).
#define LINLI_SCHED_LOAD_OR_DROP(var, conn, due)                                                \
    LINLI_ASSIGN_OR_RETURN(auto var##_found, repo_.FindById(conn, (due).id));                   \
    if (!var##_found || !IsOpen(var##_found->state) || CurrentDue(*var##_found) != (due).due) { \
        LINLI_TRY(sched_.Advance(conn, due, (due).stage, std::nullopt));                        \
        return Outcome::kGone;                                                                  \
    }                                                                                           \
    Order var = std::move(*var##_found)

Result<DeadlineScheduler::Outcome> DeadlineScheduler::Warn(const DueOrder& due, int64_t now) {
    return db_.Write([&](Conn& conn) -> Result<Outcome> {
        LINLI_SCHED_LOAD_OR_DROP(cur, conn, due);
        LINLI_ASSIGN_OR_RETURN(bool mine, sched_.Advance(conn, due, SchedStage::kWarned, due.due));
        if (!mine) {
            return Outcome::kSkipped;  // another scheduler took this step
        }
        if (now >= due.due) {
            return Outcome::kDone;  // too late to warn (the scheduler was down): the overdue flag says more
        }
        Order next = cur;
        if (cur.state == OrderState::kSubmitted) {
            next.accept_warned_at = now;
        } else {
            next.resolve_warned_at = now;
        }
        const auto percent = static_cast<int>(std::lround(options_.warn_fraction * 100));
        const std::string when = LocalTime(calendar_, due.due);
        LINLI_ASSIGN_OR_RETURN(
            bool applied,
            orders_.ApplyScheduledStep(conn, next,
                                       SystemEvent(cur, now, "warn", cur.state,
                                                   fmt::format("{}% of the time to the {} deadline ({}) has passed",
                                                               percent, DeadlineName(cur.state), when),
                                                   false, false,
                                                   boost::json::serialize(boost::json::object{
                                                       {"deadline", DeadlineName(cur.state)}, {"due", due.due}}))));
        if (!applied) {
            return Raced();
        }
        next.version = cur.version + 1;
        LINLI_TRY(Notify(conn, next, "order.deadline_warning",
                         fmt::format("工单临近{}时限：{}", DeadlineNameZh(cur.state), cur.title),
                         fmt::format("工单 {} 的{}时限为 {}，已用去 {}% 的时间。", cur.tracking_code,
                                     DeadlineNameZh(cur.state), when, percent),
                         fmt::format("order:{}:warn:{}:{}", cur.id, DeadlineName(cur.state), due.due), due.due, now));
        return Outcome::kDone;
    });
}

Result<DeadlineScheduler::Outcome> DeadlineScheduler::FlagOverdue(const DueOrder& due, int64_t now) {
    return db_.Write([&](Conn& conn) -> Result<Outcome> {
        LINLI_SCHED_LOAD_OR_DROP(cur, conn, due);
        // The escalation is due at once.
        LINLI_ASSIGN_OR_RETURN(bool mine, sched_.Advance(conn, due, SchedStage::kOverdue, due.due));
        if (!mine) {
            return Outcome::kSkipped;
        }
        Order next = cur;
        if (!next.overdue_at) {
            next.overdue_at = now;  // late since: kept across the accept and resolve deadlines
        }
        const std::string when = LocalTime(calendar_, due.due);
        LINLI_ASSIGN_OR_RETURN(
            bool applied,
            orders_.ApplyScheduledStep(
                conn, next,
                SystemEvent(cur, now, "overdue", cur.state,
                            fmt::format("the {} deadline ({}) has passed", DeadlineName(cur.state), when), false, false,
                            boost::json::serialize(
                                boost::json::object{{"deadline", DeadlineName(cur.state)}, {"due", due.due}}))));
        if (!applied) {
            return Raced();
        }
        next.version = cur.version + 1;
        LINLI_TRY(Notify(
            conn, next, "order.overdue", fmt::format("工单已超过{}时限：{}", DeadlineNameZh(cur.state), cur.title),
            fmt::format("工单 {} 的{}时限 {} 已过。", cur.tracking_code, DeadlineNameZh(cur.state), when),
            fmt::format("order:{}:overdue:{}:{}", cur.id, DeadlineName(cur.state), due.due), due.due, now));
        return Outcome::kDone;
    });
}

std::optional<int64_t> DeadlineScheduler::NextRung(int level, int64_t now) const {
    if (level >= kLevelSubdistrict) {
        return std::nullopt;  // the top of the ladder: nothing more to climb for this deadline
    }
    return calendar_.AddWorkingSeconds(now, options_.escalation_step_hours * 3600);
}

Result<DeadlineScheduler::Outcome> DeadlineScheduler::Escalate(const DueOrder& due, int64_t now, SweepResult& result) {
    LINLI_ASSIGN_OR_RETURN(auto found, db_.Read([&](Conn& conn) { return repo_.FindById(conn, due.id); }));
    if (found && IsOpen(found->state) && CurrentDue(*found) == due.due && found->escalation_level < kLevelSubdistrict &&
        found->escalated_for_due != due.due) {
        const std::string reason = fmt::format("overdue: the {} deadline ({}) passed", DeadlineName(found->state),
                                               LocalTime(calendar_, due.due));
        // Its own transaction, idempotent per deadline: a crash before the plan moves on repeats a
        // call that then does nothing.
        LINLI_ASSIGN_OR_RETURN(bool acted, orders_.EscalateOverdue(due.id, due.due, reason));
        if (acted) {
            ++result.escalated;
        }
    }
    return db_.Write([&](Conn& conn) -> Result<Outcome> {
        LINLI_ASSIGN_OR_RETURN(auto cur, repo_.FindById(conn, due.id));
        if (!cur || !IsOpen(cur->state) || CurrentDue(*cur) != due.due) {
            // Closed, or escalated out of "submitted" onto its resolve deadline, which is planned afresh.
            LINLI_ASSIGN_OR_RETURN(bool mine, sched_.Advance(conn, due, SchedStage::kEscalated, std::nullopt));
            return mine ? Outcome::kDone : Outcome::kSkipped;
        }
        if (cur->escalation_level < kLevelSubdistrict && cur->escalated_for_due != due.due) {
            return Outcome::kSkipped;  // the escalation lost a race with a person's step: again next sweep
        }
        // Escalated, or at the top already: the next rung (if any) after another step of working time.
        LINLI_ASSIGN_OR_RETURN(bool mine,
                               sched_.Advance(conn, due, SchedStage::kEscalated, NextRung(cur->escalation_level, now)));
        return mine ? Outcome::kDone : Outcome::kSkipped;
    });
}

Result<DeadlineScheduler::Outcome> DeadlineScheduler::ClimbAgain(const DueOrder& due, int64_t now,
                                                                 SweepResult& result) {
    auto climbed = db_.Write([&](Conn& conn) -> Result<Outcome> {
        LINLI_SCHED_LOAD_OR_DROP(cur, conn, due);
        if (cur.escalation_level >= kLevelSubdistrict || cur.escalated_for_due != due.due) {
            // At the top, or someone else's escalation since: nothing more to climb for this deadline.
            LINLI_ASSIGN_OR_RETURN(bool mine, sched_.Advance(conn, due, SchedStage::kEscalated, std::nullopt));
            return mine ? Outcome::kGone : Outcome::kSkipped;
        }
        auto to = CheckStep(OrderAction::kEscalate, cur.state, kSystem);
        if (!to) {
            LINLI_TRY(sched_.Advance(conn, due, SchedStage::kEscalated, std::nullopt));
            return Outcome::kGone;
        }
        Order next = cur;
        next.state = *to;
        next.escalation_level = cur.escalation_level + 1;
        next.escalated_for_due = due.due;
        if (!next.overdue_at) {
            next.overdue_at = now;
        }
        next.updated_at = now;
        LINLI_ASSIGN_OR_RETURN(bool mine,
                               sched_.Advance(conn, due, SchedStage::kEscalated, NextRung(next.escalation_level, now)));
        if (!mine) {
            return Outcome::kSkipped;
        }
        const auto level_name = kLevelNames[static_cast<size_t>(next.escalation_level)];
        // The same shape as OrderService::EscalateOverdue's entry, so the timeline reads alike.
        LINLI_ASSIGN_OR_RETURN(
            bool applied,
            orders_.ApplyScheduledStep(
                conn, next,
                SystemEvent(
                    cur, now, "escalate", *to,
                    fmt::format("still overdue {} working hours after the last escalation: the {} "
                                "deadline ({}) passed",
                                options_.escalation_step_hours, DeadlineName(cur.state), LocalTime(calendar_, due.due)),
                    true, false,
                    boost::json::serialize(
                        boost::json::object{{"level", level_name}, {"due", due.due}, {"automatic", true}}))));
        if (!applied) {
            return Raced();
        }
        return Outcome::kDone;
    });
    if (climbed && *climbed == Outcome::kDone) {
        ++result.escalated;
    }
    if (climbed && *climbed == Outcome::kGone) {
        return Outcome::kDone;  // the plan is finished, which is progress
    }
    return climbed;
}

#undef LINLI_SCHED_LOAD_OR_DROP

// ---- no response -------------------------------------------------------------------------------

Result<void> DeadlineScheduler::CloseUnrated(int64_t now, SweepResult& result) {
    if (ratings_) {
        // A poor rating whose reopen step a crash interrupted: finish it before closing anything.
        LINLI_TRY(ratings_->ResumePendingReopens());
    }
    const int64_t cutoff = now - options_.rating_window_s;
    for (int round = 0; round < kMaxRounds; ++round) {
        std::vector<RepliedOrder> replied;
        if (ratings_) {
            LINLI_ASSIGN_OR_RETURN(auto awaiting, ratings_->RatingWindowPassed(now, options_.batch));
            for (const auto& a : awaiting) {
                replied.push_back(RepliedOrder{a.order_id, a.replied_at});
            }
        } else {
            LINLI_ASSIGN_OR_RETURN(
                replied, db_.Read([&](Conn& conn) { return sched_.ListUnrated(conn, cutoff, options_.batch); }));
        }
        if (replied.empty()) {
            return {};
        }
        int progressed = 0;
        for (const auto& r : replied) {
            auto outcome = CloseNoResponse(r, now);
            if (!outcome && outcome.error().code != ErrorCode::kConflict) {
                return outcome.error();
            }
            if (!outcome || *outcome == Outcome::kSkipped) {
                ++result.skipped;
                continue;
            }
            ++progressed;
            result.closed += *outcome == Outcome::kDone ? 1 : 0;
        }
        if (progressed == 0) {
            return {};
        }
    }
    return {};
}

Result<DeadlineScheduler::Outcome> DeadlineScheduler::CloseNoResponse(const RepliedOrder& replied, int64_t now) {
    return db_.Write([&](Conn& conn) -> Result<Outcome> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindById(conn, replied.id));
        if (!found || found->state != OrderState::kReplied || !found->replied_at ||
            *found->replied_at + options_.rating_window_s > now) {
            return Outcome::kSkipped;  // rated, reopened or replied again meanwhile
        }
        const Order& cur = *found;
        LINLI_ASSIGN_OR_RETURN(bool rated, sched_.RatedSince(conn, cur.id, *cur.replied_at));
        if (rated) {
            return Outcome::kSkipped;
        }
        auto to = CheckStep(OrderAction::kClose, cur.state, kSystem);
        if (!to) {
            return to.error();
        }
        // No order closes without a reply: replied implies one, checked as the service checks it.
        LINLI_ASSIGN_OR_RETURN(auto replies, repo_.ListReplies(conn, cur.id));
        if (replies.empty()) {
            return Outcome::kSkipped;
        }
        Order next = cur;
        next.state = *to;
        next.closed_at = now;
        next.close_reason = "no_response";
        next.updated_at = now;
        const int64_t days = options_.rating_window_s / 86400;
        LINLI_ASSIGN_OR_RETURN(
            bool applied,
            orders_.ApplyScheduledStep(
                conn, next,
                SystemEvent(cur, now, "close", *to,
                            fmt::format("not rated within {} days of the reply: closed as no response", days), true,
                            true, boost::json::serialize(boost::json::object{{"close_reason", "no_response"}}))));
        if (!applied) {
            return Raced();
        }
        return Outcome::kDone;
    });
}

// ---- notifications -----------------------------------------------------------------------------

Result<void> DeadlineScheduler::Notify(Conn& conn, const Order& order, std::string topic, std::string title,
                                       std::string body, std::string dedupe_key, int64_t due, int64_t now) const {
    if (!outbox_) {
        return {};
    }
    notify::Notification n;
    n.topic = std::move(topic);
    if (order.handler.user_id) {
        n.user_ids.push_back(*order.handler.user_id);
    }
    if (order.handler.unit_id) {
        LINLI_ASSIGN_OR_RETURN(auto members, units_.ListMembers(conn, *order.handler.unit_id));
        for (const auto& m : members) {
            n.user_ids.push_back(m.user_id);
        }
    }
    n.webhooks = true;
    n.title = std::move(title);
    n.body = std::move(body);
    n.link = "/orders/" + std::to_string(order.id);
    // No personal data: receivers are outside the system.
    n.payload_json = boost::json::serialize(boost::json::object{{"order_id", order.id},
                                                                {"state", StateName(order.state)},
                                                                {"category", order.category_code},
                                                                {"escalation_level", order.escalation_level},
                                                                {"due", due}});
    n.dedupe_key = std::move(dedupe_key);
    return outbox_->Enqueue(conn, n, now);
}

}  // namespace linli::orders
