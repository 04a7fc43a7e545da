#pragma once
/// Dispute mediation's rules (issue 5 §6–7, ADR 0009): disputes are work orders of kind dispute
/// recorded through OrderService (deadline "same day" from their order category: 矛盾不过夜) with
/// parties, a dispute category, mediators chosen from a community's duty roster, sessions, the
/// agreement (调解协议) with each party's decision, and the outcome; and the figures.
///
/// Confidentiality: constructing the service registers DisputeVisibility with the orders module, so
/// every read of an order of kind dispute — here and through /api/v1/orders, attachments, similar
/// orders — answers only the people on it (its mediators, the person its order is sent to) and
/// leaders (admin; subdistrict leader and community staff in scope); anyone else gets 404, as for an
/// order out of scope. The tracking page shows the steps with generic text. Others see counts by
/// grid only (Figures).
///
/// Who may do what:
///  - record a dispute: the roles that record orders (admin, subdistrict_leader, community_staff,
///    grid_worker, building_head, link_leader); choosing its mediator at intake: leaders only;
///  - assign mediators: leaders in scope; a mediator not on the community's roster that day is
///    allowed with a warning (in the answer and in the order's internal timeline);
///  - parties, sessions, agreement, decisions, outcome: whoever may read the dispute;
///  - mediators and the roster: read by staff (admin, subdistrict_leader, community_staff,
///    grid_worker; the roster of a community in scope), changed by leaders (audited).
///
/// Each change is one write transaction with its internal timeline entry on the order; the order's
/// own steps (accept and dispatch to the lead mediator, start and resolve on the outcome) are
/// taken through OrderService when the caller may take them, else a warning says what is left.
///
/// Thread safety: every method may be called concurrently.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/field_crypto.hpp"
#include "core/paging.hpp"
#include "core/working_calendar.hpp"
#include "modules/accounts/service.hpp"
#include "modules/mediation/model.hpp"
#include "modules/mediation/repository.hpp"
#include "modules/orders/catalog_service.hpp"
#include "modules/orders/service.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/service.hpp"
#include "storage/database.hpp"

namespace linli::mediation {

class MediationService : public orders::OrderListener {
public:
    /// Registers DisputeVisibility with the orders module. REQUIRES: `db` is migrated; every argument
    /// outlives the service; the service is added as a listener of `orders` (App::Create does both).
    MediationService(storage::Database& db, const Clock& clock, const WorkingCalendar& calendar,
                     const FieldCrypto& crypto, orders::OrderService& orders, orders::CatalogService& catalog,
                     registry::RegistryService& territory, registry::ResidentService& residents,
                     accounts::AccountsService& accounts);

    /// Writes the dispute's first row in the transaction that submits an order of kind dispute, from
    /// any intake (this module's, staff intake at /api/v1/orders, the QR page): every dispute order
    /// has its record, so none is missing from the figures.
    Result<void> OnEvent(storage::Conn& conn, const orders::Order& order, const orders::OrderEvent& event) override;

    // ---- categories, mediators, roster ----------------------------------------------------------

    /// Active dispute categories by sort order.
    Result<std::vector<DisputeCategory>> ListCategories(const Actor& actor);

    Result<std::vector<Mediator>> ListMediators(const Actor& actor, bool include_inactive,
                                                std::optional<Specialism> specialism);
    /// 404 when missing.
    Result<Mediator> GetMediator(const Actor& actor, int64_t id);
    /// Leaders only (403). 400 user_id (no such user, disabled, a resident's or merchant's account),
    /// specialisms, title; 409 user_id when the user is a mediator already. Audited mediator.create.
    Result<Mediator> CreateMediator(const Actor& actor, const NewMediator& input, const RequestInfo& info);
    /// Leaders only. Audited mediator.update.
    Result<Mediator> UpdateMediator(const Actor& actor, int64_t id, const MediatorPatch& patch,
                                    const RequestInfo& info);

    /// The roster of a community in scope (404 community_id; 400 community_id when not a community)
    /// over [from, to] (default: 7 days from today; 400 from/to; at most kMaxDutyRangeDays).
    Result<std::vector<DutyEntry>> ListDuty(const Actor& actor, const DutyQuery& query);
    /// Puts mediators on a community's roster (leaders in scope). Each entry: a real date (400
    /// entries[i].date), an active mediator (400 entries[i].mediator_id), a specialism of theirs
    /// (400 entries[i].specialism). An entry already there is left as it is. Audited
    /// mediation_duty.add. Returns the roster over the days the entries cover.
    Result<std::vector<DutyEntry>> AddDuty(const Actor& actor, int64_t community_id,
                                           const std::vector<NewDutyEntry>& entries, const RequestInfo& info);
    /// Takes one entry off the roster (leaders in scope; 404 otherwise). Audited mediation_duty.remove.
    Result<void> RemoveDuty(const Actor& actor, int64_t id, const RequestInfo& info);

    // ---- disputes ---------------------------------------------------------------------------------

