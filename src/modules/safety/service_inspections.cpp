// SafetyService, part 2: inspections, hazards (整改, 复查), the steps that keep a hazard's work order in
// line with it, and the orders hooks (listener and step guard).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "modules/orders/state_machine.hpp"
#include "modules/orders/validate.hpp"
#include "modules/safety/rules.hpp"
#include "modules/safety/service.hpp"
#include "modules/safety/service_internal.hpp"

namespace linli::safety {

using internal::AncestorOfKind;
using internal::NotFoundField;
using internal::RequireInspector;
using orders::OrderAction;
using orders::OrderState;
using storage::Conn;

namespace {

constexpr std::string_view kInspectionNotFound = "inspection not found";
constexpr std::string_view kHazardNotFound = "hazard not found";
constexpr int kDeadlineAttempts = 3;

Actor SafetySystem() {
    return orders::OrderService::SystemActor("safety");
}

std::string StateOf(const orders::Order& o) {
    return std::string(orders::StateName(o.state));
}

}  // namespace

/// What an inspection is of, resolved and scope-checked.
struct SafetyService::Target {
    int64_t node_id = 0;
    registry::NodeKind node_kind = registry::NodeKind::kBuilding;
    std::string path;
    std::optional<int64_t> community_id;
    std::optional<Venue> venue;
    std::string name;
};

// ---- inspections --------------------------------------------------------------------------------

Result<SafetyService::Target> SafetyService::ResolveTarget(const Actor& actor, const NewInspection& in) {
    Target t;
    auto node_of = [&](const Actor& as, int64_t id) -> Result<registry::Node> {
        auto node = territory_.Get(as, id);
        if (!node) {
            if (node.error().code == ErrorCode::kNotFound) {
                return NotFoundField("the place inspected was not found", "target_id");
            }
            return node.error();
        }
        return std::move(*node);
    };
    LINLI_ASSIGN_OR_RETURN(auto label, orders::CleanLine(in.label, "label", kMaxLabelChars, true));
    registry::Node node;
    switch (in.target_kind) {
        case TargetKind::kBuilding: {
            LINLI_ASSIGN_OR_RETURN(node, node_of(actor, in.target_id));
            if (node.kind != registry::NodeKind::kBuilding) {
                return InvalidArgument("target_id", "a building inspection names a building (target_id)");
            }
            t.name = label.empty() ? node.name : node.name + " " + label;
            break;
        }
        case TargetKind::kFireEscape: {
            LINLI_ASSIGN_OR_RETURN(node, node_of(actor, in.target_id));
            if (node.kind != registry::NodeKind::kBuilding && node.kind != registry::NodeKind::kUnit) {
                return InvalidArgument("target_id", "a fire escape is inspected in a building or a unit (target_id)");
            }
            if (label.empty()) {
                return InvalidArgument("label", "name the fire escape inspected (label, e.g. \"东侧疏散楼梯\")");
            }
            t.name = node.name + " " + label;
            break;
        }
        case TargetKind::kVenue: {
            LINLI_ASSIGN_OR_RETURN(auto venue,
                                   db_.Read([&](Conn& conn) { return repo_.FindVenue(conn, in.target_id); }));
            if (!venue || !actor.CanSee(venue->place_path)) {
                return NotFoundField("venue not found", "target_id");
            }
            LINLI_ASSIGN_OR_RETURN(node, node_of(accounts::AccountsService::SystemActor("safety"), venue->place_id));
            t.name = label.empty() ? venue->name : venue->name + " " + label;
            t.venue = std::move(venue);
            break;
        }
    }
    t.node_id = node.id;
    t.node_kind = node.kind;
    t.path = node.path;
    t.community_id = node.community_id;
    return t;
}

Result<InspectionDetail> SafetyService::LoadInspection(int64_t id) {
    return db_.Read([&](Conn& conn) -> Result<InspectionDetail> {
        LINLI_ASSIGN_OR_RETURN(auto inspection, repo_.FindInspection(conn, id));
        if (!inspection) {
            return NotFound(std::string(kInspectionNotFound));
        }
        InspectionDetail d;
        d.inspection = std::move(*inspection);
        LINLI_ASSIGN_OR_RETURN(d.results, repo_.ListResults(conn, id));
        LINLI_ASSIGN_OR_RETURN(d.hazards, repo_.ListHazardsOfInspection(conn, id));
        return d;
    });
}

Result<InspectionOutcome> SafetyService::RecordInspection(const Actor& actor, const NewInspection& in,
                                                          const RequestInfo& info) {
    LINLI_TRY(RequireInspector(actor));
    if (actor.user_id <= 0) {
        return Forbidden("an inspection is recorded by a person signed in");
    }
    LINLI_TRY(CheckClientId(in.client_id));
    const std::string fingerprint = InspectionFingerprint(in);

    // A repeat (the phone lost the answer and sent it again) costs one read and answers the same;
    // it also opens any hazard order the first post left unopened.
    auto replay = [&](const SafetyRepository::StoredInspection& stored) -> Result<InspectionOutcome> {
        if (stored.payload_hash != fingerprint) {
            return Conflict("client_id \"" + in.client_id +
                                "\" was used for a different inspection; generate a new id for a new inspection",
                            "client_id");
        }
        LINLI_ASSIGN_OR_RETURN(auto detail, LoadInspection(stored.inspection.id));
        for (const auto& h : detail.hazards) {
            if (!h.order_id) {
                std::lock_guard lock(hazard_locks_[static_cast<size_t>(h.id) % hazard_locks_.size()]);
                if (auto opened = OpenOrder(h.id, actor); !opened) {
                    spdlog::warn("safety: hazard {}: work order not opened yet ({}); request {}", h.id,
                                 opened.error().message, info.request_id);
                }
            }
        }
        LINLI_ASSIGN_OR_RETURN(detail, LoadInspection(stored.inspection.id));
        return InspectionOutcome{std::move(detail), true};
    };
    LINLI_ASSIGN_OR_RETURN(auto stored, db_.Read([&](Conn& conn) {
        return repo_.FindInspectionByClient(conn, actor.user_id, in.client_id);
    }));
    if (stored) {
        return replay(*stored);
    }

    const int64_t now = clock_.Now();
    if (in.inspected_at > now + kClockSkewSeconds) {
        return InvalidArgument("inspected_at", "inspected_at lies in the future; check the phone's clock");
    }
    if (in.inspected_at < now - kMaxInspectionAgeSeconds) {
        return InvalidArgument("inspected_at", "inspected_at is more than 30 days ago; record it as a new inspection");
    }
    LINLI_ASSIGN_OR_RETURN(auto note, orders::CleanText(in.note, "note", kMaxNoteChars, true));
    // The checklist, at the version the phone filled in (which may be older than the current one).
    LINLI_ASSIGN_OR_RETURN(auto tmpl, db_.Read([&](Conn& conn) { return repo_.FindTemplate(conn, in.template_id); }));
    bool visible = false;
    if (tmpl) {
        LINLI_ASSIGN_OR_RETURN(visible, TemplateVisible(actor, *tmpl));
    }
    if (!visible) {
        return NotFoundField("template not found", "template_id");
    }
    LINLI_ASSIGN_OR_RETURN(auto version, db_.Read([&](Conn& conn) {
        return repo_.FindVersion(conn, in.template_id, in.template_version);
    }));
    if (!version) {
        return InvalidArgument("template_version", "template " + std::to_string(in.template_id) + " has no version " +
                                                       std::to_string(in.template_version) + " (it is at version " +
                                                       std::to_string(tmpl->current_version) + ")");
    }
    LINLI_TRY(CheckAnswers(*version, in.items));
    LINLI_ASSIGN_OR_RETURN(auto target, ResolveTarget(actor, in));

    std::vector<std::string> notes(in.items.size());
    std::vector<std::optional<Responsible>> responsible(in.items.size());
    std::vector<int64_t> all_photos;
    for (size_t i = 0; i < in.items.size(); ++i) {
        const auto& answer = in.items[i];
        const std::string at = "items[" + std::to_string(i) + "].";
        LINLI_ASSIGN_OR_RETURN(notes[i], orders::CleanText(answer.note, at + "note", kMaxNoteChars, true));
        LINLI_TRY(CheckPhotos(actor, answer.photo_ids, at + "photo_ids"));
        all_photos.insert(all_photos.end(), answer.photo_ids.begin(), answer.photo_ids.end());
        if (answer.result != ItemResult::kFail) {
            continue;
        }
        const bool own = answer.responsible.has_value();
        Responsible r =
            own ? *answer.responsible : in.responsible.value_or(DefaultResponsible(tmpl->kind, target.venue));
        const std::string rfield = own ? at + "responsible" : "responsible";
        LINLI_ASSIGN_OR_RETURN(r.name, orders::CleanLine(r.name, rfield + ".name", kMaxOwnerNameChars, true));
        if (r.unit_id) {
            LINLI_ASSIGN_OR_RETURN(auto unit, catalog_.ActiveUnit(*r.unit_id));
            if (!unit) {
                return InvalidArgument(rfield + ".unit_id", "no such active handling unit");
            }
            if (r.name.empty()) {
                r.name = unit->name;
            }
        }
        responsible[i] = std::move(r);
    }
    LINLI_ASSIGN_OR_RETURN(auto inspector_name, DisplayName(actor));

    Inspection insp;
    insp.client_id = in.client_id;
    insp.template_id = tmpl->id;
    insp.template_version_id = version->id;
    insp.template_version = version->version;
    insp.template_name_zh = version->name_zh;
    insp.kind = tmpl->kind;
    insp.target_kind = in.target_kind;
    insp.node_id = target.node_id;
    insp.venue_id = target.venue ? std::optional<int64_t>(target.venue->id) : std::nullopt;
    insp.target_name = target.name;
    insp.place_path = target.path;
    insp.building_id = AncestorOfKind(target.path, target.node_kind, registry::NodeKind::kBuilding);
    insp.grid_id = AncestorOfKind(target.path, target.node_kind, registry::NodeKind::kGrid);
    insp.community_id = target.community_id;
    insp.inspector_id = actor.user_id;
    insp.inspector_name = inspector_name;
    insp.inspected_at = in.inspected_at;
    insp.recorded_at = now;
    insp.note = note;
    for (const auto& answer : in.items) {
        insp.passed += answer.result == ItemResult::kPass ? 1 : 0;
        insp.failed += answer.result == ItemResult::kFail ? 1 : 0;
        insp.not_applicable += answer.result == ItemResult::kNotApplicable ? 1 : 0;
    }

    auto written = db_.Write([&](Conn& conn) -> Result<int64_t> {
        LINLI_ASSIGN_OR_RETURN(insp.id, repo_.InsertInspection(conn, insp, fingerprint));
        for (size_t i = 0; i < in.items.size(); ++i) {
            const auto& answer = in.items[i];
            const auto item = std::find_if(version->items.begin(), version->items.end(),
                                           [&](const TemplateItem& it) { return it.id == answer.item_id; });
            InspectionResult r;
            r.item = *item;
            r.result = answer.result;
            r.note = notes[i];
            r.photo_ids = answer.photo_ids;
            LINLI_ASSIGN_OR_RETURN(r.id, repo_.InsertResult(conn, insp.id, r));
            if (answer.result != ItemResult::kFail) {
                continue;
            }
            Hazard h;
            h.inspection_id = insp.id;
            h.result_id = r.id;
            h.item_id = item->id;
            h.kind = tmpl->kind;
            h.severity = item->severity;
            h.item_text = item->text_zh;
            h.basis = item->basis;
            h.rectify_days = item->rectify_days;
            h.category_code = tmpl->category_code;
            h.target_kind = insp.target_kind;
            h.target_name = insp.target_name;
            h.node_id = insp.node_id;
            h.venue_id = insp.venue_id;
            h.place_path = insp.place_path;
            h.building_id = insp.building_id;
            h.grid_id = insp.grid_id;
            h.community_id = insp.community_id;
            h.responsible = *responsible[i];
            h.status = HazardStatus::kOpen;
            h.found_at = insp.inspected_at;
            h.found_by = actor.user_id;
            h.due_at = RectifyDeadline(insp.inspected_at, item->rectify_days, options_.utc_offset);
            h.pending_due_at = h.due_at;  // for the order, once it is opened
            h.created_at = now;
            LINLI_TRY(repo_.InsertHazard(conn, h));
        }
        LINLI_TRY(repo_.PlacePhotos(conn, all_photos, insp.place_path));
        if (insp.venue_id) {
            LINLI_TRY(repo_.SetVenueInspected(conn, *insp.venue_id, insp.inspected_at));
        }
        return insp.id;
    });
    if (!written) {
        if (written.error().code == ErrorCode::kConflict) {
            // The same inspection arrived twice at once: the other request recorded it.
            LINLI_ASSIGN_OR_RETURN(auto other, db_.Read([&](Conn& conn) {
                return repo_.FindInspectionByClient(conn, actor.user_id, in.client_id);
            }));
            if (other) {
                return replay(*other);
            }
        }
        return written.error();
    }
    LINLI_ASSIGN_OR_RETURN(auto detail, LoadInspection(*written));
    for (const auto& h : detail.hazards) {
        std::lock_guard lock(hazard_locks_[static_cast<size_t>(h.id) % hazard_locks_.size()]);
        if (auto opened = OpenOrder(h.id, actor); !opened) {
            // The inspection stands; the order is opened by the next post of it or at start-up.
            spdlog::warn("safety: hazard {}: work order not opened yet ({}); request {}", h.id, opened.error().message,
                         info.request_id);
        }
    }
    LINLI_ASSIGN_OR_RETURN(detail, LoadInspection(*written));
    return InspectionOutcome{std::move(detail), false};
}

Result<InspectionDetail> SafetyService::GetInspection(const Actor& actor, int64_t id) {
    LINLI_TRY(RequireInspector(actor));
    auto detail = LoadInspection(id);
    if (!detail) {
        return detail.error();
    }
    if (!actor.CanSee(detail->inspection.place_path)) {
        return NotFound(std::string(kInspectionNotFound));
    }
    return detail;
}

Result<Page<Inspection>> SafetyService::ListInspections(const Actor& actor, const InspectionQuery& query) {
    LINLI_TRY(RequireInspector(actor));
    if (query.limit < 1 || query.limit > kMaxPageSize) {
        return InvalidArgument("limit", "limit must be between 1 and " + std::to_string(kMaxPageSize));
    }
    std::optional<int64_t> before;
    if (query.cursor) {
        LINLI_ASSIGN_OR_RETURN(auto key, DecodeCursor(*query.cursor, "si1", "-id", false));
        before = key.id;
    }
    PlaceFilter place;
    LINLI_ASSIGN_OR_RETURN(place.under_path, UnderPath(actor, query.node_id));
    if (query.venue_id) {
        auto venue = GetVenue(actor, *query.venue_id);
        if (!venue) {
            return venue.error().code == ErrorCode::kNotFound ? NotFoundField("venue not found", "venue_id")
                                                              : venue.error();
        }
        place.venue_id = venue->id;
    }
    LINLI_ASSIGN_OR_RETURN(auto vis, VisibilityOf(actor, false));
    LINLI_ASSIGN_OR_RETURN(auto items, db_.Read([&](Conn& conn) {
        return repo_.ListInspections(conn, vis, place, query, std::nullopt, before, query.limit + 1);
    }));
    Page<Inspection> page;
    if (items.size() > static_cast<size_t>(query.limit)) {
        items.resize(static_cast<size_t>(query.limit));
        page.next_cursor = EncodeCursor("si1", "-id", items.back().id, "");
    }
    page.items = std::move(items);
    return page;
}

// ---- hazards ------------------------------------------------------------------------------------

Result<Hazard> SafetyService::VisibleHazardOr404(const Actor& actor, int64_t id) {
    if (!internal::IsInspector(actor) && !actor.Is(Role::kPartnerUnit)) {
        return Forbidden("your role takes no part in safety inspections");
    }
    LINLI_ASSIGN_OR_RETURN(auto h, db_.Read([&](Conn& conn) { return repo_.FindHazard(conn, id); }));
    if (!h) {
        return NotFound(std::string(kHazardNotFound));
    }
    LINLI_ASSIGN_OR_RETURN(auto vis, VisibilityOf(actor, true));
    if (!CanSeeHazard(actor, vis, *h)) {
        return NotFound(std::string(kHazardNotFound));
    }
    return std::move(*h);
}

Result<HazardDetail> SafetyService::LoadHazardDetail(int64_t id) {
    const int64_t now = clock_.Now();
    return db_.Read([&](Conn& conn) -> Result<HazardDetail> {
        LINLI_ASSIGN_OR_RETURN(auto h, repo_.FindHazard(conn, id));
        if (!h) {
            return NotFound(std::string(kHazardNotFound));
        }
        HazardDetail d;
        d.hazard = std::move(*h);
        d.overdue = d.hazard.status == HazardStatus::kOpen && d.hazard.due_at < now;
        LINLI_ASSIGN_OR_RETURN(d.rectifications, repo_.ListRectifications(conn, id));
        LINLI_ASSIGN_OR_RETURN(d.reinspections, repo_.ListReinspections(conn, id));
        return d;
    });
}

Result<HazardDetail> SafetyService::GetHazard(const Actor& actor, int64_t id) {
    LINLI_TRY(VisibleHazardOr404(actor, id));
    return LoadHazardDetail(id);
}

Result<Page<HazardDetail>> SafetyService::ListHazards(const Actor& actor, const HazardQuery& query) {
    if (!internal::IsInspector(actor) && !actor.Is(Role::kPartnerUnit)) {
        return Forbidden("your role takes no part in safety inspections");
    }
    if (query.limit < 1 || query.limit > kMaxPageSize) {
        return InvalidArgument("limit", "limit must be between 1 and " + std::to_string(kMaxPageSize));
    }
    std::optional<int64_t> before;
    if (query.cursor) {
        LINLI_ASSIGN_OR_RETURN(auto key, DecodeCursor(*query.cursor, "sh1", "-id", false));
        before = key.id;
    }
    PlaceFilter place;
    LINLI_ASSIGN_OR_RETURN(place.under_path, UnderPath(actor, query.node_id));
    if (query.venue_id) {
        auto venue = GetVenue(actor, *query.venue_id);
        if (!venue) {
            return venue.error().code == ErrorCode::kNotFound ? NotFoundField("venue not found", "venue_id")
                                                              : venue.error();
        }
        place.venue_id = venue->id;
    }
    LINLI_ASSIGN_OR_RETURN(auto vis, VisibilityOf(actor, true));
    const int64_t now = clock_.Now();
    LINLI_ASSIGN_OR_RETURN(auto hazards, db_.Read([&](Conn& conn) {
        return repo_.ListHazards(conn, vis, place, query, now, before, query.limit + 1);
    }));
    Page<HazardDetail> page;
    if (hazards.size() > static_cast<size_t>(query.limit)) {
        hazards.resize(static_cast<size_t>(query.limit));
        page.next_cursor = EncodeCursor("sh1", "-id", hazards.back().id, "");
    }
    for (auto& h : hazards) {
        HazardDetail d;
        d.overdue = h.status == HazardStatus::kOpen && h.due_at < now;
        d.hazard = std::move(h);
        page.items.push_back(std::move(d));
    }
    return page;
}

Result<HazardDetail> SafetyService::Rectify(const Actor& actor, int64_t id, const NewRectification& input,
                                            const RequestInfo& info) {
    LINLI_TRY(VisibleHazardOr404(actor, id));
    LINLI_ASSIGN_OR_RETURN(auto note, orders::CleanText(input.note, "note", kMaxNoteChars));
    LINLI_TRY(CheckPhotos(actor, input.photo_ids, "photo_ids"));
    LINLI_ASSIGN_OR_RETURN(auto author, DisplayName(actor));
    std::lock_guard lock(hazard_locks_[static_cast<size_t>(id) % hazard_locks_.size()]);
    if (auto done = Reconcile(id); !done) {
        spdlog::warn("safety: hazard {}: pending order steps not finished ({})", id, done.error().message);
    }
    LINLI_ASSIGN_OR_RETURN(auto h, db_.Read([&](Conn& conn) { return repo_.FindHazard(conn, id); }));
    if (!h) {
        return NotFound(std::string(kHazardNotFound));
    }
    if (h->status == HazardStatus::kRectified) {
        return Conflict("已整改，待复查 / the hazard was rectified already and waits for its re-inspection", "state");
    }
    if (h->status == HazardStatus::kVerified) {
        return Conflict("已复查销号 / the hazard was signed off by a passed re-inspection already", "state");
    }
    if (!h->order_id) {
        return Conflict("the hazard's work order is still being opened; try again in a moment", "state");
    }
    LINLI_ASSIGN_OR_RETURN(auto detail, orders_.Get(actor, *h->order_id));
    const OrderState state = detail.order.state;
    const bool need_start = state == OrderState::kDispatched || state == OrderState::kReopened;
    const bool can_resolve = state == OrderState::kInProgress || state == OrderState::kEscalated;
    if (!need_start && !can_resolve) {
        return Conflict("the hazard's work order " + detail.order.tracking_code + " is " + StateOf(detail.order) +
                            "; a rectification is recorded once the order has been dispatched to its handler",
                        "state");
    }
    const OrderAction first = need_start ? OrderAction::kStart : OrderAction::kResolve;
    if (std::find(detail.actions.begin(), detail.actions.end(), first) == detail.actions.end()) {
        std::string handler =
            detail.order.handler.unit_name.empty() ? detail.order.handler.user_name : detail.order.handler.unit_name;
        return Forbidden("整改由隐患工单的处理人登记 / the rectification is recorded by the hazard order's handler" +
                         (handler.empty() ? std::string() : " (" + handler + ")"));
    }

    // The rectification is written first as pending; the resolve step's transaction makes it count
    // (OnEvent). If the step fails, it is removed; a crash leaves a pending row nobody sees.
    const int64_t now = clock_.Now();
    Rectification r;
    r.hazard_id = id;
    r.note = note;
    r.photo_ids = input.photo_ids;
    r.by_user_id = actor.user_id > 0 ? std::optional<int64_t>(actor.user_id) : std::nullopt;
    r.by_name = author;
    r.at = now;
    LINLI_ASSIGN_OR_RETURN(int64_t rect_id, db_.Write([&](Conn& conn) -> Result<int64_t> {
        LINLI_ASSIGN_OR_RETURN(int64_t rid, repo_.InsertRectification(conn, r, true));
        LINLI_TRY(repo_.PlacePhotos(conn, r.photo_ids, h->place_path));
        return rid;
    }));
    auto undo = [&](const Error& e) -> Error {
        (void)db_.Write([&](Conn& conn) { return repo_.DeleteRectification(conn, rect_id); });
        return e;
    };
    if (need_start) {
        orders::ActionInput start;
        start.note = "开始整改 / rectification under way";
        auto started = orders_.Act(actor, *h->order_id, OrderAction::kStart, start, info);
        if (!started) {
            return undo(started.error());
        }
    }
    orders::ActionInput resolve;
    resolve.note = "整改完成：" + note;
    auto resolved = orders_.Act(actor, *h->order_id, OrderAction::kResolve, resolve, info);
    if (!resolved) {
        return undo(resolved.error());
    }
    return LoadHazardDetail(id);
}

Result<HazardDetail> SafetyService::Reinspect(const Actor& actor, int64_t id, const NewReinspection& input,
                                              const RequestInfo&) {
    LINLI_TRY(RequireInspector(actor));
    LINLI_TRY(VisibleHazardOr404(actor, id));
    // A failed re-inspection says what is still wrong; a passed one may say nothing more.
    LINLI_ASSIGN_OR_RETURN(auto note, orders::CleanText(input.note, "note", kMaxNoteChars, input.passed));
    if (input.photo_ids.empty()) {
        return InvalidArgument("photo_ids", "a re-inspection needs at least one photo of what was found");
    }
    LINLI_TRY(CheckPhotos(actor, input.photo_ids, "photo_ids"));
    LINLI_ASSIGN_OR_RETURN(auto author, DisplayName(actor));
    std::lock_guard lock(hazard_locks_[static_cast<size_t>(id) % hazard_locks_.size()]);
    if (auto done = Reconcile(id); !done) {
        spdlog::warn("safety: hazard {}: pending order steps not finished ({})", id, done.error().message);
    }
    const int64_t now = clock_.Now();
    LINLI_TRY(db_.Write([&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindHazard(conn, id, true));
        if (!found) {
            return NotFound(std::string(kHazardNotFound));
        }
        Hazard h = std::move(*found);
        if (h.status == HazardStatus::kOpen) {
            return Conflict(
                "整改尚未完成 / the hazard has not been rectified yet: its handler records the "
                "rectification first (POST /api/v1/safety/hazards/" +
                    std::to_string(id) + "/rectification)",
                "state");
        }
        if (h.status == HazardStatus::kVerified) {
            return Conflict("已复查销号 / the hazard was signed off by a passed re-inspection already", "state");
        }
        if (h.rectified_by && *h.rectified_by == actor.user_id) {
            return Forbidden(
                "复查须由整改人以外的人员进行 / the re-inspection must be made by someone other than the "
                "person who rectified the hazard (" +
                h.rectified_by_name + ")");
        }
        Reinspection r;
        r.hazard_id = id;
        r.passed = input.passed;
        r.note = note;
        r.photo_ids = input.photo_ids;
        r.by_user_id = actor.user_id;
        r.by_name = author;
        r.at = now;
        if (input.passed) {
            h.status = HazardStatus::kVerified;
            h.verified_at = now;
            h.verified_by = actor.user_id;
            h.verified_by_name = author;
        } else {
            h.status = HazardStatus::kOpen;
            h.failed_reinspections += 1;
            if (h.failed_reinspections == 1) {
                // The one extension: the item's allowance again, from today.
                h.pending_due_at = RectifyDeadline(now, h.rectify_days, options_.utc_offset);
                r.new_due_at = h.pending_due_at;
            } else {
                // No second extension: the deadline stands (reopening would reset it) and the order climbs.
                h.pending_due_at = h.due_at;
                h.escalate_pending = true;
                r.escalated = true;
            }
        }
        h.updated_at = now;
        LINLI_TRY(repo_.InsertReinspection(conn, r));
        LINLI_TRY(repo_.PlacePhotos(conn, r.photo_ids, h.place_path));
        LINLI_TRY(repo_.SaveHazard(conn, h));
        return {};
    }));
    if (auto done = Reconcile(id); !done) {
        // The re-inspection stands; its order steps are finished by the next call or at start-up.
        spdlog::warn("safety: hazard {}: order not brought in line after the re-inspection ({})", id,
                     done.error().message);
    }
    return LoadHazardDetail(id);
}

