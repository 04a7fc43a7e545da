#pragma once
/// The resident register (DOMAIN.md §2) over the territory tree: building and household attributes,
/// residents with their residence history, care tags, and the shapes of queries and imports.
/// Plain data; the rules live in ResidentService.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/name_table.hpp"
#include "core/paging.hpp"

namespace linli::registry {

// The enums below are stored and sent by name (core/name_table.hpp).
using linli::Lookup;
using linli::NameList;
using linli::NameOf;
using linli::NameTable;

/// 三小场所 is "three_small": small shops, workshops and entertainment places.
enum class BuildingKind { kResidential, kRental, kPublicRental, kCommercial, kMixed, kThreeSmall };
inline constexpr NameTable<BuildingKind, 6> kBuildingKinds{{
    {BuildingKind::kResidential, "residential"},
    {BuildingKind::kRental, "rental"},
    {BuildingKind::kPublicRental, "public_rental"},
    {BuildingKind::kCommercial, "commercial"},
    {BuildingKind::kMixed, "mixed"},
    {BuildingKind::kThreeSmall, "three_small"},
}};

enum class Tenure { kOwner, kTenant, kPublicRental, kOther };
inline constexpr NameTable<Tenure, 4> kTenures{{
    {Tenure::kOwner, "owner"},
    {Tenure::kTenant, "tenant"},
    {Tenure::kPublicRental, "public_rental"},
    {Tenure::kOther, "other"},
}};

enum class Sex { kMale, kFemale };
inline constexpr NameTable<Sex, 2> kSexes{{{Sex::kMale, "male"}, {Sex::kFemale, "female"}}};

/// 户籍 (registered here) or 流动 (floating population).
enum class Hukou { kRegistered, kFloating };
inline constexpr NameTable<Hukou, 2> kHukous{{{Hukou::kRegistered, "registered"}, {Hukou::kFloating, "floating"}}};

/// Relation to the head of the household (与户主关系).
enum class Relation { kHead, kSpouse, kChild, kParent, kGrandparent, kGrandchild, kSibling, kOther };
inline constexpr NameTable<Relation, 8> kRelations{{
    {Relation::kHead, "head"},
    {Relation::kSpouse, "spouse"},
    {Relation::kChild, "child"},
    {Relation::kParent, "parent"},
    {Relation::kGrandparent, "grandparent"},
    {Relation::kGrandchild, "grandchild"},
    {Relation::kSibling, "sibling"},
    {Relation::kOther, "other"},
}};

/// A tag definition: built-in (community_id none) or a community's own.
struct TagDefinition {
    std::string code;
    std::string name;     // Chinese
    std::string name_en;  // may be empty for a community's tag
    std::optional<int64_t> community_id;
    bool computed = false;  // elderly, elderly_80, floating: derived, never stored
};

/// Tags derived from other data, never stored: age as of today and the hukou.
inline constexpr std::string_view kTagElderly = "elderly";        // 65 and over
inline constexpr std::string_view kTagElderly80 = "elderly_80";   // 80 and over
inline constexpr std::string_view kTagFloating = "floating";      // hukou = floating
inline constexpr int kElderlyAge = 65;
inline constexpr int kElderly80Age = 80;

/// The built-in tags, stored ones first (the same rows migration 0003 seeds), then computed ones.
const std::vector<TagDefinition>& BuiltinTags();
/// True for elderly, elderly_80 and floating.
bool IsComputedTag(std::string_view code);

/// Building attributes (building_details); `kind` is none until someone sets it.
struct BuildingDetails {
    int64_t building_id = 0;
    std::optional<BuildingKind> kind;
    std::string address;
    std::optional<int> floors;
    std::optional<int> unit_count;
    std::optional<int64_t> updated_at;
};

/// What SetBuildingDetails writes (a full replacement).
struct BuildingDetailsInput {
    BuildingKind kind = BuildingKind::kResidential;
    std::string address;
    std::optional<int> floors;
    std::optional<int> unit_count;
};

/// A current member of a household.
struct HouseholdMember {
    int64_t resident_id = 0;
    std::string name;
    Relation relation = Relation::kOther;
    std::string moved_in;  // YYYY-MM-DD
};

/// A household: a territory node of kind household with its tenure and current members.
struct Household {
    int64_t id = 0;
    int64_t unit_id = 0;
    std::string name;  // the room, e.g. "101"
    std::string unit_name;
    std::string building_name;
    std::string path;
    std::optional<int64_t> community_id;
    std::optional<Tenure> tenure;  // none when created through the territory API without details
    std::vector<HouseholdMember> members;  // head first, then by relation, then by id
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

struct NewHousehold {
    int64_t unit_id = 0;
    std::string room;
    Tenure tenure = Tenure::kOwner;
};

struct HouseholdPatch {
    std::optional<Tenure> tenure;
};

/// A stored or computed tag on a resident.
struct ResidentTag {
    std::string tag;
    std::optional<std::string> detail;  // e.g. a disability grade "二级"
    bool computed = false;
};

/// Where a resident lives now.
struct HouseholdRef {
    int64_t id = 0;
    std::string name;
    std::string unit_name;
    std::string building_name;
    std::string path;
    Relation relation = Relation::kOther;
    std::string moved_in;
};

/// One row of a resident's residence history.
struct Residency {
    int64_t id = 0;
    int64_t household_id = 0;
    Relation relation = Relation::kOther;
    std::string moved_in;
    std::optional<std::string> moved_out;
};

/// A resident as every reader sees it: ID number and phone only ever masked.
struct Resident {
    int64_t id = 0;
    std::string name;
    std::string id_number_masked;             // "1*************1234"
    std::optional<std::string> phone_masked;  // "138****5678"
    std::string birth_date;                   // YYYY-MM-DD, derived from the ID number
    int age = 0;                              // as of today in the community's time zone
    Sex sex = Sex::kMale;                     // derived from the ID number
    Hukou hukou = Hukou::kRegistered;
    std::optional<HouseholdRef> household;  // none: moved out of the city
    std::optional<int64_t> community_id;
    std::string note;
    std::vector<ResidentTag> tags;  // stored (sorted by code) then computed
    std::vector<Residency> residencies;  // history, oldest first; filled by GetResident only
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

struct TagInput {
    std::string tag;
    std::optional<std::string> detail;
};

struct NewResident {
    std::string name;
    std::string id_number;
    std::optional<std::string> phone;
    Hukou hukou = Hukou::kRegistered;
    std::optional<int64_t> household_id;  // required for everyone but an admin
    std::optional<Relation> relation;     // required with household_id
    std::optional<std::string> moved_in;  // YYYY-MM-DD; default today
    std::vector<TagInput> tags;
    std::string note;
};

/// A partial update: absent members stay as they are.
struct ResidentPatch {
    std::optional<std::string> name;
    /// Absent: unchanged; present and nullopt: remove the phone.
    std::optional<std::optional<std::string>> phone;
    std::optional<Hukou> hukou;
    std::optional<std::string> note;
    std::optional<std::vector<TagInput>> tags;  // replaces every stored tag
};

/// A move: within the city to another household, or out of it (household_id none).
struct MoveRequest {
    std::optional<int64_t> household_id;
    std::optional<Relation> relation;  // required with household_id
    std::optional<std::string> date;   // YYYY-MM-DD; default today
};

enum class ResidentSort { kNameAsc, kNameDesc, kIdAsc, kIdDesc };
inline constexpr NameTable<ResidentSort, 4> kResidentSorts{{
    {ResidentSort::kNameAsc, "name"},
    {ResidentSort::kNameDesc, "-name"},
    {ResidentSort::kIdAsc, "id"},
    {ResidentSort::kIdDesc, "-id"},
}};

/// Filters shared by ListResidents and CountResidents; all combine with AND.
struct ResidentQuery {
    /// Residents living under this territory node (any kind: community, grid, building, unit,
    /// household). 404 when missing or out of scope, naming `under_field`.
    std::optional<int64_t> under_node_id;
    std::optional<std::string> under_kind;  // when set, the node must be of this kind (400 otherwise)
    std::string under_field = "node_id";
    std::optional<std::string> q;            // name prefix
    std::optional<std::string> tag;          // stored or computed
    std::optional<std::string> without_tag;  // stored or computed
    std::optional<Hukou> hukou;
    std::optional<std::string> id_number;  // full, exact (through the keyed hash)
    std::optional<std::string> id_last4;   // last 4 characters, exact
    std::optional<std::string> phone;      // full, exact
    ResidentSort sort = ResidentSort::kNameAsc;
    std::optional<std::string> cursor;
    int limit = kDefaultPageSize;
};

// ---- bulk import ------------------------------------------------------------------------------

/// One data row of a residents file, as read (all text; empty = not given).
struct ImportRow {
    int line = 0;  // the line (or sheet row) number to report errors against
    std::string name, id_number, phone, building, unit, room, relation, hukou, tenure, tags, note;
};

struct ImportOptions {
    bool skip_invalid = false;  // false: all-or-nothing
    /// Called now and then with the number of rows processed (on the thread running the write).
    std::function<void(int64_t done)> progress;
};

/// A problem with one cell (or the row as a whole, column "row").
struct ImportError {
    int line = 0;
    std::string column;  // name, id_number, phone, building, unit, room, relation, hukou, tenure, tags, note, row
    std::string message_zh;
    std::string message_en;
};

struct ImportSummary {
    int64_t inserted = 0;
    int64_t updated = 0;
    int64_t skipped = 0;       // rows not written (with errors)
    int64_t nodes_created = 0; // buildings, units and households created on the way
    bool committed = false;    // false: nothing was written (errors without skip_invalid)
    std::vector<ImportError> errors;  // by line
};

/// Building names as people type them: "3" → "3号楼", "3号" → "3号楼"; others as given.
std::string NormalizeBuildingName(std::string_view raw);
/// "1" → "1单元"; others as given.
std::string NormalizeUnitName(std::string_view raw);

// ---- ledgers (exports) ------------------------------------------------------------------------

/// The full personal data of one resident, for an export that reveals it.
struct RevealedFields {
    std::string id_number;
    std::optional<std::string> phone;
};

/// One household as the households ledger (户台账) shows it.
struct HouseholdLedgerRow {
    int64_t id = 0;
    std::string path;
    std::string community_name;
    std::string grid_name;
    std::string building_name;
    std::string unit_name;
    std::string room;
    std::optional<Tenure> tenure;
    std::optional<std::string> head_name;   // none when nobody living there is the head
    std::optional<std::string> head_phone;  // masked, or in full when the query reveals
    int64_t members = 0;                    // current members
    std::vector<std::string> tags;          // codes present on any current member (stored and computed), sorted
};

/// Which households a ledger page covers: those in the caller's scope, under `under_node_id` when
/// given, after the cursor, in path order.
struct HouseholdLedgerQuery {
    std::optional<int64_t> under_node_id;  // 404 naming "node_id" when missing or out of scope
    std::optional<std::string> cursor;
    int limit = kMaxPageSize;
    /// When set, heads' phones come in full: the caller must be allowed to reveal and this is
    /// the stated reason (checked like ResidentService::Reveal).
    std::optional<std::string> reveal_reason;
};

}  // namespace linli::registry
