// Text similarity for possible duplicates: normalisation of width and punctuation, bigram Dice.
#include "modules/orders/similar.hpp"

#include <gtest/gtest.h>

namespace linli::orders {
namespace {

std::string Utf8(const std::u32string& s) {
    std::string out;
    for (char32_t c : s) {
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

TEST(Similar, NormalisingDropsPunctuationAndWidth) {
    EXPECT_EQ(Utf8(NormalizeForSimilarity("３号楼　电梯，坏了！！ (Lift)")), "3号楼电梯坏了lift");
    EXPECT_EQ(Utf8(NormalizeForSimilarity("「楼道灯」不亮……")), "楼道灯不亮");
    EXPECT_TRUE(NormalizeForSimilarity("，。！？ ").empty());
}

TEST(Similar, TheSameMatterScoresHighAnotherLow) {
    EXPECT_DOUBLE_EQ(TextSimilarity("楼道灯不亮", "楼道灯不亮。"), 1.0);
    EXPECT_DOUBLE_EQ(TextSimilarity("ＡＢＣ", "abc"), 1.0);
    const double close = TextSimilarity("楼道灯不亮", "楼道的灯不亮了");
    const double far = TextSimilarity("楼道灯不亮", "电梯停运");
    EXPECT_GT(close, 0.3);
    EXPECT_DOUBLE_EQ(far, 0.0);
    EXPECT_GT(close, TextSimilarity("楼道灯不亮", "楼下停车乱"));
    EXPECT_DOUBLE_EQ(TextSimilarity("", ""), 0.0);
    EXPECT_DOUBLE_EQ(TextSimilarity("灯", "灯"), 1.0);  // one character: compared as itself
}

}  // namespace
}  // namespace linli::orders
