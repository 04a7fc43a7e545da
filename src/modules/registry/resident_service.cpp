#include "modules/registry/resident_service.hpp"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/crypto.hpp"
#include "core/id_number.hpp"
#include "core/person_name.hpp"
#include "core/phone.hpp"
#include "core/text.hpp"
#include "core/time_zone.hpp"
#include "modules/accounts/audit.hpp"
#include "modules/registry/resident_json.hpp"

namespace linli::registry {

namespace {

using storage::Conn;

constexpr std::string_view kResidentNotFound = "resident not found";
constexpr std::string_view kCursorVersion = "r1";
constexpr size_t kMaxNoteChars = 500;
constexpr size_t kMaxAddressChars = 200;
constexpr size_t kMaxTagDetailChars = 50;
constexpr size_t kMaxPlaceChars = kMaxNodeNameChars;
constexpr size_t kMaxQueryChars = 50;
constexpr int64_t kProgressEvery = 1024;
/// Files this long are validated (parsed, encrypted, hashed) on several threads.
constexpr size_t kParallelValidationRows = 2000;
constexpr size_t kMaxValidationThreads = 4;

// ---- roles ------------------------------------------------------------------------------------

bool IsWriter(Role role) {
    return role == Role::kAdmin || role == Role::kSubdistrictLeader || role == Role::kCommunityStaff ||
           role == Role::kGridWorker;
}

bool IsReader(Role role) {
    return IsWriter(role) || role == Role::kBuildingHead || role == Role::kLinkLeader;
}

Result<void> RequireWriter(const Actor& actor) {
    if (!IsWriter(actor.role)) {
        return Forbidden("your role may not change the resident register");
    }
    return {};
}

Result<void> RequireReader(const Actor& actor) {
    if (!IsReader(actor.role)) {
        return Forbidden("your role may not read the resident register");
    }
    return {};
}

// ---- text and dates ---------------------------------------------------------------------------

/// Trimmed text without control characters (tab and newline allowed when `multiline`), at most
/// `max_chars` code points; empty allowed.
Result<std::string> CleanText(std::string_view raw, const std::string& field, size_t max_chars, bool multiline) {
    if (!text::IsValidUtf8(raw)) {
        return InvalidArgument(field, "must be valid UTF-8");
    }
    std::string s = text::Trim(raw);
    if (text::HasControlChars(s) || (!multiline && s.find_first_of("\t\r\n") != std::string::npos)) {
        return InvalidArgument(field, "must not contain control characters");
    }
    if (text::CodePointCount(s) > max_chars) {
        return InvalidArgument(field, "must be at most " + std::to_string(max_chars) + " characters");
    }
    return s;
}

std::optional<std::chrono::year_month_day> ParseYmd(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') {
        return std::nullopt;
    }
    int y = 0;
    unsigned m = 0, d = 0;
    auto ok = [](std::string_view part, auto& out) {
        auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
        return ec == std::errc() && end == part.data() + part.size();
    };
    if (!ok(s.substr(0, 4), y) || !ok(s.substr(5, 2), m) || !ok(s.substr(8, 2), d)) {
        return std::nullopt;
    }
    std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    return ymd;
}

/// A "YYYY-MM-DD" date that is a real day and not after `today`; `fallback` (today) when absent.
Result<std::string> CheckPastDate(const std::optional<std::string>& raw, const std::string& field,
                                  const std::string& today) {
    if (!raw) {
        return today;
    }
    std::string s = text::Trim(*raw);
    if (!ParseYmd(s)) {
        return InvalidArgument(field, "must be a date written YYYY-MM-DD");
    }
    if (s > today) {
        return InvalidArgument(field, "must not be in the future");
    }
    return s;
}

/// "中文 / English" → {"中文", "English"}; a message without the separator fills both.
std::pair<std::string, std::string> SplitMessage(const std::string& message) {
    auto pos = message.find(" / ");
    if (pos == std::string::npos) {
        return {message, message};
    }
    return {message.substr(0, pos), message.substr(pos + 3)};
}

// ---- personal data ----------------------------------------------------------------------------

struct SealedId {
    std::string enc, hash, last4_hash, masked, birth_date, sex;
};

SealedId SealIdNumber(const FieldCrypto& crypto, const id_number::Parsed& parsed) {
    SealedId s;
    s.enc = crypto.Encrypt(parsed.normalized);
    s.hash = crypto.Hash("id", parsed.normalized);
    s.last4_hash = crypto.Hash("id_last4", std::string_view(parsed.normalized).substr(parsed.normalized.size() - 4));
    s.masked = id_number::Mask(parsed.normalized);
    s.birth_date = parsed.BirthDate();
    s.sex = parsed.sex == id_number::Sex::kMale ? "male" : "female";
    return s;
}

struct SealedPhone {
    std::string enc, hash, masked;
};

SealedPhone SealPhone(const FieldCrypto& crypto, const phone::Parsed& parsed) {
    return SealedPhone{crypto.Encrypt(parsed.normalized), crypto.Hash("phone", parsed.normalized),
                       phone::Mask(parsed.normalized)};
}

/// An ID number as typed for a search: spaces dropped, x upper-cased.
std::string NormalizeIdForSearch(std::string_view raw) {
    std::string out;
    for (char c : raw) {
        if (c == ' ') {
            continue;
        }
        out += (c == 'x') ? 'X' : c;
    }
    return out;
}

// ---- tags ---------------------------------------------------------------------------------------

/// "1", "一", "一级", "1级" → "一级" (and so on to 四级); nullopt for anything else.
std::optional<std::string> NormalizeDisabilityGrade(std::string_view raw) {
    static const std::array<std::array<std::string_view, 4>, 4> kForms{{
        {"一级", "一", "1", "1级"},
        {"二级", "二", "2", "2级"},
        {"三级", "三", "3", "3级"},
        {"四级", "四", "4", "4级"},
    }};
    for (const auto& forms : kForms) {
        for (auto form : forms) {
            if (raw == form) {
                return std::string(forms[0]);
            }
        }
    }
    return std::nullopt;
}

// ---- cursors: base64url("r1\n<sort>\n<id>\n<name>") ---------------------------------------------

std::string EncodeCursor(ResidentSort sort, const Resident& last) {
    const bool by_name = sort == ResidentSort::kNameAsc || sort == ResidentSort::kNameDesc;
    return linli::EncodeCursor(kCursorVersion, NameOf(kResidentSorts, sort), last.id,
                               by_name ? std::string_view(last.name) : "");
}

Result<ResidentKey> DecodeCursor(std::string_view cursor, ResidentSort sort) {
    const bool by_name = sort == ResidentSort::kNameAsc || sort == ResidentSort::kNameDesc;
    LINLI_ASSIGN_OR_RETURN(auto decoded,
                           linli::DecodeCursor(cursor, kCursorVersion, NameOf(kResidentSorts, sort), by_name));
    ResidentKey key;
    key.id = decoded.id;
    key.name = std::move(decoded.name);
    return key;
}

// ---- import vocabulary ------------------------------------------------------------------------

const std::unordered_map<std::string, Relation>& RelationWords() {
    static const std::unordered_map<std::string, Relation> words = [] {
        std::unordered_map<std::string, Relation> m;
        for (const auto& [rel, name] : kRelations) {
            m.emplace(std::string(name), rel);
        }
        for (auto w : {"户主", "本人", "户主本人"}) m.emplace(w, Relation::kHead);
        for (auto w : {"配偶", "妻", "夫", "妻子", "丈夫", "夫妻"}) m.emplace(w, Relation::kSpouse);
        for (auto w :
             {"子", "女", "儿子", "女儿", "子女", "长子", "长女", "次子", "次女", "养子", "养女", "儿媳", "女婿"})
            m.emplace(w, Relation::kChild);
        for (auto w : {"父亲", "母亲", "父母", "父", "母", "公公", "婆婆", "岳父", "岳母"})
            m.emplace(w, Relation::kParent);
        for (auto w : {"祖父", "祖母", "祖父母", "外祖父", "外祖母", "外祖父母", "爷爷", "奶奶", "外公", "外婆"})
            m.emplace(w, Relation::kGrandparent);
        for (auto w : {"孙子", "孙女", "外孙", "外孙女", "孙子女"}) m.emplace(w, Relation::kGrandchild);
        for (auto w : {"兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"})
            m.emplace(w, Relation::kSibling);
        for (auto w : {"其他", "其它", "租客", "租户", "亲属", "非亲属"}) m.emplace(w, Relation::kOther);
        return m;
    }();
    return words;
}

const std::unordered_map<std::string, Hukou>& HukouWords() {
    static const std::unordered_map<std::string, Hukou> words = {
        {"registered", Hukou::kRegistered}, {"户籍", Hukou::kRegistered},   {"户籍人口", Hukou::kRegistered},
        {"本地", Hukou::kRegistered},       {"常住", Hukou::kRegistered},   {"常住人口", Hukou::kRegistered},
        {"floating", Hukou::kFloating},     {"流动", Hukou::kFloating},     {"流动人口", Hukou::kFloating},
        {"外来", Hukou::kFloating},         {"外来人口", Hukou::kFloating}, {"暂住", Hukou::kFloating},
    };
    return words;
}

const std::unordered_map<std::string, Tenure>& TenureWords() {
    static const std::unordered_map<std::string, Tenure> words = {
        {"owner", Tenure::kOwner},
        {"自有", Tenure::kOwner},
        {"自有住房", Tenure::kOwner},
        {"业主", Tenure::kOwner},
        {"产权", Tenure::kOwner},
        {"tenant", Tenure::kTenant},
        {"租住", Tenure::kTenant},
        {"租赁", Tenure::kTenant},
        {"租户", Tenure::kTenant},
        {"出租", Tenure::kTenant},
        {"public_rental", Tenure::kPublicRental},
        {"公租房", Tenure::kPublicRental},
        {"公租", Tenure::kPublicRental},
        {"廉租房", Tenure::kPublicRental},
        {"other", Tenure::kOther},
        {"其他", Tenure::kOther},
        {"其它", Tenure::kOther},
    };
    return words;
}

/// Splits a tags cell: "独居，残疾(二级)；低保" → {"独居", "残疾(二级)", "低保"}.
std::vector<std::string> SplitTags(std::string_view cell) {
    static const std::array<std::string_view, 8> kSeparators{",", "，", ";", "；", "、", "|", " ", "\u3000"};
    std::vector<std::string> out;
    std::string current;
    size_t i = 0;
    while (i < cell.size()) {
        bool split = false;
        for (auto sep : kSeparators) {
            if (cell.substr(i, sep.size()) == sep) {
                if (!current.empty()) {
                    out.push_back(std::move(current));
                    current.clear();
                }
                i += sep.size();
                split = true;
                break;
            }
        }
        if (!split) {
            current += cell[i++];
        }
    }
    if (!current.empty()) {
        out.push_back(std::move(current));
    }
    return out;
}

/// "残疾(二级)", "残疾（二级）", "残疾:二级", "残疾：二级" → {"残疾", "二级"}.
std::pair<std::string, std::optional<std::string>> SplitTagDetail(const std::string& token) {
    for (auto open : {std::string_view("("), std::string_view("（")}) {
        auto pos = token.find(open);
        if (pos != std::string::npos) {
            std::string detail = token.substr(pos + open.size());
            for (auto close : {std::string_view(")"), std::string_view("）")}) {
                if (detail.ends_with(close)) {
                    detail.resize(detail.size() - close.size());
                    break;
                }
            }
            return {token.substr(0, pos), detail};
        }
    }
    for (auto colon : {std::string_view(":"), std::string_view("：")}) {
        auto pos = token.find(colon);
        if (pos != std::string::npos) {
            return {token.substr(0, pos), token.substr(pos + colon.size())};
        }
    }
    return {token, std::nullopt};
}

bool AllAsciiDigits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

// ---- free functions -----------------------------------------------------------------------------

const std::vector<TagDefinition>& BuiltinTags() {
    static const std::vector<TagDefinition> tags = {
        {"living_alone", "独居", "Living alone", std::nullopt, false},
        {"disabled", "残疾", "Disabled", std::nullopt, false},
        {"low_income", "低保", "Low income (dibao)", std::nullopt, false},
        {"difficult_family", "困难家庭", "Difficult family", std::nullopt, false},
        {"veteran", "退役军人", "Veteran", std::nullopt, false},
        {"party_member", "党员", "Party member", std::nullopt, false},
        {"in_service_party_member", "在职党员双报到", "In-service Party member reporting to the community",
         std::nullopt, false},
        {"student_in_need", "困难学生", "Student in need", std::nullopt, false},
        {"red_elderly_card", "红色老年证", "Red elderly card", std::nullopt, false},
        {std::string(kTagElderly), "老年人(65岁以上)", "Elderly (65+)", std::nullopt, true},
        {std::string(kTagElderly80), "高龄老人(80岁以上)", "Aged 80 and over", std::nullopt, true},
        {std::string(kTagFloating), "流动人口", "Floating population", std::nullopt, true},
    };
    return tags;
}

bool IsComputedTag(std::string_view code) {
    return code == kTagElderly || code == kTagElderly80 || code == kTagFloating;
}

std::string NormalizeBuildingName(std::string_view raw) {
    std::string s = text::Trim(raw);
    if (AllAsciiDigits(s)) {
        return s + "号楼";
    }
    if (s.ends_with("号") && AllAsciiDigits(std::string_view(s).substr(0, s.size() - 3))) {
        return s + "楼";
    }
    return s;
}

std::string NormalizeUnitName(std::string_view raw) {
    std::string s = text::Trim(raw);
    if (AllAsciiDigits(s)) {
        return s + "单元";
    }
    return s;
}

std::string CivilDate(int64_t epoch_seconds, int utc_offset) {
    using namespace std::chrono;
    const sys_days day = floor<days>(sys_seconds{seconds{epoch_seconds + utc_offset}});
    const year_month_day ymd{day};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

int AgeOn(std::string_view birth_date, std::string_view today) {
    auto num = [](std::string_view s) {
        int v = 0;
        std::from_chars(s.data(), s.data() + s.size(), v);
        return v;
    };
    if (birth_date.size() != 10 || today.size() != 10) {
        return 0;
    }
    int age = num(today.substr(0, 4)) - num(birth_date.substr(0, 4));
    // "MM-DD" compares as text.
    if (today.substr(5) < birth_date.substr(5)) {
        --age;
    }
    return std::max(age, 0);
}

std::string BornOnOrBeforeForAge(std::string_view today, int years) {
    int y = 0;
    std::from_chars(today.data(), today.data() + 4, y);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04d", y - years);
    return std::string(buf) + std::string(today.substr(4));
}

// ---- service --------------------------------------------------------------------------------------

ResidentService::ResidentService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto,
                                 RegistryService& territory, ResidentServiceOptions options)
    : db_(db), clock_(clock), crypto_(crypto), territory_(territory) {
    auto offset = FixedUtcOffset(options.time_zone);
    if (!offset) {
        throw std::invalid_argument(offset.error().message);
    }
    utc_offset_ = *offset;
}

std::string ResidentService::Today() const {
    return CivilDate(clock_.Now(), utc_offset_);
}

Result<Node> ResidentService::VisibleNodeOr404(Conn& conn, const Actor& actor, int64_t id, const char* field,
                                               std::optional<NodeKind> kind) const {
    if (id > 0) {
        LINLI_ASSIGN_OR_RETURN(auto node, nodes_.FindVisible(conn, actor, id, ChildCount::kSkipped));
        if (node) {
            if (kind && node->kind != *kind) {
                if (*field == '\0') {
                    return Error{ErrorCode::kNotFound, std::string(NodeKindName(*kind)) + " not found", ""};
                }
                return InvalidArgument(field, std::string(field) + " must be a " + std::string(NodeKindName(*kind)) +
                                                  ", not a " + std::string(NodeKindName(node->kind)));
            }
            return std::move(*node);
        }
    }
    // Missing and out of scope answer alike.
    return Error{ErrorCode::kNotFound,
                 kind && *field == '\0' ? std::string(NodeKindName(*kind)) + " not found" : "territory node not found",
                 field};
}

void ResidentService::AddComputedTags(Resident& resident, std::string_view today) const {
    resident.age = AgeOn(resident.birth_date, today);
    if (resident.age >= kElderlyAge) {
        resident.tags.push_back(ResidentTag{std::string(kTagElderly), std::nullopt, true});
    }
    if (resident.age >= kElderly80Age) {
        resident.tags.push_back(ResidentTag{std::string(kTagElderly80), std::nullopt, true});
    }
    if (resident.hukou == Hukou::kFloating) {
        resident.tags.push_back(ResidentTag{std::string(kTagFloating), std::nullopt, true});
    }
}

Result<std::vector<TagInput>> ResidentService::CheckTags(Conn& conn, const std::vector<TagInput>& tags,
                                                         std::optional<int64_t> community_id) const {
    if (tags.empty()) {
        return std::vector<TagInput>();
    }
    std::vector<int64_t> communities;
    if (community_id) {
        communities.push_back(*community_id);
    }
    LINLI_ASSIGN_OR_RETURN(auto defs, repo_.TagDefinitions(conn, communities));
    std::set<std::string> known;
    for (const auto& d : defs) {
        known.insert(d.code);
    }
    std::vector<TagInput> out;
    std::set<std::string> seen;
    for (const auto& tag : tags) {
        std::string code = text::Trim(tag.tag);
        if (IsComputedTag(code)) {
            return InvalidArgument("tags",
                                   "\"" + code + "\" is computed (from the birth date or the hukou) and cannot be set");
        }
        if (!known.contains(code)) {
            return InvalidArgument("tags", "unknown tag \"" + code + "\"");
        }
        if (!seen.insert(code).second) {
            return InvalidArgument("tags", "tag \"" + code + "\" is listed twice");
        }
        TagInput clean{code, std::nullopt};
        if (tag.detail) {
            LINLI_ASSIGN_OR_RETURN(auto detail, CleanText(*tag.detail, "tags", kMaxTagDetailChars, false));
            if (!detail.empty()) {
                if (code == "disabled") {
                    auto grade = NormalizeDisabilityGrade(detail);
                    if (!grade) {
                        return InvalidArgument("tags", "a disability grade is one of 一级, 二级, 三级, 四级");
                    }
                    detail = *grade;
                }
                clean.detail = std::move(detail);
            }
        }
        out.push_back(std::move(clean));
    }
    return out;
}

// ---- households ---------------------------------------------------------------------------------

Result<Household> ResidentService::LoadHousehold(Conn& conn, const Node& node) const {
    Household h;
    h.id = node.id;
    h.unit_id = node.parent_id.value_or(0);
    h.name = node.name;
    h.path = node.path;
    h.community_id = node.community_id;
    h.created_at = node.created_at;
    h.updated_at = node.updated_at;
    LINLI_ASSIGN_OR_RETURN(auto unit, nodes_.FindById(conn, h.unit_id, ChildCount::kSkipped));
    if (unit) {
        h.unit_name = unit->name;
        LINLI_ASSIGN_OR_RETURN(auto building, nodes_.FindById(conn, unit->parent_id.value_or(0), ChildCount::kSkipped));
        if (building) {
            h.building_name = building->name;
        }
    }
    LINLI_ASSIGN_OR_RETURN(h.tenure, repo_.FindTenure(conn, node.id));
    LINLI_ASSIGN_OR_RETURN(h.members, repo_.Members(conn, node.id));
    return h;
}

Result<Household> ResidentService::CreateHousehold(const Actor& actor, const NewHousehold& input,
                                                   const RequestInfo& info) {
    LINLI_TRY(RequireWriter(actor));
    NewNode node_input;
    node_input.parent_id = input.unit_id;
    node_input.kind = NodeKind::kHousehold;
    node_input.name = input.room;
    auto created = territory_.Create(actor, node_input, info);
    if (!created) {
        // Speak in this API's field names.
        Error e = created.error();
        if (e.field == "parent_id") {
            e.field = "unit_id";
        } else if (e.field == "kind") {
            e = InvalidArgument("unit_id", "unit_id must be a unit");
        } else if (e.field == "name") {
            e.field = "room";
        }
        return e;
    }
    const Node node = std::move(*created);
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<Household> {
        LINLI_TRY(repo_.UpsertTenure(conn, node.id, input.tenure, now));
        LINLI_TRY(accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "household.create", "territory_node", node.id,
                                      HouseholdAuditDetail(input.unit_id, node.name, input.tenure))));
        return LoadHousehold(conn, node);
    });
}

