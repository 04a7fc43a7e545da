#include "modules/safety/repository.hpp"

#include <string_view>
#include <utility>

#include "modules/registry/repository.hpp"
#include "modules/safety/rules.hpp"

namespace linli::safety {

namespace {

using storage::Conn;
using storage::Dialect;
using storage::Param;
using storage::Row;

std::string Bind(std::vector<Param>& params, Param value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
}

std::string IdList(std::vector<Param>& params, const std::vector<int64_t>& ids) {
    std::string out;
    for (int64_t id : ids) {
        out += out.empty() ? "" : ", ";
        out += Bind(params, id);
    }
    return out;
}

/// " AND (<scope ranges over col> OR <sent to the caller>)"; nothing for a global caller; a filter
/// that matches nothing when the caller can see nothing.
void AppendVisibility(const Visibility& vis, std::string_view path_col, bool sent_to, std::string& sql,
                      std::vector<Param>& params) {
    if (vis.global) {
        return;
    }
    std::string any;
    if (vis.by_scope) {
        for (const auto& path : vis.paths) {
            any += any.empty() ? "" : " OR ";
            any += "(" + std::string(path_col) + " >= " + Bind(params, path) + " AND " + std::string(path_col) + " < " +
                   Bind(params, registry::SubtreeUpperBound(path)) + ")";
        }
    }
    if (sent_to) {
        if (vis.user_id) {
            any += any.empty() ? "" : " OR ";
            any += "h.handler_user_id = " + Bind(params, *vis.user_id);
        }
        if (!vis.unit_ids.empty()) {
            any += any.empty() ? "" : " OR ";
            any += "h.handler_unit_id IN (" + IdList(params, vis.unit_ids) + ")";
        }
    }
    if (any.empty()) {
        sql += " AND 1 = 0";
        return;
    }
    sql += " AND (" + any + ")";
}

void AppendPlace(const PlaceFilter& place, std::string_view path_col, std::string_view venue_col, std::string& sql,
                 std::vector<Param>& params) {
    if (place.under_path) {
        sql += " AND " + std::string(path_col) + " >= " + Bind(params, *place.under_path) + " AND " +
               std::string(path_col) + " < " + Bind(params, registry::SubtreeUpperBound(*place.under_path));
    }
    if (place.venue_id) {
        sql += " AND " + std::string(venue_col) + " = " + Bind(params, *place.venue_id);
    }
}

/// A LIKE pattern for "contains `text`", with '\' escaping the wildcards.
std::string ContainsPattern(std::string_view text) {
    std::string out = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '%';
    return out;
}

const char* LockClause(const Conn& conn) {
    return conn.dialect() == Dialect::kPostgres ? " FOR UPDATE" : "";
}

// ---- templates ----------------------------------------------------------------------------------

constexpr std::string_view kTemplateColumns =
    "id, community_id, community_path, code, kind, category_code, name_zh, name_en, active, current_version,"
    " created_at, updated_at";

Template TemplateFromRow(const Row& row) {
    Template t;
    t.id = row.Int(0);
    t.community_id = row.OptInt(1);
    t.community_path = row.OptText(2);
    t.code = row.Text(3);
    t.kind = Lookup(kTemplateKinds, row.Text(4)).value_or(TemplateKind::kOther);
    t.category_code = row.Text(5);
    t.name_zh = row.Text(6);
    t.name_en = row.Text(7);
    t.active = row.Bool(8);
    t.current_version = static_cast<int>(row.Int(9));
    t.created_at = row.Int(10);
    t.updated_at = row.Int(11);
    return t;
}

constexpr std::string_view kVersionColumns =
    "v.id, v.template_id, v.version, v.name_zh, v.name_en, v.note, v.created_by, v.created_by_name, v.created_at,"
    " (SELECT count(*) FROM safety_template_items i WHERE i.version_id = v.id)";

TemplateVersion VersionFromRow(const Row& row) {
    TemplateVersion v;
    v.id = row.Int(0);
    v.template_id = row.Int(1);
    v.version = static_cast<int>(row.Int(2));
    v.name_zh = row.Text(3);
    v.name_en = row.Text(4);
    v.note = row.Text(5);
    v.created_by = row.OptInt(6);
    v.created_by_name = row.Text(7);
    v.created_at = row.Int(8);
    v.item_count = row.Int(9);
    return v;
}

constexpr std::string_view kItemColumns = "i.id, i.position, i.text_zh, i.text_en, i.basis, i.severity, i.rectify_days";

TemplateItem ItemFromRow(const Row& row, size_t at = 0) {
    TemplateItem item;
    item.id = row.Int(at);
    item.position = static_cast<int>(row.Int(at + 1));
    item.text_zh = row.Text(at + 2);
    item.text_en = row.Text(at + 3);
    item.basis = row.Text(at + 4);
    item.severity = Lookup(kSeverities, row.Text(at + 5)).value_or(Severity::kGeneral);
    item.rectify_days = static_cast<int>(row.Int(at + 6));
    return item;
}

// ---- venues -------------------------------------------------------------------------------------

constexpr std::string_view kVenueColumns =
    "v.id, v.name, v.kind, v.owner_name, v.owner_phone_masked, v.licence_no, v.address, v.place_id, v.place_path,"
    " v.building_id, v.grid_id, v.community_id, v.active, v.last_inspected_at, v.created_at, v.updated_at";

Venue VenueFromRow(const Row& row) {
    Venue v;
    v.id = row.Int(0);
    v.name = row.Text(1);
    v.kind = Lookup(kVenueKinds, row.Text(2)).value_or(VenueKind::kOther);
    v.owner_name = row.Text(3);
    v.owner_phone_masked = row.OptText(4);
    v.licence_no = row.Text(5);
    v.address = row.Text(6);
    v.place_id = row.Int(7);
    v.place_path = row.Text(8);
    v.building_id = row.OptInt(9);
    v.grid_id = row.OptInt(10);
    v.community_id = row.OptInt(11);
    v.active = row.Bool(12);
    v.last_inspected_at = row.OptInt(13);
    v.created_at = row.Int(14);
    v.updated_at = row.Int(15);
    return v;
}

// ---- photos -------------------------------------------------------------------------------------

constexpr std::string_view kPhotoColumns =
    "id, storage_name, content_type, size_bytes, sha256, uploaded_by, place_path, created_at";

Photo PhotoFromRow(const Row& row) {
    Photo p;
    p.id = row.Int(0);
    p.storage_name = row.Text(1);
    p.content_type = row.Text(2);
    p.size_bytes = row.Int(3);
    p.sha256 = row.Text(4);
    p.uploaded_by = row.Int(5);
    p.place_path = row.OptText(6);
    p.created_at = row.Int(7);
    return p;
}

// ---- inspections --------------------------------------------------------------------------------

constexpr std::string_view kInspectionSelect =
    "SELECT i.id, i.client_id, i.template_id, i.template_version_id, i.template_version, v.name_zh, i.kind,"
    " i.target_kind, i.node_id, i.venue_id, i.target_name, i.place_path, i.building_id, i.grid_id, i.community_id,"
    " i.inspector_id, i.inspector_name, i.inspected_at, i.recorded_at, i.note, i.passed, i.failed, i.not_applicable,"
    " i.payload_hash"
    " FROM safety_inspections i JOIN safety_template_versions v ON v.id = i.template_version_id WHERE 1 = 1";

Inspection InspectionFromRow(const Row& row) {
    Inspection i;
    i.id = row.Int(0);
    i.client_id = row.Text(1);
    i.template_id = row.Int(2);
    i.template_version_id = row.Int(3);
    i.template_version = static_cast<int>(row.Int(4));
    i.template_name_zh = row.Text(5);
    i.kind = Lookup(kTemplateKinds, row.Text(6)).value_or(TemplateKind::kOther);
    i.target_kind = Lookup(kTargetKinds, row.Text(7)).value_or(TargetKind::kBuilding);
    i.node_id = row.Int(8);
    i.venue_id = row.OptInt(9);
    i.target_name = row.Text(10);
    i.place_path = row.Text(11);
    i.building_id = row.OptInt(12);
    i.grid_id = row.OptInt(13);
    i.community_id = row.OptInt(14);
    i.inspector_id = row.Int(15);
    i.inspector_name = row.Text(16);
    i.inspected_at = row.Int(17);
    i.recorded_at = row.Int(18);
    i.note = row.Text(19);
    i.passed = static_cast<int>(row.Int(20));
    i.failed = static_cast<int>(row.Int(21));
    i.not_applicable = static_cast<int>(row.Int(22));
    return i;
}

// ---- hazards ------------------------------------------------------------------------------------

constexpr std::string_view kHazardSelect =
    "SELECT h.id, h.inspection_id, h.result_id, h.item_id, h.kind, h.severity, h.item_text, h.basis, h.category_code,"
    " h.target_kind, h.target_name, h.node_id, h.venue_id, h.place_path, h.building_id, h.grid_id, h.community_id,"
    " h.responsible_kind, h.responsible_name, h.responsible_unit_id, h.status, h.found_at, h.found_by, h.due_at,"
    " h.pending_due_at, h.escalate_pending, h.failed_reinspections, h.rectified_at, h.rectified_by,"
    " h.rectified_by_name, h.verified_at, h.verified_by, h.verified_by_name, h.order_id, h.order_claim_until,"
    " h.tracking_code, h.order_state, h.escalation_level, h.handler_user_id, h.handler_unit_id, h.created_at,"
    " h.updated_at, h.rectify_days FROM safety_hazards h WHERE 1 = 1";

Hazard HazardFromRow(const Row& row) {
    Hazard h;
    h.id = row.Int(0);
    h.inspection_id = row.Int(1);
    h.result_id = row.Int(2);
    h.item_id = row.Int(3);
    h.kind = Lookup(kTemplateKinds, row.Text(4)).value_or(TemplateKind::kOther);
    h.severity = Lookup(kSeverities, row.Text(5)).value_or(Severity::kGeneral);
    h.item_text = row.Text(6);
    h.basis = row.Text(7);
    h.category_code = row.Text(8);
    h.target_kind = Lookup(kTargetKinds, row.Text(9)).value_or(TargetKind::kBuilding);
    h.target_name = row.Text(10);
    h.node_id = row.Int(11);
    h.venue_id = row.OptInt(12);
    h.place_path = row.Text(13);
    h.building_id = row.OptInt(14);
    h.grid_id = row.OptInt(15);
    h.community_id = row.OptInt(16);
    h.responsible.kind = Lookup(kResponsibleKinds, row.Text(17)).value_or(ResponsibleKind::kOther);
    h.responsible.name = row.Text(18);
    h.responsible.unit_id = row.OptInt(19);
    h.status = Lookup(kHazardStatuses, row.Text(20)).value_or(HazardStatus::kOpen);
    h.found_at = row.Int(21);
    h.found_by = row.Int(22);
    h.due_at = row.Int(23);
    h.pending_due_at = row.OptInt(24);
    h.escalate_pending = row.Bool(25);
    h.failed_reinspections = static_cast<int>(row.Int(26));
    h.rectified_at = row.OptInt(27);
    h.rectified_by = row.OptInt(28);
    h.rectified_by_name = row.Text(29);
    h.verified_at = row.OptInt(30);
    h.verified_by = row.OptInt(31);
    h.verified_by_name = row.Text(32);
    h.order_id = row.OptInt(33);
    h.order_claim_until = row.OptInt(34);
    h.tracking_code = row.Text(35);
    h.order_state = row.Text(36);
    h.escalation_level = static_cast<int>(row.Int(37));
    h.handler_user_id = row.OptInt(38);
    h.handler_unit_id = row.OptInt(39);
    h.created_at = row.Int(40);
    h.updated_at = row.Int(41);
    h.rectify_days = static_cast<int>(row.Int(42));
    return h;
}

Result<std::optional<Hazard>> FirstHazard(Conn& conn, const std::string& sql, const std::vector<Param>& params) {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    if (rows.empty()) {
        return std::optional<Hazard>();
    }
    return std::optional<Hazard>(HazardFromRow(rows.front()));
}

}  // namespace

// ---- templates ----------------------------------------------------------------------------------

Result<std::vector<Template>> SafetyRepository::ListTemplates(Conn& conn) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT " + std::string(kTemplateColumns) +
                                                 " FROM safety_templates ORDER BY community_id IS NOT NULL, id"));
    std::vector<Template> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(TemplateFromRow(row));
    }
    return out;
}

