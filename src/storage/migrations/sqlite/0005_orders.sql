-- Work orders (工单, DOMAIN.md §3; ADR 0005): categories with deadlines, handling units and their
-- members, orders, their timeline, reporters and replies.
--
-- orders.place_path is the materialised path of the order's place (ADR 0003), copied here so the
-- scope filter ranges over it; paths never change. Reporter phones are stored like residents'
-- (encrypted, keyed hash, masked copy) in order_reporters; orders carry only the masked copy.
-- Columns for the scheduler (warned/overdue/escalated_for_due), ratings and Open311 (address,
-- lat/lon, source_ref) are here so later parts add behaviour, not schema churn, to this table.

-- Departments, the property company, partner units: handlers outside the grid. Their members see
-- only the orders currently sent to the unit.
CREATE TABLE handling_units (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (name <> ''),
    kind       TEXT    NOT NULL CHECK (kind IN ('department', 'property_company', 'partner_unit', 'other')),
    contact    TEXT    NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE UNIQUE INDEX handling_units_name_uq ON handling_units (name);

CREATE TABLE handling_unit_members (
    unit_id    INTEGER  NOT NULL REFERENCES handling_units (id),
    user_id    INTEGER  NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (unit_id, user_id)
);
CREATE INDEX handling_unit_members_user_idx ON handling_unit_members (user_id, unit_id);

-- Categories are data. Deadlines: hours counted as working hours on the community's calendar,
-- calendar hours, or same_day (the end of the local day: 矛盾不过夜; hours ignored).
CREATE TABLE order_categories (
    id              INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE CHECK (code <> ''),
    name_zh         TEXT    NOT NULL CHECK (name_zh <> ''),
    name_en         TEXT    NOT NULL CHECK (name_en <> ''),
    accept_hours    INTEGER NOT NULL CHECK (accept_hours BETWEEN 0 AND 8784),
    accept_kind     TEXT    NOT NULL CHECK (accept_kind IN ('working_hours', 'calendar_hours', 'same_day')),
    resolve_hours   INTEGER NOT NULL CHECK (resolve_hours BETWEEN 0 AND 8784),
    resolve_kind    TEXT    NOT NULL CHECK (resolve_kind IN ('working_hours', 'calendar_hours', 'same_day')),
    default_handler TEXT    NOT NULL CHECK (default_handler IN ('grid_worker', 'unit')),
    default_unit_id INTEGER   NULL REFERENCES handling_units (id),
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order      INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);

INSERT INTO order_categories (code, name_zh, name_en, accept_hours, accept_kind, resolve_hours, resolve_kind,
                              default_handler, sort_order, created_at, updated_at) VALUES
    ('environment', '环境卫生', 'Environment and sanitation', 2, 'working_hours', 16, 'working_hours', 'grid_worker', 10, 0, 0),
    ('repairs', '维修', 'Repairs', 2, 'working_hours', 24, 'working_hours', 'grid_worker', 20, 0, 0),
    ('fire_safety', '消防安全', 'Fire safety', 1, 'calendar_hours', 24, 'calendar_hours', 'grid_worker', 30, 0, 0),
    ('ebike_charging', '电动车充电', 'E-bike charging', 2, 'working_hours', 8, 'working_hours', 'grid_worker', 40, 0, 0),
    ('noise', '噪音', 'Noise', 2, 'calendar_hours', 24, 'calendar_hours', 'grid_worker', 50, 0, 0),
    ('neighbour_dispute', '邻里纠纷', 'Neighbour dispute', 2, 'calendar_hours', 0, 'same_day', 'grid_worker', 60, 0, 0),
    ('property_management', '物业管理', 'Property management', 2, 'working_hours', 40, 'working_hours', 'grid_worker', 70, 0, 0),
    ('public_order', '治安', 'Public order', 1, 'calendar_hours', 24, 'calendar_hours', 'grid_worker', 80, 0, 0),
    ('elderly_services', '养老服务', 'Elderly services', 2, 'working_hours', 16, 'working_hours', 'grid_worker', 90, 0, 0),
    ('policy_question', '政策咨询', 'Policy question', 2, 'working_hours', 8, 'working_hours', 'grid_worker', 100, 0, 0),
    ('parking', '停车管理', 'Parking', 2, 'working_hours', 24, 'working_hours', 'grid_worker', 110, 0, 0),
    ('public_facilities', '公共设施', 'Public facilities', 2, 'working_hours', 40, 'working_hours', 'grid_worker', 120, 0, 0),
    ('other', '其他', 'Other', 4, 'working_hours', 40, 'working_hours', 'grid_worker', 1000, 0, 0);

CREATE TABLE orders (
    id                INTEGER PRIMARY KEY,
    tracking_code     TEXT    NOT NULL UNIQUE,
    kind              TEXT    NOT NULL CHECK (kind IN ('request', 'complaint', 'suggestion', 'hazard', 'dispute',
                                                       'service')),
    category_id       INTEGER   NOT NULL REFERENCES order_categories (id),
    title             TEXT    NOT NULL CHECK (title <> ''),
    description       TEXT    NOT NULL DEFAULT '',
    place_id          INTEGER   NOT NULL REFERENCES territory_nodes (id),
    place_path        TEXT NOT NULL,
    place_name        TEXT    NOT NULL DEFAULT '',
    community_id      INTEGER   NULL,
    grid_id           INTEGER   NULL,
    resident_id       INTEGER   NULL REFERENCES residents (id),
    reporter_name     TEXT    NOT NULL DEFAULT '',
    reporter_phone_masked TEXT NULL,
    channel           TEXT    NOT NULL CHECK (channel IN ('walk_in', 'phone', 'door_knocking', 'service_point', 'patrol',
                                                          'party_visit', 'qr_code', 'web', 'device', 'open311',
                                                          'merchant')),
    state             TEXT    NOT NULL CHECK (state IN ('submitted', 'accepted', 'dispatched', 'in_progress', 'resolved',
                                                        'replied', 'closed', 'returned', 'escalated', 'merged',
                                                        'rejected', 'reopened')),
    handler_user_id   INTEGER   NULL REFERENCES users (id),
    handler_user_name TEXT    NOT NULL DEFAULT '',
    handler_unit_id   INTEGER   NULL REFERENCES handling_units (id),
    handler_unit_name TEXT    NOT NULL DEFAULT '',
    due_accept_at     BIGINT  NOT NULL,
    due_resolve_at    BIGINT  NOT NULL,
    accept_warned_at  BIGINT  NULL,
    resolve_warned_at BIGINT  NULL,
    overdue_at        BIGINT  NULL,
    escalation_level  INTEGER NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 2),
    escalated_for_due BIGINT  NULL,
    merged_into       INTEGER   NULL REFERENCES orders (id),
    reject_reason     TEXT    NULL,
    accepted_at       BIGINT  NULL,
    dispatched_at     BIGINT  NULL,
    started_at        BIGINT  NULL,
    resolved_at       BIGINT  NULL,
    replied_at        BIGINT  NULL,
    closed_at         BIGINT  NULL,
    close_reason      TEXT    NULL,
    reopen_count      INTEGER NOT NULL DEFAULT 0,
    address           TEXT    NOT NULL DEFAULT '',
    lat               REAL  NULL,
    lon               REAL  NULL,
    source_ref        TEXT    NULL,
    created_by        INTEGER   NULL REFERENCES users (id),
    version           BIGINT  NOT NULL DEFAULT 0,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);
