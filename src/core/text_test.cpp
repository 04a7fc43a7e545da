#include "core/text.hpp"

#include <gtest/gtest.h>

namespace linli::text {
namespace {

TEST(Utf8, AcceptsChineseRareCharactersAndMiddleDot) {
    EXPECT_TRUE(IsValidUtf8("青和居"));
    EXPECT_TRUE(IsValidUtf8("\xF0\xA0\x80\x80"));  // U+20000, CJK Extension B
    EXPECT_TRUE(IsValidUtf8("买买提·艾力"));
    EXPECT_TRUE(IsValidUtf8(""));
}

TEST(Utf8, RejectsMalformedSequences) {
    EXPECT_FALSE(IsValidUtf8("\xC3\x28"));          // bad continuation
    EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // UTF-16 surrogate
    EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(IsValidUtf8("\xE4\xB8"));          // truncated
    EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(Text, CountsCodePointsNotBytes) {
    EXPECT_EQ(CodePointCount("青和居"), 3u);
    EXPECT_EQ(CodePointCount("a\xF0\xA0\x80\x80"), 2u);
}

TEST(Text, TrimsAsciiAndIdeographicSpace) {
    EXPECT_EQ(Trim("  青和居 \t"), "青和居");
    EXPECT_EQ(Trim("\xE3\x80\x80王芳\xE3\x80\x80"), "王芳");
    EXPECT_EQ(Trim("   "), "");
}

TEST(Text, FindsControlCharacters) {
    EXPECT_TRUE(HasControlChars(std::string("a\0b", 3)));
    EXPECT_TRUE(HasControlChars("a\x1b[31m"));
    EXPECT_FALSE(HasControlChars("line\nnext\ttab"));
}

}  // namespace
}  // namespace linli::text
