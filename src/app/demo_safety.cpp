#include "app/demo_safety.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "modules/accounts/service.hpp"
#include "modules/registry/service.hpp"
#include "modules/safety/service.hpp"

namespace linli::app {

namespace {

using safety::ItemResult;
using safety::NewInspection;
using safety::NewInspectionItem;
using safety::TargetKind;

constexpr int64_t kDay = 86400;

/// The actor of an existing account, with its scope resolved as authentication would.
Result<Actor> ActorOf(accounts::AccountsService& accounts, registry::RegistryService& registry,
                      const std::string& username) {
    LINLI_ASSIGN_OR_RETURN(auto user,
                           accounts.GetUserByUsername(accounts::AccountsService::SystemActor("demo"), username));
    Actor a;
    a.user_id = user.id;
    a.username = user.username;
    a.role = user.role;
    LINLI_ASSIGN_OR_RETURN(a.scope, registry.ResolveScope(user.scope_node_ids));
    return a;
}

/// A tiny real PNG (1×1): the demo's photo of what was found.
std::string DemoPhoto() {
    static const unsigned char kPng[] = {
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
        0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF,
        0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
    return std::string(reinterpret_cast<const char*>(kPng), sizeof kPng);
}

struct VenueSpec {
    const char* name;
    safety::VenueKind kind;
    const char* owner;
    const char* phone;
    size_t building;  // index among the grid's first buildings
};

constexpr VenueSpec kVenues[] = {
    {"老王面馆", safety::VenueKind::kRestaurant, "王建国", "13900001001", 0},
    {"好邻居便利店", safety::VenueKind::kShop, "李秀英", "13900001002", 1},
    {"巧手裁缝铺", safety::VenueKind::kWorkshop, "陈巧云", "13900001003", 1},
    {"星空网吧", safety::VenueKind::kEntertainment, "赵磊", "13900001004", 2},
};

}  // namespace

Result<DemoSafety> LoadDemoSafety(safety::SafetyService& service, accounts::AccountsService& accounts,
                                  registry::RegistryService& registry) {
    const Actor system = accounts::AccountsService::SystemActor("demo");
    const RequestInfo info{"demo", "local"};
    DemoSafety summary;
    auto worker_found = ActorOf(accounts, registry, "grid_qhj_01");
    auto staff_found = ActorOf(accounts, registry, "staff_qhj");
    if (!worker_found || !staff_found || worker_found->scope.empty()) {
        return summary;  // no demo city
    }
    const Actor worker = std::move(*worker_found);
    const Actor staff = std::move(*staff_found);
    const int64_t grid = worker.scope.front().id;

    registry::NodeQuery buildings_q;
    buildings_q.parent_id = grid;
    buildings_q.kind = registry::NodeKind::kBuilding;
    buildings_q.sort = registry::NodeSort::kIdAsc;
    buildings_q.limit = 3;
    LINLI_ASSIGN_OR_RETURN(auto buildings, registry.List(system, buildings_q));
    if (buildings.items.empty()) {
        return summary;
    }
    // The grid's first buildings (the demo city gives 青和居's first grid two): venues and inspections
    // go round them.
    auto building = [&](size_t i) { return buildings.items[i % buildings.items.size()].id; };
    registry::NodeQuery units_q;
    units_q.parent_id = buildings.items[0].id;
    units_q.kind = registry::NodeKind::kUnit;
    units_q.sort = registry::NodeSort::kIdAsc;
    units_q.limit = 1;
    LINLI_ASSIGN_OR_RETURN(auto units, registry.List(system, units_q));

    // Venues: registered once, found by name afterwards.
    std::map<std::string, int64_t> venues;
    for (const auto& spec : kVenues) {
        safety::VenueQuery q;
        q.q = spec.name;
        LINLI_ASSIGN_OR_RETURN(auto found, service.ListVenues(worker, q));
        if (!found.items.empty()) {
            venues[spec.name] = found.items.front().id;
            continue;
        }
        safety::NewVenue v;
        v.name = spec.name;
        v.kind = spec.kind;
        v.owner_name = spec.owner;
        v.owner_phone = spec.phone;
        v.licence_no = "9244030" + std::string(spec.phone).substr(7);
        v.building_id = building(spec.building);
        LINLI_ASSIGN_OR_RETURN(auto created, service.CreateVenue(worker, v, info));
        venues[spec.name] = created.id;
        summary.created = true;
        ++summary.venues;
    }

    std::map<std::string, std::pair<int64_t, safety::TemplateVersion>> templates;
    LINLI_ASSIGN_OR_RETURN(auto listed, service.ListTemplates(worker, false, std::nullopt));
    for (const auto& t : listed) {
        if (!t.community_id) {
            LINLI_ASSIGN_OR_RETURN(auto detail, service.GetTemplate(worker, t.id, std::nullopt));
            templates[t.code] = {t.id, std::move(detail.version)};
        }
    }
    LINLI_ASSIGN_OR_RETURN(auto worker_photo, service.AddPhoto(worker, DemoPhoto(), info));
    LINLI_ASSIGN_OR_RETURN(auto staff_photo, service.AddPhoto(staff, DemoPhoto(), info));

    const int64_t now = service.Now();
    auto inspect = [&](const char* client_id, const char* code, TargetKind kind, int64_t target, const char* label,
                       int64_t ago, std::vector<int> fail, const char* fail_note) -> Result<safety::InspectionOutcome> {
        const auto& [template_id, version] = templates.at(code);
        NewInspection in;
        in.client_id = client_id;
        in.template_id = template_id;
        in.template_version = version.version;
        in.target_kind = kind;
        in.target_id = target;
        in.label = label;
        in.inspected_at = (now - ago) / 60 * 60;
        for (const auto& item : version.items) {
            NewInspectionItem a;
            a.item_id = item.id;
            const bool failed = std::find(fail.begin(), fail.end(), item.position) != fail.end();
            a.result = failed ? ItemResult::kFail : ItemResult::kPass;
            if (failed) {
                a.note = fail_note;
                a.photo_ids = {worker_photo.first.id};
            }
            in.items.push_back(std::move(a));
        }
        auto outcome = service.RecordInspection(worker, in, info);
        if (!outcome && outcome.error().code == ErrorCode::kConflict) {
            // Loaded before, at another time: the client id is taken by that inspection. Leave it as it was.
            return safety::InspectionOutcome{};
        }
        if (outcome && !outcome->replayed) {
            ++summary.inspections;
            summary.hazards += static_cast<int64_t>(outcome->detail.hazards.size());
        }
        return outcome;
    };

    // 老王面馆: no gas alarm in the kitchen ten days ago; fitted since, and signed off by the office.
    LINLI_ASSIGN_OR_RETURN(
        auto noodles, inspect("demo-qhj-safety-001", "venue_fire_safety", TargetKind::kVenue, venues["老王面馆"], "",
                              10 * kDay, {7}, "后厨使用瓶装液化气，未安装可燃气体报警器"));
    for (const auto& h : noodles.detail.hazards) {
        auto current = service.GetHazard(worker, h.id);
        if (current && current->hazard.status == safety::HazardStatus::kOpen && current->hazard.order_id) {
            safety::NewRectification r;
            r.note = "已安装可燃气体报警器并联动切断阀";
            r.photo_ids = {worker_photo.first.id};
            (void)service.Rectify(worker, h.id, r, info);
        }
        current = service.GetHazard(staff, h.id);
        if (current && current->hazard.status == safety::HazardStatus::kRectified) {
            safety::NewReinspection r;
            r.passed = true;
            r.note = "报警器工作正常";
            r.photo_ids = {staff_photo.first.id};
            (void)service.Reinspect(staff, h.id, r, info);
        }
    }
    // 好邻居便利店: e-bikes charged inside the shop (due the next day, so overdue now) and an expired
    // extinguisher.
    LINLI_TRY(inspect("demo-qhj-safety-002", "venue_fire_safety", TargetKind::kVenue, venues["好邻居便利店"], "",
                      2 * kDay, {1, 8}, "店内停放并充电电动自行车两辆；灭火器压力不足"));
    // 星空网吧: everything in order.
    LINLI_TRY(inspect("demo-qhj-safety-003", "venue_fire_safety", TargetKind::kVenue, venues["星空网吧"], "", 4 * kDay,
                      {}, ""));
    // The first building: a flying-line charger this morning, already taken down by the grid worker and
    // waiting for the second visit; its stairwell was clear five days ago.
    LINLI_ASSIGN_OR_RETURN(
        auto flying, inspect("demo-qhj-safety-004", "ebike_charging", TargetKind::kBuilding, building(0), "", 3600, {1},
                             "三楼窗口私拉电线为电动车充电（飞线充电）"));
    for (const auto& h : flying.detail.hazards) {
        auto current = service.GetHazard(worker, h.id);
        if (current && current->hazard.status == safety::HazardStatus::kOpen && current->hazard.order_id) {
            safety::NewRectification r;
            r.note = "已拆除飞线，劝导车主到小区集中充电点充电";
            r.photo_ids = {worker_photo.first.id};
            (void)service.Rectify(worker, h.id, r, info);
        }
    }
    if (!units.items.empty()) {
        LINLI_TRY(inspect("demo-qhj-safety-005", "fire_escape", TargetKind::kFireEscape, units.items.front().id,
                          "楼梯间", 5 * kDay, {}, ""));
    }
    // Another building is let room by room: a kitchen let as a bedroom.
    LINLI_TRY(inspect("demo-qhj-safety-006", "rental_building", TargetKind::kBuilding, building(1), "", 3 * kDay, {3},
                      "厨房隔出单间出租住人"));
    return summary;
}

void PrintDemoSafety(const DemoSafety& summary, std::ostream& out) {
    if (summary.created || summary.inspections > 0) {
        out << "demo: safety inspections in 青和居 第1网格 — " << summary.venues << " venues, " << summary.inspections
            << " inspections, " << summary.hazards
            << " hazards (open, overdue, waiting for re-inspection, signed off)\n";
    }
}

}  // namespace linli::app
