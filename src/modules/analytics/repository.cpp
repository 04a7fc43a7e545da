#include "modules/analytics/repository.hpp"

#include <algorithm>
#include <utility>

#include "modules/registry/repository.hpp"

namespace linli::analytics {

namespace {

using storage::Conn;
using storage::Param;

std::string Bind(std::vector<Param>& params, Param p) {
    params.push_back(std::move(p));
    return "$" + std::to_string(params.size());
}

std::string SumColumns() {
    std::string out;
    for (const auto& c : ValueColumns()) {
        out += ", SUM(" + c + ")";
    }
    return out;
}

const std::string& UpsertSql() {
    static const std::string sql = [] {
        const auto& cols = ValueColumns();
        std::string names = "node_id, dim, grain, period, dim_key, node_path, node_depth, node_kind";
        std::string values = "$1, $2, $3, $4, $5, $6, $7, $8";
        std::string sets;
        for (size_t i = 0; i < cols.size(); ++i) {
            names += ", " + cols[i];
            values += ", $" + std::to_string(i + 9);
            sets += (i ? ", " : "") + cols[i] + " = order_stats." + cols[i] + " + excluded." + cols[i];
        }
        return "INSERT INTO order_stats (" + names + ") VALUES (" + values +
               ") ON CONFLICT (node_id, dim, grain, period, dim_key) DO UPDATE SET " + sets;
    }();
    return sql;
}

/// "(path >= $a AND path < $b) OR …" over `column` for each of `paths`.
std::string PathRanges(const std::string& column, const std::vector<std::string>& paths, std::vector<Param>& params) {
    std::string any;
    for (const auto& p : paths) {
        any += any.empty() ? "" : " OR ";
        any += "(" + column + " >= " + Bind(params, p) + " AND " + column + " < " +
               Bind(params, registry::SubtreeUpperBound(p)) + ")";
    }
    return "(" + any + ")";
}

bool UnderAny(const std::vector<std::string>& paths, const std::string& path) {
    return std::any_of(paths.begin(), paths.end(), [&](const std::string& p) { return path.starts_with(p); });
}

/// The open states, exactly as orders_open_stats_idx (migration 0011) lists them.
constexpr std::string_view kOpenStates =
    "('submitted', 'accepted', 'dispatched', 'in_progress', 'returned', 'escalated', 'reopened')";

}  // namespace

bool Selects(const RowSelection& sel, const RollupKey& key, const RollupNode& node) {
    if (key.dim != sel.dim || key.grain != sel.segment.grain || key.period < sel.segment.from ||
        key.period > sel.segment.to) {
        return false;
    }
    if (!sel.dim_keys.empty() &&
        std::find(sel.dim_keys.begin(), sel.dim_keys.end(), key.dim_key) == sel.dim_keys.end()) {
        return false;
    }
    switch (sel.nodes) {
        case RowSelection::Nodes::kExact:
            return std::find(sel.node_ids.begin(), sel.node_ids.end(), key.node_id) != sel.node_ids.end();
        case RowSelection::Nodes::kRoots:
            return node.depth == 0;
        case RowSelection::Nodes::kKindUnder:
            return node.kind == sel.kind && (sel.under_paths.empty() || UnderAny(sel.under_paths, node.path));
    }
    return false;
}

int64_t GroupValue(const RowSelection& sel, const RollupKey& key) {
    switch (sel.group) {
        case RowSelection::GroupBy::kDimKey:
            return key.dim_key;
        case RowSelection::GroupBy::kNode:
            return key.node_id;
        case RowSelection::GroupBy::kPeriod:
            return key.period;
    }
    return 0;
}

Result<void> StatsRepository::PutFact(Conn& conn, int64_t order_id, const std::string& cur) const {
    LINLI_TRY(
        conn.Exec("INSERT INTO order_stats_facts (order_id, cur, applied, dirty) VALUES ($1, $2, NULL, TRUE)"
                  " ON CONFLICT (order_id) DO UPDATE SET cur = excluded.cur, dirty = TRUE"
                  " WHERE order_stats_facts.cur <> excluded.cur",
                  {order_id, cur}));
    return {};
}

Result<RatingTotals> StatsRepository::RatingsOf(Conn& conn, int64_t order_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT count(*), COALESCE(SUM(score), 0),"
                                                 " COALESCE(SUM(CASE WHEN score >= 4 THEN 1 ELSE 0 END), 0)"
                                                 " FROM order_ratings WHERE order_id = $1",
                                                 {order_id}));
    RatingTotals t;
    if (!rows.empty()) {
        t.count = rows[0].Int(0);
        t.sum = rows[0].Int(1);
        t.good = rows[0].Int(2);
    }
    return t;
}

