#include "core/error.hpp"

#include <stdexcept>

namespace linli {

std::string_view ErrorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidArgument: return "invalid_argument";
        case ErrorCode::kUnauthenticated: return "unauthenticated";
        case ErrorCode::kForbidden: return "forbidden";
        case ErrorCode::kNotFound: return "not_found";
        case ErrorCode::kMethodNotAllowed: return "method_not_allowed";
        case ErrorCode::kConflict: return "conflict";
        case ErrorCode::kPayloadTooLarge: return "payload_too_large";
        case ErrorCode::kUnsupportedMediaType: return "unsupported_media_type";
        case ErrorCode::kLocked: return "locked";
        case ErrorCode::kTooManyRequests: return "too_many_requests";
        case ErrorCode::kUnavailable: return "unavailable";
        case ErrorCode::kInternal: return "internal";
    }
    return "internal";
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
    throw std::runtime_error(std::string(ErrorCodeName(e.code)) + ": " + e.message);
}

}  // namespace linli
