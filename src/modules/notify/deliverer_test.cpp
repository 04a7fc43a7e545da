// The outbox and the deliverer on every available backend, with a real HTTP receiver on loopback:
// a rolled-back change notifies no one; a committed one reaches each recipient's inbox exactly once
// even when a deliverer dies mid-way and another pass (or process) runs again; webhooks arrive
// signed with the subscription's secret under a delivery id that stays the same across retries;
// a failing receiver is retried with backoff (time moved by a ManualClock) and finally marked failed.

#include "modules/notify/deliverer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <chrono>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/field_crypto.hpp"
#include "modules/notify/outbox.hpp"
#include "modules/notify/repository.hpp"
#include "modules/notify/service.hpp"
#include "modules/notify/signature.hpp"
#include "support/test_database.hpp"

namespace linli::notify {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using storage::Conn;

constexpr int64_t kStart = 1'735'689'600;  // 2025-01-01 UTC

/// One request as the receiver saw it.
struct Received {
    std::string target;
    std::string delivery;
    std::string timestamp;
    std::string signature;
    std::string topic;
    std::string content_type;
    std::string body;
};

/// A tiny HTTP server on 127.0.0.1, port 0, answering every request with the status the test sets
/// (and a Location header when asked, to check redirects are not followed).
class Receiver {
public:
    Receiver() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        thread_ = std::thread([this] { Serve(); });
    }
    ~Receiver() {
        stop_ = true;
        asio::io_context io;
        tcp::socket poke(io);
        boost::system::error_code ec;
        poke.connect(acceptor_.local_endpoint(), ec);  // unblocks accept()
        thread_.join();
    }

    std::string Url(const std::string& path = "/hook") const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
    }
    void Answer(int status, std::string location = {}) {
        std::lock_guard lock(mu_);
        status_ = status;
        location_ = std::move(location);
    }
    std::vector<Received> Requests() const {
        std::lock_guard lock(mu_);
        return requests_;
    }

private:
    void Serve() {
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
            int status = 200;
            std::string location;
            {
                std::lock_guard lock(mu_);
                requests_.push_back(Received{std::string(req.target()), std::string(req["X-Linli-Delivery"]),
                                             std::string(req["X-Linli-Timestamp"]),
                                             std::string(req["X-Linli-Signature"]), std::string(req["X-Linli-Topic"]),
                                             std::string(req[beast::http::field::content_type]), req.body()});
                status = status_;
                location = location_;
            }
            beast::http::response<beast::http::string_body> res{static_cast<beast::http::status>(status),
                                                                req.version()};
            if (!location.empty()) {
                res.set(beast::http::field::location, location);
            }
            res.keep_alive(false);
            if (status != 204) {  // a 204 must not carry a body
                res.body() = status >= 500 ? "internal error" : "ok";
            }
            res.prepare_payload();
            beast::http::write(socket, res, ec);
            socket.shutdown(tcp::socket::shutdown_both, ec);
        }
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mu_;
    int status_ = 200;
    std::string location_;
    std::vector<Received> requests_;
};

/// The real sender, made to "crash" (throw) right after a POST went out and before the outcome is
/// recorded: the window that makes webhook delivery at-least-once.
class CrashAfterSend final : public WebhookSender {
public:
    explicit CrashAfterSend(std::atomic<bool>& crash) : inner_(MakeCurlSender({2000, 5000})), crash_(crash) {}
    HttpOutcome Post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body, const std::atomic<bool>& cancel) override {
        HttpOutcome out = inner_->Post(url, headers, body, cancel);
        if (crash_.exchange(false)) {
            throw std::runtime_error("simulated crash after send");
        }
        return out;
    }

private:
    std::unique_ptr<WebhookSender> inner_;
    std::atomic<bool>& crash_;
};

class DelivererTest : public ::testing::TestWithParam<linli::testing::Backend> {
protected:
    void SetUp() override {
        db_ = linli::testing::OpenTestDatabase(GetParam());
        service_ = std::make_unique<NotifyService>(*db_, clock_, *crypto_);
        admin_.role = Role::kAdmin;
        admin_.username = "admin";
        alice_ = MakeUser("alice");
        bob_ = MakeUser("bob");
        MakeDeliverer({});
    }