Result<std::vector<FactRow>> StatsRepository::DirtyFacts(Conn& conn, int limit, bool lock) const {
    std::string sql =
        "SELECT order_id, cur, applied FROM order_stats_facts WHERE dirty = TRUE ORDER BY order_id LIMIT $1";
    if (lock) {
        sql += " FOR UPDATE SKIP LOCKED";
    }
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, {static_cast<int64_t>(limit)}));
    std::vector<FactRow> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        out.push_back(FactRow{r.Int(0), r.Text(1), r.OptText(2)});
    }
    return out;
}

Result<void> StatsRepository::MarkApplied(Conn& conn, int64_t order_id, const std::string& cur) const {
    LINLI_TRY(conn.Exec("UPDATE order_stats_facts SET applied = $2, dirty = (cur <> $2) WHERE order_id = $1",
                        {order_id, cur}));
    return {};
}

Result<void> StatsRepository::AddRows(Conn& conn, const RollupDelta& delta) const {
    const std::string& sql = UpsertSql();
    std::vector<Param> params;
    params.reserve(8 + kValueCount);
    for (const auto& [key, row] : delta) {
        const auto& [node, values] = row;
        if (std::all_of(values.begin(), values.end(), [](int64_t v) { return v == 0; })) {
            continue;
        }
        params.clear();
        params.emplace_back(key.node_id);
        params.emplace_back(std::string(1, key.dim));
        params.emplace_back(std::string(1, key.grain));
        params.emplace_back(key.period);
        params.emplace_back(key.dim_key);
        params.emplace_back(node.path);
        params.emplace_back(static_cast<int64_t>(node.depth));
        params.emplace_back(std::string(1, node.kind));
        for (int64_t v : values) {
            params.emplace_back(v);
        }
        LINLI_TRY(conn.Exec(sql, params));
        if (values[kCollected] < 0) {
            // An order moved to another category or handler: its old row may now count nothing.
            LINLI_TRY(
                conn.Exec("DELETE FROM order_stats WHERE node_id = $1 AND dim = $2 AND grain = $3"
                          " AND period = $4 AND dim_key = $5 AND collected = 0",
                          {key.node_id, std::string(1, key.dim), std::string(1, key.grain), key.period, key.dim_key}));
        }
    }
    return {};
}

Result<std::vector<std::pair<int64_t, Values>>> StatsRepository::Sum(Conn& conn, const RowSelection& sel) const {
    std::vector<Param> params;
    std::string group;
    switch (sel.group) {
        case RowSelection::GroupBy::kDimKey:
            group = "dim_key";
            break;
        case RowSelection::GroupBy::kNode:
            group = "node_id";
            break;
        case RowSelection::GroupBy::kPeriod:
            group = "period";
            break;
    }
    std::string sql = "SELECT " + group + SumColumns() + " FROM order_stats WHERE ";
    switch (sel.nodes) {
        case RowSelection::Nodes::kExact: {
            if (sel.node_ids.empty()) {
                return std::vector<std::pair<int64_t, Values>>{};
            }
            std::string in;
            for (int64_t id : sel.node_ids) {
                in += (in.empty() ? "" : ", ") + Bind(params, id);
            }
            sql += "node_id IN (" + in + ")";
            break;
        }
        case RowSelection::Nodes::kRoots:
            sql += "node_depth = 0";
            break;
        case RowSelection::Nodes::kKindUnder:
            sql += "node_kind = " + Bind(params, std::string(1, sel.kind));
            if (!sel.under_paths.empty()) {
                sql += " AND " + PathRanges("node_path", sel.under_paths, params);
            }
            break;
    }
    sql += " AND dim = " + Bind(params, std::string(1, sel.dim));
    sql += " AND grain = " + Bind(params, std::string(1, sel.segment.grain));
    sql += " AND period >= " + Bind(params, sel.segment.from);
    sql += " AND period <= " + Bind(params, sel.segment.to);
    if (!sel.dim_keys.empty()) {
        std::string in;
        for (int64_t k : sel.dim_keys) {
            in += (in.empty() ? "" : ", ") + Bind(params, k);
        }
        sql += " AND dim_key IN (" + in + ")";
    }
    sql += " GROUP BY " + group;
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    std::vector<std::pair<int64_t, Values>> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        Values v{};
        for (size_t i = 0; i < kValueCount; ++i) {
            v[i] = r.IsNull(i + 1) ? 0 : r.Int(i + 1);
        }
        out.emplace_back(r.Int(0), v);
    }
    return out;
}

