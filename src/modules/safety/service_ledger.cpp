// SafetyService, part 3: the hazard ledger (隐患台账), figures, exports and a place's safety record.
#include <boost/json.hpp>
#include <map>
#include <utility>

#include "modules/accounts/audit.hpp"
#include "modules/safety/rules.hpp"
#include "modules/safety/service.hpp"
#include "modules/safety/service_internal.hpp"

namespace linli::safety {

using internal::NotFoundField;
using internal::RequireInspector;
using storage::Conn;

namespace {

SafetyRepository::GroupColumn ColumnOf(LedgerGroup group) {
    switch (group) {
        case LedgerGroup::kCommunity:
            return SafetyRepository::GroupColumn::kCommunity;
        case LedgerGroup::kGrid:
            return SafetyRepository::GroupColumn::kGrid;
        case LedgerGroup::kBuilding:
            return SafetyRepository::GroupColumn::kBuilding;
        case LedgerGroup::kVenue:
            return SafetyRepository::GroupColumn::kVenue;
        case LedgerGroup::kKind:
            return SafetyRepository::GroupColumn::kNone;
    }
    return SafetyRepository::GroupColumn::kNone;
}

/// The ledger's first column heading and the name of "none" for each grouping.
std::pair<const char*, const char*> GroupLabels(LedgerGroup group) {
    switch (group) {
        case LedgerGroup::kCommunity:
            return {"社区", "（无社区）"};
        case LedgerGroup::kGrid:
            return {"网格", "（未划网格）"};
        case LedgerGroup::kBuilding:
            return {"楼栋", "（不在楼栋内）"};
        case LedgerGroup::kVenue:
            return {"场所", "（楼栋、消防通道）"};
        case LedgerGroup::kKind:
            return {"隐患类别", ""};
    }
    return {"", ""};
}

void Add(HazardCounts& into, const HazardCounts& c) {
    into.found += c.found;
    into.open += c.open;
    into.rectified += c.rectified;
    into.verified += c.verified;
    into.overdue += c.overdue;
    into.major += c.major;
}

std::vector<std::string> CountCells(const HazardCounts& c) {
    return {std::to_string(c.found),    std::to_string(c.open),    std::to_string(c.rectified),
            std::to_string(c.verified), std::to_string(c.overdue), std::to_string(c.major)};
}

std::string KindZh(TemplateKind kind) {
    return std::string(NameOf(kTemplateKindNamesZh, kind));
}

std::string TargetZh(TargetKind kind) {
    switch (kind) {
        case TargetKind::kBuilding:
            return "楼栋";
        case TargetKind::kVenue:
            return "场所";
        case TargetKind::kFireEscape:
            return "消防通道";
    }
    return "";
}

}  // namespace

Result<Ledger> SafetyService::GetLedger(const Actor& actor, const LedgerQuery& query) {
    LINLI_TRY(RequireInspector(actor));
    if (query.from && query.to && *query.from >= *query.to) {
        return InvalidArgument("from", "from must be before to");
    }
    PlaceFilter place;
    LINLI_ASSIGN_OR_RETURN(place.under_path, UnderPath(actor, query.node_id));
    LINLI_ASSIGN_OR_RETURN(auto vis, VisibilityOf(actor, false));
    Ledger ledger;
    ledger.group_by = query.group_by;
    ledger.node_id = query.node_id;
    ledger.from = query.from;
    ledger.to = query.to;
    ledger.now = clock_.Now();
    LINLI_ASSIGN_OR_RETURN(auto counts, db_.Read([&](Conn& conn) {
        return repo_.CountHazards(conn, vis, place, ColumnOf(query.group_by), query.from, query.to, ledger.now);
    }));
    std::map<int64_t, std::string> names;
    if (query.group_by == LedgerGroup::kVenue) {
        std::vector<int64_t> ids;
        for (const auto& c : counts) {
            if (c.key > 0) {
                ids.push_back(c.key);
            }
        }
        LINLI_ASSIGN_OR_RETURN(auto venue_names, db_.Read([&](Conn& conn) { return repo_.VenueNames(conn, ids); }));
        names.insert(venue_names.begin(), venue_names.end());
    }
    const auto none_label = GroupLabels(query.group_by).second;
    std::map<int64_t, LedgerRow> rows;  // by key: ids ascending, so the order of the register
    for (const auto& c : counts) {
        Add(ledger.totals, c.counts);
        if (query.group_by == LedgerGroup::kKind) {
            LedgerRow row;
            row.key_name = std::string(NameOf(kTemplateKinds, c.kind));
            row.name_zh = KindZh(c.kind);
            row.totals = c.counts;
            row.by_kind.emplace_back(c.kind, c.counts);
            ledger.rows.push_back(std::move(row));
            continue;
        }
        auto [it, fresh] = rows.try_emplace(c.key);
        LedgerRow& row = it->second;
        if (fresh) {
            row.key = c.key;
            if (c.key == 0) {
                row.key_name = none_label;
            } else if (query.group_by == LedgerGroup::kVenue) {
                row.key_name = names.contains(c.key) ? names[c.key] : "#" + std::to_string(c.key);
            } else {
                row.key_name = NodeName(c.key, names);
            }
            row.name_zh = row.key_name;
        }
        Add(row.totals, c.counts);
        row.by_kind.emplace_back(c.kind, c.counts);
    }
    for (auto& [key, row] : rows) {
        ledger.rows.push_back(std::move(row));
    }
    return ledger;
}

Result<ledger::Table> SafetyService::LedgerTable(const Ledger& l) const {
    ledger::Table table;
    const auto [heading, none] = GroupLabels(l.group_by);
    (void)none;
    const bool by_kind = l.group_by == LedgerGroup::kKind;
    table.header = {heading};
    if (!by_kind) {
        table.header.push_back("隐患类别");
    }
    for (const char* h : {"发现隐患", "整改中", "已整改待复查", "复查合格已销号", "逾期未整改", "重大隐患"}) {
        table.header.push_back(h);
    }
    int line = 1;
    auto push = [&](std::vector<std::string> cells) {
        ledger::Row row;
        row.line = ++line;
        row.cells = std::move(cells);
        table.rows.push_back(std::move(row));
    };
    for (const auto& row : l.rows) {
        if (by_kind) {
            std::vector<std::string> cells{row.name_zh};
            for (auto& c : CountCells(row.totals)) {
                cells.push_back(std::move(c));
            }
            push(std::move(cells));
            continue;
        }
        for (const auto& [kind, counts] : row.by_kind) {
            std::vector<std::string> cells{row.key_name, KindZh(kind)};
            for (auto& c : CountCells(counts)) {
                cells.push_back(std::move(c));
            }
            push(std::move(cells));
        }
        std::vector<std::string> cells{row.key_name, "小计"};
        for (auto& c : CountCells(row.totals)) {
            cells.push_back(std::move(c));
        }
        push(std::move(cells));
    }
    std::vector<std::string> cells{"合计"};
    if (!by_kind) {
        cells.push_back("");
    }
    for (auto& c : CountCells(l.totals)) {
        cells.push_back(std::move(c));
    }
    push(std::move(cells));
    return table;
}

Result<Figures> SafetyService::GetFigures(const Actor& actor, const LedgerQuery& query) {
    LedgerQuery by_kind = query;
    by_kind.group_by = LedgerGroup::kKind;
    LINLI_ASSIGN_OR_RETURN(auto kinds, GetLedger(actor, by_kind));
    LedgerQuery by_grid = query;
    by_grid.group_by = LedgerGroup::kGrid;
    LINLI_ASSIGN_OR_RETURN(auto grids, GetLedger(actor, by_grid));
    Figures f;
    f.node_id = query.node_id;
    f.from = query.from;
    f.to = query.to;
    f.totals = kinds.totals;
    f.by_kind = std::move(kinds.rows);
    f.by_grid = std::move(grids.rows);
    PlaceFilter place;
    LINLI_ASSIGN_OR_RETURN(place.under_path, UnderPath(actor, query.node_id));
    LINLI_ASSIGN_OR_RETURN(auto vis, VisibilityOf(actor, false));
    LINLI_ASSIGN_OR_RETURN(f.inspections, db_.Read([&](Conn& conn) {
        return repo_.CountInspections(conn, vis, place, query.from, query.to);
    }));
    return f;
}

Result<ledger::Table> SafetyService::ExportHazards(const Actor& actor, const HazardQuery& query,
                                                   const RequestInfo& info) {
    LINLI_TRY(RequireInspector(actor));
    PlaceFilter place;
    LINLI_ASSIGN_OR_RETURN(place.under_path, UnderPath(actor, query.node_id));
    if (query.venue_id) {
        auto venue = GetVenue(actor, *query.venue_id);
        if (!venue) {
            return venue.error().code == ErrorCode::kNotFound ? NotFoundField("venue not found", "venue_id")
                                                              : venue.error();
        }
        place.venue_id = venue->id;
    }
    LINLI_ASSIGN_OR_RETURN(auto vis, VisibilityOf(actor, false));
    const int64_t now = clock_.Now();
    LINLI_ASSIGN_OR_RETURN(auto hazards, db_.Read([&](Conn& conn) {
        return repo_.ListHazards(conn, vis, place, query, now, std::nullopt, static_cast<int>(kMaxExportRows) + 1);
    }));
    if (hazards.size() > kMaxExportRows) {
        return InvalidArgument("node_id", "more than " + std::to_string(kMaxExportRows) +
                                              " hazards; narrow the ledger by node_id or dates");
    }
    std::vector<int64_t> venue_ids;
    for (const auto& h : hazards) {
        if (h.venue_id) {
            venue_ids.push_back(*h.venue_id);
        }
    }
    LINLI_ASSIGN_OR_RETURN(auto venue_rows, db_.Read([&](Conn& conn) { return repo_.VenueNames(conn, venue_ids); }));
    std::map<int64_t, std::string> venues(venue_rows.begin(), venue_rows.end());
    std::map<int64_t, std::string> names;
    const int offset = options_.utc_offset;
    auto date = [&](std::optional<int64_t> at) { return at ? FormatLocalDate(*at, offset) : std::string(); };

    ledger::Table table;
    table.header = {"隐患编号", "工单编号",     "发现日期", "社区",          "网格",     "楼栋",
                    "场所",     "检查对象",     "隐患类别", "检查项",        "依据",     "隐患等级",
                    "责任方",   "责任人",       "整改期限", "状态",          "是否逾期", "整改日期",
                    "整改人",   "复查合格日期", "复查人",   "复查不合格次数"};
    int line = 1;
    // Oldest first, as a ledger is read.
    for (auto it = hazards.rbegin(); it != hazards.rend(); ++it) {
        const Hazard& h = *it;
        const bool overdue = h.status == HazardStatus::kOpen && h.due_at < now;
        ledger::Row row;
        row.line = ++line;
        row.cells = {std::to_string(h.id),
                     h.tracking_code,
                     date(h.found_at),
                     h.community_id ? NodeName(*h.community_id, names) : "",
                     h.grid_id ? NodeName(*h.grid_id, names) : "",
                     h.building_id ? NodeName(*h.building_id, names) : "",
                     h.venue_id && venues.contains(*h.venue_id) ? venues[*h.venue_id] : "",
                     h.target_name,
                     KindZh(h.kind),
                     h.item_text,
                     h.basis,
                     h.severity == Severity::kMajor ? "重大隐患" : "一般隐患",
                     std::string(NameOf(kResponsibleKindNamesZh, h.responsible.kind)),
                     h.responsible.name,
                     date(h.due_at),
                     std::string(NameOf(kHazardStatusNamesZh, h.status)),
                     overdue ? "是" : "否",
                     date(h.rectified_at),
                     h.rectified_by_name,
                     date(h.verified_at),
                     h.verified_by_name,
                     std::to_string(h.failed_reinspections)};
        table.rows.push_back(std::move(row));
    }
    // It names the people responsible: each export is on record, as exports of the register are.
    LINLI_TRY(db_.Write([&](Conn& conn) {
        return accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "export.safety_hazards", "safety_hazard", std::nullopt,
                                      boost::json::serialize(boost::json::object{{"rows", table.rows.size()}})));
    }));
    return table;
}