    void MakeDeliverer(DelivererOptions options, std::unique_ptr<WebhookSender> sender = nullptr) {
        deliverer_.reset();
        if (!sender) {
            sender = std::make_unique<CrashAfterSend>(crash_);
        }
        deliverer_ = std::make_unique<Deliverer>(*db_, clock_, *crypto_, std::move(sender), options);
    }

    int64_t MakeUser(const std::string& name) {
        auto id = db_->Write([&](Conn& c) -> Result<int64_t> {
            LINLI_ASSIGN_OR_RETURN(auto rows, c.Query("INSERT INTO users (username, display_name, password_hash, role,"
                                                      " created_at, updated_at) VALUES ($1, $1, 'x', 'grid_worker', "
                                                      "$2, $2) RETURNING id",
                                                      {name, kStart}));
            return rows.at(0).Int(0);
        });
        EXPECT_TRUE(id);
        return id ? *id : 0;
    }

    Notification Dispatched(int64_t order_id, std::vector<int64_t> users) {
        Notification n;
        n.topic = "order.dispatched";
        n.user_ids = std::move(users);
        n.title = "工单已派发";
        n.body = "您有一张新工单：3号楼电动车充电隐患，请在4个工作小时内受理。";
        n.link = "/orders/" + std::to_string(order_id);
        n.payload_json = R"({"order_id":)" + std::to_string(order_id) + "}";
        n.dedupe_key = "order:" + std::to_string(order_id) + ":dispatched";
        return n;
    }

    void EnqueueCommitted(const Notification& n) {
        auto ok = db_->Write([&](Conn& c) { return outbox_.Enqueue(c, n, clock_.Now()); });
        ASSERT_TRUE(ok) << ok.error().message;
    }

    PassResult Pass() {
        auto r = deliverer_->RunOnce();
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return r ? *r : PassResult{};
    }

    int64_t Count(const std::string& sql) {
        auto n = db_->Read([&](Conn& c) -> Result<int64_t> {
            LINLI_ASSIGN_OR_RETURN(auto row, c.QueryOne(sql, {}, "count"));
            return row.Int(0);
        });
        EXPECT_TRUE(n);
        return n ? *n : -1;
    }

    int64_t InboxCount(int64_t user) {
        return Count("SELECT COUNT(*) FROM notify_inbox WHERE user_id = " + std::to_string(user));
    }

    WebhookWithSecret Subscribe(const std::string& url, std::vector<std::string> topics = {"order.*"}) {
        NewWebhook w;
        w.name = "网格通知网关";
        w.url = url;
        w.topics = std::move(topics);
        auto created = service_->CreateWebhook(admin_, w, info_);
        EXPECT_TRUE(created) << (created ? "" : created.error().message);
        return created ? *created : WebhookWithSecret{};
    }

    std::vector<WebhookDelivery> Deliveries(int64_t webhook_id) {
        auto page = service_->ListDeliveries(admin_, webhook_id, {});
        EXPECT_TRUE(page);
        return page ? page->items : std::vector<WebhookDelivery>{};
    }

    ManualClock clock_{kStart};
    std::unique_ptr<FieldCrypto> crypto_ = FieldCrypto::ForTesting();
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<NotifyService> service_;
    std::atomic<bool> crash_{false};
    std::unique_ptr<Deliverer> deliverer_;
    Outbox outbox_;
    Actor admin_;
    RequestInfo info_{"req-1", "127.0.0.1"};
    int64_t alice_ = 0;
    int64_t bob_ = 0;
};

