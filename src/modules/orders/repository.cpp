#include "modules/orders/repository.hpp"

#include <array>
#include <atomic>
#include <string_view>
#include <utility>

#include "modules/registry/repository.hpp"

namespace linli::orders {

namespace {

using storage::Conn;
using storage::Param;
using storage::Row;

// ---- categories and units ----------------------------------------------------------------------

constexpr std::string_view kCategoryColumns =
    "id, code, name_zh, name_en, accept_hours, accept_kind, resolve_hours, resolve_kind, default_handler,"
    " default_unit_id, active, sort_order, created_at, updated_at";

Category CategoryFromRow(const Row& row) {
    Category c;
    c.id = row.Int(0);
    c.code = row.Text(1);
    c.name_zh = row.Text(2);
    c.name_en = row.Text(3);
    c.accept.hours = row.Int(4);
    c.accept.kind = Lookup(kDeadlineKinds, row.Text(5)).value_or(DeadlineKind::kWorkingHours);
    c.resolve.hours = row.Int(6);
    c.resolve.kind = Lookup(kDeadlineKinds, row.Text(7)).value_or(DeadlineKind::kWorkingHours);
    c.default_handler = Lookup(kDefaultHandlers, row.Text(8)).value_or(DefaultHandler::kGridWorker);
    c.default_unit_id = row.OptInt(9);
    c.active = row.Bool(10);
    c.sort_order = row.Int(11);
    c.created_at = row.Int(12);
    c.updated_at = row.Int(13);
    return c;
}

constexpr std::string_view kUnitColumns =
    "u.id, u.name, u.kind, u.contact, u.active, u.created_at, u.updated_at,"
    " (SELECT count(*) FROM handling_unit_members m WHERE m.unit_id = u.id)";

HandlingUnit UnitFromRow(const Row& row) {
    HandlingUnit u;
    u.id = row.Int(0);
    u.name = row.Text(1);
    u.kind = Lookup(kUnitKinds, row.Text(2)).value_or(UnitKind::kOther);
    u.contact = row.Text(3);
    u.active = row.Bool(4);
    u.created_at = row.Int(5);
    u.updated_at = row.Int(6);
    u.member_count = row.Int(7);
    return u;
}

// ---- orders ------------------------------------------------------------------------------------

constexpr std::string_view kOrderSelect =
    "SELECT o.id, o.tracking_code, o.kind, o.category_id, c.code, c.name_zh, c.name_en, o.title, o.description,"
    " o.place_id, o.place_path, o.place_name, o.community_id, o.grid_id, o.resident_id, o.reporter_name,"
    " o.reporter_phone_masked, o.channel, o.state, o.handler_user_id, o.handler_user_name, o.handler_unit_id,"
    " o.handler_unit_name, o.due_accept_at, o.due_resolve_at, o.accept_warned_at, o.resolve_warned_at, o.overdue_at,"
    " o.escalation_level, o.escalated_for_due, o.merged_into, o.reject_reason, o.accepted_at, o.dispatched_at,"
    " o.started_at, o.resolved_at, o.replied_at, o.closed_at, o.close_reason, o.reopen_count, o.address, o.lat,"
    " o.lon, o.source_ref, o.created_by, o.version, o.created_at, o.updated_at"
    " FROM orders o JOIN order_categories c ON c.id = o.category_id WHERE 1 = 1";

std::optional<double> OptReal(const Row& row, size_t i) {
    if (row.IsNull(i)) {
        return std::nullopt;
    }
    return row.Real(i);
}

Order OrderFromRow(const Row& row) {
    Order o;
    o.id = row.Int(0);
    o.tracking_code = row.Text(1);
    o.kind = Lookup(kOrderKinds, row.Text(2)).value_or(OrderKind::kRequest);
    o.category_id = row.Int(3);
    o.category_code = row.Text(4);
    o.category_name_zh = row.Text(5);
    o.category_name_en = row.Text(6);
    o.title = row.Text(7);
    o.description = row.Text(8);
    o.place_id = row.Int(9);
    o.place_path = row.Text(10);
    o.place_name = row.Text(11);
    o.community_id = row.OptInt(12);
    o.grid_id = row.OptInt(13);
    o.resident_id = row.OptInt(14);
    o.reporter_name = row.Text(15);
    o.reporter_phone_masked = row.OptText(16);
    o.channel = Lookup(kChannels, row.Text(17)).value_or(Channel::kWalkIn);
    o.state = Lookup(kOrderStates, row.Text(18)).value_or(OrderState::kSubmitted);
    o.handler.user_id = row.OptInt(19);
    o.handler.user_name = row.Text(20);
    o.handler.unit_id = row.OptInt(21);
    o.handler.unit_name = row.Text(22);
    o.due_accept_at = row.Int(23);
    o.due_resolve_at = row.Int(24);
    o.accept_warned_at = row.OptInt(25);
    o.resolve_warned_at = row.OptInt(26);
    o.overdue_at = row.OptInt(27);
    o.escalation_level = static_cast<int>(row.Int(28));
    o.escalated_for_due = row.OptInt(29);
    o.merged_into = row.OptInt(30);
    o.reject_reason = row.OptText(31);
    o.accepted_at = row.OptInt(32);
    o.dispatched_at = row.OptInt(33);
    o.started_at = row.OptInt(34);
    o.resolved_at = row.OptInt(35);
    o.replied_at = row.OptInt(36);
    o.closed_at = row.OptInt(37);
    o.close_reason = row.OptText(38);
    o.reopen_count = static_cast<int>(row.Int(39));
    o.address = row.Text(40);
    o.lat = OptReal(row, 41);
    o.lon = OptReal(row, 42);
    o.source_ref = row.OptText(43);
    o.created_by = row.OptInt(44);
    o.version = row.Int(45);
    o.created_at = row.Int(46);
    o.updated_at = row.Int(47);
    return o;
}

std::string Bind(std::vector<Param>& params, Param p) {
    params.push_back(std::move(p));
    return "$" + std::to_string(params.size());
}

/// The states whose resolve deadline runs (state_machine IsOpen minus submitted).
constexpr std::string_view kResolveClockStates =
    "('accepted', 'dispatched', 'in_progress', 'returned', 'escalated', 'reopened')";

Result<std::optional<Order>> First(Conn& conn, const std::string& sql, const std::vector<Param>& params) {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    if (rows.empty()) {
        return std::optional<Order>();
    }
    return std::optional<Order>(OrderFromRow(rows.front()));
}

OrderEvent EventFromRow(const Row& row) {
    OrderEvent e;
    e.id = row.Int(0);
    e.order_id = row.Int(1);
    e.at = row.Int(2);
    e.actor_user_id = row.OptInt(3);
    e.actor_name = row.Text(4);
    e.actor_role = row.Text(5);
    e.action = row.Text(6);
    e.from_state = row.OptText(7);
    e.to_state = row.Text(8);
    e.note = row.Text(9);
    e.is_public = row.Bool(10);
    e.note_public = row.Bool(11);
    e.detail = row.Text(12);
    return e;
}

/// One slot per order kind (kOrderKinds lists every kind, in enum order).
std::array<std::atomic<const OrderVisibilityPolicy*>, kOrderKinds.size()>& VisibilityPolicies() {
    static std::array<std::atomic<const OrderVisibilityPolicy*>, kOrderKinds.size()> policies{};
    return policies;
}

}  // namespace

void AppendOrderVisibility(const Actor& actor, std::string& sql, std::vector<Param>& params) {
    if (actor.global()) {
        return;
    }
    std::string any;
    // The territory is for the roles that work it. A partner unit, a volunteer, a resident or a
    // merchant may have a scope (the demo gives them one), yet sees only the orders sent to them or
    // to their unit: a scope alone must not open a community's orders to them (the access matrix).
    const bool works_territory = actor.Is(Role::kSubdistrictLeader) || actor.Is(Role::kCommunityStaff) ||
                                 actor.Is(Role::kGridWorker) || actor.Is(Role::kBuildingHead) ||
                                 actor.Is(Role::kLinkLeader);
    if (works_territory) {
        for (const auto& node : actor.scope) {
            any += any.empty() ? "" : " OR ";
            any += "(o.place_path >= " + Bind(params, node.path) + " AND o.place_path < " +
                   Bind(params, registry::SubtreeUpperBound(node.path)) + ")";
        }
    }
    if (actor.user_id > 0) {
        const std::string me = Bind(params, actor.user_id);
        any += any.empty() ? "" : " OR ";
        any += "o.handler_user_id = " + me +
               " OR o.handler_unit_id IN (SELECT m.unit_id FROM handling_unit_members m WHERE m.user_id = " + me + ")";
    }
    // Kinds with a visibility policy: what it grants beyond the rule above, and what it restricts.
    std::string restricted;
    for (const auto& slot : VisibilityPolicies()) {
        const auto* policy = slot.load(std::memory_order_acquire);
        if (policy == nullptr) {
            continue;
        }
        const auto rule = policy->RuleFor(actor, params);
        if (rule.grant.empty() && rule.restrict.empty()) {
            continue;
        }
        const std::string kind = Bind(params, KindName(policy->kind()));
        if (!rule.grant.empty()) {
            any += any.empty() ? "" : " OR ";
            any += "(o.kind = " + kind + " AND (" + rule.grant + "))";
        }
        if (!rule.restrict.empty()) {
            restricted += " AND (o.kind <> " + kind + " OR (" + rule.restrict + "))";
        }
    }
    if (any.empty()) {
        sql += " AND 1 = 0";
        return;
    }
    sql += " AND (" + any + ")" + restricted;
}

void RegisterOrderVisibilityPolicy(const OrderVisibilityPolicy& policy) {
    VisibilityPolicies().at(static_cast<size_t>(policy.kind())).store(&policy, std::memory_order_release);
}

const OrderVisibilityPolicy* FindOrderVisibilityPolicy(OrderKind kind) {
    return VisibilityPolicies().at(static_cast<size_t>(kind)).load(std::memory_order_acquire);
}

// ---- CatalogRepository -------------------------------------------------------------------------

Result<std::vector<Category>> CatalogRepository::ListCategories(Conn& conn, bool include_inactive) const {
    std::string sql = "SELECT " + std::string(kCategoryColumns) + " FROM order_categories";
    if (!include_inactive) {
        sql += " WHERE active = TRUE";
    }
    sql += " ORDER BY sort_order, id";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql));
    std::vector<Category> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(CategoryFromRow(row));
    }
    return out;
}

