#include "modules/open311/w3c_time.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace linli::open311 {

std::string FormatW3c(int64_t epoch_seconds) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(static_cast<std::time_t>(epoch_seconds)));
}

namespace {

/// Reads exactly `n` digits at `pos`, advancing it.
std::optional<int> Digits(std::string_view s, size_t& pos, size_t n) {
    if (pos + n > s.size()) {
        return std::nullopt;
    }
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + (c - '0');
    }
    pos += n;
    return v;
}

bool Expect(std::string_view s, size_t& pos, char c) {
    if (pos < s.size() && s[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

}  // namespace

std::optional<int64_t> ParseW3c(std::string_view s) {
    size_t pos = 0;
    auto year = Digits(s, pos, 4);
    if (!year || !Expect(s, pos, '-')) {
        return std::nullopt;
    }
    auto month = Digits(s, pos, 2);
    if (!month || !Expect(s, pos, '-')) {
        return std::nullopt;
    }
    auto day = Digits(s, pos, 2);
    if (!day) {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                                          std::chrono::day(static_cast<unsigned>(*day))};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    const int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
    if (pos == s.size()) {
        return days * 86400;
    }
    if (!Expect(s, pos, 'T')) {
        return std::nullopt;
    }
    auto hour = Digits(s, pos, 2);
    if (!hour || !Expect(s, pos, ':')) {
        return std::nullopt;
    }
    auto minute = Digits(s, pos, 2);
    if (!minute) {
        return std::nullopt;
    }
    int second = 0;
    if (Expect(s, pos, ':')) {
        auto sec = Digits(s, pos, 2);
        if (!sec) {
            return std::nullopt;
        }
        second = *sec;
        if (Expect(s, pos, '.')) {
            size_t start = pos;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                ++pos;
            }
            if (pos == start) {
                return std::nullopt;
            }
        }
    }
    if (*hour > 23 || *minute > 59 || second > 59) {
        return std::nullopt;
    }
    int64_t offset = 0;
    if (Expect(s, pos, 'Z')) {
        offset = 0;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-' || s[pos] == ' ')) {
        // ' ': an unescaped '+' in a query string arrives decoded as a space.
        const int sign = s[pos] == '-' ? -1 : 1;
        ++pos;
        auto oh = Digits(s, pos, 2);
        if (!oh || !Expect(s, pos, ':')) {
            return std::nullopt;
        }
        auto om = Digits(s, pos, 2);
        if (!om || *oh > 23 || *om > 59) {
            return std::nullopt;
        }
        offset = sign * (int64_t{*oh} * 3600 + int64_t{*om} * 60);
    } else {
        return std::nullopt;  // the spec requires a time zone
    }
    if (pos != s.size()) {
        return std::nullopt;
    }
    return days * 86400 + int64_t{*hour} * 3600 + int64_t{*minute} * 60 + second - offset;
}

}  // namespace linli::open311
