#include "modules/mediation/service.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <utility>

#include "core/person_name.hpp"
#include "core/phone.hpp"
#include "modules/accounts/audit.hpp"
#include "modules/mediation/rules.hpp"
#include "modules/orders/validate.hpp"

namespace linli::mediation {

namespace {

using orders::OrderAction;
using orders::OrderKind;
using registry::NodeKind;
using storage::Conn;

constexpr std::string_view kDisputeNotFound = "dispute not found";
constexpr int kDefaultDutyDays = 7;

Actor System() {
    return accounts::AccountsService::SystemActor("mediation");
}

bool IsIntakeRole(const Actor& actor) {
    return actor.global() || actor.Is(Role::kSubdistrictLeader) || actor.Is(Role::kCommunityStaff) ||
           actor.Is(Role::kGridWorker) || actor.Is(Role::kBuildingHead) || actor.Is(Role::kLinkLeader);
}

/// A leader whose scope covers `path` (admins everywhere).
bool IsLeaderOf(const Actor& actor, std::string_view path) {
    return actor.global() ||
           ((actor.Is(Role::kSubdistrictLeader) || actor.Is(Role::kCommunityStaff)) && actor.CanSee(path));
}

Error NotADispute(std::string field = {}) {
    return Error{ErrorCode::kNotFound, std::string(kDisputeNotFound), std::move(field)};
}

bool Has(const std::vector<OrderAction>& actions, OrderAction a) {
    return std::find(actions.begin(), actions.end(), a) != actions.end();
}

std::string Detail(boost::json::object o) {
    return boost::json::serialize(o);
}

std::string OutcomeZh(Outcome o) {
    switch (o) {
        case Outcome::kAgreed:
            return "调解成功";
        case Outcome::kPartlyAgreed:
            return "部分达成";
        case Outcome::kFailed:
            return "调解不成";
    }
    return {};
}

Warning NotOnDuty(const Mediator& m, const std::string& date) {
    return Warning{"mediator_not_on_duty", m.display_name + " is not on the community's duty roster on " + date +
                                               " (不在当日值班表上); chosen anyway"};
}

}  // namespace

MediationService::MediationService(storage::Database& db, const Clock& clock, const WorkingCalendar& calendar,
                                   const FieldCrypto& crypto, orders::OrderService& orders,
                                   orders::CatalogService& catalog, registry::RegistryService& territory,
                                   registry::ResidentService& residents, accounts::AccountsService& accounts)
    : db_(db),
      clock_(clock),
      calendar_(calendar),
      crypto_(crypto),
      orders_(orders),
      catalog_(catalog),
      territory_(territory),
      residents_(residents),
      accounts_(accounts) {
    orders::RegisterOrderVisibilityPolicy(DisputeVisibility::Instance());
}

std::string MediationService::Today() const {
    return calendar_.LocalDate(clock_.Now());
}

// ---- the record beside each dispute order ---------------------------------------------------------

Result<DisputeCategory> MediationService::DefaultCategory(Conn& conn, const std::string& order_category_code) const {
    LINLI_ASSIGN_OR_RETURN(auto all, repo_.ListCategories(conn, true));
    const DisputeCategory* other = nullptr;
    for (const auto& c : all) {
        if (c.active && c.order_category_code == order_category_code) {
            return c;
        }
        if (c.code == "other") {
            other = &c;
        }
    }
    if (other == nullptr) {
        if (all.empty()) {
            return Internal("no dispute categories (migration 0013)");
        }
        return all.back();
    }
    return *other;
}

Result<void> MediationService::EnsureRecord(Conn& conn, const orders::Order& order) const {
    LINLI_ASSIGN_OR_RETURN(auto category, DefaultCategory(conn, order.category_code));
    DisputeInsert d;
    d.order_id = order.id;
    d.category_id = category.id;
    d.subject = order.title;
    d.community_id = order.community_id;
    d.grid_id = order.grid_id;
    d.place_path = order.place_path;
    d.received_at = order.created_at;
    d.received_day = calendar_.LocalDate(order.created_at);
    return repo_.InsertDispute(conn, d, order.created_at);
}

Result<void> MediationService::OnEvent(Conn& conn, const orders::Order& order, const orders::OrderEvent& event) {
    if (order.kind != OrderKind::kDispute || event.action != "submit") {
        return {};
    }
    return EnsureRecord(conn, order);
}

// ---- categories, mediators, roster ------------------------------------------------------------------

Result<std::vector<DisputeCategory>> MediationService::ListCategories(const Actor&) {
    return db_.Read([&](Conn& conn) { return repo_.ListCategories(conn, false); });
}

Result<std::vector<Mediator>> MediationService::ListMediators(const Actor&, bool include_inactive,
                                                              std::optional<Specialism> specialism) {
    return db_.Read([&](Conn& conn) { return repo_.ListMediators(conn, include_inactive, specialism); });
}

Result<Mediator> MediationService::GetMediator(const Actor&, int64_t id) {
    LINLI_ASSIGN_OR_RETURN(auto found, db_.Read([&](Conn& conn) { return repo_.FindMediator(conn, id); }));
    if (!found) {
        return NotFound("mediator not found");
    }
    return *found;
}

Result<Mediator> MediationService::ActiveMediator(int64_t id, const char* field) {
    LINLI_ASSIGN_OR_RETURN(auto found, db_.Read([&](Conn& conn) { return repo_.FindMediator(conn, id); }));
    if (!found || !found->active) {
        return InvalidArgument(field, "no such active mediator");
    }
    return *found;
}

Result<Mediator> MediationService::CreateMediator(const Actor& actor, const NewMediator& input,
                                                  const RequestInfo& info) {
    if (!IsDisputeLeader(actor)) {
        return Forbidden("only community staff and leaders register mediators");
    }
    NewMediator in = input;
    LINLI_ASSIGN_OR_RETURN(in.title, orders::CleanLine(input.title, "title", kMaxTitleChars, true));
    if (in.specialisms.empty()) {
        return InvalidArgument("specialisms", "give at least one specialism: " + NameList(kSpecialisms));
    }
    auto user = accounts_.GetUser(System(), input.user_id);
    if (!user) {
        return user.error().code == ErrorCode::kNotFound ? InvalidArgument("user_id", "no such user") : user.error();
    }
    if (user->status != accounts::UserStatus::kActive) {
        return InvalidArgument("user_id", "this account is disabled");
    }
    if (user->role == Role::kResident || user->role == Role::kMerchant) {
        return InvalidArgument("user_id", "a resident's or merchant's account cannot be on the mediation rota");
    }
    const int64_t now = clock_.Now();
    LINLI_ASSIGN_OR_RETURN(auto id, db_.Write([&](Conn& conn) -> Result<int64_t> {
        auto inserted = repo_.InsertMediator(conn, in, actor.user_id > 0 ? std::optional(actor.user_id) : std::nullopt,
                                             now);
        if (!inserted) {
            if (inserted.error().code == ErrorCode::kConflict) {
                return Conflict("this user is a mediator already", "user_id");
            }
            return inserted.error();
        }
        LINLI_TRY(accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "mediator.create", "mediator", *inserted,
                                      Detail({{"user_id", in.user_id}, {"specialisms", JoinSpecialisms(in.specialisms)}}))));
        return *inserted;
    }));
    return GetMediator(actor, id);
}