Result<std::optional<Category>> CatalogRepository::FindCategory(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("SELECT " + std::string(kCategoryColumns) + " FROM order_categories WHERE id = $1", {id}));
    if (rows.empty()) {
        return std::optional<Category>();
    }
    return std::optional<Category>(CategoryFromRow(rows.front()));
}

Result<int64_t> CatalogRepository::InsertCategory(Conn& conn, const NewCategory& c, int64_t now) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("INSERT INTO order_categories (code, name_zh, name_en, accept_hours, accept_kind, resolve_hours,"
                   " resolve_kind, default_handler, default_unit_id, sort_order, created_at, updated_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                   {c.code, c.name_zh, c.name_en, c.accept.hours, NameOf(kDeadlineKinds, c.accept.kind),
                    c.resolve.hours, NameOf(kDeadlineKinds, c.resolve.kind),
                    NameOf(kDefaultHandlers, c.default_handler), c.default_unit_id, c.sort_order, now}));
    return rows.at(0).Int(0);
}

Result<void> CatalogRepository::UpdateCategory(Conn& conn, const Category& c) const {
    LINLI_TRY(
        conn.Exec("UPDATE order_categories SET name_zh = $2, name_en = $3, accept_hours = $4, accept_kind = $5,"
                  " resolve_hours = $6, resolve_kind = $7, default_handler = $8, default_unit_id = $9,"
                  " active = " +
                      std::string(c.active ? "TRUE" : "FALSE") + ", sort_order = $10, updated_at = $11 WHERE id = $1",
                  {c.id, c.name_zh, c.name_en, c.accept.hours, NameOf(kDeadlineKinds, c.accept.kind), c.resolve.hours,
                   NameOf(kDeadlineKinds, c.resolve.kind), NameOf(kDefaultHandlers, c.default_handler),
                   c.default_unit_id, c.sort_order, c.updated_at}));
    return {};
}

