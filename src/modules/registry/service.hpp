#pragma once
/// The territory tree's rules: who may see and change which nodes, the kind ladder, sibling
/// uniqueness, keyset paging, audit. Every read is filtered by the caller's scope in the SQL; a
/// node outside the scope answers kNotFound exactly like a missing one.

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/paging.hpp"
#include "modules/registry/model.hpp"
#include "modules/registry/repository.hpp"
#include "storage/database.hpp"

namespace linli::registry {

/// Thread safety: every method may be called concurrently; the scope cache is guarded.
class RegistryService {
public:
    /// REQUIRES: `db` is migrated; `db` and `clock` outlive the service.
    RegistryService(storage::Database& db, const Clock& clock);

    /// The node with its child_count; kNotFound when missing or outside the actor's scope.
    Result<Node> Get(const Actor& actor, int64_t id);

    /// A page of nodes (see NodeQuery for what parent_id / roots_only / neither mean). Errors:
    /// 400 limit/cursor/q/parent_id; 404 when parent_id is missing or outside the scope.
    Result<Page<Node>> List(const Actor& actor, const NodeQuery& query);

    /// How many nodes List would page through for the same filters (sort, cursor, limit ignored).
    /// The HTTP count route never sets roots_only: a bare count is of every visible node.
    Result<int64_t> Count(const Actor& actor, const NodeQuery& query);

    /// The breadcrumb trail to `id`, root first and the node itself last, keeping only the part the
    /// actor may see (for a scoped user it starts at their scope node). kNotFound as Get.
    Result<std::vector<Node>> Ancestors(const Actor& actor, int64_t id);

    /// Creates a node and writes a territory.create audit row in the same transaction.
    /// Who: admin anywhere (roots only for admin); subdistrict_leader and community_staff under a
    /// parent in their scope; grid_worker only buildings, units and households under their scope;
    /// anyone else kForbidden. Errors: 400 name/code/kind; 404 parent_id; 409 name/code clash.
    Result<Node> Create(const Actor& actor, const NewNode& node, const RequestInfo& info);

    /// Renames a node and/or sets or clears its code; audited as territory.update with the old and
    /// new names. Same roles as Create, applied to the node's parent (a scoped user cannot change
    /// their own scope node, only what lies below it; roots only for admin).
    Result<Node> Update(const Actor& actor, int64_t id, const NodePatch& patch, const RequestInfo& info);

    /// Deletes a leaf node; audited as territory.delete. Roles: admin, subdistrict_leader,
    /// community_staff (below their scope node). A grid worker gets kNotFound outside their scope and
    /// kForbidden inside it; other roles kForbidden. 409 "node has children", or when other records
    /// still refer to the node.
    Result<void> Delete(const Actor& actor, int64_t id, const RequestInfo& info);

    /// The scope nodes (id and path) for a user's scope node ids, in the given order, duplicates
    /// dropped; 400 field "scope_node_ids" naming an unknown id. Called on every authenticated
    /// request, so answered from an in-process id → path cache, filling misses with one query.
    /// Paths never change, so the cache needs no invalidation; a deleted node that stays cached
    /// (deleted by another instance) is harmless, as nothing can lie under it — and a node can only
    /// be deleted once it has no children.
    Result<std::vector<ScopeNode>> ResolveScope(const std::vector<int64_t>& ids);

private:
    Result<Node> FindVisibleOr404(storage::Conn& conn, const Actor& actor, int64_t id, const char* field,
                                  ChildCount count = ChildCount::kCounted) const;
    void CachePath(int64_t id, const std::string& path);

    storage::Database& db_;
    const Clock& clock_;
    NodeRepository repo_;

    mutable std::shared_mutex cache_mu_;
    std::unordered_map<int64_t, std::string> path_cache_;  // guarded by cache_mu_
};

}  // namespace linli::registry