Result<Mediator> MediationService::UpdateMediator(const Actor& actor, int64_t id, const MediatorPatch& patch,
                                                  const RequestInfo& info) {
    if (!IsDisputeLeader(actor)) {
        return Forbidden("only community staff and leaders change mediators");
    }
    std::optional<std::string> title;
    if (patch.title) {
        LINLI_ASSIGN_OR_RETURN(title, orders::CleanLine(*patch.title, "title", kMaxTitleChars, true));
    }
    if (patch.specialisms && patch.specialisms->empty()) {
        return InvalidArgument("specialisms", "give at least one specialism: " + NameList(kSpecialisms));
    }
    const int64_t now = clock_.Now();
    LINLI_TRY(db_.Write([&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindMediator(conn, id));
        if (!found) {
            return NotFound("mediator not found");
        }
        Mediator m = *found;
        if (patch.specialisms) {
            m.specialisms = *patch.specialisms;
        }
        if (title) {
            m.title = *title;
        }
        if (patch.active) {
            m.active = *patch.active;
        }
        m.updated_at = now;
        LINLI_TRY(repo_.UpdateMediator(conn, m));
        return accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "mediator.update", "mediator", id,
                                      Detail({{"specialisms", JoinSpecialisms(m.specialisms)}, {"active", m.active}})));
    }));
    return GetMediator(actor, id);
}

Result<std::vector<DutyEntry>> MediationService::ListDuty(const Actor& actor, const DutyQuery& query) {
    // Grid workers and building heads work below their community, whose node lies outside their
    // scope: the roster is theirs to read all the same (who to call for a dispute in their grid).
    Actor reader = actor;
    const std::string segment = "/" + std::to_string(query.community_id) + "/";
    for (const auto& node : actor.scope) {
        if (const auto at = node.path.find(segment); at != std::string::npos) {
            reader.scope.push_back(ScopeNode{query.community_id, node.path.substr(0, at + segment.size())});
        }
    }
    auto community = territory_.Get(reader, query.community_id);
    if (!community) {
        return community.error().code == ErrorCode::kNotFound
                   ? Error{ErrorCode::kNotFound, "territory node not found", "community_id"}
                   : community.error();
    }
    if (community->kind != NodeKind::kCommunity) {
        return InvalidArgument("community_id", "the roster belongs to a community");
    }
    LINLI_ASSIGN_OR_RETURN(int64_t from, RequireDay(query.from.value_or(Today()), "from"));
    int64_t to = from + kDefaultDutyDays - 1;
    if (query.to) {
        LINLI_ASSIGN_OR_RETURN(to, RequireDay(*query.to, "to"));
    }
    if (to < from) {
        return InvalidArgument("to", "to is before from");
    }
    if (to - from + 1 > kMaxDutyRangeDays) {
        return InvalidArgument("to", "a roster spans at most " + std::to_string(kMaxDutyRangeDays) + " days");
    }
    return db_.Read([&](Conn& conn) {
        return repo_.ListDuty(conn, community->id, FormatDay(from), FormatDay(to), query.specialism);
    });
}

