// The inbox and webhook routes through their handlers on every available backend: unread first then
// newest with cursor paging, another user's message is a 404, read / read-all / unread-count; webhook
// subscriptions are admin-only, strictly read (fields named in errors), audited, and their secret is
// answered only at creation and rotation.

#include "modules/notify/service.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/field_crypto.hpp"
#include "http/router.hpp"
#include "modules/accounts/audit.hpp"
#include "modules/notify/deliverer.hpp"
#include "modules/notify/outbox.hpp"
#include "modules/notify/routes.hpp"
#include "support/route_call.hpp"
#include "support/test_database.hpp"

namespace linli::notify {
namespace {

namespace json = boost::json;
using http::Method;
using storage::Conn;

constexpr int64_t kStart = 1'735'689'600;

/// Inbox-only notifications never reach a sender.
class NoSender final : public WebhookSender {
public:
    HttpOutcome Post(const std::string&, const std::vector<std::pair<std::string, std::string>>&, const std::string&,
                     const std::atomic<bool>&) override {
        ADD_FAILURE() << "no webhook was expected";
        return {};
    }
};

class NotifyRoutesTest : public ::testing::TestWithParam<linli::testing::Backend> {
protected:
    void SetUp() override {
        db_ = linli::testing::OpenTestDatabase(GetParam());
        service_ = std::make_unique<NotifyService>(*db_, clock_, *crypto_);
        deliverer_ = std::make_unique<Deliverer>(*db_, clock_, *crypto_, std::make_unique<NoSender>());
        RegisterRoutes(router_, *service_);
        admin_ = Actor{MakeUser("admin"), "admin", Role::kAdmin};
        alice_ = Actor{MakeUser("alice"), "alice", Role::kGridWorker};
        bob_ = Actor{MakeUser("bob"), "bob", Role::kResident};
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

    /// One inbox message for `users`, delivered.
    void Notify(const std::string& title, std::vector<int64_t> users) {
        Notification n;
        n.topic = "order.replied";
        n.user_ids = std::move(users);
        n.webhooks = false;
        n.title = title;
        n.body = "您反映的问题已办结，请评价。";
        n.link = "/orders/1";
        n.dedupe_key = "test:" + std::to_string(++seq_);
        ASSERT_TRUE(db_->Write([&](Conn& c) { return Enqueue(c, n, clock_.Now()); }));
        clock_.Advance(1);
        ASSERT_TRUE(deliverer_->RunOnce());
    }

    http::Response Call(const Actor& actor, Method method, const std::string& path, std::string body = {},
                        std::vector<std::pair<std::string, std::string>> query = {}) {
        return linli::testing::CallRoute(router_, actor, method, path, std::move(body), std::move(query));
    }
    static json::object Json(const http::Response& r) { return json::parse(r.body).as_object(); }
    static std::string ErrorField(const http::Response& r) {
        return std::string(Json(r).at("error").at("field").as_string());
    }
    std::vector<std::string> Titles(const json::object& page) {
        std::vector<std::string> out;
        for (const auto& item : page.at("items").as_array()) {
            out.emplace_back(item.at("title").as_string());
        }
        return out;
    }

    ManualClock clock_{kStart};
    std::unique_ptr<FieldCrypto> crypto_ = FieldCrypto::ForTesting();
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<NotifyService> service_;
    std::unique_ptr<Deliverer> deliverer_;
    http::Router router_;
    Actor admin_;
    Actor alice_;
    Actor bob_;
    int seq_ = 0;
};

TEST_P(NotifyRoutesTest, InboxListsUnreadFirstThenNewestAndPages) {
    Notify("一", {alice_.user_id});
    Notify("二", {alice_.user_id});
    Notify("三", {alice_.user_id, bob_.user_id});
    Notify("四", {alice_.user_id});

    auto all = Json(Call(alice_, Method::kGet, "/api/v1/inbox"));
    ASSERT_EQ(all.at("items").as_array().size(), 4u);
    auto second_id = all.at("items").as_array()[2].at("id").as_int64();  // "二"
    auto r = Call(alice_, Method::kPost, "/api/v1/inbox/" + std::to_string(second_id) + "/read");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(Json(r).at("unread").as_bool());

    EXPECT_EQ(Titles(Json(Call(alice_, Method::kGet, "/api/v1/inbox"))),
              (std::vector<std::string>{"四", "三", "一", "二"}));
    EXPECT_EQ(Json(Call(alice_, Method::kGet, "/api/v1/inbox/unread-count")).at("unread").as_int64(), 3);

    // One by one through the cursor: the same order, nothing twice, nothing missed.
    std::vector<std::string> paged;
    std::vector<std::pair<std::string, std::string>> query{{"limit", "1"}};
    for (int i = 0; i < 10; ++i) {
        auto page = Json(Call(alice_, Method::kGet, "/api/v1/inbox", {}, query));
        for (auto& t : Titles(page)) {
            paged.push_back(t);
        }
        if (page.at("next_cursor").is_null()) {
            break;
        }
        query = {{"limit", "1"}, {"cursor", std::string(page.at("next_cursor").as_string())}};
    }
    EXPECT_EQ(paged, (std::vector<std::string>{"四", "三", "一", "二"}));

    EXPECT_EQ(Titles(Json(Call(alice_, Method::kGet, "/api/v1/inbox", {}, {{"unread_only", "true"}}))),
              (std::vector<std::string>{"四", "三", "一"}));
    EXPECT_EQ(Titles(Json(Call(bob_, Method::kGet, "/api/v1/inbox"))), (std::vector<std::string>{"三"}));
}

TEST_P(NotifyRoutesTest, AnotherUsersMessageIsNotFound) {
    Notify("给爱丽丝", {alice_.user_id});
    auto id = Json(Call(alice_, Method::kGet, "/api/v1/inbox")).at("items").as_array()[0].at("id").as_int64();
    EXPECT_EQ(Call(bob_, Method::kPost, "/api/v1/inbox/" + std::to_string(id) + "/read").status, 404);
    EXPECT_EQ(Json(Call(alice_, Method::kGet, "/api/v1/inbox/unread-count")).at("unread").as_int64(), 1);
}

TEST_P(NotifyRoutesTest, ReadAllMarksEverythingOnce) {
    Notify("一", {alice_.user_id});
    Notify("二", {alice_.user_id});
    auto r = Call(alice_, Method::kPost, "/api/v1/inbox/read-all");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(Json(r).at("marked").as_int64(), 2);
    EXPECT_EQ(Json(Call(alice_, Method::kPost, "/api/v1/inbox/read-all")).at("marked").as_int64(), 0);
    EXPECT_EQ(Json(Call(alice_, Method::kGet, "/api/v1/inbox/unread-count")).at("unread").as_int64(), 0);
}

TEST_P(NotifyRoutesTest, InboxQueryIsStrict) {
    auto r = Call(alice_, Method::kGet, "/api/v1/inbox", {}, {{"unread", "true"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(ErrorField(r), "unread");
    r = Call(alice_, Method::kGet, "/api/v1/inbox", {}, {{"cursor", "bogus"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(ErrorField(r), "cursor");
    r = Call(alice_, Method::kGet, "/api/v1/inbox", {}, {{"limit", "0"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(ErrorField(r), "limit");
}

TEST_P(NotifyRoutesTest, WebhookSecretIsShownOnceAndChangesAreAudited) {
    auto created = Call(admin_, Method::kPost, "/api/v1/webhooks",
                        R"({"name":"短信网关","url":"https://sms.example.cn/linli","topics":["order.*","order.*"]})");
    ASSERT_EQ(created.status, 201) << created.body;
    auto hook = Json(created);
    const auto id = hook.at("id").as_int64();
    const std::string secret(hook.at("secret").as_string());
    EXPECT_EQ(secret.rfind("whsec_", 0), 0u);
    EXPECT_EQ(hook.at("topics").as_array().size(), 1u);  // duplicates collapse

    auto list = Json(Call(admin_, Method::kGet, "/api/v1/webhooks"));
    ASSERT_EQ(list.at("items").as_array().size(), 1u);
    EXPECT_FALSE(list.at("items").as_array()[0].as_object().contains("secret"));
    EXPECT_EQ(Call(admin_, Method::kGet, "/api/v1/webhooks").body.find(secret), std::string::npos);

    auto patched =
        Call(admin_, Method::kPatch, "/api/v1/webhooks/" + std::to_string(id), R"({"active":false,"topics":["*"]})");
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_FALSE(Json(patched).contains("secret"));
    EXPECT_FALSE(Json(patched).at("active").as_bool());

    auto rotated = Call(admin_, Method::kPatch, "/api/v1/webhooks/" + std::to_string(id), R"({"rotate_secret":true})");
    ASSERT_EQ(rotated.status, 200);
    EXPECT_NE(std::string(Json(rotated).at("secret").as_string()), secret);

    EXPECT_EQ(Call(admin_, Method::kGet, "/api/v1/webhooks/" + std::to_string(id) + "/deliveries").status, 200);
    EXPECT_EQ(Call(admin_, Method::kDelete, "/api/v1/webhooks/" + std::to_string(id)).status, 204);
    EXPECT_EQ(Call(admin_, Method::kDelete, "/api/v1/webhooks/" + std::to_string(id)).status, 404);
    EXPECT_EQ(Call(admin_, Method::kGet, "/api/v1/webhooks/" + std::to_string(id) + "/deliveries").status, 404);

    auto audit = db_->Read([](Conn& c) {
        accounts::AuditQuery q;
        q.action = "webhook.";
        return accounts::ListAudit(c, q);
    });
    ASSERT_TRUE(audit);
    std::vector<std::string> actions;
    for (const auto& a : audit->items) {
        actions.push_back(a.action);
        EXPECT_EQ(a.detail.find("whsec_"), std::string::npos) << "a secret in the audit log";
    }
    EXPECT_EQ(actions,
              (std::vector<std::string>{"webhook.delete", "webhook.update", "webhook.update", "webhook.create"}));
}

TEST_P(NotifyRoutesTest, BadWebhookInputNamesTheField) {
    struct Case {
        std::string body;
        std::string field;
    };
    const std::vector<Case> cases{
        {R"({"name":"x","url":"ftp://example.cn/","topics":["*"]})", "url"},
        {R"({"name":"x","url":"file:///etc/passwd","topics":["*"]})", "url"},
        {R"({"name":"x","url":"https://user:pw@example.cn/","topics":["*"]})", "url"},
        {R"({"name":"x","url":"not a url","topics":["*"]})", "url"},
        {R"({"name":"x","url":"https://example.cn/","topics":[]})", "topics"},
        {R"({"name":"x","url":"https://example.cn/","topics":[1]})", "topics"},
        {R"({"name":"x","url":"https://example.cn/","topics":"order.*"})", "topics"},
        {R"({"name":"x","url":"https://example.cn/","topics":["Order Created"]})", "topics"},
        {R"({"name":"x","url":"https://example.cn/"})", "topics"},
        {R"({"url":"https://example.cn/","topics":["*"]})", "name"},
        {R"({"name":"x","url":"https://example.cn/","topics":["*"],"secret":"mine"})", "secret"},
        {R"({"name":"x","url":"https://example.cn/","topics":["*"],"active":"yes"})", "active"},
    };
    for (const auto& c : cases) {
        auto r = Call(admin_, Method::kPost, "/api/v1/webhooks", c.body);
        EXPECT_EQ(r.status, 400) << c.body << " → " << r.body;
        EXPECT_EQ(ErrorField(r), c.field) << c.body;
    }
    auto list = Json(Call(admin_, Method::kGet, "/api/v1/webhooks"));
    EXPECT_TRUE(list.at("items").as_array().empty());
}

TEST_P(NotifyRoutesTest, OnlyAnAdminManagesWebhooks) {
    auto r =
        Call(alice_, Method::kPost, "/api/v1/webhooks", R"({"name":"x","url":"https://example.cn/","topics":["*"]})");
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(Call(alice_, Method::kGet, "/api/v1/webhooks").status, 403);
    // The route itself also declares the role, so the pipeline answers 403 before the handler.
    auto match = router_.Find(Method::kGet, "/api/v1/webhooks");
    ASSERT_TRUE(match);
    EXPECT_FALSE(match->route->access.Allows(Role::kCommunityStaff));
    EXPECT_TRUE(match->route->access.Allows(Role::kAdmin));
}

INSTANTIATE_TEST_SUITE_P(Backends, NotifyRoutesTest, ::testing::ValuesIn(linli::testing::AvailableBackends()),
                         [](const auto& info) { return linli::testing::BackendName(info.param); });

}  // namespace
}  // namespace linli::notify
