-- Dispute mediation (issue 5 §6, ADR 0009): what a dispute adds to its work order (kind 'dispute'),
-- the mediators and their duty roster. Confidential: only the mediators on a dispute and leaders
-- read it; the orders module learns that through a visibility policy whose SQL reads
-- dispute_mediators (mediation/repository.cpp).

-- What a dispute is about (data): its work order takes the order category named here, whose
-- deadline is "same day" for the seeded one (矛盾不过夜).
CREATE TABLE dispute_categories (
    id                  INTEGER PRIMARY KEY,
    code                TEXT    NOT NULL UNIQUE CHECK (code <> ''),
    name_zh             TEXT    NOT NULL CHECK (name_zh <> ''),
    name_en             TEXT    NOT NULL CHECK (name_en <> ''),
    order_category_code TEXT    NOT NULL DEFAULT 'neighbour_dispute',
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order          BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO dispute_categories (code, name_zh, name_en, sort_order) VALUES
    ('neighbours', '邻里纠纷', 'Neighbours', 10),
    ('family', '婚姻家庭纠纷', 'Marriage and family', 20),
    ('property', '物业纠纷', 'Property management', 30),
    ('tenancy', '房屋租赁纠纷', 'Tenancy', 40),
    ('labour', '劳动争议', 'Labour', 50),
    ('consumer', '消费纠纷', 'Consumer', 60),
    ('other', '其他纠纷', 'Other', 70);

-- People on the mediation rota: user accounts (community staff, a partner unit's judge or police
-- officer, volunteer lawyers and Party members) with what they can mediate.
CREATE TABLE mediators (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL UNIQUE REFERENCES users (id),
    specialisms TEXT    NOT NULL CHECK (specialisms <> ''),  -- "law,party_member", codes in a fixed order
    title       TEXT    NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_by  INTEGER NULL REFERENCES users (id),
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

-- A community's duty roster (值班表): who is on duty which local day, and as what.
CREATE TABLE mediation_duty (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES territory_nodes (id),
    duty_date    TEXT    NOT NULL CHECK (length(duty_date) = 10),
    mediator_id  INTEGER NOT NULL REFERENCES mediators (id),
    specialism   TEXT    NOT NULL CHECK (specialism IN ('law', 'police', 'party_member', 'people_mediator',
                                                        'counselling', 'other')),
    created_by   INTEGER NULL REFERENCES users (id),
    created_at   BIGINT  NOT NULL,
    UNIQUE (community_id, duty_date, mediator_id)
);

-- One row per work order of kind 'dispute', written in the order's own transaction when it is
-- submitted (the mediation module listens to the orders). Place and day are copied so figures and
-- scope filters need no other module's table.
CREATE TABLE disputes (
    order_id       INTEGER PRIMARY KEY REFERENCES orders (id),
    category_id    INTEGER NOT NULL REFERENCES dispute_categories (id),
    subject        TEXT    NOT NULL DEFAULT '',
    community_id   INTEGER NULL,
    grid_id        INTEGER NULL,
    place_path     TEXT    NOT NULL,
    received_at    BIGINT  NOT NULL,
    received_day   TEXT    NOT NULL,  -- local YYYY-MM-DD
    agreement_text TEXT    NULL,
    agreement_at   BIGINT  NULL,
    agreement_by   INTEGER NULL REFERENCES users (id),
    outcome        TEXT    NULL CHECK (outcome IN ('agreed', 'partly_agreed', 'failed')),
    referral       TEXT    NULL CHECK (referral IN ('court', 'police', 'arbitration', 'other')),
    referral_to    TEXT    NOT NULL DEFAULT '',
    outcome_note   TEXT    NOT NULL DEFAULT '',
    outcome_at     BIGINT  NULL,
    outcome_by     INTEGER NULL REFERENCES users (id),
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX disputes_place_idx ON disputes (place_path, received_day);
CREATE INDEX disputes_day_idx ON disputes (received_day);

-- The parties: a resident of the register, or a person from outside it whose phone is sealed
-- (secretbox) with a keyed hash beside it and shown only masked, as residents' phones are.
CREATE TABLE dispute_parties (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES disputes (order_id),
    side          TEXT    NOT NULL CHECK (side IN ('applicant', 'respondent', 'third_party')),
    resident_id   INTEGER NULL REFERENCES residents (id),
    name          TEXT    NOT NULL CHECK (name <> ''),
    phone_enc     TEXT    NULL,
    phone_hash    TEXT    NULL,
    phone_masked  TEXT    NULL,
    decision      TEXT    NOT NULL DEFAULT 'pending' CHECK (decision IN ('pending', 'accepted', 'declined')),
    decided_at    BIGINT  NULL,
    decision_note TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL
);
CREATE INDEX dispute_parties_order_idx ON dispute_parties (order_id, id);
CREATE UNIQUE INDEX dispute_parties_resident_uq ON dispute_parties (order_id, resident_id)
    WHERE resident_id IS NOT NULL;

-- The mediators on a dispute. user_id is copied from mediators so the visibility policy is one
-- indexed probe per order.
CREATE TABLE dispute_mediators (
    order_id    INTEGER NOT NULL REFERENCES disputes (order_id),
    mediator_id INTEGER NOT NULL REFERENCES mediators (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    lead        BOOLEAN NOT NULL DEFAULT FALSE,
    on_duty     BOOLEAN NOT NULL,
    assigned_by INTEGER NULL REFERENCES users (id),
    assigned_at BIGINT  NOT NULL,
    PRIMARY KEY (order_id, mediator_id)
);
CREATE INDEX dispute_mediators_user_idx ON dispute_mediators (user_id, order_id);

-- Meetings with the parties, and who came.
CREATE TABLE dispute_sessions (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES disputes (order_id),
    held_on          TEXT    NOT NULL CHECK (length(held_on) = 10),
    start_time       TEXT    NOT NULL DEFAULT '',
    place_id         INTEGER NOT NULL REFERENCES territory_nodes (id),
    place_name       TEXT    NOT NULL DEFAULT '',
    place_note       TEXT    NOT NULL DEFAULT '',
    other_attendees  TEXT    NOT NULL DEFAULT '',
    notes            TEXT    NOT NULL DEFAULT '',
    recorded_by      INTEGER NULL REFERENCES users (id),
    recorded_by_name TEXT    NOT NULL DEFAULT '',
    created_at       BIGINT  NOT NULL
);
CREATE INDEX dispute_sessions_order_idx ON dispute_sessions (order_id, id);

CREATE TABLE dispute_session_attendees (
    session_id  INTEGER NOT NULL REFERENCES dispute_sessions (id),
    party_id    INTEGER NULL REFERENCES dispute_parties (id),
    mediator_id INTEGER NULL REFERENCES mediators (id),
    CHECK ((party_id IS NULL) <> (mediator_id IS NULL))
);
CREATE INDEX dispute_session_attendees_idx ON dispute_session_attendees (session_id);
