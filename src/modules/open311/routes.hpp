#pragma once
/// HTTP routes of Open311 GeoReport v2 and of its API keys.

#include "http/router.hpp"
#include "modules/open311/service.hpp"

namespace linli::open311 {

/// Adds, each answering in the format its extension names (.json: application/json, .xml:
/// text/xml, both UTF-8) and failing with the spec's errors document ([{code, description}] /
/// <errors><error>) and status 400/403/404:
///   GET  /open311/v2/discovery.{json,xml}
///   GET  /open311/v2/services.{json,xml}                    ?jurisdiction_id&locale
///   GET  /open311/v2/services/{service_code}.{json,xml}     the service definition
///   GET  /open311/v2/requests.{json,xml}                    ?service_request_id&service_code&start_date
///                                                           &end_date&status&extensions&jurisdiction_id
///   POST /open311/v2/requests.{json,xml}                    form-encoded; api_key required
///   GET  /open311/v2/requests/{service_request_id}.{json,xml}  ?extensions&jurisdiction_id
///   GET  /open311/v2/tokens/{token}.{json,xml}              token = an order's tracking code
/// and, for administrators, POST/GET /api/v1/open311/keys and DELETE /api/v1/open311/keys/{id}.
/// REQUIRES: `service` outlives `router`.
void RegisterRoutes(http::Router& router, Open311Service& service);

}  // namespace linli::open311
