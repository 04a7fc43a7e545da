#include "modules/registry/resident_json.hpp"

#include <boost/json.hpp>

namespace linli::registry {

namespace json = boost::json;

namespace {

template <class T>
json::value Opt(const std::optional<T>& v) {
    if (!v) {
        return nullptr;
    }
    return json::value_from(*v);
}

json::value OptId(std::optional<int64_t> v) { return v ? json::value(*v) : json::value(nullptr); }

}  // namespace

json::value ResidentToJson(const Resident& r, bool with_history) {
    json::array tags;
    for (const auto& t : r.tags) {
        tags.push_back(json::object{{"tag", t.tag}, {"detail", Opt(t.detail)}, {"computed", t.computed}});
    }
    json::object out{
        {"id", r.id},
        {"name", r.name},
        {"id_number", r.id_number_masked},
        {"phone", Opt(r.phone_masked)},
        {"birth_date", r.birth_date},
        {"age", r.age},
        {"sex", NameOf(kSexes, r.sex)},
        {"hukou", NameOf(kHukous, r.hukou)},
        {"tags", std::move(tags)},
        {"community_id", OptId(r.community_id)},
        {"note", r.note},
        {"created_at", r.created_at},
        {"updated_at", r.updated_at},
    };
    if (r.household) {
        const auto& h = *r.household;
        out["household"] = json::object{{"id", h.id},
                                        {"name", h.name},
                                        {"unit_name", h.unit_name},
                                        {"building_name", h.building_name},
                                        {"path", h.path}};
        out["relation"] = NameOf(kRelations, h.relation);
        out["moved_in"] = h.moved_in;
    } else {
        out["household"] = nullptr;
        out["relation"] = nullptr;
        out["moved_in"] = nullptr;
    }
    if (with_history) {
        json::array history;
        for (const auto& rs : r.residencies) {
            history.push_back(json::object{{"id", rs.id},
                                           {"household_id", rs.household_id},
                                           {"relation", NameOf(kRelations, rs.relation)},
                                           {"moved_in", rs.moved_in},
                                           {"moved_out", Opt(rs.moved_out)}});
        }
        out["residencies"] = std::move(history);
    }
    return out;
}

json::value ResidentPageToJson(const Page<Resident>& page) {
    json::array items;
    items.reserve(page.items.size());
    for (const auto& r : page.items) {
        items.push_back(ResidentToJson(r));
    }
    return json::object{{"items", std::move(items)}, {"next_cursor", Opt(page.next_cursor)}};
}

json::value HouseholdToJson(const Household& h) {
    json::array members;
    for (const auto& m : h.members) {
        members.push_back(json::object{{"resident_id", m.resident_id},
                                       {"name", m.name},
                                       {"relation", NameOf(kRelations, m.relation)},
                                       {"moved_in", m.moved_in}});
    }
    return json::object{
        {"id", h.id},
        {"unit_id", h.unit_id},
        {"name", h.name},
        {"unit_name", h.unit_name},
        {"building_name", h.building_name},
        {"path", h.path},
        {"community_id", OptId(h.community_id)},
        {"tenure", h.tenure ? json::value(NameOf(kTenures, *h.tenure)) : json::value(nullptr)},
        {"members", std::move(members)},
        {"created_at", h.created_at},
        {"updated_at", h.updated_at},
    };
}

json::value BuildingDetailsToJson(const BuildingDetails& d) {
    return json::object{
        {"building_id", d.building_id},
        {"kind", d.kind ? json::value(NameOf(kBuildingKinds, *d.kind)) : json::value(nullptr)},
        {"address", d.address},
        {"floors", Opt(d.floors)},
        {"unit_count", Opt(d.unit_count)},
        {"updated_at", Opt(d.updated_at)},
    };
}

json::value TagsToJson(const std::vector<TagDefinition>& tags) {
    json::array items;
    for (const auto& t : tags) {
        items.push_back(json::object{{"code", t.code},
                                     {"name", t.name},
                                     {"name_en", t.name_en},
                                     {"community_id", OptId(t.community_id)},
                                     {"computed", t.computed}});
    }
    return json::object{{"items", std::move(items)}};
}

json::value ImportSummaryToJson(const ImportSummary& s) {
    json::array errors;
    errors.reserve(s.errors.size());
    for (const auto& e : s.errors) {
        errors.push_back(json::object{
            {"line", e.line}, {"column", e.column}, {"message_zh", e.message_zh}, {"message_en", e.message_en}});
    }
    return json::object{{"inserted", s.inserted},           {"updated", s.updated},
                        {"skipped", s.skipped},             {"nodes_created", s.nodes_created},
                        {"committed", s.committed},         {"errors", std::move(errors)}};
}

std::string ResidentAuditDetail(const Resident& r) {
    return json::serialize(json::object{
        {"name", r.name},
        {"id_number", r.id_number_masked},
        {"phone", Opt(r.phone_masked)},
        {"household_id", r.household ? json::value(r.household->id) : json::value(nullptr)},
    });
}

std::string ResidentUpdateAuditDetail(const Resident& before, const Resident& after,
                                      const std::vector<std::string>& fields) {
    json::array names;
    for (const auto& f : fields) {
        names.push_back(json::value(f));
    }
    json::object detail{{"fields", std::move(names)}};
    if (before.name != after.name) {
        detail["name"] = json::object{{"old", before.name}, {"new", after.name}};
    }
    if (before.phone_masked != after.phone_masked) {
        detail["phone"] = json::object{{"old", Opt(before.phone_masked)}, {"new", Opt(after.phone_masked)}};
    }
    return json::serialize(detail);
}

std::string MoveAuditDetail(std::optional<int64_t> from, std::optional<int64_t> to, std::string_view date) {
    return json::serialize(json::object{{"from_household_id", OptId(from)}, {"to_household_id", OptId(to)}, {"date", date}});
}

std::string RevealAuditDetail(std::string_view field, std::string_view reason) {
    return json::serialize(json::object{{"field", field}, {"reason", reason}});
}

std::string HouseholdAuditDetail(int64_t unit_id, std::string_view room, Tenure tenure) {
    return json::serialize(json::object{{"unit_id", unit_id}, {"room", room}, {"tenure", NameOf(kTenures, tenure)}});
}

std::string TenureAuditDetail(std::optional<Tenure> before, Tenure after) {
    return json::serialize(json::object{
        {"tenure", json::object{{"old", before ? json::value(NameOf(kTenures, *before)) : json::value(nullptr)},
                                {"new", NameOf(kTenures, after)}}}});
}

std::string BuildingAuditDetail(const BuildingDetailsInput& in) {
    return json::serialize(json::object{{"kind", NameOf(kBuildingKinds, in.kind)},
                                        {"address", in.address},
                                        {"floors", Opt(in.floors)},
                                        {"unit_count", Opt(in.unit_count)}});
}

std::string ImportAuditDetail(int64_t rows, const ImportSummary& s) {
    return json::serialize(json::object{{"rows", rows},
                                        {"inserted", s.inserted},
                                        {"updated", s.updated},
                                        {"skipped", s.skipped},
                                        {"nodes_created", s.nodes_created}});
}

}  // namespace linli::registry
