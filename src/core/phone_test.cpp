#include "core/phone.hpp"

#include <gtest/gtest.h>

namespace linli::phone {
namespace {

TEST(Phone, MobileInCommonShapes) {
    for (std::string_view s : {"13812345678", " 13812345678 ", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
                               "+8613812345678", "+86-138-1234-5678", "8613812345678", "008613812345678"}) {
        auto r = Parse(s);
        ASSERT_TRUE(r) << s << ": " << r.error().message;
        EXPECT_EQ(r->normalized, "13812345678") << s;
        EXPECT_EQ(r->kind, Kind::kMobile) << s;
    }
}

TEST(Phone, EveryMobilePrefixFrom13To19) {
    for (char second = '3'; second <= '9'; ++second) {
        std::string number = std::string("1") + second + "012345678";
        EXPECT_TRUE(Parse(number)) << number;
    }
}

TEST(Phone, MobileStarting10To12IsRejected) {
    for (std::string_view s : {"10812345678", "11812345678", "12812345678"}) {
        auto r = Parse(s);
        ASSERT_FALSE(r) << s;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(r.error().field, "phone");
        EXPECT_NE(r.error().message.find("13 to 19"), std::string::npos) << s;
    }
}

TEST(Phone, MobileOfWrongLengthIsRejected) {
    for (std::string_view s : {"1381234567", "138123456789", "+86 1381234567"}) {
        auto r = Parse(s);
        ASSERT_FALSE(r) << s;
        EXPECT_NE(r.error().message.find("11 digits"), std::string::npos) << s;
    }
}

TEST(Phone, LandlinesInCommonShapes) {
    struct Case {
        std::string_view input;
        std::string_view normalized;
    };
    for (const Case& c : {Case{"010-12345678", "010-12345678"}, Case{"0755-1234567", "0755-1234567"},
                          Case{"(0755)12345678", "0755-12345678"}, Case{"(0755) 1234 5678", "0755-12345678"},
                          Case{"075512345678", "0755-12345678"}, Case{"01012345678", "010-12345678"},
                          Case{"021 87654321", "021-87654321"}, Case{"0755 12345678", "0755-12345678"}}) {
        auto r = Parse(c.input);
        ASSERT_TRUE(r) << c.input << ": " << r.error().message;
        EXPECT_EQ(r->normalized, c.normalized) << c.input;
        EXPECT_EQ(r->kind, Kind::kLandline) << c.input;
    }
}

TEST(Phone, LandlineExtensionIsKept) {
    auto dash = Parse("0755-12345678-123");
    ASSERT_TRUE(dash) << dash.error().message;
    EXPECT_EQ(dash->normalized, "0755-12345678-123");
    auto word = Parse("0755-12345678转123");
    ASSERT_TRUE(word) << word.error().message;
    EXPECT_EQ(word->normalized, "0755-12345678-123");
    auto spaced = Parse("010 12345678 转 8001");
    ASSERT_TRUE(spaced) << spaced.error().message;
    EXPECT_EQ(spaced->normalized, "010-12345678-8001");
}

TEST(Phone, BadLandlinesAreRejected) {
    for (std::string_view s : {"0755-123456", "0755-123456789", "00755-12345678", "0755-01234567", "(0755-12345678",
                               "0755-12345678-", "0755-12345678-1234567", "0755-12345678转"}) {
        auto r = Parse(s);
        ASSERT_FALSE(r) << s;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << s;
    }
}

TEST(Phone, LettersAndOtherJunkAreRejected) {
    for (std::string_view s : {"1381234567a", "phone", "138.1234.5678", "一三八12345678"}) {
        auto r = Parse(s, "contact_phone");
        ASSERT_FALSE(r) << s;
        EXPECT_EQ(r.error().field, "contact_phone");
        EXPECT_NE(r.error().message.find("only digits"), std::string::npos) << s;
    }
}

TEST(Phone, TooShortEmptyAndForeignAreRejected) {
    EXPECT_FALSE(Parse(""));
    EXPECT_FALSE(Parse("   "));
    EXPECT_FALSE(Parse("12345"));
    EXPECT_FALSE(Parse("138"));
    EXPECT_FALSE(Parse("+1 415 555 0100"));
    EXPECT_FALSE(Parse("5551234"));
    EXPECT_FALSE(Parse("13812345678转123"));  // mobiles have no extension
}

TEST(Phone, MaskHidesTheMiddle) {
    EXPECT_EQ(Mask("13812345678"), "138****5678");
    EXPECT_EQ(Mask("0755-12345678"), "0755-****5678");
    EXPECT_EQ(Mask("010-1234567"), "010-****4567");
    EXPECT_EQ(Mask("0755-12345678-123"), "0755-****5678");
}

}  // namespace
}  // namespace linli::phone