Result<std::optional<Template>> SafetyRepository::FindTemplate(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("SELECT " + std::string(kTemplateColumns) + " FROM safety_templates WHERE id = $1", {id}));
    if (rows.empty()) {
        return std::optional<Template>();
    }
    return std::optional<Template>(TemplateFromRow(rows.front()));
}

Result<int64_t> SafetyRepository::InsertTemplate(Conn& conn, const Template& t,
                                                 std::optional<int64_t> created_by) const {
    LINLI_ASSIGN_OR_RETURN(
        auto row,
        conn.QueryOne("INSERT INTO safety_templates (community_id, community_path, code, kind, category_code, name_zh,"
                      " name_en, active, current_version, created_by, created_at, updated_at)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                      {t.community_id, t.community_path, t.code, NameOf(kTemplateKinds, t.kind), t.category_code,
                       t.name_zh, t.name_en, t.active, t.current_version, created_by, t.created_at},
                      "inserted template"));
    return row.Int(0);
}

Result<void> SafetyRepository::UpdateTemplate(Conn& conn, const Template& t) const {
    LINLI_TRY(
        conn.Exec("UPDATE safety_templates SET active = $2, category_code = $3, name_zh = $4, name_en = $5,"
                  " current_version = $6, updated_at = $7 WHERE id = $1",
                  {t.id, t.active, t.category_code, t.name_zh, t.name_en, t.current_version, t.updated_at}));
    return {};
}

