#include "core/id_number.hpp"

#include <gtest/gtest.h>

namespace linli::id_number {
namespace {

constexpr std::string_view kToday = "2024-06-01";

/// A valid number: the given 17 digits plus their check character.
std::string WithCheck(std::string_view first17) { return std::string(first17) + CheckCharacter(first17); }

TEST(IdNumber, KnownSampleHasCheckCharacterX) {
    EXPECT_EQ(CheckCharacter("11010519491231002"), 'X');
    auto r = Parse("11010519491231002X", kToday);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->normalized, "11010519491231002X");
    EXPECT_EQ(r->region, "110105");
    EXPECT_EQ(r->BirthDate(), "1949-12-31");
    EXPECT_EQ(r->birth_year, 1949);
    EXPECT_EQ(r->birth_month, 12);
    EXPECT_EQ(r->birth_day, 31);
    EXPECT_EQ(r->sex, Sex::kFemale);  // 17th digit 2 is even
}

TEST(IdNumber, AcceptsLowerCaseXAndSurroundingSpaces) {
    auto r = Parse("  11010519491231002x ", kToday);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->normalized, "11010519491231002X");
}

TEST(IdNumber, SexFromSeventeenthDigit) {
    auto male = Parse(WithCheck("44030519900101123"), kToday);
    ASSERT_TRUE(male) << male.error().message;
    EXPECT_EQ(male->sex, Sex::kMale);
    auto female = Parse(WithCheck("44030519900101124"), kToday);
    ASSERT_TRUE(female) << female.error().message;
    EXPECT_EQ(female->sex, Sex::kFemale);
}

TEST(IdNumber, LeapDayAndTodayAreValid) {
    EXPECT_TRUE(Parse(WithCheck("31010120000229001"), kToday));  // 2000 is a leap year
    EXPECT_TRUE(Parse(WithCheck("31010120240601001"), kToday));  // born today
    EXPECT_TRUE(Parse(WithCheck("31010119000101001"), kToday));  // the earliest accepted year
}

TEST(IdNumber, WrongCheckDigitIsRejectedInBothLanguages) {
    auto r = Parse("110105194912310021", kToday);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().field, "id_number");
    EXPECT_EQ(r.error().message, "身份证号校验位不正确 / wrong check digit in ID number");
}

TEST(IdNumber, ErrorNamesTheGivenField) {
    auto r = Parse("123", kToday, "guardian_id_number");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, "guardian_id_number");
}

TEST(IdNumber, WrongLengthIsRejected) {
    for (std::string_view s : {"", "1101051949123100", "11010519491231002X1", "1101051949123100211"}) {
        auto r = Parse(s, kToday);
        ASSERT_FALSE(r) << s;
        EXPECT_NE(r.error().message.find("18"), std::string::npos) << s;
    }
}

TEST(IdNumber, LegacyFifteenDigitNumberAsksForEighteen) {
    auto r = Parse("110105491231002", kToday);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("15-digit legacy"), std::string::npos);
    EXPECT_NE(r.error().message.find("18"), std::string::npos);
}

TEST(IdNumber, NonDigitsAreRejected) {
    for (std::string_view s : {"11010519491231A02X", "X10105194912310021", "1101051949123100-2", "11010519491231002Y"}) {
        auto r = Parse(s, kToday);
        ASSERT_FALSE(r) << s;
        EXPECT_NE(r.error().message.find("only digits"), std::string::npos) << s;
    }
}

TEST(IdNumber, ImpossibleBirthDatesAreRejected) {
    for (std::string_view first17 : {"31010119900230001",    // 30 February
                                     "31010119901301001",    // month 13
                                     "31010119900001001",    // month 0
                                     "31010119900100001",    // day 0
                                     "31010119900431001",    // 31 April
                                     "31010120230229001",    // 29 February, 2023 is not a leap year
                                     "31010119000229001"}) {  // 1900 is not a leap year either
        auto r = Parse(WithCheck(first17), kToday);
        ASSERT_FALSE(r) << first17;
        EXPECT_NE(r.error().message.find("does not exist"), std::string::npos) << first17;
    }
}

TEST(IdNumber, BirthInTheFutureIsRejected) {
    auto r = Parse(WithCheck("31010120240602001"), kToday);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("future"), std::string::npos);
}

TEST(IdNumber, BirthBefore1900IsRejected) {
    auto r = Parse(WithCheck("31010118991231001"), kToday);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("1900"), std::string::npos);
}

TEST(IdNumber, RegionCodeIsNotLookedUpButCannotStartWithZero) {
    EXPECT_TRUE(Parse(WithCheck("99999919900101001"), kToday));  // not a real region, still accepted
    auto r = Parse(WithCheck("01010119900101001"), kToday);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("region"), std::string::npos);
}

TEST(IdNumber, MaskKeepsFirstOneAndLastFour) {
    EXPECT_EQ(Mask("11010519491231002X"), "1*************002X");
    EXPECT_EQ(Mask("110105199001011234"), "1*************1234");
}

}  // namespace
}  // namespace linli::id_number
