#pragma once
/// HTTP routes of safety inspections (SafetyService; docs/api/openapi.yaml, ADR 0008), all under
/// /api/v1/safety:
///   GET/POST  /templates, GET/PATCH /templates/{id}, GET/POST /templates/{id}/versions
///   GET/POST  /venues, GET/PATCH/DELETE /venues/{id}, POST /venues/{id}/reveal
///   GET       /venues/{id}/safety-record, /buildings/{id}/safety-record
///   POST      /photos (multipart "file" or raw bytes), GET /photos/{id}
///   POST      /inspections (201 recorded, 200 a repeat of the same client_id), GET /inspections,
///             GET /inspections/{id}, GET /inspections/export
///   GET       /hazards, /hazards/{id}, /hazards/export; POST /hazards/{id}/rectification,
///             /hazards/{id}/reinspections
///   GET       /ledger, /ledger/export, /figures
/// REQUIRES: `service` outlives `router`.

#include "http/router.hpp"
#include "modules/safety/service.hpp"

namespace linli::safety {

void RegisterRoutes(http::Router& router, SafetyService& service);

}  // namespace linli::safety
