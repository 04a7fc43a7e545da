// The real server on 127.0.0.1, port 0, spoken to over raw sockets so that malformed, oversized
// and stalled requests can be sent exactly as a hostile or broken client would send them.

#include "http/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace linli::http {
namespace {

using namespace std::chrono_literals;

struct RawResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;

    std::string Header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    /// The "code" and "field" of a JSON error body.
    std::pair<std::string, std::string> ErrorCodeAndField() const {
        auto v = boost::json::parse(body);
        const auto& e = v.at("error").as_object();
        std::string field = e.contains("field") ? std::string(e.at("field").as_string()) : "";
        return {std::string(e.at("code").as_string()), field};
    }
};

/// A blocking TCP client with a receive timeout, so a broken server fails a test instead of hanging it.
class RawClient {
public:
    explicit RawClient(uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{};
        tv.tv_sec = 5;
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~RawClient() { ::close(fd_); }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool connected() const { return connected_; }

    void Send(std::string_view data) {
        while (!data.empty()) {
            ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) {
                return;  // the server may close early (413); the test then reads what it answered
            }
            data.remove_prefix(static_cast<size_t>(n));
        }
    }

    /// One response; nullopt when the connection closed or went quiet before a whole one came.
    std::optional<RawResponse> Read(bool head = false) {
        size_t header_end;
        while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
            if (!Fill()) {
                return std::nullopt;
            }
        }
        RawResponse res;
        std::string head_text = buf_.substr(0, header_end);
        size_t line_end = head_text.find("\r\n");
        std::string status_line = head_text.substr(0, line_end);
        res.status = std::stoi(status_line.substr(status_line.find(' ') + 1, 3));
        size_t pos = line_end == std::string::npos ? head_text.size() : line_end + 2;
        while (pos < head_text.size()) {
            size_t end = head_text.find("\r\n", pos);
            if (end == std::string::npos) {
                end = head_text.size();
            }
            std::string line = head_text.substr(pos, end - pos);
            size_t colon = line.find(':');
            std::string name = line.substr(0, colon);
            for (char& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            size_t value_start = line.find_first_not_of(' ', colon + 1);
            res.headers[name] = value_start == std::string::npos ? "" : line.substr(value_start);
            pos = end + 2;
        }
        buf_.erase(0, header_end + 4);
        size_t length = 0;
        if (!head && res.status != 204 && res.status != 304 && res.headers.count("content-length")) {
            length = std::stoul(res.headers["content-length"]);
        }
        while (buf_.size() < length) {
            if (!Fill()) {
                return std::nullopt;
            }
        }
        res.body = buf_.substr(0, length);
        buf_.erase(0, length);
        return res;
    }

    /// True when the server closes the connection (EOF or reset) before the receive timeout.
    bool ClosedByServer() {
        while (true) {
            char tmp[4096];
            ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
            if (n == 0) {
                return true;
            }
            if (n < 0) {
                return errno == ECONNRESET;
            }
        }
    }

    /// Whether a new connection is accepted at all.
    static bool CanConnect(uint16_t port) { return RawClient(port).connected(); }

private:
    bool Fill() {
        char tmp[8192];
        ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n <= 0) {
            return false;
        }
        buf_.append(tmp, static_cast<size_t>(n));
        return true;
    }

    int fd_ = -1;
    bool connected_ = false;
    std::string buf_;
};

/// A gate a handler waits at until the test opens it.
class Gate {
public:
    void Arrive() {
        std::unique_lock lock(mu_);
        arrived_ = true;
        cv_.notify_all();
        cv_.wait_for(lock, 10s, [&] { return open_; });
    }
    bool WaitArrived() {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, 10s, [&] { return arrived_; });
    }
    void Open() {
        std::lock_guard lock(mu_);
        open_ = true;
        cv_.notify_all();
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool arrived_ = false;
    bool open_ = false;
};

