#pragma once
/// Expected failures as values: every service and repository returns Result<T>.

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linli {

/// What went wrong, in terms a caller can act on. http/error_mapping.cpp maps each to a status;
/// its switch has no default, so a new code is a compiler warning until it is mapped.
enum class ErrorCode {
    kInvalidArgument,       // 400: bad field value, malformed JSON, unknown field
    kUnauthenticated,       // 401: no, expired or forged credentials
    kForbidden,             // 403: authenticated but the role may not do this (or CSRF failed)
    kNotFound,              // 404: absent, or outside the caller's scope
    kMethodNotAllowed,      // 405
    kConflict,              // 409: unique violation, state conflict
    kPayloadTooLarge,       // 413
    kUnsupportedMediaType,  // 415
    kLocked,                // 423: account locked after failed logins
    kTooManyRequests,       // 429
    kUnavailable,           // 503: shedding load, shutting down, database unreachable
    kInternal,              // 500: a bug or a lost database
};

/// Stable snake_case name used in the JSON error body ("invalid_argument", ...).
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;
    std::string field;  // the offending field, header or parameter; empty when none applies
    /// For a state conflict (409): the actions allowed in the current state (possibly none), sent as
    /// "allowed"; absent for every other error.
    std::optional<std::vector<std::string>> allowed;
};

inline Error InvalidArgument(std::string field, std::string message) {
    return {ErrorCode::kInvalidArgument, std::move(message), std::move(field)};
}
inline Error NotFound(std::string message) { return {ErrorCode::kNotFound, std::move(message), {}}; }
inline Error Conflict(std::string message, std::string field = {}) {
    return {ErrorCode::kConflict, std::move(message), std::move(field)};
}
inline Error Forbidden(std::string message) { return {ErrorCode::kForbidden, std::move(message), {}}; }
inline Error Unauthenticated(std::string message) { return {ErrorCode::kUnauthenticated, std::move(message), {}}; }
inline Error Internal(std::string message) { return {ErrorCode::kInternal, std::move(message), {}}; }

/// Thrown by Result::value() on an error; found by ADL from boost::system::result.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

}  // namespace linli

#define LINLI_CONCAT_INNER(a, b) a##b
#define LINLI_CONCAT(a, b) LINLI_CONCAT_INNER(a, b)

/// Returns the error of `expr` (a Result) from the enclosing function, if any.
#define LINLI_TRY(expr) LINLI_TRY_IMPL(LINLI_CONCAT(linli_try_, __COUNTER__), expr)
#define LINLI_TRY_IMPL(tmp, expr)            \
    do {                                     \
        auto&& tmp = (expr);                 \
        if (!tmp) {                          \
            return std::move(tmp).error();   \
        }                                    \
    } while (0)

/// `LINLI_ASSIGN_OR_RETURN(auto x, Fn());` declares x from the value or returns the error.
#define LINLI_ASSIGN_OR_RETURN(lhs, expr) LINLI_ASSIGN_OR_RETURN_IMPL(LINLI_CONCAT(linli_r_, __COUNTER__), lhs, expr)
#define LINLI_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                              \
    if (!tmp) {                                     \
        return std::move(tmp).error();              \
    }                                               \
    lhs = std::move(*tmp)
