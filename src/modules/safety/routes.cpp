#include "modules/safety/routes.hpp"

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/json_io.hpp"
#include "modules/ledger/table_writer.hpp"
#include "modules/orders/attachment_format.hpp"
#include "modules/safety/json.hpp"
#include "modules/safety/rules.hpp"

namespace linli::safety {

namespace {

namespace json = boost::json;
using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

constexpr size_t kMaxCursorChars = 1024;
constexpr size_t kFormOverheadBytes = 64 * 1024;
constexpr int64_t kDaySeconds = 86400;
constexpr size_t kMaxItemsInBody = 200;

// ---- nested bodies ------------------------------------------------------------------------------
// JsonObjectReader reads one flat object strictly. An inspection carries an array of item objects
// (and a "responsible" object): each is cut out of its parent and read by a reader of its own, so
// every level still rejects unknown fields, and errors name the full path ("items[2].result").

/// The body as an object, after the reader's own checks (Content-Type, UTF-8, valid JSON, an object).
Result<json::object> BodyObject(const Request& req) {
    LINLI_TRY(http::JsonObjectReader::FromRequest(req));
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec);
    if (ec || !v.is_object()) {
        return InvalidArgument("body", "body must be a JSON object");
    }
    return std::move(v.as_object());
}

Result<http::JsonObjectReader> ReaderOf(const json::object& obj) {
    return http::JsonObjectReader::FromText(json::serialize(obj));
}

Error Prefixed(Error e, const std::string& prefix) {
    e.field = e.field.empty() ? prefix.substr(0, prefix.size() - 1) : prefix + e.field;
    return e;
}

/// Removes `key` (an array of objects) from `obj` and returns its objects.
Result<std::optional<std::vector<json::object>>> TakeObjects(json::object& obj, std::string_view key,
                                                             const std::string& field, size_t max_items) {
    auto* found = obj.if_contains(key);
    if (!found || found->is_null()) {
        obj.erase(key);
        return std::optional<std::vector<json::object>>();
    }
    if (!found->is_array()) {
        return InvalidArgument(field, field + " must be an array of objects");
    }
    if (found->as_array().size() > max_items) {
        return InvalidArgument(field, field + " has more than " + std::to_string(max_items) + " entries");
    }
    std::vector<json::object> out;
    for (size_t i = 0; i < found->as_array().size(); ++i) {
        auto& e = found->as_array()[i];
        if (!e.is_object()) {
            return InvalidArgument(field + "[" + std::to_string(i) + "]", "each entry must be an object");
        }
        out.push_back(std::move(e.as_object()));
    }
    obj.erase(key);
    return std::optional<std::vector<json::object>>(std::move(out));
}

/// Removes `key` (an object) from `obj` and returns it.
Result<std::optional<json::object>> TakeObject(json::object& obj, std::string_view key, const std::string& field) {
    auto* found = obj.if_contains(key);
    if (!found || found->is_null()) {
        obj.erase(key);
        return std::optional<json::object>();
    }
    if (!found->is_object()) {
        return InvalidArgument(field, field + " must be an object");
    }
    json::object out = std::move(found->as_object());
    obj.erase(key);
    return std::optional<json::object>(std::move(out));
}

Result<Responsible> ReadResponsible(const json::object& obj, const std::string& prefix) {
    auto read = [&]() -> Result<Responsible> {
        LINLI_ASSIGN_OR_RETURN(auto r, ReaderOf(obj));
        Responsible out;
        auto kind = r.String("kind", true, {1, 30});
        out.name = r.String("name", false, {0, kMaxOwnerNameChars}).value_or("");
        out.unit_id = r.Int("unit_id", false, 1);
        LINLI_TRY(r.Finish());
        LINLI_ASSIGN_OR_RETURN(out.kind, ParseName(kResponsibleKinds, kind, "kind"));
        return out;
    };
    auto r = read();
    if (!r) {
        return Prefixed(r.error(), prefix);
    }
    return r;
}

Result<std::vector<NewTemplateItem>> ReadTemplateItems(const std::vector<json::object>& objects) {
    std::vector<NewTemplateItem> out;
    for (size_t i = 0; i < objects.size(); ++i) {
        const std::string prefix = "items[" + std::to_string(i) + "].";
        auto read = [&]() -> Result<NewTemplateItem> {
            LINLI_ASSIGN_OR_RETURN(auto r, ReaderOf(objects[i]));
            NewTemplateItem item;
            item.text_zh = r.String("text_zh", true, {1, kMaxItemTextChars}).value_or("");
            item.text_en = r.String("text_en", false, {0, kMaxItemTextChars}).value_or("");
            item.basis = r.String("basis", false, {0, kMaxBasisChars}).value_or("");
            auto severity = r.String("severity", true, {1, 20});
            item.rectify_days = static_cast<int>(r.Int("rectify_days", true, 1, kMaxRectifyDays).value_or(7));
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(item.severity, ParseName(kSeverities, severity, "severity"));
            return item;
        };
        auto item = read();
        if (!item) {
            return Prefixed(item.error(), prefix);
        }
        out.push_back(std::move(*item));
    }
    return out;
}

Result<NewInspection> ReadInspection(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto body, BodyObject(req));
    LINLI_ASSIGN_OR_RETURN(auto items, TakeObjects(body, "items", "items", kMaxItemsInBody));
    LINLI_ASSIGN_OR_RETURN(auto responsible, TakeObject(body, "responsible", "responsible"));
    LINLI_ASSIGN_OR_RETURN(auto r, ReaderOf(body));
    NewInspection in;
    in.client_id = r.String("client_id", true, {1, kMaxClientIdChars}).value_or("");
    in.template_id = r.Int("template_id", true, 1).value_or(0);
    in.template_version = static_cast<int>(r.Int("template_version", true, 1, 1'000'000).value_or(0));
    auto target_kind = r.String("target_kind", true, {1, 20});
    in.target_id = r.Int("target_id", true, 1).value_or(0);
    in.label = r.String("label", false, {0, kMaxLabelChars}).value_or("");
    in.inspected_at = r.Int("inspected_at", true, 1).value_or(0);
    in.note = r.String("note", false, {0, kMaxNoteChars, true}).value_or("");
    LINLI_TRY(r.Finish());
    LINLI_ASSIGN_OR_RETURN(in.target_kind, ParseName(kTargetKinds, target_kind, "target_kind"));
    if (responsible) {
        LINLI_ASSIGN_OR_RETURN(in.responsible, ReadResponsible(*responsible, "responsible."));
    }
    if (!items || items->empty()) {
        return InvalidArgument("items", "items (every item of the checklist, each pass, fail or na) is required");
    }
    for (size_t i = 0; i < items->size(); ++i) {
        const std::string prefix = "items[" + std::to_string(i) + "].";
        auto read = [&]() -> Result<NewInspectionItem> {
            json::object obj = std::move((*items)[i]);
            LINLI_ASSIGN_OR_RETURN(auto own, TakeObject(obj, "responsible", "responsible"));
            LINLI_ASSIGN_OR_RETURN(auto ir, ReaderOf(obj));
            NewInspectionItem item;
            item.item_id = ir.Int("item_id", true, 1).value_or(0);
            auto result = ir.String("result", true, {1, 10});
            item.note = ir.String("note", false, {0, kMaxNoteChars, true}).value_or("");
            item.photo_ids = ir.IntArray("photo_ids", false, kMaxPhotosPerRecord).value_or(std::vector<int64_t>{});
            LINLI_TRY(ir.Finish());
            LINLI_ASSIGN_OR_RETURN(item.result, ParseName(kItemResults, result, "result"));
            if (own) {
                LINLI_ASSIGN_OR_RETURN(item.responsible, ReadResponsible(*own, "responsible."));
            }
            return item;
        };
        auto item = read();
        if (!item) {
            return Prefixed(item.error(), prefix);
        }
        in.items.push_back(std::move(*item));
    }
    return in;
}

