#pragma once
/// The audit log: who did what, when, to what, with what result. Rows are written inside the same
/// transaction as the change they describe, so a write and its audit row commit together.
/// Append-only: no route updates or deletes them, and database triggers refuse it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "core/error.hpp"
#include "core/paging.hpp"
#include "storage/database.hpp"

namespace linli::accounts {

struct AuditRecord {
    int64_t id = 0;
    int64_t at = 0;                       // epoch seconds
    std::optional<int64_t> actor_user_id; // none for anonymous (failed login of unknown user)
    std::string actor_name;               // username at the time
    std::string action;                   // "auth.login", "auth.login_failed", "territory.create", "resident.reveal", "export.residents", ...
    std::string target_type;              // "user", "territory_node", ...
    std::optional<int64_t> target_id;
    std::string result = "ok";            // ok | denied | failed
    std::string detail;                   // short JSON text; never personal data in full
    std::string request_id;
    std::string remote_addr;
};

struct AuditQuery {
    std::optional<int64_t> actor_user_id;
    std::optional<std::string> action;   // exact, or prefix when it ends with '.' ("auth.")
    std::optional<int64_t> since;        // at >= since
    std::optional<int64_t> until;        // at < until
    std::optional<std::string> cursor;   // newest first
    int limit = kDefaultPageSize;
};

/// Appends one row inside the caller's transaction. REQUIRES: `conn` is a write connection.
Result<void> RecordAudit(storage::Conn& conn, const AuditRecord& record);

/// Convenience for services: fills actor, request and time.
AuditRecord MakeAudit(const Actor& actor, const RequestInfo& info, int64_t now, std::string action,
                      std::string target_type, std::optional<int64_t> target_id, std::string detail = {});

/// Newest first, keyset paged. REQUIRES: the caller checked the reader is allowed (admin).
Result<Page<AuditRecord>> ListAudit(storage::Conn& conn, const AuditQuery& query);

}  // namespace linli::accounts