Result<OverdueCounts> StatsRepository::Overdue(Conn& conn, const OverdueSelection& sel) const {
    // One pass over the open orders through orders_open_stats_idx (migration 0011), which holds every
    // column used here: the million closed orders are never read, nor the open orders' rows. The
    // state list is written exactly as the index's, so the index applies; created_at is wrapped so
    // that no planner prefers orders_created_idx, which would walk the whole period. The same pass
    // finds the earliest deadline still ahead: until then the counts cannot change by themselves.
    std::vector<Param> params;
    std::string group;
    switch (sel.group) {
        case OverdueGroup::kNone:
            group = "0";
            break;
        case OverdueGroup::kCategory:
            group = "o.category_id";
            break;
        case OverdueGroup::kHandler:
            group =
                "CASE WHEN o.handler_unit_id IS NOT NULL THEN -o.handler_unit_id ELSE COALESCE(o.handler_user_id, 0) "
                "END";
            break;
        case OverdueGroup::kHandlerUser:
            group = "COALESCE(o.handler_user_id, 0)";
            break;
        case OverdueGroup::kGrid:
            group = "COALESCE(o.grid_id, 0)";
            break;
        case OverdueGroup::kCommunity:
            group = "COALESCE(o.community_id, 0)";
            break;
        case OverdueGroup::kDay:
            group = "(o.created_at + " + Bind(params, static_cast<int64_t>(sel.utc_offset)) + ") / 86400";
            break;
    }
    const std::string now = Bind(params, sel.now);
    // The deadline an open order runs against in its state (as the scheduler's): accept while submitted.
    const std::string due = "(CASE WHEN o.state = 'submitted' THEN o.due_accept_at ELSE o.due_resolve_at END)";
    std::string sql = "SELECT " + group + ", SUM(CASE WHEN " + due + " < " + now + " THEN 1 ELSE 0 END), MIN(CASE WHEN " +
                      due + " >= " + now + " THEN " + due + " END) FROM orders o";
    if (conn.dialect() == storage::Dialect::kSqlite) {
        // Without statistics SQLite prefers orders_state_idx and then reads every open order's row.
        sql += " INDEXED BY orders_open_stats_idx";
    }
    sql += " WHERE o.state IN " + std::string(kOpenStates);
    if (sel.from_ts) {
        sql += " AND +o.created_at >= " + Bind(params, *sel.from_ts);
    }
    if (sel.to_ts) {
        sql += " AND +o.created_at < " + Bind(params, *sel.to_ts);
    }
    if (!sel.under_paths.empty()) {
        sql += " AND " + PathRanges("o.place_path", sel.under_paths, params);
    }
    if (!sel.handler_user_ids.empty()) {
        std::string in;
        for (int64_t id : sel.handler_user_ids) {
            in += (in.empty() ? "" : ", ") + Bind(params, id);
        }
        sql += " AND o.handler_user_id IN (" + in + ")";
    }
    sql += " GROUP BY " + group;
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    OverdueCounts out;
    for (const auto& r : rows) {
        const int64_t n = r.IsNull(1) ? 0 : r.Int(1);
        if (n > 0) {
            out.late.emplace_back(r.Int(0), n);
        }
        if (!r.IsNull(2)) {
            const int64_t next = r.Int(2);
            out.next_due = out.next_due ? std::min(*out.next_due, next) : next;
        }
    }
    return out;
}

namespace {

Result<std::map<int64_t, std::string>> NamesOf(Conn& conn, const std::string& select, const std::vector<int64_t>& ids) {
    std::map<int64_t, std::string> out;
    constexpr size_t kPerStatement = 500;
    for (size_t start = 0; start < ids.size(); start += kPerStatement) {
        std::vector<Param> params;
        std::string in;
        for (size_t i = start; i < std::min(ids.size(), start + kPerStatement); ++i) {
            in += (in.empty() ? "" : ", ") + Bind(params, ids[i]);
        }
        LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(select + " IN (" + in + ")", params));
        for (const auto& r : rows) {
            out[r.Int(0)] = r.Text(1);
        }
    }
    return out;
}

}  // namespace

