-- Accounts: users, their territorial scopes, sessions and API tokens, and the append-only audit log.
-- Instants are epoch seconds (UTC); enums are TEXT checked here and in code.

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    failed_logins       BIGINT NOT NULL DEFAULT 0,
    locked_until        BIGINT,
    password_changed_at BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE user_scopes (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    node_id BIGINT NOT NULL REFERENCES territory_nodes (id),
    PRIMARY KEY (user_id, node_id)
);
CREATE INDEX user_scopes_node ON user_scopes (node_id);

-- One row per login session, bearer login or API token; only the token's hash is stored.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('session', 'bearer', 'api')),
    name         TEXT NOT NULL DEFAULT '',
    csrf_hash    TEXT,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX sessions_user ON sessions (user_id, kind);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor_name    TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    target_type   TEXT NOT NULL DEFAULT '',
    target_id     BIGINT,
    result        TEXT NOT NULL DEFAULT 'ok',
    detail        TEXT NOT NULL DEFAULT '',
    request_id    TEXT NOT NULL DEFAULT '',
    remote_addr   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id);

-- The log is evidence: nothing, not even a bug or a hand-typed statement, may rewrite it.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
