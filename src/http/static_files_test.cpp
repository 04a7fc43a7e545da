#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/crypto.hpp"
#include "core/metrics.hpp"
#include "http/pipeline.hpp"

namespace linli::http {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> HeaderOf(const Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
        if (n == name) {
            return v;
        }
    }
    return std::nullopt;
}

class StaticFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        base_ = fs::temp_directory_path() / ("linli-static-" + crypto::RandomHex(6));
        root_ = base_ / "dist";
        fs::create_directories(root_ / "assets");
        Write(root_ / "index.html", "<!doctype html><title>邻里</title>");
        Write(root_ / "index.html.gz", "GZ-INDEX");
        Write(root_ / "assets" / "index-abc123.js", "console.log(1)");
        Write(root_ / "assets" / "index-abc123.js.gz", "GZ-JS");
        Write(root_ / "assets" / "index-abc123.css", "body{}");
        Write(root_ / "assets" / "logo-9f.png", "PNG");
        Write(root_ / "favicon.svg", "<svg/>");
        Write(base_ / "secret.txt", "do not serve");
    }
    void TearDown() override { fs::remove_all(base_); }

    static void Write(const fs::path& p, std::string_view text) {
        std::ofstream out(p, std::ios::binary);
        out << text;
    }

    std::optional<Response> Get(std::string path, std::string accept_encoding = "", Method method = Method::kGet) {
        Request req;
        req.method = method;
        req.path = std::move(path);
        req.target = req.path;
        if (!accept_encoding.empty()) {
            req.headers.emplace_back("accept-encoding", std::move(accept_encoding));
        }
        return files().Serve(req);
    }
    StaticFiles files() const { return StaticFiles(root_); }

    fs::path base_;
    fs::path root_;
};

TEST_F(StaticFilesTest, RootAnswersIndexHtmlRevalidatedEveryTime) {
    auto r = Get("/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r->body, "<!doctype html><title>邻里</title>");
    EXPECT_EQ(HeaderOf(*r, "Cache-Control"), "no-cache");
    EXPECT_EQ(HeaderOf(*r, "X-Content-Type-Options"), "nosniff");
}

TEST_F(StaticFilesTest, HashedAssetsAreCachedForAYear) {
    auto r = Get("/assets/index-abc123.js");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(r->body, "console.log(1)");
    EXPECT_EQ(HeaderOf(*r, "Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(HeaderOf(*r, "Vary"), "Accept-Encoding");
    EXPECT_FALSE(HeaderOf(*r, "Content-Encoding"));
}

TEST_F(StaticFilesTest, GzipCopyGoesToClientsThatAcceptIt) {
    auto r = Get("/assets/index-abc123.js", "gzip, deflate, br");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "GZ-JS");
    EXPECT_EQ(HeaderOf(*r, "Content-Encoding"), "gzip");
    EXPECT_EQ(HeaderOf(*r, "Vary"), "Accept-Encoding");
    EXPECT_EQ(r->content_type, "text/javascript; charset=utf-8");  // the type of what it decodes to

    auto index = Get("/", "gzip");
    ASSERT_TRUE(index);
    EXPECT_EQ(index->body, "GZ-INDEX");

    // Refused with q=0: the plain copy.
    auto refused = Get("/assets/index-abc123.js", "gzip;q=0, identity");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->body, "console.log(1)");
    EXPECT_FALSE(HeaderOf(*refused, "Content-Encoding"));

    // No .gz beside the file: the plain copy even when gzip is welcome.
    auto css = Get("/assets/index-abc123.css", "gzip");
    ASSERT_TRUE(css);
    EXPECT_EQ(css->body, "body{}");
    EXPECT_FALSE(HeaderOf(*css, "Content-Encoding"));
}

TEST_F(StaticFilesTest, AcceptEncodingParsing) {
    EXPECT_TRUE(StaticFiles::AcceptsGzip("gzip"));
    EXPECT_TRUE(StaticFiles::AcceptsGzip("deflate, GZIP;q=0.5"));
    EXPECT_TRUE(StaticFiles::AcceptsGzip("*"));
    EXPECT_FALSE(StaticFiles::AcceptsGzip(""));
    EXPECT_FALSE(StaticFiles::AcceptsGzip("br, deflate"));
    EXPECT_FALSE(StaticFiles::AcceptsGzip("gzip;q=0"));
    EXPECT_FALSE(StaticFiles::AcceptsGzip("gzip; q=0.000, *"));
    EXPECT_FALSE(StaticFiles::AcceptsGzip("*;q=0"));
}

TEST_F(StaticFilesTest, ContentTypesByExtension) {
    EXPECT_EQ(StaticFiles::ContentTypeFor("a.css"), "text/css; charset=utf-8");
    EXPECT_EQ(StaticFiles::ContentTypeFor("a.SVG"), "image/svg+xml");
    EXPECT_EQ(StaticFiles::ContentTypeFor("a.woff2"), "font/woff2");
    EXPECT_EQ(StaticFiles::ContentTypeFor("a.png"), "image/png");
    EXPECT_EQ(StaticFiles::ContentTypeFor("noext"), "application/octet-stream");
    auto png = Get("/assets/logo-9f.png", "gzip");
    ASSERT_TRUE(png);
    EXPECT_EQ(png->content_type, "image/png");
    EXPECT_FALSE(HeaderOf(*png, "Vary"));  // images are not compressed
}

TEST_F(StaticFilesTest, ConsoleRoutesFallBackToIndexHtml) {
    for (const char* path : {"/orders/12", "/track/AB12CD34EF", "/r/17.abcdef", "/login"}) {
        auto r = Get(path);
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 200) << path;
        EXPECT_EQ(r->body, "<!doctype html><title>邻里</title>") << path;
        EXPECT_EQ(HeaderOf(*r, "Cache-Control"), "no-cache") << path;
    }
}

