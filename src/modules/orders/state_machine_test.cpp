// The state machine alone: the happy path, every illegal (action, state) pair answering 409 with the
// allowed list, and the party rules (403 for the wrong caller).

#include "modules/orders/state_machine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace linli::orders {
namespace {

constexpr Parties kEveryone = kDispatcher | kHandler | kLeader | kSystem;

TEST(StateMachine, TheMainPathLeadsFromSubmittedToClosed) {
    OrderState s = OrderState::kSubmitted;
    const std::pair<OrderAction, OrderState> path[] = {
        {OrderAction::kAccept, OrderState::kAccepted},  {OrderAction::kDispatch, OrderState::kDispatched},
        {OrderAction::kStart, OrderState::kInProgress}, {OrderAction::kResolve, OrderState::kResolved},
        {OrderAction::kReply, OrderState::kReplied},    {OrderAction::kClose, OrderState::kClosed},
    };
    for (const auto& [action, expected] : path) {
        auto next = CheckStep(action, s, kEveryone);
        ASSERT_TRUE(next) << ActionName(action) << " from " << StateName(s) << ": " << next.error().message;
        EXPECT_EQ(*next, expected);
        s = *next;
    }
}

TEST(StateMachine, SideStatesLeadBackIntoThePath) {
    EXPECT_EQ(*CheckStep(OrderAction::kReturn, OrderState::kDispatched, kHandler), OrderState::kReturned);
    EXPECT_EQ(*CheckStep(OrderAction::kDispatch, OrderState::kReturned, kDispatcher), OrderState::kDispatched);
    EXPECT_EQ(*CheckStep(OrderAction::kEscalate, OrderState::kInProgress, kSystem), OrderState::kEscalated);
    EXPECT_EQ(*CheckStep(OrderAction::kResolve, OrderState::kEscalated, kHandler), OrderState::kResolved);
    EXPECT_EQ(*CheckStep(OrderAction::kReject, OrderState::kSubmitted, kDispatcher), OrderState::kRejected);
    // A rejection is still answered, and only then closed.
    EXPECT_EQ(*CheckStep(OrderAction::kReply, OrderState::kRejected, kDispatcher), OrderState::kReplied);
    EXPECT_EQ(*CheckStep(OrderAction::kMerge, OrderState::kAccepted, kDispatcher), OrderState::kMerged);
    EXPECT_EQ(*CheckStep(OrderAction::kReopen, OrderState::kClosed, kLeader), OrderState::kReopened);
    EXPECT_EQ(*CheckStep(OrderAction::kDispatch, OrderState::kReopened, kDispatcher), OrderState::kDispatched);
    EXPECT_EQ(*CheckStep(OrderAction::kSupervise, OrderState::kInProgress, kLeader), OrderState::kInProgress);
}

// The issue asks for a test of every illegal transition: every (action, state) pair the table does
// not hold answers 409, names the state, and lists exactly the actions allowed from that state.
TEST(StateMachine, EveryIllegalStepIsAConflictListingTheAllowedActions) {
    int illegal = 0;
    for (const auto& [state, state_name] : kOrderStates) {
        std::set<std::string> allowed;
        for (const auto& t : Transitions()) {
            if (t.from == state) {
                allowed.insert(std::string(ActionName(t.action)));
            }
        }
        for (const auto& [action, action_name] : kOrderActions) {
            auto step = CheckStep(action, state, kEveryone);
            if (allowed.count(std::string(action_name))) {
                EXPECT_TRUE(step) << action_name << " from " << state_name;
                continue;
            }
            ++illegal;
            ASSERT_FALSE(step) << action_name << " from " << state_name << " should be illegal";
            const Error error = step.error();  // error() answers a copy
            EXPECT_EQ(error.code, ErrorCode::kConflict) << action_name << " from " << state_name;
            EXPECT_NE(error.message.find(std::string(state_name)), std::string::npos) << error.message;
            ASSERT_TRUE(error.allowed.has_value()) << action_name << " from " << state_name;
            std::set<std::string> listed(error.allowed->begin(), error.allowed->end());
            EXPECT_EQ(listed, allowed) << action_name << " from " << state_name;
        }
    }
    EXPECT_GT(illegal, 80);  // 12 states × 12 actions, most of them illegal
}

TEST(StateMachine, NoOrderClosesWithoutAReply) {
    for (const auto& [state, name] : kOrderStates) {
        auto step = CheckStep(OrderAction::kClose, state, kEveryone);
        EXPECT_EQ(step.has_value(), state == OrderState::kReplied) << name;
    }
}

TEST(StateMachine, MergedIsFinalAndListsNothing) {
    EXPECT_TRUE(AllowedActions(OrderState::kMerged).empty());
    auto step = CheckStep(OrderAction::kReopen, OrderState::kMerged, kEveryone);
    ASSERT_FALSE(step);
    ASSERT_TRUE(step.error().allowed.has_value());
    EXPECT_TRUE(step.error().allowed->empty());
}

TEST(StateMachine, TheWrongPartyIsForbidden) {
    // Only the handler replies to a resolved order; a dispatcher or leader may not.
    auto reply = CheckStep(OrderAction::kReply, OrderState::kResolved, kDispatcher | kLeader);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, ErrorCode::kForbidden);
    EXPECT_EQ(CheckStep(OrderAction::kStart, OrderState::kDispatched, kDispatcher).error().code, ErrorCode::kForbidden);
    EXPECT_EQ(CheckStep(OrderAction::kAccept, OrderState::kSubmitted, kHandler).error().code, ErrorCode::kForbidden);
    EXPECT_EQ(CheckStep(OrderAction::kSupervise, OrderState::kDispatched, kDispatcher | kHandler).error().code,
              ErrorCode::kForbidden);
    // Nobody at all: forbidden where the step exists, conflict where it does not.
    EXPECT_EQ(CheckStep(OrderAction::kAccept, OrderState::kSubmitted, kNoParty).error().code, ErrorCode::kForbidden);
    EXPECT_EQ(CheckStep(OrderAction::kAccept, OrderState::kClosed, kNoParty).error().code, ErrorCode::kConflict);
}

TEST(StateMachine, AllowedActionsForAPartyAreASubsetOfTheState) {
    for (const auto& [state, name] : kOrderStates) {
        auto all = AllowedActions(state);
        for (Parties p : {kDispatcher, kHandler, kLeader, kSystem}) {
            for (auto a : AllowedActions(state, p)) {
                EXPECT_NE(std::find(all.begin(), all.end(), a), all.end()) << name;
            }
        }
    }
    auto handler = AllowedActions(OrderState::kDispatched, kHandler);
    EXPECT_NE(std::find(handler.begin(), handler.end(), OrderAction::kStart), handler.end());
    EXPECT_NE(std::find(handler.begin(), handler.end(), OrderAction::kReturn), handler.end());
    EXPECT_EQ(std::find(handler.begin(), handler.end(), OrderAction::kDispatch), handler.end());
}

TEST(StateMachine, OpenStatesAreThoseWaitingForWork) {
    EXPECT_TRUE(IsOpen(OrderState::kSubmitted));
    EXPECT_TRUE(IsOpen(OrderState::kInProgress));
    EXPECT_TRUE(IsOpen(OrderState::kReopened));
    EXPECT_FALSE(IsOpen(OrderState::kResolved));
    EXPECT_FALSE(IsOpen(OrderState::kClosed));
    EXPECT_FALSE(IsOpen(OrderState::kMerged));
}

}  // namespace
}  // namespace linli::orders
