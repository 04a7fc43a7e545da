#pragma once
/// Attachments on work orders (photos and PDFs) as plain data; the rules are AttachmentService's.

#include <cstdint>
#include <optional>
#include <string>

namespace linli::orders {

/// Who added an attachment: staff (anyone signed in who can see the order) or the reporter from
/// the public tracking page (tracking code + phone).
enum class AttachmentSource { kStaff, kPublic };

/// One stored attachment. `storage_name` is the file's name on disk and never leaves the server.
struct Attachment {
    int64_t id = 0;
    int64_t order_id = 0;
    std::string storage_name;
    std::string file_name;     // the uploader's, sanitized (attachment_format.hpp)
    std::string content_type;  // detected from the content
    int64_t size_bytes = 0;
    std::string sha256;  // hex
    AttachmentSource source = AttachmentSource::kStaff;
    std::optional<int64_t> uploaded_by;
    std::string uploader_name;  // a username; "reporter" for the public
    int64_t created_at = 0;
};

/// An attachment with its bytes, for a download.
struct AttachmentFile {
    Attachment meta;
    std::string bytes;
};

/// What an upload brings, whatever the HTTP shape (multipart part or raw body).
struct Upload {
    std::string file_name;
    std::string_view bytes;  // REQUIRES: outlives the call that takes it
};

}  // namespace linli::orders
