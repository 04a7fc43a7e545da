#include "modules/safety/json.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace linli::safety {

namespace json = boost::json;

namespace {

template <class T>
json::value Opt(const std::optional<T>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

json::array Ids(const std::vector<int64_t>& ids) {
    json::array out;
    for (int64_t id : ids) {
        out.push_back(id);
    }
    return out;
}

json::object ItemToJson(const TemplateItem& item) {
    return {{"id", item.id},
            {"position", item.position},
            {"text_zh", item.text_zh},
            {"text_en", item.text_en},
            {"basis", item.basis},
            {"severity", NameOf(kSeverities, item.severity)},
            {"rectify_days", item.rectify_days}};
}

json::object VersionToJson(const TemplateVersion& v, bool with_items) {
    json::object o{{"id", v.id},
                   {"version", v.version},
                   {"name_zh", v.name_zh},
                   {"name_en", v.name_en},
                   {"note", v.note},
                   {"created_by", Opt(v.created_by)},
                   {"created_by_name", v.created_by_name},
                   {"created_at", v.created_at},
                   {"item_count", v.item_count}};
    if (with_items) {
        json::array items;
        for (const auto& item : v.items) {
            items.push_back(ItemToJson(item));
        }
        o["items"] = std::move(items);
    }
    return o;
}

json::object CountsToJson(const HazardCounts& c) {
    return {{"found", c.found},       {"open", c.open},       {"rectified", c.rectified},
            {"verified", c.verified}, {"overdue", c.overdue}, {"major", c.major}};
}

json::object LedgerRowToJson(const LedgerRow& row, bool kind_rows) {
    json::object o = CountsToJson(row.totals);
    if (kind_rows) {
        o["kind"] = row.key_name;
        o["kind_zh"] = row.name_zh;
        return o;
    }
    o["id"] = row.key > 0 ? json::value(row.key) : json::value(nullptr);
    o["name"] = row.key_name;
    json::array kinds;
    for (const auto& [kind, counts] : row.by_kind) {
        json::object k = CountsToJson(counts);
        k["kind"] = NameOf(kTemplateKinds, kind);
        k["kind_zh"] = NameOf(kTemplateKindNamesZh, kind);
        kinds.push_back(std::move(k));
    }
    o["by_kind"] = std::move(kinds);
    return o;
}

json::value Period(std::optional<int64_t> from, std::optional<int64_t> to) {
    return json::object{{"from", Opt(from)}, {"to", Opt(to)}};
}

}  // namespace

json::value TemplateToJson(const Template& t) {
    return json::object{{"id", t.id},
                        {"community_id", Opt(t.community_id)},
                        {"shipped", !t.community_id.has_value()},
                        {"code", t.code},
                        {"kind", NameOf(kTemplateKinds, t.kind)},
                        {"kind_zh", NameOf(kTemplateKindNamesZh, t.kind)},
                        {"category_code", t.category_code},
                        {"name_zh", t.name_zh},
                        {"name_en", t.name_en},
                        {"active", t.active},
                        {"current_version", t.current_version},
                        {"created_at", t.created_at},
                        {"updated_at", t.updated_at}};
}

json::value TemplateDetailToJson(const TemplateDetail& d) {
    json::value v = TemplateToJson(d.tmpl);
    v.as_object()["version"] = VersionToJson(d.version, true);
    return v;
}

json::value VersionsToJson(const std::vector<TemplateVersion>& versions) {
    json::array items;
    for (const auto& v : versions) {
        items.push_back(VersionToJson(v, false));
    }
    return json::object{{"items", std::move(items)}};
}

json::value VenueToJson(const Venue& v) {
    return json::object{{"id", v.id},
                        {"name", v.name},
                        {"kind", NameOf(kVenueKinds, v.kind)},
                        {"kind_zh", NameOf(kVenueKindNamesZh, v.kind)},
                        {"owner_name", v.owner_name},
                        {"owner_phone", Opt(v.owner_phone_masked)},
                        {"licence_no", v.licence_no},
                        {"address", v.address},
                        {"place_id", v.place_id},
                        {"building_id", Opt(v.building_id)},
                        {"grid_id", Opt(v.grid_id)},
                        {"community_id", Opt(v.community_id)},
                        {"active", v.active},
                        {"last_inspected_at", Opt(v.last_inspected_at)},
                        {"created_at", v.created_at},
                        {"updated_at", v.updated_at}};
}

json::value VenuePageToJson(const Page<Venue>& page) {
    json::array items;
    for (const auto& v : page.items) {
        items.push_back(VenueToJson(v));
    }
    return json::object{{"items", std::move(items)}, {"next_cursor", Opt(page.next_cursor)}};
}

json::value PhotoToJson(const Photo& p) {
    return json::object{{"id", p.id},
                        {"content_type", p.content_type},
                        {"size", p.size_bytes},
                        {"sha256", p.sha256},
                        {"created_at", p.created_at},
                        {"url", "/api/v1/safety/photos/" + std::to_string(p.id)}};
}

json::value InspectionToJson(const Inspection& i) {
    return json::object{{"id", i.id},
                        {"client_id", i.client_id},
                        {"template_id", i.template_id},
                        {"template_version", i.template_version},
                        {"template_name_zh", i.template_name_zh},
                        {"kind", NameOf(kTemplateKinds, i.kind)},
                        {"target_kind", NameOf(kTargetKinds, i.target_kind)},
                        {"node_id", i.node_id},
                        {"venue_id", Opt(i.venue_id)},
                        {"target_name", i.target_name},
                        {"building_id", Opt(i.building_id)},
                        {"grid_id", Opt(i.grid_id)},
                        {"community_id", Opt(i.community_id)},
                        {"inspector_id", i.inspector_id},
                        {"inspector_name", i.inspector_name},
                        {"inspected_at", i.inspected_at},
                        {"recorded_at", i.recorded_at},
                        {"note", i.note},
                        {"passed", i.passed},
                        {"failed", i.failed},
                        {"not_applicable", i.not_applicable}};
}

json::value InspectionDetailToJson(const InspectionDetail& d) {
    json::value v = InspectionToJson(d.inspection);
    json::array results;
    for (const auto& r : d.results) {
        results.push_back(json::object{{"id", r.id},
                                       {"item", ItemToJson(r.item)},
                                       {"result", NameOf(kItemResults, r.result)},
                                       {"note", r.note},
                                       {"photo_ids", Ids(r.photo_ids)},
                                       {"hazard_id", Opt(r.hazard_id)}});
    }
    json::array hazards;
    for (const auto& h : d.hazards) {
        HazardDetail hd;
        hd.hazard = h;
        hazards.push_back(HazardToJson(hd, false));
    }
    v.as_object()["results"] = std::move(results);
    v.as_object()["hazards"] = std::move(hazards);
    return v;
}

json::value InspectionPageToJson(const Page<Inspection>& page) {
    json::array items;
    for (const auto& i : page.items) {
        items.push_back(InspectionToJson(i));
    }
    return json::object{{"items", std::move(items)}, {"next_cursor", Opt(page.next_cursor)}};
}

json::value HazardToJson(const HazardDetail& d, bool with_history) {
    const Hazard& h = d.hazard;
    json::object o{{"id", h.id},
                   {"inspection_id", h.inspection_id},
                   {"item_id", h.item_id},
                   {"kind", NameOf(kTemplateKinds, h.kind)},
                   {"kind_zh", NameOf(kTemplateKindNamesZh, h.kind)},
                   {"severity", NameOf(kSeverities, h.severity)},
                   {"item_text", h.item_text},
                   {"basis", h.basis},
                   {"target_kind", NameOf(kTargetKinds, h.target_kind)},
                   {"target_name", h.target_name},
                   {"node_id", h.node_id},
                   {"venue_id", Opt(h.venue_id)},
                   {"building_id", Opt(h.building_id)},
                   {"grid_id", Opt(h.grid_id)},
                   {"community_id", Opt(h.community_id)},
                   {"responsible", json::object{{"kind", NameOf(kResponsibleKinds, h.responsible.kind)},
                                                {"name", h.responsible.name},
                                                {"unit_id", Opt(h.responsible.unit_id)}}},
                   {"status", NameOf(kHazardStatuses, h.status)},
                   {"status_zh", NameOf(kHazardStatusNamesZh, h.status)},
                   {"found_at", h.found_at},
                   {"due_at", h.due_at},
                   {"overdue", d.overdue},
                   {"rectify_days", h.rectify_days},
                   {"failed_reinspections", h.failed_reinspections},
                   {"rectified_at", Opt(h.rectified_at)},
                   {"rectified_by", Opt(h.rectified_by)},
                   {"rectified_by_name", h.rectified_by_name},
                   {"verified_at", Opt(h.verified_at)},
                   {"verified_by", Opt(h.verified_by)},
                   {"verified_by_name", h.verified_by_name}};
    if (h.order_id) {
        o["order"] = json::object{
            {"id", *h.order_id},
            {"tracking_code", h.tracking_code},
            {"state", h.order_state},
            {"escalation_level",
             orders::kLevelNames[static_cast<size_t>(std::clamp(h.escalation_level, 0, orders::kLevelSubdistrict))]},
            {"handler_user_id", Opt(h.handler_user_id)},
            {"handler_unit_id", Opt(h.handler_unit_id)}};
    } else {
        o["order"] = nullptr;
    }
    if (with_history) {
        json::array rectifications;
        for (const auto& r : d.rectifications) {
            rectifications.push_back(json::object{{"id", r.id},
                                                  {"note", r.note},
                                                  {"photo_ids", Ids(r.photo_ids)},
                                                  {"by_user_id", Opt(r.by_user_id)},
                                                  {"by_name", r.by_name},
                                                  {"at", r.at}});
        }
        json::array reinspections;
        for (const auto& r : d.reinspections) {
            reinspections.push_back(json::object{{"id", r.id},
                                                 {"result", r.passed ? "pass" : "fail"},
                                                 {"note", r.note},
                                                 {"photo_ids", Ids(r.photo_ids)},
                                                 {"by_user_id", r.by_user_id},
                                                 {"by_name", r.by_name},
                                                 {"at", r.at},
                                                 {"new_due_at", Opt(r.new_due_at)},
                                                 {"escalated", r.escalated}});
        }
        o["rectifications"] = std::move(rectifications);
        o["reinspections"] = std::move(reinspections);
    }
    return o;
}

json::value HazardPageToJson(const Page<HazardDetail>& page) {
    json::array items;
    for (const auto& d : page.items) {
        items.push_back(HazardToJson(d, false));
    }
    return json::object{{"items", std::move(items)}, {"next_cursor", Opt(page.next_cursor)}};
}

json::value LedgerToJson(const Ledger& l) {
    json::array rows;
    const bool kind_rows = l.group_by == LedgerGroup::kKind;
    for (const auto& row : l.rows) {
        rows.push_back(LedgerRowToJson(row, kind_rows));
    }
    return json::object{{"group_by", NameOf(kLedgerGroups, l.group_by)},
                        {"node_id", Opt(l.node_id)},
                        {"period", Period(l.from, l.to)},
                        {"as_of", l.now},
                        {"totals", CountsToJson(l.totals)},
                        {"rows", std::move(rows)}};
}

json::value FiguresToJson(const Figures& f) {
    json::array kinds;
    for (const auto& row : f.by_kind) {
        kinds.push_back(LedgerRowToJson(row, true));
    }
    json::array grids;
    for (const auto& row : f.by_grid) {
        grids.push_back(LedgerRowToJson(row, false));
    }
    return json::object{{"node_id", Opt(f.node_id)},    {"period", Period(f.from, f.to)},
                        {"inspections", f.inspections}, {"totals", CountsToJson(f.totals)},
                        {"by_kind", std::move(kinds)},  {"by_grid", std::move(grids)}};
}

json::value SafetyRecordToJson(const SafetyRecord& r) {
    json::array inspections;
    for (const auto& i : r.inspections) {
        inspections.push_back(InspectionToJson(i));
    }
    json::array open;
    for (const auto& d : r.open_hazards) {
        open.push_back(HazardToJson(d, true));
    }
    json::array closed;
    for (const auto& d : r.closed_hazards) {
        closed.push_back(HazardToJson(d, true));
    }
    json::object o{{"target_kind", NameOf(kTargetKinds, r.target_kind)},
                   {"target_id", r.target_id},
                   {"name", r.name},
                   {"last_inspected_at", Opt(r.last_inspected_at)},
                   {"inspection_count", r.inspection_count},
                   {"inspections", std::move(inspections)},
                   {"open_hazards", std::move(open)},
                   {"closed_hazards", std::move(closed)}};
    o["venue"] = r.venue ? VenueToJson(*r.venue) : json::value(nullptr);
    return o;
}

}  // namespace linli::safety