// ---- queries ------------------------------------------------------------------------------------

/// `from`/`to` as local dates (YYYY-MM-DD, both days included) → [from, to) in epoch seconds.
Result<std::pair<std::optional<int64_t>, std::optional<int64_t>>> ReadPeriod(http::QueryReader& q, int offset) {
    auto from = q.String("from", {1, 10});
    auto to = q.String("to", {1, 10});
    std::pair<std::optional<int64_t>, std::optional<int64_t>> out;
    if (from) {
        out.first = ParseLocalDate(*from, offset);
        if (!out.first) {
            return InvalidArgument("from", "from must be a date written YYYY-MM-DD");
        }
    }
    if (to) {
        auto day = ParseLocalDate(*to, offset);
        if (!day) {
            return InvalidArgument("to", "to must be a date written YYYY-MM-DD");
        }
        out.second = *day + kDaySeconds;
    }
    if (out.first && out.second && *out.first >= *out.second) {
        return InvalidArgument("from", "from must not be after to");
    }
    return out;
}

void ReadPage(http::QueryReader& q, std::optional<std::string>& cursor, int& limit) {
    cursor = q.String("cursor", {1, kMaxCursorChars});
    if (auto l = q.Int("limit", 1, kMaxPageSize)) {
        limit = static_cast<int>(*l);
    }
}

