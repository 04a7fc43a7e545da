#pragma once
/// The resident register's only SQL: building_details, household_details, residents, residencies,
/// resident_tags, tag_definitions (migration 0003). PostgreSQL-style, for both backends.
///
/// Every read a request can reach takes the Actor and filters by scope in the SQL on
/// residents.scope_path (the current household's path) with AppendScopeFilter, so a resident outside
/// the scope is never fetched. Residents with no household (scope_path NULL) fall outside every range
/// and so are seen by admins only.
///
/// Thread safety: stateless; each call uses only the connection it is given.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/actor.hpp"
#include "core/error.hpp"
#include "modules/registry/model.hpp"
#include "modules/registry/resident_model.hpp"
#include "storage/database.hpp"

namespace linli::registry {

/// The repository's form of ResidentQuery: hashes instead of values, computed tags turned into
/// birth-date cutoffs and hukou conditions.
struct ResidentFilter {
    std::optional<std::string> under_path;  // scope_path in the subtree of this path
    std::optional<std::string> name_prefix;
    std::optional<std::string> with_tag;           // a stored tag
    std::optional<std::string> without_tag;        // a stored tag
    std::optional<std::string> born_on_or_before;  // birth_date <= this (at least N years old)
    std::optional<std::string> born_after;         // birth_date > this (younger than N)
    std::optional<std::string> hukou;
    std::optional<std::string> hukou_not;
    std::optional<std::string> id_hash;
    std::optional<std::string> last4_hash;
    std::optional<std::string> phone_hash;
};

/// Keyset position: the last row of the previous page.
struct ResidentKey {
    int64_t id = 0;
    std::string name;
};

/// The columns of a new resident row; personal data already sealed and hashed.
struct ResidentInsert {
    std::string name;
    std::string id_enc, id_hash, last4_hash, id_masked;
    std::optional<std::string> phone_enc, phone_hash, phone_masked;
    std::string birth_date;
    std::string sex;
    std::string hukou;
    std::optional<int64_t> household_id;
    std::optional<std::string> scope_path;
    std::optional<int64_t> community_id;
    std::string note;
    int64_t now = 0;
};

/// What an import or a duplicate check needs to know about an existing resident.
struct ResidentBrief {
    int64_t id = 0;
    std::optional<int64_t> household_id;
    std::optional<std::string> scope_path;
    std::optional<std::string> relation;  // of the open residency
};

/// The sealed personal data of one resident, for Reveal.
struct SealedFields {
    std::string id_enc;
    std::optional<std::string> phone_enc;
};

/// A territory node reduced to what the importer's look-ups need.
struct PlaceNode {
    int64_t id = 0;
    int64_t parent_id = 0;
    NodeKind kind = NodeKind::kBuilding;
    std::string name;
    std::string path;
    int depth = 0;
    std::optional<int64_t> community_id;
};

/// A territory node the importer creates, with an id from ReserveNodeIds and so its final path.
struct PlaceInsert {
    int64_t id = 0;
    int64_t parent_id = 0;
    NodeKind kind = NodeKind::kBuilding;
    std::string name;
    std::string path;
    int depth = 0;
    std::optional<int64_t> community_id;
};

struct ResidencyInsert {
    int64_t resident_id = 0;
    int64_t household_id = 0;
    std::string relation;
    std::string moved_in;
};

struct TagRow {
    int64_t resident_id = 0;
    std::string tag;
    std::optional<std::string> detail;
};

/// A household of a households-ledger page: where it is and its tenure.
struct LedgerHousehold {
    int64_t id = 0;
    std::string path;
    std::string room;
    std::string unit_name;
    std::string building_name;
    std::string grid_name;
    std::string community_name;
    std::optional<Tenure> tenure;
};

/// A current member of a ledger page's household: what the ledger needs of them.
struct LedgerMember {
    int64_t resident_id = 0;
    std::string household_path;  // residents.scope_path
    std::string name;
    std::optional<Relation> relation;  // of the open residency
    std::optional<std::string> phone_masked;
    std::optional<std::string> phone_enc;
    std::string birth_date;
    Hukou hukou = Hukou::kRegistered;
    std::vector<std::string> tags;  // stored tag codes
};

class ResidentRepository {
public:
    // ---- buildings and households ----
    Result<std::optional<BuildingDetails>> FindBuildingDetails(storage::Conn& conn, int64_t building_id) const;
    Result<void> UpsertBuildingDetails(storage::Conn& conn, int64_t building_id, const BuildingDetailsInput& in,
                                       int64_t now) const;
    Result<std::optional<Tenure>> FindTenure(storage::Conn& conn, int64_t household_id) const;
    Result<void> UpsertTenure(storage::Conn& conn, int64_t household_id, Tenure tenure, int64_t now) const;
    /// Current members, head first.
    Result<std::vector<HouseholdMember>> Members(storage::Conn& conn, int64_t household_id) const;
    /// The building, unit and household nodes under `path` (a community or grid), unscoped.
    Result<std::vector<PlaceNode>> PlacesUnder(storage::Conn& conn, std::string_view path) const;