Result<std::vector<DutyEntry>> MediationService::AddDuty(const Actor& actor, int64_t community_id,
                                                         const std::vector<NewDutyEntry>& entries,
                                                         const RequestInfo& info) {
    if (!IsDisputeLeader(actor)) {
        return Forbidden("only community staff and leaders keep the duty roster");
    }
    auto community = territory_.Get(actor, community_id);
    if (!community) {
        return community.error().code == ErrorCode::kNotFound
                   ? Error{ErrorCode::kNotFound, "territory node not found", "community_id"}
                   : community.error();
    }
    if (community->kind != NodeKind::kCommunity) {
        return InvalidArgument("community_id", "the roster belongs to a community");
    }
    if (entries.empty() || entries.size() > kMaxDutyEntries) {
        return InvalidArgument("entries", "give 1 to " + std::to_string(kMaxDutyEntries) + " roster entries");
    }
    struct Clean {
        std::string date;
        int64_t mediator_id;
        Specialism specialism;
    };
    std::vector<Clean> clean;
    int64_t first = INT64_MAX;
    int64_t last = INT64_MIN;
    std::map<int64_t, Mediator> mediators;
    for (size_t i = 0; i < entries.size(); ++i) {
        const std::string field = "entries[" + std::to_string(i) + "]";
        LINLI_ASSIGN_OR_RETURN(int64_t day, RequireDay(entries[i].date, field + ".date"));
        first = std::min(first, day);
        last = std::max(last, day);
        auto it = mediators.find(entries[i].mediator_id);
        if (it == mediators.end()) {
            LINLI_ASSIGN_OR_RETURN(auto m, ActiveMediator(entries[i].mediator_id, (field + ".mediator_id").c_str()));
            it = mediators.emplace(m.id, std::move(m)).first;
        }
        const Mediator& m = it->second;
        Specialism s = entries[i].specialism.value_or(m.specialisms.empty() ? Specialism::kOther : m.specialisms[0]);
        if (std::find(m.specialisms.begin(), m.specialisms.end(), s) == m.specialisms.end()) {
            return InvalidArgument(field + ".specialism", m.display_name + " is not on the rota for " +
                                                              std::string(NameOf(kSpecialisms, s)));
        }
        clean.push_back(Clean{FormatDay(day), m.id, s});
    }
    if (last - first + 1 > kMaxDutyRangeDays) {
        return InvalidArgument("entries", "one request covers at most " + std::to_string(kMaxDutyRangeDays) + " days");
    }
    const int64_t now = clock_.Now();
    LINLI_TRY(db_.Write([&](Conn& conn) -> Result<void> {
        int64_t added = 0;
        for (const auto& e : clean) {
            LINLI_ASSIGN_OR_RETURN(bool inserted,
                                   repo_.InsertDuty(conn, community->id, e.date, e.mediator_id, e.specialism,
                                                    actor.user_id > 0 ? std::optional(actor.user_id) : std::nullopt,
                                                    now));
            added += inserted ? 1 : 0;
        }
        return accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "mediation_duty.add", "territory_node", community->id,
                                      Detail({{"entries", static_cast<int64_t>(clean.size())},
                                              {"added", added},
                                              {"from", FormatDay(first)},
                                              {"to", FormatDay(last)}})));
    }));
    return db_.Read(
        [&](Conn& conn) { return repo_.ListDuty(conn, community->id, FormatDay(first), FormatDay(last), std::nullopt); });
}

Result<void> MediationService::RemoveDuty(const Actor& actor, int64_t id, const RequestInfo& info) {
    if (!IsDisputeLeader(actor)) {
        return Forbidden("only community staff and leaders keep the duty roster");
    }
    LINLI_ASSIGN_OR_RETURN(auto entry, db_.Read([&](Conn& conn) { return repo_.FindDuty(conn, id); }));
    if (!entry || !territory_.Get(actor, entry->community_id)) {
        return NotFound("roster entry not found");
    }
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(bool deleted, repo_.DeleteDuty(conn, id));
        if (!deleted) {
            return NotFound("roster entry not found");
        }
        return accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "mediation_duty.remove",
                                                               "territory_node", entry->community_id,
                                                               Detail({{"date", entry->date},
                                                                       {"mediator_id", entry->mediator_id}})));
    });
}

// ---- disputes -------------------------------------------------------------------------------------

Result<PartyInsert> MediationService::CleanParty(const Actor& actor, const NewParty& in, const std::string& field) {
    auto name_of = [&](const char* leaf) { return field.empty() ? std::string(leaf) : field + "." + leaf; };
    if (!in.side) {
        return InvalidArgument(name_of("side"), name_of("side") + " must be one of: " + NameList(kPartySides));
    }
    PartyInsert p;
    p.side = *in.side;
    if (in.resident_id && in.name) {
        return InvalidArgument(name_of("name"),
                               "give resident_id for someone in the register or name for someone outside it, not both");
    }
    if (in.resident_id) {
        if (in.phone) {
            return InvalidArgument(name_of("phone"), "a resident's phone is the register's; give it there");
        }
        auto resident = residents_.GetResident(actor, *in.resident_id);
        if (!resident) {
            if (resident.error().code == ErrorCode::kNotFound || resident.error().code == ErrorCode::kForbidden) {
                return Error{ErrorCode::kNotFound, "resident not found", name_of("resident_id")};
            }
            return resident.error();
        }
        p.resident_id = resident->id;
        p.name = resident->name;
        p.phone_masked = resident->phone_masked;
        if (resident->household) {
            p.household_id = resident->household->id;
        }
        return p;
    }
    if (!in.name) {
        return InvalidArgument(name_of("name"), "a party is a resident of the register (resident_id) or a person "
                                                "from outside it, named (name)");
    }
    LINLI_ASSIGN_OR_RETURN(p.name, person_name::Normalize(*in.name, name_of("name")));
    if (in.phone) {
        LINLI_ASSIGN_OR_RETURN(auto parsed, phone::Parse(*in.phone, name_of("phone")));
        p.phone_enc = crypto_.Encrypt(parsed.normalized);
        p.phone_hash = crypto_.Hash("phone", parsed.normalized);
        p.phone_masked = phone::Mask(parsed.normalized);
    }
    return p;
}

