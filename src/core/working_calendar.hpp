#pragma once
// The community's working calendar: which instants are working time, and deadlines counted in
// working hours (DOMAIN.md §3, DESIGN.md "Time"). Work orders take their due times from it.
//
// China moves working days around public holidays (调休): a holiday week is paid back by working a
// Saturday or Sunday. So a day is a working day when it is listed in `extra_workdays`, or else when
// it is not a weekend day and not listed in `holidays`.
//
// Every working day has the same spans. Arithmetic is closed-form — working days in a range are
// counted as whole weeks plus the listed exceptions — so a deadline of 30 working days costs the
// same as one of 30 minutes, and no function loops over days or minutes.

#include <array>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace linli {

/// One span of working time within a day, minutes after local midnight: [begin, end).
struct WorkingSpan {
    int begin_minute = 0;
    int end_minute = 0;
};

struct WorkingCalendarConfig {
    /// Fixed-offset zones only ("Asia/Shanghai", "UTC", "+08:00"); China has had no daylight
    /// saving time since 1991.
    std::string time_zone = "Asia/Shanghai";
    /// Default 09:00–12:00 and 13:30–18:00, as community offices keep them.
    std::vector<WorkingSpan> spans = {{9 * 60, 12 * 60}, {13 * 60 + 30, 18 * 60}};
    /// ISO weekday numbers (1 = Monday … 7 = Sunday) that are not working days.
    std::set<int> weekend_days = {6, 7};
    /// Local dates "YYYY-MM-DD" off work (public holidays).
    std::set<std::string> holidays;
    /// Local dates "YYYY-MM-DD" worked although they fall on a weekend (调休). One on a day that is a
    /// working day anyway changes nothing.
    std::set<std::string> extra_workdays;
};

/// How a deadline is counted.
enum class DeadlineKind {
    kWorkingHours,   // hours of working time on the calendar
    kCalendarHours,  // plain elapsed hours
    kSameDay,        // by the end of the local day it started (矛盾不过夜); see WorkingCalendar::Deadline
};

/// Thread safety: immutable after Create; share one instance between threads freely.
class WorkingCalendar {
public:
    /// Returned for a deadline that would fall after the year 9999 (an absurd amount); compare
    /// against it rather than adding to it.
    static constexpr int64_t kFarFuture = std::numeric_limits<int64_t>::max();

    /// Checks the config: at least one span, each inside the day (00:00–24:00, so none crosses
    /// midnight), not empty, not overlapping (they are sorted here); weekday numbers 1–7 and at
    /// least one weekday left working, so every week has working time; dates well formed
    /// "YYYY-MM-DD" and none both a holiday and an extra workday; a known fixed-offset zone.
    /// The error names the offending field ("spans", "weekend_days", "holidays",
    /// "extra_workdays", "time_zone").
    static Result<WorkingCalendar> Create(const WorkingCalendarConfig& config);

    /// Whether the instant (UTC epoch seconds) falls inside working time.
    bool IsWorkingTime(int64_t instant) const;
    /// Whether the local date of the instant is a working day.
    bool IsWorkingDay(int64_t instant) const;
    /// The instant `seconds` of working time after `start`: the earliest t with
    /// WorkingSecondsBetween(start, t) == seconds. A start outside working time counts from the
    /// next working span; an amount that fills a span exactly ends at that span's end (12:00, not
    /// 13:30). `seconds` <= 0 gives `start`. kFarFuture past the year 9999.
    int64_t AddWorkingSeconds(int64_t start, int64_t seconds) const;
    /// Seconds of working time in [from, to); 0 when to <= from.
    int64_t WorkingSecondsBetween(int64_t from, int64_t to) const;
    /// The deadline of a matter opened at `start` that must be dealt with `amount_hours` later
    /// counted as `kind`. kSameDay ignores `amount_hours`: the end of the local day of `start`
    /// (23:59:59 local), because a dispute is not left overnight whatever the office hours.
    /// A negative amount counts as 0.
    int64_t Deadline(int64_t start, DeadlineKind kind, int64_t amount_hours) const;
    /// The local calendar date "YYYY-MM-DD" of the instant.
    std::string LocalDate(int64_t instant) const;
    /// The zone's offset from UTC in seconds (+28800 for Asia/Shanghai).
    int utc_offset() const { return utc_offset_; }
    /// Seconds of working time in one working day (27000 for the default spans).
    int64_t working_seconds_per_day() const { return day_seconds_; }
    /// The config it was created from, spans sorted.
    const WorkingCalendarConfig& config() const { return config_; }

private:
    WorkingCalendar() = default;

    // Days are counted from 1970-01-01 in local time.
    int64_t LocalDay(int64_t instant) const;
    bool IsWorkingDayNumber(int64_t day) const;
    // Working days in [first_day, end_day).
    int64_t WorkingDaysIn(int64_t first_day, int64_t end_day) const;
    // Working seconds of a working day before `second_of_day`.
    int64_t WorkedBefore(int64_t second_of_day) const;

    WorkingCalendarConfig config_;
    int utc_offset_ = 0;
    int64_t day_seconds_ = 0;
    std::array<bool, 8> is_weekend_{};  // by ISO weekday; [0] unused
    int working_weekdays_ = 0;
    std::vector<int64_t> removed_days_;  // sorted: holidays that would otherwise be working days
    std::vector<int64_t> added_days_;    // sorted: extra workdays that would otherwise be weekend days
};

/// Parses "09:00-12:00,13:30-18:00" (spaces allowed; empty text → no spans). Only the syntax is
/// checked here; Create checks the spans make sense. Errors name `field`.
Result<std::vector<WorkingSpan>> ParseWorkingSpans(std::string_view text, const std::string& field);

/// Parses ISO weekday numbers "6,7" (empty text → none). Create checks the range. Errors name `field`.
Result<std::set<int>> ParseWeekdayList(std::string_view text, const std::string& field);

/// Parses dates "2026-10-01,2026-10-02" and ranges "2026-10-01..2026-10-07" (both ends included,
/// at most 366 days) into single "YYYY-MM-DD" dates; empty text → none. Errors name `field`.
Result<std::set<std::string>> ParseDateList(std::string_view text, const std::string& field);

}  // namespace linli
