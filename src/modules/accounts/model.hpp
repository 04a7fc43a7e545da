#pragma once
/// Accounts: users, roles, scopes, sessions and API tokens, as plain values.
/// Password hashes and token hashes never appear here; they stay inside the repository.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/actor.hpp"
#include "core/paging.hpp"

namespace linli::accounts {

enum class UserStatus { kActive, kDisabled };

/// "active" / "disabled", as stored and as used in the API.
inline std::string_view UserStatusName(UserStatus status) {
    return status == UserStatus::kActive ? "active" : "disabled";
}
inline std::optional<UserStatus> ParseUserStatus(std::string_view name) {
    if (name == "active") {
        return UserStatus::kActive;
    }
    if (name == "disabled") {
        return UserStatus::kDisabled;
    }
    return std::nullopt;
}

/// What a credential row is: a console login (cookie + CSRF), a bearer login, or a named API token.
enum class SessionKind { kSession, kBearer, kApi };

/// "session" / "bearer" / "api", as stored.
inline std::string_view SessionKindName(SessionKind kind) {
    switch (kind) {
        case SessionKind::kSession:
            return "session";
        case SessionKind::kBearer:
            return "bearer";
        case SessionKind::kApi:
            return "api";
    }
    return "session";
}
inline std::optional<SessionKind> ParseSessionKind(std::string_view name) {
    for (SessionKind k : {SessionKind::kSession, SessionKind::kBearer, SessionKind::kApi}) {
        if (SessionKindName(k) == name) {
            return k;
        }
    }
    return std::nullopt;
}

/// A user account as the API shows it.
struct User {
    int64_t id = 0;
    std::string username;  // lower case, [a-z0-9_.-]{3,64}
    std::string display_name;
    Role role = Role::kResident;
    UserStatus status = UserStatus::kActive;
    std::vector<int64_t> scope_node_ids;  // ascending
    int64_t failed_logins = 0;
    std::optional<int64_t> locked_until;         // set while (or after) locked; compare with now
    std::optional<int64_t> password_changed_at;  // none: no password yet, so no login until an admin sets one
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

/// Input of AccountsService::CreateUser.
struct NewUser {
    std::string username;
    std::string display_name;  // defaults to the username when empty
    /// None: the account gets no usable password; every login fails like a wrong password until an
    /// administrator sets one (UserPatch::password). For people registered by others, e.g. carers.
    std::optional<std::string> password;
    Role role = Role::kResident;
    std::vector<int64_t> scope_node_ids;
};

/// Input of AccountsService::UpdateUser: absent fields stay as they are.
struct UserPatch {
    std::optional<std::string> display_name;
    std::optional<Role> role;
    std::optional<std::vector<int64_t>> scope_node_ids;
    std::optional<UserStatus> status;
    std::optional<std::string> password;  // an administrator's reset
};

/// Filters of AccountsService::ListUsers; ordered by id, keyset paged.
struct UserQuery {
    std::optional<Role> role;
    std::optional<UserStatus> status;
    std::optional<std::string> q;  // substring of username or display name
    std::optional<std::string> cursor;
    int limit = kDefaultPageSize;
};

/// What a successful login hands back. `token` and `csrf_token` are shown once: only hashes are kept.
struct LoginResult {
    std::string token;
    std::string csrf_token;  // empty for a bearer login
    int64_t expires_at = 0;  // absolute expiry; idle expiry may come first
    User user;
};

/// A credential presented by a request, and where it came from.
struct Credentials {
    std::string token;
    CredentialKind kind = CredentialKind::kBearer;  // cookie ⇒ console session; Authorization ⇒ bearer/api
    bool unsafe_method = false;                     // POST, PUT, PATCH, DELETE: a cookie needs the CSRF header
    std::optional<std::string> csrf_header;
};

/// A named API token (never its secret).
struct ApiToken {
    int64_t id = 0;
    int64_t user_id = 0;
    std::string username;
    std::string name;
    int64_t created_at = 0;
    int64_t last_seen_at = 0;
    std::optional<int64_t> expires_at;  // none: does not expire
};

/// A freshly created API token: `token` is the secret, shown this once.
struct NewApiToken {
    ApiToken info;
    std::string token;
};

/// Filters of AccountsService::ListApiTokens; newest first, keyset paged by id.
struct ApiTokenQuery {
    bool all_users = false;  // admin only: everyone's tokens, not just the caller's
    std::optional<std::string> cursor;
    int limit = kDefaultPageSize;
};

}  // namespace linli::accounts