Result<orders::OrderDetail> MediationService::VisibleDispute(const Actor& actor, int64_t id) {
    auto order = orders_.Get(actor, id);
    if (!order) {
        return order.error().code == ErrorCode::kNotFound ? NotADispute() : order.error();
    }
    if (order->order.kind != OrderKind::kDispute) {
        return NotADispute();
    }
    return std::move(*order);
}

Result<DisputeDetail> MediationService::Get(const Actor& actor, int64_t id) {
    LINLI_ASSIGN_OR_RETURN(auto order, VisibleDispute(actor, id));
    LINLI_ASSIGN_OR_RETURN(auto found, db_.Read([&](Conn& conn) -> Result<Dispute> {
        LINLI_ASSIGN_OR_RETURN(auto d, repo_.FindDispute(conn, id));
        if (d) {
            return std::move(*d);
        }
        // No record (its first write was lost): what the listener would have written.
        Dispute empty;
        LINLI_ASSIGN_OR_RETURN(empty.category, DefaultCategory(conn, order.order.category_code));
        empty.order_id = id;
        empty.subject = order.order.title;
        empty.community_id = order.order.community_id;
        empty.grid_id = order.order.grid_id;
        empty.place_path = order.order.place_path;
        empty.received_at = order.order.created_at;
        empty.updated_at = order.order.updated_at;
        return empty;
    }));
    DisputeDetail detail;
    detail.dispute = std::move(found);
    detail.order = std::move(order);
    return detail;
}

Result<Page<DisputeSummary>> MediationService::List(const Actor& actor, const DisputeQuery& query) {
    orders::OrderQuery oq;
    oq.kind = OrderKind::kDispute;
    oq.state = query.state;
    oq.node_id = query.node_id;
    oq.overdue = query.overdue;
    oq.cursor = query.cursor;
    oq.limit = query.limit;
    LINLI_ASSIGN_OR_RETURN(auto page, orders_.List(actor, oq));
    std::vector<int64_t> ids;
    ids.reserve(page.items.size());
    for (const auto& o : page.items) {
        ids.push_back(o.id);
    }
    LINLI_ASSIGN_OR_RETURN(auto summaries, db_.Read([&](Conn& conn) { return repo_.Summaries(conn, ids); }));
    Page<DisputeSummary> out;
    out.next_cursor = page.next_cursor;
    for (auto& o : page.items) {
        DisputeSummary s;
        if (auto it = summaries.find(o.id); it != summaries.end()) {
            s = std::move(it->second);
        } else {
            s.subject = o.title;
        }
        s.order = std::move(o);
        out.items.push_back(std::move(s));
    }
    return out;
}

template <class F>
Result<DisputeDetail> MediationService::Change(const Actor& actor, int64_t id, bool leaders_only,
                                               std::vector<Warning> warnings, F&& change) {
    LINLI_ASSIGN_OR_RETURN(auto order, VisibleDispute(actor, id));
    if (leaders_only && !IsLeaderOf(actor, order.order.place_path)) {
        return Forbidden("only community staff and leaders of the place assign mediators");
    }
    LINLI_TRY(db_.Write([&](Conn& conn) -> Result<void> {
        LINLI_TRY(EnsureRecord(conn, order.order));
        LINLI_ASSIGN_OR_RETURN(auto d, repo_.FindDispute(conn, id));
        if (!d) {
            return Internal("a dispute's record vanished");
        }
        return change(conn, *d, order.order);
    }));
    LINLI_ASSIGN_OR_RETURN(auto detail, Get(actor, id));
    detail.warnings = std::move(warnings);
    return detail;
}

void MediationService::SendToLead(const Actor& actor, int64_t id, int64_t user_id, const RequestInfo& info,
                                  std::vector<Warning>& warnings) {
    auto detail = orders_.Get(actor, id);
    if (!detail) {
        // The caller recorded it but may not read it (not a leader): the office sends it on.
        warnings.push_back({"order_not_sent", "the work order waits for community staff to send it to the mediator"});
        return;
    }
    if (detail->order.handler.user_id == user_id) {
        return;
    }
    if (Has(detail->actions, OrderAction::kAccept)) {
        orders::ActionInput accept;
        accept.note = "受理矛盾纠纷";
        auto accepted = orders_.Act(actor, id, OrderAction::kAccept, accept, info);
        if (!accepted) {
            warnings.push_back({"order_not_sent", "the work order was not accepted: " + accepted.error().message});
            return;
        }
        detail = std::move(accepted);
    }
    if (!Has(detail->actions, OrderAction::kDispatch)) {
        warnings.push_back({"order_not_sent", "the work order is " + std::string(orders::StateName(detail->order.state)) +
                                                  "; send it to the lead mediator through its own steps"});
        return;
    }
    orders::ActionInput dispatch;
    dispatch.handler_user_id = user_id;
    dispatch.note = "派给调解员";
    auto dispatched = orders_.Act(actor, id, OrderAction::kDispatch, dispatch, info);
    if (!dispatched) {
        warnings.push_back({"order_not_sent", "the work order was not sent: " + dispatched.error().message});
    }
}

