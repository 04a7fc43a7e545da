#include "modules/orders/service.hpp"

#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <utility>

#include "core/crypto.hpp"
#include "core/phone.hpp"
#include "core/territory_path.hpp"
#include "modules/orders/validate.hpp"

namespace linli::orders {

namespace {

using registry::NodeKind;
using storage::Conn;

constexpr std::string_view kOrderNotFound = "order not found";
constexpr std::string_view kCursorKind = "o1";
constexpr std::string_view kCursorSort = "-id";
constexpr int kCodeAttempts = 4;

bool IsIntakeRole(const Actor& actor) {
    return actor.global() || actor.Is(Role::kSubdistrictLeader) || actor.Is(Role::kCommunityStaff) ||
           actor.Is(Role::kGridWorker) || actor.Is(Role::kBuildingHead) || actor.Is(Role::kLinkLeader);
}

bool IsSystem(const Actor& actor) {
    return actor.global() && actor.user_id == 0;
}

bool IsDispatcherOf(const Actor& actor, std::string_view place_path) {
    if (actor.global()) {
        return true;
    }
    return (actor.Is(Role::kCommunityStaff) || actor.Is(Role::kGridWorker)) && actor.CanSee(place_path);
}

bool IsLeaderOf(const Actor& actor, std::string_view place_path) {
    if (actor.global()) {
        return true;
    }
    return (actor.Is(Role::kSubdistrictLeader) || actor.Is(Role::kCommunityStaff)) && actor.CanSee(place_path);
}

/// The id of the ancestor of kind `want` of a node of kind `kind` at `path` (itself included):
/// every level sits exactly one below its parent, so it is a fixed distance up the path.
std::optional<int64_t> AncestorOfKind(std::string_view path, NodeKind kind, NodeKind want) {
    const int up = static_cast<int>(kind) - static_cast<int>(want);
    const auto ids = PathIds(path);
    if (up < 0 || static_cast<size_t>(up) >= ids.size()) {
        return std::nullopt;
    }
    return ids[ids.size() - 1 - static_cast<size_t>(up)];
}

bool IsPlaceKind(NodeKind kind) {
    return kind == NodeKind::kCommunity || kind == NodeKind::kGrid || kind == NodeKind::kBuilding ||
           kind == NodeKind::kUnit || kind == NodeKind::kHousehold;
}

std::string ActorRole(const Actor& actor) {
    if (IsSystem(actor)) {
        return "system";
    }
    return std::string(RoleName(actor.role));
}

OrderEvent MakeEvent(const Actor& actor, int64_t at, std::string action, std::optional<OrderState> from, OrderState to,
                     std::string note, bool is_public, bool note_public, std::string detail = {}) {
    OrderEvent e;
    e.at = at;
    if (actor.user_id > 0) {
        e.actor_user_id = actor.user_id;
    }
    e.actor_name = actor.username;
    e.actor_role = ActorRole(actor);
    e.action = std::move(action);
    if (from) {
        e.from_state = std::string(StateName(*from));
    }
    e.to_state = std::string(StateName(to));
    e.note = std::move(note);
    e.is_public = is_public;
    e.note_public = note_public;
    e.detail = std::move(detail);
    return e;
}

std::string HandlerDetail(const Handler& h, bool automatic) {
    boost::json::object o;
    if (h.user_id) {
        o["handler_user_id"] = *h.user_id;
        o["handler_user_name"] = h.user_name;
    }
    if (h.unit_id) {
        o["handler_unit_id"] = *h.unit_id;
        o["handler_unit_name"] = h.unit_name;
    }
    if (automatic) {
        o["automatic"] = true;
    }
    return boost::json::serialize(o);
}

/// The field a step's note is read from, and whether the step needs one.
struct NoteRule {
    const char* field;
    bool required;
    size_t max_chars;
};

NoteRule NoteRuleOf(OrderAction action) {
    switch (action) {
        case OrderAction::kReply:
            return {"text", true, kMaxReplyChars};
        case OrderAction::kReject:
        case OrderAction::kReturn:
        case OrderAction::kEscalate:
        case OrderAction::kReopen:
            return {"reason", true, kMaxNoteChars};
        case OrderAction::kSupervise:
            return {"note", true, kMaxNoteChars};
        case OrderAction::kAccept:
        case OrderAction::kDispatch:
        case OrderAction::kStart:
        case OrderAction::kResolve:
        case OrderAction::kClose:
        case OrderAction::kMerge:
            return {"note", false, kMaxNoteChars};
    }
    return {"note", false, kMaxNoteChars};
}

/// Whether a step shows on the resident's tracking page, and whether its note does.
std::pair<bool, bool> Visibility(OrderAction action, bool note_public) {
    switch (action) {
        case OrderAction::kReply:
        case OrderAction::kReject:
            return {true, true};  // the answer and the reason are for the resident
        case OrderAction::kReturn:
        case OrderAction::kSupervise:
            return {false, false};  // the office's own business
        case OrderAction::kAccept:
        case OrderAction::kDispatch:
        case OrderAction::kStart:
        case OrderAction::kResolve:
        case OrderAction::kClose:
        case OrderAction::kEscalate:
        case OrderAction::kMerge:
        case OrderAction::kReopen:
            return {true, note_public};
    }
    return {false, false};
}

/// The deadline the order runs against in its state: accept while submitted, else resolve.
int64_t CurrentDue(const Order& o) {
    return o.state == OrderState::kSubmitted ? o.due_accept_at : o.due_resolve_at;
}

Error ChangedMeanwhile() {
    return Conflict("the order changed meanwhile; load it again and retry", "state");
}

std::vector<OrderAction> ActionsFor(const Order& o, Parties parties) {
    auto actions = AllowedActions(o.state, parties);
    if (o.escalation_level >= kLevelSubdistrict) {
        actions.erase(std::remove(actions.begin(), actions.end(), OrderAction::kEscalate), actions.end());
    }
    return actions;
}

}  // namespace

OrderService::OrderService(storage::Database& db, const Clock& clock, const WorkingCalendar& calendar,
                           const FieldCrypto& crypto, CatalogService& catalog, registry::RegistryService& territory,
                           registry::AssignmentService& assignments, registry::ResidentService& residents,
                           accounts::AccountsService& accounts)
    : db_(db),
      clock_(clock),
      calendar_(calendar),
      crypto_(crypto),
      catalog_(catalog),
      territory_(territory),
      assignments_(assignments),
      residents_(residents),
      accounts_(accounts) {}

Actor OrderService::SystemActor(std::string name) {
    Actor actor;
    actor.user_id = 0;
    actor.username = std::move(name);
    actor.role = Role::kAdmin;
    return actor;
}

void OrderService::AddListener(OrderListener* listener) {
    listeners_.push_back(listener);
}

void OrderService::AddStepGuard(OrderStepGuard* guard) {
    guards_.push_back(guard);
}

std::string OrderService::NewTrackingCode() {
    crypto::Init();
    std::string code;
    code.reserve(kTrackingCodeChars);
    for (size_t i = 0; i < kTrackingCodeChars; ++i) {
        code += kTrackingAlphabet[randombytes_uniform(static_cast<uint32_t>(kTrackingAlphabet.size()))];
    }
    return code;
}

// ---- helpers that touch the database -----------------------------------------------------------

Result<Order> OrderService::FindVisibleOr404(Conn& conn, const Actor& actor, int64_t id, const char* field) const {
    if (id > 0) {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindVisible(conn, actor, id));
        if (found) {
            return std::move(*found);
        }
    }
    return Error{ErrorCode::kNotFound, std::string(kOrderNotFound), field};
}

