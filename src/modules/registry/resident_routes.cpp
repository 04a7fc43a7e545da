#include "modules/registry/resident_routes.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/json_io.hpp"
#include "modules/registry/resident_json.hpp"

namespace linli::registry {

namespace {

namespace json = boost::json;
using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

constexpr size_t kMaxCursorChars = 1024;
constexpr size_t kMaxTags = 30;

template <class E, size_t N>
std::optional<E> ReadEnum(http::JsonObjectReader& reader, const NameTable<E, N>& table, std::string_view key,
                          bool required, Error* error) {
    auto text = reader.String(key, required, {1, 40});
    if (!text) {
        return std::nullopt;
    }
    auto v = Lookup(table, *text);
    if (!v && error->message.empty()) {
        *error = InvalidArgument(std::string(key), "must be one of: " + NameList(table));
    }
    return v;
}

Error BadTags(const std::string& message) { return InvalidArgument("tags", message); }

/// "tags": [ "code" | {"tag": "code", "detail": "..."|null} ] — strict like every other field.
Result<std::vector<TagInput>> ParseTags(const json::value& v) {
    if (!v.is_array()) {
        return BadTags("must be an array of tags");
    }
    const auto& arr = v.as_array();
    if (arr.size() > kMaxTags) {
        return BadTags("at most " + std::to_string(kMaxTags) + " tags");
    }
    std::vector<TagInput> tags;
    for (const auto& item : arr) {
        if (item.is_string()) {
            tags.push_back(TagInput{std::string(item.as_string()), std::nullopt});
            continue;
        }
        if (!item.is_object()) {
            return BadTags("each tag is a code or {\"tag\",\"detail\"}");
        }
        TagInput tag;
        bool has_tag = false;
        for (const auto& [key, value] : item.as_object()) {
            if (key == "tag" && value.is_string()) {
                tag.tag = std::string(value.as_string());
                has_tag = true;
            } else if (key == "detail" && value.is_string()) {
                tag.detail = std::string(value.as_string());
            } else if (key == "detail" && value.is_null()) {
            } else {
                return BadTags("unexpected \"" + std::string(key) + "\" in a tag; a tag has \"tag\" and \"detail\"");
            }
        }
        if (!has_tag || tag.tag.empty() || tag.tag.size() > 64) {
            return BadTags("each tag needs a \"tag\" code");
        }
        tags.push_back(std::move(tag));
    }
    return tags;
}

/// The body's reader with "tags" taken out and parsed (the generic reader has no arrays of objects).
struct BodyWithTags {
    http::JsonObjectReader reader;
    std::optional<std::vector<TagInput>> tags;
};

Result<BodyWithTags> ReadBodyWithTags(const Request& req) {
    LINLI_TRY(http::JsonObjectReader::FromRequest(req));  // content type, syntax, an object
    auto obj = json::parse(req.body).as_object();
    std::optional<std::vector<TagInput>> tags;
    if (auto it = obj.find("tags"); it != obj.end()) {
        LINLI_ASSIGN_OR_RETURN(tags, ParseTags(it->value()));
        obj.erase(it);
    }
    LINLI_ASSIGN_OR_RETURN(auto reader, http::JsonObjectReader::FromText(json::serialize(obj)));
    return BodyWithTags{std::move(reader), std::move(tags)};
}

Result<NewResident> ReadNewResident(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto body, ReadBodyWithTags(req));
    auto& r = body.reader;
    Error error;
    NewResident in;
    in.name = r.String("name", true, {1, 100}).value_or("");
    in.id_number = r.String("id_number", true, {1, 40}).value_or("");
    in.phone = r.String("phone", false, {1, 40});
    if (auto hukou = ReadEnum(r, kHukous, "hukou", false, &error)) {
        in.hukou = *hukou;
    }
    in.household_id = r.Int("household_id", false, 1);
    in.relation = ReadEnum(r, kRelations, "relation", false, &error);
    in.moved_in = r.String("moved_in", false, {1, 10});
    in.note = r.String("note", false, {0, 500, true}).value_or("");
    LINLI_TRY(r.Finish());
    if (!error.message.empty()) {
        return error;
    }
    in.tags = body.tags.value_or(std::vector<TagInput>{});
    return in;
}

Result<ResidentPatch> ReadResidentPatch(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto body, ReadBodyWithTags(req));
    auto& r = body.reader;
    Error error;
    ResidentPatch patch;
    patch.name = r.String("name", false, {1, 100});
    if (r.IsNull("phone")) {
        patch.phone = std::optional<std::string>();
    } else if (auto phone = r.String("phone", false, {1, 40})) {
        patch.phone = std::move(phone);
    }
    patch.hukou = ReadEnum(r, kHukous, "hukou", false, &error);
    patch.note = r.String("note", false, {0, 500, true});
    LINLI_TRY(r.Finish());
    if (!error.message.empty()) {
        return error;
    }
    patch.tags = std::move(body.tags);
    return patch;
}

