#pragma once
/// HTTP routes of the resident register. Personal data is always masked in answers; the one way to a
/// full value is POST .../reveal, which is audited.

#include "http/router.hpp"
#include "modules/registry/resident_service.hpp"

namespace linli::registry {

/// Adds the register routes (readers: admin, subdistrict_leader, community_staff, grid_worker,
/// building_head, link_leader; writers: the first four; everything scoped, out of scope is 404):
///   POST   /api/v1/residents               {"name","id_number","phone"?,"hukou"?,"household_id"?,"relation"?,
///                                            "moved_in"?,"tags"?:[{"tag","detail"?}|"code"],"note"?} → 201 resident
///   GET    /api/v1/residents               ?node_id|community_id|grid_id|building_id|household_id, q (name prefix),
///                                            tag, without_tag, hukou, id_number, id_last4, phone, sort, cursor, limit
///                                            → {"items":[resident],"next_cursor"}
///   GET    /api/v1/residents/count         the same filters → {"count":n}
///   GET    /api/v1/residents/{id}          → resident with "residencies" (history)
///   PATCH  /api/v1/residents/{id}          {"name","phone"(null removes),"hukou","note","tags"} → resident
///   POST   /api/v1/residents/{id}/move     {"household_id"(null/absent: out of the city),"relation","date"} → resident
///   POST   /api/v1/residents/{id}/reveal   {"field":"id_number"|"phone","reason"} → {"field","value"} (no-store)
///   POST   /api/v1/households              {"unit_id","room","tenure"} → 201 household
///   GET    /api/v1/households/{id}         → household with members
///   PATCH  /api/v1/households/{id}         {"tenure"} → household
///   GET    /api/v1/buildings/{id}/details  → building details
///   PUT    /api/v1/buildings/{id}/details  {"kind","address"?,"floors"?,"unit_count"?} → building details
///   GET    /api/v1/tags                    → {"items":[tag]} built-in (stored and computed) and community tags
/// REQUIRES: `service` outlives `router`.
void RegisterResidentRoutes(http::Router& router, ResidentService& service);

}  // namespace linli::registry
