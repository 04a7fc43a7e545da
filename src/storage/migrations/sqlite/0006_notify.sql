-- Notifications (issue 4 §8): a transactional outbox, in-app inboxes and signed webhooks.
--
-- A producer (orders, …) inserts one notify_outbox row in the same transaction as its change, so
-- the notification exists exactly when the change does. The deliverer claims due rows with a lease
-- (claimed_until; an expired lease after a crash is claimed again) and, in ONE transaction, writes
-- the inbox rows (UNIQUE (outbox_id, user_id): a replay is harmless), one notify_deliveries row per
-- matching webhook subscription, and delivered_at. Webhook deliveries then run on their own,
-- with attempts and exponential backoff; delivery_key is the stable X-Linli-Delivery id a receiver
-- uses to drop duplicates (delivery is at-least-once).

CREATE TABLE notify_outbox (
    id            INTEGER PRIMARY KEY,
    topic         TEXT    NOT NULL CHECK (topic <> ''),
    dedupe_key    TEXT    NOT NULL UNIQUE CHECK (dedupe_key <> ''),
    recipients    TEXT    NOT NULL DEFAULT '[]',  -- JSON array of user ids for the in-app inbox
    webhooks      INTEGER NOT NULL DEFAULT 1 CHECK (webhooks IN (0, 1)),
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL DEFAULT '',
    link          TEXT    NOT NULL DEFAULT '',
    payload       TEXT    NOT NULL DEFAULT '{}',  -- JSON object sent to webhooks as "data"
    created_at    BIGINT  NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_until BIGINT  NULL,                   -- lease, or "not before" after a failed fan-out
    last_error    TEXT    NOT NULL DEFAULT '',
    delivered_at  BIGINT  NULL
);
CREATE INDEX notify_outbox_due_idx ON notify_outbox (id) WHERE delivered_at IS NULL;

CREATE TABLE notify_inbox (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    outbox_id  INTEGER NOT NULL REFERENCES notify_outbox (id),
    topic      TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL DEFAULT '',
    link       TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL,
    read_at    BIGINT  NULL,
    UNIQUE (outbox_id, user_id)
);
CREATE INDEX notify_inbox_user_idx ON notify_inbox (user_id, id);
CREATE INDEX notify_inbox_unread_idx ON notify_inbox (user_id, id) WHERE read_at IS NULL;

CREATE TABLE notify_webhooks (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL CHECK (name <> ''),
    url         TEXT    NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    topics      TEXT    NOT NULL DEFAULT '["*"]',  -- JSON array of patterns: "order.dispatched", "order.*", "*"
    secret      TEXT    NOT NULL,                  -- HMAC-SHA256 key; shown once, at creation or rotation
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_by  INTEGER NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    deleted_at  BIGINT  NULL                       -- kept for the delivery history
);

CREATE TABLE notify_deliveries (
    id              INTEGER PRIMARY KEY,
    outbox_id       INTEGER NOT NULL REFERENCES notify_outbox (id),
    webhook_id      INTEGER NOT NULL REFERENCES notify_webhooks (id),
    delivery_key    TEXT    NOT NULL UNIQUE,       -- X-Linli-Delivery: stable across retries
    state           TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    claimed_until   BIGINT  NULL,
    last_status     INTEGER NULL,                  -- HTTP status of the last attempt; NULL: no answer
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    delivered_at    BIGINT  NULL,
    UNIQUE (outbox_id, webhook_id)
);
CREATE INDEX notify_deliveries_due_idx ON notify_deliveries (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX notify_deliveries_webhook_idx ON notify_deliveries (webhook_id, id);