void MediationService::ResolveOrder(const Actor& actor, int64_t id, Outcome outcome, const RequestInfo& info,
                                    std::vector<Warning>& warnings) {
    auto detail = orders_.Get(actor, id);
    if (!detail) {
        return;  // it was readable a moment ago; the answer's own read tells the rest
    }
    if (Has(detail->actions, OrderAction::kStart)) {
        auto started = orders_.Act(actor, id, OrderAction::kStart, orders::ActionInput{}, info);
        if (!started) {
            warnings.push_back({"order_not_resolved", "the work order was not started: " + started.error().message});
            return;
        }
        detail = std::move(started);
    }
    if (!Has(detail->actions, OrderAction::kResolve)) {
        if (orders::IsOpen(detail->order.state)) {
            warnings.push_back({"order_not_resolved",
                                "the work order stays " + std::string(orders::StateName(detail->order.state)) +
                                    ": its handler resolves it and answers the reporter"});
        }
        return;
    }
    orders::ActionInput resolve;
    resolve.note = "调解结束：" + OutcomeZh(outcome);
    auto resolved = orders_.Act(actor, id, OrderAction::kResolve, resolve, info);
    if (!resolved) {
        warnings.push_back({"order_not_resolved", "the work order was not resolved: " + resolved.error().message});
    }
}

Result<DisputeDetail> MediationService::Create(const Actor& actor, const NewDispute& input, const RequestInfo& info) {
    if (!IsIntakeRole(actor)) {
        return Forbidden("your role may not record disputes");
    }
    if (input.mediator_id && !IsDisputeLeader(actor)) {
        return Error{ErrorCode::kForbidden, "only community staff and leaders choose the mediator", "mediator_id"};
    }
    if (!orders::IsStaffChannel(input.channel)) {
        return InvalidArgument("channel",
                               "staff record disputes from walk_in, phone, door_knocking, service_point, patrol or "
                               "party_visit");
    }
    LINLI_ASSIGN_OR_RETURN(auto subject, orders::CleanLine(input.subject, "subject", kMaxSubjectChars));
    LINLI_ASSIGN_OR_RETURN(auto description,
                           orders::CleanText(input.description, "description", orders::kMaxDescriptionChars, true));
    LINLI_ASSIGN_OR_RETURN(auto category, db_.Read([&](Conn& conn) -> Result<DisputeCategory> {
        LINLI_ASSIGN_OR_RETURN(auto c, repo_.FindCategoryByCode(conn, input.category));
        if (!c || !c->active) {
            LINLI_ASSIGN_OR_RETURN(auto all, repo_.ListCategories(conn, false));
            std::string codes;
            for (const auto& each : all) {
                codes += codes.empty() ? "" : ", ";
                codes += each.code;
            }
            return InvalidArgument("category", "category must be one of: " + codes);
        }
        return *c;
    }));
    if (input.parties.empty() || input.parties.size() > kMaxPartiesPerDispute) {
        return InvalidArgument("parties", "give 1 to " + std::to_string(kMaxPartiesPerDispute) +
                                              " parties (residents by resident_id, others by name)");
    }
    std::vector<PartyInsert> parties;
    std::set<int64_t> residents;
    for (size_t i = 0; i < input.parties.size(); ++i) {
        const std::string field = "parties[" + std::to_string(i) + "]";
        LINLI_ASSIGN_OR_RETURN(auto p, CleanParty(actor, input.parties[i], field));
        if (p.resident_id && !residents.insert(*p.resident_id).second) {
            return InvalidArgument(field + ".resident_id", "this resident is a party already");
        }
        parties.push_back(std::move(p));
    }
    std::optional<Mediator> mediator;
    if (input.mediator_id) {
        LINLI_ASSIGN_OR_RETURN(mediator, ActiveMediator(*input.mediator_id, "mediator_id"));
    }
    LINLI_ASSIGN_OR_RETURN(auto order_categories, catalog_.ListCategories(System(), false));
    std::optional<int64_t> order_category;
    for (const auto& c : order_categories) {
        if (c.code == category.order_category_code) {
            order_category = c.id;
        }
    }
    if (!order_category) {
        return InvalidArgument("category", "the order category " + category.order_category_code +
                                               " that disputes of this category use is missing or inactive");
    }

    // The order says little: the subject and the parties are the confidential record's.
    orders::NewOrder o;
    o.kind = OrderKind::kDispute;
    o.category_id = *order_category;
    o.title = "矛盾纠纷：" + category.name_zh;
    o.description = description;
    o.place_id = input.place_id;
    for (const auto& p : parties) {
        if (!o.place_id && p.household_id) {
            o.place_id = p.household_id;  // the home of the first party from the register
        }
    }
    o.channel = input.channel;
    o.auto_dispatch = false;
    const PartyInsert& first = parties.front();
    if (first.resident_id) {
        o.resident_id = first.resident_id;
    } else {
        o.reporter_name = first.name;
        if (input.parties.front().phone) {
            o.reporter_phone = input.parties.front().phone;
        }
    }
    LINLI_ASSIGN_OR_RETURN(auto created, orders_.Create(actor, o, info));
    const int64_t id = created.order.id;
    const int64_t now = clock_.Now();
    const std::string today = Today();

    std::vector<Warning> warnings;
    LINLI_TRY(db_.Write([&](Conn& conn) -> Result<void> {
        LINLI_TRY(EnsureRecord(conn, created.order));
        LINLI_TRY(repo_.UpdateHead(conn, id, category.id, subject, now));
        for (auto& p : parties) {
            p.order_id = id;
            p.created_at = now;
            LINLI_TRY(repo_.InsertParty(conn, p));
        }
        LINLI_TRY(orders_.AppendInternalEvent(
            conn, actor, id, "dispute_recorded", "矛盾纠纷登记：" + category.name_zh,
            Detail({{"category", category.code}, {"parties", static_cast<int64_t>(parties.size())}})));
        if (mediator) {
            bool on_duty = false;
            if (created.order.community_id) {
                LINLI_ASSIGN_OR_RETURN(on_duty, repo_.IsOnDuty(conn, *created.order.community_id, today, mediator->id));
            }
            LINLI_TRY(repo_.InsertDisputeMediator(conn, id, *mediator, true, on_duty,
                                                  actor.user_id > 0 ? std::optional(actor.user_id) : std::nullopt,
                                                  now));
            LINLI_TRY(orders_.AppendInternalEvent(conn, actor, id, "mediator_assigned", "调解员：" + mediator->display_name,
                                                  Detail({{"mediator_id", mediator->id}, {"lead", true}})));
            if (!on_duty) {
                warnings.push_back(NotOnDuty(*mediator, today));
                LINLI_TRY(orders_.AppendInternalEvent(conn, actor, id, "mediator_not_on_duty", warnings.back().message,
                                                      Detail({{"mediator_id", mediator->id}, {"date", today}})));
            }
        }
        return {};
    }));
    if (mediator) {
        SendToLead(actor, id, mediator->user_id, info, warnings);
    }

    auto detail = Get(actor, id);
    if (!detail && detail.error().code == ErrorCode::kNotFound) {
        // Recorded by someone who is not on it (a grid worker on patrol): they get what they entered.
        DisputeDetail own;
        LINLI_ASSIGN_OR_RETURN(auto record, db_.Read([&](Conn& conn) { return repo_.FindDispute(conn, id); }));
        if (!record) {
            return Internal("a dispute's record vanished");
        }
        own.dispute = std::move(*record);
        own.order = std::move(created);
        own.order.actions.clear();
        detail = std::move(own);
    }
    if (detail) {
        detail->warnings = std::move(warnings);
    }
    return detail;
}

