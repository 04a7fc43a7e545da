#include "modules/orders/attachment_service.hpp"

#include <sodium.h>

#include <algorithm>
#include <utility>

#include "core/crypto.hpp"
#include "core/phone.hpp"
#include "modules/orders/attachment_format.hpp"

namespace linli::orders {

namespace {

using storage::Conn;

constexpr std::string_view kOrderNotFound = "order not found";
constexpr std::string_view kAttachmentNotFound = "attachment not found";

std::string Sha256Hex(std::string_view bytes) {
    crypto::Init();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

/// A closed order's record is final; a merged order's evidence belongs with the order that answers.
Result<void> CheckTakesFiles(const Order& order) {
    if (order.state == OrderState::kClosed) {
        return Conflict("the order is closed; it takes no more attachments");
    }
    if (order.state == OrderState::kMerged) {
        return Conflict("the order was merged into another; attach the file there");
    }
    return {};
}

}  // namespace

AttachmentService::AttachmentService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto,
                                     AttachmentOptions options)
    : db_(db),
      clock_(clock),
      crypto_(crypto),
      options_(std::move(options)),
      store_(options_.dir),
      public_uploads_(clock, std::max<int64_t>(1, options_.public_uploads_per_hour), 3600) {}

Result<Attachment> AttachmentService::Store(int64_t order_id, const Upload& upload, Attachment meta,
                                            const std::function<Result<void>(Conn&)>& recheck) {
    if (upload.bytes.empty()) {
        return InvalidArgument("file", "the file is empty");
    }
    if (static_cast<int64_t>(upload.bytes.size()) > options_.max_bytes) {
        return Error{ErrorCode::kPayloadTooLarge,
                     "the file is larger than " + std::to_string(options_.max_bytes) + " bytes", "file"};
    }
    LINLI_ASSIGN_OR_RETURN(meta.content_type, DetectAttachmentType(upload.bytes));
    meta.order_id = order_id;
    meta.file_name = SanitizeFileName(upload.file_name, meta.content_type);
    meta.size_bytes = static_cast<int64_t>(upload.bytes.size());
    meta.sha256 = Sha256Hex(upload.bytes);
    meta.created_at = clock_.Now();
    LINLI_ASSIGN_OR_RETURN(meta.storage_name, store_.Put(upload.bytes));
    auto written = db_.Write([&](Conn& conn) -> Result<Attachment> {
        // Checked again inside the write: another upload or a close may have come in between.
        LINLI_TRY(recheck(conn));
        LINLI_ASSIGN_OR_RETURN(int64_t count, repo_.CountForOrder(conn, order_id));
        if (count >= options_.max_per_order) {
            return Conflict("the order already has " + std::to_string(count) + " attachments, the most it may have",
                            "file");
        }
        Attachment a = meta;
        LINLI_ASSIGN_OR_RETURN(a.id, repo_.Insert(conn, a));
        return a;
    });
    if (!written) {
        store_.Remove(meta.storage_name);
    }
    return written;
}

Result<Attachment> AttachmentService::Add(const Actor& actor, int64_t order_id, const Upload& upload,
                                          const RequestInfo&) {
    auto visible_and_open = [&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto order, orders_.FindVisible(conn, actor, order_id));
        if (!order) {
            return Error{ErrorCode::kNotFound, std::string(kOrderNotFound), {}};
        }
        LINLI_TRY(CheckTakesFiles(*order));
        LINLI_ASSIGN_OR_RETURN(int64_t count, repo_.CountForOrder(conn, order_id));
        if (count >= options_.max_per_order) {
            return Conflict("the order already has " + std::to_string(count) + " attachments, the most it may have",
                            "file");
        }
        return {};
    };
    // Every refusal first on a read, so a refused upload costs no disk write.
    LINLI_TRY(db_.Read(visible_and_open));
    Attachment meta;
    meta.source = AttachmentSource::kStaff;
    if (actor.user_id > 0) {
        meta.uploaded_by = actor.user_id;
    }
    meta.uploader_name = actor.username;
    return Store(order_id, upload, std::move(meta), visible_and_open);
}