Result<int> SafetyService::ResumeUnfinished() {
    LINLI_ASSIGN_OR_RETURN(auto ids, db_.Read([&](Conn& conn) { return repo_.ListUnfinished(conn, 500); }));
    for (int64_t id : ids) {
        std::lock_guard lock(hazard_locks_[static_cast<size_t>(id) % hazard_locks_.size()]);
        if (auto done = Reconcile(id); !done) {
            spdlog::warn("safety: hazard {}: unfinished order steps left for later ({})", id, done.error().message);
        }
    }
    return static_cast<int>(ids.size());
}

// ---- the hazard's work order ----------------------------------------------------------------------

Result<void> SafetyService::OpenOrder(int64_t hazard_id, const Actor& creator) {
    const int64_t now = clock_.Now();
    LINLI_ASSIGN_OR_RETURN(bool claimed, db_.Write([&](Conn& conn) {
        return repo_.ClaimOrder(conn, hazard_id, now, now + options_.order_claim_seconds);
    }));
    if (!claimed) {
        return {};  // it has its order, or another request is opening it
    }
    LINLI_ASSIGN_OR_RETURN(auto h, db_.Read([&](Conn& conn) { return repo_.FindHazard(conn, hazard_id); }));
    if (!h) {
        return Internal("a hazard vanished");
    }
    LINLI_ASSIGN_OR_RETURN(auto insp,
                           db_.Read([&](Conn& conn) { return repo_.FindInspection(conn, h->inspection_id); }));
    if (!insp) {
        return Internal("a hazard's inspection vanished");
    }
    LINLI_ASSIGN_OR_RETURN(int64_t category_id, CategoryIdFor(h->category_code));
    const int offset = options_.utc_offset;
    std::string description = "【检查表】" + insp->template_name_zh + "（第" + std::to_string(insp->template_version) +
                              "版）\n【检查对象】" + h->target_name + "\n【检查项】" + h->item_text;
    if (!h->basis.empty()) {
        description += "\n【依据】" + h->basis;
    }
    description += std::string("\n【隐患等级】") + (h->severity == Severity::kMajor ? "重大隐患" : "一般隐患");
    description += "\n【责任方】" + std::string(NameOf(kResponsibleKindNamesZh, h->responsible.kind));
    if (!h->responsible.name.empty()) {
        description += " " + h->responsible.name;
    }
    description += "\n【整改期限】" + FormatLocalDate(h->due_at, offset);
    description += "\n【检查时间】" + FormatLocalMinute(insp->inspected_at, offset) + " " + insp->inspector_name;
    orders::NewOrder o;
    o.kind = orders::OrderKind::kHazard;
    o.category_id = category_id;
    o.title = Truncate("隐患：" + h->item_text, orders::kMaxTitleChars);
    o.description = Truncate(description, orders::kMaxDescriptionChars);
    o.place_id = h->node_id;
    o.reporter_name = Truncate(insp->inspector_name, orders::kMaxReporterNameChars);
    o.channel = orders::Channel::kPatrol;
    o.auto_dispatch = true;
    auto created = orders_.Create(creator, o, RequestInfo{"safety", "local"});
    if (!created) {
        // Let the next try (a repeated post, start-up) open it without waiting for the claim to lapse.
        (void)db_.Write([&](Conn& conn) { return repo_.ReleaseOrderClaim(conn, hazard_id); });
        return created.error();
    }
    orders::Order order = created->order;

    // Accepted and dispatched: to the responsible unit when there is one (the property company),
    // else to whoever the category names (the grid worker of the place). A step that cannot be taken
    // now (no grid worker) is left to the dispatcher, as for any order.
    const Actor system = SafetySystem();
    auto step = [&](OrderAction action, const orders::ActionInput& input) {
        auto r = orders_.Act(system, order.id, action, input, RequestInfo{"safety", "local"});
        if (r) {
            order = r->order;
        } else {
            spdlog::info("safety: hazard {}: order {} not {}ed: {}", hazard_id, order.tracking_code,
                         orders::ActionName(action), r.error().message);
        }
    };
    if (order.state == OrderState::kSubmitted) {
        orders::ActionInput accept;
        accept.note = "排查发现隐患，自动受理 / found in an inspection";
        step(OrderAction::kAccept, accept);
    }
    if (h->responsible.unit_id) {
        orders::ActionInput dispatch;
        dispatch.handler_unit_id = h->responsible.unit_id;
        dispatch.note = "派至责任单位 / sent to the responsible unit";
        step(OrderAction::kDispatch, dispatch);
    } else if (order.state == OrderState::kAccepted) {
        step(OrderAction::kDispatch, orders::ActionInput{});
    }

    LINLI_TRY(db_.Write([&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto cur, repo_.FindHazard(conn, hazard_id, true));
        if (!cur || cur->order_id) {
            return Conflict("the hazard got an order meanwhile");
        }
        cur->order_id = order.id;
        cur->order_claim_until.reset();
        cur->tracking_code = order.tracking_code;
        cur->order_state = StateOf(order);
        cur->escalation_level = order.escalation_level;
        cur->handler_user_id = order.handler.user_id;
        cur->handler_unit_id = order.handler.unit_id;
        cur->updated_at = clock_.Now();
        return repo_.SaveHazard(conn, *cur);
    }));
    return ApplyPendingDeadline(hazard_id);
}

