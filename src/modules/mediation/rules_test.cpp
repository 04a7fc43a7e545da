// The pure rules of mediation: dates and times as people write them, specialisms, and when an
// agreement may be decided on and an outcome recorded.

#include "modules/mediation/rules.hpp"

#include <gtest/gtest.h>

namespace linli::mediation {
namespace {

Party MakeParty(int64_t id, std::string name, Decision decision) {
    Party p;
    p.id = id;
    p.name = std::move(name);
    p.decision = decision;
    return p;
}

Dispute WithAgreement() {
    Dispute d;
    d.agreement_text = "楼上住户承担维修费用八百元。";
    d.parties = {MakeParty(1, "张伟", Decision::kAccepted), MakeParty(2, "李娜", Decision::kAccepted)};
    return d;
}

TEST(MediationDates, RealDatesOnly) {
    ASSERT_TRUE(ParseDay("2026-01-05"));
    EXPECT_EQ(FormatDay(*ParseDay("2026-01-05")), "2026-01-05");
    EXPECT_EQ(*ParseDay("1970-01-02"), 1);
    EXPECT_EQ(FormatDay(*ParseDay("2024-02-29")), "2024-02-29");
    EXPECT_FALSE(ParseDay("2025-02-29"));  // not a leap year
    EXPECT_FALSE(ParseDay("2026-13-01"));
    EXPECT_FALSE(ParseDay("2026/01/05"));
    EXPECT_FALSE(ParseDay("2026-1-5"));
    EXPECT_FALSE(ParseDay("昨天"));
    EXPECT_FALSE(ParseDay(""));
    auto bad = RequireDay("05.01.2026", "held_on");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().field, "held_on");
}

TEST(MediationDates, TimesAreHoursAndMinutes) {
    EXPECT_TRUE(RequireTime("09:30", "start_time"));
    EXPECT_TRUE(RequireTime("23:59", "start_time"));
    EXPECT_FALSE(RequireTime("24:00", "start_time"));
    EXPECT_FALSE(RequireTime("9:30", "start_time"));
    EXPECT_FALSE(RequireTime("09:60", "start_time"));
    EXPECT_EQ(RequireTime("上午", "start_time").error().field, "start_time");
}

TEST(MediationSpecialisms, KnownCodesInAFixedOrderOnce) {
    auto parsed = ParseSpecialisms({"party_member", "law", "law"}, "specialisms");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(JoinSpecialisms(*parsed), "law,party_member");
    EXPECT_EQ(SplitSpecialisms("law,party_member"), *parsed);
    EXPECT_EQ(ParseSpecialisms({"judge"}, "specialisms").error().field, "specialisms");
    EXPECT_EQ(ParseSpecialisms({}, "specialisms").error().field, "specialisms");
}

TEST(MediationAgreement, OnlyAPartyDecidesAndOnlyOnAText) {
    Dispute d = WithAgreement();
    EXPECT_TRUE(CheckDecision(d, DecisionInput{2, Decision::kDeclined, ""}));

    auto stranger = CheckDecision(d, DecisionInput{99, Decision::kAccepted, ""});
    ASSERT_FALSE(stranger);
    EXPECT_EQ(stranger.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(stranger.error().field, "party_id");

    EXPECT_EQ(CheckDecision(d, DecisionInput{1, Decision::kPending, ""}).error().field, "decision");

    Dispute no_text = d;
    no_text.agreement_text.reset();
    EXPECT_EQ(CheckDecision(no_text, DecisionInput{1, Decision::kAccepted, ""}).error().code, ErrorCode::kConflict);

    Dispute closed = d;
    closed.outcome = Outcome::kAgreed;
    EXPECT_EQ(CheckDecision(closed, DecisionInput{1, Decision::kAccepted, ""}).error().code, ErrorCode::kConflict);
    EXPECT_EQ(CheckAgreement(closed).error().code, ErrorCode::kConflict);
}

TEST(MediationOutcome, AgreedNeedsEveryPartysAcceptance) {
    Dispute d = WithAgreement();
    EXPECT_TRUE(CheckOutcome(d, OutcomeInput{Outcome::kAgreed, std::nullopt, "", ""}));

    d.parties[1].decision = Decision::kDeclined;
    auto refused = CheckOutcome(d, OutcomeInput{Outcome::kAgreed, std::nullopt, "", ""});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
    EXPECT_NE(refused.error().message.find("李娜"), std::string::npos);
    // It failed instead, and goes to court.
    EXPECT_TRUE(CheckOutcome(d, OutcomeInput{Outcome::kFailed, Referral::kCourt, "区人民法院", ""}));

    Dispute no_text;
    no_text.parties = d.parties;
    EXPECT_EQ(CheckOutcome(no_text, OutcomeInput{Outcome::kPartlyAgreed, std::nullopt, "", ""}).error().code,
              ErrorCode::kConflict);
    EXPECT_TRUE(CheckOutcome(no_text, OutcomeInput{Outcome::kFailed, std::nullopt, "", ""}));
}

TEST(MediationOutcome, AReferralSaysWhereAndOnlyWhenNotAgreed) {
    Dispute d = WithAgreement();
    EXPECT_EQ(CheckOutcome(d, OutcomeInput{Outcome::kAgreed, Referral::kCourt, "区人民法院", ""}).error().field,
              "referral");
    EXPECT_EQ(CheckOutcome(d, OutcomeInput{Outcome::kFailed, Referral::kPolice, "", ""}).error().field,
              "referral_to");
    EXPECT_EQ(CheckOutcome(d, OutcomeInput{Outcome::kFailed, std::nullopt, "派出所", ""}).error().field, "referral");
    EXPECT_TRUE(CheckOutcome(d, OutcomeInput{Outcome::kPartlyAgreed, Referral::kArbitration, "区劳动仲裁委", ""}));

    d.outcome = Outcome::kFailed;
    EXPECT_EQ(CheckOutcome(d, OutcomeInput{Outcome::kFailed, std::nullopt, "", ""}).error().code,
              ErrorCode::kConflict);
}

TEST(MediationFigures, SuccessRateOverConcludedOnly) {
    DisputeFigures f;
    FinishFigures(f);
    EXPECT_FALSE(f.success_rate);
    f.agreed = 2;
    f.partly_agreed = 1;
    f.failed = 1;
    f.pending = 5;
    FinishFigures(f);
    ASSERT_TRUE(f.success_rate);
    EXPECT_DOUBLE_EQ(*f.success_rate, 0.75);
}

}  // namespace
}  // namespace linli::mediation