Result<DisputeDetail> MediationService::AddParty(const Actor& actor, int64_t id, const NewParty& party,
                                                 const RequestInfo& info) {
    (void)info;
    LINLI_ASSIGN_OR_RETURN(auto clean, CleanParty(actor, party, ""));
    const int64_t now = clock_.Now();
    return Change(actor, id, false, {}, [&](Conn& conn, const Dispute& d, const orders::Order&) -> Result<void> {
        if (d.outcome) {
            return Conflict("the outcome is recorded: the parties can no longer change", "outcome");
        }
        clean.order_id = id;
        clean.created_at = now;
        auto inserted = repo_.InsertParty(conn, clean);
        if (!inserted) {
            return inserted.error().code == ErrorCode::kConflict
                       ? Conflict("this resident is a party already", "resident_id")
                       : inserted.error();
        }
        LINLI_TRY(orders_.AppendInternalEvent(
            conn, actor, id, "party_added", "当事人：" + clean.name,
            Detail({{"party_id", *inserted}, {"side", NameOf(kPartySides, clean.side)}})));
        return {};
    });
}

Result<DisputeDetail> MediationService::AssignMediator(const Actor& actor, int64_t id, int64_t mediator_id, bool lead,
                                                       const RequestInfo& info) {
    LINLI_ASSIGN_OR_RETURN(auto mediator, ActiveMediator(mediator_id, "mediator_id"));
    const int64_t now = clock_.Now();
    const std::string today = Today();
    std::vector<Warning> warnings;
    bool on_duty = false;
    auto changed = Change(actor, id, true, {}, [&](Conn& conn, const Dispute& d, const orders::Order& order) -> Result<void> {
        if (d.outcome) {
            return Conflict("the outcome is recorded: the mediators can no longer change", "outcome");
        }
        if (order.community_id) {
            LINLI_ASSIGN_OR_RETURN(on_duty, repo_.IsOnDuty(conn, *order.community_id, today, mediator.id));
        }
        const bool make_lead = lead || std::none_of(d.mediators.begin(), d.mediators.end(),
                                                    [](const DisputeMediator& m) { return m.lead; });
        LINLI_ASSIGN_OR_RETURN(bool inserted,
                               repo_.InsertDisputeMediator(conn, id, mediator, make_lead, on_duty,
                                                           actor.user_id > 0 ? std::optional(actor.user_id)
                                                                             : std::nullopt,
                                                           now));
        if (!inserted) {
            return Conflict(mediator.display_name + " is on this dispute already", "mediator_id");
        }
        if (make_lead) {
            LINLI_TRY(repo_.SetLead(conn, id, mediator.id));
        }
        lead = make_lead;
        LINLI_TRY(orders_.AppendInternalEvent(conn, actor, id, "mediator_assigned", "调解员：" + mediator.display_name,
                                              Detail({{"mediator_id", mediator.id}, {"lead", make_lead}})));
        if (!on_duty) {
            warnings.push_back(NotOnDuty(mediator, today));
            LINLI_TRY(orders_.AppendInternalEvent(conn, actor, id, "mediator_not_on_duty", warnings.back().message,
                                                  Detail({{"mediator_id", mediator.id}, {"date", today}})));
        }
        return {};
    });
    if (!changed) {
        return changed;
    }
    if (lead) {
        SendToLead(actor, id, mediator.user_id, info, warnings);
        LINLI_ASSIGN_OR_RETURN(changed, Get(actor, id));
    }
    changed->warnings = std::move(warnings);
    return changed;
}