Result<void> SafetyRepository::InsertVersion(Conn& conn, TemplateVersion& v) const {
    LINLI_ASSIGN_OR_RETURN(
        auto row, conn.QueryOne("INSERT INTO safety_template_versions (template_id, version, name_zh, name_en, note,"
                                " created_by, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                                " RETURNING id",
                                {v.template_id, v.version, v.name_zh, v.name_en, v.note, v.created_by,
                                 v.created_by_name, v.created_at},
                                "inserted template version"));
    v.id = row.Int(0);
    for (auto& item : v.items) {
        LINLI_ASSIGN_OR_RETURN(
            auto item_row,
            conn.QueryOne("INSERT INTO safety_template_items (version_id, position, text_zh, text_en, basis, severity,"
                          " rectify_days) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                          {v.id, item.position, item.text_zh, item.text_en, item.basis,
                           NameOf(kSeverities, item.severity), item.rectify_days},
                          "inserted template item"));
        item.id = item_row.Int(0);
    }
    v.item_count = static_cast<int64_t>(v.items.size());
    return {};
}

Result<std::optional<TemplateVersion>> SafetyRepository::FindVersion(Conn& conn, int64_t template_id,
                                                                     int version) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT " + std::string(kVersionColumns) +
                                                     " FROM safety_template_versions v"
                                                     " WHERE v.template_id = $1 AND v.version = $2",
                                                 {template_id, version}));
    if (rows.empty()) {
        return std::optional<TemplateVersion>();
    }
    TemplateVersion v = VersionFromRow(rows.front());
    LINLI_ASSIGN_OR_RETURN(auto items, conn.Query("SELECT " + std::string(kItemColumns) +
                                                      " FROM safety_template_items i WHERE i.version_id = $1"
                                                      " ORDER BY i.position",
                                                  {v.id}));
    for (const auto& row : items) {
        v.items.push_back(ItemFromRow(row));
    }
    return std::optional<TemplateVersion>(std::move(v));
}

Result<std::vector<TemplateVersion>> SafetyRepository::ListVersions(Conn& conn, int64_t template_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT " + std::string(kVersionColumns) +
                                                     " FROM safety_template_versions v WHERE v.template_id = $1"
                                                     " ORDER BY v.version DESC",
                                                 {template_id}));
    std::vector<TemplateVersion> out;
    for (const auto& row : rows) {
        out.push_back(VersionFromRow(row));
    }
    return out;
}

// ---- venues -------------------------------------------------------------------------------------

Result<int64_t> SafetyRepository::InsertVenue(Conn& conn, const Venue& v, const std::optional<std::string>& phone_enc,
                                              const std::optional<std::string>& phone_hash,
                                              std::optional<int64_t> created_by) const {
    LINLI_ASSIGN_OR_RETURN(
        auto row, conn.QueryOne("INSERT INTO safety_venues (name, kind, owner_name, owner_phone_enc, owner_phone_hash,"
                                " owner_phone_masked, licence_no, address, place_id, place_path, building_id, grid_id,"
                                " community_id, active, created_by, created_at, updated_at)"
                                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)"
                                " RETURNING id",
                                {v.name, NameOf(kVenueKinds, v.kind), v.owner_name, phone_enc, phone_hash,
                                 v.owner_phone_masked, v.licence_no, v.address, v.place_id, v.place_path, v.building_id,
                                 v.grid_id, v.community_id, v.active, created_by, v.created_at},
                                "inserted venue"));
    return row.Int(0);
}

