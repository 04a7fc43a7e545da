#pragma once
/// The resident register's rules (DOMAIN.md §2): households and buildings over the territory tree,
/// residents with masked personal data, care tags (age tags computed as of today), moves that keep
/// one record per person, audited reveals, and the bulk import.
///
/// Scope: every read and write is filtered by the caller's territory scope on the resident's current
/// household path (ADR 0003); a resident outside it answers kNotFound exactly like a missing one.
/// Residents with no household (moved out of the city) are visible to admins only.
///
/// Roles: admin, subdistrict_leader, community_staff and grid_worker read and write within scope;
/// building_head and link_leader read within scope; every other role gets kForbidden.
///
/// Personal data: ID numbers and phones are validated (core/id_number, core/phone), encrypted with
/// FieldCrypto and stored with keyed hashes for exact search; outputs carry masked forms only, and
/// audit details never hold a full value. Reveal() is the one way to a full value, and it is audited.
///
/// Thread safety: every method may be called concurrently.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/field_crypto.hpp"
#include "core/paging.hpp"
#include "modules/registry/repository.hpp"
#include "modules/registry/resident_model.hpp"
#include "modules/registry/resident_repository.hpp"
#include "modules/registry/service.hpp"
#include "storage/database.hpp"

namespace linli::registry {

struct ResidentServiceOptions {
    /// The community's time zone: "today" for ages and default dates. Fixed-offset zones only:
    /// Asia/Shanghai (and the other China zones), UTC, or "+08:00" style offsets.
    std::string time_zone = "Asia/Shanghai";
};

/// "YYYY-MM-DD" of the civil date at `epoch_seconds` shifted by `utc_offset`.
std::string CivilDate(int64_t epoch_seconds, int utc_offset);

/// Whole years between `birth_date` and `today` (both "YYYY-MM-DD").
int AgeOn(std::string_view birth_date, std::string_view today);

/// The latest birth date of someone at least `years` old on `today`: "(Y-years)-MM-DD".
std::string BornOnOrBeforeForAge(std::string_view today, int years);

class ResidentService {
public:
    /// REQUIRES: `db` is migrated; every argument outlives the service. Throws std::invalid_argument
    /// for an unsupported time zone (a configuration bug found at start-up).
    ResidentService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto, RegistryService& territory,
                    ResidentServiceOptions options = {});

    /// Today's date ("YYYY-MM-DD") in the community's time zone.
    std::string Today() const;

    // ---- households ----
    /// Creates the household node under `unit_id` (through RegistryService::Create: same roles and
    /// scope, 404 unit_id, 409 name) and its tenure; audited as household.create.
    Result<Household> CreateHousehold(const Actor& actor, const NewHousehold& input, const RequestInfo& info);
    /// The household with its tenure and current members; 404 when missing, out of scope or not a household.
    Result<Household> GetHousehold(const Actor& actor, int64_t id);
    /// Sets the tenure; audited as household.update.
    Result<Household> UpdateHousehold(const Actor& actor, int64_t id, const HouseholdPatch& patch,
                                      const RequestInfo& info);

    // ---- buildings ----
    /// Replaces a building's attributes; audited as building.update. 404 when not a visible building;
    /// 400 floors/unit_count/address.
    Result<BuildingDetails> SetBuildingDetails(const Actor& actor, int64_t building_id,
                                               const BuildingDetailsInput& input, const RequestInfo& info);
    /// The attributes (kind none when never set); 404 when not a visible building.
    Result<BuildingDetails> GetBuildingDetails(const Actor& actor, int64_t building_id);

