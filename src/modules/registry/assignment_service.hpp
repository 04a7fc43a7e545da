#pragma once
/// People who look after people (DOMAIN.md §2 item 4): grid workers on grids, building heads on
/// buildings, household-link leaders (联户长) on households, with history, and the coverage report.
///
/// Rules: a grid worker is assigned to a grid, a building head to a building, a link leader to
/// households (one row per household; one call takes the leader's whole list). A grid may have
/// several grid workers; a building has one head and a household one link leader, so assigning a
/// new one ends the previous one. Ending sets ended_at; rows are never deleted.
///
/// Scope (ADR 0003): assignments are filtered by the node's path in the SQL; a node or assignment
/// outside the caller's scope answers kNotFound exactly like a missing one — checked before the
/// role, so a grid worker learns nothing about another grid. Writers: admin, subdistrict_leader,
/// community_staff (others kForbidden on what they can see). Readers: those plus grid_worker,
/// building_head and link_leader.
///
/// The user check reads the accounts module's users table directly (one small query): registry
/// does not depend on the accounts service, and existence is all it needs.
///
/// Thread safety: every method may be called concurrently.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "modules/ledger/table.hpp"
#include "modules/registry/repository.hpp"
#include "modules/registry/service.hpp"
#include "storage/database.hpp"

namespace linli::registry {

enum class CareRole { kGridWorker, kBuildingHead, kLinkLeader };

/// "grid_worker", "building_head", "link_leader".
std::string_view CareRoleName(CareRole role);
std::optional<CareRole> ParseCareRole(std::string_view name);
/// The node kind a role is assigned to: grid, building, household.
NodeKind CareRoleNodeKind(CareRole role);

/// One person looking after one node over a period.
struct Assignment {
    int64_t id = 0;
    CareRole role = CareRole::kGridWorker;
    int64_t user_id = 0;
    std::string username;
    std::string display_name;
    int64_t node_id = 0;
    std::string node_name;
    std::string node_path;
    int64_t started_at = 0;
    std::optional<int64_t> ended_at;  // none while active
    int64_t created_at = 0;
};

/// What Assign needs: one role and person for 1..kMaxAssignNodes nodes of the role's kind.
struct NewAssignment {
    CareRole role = CareRole::kGridWorker;
    int64_t user_id = 0;
    std::vector<int64_t> node_ids;
    std::optional<int64_t> started_at;  // default: now; never in the future
};

constexpr size_t kMaxAssignNodes = 200;

/// List filters; the scope filter is always added on top.
struct AssignmentQuery {
    std::optional<int64_t> node_id;  // assignments on this node or below it (404 when not visible)
    std::optional<int64_t> user_id;
    std::optional<CareRole> role;
    bool active_only = true;
    std::optional<int64_t> after_id;  // keyset: ids greater than this
    int limit = 500;                  // 1..kMaxPageSize
};

/// The coverage figures of one grid (or the totals of the asked node).
struct CoverageRow {
    int64_t grid_id = 0;  // 0 for totals
    std::string grid_name;
    int64_t grid_workers = 0;  // active
    bool has_grid_worker = false;
    int64_t buildings = 0;
    int64_t buildings_without_head = 0;
    int64_t households = 0;
    int64_t households_without_link_leader = 0;
    int64_t residents = 0;       // residents whose current household lies under the grid
    double covered_share = 0.0;  // households with a link leader / households; 0 when no households
};

struct Coverage {
    int64_t node_id = 0;
    std::string node_name;
    NodeKind node_kind = NodeKind::kCommunity;
    std::vector<CoverageRow> grids;  // by name, then id
    CoverageRow totals;              // grid_workers / has_grid_worker: grids_without_worker is derived
    int64_t grids_without_worker = 0;
};

/// The coverage report as a ledger table with Chinese headers (网格, 网格员, 楼栋数, 无楼栋长楼栋数,
/// 户数, 无联户长户数, 覆盖率), one row per grid and a 合计 row.
ledger::Table CoverageTable(const Coverage& coverage);

class AssignmentService {
public:
    /// REQUIRES: `db` is migrated; every argument outlives the service.
    AssignmentService(storage::Database& db, const Clock& clock, RegistryService& territory);

    /// Assigns `input.user_id` to every node in one write transaction; audited as assignment.create
    /// (one row per assignment). Errors: 400 role / user_id (no such user) / node_ids (empty, too many,
    /// wrong kind) / started_at; 404 node_ids when a node is missing or out of scope; 403 for a role
    /// that may not write. An identical active assignment is kept, not duplicated. Returns the
    /// active assignments for the given nodes, in the given order.
    Result<std::vector<Assignment>> Assign(const Actor& actor, const NewAssignment& input, const RequestInfo& info);

    /// Ends an active assignment now; audited as assignment.end. 404 when missing or out of scope,
    /// 403 for a role that may not write, 409 when already ended.
    Result<Assignment> End(const Actor& actor, int64_t assignment_id, const RequestInfo& info);

    /// The assignments matching `query` in scope, by id.
    Result<Page<Assignment>> List(const Actor& actor, const AssignmentQuery& query);

    /// For dispatching services (orders' automatic handler), unscoped: the active assignments of `role`
    /// on exactly `node_id` (not below it), oldest first. One look-up in the index of active
    /// assignments by node, where List would walk every assignment under the node's path.
    Result<std::vector<Assignment>> ActiveOn(int64_t node_id, CareRole role);

    /// Coverage per grid under (or at) `node_id` — a subdistrict, community or grid, or any node above
    /// a grid; 400 node_id for a building or below; 404 when not visible.
    Result<Coverage> GetCoverage(const Actor& actor, int64_t node_id);

    /// The coverage ledger as CSV or XLSX ("csv" / "xlsx"); audited as export.coverage.
    Result<std::string> ExportCoverage(const Actor& actor, int64_t node_id, std::string_view format,
                                       const RequestInfo& info);

private:
    Result<Node> VisibleOr404(storage::Conn& conn, const Actor& actor, int64_t id, const char* field) const;
    Result<std::optional<Assignment>> FindVisible(storage::Conn& conn, const Actor& actor, int64_t id) const;
    Result<Coverage> LoadCoverage(storage::Conn& conn, const Actor& actor, int64_t node_id) const;

    storage::Database& db_;
    const Clock& clock_;
    RegistryService& territory_;  // the tree's owner; node reads go through nodes_ with the same scope rules
    NodeRepository nodes_;
};

}  // namespace linli::registry
