#include "modules/registry/routes.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "http/json_io.hpp"
#include "modules/registry/json.hpp"

namespace linli::registry {

namespace {

using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

constexpr std::string_view kBase = "/api/v1/territory/nodes";
constexpr size_t kMaxCursorChars = 1024;

const std::vector<std::string_view>& KindNames() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> v;
        for (const auto& [kind, name] : kNodeKinds) {
            v.push_back(name);
        }
        return v;
    }();
    return names;
}

const std::vector<std::string_view>& SortNames() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> v;
        for (const auto& [sort, name] : kNodeSorts) {
            v.push_back(name);
        }
        return v;
    }();
    return names;
}

std::string KindList() {
    std::string list;
    for (std::string_view name : KindNames()) {
        if (!list.empty()) {
            list += ", ";
        }
        list += name;
    }
    return list;
}

/// The list and count filters. A list without parent_id, kind or q asks for the roots (the tree
/// browser's first level); a count without parent_id counts the whole territory the caller may see.
Result<NodeQuery> ReadNodeQuery(const Request& req, bool paging) {
    http::QueryReader reader(req);
    NodeQuery query;
    query.parent_id = reader.Int("parent_id", 1);
    if (auto kind = reader.Enum("kind", KindNames())) {
        query.kind = ParseNodeKind(*kind);
    }
    query.q = reader.String("q", {0, kMaxNodeNameChars});
    if (query.q && query.q->empty()) {
        query.q.reset();
    }
    if (paging) {
        if (auto sort = reader.Enum("sort", SortNames())) {
            query.sort = *ParseNodeSort(*sort);
        }
        query.cursor = reader.String("cursor", {1, kMaxCursorChars});
        if (auto limit = reader.Int("limit", 1, kMaxPageSize)) {
            query.limit = static_cast<int>(*limit);
        }
    }
    LINLI_TRY(reader.Finish());
    query.roots_only = paging && !query.parent_id && !query.kind && !query.q;
    return query;
}

Result<NewNode> ReadNewNode(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto reader, http::JsonObjectReader::FromRequest(req));
    NewNode node;
    node.parent_id = reader.Int("parent_id", false, 1);
    auto kind = reader.String("kind", true, {1, 20});
    node.name = reader.String("name", true, {1, kMaxNodeNameChars}).value_or("");
    node.code = reader.String("code", false, {1, kMaxNodeCodeChars});
    LINLI_TRY(reader.Finish());
    auto parsed = ParseNodeKind(kind.value_or(""));
    if (!parsed) {
        return InvalidArgument("kind", "must be one of: " + KindList());
    }
    node.kind = *parsed;
    return node;
}

Result<NodePatch> ReadPatch(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto reader, http::JsonObjectReader::FromRequest(req));
    NodePatch patch;
    patch.name = reader.String("name", false, {1, kMaxNodeNameChars});
    if (reader.IsNull("code")) {
        patch.code = std::optional<std::string>();
    } else if (auto code = reader.String("code", false, {1, kMaxNodeCodeChars})) {
        patch.code = std::move(code);
    }
    LINLI_TRY(reader.Finish());
    return patch;
}

}  // namespace

void RegisterRoutes(http::Router& router, RegistryService& service) {
    const std::string base(kBase);
    const auto editors =
        AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker});

    router.Add(
        Method::kGet, base, AccessRule::AnyUser(),
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadNodeQuery(req, true));
            LINLI_ASSIGN_OR_RETURN(auto page, service.List(req.caller(), query));
            return http::JsonResponse(200, NodePageToJson(page));
        },
        "List territory nodes: children, a search, or the roots the caller may see");

    // Registered before {id}; the router also prefers the literal segment.
    router.Add(
        Method::kGet, base + "/count", AccessRule::AnyUser(),
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadNodeQuery(req, false));
            LINLI_ASSIGN_OR_RETURN(auto count, service.Count(req.caller(), query));
            return http::JsonResponse(200, boost::json::object{{"count", count}});
        },
        "Count territory nodes with the list's filters");

    router.Add(
        Method::kGet, base + "/{id}", AccessRule::AnyUser(),
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto node, service.Get(req.caller(), id));
            return http::JsonResponse(200, NodeToJson(node));
        },
        "Get a territory node");

    router.Add(
        Method::kGet, base + "/{id}/ancestors", AccessRule::AnyUser(),
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto nodes, service.Ancestors(req.caller(), id));
            return http::JsonResponse(200, NodeListToJson(nodes));
        },
        "Breadcrumbs: the visible ancestors of a node, root first, ending with the node");

    router.Add(
        Method::kPost, base, editors,
        [&service, base](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto input, ReadNewNode(req));
            LINLI_ASSIGN_OR_RETURN(auto node, service.Create(req.caller(), input, req.info()));
            auto response = http::JsonResponse(201, NodeToJson(node));
            response.AddHeader("Location", base + "/" + std::to_string(node.id));
            return response;
        },
        "Create a territory node");

    router.Add(
        Method::kPatch, base + "/{id}", editors,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto patch, ReadPatch(req));
            LINLI_ASSIGN_OR_RETURN(auto node, service.Update(req.caller(), id, patch, req.info()));
            return http::JsonResponse(200, NodeToJson(node));
        },
        "Rename a territory node or set its code");

    router.Add(
        // Grid workers pass the router so that a node outside their scope is a 404 like for everyone;
        // the service answers 403 for one inside it.
        Method::kDelete, base + "/{id}", editors,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_TRY(service.Delete(req.caller(), id, req.info()));
            return http::NoContent();
        },
        "Delete a territory node that has no children");
}

}  // namespace linli::registry
