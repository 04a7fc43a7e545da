-- The deadline scheduler's durable plan (ADR 0005 "Scheduler", modules/orders/scheduler.hpp).
--
-- Each open order runs against one deadline at a time: due_accept_at while submitted, else
-- due_resolve_at (the "current deadline"). For it the scheduler keeps:
--   sched_due      the deadline the two columns below are for. When it differs from the current
--                  deadline (a new order, accepted, supervised, reopened, escalated from submitted)
--                  the plan is stale and is made again, so a new deadline gets fresh warnings.
--   sched_stage    how far it got with sched_due: 0 planned, 1 warned, 2 overdue flagged,
--                  3 escalated (further rungs follow sched_next_at).
--   sched_next_at  when it must look at the order again (the 80% point, the deadline, the next
--                  rung); NULL when nothing is left to do for this deadline.
-- Every step is a compare-and-set on (sched_due, sched_stage, sched_next_at) inside the write
-- transaction that also writes the timeline entry, so a second scheduler or a restart after a
-- crash never acts twice. The service never writes these columns.
ALTER TABLE orders ADD COLUMN sched_due BIGINT NULL;
ALTER TABLE orders ADD COLUMN sched_stage INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN sched_next_at BIGINT NULL;

-- "+state" here and in the scheduler's queries (scheduler_repository.cpp): the unary plus keeps
-- SQLite, which plans without statistics, from choosing orders_state_idx (every open order) instead.
-- Open orders whose plan is missing or for another deadline: only the few changed since the last
-- sweep are in it.
CREATE INDEX orders_sched_stale_idx ON orders (id)
    WHERE +state IN ('submitted', 'accepted', 'dispatched', 'in_progress', 'returned', 'escalated', 'reopened')
      AND (sched_due IS NULL
           OR sched_due <> CASE WHEN state = 'submitted' THEN due_accept_at ELSE due_resolve_at END);
-- Open orders with something left to do, by when: a sweep reads only what is due.
CREATE INDEX orders_sched_next_idx ON orders (sched_next_at)
    WHERE +state IN ('submitted', 'accepted', 'dispatched', 'in_progress', 'returned', 'escalated', 'reopened')
      AND sched_next_at IS NOT NULL;
-- Replied orders awaiting a rating are found through orders_awaiting_rating_idx (migration 0007).