Result<Household> ResidentService::GetHousehold(const Actor& actor, int64_t id) {
    LINLI_TRY(RequireReader(actor));
    return db_.Read([&](Conn& conn) -> Result<Household> {
        LINLI_ASSIGN_OR_RETURN(auto node, VisibleNodeOr404(conn, actor, id, "", NodeKind::kHousehold));
        return LoadHousehold(conn, node);
    });
}

Result<Household> ResidentService::UpdateHousehold(const Actor& actor, int64_t id, const HouseholdPatch& patch,
                                                   const RequestInfo& info) {
    LINLI_TRY(RequireWriter(actor));
    if (!patch.tenure) {
        return InvalidArgument("body", "nothing to update: give a tenure");
    }
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<Household> {
        LINLI_ASSIGN_OR_RETURN(auto node, VisibleNodeOr404(conn, actor, id, "", NodeKind::kHousehold));
        LINLI_ASSIGN_OR_RETURN(auto before, repo_.FindTenure(conn, id));
        LINLI_TRY(repo_.UpsertTenure(conn, id, *patch.tenure, now));
        LINLI_TRY(
            accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "household.update", "territory_node", id,
                                                            TenureAuditDetail(before, *patch.tenure))));
        return LoadHousehold(conn, node);
    });
}

// ---- buildings ----------------------------------------------------------------------------------

