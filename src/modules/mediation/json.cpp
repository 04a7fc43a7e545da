#include "modules/mediation/json.hpp"

#include <fmt/format.h>

#include "modules/orders/json.hpp"
#include "modules/orders/state_machine.hpp"

namespace linli::mediation {

namespace json = boost::json;

namespace {

template <class T>
json::value Opt(const std::optional<T>& v) {
    if (!v) {
        return nullptr;
    }
    return json::value_from(*v);
}

json::array Ids(const std::vector<int64_t>& ids) {
    json::array out;
    for (int64_t id : ids) {
        out.push_back(id);
    }
    return out;
}

json::object FigureFields(const DisputeFigures& f) {
    return json::object{{"received", f.received},
                        {"mediated", f.mediated},
                        {"agreed", f.agreed},
                        {"partly_agreed", f.partly_agreed},
                        {"failed", f.failed},
                        {"referred", f.referred},
                        {"pending", f.pending},
                        {"success_rate", Opt(f.success_rate)}};
}

std::vector<std::string> FigureCells(const DisputeFigures& f) {
    return {std::to_string(f.received),
            std::to_string(f.mediated),
            std::to_string(f.agreed),
            std::to_string(f.partly_agreed),
            std::to_string(f.failed),
            std::to_string(f.referred),
            std::to_string(f.pending),
            f.success_rate ? fmt::format("{:.1f}%", *f.success_rate * 100.0) : std::string()};
}

bool Overdue(const orders::Order& o, int64_t now) {
    if (o.state == orders::OrderState::kSubmitted) {
        return o.due_accept_at < now;
    }
    return orders::IsOpen(o.state) && o.due_resolve_at < now;
}

}  // namespace

json::object CategoryToJson(const DisputeCategory& c) {
    return json::object{{"id", c.id}, {"code", c.code}, {"name_zh", c.name_zh}, {"name_en", c.name_en}};
}

json::object MediatorToJson(const Mediator& m) {
    json::array specialisms;
    for (auto s : m.specialisms) {
        specialisms.push_back(json::string(NameOf(kSpecialisms, s)));
    }
    return json::object{{"id", m.id},
                        {"user_id", m.user_id},
                        {"username", m.username},
                        {"display_name", m.display_name},
                        {"role", RoleName(m.role)},
                        {"specialisms", std::move(specialisms)},
                        {"title", m.title},
                        {"active", m.active},
                        {"created_at", m.created_at},
                        {"updated_at", m.updated_at}};
}

json::object DutyEntryToJson(const DutyEntry& e) {
    return json::object{{"id", e.id},
                        {"community_id", e.community_id},
                        {"date", e.date},
                        {"mediator_id", e.mediator_id},
                        {"mediator_name", e.mediator_name},
                        {"mediator_title", e.mediator_title},
                        {"specialism", NameOf(kSpecialisms, e.specialism)}};
}

json::object DisputeDetailToJson(const DisputeDetail& detail, int64_t now) {
    const Dispute& d = detail.dispute;
    json::array parties;
    for (const auto& p : d.parties) {
        parties.push_back(json::object{{"id", p.id},
                                       {"side", NameOf(kPartySides, p.side)},
                                       {"resident_id", Opt(p.resident_id)},
                                       {"name", p.name},
                                       {"phone", Opt(p.phone_masked)},
                                       {"decision", NameOf(kDecisions, p.decision)},
                                       {"decided_at", Opt(p.decided_at)},
                                       {"decision_note", p.decision_note}});
    }
    json::array mediators;
    for (const auto& m : d.mediators) {
        mediators.push_back(json::object{{"mediator_id", m.mediator_id},
                                         {"user_id", m.user_id},
                                         {"name", m.name},
                                         {"title", m.title},
                                         {"lead", m.lead},
                                         {"on_duty", m.on_duty},
                                         {"assigned_at", m.assigned_at}});
    }
    json::array sessions;
    for (const auto& s : d.sessions) {
        sessions.push_back(json::object{{"id", s.id},
                                        {"held_on", s.held_on},
                                        {"start_time", s.start_time.empty() ? json::value(nullptr)
                                                                            : json::value(s.start_time)},
                                        {"place", json::object{{"id", s.place_id}, {"name", s.place_name}}},
                                        {"place_note", s.place_note},
                                        {"attendee_party_ids", Ids(s.party_ids)},
                                        {"attendee_mediator_ids", Ids(s.mediator_ids)},
                                        {"other_attendees", s.other_attendees},
                                        {"notes", s.notes},
                                        {"recorded_by", Opt(s.recorded_by)},
                                        {"recorded_by_name", s.recorded_by_name},
                                        {"created_at", s.created_at}});
    }
    json::value agreement = nullptr;
    if (d.agreement_text) {
        agreement = json::object{{"text", *d.agreement_text}, {"at", Opt(d.agreement_at)}};
    }
    json::value outcome = nullptr;
    if (d.outcome) {
        json::value referral = nullptr;
        if (d.referral) {
            referral = json::string(NameOf(kReferrals, *d.referral));
        }
        outcome = json::object{{"outcome", NameOf(kOutcomes, *d.outcome)},
                               {"referral", std::move(referral)},
                               {"referral_to", d.referral_to},
                               {"note", d.outcome_note},
                               {"at", Opt(d.outcome_at)}};
    }
    json::array warnings;
    for (const auto& w : detail.warnings) {
        warnings.push_back(json::object{{"code", w.code}, {"message", w.message}});
    }
    return json::object{{"id", d.order_id},
                        {"tracking_code", detail.order.order.tracking_code},
                        {"category", CategoryToJson(d.category)},
                        {"subject", d.subject},
                        {"received_at", d.received_at},
                        {"parties", std::move(parties)},
                        {"mediators", std::move(mediators)},
                        {"sessions", std::move(sessions)},
                        {"agreement", std::move(agreement)},
                        {"outcome", std::move(outcome)},
                        {"order", orders::OrderDetailToJson(detail.order, now)},
                        {"warnings", std::move(warnings)}};
}

json::object DisputePageToJson(const Page<DisputeSummary>& page, int64_t now) {
    json::array items;
    for (const auto& s : page.items) {
        const auto& o = s.order;
        json::value outcome = nullptr;
        if (s.outcome) {
            outcome = json::string(NameOf(kOutcomes, *s.outcome));
        }
        json::value referral = nullptr;
        if (s.referral) {
            referral = json::string(NameOf(kReferrals, *s.referral));
        }
        items.push_back(json::object{{"id", o.id},
                                     {"tracking_code", o.tracking_code},
                                     {"state", orders::StateName(o.state)},
                                     {"overdue", Overdue(o, now)},
                                     {"due_resolve_at", o.due_resolve_at},
                                     {"place", json::object{{"id", o.place_id}, {"name", o.place_name}}},
                                     {"grid_id", Opt(o.grid_id)},
                                     {"category", s.category.id > 0 ? json::value(CategoryToJson(s.category))
                                                                    : json::value(nullptr)},
                                     {"subject", s.subject},
                                     {"parties", s.party_count},
                                     {"sessions", s.session_count},
                                     {"lead_mediator", s.lead_mediator},
                                     {"outcome", std::move(outcome)},
                                     {"referral", std::move(referral)},
                                     {"created_at", o.created_at}});
    }
    return json::object{{"items", std::move(items)},
                        {"next_cursor", page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr)}};
}