Result<std::optional<Venue>> SafetyRepository::FindVenue(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows, conn.Query("SELECT " + std::string(kVenueColumns) + " FROM safety_venues v WHERE v.id = $1", {id}));
    if (rows.empty()) {
        return std::optional<Venue>();
    }
    return std::optional<Venue>(VenueFromRow(rows.front()));
}

Result<std::optional<std::string>> SafetyRepository::FindVenuePhoneSealed(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT owner_phone_enc FROM safety_venues WHERE id = $1", {id}));
    if (rows.empty()) {
        return std::optional<std::string>();
    }
    return rows.front().OptText(0);
}

Result<std::vector<Venue>> SafetyRepository::ListVenues(Conn& conn, const Visibility& vis, const PlaceFilter& place,
                                                        const VenueQuery& q,
                                                        const std::optional<std::string>& phone_hash,
                                                        std::optional<int64_t> before_id, int limit) const {
    std::string sql = "SELECT " + std::string(kVenueColumns) + " FROM safety_venues v WHERE 1 = 1";
    std::vector<Param> params;
    AppendVisibility(vis, "v.place_path", false, sql, params);
    AppendPlace(place, "v.place_path", "v.id", sql, params);
    if (q.kind) {
        sql += " AND v.kind = " + Bind(params, NameOf(kVenueKinds, *q.kind));
    }
    if (q.active) {
        sql += " AND v.active = " + Bind(params, *q.active);
    }
    if (q.q) {
        const std::string pattern = Bind(params, ContainsPattern(*q.q));
        sql += " AND (v.name LIKE " + pattern + " ESCAPE '\\' OR v.licence_no LIKE " + pattern + " ESCAPE '\\'";
        if (phone_hash) {
            sql += " OR v.owner_phone_hash = " + Bind(params, *phone_hash);
        }
        sql += ")";
    }
    if (before_id) {
        sql += " AND v.id < " + Bind(params, *before_id);
    }
    sql += " ORDER BY v.id DESC LIMIT " + Bind(params, limit);
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    std::vector<Venue> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(VenueFromRow(row));
    }
    return out;
}

Result<void> SafetyRepository::UpdateVenue(Conn& conn, const Venue& v, const std::optional<SealedPhone>& phone) const {
    LINLI_TRY(conn.Exec(
        "UPDATE safety_venues SET name = $2, kind = $3, owner_name = $4, licence_no = $5, address = $6,"
        " active = $7, updated_at = $8 WHERE id = $1",
        {v.id, v.name, NameOf(kVenueKinds, v.kind), v.owner_name, v.licence_no, v.address, v.active, v.updated_at}));
    if (phone) {
        LINLI_TRY(
            conn.Exec("UPDATE safety_venues SET owner_phone_enc = $2, owner_phone_hash = $3,"
                      " owner_phone_masked = $4 WHERE id = $1",
                      {v.id, phone->enc, phone->hash, phone->masked}));
    }
    return {};
}

Result<int64_t> SafetyRepository::CountVenueInspections(Conn& conn, int64_t venue_id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto row, conn.QueryOne("SELECT count(*) FROM safety_inspections WHERE venue_id = $1", {venue_id}, "count"));
    return row.Int(0);
}

Result<void> SafetyRepository::DeleteVenue(Conn& conn, int64_t id) const {
    LINLI_TRY(conn.Exec("DELETE FROM safety_venues WHERE id = $1", {id}));
    return {};
}

// ---- photos -------------------------------------------------------------------------------------

Result<std::optional<Photo>> SafetyRepository::FindPhotoBySha(Conn& conn, int64_t uploaded_by,
                                                              std::string_view sha256) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT " + std::string(kPhotoColumns) +
                                                     " FROM safety_photos WHERE uploaded_by = $1 AND sha256 = $2",
                                                 {uploaded_by, sha256}));
    if (rows.empty()) {
        return std::optional<Photo>();
    }
    return std::optional<Photo>(PhotoFromRow(rows.front()));
}

Result<int64_t> SafetyRepository::InsertPhoto(Conn& conn, const Photo& p) const {
    LINLI_ASSIGN_OR_RETURN(
        auto row, conn.QueryOne("INSERT INTO safety_photos (storage_name, content_type, size_bytes,"
                                " sha256, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
                                " RETURNING id",
                                {p.storage_name, p.content_type, p.size_bytes, p.sha256, p.uploaded_by, p.created_at},
                                "inserted photo"));
    return row.Int(0);
}

Result<std::optional<Photo>> SafetyRepository::FindPhoto(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows, conn.Query("SELECT " + std::string(kPhotoColumns) + " FROM safety_photos WHERE id = $1", {id}));
    if (rows.empty()) {
        return std::optional<Photo>();
    }
    return std::optional<Photo>(PhotoFromRow(rows.front()));
}

Result<std::vector<Photo>> SafetyRepository::FindPhotos(Conn& conn, const std::vector<int64_t>& ids) const {
    std::vector<Photo> out;
    if (ids.empty()) {
        return out;
    }
    std::vector<Param> params;
    std::string sql = "SELECT " + std::string(kPhotoColumns) + " FROM safety_photos WHERE id IN (" +
                      IdList(params, ids) + ") ORDER BY id";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    for (const auto& row : rows) {
        out.push_back(PhotoFromRow(row));
    }
    return out;
}