Result<BuildingDetails> ResidentService::SetBuildingDetails(const Actor& actor, int64_t building_id,
                                                            const BuildingDetailsInput& input,
                                                            const RequestInfo& info) {
    LINLI_TRY(RequireWriter(actor));
    BuildingDetailsInput clean = input;
    LINLI_ASSIGN_OR_RETURN(clean.address, CleanText(input.address, "address", kMaxAddressChars, false));
    if (clean.floors && (*clean.floors < 1 || *clean.floors > 300)) {
        return InvalidArgument("floors", "floors must be between 1 and 300");
    }
    if (clean.unit_count && (*clean.unit_count < 1 || *clean.unit_count > 1000)) {
        return InvalidArgument("unit_count", "unit_count must be between 1 and 1000");
    }
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<BuildingDetails> {
        LINLI_TRY(VisibleNodeOr404(conn, actor, building_id, "", NodeKind::kBuilding));
        LINLI_TRY(repo_.UpsertBuildingDetails(conn, building_id, clean, now));
        LINLI_TRY(accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "building.update", "territory_node",
                                                                  building_id, BuildingAuditDetail(clean))));
        LINLI_ASSIGN_OR_RETURN(auto stored, repo_.FindBuildingDetails(conn, building_id));
        if (!stored) {
            return Internal("building details vanished inside their own transaction");
        }
        return std::move(*stored);
    });
}

Result<BuildingDetails> ResidentService::GetBuildingDetails(const Actor& actor, int64_t building_id) {
    LINLI_TRY(RequireReader(actor));
    return db_.Read([&](Conn& conn) -> Result<BuildingDetails> {
        LINLI_TRY(VisibleNodeOr404(conn, actor, building_id, "", NodeKind::kBuilding));
        LINLI_ASSIGN_OR_RETURN(auto stored, repo_.FindBuildingDetails(conn, building_id));
        if (!stored) {
            BuildingDetails empty;
            empty.building_id = building_id;
            return empty;
        }
        return std::move(*stored);
    });
}

// ---- residents ------------------------------------------------------------------------------------

Result<Resident> ResidentService::CreateResident(const Actor& actor, const NewResident& input,
                                                 const RequestInfo& info) {
    LINLI_TRY(RequireWriter(actor));
    const std::string today = Today();
    LINLI_ASSIGN_OR_RETURN(auto name, person_name::Normalize(input.name, "name"));
    LINLI_ASSIGN_OR_RETURN(auto parsed_id, id_number::Parse(input.id_number, today, "id_number"));
    std::optional<SealedPhone> sealed_phone;
    if (input.phone) {
        LINLI_ASSIGN_OR_RETURN(auto parsed_phone, phone::Parse(*input.phone, "phone"));
        sealed_phone = SealPhone(crypto_, parsed_phone);
    }
    if (input.household_id) {
        if (!input.relation) {
            return InvalidArgument("relation", "relation (to the head of the household) is required with household_id");
        }
    } else if (!actor.global()) {
        return InvalidArgument("household_id", "household_id is required");
    }
    LINLI_ASSIGN_OR_RETURN(auto moved_in, CheckPastDate(input.moved_in, "moved_in", today));
    LINLI_ASSIGN_OR_RETURN(auto note, CleanText(input.note, "note", kMaxNoteChars, true));
    const SealedId sealed_id = SealIdNumber(crypto_, parsed_id);
    const int64_t now = clock_.Now();

    LINLI_ASSIGN_OR_RETURN(auto resident, db_.Write([&](Conn& conn) -> Result<Resident> {
        std::optional<Node> household;
        if (input.household_id) {
            LINLI_ASSIGN_OR_RETURN(
                household, VisibleNodeOr404(conn, actor, *input.household_id, "household_id", NodeKind::kHousehold));
        }
        const auto community_id = household ? household->community_id : std::nullopt;
        LINLI_ASSIGN_OR_RETURN(auto tags, CheckTags(conn, input.tags, community_id));
        // The same answer whoever holds the number and wherever they live: nothing about them leaks.
        const Error duplicate = Conflict("a resident with this ID number is already registered", "id_number");
        LINLI_ASSIGN_OR_RETURN(auto existing, repo_.FindByIdHash(conn, sealed_id.hash));
        if (existing) {
            return duplicate;
        }
        ResidentInsert row;
        row.name = name;
        row.id_enc = sealed_id.enc;
        row.id_hash = sealed_id.hash;
        row.last4_hash = sealed_id.last4_hash;
        row.id_masked = sealed_id.masked;
        if (sealed_phone) {
            row.phone_enc = sealed_phone->enc;
            row.phone_hash = sealed_phone->hash;
            row.phone_masked = sealed_phone->masked;
        }
        row.birth_date = sealed_id.birth_date;
        row.sex = sealed_id.sex;
        row.hukou = std::string(NameOf(kHukous, input.hukou));
        if (household) {
            row.household_id = household->id;
            row.scope_path = household->path;
        }
        row.community_id = community_id;
        row.note = note;
        row.now = now;
        auto id = repo_.Insert(conn, row);
        if (!id) {
            return id.error().code == ErrorCode::kConflict ? duplicate : id.error();
        }
        if (household) {
            LINLI_TRY(
                repo_.OpenResidency(conn, *id, household->id, NameOf(kRelations, *input.relation), moved_in, now));
        }
        LINLI_TRY(repo_.ReplaceTags(conn, *id, tags, now));
        LINLI_ASSIGN_OR_RETURN(auto stored, repo_.FindById(conn, *id));
        if (!stored) {
            return Internal("a resident vanished inside their own transaction");
        }
        LINLI_TRY(accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "resident.create", "resident", *id,
                                                                  ResidentAuditDetail(*stored))));
        return std::move(*stored);
    }));
    AddComputedTags(resident, today);
    return resident;
}

