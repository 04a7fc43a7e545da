-- Possible duplicates at intake (SimilarService, issue 4 §7), read newest first: the orders of one
-- category since a recent instant, in time order, with the place and state in the index so the
-- filter needs no table row. The check stops at its 300 newest matches, or at the start of the window
-- after reading only index entries (the category's orders of that week city-wide). The index it
-- replaces, (category_id, place_path, created_at), read every order of the place's subtree first and
-- sorted them: a building with thousands of recent reports (one outage, reported by everyone) made
-- every new intake there slower than the last.
DROP INDEX orders_similar_idx;
CREATE INDEX orders_similar_idx ON orders (category_id, created_at, place_path, state);
