// SafetyService, part 1: what every part shares (visibility, names), templates, venues and photos.
// Inspections, hazards and the orders hooks are in service_inspections.cpp; ledgers in service_ledger.cpp.
#include "modules/safety/service.hpp"

#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "core/crypto.hpp"
#include "core/phone.hpp"
#include "core/text.hpp"
#include "modules/accounts/audit.hpp"
#include "modules/orders/attachment_format.hpp"
#include "modules/orders/validate.hpp"
#include "modules/safety/rules.hpp"
#include "modules/safety/service_internal.hpp"

namespace linli::safety {

using storage::Conn;

// ---- shared helpers (service_internal.hpp) ------------------------------------------------------

namespace internal {

bool IsInspector(const Actor& actor) {
    return actor.global() || actor.Is(Role::kSubdistrictLeader) || actor.Is(Role::kCommunityStaff) ||
           actor.Is(Role::kGridWorker);
}

Result<void> RequireInspector(const Actor& actor) {
    if (!IsInspector(actor)) {
        return Forbidden("only administrators, subdistrict leaders, community staff and grid workers may do this");
    }
    return {};
}

std::optional<int64_t> AncestorOfKind(std::string_view path, registry::NodeKind kind, registry::NodeKind want) {
    const int up = static_cast<int>(kind) - static_cast<int>(want);
    const auto ids = PathIds(path);
    if (up < 0 || static_cast<size_t>(up) >= ids.size()) {
        return std::nullopt;
    }
    return ids[ids.size() - 1 - static_cast<size_t>(up)];
}

Error NotFoundField(std::string message, std::string field) {
    return Error{ErrorCode::kNotFound, std::move(message), std::move(field)};
}

std::string Sha256Hex(std::string_view bytes) {
    crypto::Init();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

}  // namespace internal

using internal::AncestorOfKind;
using internal::NotFoundField;
using internal::RequireInspector;

namespace {

constexpr std::string_view kTemplateNotFound = "template not found";
constexpr std::string_view kVenueNotFound = "venue not found";
constexpr std::string_view kPhotoNotFound = "photo not found";

bool IsTemplateWriterRole(const Actor& actor) {
    return actor.global() || actor.Is(Role::kSubdistrictLeader) || actor.Is(Role::kCommunityStaff);
}

std::string AuditDetail(const boost::json::object& fields) {
    return boost::json::serialize(fields);
}

}  // namespace

SafetyService::SafetyService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto,
                             registry::RegistryService& territory, accounts::AccountsService& accounts,
                             orders::OrderService& orders, orders::CatalogService& catalog, SafetyOptions options)
    : db_(db),
      clock_(clock),
      crypto_(crypto),
      territory_(territory),
      accounts_(accounts),
      orders_(orders),
      catalog_(catalog),
      options_(std::move(options)),
      photos_(options_.photo_dir) {}

// ---- visibility ---------------------------------------------------------------------------------

Result<std::vector<int64_t>> SafetyService::UnitsOf(const Actor& actor) {
    std::vector<int64_t> out;
    if (actor.user_id <= 0) {
        return out;
    }
    // Units are few (a community's property companies and partners): ask the orders catalog, which
    // owns them, rather than read its tables.
    const Actor system = accounts::AccountsService::SystemActor("safety");
    LINLI_ASSIGN_OR_RETURN(auto units, catalog_.ListUnits(system, true));
    for (const auto& unit : units) {
        LINLI_ASSIGN_OR_RETURN(auto members, catalog_.ListMembers(system, unit.id));
        if (std::any_of(members.begin(), members.end(), [&](const auto& m) { return m.user_id == actor.user_id; })) {
            out.push_back(unit.id);
        }
    }
    return out;
}

Result<Visibility> SafetyService::VisibilityOf(const Actor& actor, bool with_units) {
    Visibility vis;
    vis.global = actor.global();
    // A partner unit sees what is sent to it, not what lies in its scope (issue 5: "hazards sent to them").
    vis.by_scope = !actor.Is(Role::kPartnerUnit);
    for (const auto& node : actor.scope) {
        vis.paths.push_back(node.path);
    }
    if (actor.user_id > 0) {
        vis.user_id = actor.user_id;
    }
    if (with_units && actor.Is(Role::kPartnerUnit)) {
        LINLI_ASSIGN_OR_RETURN(vis.unit_ids, UnitsOf(actor));
    }
    return vis;
}

bool SafetyService::CanSeeHazard(const Actor& actor, const Visibility& vis, const Hazard& h) const {
    if (vis.global) {
        return true;
    }
    if (vis.by_scope && actor.CanSee(h.place_path)) {
        return true;
    }
    if (vis.user_id && h.handler_user_id == vis.user_id) {
        return true;
    }
    return h.handler_unit_id &&
           std::find(vis.unit_ids.begin(), vis.unit_ids.end(), *h.handler_unit_id) != vis.unit_ids.end();
}

Result<std::string> SafetyService::DisplayName(const Actor& actor) {
    if (actor.user_id <= 0) {
        return actor.username;
    }
    auto user = accounts_.GetUser(accounts::AccountsService::SystemActor("safety"), actor.user_id);
    if (!user) {
        return actor.username;
    }
    return user->display_name.empty() ? user->username : user->display_name;
}

Result<std::optional<std::string>> SafetyService::UnderPath(const Actor& actor, std::optional<int64_t> node_id) {
    if (!node_id) {
        return std::optional<std::string>();
    }
    auto node = territory_.Get(actor, *node_id);
    if (!node) {
        if (node.error().code == ErrorCode::kNotFound) {
            return NotFoundField("territory node not found", "node_id");
        }
        return node.error();
    }
    return std::optional<std::string>(node->path);
}

std::string SafetyService::NodeName(int64_t id, std::map<int64_t, std::string>& cache) {
    if (id <= 0) {
        return "";
    }
    if (auto it = cache.find(id); it != cache.end()) {
        return it->second;
    }
    auto node = territory_.Get(accounts::AccountsService::SystemActor("safety"), id);
    std::string name = node ? node->name : "#" + std::to_string(id);
    cache.emplace(id, name);
    return name;
}

// ---- templates ----------------------------------------------------------------------------------

Result<bool> SafetyService::TemplateVisible(const Actor& actor, const Template& t) const {
    if (!t.community_id || actor.global()) {
        return true;
    }
    const std::string& community = t.community_path.value_or("");
    for (const auto& node : actor.scope) {
        // The caller works inside the community, or the community lies inside the caller's scope.
        if (node.path.starts_with(community) || community.starts_with(node.path)) {
            return true;
        }
    }
    return false;
}

Result<void> SafetyService::RequireTemplateWriter(const Actor& actor, const Template& t) const {
    if (!IsTemplateWriterRole(actor)) {
        return Forbidden("only administrators, subdistrict leaders and community staff may change checklists");
    }
    if (!t.community_id) {
        if (!actor.global()) {
            return Forbidden(
                "a shipped checklist is changed by administrators only; make your community's own from it "
                "(POST /api/v1/safety/templates with based_on)");
        }
        return {};
    }
    if (!actor.global() && !actor.CanSee(t.community_path.value_or(""))) {
        return Forbidden("this checklist belongs to a community outside your scope");
    }
    return {};
}

Result<std::vector<NewTemplateItem>> SafetyService::CleanItems(const std::vector<NewTemplateItem>& items) const {
    if (items.empty()) {
        return InvalidArgument("items", "a checklist needs at least one item");
    }
    if (items.size() > kMaxTemplateItems) {
        return InvalidArgument("items", "a checklist has at most " + std::to_string(kMaxTemplateItems) + " items");
    }
    std::vector<NewTemplateItem> out;
    for (size_t i = 0; i < items.size(); ++i) {
        const std::string at = "items[" + std::to_string(i) + "].";
        NewTemplateItem item = items[i];
        LINLI_ASSIGN_OR_RETURN(item.text_zh, orders::CleanLine(items[i].text_zh, at + "text_zh", kMaxItemTextChars));
        LINLI_ASSIGN_OR_RETURN(item.text_en,
                               orders::CleanLine(items[i].text_en, at + "text_en", kMaxItemTextChars, true));
        LINLI_ASSIGN_OR_RETURN(item.basis, orders::CleanLine(items[i].basis, at + "basis", kMaxBasisChars, true));
        if (item.rectify_days < 1 || item.rectify_days > kMaxRectifyDays) {
            return InvalidArgument(at + "rectify_days",
                                   "rectify_days must be between 1 and " + std::to_string(kMaxRectifyDays));
        }
        out.push_back(std::move(item));
    }
    return out;
}

Result<std::string> SafetyService::CheckCategoryCode(std::string_view code) {
    LINLI_ASSIGN_OR_RETURN(auto categories,
                           catalog_.ListCategories(accounts::AccountsService::SystemActor("safety"), false));
    for (const auto& c : categories) {
        if (c.code == code) {
            return c.code;
        }
    }
    return InvalidArgument("category_code", "no active order category has the code \"" + std::string(code) + "\"");
}

Result<int64_t> SafetyService::CategoryIdFor(std::string_view code) {
    LINLI_ASSIGN_OR_RETURN(auto categories,
                           catalog_.ListCategories(accounts::AccountsService::SystemActor("safety"), false));
    // The template's category; if someone deactivated it since, fire safety, else "other": a hazard
    // must not go unrecorded for want of a category.
    for (std::string_view want : {code, std::string_view("fire_safety"), std::string_view("other")}) {
        for (const auto& c : categories) {
            if (c.code == want) {
                return c.id;
            }
        }
    }
    if (categories.empty()) {
        return Internal("no active order category to file a hazard under");
    }
    return categories.front().id;
}

Result<std::vector<Template>> SafetyService::ListTemplates(const Actor& actor, bool include_inactive,
                                                           std::optional<TemplateKind> kind) {
    LINLI_TRY(RequireInspector(actor));
    LINLI_ASSIGN_OR_RETURN(auto all, db_.Read([&](Conn& conn) { return repo_.ListTemplates(conn); }));
    std::vector<Template> out;
    for (auto& t : all) {
        if ((!t.active && !include_inactive) || (kind && t.kind != *kind)) {
            continue;
        }
        LINLI_ASSIGN_OR_RETURN(bool visible, TemplateVisible(actor, t));
        if (visible) {
            out.push_back(std::move(t));
        }
    }
    return out;
}

Result<TemplateDetail> SafetyService::GetTemplate(const Actor& actor, int64_t id, std::optional<int> version) {
    LINLI_TRY(RequireInspector(actor));
    return db_.Read([&](Conn& conn) -> Result<TemplateDetail> {
        LINLI_ASSIGN_OR_RETURN(auto t, repo_.FindTemplate(conn, id));
        if (!t) {
            return NotFound(std::string(kTemplateNotFound));
        }
        LINLI_ASSIGN_OR_RETURN(bool visible, TemplateVisible(actor, *t));
        if (!visible) {
            return NotFound(std::string(kTemplateNotFound));
        }
        LINLI_ASSIGN_OR_RETURN(auto v, repo_.FindVersion(conn, id, version.value_or(t->current_version)));
        if (!v) {
            return NotFoundField(
                "template " + std::to_string(id) + " has no version " + std::to_string(version.value_or(0)), "version");
        }
        return TemplateDetail{std::move(*t), std::move(*v)};
    });
}

Result<std::vector<TemplateVersion>> SafetyService::ListTemplateVersions(const Actor& actor, int64_t id) {
    LINLI_TRY(RequireInspector(actor));
    return db_.Read([&](Conn& conn) -> Result<std::vector<TemplateVersion>> {
        LINLI_ASSIGN_OR_RETURN(auto t, repo_.FindTemplate(conn, id));
        if (!t) {
            return NotFound(std::string(kTemplateNotFound));
        }
        LINLI_ASSIGN_OR_RETURN(bool visible, TemplateVisible(actor, *t));
        if (!visible) {
            return NotFound(std::string(kTemplateNotFound));
        }
        return repo_.ListVersions(conn, id);
    });
}

Result<TemplateDetail> SafetyService::CreateTemplate(const Actor& actor, const NewTemplate& input,
                                                     const RequestInfo& info) {
    if (!IsTemplateWriterRole(actor)) {
        return Forbidden("only administrators, subdistrict leaders and community staff may add checklists");
    }
    LINLI_TRY(CheckTemplateCode(input.code));
    Template t;
    t.code = input.code;
    if (input.community_id) {
        auto community = territory_.Get(actor, *input.community_id);
        if (!community) {
            if (community.error().code == ErrorCode::kNotFound) {
                return NotFoundField("community not found", "community_id");
            }
            return community.error();
        }
        if (community->kind != registry::NodeKind::kCommunity) {
            return InvalidArgument("community_id", "community_id must name a community");
        }
        t.community_id = community->id;
        t.community_path = community->path;
    }
    LINLI_TRY(RequireTemplateWriter(actor, t));

    std::vector<NewTemplateItem> items = input.items;
    std::optional<Template> base;
    if (input.based_on) {
        LINLI_ASSIGN_OR_RETURN(auto based, GetTemplate(actor, *input.based_on, std::nullopt));
        if (items.empty()) {
            for (const auto& item : based.version.items) {
                items.push_back({item.text_zh, item.text_en, item.basis, item.severity, item.rectify_days});
            }
        }
        base = std::move(based.tmpl);
    }
    if (input.kind) {
        t.kind = *input.kind;
    } else if (base) {
        t.kind = base->kind;
    } else {
        return InvalidArgument("kind", "kind is required (" + NameList(kTemplateKinds) + ")");
    }
    LINLI_ASSIGN_OR_RETURN(t.name_zh, orders::CleanLine(input.name_zh, "name_zh", kMaxTemplateNameChars));
    LINLI_ASSIGN_OR_RETURN(t.name_en, orders::CleanLine(input.name_en, "name_en", kMaxTemplateNameChars, true));
    const std::string category = input.category_code
                                     ? *input.category_code
                                     : (base ? base->category_code : std::string(DefaultCategoryCode(t.kind)));
    LINLI_ASSIGN_OR_RETURN(t.category_code, CheckCategoryCode(category));
    LINLI_ASSIGN_OR_RETURN(auto clean_items, CleanItems(items));
    LINLI_ASSIGN_OR_RETURN(auto note, orders::CleanText(input.note, "note", kMaxNoteChars, true));
    LINLI_ASSIGN_OR_RETURN(auto author, DisplayName(actor));

    const int64_t now = clock_.Now();
    t.active = true;
    t.current_version = 1;
    t.created_at = now;
    t.updated_at = now;
    TemplateVersion v;
    v.version = 1;
    v.name_zh = t.name_zh;
    v.name_en = t.name_en;
    v.note = note.empty() && base ? "基于 " + base->name_zh + " / based on template " + std::to_string(base->id) : note;
    v.created_by = actor.user_id > 0 ? std::optional<int64_t>(actor.user_id) : std::nullopt;
    v.created_by_name = author;
    v.created_at = now;
    for (size_t i = 0; i < clean_items.size(); ++i) {
        const auto& in = clean_items[i];
        v.items.push_back({0, static_cast<int>(i + 1), in.text_zh, in.text_en, in.basis, in.severity, in.rectify_days});
    }
    auto written = db_.Write([&](Conn& conn) -> Result<TemplateDetail> {
        LINLI_ASSIGN_OR_RETURN(t.id, repo_.InsertTemplate(conn, t, v.created_by));
        v.template_id = t.id;
        LINLI_TRY(repo_.InsertVersion(conn, v));
        LINLI_TRY(accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "safety_template.create", "safety_template", t.id,
                                      AuditDetail({{"code", t.code}, {"items", v.items.size()}}))));
        return TemplateDetail{t, v};
    });
    if (!written && written.error().code == ErrorCode::kConflict) {
        return Conflict("a checklist with the code \"" + t.code + "\" exists already there", "code");
    }
    return written;
}

