#pragma once
/// HTTP routes of the carers (grid workers, building heads, link leaders) and the coverage report.

#include "http/router.hpp"
#include "modules/registry/assignment_service.hpp"

namespace linli::registry {

/// POST/GET /api/v1/assignments, POST /api/v1/assignments/{id}/end, GET /api/v1/coverage and
/// GET /api/v1/coverage/export. `service` outlives the router.
void RegisterAssignmentRoutes(http::Router& router, AssignmentService& service);

}  // namespace linli::registry
