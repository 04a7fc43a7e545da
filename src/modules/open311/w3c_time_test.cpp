#include "modules/open311/w3c_time.hpp"

#include <gtest/gtest.h>

namespace linli::open311 {
namespace {

TEST(W3cTime, FormatsUtcWithSeconds) {
    EXPECT_EQ(FormatW3c(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(FormatW3c(1271252258), "2010-04-14T13:37:38Z");
}

TEST(W3cTime, ReadsTheSpecsExamples) {
    // "1994-11-05T08:15:30-05:00 corresponds to ... 1994-11-05T13:15:30Z": the same instant.
    EXPECT_EQ(ParseW3c("1994-11-05T08:15:30-05:00"), ParseW3c("1994-11-05T13:15:30Z"));
    EXPECT_EQ(ParseW3c("2010-05-24T00:00:00Z"), 1274659200);
    EXPECT_EQ(ParseW3c("2010-04-14T06:37:38-08:00"), 1271255858);
    EXPECT_EQ(ParseW3c("2010-01-01"), 1262304000);
    EXPECT_EQ(ParseW3c("2010-01-01T08:00+08:00"), 1262304000);
    EXPECT_EQ(ParseW3c("2010-01-01T00:00:00.25Z"), 1262304000);
    // An unescaped '+' in a query string arrives as a space.
    EXPECT_EQ(ParseW3c("2010-01-01T08:00:00 08:00"), 1262304000);
}

TEST(W3cTime, RefusesWhatIsNotADateTime) {
    for (const char* bad : {"", "2010", "2010-13-01", "2023-02-30", "2010-01-01T25:00:00Z", "2010-01-01T00:00:00",
                            "yesterday", "2010-01-01T00:00:00Zjunk", "2010-01-01T00:00:00+0800"}) {
        EXPECT_FALSE(ParseW3c(bad).has_value()) << bad;
    }
}

}  // namespace
}  // namespace linli::open311