Result<DisputeDetail> MediationService::AddSession(const Actor& actor, int64_t id, const NewSession& in,
                                                   const RequestInfo& info) {
    (void)info;
    Session s;
    LINLI_ASSIGN_OR_RETURN(int64_t day, RequireDay(in.held_on, "held_on"));
    const std::string today = Today();
    if (day > *ParseDay(today)) {
        return InvalidArgument("held_on", "a session is recorded once it has been held (held_on is after today, " +
                                              today + ")");
    }
    s.held_on = FormatDay(day);
    if (in.start_time) {
        LINLI_ASSIGN_OR_RETURN(s.start_time, RequireTime(*in.start_time, "start_time"));
    }
    if (!in.place_id) {
        return InvalidArgument("place_id", "give the place the session was held (a node of the dispute's community)");
    }
    auto place = territory_.Get(System(), *in.place_id);
    if (!place) {
        return place.error().code == ErrorCode::kNotFound ? InvalidArgument("place_id", "no such place")
                                                          : place.error();
    }
    LINLI_ASSIGN_OR_RETURN(s.place_note, orders::CleanLine(in.place_note, "place_note", kMaxPlaceNoteChars, true));
    LINLI_ASSIGN_OR_RETURN(s.other_attendees,
                           orders::CleanLine(in.other_attendees, "other_attendees", kMaxAttendeesChars, true));
    LINLI_ASSIGN_OR_RETURN(s.notes, orders::CleanText(in.notes, "notes", kMaxSessionNotesChars, true));
    s.place_id = place->id;
    s.place_name = place->name;
    s.recorded_by = actor.user_id > 0 ? std::optional(actor.user_id) : std::nullopt;
    s.recorded_by_name = actor.username;
    s.created_at = clock_.Now();
    return Change(actor, id, false, {}, [&](Conn& conn, const Dispute& d, const orders::Order& order) -> Result<void> {
        if (!order.community_id || place->community_id != order.community_id) {
            return InvalidArgument("place_id", "the place must be in the dispute's community");
        }
        std::set<int64_t> parties;
        for (const auto& p : d.parties) {
            parties.insert(p.id);
        }
        std::set<int64_t> mediators;
        for (const auto& m : d.mediators) {
            mediators.insert(m.mediator_id);
        }
        for (int64_t p : std::set<int64_t>(in.party_ids.begin(), in.party_ids.end())) {
            if (!parties.contains(p)) {
                return InvalidArgument("attendee_party_ids", "party " + std::to_string(p) + " is not on this dispute");
            }
            s.party_ids.push_back(p);
        }
        for (int64_t m : std::set<int64_t>(in.mediator_ids.begin(), in.mediator_ids.end())) {
            if (!mediators.contains(m)) {
                return InvalidArgument("attendee_mediator_ids",
                                       "mediator " + std::to_string(m) + " is not on this dispute");
            }
            s.mediator_ids.push_back(m);
        }
        s.order_id = id;
        LINLI_ASSIGN_OR_RETURN(auto session_id, repo_.InsertSession(conn, s));
        LINLI_TRY(orders_.AppendInternalEvent(conn, actor, id, "mediation_session",
                                              "调解会：" + s.held_on + " " + s.place_name,
                                              Detail({{"session_id", session_id}, {"held_on", s.held_on}})));
        return {};
    });
}

Result<DisputeDetail> MediationService::SetAgreement(const Actor& actor, int64_t id, const std::string& text,
                                                     const RequestInfo& info) {
    (void)info;
    LINLI_ASSIGN_OR_RETURN(auto clean, orders::CleanText(text, "text", kMaxAgreementChars));
    const int64_t now = clock_.Now();
    return Change(actor, id, false, {}, [&](Conn& conn, const Dispute& d, const orders::Order&) -> Result<void> {
        LINLI_TRY(CheckAgreement(d));
        LINLI_TRY(repo_.SetAgreement(conn, id, clean, actor.user_id > 0 ? std::optional(actor.user_id) : std::nullopt,
                                     now));
        LINLI_TRY(orders_.AppendInternalEvent(conn, actor, id, "agreement", d.agreement_text ? "调解协议已修改" : "调解协议已拟定",
                                              Detail({{"chars", static_cast<int64_t>(clean.size())}})));
        return {};
    });
}

Result<DisputeDetail> MediationService::Decide(const Actor& actor, int64_t id, const DecisionInput& input,
                                               const RequestInfo& info) {
    (void)info;
    DecisionInput in = input;
    LINLI_ASSIGN_OR_RETURN(in.note, orders::CleanLine(input.note, "note", kMaxDecisionNoteChars, true));
    const int64_t now = clock_.Now();
    return Change(actor, id, false, {}, [&](Conn& conn, const Dispute& d, const orders::Order&) -> Result<void> {
        LINLI_TRY(CheckDecision(d, in));
        LINLI_TRY(repo_.SetDecision(conn, in.party_id, in.decision, in.note, now));
        std::string name;
        for (const auto& p : d.parties) {
            if (p.id == in.party_id) {
                name = p.name;
            }
        }
        LINLI_TRY(orders_.AppendInternalEvent(
            conn, actor, id, "agreement_decision",
            name + (in.decision == Decision::kAccepted ? " 接受调解协议" : " 不接受调解协议"),
            Detail({{"party_id", in.party_id}, {"decision", NameOf(kDecisions, in.decision)}})));
        return {};
    });
}