Result<MoveRequest> ReadMove(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
    Error error;
    MoveRequest move;
    if (!r.IsNull("household_id")) {
        move.household_id = r.Int("household_id", false, 1);
    }
    move.relation = ReadEnum(r, kRelations, "relation", false, &error);
    move.date = r.String("date", false, {1, 10});
    LINLI_TRY(r.Finish());
    if (!error.message.empty()) {
        return error;
    }
    return move;
}

/// Filters of the list and the count. Exactly one of the node parameters narrows to a subtree.
Result<ResidentQuery> ReadResidentQuery(const Request& req, bool paging) {
    http::QueryReader reader(req);
    ResidentQuery q;
    struct NodeParam {
        std::string_view name;
        std::optional<std::string> kind;
    };
    const NodeParam node_params[] = {{"node_id", std::nullopt},
                                     {"community_id", "community"},
                                     {"grid_id", "grid"},
                                     {"building_id", "building"},
                                     {"unit_id", "unit"},
                                     {"household_id", "household"}};
    for (const auto& p : node_params) {
        if (auto id = reader.Int(p.name, 1)) {
            if (q.under_node_id) {
                return InvalidArgument(std::string(p.name), "give at most one of node_id, community_id, grid_id, "
                                                            "building_id, unit_id, household_id");
            }
            q.under_node_id = *id;
            q.under_kind = p.kind;
            q.under_field = std::string(p.name);
        }
    }
    q.q = reader.String("q", {0, 50});
    if (q.q && q.q->empty()) {
        q.q.reset();
    }
    q.tag = reader.String("tag", {1, 64});
    q.without_tag = reader.String("without_tag", {1, 64});
    if (auto hukou = reader.Enum("hukou", Names(kHukous))) {
        q.hukou = Lookup(kHukous, *hukou);
    }
    q.id_number = reader.String("id_number", {1, 40});
    q.id_last4 = reader.String("id_last4", {1, 8});
    q.phone = reader.String("phone", {1, 40});
    if (paging) {
        if (auto sort = reader.Enum("sort", Names(kResidentSorts))) {
            q.sort = *Lookup(kResidentSorts, *sort);
        }
        q.cursor = reader.String("cursor", {1, kMaxCursorChars});
        if (auto limit = reader.Int("limit", 1, kMaxPageSize)) {
            q.limit = static_cast<int>(*limit);
        }
    }
    LINLI_TRY(reader.Finish());
    return q;
}

Result<NewHousehold> ReadNewHousehold(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
    Error error;
    NewHousehold in;
    in.unit_id = r.Int("unit_id", true, 1).value_or(0);
    in.room = r.String("room", true, {1, kMaxNodeNameChars}).value_or("");
    if (auto tenure = ReadEnum(r, kTenures, "tenure", true, &error)) {
        in.tenure = *tenure;
    }
    LINLI_TRY(r.Finish());
    if (!error.message.empty()) {
        return error;
    }
    return in;
}

Result<HouseholdPatch> ReadHouseholdPatch(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
    Error error;
    HouseholdPatch patch;
    patch.tenure = ReadEnum(r, kTenures, "tenure", false, &error);
    LINLI_TRY(r.Finish());
    if (!error.message.empty()) {
        return error;
    }
    return patch;
}

Result<BuildingDetailsInput> ReadBuildingDetails(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
    Error error;
    BuildingDetailsInput in;
    if (auto kind = ReadEnum(r, kBuildingKinds, "kind", true, &error)) {
        in.kind = *kind;
    }
    in.address = r.String("address", false, {0, 200}).value_or("");
    if (auto floors = r.Int("floors", false, 1, 300)) {
        in.floors = static_cast<int>(*floors);
    }
    if (auto units = r.Int("unit_count", false, 1, 1000)) {
        in.unit_count = static_cast<int>(*units);
    }
    LINLI_TRY(r.Finish());
    if (!error.message.empty()) {
        return error;
    }
    return in;
}

}  // namespace