Result<TemplateDetail> SafetyService::AddTemplateVersion(const Actor& actor, int64_t id,
                                                         const NewTemplateVersion& input, const RequestInfo& info) {
    LINLI_ASSIGN_OR_RETURN(auto current, GetTemplate(actor, id, std::nullopt));
    LINLI_TRY(RequireTemplateWriter(actor, current.tmpl));
    LINLI_ASSIGN_OR_RETURN(auto clean_items, CleanItems(input.items));
    std::string name_zh = current.tmpl.name_zh;
    std::string name_en = current.tmpl.name_en;
    if (input.name_zh) {
        LINLI_ASSIGN_OR_RETURN(name_zh, orders::CleanLine(*input.name_zh, "name_zh", kMaxTemplateNameChars));
    }
    if (input.name_en) {
        LINLI_ASSIGN_OR_RETURN(name_en, orders::CleanLine(*input.name_en, "name_en", kMaxTemplateNameChars, true));
    }
    LINLI_ASSIGN_OR_RETURN(auto note, orders::CleanText(input.note, "note", kMaxNoteChars, true));
    LINLI_ASSIGN_OR_RETURN(auto author, DisplayName(actor));
    const int64_t now = clock_.Now();
    auto written = db_.Write([&](Conn& conn) -> Result<TemplateDetail> {
        // The version number comes from the row as it is now: two editors at once cannot both make
        // version N (the second is 409 by the unique (template, version)).
        LINLI_ASSIGN_OR_RETURN(auto t, repo_.FindTemplate(conn, id));
        if (!t) {
            return NotFound(std::string(kTemplateNotFound));
        }
        TemplateVersion v;
        v.template_id = id;
        v.version = t->current_version + 1;
        v.name_zh = name_zh;
        v.name_en = name_en;
        v.note = note;
        v.created_by = actor.user_id > 0 ? std::optional<int64_t>(actor.user_id) : std::nullopt;
        v.created_by_name = author;
        v.created_at = now;
        for (size_t i = 0; i < clean_items.size(); ++i) {
            const auto& in = clean_items[i];
            v.items.push_back(
                {0, static_cast<int>(i + 1), in.text_zh, in.text_en, in.basis, in.severity, in.rectify_days});
        }
        LINLI_TRY(repo_.InsertVersion(conn, v));
        t->current_version = v.version;
        t->name_zh = name_zh;
        t->name_en = name_en;
        t->updated_at = now;
        LINLI_TRY(repo_.UpdateTemplate(conn, *t));
        LINLI_TRY(accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "safety_template.version", "safety_template", id,
                                      AuditDetail({{"version", v.version}, {"items", v.items.size()}}))));
        return TemplateDetail{std::move(*t), std::move(v)};
    });
    if (!written && written.error().code == ErrorCode::kConflict) {
        return Conflict("someone else changed this checklist at the same moment; load it again and retry", "items");
    }
    return written;
}

