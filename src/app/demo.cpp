#include "app/demo.hpp"

#include <map>

#include "core/actor.hpp"
#include "modules/accounts/service.hpp"
#include "app/demo_city.hpp"
#include "core/paging.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/service.hpp"

namespace linli::app {

namespace {

struct AccountSpec {
    const char* username;
    const char* display_name;
    Role role;
    const char* scope_key;    // key into the created nodes; nullptr for everything
    const char* scope_label;  // what the console prints
};

// One account per role, each scoped the way that person works (DOMAIN.md §1, §5).
constexpr AccountSpec kAccounts[] = {
    {"admin", "系统管理员", Role::kAdmin, nullptr, "everything"},
    {"leader_heping", "和平街道 李书记", Role::kSubdistrictLeader, "subdistrict", "和平街道"},
    {"staff_qhj", "青和居 社区工作者 王芳", Role::kCommunityStaff, "qhj", "青和居社区"},
    {"grid_qhj_01", "青和居 第1网格 网格员 张敏", Role::kGridWorker, "qhj/1", "青和居社区 第1网格"},
    {"grid_lt_01", "流塘 第1网格 网格员 陈伟", Role::kGridWorker, "lt/1", "流塘社区 第1网格"},
    {"head_qhj_b1", "青和居 1号楼 楼栋长 刘阿姨", Role::kBuildingHead, "qhj/1/1", "青和居社区 1号楼"},
    {"link_qhj_u1", "青和居 1号楼1单元 联户长 赵师傅", Role::kLinkLeader, "qhj/1/1/1", "青和居社区 1号楼 1单元"},
    {"partner_bank", "共建单位 某银行网点", Role::kPartnerUnit, "qhj", "青和居社区"},
    {"volunteer_qhj", "青和居 党员志愿者 孙强", Role::kVolunteer, "qhj", "青和居社区"},
    {"resident_qhj", "青和居 居民 周大爷", Role::kResident, "qhj/1/1/1/101", "青和居社区 1号楼 1单元 101"},
    {"merchant_lt", "流塘 九小商户 吴老板", Role::kMerchant, "lt", "流塘社区"},
};

/// The exact child of `parent` named `name`, as the system sees it.
Result<int64_t> ChildNamed(registry::RegistryService& registry, const Actor& system, int64_t parent,
                           const std::string& name) {
    registry::NodeQuery query;
    query.parent_id = parent;
    query.q = name;
    query.limit = kMaxPageSize;
    LINLI_ASSIGN_OR_RETURN(auto page, registry.List(system, query));
    for (const auto& node : page.items) {
        if (node.name == name) {
            return node.id;
        }
    }
    return NotFound("demo: no node " + name + " under " + std::to_string(parent));
}

/// The demo's grid workers, building head and household-link leader, assigned as the reports
/// describe (a link leader looks after about 20 neighbouring households). The other grids and
/// buildings stay uncovered on purpose: the coverage report then has gaps to show.
Result<void> AssignCarers(registry::AssignmentService& assignments, registry::RegistryService& registry,
                          const Actor& system, const RequestInfo& info, const std::map<std::string, int64_t>& nodes,
                          const std::map<std::string, int64_t>& users) {
    auto assign = [&](registry::CareRole role, const char* user, std::vector<int64_t> node_ids) -> Result<void> {
        registry::NewAssignment a;
        a.role = role;
        a.user_id = users.at(user);
        a.node_ids = std::move(node_ids);
        LINLI_TRY(assignments.Assign(system, a, info));
        return {};
    };
    LINLI_TRY(assign(registry::CareRole::kGridWorker, "grid_qhj_01", {nodes.at("qhj/1")}));
    LINLI_TRY(assign(registry::CareRole::kGridWorker, "grid_lt_01", {nodes.at("lt/1")}));
    LINLI_TRY(assign(registry::CareRole::kBuildingHead, "head_qhj_b1", {nodes.at("qhj/1/1")}));
    registry::NodeQuery households;
    households.parent_id = nodes.at("qhj/1/1/1");
    households.sort = registry::NodeSort::kIdAsc;
    households.limit = 20;
    LINLI_ASSIGN_OR_RETURN(auto page, registry.List(system, households));
    std::vector<int64_t> ids;
    for (const auto& h : page.items) {
        ids.push_back(h.id);
    }
    return assign(registry::CareRole::kLinkLeader, "link_qhj_u1", ids);
}

}  // namespace

Result<DemoSummary> LoadDemo(accounts::AccountsService& accounts, registry::RegistryService& registry,
                             registry::ResidentService& residents, registry::AssignmentService& assignments,
                             std::ostream* progress) {
    Actor system = accounts::AccountsService::SystemActor("demo");
    RequestInfo info{"demo", "local"};
    DemoSummary summary;
    for (const auto& a : kAccounts) {
        summary.accounts.push_back({a.username, std::string(RoleName(a.role)), a.scope_label});
    }
    // Loaded already? The admin account is the last thing the demo creates.
    if (accounts.GetUserByUsername(system, "admin")) {
        return summary;
    }

    std::map<std::string, int64_t> nodes;
    auto add = [&](std::optional<int64_t> parent, registry::NodeKind kind, std::string name) -> Result<int64_t> {
        registry::NewNode node;
        node.parent_id = parent;
        node.kind = kind;
        node.name = std::move(name);
        LINLI_ASSIGN_OR_RETURN(auto created, registry.Create(system, node, info));
        ++summary.nodes;
        return created.id;
    };

    LINLI_ASSIGN_OR_RETURN(nodes["subdistrict"], add(std::nullopt, registry::NodeKind::kSubdistrict, "和平街道"));
    const std::string today = residents.Today();
    const char* keys[] = {"qhj", "lt"};
    uint64_t seed = 20260101;
    auto plans = DemoCommunities();
    for (size_t c = 0; c < plans.size(); ++c) {
        const auto& plan = plans[c];
        LINLI_ASSIGN_OR_RETURN(int64_t community, add(nodes["subdistrict"], registry::NodeKind::kCommunity, plan.name));
        nodes[keys[c]] = community;
        if (progress != nullptr) {
            *progress << "demo: " << plan.name << " — " << plan.buildings << " buildings, " << plan.residents
                      << " residents\n" << std::flush;
        }
        auto grids = GeneratePopulation(plan, today, seed++);
        for (size_t g = 0; g < grids.size(); ++g) {
            LINLI_ASSIGN_OR_RETURN(int64_t grid, add(community, registry::NodeKind::kGrid, grids[g].grid_name));
            nodes[std::string(keys[c]) + "/" + std::to_string(g + 1)] = grid;
            // The register's own import builds the buildings, units and households on the way.
            LINLI_ASSIGN_OR_RETURN(auto imported,
                                   residents.ImportResidents(system, grid, grids[g].rows, registry::ImportOptions{}, info));
            if (!imported.committed) {
                const auto& e = imported.errors.front();
                return Internal("demo: generated row " + std::to_string(e.line) + " was refused: " + e.message_en);
            }
            summary.residents += imported.inserted;
            summary.nodes += imported.nodes_created;
        }
    }
    // The small scopes of the demo accounts: building 1, its unit 1 and room 101 in 青和居's first grid.
    LINLI_ASSIGN_OR_RETURN(nodes["qhj/1/1"], ChildNamed(registry, system, nodes["qhj/1"], "1号楼"));
    LINLI_ASSIGN_OR_RETURN(nodes["qhj/1/1/1"], ChildNamed(registry, system, nodes["qhj/1/1"], "1单元"));
    LINLI_ASSIGN_OR_RETURN(nodes["qhj/1/1/1/101"], ChildNamed(registry, system, nodes["qhj/1/1/1"], "101"));

    // Accounts last, admin at the very end, so an interrupted load is redone next time.
    std::map<std::string, int64_t> user_ids;
    for (auto it = std::rbegin(kAccounts); it != std::rend(kAccounts); ++it) {
        accounts::NewUser user;
        user.username = it->username;
        user.display_name = it->display_name;
        user.password = kDemoPassword;
        user.role = it->role;
        if (it->scope_key != nullptr) {
            user.scope_node_ids = {nodes.at(it->scope_key)};
        }
        if (std::string_view(it->username) == "admin") {
            // The people who look after people, before the admin marks the demo as loaded.
            LINLI_TRY(AssignCarers(assignments, registry, system, info, nodes, user_ids));
        }
        auto created = accounts.CreateUser(system, user, info);
        if (!created && created.error().code == ErrorCode::kConflict) {
            created = accounts.GetUserByUsername(system, it->username);  // left by an interrupted load
        }
        if (!created) {
            return created.error();
        }
        user_ids[it->username] = created->id;
    }
    summary.created = true;
    return summary;
}

void PrintDemoSummary(const DemoSummary& summary, std::ostream& out) {
    if (summary.created) {
        out << "demo: created " << summary.nodes << " territory nodes and " << summary.residents
            << " residents (和平街道: 青和居社区, 流塘社区)\n";
    } else {
        out << "demo: already loaded\n";
    }
    out << "demo accounts (password " << kDemoPassword << "; change it or skip the demo in production):\n";
    for (const auto& a : summary.accounts) {
        out << "  " << a.username << std::string(16 - std::min<size_t>(15, a.username.size()), ' ') << a.role
            << " — scope " << a.scope << "\n";
    }
}

}  // namespace linli::app