Result<Parties> OrderService::PartiesOf(Conn& conn, const Actor& actor, const Order& order) const {
    Parties parties = kNoParty;
    if (IsSystem(actor)) {
        parties |= kSystem;
    }
    if (IsDispatcherOf(actor, order.place_path)) {
        parties |= kDispatcher;
    }
    if (IsLeaderOf(actor, order.place_path)) {
        parties |= kLeader;
    }
    if (actor.user_id > 0) {
        if (order.handler.user_id && *order.handler.user_id == actor.user_id) {
            parties |= kHandler;
        } else if (order.handler.unit_id) {
            LINLI_ASSIGN_OR_RETURN(bool member, units_.IsMember(conn, *order.handler.unit_id, actor.user_id));
            if (member) {
                parties |= kHandler;
            }
        }
    }
    return parties;
}

Result<Handler> OrderService::AutoHandler(const Category& category, std::optional<int64_t> grid_id) {
    if (category.default_handler == DefaultHandler::kUnit && category.default_unit_id) {
        LINLI_ASSIGN_OR_RETURN(auto unit, catalog_.ActiveUnit(*category.default_unit_id));
        if (unit) {
            Handler h;
            h.unit_id = unit->id;
            h.unit_name = unit->name;
            return h;
        }
    }
    if (grid_id) {
        // The register owns assignments: ask its service (the place was checked already). Grid workers
        // are assigned to grids themselves, so the grid's own active assignments are all there are.
        LINLI_ASSIGN_OR_RETURN(auto workers, assignments_.ActiveOn(*grid_id, registry::CareRole::kGridWorker));
        if (!workers.empty()) {
            Handler h;
            h.user_id = workers.front().user_id;
            h.user_name = workers.front().display_name;
            return h;
        }
    }
    return Handler{};
}