Result<Resident> ResidentService::GetResident(const Actor& actor, int64_t id) {
    LINLI_TRY(RequireReader(actor));
    const std::string today = Today();
    LINLI_ASSIGN_OR_RETURN(auto resident, db_.Read([&](Conn& conn) -> Result<Resident> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindVisible(conn, actor, id));
        if (!found) {
            return NotFound(std::string(kResidentNotFound));
        }
        LINLI_ASSIGN_OR_RETURN(found->residencies, repo_.Residencies(conn, id));
        return std::move(*found);
    }));
    AddComputedTags(resident, today);
    return resident;
}

Result<Resident> ResidentService::UpdateResident(const Actor& actor, int64_t id, const ResidentPatch& patch,
                                                 const RequestInfo& info) {
    LINLI_TRY(RequireWriter(actor));
    if (!patch.name && !patch.phone && !patch.hukou && !patch.note && !patch.tags) {
        return InvalidArgument("body", "nothing to update: give name, phone, hukou, note or tags");
    }
    std::optional<std::string> name;
    if (patch.name) {
        LINLI_ASSIGN_OR_RETURN(name, person_name::Normalize(*patch.name, "name"));
    }
    std::optional<std::optional<SealedPhone>> sealed_phone;
    if (patch.phone) {
        if (*patch.phone) {
            LINLI_ASSIGN_OR_RETURN(auto parsed, phone::Parse(**patch.phone, "phone"));
            sealed_phone = std::optional<SealedPhone>(SealPhone(crypto_, parsed));
        } else {
            sealed_phone = std::optional<SealedPhone>();
        }
    }
    std::optional<std::string> note;
    if (patch.note) {
        LINLI_ASSIGN_OR_RETURN(note, CleanText(*patch.note, "note", kMaxNoteChars, true));
    }
    const std::string today = Today();
    const int64_t now = clock_.Now();

    LINLI_ASSIGN_OR_RETURN(auto resident, db_.Write([&](Conn& conn) -> Result<Resident> {
        LINLI_ASSIGN_OR_RETURN(auto before, repo_.FindVisible(conn, actor, id));
        if (!before) {
            return NotFound(std::string(kResidentNotFound));
        }
        std::vector<std::string> fields;
        if (name) {
            LINLI_TRY(repo_.UpdateName(conn, id, *name, now));
            fields.push_back("name");
        }
        if (sealed_phone) {
            const auto& p = *sealed_phone;
            LINLI_TRY(repo_.UpdatePhone(conn, id, p ? std::optional(p->enc) : std::nullopt,
                                        p ? std::optional(p->hash) : std::nullopt,
                                        p ? std::optional(p->masked) : std::nullopt, now));
            fields.push_back("phone");
        }
        if (patch.hukou) {
            LINLI_TRY(repo_.UpdateHukou(conn, id, NameOf(kHukous, *patch.hukou), now));
            fields.push_back("hukou");
        }
        if (note) {
            LINLI_TRY(repo_.UpdateNote(conn, id, *note, now));
            fields.push_back("note");
        }
        if (patch.tags) {
            LINLI_ASSIGN_OR_RETURN(auto tags, CheckTags(conn, *patch.tags, before->community_id));
            LINLI_TRY(repo_.ReplaceTags(conn, id, tags, now));
            // ReplaceTags does not touch the row; the change still counts as an update.
            LINLI_TRY(repo_.UpdateNote(conn, id, note ? *note : before->note, now));
            fields.push_back("tags");
        }
        LINLI_ASSIGN_OR_RETURN(auto after, repo_.FindById(conn, id));
        if (!after) {
            return Internal("a resident vanished inside their own transaction");
        }
        LINLI_TRY(accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "resident.update", "resident", id,
                                                                  ResidentUpdateAuditDetail(*before, *after, fields))));
        LINLI_ASSIGN_OR_RETURN(after->residencies, repo_.Residencies(conn, id));
        return std::move(*after);
    }));
    AddComputedTags(resident, today);
    return resident;
}

Result<Resident> ResidentService::MoveResident(const Actor& actor, int64_t id, const MoveRequest& move,
                                               const RequestInfo& info) {
    LINLI_TRY(RequireWriter(actor));
    const std::string today = Today();
    if (move.household_id && !move.relation) {
        return InvalidArgument("relation", "relation (to the head of the new household) is required with household_id");
    }
    LINLI_ASSIGN_OR_RETURN(auto date, CheckPastDate(move.date, "date", today));
    const int64_t now = clock_.Now();

    LINLI_ASSIGN_OR_RETURN(auto resident, db_.Write([&](Conn& conn) -> Result<Resident> {
        LINLI_ASSIGN_OR_RETURN(auto before, repo_.FindVisible(conn, actor, id));
        if (!before) {
            return NotFound(std::string(kResidentNotFound));
        }
        std::optional<Node> target;
        if (move.household_id) {
            LINLI_ASSIGN_OR_RETURN(
                target, VisibleNodeOr404(conn, actor, *move.household_id, "household_id", NodeKind::kHousehold));
        }
        if (!target && !before->household) {
            return Conflict("the resident has already moved out of the city", "household_id");
        }
        if (target && before->household && before->household->id == target->id) {
            return Conflict("the resident already lives in this household", "household_id");
        }
        if (before->household && date < before->household->moved_in) {
            return InvalidArgument(
                "date", "the move cannot be before the resident moved in (" + before->household->moved_in + ")");
        }
        LINLI_TRY(repo_.CloseResidency(conn, id, date));
        if (target) {
            LINLI_TRY(repo_.OpenResidency(conn, id, target->id, NameOf(kRelations, *move.relation), date, now));
            LINLI_TRY(repo_.UpdatePlace(conn, id, target->id, target->path, target->community_id, now));
        } else {
            // Out of the city: no household, no scope path (admins only from now on); the community
            // stays as the last known one.
            LINLI_TRY(repo_.UpdatePlace(conn, id, std::nullopt, std::nullopt, before->community_id, now));
        }
        LINLI_TRY(accounts::RecordAudit(
            conn,
            accounts::MakeAudit(actor, info, now, "resident.move", "resident", id,
                                MoveAuditDetail(before->household ? std::optional(before->household->id) : std::nullopt,
                                                target ? std::optional(target->id) : std::nullopt, date))));
        LINLI_ASSIGN_OR_RETURN(auto after, repo_.FindById(conn, id));
        if (!after) {
            return Internal("a resident vanished inside their own transaction");
        }
        LINLI_ASSIGN_OR_RETURN(after->residencies, repo_.Residencies(conn, id));
        return std::move(*after);
    }));
    AddComputedTags(resident, today);
    return resident;
}