TEST_P(DelivererTest, RolledBackChangeNotifiesNoOne) {
    auto r = db_->Write([&](Conn& c) -> Result<void> {
        LINLI_TRY(outbox_.Enqueue(c, Dispatched(1, {alice_}), clock_.Now()));
        return Conflict("the order changed meanwhile");  // the producer's change fails
    });
    ASSERT_FALSE(r);
    EXPECT_EQ(Pass().fanned_out, 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_outbox"), 0);
    EXPECT_EQ(InboxCount(alice_), 0);
}

TEST_P(DelivererTest, CommittedChangeReachesEachRecipientOnce) {
    EnqueueCommitted(Dispatched(7, {alice_, bob_, alice_}));
    EXPECT_EQ(Pass().fanned_out, 1);
    EXPECT_EQ(Pass().fanned_out, 0);
    EXPECT_EQ(InboxCount(alice_), 1);
    EXPECT_EQ(InboxCount(bob_), 1);

    auto page = service_->ListInbox(Actor{alice_, "alice", Role::kGridWorker}, {});
    ASSERT_TRUE(page);
    ASSERT_EQ(page->items.size(), 1u);
    EXPECT_EQ(page->items[0].title, "工单已派发");
    EXPECT_EQ(page->items[0].link, "/orders/7");
    EXPECT_EQ(page->items[0].topic, "order.dispatched");
    EXPECT_FALSE(page->items[0].read_at);
}

TEST_P(DelivererTest, SameDedupeKeyEnqueuesOnceWithoutFailingTheProducer) {
    EnqueueCommitted(Dispatched(8, {alice_}));
    EnqueueCommitted(Dispatched(8, {alice_}));  // a retried producer
    // Both in one transaction too: the second insert must not abort the caller's transaction.
    auto both = db_->Write([&](Conn& c) -> Result<void> {
        LINLI_TRY(outbox_.Enqueue(c, Dispatched(9, {alice_}), clock_.Now()));
        LINLI_TRY(outbox_.Enqueue(c, Dispatched(9, {alice_}), clock_.Now()));
        return c.Exec("UPDATE users SET display_name = 'still writable' WHERE id = $1", {alice_}).has_value()
                   ? Result<void>{}
                   : Result<void>{Internal("transaction aborted")};
    });
    ASSERT_TRUE(both) << both.error().message;
    EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_outbox"), 2);
    Pass();
    EXPECT_EQ(InboxCount(alice_), 2);
}

TEST_P(DelivererTest, BadNotificationsNameTheField) {
    auto enqueue = [&](Notification n) {
        return db_->Write([&](Conn& c) { return outbox_.Enqueue(c, n, clock_.Now()); });
    };
    auto n = Dispatched(1, {alice_});
    n.topic = "Order Dispatched";
    EXPECT_EQ(enqueue(n).error().field, "notification.topic");
    n = Dispatched(1, {alice_});
    n.title = "";
    EXPECT_EQ(enqueue(n).error().field, "notification.title");
    n = Dispatched(1, {alice_});
    n.dedupe_key = "";
    EXPECT_EQ(enqueue(n).error().field, "notification.dedupe_key");
    n = Dispatched(1, {alice_});
    n.payload_json = "[1,2]";
    EXPECT_EQ(enqueue(n).error().field, "notification.payload_json");
    n = Dispatched(1, {});
    n.webhooks = false;
    EXPECT_EQ(enqueue(n).error().field, "notification.user_ids");
    EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_outbox"), 0);
}

TEST_P(DelivererTest, UnknownRecipientIsSkippedNotFatal) {
    EnqueueCommitted(Dispatched(3, {alice_, 999999}));
    EXPECT_EQ(Pass().fanned_out, 1);
    EXPECT_EQ(InboxCount(alice_), 1);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_outbox WHERE delivered_at IS NULL"), 0);
}

TEST_P(DelivererTest, CrashAfterClaimIsPickedUpWhenTheLeaseExpires) {
    Receiver receiver;
    auto hook = Subscribe(receiver.Url());
    EnqueueCommitted(Dispatched(11, {alice_, bob_}));

    // A deliverer claims the row and dies before doing anything else.
    auto claimed = db_->Write([&](Conn& c) { return ClaimOutbox(c, clock_.Now(), clock_.Now() + 60, 10); });
    ASSERT_TRUE(claimed);
    ASSERT_EQ(claimed->size(), 1u);

    // While its lease runs, the row is left alone…
    EXPECT_EQ(Pass().fanned_out, 0);
    EXPECT_EQ(InboxCount(alice_), 0);
    // …and once it has run out, the next deliverer (a restarted process) delivers it.
    clock_.Advance(61);
    EXPECT_EQ(Pass().fanned_out, 1);
    EXPECT_EQ(InboxCount(alice_), 1);
    EXPECT_EQ(InboxCount(bob_), 1);
    EXPECT_EQ(receiver.Requests().size(), 1u);

    // Two claimers both fanning the same row out (the first outlived its lease): still exactly one
    // inbox row per recipient and one delivery per subscription.
    ASSERT_TRUE(db_->Write([&](Conn& c) -> Result<int64_t> {
        return c.Exec("UPDATE notify_outbox SET delivered_at = NULL, claimed_until = NULL");
    }));
    EXPECT_EQ(Pass().fanned_out, 1);
    EXPECT_EQ(InboxCount(alice_), 1);
    EXPECT_EQ(InboxCount(bob_), 1);
    EXPECT_EQ(Deliveries(hook.webhook.id).size(), 1u);
    EXPECT_EQ(receiver.Requests().size(), 1u);
}

TEST_P(DelivererTest, WebhookIsSignedWithTheSubscriptionSecret) {
    Receiver receiver;
    auto hook = Subscribe(receiver.Url(), {"order.*"});
    Receiver other;
    Subscribe(other.Url(), {"hazard.*"});  // another topic: not called
    ASSERT_TRUE(hook.secret);

    EnqueueCommitted(Dispatched(42, {alice_}));
    auto pass = Pass();
    EXPECT_EQ(pass.sent, 1);
    EXPECT_EQ(pass.delivered, 1);
    EXPECT_TRUE(other.Requests().empty());

    auto got = receiver.Requests();
    ASSERT_EQ(got.size(), 1u);
    const Received& r = got[0];
    EXPECT_EQ(r.target, "/hook");
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.topic, "order.dispatched");
    EXPECT_EQ(r.timestamp, std::to_string(clock_.Now()));
    EXPECT_FALSE(r.delivery.empty());
    EXPECT_TRUE(VerifyWebhook(*hook.secret, r.timestamp, r.signature, r.body, clock_.Now()));
    EXPECT_FALSE(VerifyWebhook("whsec_not-the-secret", r.timestamp, r.signature, r.body, clock_.Now()));
    EXPECT_FALSE(VerifyWebhook(*hook.secret, r.timestamp, "", r.body, clock_.Now()));

    auto body = boost::json::parse(r.body).as_object();
    EXPECT_EQ(body.at("id").as_string(), r.delivery);
    EXPECT_EQ(body.at("topic").as_string(), "order.dispatched");
    EXPECT_EQ(body.at("title").as_string(), "工单已派发");
    EXPECT_EQ(body.at("link").as_string(), "/orders/42");
    EXPECT_EQ(body.at("data").at("order_id").as_int64(), 42);

    auto list = Deliveries(hook.webhook.id);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].state, DeliveryState::kDelivered);
    EXPECT_EQ(list[0].delivery_key, r.delivery);
    EXPECT_EQ(list[0].attempts, 1);
    EXPECT_EQ(list[0].last_status, 200);
}