Result<void> SafetyService::ApplyPendingDeadline(int64_t hazard_id) {
    const Actor system = SafetySystem();
    for (int attempt = 0; attempt < kDeadlineAttempts; ++attempt) {
        LINLI_ASSIGN_OR_RETURN(auto h, db_.Read([&](Conn& conn) { return repo_.FindHazard(conn, hazard_id); }));
        if (!h || !h->pending_due_at || !h->order_id) {
            return {};
        }
        const int64_t due = *h->pending_due_at;
        LINLI_ASSIGN_OR_RETURN(auto detail, orders_.Get(system, *h->order_id));
        const orders::Order& order = detail.order;
        const bool final_state = order.state == OrderState::kClosed || order.state == OrderState::kMerged ||
                                 order.state == OrderState::kRejected;
        const int64_t now = clock_.Now();
        LINLI_ASSIGN_OR_RETURN(bool done, db_.Write([&](Conn& conn) -> Result<bool> {
            if (!final_state && order.due_resolve_at != due) {
                // The order carries the deadline, so the orders scheduler warns, flags and escalates on it.
                orders::Order next = order;
                next.due_resolve_at = due;
                next.resolve_warned_at.reset();
                next.overdue_at.reset();
                next.updated_at = now;
                orders::OrderEvent event;
                event.at = now;
                event.actor_name = system.username;
                event.actor_role = "system";
                event.action = "deadline";
                event.from_state = StateOf(order);
                event.to_state = StateOf(order);
                event.note = "整改期限 / rectify by " + FormatLocalMinute(due, options_.utc_offset);
                event.is_public = true;
                event.note_public = true;
                event.detail = boost::json::serialize(boost::json::object{{"due_at", due}, {"hazard_id", hazard_id}});
                LINLI_ASSIGN_OR_RETURN(bool applied, orders_.ApplyScheduledStep(conn, next, event));
                if (!applied) {
                    return false;  // the order changed meanwhile: read it again
                }
            }
            // Read after the step: the listener has just written the hazard's mirror.
            LINLI_ASSIGN_OR_RETURN(auto cur, repo_.FindHazard(conn, hazard_id));
            if (!cur || cur->pending_due_at != due) {
                return true;
            }
            cur->pending_due_at.reset();
            if (!final_state) {
                cur->due_at = due;
            }
            cur->updated_at = now;
            LINLI_TRY(repo_.SaveHazard(conn, *cur));
            return true;
        }));
        if (done) {
            return {};
        }
    }
    return Conflict("the hazard's work order kept changing; its deadline is set on the next try");
}

