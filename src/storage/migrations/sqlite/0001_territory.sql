-- The territory tree (DOMAIN.md §1): city › district › subdistrict › community › grid › building
-- › unit › household. Households' and residents' records hang off these node ids.
--
-- path is materialised as "/<root id>/<child id>/.../<own id>/". Ids are immutable and nodes are
-- never re-parented, so a path never changes once written: "everything under node N" is the range
-- [N.path, N.path with its trailing '/' replaced by '0'), answered from the unique index on path.
-- Text compares bytewise here (SQLite's BINARY collation), so the range is exact.
--
-- depth: 0 for a root. community_id: the community this node lies in (itself for a community,
-- NULL above community); the natural distribution key for a Citus deployment, hence no foreign key.
CREATE TABLE territory_nodes (
    id           INTEGER PRIMARY KEY,
    parent_id    INTEGER NULL REFERENCES territory_nodes (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('city', 'district', 'subdistrict', 'community', 'grid',
                                                  'building', 'unit', 'household')),
    name         TEXT    NOT NULL CHECK (name <> ''),
    code         TEXT    NULL CHECK (code IS NULL OR code <> ''),
    path         TEXT    NOT NULL UNIQUE,
    depth        INTEGER NOT NULL CHECK (depth >= 0),
    community_id INTEGER NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- Sibling names (and codes, when present) are unique. NULLs are distinct in a unique index, so
-- roots (parent_id NULL) need their own partial indexes.
CREATE UNIQUE INDEX territory_nodes_sibling_name_uq ON territory_nodes (parent_id, name);
CREATE UNIQUE INDEX territory_nodes_root_name_uq ON territory_nodes (name) WHERE parent_id IS NULL;
CREATE UNIQUE INDEX territory_nodes_sibling_code_uq ON territory_nodes (parent_id, code) WHERE code IS NOT NULL;
CREATE UNIQUE INDEX territory_nodes_root_code_uq ON territory_nodes (code)
    WHERE parent_id IS NULL AND code IS NOT NULL;
CREATE INDEX territory_nodes_kind_idx ON territory_nodes (kind);
CREATE INDEX territory_nodes_community_idx ON territory_nodes (community_id);