TEST_F(StaticFilesTest, MissingFilesAre404NotIndexHtml) {
    auto asset = Get("/assets/gone-123.js");
    ASSERT_TRUE(asset);
    EXPECT_EQ(asset->status, 404);
    auto named = Get("/robots.txt");
    ASSERT_TRUE(named);
    EXPECT_EQ(named->status, 404);
}

TEST_F(StaticFilesTest, ApiAndOperationsPathsAreNeverTheConsoles) {
    for (const char* path : {"/api/v1/nope", "/api", "/open311/v2/x.json", "/metrics", "/healthz", "/healthz/x"}) {
        EXPECT_FALSE(Get(path)) << path;
    }
    EXPECT_TRUE(Get("/apiary"));  // only whole segments are reserved
}

TEST_F(StaticFilesTest, PathTraversalIsRefused) {
    for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/..", "/assets/..%2f..%2fsecret.txt",
                             "/.hidden", "/assets\\..\\..\\secret.txt", "/C:/secret.txt"}) {
        auto r = Get(path);
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 404) << path;
        EXPECT_EQ(r->body.find("do not serve"), std::string::npos) << path;
    }
}

TEST_F(StaticFilesTest, SymlinkOutOfTheRootIsNotFollowed) {
    std::error_code ec;
    fs::create_symlink(base_ / "secret.txt", root_ / "leak.txt", ec);
    if (ec) {
        GTEST_SKIP() << "no symlinks here";
    }
    auto r = Get("/leak.txt");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
}

TEST_F(StaticFilesTest, OnlyGetAndHead) {
    EXPECT_TRUE(Get("/", "", Method::kHead));
    EXPECT_FALSE(Get("/", "", Method::kPost));
    EXPECT_FALSE(Get("/", "", Method::kDelete));
}

TEST_F(StaticFilesTest, NothingBuiltServesNothing) {
    StaticFiles none(base_ / "not-built");
    Request req;
    req.path = "/orders";
    EXPECT_FALSE(none.Serve(req));
    StaticFiles disabled{fs::path()};
    EXPECT_FALSE(disabled.Serve(req));
}

TEST_F(StaticFilesTest, SecretsInPathsNeverReachTheRouteLabel) {
    EXPECT_EQ(StaticFiles::RouteLabel("/track/AB12CD34EF"), "/track/{code}");
    EXPECT_EQ(StaticFiles::RouteLabel("/r/17.abcdef"), "/r/{token}");
    EXPECT_EQ(StaticFiles::RouteLabel("/assets/x.js"), "/assets/{file}");
    EXPECT_EQ(StaticFiles::RouteLabel("/orders/5"), "/{console}");
}

TEST_F(StaticFilesTest, PipelineServesTheConsoleWhereNoRouteMatches) {
    Router router;
    router.Add(Method::kGet, "/api/v1/ping", AccessRule::Public(),
               [](Request&) -> Result<Response> { return TextResponse(200, "pong"); });
    metrics::Registry registry;
    StaticFiles web(root_);
    Pipeline pipeline(router, {}, registry, PipelineOptions{false, &web});
    auto call = [&](std::string path, Method method = Method::kGet) {
        Request req;
        req.method = method;
        req.path = std::move(path);
        req.target = req.path;
        return pipeline.Handle(req);
    };
    EXPECT_EQ(call("/api/v1/ping").body, "pong");  // routes first
    auto page = call("/track/AB12CD34EF");
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
    auto api = call("/api/v1/nothing-here");
    EXPECT_EQ(api.status, 404);
    EXPECT_EQ(api.content_type, "application/json");
    EXPECT_EQ(call("/api/v1/ping", Method::kPost).status, 405);  // a wrong method stays the router's
    // The tracking code never becomes a metrics label.
    const std::string text = registry.RenderPrometheus();
    EXPECT_NE(text.find("route=\"/track/{code}\""), std::string::npos);
    EXPECT_EQ(text.find("AB12CD34EF"), std::string::npos);
}

}  // namespace
}  // namespace linli::http
