#include "core/actor.hpp"

#include <array>

namespace linli {

namespace {
constexpr std::array<std::pair<Role, std::string_view>, 10> kRoleNames{{
    {Role::kAdmin, "admin"},
    {Role::kSubdistrictLeader, "subdistrict_leader"},
    {Role::kCommunityStaff, "community_staff"},
    {Role::kGridWorker, "grid_worker"},
    {Role::kBuildingHead, "building_head"},
    {Role::kLinkLeader, "link_leader"},
    {Role::kPartnerUnit, "partner_unit"},
    {Role::kVolunteer, "volunteer"},
    {Role::kResident, "resident"},
    {Role::kMerchant, "merchant"},
}};
}  // namespace

std::string_view RoleName(Role role) {
    for (const auto& [r, name] : kRoleNames) {
        if (r == role) {
            return name;
        }
    }
    return "resident";
}

std::optional<Role> ParseRole(std::string_view name) {
    for (const auto& [r, n] : kRoleNames) {
        if (n == name) {
            return r;
        }
    }
    return std::nullopt;
}

const std::vector<Role>& AllRoles() {
    static const std::vector<Role> roles = [] {
        std::vector<Role> v;
        for (const auto& [r, name] : kRoleNames) {
            v.push_back(r);
        }
        return v;
    }();
    return roles;
}

bool Actor::CanSee(std::string_view path) const {
    if (global()) {
        return true;
    }
    for (const auto& node : scope) {
        if (path.starts_with(node.path)) {
            return true;
        }
    }
    return false;
}

}  // namespace linli