TEST_P(DelivererTest, FailingReceiverIsRetriedWithBackoffUnderTheSameDeliveryId) {
    Receiver receiver;
    receiver.Answer(500);
    auto hook = Subscribe(receiver.Url());
    EnqueueCommitted(Dispatched(5, {}));

    auto first = Pass();
    EXPECT_EQ(first.retrying, 1);
    auto list = Deliveries(hook.webhook.id);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].state, DeliveryState::kPending);
    EXPECT_EQ(list[0].attempts, 1);
    EXPECT_EQ(list[0].last_status, 500);
    EXPECT_NE(list[0].last_error.find("HTTP 500"), std::string::npos);
    // First retry 5..10 s later (10 s base, jittered into its upper half).
    EXPECT_GE(list[0].next_attempt_at, kStart + 5);
    EXPECT_LE(list[0].next_attempt_at, kStart + 10);

    // Not due yet: nothing is sent however often the deliverer looks.
    EXPECT_EQ(Pass().sent, 0);
    EXPECT_EQ(receiver.Requests().size(), 1u);

    receiver.Answer(200);
    clock_.Set(list[0].next_attempt_at);
    EXPECT_EQ(Pass().delivered, 1);
    auto got = receiver.Requests();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].delivery, got[1].delivery);    // the receiver can tell it is the same one
    EXPECT_NE(got[0].timestamp, got[1].timestamp);  // signed afresh
    EXPECT_TRUE(VerifyWebhook(*hook.secret, got[1].timestamp, got[1].signature, got[1].body, clock_.Now()));
    list = Deliveries(hook.webhook.id);
    EXPECT_EQ(list[0].state, DeliveryState::kDelivered);
    EXPECT_EQ(list[0].attempts, 2);
}