Result<void> SafetyRepository::PlacePhotos(Conn& conn, const std::vector<int64_t>& ids, std::string_view path) const {
    if (ids.empty()) {
        return {};
    }
    std::vector<Param> params;
    std::string sql =
        "UPDATE safety_photos SET place_path = " + Bind(params, path) + " WHERE place_path IS NULL AND id IN (";
    sql += IdList(params, ids) + ")";
    LINLI_TRY(conn.Exec(sql, params));
    return {};
}

Result<bool> SafetyRepository::IsPhotoFile(Conn& conn, std::string_view storage_name) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("SELECT 1 FROM safety_photos WHERE storage_name = $1", {storage_name}));
    return !rows.empty();
}

Result<bool> SafetyRepository::PhotoOnHazardSentTo(Conn& conn, int64_t photo_id, std::optional<int64_t> user_id,
                                                   const std::vector<int64_t>& unit_ids) const {
    if (!user_id && unit_ids.empty()) {
        return false;
    }
    std::vector<Param> params;
    // photo_ids is a comma-separated list: framed in commas, one LIKE finds an id in it.
    const std::string needle = Bind(params, "%," + std::to_string(photo_id) + ",%");
    std::string sent_to = "(";
    if (user_id) {
        sent_to += "h.handler_user_id = " + Bind(params, *user_id);
    }
    if (!unit_ids.empty()) {
        sent_to += std::string(user_id ? " OR " : "") + "h.handler_unit_id IN (";
        for (size_t i = 0; i < unit_ids.size(); ++i) {
            sent_to += (i ? ", " : "") + Bind(params, unit_ids[i]);
        }
        sent_to += ")";
    }
    sent_to += ")";
    const std::string sql =
        "SELECT 1 FROM safety_hazards h WHERE " + sent_to +
        " AND (EXISTS (SELECT 1 FROM safety_inspection_results r WHERE r.id = h.result_id AND ',' || r.photo_ids || ',' "
        "LIKE " + needle +
        ") OR EXISTS (SELECT 1 FROM safety_rectifications x WHERE x.hazard_id = h.id AND x.status = 'applied' AND "
        "',' || x.photo_ids || ',' LIKE " + needle +
        ") OR EXISTS (SELECT 1 FROM safety_reinspections v WHERE v.hazard_id = h.id AND ',' || v.photo_ids || ',' "
        "LIKE " + needle + ")) LIMIT 1";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    return !rows.empty();
}

// ---- inspections --------------------------------------------------------------------------------

Result<std::optional<SafetyRepository::StoredInspection>> SafetyRepository::FindInspectionByClient(
    Conn& conn, int64_t inspector_id, std::string_view client_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query(std::string(kInspectionSelect) + " AND i.inspector_id = $1 AND i.client_id = $2",
                                      {inspector_id, client_id}));
    if (rows.empty()) {
        return std::optional<StoredInspection>();
    }
    return std::optional<StoredInspection>(StoredInspection{InspectionFromRow(rows.front()), rows.front().Text(23)});
}

Result<int64_t> SafetyRepository::InsertInspection(Conn& conn, const Inspection& i,
                                                   std::string_view payload_hash) const {
    std::vector<Param> params{i.client_id,
                              std::string(payload_hash),
                              i.template_id,
                              i.template_version_id,
                              i.template_version,
                              NameOf(kTemplateKinds, i.kind),
                              NameOf(kTargetKinds, i.target_kind),
                              i.node_id,
                              i.venue_id,
                              i.target_name,
                              i.place_path,
                              i.building_id,
                              i.grid_id,
                              i.community_id,
                              i.inspector_id,
                              i.inspector_name,
                              i.inspected_at,
                              i.recorded_at,
                              i.note,
                              i.passed,
                              i.failed,
                              i.not_applicable};
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("INSERT INTO safety_inspections (client_id, payload_hash, template_id, template_version_id,"
                   " template_version, kind, target_kind, node_id, venue_id, target_name, place_path, building_id,"
                   " grid_id, community_id, inspector_id, inspector_name, inspected_at, recorded_at, note, passed,"
                   " failed, not_applicable) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
                   " $16, $17, $18, $19, $20, $21, $22) RETURNING id",
                   params));
    return rows.front().Int(0);
}

Result<int64_t> SafetyRepository::InsertResult(Conn& conn, int64_t inspection_id, const InspectionResult& r) const {
    LINLI_ASSIGN_OR_RETURN(auto row, conn.QueryOne("INSERT INTO safety_inspection_results (inspection_id, item_id,"
                                                   " result, note, photo_ids) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                                                   {inspection_id, r.item.id, NameOf(kItemResults, r.result), r.note,
                                                    JoinIds(r.photo_ids)},
                                                   "inserted inspection result"));
    return row.Int(0);
}

Result<std::optional<Inspection>> SafetyRepository::FindInspection(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(std::string(kInspectionSelect) + " AND i.id = $1", {id}));
    if (rows.empty()) {
        return std::optional<Inspection>();
    }
    return std::optional<Inspection>(InspectionFromRow(rows.front()));
}

Result<std::vector<InspectionResult>> SafetyRepository::ListResults(Conn& conn, int64_t inspection_id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows, conn.Query("SELECT r.id, r.result, r.note, r.photo_ids,"
                              " (SELECT h.id FROM safety_hazards h WHERE h.result_id = r.id), " +
                                  std::string(kItemColumns) +
                                  " FROM safety_inspection_results r JOIN safety_template_items i ON i.id = r.item_id"
                                  " WHERE r.inspection_id = $1 ORDER BY i.position",
                              {inspection_id}));
    std::vector<InspectionResult> out;
    for (const auto& row : rows) {
        InspectionResult r;
        r.id = row.Int(0);
        r.result = Lookup(kItemResults, row.Text(1)).value_or(ItemResult::kNotApplicable);
        r.note = row.Text(2);
        r.photo_ids = SplitIds(row.Text(3));
        r.hazard_id = row.OptInt(4);
        r.item = ItemFromRow(row, 5);
        out.push_back(std::move(r));
    }
    return out;
}