Result<Handler> OrderService::ExplicitHandler(const ActionInput& input) {
    Handler h;
    if (input.handler_user_id) {
        auto user = accounts_.GetUser(accounts::AccountsService::SystemActor("orders"), *input.handler_user_id);
        if (!user) {
            if (user.error().code == ErrorCode::kNotFound) {
                return InvalidArgument("handler_user_id", "no such user");
            }
            return user.error();
        }
        if (user->status != accounts::UserStatus::kActive) {
            return InvalidArgument("handler_user_id", "this account is disabled");
        }
        h.user_id = user->id;
        h.user_name = user->display_name;
    }
    if (input.handler_unit_id) {
        LINLI_ASSIGN_OR_RETURN(auto unit, catalog_.ActiveUnit(*input.handler_unit_id));
        if (!unit) {
            return InvalidArgument("handler_unit_id", "no such active handling unit");
        }
        h.unit_id = unit->id;
        h.unit_name = unit->name;
    }
    return h;
}

Result<OrderDetail> OrderService::LoadDetail(Conn& conn, const Actor& actor, Order order) const {
    OrderDetail detail;
    LINLI_ASSIGN_OR_RETURN(detail.reporters, repo_.ListReporters(conn, order.id));
    LINLI_ASSIGN_OR_RETURN(detail.replies, repo_.ListReplies(conn, order.id));
    LINLI_ASSIGN_OR_RETURN(auto parties, PartiesOf(conn, actor, order));
    detail.actions = ActionsFor(order, parties);
    detail.order = std::move(order);
    return detail;
}

Result<void> OrderService::AppendEvent(Conn& conn, const Order& order, OrderEvent event) const {
    event.order_id = order.id;
    LINLI_ASSIGN_OR_RETURN(event.id, repo_.InsertEvent(conn, event));
    for (auto* listener : listeners_) {
        LINLI_TRY(listener->OnEvent(conn, order, event));
    }
    return {};
}

// ---- intake ------------------------------------------------------------------------------------

Result<Order> OrderService::InsertNew(Order order, const ReporterInsert& reporter_in, std::vector<OrderEvent> events,
                                      const std::optional<Actor>& actor, OrderDetail* detail) {
    for (int attempt = 0;; ++attempt) {
        order.tracking_code = NewTrackingCode();
        auto written = db_.Write([&](Conn& conn) -> Result<Order> {
            Order o = order;
            LINLI_ASSIGN_OR_RETURN(o.id, repo_.Insert(conn, o));
            ReporterInsert reporter = reporter_in;
            reporter.order_id = o.id;
            reporter.source_order_id = o.id;
            reporter.tracking_code = o.tracking_code;
            LINLI_TRY(repo_.InsertReporter(conn, reporter));
            for (auto& e : events) {
                LINLI_TRY(AppendEvent(conn, o, e));
            }
            if (detail) {
                // Built from what was written: no read back on the hot path of intake.
                detail->reporters = {Reporter{0, o.id, o.id, o.tracking_code, reporter.resident_id, reporter.name,
                                              reporter.phone_masked, reporter.created_at}};
                detail->replies.clear();
                Parties parties = kNoParty;
                if (actor) {
                    LINLI_ASSIGN_OR_RETURN(parties, PartiesOf(conn, *actor, o));
                }
                detail->actions = ActionsFor(o, parties);
            }
            return o;
        });
        // A clash of random 49-bit codes is all but impossible; try again rather than fail.
        if (!written && written.error().code == ErrorCode::kConflict && attempt + 1 < kCodeAttempts) {
            continue;
        }
        if (written && detail) {
            detail->order = *written;
        }
        return written;
    }
}

Result<OrderService::CleanedIntake> OrderService::CleanIntake(std::string_view title_in,
                                                              std::string_view description_in,
                                                              const std::optional<std::string>& reporter_name_in,
                                                              const std::optional<std::string>& address_in,
                                                              const std::optional<std::string>& reporter_phone,
                                                              int64_t category_id) const {
    CleanedIntake out;
    LINLI_ASSIGN_OR_RETURN(out.title, CleanLine(title_in, "title", kMaxTitleChars));
    LINLI_ASSIGN_OR_RETURN(out.description, CleanText(description_in, "description", kMaxDescriptionChars, true));
    if (reporter_name_in) {
        LINLI_ASSIGN_OR_RETURN(out.reporter_name,
                               CleanLine(*reporter_name_in, "reporter_name", kMaxReporterNameChars, true));
    }
    if (address_in) {
        LINLI_ASSIGN_OR_RETURN(out.address, CleanLine(*address_in, "address", kMaxAddressChars, true));
    }
    if (reporter_phone) {
        LINLI_ASSIGN_OR_RETURN(auto parsed, phone::Parse(*reporter_phone, "reporter_phone"));
        out.reporter.phone_enc = crypto_.Encrypt(parsed.normalized);
        out.reporter.phone_hash = crypto_.Hash("phone", parsed.normalized);
        out.reporter.phone_masked = phone::Mask(parsed.normalized);
    }
    LINLI_ASSIGN_OR_RETURN(auto category, catalog_.ActiveCategory(category_id));
    if (!category) {
        return InvalidArgument("category_id", "no such active order category");
    }
    out.category = std::move(category);
    return out;
}

