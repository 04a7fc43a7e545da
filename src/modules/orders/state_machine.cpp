#include "modules/orders/state_machine.hpp"

#include <algorithm>
#include <string>

namespace linli::orders {

namespace {

using A = OrderAction;
using S = OrderState;

constexpr Parties kD = kDispatcher;
constexpr Parties kH = kHandler;
constexpr Parties kL = kLeader;
constexpr Parties kS = kSystem;

std::string PartyNames(Parties parties) {
    std::string out;
    auto add = [&out](const char* name) {
        if (!out.empty()) {
            out += " or ";
        }
        out += name;
    };
    if (parties & kDispatcher) {
        add("a dispatcher of the place (community staff or its grid worker)");
    }
    if (parties & kHandler) {
        add("the current handler");
    }
    if (parties & kLeader) {
        add("a leader in scope");
    }
    if (parties & kSystem) {
        add("the system");
    }
    return out;
}

}  // namespace

const std::vector<Transition>& Transitions() {
    // The one table. Order matters only for how `allowed` lists are presented.
    static const std::vector<Transition> table{
        // 受理: the dispatcher takes the matter on.
        {A::kAccept, S::kSubmitted, S::kAccepted, kD},
        // 派遣: to a grid worker, a department, the property company, a partner unit; again after a
        // return, an escalation or a reopening; and re-dispatch to someone else while dispatched.
        {A::kDispatch, S::kAccepted, S::kDispatched, kD | kL},
        {A::kDispatch, S::kDispatched, S::kDispatched, kD | kL},
        {A::kDispatch, S::kReturned, S::kDispatched, kD | kL},
        {A::kDispatch, S::kEscalated, S::kDispatched, kD | kL},
        {A::kDispatch, S::kReopened, S::kDispatched, kD | kL},
        // 处置: the handler starts work.
        {A::kStart, S::kDispatched, S::kInProgress, kH},
        {A::kStart, S::kEscalated, S::kInProgress, kH},
        {A::kStart, S::kReopened, S::kInProgress, kH},
        // 退回: sent to the wrong handler, back to the dispatcher.
        {A::kReturn, S::kDispatched, S::kReturned, kH},
        {A::kReturn, S::kInProgress, S::kReturned, kH},
        // 办结
        {A::kResolve, S::kInProgress, S::kResolved, kH},
        {A::kResolve, S::kEscalated, S::kResolved, kH},
        // 回复: the handler answers the reporter; a rejection is answered by the dispatcher.
        {A::kReply, S::kResolved, S::kReplied, kH},
        {A::kReply, S::kRejected, S::kReplied, kD},
        // No order closes without a reply: replied is the only way in.
        {A::kClose, S::kReplied, S::kClosed, kD | kS},
        // 上报 / 督办 escalation: by hand or by the scheduler, up to the subdistrict.
        {A::kEscalate, S::kSubmitted, S::kEscalated, kD | kL | kS},
        {A::kEscalate, S::kAccepted, S::kEscalated, kD | kL | kS},
        {A::kEscalate, S::kDispatched, S::kEscalated, kD | kH | kL | kS},
        {A::kEscalate, S::kInProgress, S::kEscalated, kD | kH | kL | kS},
        {A::kEscalate, S::kReturned, S::kEscalated, kD | kL | kS},
        {A::kEscalate, S::kEscalated, S::kEscalated, kD | kH | kL | kS},
        {A::kEscalate, S::kReopened, S::kEscalated, kD | kH | kL | kS},
        // 合并: a duplicate joins another order before anyone works on it.
        {A::kMerge, S::kSubmitted, S::kMerged, kD},
        {A::kMerge, S::kAccepted, S::kMerged, kD},
        {A::kMerge, S::kReturned, S::kMerged, kD},
        // 不予受理, with a reason; still answered.
        {A::kReject, S::kSubmitted, S::kRejected, kD},
        {A::kReject, S::kAccepted, S::kRejected, kD},
        {A::kReject, S::kReturned, S::kRejected, kD},
        // 重新打开: a poor result, a poor rating (the system, later), a leader's decision.
        {A::kReopen, S::kResolved, S::kReopened, kD | kL | kS},
        {A::kReopen, S::kReplied, S::kReopened, kD | kL | kS},
        {A::kReopen, S::kClosed, S::kReopened, kD | kL | kS},
        // 督办: a leader adds a note and a new deadline; the state stays.
        {A::kSupervise, S::kSubmitted, S::kSubmitted, kL},
        {A::kSupervise, S::kAccepted, S::kAccepted, kL},
        {A::kSupervise, S::kDispatched, S::kDispatched, kL},
        {A::kSupervise, S::kInProgress, S::kInProgress, kL},
        {A::kSupervise, S::kReturned, S::kReturned, kL},
        {A::kSupervise, S::kEscalated, S::kEscalated, kL},
        {A::kSupervise, S::kReopened, S::kReopened, kL},
    };
    return table;
}

std::optional<Transition> FindTransition(OrderAction action, OrderState from) {
    for (const auto& t : Transitions()) {
        if (t.action == action && t.from == from) {
            return t;
        }
    }
    return std::nullopt;
}

std::vector<OrderAction> AllowedActions(OrderState state) {
    std::vector<OrderAction> out;
    for (const auto& t : Transitions()) {
        if (t.from == state && std::find(out.begin(), out.end(), t.action) == out.end()) {
            out.push_back(t.action);
        }
    }
    return out;
}

std::vector<OrderAction> AllowedActions(OrderState state, Parties parties) {
    std::vector<OrderAction> out;
    for (const auto& t : Transitions()) {
        if (t.from == state && (t.parties & parties) != 0 && std::find(out.begin(), out.end(), t.action) == out.end()) {
            out.push_back(t.action);
        }
    }
    return out;
}

bool IsOpen(OrderState state) {
    switch (state) {
        case S::kSubmitted:
        case S::kAccepted:
        case S::kDispatched:
        case S::kInProgress:
        case S::kReturned:
        case S::kEscalated:
        case S::kReopened:
            return true;
        case S::kResolved:
        case S::kReplied:
        case S::kClosed:
        case S::kMerged:
        case S::kRejected:
            return false;
    }
    return false;
}

Error IllegalStep(OrderAction action, OrderState state) {
    Error e = Conflict(
        "cannot " + std::string(ActionName(action)) + " an order that is " + std::string(StateName(state)), "state");
    e.allowed.emplace();
    for (OrderAction a : AllowedActions(state)) {
        e.allowed->emplace_back(ActionName(a));
    }
    return e;
}

Result<OrderState> CheckStep(OrderAction action, OrderState state, Parties parties) {
    auto step = FindTransition(action, state);
    if (!step) {
        return IllegalStep(action, state);
    }
    if ((step->parties & parties) == 0) {
        return Forbidden("only " + PartyNames(step->parties) + " may " + std::string(ActionName(action)) +
                         " this order");
    }
    return step->to;
}

}  // namespace linli::orders
