-- Webhook secrets sealed at rest, a prunable outbox, the Open311 update feed, and the duplicate check's index.
--
-- Webhook secrets: the HMAC key must be known to sign, so it cannot be hashed like an API key; it is
-- sealed with the field key (libsodium secretbox, security.key_file) like ID numbers and phones, in
-- secret_enc. Rows written before this migration still hold the key in `secret`: the server seals
-- them at start (NotifyService::SealStoredSecrets, which needs the key file, hence not SQL) and
-- blanks `secret`. SQLite keeps the old NOT NULL column; it only ever holds '' from now on.
ALTER TABLE notify_webhooks ADD COLUMN secret_enc TEXT NULL;

-- Pruning (the deliverer deletes delivered outbox rows older than notify.outbox_retention_days):
-- inbox rows keep their own copy of the text and must outlive the outbox row, so they no longer
-- reference it. SQLite cannot drop a constraint: the table is rebuilt. UNIQUE (outbox_id, user_id)
-- stays, so a replayed fan-out still adds nothing; outbox ids are never reused because pruning
-- always keeps the newest outbox row.
CREATE TABLE notify_inbox_v2 (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    outbox_id  INTEGER NOT NULL,
    topic      TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL DEFAULT '',
    link       TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL,
    read_at    BIGINT  NULL,
    UNIQUE (outbox_id, user_id)
);
INSERT INTO notify_inbox_v2 (id, user_id, outbox_id, topic, title, body, link, created_at, read_at)
    SELECT id, user_id, outbox_id, topic, title, body, link, created_at, read_at FROM notify_inbox;
DROP TABLE notify_inbox;
ALTER TABLE notify_inbox_v2 RENAME TO notify_inbox;
CREATE INDEX notify_inbox_user_idx ON notify_inbox (user_id, id);
CREATE INDEX notify_inbox_unread_idx ON notify_inbox (user_id, id) WHERE read_at IS NULL;

-- The pruner's way in: delivered rows, oldest delivery first.
CREATE INDEX notify_outbox_delivered_idx ON notify_outbox (delivered_at) WHERE delivered_at IS NOT NULL;

-- Open311 "service request updates" (the FixMyStreet extension, servicerequestupdates.{format};
-- docs/open311.md): a feed of the public steps of the orders that came in through Open311, so the
-- client that posted them can follow them without reading every request again. Written by the
-- open311 module's OrderListener in each step's own transaction; filled here from the timeline for
-- the orders there are. status is GeoReport's open/closed after the step, detailed_status the Linli
-- state; description the public note (an answer, a reason), '' when the step has none for the public.
CREATE TABLE open311_updates (
    id              INTEGER PRIMARY KEY,
    order_id        INTEGER  NOT NULL REFERENCES orders (id),
    event_id        INTEGER  NOT NULL UNIQUE,
    community_id    INTEGER  NULL,
    at              BIGINT  NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('open', 'closed')),
    detailed_status TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX open311_updates_at_idx ON open311_updates (at, id);
INSERT INTO open311_updates (order_id, event_id, community_id, at, status, detailed_status, action, description)
    SELECT e.order_id, e.id, o.community_id, e.at,
           CASE WHEN e.to_state IN ('resolved', 'replied', 'closed', 'merged', 'rejected') THEN 'closed' ELSE 'open' END,
           e.to_state, e.action, CASE WHEN e.note_public THEN e.note ELSE '' END
    FROM order_events e JOIN orders o ON o.id = e.order_id
    WHERE o.channel = 'open311' AND e.is_public
    ORDER BY e.id;

-- Possible duplicates at intake (SimilarService, issue 4 §7): orders of one category under one
-- building since a recent instant. With only orders_category_idx the check read every order of the
-- category of the last week city-wide (~12 ms on 1,000,000 orders on SQLite); with this it reads the
-- building's few (~0.1 ms), so every staff intake can afford it.
CREATE INDEX orders_similar_idx ON orders (category_id, place_path, created_at);