Result<Template> SafetyService::UpdateTemplate(const Actor& actor, int64_t id, const TemplatePatch& patch,
                                               const RequestInfo& info) {
    LINLI_ASSIGN_OR_RETURN(auto current, GetTemplate(actor, id, std::nullopt));
    LINLI_TRY(RequireTemplateWriter(actor, current.tmpl));
    std::optional<std::string> category;
    if (patch.category_code) {
        LINLI_ASSIGN_OR_RETURN(category, CheckCategoryCode(*patch.category_code));
    }
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<Template> {
        LINLI_ASSIGN_OR_RETURN(auto t, repo_.FindTemplate(conn, id));
        if (!t) {
            return NotFound(std::string(kTemplateNotFound));
        }
        if (patch.active) {
            t->active = *patch.active;
        }
        if (category) {
            t->category_code = *category;
        }
        t->updated_at = now;
        LINLI_TRY(repo_.UpdateTemplate(conn, *t));
        LINLI_TRY(accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "safety_template.update", "safety_template", id,
                                      AuditDetail({{"active", t->active}, {"category_code", t->category_code}}))));
        return std::move(*t);
    });
}

// ---- venues -------------------------------------------------------------------------------------

Result<Venue> SafetyService::CreateVenue(const Actor& actor, const NewVenue& input, const RequestInfo& info) {
    LINLI_TRY(RequireInspector(actor));
    Venue v;
    LINLI_ASSIGN_OR_RETURN(v.name, orders::CleanLine(input.name, "name", kMaxVenueNameChars));
    LINLI_ASSIGN_OR_RETURN(v.owner_name, orders::CleanLine(input.owner_name, "owner_name", kMaxOwnerNameChars, true));
    LINLI_ASSIGN_OR_RETURN(v.licence_no, orders::CleanLine(input.licence_no, "licence_no", kMaxLicenceChars, true));
    LINLI_ASSIGN_OR_RETURN(v.address, orders::CleanLine(input.address, "address", kMaxAddressChars, true));
    v.kind = input.kind;
    std::optional<std::string> phone_enc;
    std::optional<std::string> phone_hash;
    if (input.owner_phone) {
        LINLI_ASSIGN_OR_RETURN(auto parsed, phone::Parse(*input.owner_phone, "owner_phone"));
        phone_enc = crypto_.Encrypt(parsed.normalized);
        phone_hash = crypto_.Hash("phone", parsed.normalized);
        v.owner_phone_masked = phone::Mask(parsed.normalized);
    }
    if (input.building_id.has_value() == input.grid_id.has_value()) {
        return InvalidArgument("building_id",
                               "give building_id (the building it is in) or, for a venue in no "
                               "building of the register, grid_id — one of them");
    }
    const char* field = input.building_id ? "building_id" : "grid_id";
    const registry::NodeKind want = input.building_id ? registry::NodeKind::kBuilding : registry::NodeKind::kGrid;
    auto node = territory_.Get(actor, input.building_id ? *input.building_id : *input.grid_id);
    if (!node) {
        if (node.error().code == ErrorCode::kNotFound) {
            return NotFoundField("territory node not found", field);
        }
        return node.error();
    }
    if (node->kind != want) {
        return InvalidArgument(field, std::string(field) + " must name a " + (input.building_id ? "building" : "grid"));
    }
    v.place_id = node->id;
    v.place_path = node->path;
    v.community_id = node->community_id;
    v.grid_id = AncestorOfKind(node->path, node->kind, registry::NodeKind::kGrid);
    if (input.building_id) {
        v.building_id = node->id;
    }
    const int64_t now = clock_.Now();
    v.active = true;
    v.created_at = now;
    v.updated_at = now;
    return db_.Write([&](Conn& conn) -> Result<Venue> {
        LINLI_ASSIGN_OR_RETURN(
            v.id, repo_.InsertVenue(conn, v, phone_enc, phone_hash,
                                    actor.user_id > 0 ? std::optional<int64_t>(actor.user_id) : std::nullopt));
        LINLI_TRY(accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "venue.create", "venue", v.id,
                                                                  AuditDetail({{"name", v.name}}))));
        return v;
    });
}

