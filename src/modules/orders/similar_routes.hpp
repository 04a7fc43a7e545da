#pragma once
/// HTTP route of possible duplicates at intake.

#include "http/router.hpp"
#include "modules/orders/similar_service.hpp"

namespace linli::orders {

/// Adds GET /api/v1/orders/similar?place_id&category_id&text&days&limit → {"items":[similar order]}
/// for the roles that record orders (the console calls it while staff type).
/// REQUIRES: `similar` outlives `router`.
void RegisterSimilarRoutes(http::Router& router, SimilarService& similar);

}  // namespace linli::orders
