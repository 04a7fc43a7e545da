#include "modules/registry/repository.hpp"

#include <span>
#include <string>
#include <utility>

namespace linli::registry {

namespace {

using storage::Conn;
using storage::Param;
using storage::Row;

// child_count is a correlated count over the (parent_id, name) index. Children of a visible node
// are always visible (scopes are whole subtrees), so the count never reveals anything hidden.
constexpr std::string_view kSelectNode =
    "SELECT n.id, n.parent_id, n.kind, n.name, n.code, n.path, n.depth, n.community_id, "
    "(SELECT COUNT(*) FROM territory_nodes c WHERE c.parent_id = n.id), n.created_at, n.updated_at "
    "FROM territory_nodes n WHERE 1 = 1";
// The same columns with child_count 0, for checks inside writes: counting a big parent's children
// on every insert under it would make writes O(children).
constexpr std::string_view kSelectNodeWithoutCount =
    "SELECT n.id, n.parent_id, n.kind, n.name, n.code, n.path, n.depth, n.community_id, "
    "0, n.created_at, n.updated_at "
    "FROM territory_nodes n WHERE 1 = 1";

/// Appends `value` to `params` and returns its placeholder, "$<n>".
std::string Bind(std::vector<Param>& params, Param value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
}

Node NodeFromRow(const Row& row) {
    Node node;
    node.id = row.Int(0);
    node.parent_id = row.OptInt(1);
    auto kind = ParseNodeKind(row.Text(2));
    if (!kind) {
        // The CHECK constraint makes this impossible short of a hand-edited database.
        throw storage::DatabaseError("territory_nodes.kind holds an unknown kind: " + row.Text(2));
    }
    node.kind = *kind;
    node.name = row.Text(3);
    node.code = row.OptText(4);
    node.path = row.Text(5);
    node.depth = static_cast<int>(row.Int(6));
    node.community_id = row.OptInt(7);
    node.child_count = row.Int(8);
    node.created_at = row.Int(9);
    node.updated_at = row.Int(10);
    return node;
}

Result<std::vector<Node>> QueryNodes(Conn& conn, const std::string& sql, const std::vector<Param>& params) {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    std::vector<Node> nodes;
    nodes.reserve(rows.size());
    for (const auto& row : rows) {
        nodes.push_back(NodeFromRow(row));
    }
    return nodes;
}

Result<std::optional<Node>> QueryOptionalNode(Conn& conn, const std::string& sql, const std::vector<Param>& params) {
    LINLI_ASSIGN_OR_RETURN(auto nodes, QueryNodes(conn, sql, params));
    if (nodes.empty()) {
        return std::optional<Node>();
    }
    return std::optional<Node>(std::move(nodes.front()));
}

/// " IN ($a, $b, ...)" over `ids`. REQUIRES: `ids` is not empty.
std::string InList(std::vector<Param>& params, const std::vector<int64_t>& ids) {
    std::string sql = " IN (";
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) {
            sql += ", ";
        }
        sql += Bind(params, ids[i]);
    }
    sql += ")";
    return sql;
}

/// Adds the filter's conditions; false when it can match nothing (an empty id list).
bool AppendNodeFilter(const NodeFilter& filter, std::string& sql, std::vector<Param>& params) {
    if (filter.parent_id) {
        sql += " AND n.parent_id = " + Bind(params, *filter.parent_id);
    }
    if (filter.roots) {
        sql += " AND n.parent_id IS NULL";
    }
    if (filter.only_ids) {
        if (filter.only_ids->empty()) {
            return false;
        }
        sql += " AND n.id" + InList(params, *filter.only_ids);
    }
    if (filter.kind) {
        sql += " AND n.kind = " + Bind(params, NodeKindName(*filter.kind));
    }
    if (filter.name_like) {
        // The pattern arrives lower-cased with % _ \ escaped; lower() folds ASCII only on both
        // backends (SQLite's built-in, PostgreSQL's under COLLATE "C"), matching the pattern.
        sql += " AND lower(n.name) LIKE " + Bind(params, *filter.name_like) + " ESCAPE '\\'";
    }
    return true;
}

