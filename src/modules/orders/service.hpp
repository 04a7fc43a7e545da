#pragma once
/// Work orders' rules (DOMAIN.md §3, ADR 0005): intake, the state machine (state_machine.hpp) with
/// who may take each step, automatic dispatch by place and category, deadlines from the category
/// and the working calendar, the timeline, replies, merges, supervision and escalation.
///
/// Visibility: an order is visible to a caller when its place lies under one of their scope nodes
/// (admins: everywhere), or when it is currently sent to them or to a handling unit they belong to.
/// An order not visible answers kNotFound exactly like a missing one, checked before any role or
/// state rule. Visible but the wrong party for a step: kForbidden. A step the state machine does
/// not allow from the current state: kConflict with Error::allowed listing the allowed actions.
///
/// Every step is one write transaction: the order row (compare-and-set on its version), its
/// timeline entry, any reply or reporter rows, and the listeners' rows (the notification outbox)
/// commit together or not at all.
///
/// Thread safety: every method may be called concurrently. AddListener and AddStepGuard only before
/// serving.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/field_crypto.hpp"
#include "core/paging.hpp"
#include "core/working_calendar.hpp"
#include "modules/accounts/service.hpp"
#include "modules/orders/catalog_service.hpp"
#include "modules/orders/model.hpp"
#include "modules/orders/repository.hpp"
#include "modules/orders/state_machine.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/service.hpp"
#include "storage/database.hpp"

namespace linli::orders {

/// Told of every timeline entry inside the transaction that writes it (the notification outbox,
/// later statistics). An error rolls the whole step back.
class OrderListener {
public:
    virtual ~OrderListener() = default;
    /// `order` is the order after the step; `event` has its id.
    virtual Result<void> OnEvent(storage::Conn& conn, const Order& order, const OrderEvent& event) = 0;
};

/// Asked before every step Act takes, inside the step's write transaction, once the state machine
/// and the caller's party allowed it: a module that keeps more about an order than orders does
/// (safety: a hazard closes only after a passed re-inspection) refuses a step by returning the error
/// the caller gets; nothing of the step is written. Guards read, they do not write. The scheduler's
/// own steps (warnings, overdue flags, automatic escalation, no-response closes) do not ask.
class OrderStepGuard {
public:
    virtual ~OrderStepGuard() = default;
    /// `order` is the order before the step.
    virtual Result<void> BeforeStep(storage::Conn& conn, const Actor& actor, const Order& order,
                                    OrderAction action) = 0;
};

class OrderService {
public:
    /// REQUIRES: `db` is migrated; every argument outlives the service.
    OrderService(storage::Database& db, const Clock& clock, const WorkingCalendar& calendar, const FieldCrypto& crypto,
                 CatalogService& catalog, registry::RegistryService& territory,
                 registry::AssignmentService& assignments, registry::ResidentService& residents,
                 accounts::AccountsService& accounts);

    /// The actor of server-side processes (the scheduler): global, user id 0, plays kSystem.
    static Actor SystemActor(std::string name = "system");

    /// REQUIRES: called before the service is shared between threads; `listener` outlives it.
    void AddListener(OrderListener* listener);
    /// REQUIRES: called before the service is shared between threads; `guard` outlives it.
    void AddStepGuard(OrderStepGuard* guard);

    /// Staff intake on a resident's behalf (walk-in, phone, door-knocking, service point, patrol,
    /// Party visit). Roles: admin, subdistrict_leader, community_staff, grid_worker, building_head,
    /// link_leader (else 403). The place (or the resident's household when no place is given) must
    /// be visible (404 place_id / resident_id). When the recorder is a dispatcher of the place and
    /// `auto_dispatch` holds, the order is accepted at once and dispatched to the category's unit,
    /// else to the active grid worker of the place's grid; with no such handler it stays accepted.
    /// Errors: 400 kind/category_id/title/description/channel/reporter_name/reporter_phone/address.
    Result<OrderDetail> Create(const Actor& actor, const NewOrder& input, const RequestInfo& info);

    /// Intake from a channel module that made its own checks (QR token, Open311 key, device HMAC):
    /// no caller, no scope; the order starts submitted. 400 place_id when the node does not exist.
    Result<Order> CreateFromChannel(const ChannelIntake& input, const RequestInfo& info);

    /// The order with its reporters (masked), replies and the caller's possible actions.
    Result<OrderDetail> Get(const Actor& actor, int64_t id);
    /// Visible orders matching `query`, newest first. 400 limit/cursor; 404 node_id when not visible.
    Result<Page<Order>> List(const Actor& actor, const OrderQuery& query);
    /// Every timeline entry, oldest first (internal ones included: the caller can see the order).
    Result<std::vector<OrderEvent>> Timeline(const Actor& actor, int64_t id);

