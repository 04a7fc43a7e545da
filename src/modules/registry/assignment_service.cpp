#include "modules/registry/assignment_service.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <utility>

#include "modules/accounts/audit.hpp"
#include "modules/ledger/table_writer.hpp"

namespace linli::registry {

namespace {

using storage::Conn;
using storage::Param;

constexpr std::array<std::pair<CareRole, std::string_view>, 3> kCareRoles{{
    {CareRole::kGridWorker, "grid_worker"},
    {CareRole::kBuildingHead, "building_head"},
    {CareRole::kLinkLeader, "link_leader"},
}};

constexpr std::string_view kSelect =
    "SELECT a.id, a.role, a.user_id, u.username, u.display_name, a.node_id, n.name, a.node_path, a.started_at,"
    " a.ended_at, a.created_at FROM assignments a JOIN users u ON u.id = a.user_id"
    " JOIN territory_nodes n ON n.id = a.node_id WHERE 1 = 1";

Assignment FromRow(const storage::Row& row) {
    Assignment a;
    a.id = row.Int(0);
    a.role = ParseCareRole(row.Text(1)).value_or(CareRole::kGridWorker);
    a.user_id = row.Int(2);
    a.username = row.Text(3);
    a.display_name = row.Text(4);
    a.node_id = row.Int(5);
    a.node_name = row.Text(6);
    a.node_path = row.Text(7);
    a.started_at = row.Int(8);
    a.ended_at = row.OptInt(9);
    a.created_at = row.Int(10);
    return a;
}

bool CanWrite(const Actor& actor) {
    return actor.Is(Role::kAdmin) || actor.Is(Role::kSubdistrictLeader) || actor.Is(Role::kCommunityStaff);
}

bool CanRead(const Actor& actor) {
    return CanWrite(actor) || actor.Is(Role::kGridWorker) || actor.Is(Role::kBuildingHead) ||
           actor.Is(Role::kLinkLeader);
}

Error NotWriter() {
    return Forbidden("only admins, subdistrict leaders and community staff assign carers");
}

// The subtree bound of a path column, in SQL: "/1/5/" → "/1/50" (see SubtreeUpperBound).
std::string Under(std::string_view column, std::string_view grid_path) {
    return std::string(column) + " >= " + std::string(grid_path) + " AND " + std::string(column) + " < substr(" +
           std::string(grid_path) + ", 1, length(" + std::string(grid_path) + ") - 1) || '0'";
}

std::string Share(double share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", share * 100.0);
    return buf;
}

void Finish(CoverageRow& row) {
    row.has_grid_worker = row.grid_workers > 0;
    row.covered_share = row.households == 0 ? 0.0
                                            : static_cast<double>(row.households - row.households_without_link_leader) /
                                                  static_cast<double>(row.households);
}

}  // namespace

std::string_view CareRoleName(CareRole role) {
    return kCareRoles[static_cast<size_t>(role)].second;
}

std::optional<CareRole> ParseCareRole(std::string_view name) {
    for (const auto& [role, role_name] : kCareRoles) {
        if (role_name == name) {
            return role;
        }
    }
    return std::nullopt;
}

NodeKind CareRoleNodeKind(CareRole role) {
    switch (role) {
        case CareRole::kGridWorker:
            return NodeKind::kGrid;
        case CareRole::kBuildingHead:
            return NodeKind::kBuilding;
        case CareRole::kLinkLeader:
            return NodeKind::kHousehold;
    }
    return NodeKind::kGrid;
}

ledger::Table CoverageTable(const Coverage& coverage) {
    ledger::Table table;
    table.header = {"网格", "网格员", "楼栋数", "无楼栋长楼栋数", "户数", "无联户长户数", "覆盖率"};
    auto add = [&table](const CoverageRow& r, std::string name, std::string workers) {
        table.rows.push_back(ledger::Row{
            0,
            {std::move(name), std::move(workers), std::to_string(r.buildings), std::to_string(r.buildings_without_head),
             std::to_string(r.households), std::to_string(r.households_without_link_leader), Share(r.covered_share)}});
    };
    for (const auto& g : coverage.grids) {
        add(g, g.grid_name, g.has_grid_worker ? std::to_string(g.grid_workers) : "无");
    }
    add(coverage.totals, "合计", std::to_string(coverage.totals.grid_workers));
    return table;
}

AssignmentService::AssignmentService(storage::Database& db, const Clock& clock, RegistryService& territory)
    : db_(db), clock_(clock), territory_(territory) {}

Result<Node> AssignmentService::VisibleOr404(Conn& conn, const Actor& actor, int64_t id, const char* field) const {
    if (id > 0) {
        LINLI_ASSIGN_OR_RETURN(auto node, nodes_.FindVisible(conn, actor, id, ChildCount::kSkipped));
        if (node) {
            return std::move(*node);
        }
    }
    return Error{ErrorCode::kNotFound, "territory node not found", field};
}

Result<std::optional<Assignment>> AssignmentService::FindVisible(Conn& conn, const Actor& actor, int64_t id) const {
    std::string sql(kSelect);
    std::vector<Param> params{id};
    sql += " AND a.id = $1";
    if (!AppendScopeFilter(actor, "a.node_path", sql, params)) {
        return std::optional<Assignment>();
    }
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    if (rows.empty()) {
        return std::optional<Assignment>();
    }
    return std::optional<Assignment>(FromRow(rows.front()));
}

Result<std::vector<Assignment>> AssignmentService::Assign(const Actor& actor, const NewAssignment& input,
                                                          const RequestInfo& info) {
    if (!CanRead(actor)) {
        return NotWriter();
    }
    if (input.node_ids.empty()) {
        return InvalidArgument("node_ids", "give at least one node");
    }
    if (input.node_ids.size() > kMaxAssignNodes) {
        return InvalidArgument("node_ids", "at most " + std::to_string(kMaxAssignNodes) + " nodes in one call");
    }
    std::vector<int64_t> ids;
    for (auto id : input.node_ids) {
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
            ids.push_back(id);
        }
    }
    const int64_t now = clock_.Now();
    const int64_t started = input.started_at.value_or(now);
    if (started <= 0 || started > now) {
        return InvalidArgument("started_at", "started_at must be a past instant (epoch seconds), not in the future");
    }
    const NodeKind kind = CareRoleNodeKind(input.role);
    const std::string role_name(CareRoleName(input.role));
    return db_.Write([&](Conn& conn) -> Result<std::vector<Assignment>> {
        std::vector<Node> nodes;
        for (auto id : ids) {
            LINLI_ASSIGN_OR_RETURN(auto node, VisibleOr404(conn, actor, id, "node_ids"));
            nodes.push_back(std::move(node));
        }
        // Scope first, role second: a caller learns nothing about nodes they cannot see.
        if (!CanWrite(actor)) {
            return NotWriter();
        }
        for (const auto& node : nodes) {
            if (node.kind != kind) {
                return InvalidArgument(
                    "node_ids", "a " + role_name + " is assigned to a " + std::string(NodeKindName(kind)) + "; node " +
                                    std::to_string(node.id) + " is a " + std::string(NodeKindName(node.kind)));
            }
        }
        LINLI_ASSIGN_OR_RETURN(auto users, conn.Query("SELECT id FROM users WHERE id = $1", {input.user_id}));
        if (users.empty()) {
            return InvalidArgument("user_id", "no such user");
        }
        std::vector<int64_t> out_ids;
        for (const auto& node : nodes) {
            LINLI_ASSIGN_OR_RETURN(
                auto active,
                conn.Query("SELECT id, user_id, started_at FROM assignments WHERE node_id = $1 AND role = $2"
                           " AND ended_at IS NULL ORDER BY id",
                           {node.id, role_name}));
            std::optional<int64_t> same;
            std::vector<int64_t> replaced;
            for (const auto& row : active) {
                if (row.Int(1) == input.user_id) {
                    same = row.Int(0);
                } else if (input.role != CareRole::kGridWorker) {
                    // One building head per building, one link leader per household: the new one takes over.
                    LINLI_TRY(conn.Exec("UPDATE assignments SET ended_at = $2 WHERE id = $1",
                                        {row.Int(0), std::max(started, row.Int(2))}));
                    replaced.push_back(row.Int(0));
                }
            }
            if (same) {
                out_ids.push_back(*same);
                continue;
            }
            LINLI_ASSIGN_OR_RETURN(
                auto inserted,
                conn.Query("INSERT INTO assignments (role, user_id, node_id, node_path, started_at, created_at)"
                           " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                           {role_name, input.user_id, node.id, node.path, started, now}));
            const int64_t id = inserted.at(0).Int(0);
            out_ids.push_back(id);
            boost::json::array ended;
            for (auto r : replaced) {
                ended.push_back(r);
            }
            boost::json::object detail{{"role", role_name},
                                       {"user_id", input.user_id},
                                       {"node_id", node.id},
                                       {"started_at", started},
                                       {"replaced", std::move(ended)}};
            LINLI_TRY(
                accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "assignment.create", "assignment", id,
                                                                boost::json::serialize(detail))));
        }
        std::vector<Assignment> out;
        for (auto id : out_ids) {
            std::string sql(kSelect);
            sql += " AND a.id = $1";
            LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, {id}));
            out.push_back(FromRow(rows.at(0)));
        }
        return out;
    });
}