json::object FiguresToJson(const FigureReport& r) {
    json::array rows;
    for (const auto& row : r.rows) {
        json::object o = FigureFields(row.figures);
        o["key"] = row.key;
        o["name"] = row.name;
        rows.push_back(std::move(o));
    }
    return json::object{{"group_by", NameOf(kFigureGroups, r.group_by)},
                        {"from", r.from},
                        {"to", r.to},
                        {"node_id", Opt(r.node_id)},
                        {"rows", std::move(rows)},
                        {"total", FigureFields(r.total)}};
}

ledger::Table FiguresToTable(const FigureReport& r) {
    ledger::Table t;
    const char* group = "类别";
    if (r.group_by == FigureGroup::kMonth) {
        group = "月份";
    } else if (r.group_by == FigureGroup::kGrid) {
        group = "网格";
    }
    t.header = {group, "受理", "已调解", "调解成功", "部分达成", "调解不成", "移交处理", "在调", "调解成功率"};
    int line = 1;
    auto add = [&](const std::string& name, const DisputeFigures& f) {
        ledger::Row out;
        out.line = ++line;
        out.cells.push_back(name);
        for (auto& cell : FigureCells(f)) {
            out.cells.push_back(std::move(cell));
        }
        t.rows.push_back(std::move(out));
    };
    for (const auto& row : r.rows) {
        add(row.name, row.figures);
    }
    add("合计", r.total);
    return t;
}

}  // namespace linli::mediation