Result<void> SafetyService::Reconcile(int64_t hazard_id) {
    LINLI_ASSIGN_OR_RETURN(auto h, db_.Read([&](Conn& conn) { return repo_.FindHazard(conn, hazard_id); }));
    if (!h) {
        return {};
    }
    if (!h->order_id) {
        return OpenOrder(hazard_id, SafetySystem());
    }
    const Actor system = SafetySystem();
    const RequestInfo info{"safety", "local"};
    LINLI_ASSIGN_OR_RETURN(auto detail, orders_.Get(system, *h->order_id));
    orders::Order order = detail.order;
    auto act = [&](OrderAction action, std::string note) -> Result<void> {
        orders::ActionInput input;
        input.note = std::move(note);
        input.note_public = true;
        LINLI_ASSIGN_OR_RETURN(auto after, orders_.Act(system, order.id, action, input, info));
        order = after.order;
        return {};
    };
    const int offset = options_.utc_offset;
    if (h->status == HazardStatus::kVerified) {
        const std::string when = h->verified_at ? FormatLocalDate(*h->verified_at, offset) : "";
        if (order.state == OrderState::kResolved) {
            // The answer to the reporter is the handler's to give (the state machine lets no one else
            // reply); it is given in their name at the sign-off, and says who re-inspected.
            LINLI_ASSIGN_OR_RETURN(auto answerer, HandlerActor(order, *h));
            if (!answerer) {
                return Conflict("the hazard's handler has to answer its order before it closes", "state");
            }
            orders::ActionInput input;
            input.note = "经复查（" + when + "，" + h->verified_by_name +
                         "），隐患已整改到位，予以销号。/ Re-inspected on " + when + " by " + h->verified_by_name +
                         ": put right, signed off.";
            input.note_public = true;
            LINLI_ASSIGN_OR_RETURN(auto after, orders_.Act(*answerer, order.id, OrderAction::kReply, input, info));
            order = after.order;
        }
        if (order.state == OrderState::kReplied) {
            LINLI_TRY(act(OrderAction::kClose, "复查合格销号 / signed off after a passed re-inspection"));
        }
    } else if (h->status == HazardStatus::kOpen && order.state == OrderState::kResolved) {
        LINLI_TRY(act(OrderAction::kReopen, "复查不合格，重新整改 / failed its re-inspection: to be put right again"));
    }
    LINLI_TRY(ApplyPendingDeadline(hazard_id));
    if (h->escalate_pending) {
        LINLI_ASSIGN_OR_RETURN(auto now_detail, orders_.Get(system, *h->order_id));
        order = now_detail.order;
        if (orders::IsOpen(order.state) && order.escalation_level < orders::kLevelSubdistrict) {
            LINLI_TRY(
                act(OrderAction::kEscalate, "复查再次不合格，升级督办 / failed its re-inspection again: escalated"));
        }
        LINLI_TRY(db_.Write([&](Conn& conn) -> Result<void> {
            LINLI_ASSIGN_OR_RETURN(auto cur, repo_.FindHazard(conn, hazard_id, true));
            if (!cur) {
                return {};
            }
            cur->escalate_pending = false;
            cur->updated_at = clock_.Now();
            return repo_.SaveHazard(conn, *cur);
        }));
    }
    return {};
}

