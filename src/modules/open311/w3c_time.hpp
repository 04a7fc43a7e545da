#pragma once
/// Date-times as GeoReport v2 wants them: the W3C profile of ISO 8601
/// (https://www.w3.org/TR/NOTE-datetime) with a time zone designator.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linli::open311 {

/// "2010-01-01T00:00:00Z": always UTC, always seconds.
std::string FormatW3c(int64_t epoch_seconds);

/// Epoch seconds of "YYYY-MM-DD", "YYYY-MM-DDThh:mmTZD", "YYYY-MM-DDThh:mm:ssTZD" or with a
/// decimal fraction of seconds (dropped), where TZD is "Z" or "+hh:mm" / "-hh:mm". A bare date is
/// midnight UTC. nullopt for anything else, including impossible dates (2023-02-30) and times.
std::optional<int64_t> ParseW3c(std::string_view text);

}  // namespace linli::open311