Result<Venue> SafetyService::GetVenue(const Actor& actor, int64_t id) {
    LINLI_TRY(RequireInspector(actor));
    LINLI_ASSIGN_OR_RETURN(auto v, db_.Read([&](Conn& conn) { return repo_.FindVenue(conn, id); }));
    if (!v || !actor.CanSee(v->place_path)) {
        return NotFound(std::string(kVenueNotFound));
    }
    return std::move(*v);
}

Result<Page<Venue>> SafetyService::ListVenues(const Actor& actor, const VenueQuery& query) {
    LINLI_TRY(RequireInspector(actor));
    if (query.limit < 1 || query.limit > kMaxPageSize) {
        return InvalidArgument("limit", "limit must be between 1 and " + std::to_string(kMaxPageSize));
    }
    std::optional<int64_t> before;
    if (query.cursor) {
        LINLI_ASSIGN_OR_RETURN(auto key, DecodeCursor(*query.cursor, "sv1", "-id", false));
        before = key.id;
    }
    PlaceFilter place;
    LINLI_ASSIGN_OR_RETURN(place.under_path, UnderPath(actor, query.node_id));
    std::optional<std::string> phone_hash;
    if (query.q) {
        if (auto parsed = phone::Parse(*query.q, "q")) {
            phone_hash = crypto_.Hash("phone", parsed->normalized);
        }
    }
    LINLI_ASSIGN_OR_RETURN(auto vis, VisibilityOf(actor, false));
    LINLI_ASSIGN_OR_RETURN(auto venues, db_.Read([&](Conn& conn) {
        return repo_.ListVenues(conn, vis, place, query, phone_hash, before, query.limit + 1);
    }));
    Page<Venue> page;
    if (venues.size() > static_cast<size_t>(query.limit)) {
        venues.resize(static_cast<size_t>(query.limit));
        page.next_cursor = EncodeCursor("sv1", "-id", venues.back().id, "");
    }
    page.items = std::move(venues);
    return page;
}

