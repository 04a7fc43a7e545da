#include "core/working_calendar.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>

namespace linli {
namespace {

constexpr int64_t kHour = 3600;

/// The instant of local time "YYYY-MM-DD HH:MM[:SS]" at a fixed UTC offset (Shanghai by default).
int64_t At(const std::string& local, int utc_offset = 8 * 3600) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    const int fields = std::sscanf(local.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s);
    EXPECT_GE(fields, 5) << local;
    const std::chrono::sys_days day{std::chrono::year{y} / mo / d};
    return day.time_since_epoch().count() * 86400 + h * 3600 + mi * 60 + s - utc_offset;
}

/// Shanghai, default hours (09:00-12:00, 13:30-18:00), Saturday and Sunday off, and National Day
/// 2026 as the State Council set it: 1-7 October off, Sunday 20 September and Saturday 10 October worked.
WorkingCalendarConfig NationalDay2026() {
    WorkingCalendarConfig config;
    config.holidays = {"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
                       "2026-10-05", "2026-10-06", "2026-10-07"};
    config.extra_workdays = {"2026-09-20", "2026-10-10"};
    return config;
}

WorkingCalendar Make(const WorkingCalendarConfig& config = NationalDay2026()) {
    auto calendar = WorkingCalendar::Create(config);
    EXPECT_TRUE(calendar) << calendar.error().message;
    return *calendar;
}

std::string FieldOfError(const WorkingCalendarConfig& config) {
    auto calendar = WorkingCalendar::Create(config);
    return calendar ? "(accepted)" : calendar.error().field;
}

// 2026-11-20 is a Friday, 2026-11-23 a Monday.

TEST(WorkingCalendar, CountsAcrossTheLunchBreak) {
    auto calendar = Make();
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-23 11:00"), 2 * kHour), At("2026-11-23 14:30"));
    EXPECT_EQ(calendar.WorkingSecondsBetween(At("2026-11-23 11:00"), At("2026-11-23 14:30")), 2 * kHour);
    // Started during lunch: the clock runs from 13:30.
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-23 12:45"), kHour), At("2026-11-23 14:30"));
}

TEST(WorkingCalendar, AnAmountThatFillsASpanEndsAtTheSpanEnd) {
    auto calendar = Make();
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-23 09:00"), 3 * kHour), At("2026-11-23 12:00"));
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-23 09:00"), 7 * kHour + 1800), At("2026-11-23 18:00"));
    EXPECT_EQ(calendar.working_seconds_per_day(), 7 * kHour + 1800);
}

TEST(WorkingCalendar, CarriesOverTheEveningToTheNextMorning) {
    auto calendar = Make();
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-23 17:00"), 2 * kHour), At("2026-11-24 10:00"));
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-23 20:15"), kHour), At("2026-11-24 10:00"));
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-24 06:00"), kHour), At("2026-11-24 10:00"));
    EXPECT_EQ(calendar.WorkingSecondsBetween(At("2026-11-23 17:00"), At("2026-11-24 10:00")), 2 * kHour);
}

TEST(WorkingCalendar, SkipsTheWeekend) {
    auto calendar = Make();
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-20 17:00"), 2 * kHour), At("2026-11-23 10:00"));
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-21 10:00"), kHour), At("2026-11-23 10:00"));  // Saturday
    EXPECT_EQ(calendar.WorkingSecondsBetween(At("2026-11-21 00:00"), At("2026-11-23 00:00")), 0);
    EXPECT_FALSE(calendar.IsWorkingDay(At("2026-11-22 10:00")));
}

TEST(WorkingCalendar, SkipsHolidaysAndWorksTheExtraSaturday) {
    auto calendar = Make();
    // Wednesday 30 September, an hour before closing: 1-7 October are off.
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-09-30 17:00"), 2 * kHour), At("2026-10-08 10:00"));
    // Opened on a holiday: counts from the first working morning.
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-10-03 10:00"), kHour), At("2026-10-08 10:00"));
    // Friday 9 October: Saturday 10 October is a working day (调休).
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-10-09 17:00"), 2 * kHour), At("2026-10-10 10:00"));
    // Sunday 20 September is worked too.
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-09-19 10:00"), kHour), At("2026-09-20 10:00"));
    EXPECT_TRUE(calendar.IsWorkingDay(At("2026-10-10 12:00")));
    EXPECT_FALSE(calendar.IsWorkingDay(At("2026-10-01 12:00")));

    // Without the calendar exceptions, the same Friday rolls over to Monday.
    auto plain = Make(WorkingCalendarConfig{});
    EXPECT_EQ(plain.AddWorkingSeconds(At("2026-10-09 17:00"), 2 * kHour), At("2026-10-12 10:00"));
    EXPECT_EQ(plain.AddWorkingSeconds(At("2026-09-30 17:00"), 2 * kHour), At("2026-10-01 10:00"));
}

TEST(WorkingCalendar, AWeekOfHolidayCostsNoWorkingTime) {
    auto calendar = Make();
    EXPECT_EQ(calendar.WorkingSecondsBetween(At("2026-09-30 18:00"), At("2026-10-08 09:00")), 0);
    // Monday 28 September to Monday 12 October: 28, 29, 30 Sep, 8, 9, 10 Oct worked.
    EXPECT_EQ(calendar.WorkingSecondsBetween(At("2026-09-28 00:00"), At("2026-10-12 00:00")),
              6 * calendar.working_seconds_per_day());
}

TEST(WorkingCalendar, ThirtyWorkingDaysSkipEveryWeekendAndHoliday) {
    WorkingCalendarConfig config = NationalDay2026();
    config.holidays.insert("2027-01-01");  // a test date, not the published schedule
    auto calendar = Make(config);
    // Monday 23 November 09:00 + 30 × 7.5 h: five weeks of five days, then 28-31 December and
    // (1 January being off) Monday 4 January, to its close.
    const int64_t due = calendar.Deadline(At("2026-11-23 09:00"), DeadlineKind::kWorkingHours, 225);
    EXPECT_EQ(due, At("2027-01-04 18:00"));
    EXPECT_EQ(calendar.WorkingSecondsBetween(At("2026-11-23 09:00"), due), 225 * kHour);
}

TEST(WorkingCalendar, TheExamplesInOperationsMdHold) {
    auto calendar = Make();
    EXPECT_EQ(calendar.Deadline(At("2026-11-20 17:00"), DeadlineKind::kWorkingHours, 8), At("2026-11-23 17:30"));
    EXPECT_EQ(calendar.Deadline(At("2026-09-30 17:00"), DeadlineKind::kWorkingHours, 8), At("2026-10-08 17:30"));
}

TEST(WorkingCalendar, The2026ScheduleAsWrittenInOperationsMd) {
    WorkingCalendarConfig config;
    for (const char* range :
         {"2026-01-01..2026-01-03", "2026-02-15..2026-02-23", "2026-04-04..2026-04-06", "2026-05-01..2026-05-05",
          "2026-06-19..2026-06-21", "2026-09-25..2026-09-27", "2026-10-01..2026-10-07"}) {
        auto dates = ParseDateList(range, "holidays");
        ASSERT_TRUE(dates);
        config.holidays.insert(dates->begin(), dates->end());
    }
    config.extra_workdays =
        *ParseDateList("2026-01-04,2026-02-14,2026-02-28,2026-05-09,2026-09-20,2026-10-10", "extra_workdays");
    auto calendar = Make(config);
    // Every extra workday is a weekend day, so each one counts.
    for (const auto& date : config.extra_workdays) {
        EXPECT_TRUE(calendar.IsWorkingDay(At(date + " 12:00"))) << date;
        EXPECT_FALSE(Make(WorkingCalendarConfig{}).IsWorkingDay(At(date + " 12:00"))) << date;
    }
    // Spring Festival: the Saturday before is worked, then nine days off.
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-02-13 17:00"), 2 * kHour), At("2026-02-14 10:00"));
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-02-14 17:00"), 2 * kHour), At("2026-02-24 10:00"));
    // 365 days - 104 weekend days - 19 holidays on weekdays + 6 worked weekend days = 248 working days.
    EXPECT_EQ(calendar.WorkingSecondsBetween(At("2026-01-01 00:00"), At("2027-01-01 00:00")),
              248 * calendar.working_seconds_per_day());
}

TEST(WorkingCalendar, IsWorkingTimeAtTheEdgesOfSpans) {
    auto calendar = Make();
    EXPECT_FALSE(calendar.IsWorkingTime(At("2026-11-23 08:59:59")));
    EXPECT_TRUE(calendar.IsWorkingTime(At("2026-11-23 09:00")));
    EXPECT_TRUE(calendar.IsWorkingTime(At("2026-11-23 11:59:59")));
    EXPECT_FALSE(calendar.IsWorkingTime(At("2026-11-23 12:00")));
    EXPECT_TRUE(calendar.IsWorkingTime(At("2026-11-23 13:30")));
    EXPECT_FALSE(calendar.IsWorkingTime(At("2026-11-23 18:00")));
    EXPECT_FALSE(calendar.IsWorkingTime(At("2026-11-21 10:00")));  // Saturday
    EXPECT_FALSE(calendar.IsWorkingTime(At("2026-10-05 10:00")));  // holiday
    EXPECT_TRUE(calendar.IsWorkingTime(At("2026-10-10 10:00")));   // worked Saturday
}

TEST(WorkingCalendar, SameDayDeadlineIsLocalMidnightWhateverTheHours) {
    auto calendar = Make();
    EXPECT_EQ(calendar.Deadline(At("2026-11-23 17:30"), DeadlineKind::kSameDay, 0), At("2026-11-23 23:59:59"));
    EXPECT_EQ(calendar.Deadline(At("2026-11-23 00:00"), DeadlineKind::kSameDay, 48), At("2026-11-23 23:59:59"));
    // A dispute on a Sunday or a holiday is not left overnight either.
    EXPECT_EQ(calendar.Deadline(At("2026-10-02 21:00"), DeadlineKind::kSameDay, 0), At("2026-10-02 23:59:59"));
    // 07:30 in Shanghai is still the previous day in UTC; the local day is what counts.
    EXPECT_EQ(calendar.Deadline(At("2026-11-24 07:30"), DeadlineKind::kSameDay, 0), At("2026-11-24 23:59:59"));
}

TEST(WorkingCalendar, CalendarHoursIgnoreTheCalendar) {
    auto calendar = Make();
    EXPECT_EQ(calendar.Deadline(At("2026-11-20 17:00"), DeadlineKind::kCalendarHours, 24), At("2026-11-21 17:00"));
    EXPECT_EQ(calendar.Deadline(At("2026-09-30 17:00"), DeadlineKind::kCalendarHours, 72), At("2026-10-03 17:00"));
    EXPECT_EQ(calendar.Deadline(At("2026-11-20 17:00"), DeadlineKind::kWorkingHours, 24),
              calendar.AddWorkingSeconds(At("2026-11-20 17:00"), 24 * kHour));
}

TEST(WorkingCalendar, ZeroOrNegativeAmountsAreTheStart) {
    auto calendar = Make();
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-21 10:00"), 0), At("2026-11-21 10:00"));
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-21 10:00"), -5), At("2026-11-21 10:00"));
    EXPECT_EQ(calendar.Deadline(At("2026-11-23 10:00"), DeadlineKind::kWorkingHours, -3), At("2026-11-23 10:00"));
    EXPECT_EQ(calendar.WorkingSecondsBetween(At("2026-11-23 12:00"), At("2026-11-23 10:00")), 0);
}

TEST(WorkingCalendar, AbsurdAmountsSaturateInsteadOfOverflowing) {
    auto calendar = Make();
    const int64_t start = At("2026-11-23 10:00");
    EXPECT_EQ(calendar.AddWorkingSeconds(start, std::numeric_limits<int64_t>::max()), WorkingCalendar::kFarFuture);
    EXPECT_EQ(calendar.Deadline(start, DeadlineKind::kWorkingHours, std::numeric_limits<int64_t>::max()),
              WorkingCalendar::kFarFuture);
    EXPECT_EQ(calendar.Deadline(start, DeadlineKind::kCalendarHours, std::numeric_limits<int64_t>::max()),
              WorkingCalendar::kFarFuture);
    // Ten years of working time is still an ordinary answer.
    const int64_t ten_years = 10 * 250 * calendar.working_seconds_per_day();
    const int64_t due = calendar.AddWorkingSeconds(start, ten_years);
    EXPECT_LT(due, At("2037-01-01 00:00"));
    EXPECT_EQ(calendar.WorkingSecondsBetween(start, due), ten_years);
}

TEST(WorkingCalendar, LocalDateAndOffsetFollowTheZone) {
    auto shanghai = Make();
    EXPECT_EQ(shanghai.utc_offset(), 8 * 3600);
    EXPECT_EQ(shanghai.LocalDate(At("2026-11-22 16:30", 0)), "2026-11-23");
    WorkingCalendarConfig config;
    config.time_zone = "UTC";
    auto utc = Make(config);
    EXPECT_EQ(utc.LocalDate(At("2026-11-22 16:30", 0)), "2026-11-22");
    EXPECT_EQ(utc.AddWorkingSeconds(At("2026-11-23 08:00", 0), kHour), At("2026-11-23 10:00", 0));
    config.time_zone = "-05:30";
    EXPECT_EQ(Make(config).utc_offset(), -(5 * 3600 + 1800));
    EXPECT_EQ(Make(config).LocalDate(At("2026-11-23 03:00", 0)), "2026-11-22");
}

TEST(WorkingCalendar, SpansMayBeGivenInAnyOrder) {
    WorkingCalendarConfig config;
    config.spans = {{13 * 60 + 30, 18 * 60}, {9 * 60, 12 * 60}};
    auto calendar = Make(config);
    EXPECT_EQ(calendar.AddWorkingSeconds(At("2026-11-23 11:00"), 2 * kHour), At("2026-11-23 14:30"));
    EXPECT_EQ(calendar.config().spans.front().begin_minute, 9 * 60);
}

// A reference that walks minute by minute, for short ranges only.
int64_t SlowWorkingSeconds(const WorkingCalendar& calendar, int64_t from, int64_t to) {
    int64_t total = 0;
    for (int64_t t = from; t < to;) {
        const int64_t next = std::min(to, (t / 60 + 1) * 60);  // the next minute boundary (t > 0 here)
        if (calendar.IsWorkingTime(t)) {
            total += next - t;
        }
        t = next;
    }
    return total;
}

TEST(WorkingCalendar, BetweenAgreesWithAMinuteByMinuteCount) {
    auto calendar = Make();
    std::mt19937_64 random(20261001);
    const int64_t first = At("2026-09-17 00:00");
    std::uniform_int_distribution<int64_t> start(first, first + 28 * 86400);
    std::uniform_int_distribution<int64_t> length(0, 5 * 86400);
    for (int i = 0; i < 300; ++i) {
        const int64_t from = start(random);
        const int64_t to = from + length(random);
        ASSERT_EQ(calendar.WorkingSecondsBetween(from, to), SlowWorkingSeconds(calendar, from, to))
            << calendar.LocalDate(from) << " +" << (to - from) << "s";
    }
}

TEST(WorkingCalendar, AddAndBetweenAreInverses) {
    auto calendar = Make();
    std::mt19937_64 random(42);
    // Every 17 minutes and 13 seconds through five weeks around National Day, so starts fall in
    // spans, at lunch, at night, on weekends, holidays and the worked Saturday and Sunday.
    for (int64_t start = At("2026-09-14 00:00"); start < At("2026-10-19 00:00"); start += 17 * 60 + 13) {
        std::uniform_int_distribution<int64_t> amount(1, 40 * calendar.working_seconds_per_day());
        const int64_t seconds = random() % 4 == 0 ? 1 + static_cast<int64_t>(random() % 7200) : amount(random);
        const int64_t due = calendar.AddWorkingSeconds(start, seconds);
        ASSERT_EQ(calendar.WorkingSecondsBetween(start, due), seconds) << calendar.LocalDate(start);
        // Earliest: the last second before the deadline was working time.
        ASSERT_TRUE(calendar.IsWorkingTime(due - 1)) << calendar.LocalDate(start);
        ASSERT_GT(due, start);
        // And back: whatever instant t, adding the working time up to t does not pass t.
        const int64_t t = start + static_cast<int64_t>(random() % (20 * 86400));
        const int64_t back = calendar.AddWorkingSeconds(start, calendar.WorkingSecondsBetween(start, t));
        ASSERT_LE(back, t);
        ASSERT_EQ(calendar.WorkingSecondsBetween(back, t), 0);
    }
}

TEST(WorkingCalendar, RejectsBadConfigsNamingTheField) {
    WorkingCalendarConfig overlapping;
    overlapping.spans = {{9 * 60, 12 * 60}, {11 * 60, 14 * 60}};
    EXPECT_EQ(FieldOfError(overlapping), "spans");

    WorkingCalendarConfig past_midnight;
    past_midnight.spans = {{22 * 60, 2 * 60}};
    EXPECT_EQ(FieldOfError(past_midnight), "spans");
    past_midnight.spans = {{22 * 60, 25 * 60}};
    EXPECT_EQ(FieldOfError(past_midnight), "spans");

    WorkingCalendarConfig empty_span;
    empty_span.spans = {{9 * 60, 9 * 60}};
    EXPECT_EQ(FieldOfError(empty_span), "spans");
    empty_span.spans.clear();
    EXPECT_EQ(FieldOfError(empty_span), "spans");

    WorkingCalendarConfig weekday_eight;
    weekday_eight.weekend_days = {6, 8};
    EXPECT_EQ(FieldOfError(weekday_eight), "weekend_days");
    weekday_eight.weekend_days = {0};
    EXPECT_EQ(FieldOfError(weekday_eight), "weekend_days");

    WorkingCalendarConfig never_working;
    never_working.weekend_days = {1, 2, 3, 4, 5, 6, 7};
    never_working.extra_workdays = {"2026-10-10"};
    EXPECT_EQ(FieldOfError(never_working), "weekend_days");

    WorkingCalendarConfig bad_date;
    bad_date.holidays = {"2026-02-30"};
    EXPECT_EQ(FieldOfError(bad_date), "holidays");
    bad_date.holidays = {"2026-1-05"};
    EXPECT_EQ(FieldOfError(bad_date), "holidays");
    bad_date.holidays = {};
    bad_date.extra_workdays = {"10/10/2026"};
    EXPECT_EQ(FieldOfError(bad_date), "extra_workdays");

    WorkingCalendarConfig both = NationalDay2026();
    both.extra_workdays.insert("2026-10-01");
    EXPECT_EQ(FieldOfError(both), "extra_workdays");

    WorkingCalendarConfig unknown_zone;
    unknown_zone.time_zone = "America/New_York";  // has daylight saving time: not a fixed offset
    EXPECT_EQ(FieldOfError(unknown_zone), "time_zone");
    unknown_zone.time_zone = "+-1:00";
    EXPECT_EQ(FieldOfError(unknown_zone), "time_zone");

    auto error = WorkingCalendar::Create(overlapping).error();
    EXPECT_NE(error.message.find("09:00-12:00 and 11:00-14:00"), std::string::npos) << error.message;
}

TEST(WorkingCalendar, ANonWorkingWeekendDayListedAsHolidayChangesNothing) {
    WorkingCalendarConfig config;
    config.holidays = {"2026-11-21"};        // a Saturday
    config.extra_workdays = {"2026-11-23"};  // a Monday, worked anyway
    auto calendar = Make(config);
    auto plain = Make(WorkingCalendarConfig{});
    EXPECT_EQ(calendar.WorkingSecondsBetween(At("2026-11-16 00:00"), At("2026-11-30 00:00")),
              plain.WorkingSecondsBetween(At("2026-11-16 00:00"), At("2026-11-30 00:00")));
}

TEST(WorkingCalendarText, ParsesWorkingSpans) {
    auto spans = ParseWorkingSpans(" 09:00-12:00, 13:30 - 18:00 ,", "hours");
    ASSERT_TRUE(spans) << spans.error().message;
    ASSERT_EQ(spans->size(), 2u);
    EXPECT_EQ((*spans)[1].begin_minute, 13 * 60 + 30);
    EXPECT_EQ((*spans)[1].end_minute, 18 * 60);
    EXPECT_TRUE(ParseWorkingSpans("00:00-24:00", "hours"));
    EXPECT_EQ(ParseWorkingSpans("9-12", "hours").error().field, "hours");
    EXPECT_FALSE(ParseWorkingSpans("09:00", "hours"));
    EXPECT_FALSE(ParseWorkingSpans("09:60-10:00", "hours"));
    EXPECT_TRUE(ParseWorkingSpans("", "hours")->empty());
}

TEST(WorkingCalendarText, ParsesWeekdays) {
    auto days = ParseWeekdayList("6, 7", "weekend");
    ASSERT_TRUE(days);
    EXPECT_EQ(*days, (std::set<int>{6, 7}));
    EXPECT_TRUE(ParseWeekdayList("", "weekend")->empty());
    EXPECT_EQ(ParseWeekdayList("sat", "weekend").error().field, "weekend");
    EXPECT_FALSE(ParseWeekdayList("-1", "weekend"));
}

TEST(WorkingCalendarText, ParsesDatesAndRanges) {
    auto dates = ParseDateList("2026-10-01..2026-10-03, 2026-09-25", "holidays");
    ASSERT_TRUE(dates) << dates.error().message;
    EXPECT_EQ(*dates, (std::set<std::string>{"2026-09-25", "2026-10-01", "2026-10-02", "2026-10-03"}));
    auto across_years = ParseDateList("2026-12-31..2027-01-02", "holidays");
    ASSERT_TRUE(across_years);
    EXPECT_EQ(across_years->size(), 3u);
    EXPECT_EQ(ParseDateList("2026-10-07..2026-10-01", "holidays").error().field, "holidays");
    EXPECT_FALSE(ParseDateList("2026-01-01..2027-06-01", "holidays"));  // more than a year: a typo
    EXPECT_FALSE(ParseDateList("2026-02-29", "holidays"));              // 2026 is no leap year
    EXPECT_FALSE(ParseDateList("2026-10-01..", "holidays"));
    EXPECT_TRUE(ParseDateList("", "holidays")->empty());
}

}  // namespace
}  // namespace linli
