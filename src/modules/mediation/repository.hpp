#pragma once
/// The mediation module's only SQL: dispute categories, mediators and their duty roster, and the
/// dispute records beside the work orders (parties, mediators on it, sessions, agreement, outcome),
/// and the SQL of the disputes' visibility policy for the orders module. PostgreSQL-style $n.
///
/// Scope is the service's business for single disputes (it asks the orders module, which applies
/// the policy); the figures filter by place_path ranges here, in the SQL.
///
/// Thread safety: stateless; each call uses only the connection it is given.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "core/error.hpp"
#include "modules/mediation/model.hpp"
#include "modules/orders/repository.hpp"
#include "storage/database.hpp"

namespace linli::mediation {

/// Disputes are visible to global actors; to subdistrict leaders and community staff where their
/// scope covers the place; and to anyone who is a mediator on the dispute or the person its order
/// is sent to. Nobody else, in scope or not (a grid worker who is not on it gets 404).
class DisputeVisibility final : public orders::OrderVisibilityPolicy {
public:
    orders::OrderKind kind() const override { return orders::OrderKind::kDispute; }
    Rule RuleFor(const Actor& actor, std::vector<storage::Param>& params) const override;
    /// The tracking page keeps the steps and drops every note, and answers with generic text.
    void RedactPublicView(orders::PublicView& view) const override;
    /// The one instance (policies are stateless and registered for the whole process).
    static const DisputeVisibility& Instance();
};

/// True for the roles that read every dispute in their scope (ADR 0009).
bool IsDisputeLeader(const Actor& actor);

/// A party as stored: the sealed phone beside the masked one.
struct PartyInsert {
    int64_t order_id = 0;
    PartySide side = PartySide::kApplicant;
    std::optional<int64_t> resident_id;
    std::string name;
    std::optional<std::string> phone_enc;
    std::optional<std::string> phone_hash;
    std::optional<std::string> phone_masked;
    int64_t created_at = 0;
    std::optional<int64_t> household_id;  // a resident's home (not stored: the default place of intake)
};

/// The first row of a dispute, written with its order.
struct DisputeInsert {
    int64_t order_id = 0;
    int64_t category_id = 0;
    std::string subject;
    std::optional<int64_t> community_id;
    std::optional<int64_t> grid_id;
    std::string place_path;
    int64_t received_at = 0;
    std::string received_day;
};

/// Figures' filter: received days [from, to], places under any of `paths` (none: everywhere).
struct FigureFilter {
    std::string from;
    std::string to;
    std::vector<std::string> paths;
    bool everywhere = false;
};

/// One group's counts as the SQL adds them up.
struct FigureCounts {
    std::string key;
    DisputeFigures figures;
};

class MediationRepository {
public:
    // ---- categories ----
    Result<std::vector<DisputeCategory>> ListCategories(storage::Conn& conn, bool include_inactive) const;
    Result<std::optional<DisputeCategory>> FindCategoryByCode(storage::Conn& conn, std::string_view code) const;

    // ---- mediators ----
    /// 409 (unique user_id) when the user is a mediator already.
    Result<int64_t> InsertMediator(storage::Conn& conn, const NewMediator& m, std::optional<int64_t> created_by,
                                   int64_t now) const;
    Result<std::optional<Mediator>> FindMediator(storage::Conn& conn, int64_t id) const;
    Result<std::optional<Mediator>> FindMediatorByUser(storage::Conn& conn, int64_t user_id) const;
    /// By display name; `specialism` keeps those who have it.
    Result<std::vector<Mediator>> ListMediators(storage::Conn& conn, bool include_inactive,
                                                std::optional<Specialism> specialism) const;
    Result<void> UpdateMediator(storage::Conn& conn, const Mediator& m) const;

    // ---- duty roster ----
    /// False when the mediator is on that community's roster that day already.
    Result<bool> InsertDuty(storage::Conn& conn, int64_t community_id, const std::string& date, int64_t mediator_id,
                            Specialism specialism, std::optional<int64_t> created_by, int64_t now) const;
    /// Days [from, to] of one community, by day then mediator name.
    Result<std::vector<DutyEntry>> ListDuty(storage::Conn& conn, int64_t community_id, const std::string& from,
                                            const std::string& to, std::optional<Specialism> specialism) const;
    Result<std::optional<DutyEntry>> FindDuty(storage::Conn& conn, int64_t id) const;
    Result<bool> DeleteDuty(storage::Conn& conn, int64_t id) const;
    Result<bool> IsOnDuty(storage::Conn& conn, int64_t community_id, const std::string& date,
                          int64_t mediator_id) const;

    // ---- disputes ----
    /// Writes the dispute's first row unless there is one (ON CONFLICT DO NOTHING).
    Result<void> InsertDispute(storage::Conn& conn, const DisputeInsert& d, int64_t now) const;
    Result<void> UpdateHead(storage::Conn& conn, int64_t order_id, int64_t category_id, const std::string& subject,
                            int64_t now) const;
    /// The dispute with its category, parties, mediators and sessions; none when there is no row.
    Result<std::optional<Dispute>> FindDispute(storage::Conn& conn, int64_t order_id) const;
    /// Summaries of the disputes among `order_ids` (those with a row), by order id.
    Result<std::map<int64_t, DisputeSummary>> Summaries(storage::Conn& conn,
                                                        const std::vector<int64_t>& order_ids) const;

    /// 409 when the resident is a party already.
    Result<int64_t> InsertParty(storage::Conn& conn, const PartyInsert& p) const;
    /// False when the mediator is on the dispute already.
    Result<bool> InsertDisputeMediator(storage::Conn& conn, int64_t order_id, const Mediator& m, bool lead,
                                       bool on_duty, std::optional<int64_t> by, int64_t now) const;
    /// Makes `mediator_id` the only lead of the dispute.
    Result<void> SetLead(storage::Conn& conn, int64_t order_id, int64_t mediator_id) const;
    Result<int64_t> InsertSession(storage::Conn& conn, const Session& s) const;
    /// Replaces the agreement text and sets every party's decision back to pending.
    Result<void> SetAgreement(storage::Conn& conn, int64_t order_id, const std::string& text,
                              std::optional<int64_t> by, int64_t now) const;
    Result<void> SetDecision(storage::Conn& conn, int64_t party_id, Decision decision, const std::string& note,
                             int64_t now) const;
    /// False when an outcome was recorded meanwhile (compare-and-set on outcome IS NULL).
    Result<bool> SetOutcome(storage::Conn& conn, int64_t order_id, const OutcomeInput& in,
                            std::optional<int64_t> by, int64_t now) const;

    // ---- figures ----
    /// Counts per group (category code, "YYYY-MM", or grid id as text) of disputes received in range.
    Result<std::vector<FigureCounts>> Figures(storage::Conn& conn, const FigureFilter& filter,
                                              FigureGroup group) const;
};

}  // namespace linli::mediation