Result<std::vector<HandlingUnit>> CatalogRepository::ListUnits(Conn& conn, bool include_inactive) const {
    std::string sql = "SELECT " + std::string(kUnitColumns) + " FROM handling_units u";
    if (!include_inactive) {
        sql += " WHERE u.active = TRUE";
    }
    sql += " ORDER BY u.name, u.id";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql));
    std::vector<HandlingUnit> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(UnitFromRow(row));
    }
    return out;
}

Result<std::optional<HandlingUnit>> CatalogRepository::FindUnit(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows, conn.Query("SELECT " + std::string(kUnitColumns) + " FROM handling_units u WHERE u.id = $1", {id}));
    if (rows.empty()) {
        return std::optional<HandlingUnit>();
    }
    return std::optional<HandlingUnit>(UnitFromRow(rows.front()));
}

Result<int64_t> CatalogRepository::InsertUnit(Conn& conn, const NewUnit& u, int64_t now) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("INSERT INTO handling_units (name, kind, contact, created_at, updated_at)"
                                      " VALUES ($1, $2, $3, $4, $4) RETURNING id",
                                      {u.name, NameOf(kUnitKinds, u.kind), u.contact, now}));
    return rows.at(0).Int(0);
}

Result<void> CatalogRepository::UpdateUnit(Conn& conn, const HandlingUnit& u) const {
    LINLI_TRY(conn.Exec("UPDATE handling_units SET name = $2, kind = $3, contact = $4, active = " +
                            std::string(u.active ? "TRUE" : "FALSE") + ", updated_at = $5 WHERE id = $1",
                        {u.id, u.name, NameOf(kUnitKinds, u.kind), u.contact, u.updated_at}));
    return {};
}