Result<OrderDetail> OrderService::Create(const Actor& actor, const NewOrder& input, const RequestInfo&) {
    if (!IsIntakeRole(actor)) {
        return Forbidden("your role may not record work orders");
    }
    if (!IsStaffChannel(input.channel)) {
        return InvalidArgument("channel",
                               "staff record orders from walk_in, phone, door_knocking, service_point, patrol or "
                               "party_visit; other channels have their own intake");
    }
    LINLI_ASSIGN_OR_RETURN(auto intake, CleanIntake(input.title, input.description, input.reporter_name, input.address,
                                                    input.reporter_phone, input.category_id));
    auto& [title, description, reporter_name, address, reporter, category] = intake;

    // Other modules' data through their services, each scope-checked as the caller.
    std::optional<int64_t> place_id = input.place_id;
    if (input.resident_id) {
        auto resident = residents_.GetResident(actor, *input.resident_id);
        if (!resident) {
            if (resident.error().code == ErrorCode::kNotFound || resident.error().code == ErrorCode::kForbidden) {
                return Error{ErrorCode::kNotFound, "resident not found", "resident_id"};
            }
            return resident.error();
        }
        if (reporter_name.empty()) {
            reporter_name = resident->name;
        }
        if (!place_id && resident->household) {
            place_id = resident->household->id;
        }
        reporter.resident_id = resident->id;
    }
    if (!place_id) {
        return InvalidArgument("place_id", "give the place (a building, unit or household) or a resident who has one");
    }
    auto place = territory_.Get(actor, *place_id);
    if (!place) {
        if (place.error().code == ErrorCode::kNotFound) {
            return Error{ErrorCode::kNotFound, "territory node not found", "place_id"};
        }
        return place.error();
    }
    if (!IsPlaceKind(place->kind)) {
        return InvalidArgument("place_id", "the place must be a community, grid, building, unit or household");
    }

    const int64_t now = clock_.Now();
    Order o;
    o.kind = input.kind;
    o.category_id = category->id;
    o.category_code = category->code;
    o.category_name_zh = category->name_zh;
    o.category_name_en = category->name_en;
    o.title = std::move(title);
    o.description = std::move(description);
    o.place_id = place->id;
    o.place_path = place->path;
    o.place_name = place->name;
    o.community_id = place->community_id;
    o.grid_id = AncestorOfKind(place->path, place->kind, NodeKind::kGrid);
    o.resident_id = reporter.resident_id;
    o.reporter_name = reporter_name;
    o.reporter_phone_masked = reporter.phone_masked;
    o.channel = input.channel;
    o.state = OrderState::kSubmitted;
    o.due_accept_at = calendar_.Deadline(now, category->accept.kind, category->accept.hours);
    o.due_resolve_at = calendar_.Deadline(now, category->resolve.kind, category->resolve.hours);
    o.address = std::move(address);
    o.created_by = actor.user_id > 0 ? std::optional<int64_t>(actor.user_id) : std::nullopt;
    o.created_at = now;
    o.updated_at = now;
    reporter.name = reporter_name;
    reporter.created_at = now;

    std::vector<OrderEvent> events;
    events.push_back(MakeEvent(actor, now, "submit", std::nullopt, OrderState::kSubmitted,
                               "channel: " + std::string(ChannelName(input.channel)), true, false));
    if (input.auto_dispatch && IsDispatcherOf(actor, o.place_path)) {
        // The recorder is the dispatcher: 受理 on the spot, then 派遣 to whoever the rules name.
        LINLI_ASSIGN_OR_RETURN(auto handler, AutoHandler(*category, o.grid_id));
        o.state = OrderState::kAccepted;
        o.accepted_at = now;
        events.push_back(MakeEvent(actor, now, "accept", OrderState::kSubmitted, OrderState::kAccepted,
                                   "accepted at intake", true, false));
        if (!handler.empty()) {
            o.state = OrderState::kDispatched;
            o.dispatched_at = now;
            o.handler = handler;
            events.push_back(MakeEvent(actor, now, "dispatch", OrderState::kAccepted, OrderState::kDispatched,
                                       "dispatched automatically", true, false, HandlerDetail(handler, true)));
        }
    }
    OrderDetail detail;
    LINLI_TRY(InsertNew(std::move(o), reporter, std::move(events), actor, &detail));
    return detail;
}

