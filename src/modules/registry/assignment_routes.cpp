#include "modules/registry/assignment_routes.hpp"

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "http/json_io.hpp"

namespace linli::registry {

namespace {

namespace json = boost::json;
using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

const std::vector<std::string_view> kRoleNames{"grid_worker", "building_head", "link_leader"};

json::value ToJson(const Assignment& a) {
    return json::object{{"id", a.id},
                        {"role", CareRoleName(a.role)},
                        {"user_id", a.user_id},
                        {"username", a.username},
                        {"display_name", a.display_name},
                        {"node_id", a.node_id},
                        {"node_name", a.node_name},
                        {"started_at", a.started_at},
                        {"ended_at", a.ended_at ? json::value(*a.ended_at) : json::value(nullptr)},
                        {"active", !a.ended_at.has_value()}};
}

json::object ToJson(const CoverageRow& r) {
    return json::object{
        {"grid_id", r.grid_id},           {"grid_name", r.grid_name},
        {"grid_workers", r.grid_workers}, {"has_grid_worker", r.has_grid_worker},
        {"buildings", r.buildings},       {"buildings_without_head", r.buildings_without_head},
        {"households", r.households},     {"households_without_link_leader", r.households_without_link_leader},
        {"residents", r.residents},       {"covered_share", r.covered_share}};
}

Result<int64_t> NodeIdParam(http::QueryReader& reader) {
    auto id = reader.Int("node_id", 1);
    if (!id) {
        LINLI_TRY(reader.Finish());  // a malformed value names itself
        return InvalidArgument("node_id", "node_id is required");
    }
    return *id;
}

}  // namespace

void RegisterAssignmentRoutes(http::Router& router, AssignmentService& service) {
    // Grid workers, building heads and link leaders read within scope; the service answers 404 outside
    // it and 403 for writes by a role that may only read.
    const auto readers = AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff,
                                            Role::kGridWorker, Role::kBuildingHead, Role::kLinkLeader});
    const std::string base = "/api/v1/assignments";

    router.Add(
        Method::kPost, base, readers,
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            NewAssignment in;
            auto role = r.String("role", true, {1, 40});
            in.user_id = r.Int("user_id", true, 1).value_or(0);
            in.node_ids = r.IntArray("node_ids", true, kMaxAssignNodes).value_or(std::vector<int64_t>{});
            in.started_at = r.Int("started_at", false, 1);
            LINLI_TRY(r.Finish());
            auto parsed = ParseCareRole(role.value_or(""));
            if (!parsed) {
                return InvalidArgument("role", "must be one of: grid_worker, building_head, link_leader");
            }
            in.role = *parsed;
            LINLI_ASSIGN_OR_RETURN(auto list, service.Assign(req.caller(), in, req.info()));
            json::array items;
            for (const auto& a : list) {
                items.push_back(ToJson(a));
            }
            return http::JsonResponse(201, json::object{{"items", std::move(items)}});
        },
        "Assign a grid worker, building head or link leader to nodes");

    router.Add(
        Method::kGet, base, readers,
        [&service](Request& req) -> Result<Response> {
            http::QueryReader reader(req);
            AssignmentQuery q;
            q.node_id = reader.Int("node_id", 1);
            q.user_id = reader.Int("user_id", 1);
            if (auto role = reader.Enum("role", kRoleNames)) {
                q.role = ParseCareRole(*role);
            }
            if (auto active = reader.Enum("active_only", {"true", "false"})) {
                q.active_only = *active == "true";
            }
            if (auto cursor = reader.Int("cursor", 0)) {
                q.after_id = *cursor;
            }
            if (auto limit = reader.Int("limit", 1, kMaxPageSize)) {
                q.limit = static_cast<int>(*limit);
            }
            LINLI_TRY(reader.Finish());
            LINLI_ASSIGN_OR_RETURN(auto page, service.List(req.caller(), q));
            json::array items;
            for (const auto& a : page.items) {
                items.push_back(ToJson(a));
            }
            return http::JsonResponse(
                200, json::object{
                         {"items", std::move(items)},
                         {"next_cursor", page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr)}});
        },
        "List assignments in scope");

    router.Add(
        Method::kPost, base + "/{id}/end", readers,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto a, service.End(req.caller(), id, req.info()));
            return http::JsonResponse(200, ToJson(a));
        },
        "End an assignment (kept as history)");

    router.Add(
        Method::kGet, "/api/v1/coverage", readers,
        [&service](Request& req) -> Result<Response> {
            http::QueryReader reader(req);
            LINLI_ASSIGN_OR_RETURN(auto node_id, NodeIdParam(reader));
            LINLI_TRY(reader.Finish());
            LINLI_ASSIGN_OR_RETURN(auto c, service.GetCoverage(req.caller(), node_id));
            json::array grids;
            for (const auto& g : c.grids) {
                grids.push_back(ToJson(g));
            }
            auto totals = ToJson(c.totals);
            totals.erase("grid_id");
            totals.erase("grid_name");
            totals.erase("has_grid_worker");
            totals["grids"] = static_cast<int64_t>(c.grids.size());
            totals["grids_without_worker"] = c.grids_without_worker;
            return http::JsonResponse(200, json::object{{"node_id", c.node_id},
                                                        {"node_name", c.node_name},
                                                        {"node_kind", NodeKindName(c.node_kind)},
                                                        {"grids", std::move(grids)},
                                                        {"totals", std::move(totals)}});
        },
        "Coverage of grids, buildings and households by carers");

    router.Add(
        Method::kGet, "/api/v1/coverage/export", readers,
        [&service](Request& req) -> Result<Response> {
            http::QueryReader reader(req);
            LINLI_ASSIGN_OR_RETURN(auto node_id, NodeIdParam(reader));
            auto format = reader.Enum("format", {"csv", "xlsx"}).value_or("csv");
            LINLI_TRY(reader.Finish());
            LINLI_ASSIGN_OR_RETURN(auto bytes, service.ExportCoverage(req.caller(), node_id, format, req.info()));
            Response r;
            r.content_type = format == "xlsx" ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                              : "text/csv; charset=utf-8";
            r.body = std::move(bytes);
            r.AddHeader("Content-Disposition",
                        "attachment; filename=\"coverage-" + std::to_string(node_id) + "." + format + "\"");
            r.AddHeader("Cache-Control", "no-store");
            return r;
        },
        "Export the coverage ledger as CSV or XLSX (audited)");
}

}  // namespace linli::registry
