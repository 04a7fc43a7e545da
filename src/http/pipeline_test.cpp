#include "http/pipeline.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <sstream>
#include <stdexcept>

namespace linli::http {
namespace {

std::optional<std::string> HeaderOf(const Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
        if (n == name) {
            return v;
        }
    }
    return std::nullopt;
}

class PipelineTest : public ::testing::Test {
protected:
    void SetUp() override {
        router_.Add(Method::kGet, "/public", AccessRule::Public(),
                    [](Request&) -> Result<Response> { return TextResponse(200, "hello"); });
        router_.Add(Method::kGet, "/me", AccessRule::AnyUser(), [](Request& req) -> Result<Response> {
            return TextResponse(200, std::to_string(req.caller().user_id));
        });
        router_.Add(Method::kDelete, "/nodes/{id}", AccessRule::Roles({Role::kAdmin}),
                    [](Request& req) -> Result<Response> {
                        LINLI_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
                        return TextResponse(200, req.route + " " + std::to_string(id));
                    });
        router_.Add(Method::kGet, "/conflict", AccessRule::Public(),
                    [](Request&) -> Result<Response> { return Conflict("already there", "name"); });
        router_.Add(Method::kGet, "/boom", AccessRule::Public(),
                    [](Request&) -> Result<Response> { throw std::runtime_error("bug"); });
    }

    Response Call(Method method, std::string path) {
        Request req;
        req.method = method;
        req.path = std::move(path);
        req.target = req.path;
        req.request_id = "test-id-1";
        return pipeline_.Handle(req);
    }

    Router router_;
    metrics::Registry metrics_;
    std::atomic<int> auth_calls_{0};
    Result<std::optional<Actor>> auth_result_ = std::optional<Actor>{};
    Pipeline pipeline_{router_,
                       [this](const Request&) {
                           ++auth_calls_;
                           return auth_result_;
                       },
                       metrics_, PipelineOptions{.access_log = false}};
};

Actor User(int64_t id, Role role) {
    Actor a;
    a.user_id = id;
    a.role = role;
    return a;
}

TEST_F(PipelineTest, PublicRouteDoesNotAuthenticate) {
    auto res = Call(Method::kGet, "/public");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, "hello");
    EXPECT_EQ(auth_calls_, 0);
    EXPECT_EQ(HeaderOf(res, "X-Request-Id"), "test-id-1");
}

TEST_F(PipelineTest, NoCredentialsIs401) {
    auto res = Call(Method::kGet, "/me");
    EXPECT_EQ(res.status, 401);
    EXPECT_EQ(res.body, R"({"error":{"code":"unauthenticated","message":"login required"}})");
    EXPECT_EQ(auth_calls_, 1);
}

TEST_F(PipelineTest, AuthenticatorErrorIsAnswered) {
    auth_result_ = Forbidden("missing CSRF header");
    auto res = Call(Method::kGet, "/me");
    EXPECT_EQ(res.status, 403);
    EXPECT_NE(res.body.find("missing CSRF header"), std::string::npos);
}

TEST_F(PipelineTest, AuthenticatedCallerReachesHandler) {
    auth_result_ = std::optional<Actor>(User(7, Role::kResident));
    auto res = Call(Method::kGet, "/me");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, "7");
}

TEST_F(PipelineTest, RoleNotAllowedIs403) {
    auth_result_ = std::optional<Actor>(User(7, Role::kResident));
    auto res = Call(Method::kDelete, "/nodes/5");
    EXPECT_EQ(res.status, 403);
    EXPECT_NE(res.body.find("\"code\":\"forbidden\""), std::string::npos);

    auth_result_ = std::optional<Actor>(User(1, Role::kAdmin));
    auto ok = Call(Method::kDelete, "/nodes/5");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, "/nodes/{id} 5");
    EXPECT_EQ(Call(Method::kDelete, "/nodes/abc").status, 404);
}

TEST_F(PipelineTest, RoutingErrors) {
    auto missing = Call(Method::kGet, "/nowhere");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(HeaderOf(missing, "X-Request-Id"), "test-id-1");

    auto wrong_method = Call(Method::kPost, "/public");
    EXPECT_EQ(wrong_method.status, 405);
    EXPECT_EQ(HeaderOf(wrong_method, "Allow"), "GET, HEAD");
    EXPECT_NE(wrong_method.body.find("method_not_allowed"), std::string::npos);
}