Result<Order> OrderService::CreateFromChannel(const ChannelIntake& input, const RequestInfo&) {
    LINLI_ASSIGN_OR_RETURN(auto intake, CleanIntake(input.title, input.description, input.reporter_name, input.address,
                                                    input.reporter_phone, input.category_id));
    auto& [title, description, reporter_name, address, reporter, category] = intake;
    const Actor system = SystemActor(std::string(ChannelName(input.channel)));
    auto place = territory_.Get(system, input.place_id);
    if (!place) {
        return place.error().code == ErrorCode::kNotFound ? InvalidArgument("place_id", "no such place")
                                                          : place.error();
    }
    if (!IsPlaceKind(place->kind)) {
        return InvalidArgument("place_id", "the place must be a community, grid, building, unit or household");
    }
    const int64_t now = clock_.Now();
    Order o;
    o.kind = input.kind;
    o.category_id = category->id;
    o.category_code = category->code;
    o.category_name_zh = category->name_zh;
    o.category_name_en = category->name_en;
    o.title = std::move(title);
    o.description = std::move(description);
    o.place_id = place->id;
    o.place_path = place->path;
    o.place_name = place->name;
    o.community_id = place->community_id;
    o.grid_id = AncestorOfKind(place->path, place->kind, NodeKind::kGrid);
    o.reporter_name = reporter_name;
    o.reporter_phone_masked = reporter.phone_masked;
    o.channel = input.channel;
    o.state = OrderState::kSubmitted;
    o.due_accept_at = calendar_.Deadline(now, category->accept.kind, category->accept.hours);
    o.due_resolve_at = calendar_.Deadline(now, category->resolve.kind, category->resolve.hours);
    o.address = std::move(address);
    o.lat = input.lat;
    o.lon = input.lon;
    o.source_ref = input.source_ref;
    o.created_by = input.created_by;
    o.created_at = now;
    o.updated_at = now;
    reporter.name = reporter_name;
    reporter.created_at = now;
    Actor public_actor = system;
    std::vector<OrderEvent> events{MakeEvent(public_actor, now, "submit", std::nullopt, OrderState::kSubmitted,
                                             "channel: " + std::string(ChannelName(input.channel)), true, false)};
    events.front().actor_role = "public";
    return InsertNew(std::move(o), reporter, std::move(events), std::nullopt, nullptr);
}

// ---- reads -------------------------------------------------------------------------------------

Result<OrderDetail> OrderService::Get(const Actor& actor, int64_t id) {
    return db_.Read([&](Conn& conn) -> Result<OrderDetail> {
        LINLI_ASSIGN_OR_RETURN(auto order, FindVisibleOr404(conn, actor, id, ""));
        return LoadDetail(conn, actor, std::move(order));
    });
}

Result<Page<Order>> OrderService::List(const Actor& actor, const OrderQuery& query) {
    if (query.limit < 1 || query.limit > kMaxPageSize) {
        return InvalidArgument("limit", "limit must be between 1 and " + std::to_string(kMaxPageSize));
    }
    std::optional<int64_t> before;
    if (query.cursor) {
        LINLI_ASSIGN_OR_RETURN(auto key, DecodeCursor(*query.cursor, kCursorKind, kCursorSort, false));
        before = key.id;
    }
    OrderFilter filter;
    filter.state = query.state;
    filter.kind = query.kind;
    filter.category_id = query.category_id;
    filter.handler_user_id = query.handler_user_id;
    filter.handler_unit_id = query.handler_unit_id;
    filter.overdue = query.overdue;
    filter.now = clock_.Now();
    if (query.node_id) {
        auto node = territory_.Get(actor, *query.node_id);
        if (!node) {
            if (node.error().code == ErrorCode::kNotFound) {
                return Error{ErrorCode::kNotFound, "territory node not found", "node_id"};
            }
            return node.error();
        }
        filter.under_path = node->path;
    }
    LINLI_ASSIGN_OR_RETURN(
        auto orders, db_.Read([&](Conn& conn) { return repo_.List(conn, actor, filter, before, query.limit + 1); }));
    Page<Order> page;
    if (orders.size() > static_cast<size_t>(query.limit)) {
        orders.resize(static_cast<size_t>(query.limit));
        page.next_cursor = EncodeCursor(kCursorKind, kCursorSort, orders.back().id, "");
    }
    page.items = std::move(orders);
    return page;
}

