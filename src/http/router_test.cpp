#include "http/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace linli::http {
namespace {

Handler Answer(std::string body) {
    return [body](Request&) -> Result<Response> { return TextResponse(200, body); };
}

/// Runs the handler of the route found, so a test can tell which route won.
std::string Hit(const Router& router, Method method, std::string_view path) {
    auto match = router.Find(method, path);
    if (!match) {
        return "error:" + std::string(ErrorCodeName(match.error().code));
    }
    Request req;
    return match->route->handler(req)->body;
}

class RouterTest : public ::testing::Test {
protected:
    void SetUp() override {
        router_.Add(Method::kGet, "/api/v1/nodes", AccessRule::AnyUser(), Answer("list"));
        router_.Add(Method::kPost, "/api/v1/nodes", AccessRule::AnyUser(), Answer("create"));
        router_.Add(Method::kGet, "/api/v1/nodes/{id}", AccessRule::AnyUser(), Answer("get"));
        router_.Add(Method::kPatch, "/api/v1/nodes/{id}", AccessRule::AnyUser(), Answer("patch"));
        router_.Add(Method::kGet, "/api/v1/nodes/tree", AccessRule::AnyUser(), Answer("tree"));
        router_.Add(Method::kGet, "/api/v1/nodes/{id}/children/{child}", AccessRule::AnyUser(), Answer("child"));
        router_.Add(Method::kGet, "/", AccessRule::Public(), Answer("root"));
    }
    Router router_;
};

TEST_F(RouterTest, MatchesLiteralPathsByMethod) {
    EXPECT_EQ(Hit(router_, Method::kGet, "/api/v1/nodes"), "list");
    EXPECT_EQ(Hit(router_, Method::kPost, "/api/v1/nodes"), "create");
    EXPECT_EQ(Hit(router_, Method::kGet, "/"), "root");
}

TEST_F(RouterTest, CapturesOneSegmentPerName) {
    auto match = router_.Find(Method::kGet, "/api/v1/nodes/42/children/7");
    ASSERT_TRUE(match);
    EXPECT_EQ(match->route->pattern, "/api/v1/nodes/{id}/children/{child}");
    EXPECT_EQ(match->params.at("id"), "42");
    EXPECT_EQ(match->params.at("child"), "7");
    // A capture never spans two segments.
    EXPECT_EQ(Hit(router_, Method::kGet, "/api/v1/nodes/42/extra"), "error:not_found");
}

TEST_F(RouterTest, LiteralSegmentWinsOverCapture) {
    EXPECT_EQ(Hit(router_, Method::kGet, "/api/v1/nodes/tree"), "tree");
    EXPECT_EQ(Hit(router_, Method::kGet, "/api/v1/nodes/trees"), "get");
}

TEST_F(RouterTest, LiteralWinsWhateverTheOrderOfRegistration) {
    Router r;
    r.Add(Method::kGet, "/a/{x}/c", AccessRule::Public(), Answer("capture-first"));
    r.Add(Method::kGet, "/a/b/{y}", AccessRule::Public(), Answer("literal-first"));
    // The first segment that differs decides: "b" is literal in the second pattern.
    EXPECT_EQ(Hit(r, Method::kGet, "/a/b/c"), "literal-first");
}

TEST_F(RouterTest, TrailingSlashIsADifferentPath) {
    EXPECT_EQ(Hit(router_, Method::kGet, "/api/v1/nodes/"), "error:not_found");
    EXPECT_EQ(Hit(router_, Method::kGet, "/api/v1/nodes/42/"), "error:not_found");
}

TEST_F(RouterTest, EmptySegmentIsNotCaptured) {
    EXPECT_EQ(Hit(router_, Method::kGet, "/api/v1/nodes//children/1"), "error:not_found");
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
    auto match = router_.Find(Method::kGet, "/api/v1/nope");
    ASSERT_FALSE(match);
    EXPECT_EQ(match.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(Hit(router_, Method::kGet, ""), "error:not_found");
    EXPECT_EQ(Hit(router_, Method::kGet, "/API/v1/nodes"), "error:not_found");
}

TEST_F(RouterTest, KnownPathWithOtherMethodIsMethodNotAllowedListingAllowed) {
    auto match = router_.Find(Method::kDelete, "/api/v1/nodes/42");
    ASSERT_FALSE(match);
    EXPECT_EQ(match.error().code, ErrorCode::kMethodNotAllowed);
    EXPECT_NE(match.error().message.find("GET"), std::string::npos) << match.error().message;
    EXPECT_NE(match.error().message.find("HEAD"), std::string::npos) << match.error().message;
    EXPECT_NE(match.error().message.find("PATCH"), std::string::npos) << match.error().message;
    EXPECT_EQ(match.error().message.find("POST"), std::string::npos) << match.error().message;

    auto allowed = router_.AllowedMethods("/api/v1/nodes");
    EXPECT_EQ(allowed, (std::vector<Method>{Method::kGet, Method::kHead, Method::kPost}));
}

TEST_F(RouterTest, HeadIsServedByGetRoutes) {
    EXPECT_EQ(Hit(router_, Method::kHead, "/api/v1/nodes/5"), "get");
    EXPECT_EQ(Hit(router_, Method::kHead, "/api/v1/nodes"), "list");
}

TEST_F(RouterTest, ExplicitHeadRouteBeatsGet) {
    router_.Add(Method::kHead, "/api/v1/nodes", AccessRule::AnyUser(), Answer("head"));
    EXPECT_EQ(Hit(router_, Method::kHead, "/api/v1/nodes"), "head");
    EXPECT_EQ(Hit(router_, Method::kGet, "/api/v1/nodes"), "list");
}

TEST_F(RouterTest, PathParamsAreGivenAsSent) {
    // The server percent-decodes before routing; the router passes captures through untouched,
    // and handlers validate them (PathId).
    auto match = router_.Find(Method::kGet, "/api/v1/nodes/1' OR '1'='1");
    ASSERT_TRUE(match);
    EXPECT_EQ(match->params.at("id"), "1' OR '1'='1");
}

TEST(RouterAdd, RejectsDuplicateAndMalformedPatterns) {
    Router r;
    r.Add(Method::kGet, "/a/{id}", AccessRule::Public(), Answer("x"));
    EXPECT_THROW(r.Add(Method::kGet, "/a/{other}", AccessRule::Public(), Answer("y")), std::logic_error);
    EXPECT_NO_THROW(r.Add(Method::kPost, "/a/{id}", AccessRule::Public(), Answer("z")));
    EXPECT_THROW(r.Add(Method::kGet, "no-slash", AccessRule::Public(), Answer("x")), std::invalid_argument);
    EXPECT_THROW(r.Add(Method::kGet, "/b/x{id}", AccessRule::Public(), Answer("x")), std::invalid_argument);
    EXPECT_THROW(r.Add(Method::kGet, "/b/{id}/{id}", AccessRule::Public(), Answer("x")), std::invalid_argument);
    EXPECT_THROW(r.Add(Method::kGet, "/c", AccessRule::Public(), Handler{}), std::invalid_argument);
}

TEST(AccessRuleTest, AllowsListedRolesOnly) {
    EXPECT_TRUE(AccessRule::AnyUser().Allows(Role::kResident));
    auto staff = AccessRule::Roles({Role::kAdmin, Role::kCommunityStaff});
    EXPECT_TRUE(staff.Allows(Role::kAdmin));
    EXPECT_TRUE(staff.Allows(Role::kCommunityStaff));
    EXPECT_FALSE(staff.Allows(Role::kResident));
    EXPECT_FALSE(AccessRule::Public().authenticated);
}

TEST(MethodTest, NamesRoundTrip) {
    for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch, Method::kDelete,
                     Method::kOptions}) {
        EXPECT_EQ(ParseMethod(MethodName(m)), m);
    }
    EXPECT_EQ(ParseMethod("get"), Method::kOther);
    EXPECT_EQ(ParseMethod("BREW"), Method::kOther);
}

