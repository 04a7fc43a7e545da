#pragma once
/// Safety inspections (issue 5 §1–5, §7; DOMAIN.md §3; ADR 0008): 排查 → 整改 → 复查.
///
/// Checklists are data: templates with versioned items (legal basis, severity, default days to put a
/// failure right). Five are shipped (migration 0012); a community adds its own or adapts a shipped
/// one, and every edit adds a version, so an inspection shows forever the items it was made against.
///
/// Inspections of a building, a venue or a fire escape are posted whole, item by item, with the
/// phone's time and a client-generated id: the same id twice records one inspection and answers the
/// same (a different inspection under the same id is 409). Photos are uploaded first, one request
/// each, and referred to by id; images only, judged by content (415 otherwise).
///
/// Every failed item is a hazard, and every hazard a work order of kind hazard (OrderService), opened
/// right after the inspection commits as its inspector, dispatched to the responsible unit when the
/// inspector names one (the property company), else to the grid worker of the place, with the
/// rectification deadline the item allows. The hazard row follows its order: SafetyService is an
/// OrderListener (it mirrors the order's state, handler, deadline and escalation in the same
/// transaction) and an OrderStepGuard (an inspection hazard is answered and closed only once a
/// re-inspection passed; it is never rejected or merged: 409 naming the rule).
///
/// 整改: the order's handler records the rectification (note, photos); that resolves the order.
/// 复查: someone other than the person who rectified re-inspects (403 for the rectifier), with the
/// result and at least one photo. Passed: the order is answered and closed. Failed: the order is
/// reopened; the first failure extends the deadline once (the item's days again), a second one
/// escalates the order a rung and keeps the deadline. Overdue hazards escalate through the orders
/// scheduler like any order, since the order carries the deadline.
///
/// The steps after a commit (opening the order, reopening, answering, escalating, the deadline) are
/// the order service's own transactions. Each is recorded before it is taken (order_id claims,
/// pending_due_at, escalate_pending, the hazard's status), so a crash in between is finished by the
/// next call on the hazard or by ResumeUnfinished at start-up, and never done twice.
///
/// Who: inspect, re-inspect, venues and ledgers: admin, subdistrict_leader, community_staff,
/// grid_worker, within their scope; templates are changed by admins (shipped ones) and by community
/// staff and leaders (their communities' own); partner units see the hazards sent to them (and record
/// their rectification). Outside the caller's scope a record is 404, exactly like a missing one.
///
/// Thread safety: every method may be called concurrently.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/field_crypto.hpp"
#include "core/paging.hpp"
#include "modules/accounts/service.hpp"
#include "modules/ledger/table.hpp"
#include "modules/orders/attachment_store.hpp"
#include "modules/orders/catalog_service.hpp"
#include "modules/orders/service.hpp"
#include "modules/registry/service.hpp"
#include "modules/safety/model.hpp"
#include "modules/safety/repository.hpp"
#include "storage/database.hpp"

namespace linli::safety {

struct SafetyOptions {
    std::string photo_dir = "var/attachments/safety";
    int64_t max_photo_bytes = 10 * 1024 * 1024;
    int utc_offset = 8 * 3600;  // the community's zone: deadlines end at local midnight
    /// How long one request may take to open a hazard's order before another may try.
    int64_t order_claim_seconds = 120;
    /// Files without a row younger than this are left to the upload writing them.
    int64_t orphan_grace_s = 3600;
};

class SafetyService : public orders::OrderListener, public orders::OrderStepGuard {
public:
    /// REQUIRES: `db` is migrated; every argument outlives the service. Register it with
    /// orders.AddListener and orders.AddStepGuard before serving.
    SafetyService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto,
                  registry::RegistryService& territory, accounts::AccountsService& accounts,
                  orders::OrderService& orders, orders::CatalogService& catalog, SafetyOptions options);