/// The keyset condition and ORDER BY for `sort`; a whitelist, so no user text reaches the SQL.
void AppendOrder(NodeSort sort, const std::optional<NodeKey>& after, std::string& sql, std::vector<Param>& params) {
    switch (sort) {
        case NodeSort::kNameAsc:
            if (after) {
                const auto name = Bind(params, after->name);
                const auto id = Bind(params, after->id);
                sql += " AND (n.name > " + name + " OR (n.name = " + name + " AND n.id > " + id + "))";
            }
            sql += " ORDER BY n.name ASC, n.id ASC";
            return;
        case NodeSort::kNameDesc:
            if (after) {
                const auto name = Bind(params, after->name);
                const auto id = Bind(params, after->id);
                sql += " AND (n.name < " + name + " OR (n.name = " + name + " AND n.id < " + id + "))";
            }
            sql += " ORDER BY n.name DESC, n.id DESC";
            return;
        case NodeSort::kIdAsc:
            if (after) {
                sql += " AND n.id > " + Bind(params, after->id);
            }
            sql += " ORDER BY n.id ASC";
            return;
        case NodeSort::kIdDesc:
            if (after) {
                sql += " AND n.id < " + Bind(params, after->id);
            }
            sql += " ORDER BY n.id DESC";
            return;
    }
}

/// " AND n.parent_id = $k" or " AND n.parent_id IS NULL" for a sibling look-up.
void AppendSiblingsOf(std::optional<int64_t> parent_id, std::string& sql, std::vector<Param>& params) {
    if (parent_id) {
        sql += " AND n.parent_id = " + Bind(params, *parent_id);
    } else {
        sql += " AND n.parent_id IS NULL";
    }
}

Result<std::optional<int64_t>> QueryOptionalId(Conn& conn, const std::string& sql, const std::vector<Param>& params) {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    if (rows.empty()) {
        return std::optional<int64_t>();
    }
    return std::optional<int64_t>(rows.front().Int(0));
}

}  // namespace

std::string SubtreeUpperBound(std::string_view path) {
    std::string bound(path);
    if (!bound.empty() && bound.back() == '/') {
        bound.back() = '0';
    }
    return bound;
}

bool AppendScopeFilter(const Actor& actor, std::string_view path_column, std::string& sql,
                       std::vector<storage::Param>& params) {
    if (actor.global()) {
        return true;
    }
    if (actor.scope.empty()) {
        return false;
    }
    sql += " AND (";
    bool first = true;
    for (const auto& node : actor.scope) {
        if (!first) {
            sql += " OR ";
        }
        first = false;
        sql += "(";
        sql += path_column;
        sql += " >= " + Bind(params, node.path) + " AND ";
        sql += path_column;
        sql += " < " + Bind(params, SubtreeUpperBound(node.path)) + ")";
    }
    sql += ")";
    return true;
}

Result<std::optional<Node>> NodeRepository::FindVisible(Conn& conn, const Actor& actor, int64_t id,
                                                        ChildCount count) const {
    std::string sql(count == ChildCount::kCounted ? kSelectNode : kSelectNodeWithoutCount);
    std::vector<Param> params;
    sql += " AND n.id = " + Bind(params, id);
    if (!AppendScopeFilter(actor, "n.path", sql, params)) {
        return std::optional<Node>();
    }
    return QueryOptionalNode(conn, sql, params);
}

Result<std::optional<Node>> NodeRepository::FindById(Conn& conn, int64_t id, ChildCount count) const {
    std::string sql(count == ChildCount::kCounted ? kSelectNode : kSelectNodeWithoutCount);
    std::vector<Param> params;
    sql += " AND n.id = " + Bind(params, id);
    return QueryOptionalNode(conn, sql, params);
}

Result<std::vector<Node>> NodeRepository::List(Conn& conn, const Actor& actor, const NodeFilter& filter, NodeSort sort,
                                               const std::optional<NodeKey>& after, int limit) const {
    std::string sql(kSelectNode);
    std::vector<Param> params;
    if (!AppendScopeFilter(actor, "n.path", sql, params) || !AppendNodeFilter(filter, sql, params)) {
        return std::vector<Node>();
    }
    AppendOrder(sort, after, sql, params);
    sql += " LIMIT " + Bind(params, limit);
    return QueryNodes(conn, sql, params);
}

