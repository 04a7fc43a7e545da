// Bad input gets a clear 4xx naming the field, nothing is half-written, and the server keeps serving.
#include <gtest/gtest.h>

#include <thread>

#include "support/test_server.hpp"

namespace linli::testing {
namespace {

class BadInput : public ::testing::Test {
protected:
    TestServer server{Backend::kSqlite, [](app::Config& c) { c.read_timeout_s = 1; }};
    void SetUp() override {
        server.CreateUser("admin1", Role::kAdmin);
        root = server.CreateNode(std::nullopt, "subdistrict", "和平街道");
        admin = server.LoggedIn("admin1", /*bearer=*/true);
    }
    int64_t NodeCount() { return admin.Get("/api/v1/territory/nodes/count").Json().at("count").as_int64(); }
    HttpReply PostRaw(const std::string& body, const std::string& content_type = "application/json") {
        return admin.Send("POST", "/api/v1/territory/nodes", body, {{"Content-Type", content_type}});
    }
    void ExpectStillServing() { EXPECT_EQ(server.Client().Get("/healthz").status, 200); }

    int64_t root = 0;
    HttpClient admin{0};
};

TEST_F(BadInput, MalformedJsonIs400OnTheBody) {
    auto reply = PostRaw(R"({"kind":"community","name":)");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.ErrorCode(), "invalid_argument");
    EXPECT_EQ(reply.ErrorField(), "body");
    EXPECT_EQ(NodeCount(), 1);
    ExpectStillServing();
}

TEST_F(BadInput, WrongTypesNameTheField) {
    auto reply = PostRaw(R"({"parent_id":"one","kind":"community","name":"x"})");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.ErrorField(), "parent_id");
    reply = PostRaw(R"({"parent_id":1,"kind":"community","name":42})");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.ErrorField(), "name");
    EXPECT_EQ(NodeCount(), 1);
}

TEST_F(BadInput, UnknownFieldsAreRejectedByName) {
    auto reply = PostRaw(R"({"parent_id":1,"kind":"community","name":"x","is_admin":true})");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.ErrorField(), "is_admin");
    EXPECT_EQ(NodeCount(), 1);
}

TEST_F(BadInput, WrongContentTypeIs415) {
    auto reply = PostRaw(R"({"kind":"community","name":"x"})", "text/plain");
    EXPECT_EQ(reply.status, 415);
}

TEST_F(BadInput, InvalidUtf8IsRejected) {
    std::string body = "{\"parent_id\":" + std::to_string(root) + ",\"kind\":\"community\",\"name\":\"\xC3\x28\"}";
    auto reply = PostRaw(body);
    EXPECT_EQ(reply.status, 400);
    auto path = admin.Get("/api/v1/territory/nodes?q=%C3%28");
    EXPECT_EQ(path.status, 400);
    EXPECT_EQ(NodeCount(), 1);
}

TEST_F(BadInput, ABodyOverTheLimitIs413) {
    std::string big(1024 * 1024 + 10, 'x');
    auto reply = PostRaw("{\"name\":\"" + big + "\"}");
    EXPECT_EQ(reply.status, 413);
    EXPECT_EQ(reply.ErrorCode(), "payload_too_large");
    ExpectStillServing();
}

TEST_F(BadInput, AHeaderOrUrlOverTheLimitIsRefused) {
    auto header = admin.Get("/healthz", {{"X-Filler", std::string(20 * 1024, 'a')}});
    EXPECT_EQ(header.status, 431);
    auto url = admin.Get("/api/v1/territory/nodes?q=" + std::string(8000, 'a'));
    EXPECT_EQ(url.status, 414);
    ExpectStillServing();
}

TEST_F(BadInput, SlowClientsAreDisconnectedAndOthersStillServed) {
    // Half a request line, then silence: the server hangs up after its read timeout (1 s here).
    std::thread slow([&] {
        HttpClient c = server.Client();
        std::string got = c.Raw("GET /healthz HTTP/1.1\r\nHost: x\r\n", std::chrono::milliseconds(5000));
        EXPECT_EQ(got.find("200 OK"), std::string::npos);
    });
    ExpectStillServing();
    slow.join();
    ExpectStillServing();
}

TEST_F(BadInput, SqlMetacharactersAreStoredVerbatim) {
    const std::string evil = "x'); DROP TABLE territory_nodes; --\"`;";
    auto created = admin.Post("/api/v1/territory/nodes", {{"parent_id", root}, {"kind", "community"}, {"name", evil}});
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.Json().at("name").as_string(), evil);
    EXPECT_EQ(NodeCount(), 2);
    auto found = admin.Get("/api/v1/territory/nodes?q=%27%29%3B%20DROP");
    ASSERT_EQ(found.status, 200);
    EXPECT_EQ(found.Json().at("items").as_array().size(), 1u);
    // Wildcards in a search are literal.
    EXPECT_EQ(admin.Get("/api/v1/territory/nodes?q=%25").Json().at("items").as_array().size(), 0u);
}

TEST_F(BadInput, SortAndFilterParametersAreWhitelisted) {
    auto sort = admin.Get("/api/v1/territory/nodes?sort=name%3BDROP%20TABLE%20users");
    EXPECT_EQ(sort.status, 400);
    EXPECT_EQ(sort.ErrorField(), "sort");
    auto filter = admin.Get("/api/v1/territory/nodes?parent_id=1%20OR%201%3D1");
    EXPECT_EQ(filter.status, 400);
    EXPECT_EQ(filter.ErrorField(), "parent_id");
    auto kind = admin.Get("/api/v1/territory/nodes?kind=grid'--");
    EXPECT_EQ(kind.status, 400);
    EXPECT_EQ(kind.ErrorField(), "kind");
    auto unknown = admin.Get("/api/v1/territory/nodes?order_by=id");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.ErrorField(), "order_by");
    auto cursor = admin.Get("/api/v1/territory/nodes?cursor=%27%20OR%201%3D1");
    EXPECT_EQ(cursor.status, 400);
    EXPECT_EQ(cursor.ErrorField(), "cursor");
}

TEST_F(BadInput, ABadPathIdIs404) {
    EXPECT_EQ(admin.Get("/api/v1/territory/nodes/abc").status, 404);
    EXPECT_EQ(admin.Get("/api/v1/territory/nodes/-1").status, 404);
    EXPECT_EQ(admin.Get("/api/v1/territory/nodes/99999999999999999999999").status, 404);
}

TEST_F(BadInput, LoginWithMissingFieldsNamesThem) {
    HttpClient anon = server.Client();
    auto reply = anon.Send("POST", "/api/v1/auth/login", R"({"username":"admin1"})",
                           {{"Content-Type", "application/json"}}, false);
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.ErrorField(), "password");
}

}  // namespace
}  // namespace linli::testing
