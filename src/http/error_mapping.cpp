#include <boost/json.hpp>

#include "http/response.hpp"

namespace linli::http {

int StatusFor(ErrorCode code) {
    // No default: -Wswitch-enum turns a new, unmapped code into a warning here.
    switch (code) {
        case ErrorCode::kInvalidArgument:
            return 400;
        case ErrorCode::kUnauthenticated:
            return 401;
        case ErrorCode::kForbidden:
            return 403;
        case ErrorCode::kNotFound:
            return 404;
        case ErrorCode::kMethodNotAllowed:
            return 405;
        case ErrorCode::kConflict:
            return 409;
        case ErrorCode::kPayloadTooLarge:
            return 413;
        case ErrorCode::kUnsupportedMediaType:
            return 415;
        case ErrorCode::kLocked:
            return 423;
        case ErrorCode::kTooManyRequests:
            return 429;
        case ErrorCode::kUnavailable:
            return 503;
        case ErrorCode::kInternal:
            return 500;
    }
    return 500;
}

Response ErrorResponse(const Error& error) {
    boost::json::object inner;
    inner["code"] = ErrorCodeName(error.code);
    inner["message"] = error.message;
    if (!error.field.empty()) {
        inner["field"] = error.field;
    }
    if (error.allowed) {
        boost::json::array allowed;
        for (const auto& a : *error.allowed) {
            allowed.emplace_back(a);
        }
        inner["allowed"] = std::move(allowed);
    }
    boost::json::object outer;
    outer["error"] = std::move(inner);
    Response r;
    r.status = StatusFor(error.code);
    r.content_type = "application/json";
    r.body = boost::json::serialize(outer);
    return r;
}

Response TextResponse(int status, std::string body, std::string content_type) {
    Response r;
    r.status = status;
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    return r;
}

Response NoContent() {
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
}

}  // namespace linli::http
