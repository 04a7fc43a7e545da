-- Work-order statistics (issue 4 §9, ADR 0011): additive rollups read by GET /api/v1/orders/stats,
-- /scorecards and their exports, so that figures over a million orders cost a few hundred rows.
--
-- order_stats_facts: what each order contributes now (`cur`, encoded by analytics/rollup.cpp) and
-- what the rollup holds for it (`applied`). The order listener rewrites `cur` in the transaction of
-- every step (one row, so intake stays fast) and marks it dirty; the stats applier folds dirty rows
-- into order_stats (subtract `applied`, add `cur`) in batches; queries add what is still dirty, so
-- figures are exact at every moment.
CREATE TABLE order_stats_facts (
    order_id BIGINT  NOT NULL PRIMARY KEY,
    cur      TEXT    NOT NULL,
    applied  TEXT    NULL,
    dirty    BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX order_stats_facts_dirty_idx ON order_stats_facts (order_id) WHERE dirty = TRUE;

-- One row per node on the way from a root down to the order's grid (or community) × dimension
-- (dim 'a' all, 'c' category: dim_key = category id, 'h' handler: dim_key = user id, or −unit id,
-- 0 nobody) × grain ('d' day, 'm' month; period = the local day number of its first day). Orders are
-- counted in the period they were created in (a cohort). a0…a24 / r0…r24: histograms of the time
-- to accept / to resolve (bucket bounds in analytics/rollup.hpp), for medians.
CREATE TABLE order_stats (
    node_id    BIGINT  NOT NULL,
    dim        TEXT    NOT NULL CHECK (dim IN ('a', 'c', 'h')),
    grain      TEXT    NOT NULL CHECK (grain IN ('d', 'm')),
    period     BIGINT  NOT NULL,
    dim_key    BIGINT  NOT NULL,
    node_path  TEXT    NOT NULL,
    node_depth INTEGER NOT NULL,
    node_kind  TEXT    NOT NULL CHECK (node_kind IN ('g', 'c', 'x')),
    collected    BIGINT NOT NULL DEFAULT 0,
    accepted     BIGINT NOT NULL DEFAULT 0,
    accept_secs  BIGINT NOT NULL DEFAULT 0,
    resolved     BIGINT NOT NULL DEFAULT 0,
    resolve_secs BIGINT NOT NULL DEFAULT 0,
    on_time      BIGINT NOT NULL DEFAULT 0,
    open         BIGINT NOT NULL DEFAULT 0,
    merged       BIGINT NOT NULL DEFAULT 0,
    rejected     BIGINT NOT NULL DEFAULT 0,
    rated        BIGINT NOT NULL DEFAULT 0,
    rating_sum   BIGINT NOT NULL DEFAULT 0,
    rating_good  BIGINT NOT NULL DEFAULT 0,
    a0           BIGINT NOT NULL DEFAULT 0,
    a1           BIGINT NOT NULL DEFAULT 0,
    a2           BIGINT NOT NULL DEFAULT 0,
    a3           BIGINT NOT NULL DEFAULT 0,
    a4           BIGINT NOT NULL DEFAULT 0,
    a5           BIGINT NOT NULL DEFAULT 0,
    a6           BIGINT NOT NULL DEFAULT 0,
    a7           BIGINT NOT NULL DEFAULT 0,
    a8           BIGINT NOT NULL DEFAULT 0,
    a9           BIGINT NOT NULL DEFAULT 0,
    a10          BIGINT NOT NULL DEFAULT 0,
    a11          BIGINT NOT NULL DEFAULT 0,
    a12          BIGINT NOT NULL DEFAULT 0,
    a13          BIGINT NOT NULL DEFAULT 0,
    a14          BIGINT NOT NULL DEFAULT 0,
    a15          BIGINT NOT NULL DEFAULT 0,
    a16          BIGINT NOT NULL DEFAULT 0,
    a17          BIGINT NOT NULL DEFAULT 0,
    a18          BIGINT NOT NULL DEFAULT 0,
    a19          BIGINT NOT NULL DEFAULT 0,
    a20          BIGINT NOT NULL DEFAULT 0,
    a21          BIGINT NOT NULL DEFAULT 0,
    a22          BIGINT NOT NULL DEFAULT 0,
    a23          BIGINT NOT NULL DEFAULT 0,
    a24          BIGINT NOT NULL DEFAULT 0,
    r0           BIGINT NOT NULL DEFAULT 0,
    r1           BIGINT NOT NULL DEFAULT 0,
    r2           BIGINT NOT NULL DEFAULT 0,
    r3           BIGINT NOT NULL DEFAULT 0,
    r4           BIGINT NOT NULL DEFAULT 0,
    r5           BIGINT NOT NULL DEFAULT 0,
    r6           BIGINT NOT NULL DEFAULT 0,
    r7           BIGINT NOT NULL DEFAULT 0,
    r8           BIGINT NOT NULL DEFAULT 0,
    r9           BIGINT NOT NULL DEFAULT 0,
    r10          BIGINT NOT NULL DEFAULT 0,
    r11          BIGINT NOT NULL DEFAULT 0,
    r12          BIGINT NOT NULL DEFAULT 0,
    r13          BIGINT NOT NULL DEFAULT 0,
    r14          BIGINT NOT NULL DEFAULT 0,
    r15          BIGINT NOT NULL DEFAULT 0,
    r16          BIGINT NOT NULL DEFAULT 0,
    r17          BIGINT NOT NULL DEFAULT 0,
    r18          BIGINT NOT NULL DEFAULT 0,
    r19          BIGINT NOT NULL DEFAULT 0,
    r20          BIGINT NOT NULL DEFAULT 0,
    r21          BIGINT NOT NULL DEFAULT 0,
    r22          BIGINT NOT NULL DEFAULT 0,
    r23          BIGINT NOT NULL DEFAULT 0,
    r24          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (node_id, dim, grain, period, dim_key)
);
-- Figures per grid / community under a node: rows of that kind of node, by path.
CREATE INDEX order_stats_kind_idx ON order_stats (node_kind, dim, grain, period, node_path);
-- An admin's figures: the roots.
CREATE INDEX order_stats_depth_idx ON order_stats (node_depth, dim, grain, period) WHERE node_depth = 0;

-- "Overdue now" is counted live (it changes with the clock, not with writes): from this index of the
-- open orders only, which holds every column the count filters and groups by, so it never touches
-- the rows of the million closed orders (nor the open ones: an index-only scan).
CREATE INDEX orders_open_stats_idx ON orders (place_path, created_at, state, due_accept_at, due_resolve_at,
    category_id, grid_id, community_id, handler_user_id, handler_unit_id)
    WHERE state IN ('submitted', 'accepted', 'dispatched', 'in_progress', 'returned', 'escalated', 'reopened');

-- Which time zone the day numbers were counted in; the service rebuilds everything when it changes.
CREATE TABLE order_stats_meta (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
