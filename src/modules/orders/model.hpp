#pragma once
/// Work orders (工单, DOMAIN.md §3) as plain data: kinds, channels, states, categories with their
/// deadlines, handling units, the order itself, its timeline, reporters and replies, and the shapes
/// of queries and inputs. The rules live in state_machine.* and OrderService.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/name_table.hpp"
#include "core/paging.hpp"
#include "core/working_calendar.hpp"

namespace linli::orders {

// The enums below are stored and sent by name (core/name_table.hpp).
using linli::Lookup;
using linli::NameList;
using linli::NameOf;
using linli::NameTable;

/// What the matter is. Hazards and disputes get their own loops in a later issue; here they are
/// orders like the others.
enum class OrderKind { kRequest, kComplaint, kSuggestion, kHazard, kDispute, kService };
inline constexpr NameTable<OrderKind, 6> kOrderKinds{{
    {OrderKind::kRequest, "request"},
    {OrderKind::kComplaint, "complaint"},
    {OrderKind::kSuggestion, "suggestion"},
    {OrderKind::kHazard, "hazard"},
    {OrderKind::kDispute, "dispute"},
    {OrderKind::kService, "service"},
}};

/// Where the order came from. The first six are staff recording on a resident's behalf.
enum class Channel {
    kWalkIn,
    kPhone,
    kDoorKnocking,
    kServicePoint,  // a building head's service point
    kPatrol,
    kPartyVisit,  // a Party representative's visit
    kQrCode,
    kWeb,
    kDevice,
    kOpen311,
    kMerchant,
};
inline constexpr NameTable<Channel, 11> kChannels{{
    {Channel::kWalkIn, "walk_in"},
    {Channel::kPhone, "phone"},
    {Channel::kDoorKnocking, "door_knocking"},
    {Channel::kServicePoint, "service_point"},
    {Channel::kPatrol, "patrol"},
    {Channel::kPartyVisit, "party_visit"},
    {Channel::kQrCode, "qr_code"},
    {Channel::kWeb, "web"},
    {Channel::kDevice, "device"},
    {Channel::kOpen311, "open311"},
    {Channel::kMerchant, "merchant"},
}};

/// True for the channels staff use when they record an order on someone's behalf.
constexpr bool IsStaffChannel(Channel c) {
    return c == Channel::kWalkIn || c == Channel::kPhone || c == Channel::kDoorKnocking ||
           c == Channel::kServicePoint || c == Channel::kPatrol || c == Channel::kPartyVisit;
}

/// The life of an order; see state_machine.hpp for the steps between them.
enum class OrderState {
    kSubmitted,
    kAccepted,
    kDispatched,
    kInProgress,
    kResolved,
    kReplied,
    kClosed,
    kReturned,
    kEscalated,
    kMerged,
    kRejected,
    kReopened,
};
inline constexpr NameTable<OrderState, 12> kOrderStates{{
    {OrderState::kSubmitted, "submitted"},
    {OrderState::kAccepted, "accepted"},
    {OrderState::kDispatched, "dispatched"},
    {OrderState::kInProgress, "in_progress"},
    {OrderState::kResolved, "resolved"},
    {OrderState::kReplied, "replied"},
    {OrderState::kClosed, "closed"},
    {OrderState::kReturned, "returned"},
    {OrderState::kEscalated, "escalated"},
    {OrderState::kMerged, "merged"},
    {OrderState::kRejected, "rejected"},
    {OrderState::kReopened, "reopened"},
}};

/// The steps a caller (or the scheduler) takes; each is one POST /api/v1/orders/{id}/<name>.
enum class OrderAction {
    kAccept,
    kDispatch,
    kStart,
    kResolve,
    kReply,
    kClose,
    kReturn,
    kEscalate,
    kMerge,
    kReject,
    kReopen,
    kSupervise,
};
inline constexpr NameTable<OrderAction, 12> kOrderActions{{
    {OrderAction::kAccept, "accept"},
    {OrderAction::kDispatch, "dispatch"},
    {OrderAction::kStart, "start"},
    {OrderAction::kResolve, "resolve"},
    {OrderAction::kReply, "reply"},
    {OrderAction::kClose, "close"},
    {OrderAction::kReturn, "return"},
    {OrderAction::kEscalate, "escalate"},
    {OrderAction::kMerge, "merge"},
    {OrderAction::kReject, "reject"},
    {OrderAction::kReopen, "reopen"},
    {OrderAction::kSupervise, "supervise"},
}};

inline std::string_view StateName(OrderState s) {
    return NameOf(kOrderStates, s);
}
inline std::string_view ActionName(OrderAction a) {
    return NameOf(kOrderActions, a);
}
inline std::string_view KindName(OrderKind k) {
    return NameOf(kOrderKinds, k);
}
inline std::string_view ChannelName(Channel c) {
    return NameOf(kChannels, c);
}

inline constexpr NameTable<DeadlineKind, 3> kDeadlineKinds{{
    {DeadlineKind::kWorkingHours, "working_hours"},
    {DeadlineKind::kCalendarHours, "calendar_hours"},
    {DeadlineKind::kSameDay, "same_day"},
}};

/// Who gets an order of a category when it is dispatched automatically.
enum class DefaultHandler { kGridWorker, kUnit };
inline constexpr NameTable<DefaultHandler, 2> kDefaultHandlers{{
    {DefaultHandler::kGridWorker, "grid_worker"},
    {DefaultHandler::kUnit, "unit"},
}};

/// How long something may take: `hours` counted as `kind` (same_day ignores hours).
struct Deadline {
    int64_t hours = 0;
    DeadlineKind kind = DeadlineKind::kWorkingHours;
};

/// A category of orders (data, seeded by migration 0005).
struct Category {
    int64_t id = 0;
    std::string code;  // stable, ASCII: "repairs"
    std::string name_zh;
    std::string name_en;
    Deadline accept;
    Deadline resolve;
    DefaultHandler default_handler = DefaultHandler::kGridWorker;
    /// With kUnit: the unit; none (or inactive) falls back to the place's grid worker.
    std::optional<int64_t> default_unit_id;
    bool active = true;
    int64_t sort_order = 0;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

struct NewCategory {
    std::string code;
    std::string name_zh;
    std::string name_en;
    Deadline accept;
    Deadline resolve;
    DefaultHandler default_handler = DefaultHandler::kGridWorker;
    std::optional<int64_t> default_unit_id;
    int64_t sort_order = 0;
};

/// Absent members stay as they are.
struct CategoryPatch {
    std::optional<std::string> name_zh;
    std::optional<std::string> name_en;
    std::optional<Deadline> accept;
    std::optional<Deadline> resolve;
    std::optional<DefaultHandler> default_handler;
    std::optional<std::optional<int64_t>> default_unit_id;  // present and nullopt: clear
    std::optional<bool> active;
    std::optional<int64_t> sort_order;
};

enum class UnitKind { kDepartment, kPropertyCompany, kPartnerUnit, kOther };
inline constexpr NameTable<UnitKind, 4> kUnitKinds{{
    {UnitKind::kDepartment, "department"},
    {UnitKind::kPropertyCompany, "property_company"},
    {UnitKind::kPartnerUnit, "partner_unit"},
    {UnitKind::kOther, "other"},
}};

/// A handling unit outside the grid: a department, the property company, a partner unit. Its
/// member accounts see only the orders currently sent to the unit.
struct HandlingUnit {
    int64_t id = 0;
    std::string name;
    UnitKind kind = UnitKind::kDepartment;
    std::string contact;  // a switchboard or office line, not a person's phone
    bool active = true;
    int64_t member_count = 0;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

struct NewUnit {
    std::string name;
    UnitKind kind = UnitKind::kDepartment;
    std::string contact;
};

struct UnitPatch {
    std::optional<std::string> name;
    std::optional<UnitKind> kind;
    std::optional<std::string> contact;
    std::optional<bool> active;
};

struct UnitMember {
    int64_t unit_id = 0;
    int64_t user_id = 0;
    std::string username;
    std::string display_name;
    int64_t created_at = 0;
};

/// Who holds an order now: a person, a unit, or both (a unit and the member working on it).
struct Handler {
    std::optional<int64_t> user_id;
    std::string user_name;  // display name at dispatch time
    std::optional<int64_t> unit_id;
    std::string unit_name;
    bool empty() const { return !user_id && !unit_id; }
};

/// Escalation ladder: the level an order has climbed to.
inline constexpr int kLevelGrid = 0;
inline constexpr int kLevelCommunity = 1;
inline constexpr int kLevelSubdistrict = 2;
inline constexpr std::array<std::string_view, 3> kLevelNames{"grid", "community", "subdistrict"};

/// One work order as lists show it. Personal data only masked.
struct Order {
    int64_t id = 0;
    std::string tracking_code;
    OrderKind kind = OrderKind::kRequest;
    int64_t category_id = 0;
    std::string category_code;
    std::string category_name_zh;
    std::string category_name_en;
    std::string title;
    std::string description;
    int64_t place_id = 0;
    std::string place_path;
    std::string place_name;
    std::optional<int64_t> community_id;
    std::optional<int64_t> grid_id;
    std::optional<int64_t> resident_id;
    std::string reporter_name;
    std::optional<std::string> reporter_phone_masked;
    Channel channel = Channel::kWalkIn;
    OrderState state = OrderState::kSubmitted;
    Handler handler;
    int64_t due_accept_at = 0;
    int64_t due_resolve_at = 0;
    std::optional<int64_t> accept_warned_at;   // set by the scheduler at 80% of the time
    std::optional<int64_t> resolve_warned_at;  // set by the scheduler at 80% of the time
    std::optional<int64_t> overdue_at;         // set by the scheduler when a deadline passed
    int escalation_level = kLevelGrid;
    std::optional<int64_t> escalated_for_due;  // the deadline the last automatic escalation acted on
    std::optional<int64_t> merged_into;
    std::optional<std::string> reject_reason;
    std::optional<int64_t> accepted_at;
    std::optional<int64_t> dispatched_at;
    std::optional<int64_t> started_at;
    std::optional<int64_t> resolved_at;
    std::optional<int64_t> replied_at;
    std::optional<int64_t> closed_at;
    std::optional<std::string> close_reason;  // "replied", later "rated", "no_response"
    int reopen_count = 0;
    std::string address;  // free text (Open311 address_string)
    std::optional<double> lat;
    std::optional<double> lon;
    std::optional<std::string> source_ref;  // device id, Open311 token, QR token id
    std::optional<int64_t> created_by;      // none for public channels
    int64_t version = 0;                    // bumped by every change (optimistic concurrency)
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

/// One line of an order's timeline.
struct OrderEvent {
    int64_t id = 0;
    int64_t order_id = 0;
    int64_t at = 0;
    std::optional<int64_t> actor_user_id;  // none for the system and for the public
    std::string actor_name;
    std::string actor_role;  // a role name, "system" or "public"
    std::string action;      // "submit", an OrderAction name, or what another module records
    std::optional<std::string> from_state;
    std::string to_state;
    std::string note;
    bool is_public = true;     // shown on the resident's tracking page
    bool note_public = false;  // the note too (replies, reasons given to the resident)
    std::string detail;        // short JSON: handler, deadline, merged ids
};

/// Someone who reported the matter: the order's own reporter and, after merges, those of the
/// orders merged into it. They all get its reply.
struct Reporter {
    int64_t id = 0;
    int64_t order_id = 0;
    int64_t source_order_id = 0;  // the order they reported
    std::string tracking_code;    // of that order
    std::optional<int64_t> resident_id;
    std::string name;
    std::optional<std::string> phone_masked;
    int64_t created_at = 0;
};

/// The answer to the reporter(s).
struct Reply {
    int64_t id = 0;
    int64_t order_id = 0;
    int64_t at = 0;
    std::optional<int64_t> author_user_id;
    std::string author_name;
    std::string text;
};

/// An order with what a detail page shows, and the steps the caller may take now.
struct OrderDetail {
    Order order;
    std::vector<Reporter> reporters;
    std::vector<Reply> replies;
    std::vector<OrderAction> actions;  // what this caller may do in the current state
};

/// What the resident sees by tracking code: no internal notes, no other person's data.
struct PublicView {
    std::string tracking_code;
    OrderKind kind = OrderKind::kRequest;
    std::string category_name_zh;
    std::string category_name_en;
    std::string title;
    OrderState state = OrderState::kSubmitted;
    std::optional<std::string> merged_into_code;  // the order that answers for this one
    int64_t created_at = 0;
    std::vector<OrderEvent> events;  // public events; notes only where note_public
    std::vector<Reply> replies;      // of this order, or of the one it was merged into
};

/// Staff intake on a resident's behalf (POST /api/v1/orders).
struct NewOrder {
    OrderKind kind = OrderKind::kRequest;
    int64_t category_id = 0;
    std::string title;
    std::string description;
    std::optional<int64_t> place_id;     // a community, grid, building, unit or household
    std::optional<int64_t> resident_id;  // the resident it is for; their household is the default place
    std::optional<std::string> reporter_name;
    std::optional<std::string> reporter_phone;
    Channel channel = Channel::kWalkIn;
    std::optional<std::string> address;
    /// Accept and dispatch at once to the automatic handler when the recorder is a dispatcher.
    bool auto_dispatch = true;
};

/// Intake through a channel module that has done its own checks (QR token, Open311 api key,
/// device HMAC): no caller scope applies. The place must exist.
struct ChannelIntake {
    OrderKind kind = OrderKind::kRequest;
    int64_t category_id = 0;
    std::string title;
    std::string description;
    int64_t place_id = 0;
    std::optional<std::string> reporter_name;
    std::optional<std::string> reporter_phone;
    Channel channel = Channel::kQrCode;
    std::optional<std::string> address;
    std::optional<double> lat;
    std::optional<double> lon;
    std::optional<std::string> source_ref;
    /// A signed-in resident reporting for themselves (public_*: they may then rate it as its reporter).
    std::optional<int64_t> created_by;
};

/// The inputs of one step; each route reads only the fields its step takes.
struct ActionInput {
    std::string note;
    bool note_public = false;
    std::optional<int64_t> handler_user_id;  // dispatch
    std::optional<int64_t> handler_unit_id;  // dispatch
    std::optional<int64_t> into_order_id;    // merge
    std::optional<int64_t> due_at;           // supervise: the new resolve deadline
};

/// List filters; the scope filter is always added on top. Newest first, keyset paged by id.
struct OrderQuery {
    std::optional<OrderState> state;
    std::optional<OrderKind> kind;
    std::optional<int64_t> category_id;
    std::optional<int64_t> node_id;  // the place lies under this node (404 when not visible)
    std::optional<int64_t> handler_user_id;
    std::optional<int64_t> handler_unit_id;
    std::optional<bool> overdue;  // past the deadline that applies to its state
    std::optional<std::string> cursor;
    int limit = kDefaultPageSize;
};

/// Text limits, in code points after trimming.
constexpr size_t kMaxTitleChars = 100;
constexpr size_t kMaxDescriptionChars = 4000;
constexpr size_t kMaxNoteChars = 2000;
constexpr size_t kMaxReplyChars = 4000;
constexpr size_t kMaxReporterNameChars = 50;
constexpr size_t kMaxAddressChars = 200;
constexpr size_t kMaxCategoryNameChars = 50;
constexpr size_t kMaxUnitNameChars = 100;
constexpr int64_t kMaxDeadlineHours = 24 * 366;
/// Tracking codes: this many characters from an alphabet without 0/O, 1/I/L.
constexpr size_t kTrackingCodeChars = 10;
inline constexpr std::string_view kTrackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

}  // namespace linli::orders