Result<ResidentFilter> ResidentService::BuildFilter(Conn& conn, const Actor& actor, const ResidentQuery& query,
                                                    std::string_view today) const {
    ResidentFilter f;
    if (query.under_node_id) {
        std::optional<NodeKind> kind;
        if (query.under_kind) {
            kind = ParseNodeKind(*query.under_kind);
        }
        LINLI_ASSIGN_OR_RETURN(auto node,
                               VisibleNodeOr404(conn, actor, *query.under_node_id, query.under_field.c_str(), kind));
        f.under_path = node.path;
    }
    if (query.q) {
        LINLI_ASSIGN_OR_RETURN(auto q, CleanText(*query.q, "q", kMaxQueryChars, false));
        if (!q.empty()) {
            f.name_prefix = std::move(q);
        }
    }
    const auto apply_tag = [&](const std::string& raw, bool with, const char* field) -> Result<void> {
        const std::string code = text::Trim(raw);
        if (code == kTagElderly || code == kTagElderly80) {
            const auto cutoff = BornOnOrBeforeForAge(today, code == kTagElderly ? kElderlyAge : kElderly80Age);
            (with ? f.born_on_or_before : f.born_after) = cutoff;
            return {};
        }
        if (code == kTagFloating) {
            if (with) {
                if (f.hukou && *f.hukou != "floating") {
                    f.hukou_not = *f.hukou;  // registered AND floating: nobody
                } else {
                    f.hukou = "floating";
                }
            } else {
                f.hukou_not = "floating";
            }
            return {};
        }
        LINLI_ASSIGN_OR_RETURN(bool exists, repo_.TagCodeExists(conn, code));
        if (!exists) {
            return InvalidArgument(field, "unknown tag \"" + code + "\"");
        }
        (with ? f.with_tag : f.without_tag) = code;
        return {};
    };
    if (query.hukou) {
        f.hukou = std::string(NameOf(kHukous, *query.hukou));
    }
    if (query.tag) {
        LINLI_TRY(apply_tag(*query.tag, true, "tag"));
    }
    if (query.without_tag) {
        LINLI_TRY(apply_tag(*query.without_tag, false, "without_tag"));
    }
    if (query.id_number) {
        const std::string normalized = NormalizeIdForSearch(*query.id_number);
        if (normalized.empty()) {
            return InvalidArgument("id_number", "id_number must not be empty");
        }
        f.id_hash = crypto_.Hash("id", normalized);
    }
    if (query.id_last4) {
        const std::string last4 = NormalizeIdForSearch(*query.id_last4);
        const bool ok = last4.size() == 4 && std::all_of(last4.begin(), last4.end(),
                                                         [](char c) { return (c >= '0' && c <= '9') || c == 'X'; });
        if (!ok) {
            return InvalidArgument("id_last4", "id_last4 is the last 4 characters of an ID number (digits or X)");
        }
        f.last4_hash = crypto_.Hash("id_last4", last4);
    }
    if (query.phone) {
        LINLI_ASSIGN_OR_RETURN(auto parsed, phone::Parse(*query.phone, "phone"));
        f.phone_hash = crypto_.Hash("phone", parsed.normalized);
    }
    return f;
}

Result<Page<Resident>> ResidentService::ListResidents(const Actor& actor, const ResidentQuery& query) {
    LINLI_TRY(RequireReader(actor));
    if (query.limit < 1 || query.limit > kMaxPageSize) {
        return InvalidArgument("limit", "limit must be between 1 and " + std::to_string(kMaxPageSize));
    }
    std::optional<ResidentKey> after;
    if (query.cursor) {
        LINLI_ASSIGN_OR_RETURN(after, DecodeCursor(*query.cursor, query.sort));
    }
    const std::string today = Today();
    LINLI_ASSIGN_OR_RETURN(auto residents, db_.Read([&](Conn& conn) -> Result<std::vector<Resident>> {
        LINLI_ASSIGN_OR_RETURN(auto filter, BuildFilter(conn, actor, query, today));
        return repo_.List(conn, actor, filter, query.sort, after, query.limit + 1);
    }));
    Page<Resident> page;
    if (residents.size() > static_cast<size_t>(query.limit)) {
        residents.resize(static_cast<size_t>(query.limit));
        page.next_cursor = EncodeCursor(query.sort, residents.back());
    }
    for (auto& r : residents) {
        AddComputedTags(r, today);
    }
    page.items = std::move(residents);
    return page;
}

Result<int64_t> ResidentService::CountResidents(const Actor& actor, const ResidentQuery& query) {
    LINLI_TRY(RequireReader(actor));
    const std::string today = Today();
    return db_.Read([&](Conn& conn) -> Result<int64_t> {
        LINLI_ASSIGN_OR_RETURN(auto filter, BuildFilter(conn, actor, query, today));
        return repo_.Count(conn, actor, filter);
    });
}

Result<std::string> ResidentService::Reveal(const Actor& actor, int64_t id, std::string_view field,
                                            std::string_view reason, const RequestInfo& info) {
    if (!IsWriter(actor.role)) {
        return Forbidden("your role may not reveal personal data");
    }
    if (field != "id_number" && field != "phone") {
        return InvalidArgument("field", "field must be id_number or phone");
    }
    LINLI_ASSIGN_OR_RETURN(auto clean_reason, CleanText(reason, "reason", 200, false));
    if (text::CodePointCount(clean_reason) < 2) {
        return InvalidArgument("reason", "state the reason for revealing (2 to 200 characters)");
    }
    const int64_t now = clock_.Now();
    // A write transaction although it only reads: the audit row commits with the reveal or not at all.
    return db_.Write([&](Conn& conn) -> Result<std::string> {
        LINLI_ASSIGN_OR_RETURN(auto sealed, repo_.FindSealedVisible(conn, actor, id));
        if (!sealed) {
            return NotFound(std::string(kResidentNotFound));
        }
        std::string value;
        if (field == "id_number") {
            LINLI_ASSIGN_OR_RETURN(value, crypto_.Decrypt(sealed->id_enc));
        } else {
            if (!sealed->phone_enc) {
                return Error{ErrorCode::kNotFound, "no phone number is recorded for this resident", "phone"};
            }
            LINLI_ASSIGN_OR_RETURN(value, crypto_.Decrypt(*sealed->phone_enc));
        }
        LINLI_TRY(accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "resident.reveal", "resident", id,
                                                                  RevealAuditDetail(field, clean_reason))));
        return value;
    });
}

Result<std::vector<TagDefinition>> ResidentService::ListTags(const Actor& actor) {
    LINLI_TRY(RequireReader(actor));
    LINLI_ASSIGN_OR_RETURN(auto stored, db_.Read([&](Conn& conn) -> Result<std::vector<TagDefinition>> {
        if (actor.global()) {
            return repo_.AllTagDefinitions(conn);
        }
        // The communities the caller works in: those of their scope nodes and those below them.
        std::vector<int64_t> communities;
        for (const auto& scope : actor.scope) {
            LINLI_ASSIGN_OR_RETURN(auto node, nodes_.FindById(conn, scope.id, ChildCount::kSkipped));
            if (node && node->community_id) {
                communities.push_back(*node->community_id);
            }
        }
        NodeFilter filter;
        filter.kind = NodeKind::kCommunity;
        LINLI_ASSIGN_OR_RETURN(auto below, nodes_.List(conn, actor, filter, NodeSort::kIdAsc, std::nullopt, 1000));
        for (const auto& c : below) {
            communities.push_back(c.id);
        }
        return repo_.TagDefinitions(conn, communities);
    }));
    for (const auto& tag : BuiltinTags()) {
        if (tag.computed) {
            stored.push_back(tag);
        }
    }
    return stored;
}

// ---- import ---------------------------------------------------------------------------------------

namespace {

/// A row that passed validation, ready to write.
struct PreparedRow {
    const ImportRow* row = nullptr;
    std::string name;
    SealedId id;
    std::optional<SealedPhone> phone;
    std::string building, unit, room;
    std::optional<Relation> relation;
    std::optional<Hukou> hukou;
    std::optional<Tenure> tenure;
    std::vector<TagInput> tags;
    bool tags_given = false;
    std::string note;
    bool valid = false;  // no errors in its own cells (an ID number seen on an earlier line is checked later)
};

struct RowErrors {
    std::vector<ImportError>& out;
    int line;
    bool any = false;
    void Add(std::string column, const std::string& zh, const std::string& en) {
        out.push_back(ImportError{line, std::move(column), zh, en});
        any = true;
    }
    void Add(const Error& e, const std::string& fallback_column) {
        auto [zh, en] = SplitMessage(e.message);
        out.push_back(ImportError{line, e.field.empty() ? fallback_column : e.field, zh, en});
        any = true;
    }
};

/// A place name from the file: one line, at most the territory's limit; empty allowed here.
std::optional<std::string> CleanPlace(const std::string& raw) {
    auto clean = CleanText(raw, "place", kMaxPlaceChars, false);
    if (!clean) {
        return std::nullopt;
    }
    return *clean;
}

}  // namespace

