#pragma once
/// HTTP routes of work orders, their categories and handling units.

#include "core/clock.hpp"
#include "http/router.hpp"
#include "modules/orders/catalog_service.hpp"
#include "modules/orders/service.hpp"
#include "modules/orders/similar_service.hpp"

namespace linli::orders {

/// Adds:
///   POST /api/v1/orders                       staff intake → 201 order detail + Location, with
///                                             "possible_duplicates" (SimilarService::ForOrder) when
///                                             `similar` is given
///   GET  /api/v1/orders                       ?state&kind&category_id&node_id&handler_user_id&handler_unit_id
///                                             &overdue&cursor&limit → {"items":[order],"next_cursor"}
///   GET  /api/v1/orders/{id}                  → order detail (reporters, replies, actions)
///   GET  /api/v1/orders/{id}/timeline         → {"items":[event]}
///   POST /api/v1/orders/{id}/<action>         one per action of the state machine → order detail;
///                                             409 {"error":{...,"allowed":[...]}} for an illegal step
///   GET/POST /api/v1/order-categories, GET/PATCH /api/v1/order-categories/{id}
///   GET/POST /api/v1/handling-units, GET/PATCH/DELETE /api/v1/handling-units/{id},
///   GET/POST /api/v1/handling-units/{id}/members, DELETE /api/v1/handling-units/{id}/members/{user_id}
/// REQUIRES: the services and clock outlive `router`.
void RegisterRoutes(http::Router& router, OrderService& orders, CatalogService& catalog, const Clock& clock,
                    SimilarService* similar = nullptr);

}  // namespace linli::orders