Result<std::optional<Actor>> SafetyService::HandlerActor(const orders::Order& order, const Hazard& h) {
    const Actor system = accounts::AccountsService::SystemActor("safety");
    std::vector<int64_t> candidates;
    if (order.handler.user_id) {
        candidates.push_back(*order.handler.user_id);
    } else if (order.handler.unit_id) {
        // A unit answers through a member: the one who rectified, else any member.
        if (h.rectified_by) {
            candidates.push_back(*h.rectified_by);
        }
        LINLI_ASSIGN_OR_RETURN(auto members, catalog_.ListMembers(system, *order.handler.unit_id));
        for (const auto& m : members) {
            candidates.push_back(m.user_id);
        }
    }
    for (int64_t id : candidates) {
        auto user = accounts_.GetUser(system, id);
        if (!user || user->status != accounts::UserStatus::kActive) {
            continue;
        }
        if (order.handler.unit_id && !order.handler.user_id) {
            LINLI_ASSIGN_OR_RETURN(auto members, catalog_.ListMembers(system, *order.handler.unit_id));
            if (std::none_of(members.begin(), members.end(), [&](const auto& m) { return m.user_id == id; })) {
                continue;
            }
        }
        Actor a;
        a.user_id = user->id;
        a.username = user->display_name.empty() ? user->username : user->display_name;
        a.role = user->role;
        return std::optional<Actor>(std::move(a));
    }
    return std::optional<Actor>();
}

