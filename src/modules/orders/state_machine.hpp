#pragma once
/// The work-order state machine (DOMAIN.md §3, issue 4): one table of every legal step, with who may
/// take it. The service asks it before every change; nothing else decides what may follow what.
///
///   submitted → accepted → dispatched → in_progress → resolved → replied → closed
///   returned  (the handler sends it back to the dispatcher; then dispatched again)
///   escalated (up the ladder grid → community → subdistrict; then dispatched, worked or resolved)
///   merged    (into another order, whose reply its reporters get; final)
///   rejected  (with a reason; still answered: rejected → replied → closed)
///   reopened  (after a resolution, a reply or a close; then dispatched or worked again)
///
/// Pure functions, no I/O: safe from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "modules/orders/model.hpp"

namespace linli::orders {

/// The parts a caller plays for one order; a caller may play several.
enum Party : uint8_t {
    kNoParty = 0,
    kDispatcher = 1,  // community staff or grid worker whose scope covers the place (admins too)
    kHandler = 2,     // the current handler, or a member of the current handling unit
    kLeader = 4,      // a subdistrict leader or community staff in scope (admins too): supervises
    kSystem = 8,      // the scheduler and other server-side processes
};
using Parties = uint8_t;

/// One legal step: `action` from `from` leads to `to`, for any of `parties`.
struct Transition {
    OrderAction action;
    OrderState from;
    OrderState to;
    Parties parties;
};

/// Every legal step. Supervise keeps the state (from == to).
const std::vector<Transition>& Transitions();

/// The step `action` from `from`, if the table has one.
std::optional<Transition> FindTransition(OrderAction action, OrderState from);

/// The actions the table allows from `state` for anyone, in table order without duplicates.
std::vector<OrderAction> AllowedActions(OrderState state);

/// The actions the table allows from `state` to a caller playing `parties`.
std::vector<OrderAction> AllowedActions(OrderState state, Parties parties);

/// True for the states in which the order still waits for someone's work (deadlines run).
bool IsOpen(OrderState state);

/// The 409 for an illegal step: message names the step and the state, `allowed` lists the
/// actions the table allows from the current state.
Error IllegalStep(OrderAction action, OrderState state);

/// Checks `action` from `state` for a caller playing `parties`: the state it leads to, 409 with the
/// allowed actions when the table has no such step, 403 when the step exists but not for the caller.
Result<OrderState> CheckStep(OrderAction action, OrderState state, Parties parties);

}  // namespace linli::orders