Result<Venue> SafetyService::UpdateVenue(const Actor& actor, int64_t id, const VenuePatch& patch,
                                         const RequestInfo& info) {
    LINLI_ASSIGN_OR_RETURN(auto v, GetVenue(actor, id));
    if (patch.name) {
        LINLI_ASSIGN_OR_RETURN(v.name, orders::CleanLine(*patch.name, "name", kMaxVenueNameChars));
    }
    if (patch.kind) {
        v.kind = *patch.kind;
    }
    if (patch.owner_name) {
        LINLI_ASSIGN_OR_RETURN(v.owner_name,
                               orders::CleanLine(*patch.owner_name, "owner_name", kMaxOwnerNameChars, true));
    }
    if (patch.licence_no) {
        LINLI_ASSIGN_OR_RETURN(v.licence_no,
                               orders::CleanLine(*patch.licence_no, "licence_no", kMaxLicenceChars, true));
    }
    if (patch.address) {
        LINLI_ASSIGN_OR_RETURN(v.address, orders::CleanLine(*patch.address, "address", kMaxAddressChars, true));
    }
    if (patch.active) {
        v.active = *patch.active;
    }
    std::optional<SafetyRepository::SealedPhone> phone;
    if (patch.owner_phone) {
        phone.emplace();
        if (*patch.owner_phone) {
            LINLI_ASSIGN_OR_RETURN(auto parsed, phone::Parse(**patch.owner_phone, "owner_phone"));
            phone->enc = crypto_.Encrypt(parsed.normalized);
            phone->hash = crypto_.Hash("phone", parsed.normalized);
            phone->masked = phone::Mask(parsed.normalized);
        }
        v.owner_phone_masked = phone->masked;
    }
    const int64_t now = clock_.Now();
    v.updated_at = now;
    return db_.Write([&](Conn& conn) -> Result<Venue> {
        LINLI_TRY(repo_.UpdateVenue(conn, v, phone));
        LINLI_TRY(accounts::RecordAudit(
            conn,
            accounts::MakeAudit(actor, info, now, "venue.update", "venue", v.id,
                                AuditDetail({{"name", v.name}, {"phone_changed", patch.owner_phone.has_value()}}))));
        LINLI_ASSIGN_OR_RETURN(auto stored, repo_.FindVenue(conn, v.id));
        if (!stored) {
            return NotFound(std::string(kVenueNotFound));
        }
        return std::move(*stored);
    });
}

