#include "core/working_calendar.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "core/text.hpp"
#include "core/time_zone.hpp"

namespace linli {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr int kMinutesPerDay = 24 * 60;

// Instants are clamped to years 1900–9999 before any arithmetic, so nothing below can overflow.
constexpr int64_t kFirstDay = std::chrono::sys_days{std::chrono::year{1900} / 1 / 1}.time_since_epoch().count();
constexpr int64_t kLastDay = std::chrono::sys_days{std::chrono::year{9999} / 12 / 31}.time_since_epoch().count();
constexpr int64_t kMaxRangeDays = 366;

int64_t FloorDiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0)) {
        --q;
    }
    return q;
}

unsigned IsoWeekday(int64_t day) {
    return std::chrono::weekday{std::chrono::sys_days{std::chrono::days{day}}}.iso_encoding();
}

std::string FormatDay(int64_t day) {
    const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()));
}

std::string FormatMinute(int minute) {
    return fmt::format("{:02}:{:02}", minute / 60, minute % 60);
}

std::string FormatSpan(const WorkingSpan& span) {
    return FormatMinute(span.begin_minute) + "-" + FormatMinute(span.end_minute);
}

bool AllDigits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int ToInt(std::string_view digits) {
    int out = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return out;
}

// "YYYY-MM-DD", exactly, into a day number; false when malformed, not a date, or outside 1900-9999.
bool ParseDay(std::string_view s, int64_t& day) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !AllDigits(s.substr(0, 4)) || !AllDigits(s.substr(5, 2)) ||
        !AllDigits(s.substr(8, 2))) {
        return false;
    }
    const std::chrono::year_month_day ymd{std::chrono::year{ToInt(s.substr(0, 4))},
                                          std::chrono::month{static_cast<unsigned>(ToInt(s.substr(5, 2)))},
                                          std::chrono::day{static_cast<unsigned>(ToInt(s.substr(8, 2)))}};
    if (!ymd.ok()) {
        return false;
    }
    day = std::chrono::sys_days{ymd}.time_since_epoch().count();
    return day >= kFirstDay && day <= kLastDay;
}

// Comma-separated items, each trimmed; empty items (a trailing comma) are skipped.
std::vector<std::string> SplitList(std::string_view text) {
    std::vector<std::string> items;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t comma = text.find(',', pos);
        if (comma == std::string_view::npos) {
            comma = text.size();
        }
        std::string item = text::Trim(text.substr(pos, comma - pos));
        if (!item.empty()) {
            items.push_back(std::move(item));
        }
        pos = comma + 1;
    }
    return items;
}

// "HH:MM" with HH up to 24 and MM up to 59; whether it lies in the day is Create's business.
bool ParseMinute(std::string_view s, int& minute) {
    if (s.size() != 5 || s[2] != ':' || !AllDigits(s.substr(0, 2)) || !AllDigits(s.substr(3, 2))) {
        return false;
    }
    const int hours = ToInt(s.substr(0, 2));
    const int minutes = ToInt(s.substr(3, 2));
    if (minutes > 59) {
        return false;
    }
    minute = hours * 60 + minutes;
    return true;
}

Result<std::vector<int64_t>> ParseDays(const std::set<std::string>& dates, const std::string& field) {
    std::vector<int64_t> days;
    for (const auto& date : dates) {
        int64_t day = 0;
        if (!ParseDay(date, day)) {
            return InvalidArgument(field, "'" + date + "' is not a date written YYYY-MM-DD (years 1900-9999)");
        }
        days.push_back(day);
    }
    return days;
}

int64_t Clamp(int64_t instant) {
    return std::clamp(instant, kFirstDay * kSecondsPerDay, (kLastDay + 1) * kSecondsPerDay - 1);
}

}  // namespace