Result<void> ResidentService::CheckImportTarget(const Actor& actor, int64_t target_node_id, const char* field) const {
    LINLI_TRY(RequireWriter(actor));
    return db_.Read([&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto node, VisibleNodeOr404(conn, actor, target_node_id, field, std::nullopt));
        if (node.kind != NodeKind::kCommunity && node.kind != NodeKind::kGrid) {
            return InvalidArgument(field, "import into a community or a grid, not a " +
                                              std::string(NodeKindName(node.kind)));
        }
        return {};
    });
}

Result<ImportSummary> ResidentService::ImportResidents(const Actor& actor, int64_t target_node_id,
                                                       const std::vector<ImportRow>& rows, const ImportOptions& options,
                                                       const RequestInfo& info) {
    LINLI_TRY(RequireWriter(actor));
    const std::string today = Today();
    const int64_t now = clock_.Now();

    // 1. The target and the tags its community may use.
    struct Target {
        Node node;
        std::vector<TagDefinition> tags;
    };
    LINLI_ASSIGN_OR_RETURN(auto target, db_.Read([&](Conn& conn) -> Result<Target> {
        LINLI_ASSIGN_OR_RETURN(auto node,
                               VisibleNodeOr404(conn, actor, target_node_id, "target_node_id", std::nullopt));
        if (node.kind != NodeKind::kCommunity && node.kind != NodeKind::kGrid) {
            return InvalidArgument("target_node_id",
                                   "import into a community or a grid, not a " + std::string(NodeKindName(node.kind)));
        }
        std::vector<int64_t> communities;
        if (node.community_id) {
            communities.push_back(*node.community_id);
        }
        LINLI_ASSIGN_OR_RETURN(auto tags, repo_.TagDefinitions(conn, communities));
        return Target{std::move(node), std::move(tags)};
    }));
    const bool into_grid = target.node.kind == NodeKind::kGrid;

    // A tag cell names tags by code or by Chinese name; computed ones are accepted and ignored.
    std::unordered_map<std::string, std::string> tag_words;
    for (const auto& t : target.tags) {
        tag_words.emplace(t.code, t.code);
        tag_words.emplace(t.name, t.code);
    }
    for (const auto& t : BuiltinTags()) {
        if (t.computed) {
            tag_words.emplace(t.code, "");
            tag_words.emplace(t.name, "");
        }
    }
    for (auto w : {"老年人", "老人", "高龄", "高龄老人", "流动", "流动人口"}) {
        tag_words.emplace(w, "");
    }

    // 2. Validate every row, without the database: parse, check, encrypt and hash. Rows are
    //    independent, so the work is split across threads; the writer is idle meanwhile.
    const auto prepare = [&](const ImportRow& row, std::vector<ImportError>& out_errors) -> PreparedRow {
        RowErrors errors{out_errors, row.line};
        PreparedRow p;
        p.row = &row;
        if (auto name = person_name::Normalize(row.name, "name")) {
            p.name = std::move(*name);
        } else {
            errors.Add(name.error(), "name");
        }
        if (text::Trim(row.id_number).empty()) {
            errors.Add("id_number", "缺少身份证号", "the ID number is missing");
        } else if (auto parsed = id_number::Parse(row.id_number, today, "id_number")) {
            p.id = SealIdNumber(crypto_, *parsed);
        } else {
            errors.Add(parsed.error(), "id_number");
        }
        if (!text::Trim(row.phone).empty()) {
            if (auto parsed = phone::Parse(row.phone, "phone")) {
                p.phone = SealPhone(crypto_, *parsed);
            } else {
                errors.Add(parsed.error(), "phone");
            }
        }
        const auto building = CleanPlace(row.building);
        const auto unit = CleanPlace(row.unit);
        const auto room = CleanPlace(row.room);
        if (!building || building->empty()) {
            errors.Add("building", building ? "缺少楼栋" : "楼栋名称无效",
                       building ? "the building is missing" : "the building name is not valid");
        } else {
            p.building = NormalizeBuildingName(*building);
        }
        if (!unit) {
            errors.Add("unit", "单元名称无效", "the unit name is not valid");
        } else {
            // A building without units keeps its households in one "1单元".
            p.unit = unit->empty() ? "1单元" : NormalizeUnitName(*unit);
        }
        if (!room || room->empty()) {
            errors.Add("room", room ? "缺少房号" : "房号无效", room ? "the room is missing" : "the room is not valid");
        } else {
            p.room = *room;
        }
        if (const std::string rel = text::Trim(row.relation); !rel.empty()) {
            auto it = RelationWords().find(rel);
            if (it == RelationWords().end()) {
                errors.Add("relation", "无法识别的与户主关系：" + rel, "unknown relation to the head: " + rel);
            } else {
                p.relation = it->second;
            }
        }
        if (const std::string hukou = text::Trim(row.hukou); !hukou.empty()) {
            auto it = HukouWords().find(hukou);
            if (it == HukouWords().end()) {
                errors.Add("hukou", "无法识别的户籍类型：" + hukou, "unknown hukou type: " + hukou);
            } else {
                p.hukou = it->second;
            }
        }
        if (const std::string tenure = text::Trim(row.tenure); !tenure.empty()) {
            auto it = TenureWords().find(tenure);
            if (it == TenureWords().end()) {
                errors.Add("tenure", "无法识别的住房性质：" + tenure, "unknown tenure: " + tenure);
            } else {
                p.tenure = it->second;
            }
        }
        if (!text::Trim(row.tags).empty()) {
            p.tags_given = true;
            std::set<std::string> seen;
            for (const auto& token : SplitTags(row.tags)) {
                auto [word, detail] = SplitTagDetail(token);
                auto it = tag_words.find(word);
                if (it == tag_words.end()) {
                    errors.Add("tags", "无法识别的标签：" + word, "unknown tag: " + word);
                    continue;
                }
                if (it->second.empty() || !seen.insert(it->second).second) {
                    continue;  // computed, or listed twice
                }
                TagInput tag{it->second, std::nullopt};
                if (detail && !detail->empty()) {
                    if (tag.tag == "disabled") {
                        auto grade = NormalizeDisabilityGrade(*detail);
                        if (!grade) {
                            errors.Add("tags", "残疾等级应为一级至四级", "a disability grade is 一级 to 四级");
                            continue;
                        }
                        tag.detail = *grade;
                    } else if (text::CodePointCount(*detail) <= kMaxTagDetailChars) {
                        tag.detail = *detail;
                    }
                }
                p.tags.push_back(std::move(tag));
            }
        }
        if (auto note = CleanText(row.note, "note", kMaxNoteChars, true)) {
            p.note = std::move(*note);
        } else {
            errors.Add(note.error(), "note");
        }
        p.valid = !errors.any;
        return p;
    };
    struct Chunk {
        std::vector<PreparedRow> rows;
        std::vector<ImportError> errors;
    };
    const size_t threads = rows.size() < kParallelValidationRows
                               ? 1
                               : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, kMaxValidationThreads);
    std::vector<Chunk> chunks(threads);
    {
        const size_t per_chunk = (rows.size() + threads - 1) / threads;
        const auto validate = [&](size_t c) {
            const size_t begin = std::min(rows.size(), c * per_chunk);
            const size_t end = std::min(rows.size(), begin + per_chunk);
            chunks[c].rows.reserve(end - begin);
            for (size_t i = begin; i < end; ++i) {
                chunks[c].rows.push_back(prepare(rows[i], chunks[c].errors));
            }
        };
        std::vector<std::jthread> workers;
        for (size_t c = 1; c < threads; ++c) {
            workers.emplace_back(validate, c);
        }
        validate(0);
    }  // the jthreads join here

    // In file order: collect errors, and refuse an ID number seen on an earlier line.
    ImportSummary summary;
    std::vector<PreparedRow> prepared;
    prepared.reserve(rows.size());
    std::unordered_map<std::string, int> line_of_hash;
    line_of_hash.reserve(rows.size());
    size_t index = 0;
    for (auto& chunk : chunks) {
        summary.errors.insert(summary.errors.end(), std::make_move_iterator(chunk.errors.begin()),
                              std::make_move_iterator(chunk.errors.end()));
        for (auto& p : chunk.rows) {
            const ImportRow& row = rows[index++];
            bool duplicate = false;
            if (!p.id.hash.empty()) {  // the ID number parsed, even if another cell failed
                auto [it, fresh] = line_of_hash.emplace(p.id.hash, row.line);
                if (!fresh) {
                    summary.errors.push_back(ImportError{row.line, "id_number",
                                                         "与第 " + std::to_string(it->second) + " 行的身份证号重复",
                                                         "the same ID number as line " + std::to_string(it->second)});
                    duplicate = true;
                }
            }
            if (!p.valid || duplicate) {
                ++summary.skipped;
            } else {
                prepared.push_back(std::move(p));
            }
        }
    }
    std::stable_sort(summary.errors.begin(), summary.errors.end(),
                     [](const ImportError& a, const ImportError& b) { return a.line < b.line; });
    if (!summary.errors.empty() && !options.skip_invalid) {
        summary.skipped = static_cast<int64_t>(rows.size());
        return summary;
    }

    // 3. One write for the whole file: resolve every row's household (creating missing places level by
    //    level in batches), then insert the new people in multi-row statements; known people are updated
    //    one by one (a re-import is rarer and smaller).
    bool aborted = false;
    ImportSummary aborted_summary;
    auto written = db_.Write([&](Conn& conn) -> Result<ImportSummary> {
        ImportSummary s = summary;
        LINLI_ASSIGN_OR_RETURN(auto places, repo_.PlacesUnder(conn, target.node.path));
        const auto key = [](int64_t parent, std::string_view name) {
            std::string k = std::to_string(parent);
            k += '\n';
            k += name;
            return k;
        };
        // Existing places by (parent id, name); a community's buildings by name alone, as files name them.
        std::unordered_map<std::string, PlaceNode> existing_places;
        std::unordered_map<std::string, std::vector<PlaceNode>> buildings_by_name;
        existing_places.reserve(places.size());
        for (auto& n : places) {
            if (n.kind == NodeKind::kBuilding) {
                buildings_by_name[n.name].push_back(n);
            }
            existing_places.emplace(key(n.parent_id, n.name), std::move(n));
        }

        // Every place a row names gets a slot; fresh slots are created below, parents before children.
        struct Slot {
            PlaceNode node;  // id 0 until created
            int parent = -1;
            bool fresh = false;
        };
        std::vector<Slot> slots;
        std::unordered_map<std::string, int> slot_of;  // "<parent slot>\n<name>" or "b<building id>"
        slots.push_back(Slot{PlaceNode{target.node.id, target.node.parent_id.value_or(0), target.node.kind,
                                       target.node.name, target.node.path, target.node.depth, target.node.community_id},
                             -1, false});
        const auto child_slot = [&](int parent, NodeKind kind, const std::string& name) -> int {
            const std::string k = key(parent, name);
            if (auto it = slot_of.find(k); it != slot_of.end()) {
                return it->second;
            }
            Slot slot;
            slot.parent = parent;
            const PlaceNode& p = slots[static_cast<size_t>(parent)].node;
            if (p.id != 0) {
                if (auto it = existing_places.find(key(p.id, name)); it != existing_places.end()) {
                    slot.node = it->second;
                }
            }
            if (slot.node.id == 0) {
                slot.fresh = true;
                slot.node = PlaceNode{0, 0, kind, name, "", p.depth + 1, p.community_id};
            }
            slots.push_back(std::move(slot));
            slot_of.emplace(k, static_cast<int>(slots.size() - 1));
            return static_cast<int>(slots.size() - 1);
        };

        std::vector<std::string> hashes;
        hashes.reserve(prepared.size());
        for (const auto& p : prepared) {
            hashes.push_back(p.id.hash);
        }
        LINLI_ASSIGN_OR_RETURN(auto known, repo_.FindByIdHashes(conn, hashes));

        // Pass 1: row errors that need the database, and each row's household slot.
        struct Planned {
            const PreparedRow* row;
            int household_slot;
            std::optional<ResidentBrief> existing;
        };
        std::vector<Planned> planned;
        planned.reserve(prepared.size());
        for (const auto& p : prepared) {
            RowErrors errors{s.errors, p.row->line};
            std::optional<ResidentBrief> existing;
            if (auto it = known.find(p.id.hash); it != known.end()) {
                existing = it->second;
            }
            if (existing && !actor.global() && (!existing->scope_path || !actor.CanSee(*existing->scope_path))) {
                errors.Add("id_number", "此人已在其他地方登记", "already registered elsewhere");
                ++s.skipped;
                continue;
            }
            int building = 0;
            if (into_grid) {
                building = child_slot(0, NodeKind::kBuilding, p.building);
            } else {
                auto it = buildings_by_name.find(p.building);
                if (it == buildings_by_name.end()) {
                    errors.Add("building", "社区内没有此楼栋（只有导入到网格时才会新建楼栋）：" + p.building,
                               "no such building in the community (buildings are created only when importing into "
                               "a grid): " +
                                   p.building);
                    ++s.skipped;
                    continue;
                }
                if (it->second.size() > 1) {
                    errors.Add("building", "社区内有多个同名楼栋，请导入到网格：" + p.building,
                               "several buildings in the community have this name; import into a grid: " + p.building);
                    ++s.skipped;
                    continue;
                }
                const PlaceNode& b = it->second.front();
                const std::string k = "b" + std::to_string(b.id);
                if (auto found = slot_of.find(k); found != slot_of.end()) {
                    building = found->second;
                } else {
                    slots.push_back(Slot{b, -1, false});
                    building = static_cast<int>(slots.size() - 1);
                    slot_of.emplace(k, building);
                }
            }
            const int unit = child_slot(building, NodeKind::kUnit, p.unit);
            const int household = child_slot(unit, NodeKind::kHousehold, p.room);
            planned.push_back(Planned{&p, household, std::move(existing)});
        }
        if (!s.errors.empty() && !options.skip_invalid) {
            // Nothing was written yet; report every error at once.
            std::stable_sort(s.errors.begin(), s.errors.end(),
                             [](const ImportError& a, const ImportError& b) { return a.line < b.line; });
            aborted = true;
            aborted_summary = std::move(s);
            return Error{ErrorCode::kInvalidArgument, "the import has errors", "rows"};
        }

        // Create the missing places: reserve their ids, so every path is known before it is written;
        // slots were made parents first, so inserting in slot order satisfies the parent foreign key.
        {
            std::vector<size_t> fresh;
            for (size_t i = 0; i < slots.size(); ++i) {
                if (slots[i].fresh) {
                    fresh.push_back(i);
                }
            }
            LINLI_ASSIGN_OR_RETURN(auto ids, repo_.ReserveNodeIds(conn, fresh.size()));
            std::vector<PlaceInsert> inserts;
            inserts.reserve(fresh.size());
            for (size_t j = 0; j < fresh.size(); ++j) {
                Slot& slot = slots[fresh[j]];
                const PlaceNode& parent = slots[static_cast<size_t>(slot.parent)].node;
                slot.node.id = ids[j];
                slot.node.parent_id = parent.id;
                slot.node.path = parent.path + std::to_string(ids[j]) + "/";
                inserts.push_back(PlaceInsert{slot.node.id, parent.id, slot.node.kind, slot.node.name, slot.node.path,
                                              slot.node.depth, slot.node.community_id});
            }
            LINLI_TRY(repo_.InsertPlaces(conn, inserts, now));
            s.nodes_created += static_cast<int64_t>(inserts.size());
        }

        // Tenures, once per household (the first row naming one wins).
        std::vector<std::pair<int64_t, Tenure>> tenures;
        std::unordered_set<int64_t> tenure_set;
        for (const auto& pl : planned) {
            const auto& household = slots[static_cast<size_t>(pl.household_slot)].node;
            if (pl.row->tenure && tenure_set.insert(household.id).second) {
                tenures.emplace_back(household.id, *pl.row->tenure);
            }
        }
        LINLI_TRY(repo_.UpsertTenures(conn, tenures, now));

        // Pass 2: new people in batches; known people one by one.
        std::vector<ResidentInsert> inserts;
        std::vector<const Planned*> inserted_rows;
        int64_t done = 0;
        for (const auto& pl : planned) {
            const PreparedRow& p = *pl.row;
            const PlaceNode& household = slots[static_cast<size_t>(pl.household_slot)].node;
            const Relation relation = p.relation.value_or(Relation::kOther);
            if (options.progress && ++done % kProgressEvery == 0) {
                options.progress(done + s.skipped);
            }
            if (!pl.existing) {
                ResidentInsert ins;
                ins.name = p.name;
                ins.id_enc = p.id.enc;
                ins.id_hash = p.id.hash;
                ins.last4_hash = p.id.last4_hash;
                ins.id_masked = p.id.masked;
                if (p.phone) {
                    ins.phone_enc = p.phone->enc;
                    ins.phone_hash = p.phone->hash;
                    ins.phone_masked = p.phone->masked;
                }
                ins.birth_date = p.id.birth_date;
                ins.sex = p.id.sex;
                ins.hukou = std::string(NameOf(kHukous, p.hukou.value_or(Hukou::kRegistered)));
                ins.household_id = household.id;
                ins.scope_path = household.path;
                ins.community_id = household.community_id;
                ins.note = p.note;
                ins.now = now;
                inserts.push_back(std::move(ins));
                inserted_rows.push_back(&pl);
                continue;
            }
            // Known person: update from the file; empty cells keep what is stored.
            const int64_t id = pl.existing->id;
            LINLI_TRY(repo_.UpdateName(conn, id, p.name, now));
            if (p.phone) {
                LINLI_TRY(repo_.UpdatePhone(conn, id, p.phone->enc, p.phone->hash, p.phone->masked, now));
            }
            if (p.hukou) {
                LINLI_TRY(repo_.UpdateHukou(conn, id, NameOf(kHukous, *p.hukou), now));
            }
            if (!p.note.empty()) {
                LINLI_TRY(repo_.UpdateNote(conn, id, p.note, now));
            }
            if (p.tags_given) {
                LINLI_TRY(repo_.ReplaceTags(conn, id, p.tags, now));
            }
            if (pl.existing->household_id != household.id) {
                LINLI_TRY(repo_.CloseResidency(conn, id, today));
                LINLI_TRY(repo_.OpenResidency(conn, id, household.id, NameOf(kRelations, relation), today, now));
                LINLI_TRY(repo_.UpdatePlace(conn, id, household.id, household.path, household.community_id, now));
            } else if (p.relation && pl.existing->relation != NameOf(kRelations, *p.relation)) {
                LINLI_TRY(repo_.SetRelation(conn, id, NameOf(kRelations, *p.relation)));
            }
            ++s.updated;
        }
        LINLI_ASSIGN_OR_RETURN(auto ids, repo_.InsertMany(conn, inserts));
        std::vector<ResidencyInsert> residencies;
        std::vector<TagRow> tags;
        residencies.reserve(ids.size());
        for (size_t i = 0; i < ids.size(); ++i) {
            const Planned& pl = *inserted_rows[i];
            residencies.push_back(
                ResidencyInsert{ids[i], inserts[i].household_id.value_or(0),
                                std::string(NameOf(kRelations, pl.row->relation.value_or(Relation::kOther))), today});
            for (const auto& tag : pl.row->tags) {
                tags.push_back(TagRow{ids[i], tag.tag, tag.detail});
            }
        }
        LINLI_TRY(repo_.InsertResidencies(conn, residencies, now));
        LINLI_TRY(repo_.InsertTags(conn, tags, now));
        s.inserted = static_cast<int64_t>(ids.size());

        std::stable_sort(s.errors.begin(), s.errors.end(),
                         [](const ImportError& a, const ImportError& b) { return a.line < b.line; });
        s.committed = true;
        LINLI_TRY(accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "resident.import", "territory_node", target.node.id,
                                      ImportAuditDetail(static_cast<int64_t>(rows.size()), s))));
        return s;
    });
    if (!written) {
        if (aborted) {
            aborted_summary.inserted = 0;
            aborted_summary.updated = 0;
            aborted_summary.nodes_created = 0;
            aborted_summary.skipped = static_cast<int64_t>(rows.size());
            aborted_summary.committed = false;
            return aborted_summary;
        }
        return written.error();
    }
    if (options.progress) {
        options.progress(static_cast<int64_t>(rows.size()));
    }
    return std::move(*written);
}