Result<Attachment> AttachmentService::AddPublic(std::string_view tracking_code, std::string_view raw_phone,
                                                const Upload& upload, const RequestInfo& info) {
    if (auto wait = public_uploads_.Hit(info.remote_addr)) {
        return Error{ErrorCode::kTooManyRequests,
                     "上传过于频繁，请稍后再试 / too many uploads from this address; try again in " +
                         std::to_string(*wait) + " s",
                     {}};
    }
    const bool well_formed = tracking_code.size() == kTrackingCodeChars &&
                             std::all_of(tracking_code.begin(), tracking_code.end(),
                                         [](char c) { return kTrackingAlphabet.find(c) != std::string_view::npos; });
    if (!well_formed) {
        return NotFound("no order has this tracking code");
    }
    LINLI_ASSIGN_OR_RETURN(auto parsed, phone::Parse(raw_phone, "phone"));
    const std::string code(tracking_code);
    const std::string phone_hash = crypto_.Hash("phone", parsed.normalized);
    // The order that takes the file: the code's own, or the one it was merged into.
    auto target_of = [&](Conn& conn) -> Result<Order> {
        LINLI_ASSIGN_OR_RETURN(auto order, orders_.FindByTrackingCode(conn, code));
        if (!order) {
            return NotFound("no order has this tracking code");
        }
        LINLI_ASSIGN_OR_RETURN(bool reporter, repo_.IsReporter(conn, code, phone_hash));
        if (!reporter) {
            return Error{ErrorCode::kForbidden, "give the phone number the report was made with", "phone"};
        }
        if (order->state == OrderState::kMerged && order->merged_into) {
            LINLI_ASSIGN_OR_RETURN(auto target, orders_.FindById(conn, *order->merged_into));
            if (target) {
                order = std::move(target);
            }
        }
        LINLI_TRY(CheckTakesFiles(*order));
        return std::move(*order);
    };
    LINLI_ASSIGN_OR_RETURN(auto target, db_.Read(target_of));
    Attachment meta;
    meta.source = AttachmentSource::kPublic;
    meta.uploader_name = "reporter";
    return Store(target.id, upload, std::move(meta), [&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto again, target_of(conn));
        if (again.id != target.id) {
            return Conflict("the order changed while the file was uploading; try again");
        }
        return {};
    });
}

Result<std::vector<Attachment>> AttachmentService::List(const Actor& actor, int64_t order_id) {
    return db_.Read([&](Conn& conn) -> Result<std::vector<Attachment>> {
        LINLI_ASSIGN_OR_RETURN(auto order, orders_.FindVisible(conn, actor, order_id));
        if (!order) {
            return Error{ErrorCode::kNotFound, std::string(kOrderNotFound), {}};
        }
        return repo_.ListForOrder(conn, order_id);
    });
}

Result<AttachmentFile> AttachmentService::Download(const Actor& actor, int64_t attachment_id) {
    LINLI_ASSIGN_OR_RETURN(auto meta, db_.Read([&](Conn& conn) -> Result<Attachment> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.Find(conn, attachment_id));
        if (!found) {
            return NotFound(std::string(kAttachmentNotFound));
        }
        // Scope applies to attachments as to their order: outside it, the attachment does not exist.
        LINLI_ASSIGN_OR_RETURN(auto order, orders_.FindVisible(conn, actor, found->order_id));
        if (!order) {
            return NotFound(std::string(kAttachmentNotFound));
        }
        return std::move(*found);
    }));
    LINLI_ASSIGN_OR_RETURN(auto bytes, store_.Read(meta.storage_name, meta.size_bytes));
    return AttachmentFile{std::move(meta), std::move(bytes)};
}

Result<int> AttachmentService::SweepOrphans() {
    return store_.Sweep(
        [this](const std::string& name) -> Result<bool> {
            return db_.Read([&](Conn& conn) { return repo_.StorageNameExists(conn, name); });
        },
        options_.orphan_grace_s);
}

}  // namespace linli::orders