Result<std::vector<OrderEvent>> OrderService::Timeline(const Actor& actor, int64_t id) {
    return db_.Read([&](Conn& conn) -> Result<std::vector<OrderEvent>> {
        LINLI_TRY(FindVisibleOr404(conn, actor, id, ""));
        return repo_.ListEvents(conn, id, false);
    });
}

Result<PublicView> OrderService::GetPublicView(std::string_view code) {
    const bool well_formed = code.size() == kTrackingCodeChars && std::all_of(code.begin(), code.end(), [](char ch) {
                                 return kTrackingAlphabet.find(ch) != std::string_view::npos;
                             });
    if (!well_formed) {
        return NotFound("no order has this tracking code");
    }
    return db_.Read([&](Conn& conn) -> Result<PublicView> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindByTrackingCode(conn, code));
        if (!found) {
            return NotFound("no order has this tracking code");
        }
        PublicView view;
        view.tracking_code = found->tracking_code;
        view.kind = found->kind;
        view.category_name_zh = found->category_name_zh;
        view.category_name_en = found->category_name_en;
        view.title = found->title;
        view.state = found->state;
        view.created_at = found->created_at;
        LINLI_ASSIGN_OR_RETURN(view.events, repo_.ListEvents(conn, found->id, true));
        for (auto& e : view.events) {
            // No names of staff, no internal notes, no detail with handler names.
            e.actor_user_id.reset();
            e.actor_name.clear();
            e.detail.clear();
            if (!e.note_public) {
                e.note.clear();
            }
        }
        int64_t replies_of = found->id;
        if (found->merged_into) {
            LINLI_ASSIGN_OR_RETURN(auto target, repo_.FindById(conn, *found->merged_into));
            if (target) {
                view.merged_into_code = target->tracking_code;
                replies_of = target->id;
            }
        }
        LINLI_ASSIGN_OR_RETURN(view.replies, repo_.ListReplies(conn, replies_of));
        for (auto& r : view.replies) {
            r.author_user_id.reset();
            r.author_name.clear();
        }
        if (const auto* policy = FindOrderVisibilityPolicy(found->kind)) {
            policy->RedactPublicView(view);
        }
        return view;
    });
}

// ---- steps -------------------------------------------------------------------------------------