Result<ledger::Table> SafetyService::ExportInspections(const Actor& actor, const InspectionQuery& query,
                                                       const RequestInfo& info) {
    LINLI_TRY(RequireInspector(actor));
    PlaceFilter place;
    LINLI_ASSIGN_OR_RETURN(place.under_path, UnderPath(actor, query.node_id));
    if (query.venue_id) {
        auto venue = GetVenue(actor, *query.venue_id);
        if (!venue) {
            return venue.error().code == ErrorCode::kNotFound ? NotFoundField("venue not found", "venue_id")
                                                              : venue.error();
        }
        place.venue_id = venue->id;
    }
    LINLI_ASSIGN_OR_RETURN(auto vis, VisibilityOf(actor, false));
    LINLI_ASSIGN_OR_RETURN(auto items, db_.Read([&](Conn& conn) {
        return repo_.ListInspections(conn, vis, place, query, std::nullopt, std::nullopt,
                                     static_cast<int>(kMaxExportRows) + 1);
    }));
    if (items.size() > kMaxExportRows) {
        return InvalidArgument("node_id", "more than " + std::to_string(kMaxExportRows) +
                                              " inspections; narrow the history by node_id or dates");
    }
    std::map<int64_t, std::string> names;
    const int offset = options_.utc_offset;
    ledger::Table table;
    table.header = {"检查编号", "检查时间", "检查表", "版本",   "对象类型", "检查对象", "社区",
                    "网格",     "楼栋",     "检查人", "合格项", "不合格项", "不适用项", "备注"};
    int line = 1;
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
        const Inspection& i = *it;
        ledger::Row row;
        row.line = ++line;
        row.cells = {std::to_string(i.id),
                     FormatLocalMinute(i.inspected_at, offset),
                     i.template_name_zh,
                     std::to_string(i.template_version),
                     TargetZh(i.target_kind),
                     i.target_name,
                     i.community_id ? NodeName(*i.community_id, names) : "",
                     i.grid_id ? NodeName(*i.grid_id, names) : "",
                     i.building_id ? NodeName(*i.building_id, names) : "",
                     i.inspector_name,
                     std::to_string(i.passed),
                     std::to_string(i.failed),
                     std::to_string(i.not_applicable),
                     i.note};
        table.rows.push_back(std::move(row));
    }
    const int64_t now = clock_.Now();
    LINLI_TRY(db_.Write([&](Conn& conn) {
        return accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "export.safety_inspections", "safety_inspection", std::nullopt,
                                      boost::json::serialize(boost::json::object{{"rows", table.rows.size()}})));
    }));
    return table;
}

