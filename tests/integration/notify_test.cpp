// Notifications through a real server: a change enqueued through the app's Outbox (as orders does)
// reaches the recipient's inbox and a signed webhook via the app's own background deliverer; the
// inbox and webhook routes behave over HTTP (authentication, roles, strict bodies).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "modules/notify/outbox.hpp"
#include "modules/notify/signature.hpp"
#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

/// A loopback webhook receiver that answers 200 and keeps what it got.
class Receiver {
public:
    struct Got {
        std::string delivery, timestamp, signature, body;
    };
    Receiver() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        thread_ = std::thread([this] {
            for (;;) {
                tcp::socket socket(io_);
                boost::system::error_code ec;
                acceptor_.accept(socket, ec);
                if (stop_ || ec) {
                    return;
                }
                beast::flat_buffer buffer;
                beast::http::request<beast::http::string_body> req;
                beast::http::read(socket, buffer, req, ec);
                if (ec) {
                    continue;
                }
                {
                    std::lock_guard lock(mu_);
                    got_.push_back({std::string(req["X-Linli-Delivery"]), std::string(req["X-Linli-Timestamp"]),
                                    std::string(req["X-Linli-Signature"]), req.body()});
                }
                beast::http::response<beast::http::string_body> res{beast::http::status::ok, req.version()};
                res.keep_alive(false);
                res.prepare_payload();
                beast::http::write(socket, res, ec);
            }
        });
    }
    ~Receiver() {
        stop_ = true;
        asio::io_context io;
        tcp::socket poke(io);
        boost::system::error_code ec;
        poke.connect(acceptor_.local_endpoint(), ec);
        thread_.join();
    }
    std::string Url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/in"; }
    std::vector<Got> Requests() const {
        std::lock_guard lock(mu_);
        return got_;
    }

private:
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mu_;
    std::vector<Got> got_;
};

class Notify : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        server->CreateUser("admin1", Role::kAdmin);
        worker_id = server->CreateUser("zhang", Role::kGridWorker);
        server->CreateUser("staff_li", Role::kCommunityStaff);
    }

    /// What a producer does: enqueue inside its own write transaction.
    void Enqueue(const std::string& key, std::vector<int64_t> users) {
        notify::Notification n;
        n.topic = "order.dispatched";
        n.user_ids = std::move(users);
        n.title = "工单已派发";
        n.body = "1号楼楼道堆物，请及时处理。";
        n.link = "/orders/1";
        n.payload_json = R"({"order_id":1})";
        n.dedupe_key = key;
        auto& outbox = server->app().outbox();
        auto ok =
            server->app().db().Write([&](storage::Conn& c) { return outbox.Enqueue(c, n, server->clock().Now()); });
        ASSERT_TRUE(ok) << ok.error().message;
    }

    std::unique_ptr<TestServer> server;
    int64_t worker_id = 0;
};

TEST_P(Notify, EnqueuedChangeReachesTheInboxAndASignedWebhook) {
    Receiver receiver;
    HttpClient admin = server->LoggedIn("admin1");
    auto created =
        admin.Post("/api/v1/webhooks", {{"name", "微信网关"}, {"url", receiver.Url()}, {"topics", {"order.*"}}});
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string secret(created.Json().at("secret").as_string());
    const int64_t hook_id = created.Json().at("id").as_int64();

    Enqueue("order:1:dispatched", {worker_id});
    Enqueue("order:1:dispatched", {worker_id});  // a retried producer: still one notification

    HttpClient zhang = server->LoggedIn("zhang");
    ASSERT_TRUE(Eventually([&] { return zhang.Get("/api/v1/inbox/unread-count").Json().at("unread") == 1; }));
    ASSERT_TRUE(Eventually([&] { return receiver.Requests().size() == 1; }));

    auto inbox = zhang.Get("/api/v1/inbox");
    ASSERT_EQ(inbox.status, 200);
    auto items = inbox.Json().at("items").as_array();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].at("title").as_string(), "工单已派发");
    EXPECT_EQ(items[0].at("link").as_string(), "/orders/1");
    auto read =
        zhang.Post("/api/v1/inbox/" + std::to_string(items[0].at("id").as_int64()) + "/read", boost::json::object{});
    EXPECT_EQ(read.status, 200) << read.body;
    EXPECT_EQ(zhang.Get("/api/v1/inbox/unread-count").Json().at("unread").as_int64(), 0);

    auto got = receiver.Requests()[0];
    EXPECT_TRUE(notify::VerifyWebhook(secret, got.timestamp, got.signature, got.body, server->clock().Now()));
    EXPECT_FALSE(notify::VerifyWebhook("whsec_wrong", got.timestamp, got.signature, got.body, server->clock().Now()));

    ASSERT_TRUE(Eventually([&] {
        auto d = admin.Get("/api/v1/webhooks/" + std::to_string(hook_id) + "/deliveries").Json();
        return d.at("items").as_array().size() == 1 && d.at("items").as_array()[0].at("state") == "delivered";
    }));
    auto deliveries = admin.Get("/api/v1/webhooks/" + std::to_string(hook_id) + "/deliveries");
    EXPECT_EQ(deliveries.Json().at("items").as_array()[0].at("delivery_id").as_string(), got.delivery);

    // The secret was shown once: never listed again, and not in the database in clear (sealed with
    // the key file, like phone numbers).
    auto listed = admin.Get("/api/v1/webhooks");
    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(listed.body.find(secret), std::string::npos);
    auto patched = admin.Patch("/api/v1/webhooks/" + std::to_string(hook_id), {{"name", "微信网关二"}});
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_FALSE(patched.Json().as_object().contains("secret"));
    auto stored = server->app().db().Read([&](storage::Conn& c) {
        return c.QueryOne("SELECT secret, secret_enc FROM notify_webhooks WHERE id = $1", {hook_id}, "webhook");
    });
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(stored->Text(0), "");
    EXPECT_FALSE(stored->IsNull(1));
    EXPECT_EQ(stored->Text(1).find(secret), std::string::npos);
    EXPECT_EQ(stored->Text(1).find(secret.substr(6)), std::string::npos);  // nor its random part
}

TEST_P(Notify, WebhooksAreForAdminsAndInboxesForTheSignedIn) {
    HttpClient staff = server->LoggedIn("staff_li");
    EXPECT_EQ(staff.Get("/api/v1/webhooks").status, 403);
    EXPECT_EQ(staff.Post("/api/v1/webhooks", {{"name", "x"}, {"url", "https://example.cn/"}, {"topics", {"*"}}}).status,
              403);
    EXPECT_EQ(server->Client().Get("/api/v1/inbox").status, 401);
    EXPECT_EQ(staff.Get("/api/v1/inbox").status, 200);

    HttpClient admin = server->LoggedIn("admin1");
    auto bad = admin.Post("/api/v1/webhooks", {{"name", "x"}, {"url", "gopher://example.cn/"}, {"topics", {"*"}}});
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.ErrorField(), "url");
    auto unknown = admin.Patch("/api/v1/webhooks/999", {{"active", false}});
    EXPECT_EQ(unknown.status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, Notify, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace linli::testing
