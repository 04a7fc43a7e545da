#pragma once
/// Calls one route's handler directly, as the pipeline would after routing and authentication:
/// for module route tests that need no server.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/actor.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace linli::testing {

/// The handler's response for `method path` as `actor`; a missing route fails the test.
inline http::Response CallRoute(const http::Router& router, const Actor& actor, http::Method method,
                                const std::string& path, std::string body = {},
                                std::vector<std::pair<std::string, std::string>> query = {}) {
    auto match = router.Find(method, path);
    EXPECT_TRUE(match) << path;
    if (!match) {
        return http::ErrorResponse(match.error());
    }
    http::Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(query);
    req.body = std::move(body);
    if (!req.body.empty()) {
        req.headers.emplace_back("content-type", "application/json");
    }
    req.path_params = match->params;
    req.actor = actor;
    auto result = match->route->handler(req);
    return result ? *result : http::ErrorResponse(result.error());
}

}  // namespace linli::testing
