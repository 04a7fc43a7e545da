// The pure rules of safety inspections: deadlines end at local midnight, every item of the version is
// answered once and nothing else, a repeated post has the same fingerprint, ids and dates parse strictly.
#include "modules/safety/rules.hpp"

#include <gtest/gtest.h>

namespace linli::safety {
namespace {

constexpr int kShanghai = 8 * 3600;

TemplateVersion Version() {
    TemplateVersion v;
    v.version = 3;
    v.items = {{11, 1, "疏散通道畅通", "", "", Severity::kMajor, 1},
               {12, 2, "灭火器有效", "", "", Severity::kGeneral, 7}};
    return v;
}

NewInspectionItem Answer(int64_t id, ItemResult result = ItemResult::kPass) {
    NewInspectionItem a;
    a.item_id = id;
    a.result = result;
    return a;
}

TEST(SafetyRules, ADeadlineEndsAtLocalMidnightAfterTheDays) {
    // 2026-03-02 10:00 in Shanghai is 02:00 UTC.
    const int64_t found = *ParseLocalDate("2026-03-02", kShanghai) + 10 * 3600;
    const int64_t due = RectifyDeadline(found, 1, kShanghai);
    EXPECT_EQ(FormatLocalMinute(due, kShanghai), "2026-03-03 23:59");
    EXPECT_EQ(FormatLocalDate(RectifyDeadline(found, 7, kShanghai), kShanghai), "2026-03-09");
    // Found just before local midnight: the day still counts as the day of finding.
    const int64_t late = *ParseLocalDate("2026-03-02", kShanghai) + 86399;
    EXPECT_EQ(FormatLocalDate(RectifyDeadline(late, 1, kShanghai), kShanghai), "2026-03-03");
}

TEST(SafetyRules, EveryItemOfTheVersionIsAnsweredOnce) {
    EXPECT_TRUE(CheckAnswers(Version(), {Answer(12), Answer(11, ItemResult::kFail)}));
    auto outside = CheckAnswers(Version(), {Answer(11), Answer(99)});
    ASSERT_FALSE(outside);
    EXPECT_EQ(outside.error().field, "items[1].item_id");
    EXPECT_NE(outside.error().message.find("version 3"), std::string::npos);
    auto twice = CheckAnswers(Version(), {Answer(11), Answer(11)});
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().field, "items[1].item_id");
    auto missing = CheckAnswers(Version(), {Answer(11)});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().field, "items");
    EXPECT_NE(missing.error().message.find("灭火器有效"), std::string::npos);
}

TEST(SafetyRules, ARepeatedInspectionHasTheSameFingerprint) {
    NewInspection a;
    a.client_id = "x";
    a.template_id = 1;
    a.template_version = 1;
    a.target_id = 5;
    a.inspected_at = 1000;
    a.items = {Answer(11), Answer(12, ItemResult::kFail)};
    NewInspection b = a;
    std::swap(b.items[0], b.items[1]);  // the order of the answers does not matter
    EXPECT_EQ(InspectionFingerprint(a), InspectionFingerprint(b));
    b.items[0].note = "灭火器过期";
    EXPECT_NE(InspectionFingerprint(a), InspectionFingerprint(b));
    NewInspection c = a;
    c.note = "a";
    NewInspection d = a;
    d.label = "a";  // the same text in another field is another inspection
    EXPECT_NE(InspectionFingerprint(c), InspectionFingerprint(d));
}

TEST(SafetyRules, ClientIdsDatesAndIdListsParseStrictly) {
    EXPECT_TRUE(CheckClientId("8f14e45f-ceea-4675-a3f0-c8d1b4e0e001"));
    EXPECT_FALSE(CheckClientId(""));
    EXPECT_FALSE(CheckClientId("has space"));
    EXPECT_FALSE(CheckClientId(std::string(65, 'a')));
    EXPECT_FALSE(ParseLocalDate("2026-02-30", kShanghai));
    EXPECT_FALSE(ParseLocalDate("2026-2-3", kShanghai));
    EXPECT_EQ(*ParseLocalDate("1970-01-02", 0), 86400);
    EXPECT_EQ(SplitIds(JoinIds({3, 5, 8})), (std::vector<int64_t>{3, 5, 8}));
    EXPECT_EQ(SplitIds("4,x,,7"), (std::vector<int64_t>{4, 7}));
    EXPECT_TRUE(SplitIds("").empty());
    EXPECT_FALSE(CheckTemplateCode("A"));
    EXPECT_TRUE(CheckTemplateCode("qhj_ebike_2"));
}

TEST(SafetyRules, TruncateCountsCharactersNotBytes) {
    EXPECT_EQ(Truncate("消防通道", 10), "消防通道");
    EXPECT_EQ(Truncate("隐患：疏散通道堵塞", 4), "隐患：…");
}

TEST(SafetyRules, TheDefaultResponsiblePartyFollowsThePlace) {
    Venue venue;
    venue.owner_name = "张老板";
    EXPECT_EQ(DefaultResponsible(TemplateKind::kVenueFire, venue).kind, ResponsibleKind::kOwner);
    EXPECT_EQ(DefaultResponsible(TemplateKind::kVenueFire, venue).name, "张老板");
    EXPECT_EQ(DefaultResponsible(TemplateKind::kRentalBuilding, std::nullopt).kind, ResponsibleKind::kLandlord);
    EXPECT_EQ(DefaultResponsible(TemplateKind::kFireEscape, std::nullopt).kind, ResponsibleKind::kPropertyCompany);
}

}  // namespace
}  // namespace linli::safety
