#include "app/demo.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "app/demo_city.hpp"
#include "core/actor.hpp"
#include "core/paging.hpp"
#include "modules/accounts/service.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/service.hpp"

namespace linli::app {

namespace {

/// Threads assigning carers at once (see AssignCarers).
constexpr size_t kAssignThreads = 8;

/// Seeds the carers' plan (community c uses kCarerSeed + c), apart from the population's seeds.
constexpr uint64_t kCarerSeed = 20260201;

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

/// Every node of `kind` in the territory, by id.
Result<std::vector<registry::Node>> AllOfKind(registry::RegistryService& registry, const Actor& system,
                                              registry::NodeKind kind) {
    std::vector<registry::Node> out;
    registry::NodeQuery query;
    query.kind = kind;
    query.sort = registry::NodeSort::kIdAsc;
    query.limit = kMaxPageSize;
    for (;;) {
        LINLI_ASSIGN_OR_RETURN(auto page, registry.List(system, query));
        std::move(page.items.begin(), page.items.end(), std::back_inserter(out));
        if (!page.next_cursor) {
            return out;
        }
        query.cursor = page.next_cursor;
    }
}

/// The loaded territory of each community, grid by grid, in creation order (ids ascend in the
/// order the import created buildings, units and rooms).
Result<std::vector<std::vector<LoadedGrid>>> LoadTerritory(registry::RegistryService& registry, const Actor& system,
                                                           const std::vector<CommunityPlan>& plans,
                                                           const std::map<std::string, int64_t>& nodes) {
    std::map<int64_t, std::vector<registry::Node>> children;  // parent id → children by id
    for (auto kind : {registry::NodeKind::kBuilding, registry::NodeKind::kUnit, registry::NodeKind::kHousehold}) {
        LINLI_ASSIGN_OR_RETURN(auto all, AllOfKind(registry, system, kind));
        for (auto& node : all) {
            children[node.parent_id.value_or(0)].push_back(std::move(node));
        }
    }
    std::vector<std::vector<LoadedGrid>> out;
    for (const auto& plan : plans) {
        auto& grids = out.emplace_back();
        for (int g = 1; g <= plan.grids; ++g) {
            LoadedGrid grid;
            grid.id = nodes.at(plan.key + "/" + std::to_string(g));
            grid.name = "第" + std::to_string(g) + "网格";
            for (const auto& b : children[grid.id]) {
                LoadedBuilding building;
                building.id = b.id;
                building.name = b.name;
                for (const auto& u : children[b.id]) {
                    building.unit_names.push_back(u.name);
                    auto& households = building.units.emplace_back();
                    for (const auto& h : children[u.id]) {
                        households.push_back(h.id);
                    }
                }
                grid.buildings.push_back(std::move(building));
            }
            grids.push_back(std::move(grid));
        }
    }
    return out;
}

/// Every account's id by username (a handful of pages), so a load interrupted after the carers'
/// accounts were created finds them instead of failing on their names.
Result<std::map<std::string, int64_t>> UserIds(accounts::AccountsService& accounts, const Actor& system) {
    std::map<std::string, int64_t> ids;
    accounts::UserQuery query;
    query.limit = kMaxPageSize;
    for (;;) {
        LINLI_ASSIGN_OR_RETURN(auto page, accounts.ListUsers(system, query));
        for (const auto& u : page.items) {
            ids[u.username] = u.id;
        }
        if (!page.next_cursor) {
            return ids;
        }
        query.cursor = page.next_cursor;
    }
}

/// The post a carer's account role stands for (PlanCarers gives only these three roles).
registry::CareRole CareRoleOf(Role role) {
    if (role == Role::kBuildingHead) {
        return registry::CareRole::kBuildingHead;
    }
    if (role == Role::kLinkLeader) {
        return registry::CareRole::kLinkLeader;
    }
    return registry::CareRole::kGridWorker;
}

/// The people who look after people, across the city as the reports describe it: a grid worker
/// on every grid but one of 流塘's, a head on nearly every building of 青和居 and on about 85% of
/// 流塘's, link leaders for most of 青和居's households and about half of 流塘's. The gaps are on
/// purpose: the coverage report has something to show. The carers' accounts are created in one
/// batch with no password (one audit row); the demo accounts among them keep theirs.
Result<void> AssignCarers(accounts::AccountsService& accounts, registry::AssignmentService& assignments,
                          registry::RegistryService& registry, const Actor& system, const RequestInfo& info,
                          const std::vector<CommunityPlan>& plans, const std::map<std::string, int64_t>& nodes,
                          const std::map<std::string, int64_t>& users, DemoSummary& summary) {
    LINLI_ASSIGN_OR_RETURN(auto territory, LoadTerritory(registry, system, plans, nodes));
    std::vector<CarerPlan> carers;
    for (size_t c = 0; c < plans.size(); ++c) {
        auto planned = PlanCarers(plans[c], territory[c], kCarerSeed + c);
        // The figures the coverage report will show, counted from the plan: the report's own query
        // counts every household under every grid and takes longer than assigning them all.
        DemoCoverage& coverage = summary.coverage.emplace_back();
        coverage.community = plans[c].name;
        for (const auto& grid : territory[c]) {
            ++coverage.grids;
            for (const auto& building : grid.buildings) {
                ++coverage.buildings;
                for (const auto& unit : building.units) {
                    coverage.households += static_cast<int64_t>(unit.size());
                }
            }
        }
        for (const auto& carer : planned) {
            const auto looked_after = static_cast<int64_t>(carer.node_ids.size());
            if (carer.role == Role::kGridWorker) {
                coverage.grids_with_worker += looked_after;
            } else if (carer.role == Role::kBuildingHead) {
                coverage.buildings_with_head += looked_after;
            } else {
                coverage.households_with_link_leader += looked_after;
            }
        }
        std::move(planned.begin(), planned.end(), std::back_inserter(carers));
    }

    LINLI_ASSIGN_OR_RETURN(auto existing, UserIds(accounts, system));
    existing.insert(users.begin(), users.end());
    std::vector<accounts::NewUser> missing;
    for (const auto& carer : carers) {
        if (!existing.contains(carer.username)) {
            accounts::NewUser user;
            user.username = carer.username;
            user.display_name = carer.display_name;
            user.role = carer.role;
            user.scope_node_ids = carer.node_ids;  // what they look after is what they see
            missing.push_back(std::move(user));    // no password: nobody can log in as them yet
        }
    }
    LINLI_ASSIGN_OR_RETURN(auto created, accounts.CreateUsers(system, missing, info));
    for (const auto& user : created) {
        existing[user.username] = user.id;
    }

    // One Assign (one transaction) per carer, from several threads at once: the storage layer
    // commits concurrent writes together, so ~1,800 assignments cost a few hundred commits rather
    // than one each. Who looks after what does not depend on the order; only row ids do.
    std::atomic<size_t> next{0};
    std::mutex failure_mu;
    std::optional<Error> failure;
    std::exception_ptr crash;  // a lost database throws; main() reports it, not std::terminate
    {
        std::vector<std::jthread> workers;
        for (size_t w = 0; w < kAssignThreads; ++w) {
            workers.emplace_back([&] {
                try {
                    for (size_t i = next++; i < carers.size(); i = next++) {
                        registry::NewAssignment a;
                        a.role = CareRoleOf(carers[i].role);
                        a.user_id = existing.at(carers[i].username);
                        a.node_ids = carers[i].node_ids;
                        auto done = assignments.Assign(system, a, info);
                        if (!done) {
                            std::lock_guard lock(failure_mu);
                            failure = done.error();
                            next = carers.size();  // the others stop after their current one
                        }
                    }
                } catch (...) {
                    std::lock_guard lock(failure_mu);
                    crash = std::current_exception();
                    next = carers.size();
                }
            });
        }
    }
    if (crash) {
        std::rethrow_exception(crash);
    }
    if (failure) {
        return *failure;
    }
    for (const auto& carer : carers) {
        if (carer.role == Role::kGridWorker) {
            ++summary.grid_workers;
        } else if (carer.role == Role::kBuildingHead) {
            ++summary.building_heads;
        } else {
            ++summary.link_leaders;
        }
    }
    return {};
}

/// "5,235": figures people compare read better grouped.
std::string Grouped(int64_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return out;
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
    uint64_t seed = 20260101;
    auto plans = DemoCommunities();
    for (const auto& plan : plans) {
        LINLI_ASSIGN_OR_RETURN(int64_t community, add(nodes["subdistrict"], registry::NodeKind::kCommunity, plan.name));
        nodes[plan.key] = community;
        if (progress != nullptr) {
            *progress << "demo: " << plan.name << " — " << plan.buildings << " buildings, " << plan.residents
                      << " residents\n"
                      << std::flush;
        }
        auto grids = GeneratePopulation(plan, today, seed++);
        for (size_t g = 0; g < grids.size(); ++g) {
            LINLI_ASSIGN_OR_RETURN(int64_t grid, add(community, registry::NodeKind::kGrid, grids[g].grid_name));
            nodes[plan.key + "/" + std::to_string(g + 1)] = grid;
            // The register's own import builds the buildings, units and households on the way.
            LINLI_ASSIGN_OR_RETURN(
                auto imported, residents.ImportResidents(system, grid, grids[g].rows, registry::ImportOptions{}, info));
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
            if (progress != nullptr) {
                *progress << "demo: assigning grid workers, building heads and household-link leaders\n" << std::flush;
            }
            LINLI_TRY(AssignCarers(accounts, assignments, registry, system, info, plans, nodes, user_ids, summary));
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
        out << "demo: assigned " << summary.grid_workers << " grid workers, " << Grouped(summary.building_heads)
            << " building heads and " << Grouped(summary.link_leaders)
            << " household-link leaders (accounts without a password until an administrator sets one):\n";
        for (const auto& c : summary.coverage) {
            const double share = c.households == 0 ? 0.0
                                                   : 100.0 * static_cast<double>(c.households_with_link_leader) /
                                                         static_cast<double>(c.households);
            char percent[16];
            std::snprintf(percent, sizeof percent, "%.1f%%", share);
            out << "  " << c.community << ": grids with a worker " << c.grids_with_worker << "/" << c.grids
                << ", buildings with a head " << Grouped(c.buildings_with_head) << "/" << Grouped(c.buildings)
                << ", households with a link leader " << Grouped(c.households_with_link_leader) << "/"
                << Grouped(c.households) << " (" << percent << ")\n";
        }
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