Result<void> SafetyService::DeleteVenue(const Actor& actor, int64_t id, const RequestInfo& info) {
    LINLI_ASSIGN_OR_RETURN(auto v, GetVenue(actor, id));
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(int64_t inspections, repo_.CountVenueInspections(conn, id));
        if (inspections > 0) {
            return Conflict("the venue has " + std::to_string(inspections) +
                            " inspection(s) on record; set \"active\": false to retire it instead");
        }
        LINLI_TRY(repo_.DeleteVenue(conn, id));
        LINLI_TRY(accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "venue.delete", "venue", id, AuditDetail({{"name", v.name}}))));
        return {};
    });
}

Result<std::string> SafetyService::RevealVenuePhone(const Actor& actor, int64_t id, std::string_view reason,
                                                    const RequestInfo& info) {
    LINLI_TRY(RequireInspector(actor));
    LINLI_ASSIGN_OR_RETURN(auto clean_reason, orders::CleanLine(reason, "reason", 200));
    if (text::CodePointCount(clean_reason) < 2) {
        return InvalidArgument("reason", "state the reason for revealing (2 to 200 characters)");
    }
    const int64_t now = clock_.Now();
    // A write transaction although it only reads: the audit row commits with the reveal or not at all.
    return db_.Write([&](Conn& conn) -> Result<std::string> {
        LINLI_ASSIGN_OR_RETURN(auto v, repo_.FindVenue(conn, id));
        if (!v || !actor.CanSee(v->place_path)) {
            return NotFound(std::string(kVenueNotFound));
        }
        LINLI_ASSIGN_OR_RETURN(auto sealed, repo_.FindVenuePhoneSealed(conn, id));
        if (!sealed) {
            return NotFoundField("no phone number is recorded for this venue's owner", "phone");
        }
        LINLI_ASSIGN_OR_RETURN(auto value, crypto_.Decrypt(*sealed));
        LINLI_TRY(accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "venue.reveal", "venue", id,
                                      AuditDetail({{"field", "owner_phone"}, {"reason", clean_reason}}))));
        return value;
    });
}