Result<Assignment> AssignmentService::End(const Actor& actor, int64_t assignment_id, const RequestInfo& info) {
    if (!CanRead(actor)) {
        return NotWriter();
    }
    return db_.Write([&](Conn& conn) -> Result<Assignment> {
        LINLI_ASSIGN_OR_RETURN(auto found, FindVisible(conn, actor, assignment_id));
        if (!found) {
            return NotFound("assignment not found");
        }
        if (!CanWrite(actor)) {
            return NotWriter();
        }
        if (found->ended_at) {
            return Conflict("assignment already ended", "id");
        }
        const int64_t now = std::max(clock_.Now(), found->started_at);
        LINLI_TRY(conn.Exec("UPDATE assignments SET ended_at = $2 WHERE id = $1", {assignment_id, now}));
        found->ended_at = now;
        boost::json::object detail{
            {"role", std::string(CareRoleName(found->role))}, {"user_id", found->user_id}, {"node_id", found->node_id}};
        LINLI_TRY(
            accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, clock_.Now(), "assignment.end", "assignment",
                                                            assignment_id, boost::json::serialize(detail))));
        return std::move(*found);
    });
}

Result<Page<Assignment>> AssignmentService::List(const Actor& actor, const AssignmentQuery& query) {
    if (!CanRead(actor)) {
        return Forbidden("this role may not read assignments");
    }
    if (query.limit < 1 || query.limit > kMaxPageSize) {
        return InvalidArgument("limit", "limit must be 1.." + std::to_string(kMaxPageSize));
    }
    return db_.Read([&](Conn& conn) -> Result<Page<Assignment>> {
        std::string sql(kSelect);
        std::vector<Param> params;
        auto bind = [&params](Param p) {
            params.push_back(std::move(p));
            return "$" + std::to_string(params.size());
        };
        if (query.node_id) {
            LINLI_ASSIGN_OR_RETURN(auto node, VisibleOr404(conn, actor, *query.node_id, "node_id"));
            sql += " AND a.node_path >= " + bind(node.path);
            sql += " AND a.node_path < " + bind(SubtreeUpperBound(node.path));
        }
        if (query.user_id) {
            sql += " AND a.user_id = " + bind(*query.user_id);
        }
        if (query.role) {
            sql += " AND a.role = " + bind(std::string(CareRoleName(*query.role)));
        }
        if (query.active_only) {
            sql += " AND a.ended_at IS NULL";
        }
        if (query.after_id) {
            sql += " AND a.id > " + bind(*query.after_id);
        }
        Page<Assignment> page;
        if (!AppendScopeFilter(actor, "a.node_path", sql, params)) {
            return page;
        }
        sql += " ORDER BY a.id LIMIT " + bind(static_cast<int64_t>(query.limit) + 1);
        LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
        for (const auto& row : rows) {
            if (page.items.size() == static_cast<size_t>(query.limit)) {
                page.next_cursor = std::to_string(page.items.back().id);
                break;
            }
            page.items.push_back(FromRow(row));
        }
        return page;
    });
}