TEST_F(PipelineTest, HandlerErrorIsMapped) {
    auto res = Call(Method::kGet, "/conflict");
    EXPECT_EQ(res.status, 409);
    EXPECT_EQ(res.body, R"({"error":{"code":"conflict","message":"already there","field":"name"}})");
}

TEST_F(PipelineTest, ExceptionIs500WithRequestId) {
    auto res = Call(Method::kGet, "/boom");
    EXPECT_EQ(res.status, 500);
    EXPECT_NE(res.body.find("\"code\":\"internal\""), std::string::npos);
    EXPECT_NE(res.body.find("internal error (request id test-id-1)"), std::string::npos);
    EXPECT_EQ(res.body.find("bug"), std::string::npos) << "exception text must not leak to the client";
}

TEST_F(PipelineTest, MetricsUseRoutePatternsNotRawPaths) {
    auth_result_ = std::optional<Actor>(User(1, Role::kAdmin));
    Call(Method::kDelete, "/nodes/5");
    Call(Method::kDelete, "/nodes/6");
    Call(Method::kGet, "/secret-path-123");
    std::string text = metrics_.RenderPrometheus();
    EXPECT_NE(text.find(R"(linli_http_requests_total{method="DELETE",route="/nodes/{id}",status="200"} 2)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(R"(route="unmatched",status="404")"), std::string::npos) << text;
    EXPECT_NE(text.find("linli_http_request_duration_seconds"), std::string::npos);
    EXPECT_EQ(text.find("secret-path-123"), std::string::npos);
    EXPECT_EQ(text.find("/nodes/5"), std::string::npos);
}

TEST_F(PipelineTest, MissingRequestIdIsGenerated) {
    Request req;
    req.path = "/public";
    auto res = pipeline_.Handle(req);
    EXPECT_FALSE(req.request_id.empty());
    EXPECT_EQ(HeaderOf(res, "X-Request-Id"), req.request_id);
}

TEST(PipelineAccessLog, OneLineWithoutQueryString) {
    auto out = std::make_shared<std::ostringstream>();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out);
    spdlog::drop("access");
    spdlog::register_logger(std::make_shared<spdlog::logger>("access", sink));

    Router router;
    router.Add(Method::kGet, "/residents/{id}", AccessRule::AnyUser(),
               [](Request&) -> Result<Response> { return TextResponse(200, "12345"); });
    metrics::Registry metrics;
    Pipeline pipeline(
        router,
        [](const Request&) -> Result<std::optional<Actor>> { return std::optional<Actor>(User(9, Role::kAdmin)); },
        metrics, PipelineOptions{});
    Request req;
    req.path = "/residents/5";
    req.target = "/residents/5?phone=13800138000";
    req.query = {{"phone", "13800138000"}};
    req.remote_addr = "192.0.2.7";
    req.request_id = "rid-77";
    pipeline.Handle(req);
    spdlog::drop("access");

    std::string line = out->str();
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
    for (const char* part : {"rid-77", "192.0.2.7", "GET", "/residents/5", "/residents/{id}", "200", "5 ", "user=9"}) {
        EXPECT_NE(line.find(part), std::string::npos) << part << " in " << line;
    }
    EXPECT_EQ(line.find("13800138000"), std::string::npos) << line;
}

TEST(PipelineAccessLog, ASecretInThePathIsNotLogged) {
    auto out = std::make_shared<std::ostringstream>();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out);
    spdlog::drop("access");
    spdlog::register_logger(std::make_shared<spdlog::logger>("access", sink));

    Router router;
    router.Add(Method::kGet, "/track/{code}", AccessRule::Public(),
               [](Request&) -> Result<Response> { return TextResponse(200, "ok"); });
    metrics::Registry metrics;
    Pipeline pipeline(
        router, [](const Request&) -> Result<std::optional<Actor>> { return std::optional<Actor>(); }, metrics,
        PipelineOptions{});
    Request req;
    req.path = "/track/DUZM6HQ82F";
    req.target = req.path;
    req.request_id = "rid-78";
    pipeline.Handle(req);
    spdlog::drop("access");

    const std::string line = out->str();
    EXPECT_NE(line.find("/track/{code}"), std::string::npos) << line;
    EXPECT_EQ(line.find("DUZM6HQ82F"), std::string::npos) << line;
}

}  // namespace
}  // namespace linli::http
