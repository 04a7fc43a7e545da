#pragma once
/// A parsed HTTP request and what middleware learned about it. Free of Beast so that module
/// routes compile quickly; http/server.cpp converts from Beast's message.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/actor.hpp"
#include "core/error.hpp"

namespace linli::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };
std::string_view MethodName(Method m);
Method ParseMethod(std::string_view name);

struct Request {
    Method method = Method::kGet;
    std::string target;  // as sent: path and query, still percent-encoded
    std::string path;    // percent-decoded path
    std::vector<std::pair<std::string, std::string>> query;    // percent-decoded, in order
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;
    std::string remote_addr;
    std::string request_id;  // from X-Request-Id when sane, else generated

    // Filled by the router and middleware.
    std::string route;  // the matched pattern, e.g. "/api/v1/territory/nodes/{id}"; "" when none
    std::map<std::string, std::string, std::less<>> path_params;
    std::optional<Actor> actor;  // set when the caller authenticated

    /// REQUIRES: `lower_name` is lower case.
    std::optional<std::string_view> Header(std::string_view lower_name) const;
    std::optional<std::string_view> QueryParam(std::string_view name) const;
    std::optional<std::string> Cookie(std::string_view name) const;
    /// A path parameter parsed as a positive id; anything else is kNotFound (no such record).
    Result<int64_t> PathId(std::string_view name) const;
    /// REQUIRES: the route's access rule demanded authentication.
    const Actor& caller() const { return *actor; }
    /// Where the call came from, for the audit log.
    RequestInfo info() const { return RequestInfo{request_id, remote_addr}; }
};

/// A request from its parts as they came off the wire: the target split into a percent-decoded path
/// and query (Boost.URL; '+' in the query is a space), header names lower-cased. 400 naming "url"
/// when the target is malformed or its path or query is not UTF-8. The server's way in (it passes
/// what Beast parsed), and the HTTP fuzz target's.
Result<Request> MakeRequest(std::string_view method, std::string target,
                            std::vector<std::pair<std::string, std::string>> headers, std::string body);

}  // namespace linli::http