Result<int64_t> CatalogRepository::DeleteUnit(Conn& conn, int64_t id) const {
    LINLI_TRY(conn.Exec("DELETE FROM handling_unit_members WHERE unit_id = $1", {id}));
    return conn.Exec("DELETE FROM handling_units WHERE id = $1", {id});
}

Result<std::vector<UnitMember>> CatalogRepository::ListMembers(Conn& conn, int64_t unit_id) const {
    // users is the accounts module's table: read-only, for names beside the ids (as assignments do).
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT m.unit_id, m.user_id, u.username, u.display_name, m.created_at"
                                                 " FROM handling_unit_members m JOIN users u ON u.id = m.user_id"
                                                 " WHERE m.unit_id = $1 ORDER BY u.username",
                                                 {unit_id}));
    std::vector<UnitMember> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(UnitMember{row.Int(0), row.Int(1), row.Text(2), row.Text(3), row.Int(4)});
    }
    return out;
}

Result<bool> CatalogRepository::AddMember(Conn& conn, int64_t unit_id, int64_t user_id, int64_t now) const {
    LINLI_ASSIGN_OR_RETURN(auto n, conn.Exec("INSERT INTO handling_unit_members (unit_id, user_id, created_at)"
                                             " VALUES ($1, $2, $3) ON CONFLICT (unit_id, user_id) DO NOTHING",
                                             {unit_id, user_id, now}));
    return n > 0;
}

Result<bool> CatalogRepository::RemoveMember(Conn& conn, int64_t unit_id, int64_t user_id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto n, conn.Exec("DELETE FROM handling_unit_members WHERE unit_id = $1 AND user_id = $2", {unit_id, user_id}));
    return n > 0;
}

Result<bool> CatalogRepository::IsMember(Conn& conn, int64_t unit_id, int64_t user_id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("SELECT 1 FROM handling_unit_members WHERE unit_id = $1 AND user_id = $2", {unit_id, user_id}));
    return !rows.empty();
}

// ---- OrderRepository ---------------------------------------------------------------------------

Result<int64_t> OrderRepository::Insert(Conn& conn, const Order& o) const {
    std::vector<Param> p{o.tracking_code,
                         KindName(o.kind),
                         o.category_id,
                         o.title,
                         o.description,
                         o.place_id,
                         o.place_path,
                         o.place_name,
                         o.community_id,
                         o.grid_id,
                         o.resident_id,
                         o.reporter_name,
                         o.reporter_phone_masked,
                         ChannelName(o.channel),
                         StateName(o.state),
                         o.handler.user_id,
                         o.handler.user_name,
                         o.handler.unit_id,
                         o.handler.unit_name,
                         o.due_accept_at,
                         o.due_resolve_at,
                         o.accepted_at,
                         o.dispatched_at,
                         o.address,
                         o.lat,
                         o.lon,
                         o.source_ref,
                         o.created_by,
                         o.created_at};
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("INSERT INTO orders (tracking_code, kind, category_id, title, description, place_id, place_path,"
                   " place_name, community_id, grid_id, resident_id, reporter_name, reporter_phone_masked, channel,"
                   " state, handler_user_id, handler_user_name, handler_unit_id, handler_unit_name, due_accept_at,"
                   " due_resolve_at, accepted_at, dispatched_at, address, lat, lon, source_ref, created_by,"
                   " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
                   " $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $29) RETURNING id",
                   p));
    return rows.at(0).Int(0);
}