TEST(RequestTest, HeadersQueryAndCookies) {
    Request req;
    req.headers = {{"content-type", "application/json"},
                   {"cookie", "theme=dark; linli_session=abc123;  lang = zh"},
                   {"cookie", "other=\"quoted\""}};
    req.query = {{"q", "王"}, {"limit", "10"}};
    EXPECT_EQ(req.Header("content-type"), "application/json");
    EXPECT_FALSE(req.Header("accept"));
    EXPECT_EQ(req.QueryParam("q"), "王");
    EXPECT_FALSE(req.QueryParam("cursor"));
    EXPECT_EQ(req.Cookie("linli_session"), "abc123");
    EXPECT_EQ(req.Cookie("theme"), "dark");
    EXPECT_EQ(req.Cookie("lang"), "zh");
    EXPECT_EQ(req.Cookie("other"), "quoted");
    EXPECT_FALSE(req.Cookie("session"));
}

TEST(RequestTest, PathIdAcceptsPositiveDecimalOnly) {
    Request req;
    auto id_of = [&](std::string value) {
        req.path_params["id"] = std::move(value);
        return req.PathId("id");
    };
    ASSERT_TRUE(id_of("42"));
    EXPECT_EQ(*id_of("42"), 42);
    EXPECT_EQ(*id_of("9223372036854775807"), INT64_MAX);
    for (const char* bad : {"0", "-1", "+1", "1.5", "1e3", "0x10", " 1", "1 ", "abc", "", "01", "9223372036854775808",
                            "99999999999999999999", "1' OR '1'='1"}) {
        auto r = id_of(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << bad;
        EXPECT_EQ(r.error().message, "no such record");
    }
    EXPECT_FALSE(req.PathId("missing"));
}

TEST(ErrorMappingTest, StatusesAndBody) {
    EXPECT_EQ(StatusFor(ErrorCode::kInvalidArgument), 400);
    EXPECT_EQ(StatusFor(ErrorCode::kUnauthenticated), 401);
    EXPECT_EQ(StatusFor(ErrorCode::kForbidden), 403);
    EXPECT_EQ(StatusFor(ErrorCode::kNotFound), 404);
    EXPECT_EQ(StatusFor(ErrorCode::kMethodNotAllowed), 405);
    EXPECT_EQ(StatusFor(ErrorCode::kConflict), 409);
    EXPECT_EQ(StatusFor(ErrorCode::kPayloadTooLarge), 413);
    EXPECT_EQ(StatusFor(ErrorCode::kUnsupportedMediaType), 415);
    EXPECT_EQ(StatusFor(ErrorCode::kLocked), 423);
    EXPECT_EQ(StatusFor(ErrorCode::kTooManyRequests), 429);
    EXPECT_EQ(StatusFor(ErrorCode::kUnavailable), 503);
    EXPECT_EQ(StatusFor(ErrorCode::kInternal), 500);

    auto with_field = ErrorResponse(InvalidArgument("name", "is required"));
    EXPECT_EQ(with_field.status, 400);
    EXPECT_EQ(with_field.content_type, "application/json");
    EXPECT_EQ(with_field.body, R"({"error":{"code":"invalid_argument","message":"is required","field":"name"}})");

    auto without_field = ErrorResponse(NotFound("no such record"));
    EXPECT_EQ(without_field.status, 404);
    EXPECT_EQ(without_field.body, R"({"error":{"code":"not_found","message":"no such record"}})");

    EXPECT_EQ(NoContent().status, 204);
    EXPECT_TRUE(NoContent().body.empty());
    auto text = TextResponse(200, "ok");
    EXPECT_EQ(text.content_type, "text/plain; charset=utf-8");
}

}  // namespace
}  // namespace linli::http