// ---- photos -------------------------------------------------------------------------------------

Result<std::pair<Photo, bool>> SafetyService::AddPhoto(const Actor& actor, std::string_view bytes, const RequestInfo&) {
    if (!internal::IsInspector(actor) && !actor.Is(Role::kPartnerUnit)) {
        return Forbidden("your role takes no part in safety inspections");
    }
    if (bytes.empty()) {
        return InvalidArgument("file", "the photo is empty");
    }
    if (static_cast<int64_t>(bytes.size()) > options_.max_photo_bytes) {
        return Error{ErrorCode::kPayloadTooLarge,
                     "the photo is larger than " + std::to_string(options_.max_photo_bytes) + " bytes", "file"};
    }
    LINLI_ASSIGN_OR_RETURN(auto type, orders::DetectAttachmentType(bytes));
    if (type == orders::kPdfType) {
        return Error{ErrorCode::kUnsupportedMediaType,
                     "照片须为图片 / a photo must be an image (JPEG, PNG, WebP or HEIC); this file is a PDF", "file"};
    }
    Photo p;
    p.content_type = type;
    p.size_bytes = static_cast<int64_t>(bytes.size());
    p.sha256 = internal::Sha256Hex(bytes);
    p.uploaded_by = actor.user_id;
    p.created_at = clock_.Now();
    // The same photo sent again (a retry after a lost answer) is the photo stored the first time.
    LINLI_ASSIGN_OR_RETURN(auto seen,
                           db_.Read([&](Conn& conn) { return repo_.FindPhotoBySha(conn, actor.user_id, p.sha256); }));
    if (seen) {
        return std::make_pair(std::move(*seen), false);
    }
    LINLI_ASSIGN_OR_RETURN(p.storage_name, photos_.Put(bytes));
    auto written = db_.Write([&](Conn& conn) -> Result<int64_t> { return repo_.InsertPhoto(conn, p); });
    if (!written) {
        photos_.Remove(p.storage_name);
        if (written.error().code == ErrorCode::kConflict) {
            LINLI_ASSIGN_OR_RETURN(
                auto other, db_.Read([&](Conn& conn) { return repo_.FindPhotoBySha(conn, actor.user_id, p.sha256); }));
            if (other) {
                return std::make_pair(std::move(*other), false);
            }
        }
        return written.error();
    }
    p.id = *written;
    return std::make_pair(std::move(p), true);
}

