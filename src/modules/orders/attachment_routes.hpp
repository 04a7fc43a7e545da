#pragma once
/// HTTP routes of order attachments (AttachmentService; docs/attachments.md).

#include "http/router.hpp"
#include "modules/orders/attachment_service.hpp"

namespace linli::orders {

/// Adds:
///   POST /api/v1/orders/{id}/attachments     multipart/form-data with one file field "file" (what
///                                            el-upload and `curl -F file=@x.jpg` send), or the raw
///                                            bytes with ?filename= → 201 attachment + Location
///   GET  /api/v1/orders/{id}/attachments     → {"items":[attachment]}
///   GET  /api/v1/attachments/{id}            ?inline=true|false → the bytes with the detected type,
///                                            Content-Disposition, X-Content-Type-Options: nosniff
///   POST /api/v1/track/{code}/attachments    no login; multipart/form-data with "file" and "phone"
///                                            (the reporter's) → 201 {"file_name","content_type","size",
///                                            "created_at"}; 429 + Retry-After when rate-limited
/// The upload routes take bodies up to the service's max_bytes plus room for the form's framing;
/// a larger declared Content-Length is refused with 413 before the body is read.
/// REQUIRES: `service` outlives `router`.
void RegisterAttachmentRoutes(http::Router& router, AttachmentService& service);

}  // namespace linli::orders
