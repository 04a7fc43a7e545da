#pragma once
/// What a handler answers. http/server.cpp turns it into a Beast message.

#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace linli::http {

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Set-Cookie

    void AddHeader(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

/// The HTTP status for an error code (http/error_mapping.cpp).
int StatusFor(ErrorCode code);
/// {"error":{"code","message","field"}} with the mapped status.
Response ErrorResponse(const Error& error);
Response TextResponse(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
Response NoContent();

}  // namespace linli::http
