#pragma once
/// HTTP for the register's files: upload an import and poll it, download its error report, and
/// export the residents and households ledgers.

#include "core/clock.hpp"
#include "http/router.hpp"
#include "storage/database.hpp"

namespace linli::registry {

class AssignmentService;
class ResidentService;
class ImportJobs;

/// Largest residents file accepted by upload (a 62,932-row CSV is about 5 MiB).
constexpr size_t kMaxImportBytes = 64 * 1024 * 1024;

void RegisterFileRoutes(http::Router& router, ResidentService& residents, AssignmentService& assignments,
                        ImportJobs& jobs, storage::Database& db, const Clock& clock);

}  // namespace linli::registry
