#pragma once
/// The pure rules of order attachments (docs/attachments.md): which files are accepted, decided by
/// their content and never by their name or declared type; how an uploader's file name is made
/// safe to send back; and the multipart/form-data bodies that browsers (Element Plus el-upload) and
/// `curl -F` send. No I/O here, so each rule is unit-tested on bytes.
///
/// Thread safety: every function is pure.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace linli::orders {

/// The content types an attachment may have, as detected (and stored and served).
inline constexpr std::string_view kJpegType = "image/jpeg";
inline constexpr std::string_view kPngType = "image/png";
inline constexpr std::string_view kWebpType = "image/webp";
inline constexpr std::string_view kHeicType = "image/heic";
inline constexpr std::string_view kPdfType = "application/pdf";

/// The content type of `bytes` by their leading signature (JPEG, PNG, WebP, HEIC, PDF), or 415
/// (kUnsupportedMediaType, field "file") whose message says what the file looks like instead
/// ("a Linux executable (ELF)", "a script (#!)", ...) and what is accepted. Empty: 400 file.
Result<std::string> DetectAttachmentType(std::string_view bytes);

/// The usual file extension of a detected type, with its dot (".jpg").
std::string_view ExtensionFor(std::string_view content_type);

/// A file name safe to store and to put in Content-Disposition: the last path segment only, no
/// control characters or quotes, valid UTF-8 (invalid bytes dropped), at most 100 code points,
/// "attachment" when nothing is left; its extension made to match `content_type` (a PNG sent as
/// "photo.jpg" becomes "photo.png"; "scan.PDF" stays as it is).
std::string SanitizeFileName(std::string_view raw, std::string_view content_type);

/// `name` as Content-Disposition wants it: `attachment` or `inline`, an ASCII fallback filename
/// and RFC 5987's filename*=UTF-8''... for the real one.
std::string ContentDisposition(std::string_view name, bool inline_disposition);

/// One part of a multipart/form-data body. `data` points into the body it was parsed from.
struct FormPart {
    std::string name;                     // the form field name
    std::optional<std::string> filename;  // present for file fields (may be "")
    std::string content_type;             // as declared by the client (informational only)
    std::string_view data;
};

/// True when a Content-Type header value names multipart/form-data.
bool IsMultipartFormData(std::string_view content_type);

/// Parses a multipart/form-data body (RFC 7578, RFC 2046 §5.1.1) strictly: a boundary parameter
/// of 1-70 characters, CRLF line ends, every part with a Content-Disposition of form-data and a
/// name, no two parts with the same name, at most `max_parts` parts, part headers of at most 8 KiB,
/// a closing delimiter. Errors are 400 with field "body" (or "Content-Type" for the header).
/// REQUIRES: `body` outlives the returned parts.
Result<std::vector<FormPart>> ParseMultipartFormData(std::string_view content_type, std::string_view body,
                                                     size_t max_parts = 8);

}  // namespace linli::orders
