// Pure rules of the resident's side: building tokens (signed, URL-safe, refused when forged or
// truncated) and the sliding-window rate limiter (with a manual clock).
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "core/clock.hpp"
#include "core/field_crypto.hpp"
#include "modules/orders/building_token.hpp"
#include "modules/orders/rate_limiter.hpp"

namespace linli::orders {
namespace {

TEST(BuildingTokens, AreUrlSafeStableAndNameTheirBuilding) {
    auto crypto = FieldCrypto::ForTesting();
    BuildingTokens tokens(*crypto);
    const std::string token = tokens.Issue(42);
    EXPECT_EQ(token, tokens.Issue(42));
    EXPECT_NE(token, tokens.Issue(43));
    EXPECT_EQ(token.rfind("42.", 0), 0u);
    EXPECT_LE(token.size(), kMaxBuildingTokenChars);
    for (char ch : token) {
        EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_') << token;
    }
    auto id = tokens.Verify(token);
    ASSERT_TRUE(id);
    EXPECT_EQ(*id, 42);
}

TEST(BuildingTokens, RefuseForgedTruncatedAndOtherKeys) {
    auto crypto = FieldCrypto::ForTesting();
    BuildingTokens tokens(*crypto);
    const std::string token = tokens.Issue(42);
    const std::string tag = token.substr(3);
    auto other_key = FieldCrypto::ForTesting("another office");
    for (const std::string& bad :
         {std::string(), std::string("42"), std::string("42."), "43." + tag, token.substr(0, token.size() - 1),
          token + "A", "042." + tag, "+42." + tag, "-42." + tag, " 42." + tag, "42.." + tag,
          BuildingTokens(*other_key).Issue(42), std::string(100, '4')}) {
        auto id = tokens.Verify(bad);
        ASSERT_FALSE(id) << bad;
        EXPECT_EQ(id.error().code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(id.error().field, "building_token");
    }
}

TEST(RateLimiter, AllowsTheLimitPerWindowAndSaysWhenToRetry) {
    ManualClock clock(1'700'000'000);
    RateLimiter limiter(clock, 3, 3600);
    EXPECT_FALSE(limiter.Hit("a"));
    clock.Advance(100);
    EXPECT_FALSE(limiter.Hit("a"));
    EXPECT_FALSE(limiter.Hit("a"));
    auto wait = limiter.Hit("a");
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, 3500);          // the first hit leaves the window then
    EXPECT_FALSE(limiter.Hit("b"));  // keys are independent
    clock.Advance(3500);
    EXPECT_FALSE(limiter.Hit("a"));
    EXPECT_TRUE(limiter.Hit("a"));
}

TEST(RateLimiter, ForgetsIdleKeys) {
    ManualClock clock(1'700'000'000);
    RateLimiter limiter(clock, 1, 60);
    for (int i = 0; i < 5000; ++i) {
        EXPECT_FALSE(limiter.Hit("k" + std::to_string(i)));
        clock.Advance(1);
    }
    // Still exact for a key inside its window after the pruning passes.
    EXPECT_TRUE(limiter.Hit("k4999"));
    EXPECT_FALSE(limiter.Hit("k0"));
}

}  // namespace
}  // namespace linli::orders