Result<DisputeDetail> MediationService::RecordOutcome(const Actor& actor, int64_t id, const OutcomeInput& input,
                                                      const RequestInfo& info) {
    OutcomeInput in = input;
    LINLI_ASSIGN_OR_RETURN(in.referral_to, orders::CleanLine(input.referral_to, "referral_to", kMaxReferralToChars, true));
    LINLI_ASSIGN_OR_RETURN(in.note, orders::CleanText(input.note, "note", kMaxOutcomeNoteChars, true));
    const int64_t now = clock_.Now();
    auto changed = Change(actor, id, false, {}, [&](Conn& conn, const Dispute& d, const orders::Order&) -> Result<void> {
        LINLI_TRY(CheckOutcome(d, in));
        LINLI_ASSIGN_OR_RETURN(bool set, repo_.SetOutcome(conn, id, in,
                                                          actor.user_id > 0 ? std::optional(actor.user_id)
                                                                            : std::nullopt,
                                                          now));
        if (!set) {
            return Conflict("the outcome was recorded meanwhile", "outcome");
        }
        boost::json::object detail{{"outcome", NameOf(kOutcomes, in.outcome)}};
        std::string note = "调解结果：" + OutcomeZh(in.outcome);
        if (in.referral) {
            detail["referral"] = NameOf(kReferrals, *in.referral);
            note += "，移交" + in.referral_to;
        }
        LINLI_TRY(orders_.AppendInternalEvent(conn, actor, id, "mediation_outcome", note, Detail(std::move(detail))));
        return {};
    });
    if (!changed) {
        return changed;
    }
    std::vector<Warning> warnings;
    ResolveOrder(actor, id, in.outcome, info, warnings);
    LINLI_ASSIGN_OR_RETURN(changed, Get(actor, id));
    changed->warnings = std::move(warnings);
    return changed;
}

// ---- figures --------------------------------------------------------------------------------------

Result<FigureReport> MediationService::Figures(const Actor& actor, const FigureQuery& query) {
    if (!IsDisputeLeader(actor) && !actor.Is(Role::kGridWorker)) {
        return Forbidden("dispute figures are for community staff, leaders and grid workers");
    }
    if (!IsDisputeLeader(actor) && query.group_by != FigureGroup::kGrid) {
        return Error{ErrorCode::kForbidden, "grid workers see dispute counts by grid only (group_by=grid)",
                     "group_by"};
    }
    const std::string today = Today();
    LINLI_ASSIGN_OR_RETURN(int64_t to, RequireDay(query.to.value_or(today), "to"));
    const std::string default_from = FormatDay(to).substr(0, 4) + "-01-01";
    LINLI_ASSIGN_OR_RETURN(int64_t from, RequireDay(query.from.value_or(default_from), "from"));
    if (from > to) {
        return InvalidArgument("from", "from is after to");
    }
    if (to - from + 1 > kMaxFigureRangeDays) {
        return InvalidArgument("to", "figures span at most " + std::to_string(kMaxFigureRangeDays) + " days");
    }
    FigureFilter filter;
    filter.from = FormatDay(from);
    filter.to = FormatDay(to);
    FigureReport report;
    report.group_by = query.group_by;
    report.from = filter.from;
    report.to = filter.to;
    report.node_id = query.node_id;
    if (query.node_id) {
        auto node = territory_.Get(actor, *query.node_id);
        if (!node) {
            return node.error().code == ErrorCode::kNotFound
                       ? Error{ErrorCode::kNotFound, "territory node not found", "node_id"}
                       : node.error();
        }
        filter.paths.push_back(node->path);
    } else if (actor.global()) {
        filter.everywhere = true;
    } else {
        for (const auto& s : actor.scope) {
            filter.paths.push_back(s.path);
        }
    }
    LINLI_ASSIGN_OR_RETURN(auto counts, db_.Read([&](Conn& conn) { return repo_.Figures(conn, filter, query.group_by); }));
    std::map<std::string, std::string> category_names;
    if (query.group_by == FigureGroup::kCategory) {
        LINLI_ASSIGN_OR_RETURN(auto categories, db_.Read([&](Conn& conn) { return repo_.ListCategories(conn, true); }));
        for (const auto& c : categories) {
            category_names[c.code] = c.name_zh;
        }
    }
    for (auto& c : counts) {
        FigureRow row;
        row.key = c.key;
        switch (query.group_by) {
            case FigureGroup::kCategory:
                row.name = category_names.contains(c.key) ? category_names[c.key] : c.key;
                break;
            case FigureGroup::kMonth:
                row.name = c.key;
                break;
            case FigureGroup::kGrid: {
                const int64_t grid = std::stoll(c.key);
                if (grid == 0) {
                    row.key.clear();
                    row.name = "未划入网格";
                } else {
                    auto node = territory_.Get(System(), grid);
                    row.name = node ? node->name : c.key;
                }
                break;
            }
        }
        auto& t = report.total;
        t.received += c.figures.received;
        t.mediated += c.figures.mediated;
        t.agreed += c.figures.agreed;
        t.partly_agreed += c.figures.partly_agreed;
        t.failed += c.figures.failed;
        t.referred += c.figures.referred;
        t.pending += c.figures.pending;
        row.figures = c.figures;
        FinishFigures(row.figures);
        report.rows.push_back(std::move(row));
    }
    FinishFigures(report.total);
    return report;
}

}  // namespace linli::mediation
