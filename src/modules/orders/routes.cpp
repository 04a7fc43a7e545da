#include "modules/orders/routes.hpp"

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "http/json_io.hpp"
#include "modules/orders/json.hpp"
#include "modules/orders/similar_routes.hpp"

namespace linli::orders {

namespace {

namespace json = boost::json;
using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

constexpr size_t kMaxCursorChars = 1024;

/// A JSON body, or {} when the body is empty (steps whose fields are all optional).
Result<http::JsonObjectReader> BodyOrEmpty(const Request& req) {
    if (req.body.empty()) {
        return http::JsonObjectReader::FromText("{}");
    }
    return http::JsonObjectReader::FromRequest(req);
}

Result<NewOrder> ReadNewOrder(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
    NewOrder in;
    auto kind = r.String("kind", true, {1, 20});
    in.category_id = r.Int("category_id", true, 1).value_or(0);
    in.title = r.String("title", true, {1, kMaxTitleChars}).value_or("");
    in.description = r.String("description", false, {0, kMaxDescriptionChars, true}).value_or("");
    in.place_id = r.Int("place_id", false, 1);
    in.resident_id = r.Int("resident_id", false, 1);
    in.reporter_name = r.String("reporter_name", false, {0, kMaxReporterNameChars});
    in.reporter_phone = r.String("reporter_phone", false, {1, 40});
    auto channel = r.String("channel", true, {1, 20});
    in.address = r.String("address", false, {0, kMaxAddressChars});
    in.auto_dispatch = r.Bool("auto_dispatch", false).value_or(true);
    LINLI_TRY(r.Finish());
    LINLI_ASSIGN_OR_RETURN(in.kind, ParseName(kOrderKinds, kind, "kind"));
    LINLI_ASSIGN_OR_RETURN(in.channel, ParseName(kChannels, channel, "channel"));
    return in;
}

Result<OrderQuery> ReadOrderQuery(const Request& req) {
    http::QueryReader q(req);
    OrderQuery query;
    auto state = q.Enum("state", Names(kOrderStates));
    auto kind = q.Enum("kind", Names(kOrderKinds));
    query.category_id = q.Int("category_id", 1);
    query.node_id = q.Int("node_id", 1);
    query.handler_user_id = q.Int("handler_user_id", 1);
    query.handler_unit_id = q.Int("handler_unit_id", 1);
    auto overdue = q.Enum("overdue", {"true", "false"});
    query.cursor = q.String("cursor", {1, kMaxCursorChars});
    if (auto limit = q.Int("limit", 1, kMaxPageSize)) {
        query.limit = static_cast<int>(*limit);
    }
    LINLI_TRY(q.Finish());
    if (state) {
        query.state = Lookup(kOrderStates, *state);
    }
    if (kind) {
        query.kind = Lookup(kOrderKinds, *kind);
    }
    if (overdue) {
        query.overdue = *overdue == "true";
    }
    return query;
}

/// The body of one step: only the fields that step takes (others are 400 naming them).
Result<ActionInput> ReadAction(const Request& req, OrderAction action) {
    LINLI_ASSIGN_OR_RETURN(auto r, BodyOrEmpty(req));
    ActionInput in;
    const http::StringRule note_rule{0, kMaxNoteChars, true};
    switch (action) {
        case OrderAction::kReply:
            in.note = r.String("text", true, {1, kMaxReplyChars, true}).value_or("");
            break;
        case OrderAction::kReject:
        case OrderAction::kReturn:
        case OrderAction::kEscalate:
        case OrderAction::kReopen:
            in.note = r.String("reason", true, {1, kMaxNoteChars, true}).value_or("");
            if (action != OrderAction::kReject && action != OrderAction::kReturn) {
                in.note_public = r.Bool("note_public", false).value_or(false);
            }
            break;
        case OrderAction::kSupervise:
            in.note = r.String("note", true, {1, kMaxNoteChars, true}).value_or("");
            in.due_at = r.Int("due_at", true, 1);
            break;
        case OrderAction::kDispatch:
            in.handler_user_id = r.Int("handler_user_id", false, 1);
            in.handler_unit_id = r.Int("handler_unit_id", false, 1);
            in.note = r.String("note", false, note_rule).value_or("");
            in.note_public = r.Bool("note_public", false).value_or(false);
            break;
        case OrderAction::kMerge:
            in.into_order_id = r.Int("into", true, 1);
            in.note = r.String("note", false, note_rule).value_or("");
            break;
        case OrderAction::kAccept:
        case OrderAction::kStart:
        case OrderAction::kResolve:
        case OrderAction::kClose:
            in.note = r.String("note", false, note_rule).value_or("");
            in.note_public = r.Bool("note_public", false).value_or(false);
            break;
    }
    LINLI_TRY(r.Finish());
    return in;
}

Result<Deadline> ReadDeadline(http::JsonObjectReader& r, const std::string& prefix, bool required) {
    auto hours = r.Int(prefix + "_hours", required, 0, kMaxDeadlineHours);
    auto kind = r.String(prefix + "_kind", required, {1, 20});
    Deadline d;
    d.hours = hours.value_or(0);
    if (kind) {
        auto parsed = Lookup(kDeadlineKinds, *kind);
        if (!parsed) {
            return InvalidArgument(prefix + "_kind", prefix + "_kind must be one of: " + NameList(kDeadlineKinds));
        }
        d.kind = *parsed;
    }
    return d;
}

}  // namespace

void RegisterRoutes(http::Router& router, OrderService& orders, CatalogService& catalog, const Clock& clock,
                    SimilarService* similar) {
    const std::string base = "/api/v1/orders";
    // Reading is for everyone signed in: the service shows each caller only what is in their scope
    // or sent to them (a partner unit's account sees its unit's orders and nothing else).
    const auto anyone = AccessRule::AnyUser();
    const auto intake = AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff,
                                           Role::kGridWorker, Role::kBuildingHead, Role::kLinkLeader});

    router.Add(
        Method::kPost, base, intake,
        [&orders, &clock, base, similar](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto input, ReadNewOrder(req));
            LINLI_ASSIGN_OR_RETURN(auto detail, orders.Create(req.caller(), input, req.info()));
            json::value body = OrderDetailToJson(detail, clock.Now());
            if (similar) {
                // Offered so the recorder can merge at once (issue 4 §7). The order is committed either
                // way: a failed look-up answers an empty list rather than failing the intake.
                auto found = similar->ForOrder(req.caller(), detail.order);
                if (!found) {
                    spdlog::warn("orders: possible duplicates of order {} not looked up: {} (request {})",
                                 detail.order.id, found.error().message, req.request_id);
                }
                body.as_object()["possible_duplicates"] =
                    PossibleDuplicatesToJson(found ? *found : std::vector<SimilarOrder>{});
            }
            auto response = http::JsonResponse(201, body);
            response.AddHeader("Location", base + "/" + std::to_string(detail.order.id));
            return response;
        },
        "Record a work order on a resident's behalf (staff intake)");

    router.Add(
        Method::kGet, base, anyone,
        [&orders, &clock](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadOrderQuery(req));
            LINLI_ASSIGN_OR_RETURN(auto page, orders.List(req.caller(), query));
            return http::JsonResponse(200, OrderPageToJson(page, clock.Now()));
        },
        "List work orders in scope or sent to the caller");

    router.Add(
        Method::kGet, base + "/{id}", anyone,
        [&orders, &clock](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto detail, orders.Get(req.caller(), id));
            return http::JsonResponse(200, OrderDetailToJson(detail, clock.Now()));
        },
        "Get a work order with its reporters, replies and the caller's possible actions");

    router.Add(
        Method::kGet, base + "/{id}/timeline", anyone,
        [&orders](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto events, orders.Timeline(req.caller(), id));
            return http::JsonResponse(200, TimelineToJson(events));
        },
        "A work order's timeline, oldest first");

    for (const auto& [action, name] : kOrderActions) {
        const OrderAction a = action;
        router.Add(
            Method::kPost, base + "/{id}/" + std::string(name), anyone,
            [&orders, &clock, a](Request& req) -> Result<Response> {
                LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
                LINLI_TRY(http::QueryReader(req).Finish());
                LINLI_ASSIGN_OR_RETURN(auto input, ReadAction(req, a));
                LINLI_ASSIGN_OR_RETURN(auto detail, orders.Act(req.caller(), id, a, input, req.info()));
                return http::JsonResponse(200, OrderDetailToJson(detail, clock.Now()));
            },
            "Work order step: " + std::string(name));
    }

    // ---- categories ----
    const std::string categories = "/api/v1/order-categories";
    const auto admin = AccessRule::Roles({Role::kAdmin});
    router.Add(
        Method::kGet, categories, anyone,
        [&catalog](Request& req) -> Result<Response> {
            http::QueryReader q(req);
            auto all = q.Enum("include_inactive", {"true", "false"});
            LINLI_TRY(q.Finish());
            LINLI_ASSIGN_OR_RETURN(auto list, catalog.ListCategories(req.caller(), all && *all == "true"));
            json::array items;
            for (const auto& c : list) {
                items.push_back(CategoryToJson(c));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "List order categories");
    router.Add(
        Method::kGet, categories + "/{id}", anyone,
        [&catalog](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto c, catalog.GetCategory(req.caller(), id));
            return http::JsonResponse(200, CategoryToJson(c));
        },
        "Get an order category");
    router.Add(
        Method::kPost, categories, admin,
        [&catalog, categories](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            NewCategory in;
            in.code = r.String("code", true, {1, 40}).value_or("");
            in.name_zh = r.String("name_zh", true, {1, kMaxCategoryNameChars}).value_or("");
            in.name_en = r.String("name_en", true, {1, kMaxCategoryNameChars}).value_or("");
            LINLI_ASSIGN_OR_RETURN(in.accept, ReadDeadline(r, "accept", true));
            LINLI_ASSIGN_OR_RETURN(in.resolve, ReadDeadline(r, "resolve", true));
            auto handler = r.String("default_handler", false, {1, 20});
            in.default_unit_id = r.Int("default_unit_id", false, 1);
            in.sort_order = r.Int("sort_order", false, 0, 1'000'000).value_or(500);
            LINLI_TRY(r.Finish());
            if (handler) {
                LINLI_ASSIGN_OR_RETURN(in.default_handler, ParseName(kDefaultHandlers, handler, "default_handler"));
            }
            LINLI_ASSIGN_OR_RETURN(auto c, catalog.CreateCategory(req.caller(), in, req.info()));
            auto response = http::JsonResponse(201, CategoryToJson(c));
            response.AddHeader("Location", categories + "/" + std::to_string(c.id));
            return response;
        },
        "Create an order category");
    router.Add(
        Method::kPatch, categories + "/{id}", admin,
        [&catalog](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            CategoryPatch p;
            p.name_zh = r.String("name_zh", false, {1, kMaxCategoryNameChars});
            p.name_en = r.String("name_en", false, {1, kMaxCategoryNameChars});
            const bool accept = r.Has("accept_hours") || r.Has("accept_kind");
            const bool resolve = r.Has("resolve_hours") || r.Has("resolve_kind");
            std::optional<Deadline> accept_d, resolve_d;
            if (accept) {
                LINLI_ASSIGN_OR_RETURN(accept_d, ReadDeadline(r, "accept", true));
            }
            if (resolve) {
                LINLI_ASSIGN_OR_RETURN(resolve_d, ReadDeadline(r, "resolve", true));
            }
            p.accept = accept_d;
            p.resolve = resolve_d;
            auto handler = r.String("default_handler", false, {1, 20});
            if (r.IsNull("default_unit_id")) {
                p.default_unit_id = std::optional<int64_t>();
            } else if (auto unit = r.Int("default_unit_id", false, 1)) {
                p.default_unit_id = unit;
            }
            p.active = r.Bool("active", false);
            p.sort_order = r.Int("sort_order", false, 0, 1'000'000);
            LINLI_TRY(r.Finish());
            if (handler) {
                LINLI_ASSIGN_OR_RETURN(p.default_handler, ParseName(kDefaultHandlers, handler, "default_handler"));
            }
            LINLI_ASSIGN_OR_RETURN(auto c, catalog.UpdateCategory(req.caller(), id, p, req.info()));
            return http::JsonResponse(200, CategoryToJson(c));
        },
        "Change an order category (deadlines, default handler, names, active)");

    // ---- handling units ----
    const std::string units = "/api/v1/handling-units";
    const auto unit_readers =
        AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker});
    router.Add(
        Method::kGet, units, unit_readers,
        [&catalog](Request& req) -> Result<Response> {
            http::QueryReader q(req);
            auto all = q.Enum("include_inactive", {"true", "false"});
            LINLI_TRY(q.Finish());
            LINLI_ASSIGN_OR_RETURN(auto list, catalog.ListUnits(req.caller(), all && *all == "true"));
            json::array items;
            for (const auto& u : list) {
                items.push_back(UnitToJson(u));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "List handling units");
    router.Add(
        Method::kGet, units + "/{id}", unit_readers,
        [&catalog](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto u, catalog.GetUnit(req.caller(), id));
            return http::JsonResponse(200, UnitToJson(u));
        },
        "Get a handling unit");
    router.Add(
        Method::kPost, units, admin,
        [&catalog, units](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            NewUnit in;
            in.name = r.String("name", true, {1, kMaxUnitNameChars}).value_or("");
            auto kind = r.String("kind", true, {1, 30});
            in.contact = r.String("contact", false, {0, 100}).value_or("");
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(in.kind, ParseName(kUnitKinds, kind, "kind"));
            LINLI_ASSIGN_OR_RETURN(auto u, catalog.CreateUnit(req.caller(), in, req.info()));
            auto response = http::JsonResponse(201, UnitToJson(u));
            response.AddHeader("Location", units + "/" + std::to_string(u.id));
            return response;
        },
        "Create a handling unit");
    router.Add(
        Method::kPatch, units + "/{id}", admin,
        [&catalog](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            UnitPatch p;
            p.name = r.String("name", false, {1, kMaxUnitNameChars});
            auto kind = r.String("kind", false, {1, 30});
            p.contact = r.String("contact", false, {0, 100});
            p.active = r.Bool("active", false);
            LINLI_TRY(r.Finish());
            if (kind) {
                LINLI_ASSIGN_OR_RETURN(p.kind, ParseName(kUnitKinds, kind, "kind"));
            }
            LINLI_ASSIGN_OR_RETURN(auto u, catalog.UpdateUnit(req.caller(), id, p, req.info()));
            return http::JsonResponse(200, UnitToJson(u));
        },
        "Change a handling unit");
    router.Add(
        Method::kDelete, units + "/{id}", admin,
        [&catalog](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_TRY(catalog.DeleteUnit(req.caller(), id, req.info()));
            return http::NoContent();
        },
        "Delete a handling unit nothing refers to");
    router.Add(
        Method::kGet, units + "/{id}/members", admin,
        [&catalog](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto members, catalog.ListMembers(req.caller(), id));
            json::array items;
            for (const auto& m : members) {
                items.push_back(MemberToJson(m));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "List a handling unit's member accounts");
    router.Add(
        Method::kPost, units + "/{id}/members", admin,
        [&catalog](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            auto user_id = r.Int("user_id", true, 1);
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(auto members, catalog.AddMember(req.caller(), id, *user_id, req.info()));
            json::array items;
            for (const auto& m : members) {
                items.push_back(MemberToJson(m));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "Add a member account to a handling unit");
    router.Add(
        Method::kDelete, units + "/{id}/members/{user_id}", admin,
        [&catalog](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_ASSIGN_OR_RETURN(auto user_id, req.PathId("user_id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_TRY(catalog.RemoveMember(req.caller(), id, user_id, req.info()));
            return http::NoContent();
        },
        "Remove a member account from a handling unit");
}

}  // namespace linli::orders
