#pragma once
/// The open311 module's only SQL: API keys (stored as hashes) and what an Open311 POST brought
/// beyond the order itself (the key that posted it, media_url, address_id).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "modules/open311/model.hpp"
#include "storage/database.hpp"

namespace linli::open311 {

/// An active key found by its hash.
struct KeyMatch {
    int64_t id = 0;
    std::optional<int64_t> community_id;
};

/// What an Open311 POST stored beside its order.
struct RequestExtras {
    int64_t order_id = 0;
    int64_t api_key_id = 0;
    std::optional<int64_t> address_id;
    std::string media_url;
};

/// One stored entry of the update feed (table open311_updates).
struct UpdateRow {
    int64_t id = 0;
    int64_t order_id = 0;
    int64_t event_id = 0;
    std::optional<int64_t> community_id;
    int64_t at = 0;
    std::string status;  // open | closed
    std::string detailed_status;
    std::string action;
    std::string description;
};

namespace repo {

Result<ApiKey> InsertKey(storage::Conn& conn, const NewApiKey& key, const std::string& key_hash,
                         const std::string& prefix, std::optional<int64_t> created_by, int64_t now);
/// Every key, newest first (revoked ones too: their history matters).
Result<std::vector<ApiKey>> ListKeys(storage::Conn& conn);
Result<std::optional<ApiKey>> FindKey(storage::Conn& conn, int64_t id);
/// True when it was active and is revoked now.
Result<bool> RevokeKey(storage::Conn& conn, int64_t id, int64_t now);
/// The active (not revoked) key with this hash.
Result<std::optional<KeyMatch>> FindActiveKeyByHash(storage::Conn& conn, const std::string& key_hash);

/// REQUIRES: a write transaction (the order's own). Also marks the key used.
Result<void> InsertRequestExtras(storage::Conn& conn, const RequestExtras& extras, int64_t now);
/// The extras of those of `order_ids` that came through Open311.
Result<std::vector<RequestExtras>> FindRequestExtras(storage::Conn& conn, const std::vector<int64_t>& order_ids);

/// REQUIRES: a write transaction (the step's own). A repeated event id is ignored.
Result<void> InsertUpdate(storage::Conn& conn, const UpdateRow& update);
/// Updates with `start` <= at <= `end` (of one community when given), oldest first, skipping `offset`.
Result<std::vector<UpdateRow>> ListUpdates(storage::Conn& conn, std::optional<int64_t> community_id, int64_t start,
                                           int64_t end, int64_t offset, int limit);

}  // namespace repo
}  // namespace linli::open311