    /// Takes one step (see state_machine.hpp). Inputs by action:
    ///  - dispatch: handler_user_id and/or handler_unit_id, or neither for the automatic handler
    ///    (400 handler_user_id when there is none);
    ///  - reply: note = the reply text (required, field "text");
    ///  - reject, return, escalate, reopen: note = the reason (required, field "reason");
    ///  - merge: into_order_id (required, field "into"; 404 when not visible, 409 when it cannot
    ///    take reports any more);
    ///  - supervise: note (required) and due_at, the new deadline (in the future);
    ///  - the others: an optional note.
    /// Returns the order after the step, as Get would.
    Result<OrderDetail> Act(const Actor& actor, int64_t id, OrderAction action, const ActionInput& input,
                            const RequestInfo& info);

    /// For the scheduler: escalates an open order one level because `due` passed, unless it was
    /// already escalated for that deadline, is no longer open, has another deadline now, or is at
    /// the top of the ladder. True when it acted. Recorded in the timeline as the system.
    Result<bool> EscalateOverdue(int64_t id, int64_t due, std::string_view reason);

    /// What the resident sees by tracking code (for /track): public events, public notes, replies
    /// (those of the order it was merged into, if merged). 404 for an unknown or malformed code.
    Result<PublicView> GetPublicView(std::string_view tracking_code);

    /// A fresh tracking code: kTrackingCodeChars characters from kTrackingAlphabet (~49 bits).
    static std::string NewTrackingCode();

private:
    struct Prepared;
    /// An intake's cleaned text, sealed phone and active category (every channel checks them alike).
    struct CleanedIntake {
        std::string title;
        std::string description;
        std::string reporter_name;
        std::string address;
        ReporterInsert reporter;
        std::optional<Category> category;  // always set on success
    };
    /// 400 naming title, description, reporter_name, address, reporter_phone or category_id.
    Result<CleanedIntake> CleanIntake(std::string_view title, std::string_view description,
                                      const std::optional<std::string>& reporter_name,
                                      const std::optional<std::string>& address,
                                      const std::optional<std::string>& reporter_phone, int64_t category_id) const;
    Result<Order> FindVisibleOr404(storage::Conn& conn, const Actor& actor, int64_t id, const char* field) const;
    Result<Parties> PartiesOf(storage::Conn& conn, const Actor& actor, const Order& order) const;
    Result<Handler> AutoHandler(const Category& category, std::optional<int64_t> grid_id);
    Result<Handler> ExplicitHandler(const ActionInput& input);
    Result<OrderDetail> LoadDetail(storage::Conn& conn, const Actor& actor, Order order) const;
    Result<void> AppendEvent(storage::Conn& conn, const Order& order, OrderEvent event) const;
    Result<Order> InsertNew(Order order, const ReporterInsert& reporter, std::vector<OrderEvent> events,
                            const std::optional<Actor>& actor, OrderDetail* detail);

    storage::Database& db_;
    const Clock& clock_;
    const WorkingCalendar& calendar_;
    const FieldCrypto& crypto_;
    CatalogService& catalog_;
    registry::RegistryService& territory_;
    registry::AssignmentService& assignments_;
    registry::ResidentService& residents_;
    accounts::AccountsService& accounts_;
    OrderRepository repo_;
    CatalogRepository units_;
    std::vector<OrderListener*> listeners_;
    std::vector<OrderStepGuard*> guards_;

public:
    // ---- added by the open311 module --------------------------------------------------------------

    /// For channel modules (Open311 tokens): the order with this tracking code, unscoped. 404 for an
    /// unknown or malformed code.
    Result<Order> FindByTrackingCode(std::string_view tracking_code);

    // ---- added by the devices module --------------------------------------------------------------

    /// For channel modules (a device's repeated alarm): appends a timeline entry `action` with `note`
    /// (internal, not on the tracking page) to an order that is still open (IsOpen), as the channel's
    /// system actor, with the listeners, in one write transaction; the order itself does not change.
    /// 404 when there is no such order; 409 when it is no longer open.
    Result<Order> RecordChannelEvent(int64_t id, Channel channel, std::string_view action, std::string_view note);

    // ---- added by the mediation module ------------------------------------------------------------

    /// For modules that keep more about an order than orders does (mediation): inside the caller's
    /// write transaction `conn`, appends an internal timeline entry `action` with `note` and `detail`
    /// (short JSON) as `actor`, with the listeners; never on the tracking page, and the order itself
    /// does not change. 404 when there is no such order. Returns the order.
    /// REQUIRES: the caller checked that `actor` may act on the order (or has just recorded it).
    Result<Order> AppendInternalEvent(storage::Conn& conn, const Actor& actor, int64_t id, std::string_view action,
                                      std::string_view note, std::string detail = {}) const;

    // ---- added by the deadline scheduler ----------------------------------------------------------

    /// For the deadline scheduler (scheduler.hpp), inside its own write transaction `conn`: writes
    /// `next` (compare-and-set on next.version) and appends `event` with the listeners, as the
    /// service's own steps do. False, with nothing written, when the order changed meanwhile.
    /// REQUIRES: `next` was read in this transaction and the step checked against the state machine.
    Result<bool> ApplyScheduledStep(storage::Conn& conn, Order next, OrderEvent event) const;
};

}  // namespace linli::orders
