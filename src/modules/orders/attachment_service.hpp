#pragma once
/// Photos and PDFs on work orders (issue 4 §2; docs/attachments.md).
///
/// Who: anyone signed in who can see the order (its place in their scope, or it is sent to them or
/// their unit) lists, downloads and adds attachments; outside that the order and its attachments
/// are 404, exactly like a missing one. The reporter adds photos from the public side with the
/// tracking code and the phone the report was made with (as for ratings).
///
/// Rules: the type is detected from the content (attachment_format.hpp), never taken from the name
/// or the declared type: anything but JPEG, PNG, WebP, HEIC and PDF is 415. At most `max_bytes` per
/// file (413; the route's body limit refuses larger bodies before they are read) and
/// `max_per_order` files per order (409). A closed or merged order takes no more (409).
///
/// Writes: the file first (durably, AttachmentStore), then its row; if the row cannot be written
/// the file is removed, and a crash in between leaves an orphan that SweepOrphans removes.
///
/// Thread safety: every method may be called concurrently.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/field_crypto.hpp"
#include "modules/orders/attachment_model.hpp"
#include "modules/orders/attachment_repository.hpp"
#include "modules/orders/attachment_store.hpp"
#include "modules/orders/rate_limiter.hpp"
#include "modules/orders/repository.hpp"
#include "storage/database.hpp"

namespace linli::orders {

struct AttachmentOptions {
    std::string dir = "var/attachments";
    int64_t max_bytes = 10 * 1024 * 1024;
    int64_t max_per_order = 20;
    /// Files without a row younger than this are left to the upload that is writing them.
    int64_t orphan_grace_s = 3600;
    /// Public uploads per client address per hour.
    int64_t public_uploads_per_hour = 30;
};

class AttachmentService {
public:
    /// REQUIRES: `db` is migrated; every argument outlives the service.
    AttachmentService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto, AttachmentOptions options);

    /// Adds a file to a visible order. Errors: 404 (order not visible), 400 file (empty) /
    /// file_name, 413 file (too large), 415 file (type), 409 (closed or merged order; too many files).
    Result<Attachment> Add(const Actor& actor, int64_t order_id, const Upload& upload, const RequestInfo& info);

    /// The reporter adds a file to the order of `tracking_code`, proving it with the full phone the
    /// report was made with. A merged order's file goes to the order it was merged into. Errors as
    /// Add, plus 404 (unknown code), 400 phone (malformed), 403 phone (not the reporter's), 429.
    Result<Attachment> AddPublic(std::string_view tracking_code, std::string_view phone, const Upload& upload,
                                 const RequestInfo& info);

    /// Oldest first. 404 when the order is not visible.
    Result<std::vector<Attachment>> List(const Actor& actor, int64_t order_id);

    /// The attachment and its bytes. 404 when missing or its order is not visible.
    Result<AttachmentFile> Download(const Actor& actor, int64_t attachment_id);

    /// Removes files a crash left without a row (older than orphan_grace_s). Call at start-up.
    Result<int> SweepOrphans();

    const AttachmentOptions& options() const { return options_; }

private:
    Result<Attachment> Store(int64_t order_id, const Upload& upload, Attachment meta,
                             const std::function<Result<void>(storage::Conn&)>& recheck);

    storage::Database& db_;
    const Clock& clock_;
    const FieldCrypto& crypto_;
    AttachmentOptions options_;
    AttachmentStore store_;
    AttachmentRepository repo_;
    OrderRepository orders_;
    RateLimiter public_uploads_;
};

}  // namespace linli::orders
