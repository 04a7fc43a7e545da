-- The resident's side of work orders (issue 4 §2 and §6, ADR 0007): ratings of replied orders.
--
-- One rating per reporter per answer: reply_id is the order_replies row that was rated (the order's
-- latest reply then), so an order reopened (by a poor rating) and answered again can be rated again,
-- but the same answer only once.
-- order_id is the order that was answered (for a merged order, the order it was merged into);
-- reporter_id is the order_reporters row that proved it was them (tracking code + phone).
-- reopen: NULL when the rating did not ask for one (score above 2, or the order had already been
-- reopened by a rating); 'pending' between the rating's commit and the reopen step; 'done' when this
-- rating reopened the order; 'skipped' when the order had meanwhile moved on (someone else reopened
-- or closed it) and the state machine refused the step.
CREATE TABLE order_ratings (
    id              INTEGER PRIMARY KEY,
    order_id        INTEGER NOT NULL REFERENCES orders (id),
    source_order_id INTEGER NOT NULL REFERENCES orders (id),
    reporter_id     INTEGER NOT NULL REFERENCES order_reporters (id),
    reply_id        INTEGER NOT NULL REFERENCES order_replies (id),
    score           INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment         TEXT    NOT NULL DEFAULT '',
    reopen          TEXT    NULL CHECK (reopen IN ('pending', 'done', 'skipped')),
    created_at      BIGINT  NOT NULL,
    UNIQUE (order_id, reporter_id, reply_id)
);
CREATE INDEX order_ratings_order_idx ON order_ratings (order_id, id);
CREATE INDEX order_ratings_source_idx ON order_ratings (source_order_id, id);
CREATE INDEX order_ratings_pending_idx ON order_ratings (id) WHERE reopen = 'pending';
-- The scheduler's scan for "no rating in 7 days closes it as no response".
CREATE INDEX orders_awaiting_rating_idx ON orders (replied_at) WHERE state = 'replied';