TEST_P(DelivererTest, GivesUpAfterMaxAttemptsAndAnAdminCanRedeliver) {
    DelivererOptions options;
    options.max_attempts = 3;
    MakeDeliverer(options);
    Receiver receiver;
    receiver.Answer(503);
    auto hook = Subscribe(receiver.Url());
    EnqueueCommitted(Dispatched(6, {}));

    for (int i = 0; i < 3; ++i) {
        Pass();
        clock_.Advance(3600);
    }
    auto list = Deliveries(hook.webhook.id);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].state, DeliveryState::kFailed);
    EXPECT_EQ(list[0].attempts, 3);
    EXPECT_EQ(list[0].last_status, 503);
    EXPECT_EQ(Pass().sent, 0);
    EXPECT_EQ(receiver.Requests().size(), 3u);

    auto failed = service_->ListDeliveries(admin_, hook.webhook.id, DeliveryQuery{DeliveryState::kFailed, {}, 50});
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->items.size(), 1u);

    receiver.Answer(204);
    auto again = service_->Redeliver(admin_, hook.webhook.id, list[0].id, info_);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->state, DeliveryState::kPending);
    EXPECT_EQ(Pass().delivered, 1);
    auto got = receiver.Requests();
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[3].delivery, got[0].delivery);
    // A delivered one cannot be redelivered.
    auto twice = service_->Redeliver(admin_, hook.webhook.id, list[0].id, info_);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
}

TEST_P(DelivererTest, CrashBetweenSendAndRecordResendsTheSameDeliveryId) {
    Receiver receiver;
    auto hook = Subscribe(receiver.Url());
    EnqueueCommitted(Dispatched(12, {}));

    crash_ = true;
    EXPECT_THROW((void)deliverer_->RunOnce(), std::runtime_error);
    ASSERT_EQ(receiver.Requests().size(), 1u);
    // Claimed but not recorded: nothing happens until the lease runs out…
    EXPECT_EQ(Pass().sent, 0);
    clock_.Advance(deliverer_->options().delivery_lease_s + 1);
    // …then it is sent again, with the id the receiver already saw: it drops the duplicate.
    EXPECT_EQ(Pass().delivered, 1);
    auto got = receiver.Requests();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].delivery, got[1].delivery);
    EXPECT_EQ(Deliveries(hook.webhook.id)[0].state, DeliveryState::kDelivered);
}

TEST_P(DelivererTest, RedirectsAreNotFollowedAndUnreachableReceiversAreRetried) {
    Receiver receiver;
    receiver.Answer(302, receiver.Url("/elsewhere"));
    auto redirecting = Subscribe(receiver.Url());
    auto unreachable = Subscribe("http://127.0.0.1:1/hook");
    EnqueueCommitted(Dispatched(13, {}));
    auto pass = Pass();
    EXPECT_EQ(pass.sent, 2);
    EXPECT_EQ(pass.retrying, 2);
    EXPECT_EQ(receiver.Requests().size(), 1u);
    auto r = Deliveries(redirecting.webhook.id);
    EXPECT_EQ(r[0].last_status, 302);
    auto u = Deliveries(unreachable.webhook.id);
    EXPECT_FALSE(u[0].last_status);
    EXPECT_FALSE(u[0].last_error.empty());
    EXPECT_EQ(u[0].state, DeliveryState::kPending);
}

TEST_P(DelivererTest, PausedOrDeletedWebhooksGetNothing) {
    Receiver receiver;
    receiver.Answer(500);
    auto hook = Subscribe(receiver.Url());
    EnqueueCommitted(Dispatched(14, {}));
    EXPECT_EQ(Pass().retrying, 1);

    // Paused while a retry is pending: the retry is cancelled, not sent.
    WebhookPatch pause;
    pause.active = false;
    ASSERT_TRUE(service_->UpdateWebhook(admin_, hook.webhook.id, pause, info_));
    clock_.Advance(3600);
    EXPECT_EQ(Pass().sent, 0);
    auto list = Deliveries(hook.webhook.id);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].state, DeliveryState::kCancelled);

    // Paused: new notifications create no delivery at all; deleted: the same.
    EnqueueCommitted(Dispatched(15, {}));
    EXPECT_EQ(Pass().sent, 0);
    EXPECT_EQ(Deliveries(hook.webhook.id).size(), 1u);
    ASSERT_TRUE(service_->DeleteWebhook(admin_, hook.webhook.id, info_));
    EnqueueCommitted(Dispatched(16, {}));
    EXPECT_EQ(Pass().sent, 0);
    EXPECT_EQ(receiver.Requests().size(), 1u);
}