    /// Records a dispute: its work order (kind dispute, the category's order category, a generic
    /// title; the subject and parties stay in the confidential record), its parties, and its lead
    /// mediator when given. Errors: 403 for a role that records no orders, and mediator_id from a
    /// non-leader; 400 category, subject, description, channel, parties (none, too many),
    /// parties[i].side, parties[i].name (neither resident_id nor name, or both), parties[i].phone,
    /// mediator_id (no such active mediator), place_id; 404 parties[i].resident_id (not in the
    /// register or out of scope), place_id.
    Result<DisputeDetail> Create(const Actor& actor, const NewDispute& input, const RequestInfo& info);
    /// 404 when there is no such dispute or the caller may not read it.
    Result<DisputeDetail> Get(const Actor& actor, int64_t id);
    /// The disputes the caller may read, newest first (order-level filters).
    Result<Page<DisputeSummary>> List(const Actor& actor, const DisputeQuery& query);

    /// Adds a party (as at intake, fields named "side", "resident_id", ...); 409 once the outcome is
    /// recorded, and for a resident who is a party already.
    Result<DisputeDetail> AddParty(const Actor& actor, int64_t id, const NewParty& party, const RequestInfo& info);
    /// Puts a mediator on the dispute (leaders in scope, else 403); `lead` makes them the one the
    /// order is sent to. 400 mediator_id (no such active mediator); 409 when on it already. Not on
    /// the community's roster today: allowed, with warning "mediator_not_on_duty".
    Result<DisputeDetail> AssignMediator(const Actor& actor, int64_t id, int64_t mediator_id, bool lead,
                                         const RequestInfo& info);
    /// Records a session. 400 held_on (not a date, or later than today), start_time, place_id (no
    /// such place, or outside the dispute's community), place_note, attendee_party_ids /
    /// attendee_mediator_ids (someone not on this dispute), other_attendees, notes.
    Result<DisputeDetail> AddSession(const Actor& actor, int64_t id, const NewSession& session,
                                     const RequestInfo& info);
    /// Sets the agreement text; every party's decision goes back to pending. 400 text; 409 once the
    /// outcome is recorded.
    Result<DisputeDetail> SetAgreement(const Actor& actor, int64_t id, const std::string& text,
                                       const RequestInfo& info);
    /// Records a party's decision on the agreement (see CheckDecision: 400 party_id for someone who
    /// is not a party of this dispute).
    Result<DisputeDetail> Decide(const Actor& actor, int64_t id, const DecisionInput& input,
                                 const RequestInfo& info);
    /// Records the outcome (see CheckOutcome), then starts and resolves the order when the caller is
    /// its handler; else warning "order_not_resolved".
    Result<DisputeDetail> RecordOutcome(const Actor& actor, int64_t id, const OutcomeInput& input,
                                        const RequestInfo& info);

    // ---- figures ----------------------------------------------------------------------------------

    /// Disputes received, mediated, agreed, partly agreed, failed, referred and pending, by category,
    /// month or grid, in scope (or under node_id: 404 node_id). Leaders get every grouping; grid
    /// workers counts by grid only (403 group_by otherwise); other roles 403. 400 from/to.
    Result<FigureReport> Figures(const Actor& actor, const FigureQuery& query);

private:
    /// The order of a dispute the caller may read (404 otherwise, also for orders of another kind).
    Result<orders::OrderDetail> VisibleDispute(const Actor& actor, int64_t id);
    /// Runs `change(conn, dispute)` in one write transaction after checking the caller may read the
    /// dispute (and, with `leaders_only`, is a leader in scope), then answers Get.
    template <class F>
    Result<DisputeDetail> Change(const Actor& actor, int64_t id, bool leaders_only, std::vector<Warning> warnings,
                                 F&& change);
    /// Cleans one party of the input, looking a resident up as the caller (`field` = "parties[i]" or "").
    Result<PartyInsert> CleanParty(const Actor& actor, const NewParty& in, const std::string& field);
    /// The mediator, active (400 `field` otherwise).
    Result<Mediator> ActiveMediator(int64_t id, const char* field);
    /// Accepts the order and sends it to `user_id` when the caller may; warnings say what is left.
    void SendToLead(const Actor& actor, int64_t id, int64_t user_id, const RequestInfo& info,
                    std::vector<Warning>& warnings);
    /// Starts and resolves the order when the caller may; warnings say what is left.
    void ResolveOrder(const Actor& actor, int64_t id, Outcome outcome, const RequestInfo& info,
                      std::vector<Warning>& warnings);
    /// The dispute's record with the order's facts (the listener's first row, written again if it is
    /// missing; nothing is written when it exists).
    Result<void> EnsureRecord(storage::Conn& conn, const orders::Order& order) const;
    /// A dispute that has no record yet, as the listener would write it.
    Result<DisputeCategory> DefaultCategory(storage::Conn& conn, const std::string& order_category_code) const;
    /// Today's local date.
    std::string Today() const;

    storage::Database& db_;
    const Clock& clock_;
    const WorkingCalendar& calendar_;
    const FieldCrypto& crypto_;
    orders::OrderService& orders_;
    orders::CatalogService& catalog_;
    registry::RegistryService& territory_;
    registry::ResidentService& residents_;
    accounts::AccountsService& accounts_;
    MediationRepository repo_;
};

}  // namespace linli::mediation
