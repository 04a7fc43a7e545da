#pragma once
/// The only SQL of order attachments. Visibility is not checked here: AttachmentService asks
/// OrderRepository::FindVisible for the order first, in the same transaction.
///
/// Thread safety: stateless; each call uses only the connection it is given.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "modules/orders/attachment_model.hpp"
#include "storage/database.hpp"

namespace linli::orders {

class AttachmentRepository {
public:
    /// Inserts `a` (id ignored) and returns the new id.
    Result<int64_t> Insert(storage::Conn& conn, const Attachment& a) const;
    Result<std::optional<Attachment>> Find(storage::Conn& conn, int64_t id) const;
    /// Oldest first.
    Result<std::vector<Attachment>> ListForOrder(storage::Conn& conn, int64_t order_id) const;
    Result<int64_t> CountForOrder(storage::Conn& conn, int64_t order_id) const;
    Result<bool> StorageNameExists(storage::Conn& conn, const std::string& storage_name) const;
    /// The reporter row of the order filed under `tracking_code` whose phone hash is `phone_hash`.
    Result<bool> IsReporter(storage::Conn& conn, const std::string& tracking_code, const std::string& phone_hash) const;
};

}  // namespace linli::orders