    // ---- residents ----
    /// Registers a person. Birth date and sex come from the ID number. Errors: 400 naming the field
    /// (name, id_number, phone, household_id, relation, moved_in, tags, note); 404 household_id; 409
    /// id_number when the number is already registered (same answer whoever holds it). Audited as
    /// resident.create with masked values.
    Result<Resident> CreateResident(const Actor& actor, const NewResident& input, const RequestInfo& info);
    /// The resident with tags (stored and computed) and residence history; 404 when missing or out of scope.
    Result<Resident> GetResident(const Actor& actor, int64_t id);
    /// Changes name, phone, hukou, note, tags (replace); audited as resident.update (field names and
    /// masked values only).
    Result<Resident> UpdateResident(const Actor& actor, int64_t id, const ResidentPatch& patch,
                                    const RequestInfo& info);
    /// Closes the current residency on `date` and opens one in the new household (or none: moved out of
    /// the city). The same record throughout. 400 date (before the current move-in, or in the future),
    /// 409 when the target is the current household; audited as resident.move.
    Result<Resident> MoveResident(const Actor& actor, int64_t id, const MoveRequest& move, const RequestInfo& info);
    /// A page of residents matching `query` within the caller's scope.
    Result<Page<Resident>> ListResidents(const Actor& actor, const ResidentQuery& query);
    /// How many residents ListResidents would page through (sort, cursor, limit ignored).
    Result<int64_t> CountResidents(const Actor& actor, const ResidentQuery& query);
    /// The full value of one field ("id_number" or "phone") for a caller with the right (admin,
    /// subdistrict_leader, community_staff, grid_worker; others 403) who states a reason (2..200
    /// characters; 400 field "reason"). Writes resident.reveal {field, reason} in a write
    /// transaction; 404 when out of scope, or when the resident has no phone.
    Result<std::string> Reveal(const Actor& actor, int64_t id, std::string_view field, std::string_view reason,
                               const RequestInfo& info);

    /// Built-in tags (stored and computed) and the tags of the communities the caller looks after.
    Result<std::vector<TagDefinition>> ListTags(const Actor& actor);

    // ---- bulk import ----
    /// Imports residents into `target_node_id` (a community or grid the caller may write; 404 otherwise,
    /// 400 for another kind). Every row is validated; buildings, units and households are found by
    /// name under the target and created when missing (buildings only when the target is a grid).
    /// A person already registered (same ID number) is updated, and moved when their household
    /// changed; one outside the caller's scope is a row error. Without skip_invalid any error
    /// means nothing is written (committed false); with it, the good rows go in. One write
    /// transaction for the whole file, audited once as resident.import.
    Result<ImportSummary> ImportResidents(const Actor& actor, int64_t target_node_id, const std::vector<ImportRow>& rows,
                                          const ImportOptions& options, const RequestInfo& info);
    /// The checks ImportResidents makes of its target before reading any row (writer role: 403; a
    /// community or grid the caller may see: 404, another kind: 400, both naming `field`), so that an
    /// upload can be refused before it is accepted as a job.
    Result<void> CheckImportTarget(const Actor& actor, int64_t target_node_id, const char* field) const;

    // ---- ledgers (exports) ----
    /// Checks that the caller may see personal data in full in an export (the roles Reveal allows;
    /// others 403) and states a reason (2..200 characters; 400 field "reason"). Returns the reason
    /// as it should be audited (trimmed).
    Result<std::string> CheckRevealReason(const Actor& actor, std::string_view reason) const;
    /// The full ID numbers and phones of those of `ids` in the caller's scope (others are left out),
    /// for an export that reveals them; checks role and reason like CheckRevealReason.
    /// REQUIRES: the caller writes one audit row for the export naming the reveal, the reason and
    /// the count before the values leave the process (ExportResidents does).
    Result<std::unordered_map<int64_t, RevealedFields>> RevealForExport(const Actor& actor,
                                                                        const std::vector<int64_t>& ids,
                                                                        std::string_view reason);
    /// A page of the households ledger: households in the caller's scope in path order, each with its
    /// tenure, head (name and phone, masked unless the query reveals), member count and the care tags
    /// of its members. Readers as for residents (403 otherwise); 404 node_id; 400 limit / cursor; with
    /// reveal_reason, as CheckRevealReason (and the same REQUIRES as RevealForExport).
    Result<Page<HouseholdLedgerRow>> ListHouseholdLedger(const Actor& actor, const HouseholdLedgerQuery& query);

private:
    Result<Node> VisibleNodeOr404(storage::Conn& conn, const Actor& actor, int64_t id, const char* field,
                                  std::optional<NodeKind> kind) const;
    Result<Household> LoadHousehold(storage::Conn& conn, const Node& node) const;
    Result<std::vector<TagInput>> CheckTags(storage::Conn& conn, const std::vector<TagInput>& tags,
                                            std::optional<int64_t> community_id) const;
    void AddComputedTags(Resident& resident, std::string_view today) const;
    Result<ResidentFilter> BuildFilter(storage::Conn& conn, const Actor& actor, const ResidentQuery& query,
                                       std::string_view today) const;

    storage::Database& db_;
    const Clock& clock_;
    const FieldCrypto& crypto_;
    RegistryService& territory_;
    NodeRepository nodes_;
    ResidentRepository repo_;
    int utc_offset_ = 8 * 3600;
};

}  // namespace linli::registry