    // ---- templates ----
    /// The templates the caller may use: shipped ones and those of communities they work in.
    /// `include_inactive` adds deactivated ones.
    Result<std::vector<Template>> ListTemplates(const Actor& actor, bool include_inactive,
                                                std::optional<TemplateKind> kind);
    /// The template with one version's items (the current one when `version` is absent). 404 when not
    /// visible; 404 version when it has no such version.
    Result<TemplateDetail> GetTemplate(const Actor& actor, int64_t id, std::optional<int> version);
    Result<std::vector<TemplateVersion>> ListTemplateVersions(const Actor& actor, int64_t id);
    /// Errors: 403 (role; a shipped template by anyone but an admin), 400 code/kind/name_zh/items/
    /// category_code/community_id, 404 community_id/based_on, 409 code (taken in that community).
    Result<TemplateDetail> CreateTemplate(const Actor& actor, const NewTemplate& input, const RequestInfo& info);
    /// A new version with the whole new list of items; the template points at it from now on.
    Result<TemplateDetail> AddTemplateVersion(const Actor& actor, int64_t id, const NewTemplateVersion& input,
                                              const RequestInfo& info);
    /// (De)activates a template or changes its order category; no new version.
    Result<Template> UpdateTemplate(const Actor& actor, int64_t id, const TemplatePatch& patch,
                                    const RequestInfo& info);

    // ---- venues ----
    /// Errors: 403 role, 400 name/kind/owner_phone/…/building_id (not a building)/grid_id, 404
    /// building_id/grid_id (not visible).
    Result<Venue> CreateVenue(const Actor& actor, const NewVenue& input, const RequestInfo& info);
    Result<Venue> GetVenue(const Actor& actor, int64_t id);
    Result<Page<Venue>> ListVenues(const Actor& actor, const VenueQuery& query);
    Result<Venue> UpdateVenue(const Actor& actor, int64_t id, const VenuePatch& patch, const RequestInfo& info);
    /// 409 when inspections refer to it (deactivate it instead).
    Result<void> DeleteVenue(const Actor& actor, int64_t id, const RequestInfo& info);
    /// The owner's full phone, with a stated reason; audited as venue.reveal. 404 phone when none.
    Result<std::string> RevealVenuePhone(const Actor& actor, int64_t id, std::string_view reason,
                                         const RequestInfo& info);

    // ---- photos ----
    /// Stores an image (JPEG, PNG, WebP, HEIC by content; anything else 415, a PDF too). The same
    /// bytes from the same person again answer the photo stored before (`created` false).
    Result<std::pair<Photo, bool>> AddPhoto(const Actor& actor, std::string_view bytes, const RequestInfo& info);
    /// The uploader's, or one a visible record refers to; 404 otherwise.
    Result<PhotoFile> GetPhoto(const Actor& actor, int64_t id);
    /// Removes files a crash left without a row. Call at start-up.
    Result<int> SweepOrphanPhotos();

    // ---- inspections ----
    /// Records an inspection and opens the orders of its hazards (see the header comment). Errors:
    /// 403 role; 400 client_id/template_version/items[i].item_id/items/items[i].photo_ids/
    /// inspected_at/label/responsible.unit_id/target_id (wrong kind); 404 template_id/target_id;
    /// 409 client_id (used for a different inspection).
    Result<InspectionOutcome> RecordInspection(const Actor& actor, const NewInspection& input, const RequestInfo& info);
    Result<InspectionDetail> GetInspection(const Actor& actor, int64_t id);
    /// 404 node_id/venue_id when not visible.
    Result<Page<Inspection>> ListInspections(const Actor& actor, const InspectionQuery& query);
    /// Every visible inspection matching `query` (paging ignored, at most kMaxExportRows), as a table
    /// with Chinese headers; audited as export.safety_inspections.
    Result<ledger::Table> ExportInspections(const Actor& actor, const InspectionQuery& query, const RequestInfo& info);

    // ---- hazards ----
    Result<HazardDetail> GetHazard(const Actor& actor, int64_t id);
    /// Items carry `overdue`, not their rectifications (see GetHazard).
    Result<Page<HazardDetail>> ListHazards(const Actor& actor, const HazardQuery& query);
    /// The 隐患台账: every visible hazard matching `query` (at most kMaxExportRows) with Chinese
    /// headers; audited as export.safety_hazards (it names responsible people).
    Result<ledger::Table> ExportHazards(const Actor& actor, const HazardQuery& query, const RequestInfo& info);
    /// 整改, by the hazard order's handler. Errors: 404; 400 note/photo_ids; 403 (not the handler);
    /// 409 (already rectified or signed off; the order not dispatched yet).
    Result<HazardDetail> Rectify(const Actor& actor, int64_t id, const NewRectification& input,
                                 const RequestInfo& info);
    /// 复查. Errors: 404; 403 role, or the caller rectified it; 400 photo_ids (none, or not the
    /// caller's)/note; 409 (not rectified yet, or already signed off).
    Result<HazardDetail> Reinspect(const Actor& actor, int64_t id, const NewReinspection& input,
                                   const RequestInfo& info);
    /// Finishes what a crash left between a commit and the order's step (see the header comment).
    /// Returns how many hazards it looked at.
    Result<int> ResumeUnfinished();

