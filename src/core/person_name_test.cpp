#include "core/person_name.hpp"

#include <gtest/gtest.h>

namespace linli::person_name {
namespace {

std::string Ok(std::string_view s) {
    auto r = Normalize(s);
    EXPECT_TRUE(r) << s << ": " << (r ? "" : r.error().message);
    return r ? *r : std::string();
}

void Rejected(std::string_view s) {
    auto r = Normalize(s);
    ASSERT_FALSE(r) << s << " was accepted as " << *r;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << s;
    EXPECT_EQ(r.error().field, "name") << s;
}

TEST(PersonName, CommonChineseNamesAreTrimmed) {
    EXPECT_EQ(Ok("张三"), "张三");
    EXPECT_EQ(Ok("  王小明\t"), "王小明");
    EXPECT_EQ(Ok("\u3000李四\u3000"), "李四");  // ideographic spaces
    EXPECT_EQ(Ok("李〇"), "李〇");
}

TEST(PersonName, RareCharactersFromExtensions) {
    EXPECT_EQ(Ok("王𠀀"), "王𠀀");  // U+20000, Extension B
    EXPECT_EQ(Ok("𪚥"), "𪚥");      // U+2A6A5, Extension B
    EXPECT_EQ(Ok("刘䶮"), "刘䶮");  // U+4DAE, Extension A
    EXPECT_EQ(Ok("陈\U00031350"), "陈\U00031350");  // Extension G
    EXPECT_EQ(Ok("金\uF900"), "金\uF900");          // a compatibility ideograph
}

TEST(PersonName, MinorityNamesWithMiddleDot) {
    EXPECT_EQ(Ok("买买提·艾力"), "买买提·艾力");
    EXPECT_EQ(Ok("阿卜杜拉・买买提"), "阿卜杜拉·买买提");  // U+30FB katakana middle dot
    EXPECT_EQ(Ok("阿卜杜拉•买买提"), "阿卜杜拉·买买提");  // U+2022 bullet
    EXPECT_EQ(Ok("阿卜杜拉‧买买提"), "阿卜杜拉·买买提");  // U+2027 hyphenation point
    EXPECT_EQ(Ok("阿卜杜拉･买买提"), "阿卜杜拉·买买提");  // U+FF65 half-width katakana middle dot
    EXPECT_EQ(Ok("努尔·买买提·艾力"), "努尔·买买提·艾力");
}

TEST(PersonName, LatinNamesWithSingleSpaces) {
    EXPECT_EQ(Ok("Anna Müller"), "Anna Müller");
    EXPECT_EQ(Ok("José María Núñez"), "José María Núñez");
    EXPECT_EQ(Ok("Nguyễn Văn An"), "Nguyễn Văn An");
    EXPECT_EQ(Ok("Anna Mu\u0308ller"), "Anna Mu\u0308ller");  // decomposed ü, NFC not required
}

TEST(PersonName, RejectsDigitsAndPunctuation) {
    Rejected("张三3");
    Rejected("张三３");  // full-width digit
    Rejected("张三!");
    Rejected("张三，李四");
    Rejected("O'Brien");
    Rejected("张三\u200B");  // zero-width space
    Rejected("张三🙂");
    auto r = Normalize("张三3");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("digits"), std::string::npos);
}

TEST(PersonName, RejectsMisplacedDots) {
    Rejected("·张三");
    Rejected("张三·");
    Rejected("买买提··艾力");
    Rejected("买买提·・艾力");
    Rejected("·");
}

TEST(PersonName, RejectsBadSpaces) {
    Rejected("Anna  Müller");
    Rejected("张 三");
    Rejected("Anna\tMüller");
}

TEST(PersonName, RejectsEmptyControlsAndInvalidUtf8) {
    Rejected("");
    Rejected("   ");
    Rejected("张\x01三");
    Rejected("张\x7F三");
    Rejected("张\xC3\x28");
}

TEST(PersonName, LengthIsCountedInCharacters) {
    std::string fifty;
    for (int i = 0; i < 50; ++i) {
        fifty += "𠀀";  // four bytes each: 200 bytes, 50 characters
    }
    EXPECT_EQ(Ok(fifty), fifty);
    Rejected(fifty + "张");
}

TEST(PersonName, ErrorNamesTheGivenField) {
    auto r = Normalize("张三3", "guardian_name");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, "guardian_name");
}

}  // namespace
}  // namespace linli::person_name
