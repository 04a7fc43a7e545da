#pragma once
/// HTTP routes of the territory tree under /api/v1/territory/nodes.

#include "http/router.hpp"
#include "modules/registry/service.hpp"

namespace linli::registry {

/// Adds the territory routes:
///   GET    /api/v1/territory/nodes                  ?parent_id&kind&q&sort&cursor&limit
///          parent_id → its children; else kind or q → a search of every visible node; else the
///          roots (for a scoped user: their top-most scope nodes). {"items":[node],"next_cursor"}
///   GET    /api/v1/territory/nodes/count            ?parent_id&kind&q → {"count":n}; without
///          parent_id it counts every visible node (narrowed by kind and q), not only the roots
///   GET    /api/v1/territory/nodes/{id}             → node
///   GET    /api/v1/territory/nodes/{id}/ancestors   → {"items":[node]}, root first, the node last
///   POST   /api/v1/territory/nodes                  {"parent_id","kind","name","code"} → 201 node + Location
///   PATCH  /api/v1/territory/nodes/{id}             {"name","code"(null clears)} → node
///   DELETE /api/v1/territory/nodes/{id}             → 204
/// REQUIRES: `service` outlives `router`.
void RegisterRoutes(http::Router& router, RegistryService& service);

}  // namespace linli::registry