    // ---- ledgers, figures, safety records ----
    /// Hazards found in the period under node_id (else the caller's scope), per group and kind.
    Result<Ledger> GetLedger(const Actor& actor, const LedgerQuery& query);
    /// The ledger as a table with Chinese headers: a row per group and kind and the group's total.
    Result<ledger::Table> LedgerTable(const Ledger& ledger) const;
    /// Hazards found and rectified by kind and by grid; inspections made.
    Result<Figures> GetFigures(const Actor& actor, const LedgerQuery& query);
    /// A building's (node id) or a venue's record. 404 when not visible; 400 when the node is not a
    /// building.
    Result<SafetyRecord> GetSafetyRecord(const Actor& actor, TargetKind kind, int64_t id);

    int utc_offset() const { return options_.utc_offset; }
    const SafetyOptions& options() const { return options_; }
    int64_t Now() const { return clock_.Now(); }

    // ---- orders hooks ----
    /// Mirrors a hazard order's step onto its hazard; records a resolve as the rectification.
    Result<void> OnEvent(storage::Conn& conn, const orders::Order& order, const orders::OrderEvent& event) override;
    /// Refuses to answer or close an inspection hazard before a passed re-inspection, and to reject or
    /// merge one at all (409 naming the rule).
    Result<void> BeforeStep(storage::Conn& conn, const Actor& actor, const orders::Order& order,
                            orders::OrderAction action) override;

    static constexpr size_t kMaxExportRows = 100000;

private:
    struct Target;
    Result<Visibility> VisibilityOf(const Actor& actor, bool with_units);
    Result<std::vector<int64_t>> UnitsOf(const Actor& actor);
    bool CanSeeHazard(const Actor& actor, const Visibility& vis, const Hazard& h) const;
    Result<Hazard> VisibleHazardOr404(const Actor& actor, int64_t id);
    Result<HazardDetail> LoadHazardDetail(int64_t id);
    Result<bool> TemplateVisible(const Actor& actor, const Template& t) const;
    Result<void> RequireTemplateWriter(const Actor& actor, const Template& t) const;
    Result<std::vector<NewTemplateItem>> CleanItems(const std::vector<NewTemplateItem>& items) const;
    Result<std::string> CheckCategoryCode(std::string_view code);
    Result<int64_t> CategoryIdFor(std::string_view code);
    Result<Target> ResolveTarget(const Actor& actor, const NewInspection& input);
    Result<void> CheckPhotos(const Actor& actor, const std::vector<int64_t>& ids, const std::string& field);
    Result<InspectionDetail> LoadInspection(int64_t id);
    Result<std::string> DisplayName(const Actor& actor);
    Result<std::optional<std::string>> UnderPath(const Actor& actor, std::optional<int64_t> node_id);
    /// Opens the hazard's order unless it has one or another request holds the claim.
    Result<void> OpenOrder(int64_t hazard_id, const Actor& creator);
    /// Brings the hazard's order in line with what the hazard records (see the header comment).
    Result<void> Reconcile(int64_t hazard_id);
    Result<void> ApplyPendingDeadline(int64_t hazard_id);
    /// Who answers a hazard order on its handler's side: the handling user, or a member of the
    /// handling unit (the one who rectified first). nullopt when nobody can.
    Result<std::optional<Actor>> HandlerActor(const orders::Order& order, const Hazard& h);
    std::string NodeName(int64_t id, std::map<int64_t, std::string>& cache);

    storage::Database& db_;
    const Clock& clock_;
    const FieldCrypto& crypto_;
    registry::RegistryService& territory_;
    accounts::AccountsService& accounts_;
    orders::OrderService& orders_;
    orders::CatalogService& catalog_;
    SafetyOptions options_;
    orders::AttachmentStore photos_;
    SafetyRepository repo_;
    /// Requests on one hazard's order steps one at a time in this process (striped by hazard id); the
    /// order's own compare-and-set keeps other instances honest.
    std::array<std::mutex, 64> hazard_locks_;
};

}  // namespace linli::safety
