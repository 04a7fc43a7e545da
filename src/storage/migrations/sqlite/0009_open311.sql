-- Open311 GeoReport v2 (issue 4 §10; docs/open311.md).
--
-- API keys for POST requests: a third-party client or a city's 12345 hotline system gets its own
-- key from an administrator, stored as a BLAKE2b hash like sessions (the secret is shown once),
-- optionally bound to one community (jurisdiction). Keys are revoked, never deleted, so the
-- requests they posted keep their origin.
--
-- open311_requests holds what an Open311 POST brought beyond the order itself; it is written in
-- the order's own transaction (an OrderListener), so an order from Open311 always has its row.

CREATE TABLE open311_api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL CHECK (name <> ''),
    key_hash     TEXT    NOT NULL UNIQUE,
    key_prefix   TEXT    NOT NULL,
    community_id INTEGER NULL REFERENCES territory_nodes (id),
    created_by   INTEGER NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT  NOT NULL,
    revoked_at   BIGINT  NULL,
    last_used_at BIGINT  NULL
);

CREATE TABLE open311_requests (
    order_id   INTEGER PRIMARY KEY REFERENCES orders (id),
    api_key_id INTEGER NOT NULL REFERENCES open311_api_keys (id),
    address_id INTEGER NULL,
    media_url  TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL
);
CREATE INDEX open311_requests_key_idx ON open311_requests (api_key_id);