Result<std::optional<Order>> OrderRepository::FindById(Conn& conn, int64_t id) const {
    std::vector<Param> params{id};
    return First(conn, std::string(kOrderSelect) + " AND o.id = $1", params);
}

Result<std::optional<Order>> OrderRepository::FindVisible(Conn& conn, const Actor& actor, int64_t id) const {
    std::vector<Param> params{id};
    std::string sql = std::string(kOrderSelect) + " AND o.id = $1";
    AppendOrderVisibility(actor, sql, params);
    return First(conn, sql, params);
}

Result<std::optional<Order>> OrderRepository::FindByTrackingCode(Conn& conn, std::string_view code) const {
    std::vector<Param> params{std::string(code)};
    return First(conn, std::string(kOrderSelect) + " AND o.tracking_code = $1", params);
}

Result<std::vector<Order>> OrderRepository::List(Conn& conn, const Actor& actor, const OrderFilter& f,
                                                 std::optional<int64_t> before_id, int limit) const {
    std::string sql(kOrderSelect);
    std::vector<Param> params;
    if (f.state) {
        sql += " AND o.state = " + Bind(params, StateName(*f.state));
    }
    if (f.kind) {
        sql += " AND o.kind = " + Bind(params, KindName(*f.kind));
    }
    if (f.category_id) {
        sql += " AND o.category_id = " + Bind(params, *f.category_id);
    }
    if (f.under_path) {
        sql += " AND o.place_path >= " + Bind(params, *f.under_path);
        sql += " AND o.place_path < " + Bind(params, registry::SubtreeUpperBound(*f.under_path));
    }
    if (f.handler_user_id) {
        sql += " AND o.handler_user_id = " + Bind(params, *f.handler_user_id);
    }
    if (f.handler_unit_id) {
        sql += " AND o.handler_unit_id = " + Bind(params, *f.handler_unit_id);
    }
    if (f.overdue) {
        const std::string now = Bind(params, f.now);
        const std::string late = "((o.state = 'submitted' AND o.due_accept_at < " + now + ") OR (o.state IN " +
                                 std::string(kResolveClockStates) + " AND o.due_resolve_at < " + now + "))";
        sql += *f.overdue ? " AND " + late : " AND NOT " + late;
    }
    if (before_id) {
        sql += " AND o.id < " + Bind(params, *before_id);
    }
    AppendOrderVisibility(actor, sql, params);
    sql += " ORDER BY o.id DESC LIMIT " + Bind(params, static_cast<int64_t>(limit));
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    std::vector<Order> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(OrderFromRow(row));
    }
    return out;
}

Result<bool> OrderRepository::Update(Conn& conn, const Order& o) const {
    std::vector<Param> p{o.id,
                         o.version,
                         StateName(o.state),
                         o.handler.user_id,
                         o.handler.user_name,
                         o.handler.unit_id,
                         o.handler.unit_name,
                         o.due_accept_at,
                         o.due_resolve_at,
                         o.accept_warned_at,
                         o.resolve_warned_at,
                         o.overdue_at,
                         static_cast<int64_t>(o.escalation_level),
                         o.escalated_for_due,
                         o.merged_into,
                         o.reject_reason,
                         o.accepted_at,
                         o.dispatched_at,
                         o.started_at,
                         o.resolved_at,
                         o.replied_at,
                         o.closed_at,
                         o.close_reason,
                         static_cast<int64_t>(o.reopen_count),
                         o.category_id,
                         o.updated_at};
    LINLI_ASSIGN_OR_RETURN(
        auto n,
        conn.Exec("UPDATE orders SET state = $3, handler_user_id = $4, handler_user_name = $5,"
                  " handler_unit_id = $6, handler_unit_name = $7, due_accept_at = $8, due_resolve_at = $9,"
                  " accept_warned_at = $10, resolve_warned_at = $11, overdue_at = $12, escalation_level = $13,"
                  " escalated_for_due = $14, merged_into = $15, reject_reason = $16, accepted_at = $17,"
                  " dispatched_at = $18, started_at = $19, resolved_at = $20, replied_at = $21, closed_at = $22,"
                  " close_reason = $23, reopen_count = $24, category_id = $25, updated_at = $26,"
                  " version = version + 1 WHERE id = $1 AND version = $2",
                  p));
    return n == 1;
}