Result<std::vector<Inspection>> SafetyRepository::ListInspections(Conn& conn, const Visibility& vis,
                                                                  const PlaceFilter& place, const InspectionQuery& q,
                                                                  std::optional<int64_t> node_id,
                                                                  std::optional<int64_t> before_id, int limit) const {
    std::string sql(kInspectionSelect);
    std::vector<Param> params;
    AppendVisibility(vis, "i.place_path", false, sql, params);
    AppendPlace(place, "i.place_path", "i.venue_id", sql, params);
    if (node_id) {
        sql += " AND i.node_id = " + Bind(params, *node_id);
    }
    if (q.target_kind) {
        sql += " AND i.target_kind = " + Bind(params, NameOf(kTargetKinds, *q.target_kind));
    }
    if (q.from) {
        sql += " AND i.inspected_at >= " + Bind(params, *q.from);
    }
    if (q.to) {
        sql += " AND i.inspected_at < " + Bind(params, *q.to);
    }
    if (before_id) {
        sql += " AND i.id < " + Bind(params, *before_id);
    }
    sql += " ORDER BY i.id DESC LIMIT " + Bind(params, limit);
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    std::vector<Inspection> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(InspectionFromRow(row));
    }
    return out;
}

Result<std::pair<int64_t, std::optional<int64_t>>> SafetyRepository::InspectionTotals(
    Conn& conn, const PlaceFilter& place, std::optional<int64_t> node_id) const {
    std::string sql = "SELECT count(*), max(i.inspected_at) FROM safety_inspections i WHERE 1 = 1";
    std::vector<Param> params;
    AppendPlace(place, "i.place_path", "i.venue_id", sql, params);
    if (node_id) {
        sql += " AND i.node_id = " + Bind(params, *node_id);
    }
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    return std::make_pair(rows.front().Int(0), rows.front().OptInt(1));
}

Result<void> SafetyRepository::SetVenueInspected(Conn& conn, int64_t venue_id, int64_t at) const {
    LINLI_TRY(
        conn.Exec("UPDATE safety_venues SET last_inspected_at = $2 WHERE id = $1"
                  " AND (last_inspected_at IS NULL OR last_inspected_at < $2)",
                  {venue_id, at}));
    return {};
}

Result<int64_t> SafetyRepository::CountInspections(Conn& conn, const Visibility& vis, const PlaceFilter& place,
                                                   std::optional<int64_t> from, std::optional<int64_t> to) const {
    std::string sql = "SELECT count(*) FROM safety_inspections i WHERE 1 = 1";
    std::vector<Param> params;
    AppendVisibility(vis, "i.place_path", false, sql, params);
    AppendPlace(place, "i.place_path", "i.venue_id", sql, params);
    if (from) {
        sql += " AND i.inspected_at >= " + Bind(params, *from);
    }
    if (to) {
        sql += " AND i.inspected_at < " + Bind(params, *to);
    }
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    return rows.front().Int(0);
}

// ---- hazards ------------------------------------------------------------------------------------

Result<int64_t> SafetyRepository::InsertHazard(Conn& conn, const Hazard& h) const {
    std::vector<Param> params{h.inspection_id,
                              h.result_id,
                              h.item_id,
                              NameOf(kTemplateKinds, h.kind),
                              NameOf(kSeverities, h.severity),
                              h.item_text,
                              h.basis,
                              h.category_code,
                              NameOf(kTargetKinds, h.target_kind),
                              h.target_name,
                              h.node_id,
                              h.venue_id,
                              h.place_path,
                              h.building_id,
                              h.grid_id,
                              h.community_id,
                              NameOf(kResponsibleKinds, h.responsible.kind),
                              h.responsible.name,
                              h.responsible.unit_id,
                              NameOf(kHazardStatuses, h.status),
                              h.found_at,
                              h.found_by,
                              h.due_at,
                              h.pending_due_at,
                              h.created_at,
                              h.rectify_days};
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query(
            "INSERT INTO safety_hazards (inspection_id, result_id, item_id, kind, severity, item_text, basis,"
            " category_code, target_kind, target_name, node_id, venue_id, place_path, building_id, grid_id,"
            " community_id, responsible_kind, responsible_name, responsible_unit_id, status, found_at, found_by,"
            " due_at, pending_due_at, created_at, updated_at, rectify_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
            " $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $25, $26)"
            " RETURNING id",
            params));
    return rows.front().Int(0);
}

Result<std::optional<Hazard>> SafetyRepository::FindHazard(Conn& conn, int64_t id, bool lock) const {
    std::vector<Param> params{id};
    return FirstHazard(conn, std::string(kHazardSelect) + " AND h.id = $1" + (lock ? LockClause(conn) : ""), params);
}

Result<std::optional<Hazard>> SafetyRepository::FindHazardByOrder(Conn& conn, int64_t order_id) const {
    std::vector<Param> params{order_id};
    return FirstHazard(conn, std::string(kHazardSelect) + " AND h.order_id = $1", params);
}

Result<std::vector<Hazard>> SafetyRepository::ListHazardsOfInspection(Conn& conn, int64_t inspection_id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows, conn.Query(std::string(kHazardSelect) + " AND h.inspection_id = $1 ORDER BY h.id", {inspection_id}));
    std::vector<Hazard> out;
    for (const auto& row : rows) {
        out.push_back(HazardFromRow(row));
    }
    return out;
}