void RegisterResidentRoutes(http::Router& router, ResidentService& service) {
    const auto readers = AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff,
                                            Role::kGridWorker, Role::kBuildingHead, Role::kLinkLeader});
    const auto writers =
        AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker});
    const std::string residents = "/api/v1/residents";
    const std::string households = "/api/v1/households";

    router.Add(
        Method::kPost, residents, writers,
        [&service, residents](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto input, ReadNewResident(req));
            LINLI_ASSIGN_OR_RETURN(auto resident, service.CreateResident(req.caller(), input, req.info()));
            auto response = http::JsonResponse(201, ResidentToJson(resident, true));
            response.AddHeader("Location", residents + "/" + std::to_string(resident.id));
            return response;
        },
        "Register a resident");

    router.Add(
        Method::kGet, residents, readers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadResidentQuery(req, true));
            LINLI_ASSIGN_OR_RETURN(auto page, service.ListResidents(req.caller(), query));
            return http::JsonResponse(200, ResidentPageToJson(page));
        },
        "List and search residents in scope");

    router.Add(
        Method::kGet, residents + "/count", readers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadResidentQuery(req, false));
            LINLI_ASSIGN_OR_RETURN(auto count, service.CountResidents(req.caller(), query));
            return http::JsonResponse(200, json::object{{"count", count}});
        },
        "Count residents with the list's filters");

    router.Add(
        Method::kGet, residents + "/{id}", readers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto resident, service.GetResident(req.caller(), id));
            return http::JsonResponse(200, ResidentToJson(resident, true));
        },
        "Get a resident with their residence history");

    router.Add(
        Method::kPatch, residents + "/{id}", writers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto patch, ReadResidentPatch(req));
            LINLI_ASSIGN_OR_RETURN(auto resident, service.UpdateResident(req.caller(), id, patch, req.info()));
            return http::JsonResponse(200, ResidentToJson(resident, true));
        },
        "Update a resident's name, phone, hukou, note or tags");

    router.Add(
        Method::kPost, residents + "/{id}/move", writers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto move, ReadMove(req));
            LINLI_ASSIGN_OR_RETURN(auto resident, service.MoveResident(req.caller(), id, move, req.info()));
            return http::JsonResponse(200, ResidentToJson(resident, true));
        },
        "Move a resident to another household or out of the city");

    router.Add(
        Method::kPost, residents + "/{id}/reveal", writers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            auto field = r.String("field", true, {1, 20});
            auto reason = r.String("reason", true, {0, 200});
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(auto value,
                                   service.Reveal(req.caller(), id, field.value_or(""), reason.value_or(""), req.info()));
            auto response = http::JsonResponse(200, json::object{{"field", *field}, {"value", value}});
            response.AddHeader("Cache-Control", "no-store");
            return response;
        },
        "Reveal one field of a resident in full, with a reason (audited)");

    router.Add(
        Method::kPost, households, writers,
        [&service, households](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto input, ReadNewHousehold(req));
            LINLI_ASSIGN_OR_RETURN(auto household, service.CreateHousehold(req.caller(), input, req.info()));
            auto response = http::JsonResponse(201, HouseholdToJson(household));
            response.AddHeader("Location", households + "/" + std::to_string(household.id));
            return response;
        },
        "Create a household in a unit");

    router.Add(
        Method::kGet, households + "/{id}", readers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto household, service.GetHousehold(req.caller(), id));
            return http::JsonResponse(200, HouseholdToJson(household));
        },
        "Get a household with its tenure and members");

    router.Add(
        Method::kPatch, households + "/{id}", writers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto patch, ReadHouseholdPatch(req));
            LINLI_ASSIGN_OR_RETURN(auto household, service.UpdateHousehold(req.caller(), id, patch, req.info()));
            return http::JsonResponse(200, HouseholdToJson(household));
        },
        "Change a household's tenure");

    router.Add(
        Method::kGet, "/api/v1/buildings/{id}/details", readers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto details, service.GetBuildingDetails(req.caller(), id));
            return http::JsonResponse(200, BuildingDetailsToJson(details));
        },
        "Get a building's kind, address, floors and units");

    router.Add(
        Method::kPut, "/api/v1/buildings/{id}/details", writers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto input, ReadBuildingDetails(req));
            LINLI_ASSIGN_OR_RETURN(auto details, service.SetBuildingDetails(req.caller(), id, input, req.info()));
            return http::JsonResponse(200, BuildingDetailsToJson(details));
        },
        "Set a building's kind, address, floors and units");

    router.Add(
        Method::kGet, "/api/v1/tags", readers,
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto tags, service.ListTags(req.caller()));
            return http::JsonResponse(200, TagsToJson(tags));
        },
        "Care tags: built-in (stored and computed) and the caller's communities' own");
}

}  // namespace linli::registry
