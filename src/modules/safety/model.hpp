#pragma once
/// Safety inspections (issue 5 §1–5, §7; DOMAIN.md §3; ADR 0008) as plain data: checklists
/// (templates) with their versions and items, venues ("三小" places and small merchants), photos,
/// inspections with their results, hazards with their rectifications and re-inspections, and the
/// shapes of ledgers and figures. The rules live in rules.* and SafetyService.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/paging.hpp"
#include "modules/orders/model.hpp"

namespace linli::safety {

using orders::Lookup;
using orders::NameList;
using orders::NameOf;
using orders::NameTable;

/// What a checklist is about; a hazard found with it has the same kind (the ledgers' "by kind").
enum class TemplateKind { kVenueFire, kRentalBuilding, kEbike, kFireEscape, kGas, kOther };
inline constexpr NameTable<TemplateKind, 6> kTemplateKinds{{
    {TemplateKind::kVenueFire, "venue_fire"},
    {TemplateKind::kRentalBuilding, "rental_building"},
    {TemplateKind::kEbike, "ebike"},
    {TemplateKind::kFireEscape, "fire_escape"},
    {TemplateKind::kGas, "gas"},
    {TemplateKind::kOther, "other"},
}};
/// The Chinese names, for ledgers.
inline constexpr NameTable<TemplateKind, 6> kTemplateKindNamesZh{{
    {TemplateKind::kVenueFire, "“三小”场所消防"},
    {TemplateKind::kRentalBuilding, "出租屋"},
    {TemplateKind::kEbike, "电动自行车停放充电"},
    {TemplateKind::kFireEscape, "消防通道"},
    {TemplateKind::kGas, "燃气"},
    {TemplateKind::kOther, "其他"},
}};

/// How serious a failed item is: 一般隐患 or 重大隐患.
enum class Severity { kGeneral, kMajor };
inline constexpr NameTable<Severity, 2> kSeverities{{
    {Severity::kGeneral, "general"},
    {Severity::kMajor, "major"},
}};

/// One check of a template version.
struct TemplateItem {
    int64_t id = 0;
    int position = 0;  // 1-based, the order on the form
    std::string text_zh;
    std::string text_en;
    std::string basis;  // the law, regulation or standard it rests on
    Severity severity = Severity::kGeneral;
    int rectify_days = 7;  // default time to put a failure right
};

/// One version of a template: what an inspection made against it shows, forever.
struct TemplateVersion {
    int64_t id = 0;
    int64_t template_id = 0;
    int version = 1;
    std::string name_zh;
    std::string name_en;
    std::string note;  // what changed
    std::optional<int64_t> created_by;
    std::string created_by_name;
    int64_t created_at = 0;
    int64_t item_count = 0;
    std::vector<TemplateItem> items;  // empty in version lists
};

/// A checklist. Shipped ones have no community; a community's own carry its id.
struct Template {
    int64_t id = 0;
    std::optional<int64_t> community_id;
    std::optional<std::string> community_path;
    std::string code;
    TemplateKind kind = TemplateKind::kOther;
    std::string category_code;  // the order category its hazards are filed under
    std::string name_zh;
    std::string name_en;
    bool active = true;
    int current_version = 1;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

/// A template with one of its versions (the current one unless asked otherwise).
struct TemplateDetail {
    Template tmpl;
    TemplateVersion version;
};

struct NewTemplateItem {
    std::string text_zh;
    std::string text_en;
    std::string basis;
    Severity severity = Severity::kGeneral;
    int rectify_days = 7;
};

/// POST /api/v1/safety/templates. `items` empty with `based_on`: the items of that template's
/// current version are copied (a community adapting a shipped checklist).
struct NewTemplate {
    std::optional<int64_t> community_id;  // none: a shipped template (admins only)
    std::string code;
    std::optional<TemplateKind> kind;          // default: based_on's
    std::optional<std::string> category_code;  // default: based_on's, else by kind
    std::string name_zh;
    std::string name_en;
    std::optional<int64_t> based_on;
    std::vector<NewTemplateItem> items;
    std::string note;
};

/// POST /api/v1/safety/templates/{id}/versions: the whole new list of items.
struct NewTemplateVersion {
    std::optional<std::string> name_zh;
    std::optional<std::string> name_en;
    std::vector<NewTemplateItem> items;
    std::string note;
};

struct TemplatePatch {
    std::optional<bool> active;
    std::optional<std::string> category_code;
};

// ---- venues -------------------------------------------------------------------------------------

/// "三小" places (small shops, workshops, entertainment) and the other small merchants ("九小").
enum class VenueKind {
    kShop,
    kRestaurant,
    kWorkshop,
    kEntertainment,
    kHotel,
    kSalon,
    kClinic,
    kSchool,
    kOther,
};
inline constexpr NameTable<VenueKind, 9> kVenueKinds{{
    {VenueKind::kShop, "shop"},
    {VenueKind::kRestaurant, "restaurant"},
    {VenueKind::kWorkshop, "workshop"},
    {VenueKind::kEntertainment, "entertainment"},
    {VenueKind::kHotel, "hotel"},
    {VenueKind::kSalon, "salon"},
    {VenueKind::kClinic, "clinic"},
    {VenueKind::kSchool, "school"},
    {VenueKind::kOther, "other"},
}};
inline constexpr NameTable<VenueKind, 9> kVenueKindNamesZh{{
    {VenueKind::kShop, "小商店"},
    {VenueKind::kRestaurant, "小餐饮"},
    {VenueKind::kWorkshop, "小作坊"},
    {VenueKind::kEntertainment, "小娱乐场所"},
    {VenueKind::kHotel, "小旅馆"},
    {VenueKind::kSalon, "小美容美发"},
    {VenueKind::kClinic, "小诊所"},
    {VenueKind::kSchool, "小培训机构"},
    {VenueKind::kOther, "其他"},
}};

/// A venue as lists show it: the owner's phone only masked.
struct Venue {
    int64_t id = 0;
    std::string name;
    VenueKind kind = VenueKind::kShop;
    std::string owner_name;
    std::optional<std::string> owner_phone_masked;
    std::string licence_no;
    std::string address;
    int64_t place_id = 0;  // its building, or its grid when it stands in none
    std::string place_path;
    std::optional<int64_t> building_id;
    std::optional<int64_t> grid_id;
    std::optional<int64_t> community_id;
    bool active = true;
    std::optional<int64_t> last_inspected_at;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

struct NewVenue {
    std::string name;
    VenueKind kind = VenueKind::kShop;
    std::string owner_name;
    std::optional<std::string> owner_phone;
    std::string licence_no;
    std::string address;
    std::optional<int64_t> building_id;
    std::optional<int64_t> grid_id;  // when it stands in no building of the register
};

/// Absent members stay as they are.
struct VenuePatch {
    std::optional<std::string> name;
    std::optional<VenueKind> kind;
    std::optional<std::string> owner_name;
    std::optional<std::optional<std::string>> owner_phone;  // present and nullopt: clear
    std::optional<std::string> licence_no;
    std::optional<std::string> address;
    std::optional<bool> active;
};

/// Newest first, keyset paged by id; the scope filter is always added.
struct VenueQuery {
    std::optional<int64_t> node_id;
    std::optional<VenueKind> kind;
    std::optional<std::string> q;  // name or licence contains, or the owner's exact phone
    std::optional<bool> active;
    std::optional<std::string> cursor;
    int limit = kDefaultPageSize;
};

// ---- photos -------------------------------------------------------------------------------------

struct Photo {
    int64_t id = 0;
    std::string storage_name;  // never leaves the server
    std::string content_type;
    int64_t size_bytes = 0;
    std::string sha256;
    int64_t uploaded_by = 0;
    std::optional<std::string> place_path;
    int64_t created_at = 0;
};

struct PhotoFile {
    Photo meta;
    std::string bytes;
};

// ---- inspections --------------------------------------------------------------------------------

enum class TargetKind { kBuilding, kVenue, kFireEscape };
inline constexpr NameTable<TargetKind, 3> kTargetKinds{{
    {TargetKind::kBuilding, "building"},
    {TargetKind::kVenue, "venue"},
    {TargetKind::kFireEscape, "fire_escape"},
}};

enum class ItemResult { kPass, kFail, kNotApplicable };
inline constexpr NameTable<ItemResult, 3> kItemResults{{
    {ItemResult::kPass, "pass"},
    {ItemResult::kFail, "fail"},
    {ItemResult::kNotApplicable, "na"},
}};

/// Who must put a hazard right.
enum class ResponsibleKind { kOwner, kLandlord, kPropertyCompany, kTenant, kOther };
inline constexpr NameTable<ResponsibleKind, 5> kResponsibleKinds{{
    {ResponsibleKind::kOwner, "owner"},
    {ResponsibleKind::kLandlord, "landlord"},
    {ResponsibleKind::kPropertyCompany, "property_company"},
    {ResponsibleKind::kTenant, "tenant"},
    {ResponsibleKind::kOther, "other"},
}};
inline constexpr NameTable<ResponsibleKind, 5> kResponsibleKindNamesZh{{
    {ResponsibleKind::kOwner, "业主/经营者"},
    {ResponsibleKind::kLandlord, "房东"},
    {ResponsibleKind::kPropertyCompany, "物业公司"},
    {ResponsibleKind::kTenant, "租户"},
    {ResponsibleKind::kOther, "其他"},
}};

struct Responsible {
    ResponsibleKind kind = ResponsibleKind::kOwner;
    std::string name;
    /// A handling unit of the orders module (the property company): the hazard order is sent there.
    std::optional<int64_t> unit_id;
};

struct NewInspectionItem {
    int64_t item_id = 0;
    ItemResult result = ItemResult::kPass;
    std::string note;
    std::vector<int64_t> photo_ids;
    std::optional<Responsible> responsible;  // overrides the inspection's for this item's hazard
};

/// POST /api/v1/safety/inspections: one whole inspection, as a phone sends it when it can.
struct NewInspection {
    std::string client_id;  // generated by the phone; the same id twice is the same inspection
    int64_t template_id = 0;
    int template_version = 0;
    TargetKind target_kind = TargetKind::kBuilding;
    int64_t target_id = 0;     // a building node, a venue, or (fire_escape) a building or unit node
    std::string label;         // fire_escape: which one ("东侧疏散楼梯")
    int64_t inspected_at = 0;  // the phone's time
    std::string note;
    std::optional<Responsible> responsible;
    std::vector<NewInspectionItem> items;
};

/// One answered item, with the item's text as in the version the inspection was made against.
struct InspectionResult {
    int64_t id = 0;
    TemplateItem item;
    ItemResult result = ItemResult::kPass;
    std::string note;
    std::vector<int64_t> photo_ids;
    std::optional<int64_t> hazard_id;
};

struct Inspection {
    int64_t id = 0;
    std::string client_id;
    int64_t template_id = 0;
    int64_t template_version_id = 0;
    int template_version = 0;
    std::string template_name_zh;
    TemplateKind kind = TemplateKind::kOther;
    TargetKind target_kind = TargetKind::kBuilding;
    int64_t node_id = 0;
    std::optional<int64_t> venue_id;
    std::string target_name;
    std::string place_path;
    std::optional<int64_t> building_id;
    std::optional<int64_t> grid_id;
    std::optional<int64_t> community_id;
    int64_t inspector_id = 0;
    std::string inspector_name;
    int64_t inspected_at = 0;
    int64_t recorded_at = 0;
    std::string note;
    int passed = 0;
    int failed = 0;
    int not_applicable = 0;
};

// ---- hazards ------------------------------------------------------------------------------------

/// open: being put right (整改中); rectified: put right, waiting for the second visit (待复查);
/// verified: signed off by a passed re-inspection (已销号).
enum class HazardStatus { kOpen, kRectified, kVerified };
inline constexpr NameTable<HazardStatus, 3> kHazardStatuses{{
    {HazardStatus::kOpen, "open"},
    {HazardStatus::kRectified, "rectified"},
    {HazardStatus::kVerified, "verified"},
}};
inline constexpr NameTable<HazardStatus, 3> kHazardStatusNamesZh{{
    {HazardStatus::kOpen, "整改中"},
    {HazardStatus::kRectified, "已整改待复查"},
    {HazardStatus::kVerified, "复查合格已销号"},
}};

struct Hazard {
    int64_t id = 0;
    int64_t inspection_id = 0;
    int64_t result_id = 0;
    int64_t item_id = 0;
    TemplateKind kind = TemplateKind::kOther;
    Severity severity = Severity::kGeneral;
    std::string item_text;
    std::string basis;
    int rectify_days = 7;  // the item's allowance, granted again once after a failed re-inspection
    std::string category_code;
    TargetKind target_kind = TargetKind::kBuilding;
    std::string target_name;
    int64_t node_id = 0;
    std::optional<int64_t> venue_id;
    std::string place_path;
    std::optional<int64_t> building_id;
    std::optional<int64_t> grid_id;
    std::optional<int64_t> community_id;
    Responsible responsible;
    HazardStatus status = HazardStatus::kOpen;
    int64_t found_at = 0;
    int64_t found_by = 0;
    int64_t due_at = 0;
    std::optional<int64_t> pending_due_at;
    bool escalate_pending = false;
    int failed_reinspections = 0;
    std::optional<int64_t> rectified_at;
    std::optional<int64_t> rectified_by;
    std::string rectified_by_name;
    std::optional<int64_t> verified_at;
    std::optional<int64_t> verified_by;
    std::string verified_by_name;
    std::optional<int64_t> order_id;
    std::optional<int64_t> order_claim_until;
    std::string tracking_code;
    std::string order_state;  // mirrored from the order ("" until it is opened)
    int escalation_level = 0;
    std::optional<int64_t> handler_user_id;
    std::optional<int64_t> handler_unit_id;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

/// What the responsible party or the handler did (整改).
struct Rectification {
    int64_t id = 0;
    int64_t hazard_id = 0;
    std::string note;
    std::vector<int64_t> photo_ids;
    std::optional<int64_t> by_user_id;
    std::string by_name;
    int64_t at = 0;
};

/// The second visit (复查).
struct Reinspection {
    int64_t id = 0;
    int64_t hazard_id = 0;
    bool passed = false;
    std::string note;
    std::vector<int64_t> photo_ids;
    int64_t by_user_id = 0;
    std::string by_name;
    int64_t at = 0;
    std::optional<int64_t> new_due_at;  // a first failure: the one extension
    bool escalated = false;             // a second failure or later
};

struct HazardDetail {
    Hazard hazard;
    bool overdue = false;
    std::vector<Rectification> rectifications;
    std::vector<Reinspection> reinspections;
};

struct InspectionDetail {
    Inspection inspection;
    std::vector<InspectionResult> results;
    std::vector<Hazard> hazards;
};

/// An inspection as posted: `replayed` when the same client id had been recorded before.
struct InspectionOutcome {
    InspectionDetail detail;
    bool replayed = false;
};

struct NewRectification {
    std::string note;
    std::vector<int64_t> photo_ids;
};

struct NewReinspection {
    bool passed = false;
    std::string note;
    std::vector<int64_t> photo_ids;
};

/// Newest first, keyset paged by id; the scope filter is always added.
struct HazardQuery {
    std::optional<int64_t> node_id;
    std::optional<int64_t> venue_id;
    std::optional<HazardStatus> status;
    std::optional<TemplateKind> kind;
    std::optional<bool> overdue;
    std::optional<int64_t> found_from;  // found_at >= (epoch seconds)
    std::optional<int64_t> found_to;    // found_at <
    std::optional<std::string> cursor;
    int limit = kDefaultPageSize;
};

struct InspectionQuery {
    std::optional<int64_t> node_id;
    std::optional<int64_t> venue_id;
    std::optional<TargetKind> target_kind;
    std::optional<int64_t> from;  // inspected_at >=
    std::optional<int64_t> to;    // inspected_at <
    std::optional<std::string> cursor;
    int limit = kDefaultPageSize;
};

// ---- ledgers and figures ------------------------------------------------------------------------

enum class LedgerGroup { kCommunity, kGrid, kBuilding, kVenue, kKind };
inline constexpr NameTable<LedgerGroup, 5> kLedgerGroups{{
    {LedgerGroup::kCommunity, "community"},
    {LedgerGroup::kGrid, "grid"},
    {LedgerGroup::kBuilding, "building"},
    {LedgerGroup::kVenue, "venue"},
    {LedgerGroup::kKind, "kind"},
}};

/// The counts of one row of a ledger (of hazards found in the period).
struct HazardCounts {
    int64_t found = 0;
    int64_t open = 0;       // being put right
    int64_t rectified = 0;  // put right, waiting for the second visit
    int64_t verified = 0;   // signed off
    int64_t overdue = 0;    // open past the deadline now
    int64_t major = 0;      // of the found, major ones
};

struct LedgerRow {
    int64_t key = 0;       // the node, venue or 0 (none); for kKind, unused
    std::string key_name;  // its name; for kKind the kind's code
    std::string name_zh;   // for kKind: the kind's Chinese name
    HazardCounts totals;
    std::vector<std::pair<TemplateKind, HazardCounts>> by_kind;  // kinds with hazards only
};

struct LedgerQuery {
    std::optional<int64_t> node_id;
    LedgerGroup group_by = LedgerGroup::kGrid;
    std::optional<int64_t> from;  // found_at >=
    std::optional<int64_t> to;    // found_at <
};

struct Ledger {
    LedgerGroup group_by = LedgerGroup::kGrid;
    std::optional<int64_t> node_id;
    std::optional<int64_t> from;
    std::optional<int64_t> to;
    int64_t now = 0;
    HazardCounts totals;
    std::vector<LedgerRow> rows;
};

/// Figures (issue 5 §7): hazards found and rectified by kind and by grid.
struct Figures {
    std::optional<int64_t> node_id;
    std::optional<int64_t> from;
    std::optional<int64_t> to;
    HazardCounts totals;
    std::vector<LedgerRow> by_kind;
    std::vector<LedgerRow> by_grid;
    int64_t inspections = 0;
};

/// GET .../safety-record: a building's or a venue's safety on one page.
struct SafetyRecord {
    TargetKind target_kind = TargetKind::kBuilding;
    int64_t target_id = 0;
    std::string name;
    std::string place_path;
    std::optional<Venue> venue;
    std::optional<int64_t> last_inspected_at;
    int64_t inspection_count = 0;
    std::vector<Inspection> inspections;  // newest first, the latest kRecordInspections
    std::vector<HazardDetail> open_hazards;
    std::vector<HazardDetail> closed_hazards;  // verified, newest first, the latest kRecordClosed
};

// ---- limits -------------------------------------------------------------------------------------

constexpr size_t kMaxTemplateItems = 100;
constexpr size_t kMaxItemTextChars = 300;
constexpr size_t kMaxBasisChars = 300;
constexpr size_t kMaxTemplateNameChars = 60;
constexpr size_t kMaxNoteChars = 1000;
constexpr size_t kMaxVenueNameChars = 100;
constexpr size_t kMaxOwnerNameChars = 50;
constexpr size_t kMaxLicenceChars = 40;
constexpr size_t kMaxAddressChars = 200;
constexpr size_t kMaxLabelChars = 100;
constexpr size_t kMaxClientIdChars = 64;
constexpr size_t kMaxPhotosPerRecord = 9;
constexpr int kMaxRectifyDays = 365;
/// How far the phone's clock may be ahead of the server's, and how old an inspection posted late may be.
constexpr int64_t kClockSkewSeconds = 15 * 60;
constexpr int64_t kMaxInspectionAgeSeconds = 30 * 24 * 3600;
constexpr int kRecordInspections = 20;
constexpr int kRecordClosed = 20;

}  // namespace linli::safety