// ---- ledgers (exports) ----------------------------------------------------------------------------

namespace {
constexpr std::string_view kLedgerCursorVersion = "h1";
constexpr std::string_view kLedgerCursorSort = "path";
}  // namespace

Result<std::string> ResidentService::CheckRevealReason(const Actor& actor, std::string_view reason) const {
    if (!IsWriter(actor.role)) {
        return Forbidden("your role may not reveal personal data");
    }
    LINLI_ASSIGN_OR_RETURN(auto clean, CleanText(reason, "reason", 200, false));
    if (text::CodePointCount(clean) < 2) {
        return InvalidArgument("reason", "state the reason for revealing (2 to 200 characters)");
    }
    return clean;
}

Result<std::unordered_map<int64_t, RevealedFields>> ResidentService::RevealForExport(const Actor& actor,
                                                                                     const std::vector<int64_t>& ids,
                                                                                     std::string_view reason) {
    LINLI_TRY(CheckRevealReason(actor, reason));
    LINLI_ASSIGN_OR_RETURN(auto sealed,
                           db_.Read([&](Conn& conn) { return repo_.FindSealedVisibleMany(conn, actor, ids); }));
    std::unordered_map<int64_t, RevealedFields> out;
    out.reserve(sealed.size());
    for (const auto& [id, fields] : sealed) {
        RevealedFields revealed;
        LINLI_ASSIGN_OR_RETURN(revealed.id_number, crypto_.Decrypt(fields.id_enc));
        if (fields.phone_enc) {
            LINLI_ASSIGN_OR_RETURN(auto phone, crypto_.Decrypt(*fields.phone_enc));
            revealed.phone = std::move(phone);
        }
        out.emplace(id, std::move(revealed));
    }
    return out;
}