Result<OrderDetail> OrderService::Act(const Actor& actor, int64_t id, OrderAction action, const ActionInput& input,
                                      const RequestInfo&) {
    const NoteRule rule = NoteRuleOf(action);
    LINLI_ASSIGN_OR_RETURN(auto note, CleanText(input.note, rule.field, rule.max_chars, !rule.required));
    const int64_t now = clock_.Now();
    if (action == OrderAction::kSupervise) {
        if (!input.due_at) {
            return InvalidArgument("due_at", "give the new deadline (epoch seconds)");
        }
        if (*input.due_at <= now) {
            return InvalidArgument("due_at", "the new deadline must be in the future");
        }
    }
    if (action == OrderAction::kMerge) {
        if (!input.into_order_id) {
            return InvalidArgument("into", "give the order to merge into");
        }
        if (*input.into_order_id == id) {
            return InvalidArgument("into", "an order cannot be merged into itself");
        }
    }

    // Scope, state and party first, on a read: a refused step costs no write.
    LINLI_ASSIGN_OR_RETURN(auto before, db_.Read([&](Conn& conn) -> Result<Order> {
        LINLI_ASSIGN_OR_RETURN(auto order, FindVisibleOr404(conn, actor, id, ""));
        LINLI_ASSIGN_OR_RETURN(auto parties, PartiesOf(conn, actor, order));
        LINLI_TRY(CheckStep(action, order.state, parties));
        return order;
    }));

    // What other modules must tell us, before the write transaction.
    Handler target;
    bool automatic = false;
    std::optional<Category> category;
    if (action == OrderAction::kDispatch || action == OrderAction::kReopen) {
        LINLI_ASSIGN_OR_RETURN(category, catalog_.AnyCategory(before.category_id));
        if (!category) {
            return Internal("an order's category vanished");
        }
    }
    if (action == OrderAction::kDispatch) {
        if (input.handler_user_id || input.handler_unit_id) {
            LINLI_ASSIGN_OR_RETURN(target, ExplicitHandler(input));
        } else {
            LINLI_ASSIGN_OR_RETURN(target, AutoHandler(*category, before.grid_id));
            automatic = true;
            if (target.empty()) {
                return InvalidArgument("handler_user_id",
                                       "no automatic handler for this place and category (no active grid worker or "
                                       "unit); name handler_user_id or handler_unit_id");
            }
        }
    }

    return db_.Write([&](Conn& conn) -> Result<OrderDetail> {
        LINLI_ASSIGN_OR_RETURN(auto cur, FindVisibleOr404(conn, actor, id, ""));
        LINLI_ASSIGN_OR_RETURN(auto parties, PartiesOf(conn, actor, cur));
        LINLI_ASSIGN_OR_RETURN(auto to, CheckStep(action, cur.state, parties));
        for (auto* guard : guards_) {
            LINLI_TRY(guard->BeforeStep(conn, actor, cur, action));
        }
        const OrderState from = cur.state;
        Order next = cur;
        next.state = to;
        next.updated_at = now;
        std::string detail;
        std::optional<Order> merge_target;

        switch (action) {
            case OrderAction::kAccept:
                next.accepted_at = now;
                break;
            case OrderAction::kDispatch:
                next.handler = target;
                next.dispatched_at = now;
                detail = HandlerDetail(target, automatic);
                break;
            case OrderAction::kStart:
                next.started_at = now;
                break;
            case OrderAction::kReturn:
                // Back to the dispatcher: the handler lets go (and a unit stops seeing it).
                detail = HandlerDetail(cur.handler, false);
                next.handler = Handler{};
                break;
            case OrderAction::kResolve:
                next.resolved_at = now;
                break;
            case OrderAction::kReply: {
                Reply reply;
                reply.order_id = cur.id;
                reply.at = now;
                reply.author_user_id = actor.user_id > 0 ? std::optional<int64_t>(actor.user_id) : std::nullopt;
                reply.author_name = actor.username;
                reply.text = note;
                LINLI_TRY(repo_.InsertReply(conn, reply));
                next.replied_at = now;
                break;
            }
            case OrderAction::kClose: {
                // The state machine lets only replied orders close; the reply row is checked too, so
                // no path around the table can close an unanswered order.
                LINLI_ASSIGN_OR_RETURN(auto replies, repo_.ListReplies(conn, cur.id));
                if (replies.empty()) {
                    return IllegalStep(action, cur.state);
                }
                next.closed_at = now;
                next.close_reason = "replied";
                break;
            }
            case OrderAction::kEscalate:
                if (cur.escalation_level >= kLevelSubdistrict) {
                    Error e = IllegalStep(action, cur.state);
                    e.message = "the order is already escalated to the subdistrict, the top of the ladder";
                    e.allowed->erase(std::remove(e.allowed->begin(), e.allowed->end(), "escalate"), e.allowed->end());
                    return e;
                }
                next.escalation_level = cur.escalation_level + 1;
                if (IsSystem(actor)) {
                    next.escalated_for_due = CurrentDue(cur);
                }
                detail = boost::json::serialize(
                    boost::json::object{{"level", kLevelNames[static_cast<size_t>(next.escalation_level)]}});
                break;
            case OrderAction::kMerge: {
                LINLI_ASSIGN_OR_RETURN(auto into, FindVisibleOr404(conn, actor, *input.into_order_id, "into"));
                if (into.state == OrderState::kMerged || into.state == OrderState::kClosed ||
                    into.state == OrderState::kRejected || into.state == OrderState::kReplied) {
                    return Conflict("order " + into.tracking_code + " is " + std::string(StateName(into.state)) +
                                        " and takes no more reporters; merge into an open order",
                                    "into");
                }
                next.merged_into = into.id;
                LINLI_TRY(repo_.CopyReporters(conn, cur.id, into.id, now));
                detail =
                    boost::json::serialize(boost::json::object{{"into", into.id}, {"into_code", into.tracking_code}});
                merge_target = std::move(into);
                break;
            }
            case OrderAction::kReject:
                next.reject_reason = note;
                next.handler = Handler{};
                break;
            case OrderAction::kReopen:
                next.reopen_count = cur.reopen_count + 1;
                next.close_reason.reset();
                next.due_resolve_at = calendar_.Deadline(now, category->resolve.kind, category->resolve.hours);
                next.resolve_warned_at.reset();
                next.overdue_at.reset();
                break;
            case OrderAction::kSupervise:
                if (cur.state == OrderState::kSubmitted) {
                    next.due_accept_at = *input.due_at;
                    next.accept_warned_at.reset();
                } else {
                    next.due_resolve_at = *input.due_at;
                    next.resolve_warned_at.reset();
                }
                next.overdue_at.reset();
                detail = boost::json::serialize(boost::json::object{{"due_at", *input.due_at}});
                break;
        }

        LINLI_ASSIGN_OR_RETURN(bool updated, repo_.Update(conn, next));
        if (!updated) {
            return ChangedMeanwhile();
        }
        next.version = cur.version + 1;
        const auto [is_public, note_public] = Visibility(action, input.note_public);
        LINLI_TRY(AppendEvent(
            conn, next,
            MakeEvent(actor, now, std::string(ActionName(action)), from, to, note, is_public, note_public, detail)));
        if (merge_target) {
            // The receiving order's timeline says who joined, so its handler knows to answer them too.
            LINLI_TRY(AppendEvent(conn, *merge_target,
                                  MakeEvent(actor, now, "merge_in", merge_target->state, merge_target->state,
                                            "merged from " + cur.tracking_code, false, false,
                                            boost::json::serialize(boost::json::object{
                                                {"from", cur.id}, {"from_code", cur.tracking_code}}))));
        }
        return LoadDetail(conn, actor, std::move(next));
    });
}