Result<int64_t> OrderRepository::InsertEvent(Conn& conn, const OrderEvent& e) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("INSERT INTO order_events (order_id, at, actor_user_id, actor_name, actor_role, action, from_state,"
                   " to_state, note, is_public, note_public, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, " +
                       std::string(e.is_public ? "TRUE" : "FALSE") + ", " + (e.note_public ? "TRUE" : "FALSE") +
                       ", $10) RETURNING id",
                   {e.order_id, e.at, e.actor_user_id, e.actor_name, e.actor_role, e.action, e.from_state, e.to_state,
                    e.note, e.detail}));
    return rows.at(0).Int(0);
}

Result<std::vector<OrderEvent>> OrderRepository::ListEvents(Conn& conn, int64_t order_id, bool public_only) const {
    std::string sql =
        "SELECT id, order_id, at, actor_user_id, actor_name, actor_role, action, from_state, to_state, note, is_public,"
        " note_public, detail FROM order_events WHERE order_id = $1";
    if (public_only) {
        sql += " AND is_public = TRUE";
    }
    sql += " ORDER BY id";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, {order_id}));
    std::vector<OrderEvent> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(EventFromRow(row));
    }
    return out;
}

Result<void> OrderRepository::InsertReporter(Conn& conn, const ReporterInsert& r) const {
    LINLI_TRY(
        conn.Exec("INSERT INTO order_reporters (order_id, source_order_id, tracking_code, resident_id, name,"
                  " phone_enc, phone_hash, phone_masked, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                  {r.order_id, r.source_order_id, r.tracking_code, r.resident_id, r.name, r.phone_enc, r.phone_hash,
                   r.phone_masked, r.created_at}));
    return {};
}

Result<std::vector<Reporter>> OrderRepository::ListReporters(Conn& conn, int64_t order_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("SELECT id, order_id, source_order_id, tracking_code, resident_id, name,"
                                      " phone_masked, created_at FROM order_reporters WHERE order_id = $1 ORDER BY id",
                                      {order_id}));
    std::vector<Reporter> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(Reporter{row.Int(0), row.Int(1), row.Int(2), row.Text(3), row.OptInt(4), row.Text(5),
                               row.OptText(6), row.Int(7)});
    }
    return out;
}

Result<void> OrderRepository::CopyReporters(Conn& conn, int64_t from_order, int64_t to_order, int64_t now) const {
    LINLI_TRY(
        conn.Exec("INSERT INTO order_reporters (order_id, source_order_id, tracking_code, resident_id, name,"
                  " phone_enc, phone_hash, phone_masked, created_at)"
                  " SELECT $2, source_order_id, tracking_code, resident_id, name, phone_enc, phone_hash,"
                  " phone_masked, $3 FROM order_reporters WHERE order_id = $1"
                  " ON CONFLICT (order_id, source_order_id) DO NOTHING",
                  {from_order, to_order, now}));
    return {};
}

Result<int64_t> OrderRepository::InsertReply(Conn& conn, const Reply& r) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("INSERT INTO order_replies (order_id, at, author_user_id, author_name,"
                                                 " text) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                                                 {r.order_id, r.at, r.author_user_id, r.author_name, r.text}));
    return rows.at(0).Int(0);
}

Result<std::vector<Reply>> OrderRepository::ListReplies(Conn& conn, int64_t order_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT id, order_id, at, author_user_id, author_name, text"
                                                 " FROM order_replies WHERE order_id = $1 ORDER BY id",
                                                 {order_id}));
    std::vector<Reply> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(Reply{row.Int(0), row.Int(1), row.Int(2), row.OptInt(3), row.Text(4), row.Text(5)});
    }
    return out;
}

}  // namespace linli::orders