Result<std::vector<Assignment>> AssignmentService::ActiveOn(int64_t node_id, CareRole role) {
    return db_.Read([&](Conn& conn) -> Result<std::vector<Assignment>> {
        // Written as assignments_active_node_idx is (node_id, role, partial on ended_at IS NULL).
        LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(std::string(kSelect) +
                                                         " AND a.node_id = $1 AND a.role = $2 AND a.ended_at IS NULL"
                                                         " ORDER BY a.id",
                                                     {node_id, std::string(CareRoleName(role))}));
        std::vector<Assignment> out;
        out.reserve(rows.size());
        for (const auto& row : rows) {
            out.push_back(FromRow(row));
        }
        return out;
    });
}

Result<Coverage> AssignmentService::LoadCoverage(Conn& conn, const Actor& actor, int64_t node_id) const {
    LINLI_ASSIGN_OR_RETURN(auto node, VisibleOr404(conn, actor, node_id, "node_id"));
    if (static_cast<int>(node.kind) > static_cast<int>(NodeKind::kGrid)) {
        return InvalidArgument("node_id", "coverage is reported for a grid or a node above grids, not a " +
                                              std::string(NodeKindName(node.kind)));
    }
    Coverage coverage;
    coverage.node_id = node.id;
    coverage.node_name = node.name;
    coverage.node_kind = node.kind;
    // One row per grid; every figure is a correlated count over the grid's path range (ADR 0003).
    const std::string active_head =
        " AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.node_id = x.id AND a.ended_at IS NULL AND a.role = ";
    std::string sql =
        "SELECT g.id, g.name,"
        " (SELECT COUNT(*) FROM assignments a WHERE a.node_id = g.id AND a.role = 'grid_worker'"
        "  AND a.ended_at IS NULL),"
        " (SELECT COUNT(*) FROM territory_nodes x WHERE x.kind = 'building' AND " +
        Under("x.path", "g.path") +
        "),"
        " (SELECT COUNT(*) FROM territory_nodes x WHERE x.kind = 'building' AND " +
        Under("x.path", "g.path") + active_head +
        "'building_head')),"
        " (SELECT COUNT(*) FROM territory_nodes x WHERE x.kind = 'household' AND " +
        Under("x.path", "g.path") +
        "),"
        " (SELECT COUNT(*) FROM territory_nodes x WHERE x.kind = 'household' AND " +
        Under("x.path", "g.path") + active_head +
        "'link_leader')),"
        " (SELECT COUNT(*) FROM residents r WHERE " +
        Under("r.scope_path", "g.path") +
        ")"
        " FROM territory_nodes g WHERE g.kind = 'grid' AND g.path >= $1 AND g.path < $2";
    std::vector<Param> params{node.path, SubtreeUpperBound(node.path)};
    if (!AppendScopeFilter(actor, "g.path", sql, params)) {
        return NotFound("territory node not found");
    }
    sql += " ORDER BY g.name, g.id";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    auto& t = coverage.totals;
    for (const auto& row : rows) {
        CoverageRow r;
        r.grid_id = row.Int(0);
        r.grid_name = row.Text(1);
        r.grid_workers = row.Int(2);
        r.buildings = row.Int(3);
        r.buildings_without_head = row.Int(4);
        r.households = row.Int(5);
        r.households_without_link_leader = row.Int(6);
        r.residents = row.Int(7);
        Finish(r);
        t.grid_workers += r.grid_workers;
        t.buildings += r.buildings;
        t.buildings_without_head += r.buildings_without_head;
        t.households += r.households;
        t.households_without_link_leader += r.households_without_link_leader;
        t.residents += r.residents;
        coverage.grids_without_worker += r.has_grid_worker ? 0 : 1;
        coverage.grids.push_back(std::move(r));
    }
    t.grid_name = node.name;
    Finish(t);
    return coverage;
}