TEST_P(DelivererTest, BackgroundThreadDeliversAfterAWakeAndStopsCleanly) {
    DelivererOptions options;
    options.poll_seconds = 3600;  // only a wake can make it look soon
    MakeDeliverer(options);
    Outbox wired([this] { deliverer_->Wake(); });
    deliverer_->Start();
    auto ok = db_->Write([&](Conn& c) { return wired.Enqueue(c, Dispatched(21, {bob_}), clock_.Now()); });
    ASSERT_TRUE(ok);
    // Wait (bounded) for the thread; the assertion is on the outcome, not on how fast it came.
    for (int i = 0; i < 200 && InboxCount(bob_) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(InboxCount(bob_), 1);
    deliverer_->Stop();
    deliverer_->Stop();  // idempotent
}

TEST_P(DelivererTest, SecretsAreSealedAtRestAndOldClearOnesAreSealedAtStart) {
    Receiver receiver;
    auto hook = Subscribe(receiver.Url());
    ASSERT_TRUE(hook.secret);
    auto stored = [&](int64_t id) {
        auto row = db_->Read([&](Conn& c) {
            return c.QueryOne("SELECT secret, secret_enc FROM notify_webhooks WHERE id = $1", {id}, "webhook");
        });
        EXPECT_TRUE(row);
        return row ? std::pair{row->Text(0), row->IsNull(1) ? std::string() : row->Text(1)}
                   : std::pair<std::string, std::string>{};
    };
    // Nothing of the key in clear in the database; the sealed form opens with the key file only.
    auto [clear, sealed] = stored(hook.webhook.id);
    EXPECT_EQ(clear, "");
    EXPECT_EQ(sealed.find(*hook.secret), std::string::npos);
    auto opened = crypto_->Decrypt(sealed);
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, *hook.secret);
    EXPECT_FALSE(FieldCrypto::ForTesting("another key file")->Decrypt(sealed));

    // A subscription written before migration 0014 holds its key in clear: it is still signed with
    // that key, and sealing at start moves the key out of the clear column without changing it.
    auto legacy = Subscribe(receiver.Url("/legacy"), {"order.*"});
    ASSERT_TRUE(db_->Write([&](Conn& c) {
        return c.Exec("UPDATE notify_webhooks SET secret = 'whsec_from-before', secret_enc = NULL WHERE id = $1",
                      {legacy.webhook.id});
    }));
    EnqueueCommitted(Dispatched(31, {}));
    EXPECT_EQ(Pass().delivered, 2);
    auto sealed_now = service_->SealStoredSecrets();
    ASSERT_TRUE(sealed_now) << sealed_now.error().message;
    EXPECT_EQ(*sealed_now, 1);
    EXPECT_EQ(*service_->SealStoredSecrets(), 0);  // idempotent
    EXPECT_EQ(stored(legacy.webhook.id).first, "");
    EnqueueCommitted(Dispatched(32, {}));
    EXPECT_EQ(Pass().delivered, 2);
    std::vector<Received> to_legacy;
    for (const auto& r : receiver.Requests()) {
        if (r.target == "/legacy") {
            to_legacy.push_back(r);
        }
    }
    ASSERT_EQ(to_legacy.size(), 2u);
    for (const auto& r : to_legacy) {
        EXPECT_TRUE(VerifyWebhook("whsec_from-before", r.timestamp, r.signature, r.body, clock_.Now()));
    }

    // Rotation stores the new key sealed too.
    WebhookPatch rotate;
    rotate.rotate_secret = true;
    auto rotated = service_->UpdateWebhook(admin_, legacy.webhook.id, rotate, info_);
    ASSERT_TRUE(rotated && rotated->secret);
    auto [clear_after, sealed_after] = stored(legacy.webhook.id);
    EXPECT_EQ(clear_after, "");
    EXPECT_EQ(*crypto_->Decrypt(sealed_after), *rotated->secret);
}

