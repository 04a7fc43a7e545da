#pragma once
/// Fixed-offset time zones: the community's local time without a time zone database. China has had
/// no daylight saving time since 1991, so one offset per zone is exact for every date we handle.

#include <string_view>

#include "core/error.hpp"

namespace linli {

/// The UTC offset in seconds of "Asia/Shanghai" (and the other China zones), "UTC" / "Etc/UTC", or
/// an offset written "+08:00" / "-05:30"; invalid_argument naming field "time_zone" otherwise.
Result<int> FixedUtcOffset(std::string_view zone);

}  // namespace linli