Result<WorkingCalendar> WorkingCalendar::Create(const WorkingCalendarConfig& config) {
    WorkingCalendar calendar;
    calendar.config_ = config;
    LINLI_ASSIGN_OR_RETURN(calendar.utc_offset_, FixedUtcOffset(config.time_zone));

    auto& spans = calendar.config_.spans;
    if (spans.empty()) {
        return InvalidArgument("spans", "at least one working span is needed, such as 09:00-17:00");
    }
    for (const auto& span : spans) {
        if (span.begin_minute < 0 || span.end_minute > kMinutesPerDay || span.begin_minute > kMinutesPerDay) {
            return InvalidArgument("spans", "working span " + FormatSpan(span) + " is not within 00:00-24:00");
        }
        if (span.end_minute < span.begin_minute) {
            return InvalidArgument(
                "spans", "working span " + FormatSpan(span) + " ends before it begins; a span cannot cross midnight");
        }
        if (span.end_minute == span.begin_minute) {
            return InvalidArgument("spans", "working span " + FormatSpan(span) + " is empty");
        }
    }
    std::sort(spans.begin(), spans.end(),
              [](const WorkingSpan& a, const WorkingSpan& b) { return a.begin_minute < b.begin_minute; });
    for (size_t i = 1; i < spans.size(); ++i) {
        if (spans[i].begin_minute < spans[i - 1].end_minute) {
            return InvalidArgument(
                "spans", "working spans " + FormatSpan(spans[i - 1]) + " and " + FormatSpan(spans[i]) + " overlap");
        }
    }
    for (const auto& span : spans) {
        calendar.day_seconds_ += int64_t{span.end_minute - span.begin_minute} * 60;
    }

    for (int weekday : config.weekend_days) {
        if (weekday < 1 || weekday > 7) {
            return InvalidArgument("weekend_days",
                                   "weekday " + std::to_string(weekday) + " is not 1 (Monday) to 7 (Sunday)");
        }
        calendar.is_weekend_[static_cast<size_t>(weekday)] = true;
    }
    calendar.working_weekdays_ = 7 - static_cast<int>(config.weekend_days.size());
    if (calendar.working_weekdays_ == 0) {
        // Without one working weekday, deadlines after the last extra workday would never come.
        return InvalidArgument("weekend_days", "every day of the week is a weekend day; leave at least one working");
    }

    LINLI_ASSIGN_OR_RETURN(auto holidays, ParseDays(config.holidays, "holidays"));
    LINLI_ASSIGN_OR_RETURN(auto extras, ParseDays(config.extra_workdays, "extra_workdays"));
    for (const auto& date : config.extra_workdays) {
        if (config.holidays.contains(date)) {
            return InvalidArgument("extra_workdays", date + " is listed both as a holiday and as an extra workday");
        }
    }
    for (int64_t day : holidays) {
        if (!calendar.is_weekend_[IsoWeekday(day)]) {
            calendar.removed_days_.push_back(day);
        }
    }
    for (int64_t day : extras) {
        if (calendar.is_weekend_[IsoWeekday(day)]) {
            calendar.added_days_.push_back(day);
        }
    }
    // The sets were ordered by text, which for YYYY-MM-DD is the order of days.
    return calendar;
}

int64_t WorkingCalendar::LocalDay(int64_t instant) const {
    return FloorDiv(Clamp(instant) + utc_offset_, kSecondsPerDay);
}

bool WorkingCalendar::IsWorkingDayNumber(int64_t day) const {
    if (std::binary_search(added_days_.begin(), added_days_.end(), day)) {
        return true;
    }
    return !is_weekend_[IsoWeekday(day)] && !std::binary_search(removed_days_.begin(), removed_days_.end(), day);
}

int64_t WorkingCalendar::WorkingDaysIn(int64_t first_day, int64_t end_day) const {
    if (end_day <= first_day) {
        return 0;
    }
    const int64_t weeks = (end_day - first_day) / 7;
    int64_t count = weeks * working_weekdays_;
    for (int64_t day = first_day + weeks * 7; day < end_day; ++day) {  // fewer than 7
        if (!is_weekend_[IsoWeekday(day)]) {
            ++count;
        }
    }
    auto in_range = [&](const std::vector<int64_t>& days) {
        return std::lower_bound(days.begin(), days.end(), end_day) -
               std::lower_bound(days.begin(), days.end(), first_day);
    };
    return count - in_range(removed_days_) + in_range(added_days_);
}

int64_t WorkingCalendar::WorkedBefore(int64_t second_of_day) const {
    int64_t worked = 0;
    for (const auto& span : config_.spans) {
        const int64_t begin = int64_t{span.begin_minute} * 60;
        const int64_t end = int64_t{span.end_minute} * 60;
        worked += std::clamp(second_of_day, begin, end) - begin;
    }
    return worked;
}

bool WorkingCalendar::IsWorkingTime(int64_t instant) const {
    const int64_t day = LocalDay(instant);
    if (!IsWorkingDayNumber(day)) {
        return false;
    }
    const int64_t second_of_day = Clamp(instant) + utc_offset_ - day * kSecondsPerDay;
    return std::any_of(config_.spans.begin(), config_.spans.end(), [&](const WorkingSpan& span) {
        return second_of_day >= int64_t{span.begin_minute} * 60 && second_of_day < int64_t{span.end_minute} * 60;
    });
}

bool WorkingCalendar::IsWorkingDay(int64_t instant) const {
    return IsWorkingDayNumber(LocalDay(instant));
}