TEST_P(DelivererTest, DeliveredOutboxRowsArePrunedAfterTheRetentionAndInboxesKeepTheirMessages) {
    DelivererOptions options;
    options.outbox_retention_s = 30 * 86400;
    options.prune_batch = 2;  // several small transactions
    MakeDeliverer(options);
    Receiver receiver;
    auto hook = Subscribe(receiver.Url());
    for (int i = 0; i < 5; ++i) {
        EnqueueCommitted(Dispatched(100 + i, {alice_}));
    }
    EXPECT_EQ(Pass().delivered, 5);
    EXPECT_EQ(InboxCount(alice_), 5);

    // Within the retention nothing goes.
    clock_.Advance(29 * 86400);
    EXPECT_EQ(Pass().pruned, 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_outbox"), 5);

    // Past it, rows go with their deliveries, except one whose delivery an admin sent again (still
    // pending) and the newest row, which always stays.
    clock_.Advance(2 * 86400);
    auto list = Deliveries(hook.webhook.id);
    ASSERT_EQ(list.size(), 5u);
    ASSERT_TRUE(db_->Write([&](Conn& c) {
        return c.Exec("UPDATE notify_deliveries SET state = 'pending', next_attempt_at = $2 WHERE id = $1",
                      {list.back().id, clock_.Now() + 86400});  // the oldest notification's
    }));
    EXPECT_EQ(Pass().pruned, 3);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_outbox"), 2);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_deliveries"), 2);
    EXPECT_EQ(Deliveries(hook.webhook.id).size(), 2u);
    // The inbox keeps every message, and a new notification gets a fresh id and reaches it.
    EXPECT_EQ(InboxCount(alice_), 5);
    EnqueueCommitted(Dispatched(200, {alice_}));
    EXPECT_EQ(Pass().fanned_out, 1);
    EXPECT_EQ(InboxCount(alice_), 6);

    // Pruning looks at most every prune_interval_s.
    ASSERT_TRUE(db_->Write([&](Conn& c) {
        return c.Exec("UPDATE notify_deliveries SET state = 'delivered', updated_at = $2 WHERE id = $1",
                      {list.back().id, kStart});
    }));
    EXPECT_EQ(Pass().pruned, 0);
    clock_.Advance(deliverer_->options().prune_interval_s);
    EXPECT_EQ(Pass().pruned, 2);  // the one that was pending, and the formerly newest
    EXPECT_EQ(InboxCount(alice_), 6);
}

/// Answers 200; a POST to `slow_url` waits until some other URL was posted (or 10 s passed, then
/// fails), which only completes in one pass when subscriptions are served side by side.
class WaitsForAnother final : public WebhookSender {
public:
    explicit WaitsForAnother(std::string slow_url) : slow_url_(std::move(slow_url)) {}
    HttpOutcome Post(const std::string& url, const std::vector<std::pair<std::string, std::string>>&,
                     const std::string&, const std::atomic<bool>&) override {
        std::unique_lock lock(mu_);
        if (url == slow_url_) {
            const bool other_came = cv_.wait_for(lock, std::chrono::seconds(10), [&] { return others_ > 0; });
            return other_came ? HttpOutcome{200, "", false} : HttpOutcome{std::nullopt, "timed out", false};
        }
        ++others_;
        cv_.notify_all();
        return HttpOutcome{200, "", false};
    }

private:
    std::string slow_url_;
    std::mutex mu_;
    std::condition_variable cv_;
    int others_ = 0;
};

TEST_P(DelivererTest, AHangingReceiverDoesNotHoldUpTheOthers) {
    const std::string slow = "http://127.0.0.1:9/slow";
    MakeDeliverer({}, std::make_unique<WaitsForAnother>(slow));
    auto first = Subscribe(slow);  // served first: a serial deliverer would wait on it
    auto second = Subscribe("http://127.0.0.1:9/fast");
    EnqueueCommitted(Dispatched(41, {}));
    auto pass = Pass();
    EXPECT_EQ(pass.sent, 2);
    EXPECT_EQ(pass.delivered, 2);
    EXPECT_EQ(Deliveries(first.webhook.id)[0].state, DeliveryState::kDelivered);
    EXPECT_EQ(Deliveries(second.webhook.id)[0].state, DeliveryState::kDelivered);
}

INSTANTIATE_TEST_SUITE_P(Backends, DelivererTest, ::testing::ValuesIn(linli::testing::AvailableBackends()),
                         [](const auto& info) { return linli::testing::BackendName(info.param); });

}  // namespace
}  // namespace linli::notify