Result<HazardQuery> ReadHazardQuery(const Request& req, int offset, bool paged, bool* xlsx) {
    http::QueryReader q(req);
    HazardQuery query;
    query.node_id = q.Int("node_id", 1);
    query.venue_id = q.Int("venue_id", 1);
    auto status = q.Enum("status", Names(kHazardStatuses));
    auto kind = q.Enum("kind", Names(kTemplateKinds));
    auto overdue = q.Enum("overdue", {"true", "false"});
    LINLI_ASSIGN_OR_RETURN(auto period, ReadPeriod(q, offset));
    std::optional<std::string> format;
    if (paged) {
        ReadPage(q, query.cursor, query.limit);
    } else {
        format = q.Enum("format", {"xlsx", "csv"});
    }
    LINLI_TRY(q.Finish());
    if (status) {
        query.status = Lookup(kHazardStatuses, *status);
    }
    if (kind) {
        query.kind = Lookup(kTemplateKinds, *kind);
    }
    if (overdue) {
        query.overdue = *overdue == "true";
    }
    query.found_from = period.first;
    query.found_to = period.second;
    if (xlsx) {
        *xlsx = !format || *format == "xlsx";
    }
    return query;
}

Result<InspectionQuery> ReadInspectionQuery(const Request& req, int offset, bool paged, bool* xlsx) {
    http::QueryReader q(req);
    InspectionQuery query;
    query.node_id = q.Int("node_id", 1);
    query.venue_id = q.Int("venue_id", 1);
    auto target_kind = q.Enum("target_kind", Names(kTargetKinds));
    LINLI_ASSIGN_OR_RETURN(auto period, ReadPeriod(q, offset));
    std::optional<std::string> format;
    if (paged) {
        ReadPage(q, query.cursor, query.limit);
    } else {
        format = q.Enum("format", {"xlsx", "csv"});
    }
    LINLI_TRY(q.Finish());
    if (target_kind) {
        query.target_kind = Lookup(kTargetKinds, *target_kind);
    }
    query.from = period.first;
    query.to = period.second;
    if (xlsx) {
        *xlsx = !format || *format == "xlsx";
    }
    return query;
}

