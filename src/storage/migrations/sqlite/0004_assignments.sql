-- People who look after people (DOMAIN.md §2 item 4): grid workers on grids, building heads on
-- buildings, household-link leaders (联户长) on households, one row per person and node.
--
-- History: ending an assignment sets ended_at; rows are never deleted. node_path is the node's
-- materialised path (immutable, ADR 0003), copied here so the scope filter ranges over it.
CREATE TABLE assignments (
    id         INTEGER PRIMARY KEY,
    role       TEXT    NOT NULL CHECK (role IN ('grid_worker', 'building_head', 'link_leader')),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    node_id    INTEGER NOT NULL REFERENCES territory_nodes (id),
    node_path  TEXT    NOT NULL,
    started_at BIGINT  NOT NULL,
    ended_at   BIGINT  NULL CHECK (ended_at IS NULL OR ended_at >= started_at),
    created_at BIGINT  NOT NULL
);
CREATE INDEX assignments_active_node_idx ON assignments (node_id, role) WHERE ended_at IS NULL;
CREATE INDEX assignments_user_idx ON assignments (user_id);
CREATE INDEX assignments_path_idx ON assignments (node_path);
