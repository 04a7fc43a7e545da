#pragma once
/// The building board (楼栋公示牌): who looks after a building and who may be called on there, for
/// the printable page of the console (issue 6).

#include "http/router.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/service.hpp"

namespace linli::registry {

/// GET /api/v1/buildings/{id}/board. The services outlive the router.
void RegisterBoardRoutes(http::Router& router, RegistryService& territory, ResidentService& residents,
                         AssignmentService& assignments);

}  // namespace linli::registry