Result<SafetyRecord> SafetyService::GetSafetyRecord(const Actor& actor, TargetKind kind, int64_t id) {
    LINLI_TRY(RequireInspector(actor));
    SafetyRecord record;
    record.target_kind = kind;
    record.target_id = id;
    PlaceFilter place;
    if (kind == TargetKind::kVenue) {
        LINLI_ASSIGN_OR_RETURN(auto venue, GetVenue(actor, id));
        record.name = venue.name;
        record.place_path = venue.place_path;
        place.venue_id = venue.id;
        record.venue = std::move(venue);
    } else {
        auto node = territory_.Get(actor, id);
        if (!node) {
            return node.error().code == ErrorCode::kNotFound ? NotFound("building not found") : node.error();
        }
        if (node->kind != registry::NodeKind::kBuilding) {
            return InvalidArgument("id", "a safety record is kept for a building (or a venue)");
        }
        record.name = node->name;
        record.place_path = node->path;
        // The building's own inspections, its fire escapes' and those of the venues in it.
        place.under_path = node->path;
    }
    LINLI_ASSIGN_OR_RETURN(auto vis, VisibilityOf(actor, false));
    const int64_t now = clock_.Now();
    return db_.Read([&](Conn& conn) -> Result<SafetyRecord> {
        LINLI_ASSIGN_OR_RETURN(auto totals, repo_.InspectionTotals(conn, place, std::nullopt));
        record.inspection_count = totals.first;
        record.last_inspected_at = totals.second;
        LINLI_ASSIGN_OR_RETURN(
            record.inspections,
            repo_.ListInspections(conn, vis, place, InspectionQuery{}, std::nullopt, std::nullopt, kRecordInspections));
        for (HazardStatus status : {HazardStatus::kOpen, HazardStatus::kRectified, HazardStatus::kVerified}) {
            HazardQuery q;
            q.status = status;
            const int limit = status == HazardStatus::kVerified ? kRecordClosed : static_cast<int>(kMaxPageSize);
            LINLI_ASSIGN_OR_RETURN(auto hazards, repo_.ListHazards(conn, vis, place, q, now, std::nullopt, limit));
            for (auto& h : hazards) {
                HazardDetail d;
                d.overdue = h.status == HazardStatus::kOpen && h.due_at < now;
                d.hazard = std::move(h);
                LINLI_ASSIGN_OR_RETURN(d.rectifications, repo_.ListRectifications(conn, d.hazard.id));
                LINLI_ASSIGN_OR_RETURN(d.reinspections, repo_.ListReinspections(conn, d.hazard.id));
                (status == HazardStatus::kVerified ? record.closed_hazards : record.open_hazards)
                    .push_back(std::move(d));
            }
        }
        return record;
    });
}

}  // namespace linli::safety