class TestServer {
public:
    explicit TestServer(ServerOptions options) : options_(std::move(options)) {
        options_.host = "127.0.0.1";
        options_.port = 0;
        router_.Add(Method::kGet, "/hello", AccessRule::Public(),
                    [](Request&) -> Result<Response> { return TextResponse(200, "hello"); });
        router_.Add(Method::kPost, "/echo", AccessRule::Public(),
                    [](Request& req) -> Result<Response> { return TextResponse(200, req.body, "application/json"); });
        router_.Add(Method::kGet, "/query", AccessRule::Public(), [](Request& req) -> Result<Response> {
            std::string out = req.path;
            for (const auto& [k, v] : req.query) {
                out += "|" + k + "=" + v;
            }
            return TextResponse(200, out);
        });
        router_.Add(Method::kGet, "/slow", AccessRule::Public(), [this](Request&) -> Result<Response> {
            slow_started_.store(true);
            std::this_thread::sleep_for(300ms);
            return TextResponse(200, "slow");
        });
        router_.Add(Method::kGet, "/gate", AccessRule::Public(), [this](Request&) -> Result<Response> {
            gate_.Arrive();
            return TextResponse(200, "through");
        });
        router_.Add(Method::kGet, "/private", AccessRule::AnyUser(),
                    [](Request&) -> Result<Response> { return TextResponse(200, "secret"); });
        server_.emplace(options_, pipeline_, metrics_);
        auto started = server_->Start();
        EXPECT_TRUE(started) << (started ? "" : started.error().message);
        runner_ = std::thread([this] { server_->RunUntilStopped(5s); });
    }
    ~TestServer() {
        gate_.Open();
        server_->Stop();
        Join();
    }

    uint16_t port() const { return server_->port(); }
    void Stop() { server_->Stop(); }
    void Join() {
        if (runner_.joinable()) {
            runner_.join();
        }
    }
    bool WaitSlowStarted() {
        for (int i = 0; i < 1000 && !slow_started_.load(); ++i) {
            std::this_thread::sleep_for(10ms);
        }
        return slow_started_.load();
    }
    Gate& gate() { return gate_; }
    metrics::Registry& metrics() { return metrics_; }

private:
    ServerOptions options_;
    Router router_;
    metrics::Registry metrics_;
    Pipeline pipeline_{router_, [](const Request&) -> Result<std::optional<Actor>> { return std::optional<Actor>{}; },
                       metrics_, PipelineOptions{.access_log = false}};
    std::optional<Server> server_;
    std::thread runner_;
    std::atomic<bool> slow_started_{false};
    Gate gate_;
};

ServerOptions SmallLimits() {
    ServerOptions o;
    o.io_threads = 2;
    o.workers = 4;
    o.body_limit = 1024;
    o.header_limit = 2048;
    o.url_limit = 256;
    o.read_timeout = 1s;
    o.idle_timeout = 2s;
    return o;
}

std::string Get(std::string_view target, std::string_view extra_headers = "") {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) + "\r\n";
}

TEST(ServerTest, GetAnswers200WithRequestId) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    ASSERT_TRUE(c.connected());
    c.Send(Get("/hello"));
    auto res = c.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "hello");
    EXPECT_EQ(res->Header("server"), "linli");
    EXPECT_EQ(res->Header("content-type"), "text/plain; charset=utf-8");
    EXPECT_FALSE(res->Header("x-request-id").empty());
}

TEST(ServerTest, SaneClientRequestIdIsKeptOtherwiseReplaced) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send(Get("/hello", "X-Request-Id: trace-42.a_b\r\n"));
    auto kept = c.Read();
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->Header("x-request-id"), "trace-42.a_b");

    c.Send(Get("/hello", "X-Request-Id: <script>\r\n"));
    auto replaced = c.Read();
    ASSERT_TRUE(replaced);
    EXPECT_NE(replaced->Header("x-request-id"), "<script>");
    EXPECT_FALSE(replaced->Header("x-request-id").empty());

    c.Send(Get("/hello", "X-Request-Id: " + std::string(65, 'a') + "\r\n"));
    auto too_long = c.Read();
    ASSERT_TRUE(too_long);
    EXPECT_NE(too_long->Header("x-request-id"), std::string(65, 'a'));
}