CREATE INDEX orders_place_idx ON orders (place_path, id);
CREATE INDEX orders_state_idx ON orders (state, id);
CREATE INDEX orders_category_idx ON orders (category_id, created_at);
CREATE INDEX orders_created_idx ON orders (created_at);
CREATE INDEX orders_handler_user_idx ON orders (handler_user_id, id) WHERE handler_user_id IS NOT NULL;
CREATE INDEX orders_handler_unit_idx ON orders (handler_unit_id, id) WHERE handler_unit_id IS NOT NULL;
CREATE INDEX orders_merged_into_idx ON orders (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX orders_resident_idx ON orders (resident_id) WHERE resident_id IS NOT NULL;
-- The scheduler's scans: open orders by the deadline that applies to their state.
CREATE INDEX orders_due_accept_idx ON orders (due_accept_at) WHERE state = 'submitted';
CREATE INDEX orders_due_resolve_idx ON orders (due_resolve_at)
    WHERE state IN ('accepted', 'dispatched', 'in_progress', 'returned', 'escalated', 'reopened');

-- The timeline: every step, who, when, from → to, a note; public events show on /track, their
-- notes only when note_public. Append-only.
CREATE TABLE order_events (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER   NOT NULL REFERENCES orders (id),
    at            BIGINT  NOT NULL,
    actor_user_id INTEGER   NULL,
    actor_name    TEXT    NOT NULL DEFAULT '',
    actor_role    TEXT    NOT NULL DEFAULT '',
    action        TEXT    NOT NULL,
    from_state    TEXT    NULL,
    to_state      TEXT    NOT NULL,
    note          TEXT    NOT NULL DEFAULT '',
    is_public     BOOLEAN NOT NULL DEFAULT TRUE,
    note_public   BOOLEAN NOT NULL DEFAULT FALSE,
    detail        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);

-- Everyone who reported the matter: the order's own reporter and those of orders merged into it.
CREATE TABLE order_reporters (
    id              INTEGER PRIMARY KEY,
    order_id        INTEGER  NOT NULL REFERENCES orders (id),
    source_order_id INTEGER  NOT NULL REFERENCES orders (id),
    tracking_code   TEXT   NOT NULL,
    resident_id     INTEGER  NULL REFERENCES residents (id),
    name            TEXT   NOT NULL DEFAULT '',
    phone_enc       TEXT   NULL,
    phone_hash      TEXT   NULL,
    phone_masked    TEXT   NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (order_id, source_order_id)
);
CREATE INDEX order_reporters_order_idx ON order_reporters (order_id, id);
CREATE INDEX order_reporters_phone_idx ON order_reporters (phone_hash) WHERE phone_hash IS NOT NULL;

-- The answers to the reporters; an order reopened and resolved again is answered again.
CREATE TABLE order_replies (
    id             INTEGER PRIMARY KEY,
    order_id       INTEGER  NOT NULL REFERENCES orders (id),
    at             BIGINT NOT NULL,
    author_user_id INTEGER  NULL,
    author_name    TEXT   NOT NULL DEFAULT '',
    text           TEXT   NOT NULL CHECK (text <> '')
);
CREATE INDEX order_replies_order_idx ON order_replies (order_id, id);
