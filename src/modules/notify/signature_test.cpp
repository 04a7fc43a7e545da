// Pure rules of notifications: webhook signatures (what an integrator checks), the retry backoff,
// topic patterns.

#include "modules/notify/signature.hpp"

#include <gtest/gtest.h>

#include <string>

#include "modules/notify/deliverer.hpp"
#include "modules/notify/model.hpp"

namespace linli::notify {
namespace {

constexpr int64_t kNow = 1'735'689'600;

TEST(WebhookSignature, KnownAnswerMatchesOpenSsl) {
    // What an integrator's tools compute: printf '0.{}' | openssl dgst -sha256 -hmac secret
    EXPECT_EQ(SignWebhook("secret", 0, "{}"),
              "sha256=4bbe8d39de1ffea42cffafb4727e02f761bef8ed2886b51575ce417d542e918f");
}

TEST(WebhookSignature, VerifiesWithTheRightSecretOnly) {
    const std::string body = R"({"id":"abc","topic":"order.dispatched"})";
    const std::string sig = SignWebhook("whsec_right", kNow, body);
    const std::string ts = std::to_string(kNow);
    EXPECT_TRUE(VerifyWebhook("whsec_right", ts, sig, body, kNow));
    EXPECT_FALSE(VerifyWebhook("whsec_wrong", ts, sig, body, kNow));
    EXPECT_FALSE(VerifyWebhook("whsec_right", ts, sig, body + " ", kNow));                  // body changed
    EXPECT_FALSE(VerifyWebhook("whsec_right", std::to_string(kNow + 1), sig, body, kNow));  // timestamp changed
    EXPECT_FALSE(VerifyWebhook("whsec_right", ts, "", body, kNow));                         // unsigned
    EXPECT_FALSE(VerifyWebhook("whsec_right", "", sig, body, kNow));                        // no timestamp
    EXPECT_FALSE(VerifyWebhook("whsec_right", "12x", sig, body, kNow));
}

TEST(WebhookSignature, OldTimestampsAreReplays) {
    const std::string body = "{}";
    const std::string sig = SignWebhook("s", kNow, body);
    EXPECT_TRUE(VerifyWebhook("s", std::to_string(kNow), sig, body, kNow + 300));
    EXPECT_FALSE(VerifyWebhook("s", std::to_string(kNow), sig, body, kNow + 301));
    EXPECT_FALSE(VerifyWebhook("s", std::to_string(kNow), sig, body, kNow - 301));
}

TEST(WebhookSignature, SecretsAreFreshAndLong) {
    std::string a = NewWebhookSecret();
    std::string b = NewWebhookSecret();
    EXPECT_NE(a, b);
    EXPECT_EQ(a.rfind("whsec_", 0), 0u);
    EXPECT_GE(a.size(), 6u + 43u);
}

TEST(Backoff, DoublesFromTheBaseUpToTheCapWithinJitter) {
    EXPECT_EQ(BackoffSeconds(1, 10, 3600, 1.0), 10);
    EXPECT_EQ(BackoffSeconds(1, 10, 3600, 0.0), 5);
    EXPECT_EQ(BackoffSeconds(2, 10, 3600, 1.0), 20);
    EXPECT_EQ(BackoffSeconds(3, 10, 3600, 1.0), 40);
    EXPECT_EQ(BackoffSeconds(9, 10, 3600, 1.0), 2560);
    EXPECT_EQ(BackoffSeconds(10, 10, 3600, 1.0), 3600);
    EXPECT_EQ(BackoffSeconds(60, 10, 3600, 1.0), 3600);  // no overflow however many attempts
    EXPECT_EQ(BackoffSeconds(60, 10, 3600, 0.0), 1800);
    for (int attempt = 1; attempt < 20; ++attempt) {
        int64_t d = BackoffSeconds(attempt, 10, 3600, 0.37);
        EXPECT_GE(d, 5);
        EXPECT_LE(d, 3600);
    }
}

TEST(Topics, PatternsMatchByPrefixOrExactly) {
    EXPECT_TRUE(TopicMatches("*", "order.dispatched"));
    EXPECT_TRUE(TopicMatches("order.*", "order.dispatched"));
    EXPECT_TRUE(TopicMatches("order.*", "order.sla.overdue"));
    EXPECT_FALSE(TopicMatches("order.*", "orders.dispatched"));
    EXPECT_FALSE(TopicMatches("order.*", "order"));
    EXPECT_TRUE(TopicMatches("order.dispatched", "order.dispatched"));
    EXPECT_FALSE(TopicMatches("order.dispatched", "order.closed"));

    EXPECT_TRUE(IsValidTopic("order.dispatched"));
    EXPECT_FALSE(IsValidTopic("Order.Dispatched"));
    EXPECT_FALSE(IsValidTopic(""));
    EXPECT_FALSE(IsValidTopic("order dispatched"));
    EXPECT_FALSE(IsValidTopic(".order"));
    EXPECT_TRUE(IsValidTopicPattern("*"));
    EXPECT_TRUE(IsValidTopicPattern("order.*"));
    EXPECT_FALSE(IsValidTopicPattern("order*"));
    EXPECT_FALSE(IsValidTopicPattern(".*"));
}

}  // namespace
}  // namespace linli::notify