TEST(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send(Get("/hello"));
    auto first = c.Read();
    c.Send(
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: "
        "9\r\n\r\n{\"a\":\"b\"}");
    auto second = c.Read();
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
    EXPECT_EQ(first->status, 200);
    EXPECT_EQ(second->status, 200);
    EXPECT_EQ(second->body, "{\"a\":\"b\"}");
    EXPECT_NE(first->Header("x-request-id"), second->Header("x-request-id"));

    // Pipelined: both requests in one write, answered in order.
    c.Send(Get("/hello") + Get("/query?x=1"));
    auto third = c.Read();
    auto fourth = c.Read();
    ASSERT_TRUE(third);
    ASSERT_TRUE(fourth);
    EXPECT_EQ(third->body, "hello");
    EXPECT_EQ(fourth->body, "/query|x=1");
}

TEST(ServerTest, ConnectionCloseIsHonoured) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send(Get("/hello", "Connection: close\r\n"));
    auto res = c.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->Header("connection"), "close");
    EXPECT_TRUE(c.ClosedByServer());
}

TEST(ServerTest, HeadHasNoBody) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send("HEAD /hello HTTP/1.1\r\nHost: test\r\n\r\n");
    auto head = c.Read(/*head=*/true);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->Header("content-length"), "5");
    // Had the server sent a body, it would now be read as the start of the next response.
    c.Send(Get("/hello"));
    auto get = c.Read();
    ASSERT_TRUE(get);
    EXPECT_EQ(get->status, 200);
    EXPECT_EQ(get->body, "hello");
}

TEST(ServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send(
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        "Expect: 100-continue\r\n\r\n");
    auto go_on = c.Read();
    ASSERT_TRUE(go_on);
    EXPECT_EQ(go_on->status, 100);
    c.Send("{}");
    auto res = c.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "{}");
}

TEST(ServerTest, Http10ClosesAfterTheResponse) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send("GET /hello HTTP/1.0\r\n\r\n");
    auto res = c.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "hello");
    EXPECT_TRUE(c.ClosedByServer());
}

TEST(ServerTest, PathAndQueryAreDecoded) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send(Get("/query?name=%E7%8E%8B+%E5%B0%8F&q=a%26b"));
    auto res = c.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "/query|name=王 小|q=a&b");
}

TEST(ServerTest, BadTargetsAre400) {
    TestServer ts(SmallLimits());
    for (const char* target : {"/hello%zz", "/hello%ff", "/query?x=%ff%fe"}) {
        RawClient c(ts.port());
        c.Send(Get(target));
        auto res = c.Read();
        ASSERT_TRUE(res) << target;
        EXPECT_EQ(res->status, 400) << target;
        EXPECT_EQ(res->ErrorCodeAndField(), std::make_pair(std::string("invalid_argument"), std::string("url")));
    }
}

TEST(ServerTest, RoutingAndAuthErrorsAreJson) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send(Get("/nope"));
    auto missing = c.Read();
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(missing->Header("content-type"), "application/json");
    EXPECT_EQ(missing->ErrorCodeAndField().first, "not_found");
    EXPECT_FALSE(missing->Header("x-request-id").empty());

    c.Send("DELETE /hello HTTP/1.1\r\nHost: test\r\n\r\n");
    auto not_allowed = c.Read();
    ASSERT_TRUE(not_allowed);
    EXPECT_EQ(not_allowed->status, 405);
    EXPECT_EQ(not_allowed->Header("allow"), "GET, HEAD");

    c.Send(Get("/private"));
    auto unauthenticated = c.Read();
    ASSERT_TRUE(unauthenticated);
    EXPECT_EQ(unauthenticated->status, 401);
}

TEST(ServerTest, BodyOverLimitIs413) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n" +
           std::string(100, 'x'));
    auto res = c.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
    EXPECT_EQ(res->Header("content-type"), "application/json");
    EXPECT_EQ(res->ErrorCodeAndField(), std::make_pair(std::string("payload_too_large"), std::string("body")));
    EXPECT_TRUE(c.ClosedByServer());
}

TEST(ServerTest, ChunkedBodyOverLimitIs413) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    std::string chunk(800, 'y');
    c.Send(
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        "320\r\n" +
        chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
    auto res = c.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
    EXPECT_EQ(res->ErrorCodeAndField().first, "payload_too_large");
}

