#include "modules/orders/similar_routes.hpp"

#include <boost/json.hpp>
#include <cmath>

#include "http/json_io.hpp"

namespace linli::orders {

boost::json::value PossibleDuplicatesToJson(const std::vector<SimilarOrder>& found) {
    boost::json::array items;
    for (const auto& s : found) {
        items.push_back(boost::json::object{{"id", s.id},
                                            {"tracking_code", s.tracking_code},
                                            {"title", s.title},
                                            {"state", StateName(s.state)},
                                            {"created_at", s.created_at},
                                            {"place", boost::json::object{{"id", s.place_id}, {"name", s.place_name}}},
                                            {"similarity", std::round(s.score * 1000.0) / 1000.0},
                                            {"same_place", s.same_place},
                                            {"can_merge_into", s.can_merge_into}});
    }
    return items;
}

void RegisterSimilarRoutes(http::Router& router, SimilarService& similar, OrderService& orders) {
    const auto intake = http::AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff,
                                                 Role::kGridWorker, Role::kBuildingHead, Role::kLinkLeader});
    router.Add(
        http::Method::kGet, "/api/v1/orders/similar", intake,
        [&similar](http::Request& req) -> Result<http::Response> {
            http::QueryReader q(req);
            SimilarQuery query;
            auto place_id = q.Int("place_id", 1);
            auto category_id = q.Int("category_id", 1);
            query.text = q.String("text", {0, kMaxTitleChars + kMaxDescriptionChars, true}).value_or("");
            query.days = static_cast<int>(q.Int("days", 1, kMaxSimilarDays).value_or(kDefaultSimilarDays));
            query.limit = static_cast<int>(q.Int("limit", 1, 50).value_or(10));
            LINLI_TRY(q.Finish());
            if (!place_id) {
                return InvalidArgument("place_id", "give the place of the new order");
            }
            if (!category_id) {
                return InvalidArgument("category_id", "give the category of the new order");
            }
            query.place_id = *place_id;
            query.category_id = *category_id;
            LINLI_ASSIGN_OR_RETURN(auto found, similar.Find(req.caller(), query));
            boost::json::array items;
            for (const auto& s : found) {
                items.push_back(boost::json::object{{"id", s.id},
                                                    {"tracking_code", s.tracking_code},
                                                    {"title", s.title},
                                                    {"state", StateName(s.state)},
                                                    {"place_id", s.place_id},
                                                    {"place_name", s.place_name},
                                                    {"created_at", s.created_at},
                                                    {"score", std::round(s.score * 1000.0) / 1000.0},
                                                    {"same_place", s.same_place},
                                                    {"can_merge_into", s.can_merge_into}});
            }
            return http::JsonResponse(200, boost::json::object{{"items", std::move(items)}, {"days", query.days}});
        },
        "Possible duplicates of a new order: same place and category, recent, similar text");

    router.Add(
        http::Method::kGet, "/api/v1/orders/{id}/similar", intake,
        [&similar, &orders](http::Request& req) -> Result<http::Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            http::QueryReader q(req);
            const int days = static_cast<int>(q.Int("days", 1, kMaxSimilarDays).value_or(kDefaultSimilarDays));
            const int limit = static_cast<int>(q.Int("limit", 1, 50).value_or(10));
            LINLI_TRY(q.Finish());
            LINLI_ASSIGN_OR_RETURN(auto detail, orders.Get(req.caller(), id));
            LINLI_ASSIGN_OR_RETURN(auto found, similar.ForOrder(req.caller(), detail.order, days, limit));
            return http::JsonResponse(200, boost::json::object{{"items", PossibleDuplicatesToJson(found)},
                                                               {"days", days}});
        },
        "Possible duplicates of an existing order: same place and category, recent, similar text");
}

}  // namespace linli::orders
