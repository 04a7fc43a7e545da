#include "modules/analytics/routes.hpp"

#include <string>
#include <vector>

#include "http/json_io.hpp"
#include "modules/analytics/json.hpp"
#include "modules/ledger/table_writer.hpp"

namespace linli::analytics {

namespace {

using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

std::vector<std::string_view> GroupNames() {
    std::vector<std::string_view> out;
    for (const auto& [g, name] : kGroupBys) {
        out.push_back(name);
    }
    return out;
}

Result<std::optional<int64_t>> DateParam(http::QueryReader& q, const char* key) {
    auto raw = q.String(key, {1, 10});
    if (!raw) {
        return std::optional<int64_t>();
    }
    auto day = ParseDate(*raw);
    if (!day) {
        return InvalidArgument(key, std::string(key) + " must be a date written YYYY-MM-DD");
    }
    return std::optional<int64_t>(*day);
}

/// The query shared by every statistics route; `group` and `format` only where the route takes them.
Result<StatsQuery> ReadQuery(const Request& req, bool group, bool format, bool* xlsx) {
    http::QueryReader q(req);
    StatsQuery query;
    std::optional<std::string> group_by;
    if (group) {
        group_by = q.Enum("group_by", GroupNames());
    }
    query.node_id = q.Int("node_id", 1);
    LINLI_ASSIGN_OR_RETURN(query.from_day, DateParam(q, "from"));
    LINLI_ASSIGN_OR_RETURN(query.to_day, DateParam(q, "to"));
    std::optional<std::string> fmt;
    if (format) {
        fmt = q.Enum("format", {"csv", "xlsx"});
    }
    LINLI_TRY(q.Finish());
    if (group_by) {
        query.group_by = *ParseGroupBy(*group_by);
    }
    if (xlsx) {
        *xlsx = fmt && *fmt == "xlsx";
    }
    return query;
}

Result<Response> Download(const ledger::Table& table, bool xlsx, const std::string& stem, const char* sheet) {
    Response r;
    if (xlsx) {
        LINLI_ASSIGN_OR_RETURN(r.body, ledger::WriteXlsx(table, sheet));
        r.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        r.AddHeader("Content-Disposition", "attachment; filename=\"" + stem + ".xlsx\"");
    } else {
        r.body = ledger::WriteCsv(table);
        r.content_type = "text/csv; charset=utf-8";
        r.AddHeader("Content-Disposition", "attachment; filename=\"" + stem + ".csv\"");
    }
    r.AddHeader("Cache-Control", "no-store");
    return r;
}

std::string Stem(const char* what, int64_t from, int64_t to) {
    return std::string(what) + "-" + FormatDate(from) + "-" + FormatDate(to);
}

}  // namespace

void RegisterRoutes(http::Router& router, StatsService& stats) {
    const std::string base = "/api/v1/orders";
    // Figures are for those who run the work: grid workers (their grids) and up. Building heads,
    // partner units and residents have no figures to see.
    const auto staff =
        AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker});

    router.Add(
        Method::kGet, base + "/stats", staff,
        [&stats](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadQuery(req, true, false, nullptr));
            LINLI_ASSIGN_OR_RETURN(auto report, stats.Stats(req.caller(), query));
            return http::JsonResponse(200, StatsToJson(report));
        },
        "Work-order statistics by category, grid, community, handler or period");
    router.Add(
        Method::kGet, base + "/stats/export", staff,
        [&stats](Request& req) -> Result<Response> {
            bool xlsx = false;
            LINLI_ASSIGN_OR_RETURN(auto query, ReadQuery(req, true, true, &xlsx));
            LINLI_ASSIGN_OR_RETURN(auto report, stats.Stats(req.caller(), query));
            return Download(StatsToTable(report), xlsx, Stem("order-stats", report.from_day, report.to_day),
                            "工单统计");
        },
        "Work-order statistics as CSV or XLSX (Chinese headers)");
    router.Add(
        Method::kGet, base + "/scorecards", staff,
        [&stats](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadQuery(req, false, false, nullptr));
            LINLI_ASSIGN_OR_RETURN(auto report, stats.Scorecards(req.caller(), query));
            return http::JsonResponse(200, ScorecardsToJson(report));
        },
        "A scorecard per grid worker in scope");
    router.Add(
        Method::kGet, base + "/scorecards/export", staff,
        [&stats](Request& req) -> Result<Response> {
            bool xlsx = false;
            LINLI_ASSIGN_OR_RETURN(auto query, ReadQuery(req, false, true, &xlsx));
            LINLI_ASSIGN_OR_RETURN(auto report, stats.Scorecards(req.caller(), query));
            return Download(ScorecardsToTable(report), xlsx,
                            Stem("grid-worker-scorecards", report.from_day, report.to_day), "网格员考评");
        },
        "Grid-worker scorecards as CSV or XLSX (Chinese headers)");
}

}  // namespace linli::analytics
