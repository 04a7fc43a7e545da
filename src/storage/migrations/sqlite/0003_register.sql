-- The living register (DOMAIN.md §2): building and household attributes over the territory tree,
-- residents with their residence history, care tags and tag definitions.
--
-- Personal data: ID numbers and phones are stored encrypted (*_enc, libsodium secretbox) with a
-- keyed hash beside them (*_hash) for exact search, and their masked forms (*_masked: "1****1234",
-- "138****5678") so lists never decrypt. Nothing here holds them in clear.
--
-- residents.scope_path is the path of the resident's current household (NULL when they moved out
-- of the city): the column the territory scope filter (ADR 0003) ranges over.

CREATE TABLE building_details (
    node_id       INTEGER PRIMARY KEY REFERENCES territory_nodes (id) ON DELETE CASCADE,
    building_kind TEXT    NOT NULL CHECK (building_kind IN ('residential', 'rental', 'public_rental', 'commercial',
                                                            'mixed', 'three_small')),
    address       TEXT    NOT NULL DEFAULT '',
    floors        INTEGER NULL CHECK (floors IS NULL OR floors BETWEEN 1 AND 300),
    unit_count    INTEGER NULL CHECK (unit_count IS NULL OR unit_count BETWEEN 1 AND 1000),
    updated_at    BIGINT  NOT NULL
);

CREATE TABLE household_details (
    node_id    INTEGER PRIMARY KEY REFERENCES territory_nodes (id) ON DELETE CASCADE,
    tenure     TEXT   NOT NULL CHECK (tenure IN ('owner', 'tenant', 'public_rental', 'other')),
    updated_at BIGINT NOT NULL
);

CREATE TABLE residents (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL CHECK (name <> ''),
    id_number_enc    TEXT    NOT NULL,
    id_number_hash   TEXT    NOT NULL UNIQUE,
    id_last4_hash    TEXT    NOT NULL,
    id_number_masked TEXT    NOT NULL,
    phone_enc        TEXT    NULL,
    phone_hash       TEXT    NULL,
    phone_masked     TEXT    NULL,
    birth_date       TEXT    NOT NULL,
    sex              TEXT    NOT NULL CHECK (sex IN ('male', 'female')),
    hukou            TEXT    NOT NULL CHECK (hukou IN ('registered', 'floating')),
    household_id     INTEGER NULL REFERENCES territory_nodes (id),
    scope_path       TEXT    NULL,
    community_id     INTEGER NULL,
    note             TEXT    NOT NULL DEFAULT '',
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX residents_id_last4_idx ON residents (id_last4_hash);
CREATE INDEX residents_phone_idx ON residents (phone_hash) WHERE phone_hash IS NOT NULL;
CREATE INDEX residents_scope_name_idx ON residents (scope_path, name);
CREATE INDEX residents_household_idx ON residents (household_id);
CREATE INDEX residents_name_idx ON residents (name, id);
CREATE INDEX residents_birth_idx ON residents (birth_date);

-- Who lived where since when; rows are closed (moved_out) and never deleted.
CREATE TABLE residencies (
    id               INTEGER PRIMARY KEY,
    resident_id      INTEGER NOT NULL REFERENCES residents (id),
    household_id     INTEGER NOT NULL REFERENCES territory_nodes (id),
    relation_to_head TEXT    NOT NULL CHECK (relation_to_head IN ('head', 'spouse', 'child', 'parent', 'grandparent',
                                                                  'grandchild', 'sibling', 'other')),
    moved_in         TEXT    NOT NULL,
    moved_out        TEXT    NULL,
    created_at       BIGINT  NOT NULL
);
CREATE INDEX residencies_resident_idx ON residencies (resident_id, id);
-- At most one open residency per person.
CREATE UNIQUE INDEX residencies_open_uq ON residencies (resident_id) WHERE moved_out IS NULL;
CREATE INDEX residencies_household_idx ON residencies (household_id) WHERE moved_out IS NULL;

CREATE TABLE resident_tags (
    resident_id INTEGER NOT NULL REFERENCES residents (id),
    tag         TEXT    NOT NULL,
    detail      TEXT    NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (resident_id, tag)
);
CREATE INDEX resident_tags_tag_idx ON resident_tags (tag, resident_id);

-- Stored care tags: the built-in ones (community_id NULL) and those a community adds itself.
-- Age tags (elderly, elderly_80) and floating (the hukou) are computed, never stored.
CREATE TABLE tag_definitions (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NULL REFERENCES territory_nodes (id),
    code         TEXT    NOT NULL CHECK (code <> ''),
    name         TEXT    NOT NULL CHECK (name <> ''),
    name_en      TEXT    NOT NULL DEFAULT '',
    UNIQUE (community_id, code)
);
-- NULLs are distinct in a unique constraint: built-in codes need their own index.
CREATE UNIQUE INDEX tag_definitions_builtin_uq ON tag_definitions (code) WHERE community_id IS NULL;

INSERT INTO tag_definitions (community_id, code, name, name_en) VALUES
    (NULL, 'living_alone', '独居', 'Living alone'),
    (NULL, 'disabled', '残疾', 'Disabled'),
    (NULL, 'low_income', '低保', 'Low income (dibao)'),
    (NULL, 'difficult_family', '困难家庭', 'Difficult family'),
    (NULL, 'veteran', '退役军人', 'Veteran'),
    (NULL, 'party_member', '党员', 'Party member'),
    (NULL, 'in_service_party_member', '在职党员双报到', 'In-service Party member reporting to the community'),
    (NULL, 'student_in_need', '困难学生', 'Student in need'),
    (NULL, 'red_elderly_card', '红色老年证', 'Red elderly card');
