#pragma once
/// The registry module's only SQL: the territory_nodes table. Written once, PostgreSQL-style with
/// $1..$n, for SQLite and PostgreSQL alike.
///
/// Every read that a caller's request can reach takes the Actor and filters by scope in the SQL
/// itself (see AppendScopeFilter): a node outside the scope is never fetched, so it cannot leak
/// through a forgotten check in C++. User text only ever travels as a bound parameter; sort orders
/// come from the NodeSort whitelist.
///
/// Thread safety: stateless; each call uses only the connection it is given.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/actor.hpp"
#include "core/error.hpp"
#include "modules/registry/model.hpp"
#include "storage/database.hpp"

namespace linli::registry {

/// The exclusive upper bound of the subtree under `path`: "/1/5/" → "/1/50". Every path in the
/// subtree, and nothing else, lies in [path, bound) bytewise, because '0' is the byte after '/'.
/// REQUIRES: `path` ends with '/'.
std::string SubtreeUpperBound(std::string_view path);

/// Appends " AND (<col> >= $k AND <col> < $k+1 OR ...)" for each of the actor's scope paths,
/// binding the bounds into `params`; appends nothing for a global actor. Returns false when the
/// actor can see nothing (not global, empty scope): the caller should answer "nothing" without
/// querying. Meant for any table that carries a territory path column.
bool AppendScopeFilter(const Actor& actor, std::string_view path_column, std::string& sql,
                       std::vector<storage::Param>& params);

/// Which nodes a list or count covers; the scope filter is always added on top.
struct NodeFilter {
    std::optional<int64_t> parent_id;              // children of this node
    bool roots = false;                            // parent_id IS NULL
    std::optional<std::vector<int64_t>> only_ids;  // restrict to these ids (a scoped user's tops)
    std::optional<NodeKind> kind;
    std::optional<std::string> name_like;  // a LIKE pattern over lower(name), '\' escapes
};

/// A keyset position: the last row of the previous page.
struct NodeKey {
    int64_t id = 0;
    std::string name;  // unused for the id sorts
};

/// The columns an insert writes; path and community_id are finished by FinishInsert once the id is known.
struct NodeInsert {
    std::optional<int64_t> parent_id;
    NodeKind kind = NodeKind::kCity;
    std::string name;
    std::optional<std::string> code;
    std::string provisional_path;  // unique placeholder, replaced in the same transaction
    int depth = 0;
    std::optional<int64_t> community_id;
    int64_t now = 0;
};

/// Whether a look-up fills Node::child_count (a count over the children) or leaves it 0.
enum class ChildCount { kCounted, kSkipped };

class NodeRepository {
public:
    /// The node when it exists and lies in the actor's scope; nullopt otherwise (both alike).
    Result<std::optional<Node>> FindVisible(storage::Conn& conn, const Actor& actor, int64_t id,
                                            ChildCount count = ChildCount::kCounted) const;
    /// Unscoped look-up, for a service's own bookkeeping after its checks.
    Result<std::optional<Node>> FindById(storage::Conn& conn, int64_t id,
                                         ChildCount count = ChildCount::kCounted) const;

    /// Up to `limit` nodes matching `filter` in the actor's scope, after `after`, in `sort` order.
    Result<std::vector<Node>> List(storage::Conn& conn, const Actor& actor, const NodeFilter& filter, NodeSort sort,
                                   const std::optional<NodeKey>& after, int limit) const;
    Result<int64_t> Count(storage::Conn& conn, const Actor& actor, const NodeFilter& filter) const;
    /// The nodes with these ids that lie in the actor's scope, shallowest first.
    Result<std::vector<Node>> FindManyVisible(storage::Conn& conn, const Actor& actor,
                                              const std::vector<int64_t>& ids) const;

    /// The id of a sibling (same parent; roots are siblings of each other) with this name / code,
    /// other than `except_id`.
    Result<std::optional<int64_t>> FindSiblingByName(storage::Conn& conn, std::optional<int64_t> parent_id,
                                                     std::string_view name, int64_t except_id = 0) const;
    Result<std::optional<int64_t>> FindSiblingByCode(storage::Conn& conn, std::optional<int64_t> parent_id,
                                                     std::string_view code, int64_t except_id = 0) const;

    /// Inserts a row and returns its id. REQUIRES: a write connection.
    Result<int64_t> Insert(storage::Conn& conn, const NodeInsert& row) const;
    /// Writes the final path and community id of a freshly inserted node.
    Result<void> FinishInsert(storage::Conn& conn, int64_t id, std::string_view path,
                              std::optional<int64_t> community_id) const;
    Result<void> UpdateText(storage::Conn& conn, int64_t id, std::string_view name,
                            const std::optional<std::string>& code, int64_t now) const;
    Result<bool> HasChildren(storage::Conn& conn, int64_t id) const;
    Result<void> Delete(storage::Conn& conn, int64_t id) const;

    /// id → path for those of `ids` that exist, unscoped (to build an Actor's scope).
    Result<std::vector<std::pair<int64_t, std::string>>> Paths(storage::Conn& conn,
                                                               const std::vector<int64_t>& ids) const;
};

}  // namespace linli::registry
