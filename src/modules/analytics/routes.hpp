#pragma once
/// HTTP routes of work-order statistics.

#include "http/router.hpp"
#include "modules/analytics/service.hpp"

namespace linli::analytics {

/// Adds (roles: admin, subdistrict_leader, community_staff, grid_worker; others 403):
///   GET /api/v1/orders/stats              ?group_by=category|grid|community|handler|day|week|month
///                                         &from=YYYY-MM-DD&to=YYYY-MM-DD&node_id → {"items":[…],"total":…}
///   GET /api/v1/orders/stats/export       the same + format=csv|xlsx → a ledger with Chinese headers
///   GET /api/v1/orders/scorecards         ?node_id&from&to → {"items":[scorecard per grid worker]}
///   GET /api/v1/orders/scorecards/export  the same + format=csv|xlsx
/// REQUIRES: `stats` outlives `router`.
void RegisterRoutes(http::Router& router, StatsService& stats);

}  // namespace linli::analytics