TEST(ServerTest, HeaderOverLimitIs431) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send(Get("/hello", "X-Big: " + std::string(4000, 'a') + "\r\n"));
    auto res = c.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 431);
    EXPECT_EQ(res->ErrorCodeAndField().second, "headers");
    EXPECT_TRUE(c.ClosedByServer());
}

TEST(ServerTest, UrlOverLimitIs414) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send(Get("/hello?pad=" + std::string(500, 'a')));
    auto res = c.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 414);
    EXPECT_EQ(res->ErrorCodeAndField().second, "url");
}

TEST(ServerTest, MalformedRequestIs400) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send("GET /hello HTTP/1.1\r\nHost test\r\n\r\n");
    auto res = c.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
}

TEST(ServerTest, StalledClientIsDisconnectedAndOthersAreServed) {
    TestServer ts(SmallLimits());
    RawClient stalled(ts.port());
    stalled.Send("GET /hello HTTP/1.1\r\nHost: te");  // and nothing more

    RawClient other(ts.port());
    other.Send(Get("/hello"));
    auto res = other.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);

    EXPECT_TRUE(stalled.ClosedByServer());

    RawClient after(ts.port());
    after.Send(Get("/hello"));
    auto later = after.Read();
    ASSERT_TRUE(later);
    EXPECT_EQ(later->status, 200);
}

TEST(ServerTest, SilentConnectionIsClosed) {
    TestServer ts(SmallLimits());
    RawClient silent(ts.port());
    EXPECT_TRUE(silent.ClosedByServer());
}

TEST(ServerTest, OverMaxInflightIs503) {
    ServerOptions o = SmallLimits();
    o.max_inflight = 1;
    TestServer ts(o);
    RawClient busy(ts.port());
    busy.Send(Get("/gate"));
    ASSERT_TRUE(ts.gate().WaitArrived());

    RawClient shed(ts.port());
    shed.Send(Get("/hello"));
    auto rejected = shed.Read();
    ASSERT_TRUE(rejected);
    EXPECT_EQ(rejected->status, 503);
    EXPECT_EQ(rejected->ErrorCodeAndField().first, "unavailable");
    EXPECT_EQ(rejected->Header("retry-after"), "1");

    ts.gate().Open();
    auto through = busy.Read();
    ASSERT_TRUE(through);
    EXPECT_EQ(through->status, 200);
    EXPECT_EQ(through->body, "through");

    shed.Send(Get("/hello"));
    auto now_ok = shed.Read();
    ASSERT_TRUE(now_ok);
    EXPECT_EQ(now_ok->status, 200);
}

TEST(ServerTest, StopLetsInFlightRequestFinishThenReturns) {
    TestServer ts(SmallLimits());
    RawClient idle(ts.port());
    idle.Send(Get("/hello"));
    ASSERT_TRUE(idle.Read());  // now an idle keep-alive connection

    RawClient slow(ts.port());
    slow.Send(Get("/slow"));
    ASSERT_TRUE(ts.WaitSlowStarted());
    ts.Stop();

    auto res = slow.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "slow");
    EXPECT_EQ(res->Header("connection"), "close");
    EXPECT_TRUE(slow.ClosedByServer());
    EXPECT_TRUE(idle.ClosedByServer());

    ts.Join();  // RunUntilStopped returned
    EXPECT_FALSE(RawClient::CanConnect(ts.port()));
}

TEST(ServerTest, ConnectionGaugeIsExported) {
    TestServer ts(SmallLimits());
    RawClient c(ts.port());
    c.Send(Get("/hello"));
    ASSERT_TRUE(c.Read());
    std::string text = ts.metrics().RenderPrometheus();
    EXPECT_NE(text.find("linli_http_connections_open 1"), std::string::npos) << text;
    EXPECT_NE(text.find(R"(linli_http_requests_total{method="GET",route="/hello",status="200"} 1)"), std::string::npos)
        << text;
}

TEST(ServerTest, TakenPortIsAnError) {
    TestServer first(SmallLimits());
    ServerOptions o = SmallLimits();
    o.host = "127.0.0.1";
    o.port = first.port();
    Router router;
    metrics::Registry metrics;
    Pipeline pipeline(router, nullptr, metrics, PipelineOptions{.access_log = false});
    Server second(o, pipeline, metrics);
    auto started = second.Start();
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace linli::http