Result<std::vector<Hazard>> SafetyRepository::ListHazards(Conn& conn, const Visibility& vis, const PlaceFilter& place,
                                                          const HazardQuery& q, int64_t now,
                                                          std::optional<int64_t> before_id, int limit) const {
    std::string sql(kHazardSelect);
    std::vector<Param> params;
    AppendVisibility(vis, "h.place_path", true, sql, params);
    AppendPlace(place, "h.place_path", "h.venue_id", sql, params);
    if (q.status) {
        sql += " AND h.status = " + Bind(params, NameOf(kHazardStatuses, *q.status));
    }
    if (q.kind) {
        sql += " AND h.kind = " + Bind(params, NameOf(kTemplateKinds, *q.kind));
    }
    if (q.overdue) {
        const std::string overdue = "(h.status = 'open' AND h.due_at < " + Bind(params, now) + ")";
        sql += *q.overdue ? " AND " + overdue : " AND NOT " + overdue;
    }
    if (q.found_from) {
        sql += " AND h.found_at >= " + Bind(params, *q.found_from);
    }
    if (q.found_to) {
        sql += " AND h.found_at < " + Bind(params, *q.found_to);
    }
    if (before_id) {
        sql += " AND h.id < " + Bind(params, *before_id);
    }
    sql += " ORDER BY h.id DESC LIMIT " + Bind(params, limit);
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    std::vector<Hazard> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(HazardFromRow(row));
    }
    return out;
}

Result<void> SafetyRepository::SaveHazard(Conn& conn, const Hazard& h) const {
    std::vector<Param> params{h.id,
                              NameOf(kHazardStatuses, h.status),
                              h.due_at,
                              h.pending_due_at,
                              h.escalate_pending,
                              h.failed_reinspections,
                              h.rectified_at,
                              h.rectified_by,
                              h.rectified_by_name,
                              h.verified_at,
                              h.verified_by,
                              h.verified_by_name,
                              h.order_id,
                              h.order_claim_until,
                              h.tracking_code,
                              h.order_state,
                              h.escalation_level,
                              h.handler_user_id,
                              h.handler_unit_id,
                              h.updated_at};
    LINLI_TRY(
        conn.Exec("UPDATE safety_hazards SET status = $2, due_at = $3, pending_due_at = $4,"
                  " escalate_pending = $5, failed_reinspections = $6, rectified_at = $7, rectified_by = $8,"
                  " rectified_by_name = $9, verified_at = $10, verified_by = $11, verified_by_name = $12,"
                  " order_id = $13, order_claim_until = $14, tracking_code = $15, order_state = $16,"
                  " escalation_level = $17, handler_user_id = $18, handler_unit_id = $19, updated_at = $20"
                  " WHERE id = $1",
                  params));
    return {};
}

Result<bool> SafetyRepository::ClaimOrder(Conn& conn, int64_t id, int64_t now, int64_t until) const {
    LINLI_ASSIGN_OR_RETURN(
        int64_t changed, conn.Exec("UPDATE safety_hazards SET order_claim_until = $3 WHERE id = $1 AND order_id IS NULL"
                                   " AND (order_claim_until IS NULL OR order_claim_until < $2)",
                                   {id, now, until}));
    return changed == 1;
}

Result<void> SafetyRepository::ReleaseOrderClaim(Conn& conn, int64_t id) const {
    LINLI_TRY(conn.Exec("UPDATE safety_hazards SET order_claim_until = NULL WHERE id = $1 AND order_id IS NULL", {id}));
    return {};
}

Result<std::vector<int64_t>> SafetyRepository::ListUnfinished(Conn& conn, int limit) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows, conn.Query("SELECT id FROM safety_hazards WHERE order_id IS NULL OR pending_due_at IS NOT NULL"
                              " OR escalate_pending = TRUE OR (status = 'verified' AND order_state <> 'closed')"
                              " OR (status = 'open' AND order_state = 'resolved') ORDER BY id LIMIT $1",
                              {limit}));
    std::vector<int64_t> out;
    for (const auto& row : rows) {
        out.push_back(row.Int(0));
    }
    return out;
}

// ---- rectifications and re-inspections ----------------------------------------------------------

Result<int64_t> SafetyRepository::InsertRectification(Conn& conn, const Rectification& r, bool pending) const {
    LINLI_ASSIGN_OR_RETURN(
        auto row, conn.QueryOne("INSERT INTO safety_rectifications (hazard_id, status, note, photo_ids, by_user_id,"
                                " by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                                {r.hazard_id, pending ? "pending" : "applied", r.note, JoinIds(r.photo_ids),
                                 r.by_user_id, r.by_name, r.at},
                                "inserted rectification"));
    return row.Int(0);
}

Result<std::optional<std::string>> SafetyRepository::ApplyPendingRectification(Conn& conn, int64_t hazard_id,
                                                                               std::optional<int64_t> user_id) const {
    if (!user_id) {
        return std::optional<std::string>();
    }
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT id, by_name FROM safety_rectifications WHERE hazard_id = $1"
                                                 " AND by_user_id = $2 AND status = 'pending' ORDER BY id DESC LIMIT 1",
                                                 {hazard_id, *user_id}));
    if (rows.empty()) {
        return std::optional<std::string>();
    }
    LINLI_TRY(conn.Exec("UPDATE safety_rectifications SET status = 'applied' WHERE id = $1", {rows.front().Int(0)}));
    return std::optional<std::string>(rows.front().Text(1));
}

Result<void> SafetyRepository::DeleteRectification(Conn& conn, int64_t id) const {
    LINLI_TRY(conn.Exec("DELETE FROM safety_rectifications WHERE id = $1 AND status = 'pending'", {id}));
    return {};
}

