#include "app/demo.hpp"

#include <map>

#include "core/actor.hpp"
#include "modules/accounts/service.hpp"
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
    {"resident_qhj", "青和居 居民 周大爷", Role::kResident, "qhj/1/1/1/101", "青和居社区 1号楼 1单元 101室"},
    {"merchant_lt", "流塘 九小商户 吴老板", Role::kMerchant, "lt", "流塘社区"},
};

struct CommunitySpec {
    const char* key;
    const char* name;
    int grids;
};
constexpr CommunitySpec kCommunities[] = {
    {"qhj", "青和居社区", 3},  // public-rental community (Qinghe)
    {"lt", "流塘社区", 3},     // urban village (Liutang)
};
constexpr int kBuildingsPerGrid = 2;
constexpr int kUnitsPerBuilding = 2;
constexpr const char* kRooms[] = {"101", "102", "201", "202"};

}  // namespace

Result<DemoSummary> LoadDemo(accounts::AccountsService& accounts, registry::RegistryService& registry) {
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
    auto add = [&](const std::string& key, std::optional<int64_t> parent, registry::NodeKind kind,
                   std::string name) -> Result<void> {
        registry::NewNode node;
        node.parent_id = parent;
        node.kind = kind;
        node.name = std::move(name);
        LINLI_ASSIGN_OR_RETURN(auto created, registry.Create(system, node, info));
        nodes[key] = created.id;
        ++summary.nodes;
        return {};
    };

    LINLI_TRY(add("subdistrict", std::nullopt, registry::NodeKind::kSubdistrict, "和平街道"));
    for (const auto& c : kCommunities) {
        std::string ck = c.key;
        LINLI_TRY(add(ck, nodes["subdistrict"], registry::NodeKind::kCommunity, c.name));
        for (int g = 1; g <= c.grids; ++g) {
            std::string gk = ck + "/" + std::to_string(g);
            LINLI_TRY(add(gk, nodes[ck], registry::NodeKind::kGrid, "第" + std::to_string(g) + "网格"));
            for (int b = 1; b <= kBuildingsPerGrid; ++b) {
                int building_no = (g - 1) * kBuildingsPerGrid + b;
                std::string bk = gk + "/" + std::to_string(b);
                LINLI_TRY(add(bk, nodes[gk], registry::NodeKind::kBuilding, std::to_string(building_no) + "号楼"));
                for (int u = 1; u <= kUnitsPerBuilding; ++u) {
                    std::string uk = bk + "/" + std::to_string(u);
                    LINLI_TRY(add(uk, nodes[bk], registry::NodeKind::kUnit, std::to_string(u) + "单元"));
                    for (const char* room : kRooms) {
                        LINLI_TRY(add(uk + "/" + room, nodes[uk], registry::NodeKind::kHousehold,
                                      std::string(room) + "室"));
                    }
                }
            }
        }
    }

    // Accounts last, admin at the very end, so an interrupted load is redone next time.
    for (auto it = std::rbegin(kAccounts); it != std::rend(kAccounts); ++it) {
        accounts::NewUser user;
        user.username = it->username;
        user.display_name = it->display_name;
        user.password = kDemoPassword;
        user.role = it->role;
        if (it->scope_key != nullptr) {
            user.scope_node_ids = {nodes.at(it->scope_key)};
        }
        auto created = accounts.CreateUser(system, user, info);
        if (!created && created.error().code != ErrorCode::kConflict) {
            return created.error();
        }
    }
    summary.created = true;
    return summary;
}

void PrintDemoSummary(const DemoSummary& summary, std::ostream& out) {
    if (summary.created) {
        out << "demo: created " << summary.nodes << " territory nodes (和平街道: 青和居社区, 流塘社区)\n";
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