Result<Coverage> AssignmentService::GetCoverage(const Actor& actor, int64_t node_id) {
    if (!CanRead(actor)) {
        return Forbidden("this role may not read coverage");
    }
    return db_.Read([&](Conn& conn) { return LoadCoverage(conn, actor, node_id); });
}

Result<std::string> AssignmentService::ExportCoverage(const Actor& actor, int64_t node_id, std::string_view format,
                                                      const RequestInfo& info) {
    if (!CanRead(actor)) {
        return Forbidden("this role may not export coverage");
    }
    if (format != "csv" && format != "xlsx") {
        return InvalidArgument("format", "format must be csv or xlsx");
    }
    // Read and audit in one write transaction: the audit row commits with the figures it describes.
    return db_.Write([&](Conn& conn) -> Result<std::string> {
        LINLI_ASSIGN_OR_RETURN(auto coverage, LoadCoverage(conn, actor, node_id));
        auto table = CoverageTable(coverage);
        std::string bytes;
        if (format == "xlsx") {
            LINLI_ASSIGN_OR_RETURN(bytes, ledger::WriteXlsx(table, "覆盖情况"));
        } else {
            bytes = ledger::WriteCsv(table);
        }
        boost::json::object detail{{"node_id", node_id},
                                   {"format", std::string(format)},
                                   {"grids", static_cast<int64_t>(coverage.grids.size())}};
        LINLI_TRY(accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, clock_.Now(), "export.coverage", "territory_node", node_id,
                                      boost::json::serialize(detail))));
        return bytes;
    });
}

}  // namespace linli::registry
