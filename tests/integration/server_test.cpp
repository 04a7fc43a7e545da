// The server as a client sees it: health, metrics, request ids, the API description, routing errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "support/test_server.hpp"

namespace linli::testing {
namespace {

TEST(Server, HealthzAnswersOkWithARequestId) {
    TestServer server;
    auto reply = server.Client().Get("/healthz");
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.Json().at("status").as_string(), "ok");
    EXPECT_FALSE(reply.Header("x-request-id").empty());
}

TEST(Server, EchoesASaneClientRequestIdAndReplacesAnInsaneOne) {
    TestServer server;
    auto client = server.Client();
    EXPECT_EQ(client.Get("/healthz", {{"X-Request-Id", "abc-123.x_y"}}).Header("x-request-id"), "abc-123.x_y");
    auto replaced = client.Get("/healthz", {{"X-Request-Id", "bad id with spaces <script>"}}).Header("x-request-id");
    EXPECT_FALSE(replaced.empty());
    EXPECT_EQ(replaced.find(' '), std::string::npos);
}

TEST(Server, UnknownPathIs404AndWrongMethodIs405WithJsonErrors) {
    TestServer server;
    auto client = server.Client();
    auto missing = client.Get("/api/v1/nothing-here");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.ErrorCode(), "not_found");
    auto wrong = client.Send("PUT", "/healthz");
    EXPECT_EQ(wrong.status, 405);
    EXPECT_EQ(wrong.ErrorCode(), "method_not_allowed");
}

TEST(Server, MetricsCountRequestsByRouteAndShowTheWriteQueue) {
    TestServer server;
    server.CreateUser("admin1", Role::kAdmin);
    auto admin = server.LoggedIn("admin1");
    ASSERT_EQ(admin.Post("/api/v1/territory/nodes", {{"kind", "subdistrict"}, {"name", "和平街道"}}).status, 201);
    admin.Get("/healthz");
    auto text = server.Client().Get("/metrics");
    ASSERT_EQ(text.status, 200);
    EXPECT_NE(text.Header("content-type").find("text/plain"), std::string::npos);
    const auto& body = text.body;
    EXPECT_NE(body.find("linli_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"),
              std::string::npos)
        << body;
    EXPECT_NE(body.find("route=\"/api/v1/territory/nodes\",status=\"201\""), std::string::npos);
    EXPECT_NE(body.find("linli_http_request_duration_seconds_bucket"), std::string::npos);
    EXPECT_NE(body.find("linli_storage_write_queue_depth"), std::string::npos);
    EXPECT_NE(body.find("linli_storage_commit_batch_size_bucket"), std::string::npos);
}

TEST(Server, OpenApiDocumentsEveryRoute) {
    TestServer server;
    auto reply = server.Client().Get("/api/v1/openapi.json");
    ASSERT_EQ(reply.status, 200);
    auto spec = reply.Json();
    ASSERT_TRUE(spec.is_object());
    const auto& paths = spec.at("paths").as_object();
    for (const auto& [method, pattern] : server.app().RouteList()) {
        std::string lower = method;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        ASSERT_TRUE(paths.contains(pattern)) << pattern << " is not in docs/api/openapi.yaml";
        EXPECT_TRUE(paths.at(pattern).as_object().contains(lower))
            << method << " " << pattern << " is not in docs/api/openapi.yaml";
    }
}

TEST(Server, StopFinishesAndLaterConnectionsAreRefused) {
    TestServer server;
    auto client = server.Client();
    EXPECT_EQ(client.Get("/healthz").status, 200);
    server.Stop();
    EXPECT_ANY_THROW(client.Get("/healthz"));
}

}  // namespace
}  // namespace linli::testing
