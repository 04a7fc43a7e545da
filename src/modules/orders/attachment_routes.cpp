#include "modules/orders/attachment_routes.hpp"

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "http/json_io.hpp"
#include "modules/orders/attachment_format.hpp"

namespace linli::orders {

namespace {

namespace json = boost::json;
using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

/// Room for the multipart framing (boundaries, part headers, a phone field) around the file.
constexpr size_t kFormOverheadBytes = 64 * 1024;
constexpr size_t kMaxFileNameBytes = 255;

std::string DownloadUrl(int64_t id) {
    return "/api/v1/attachments/" + std::to_string(id);
}

json::object AttachmentToJson(const Attachment& a) {
    json::object o{{"id", a.id},
                   {"order_id", a.order_id},
                   {"file_name", a.file_name},
                   {"content_type", a.content_type},
                   {"size", a.size_bytes},
                   {"sha256", a.sha256},
                   {"source", a.source == AttachmentSource::kPublic ? "public" : "staff"},
                   {"uploader_name", a.uploader_name},
                   {"created_at", a.created_at},
                   {"url", DownloadUrl(a.id)}};
    o["uploaded_by"] = a.uploaded_by ? json::value(*a.uploaded_by) : json::value(nullptr);
    return o;
}

/// The file of a multipart body: the part named "file" (with a filename); `extra` names the other
/// fields the route reads (their values are returned in order), any other field is 400.
struct FormUpload {
    Upload upload;
    std::vector<std::string> extra;
};

Result<FormUpload> ReadForm(const Request& req, std::string_view content_type,
                            std::initializer_list<std::string_view> extra_fields) {
    LINLI_ASSIGN_OR_RETURN(auto parts, ParseMultipartFormData(content_type, req.body, 2 + extra_fields.size()));
    FormUpload out;
    out.extra.resize(extra_fields.size());
    bool has_file = false;
    for (const auto& p : parts) {
        if (p.name == "file") {
            if (!p.filename) {
                return InvalidArgument("file", "the field \"file\" must be a file (with a filename)");
            }
            if (p.filename->size() > kMaxFileNameBytes) {
                return InvalidArgument("file_name", "the file name is longer than 255 bytes");
            }
            out.upload.file_name = *p.filename;
            out.upload.bytes = p.data;
            has_file = true;
            continue;
        }
        auto it = std::find(extra_fields.begin(), extra_fields.end(), p.name);
        if (it == extra_fields.end()) {
            return InvalidArgument(p.name, "unknown form field \"" + p.name + "\"; send the file as \"file\"");
        }
        out.extra[static_cast<size_t>(it - extra_fields.begin())] = std::string(p.data);
    }
    if (!has_file) {
        return InvalidArgument("file", "the form has no field \"file\"");
    }
    return out;
}

}  // namespace

void RegisterAttachmentRoutes(http::Router& router, AttachmentService& service) {
    const auto anyone = AccessRule::AnyUser();
    const size_t body_limit = static_cast<size_t>(service.options().max_bytes) + kFormOverheadBytes;
    const std::string upload_path = "/api/v1/orders/{id}/attachments";

    router.Add(
        Method::kPost, upload_path, anyone,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto order_id, req.PathId("id"));
            const std::string_view content_type = req.Header("content-type").value_or("");
            Upload upload;
            FormUpload form;
            if (IsMultipartFormData(content_type)) {
                LINLI_TRY(http::QueryReader(req).Finish());
                LINLI_ASSIGN_OR_RETURN(form, ReadForm(req, content_type, {}));
                upload = form.upload;
            } else {
                // The raw bytes (curl --data-binary @photo.jpg); the declared type is not trusted either way.
                http::QueryReader q(req);
                upload.file_name = q.String("filename", {1, kMaxFileNameBytes}).value_or("attachment");
                LINLI_TRY(q.Finish());
                upload.bytes = req.body;
            }
            LINLI_ASSIGN_OR_RETURN(auto a, service.Add(req.caller(), order_id, upload, req.info()));
            auto response = http::JsonResponse(201, AttachmentToJson(a));
            response.AddHeader("Location", DownloadUrl(a.id));
            return response;
        },
        "Attach a photo (JPEG, PNG, WebP, HEIC) or a PDF to a work order; the type is checked by content");
    router.SetBodyLimit(Method::kPost, upload_path, body_limit);

    router.Add(
        Method::kGet, "/api/v1/orders/{id}/attachments", anyone,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto order_id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto list, service.List(req.caller(), order_id));
            json::array items;
            for (const auto& a : list) {
                items.push_back(AttachmentToJson(a));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "A work order's attachments, oldest first");

    router.Add(
        Method::kGet, "/api/v1/attachments/{id}", anyone,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            http::QueryReader q(req);
            auto inline_param = q.Enum("inline", {"true", "false"});
            LINLI_TRY(q.Finish());
            LINLI_ASSIGN_OR_RETURN(auto file, service.Download(req.caller(), id));
            Response r;
            r.content_type = file.meta.content_type;  // the detected type, never the uploader's claim
            r.body = std::move(file.bytes);
            r.AddHeader("Content-Disposition",
                        ContentDisposition(file.meta.file_name, inline_param && *inline_param == "true"));
            r.AddHeader("X-Content-Type-Options", "nosniff");
            if (file.meta.content_type != kPdfType) {
                // An image opened on its own cannot run anything or load anything else.
                r.AddHeader("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox");
            }
            r.AddHeader("Cache-Control", "private, no-store");
            r.AddHeader("ETag", "\"" + file.meta.sha256 + "\"");
            return r;
        },
        "Download an attachment (404 when its order is not visible)");

    const std::string public_path = "/api/v1/track/{code}/attachments";
    router.Add(
        Method::kPost, public_path, AccessRule::Public(),
        [&service](Request& req) -> Result<Response> {
            const std::string& code = req.path_params.at("code");
            LINLI_TRY(http::QueryReader(req).Finish());
            const std::string_view content_type = req.Header("content-type").value_or("");
            if (!IsMultipartFormData(content_type)) {
                return Error{ErrorCode::kUnsupportedMediaType,
                             "Content-Type must be multipart/form-data with the fields \"file\" and \"phone\"",
                             "Content-Type"};
            }
            LINLI_ASSIGN_OR_RETURN(auto form, ReadForm(req, content_type, {"phone"}));
            if (form.extra[0].empty()) {
                return InvalidArgument("phone", "phone (the one the report was made with) is required");
            }
            auto added = service.AddPublic(code, form.extra[0], form.upload, req.info());
            if (!added && added.error().code == ErrorCode::kTooManyRequests) {
                auto response = http::ErrorResponse(added.error());
                response.AddHeader("Retry-After", "60");
                return response;
            }
            LINLI_TRY(added);
            return http::JsonResponse(201, json::object{{"file_name", added->file_name},
                                                        {"content_type", added->content_type},
                                                        {"size", added->size_bytes},
                                                        {"created_at", added->created_at}});
        },
        "The reporter attaches a photo or PDF to their report (tracking code + phone), no login");
    router.SetBodyLimit(Method::kPost, public_path, body_limit);
}

}  // namespace linli::orders
