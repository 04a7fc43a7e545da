#include "modules/analytics/json.hpp"

#include <fmt/format.h>

#include <cmath>

namespace linli::analytics {

namespace {

namespace json = boost::json;

json::value Opt(const std::optional<double>& v, int decimals) {
    if (!v) {
        return nullptr;
    }
    const double scale = std::pow(10.0, decimals);
    return std::round(*v * scale) / scale;
}

std::string Hours(const std::optional<double>& seconds) {
    return seconds ? fmt::format("{:.1f}", *seconds / 3600.0) : "";
}

std::string Percent(const std::optional<double>& rate) {
    return rate ? fmt::format("{:.1f}%", *rate * 100.0) : "";
}

std::string Score(const std::optional<double>& v) {
    return v ? fmt::format("{:.2f}", *v) : "";
}

std::string GroupHeader(GroupBy g) {
    switch (g) {
        case GroupBy::kCategory:
            return "类别";
        case GroupBy::kGrid:
            return "网格";
        case GroupBy::kCommunity:
            return "社区";
        case GroupBy::kHandler:
            return "处置人/单位";
        case GroupBy::kDay:
            return "日期";
        case GroupBy::kWeek:
            return "周（周一）";
        case GroupBy::kMonth:
            return "月份";
    }
    return "分组";
}

std::vector<std::string> FigureCells(const Figures& f) {
    return {std::to_string(f.collected),   std::to_string(f.accepted),     std::to_string(f.resolved),
            std::to_string(f.in_progress), std::to_string(f.overdue),      std::to_string(f.on_time),
            Percent(f.on_time_rate),       Hours(f.median_accept_seconds), Hours(f.median_resolve_seconds),
            Hours(f.mean_resolve_seconds), std::to_string(f.merged),       std::to_string(f.rejected),
            std::to_string(f.ratings),     Score(f.satisfaction),          Percent(f.satisfaction_rate)};
}

}  // namespace

json::object FiguresToJson(const Figures& f) {
    return json::object{
        {"collected", f.collected},
        {"accepted", f.accepted},
        {"resolved", f.resolved},
        {"in_progress", f.in_progress},
        {"overdue", f.overdue},
        {"resolved_on_time", f.on_time},
        {"on_time_rate", Opt(f.on_time_rate, 4)},
        {"merged", f.merged},
        {"rejected", f.rejected},
        {"median_accept_seconds", Opt(f.median_accept_seconds, 0)},
        {"median_resolve_seconds", Opt(f.median_resolve_seconds, 0)},
        {"mean_accept_seconds", Opt(f.mean_accept_seconds, 0)},
        {"mean_resolve_seconds", Opt(f.mean_resolve_seconds, 0)},
        {"ratings", f.ratings},
        {"satisfaction", Opt(f.satisfaction, 2)},
        {"satisfaction_rate", Opt(f.satisfaction_rate, 4)},
    };
}

json::object StatsToJson(const StatsReport& r) {
    json::array items;
    for (const auto& row : r.rows) {
        json::object o{{"key", row.key}, {"code", row.code}, {"name", row.name}};
        if (!row.name_en.empty()) {
            o["name_en"] = row.name_en;
        }
        o["figures"] = FiguresToJson(row.figures);
        items.push_back(std::move(o));
    }
    json::object out{
        {"group_by", GroupByName(r.group_by)}, {"from", FormatDate(r.from_day)},
        {"to", FormatDate(r.to_day)},          {"node_id", r.node_id ? json::value(*r.node_id) : json::value(nullptr)},
        {"items", std::move(items)},           {"total", FiguresToJson(r.total)},
        {"median_precision", kMedianPrecision}};
    if (r.node_id) {
        out["node_name"] = r.node_name;
    }
    return out;
}

json::object ScorecardsToJson(const ScorecardReport& r) {
    json::array items;
    for (const auto& c : r.items) {
        json::array grids;
        for (const auto& g : c.grids) {
            grids.push_back(json::value(g));
        }
        items.push_back(json::object{{"user_id", c.user_id},
                                     {"name", c.name},
                                     {"grids", std::move(grids)},
                                     {"handled", c.handled},
                                     {"resolved", c.resolved},
                                     {"resolved_on_time", c.on_time},
                                     {"on_time_rate", Opt(c.on_time_rate, 4)},
                                     {"median_resolve_seconds", Opt(c.median_resolve_seconds, 0)},
                                     {"ratings", c.ratings},
                                     {"satisfaction", Opt(c.satisfaction, 2)},
                                     {"in_progress", c.in_progress},
                                     {"overdue_now", c.overdue_now}});
    }
    return json::object{{"from", FormatDate(r.from_day)},
                        {"to", FormatDate(r.to_day)},
                        {"node_id", r.node_id ? json::value(*r.node_id) : json::value(nullptr)},
                        {"items", std::move(items)},
                        {"median_precision", kMedianPrecision}};
}

ledger::Table StatsToTable(const StatsReport& r) {
    ledger::Table t;
    t.header = {GroupHeader(r.group_by),
                "登记量",
                "已受理",
                "已办结",
                "在办",
                "超期",
                "按时办结",
                "按时办结率",
                "受理时长中位数（小时）",
                "办结时长中位数（小时）",
                "平均办结时长（小时）",
                "合并",
                "不予受理",
                "评价数",
                "满意度（平均分）",
                "满意率"};
    int line = 1;
    for (const auto& row : r.rows) {
        ledger::Row out;
        out.line = ++line;
        out.cells.push_back(row.name);
        for (auto& cell : FigureCells(row.figures)) {
            out.cells.push_back(std::move(cell));
        }
        t.rows.push_back(std::move(out));
    }
    ledger::Row total;
    total.line = ++line;
    total.cells.push_back("合计");
    for (auto& cell : FigureCells(r.total)) {
        total.cells.push_back(std::move(cell));
    }
    t.rows.push_back(std::move(total));
    return t;
}

ledger::Table ScorecardsToTable(const ScorecardReport& r) {
    ledger::Table t;
    t.header = {"网格员", "负责网格", "经办工单", "已办结",  "按时办结", "按时办结率", "办结时长中位数（小时）",
                "评价数", "平均评分", "在办",     "当前超期"};
    int line = 1;
    for (const auto& c : r.items) {
        std::string grids;
        for (const auto& g : c.grids) {
            grids += (grids.empty() ? "" : "、") + g;
        }
        t.rows.push_back(ledger::Row{
            ++line,
            {c.name, grids, std::to_string(c.handled), std::to_string(c.resolved), std::to_string(c.on_time),
             Percent(c.on_time_rate), Hours(c.median_resolve_seconds), std::to_string(c.ratings), Score(c.satisfaction),
             std::to_string(c.in_progress), std::to_string(c.overdue_now)}});
    }
    return t;
}

}  // namespace linli::analytics