Result<std::map<int64_t, std::string>> StatsRepository::NodeNames(Conn& conn, const std::vector<int64_t>& ids) const {
    return NamesOf(conn, "SELECT id, name FROM territory_nodes WHERE id", ids);
}

Result<std::map<int64_t, std::string>> StatsRepository::UserNames(Conn& conn, const std::vector<int64_t>& ids) const {
    return NamesOf(conn, "SELECT id, display_name FROM users WHERE id", ids);
}

Result<std::map<int64_t, std::string>> StatsRepository::UnitNames(Conn& conn, const std::vector<int64_t>& ids) const {
    return NamesOf(conn, "SELECT id, name FROM handling_units WHERE id", ids);
}

Result<std::optional<std::string>> StatsRepository::Meta(Conn& conn, const std::string& key) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT value FROM order_stats_meta WHERE key = $1", {key}));
    if (rows.empty()) {
        return std::optional<std::string>();
    }
    return std::optional<std::string>(rows[0].Text(0));
}

Result<void> StatsRepository::SetMeta(Conn& conn, const std::string& key, const std::string& value) const {
    LINLI_TRY(
        conn.Exec("INSERT INTO order_stats_meta (key, value) VALUES ($1, $2)"
                  " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                  {key, value}));
    return {};
}

Result<void> StatsRepository::DeleteAll(Conn& conn) const {
    LINLI_TRY(conn.Exec("DELETE FROM order_stats"));
    LINLI_TRY(conn.Exec("DELETE FROM order_stats_facts"));
    return {};
}

Result<std::vector<orders::Order>> StatsRepository::OrdersAfter(Conn& conn, int64_t after_id, int limit) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows, conn.Query("SELECT id, created_at, place_path, grid_id, community_id, category_id, handler_user_id,"
                              " handler_unit_id, accepted_at, resolved_at, state, due_resolve_at FROM orders"
                              " WHERE id > $1 ORDER BY id LIMIT $2",
                              {after_id, static_cast<int64_t>(limit)}));
    std::vector<orders::Order> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        orders::Order o;
        o.id = r.Int(0);
        o.created_at = r.Int(1);
        o.place_path = r.Text(2);
        o.grid_id = r.OptInt(3);
        o.community_id = r.OptInt(4);
        o.category_id = r.Int(5);
        o.handler.user_id = r.OptInt(6);
        o.handler.unit_id = r.OptInt(7);
        o.accepted_at = r.OptInt(8);
        o.resolved_at = r.OptInt(9);
        o.state = orders::Lookup(orders::kOrderStates, r.Text(10)).value_or(orders::OrderState::kSubmitted);
        o.due_resolve_at = r.Int(11);
        out.push_back(std::move(o));
    }
    return out;
}

Result<std::vector<std::pair<int64_t, RatingTotals>>> StatsRepository::AllRatings(Conn& conn) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT order_id, count(*), SUM(score),"
                                                 " SUM(CASE WHEN score >= 4 THEN 1 ELSE 0 END)"
                                                 " FROM order_ratings GROUP BY order_id"));
    std::vector<std::pair<int64_t, RatingTotals>> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        out.emplace_back(r.Int(0), RatingTotals{r.Int(1), r.Int(2), r.Int(3)});
    }
    return out;
}

Result<void> StatsRepository::InsertFacts(Conn& conn, const std::vector<std::pair<int64_t, std::string>>& facts) const {
    constexpr size_t kPerStatement = 200;
    for (size_t start = 0; start < facts.size(); start += kPerStatement) {
        const size_t end = std::min(facts.size(), start + kPerStatement);
        std::vector<Param> params;
        std::string sql = "INSERT INTO order_stats_facts (order_id, cur, applied, dirty) VALUES ";
        for (size_t i = start; i < end; ++i) {
            const std::string id = Bind(params, facts[i].first);
            const std::string cur = Bind(params, facts[i].second);
            sql += (i == start ? "(" : ", (") + id + ", " + cur + ", " + cur + ", FALSE)";
        }
        LINLI_TRY(conn.Exec(sql, params));
    }
    return {};
}

}  // namespace linli::analytics
