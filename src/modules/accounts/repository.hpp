#pragma once
/// The accounts module's only SQL: users, user_scopes and sessions (audit_log is in audit.cpp).
/// PostgreSQL-style $n placeholders; every statement runs unchanged on SQLite and PostgreSQL.
/// Functions take the caller's connection, so a service composes them inside one transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/paging.hpp"
#include "modules/accounts/model.hpp"
#include "storage/database.hpp"

namespace linli::accounts::repo {

/// A user with the secret the API never shows.
struct UserRecord {
    User user;
    std::string password_hash;
};

/// A session, bearer login or API token row, with its owner's current state.
struct SessionRecord {
    int64_t id = 0;
    int64_t user_id = 0;
    SessionKind kind = SessionKind::kSession;
    std::string name;
    std::optional<std::string> csrf_hash;
    int64_t created_at = 0;
    int64_t last_seen_at = 0;
    std::optional<int64_t> expires_at;
    std::optional<int64_t> revoked_at;
    std::string username;
    Role role = Role::kResident;
    UserStatus user_status = UserStatus::kActive;
};

struct NewSession {
    std::string token_hash;
    int64_t user_id = 0;
    SessionKind kind = SessionKind::kSession;
    std::string name;
    std::optional<std::string> csrf_hash;
    int64_t now = 0;
    std::optional<int64_t> expires_at;
};

/// A keyset cursor holding one id; a malformed one is 400 naming "cursor".
Result<std::optional<int64_t>> ParseIdCursor(const std::optional<std::string>& cursor);

// ---- users -----------------------------------------------------------------------------------

/// Users come back with their scope node ids filled in.
Result<std::optional<UserRecord>> FindUserByUsername(storage::Conn& conn, std::string_view username);
Result<std::optional<UserRecord>> FindUserById(storage::Conn& conn, int64_t id);
/// The user's scope node ids, ascending.
Result<std::vector<int64_t>> ScopeNodeIds(storage::Conn& conn, int64_t user_id);

/// Inserts the user (not its scopes); kConflict naming "username" when taken. With kNoPasswordHash
/// as `password_hash`, password_changed_at stays NULL (no password set yet).
Result<int64_t> InsertUser(storage::Conn& conn, const NewUser& user, std::string_view password_hash, int64_t now);
/// Replaces the user's scope rows with `node_ids`.
Result<void> ReplaceScopes(storage::Conn& conn, int64_t user_id, const std::vector<int64_t>& node_ids);

Result<void> UpdateProfile(storage::Conn& conn, int64_t user_id, std::string_view display_name, Role role, int64_t now);
Result<void> SetStatus(storage::Conn& conn, int64_t user_id, UserStatus status, int64_t now);
/// Stores a new hash; `reset_lock` also clears failed logins and any lock (an administrator's reset).
Result<void> SetPasswordHash(storage::Conn& conn, int64_t user_id, std::string_view hash, int64_t now, bool reset_lock);

/// Counts one more failed login (starting again from 1 when an old lock has run out) and returns
/// the new count. One statement, so concurrent attempts cannot lose a count.
Result<int64_t> RecordFailedLogin(storage::Conn& conn, int64_t user_id, int64_t now);
Result<void> LockUntil(storage::Conn& conn, int64_t user_id, int64_t until);
/// failed_logins = 0, locked_until = NULL.
Result<void> ClearFailedLogins(storage::Conn& conn, int64_t user_id);

/// Ordered by id; `query.cursor` is the last id of the previous page.
Result<Page<User>> ListUsers(storage::Conn& conn, const UserQuery& query);

// ---- sessions and API tokens -------------------------------------------------------------------

Result<std::optional<SessionRecord>> FindSessionByTokenHash(storage::Conn& conn, std::string_view token_hash);
Result<int64_t> InsertSession(storage::Conn& conn, const NewSession& session);
/// Moves last_seen_at forward (never back).
Result<void> TouchSession(storage::Conn& conn, int64_t session_id, int64_t now);
/// Returns how many rows were revoked (0 when already revoked or absent).
Result<int64_t> RevokeSession(storage::Conn& conn, int64_t session_id, int64_t now);
/// Revokes every live credential of the user (sessions, bearer logins, API tokens) but `except`.
Result<int64_t> RevokeUserSessions(storage::Conn& conn, int64_t user_id, int64_t now,
                                   std::optional<int64_t> except = std::nullopt);

/// A live (not revoked) API token by id.
Result<std::optional<ApiToken>> FindApiToken(storage::Conn& conn, int64_t id);
/// Live API tokens, newest first; only `user_id`'s when given.
Result<Page<ApiToken>> ListApiTokens(storage::Conn& conn, std::optional<int64_t> user_id,
                                     const std::optional<std::string>& cursor, int limit);

}  // namespace linli::accounts::repo