// ---- orders hooks -------------------------------------------------------------------------------

Result<void> SafetyService::OnEvent(Conn& conn, const orders::Order& order, const orders::OrderEvent& event) {
    if (order.kind != orders::OrderKind::kHazard) {
        return {};  // costs other orders nothing
    }
    LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindHazardByOrder(conn, order.id));
    if (!found) {
        return {};  // not an inspection's hazard (a device alarm), or not linked yet
    }
    Hazard h = std::move(*found);
    h.order_state = StateOf(order);
    h.tracking_code = order.tracking_code;
    h.escalation_level = order.escalation_level;
    h.handler_user_id = order.handler.user_id;
    h.handler_unit_id = order.handler.unit_id;
    if (order.state != OrderState::kSubmitted) {
        h.due_at = order.due_resolve_at;
    }
    if (event.action == "resolve") {
        // 整改: whoever resolves the order rectified the hazard; the record made through Rectify (with
        // its photos) counts from now on, or one is made from the resolve note.
        h.status = HazardStatus::kRectified;
        h.rectified_at = event.at;
        h.rectified_by = event.actor_user_id;
        LINLI_ASSIGN_OR_RETURN(auto recorded, repo_.ApplyPendingRectification(conn, h.id, event.actor_user_id));
        if (recorded) {
            h.rectified_by_name = *recorded;
        } else {
            h.rectified_by_name = event.actor_name;
            Rectification r;
            r.hazard_id = h.id;
            r.note = event.note;
            r.by_user_id = event.actor_user_id;
            r.by_name = event.actor_name;
            r.at = event.at;
            LINLI_TRY(repo_.InsertRectification(conn, r, false));
        }
    } else if (event.action == "reopen" && h.status != HazardStatus::kOpen) {
        // Reopened by hand after a rectification or a sign-off: to be put right (and checked) again.
        h.status = HazardStatus::kOpen;
        h.verified_at.reset();
        h.verified_by.reset();
        h.verified_by_name.clear();
    }
    h.updated_at = event.at;
    return repo_.SaveHazard(conn, h);
}

