#pragma once
/// The safety module's only SQL: templates and their versions and items, venues, photos,
/// inspections and their results, hazards, rectifications and re-inspections, ledger counts.
/// PostgreSQL-style $n, for SQLite and PostgreSQL alike.
///
/// Reads a caller's request can reach take a Visibility and filter in the SQL, so a record outside
/// the caller's scope is never fetched. Sort orders are fixed; user text only travels as bound
/// parameters.
///
/// Thread safety: stateless; each call uses only the connection it is given.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "modules/safety/model.hpp"
#include "storage/database.hpp"

namespace linli::safety {

/// What a caller may see, resolved by the service: everything (global), the subtrees of `paths`
/// (when `by_scope`), and hazards sent to `user_id` or to one of `unit_ids`.
struct Visibility {
    bool global = false;
    bool by_scope = true;
    std::vector<std::string> paths;
    std::optional<int64_t> user_id;
    std::vector<int64_t> unit_ids;
};

/// The territory filter of lists and counts: under `under_path` (a node's subtree) too.
struct PlaceFilter {
    std::optional<std::string> under_path;
    std::optional<int64_t> venue_id;
};

/// One line of the ledger's counts: a group key and a kind.
struct CountRow {
    int64_t key = 0;  // 0: none (no building, no venue)
    TemplateKind kind = TemplateKind::kOther;
    HazardCounts counts;
};

class SafetyRepository {
public:
    // ---- templates ----
    Result<std::vector<Template>> ListTemplates(storage::Conn& conn) const;
    Result<std::optional<Template>> FindTemplate(storage::Conn& conn, int64_t id) const;
    Result<int64_t> InsertTemplate(storage::Conn& conn, const Template& t, std::optional<int64_t> created_by) const;
    /// Writes active, category_code, name_zh, name_en, current_version and updated_at.
    Result<void> UpdateTemplate(storage::Conn& conn, const Template& t) const;
    /// Inserts the version and its items (ids filled in `v`).
    Result<void> InsertVersion(storage::Conn& conn, TemplateVersion& v) const;
    /// The version with its items; nullopt when the template has no such version.
    Result<std::optional<TemplateVersion>> FindVersion(storage::Conn& conn, int64_t template_id, int version) const;
    /// Every version without items (item_count set), newest first.
    Result<std::vector<TemplateVersion>> ListVersions(storage::Conn& conn, int64_t template_id) const;

    // ---- venues ----
    Result<int64_t> InsertVenue(storage::Conn& conn, const Venue& v, const std::optional<std::string>& phone_enc,
                                const std::optional<std::string>& phone_hash, std::optional<int64_t> created_by) const;
    /// Unscoped: the service checks the place against the caller.
    Result<std::optional<Venue>> FindVenue(storage::Conn& conn, int64_t id) const;
    Result<std::optional<std::string>> FindVenuePhoneSealed(storage::Conn& conn, int64_t id) const;
    /// Visible venues, newest first, ids below `before_id`. `phone_hash`: the owner's exact phone.
    Result<std::vector<Venue>> ListVenues(storage::Conn& conn, const Visibility& vis, const PlaceFilter& place,
                                          const VenueQuery& q, const std::optional<std::string>& phone_hash,
                                          std::optional<int64_t> before_id, int limit) const;
    /// Writes the mutable columns; the phone columns only when `phone` is given (a present nullopt
    /// clears them).
    struct SealedPhone {
        std::optional<std::string> enc;
        std::optional<std::string> hash;
        std::optional<std::string> masked;
    };
    Result<void> UpdateVenue(storage::Conn& conn, const Venue& v, const std::optional<SealedPhone>& phone) const;
    Result<int64_t> CountVenueInspections(storage::Conn& conn, int64_t venue_id) const;
    Result<void> DeleteVenue(storage::Conn& conn, int64_t id) const;

    // ---- photos ----
    /// The photo `uploaded_by` uploaded with these bytes before, if any.
    Result<std::optional<Photo>> FindPhotoBySha(storage::Conn& conn, int64_t uploaded_by,
                                                std::string_view sha256) const;
    Result<int64_t> InsertPhoto(storage::Conn& conn, const Photo& p) const;
    Result<std::optional<Photo>> FindPhoto(storage::Conn& conn, int64_t id) const;
    Result<std::vector<Photo>> FindPhotos(storage::Conn& conn, const std::vector<int64_t>& ids) const;
    /// Gives the photos without a place `path` (the first record that refers to them).
    Result<void> PlacePhotos(storage::Conn& conn, const std::vector<int64_t>& ids, std::string_view path) const;
    Result<bool> IsPhotoFile(storage::Conn& conn, std::string_view storage_name) const;
    /// True when photo `photo_id` shows a hazard sent to `user_id` or to one of `unit_ids`: taken at
    /// the inspection that found it, at its rectification or at its re-inspection.
    Result<bool> PhotoOnHazardSentTo(storage::Conn& conn, int64_t photo_id, std::optional<int64_t> user_id,
                                     const std::vector<int64_t>& unit_ids) const;

