// Settings that are parsed rather than copied: the community's working calendar.
#include "app/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace linli::testing {
namespace {

namespace fs = std::filesystem;

/// The error of a setting that must be refused, or a note that it was accepted.
Error Refusal(const Result<void>& r) {
    return r ? Error{ErrorCode::kInternal, "(accepted)", ""} : r.error();
}

TEST(CalendarConfig, DefaultsAreOfficeHoursWithWeekendsAndNoHolidays) {
    auto calendar = app::CalendarConfigFrom(app::Config{});
    ASSERT_TRUE(calendar) << calendar.error().message;
    EXPECT_EQ(calendar->time_zone, "Asia/Shanghai");
    ASSERT_EQ(calendar->spans.size(), 2u);
    EXPECT_EQ(calendar->spans[0].begin_minute, 9 * 60);
    EXPECT_EQ(calendar->spans[1].end_minute, 18 * 60);
    EXPECT_EQ(calendar->weekend_days, (std::set<int>{6, 7}));
    EXPECT_TRUE(calendar->holidays.empty());
    EXPECT_TRUE(calendar->extra_workdays.empty());
    EXPECT_TRUE(WorkingCalendar::Create(*calendar));
}

TEST(CalendarConfig, FileThenEnvironmentThenFlags) {
    auto dir = fs::temp_directory_path() / ("linli-calendar-" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "linli.toml") << "[community]\n"
                                         "timezone = \"+08:00\"\n"
                                         "working_hours = \"08:30-12:00, 14:00-17:30\"\n"
                                         "weekend_days = [7]\n"
                                         "holidays = [\"2026-10-01..2026-10-07\", \"2026-09-25\"]\n"
                                         "extra_workdays = \"2026-09-20,2026-10-10\"\n";
    app::Config c;
    ASSERT_TRUE(app::ApplyTomlFile(c, (dir / "linli.toml").string(), true));
    ASSERT_TRUE(app::Validate(c));
    auto calendar = app::CalendarConfigFrom(c);
    ASSERT_TRUE(calendar) << calendar.error().message;
    EXPECT_EQ(calendar->time_zone, "+08:00");
    EXPECT_EQ(calendar->spans[0].begin_minute, 8 * 60 + 30);
    EXPECT_EQ(calendar->spans[1].end_minute, 17 * 60 + 30);
    EXPECT_EQ(calendar->weekend_days, (std::set<int>{7}));
    EXPECT_EQ(calendar->holidays.size(), 8u);
    EXPECT_TRUE(calendar->holidays.contains("2026-10-04"));
    EXPECT_EQ(calendar->extra_workdays, (std::set<std::string>{"2026-09-20", "2026-10-10"}));

    ASSERT_TRUE(app::ApplyEnvironment(c, {{"LINLI_HOLIDAYS", "2027-01-01"}, {"LINLI_WEEKEND_DAYS", "6,7"}}));
    ASSERT_TRUE(app::ApplySetting(c, "community.working_hours", "09:00-17:00"));
    calendar = app::CalendarConfigFrom(c);
    ASSERT_TRUE(calendar) << calendar.error().message;
    EXPECT_EQ(calendar->holidays, (std::set<std::string>{"2027-01-01"}));
    EXPECT_EQ(calendar->weekend_days, (std::set<int>{6, 7}));
    ASSERT_EQ(calendar->spans.size(), 1u);
    EXPECT_EQ(calendar->extra_workdays.size(), 2u);  // from the file, untouched

    // A list where a single value belongs is refused, naming the key.
    std::ofstream(dir / "list.toml") << "[server]\nlisten = [\"127.0.0.1:1\", \"127.0.0.1:2\"]\n";
    auto listed = Refusal(app::ApplyTomlFile(c, (dir / "list.toml").string(), true));
    EXPECT_EQ(listed.field, "server.listen");
    fs::remove_all(dir);
}

TEST(CalendarConfig, BadValuesNameTheKey) {
    app::Config c;
    auto past_midnight = Refusal(app::ApplySetting(c, "community.working_hours", "22:00-02:00"));
    EXPECT_EQ(past_midnight.field, "community.working_hours");
    EXPECT_NE(past_midnight.message.find("community.working_hours"), std::string::npos) << past_midnight.message;
    EXPECT_NE(past_midnight.message.find("midnight"), std::string::npos) << past_midnight.message;
    EXPECT_EQ(Refusal(app::ApplySetting(c, "community.working_hours", "09:00-12:00,11:00-13:00")).field,
              "community.working_hours");
    EXPECT_EQ(Refusal(app::ApplySetting(c, "community.working_hours", "nine to five")).field,
              "community.working_hours");
    EXPECT_EQ(Refusal(app::ApplySetting(c, "community.weekend_days", "6,8")).field, "community.weekend_days");
    EXPECT_EQ(Refusal(app::ApplySetting(c, "community.weekend_days", "1,2,3,4,5,6,7")).field, "community.weekend_days");
    EXPECT_EQ(Refusal(app::ApplySetting(c, "community.holidays", "2026-02-30")).field, "community.holidays");
    EXPECT_EQ(Refusal(app::ApplySetting(c, "community.extra_workdays", "10/10/2026")).field,
              "community.extra_workdays");
    EXPECT_EQ(Refusal(app::ApplyEnvironment(c, {{"LINLI_HOLIDAYS", "2026-10-07..2026-10-01"}})).field,
              "community.holidays");
    // Nothing refused was kept.
    EXPECT_EQ(c.working_hours, app::Config{}.working_hours);
    EXPECT_TRUE(c.holidays.empty());

    // Rules between settings are checked by Validate, which every command runs at start.
    ASSERT_TRUE(app::ApplySetting(c, "community.holidays", "2026-10-01..2026-10-07"));
    ASSERT_TRUE(app::ApplySetting(c, "community.extra_workdays", "2026-10-03"));
    EXPECT_EQ(Refusal(app::Validate(c)).field, "community.extra_workdays");
    c.extra_workdays = "2026-10-10";
    EXPECT_TRUE(app::Validate(c));
    c.timezone = "America/New_York";
    auto zone = Refusal(app::Validate(c));
    EXPECT_EQ(zone.field, "community.timezone");
    EXPECT_FALSE(app::CalendarConfigFrom(c));
}

}  // namespace
}  // namespace linli::testing