Result<PhotoFile> SafetyService::GetPhoto(const Actor& actor, int64_t id) {
    LINLI_ASSIGN_OR_RETURN(auto p, db_.Read([&](Conn& conn) { return repo_.FindPhoto(conn, id); }));
    if (!p) {
        return NotFound(std::string(kPhotoNotFound));
    }
    bool visible = actor.global() || (actor.user_id > 0 && p->uploaded_by == actor.user_id);
    if (!visible && p->place_path && !actor.Is(Role::kPartnerUnit) && internal::IsInspector(actor)) {
        visible = actor.CanSee(*p->place_path);
    }
    if (!visible && p->place_path && actor.Is(Role::kPartnerUnit)) {
        // A partner unit sees the photos of the hazards sent to it: what was found, how it was put
        // right and what the re-inspection saw, as it sees the hazards themselves.
        LINLI_ASSIGN_OR_RETURN(auto vis, VisibilityOf(actor, true));
        LINLI_ASSIGN_OR_RETURN(visible, db_.Read([&](Conn& conn) {
                                   return repo_.PhotoOnHazardSentTo(conn, id, vis.user_id, vis.unit_ids);
                               }));
    }
    if (!visible) {
        return NotFound(std::string(kPhotoNotFound));
    }
    LINLI_ASSIGN_OR_RETURN(auto bytes, photos_.Read(p->storage_name, p->size_bytes));
    return PhotoFile{std::move(*p), std::move(bytes)};
}

Result<int> SafetyService::SweepOrphanPhotos() {
    return photos_.Sweep(
        [&](const std::string& name) { return db_.Read([&](Conn& conn) { return repo_.IsPhotoFile(conn, name); }); },
        options_.orphan_grace_s);
}

Result<void> SafetyService::CheckPhotos(const Actor& actor, const std::vector<int64_t>& ids, const std::string& field) {
    if (ids.size() > kMaxPhotosPerRecord) {
        return InvalidArgument(field, "at most " + std::to_string(kMaxPhotosPerRecord) + " photos");
    }
    if (ids.empty()) {
        return {};
    }
    LINLI_ASSIGN_OR_RETURN(auto photos, db_.Read([&](Conn& conn) { return repo_.FindPhotos(conn, ids); }));
    for (int64_t id : ids) {
        auto it = std::find_if(photos.begin(), photos.end(), [&](const Photo& p) { return p.id == id; });
        if (it == photos.end() || it->uploaded_by != actor.user_id) {
            return InvalidArgument(field, "photo " + std::to_string(id) +
                                              " is not one of your uploads (POST /api/v1/safety/photos first)");
        }
    }
    return {};
}

}  // namespace linli::safety