    // ---- inspections ----
    struct StoredInspection {
        Inspection inspection;
        std::string payload_hash;
    };
    Result<std::optional<StoredInspection>> FindInspectionByClient(storage::Conn& conn, int64_t inspector_id,
                                                                   std::string_view client_id) const;
    Result<int64_t> InsertInspection(storage::Conn& conn, const Inspection& i, std::string_view payload_hash) const;
    Result<int64_t> InsertResult(storage::Conn& conn, int64_t inspection_id, const InspectionResult& r) const;
    Result<std::optional<Inspection>> FindInspection(storage::Conn& conn, int64_t id) const;
    /// Its results with the items' texts, in item order.
    Result<std::vector<InspectionResult>> ListResults(storage::Conn& conn, int64_t inspection_id) const;
    /// Visible inspections, newest first (by id), ids below `before_id`.
    Result<std::vector<Inspection>> ListInspections(storage::Conn& conn, const Visibility& vis,
                                                    const PlaceFilter& place, const InspectionQuery& q,
                                                    std::optional<int64_t> node_id, std::optional<int64_t> before_id,
                                                    int limit) const;
    /// Inspections of a building (node and below: its fire escapes) or of a venue, and the latest date.
    Result<std::pair<int64_t, std::optional<int64_t>>> InspectionTotals(storage::Conn& conn, const PlaceFilter& place,
                                                                        std::optional<int64_t> node_id) const;
    Result<void> SetVenueInspected(storage::Conn& conn, int64_t venue_id, int64_t at) const;
    Result<int64_t> CountInspections(storage::Conn& conn, const Visibility& vis, const PlaceFilter& place,
                                     std::optional<int64_t> from, std::optional<int64_t> to) const;

    // ---- hazards ----
    Result<int64_t> InsertHazard(storage::Conn& conn, const Hazard& h) const;
    /// Unscoped. `lock`: FOR UPDATE on PostgreSQL (the caller is about to write it).
    Result<std::optional<Hazard>> FindHazard(storage::Conn& conn, int64_t id, bool lock = false) const;
    Result<std::optional<Hazard>> FindHazardByOrder(storage::Conn& conn, int64_t order_id) const;
    Result<std::vector<Hazard>> ListHazardsOfInspection(storage::Conn& conn, int64_t inspection_id) const;
    /// Visible hazards, newest first, ids below `before_id`.
    Result<std::vector<Hazard>> ListHazards(storage::Conn& conn, const Visibility& vis, const PlaceFilter& place,
                                            const HazardQuery& q, int64_t now, std::optional<int64_t> before_id,
                                            int limit) const;
    /// Writes every mutable column of `h` (status, deadlines, the re-inspection tallies, the order
    /// link and its mirror) and updated_at.
    Result<void> SaveHazard(storage::Conn& conn, const Hazard& h) const;
    /// Claims the right to open the hazard's order until `until`; false when it has one or another
    /// claim is still running.
    Result<bool> ClaimOrder(storage::Conn& conn, int64_t id, int64_t now, int64_t until) const;
    /// Gives up a claim that did not lead to an order.
    Result<void> ReleaseOrderClaim(storage::Conn& conn, int64_t id) const;
    /// Hazards with something left to finish (an order to open, a deadline or an escalation the order
    /// has not taken, a sign-off or a failure the order has not followed), lowest id first.
    Result<std::vector<int64_t>> ListUnfinished(storage::Conn& conn, int limit) const;

    // ---- rectifications and re-inspections ----
    Result<int64_t> InsertRectification(storage::Conn& conn, const Rectification& r, bool pending) const;
    /// Marks the newest pending rectification of `user_id` on the hazard applied; the name it was
    /// recorded under, or nullopt when there is none.
    Result<std::optional<std::string>> ApplyPendingRectification(storage::Conn& conn, int64_t hazard_id,
                                                                 std::optional<int64_t> user_id) const;
    Result<void> DeleteRectification(storage::Conn& conn, int64_t id) const;
    /// Applied ones, oldest first.
    Result<std::vector<Rectification>> ListRectifications(storage::Conn& conn, int64_t hazard_id) const;
    Result<int64_t> InsertReinspection(storage::Conn& conn, const Reinspection& r) const;
    Result<std::vector<Reinspection>> ListReinspections(storage::Conn& conn, int64_t hazard_id) const;

    // ---- ledgers ----
    enum class GroupColumn { kCommunity, kGrid, kBuilding, kVenue, kNone };
    /// Counts of visible hazards found in [from, to) under `place`, per group key and kind.
    Result<std::vector<CountRow>> CountHazards(storage::Conn& conn, const Visibility& vis, const PlaceFilter& place,
                                               GroupColumn group, std::optional<int64_t> from,
                                               std::optional<int64_t> to, int64_t now) const;
    /// Venue names by id (for ledger rows).
    Result<std::vector<std::pair<int64_t, std::string>>> VenueNames(storage::Conn& conn,
                                                                    const std::vector<int64_t>& ids) const;
};

}  // namespace linli::safety