Result<LedgerQuery> ReadLedgerQuery(const Request& req, int offset, bool group, bool* xlsx) {
    http::QueryReader q(req);
    LedgerQuery query;
    query.node_id = q.Int("node_id", 1);
    std::optional<std::string> group_by;
    if (group) {
        group_by = q.Enum("group_by", Names(kLedgerGroups));
    }
    LINLI_ASSIGN_OR_RETURN(auto period, ReadPeriod(q, offset));
    std::optional<std::string> format;
    if (xlsx) {
        format = q.Enum("format", {"xlsx", "csv"});
    }
    LINLI_TRY(q.Finish());
    if (group_by) {
        query.group_by = *Lookup(kLedgerGroups, *group_by);
    }
    query.from = period.first;
    query.to = period.second;
    if (xlsx) {
        *xlsx = !format || *format == "xlsx";
    }
    return query;
}

Result<Response> Download(const ledger::Table& table, bool xlsx, const std::string& stem, const char* sheet) {
    Response r;
    if (xlsx) {
        LINLI_ASSIGN_OR_RETURN(r.body, ledger::WriteXlsx(table, sheet));
        r.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        r.AddHeader("Content-Disposition", "attachment; filename=\"" + stem + ".xlsx\"");
    } else {
        r.body = ledger::WriteCsv(table);
        r.content_type = "text/csv; charset=utf-8";
        r.AddHeader("Content-Disposition", "attachment; filename=\"" + stem + ".csv\"");
    }
    r.AddHeader("Cache-Control", "no-store");
    return r;
}

std::string Stem(const SafetyService& service, const char* what) {
    std::string date = FormatLocalDate(service.Now(), service.utc_offset());
    std::erase(date, '-');
    return std::string(what) + "-" + date;
}

}  // namespace