Result<int64_t> NodeRepository::Count(Conn& conn, const Actor& actor, const NodeFilter& filter) const {
    std::string sql = "SELECT COUNT(*) FROM territory_nodes n WHERE 1 = 1";
    std::vector<Param> params;
    if (!AppendScopeFilter(actor, "n.path", sql, params) || !AppendNodeFilter(filter, sql, params)) {
        return int64_t{0};
    }
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    return rows.at(0).Int(0);
}

Result<std::vector<Node>> NodeRepository::FindManyVisible(Conn& conn, const Actor& actor,
                                                          const std::vector<int64_t>& ids) const {
    if (ids.empty()) {
        return std::vector<Node>();
    }
    std::string sql(kSelectNode);
    std::vector<Param> params;
    if (!AppendScopeFilter(actor, "n.path", sql, params)) {
        return std::vector<Node>();
    }
    sql += " AND n.id" + InList(params, ids) + " ORDER BY n.depth ASC";
    return QueryNodes(conn, sql, params);
}

Result<std::optional<int64_t>> NodeRepository::FindSiblingByName(Conn& conn, std::optional<int64_t> parent_id,
                                                                 std::string_view name, int64_t except_id) const {
    std::string sql = "SELECT n.id FROM territory_nodes n WHERE n.name = ";
    std::vector<Param> params;
    sql += Bind(params, name);
    sql += " AND n.id <> " + Bind(params, except_id);
    AppendSiblingsOf(parent_id, sql, params);
    return QueryOptionalId(conn, sql, params);
}

Result<std::optional<int64_t>> NodeRepository::FindSiblingByCode(Conn& conn, std::optional<int64_t> parent_id,
                                                                 std::string_view code, int64_t except_id) const {
    std::string sql = "SELECT n.id FROM territory_nodes n WHERE n.code = ";
    std::vector<Param> params;
    sql += Bind(params, code);
    sql += " AND n.id <> " + Bind(params, except_id);
    AppendSiblingsOf(parent_id, sql, params);
    return QueryOptionalId(conn, sql, params);
}

Result<int64_t> NodeRepository::Insert(Conn& conn, const NodeInsert& row) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("INSERT INTO territory_nodes (parent_id, kind, name, code, path, depth, community_id, created_at, "
                   "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                   {row.parent_id, NodeKindName(row.kind), row.name, row.code, row.provisional_path, row.depth,
                    row.community_id, row.now}));
    return rows.at(0).Int(0);
}

Result<void> NodeRepository::FinishInsert(Conn& conn, int64_t id, std::string_view path,
                                          std::optional<int64_t> community_id) const {
    LINLI_TRY(
        conn.Exec("UPDATE territory_nodes SET path = $1, community_id = $2 WHERE id = $3", {path, community_id, id}));
    return {};
}

Result<void> NodeRepository::UpdateText(Conn& conn, int64_t id, std::string_view name,
                                        const std::optional<std::string>& code, int64_t now) const {
    LINLI_TRY(conn.Exec("UPDATE territory_nodes SET name = $1, code = $2, updated_at = $3 WHERE id = $4",
                        {name, code, now, id}));
    return {};
}

Result<bool> NodeRepository::HasChildren(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT 1 FROM territory_nodes WHERE parent_id = $1 LIMIT 1", {id}));
    return !rows.empty();
}

Result<void> NodeRepository::Delete(Conn& conn, int64_t id) const {
    LINLI_TRY(conn.Exec("DELETE FROM territory_nodes WHERE id = $1", {id}));
    return {};
}

Result<std::vector<std::pair<int64_t, std::string>>> NodeRepository::Paths(Conn& conn,
                                                                           const std::vector<int64_t>& ids) const {
    std::vector<std::pair<int64_t, std::string>> out;
    if (ids.empty()) {
        return out;
    }
    std::vector<Param> params;
    std::string sql = "SELECT id, path FROM territory_nodes WHERE id" + InList(params, ids);
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.emplace_back(row.Int(0), row.Text(1));
    }
    return out;
}

}  // namespace linli::registry