    // ---- residents ----
    /// The resident when it exists and lies in the actor's scope (stored tags filled, no history).
    Result<std::optional<Resident>> FindVisible(storage::Conn& conn, const Actor& actor, int64_t id) const;
    /// Unscoped, for a service's own bookkeeping after its checks.
    Result<std::optional<Resident>> FindById(storage::Conn& conn, int64_t id) const;
    Result<std::optional<ResidentBrief>> FindByIdHash(storage::Conn& conn, std::string_view id_hash) const;
    /// The residents with these ID hashes, by hash (unscoped; for the importer after its checks).
    Result<std::unordered_map<std::string, ResidentBrief>> FindByIdHashes(storage::Conn& conn,
                                                                          const std::vector<std::string>& hashes) const;
    Result<std::optional<SealedFields>> FindSealedVisible(storage::Conn& conn, const Actor& actor, int64_t id) const;

    /// Up to `limit` residents matching `filter` within the actor's scope (stored tags filled).
    Result<std::vector<Resident>> List(storage::Conn& conn, const Actor& actor, const ResidentFilter& filter,
                                       ResidentSort sort, const std::optional<ResidentKey>& after, int limit) const;
    Result<int64_t> Count(storage::Conn& conn, const Actor& actor, const ResidentFilter& filter) const;

    Result<int64_t> Insert(storage::Conn& conn, const ResidentInsert& row) const;
    Result<void> UpdateName(storage::Conn& conn, int64_t id, std::string_view name, int64_t now) const;
    Result<void> UpdatePhone(storage::Conn& conn, int64_t id, const std::optional<std::string>& enc,
                             const std::optional<std::string>& hash, const std::optional<std::string>& masked,
                             int64_t now) const;
    Result<void> UpdateHukou(storage::Conn& conn, int64_t id, std::string_view hukou, int64_t now) const;
    Result<void> UpdateNote(storage::Conn& conn, int64_t id, std::string_view note, int64_t now) const;
    /// Points the resident at a household (or none) and its path and community.
    Result<void> UpdatePlace(storage::Conn& conn, int64_t id, std::optional<int64_t> household_id,
                             const std::optional<std::string>& scope_path, std::optional<int64_t> community_id,
                             int64_t now) const;

    Result<void> ReplaceTags(storage::Conn& conn, int64_t id, const std::vector<TagInput>& tags, int64_t now) const;

    Result<void> OpenResidency(storage::Conn& conn, int64_t resident_id, int64_t household_id,
                               std::string_view relation, std::string_view moved_in, int64_t now) const;
    /// Closes the open residency, if any.
    Result<void> CloseResidency(storage::Conn& conn, int64_t resident_id, std::string_view moved_out) const;
    Result<void> SetRelation(storage::Conn& conn, int64_t resident_id, std::string_view relation) const;
    Result<std::vector<Residency>> Residencies(storage::Conn& conn, int64_t resident_id) const;

    // ---- bulk writes for the importer (multi-row statements on PostgreSQL) ----
    /// `n` fresh territory node ids, so that the importer knows every new node's path before it
    /// inserts it (one write per node instead of an insert and a path update). Only valid inside the
    /// write transaction that then inserts them.
    Result<std::vector<int64_t>> ReserveNodeIds(storage::Conn& conn, size_t n) const;
    /// Inserts the nodes, parents before children, with their reserved ids and final paths.
    Result<void> InsertPlaces(storage::Conn& conn, const std::vector<PlaceInsert>& rows, int64_t now) const;
    Result<void> UpsertTenures(storage::Conn& conn, const std::vector<std::pair<int64_t, Tenure>>& rows,
                               int64_t now) const;
    /// Inserts residents; returns their ids in the order given.
    Result<std::vector<int64_t>> InsertMany(storage::Conn& conn, const std::vector<ResidentInsert>& rows) const;
    Result<void> InsertResidencies(storage::Conn& conn, const std::vector<ResidencyInsert>& rows, int64_t now) const;
    Result<void> InsertTags(storage::Conn& conn, const std::vector<TagRow>& rows, int64_t now) const;

    // ---- tags ----
    /// Stored tag definitions: built-in ones and those of the given communities.
    Result<std::vector<TagDefinition>> TagDefinitions(storage::Conn& conn,
                                                      const std::vector<int64_t>& community_ids) const;
    /// Every community's tags (for an admin).
    Result<std::vector<TagDefinition>> AllTagDefinitions(storage::Conn& conn) const;
    /// True when some definition (built-in or any community's) has this code.
    Result<bool> TagCodeExists(storage::Conn& conn, std::string_view code) const;

    // ---- ledgers (exports) ----
    /// The sealed personal data of those of `ids` that lie in the actor's scope, by resident id.
    Result<std::unordered_map<int64_t, SealedFields>> FindSealedVisibleMany(storage::Conn& conn, const Actor& actor,
                                                                            const std::vector<int64_t>& ids) const;
    /// Up to `limit` households in the actor's scope (and under `under_path` when given) whose path
    /// sorts after `after_path`, in path order.
    Result<std::vector<LedgerHousehold>> LedgerHouseholds(storage::Conn& conn, const Actor& actor,
                                                          const std::optional<std::string>& under_path,
                                                          const std::optional<std::string>& after_path,
                                                          int limit) const;
    /// The residents in the actor's scope whose current household's path lies in [first_path,
    /// last_path] (the households of one LedgerHouseholds page), with their stored tags; by resident id.
    Result<std::vector<LedgerMember>> LedgerMembers(storage::Conn& conn, const Actor& actor,
                                                    std::string_view first_path, std::string_view last_path) const;
};

}  // namespace linli::registry