int64_t WorkingCalendar::AddWorkingSeconds(int64_t start, int64_t seconds) const {
    if (seconds <= 0 || start == kFarFuture) {
        return start;
    }
    // Far more than 1900–9999 holds; also keeps `target` below from overflowing.
    if (seconds > (kLastDay - kFirstDay + 1) * kSecondsPerDay) {
        return kFarFuture;
    }
    const int64_t first_day = LocalDay(start);
    const int64_t second_of_day = Clamp(start) + utc_offset_ - first_day * kSecondsPerDay;
    // Working seconds counted from the start of `first_day`; the answer lies in the n-th working
    // day counting from it.
    const int64_t target = (IsWorkingDayNumber(first_day) ? WorkedBefore(second_of_day) : 0) + seconds;
    const int64_t n = (target + day_seconds_ - 1) / day_seconds_;
    if (WorkingDaysIn(first_day, kLastDay + 1) < n) {
        return kFarFuture;
    }
    // The smallest day D with WorkingDaysIn(first_day, D + 1) >= n; the count grows with D.
    int64_t low = first_day;
    int64_t high = kLastDay;
    while (low < high) {
        const int64_t mid = low + (high - low) / 2;
        if (WorkingDaysIn(first_day, mid + 1) >= n) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    // Walk that day's spans to the remaining seconds, which are in (0, day_seconds_].
    int64_t remaining = target - (n - 1) * day_seconds_;
    int64_t second = 0;
    for (const auto& span : config_.spans) {
        const int64_t length = int64_t{span.end_minute - span.begin_minute} * 60;
        if (remaining <= length) {
            second = int64_t{span.begin_minute} * 60 + remaining;
            break;
        }
        remaining -= length;
    }
    return low * kSecondsPerDay + second - utc_offset_;
}

int64_t WorkingCalendar::WorkingSecondsBetween(int64_t from, int64_t to) const {
    if (to <= from) {
        return 0;
    }
    const int64_t from_day = LocalDay(from);
    const int64_t to_day = LocalDay(to);
    // Whole days from the start of from_day to the start of to_day, less what lies before `from`,
    // plus what lies before `to` on its own day.
    int64_t seconds = WorkingDaysIn(from_day, to_day) * day_seconds_;
    if (IsWorkingDayNumber(from_day)) {
        seconds -= WorkedBefore(Clamp(from) + utc_offset_ - from_day * kSecondsPerDay);
    }
    if (IsWorkingDayNumber(to_day)) {
        seconds += WorkedBefore(Clamp(to) + utc_offset_ - to_day * kSecondsPerDay);
    }
    return seconds;
}

int64_t WorkingCalendar::Deadline(int64_t start, DeadlineKind kind, int64_t amount_hours) const {
    const int64_t hours = std::max<int64_t>(amount_hours, 0);
    // More hours than 1900–9999 holds saturate rather than overflow.
    constexpr int64_t kMaxHours = (kLastDay - kFirstDay + 1) * 24;
    switch (kind) {
        case DeadlineKind::kWorkingHours:
            return hours > kMaxHours ? kFarFuture : AddWorkingSeconds(start, hours * 3600);
        case DeadlineKind::kCalendarHours:
            return hours > kMaxHours || start > kFarFuture - hours * 3600 ? kFarFuture : start + hours * 3600;
        case DeadlineKind::kSameDay:
            return (LocalDay(start) + 1) * kSecondsPerDay - 1 - utc_offset_;
    }
    return start;  // unreachable: every kind is handled above
}

std::string WorkingCalendar::LocalDate(int64_t instant) const {
    return FormatDay(LocalDay(instant));
}

Result<std::vector<WorkingSpan>> ParseWorkingSpans(std::string_view text, const std::string& field) {
    std::vector<WorkingSpan> spans;
    for (const auto& item : SplitList(text)) {
        const size_t dash = item.find('-');
        WorkingSpan span;
        if (dash == std::string::npos || !ParseMinute(text::Trim(item.substr(0, dash)), span.begin_minute) ||
            !ParseMinute(text::Trim(item.substr(dash + 1)), span.end_minute)) {
            return InvalidArgument(field, "'" + item + "' is not a span written HH:MM-HH:MM, such as 09:00-12:00");
        }
        spans.push_back(span);
    }
    return spans;
}

Result<std::set<int>> ParseWeekdayList(std::string_view text, const std::string& field) {
    std::set<int> weekdays;
    for (const auto& item : SplitList(text)) {
        if (!AllDigits(item) || item.size() > 2) {
            return InvalidArgument(field, "'" + item + "' is not a weekday number 1 (Monday) to 7 (Sunday)");
        }
        weekdays.insert(ToInt(item));
    }
    return weekdays;
}

Result<std::set<std::string>> ParseDateList(std::string_view text, const std::string& field) {
    std::set<std::string> dates;
    for (const auto& item : SplitList(text)) {
        const size_t dots = item.find("..");
        int64_t first = 0;
        int64_t last = 0;
        if (dots == std::string::npos) {
            if (!ParseDay(item, first)) {
                return InvalidArgument(field, "'" + item + "' is not a date written YYYY-MM-DD (years 1900-9999)");
            }
            last = first;
        } else if (!ParseDay(text::Trim(item.substr(0, dots)), first) ||
                   !ParseDay(text::Trim(item.substr(dots + 2)), last)) {
            return InvalidArgument(field, "'" + item + "' is not a range written YYYY-MM-DD..YYYY-MM-DD");
        } else if (last < first || last - first >= kMaxRangeDays) {
            return InvalidArgument(field, "range '" + item + "' must run forwards and span at most 366 days");
        }
        for (int64_t day = first; day <= last; ++day) {
            dates.insert(FormatDay(day));
        }
    }
    return dates;
}

}  // namespace linli