Result<std::vector<Rectification>> SafetyRepository::ListRectifications(Conn& conn, int64_t hazard_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT id, hazard_id, note, photo_ids, by_user_id, by_name, at"
                                                 " FROM safety_rectifications WHERE hazard_id = $1"
                                                 " AND status = 'applied' ORDER BY id",
                                                 {hazard_id}));
    std::vector<Rectification> out;
    for (const auto& row : rows) {
        Rectification r;
        r.id = row.Int(0);
        r.hazard_id = row.Int(1);
        r.note = row.Text(2);
        r.photo_ids = SplitIds(row.Text(3));
        r.by_user_id = row.OptInt(4);
        r.by_name = row.Text(5);
        r.at = row.Int(6);
        out.push_back(std::move(r));
    }
    return out;
}

Result<int64_t> SafetyRepository::InsertReinspection(Conn& conn, const Reinspection& r) const {
    LINLI_ASSIGN_OR_RETURN(
        auto row, conn.QueryOne("INSERT INTO safety_reinspections (hazard_id, result, note, photo_ids, by_user_id,"
                                " by_name, at, new_due_at, escalated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                                " RETURNING id",
                                {r.hazard_id, r.passed ? "pass" : "fail", r.note, JoinIds(r.photo_ids), r.by_user_id,
                                 r.by_name, r.at, r.new_due_at, r.escalated},
                                "inserted re-inspection"));
    return row.Int(0);
}

Result<std::vector<Reinspection>> SafetyRepository::ListReinspections(Conn& conn, int64_t hazard_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("SELECT id, hazard_id, result, note, photo_ids, by_user_id, by_name, at,"
                                      " new_due_at, escalated FROM safety_reinspections WHERE hazard_id = $1"
                                      " ORDER BY id",
                                      {hazard_id}));
    std::vector<Reinspection> out;
    for (const auto& row : rows) {
        Reinspection r;
        r.id = row.Int(0);
        r.hazard_id = row.Int(1);
        r.passed = row.Text(2) == "pass";
        r.note = row.Text(3);
        r.photo_ids = SplitIds(row.Text(4));
        r.by_user_id = row.Int(5);
        r.by_name = row.Text(6);
        r.at = row.Int(7);
        r.new_due_at = row.OptInt(8);
        r.escalated = row.Bool(9);
        out.push_back(std::move(r));
    }
    return out;
}

// ---- ledgers ------------------------------------------------------------------------------------

Result<std::vector<CountRow>> SafetyRepository::CountHazards(Conn& conn, const Visibility& vis,
                                                             const PlaceFilter& place, GroupColumn group,
                                                             std::optional<int64_t> from, std::optional<int64_t> to,
                                                             int64_t now) const {
    std::string key;
    switch (group) {
        case GroupColumn::kCommunity:
            key = "COALESCE(h.community_id, 0)";
            break;
        case GroupColumn::kGrid:
            key = "COALESCE(h.grid_id, 0)";
            break;
        case GroupColumn::kBuilding:
            key = "COALESCE(h.building_id, 0)";
            break;
        case GroupColumn::kVenue:
            key = "COALESCE(h.venue_id, 0)";
            break;
        case GroupColumn::kNone:
            key = "0";
            break;
    }
    std::vector<Param> params;
    const std::string now_param = Bind(params, now);
    std::string sql = "SELECT " + key +
                      ", h.kind, count(*),"
                      " SUM(CASE WHEN h.status = 'open' THEN 1 ELSE 0 END),"
                      " SUM(CASE WHEN h.status = 'rectified' THEN 1 ELSE 0 END),"
                      " SUM(CASE WHEN h.status = 'verified' THEN 1 ELSE 0 END),"
                      " SUM(CASE WHEN h.status = 'open' AND h.due_at < " +
                      now_param +
                      " THEN 1 ELSE 0 END),"
                      " SUM(CASE WHEN h.severity = 'major' THEN 1 ELSE 0 END)"
                      " FROM safety_hazards h WHERE 1 = 1";
    AppendVisibility(vis, "h.place_path", false, sql, params);
    AppendPlace(place, "h.place_path", "h.venue_id", sql, params);
    if (from) {
        sql += " AND h.found_at >= " + Bind(params, *from);
    }
    if (to) {
        sql += " AND h.found_at < " + Bind(params, *to);
    }
    // A constant key would read as a column position in GROUP BY: group by kind alone then.
    sql += group == GroupColumn::kNone ? " GROUP BY h.kind ORDER BY 2" : " GROUP BY " + key + ", h.kind ORDER BY 1, 2";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    std::vector<CountRow> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        CountRow c;
        c.key = row.Int(0);
        c.kind = Lookup(kTemplateKinds, row.Text(1)).value_or(TemplateKind::kOther);
        c.counts.found = row.Int(2);
        c.counts.open = row.Int(3);
        c.counts.rectified = row.Int(4);
        c.counts.verified = row.Int(5);
        c.counts.overdue = row.Int(6);
        c.counts.major = row.Int(7);
        out.push_back(c);
    }
    return out;
}

Result<std::vector<std::pair<int64_t, std::string>>> SafetyRepository::VenueNames(
    Conn& conn, const std::vector<int64_t>& ids) const {
    std::vector<std::pair<int64_t, std::string>> out;
    if (ids.empty()) {
        return out;
    }
    std::vector<Param> params;
    const std::string sql = "SELECT id, name FROM safety_venues WHERE id IN (" + IdList(params, ids) + ")";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    for (const auto& row : rows) {
        out.emplace_back(row.Int(0), row.Text(1));
    }
    return out;
}

}  // namespace linli::safety