void RegisterRoutes(http::Router& router, SafetyService& service) {
    const std::string base = "/api/v1/safety";
    // Those who inspect and keep the ledgers; partner units only see and work the hazards sent to them.
    const auto staff =
        AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker});
    const auto with_partners = AccessRule::Roles(
        {Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker, Role::kPartnerUnit});
    const auto writers = AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff});
    const int offset = service.utc_offset();

    // ---- templates ----
    router.Add(
        Method::kGet, base + "/templates", staff,
        [&service](Request& req) -> Result<Response> {
            http::QueryReader q(req);
            auto kind = q.Enum("kind", Names(kTemplateKinds));
            auto all = q.Enum("include_inactive", {"true", "false"});
            LINLI_TRY(q.Finish());
            std::optional<TemplateKind> k;
            if (kind) {
                k = Lookup(kTemplateKinds, *kind);
            }
            LINLI_ASSIGN_OR_RETURN(auto list, service.ListTemplates(req.caller(), all && *all == "true", k));
            json::array items;
            for (const auto& t : list) {
                items.push_back(TemplateToJson(t));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "Inspection checklists: the shipped ones and those of the caller's communities");

    router.Add(
        Method::kPost, base + "/templates", writers,
        [&service, base](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto body, BodyObject(req));
            LINLI_ASSIGN_OR_RETURN(auto items, TakeObjects(body, "items", "items", kMaxTemplateItems));
            LINLI_ASSIGN_OR_RETURN(auto r, ReaderOf(body));
            NewTemplate in;
            in.community_id = r.Int("community_id", false, 1);
            in.code = r.String("code", true, {1, 40}).value_or("");
            auto kind = r.String("kind", false, {1, 30});
            in.category_code = r.String("category_code", false, {1, 40});
            in.name_zh = r.String("name_zh", true, {1, kMaxTemplateNameChars}).value_or("");
            in.name_en = r.String("name_en", false, {0, kMaxTemplateNameChars}).value_or("");
            in.based_on = r.Int("based_on", false, 1);
            in.note = r.String("note", false, {0, kMaxNoteChars, true}).value_or("");
            LINLI_TRY(r.Finish());
            if (kind) {
                LINLI_ASSIGN_OR_RETURN(in.kind, ParseName(kTemplateKinds, kind, "kind"));
            }
            if (items) {
                LINLI_ASSIGN_OR_RETURN(in.items, ReadTemplateItems(*items));
            }
            LINLI_ASSIGN_OR_RETURN(auto created, service.CreateTemplate(req.caller(), in, req.info()));
            auto response = http::JsonResponse(201, TemplateDetailToJson(created));
            response.AddHeader("Location", base + "/templates/" + std::to_string(created.tmpl.id));
            return response;
        },
        "Add a community's own checklist (or, for admins, a shipped one), possibly based on another");

    router.Add(
        Method::kGet, base + "/templates/{id}", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            http::QueryReader q(req);
            auto version = q.Int("version", 1, 1'000'000);
            LINLI_TRY(q.Finish());
            std::optional<int> v;
            if (version) {
                v = static_cast<int>(*version);
            }
            LINLI_ASSIGN_OR_RETURN(auto detail, service.GetTemplate(req.caller(), id, v));
            return http::JsonResponse(200, TemplateDetailToJson(detail));
        },
        "A checklist with the items of its current version (or of ?version=N)");

    router.Add(
        Method::kPatch, base + "/templates/{id}", writers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            TemplatePatch patch;
            patch.active = r.Bool("active", false);
            patch.category_code = r.String("category_code", false, {1, 40});
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(auto t, service.UpdateTemplate(req.caller(), id, patch, req.info()));
            return http::JsonResponse(200, TemplateToJson(t));
        },
        "Activate or retire a checklist, or change the order category of its hazards (no new version)");

    router.Add(
        Method::kGet, base + "/templates/{id}/versions", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto versions, service.ListTemplateVersions(req.caller(), id));
            return http::JsonResponse(200, VersionsToJson(versions));
        },
        "A checklist's versions, newest first");

    router.Add(
        Method::kPost, base + "/templates/{id}/versions", writers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto body, BodyObject(req));
            LINLI_ASSIGN_OR_RETURN(auto items, TakeObjects(body, "items", "items", kMaxTemplateItems));
            LINLI_ASSIGN_OR_RETURN(auto r, ReaderOf(body));
            NewTemplateVersion in;
            in.name_zh = r.String("name_zh", false, {1, kMaxTemplateNameChars});
            in.name_en = r.String("name_en", false, {0, kMaxTemplateNameChars});
            in.note = r.String("note", false, {0, kMaxNoteChars, true}).value_or("");
            LINLI_TRY(r.Finish());
            if (!items) {
                return InvalidArgument("items", "items (the whole new list) is required");
            }
            LINLI_ASSIGN_OR_RETURN(in.items, ReadTemplateItems(*items));
            LINLI_ASSIGN_OR_RETURN(auto detail, service.AddTemplateVersion(req.caller(), id, in, req.info()));
            return http::JsonResponse(201, TemplateDetailToJson(detail));
        },
        "Edit a checklist: a new version with the whole new list of items");

    // ---- venues ----
    router.Add(
        Method::kGet, base + "/venues", staff,
        [&service](Request& req) -> Result<Response> {
            http::QueryReader q(req);
            VenueQuery query;
            query.node_id = q.Int("node_id", 1);
            auto kind = q.Enum("kind", Names(kVenueKinds));
            query.q = q.String("q", {1, 100});
            auto active = q.Enum("active", {"true", "false"});
            ReadPage(q, query.cursor, query.limit);
            LINLI_TRY(q.Finish());
            if (kind) {
                query.kind = Lookup(kVenueKinds, *kind);
            }
            if (active) {
                query.active = *active == "true";
            }
            LINLI_ASSIGN_OR_RETURN(auto page, service.ListVenues(req.caller(), query));
            return http::JsonResponse(200, VenuePageToJson(page));
        },
        "Venues (\"三小\" places, small merchants) in scope; q: name or licence contains, or the owner's phone");

    router.Add(
        Method::kPost, base + "/venues", staff,
        [&service, base](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            NewVenue in;
            in.name = r.String("name", true, {1, kMaxVenueNameChars}).value_or("");
            auto kind = r.String("kind", true, {1, 20});
            in.owner_name = r.String("owner_name", false, {0, kMaxOwnerNameChars}).value_or("");
            in.owner_phone = r.String("owner_phone", false, {1, 40});
            in.licence_no = r.String("licence_no", false, {0, kMaxLicenceChars}).value_or("");
            in.address = r.String("address", false, {0, kMaxAddressChars}).value_or("");
            in.building_id = r.Int("building_id", false, 1);
            in.grid_id = r.Int("grid_id", false, 1);
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(in.kind, ParseName(kVenueKinds, kind, "kind"));
            LINLI_ASSIGN_OR_RETURN(auto venue, service.CreateVenue(req.caller(), in, req.info()));
            auto response = http::JsonResponse(201, VenueToJson(venue));
            response.AddHeader("Location", base + "/venues/" + std::to_string(venue.id));
            return response;
        },
        "Register a venue in a building (or a grid) in scope");

    router.Add(
        Method::kGet, base + "/venues/{id}", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto venue, service.GetVenue(req.caller(), id));
            return http::JsonResponse(200, VenueToJson(venue));
        },
        "A venue (the owner's phone masked)");

    router.Add(
        Method::kPatch, base + "/venues/{id}", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            VenuePatch patch;
            patch.name = r.String("name", false, {1, kMaxVenueNameChars});
            auto kind = r.String("kind", false, {1, 20});
            patch.owner_name = r.String("owner_name", false, {0, kMaxOwnerNameChars});
            if (r.IsNull("owner_phone")) {
                patch.owner_phone = std::optional<std::string>();
            } else if (auto phone = r.String("owner_phone", false, {1, 40})) {
                patch.owner_phone = phone;
            }
            patch.licence_no = r.String("licence_no", false, {0, kMaxLicenceChars});
            patch.address = r.String("address", false, {0, kMaxAddressChars});
            patch.active = r.Bool("active", false);
            LINLI_TRY(r.Finish());
            if (kind) {
                LINLI_ASSIGN_OR_RETURN(patch.kind, ParseName(kVenueKinds, kind, "kind"));
            }
            LINLI_ASSIGN_OR_RETURN(auto venue, service.UpdateVenue(req.caller(), id, patch, req.info()));
            return http::JsonResponse(200, VenueToJson(venue));
        },
        "Change a venue; \"owner_phone\": null clears the phone");

    router.Add(
        Method::kDelete, base + "/venues/{id}", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_TRY(service.DeleteVenue(req.caller(), id, req.info()));
            return http::NoContent();
        },
        "Remove a venue registered by mistake (409 once it has inspections: retire it instead)");

    router.Add(
        Method::kPost, base + "/venues/{id}/reveal", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            auto field = r.String("field", false, {1, 20});
            auto reason = r.String("reason", true, {1, 200}).value_or("");
            LINLI_TRY(r.Finish());
            if (field && *field != "owner_phone") {
                return InvalidArgument("field", "field must be owner_phone");
            }
            LINLI_ASSIGN_OR_RETURN(auto value, service.RevealVenuePhone(req.caller(), id, reason, req.info()));
            return http::JsonResponse(200, json::object{{"field", "owner_phone"}, {"value", value}});
        },
        "Reveal a venue owner's full phone, with a reason (audited)");

    router.Add(
        Method::kGet, base + "/venues/{id}/safety-record", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto record, service.GetSafetyRecord(req.caller(), TargetKind::kVenue, id));
            return http::JsonResponse(200, SafetyRecordToJson(record));
        },
        "A venue's safety record: inspections, open and closed hazards, last inspection date");

    router.Add(
        Method::kGet, base + "/buildings/{id}/safety-record", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto record, service.GetSafetyRecord(req.caller(), TargetKind::kBuilding, id));
            return http::JsonResponse(200, SafetyRecordToJson(record));
        },
        "A building's safety record (its own, its fire escapes' and its venues' inspections and hazards)");

    // ---- photos ----
    const std::string photos = base + "/photos";
    router.Add(
        Method::kPost, photos, with_partners,
        [&service, photos](Request& req) -> Result<Response> {
            const std::string_view content_type = req.Header("content-type").value_or("");
            std::string_view bytes = req.body;
            LINLI_TRY(http::QueryReader(req).Finish());
            if (orders::IsMultipartFormData(content_type)) {
                LINLI_ASSIGN_OR_RETURN(auto parts, orders::ParseMultipartFormData(content_type, req.body, 2));
                bool found = false;
                for (const auto& p : parts) {
                    if (p.name != "file" || !p.filename) {
                        return InvalidArgument(p.name, "send the photo as the file field \"file\" and nothing else");
                    }
                    bytes = p.data;
                    found = true;
                }
                if (!found) {
                    return InvalidArgument("file", "the form has no field \"file\"");
                }
            }
            LINLI_ASSIGN_OR_RETURN(auto added, service.AddPhoto(req.caller(), bytes, req.info()));
            auto response = http::JsonResponse(added.second ? 201 : 200, PhotoToJson(added.first));
            response.AddHeader("Location", photos + "/" + std::to_string(added.first.id));
            return response;
        },
        "Upload an inspection photo (JPEG, PNG, WebP, HEIC by content); the same bytes again answer 200");
    router.SetBodyLimit(Method::kPost, photos,
                        static_cast<size_t>(service.options().max_photo_bytes) + kFormOverheadBytes);

    router.Add(
        Method::kGet, photos + "/{id}", with_partners,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto file, service.GetPhoto(req.caller(), id));
            Response r;
            r.content_type = file.meta.content_type;
            r.body = std::move(file.bytes);
            r.AddHeader("X-Content-Type-Options", "nosniff");
            r.AddHeader("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox");
            r.AddHeader("Cache-Control", "private, no-store");
            r.AddHeader("ETag", "\"" + file.meta.sha256 + "\"");
            return r;
        },
        "An inspection photo (the uploader's, or one a visible record refers to)");

    // ---- inspections ----
    router.Add(
        Method::kPost, base + "/inspections", staff,
        [&service, base](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto input, ReadInspection(req));
            LINLI_ASSIGN_OR_RETURN(auto outcome, service.RecordInspection(req.caller(), input, req.info()));
            json::value body = InspectionDetailToJson(outcome.detail);
            body.as_object()["replayed"] = outcome.replayed;
            auto response = http::JsonResponse(outcome.replayed ? 200 : 201, body);
            response.AddHeader("Location", base + "/inspections/" + std::to_string(outcome.detail.inspection.id));
            return response;
        },
        "Record a whole inspection at once (idempotent by client_id); each failed item opens a hazard order");

    router.Add(
        Method::kGet, base + "/inspections", staff,
        [&service, offset](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadInspectionQuery(req, offset, true, nullptr));
            LINLI_ASSIGN_OR_RETURN(auto page, service.ListInspections(req.caller(), query));
            return http::JsonResponse(200, InspectionPageToJson(page));
        },
        "The inspection history in scope, newest first");

    router.Add(
        Method::kGet, base + "/inspections/export", staff,
        [&service, offset](Request& req) -> Result<Response> {
            bool xlsx = true;
            LINLI_ASSIGN_OR_RETURN(auto query, ReadInspectionQuery(req, offset, false, &xlsx));
            LINLI_ASSIGN_OR_RETURN(auto table, service.ExportInspections(req.caller(), query, req.info()));
            return Download(table, xlsx, Stem(service, "safety-inspections"), "检查记录");
        },
        "The inspection history as XLSX or CSV (Chinese headers)");

    router.Add(
        Method::kGet, base + "/inspections/{id}", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto detail, service.GetInspection(req.caller(), id));
            return http::JsonResponse(200, InspectionDetailToJson(detail));
        },
        "An inspection with its answers (the items as in the version it was made against) and hazards");

    // ---- hazards ----
    router.Add(
        Method::kGet, base + "/hazards", with_partners,
        [&service, offset](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadHazardQuery(req, offset, true, nullptr));
            LINLI_ASSIGN_OR_RETURN(auto page, service.ListHazards(req.caller(), query));
            return http::JsonResponse(200, HazardPageToJson(page));
        },
        "Hazards in scope (partner units: those sent to them), newest first");

    router.Add(
        Method::kGet, base + "/hazards/export", staff,
        [&service, offset](Request& req) -> Result<Response> {
            bool xlsx = true;
            LINLI_ASSIGN_OR_RETURN(auto query, ReadHazardQuery(req, offset, false, &xlsx));
            LINLI_ASSIGN_OR_RETURN(auto table, service.ExportHazards(req.caller(), query, req.info()));
            return Download(table, xlsx, Stem(service, "safety-hazards"), "隐患台账");
        },
        "The hazard ledger (隐患台账), one row per hazard, as XLSX or CSV (Chinese headers; audited)");

    router.Add(
        Method::kGet, base + "/hazards/{id}", with_partners,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto detail, service.GetHazard(req.caller(), id));
            return http::JsonResponse(200, HazardToJson(detail, true));
        },
        "A hazard with its work order, rectifications and re-inspections");

    router.Add(
        Method::kPost, base + "/hazards/{id}/rectification", with_partners,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            NewRectification in;
            in.note = r.String("note", true, {1, kMaxNoteChars, true}).value_or("");
            in.photo_ids = r.IntArray("photo_ids", false, kMaxPhotosPerRecord).value_or(std::vector<int64_t>{});
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(auto detail, service.Rectify(req.caller(), id, in, req.info()));
            return http::JsonResponse(200, HazardToJson(detail, true));
        },
        "整改: the hazard order's handler records the rectification (resolves the order)");

    router.Add(
        Method::kPost, base + "/hazards/{id}/reinspections", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            auto result = r.String("result", true, {1, 10});
            NewReinspection in;
            in.note = r.String("note", false, {0, kMaxNoteChars, true}).value_or("");
            in.photo_ids = r.IntArray("photo_ids", true, kMaxPhotosPerRecord).value_or(std::vector<int64_t>{});
            LINLI_TRY(r.Finish());
            if (*result != "pass" && *result != "fail") {
                return InvalidArgument("result", "result must be pass or fail");
            }
            in.passed = *result == "pass";
            LINLI_ASSIGN_OR_RETURN(auto detail, service.Reinspect(req.caller(), id, in, req.info()));
            return http::JsonResponse(201, HazardToJson(detail, true));
        },
        "复查: a re-inspection by someone other than the rectifier; pass closes the hazard order");

    // ---- ledgers and figures ----
    router.Add(
        Method::kGet, base + "/ledger", staff,
        [&service, offset](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadLedgerQuery(req, offset, true, nullptr));
            LINLI_ASSIGN_OR_RETURN(auto ledger, service.GetLedger(req.caller(), query));
            return http::JsonResponse(200, LedgerToJson(ledger));
        },
        "The hazard ledger (隐患台账) per community, grid, building, venue or kind: found, rectified, overdue");

    router.Add(
        Method::kGet, base + "/ledger/export", staff,
        [&service, offset](Request& req) -> Result<Response> {
            bool xlsx = true;
            LINLI_ASSIGN_OR_RETURN(auto query, ReadLedgerQuery(req, offset, true, &xlsx));
            LINLI_ASSIGN_OR_RETURN(auto ledger, service.GetLedger(req.caller(), query));
            LINLI_ASSIGN_OR_RETURN(auto table, service.LedgerTable(ledger));
            return Download(table, xlsx, Stem(service, "safety-ledger"), "隐患统计");
        },
        "The hazard ledger's counts as XLSX or CSV (Chinese headers)");

    router.Add(
        Method::kGet, base + "/figures", staff,
        [&service, offset](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadLedgerQuery(req, offset, false, nullptr));
            LINLI_ASSIGN_OR_RETURN(auto figures, service.GetFigures(req.caller(), query));
            return http::JsonResponse(200, FiguresToJson(figures));
        },
        "Hazards found and rectified by kind and by grid, and inspections made");
}

}  // namespace linli::safety
