#include "modules/registry/board_routes.hpp"

#include <boost/json.hpp>
#include <string>

#include "http/json_io.hpp"

namespace linli::registry {

namespace {

namespace json = boost::json;
using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

/// Residents listed on the board must carry this tag (their consent), migration 0015.
constexpr const char* kListedTag = "board_listed";
constexpr const char* kSquadTag = "fire_squad_119";
constexpr const char* kPartyTag = "party_member";
/// The reason written with each phone revealed for the board (resident.reveal audit rows).
constexpr const char* kRevealReason = "楼栋公示牌（本人同意公示）";
/// A building's board lists at most this many consenting residents.
constexpr int kMaxListed = 200;

bool HasTag(const Resident& r, std::string_view tag) {
    for (const auto& t : r.tags) {
        if (t.tag == tag) {
            return true;
        }
    }
    return false;
}

Result<json::array> Carers(AssignmentService& assignments, const Actor& actor, int64_t node_id, CareRole role) {
    AssignmentQuery query;
    query.node_id = node_id;
    query.role = role;
    LINLI_ASSIGN_OR_RETURN(auto page, assignments.List(actor, query));
    json::array out;
    for (const auto& a : page.items) {
        // Carers are accounts, which hold no phone: the board shows the name only.
        out.push_back(json::object{{"user_id", a.user_id}, {"name", a.display_name.empty() ? a.username : a.display_name},
                                   {"phone", nullptr}});
    }
    return out;
}

Result<Response> Board(RegistryService& territory, ResidentService& residents, AssignmentService& assignments,
                       Request& req) {
    LINLI_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
    http::QueryReader query(req);
    LINLI_TRY(query.Finish());
    const Actor& actor = req.caller();
    LINLI_ASSIGN_OR_RETURN(auto building, territory.Get(actor, id));
    if (building.kind != NodeKind::kBuilding) {
        return InvalidArgument("id", "not a building");
    }
    LINLI_ASSIGN_OR_RETURN(auto heads, Carers(assignments, actor, building.id, CareRole::kBuildingHead));
    json::array grid_workers;
    if (building.parent_id) {
        // The grid may lie outside a building head's own scope; a grid worker of it is then not shown.
        auto workers = Carers(assignments, actor, *building.parent_id, CareRole::kGridWorker);
        if (workers) {
            grid_workers = std::move(*workers);
        } else if (workers.error().code != ErrorCode::kNotFound) {
            return workers.error();
        }
    }

    ResidentQuery listed;
    listed.under_node_id = building.id;
    listed.under_field = "id";
    listed.tag = kListedTag;
    listed.limit = kMaxListed;
    LINLI_ASSIGN_OR_RETURN(auto page, residents.ListResidents(actor, listed));
    json::array squad;
    json::array party;
    const RequestInfo info{req.request_id, req.remote_addr};
    for (const auto& r : page.items) {
        const bool in_squad = HasTag(r, kSquadTag);
        const bool in_party = HasTag(r, kPartyTag);
        if (!in_squad && !in_party) {
            continue;
        }
        // They agreed to be listed with their phone: revealed, and each reveal audited as usual.
        json::value phone = nullptr;
        if (r.phone_masked) {
            LINLI_ASSIGN_OR_RETURN(auto full, residents.Reveal(actor, r.id, "phone", kRevealReason, info));
            phone = json::value(full);
        }
        json::object person{{"id", r.id}, {"name", r.name}, {"phone", phone}};
        if (in_squad) {
            squad.push_back(person);
        }
        if (in_party) {
            party.push_back(std::move(person));
        }
    }
    auto response = http::JsonResponse(200, json::object{{"building", json::object{{"id", building.id},
                                                                                   {"name", building.name}}},
                                                         {"building_heads", std::move(heads)},
                                                         {"grid_workers", std::move(grid_workers)},
                                                         {"squad", std::move(squad)},
                                                         {"party_members", std::move(party)}});
    response.AddHeader("Cache-Control", "no-store");  // phones
    return response;
}

}  // namespace

void RegisterBoardRoutes(http::Router& router, RegistryService& territory, ResidentService& residents,
                         AssignmentService& assignments) {
    router.Add(
        Method::kGet, "/api/v1/buildings/{id}/board",
        AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker}),
        [&territory, &residents, &assignments](Request& req) {
            return Board(territory, residents, assignments, req);
        },
        "The building board: its head, the grid worker, the 119 squad and the listed Party members");
}

}  // namespace linli::registry
