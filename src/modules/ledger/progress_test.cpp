#include "modules/ledger/progress.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <vector>

namespace linli::ledger {
namespace {

TEST(Progress, GroupsThousands) {
    EXPECT_EQ(GroupThousands(0), "0");
    EXPECT_EQ(GroupThousands(999), "999");
    EXPECT_EQ(GroupThousands(1000), "1,000");
    EXPECT_EQ(GroupThousands(60000), "60,000");
    EXPECT_EQ(GroupThousands(1234567), "1,234,567");
    EXPECT_EQ(GroupThousands(-1234), "-1,234");
}

TEST(Progress, FormatsALine) {
    // 31,000 of 60,000 in 0.643 s: 48,212.28 rows/s, 29,000 left → 0.6 s → ETA 0:01.
    EXPECT_EQ(FormatProgressLine("导入", 31000, 60000, 0.643),
              "导入 [##########..........] 51% 31,000/60,000 rows 48,212 rows/s ETA 0:01");
    EXPECT_EQ(FormatProgressLine("导入", 60000, 60000, 2.0),
              "导入 [####################] 100% 60,000/60,000 rows 30,000 rows/s ETA 0:00");
    EXPECT_EQ(FormatProgressLine("导出", 500, 0, 0.0), "导出 500 rows");
    EXPECT_EQ(FormatProgressLine("导入", 1, 4000, 1.0),
              "导入 [....................] 0% 1/4,000 rows 1 rows/s ETA 1:06:39");
}

TEST(Progress, BarPrintsOnlyWhenForcedOrOnATerminal) {
    std::ostringstream quiet;
    {
        ProgressBar bar(quiet, 10, "导入");
        EXPECT_FALSE(bar.enabled());
        bar.Update(5);
        bar.Finish();
    }
    EXPECT_EQ(quiet.str(), "");

    std::ostringstream out;
    {
        ProgressBar bar(out, 10, "导入", /*force=*/true);
        bar.Update(1);
        bar.Update(2);  // within 100 ms of the first draw: skipped
        bar.Update(10);
        bar.Finish();
        bar.Finish();
    }
    std::string s = out.str();
    EXPECT_TRUE(s.starts_with("\r导入 [##.................."));
    EXPECT_TRUE(s.ends_with("\n"));
    EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 1);
    EXPECT_NE(s.find("100% 10/10 rows"), std::string::npos);
}

TEST(Progress, StateIsSharedAcrossThreads) {
    ProgressState state;
    state.SetTotal(4000);
    state.SetPhase("validating");
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                state.Advance();
            }
        });
    }
    for (std::thread& w : workers) {
        w.join();
    }
    ProgressState::Snapshot s = state.Get();
    EXPECT_EQ(s.total, 4000);
    EXPECT_EQ(s.done, 4000);
    EXPECT_EQ(s.phase, "validating");
    EXPECT_FALSE(s.finished);
    state.Finish("done");
    EXPECT_TRUE(state.Get().finished);
    EXPECT_EQ(state.Get().phase, "done");
}

}  // namespace
}  // namespace linli::ledger
