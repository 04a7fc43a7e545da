#pragma once
/// HTTP routes of possible duplicates (issue 4 §7).

#include <boost/json/fwd.hpp>
#include <vector>

#include "http/router.hpp"
#include "modules/orders/service.hpp"
#include "modules/orders/similar_service.hpp"

namespace linli::orders {

/// Adds, for the roles that record orders:
///   GET /api/v1/orders/similar?place_id&category_id&text&days&limit → {"items":[similar order]}
///       while staff type a new order (the console calls it as they go);
///   GET /api/v1/orders/{id}/similar?days&limit → {"items":[possible duplicate]}
///       of an existing order the caller can see (404 otherwise): what a QR, Open311 or device
///       report waiting to be accepted may repeat.
/// REQUIRES: `similar` and `orders` outlive `router`.
void RegisterSimilarRoutes(http::Router& router, SimilarService& similar, OrderService& orders);

/// [{"id","tracking_code","title","state","created_at","place":{"id","name"},"similarity" (0..1, three
///   decimals),"same_place","can_merge_into"}], best first: the "possible_duplicates" of an intake.
boost::json::value PossibleDuplicatesToJson(const std::vector<SimilarOrder>& found);

}  // namespace linli::orders
