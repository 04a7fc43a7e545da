#include "modules/accounts/password.hpp"

#include <gtest/gtest.h>

#include <string>

namespace linli::accounts {
namespace {

TEST(PasswordHashTest, VerifiesTheRightPasswordOnly) {
    auto hash = HashPassword("Correct-Horse-9", PasswordCost::Minimum());
    ASSERT_TRUE(hash) << hash.error().message;
    EXPECT_TRUE(hash->starts_with("$argon2id$")) << *hash;
    EXPECT_EQ(hash->find("Correct-Horse-9"), std::string::npos);
    EXPECT_TRUE(VerifyPassword(*hash, "Correct-Horse-9"));
    EXPECT_FALSE(VerifyPassword(*hash, "correct-horse-9"));
    EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(PasswordHashTest, SaltsEveryHash) {
    auto a = HashPassword("Correct-Horse-9", PasswordCost::Minimum());
    auto b = HashPassword("Correct-Horse-9", PasswordCost::Minimum());
    ASSERT_TRUE(a && b);
    EXPECT_NE(*a, *b);
    EXPECT_TRUE(VerifyPassword(*b, "Correct-Horse-9"));
}

TEST(PasswordHashTest, MalformedHashesNeverVerify) {
    EXPECT_FALSE(VerifyPassword("", "anything"));
    EXPECT_FALSE(VerifyPassword("not a hash", "not a hash"));
    EXPECT_FALSE(VerifyPassword(std::string(1000, 'x'), "x"));
}

TEST(PasswordHashTest, TheNoPasswordMarkerVerifiesNothing) {
    for (const char* attempt : {"", "!", "Correct-Horse-9", "$argon2id$"}) {
        EXPECT_FALSE(VerifyPassword(kNoPasswordHash, attempt)) << attempt;
    }
    EXPECT_TRUE(NeedsRehash(kNoPasswordHash, PasswordCost::Minimum()));
}

TEST(PasswordHashTest, AsksForRehashWhenTheCostChanged) {
    auto hash = HashPassword("Correct-Horse-9", PasswordCost::Minimum());
    ASSERT_TRUE(hash);
    EXPECT_FALSE(NeedsRehash(*hash, PasswordCost::Minimum()));
    EXPECT_TRUE(NeedsRehash(*hash, PasswordCost::Interactive()));
    EXPECT_TRUE(NeedsRehash("garbage", PasswordCost::Minimum()));
}

TEST(PasswordPolicyTest, AcceptsLongMixedPasswords) {
    EXPECT_TRUE(CheckPasswordPolicy("Correct-Horse-9"));
    EXPECT_TRUE(CheckPasswordPolicy("correct horse battery"));  // letters and spaces
    EXPECT_TRUE(CheckPasswordPolicy("abcdefghij1"));
    EXPECT_TRUE(CheckPasswordPolicy("我的密码是春天的花朵2024"));
    EXPECT_TRUE(CheckPasswordPolicy(std::string(127, 'a') + "1"));  // exactly 128
}

TEST(PasswordPolicyTest, RejectsShortLongAndSingleClassPasswords) {
    for (const std::string& bad :
         {std::string("Ab1-short"), std::string(128, 'a') + "1", std::string("aaaaaaaaaaaaaaa"),
          std::string("1234567890123"), std::string("ABCDEFGHIJKL")}) {
        auto r = CheckPasswordPolicy(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(r.error().field, "password");
    }
}

TEST(PasswordPolicyTest, CountsCharactersNotBytes) {
    // Nine Chinese characters are 27 bytes but too short; ten (with a digit) are enough.
    EXPECT_FALSE(CheckPasswordPolicy("春天的花朵开了1号"));
    EXPECT_TRUE(CheckPasswordPolicy("春天的花朵开了1号楼"));
}

TEST(PasswordPolicyTest, RejectsControlCharactersAndBadUtf8) {
    EXPECT_FALSE(CheckPasswordPolicy("Correct\nHorse-9"));
    EXPECT_FALSE(CheckPasswordPolicy(std::string("Correct-Horse-9\xff")));
}

TEST(PasswordPolicyTest, SurroundingWhiteSpaceIsNotPartOfAPassword) {
    EXPECT_EQ(NormalizePassword("  Correct-Horse-9 "), "Correct-Horse-9");
}

}  // namespace
}  // namespace linli::accounts
