#pragma once
/// Who is calling: the authenticated user, their role and their territorial scope.
/// Built by accounts at authentication; read by every service to filter by scope.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linli {

enum class Role {
    kAdmin,
    kSubdistrictLeader,
    kCommunityStaff,
    kGridWorker,
    kBuildingHead,
    kLinkLeader,  // household-link leader 联户长
    kPartnerUnit,
    kVolunteer,
    kResident,
    kMerchant,
};

/// "admin", "subdistrict_leader", ... as used in the API and the database.
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
const std::vector<Role>& AllRoles();

/// A territory node in a user's scope, with its materialised path ("/1/5/23/").
struct ScopeNode {
    int64_t id = 0;
    std::string path;
};

enum class CredentialKind { kSessionCookie, kBearer };

struct Actor {
    int64_t user_id = 0;
    std::string username;
    Role role = Role::kResident;
    std::vector<ScopeNode> scope;  // empty and not global: sees nothing territorial
    int64_t session_id = 0;
    CredentialKind credential = CredentialKind::kBearer;

    /// Admins see the whole territory; everyone else sees only what lies under their scope nodes.
    bool global() const { return role == Role::kAdmin; }
    /// True when `path` (a node's materialised path) lies under one of the scope nodes.
    bool CanSee(std::string_view path) const;
    bool Is(Role r) const { return role == r; }
};

}  // namespace linli

namespace linli {

/// Where a call came from, for the audit log.
struct RequestInfo {
    std::string request_id;
    std::string remote_addr;
};

}  // namespace linli