Result<Page<HouseholdLedgerRow>> ResidentService::ListHouseholdLedger(const Actor& actor,
                                                                      const HouseholdLedgerQuery& query) {
    LINLI_TRY(RequireReader(actor));
    if (query.reveal_reason) {
        LINLI_TRY(CheckRevealReason(actor, *query.reveal_reason));
    }
    if (query.limit < 1 || query.limit > kMaxPageSize) {
        return InvalidArgument("limit", "limit must be between 1 and " + std::to_string(kMaxPageSize));
    }
    std::optional<std::string> after;
    if (query.cursor) {
        LINLI_ASSIGN_OR_RETURN(auto key,
                               linli::DecodeCursor(*query.cursor, kLedgerCursorVersion, kLedgerCursorSort, true));
        after = std::move(key.name);
    }
    const auto limit = static_cast<size_t>(query.limit);
    struct Loaded {
        std::vector<LedgerHousehold> households;
        std::vector<LedgerMember> members;
    };
    LINLI_ASSIGN_OR_RETURN(auto loaded, db_.Read([&](Conn& conn) -> Result<Loaded> {
        std::optional<std::string> under;
        if (query.under_node_id) {
            LINLI_ASSIGN_OR_RETURN(auto node,
                                   VisibleNodeOr404(conn, actor, *query.under_node_id, "node_id", std::nullopt));
            under = node.path;
        }
        Loaded l;
        LINLI_ASSIGN_OR_RETURN(l.households,
                               repo_.LedgerHouseholds(conn, actor, under, after, static_cast<int>(limit) + 1));
        if (!l.households.empty()) {
            const auto& last = l.households[std::min(l.households.size(), limit) - 1];
            LINLI_ASSIGN_OR_RETURN(l.members, repo_.LedgerMembers(conn, actor, l.households.front().path, last.path));
        }
        return l;
    }));

    Page<HouseholdLedgerRow> page;
    auto& households = loaded.households;
    if (households.size() > limit) {
        households.resize(limit);
        page.next_cursor =
            linli::EncodeCursor(kLedgerCursorVersion, kLedgerCursorSort, households.back().id, households.back().path);
    }
    std::unordered_map<std::string, size_t> row_of_path;
    row_of_path.reserve(households.size());
    page.items.reserve(households.size());
    for (auto& h : households) {
        HouseholdLedgerRow row;
        row.id = h.id;
        row.path = std::move(h.path);
        row.community_name = std::move(h.community_name);
        row.grid_name = std::move(h.grid_name);
        row.building_name = std::move(h.building_name);
        row.unit_name = std::move(h.unit_name);
        row.room = std::move(h.room);
        row.tenure = h.tenure;
        row_of_path.emplace(row.path, page.items.size());
        page.items.push_back(std::move(row));
    }
    const std::string today = Today();
    std::vector<std::set<std::string>> tags(page.items.size());
    for (auto& m : loaded.members) {
        auto it = row_of_path.find(m.household_path);
        if (it == row_of_path.end()) {
            continue;
        }
        auto& row = page.items[it->second];
        ++row.members;
        // Members come by id: with two heads (a data error) the older record is shown.
        if (m.relation == Relation::kHead && !row.head_name) {
            row.head_name = m.name;
            if (query.reveal_reason && m.phone_enc) {
                LINLI_ASSIGN_OR_RETURN(auto phone, crypto_.Decrypt(*m.phone_enc));
                row.head_phone = std::move(phone);
            } else {
                row.head_phone = m.phone_masked;
            }
        }
        auto& set = tags[it->second];
        for (auto& tag : m.tags) {
            set.insert(std::move(tag));
        }
        const int age = AgeOn(m.birth_date, today);
        if (age >= kElderlyAge) {
            set.emplace(kTagElderly);
        }
        if (age >= kElderly80Age) {
            set.emplace(kTagElderly80);
        }
        if (m.hukou == Hukou::kFloating) {
            set.emplace(kTagFloating);
        }
    }
    for (size_t i = 0; i < page.items.size(); ++i) {
        page.items[i].tags.assign(tags[i].begin(), tags[i].end());
    }
    return page;
}

}  // namespace linli::registry
