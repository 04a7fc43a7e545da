#include "modules/orders/attachment_repository.hpp"

namespace linli::orders {

namespace {

using storage::Conn;
using storage::Row;

constexpr std::string_view kColumns =
    "id, order_id, storage_name, file_name, content_type, size_bytes, sha256, source, uploaded_by, uploader_name,"
    " created_at";

std::string_view SourceName(AttachmentSource s) {
    return s == AttachmentSource::kPublic ? "public" : "staff";
}

Attachment FromRow(const Row& row) {
    Attachment a;
    a.id = row.Int(0);
    a.order_id = row.Int(1);
    a.storage_name = row.Text(2);
    a.file_name = row.Text(3);
    a.content_type = row.Text(4);
    a.size_bytes = row.Int(5);
    a.sha256 = row.Text(6);
    a.source = row.Text(7) == "public" ? AttachmentSource::kPublic : AttachmentSource::kStaff;
    a.uploaded_by = row.OptInt(8);
    a.uploader_name = row.Text(9);
    a.created_at = row.Int(10);
    return a;
}

}  // namespace

Result<int64_t> AttachmentRepository::Insert(Conn& conn, const Attachment& a) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("INSERT INTO order_attachments (order_id, storage_name, file_name, content_type, size_bytes, sha256,"
                   " source, uploaded_by, uploader_name, created_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                   {a.order_id, a.storage_name, a.file_name, a.content_type, a.size_bytes, a.sha256,
                    SourceName(a.source), a.uploaded_by, a.uploader_name, a.created_at}));
    return rows.at(0).Int(0);
}

Result<std::optional<Attachment>> AttachmentRepository::Find(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows, conn.Query("SELECT " + std::string(kColumns) + " FROM order_attachments WHERE id = $1", {id}));
    if (rows.empty()) {
        return std::optional<Attachment>();
    }
    return std::optional<Attachment>(FromRow(rows.front()));
}

Result<std::vector<Attachment>> AttachmentRepository::ListForOrder(Conn& conn, int64_t order_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT " + std::string(kColumns) +
                                                     " FROM order_attachments WHERE order_id = $1 ORDER BY id",
                                                 {order_id}));
    std::vector<Attachment> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(FromRow(row));
    }
    return out;
}

Result<int64_t> AttachmentRepository::CountForOrder(Conn& conn, int64_t order_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("SELECT COUNT(*) FROM order_attachments WHERE order_id = $1", {order_id}));
    return rows.at(0).Int(0);
}

Result<bool> AttachmentRepository::StorageNameExists(Conn& conn, const std::string& storage_name) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("SELECT 1 FROM order_attachments WHERE storage_name = $1", {storage_name}));
    return !rows.empty();
}

Result<bool> AttachmentRepository::IsReporter(Conn& conn, const std::string& tracking_code,
                                              const std::string& phone_hash) const {
    // The reporter row of the order the code was issued for (merges copy it to the target order
    // under the same code, so either row proves it).
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT 1 FROM order_reporters WHERE tracking_code = $1"
                                                 " AND phone_hash = $2",
                                                 {tracking_code, phone_hash}));
    return !rows.empty();
}

}  // namespace linli::orders