Result<void> SafetyService::BeforeStep(Conn& conn, const Actor&, const orders::Order& order, OrderAction action) {
    if (order.kind != orders::OrderKind::kHazard) {
        return {};
    }
    if (action != OrderAction::kReply && action != OrderAction::kClose && action != OrderAction::kReject &&
        action != OrderAction::kMerge) {
        return {};
    }
    LINLI_ASSIGN_OR_RETURN(auto h, repo_.FindHazardByOrder(conn, order.id));
    if (!h) {
        return {};
    }
    if (action == OrderAction::kReject || action == OrderAction::kMerge) {
        return Conflict(std::string("隐患工单不能") + (action == OrderAction::kReject ? "不予受理" : "合并") +
                            " / an inspection hazard cannot be " +
                            (action == OrderAction::kReject ? "rejected" : "merged") +
                            ": it closes only after a passed re-inspection (复查)",
                        "state");
    }
    if (h->status != HazardStatus::kVerified) {
        return Conflict(
            "隐患须经整改人以外的人员复查合格后方可答复、办结 / a hazard is answered and closed only after a "
            "passed re-inspection by someone other than the person who rectified it (POST "
            "/api/v1/safety/hazards/" +
                std::to_string(h->id) + "/reinspections)",
            "state");
    }
    return {};
}

}  // namespace linli::safety
