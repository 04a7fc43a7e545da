#pragma once
/// Statistics as JSON for the API and as ledger tables (Chinese headers) for CSV / XLSX export.

#include <boost/json.hpp>

#include "modules/analytics/model.hpp"
#include "modules/ledger/table.hpp"

namespace linli::analytics {

/// How medians are computed, stated in every report so nobody mistakes them for exact figures.
inline constexpr std::string_view kMedianPrecision =
    "medians are interpolated in a 25-bucket duration histogram (0, 1 min … 14 days); the true median lies in "
    "the same bucket, so the error is at most that bucket's width (under 1 h: 15 min; 16–24 h: 8 h)";

boost::json::object FiguresToJson(const Figures& f);
boost::json::object StatsToJson(const StatsReport& r);
boost::json::object ScorecardsToJson(const ScorecardReport& r);

/// One row per group and a 合计 (total) row; durations in hours, rates in percent.
ledger::Table StatsToTable(const StatsReport& r);
ledger::Table ScorecardsToTable(const ScorecardReport& r);

}  // namespace linli::analytics