Result<bool> OrderService::EscalateOverdue(int64_t id, int64_t due, std::string_view reason) {
    const Actor system = SystemActor("scheduler");
    const int64_t now = clock_.Now();
    const std::string note(reason);
    return db_.Write([&](Conn& conn) -> Result<bool> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindById(conn, id));
        if (!found || !IsOpen(found->state) || found->escalation_level >= kLevelSubdistrict ||
            CurrentDue(*found) != due || found->escalated_for_due == due) {
            return false;
        }
        const Order& cur = *found;
        auto to = CheckStep(OrderAction::kEscalate, cur.state, kSystem);
        if (!to) {
            return false;
        }
        Order next = cur;
        next.state = *to;
        next.escalation_level = cur.escalation_level + 1;
        next.escalated_for_due = due;
        if (!next.overdue_at) {
            next.overdue_at = now;
        }
        next.updated_at = now;
        LINLI_ASSIGN_OR_RETURN(bool updated, repo_.Update(conn, next));
        if (!updated) {
            return false;
        }
        next.version = cur.version + 1;
        LINLI_TRY(AppendEvent(conn, next,
                              MakeEvent(system, now, "escalate", cur.state, *to, note, true, false,
                                        boost::json::serialize(boost::json::object{
                                            {"level", kLevelNames[static_cast<size_t>(next.escalation_level)]},
                                            {"due", due},
                                            {"automatic", true}}))));
        return true;
    });
}

// ---- added by the open311 module ----------------------------------------------------------------

Result<Order> OrderService::FindByTrackingCode(std::string_view code) {
    const bool well_formed = code.size() == kTrackingCodeChars && std::all_of(code.begin(), code.end(), [](char ch) {
                                 return kTrackingAlphabet.find(ch) != std::string_view::npos;
                             });
    if (!well_formed) {
        return NotFound("no order has this tracking code");
    }
    return db_.Read([&](Conn& conn) -> Result<Order> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindByTrackingCode(conn, code));
        if (!found) {
            return NotFound("no order has this tracking code");
        }
        return *found;
    });
}

// ---- added by the devices module ----------------------------------------------------------------

Result<Order> OrderService::RecordChannelEvent(int64_t id, Channel channel, std::string_view action,
                                               std::string_view note) {
    const Actor system = SystemActor(std::string(ChannelName(channel)));
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<Order> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindById(conn, id));
        if (!found) {
            return NotFound(std::string(kOrderNotFound));
        }
        if (!IsOpen(found->state)) {
            return Conflict("the order is no longer open (" + std::string(StateName(found->state)) + ")");
        }
        LINLI_TRY(AppendEvent(
            conn, *found,
            MakeEvent(system, now, std::string(action), found->state, found->state, std::string(note), false, false)));
        return std::move(*found);
    });
}

// ---- added by the mediation module --------------------------------------------------------------

Result<Order> OrderService::AppendInternalEvent(Conn& conn, const Actor& actor, int64_t id, std::string_view action,
                                                std::string_view note, std::string detail) const {
    LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindById(conn, id));
    if (!found) {
        return NotFound(std::string(kOrderNotFound));
    }
    const Order& order = *found;
    LINLI_TRY(AppendEvent(conn, order,
                          MakeEvent(actor, clock_.Now(), std::string(action), order.state, order.state,
                                    std::string(note), false, false, std::move(detail))));
    return std::move(*found);
}

// ---- added by the deadline scheduler ------------------------------------------------------------

Result<bool> OrderService::ApplyScheduledStep(Conn& conn, Order next, OrderEvent event) const {
    LINLI_ASSIGN_OR_RETURN(bool updated, repo_.Update(conn, next));
    if (!updated) {
        return false;
    }
    next.version += 1;
    LINLI_TRY(AppendEvent(conn, next, std::move(event)));
    return true;
}

}  // namespace linli::orders
