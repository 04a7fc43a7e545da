#pragma once
/// HTTP routes of the resident's side of work orders (PublicService).

#include "http/router.hpp"
#include "modules/orders/public_service.hpp"

namespace linli::orders {

/// Adds:
///   GET  /api/v1/buildings/{id}/qr          staff → {"building_id","building_name","token","url"}
///   GET  /api/v1/public/buildings/{token}   no login → {"building":{"id","name"},"community_name",
///                                           "categories":[{"id","code","name_zh","name_en"}]}
///   POST /api/v1/public/reports             no login {"building_token","category_id","description","phone",
///                                           "name"?,"room"?} → 201 {"tracking_code","track_url","created_at"};
///                                           429 + Retry-After when rate-limited
///   GET  /api/v1/track/{code}               no login → the public view with "reporter_phone" (masked),
///                                           "rating":{"open","closes_at","score","rated_at"}, "track_url"
///   POST /api/v1/track/{code}/rating        no login {"score","comment"?,"phone"} → 201
///                                           {"score","rated_at","reopened","closed"}; 429 + Retry-After
///   POST /api/v1/my/reports                 a signed-in resident, the report's body → 201 as the public
///                                           report; the account becomes the order's creator
///   POST /api/v1/my/reports/{code}/rating   that resident {"score","comment"?} → 201 as the public rating;
///                                           403 code for anyone but the account that filed it
/// REQUIRES: `service` outlives `router`.
void RegisterPublicRoutes(http::Router& router, PublicService& service);

}  // namespace linli::orders
