#pragma once
/// The orders module's only SQL: categories, handling units and their members, orders, their
/// events, reporters and replies. PostgreSQL-style $n, for SQLite and PostgreSQL alike.
///
/// Every read a caller's request can reach takes the Actor and filters in the SQL (see
/// AppendOrderVisibility): an order outside the caller's scope, and not sent to them or their unit,
/// is never fetched. Sort orders are fixed; user text only travels as bound parameters.
///
/// Thread safety: stateless; each call uses only the connection it is given.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "core/error.hpp"
#include "modules/orders/model.hpp"
#include "storage/database.hpp"

namespace linli::orders {

/// Appends " AND (<the caller's scope ranges over o.place_path, for the roles that work the
/// territory> OR the order is sent to the caller or to a unit they belong to)"; nothing for a global
/// actor. Orders of a kind with a registered OrderVisibilityPolicy follow the policy instead (see below).
void AppendOrderVisibility(const Actor& actor, std::string& sql, std::vector<storage::Param>& params);

/// Who, besides global actors, may see the orders of one kind (disputes: only the people on them
/// and leaders, ADR 0009). Every read that filters by AppendOrderVisibility (get, list, timeline,
/// steps, attachments, similar orders) obeys it: an order of the kind is visible to a non-global
/// actor when (the usual rule OR `grant`) AND `restrict` hold.
class OrderVisibilityPolicy {
public:
    /// SQL conditions over the order row `o`, values bound by appending to the params ($n is
    /// params.size() after the push); an empty one adds nothing. `grant`: orders of kind() the actor
    /// may see beyond the usual rule (out of scope); `restrict`: a condition every order of kind()
    /// must also meet for this actor. Keep both indexable (ranges, =, IN (SELECT …)): `grant` is one
    /// more arm of the OR the planner serves from indexes.
    struct Rule {
        std::string grant;
        std::string restrict;
    };
    virtual ~OrderVisibilityPolicy() = default;
    /// The kind of orders it governs.
    virtual OrderKind kind() const = 0;
    /// The rule for `actor`. Called only for non-global actors.
    virtual Rule RuleFor(const Actor& actor, std::vector<storage::Param>& params) const = 0;
    /// Trims what the resident's tracking page (and Open311) shows of an order of kind().
    virtual void RedactPublicView(PublicView& view) const { (void)view; }
};

/// Registers `policy` for its kind, replacing an earlier one, for the whole process: the rule must
/// reach every repository that reads orders, and policies keep no state. REQUIRES: called before
/// serving; `policy` has static storage duration. Thread safety: safe beside concurrent readers.
void RegisterOrderVisibilityPolicy(const OrderVisibilityPolicy& policy);
/// The policy registered for `kind`, or nullptr.
const OrderVisibilityPolicy* FindOrderVisibilityPolicy(OrderKind kind);

/// The repository's list filter: OrderQuery with the node resolved to its path.
struct OrderFilter {
    std::optional<OrderState> state;
    std::optional<OrderKind> kind;
    std::optional<int64_t> category_id;
    std::optional<std::string> under_path;
    std::optional<int64_t> handler_user_id;
    std::optional<int64_t> handler_unit_id;
    std::optional<bool> overdue;
    int64_t now = 0;  // for overdue
};

/// Sealed reporter contact for an insert.
struct ReporterInsert {
    int64_t order_id = 0;
    int64_t source_order_id = 0;
    std::string tracking_code;
    std::optional<int64_t> resident_id;
    std::string name;
    std::optional<std::string> phone_enc;
    std::optional<std::string> phone_hash;
    std::optional<std::string> phone_masked;
    int64_t created_at = 0;
};

class CatalogRepository {
public:
    Result<std::vector<Category>> ListCategories(storage::Conn& conn, bool include_inactive) const;
    Result<std::optional<Category>> FindCategory(storage::Conn& conn, int64_t id) const;
    Result<int64_t> InsertCategory(storage::Conn& conn, const NewCategory& c, int64_t now) const;
    /// Writes every mutable column of `c`.
    Result<void> UpdateCategory(storage::Conn& conn, const Category& c) const;

    Result<std::vector<HandlingUnit>> ListUnits(storage::Conn& conn, bool include_inactive) const;
    Result<std::optional<HandlingUnit>> FindUnit(storage::Conn& conn, int64_t id) const;
    Result<int64_t> InsertUnit(storage::Conn& conn, const NewUnit& u, int64_t now) const;
    Result<void> UpdateUnit(storage::Conn& conn, const HandlingUnit& u) const;
    Result<int64_t> DeleteUnit(storage::Conn& conn, int64_t id) const;

    Result<std::vector<UnitMember>> ListMembers(storage::Conn& conn, int64_t unit_id) const;
    /// False when the user already was a member.
    Result<bool> AddMember(storage::Conn& conn, int64_t unit_id, int64_t user_id, int64_t now) const;
    /// False when the user was not a member.
    Result<bool> RemoveMember(storage::Conn& conn, int64_t unit_id, int64_t user_id) const;
    Result<bool> IsMember(storage::Conn& conn, int64_t unit_id, int64_t user_id) const;
};

class OrderRepository {
public:
    /// Inserts `o` (id, version ignored) and returns the new id.
    Result<int64_t> Insert(storage::Conn& conn, const Order& o) const;
    /// Unscoped, for the service's own bookkeeping after its checks.
    Result<std::optional<Order>> FindById(storage::Conn& conn, int64_t id) const;
    Result<std::optional<Order>> FindVisible(storage::Conn& conn, const Actor& actor, int64_t id) const;
    Result<std::optional<Order>> FindByTrackingCode(storage::Conn& conn, std::string_view code) const;
    /// Up to `limit` visible orders matching `filter`, newest first, with ids below `before_id`.
    Result<std::vector<Order>> List(storage::Conn& conn, const Actor& actor, const OrderFilter& filter,
                                    std::optional<int64_t> before_id, int limit) const;
    /// Writes the mutable columns of `o` and bumps the version, only if the stored version is still
    /// `o.version`; false when another change came first.
    Result<bool> Update(storage::Conn& conn, const Order& o) const;

    Result<int64_t> InsertEvent(storage::Conn& conn, const OrderEvent& e) const;
    Result<std::vector<OrderEvent>> ListEvents(storage::Conn& conn, int64_t order_id, bool public_only) const;

    Result<void> InsertReporter(storage::Conn& conn, const ReporterInsert& r) const;
    Result<std::vector<Reporter>> ListReporters(storage::Conn& conn, int64_t order_id) const;
    /// Copies every reporter of `from_order` to `to_order` (skipping those already there).
    Result<void> CopyReporters(storage::Conn& conn, int64_t from_order, int64_t to_order, int64_t now) const;

    Result<int64_t> InsertReply(storage::Conn& conn, const Reply& r) const;
    Result<std::vector<Reply>> ListReplies(storage::Conn& conn, int64_t order_id) const;
};

}  // namespace linli::orders
