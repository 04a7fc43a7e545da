#include "modules/accounts/repository.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <span>
#include <string>
#include <utility>

#include "modules/accounts/password.hpp"

namespace linli::accounts::repo {

using storage::Conn;
using storage::Param;
using storage::Row;

namespace {

constexpr std::string_view kUserColumns =
    "id, username, display_name, role, status, failed_logins, locked_until, password_changed_at, created_at, "
    "updated_at, password_hash";

Role RoleFrom(const std::string& name) {
    auto role = ParseRole(name);
    if (!role) {
        // Only code writes this column, from ParseRole: anything else is a corrupt row.
        throw storage::DatabaseError("users.role holds an unknown role: " + name);
    }
    return *role;
}

UserStatus StatusFrom(const std::string& name) {
    auto status = ParseUserStatus(name);
    if (!status) {
        throw storage::DatabaseError("users.status holds an unknown status: " + name);
    }
    return *status;
}

UserRecord UserFromRow(const Row& row) {
    UserRecord r;
    r.user.id = row.Int(0);
    r.user.username = row.Text(1);
    r.user.display_name = row.Text(2);
    r.user.role = RoleFrom(row.Text(3));
    r.user.status = StatusFrom(row.Text(4));
    r.user.failed_logins = row.Int(5);
    r.user.locked_until = row.OptInt(6);
    r.user.password_changed_at = row.OptInt(7);
    r.user.created_at = row.Int(8);
    r.user.updated_at = row.Int(9);
    r.password_hash = row.Text(10);
    return r;
}

Result<std::optional<UserRecord>> FindUserWhere(Conn& conn, std::string_view where, Param key) {
    std::string sql = "SELECT " + std::string(kUserColumns) + " FROM users WHERE " + std::string(where);
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, {std::move(key)}));
    if (rows.empty()) {
        return std::optional<UserRecord>{};
    }
    UserRecord record = UserFromRow(rows.front());
    LINLI_ASSIGN_OR_RETURN(record.user.scope_node_ids, ScopeNodeIds(conn, record.user.id));
    return std::optional<UserRecord>(std::move(record));
}

/// "$n" for the next parameter.
std::string Placeholder(const std::vector<Param>& params) {
    return "$" + std::to_string(params.size());
}

/// Escapes LIKE wildcards so that user text matches literally (with ESCAPE '\').
std::string LikeContains(std::string_view s) {
    std::string out = "%";
    for (char c : s) {
        if (c == '%' || c == '_' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    out.push_back('%');
    return out;
}

int ClampLimit(int limit) {
    return std::clamp(limit, 1, kMaxPageSize);
}

ApiToken ApiTokenFromRow(const Row& row) {
    ApiToken t;
    t.id = row.Int(0);
    t.user_id = row.Int(1);
    t.username = row.Text(2);
    t.name = row.Text(3);
    t.created_at = row.Int(4);
    t.last_seen_at = row.Int(5);
    t.expires_at = row.OptInt(6);
    return t;
}

constexpr std::string_view kApiTokenColumns =
    "s.id, s.user_id, u.username, s.name, s.created_at, s.last_seen_at, s.expires_at";

}  // namespace

Result<std::optional<int64_t>> ParseIdCursor(const std::optional<std::string>& cursor) {
    if (!cursor || cursor->empty()) {
        return std::optional<int64_t>{};
    }
    int64_t id = 0;
    const char* end = cursor->data() + cursor->size();
    auto [ptr, ec] = std::from_chars(cursor->data(), end, id);
    if (ec != std::errc() || ptr != end || id <= 0) {
        return InvalidArgument("cursor", "malformed cursor");
    }
    return std::optional<int64_t>(id);
}

// ---- users -----------------------------------------------------------------------------------

Result<std::vector<int64_t>> ScopeNodeIds(Conn& conn, int64_t user_id) {
    LINLI_ASSIGN_OR_RETURN(
        auto rows, conn.Query("SELECT node_id FROM user_scopes WHERE user_id = $1 ORDER BY node_id", {user_id}));
    std::vector<int64_t> ids;
    ids.reserve(rows.size());
    for (const auto& row : rows) {
        ids.push_back(row.Int(0));
    }
    return ids;
}

Result<std::optional<UserRecord>> FindUserByUsername(Conn& conn, std::string_view username) {
    return FindUserWhere(conn, "username = $1", Param(username));
}

Result<std::optional<UserRecord>> FindUserById(Conn& conn, int64_t id) {
    return FindUserWhere(conn, "id = $1", Param(id));
}

Result<int64_t> InsertUser(Conn& conn, const NewUser& user, std::string_view password_hash, int64_t now) {
    // An account without a password has never had one set: password_changed_at stays NULL.
    std::optional<int64_t> password_changed_at;
    if (password_hash != kNoPasswordHash) {
        password_changed_at = now;
    }
    auto rows = conn.Query(
        "INSERT INTO users (username, display_name, password_hash, role, status, failed_logins, password_changed_at, "
        "created_at, updated_at) VALUES ($1, $2, $3, $4, 'active', 0, $5, $6, $6) RETURNING id",
        {user.username, user.display_name, password_hash, RoleName(user.role), password_changed_at, now});
    if (!rows) {
        if (rows.error().code == ErrorCode::kConflict) {
            return Conflict("username \"" + user.username + "\" is already taken", "username");
        }
        return rows.error();
    }
    return rows->front().Int(0);
}

Result<void> ReplaceScopes(Conn& conn, int64_t user_id, const std::vector<int64_t>& node_ids) {
    LINLI_TRY(conn.Exec("DELETE FROM user_scopes WHERE user_id = $1", {user_id}));
    for (int64_t node_id : node_ids) {
        auto inserted = conn.Exec("INSERT INTO user_scopes (user_id, node_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                  {user_id, node_id});
        if (!inserted) {
            if (inserted.error().code == ErrorCode::kInvalidArgument) {
                // The foreign key to territory_nodes: the node vanished since the service checked it.
                return InvalidArgument("scope_node_ids", "no territory node " + std::to_string(node_id));
            }
            return inserted.error();
        }
    }
    return {};
}

Result<void> UpdateProfile(Conn& conn, int64_t user_id, std::string_view display_name, Role role, int64_t now) {
    LINLI_TRY(conn.Exec("UPDATE users SET display_name = $2, role = $3, updated_at = $4 WHERE id = $1",
                        {user_id, display_name, RoleName(role), now}));
    return {};
}

Result<void> SetStatus(Conn& conn, int64_t user_id, UserStatus status, int64_t now) {
    LINLI_TRY(conn.Exec("UPDATE users SET status = $2, updated_at = $3 WHERE id = $1",
                        {user_id, UserStatusName(status), now}));
    return {};
}

Result<void> SetPasswordHash(Conn& conn, int64_t user_id, std::string_view hash, int64_t now, bool reset_lock) {
    if (reset_lock) {
        LINLI_TRY(conn.Exec(
            "UPDATE users SET password_hash = $2, password_changed_at = $3, updated_at = $3, failed_logins = 0, "
            "locked_until = NULL WHERE id = $1",
            {user_id, hash, now}));
    } else {
        // A transparent rehash at login: the password itself did not change.
        LINLI_TRY(conn.Exec("UPDATE users SET password_hash = $2 WHERE id = $1", {user_id, hash}));
    }
    return {};
}

Result<int64_t> RecordFailedLogin(Conn& conn, int64_t user_id, int64_t now) {
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("UPDATE users SET failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 "
                   "ELSE failed_logins + 1 END, locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= "
                   "$2 THEN NULL ELSE locked_until END WHERE id = $1 RETURNING failed_logins",
                   {user_id, now}));
    if (rows.empty()) {
        return NotFound("no such user");
    }
    return rows.front().Int(0);
}

Result<void> LockUntil(Conn& conn, int64_t user_id, int64_t until) {
    LINLI_TRY(conn.Exec("UPDATE users SET locked_until = $2 WHERE id = $1", {user_id, until}));
    return {};
}

Result<void> ClearFailedLogins(Conn& conn, int64_t user_id) {
    LINLI_TRY(conn.Exec("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1", {user_id}));
    return {};
}

Result<Page<User>> ListUsers(Conn& conn, const UserQuery& query) {
    LINLI_ASSIGN_OR_RETURN(auto after, ParseIdCursor(query.cursor));
    int limit = ClampLimit(query.limit);
    std::vector<Param> params;
    std::string sql = "SELECT " + std::string(kUserColumns) + " FROM users WHERE 1 = 1";
    if (after) {
        params.emplace_back(*after);
        sql += " AND id > " + Placeholder(params);
    }
    if (query.role) {
        params.emplace_back(RoleName(*query.role));
        sql += " AND role = " + Placeholder(params);
    }
    if (query.status) {
        params.emplace_back(UserStatusName(*query.status));
        sql += " AND status = " + Placeholder(params);
    }
    if (query.q && !query.q->empty()) {
        params.emplace_back(LikeContains(*query.q));
        std::string p = Placeholder(params);
        sql += " AND (LOWER(username) LIKE LOWER(" + p + ") ESCAPE '\\' OR LOWER(display_name) LIKE LOWER(" + p +
               ") ESCAPE '\\')";
    }
    params.emplace_back(static_cast<int64_t>(limit) + 1);
    sql += " ORDER BY id LIMIT " + Placeholder(params);
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));

    Page<User> page;
    for (const auto& row : rows) {
        if (static_cast<int>(page.items.size()) == limit) {
            page.next_cursor = std::to_string(page.items.back().id);
            break;
        }
        page.items.push_back(UserFromRow(row).user);
    }
    if (page.items.empty()) {
        return page;
    }
    // One query for the page's scopes: every user id in the page lies within [first, last].
    LINLI_ASSIGN_OR_RETURN(auto scope_rows,
                           conn.Query("SELECT user_id, node_id FROM user_scopes WHERE user_id >= $1 AND user_id <= $2 "
                                      "ORDER BY user_id, node_id",
                                      {page.items.front().id, page.items.back().id}));
    std::map<int64_t, std::vector<int64_t>> scopes;
    for (const auto& row : scope_rows) {
        scopes[row.Int(0)].push_back(row.Int(1));
    }
    for (auto& user : page.items) {
        if (auto it = scopes.find(user.id); it != scopes.end()) {
            user.scope_node_ids = std::move(it->second);
        }
    }
    return page;
}

// ---- sessions and API tokens -------------------------------------------------------------------

Result<std::optional<SessionRecord>> FindSessionByTokenHash(Conn& conn, std::string_view token_hash) {
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("SELECT s.id, s.user_id, s.kind, s.name, s.csrf_hash, s.created_at, s.last_seen_at, s.expires_at, "
                   "s.revoked_at, u.username, u.role, u.status FROM sessions s JOIN users u ON u.id = s.user_id "
                   "WHERE s.token_hash = $1",
                   {token_hash}));
    if (rows.empty()) {
        return std::optional<SessionRecord>{};
    }
    const Row& row = rows.front();
    SessionRecord s;
    s.id = row.Int(0);
    s.user_id = row.Int(1);
    auto kind = ParseSessionKind(row.Text(2));
    if (!kind) {
        throw storage::DatabaseError("sessions.kind holds an unknown kind: " + row.Text(2));
    }
    s.kind = *kind;
    s.name = row.Text(3);
    s.csrf_hash = row.OptText(4);
    s.created_at = row.Int(5);
    s.last_seen_at = row.Int(6);
    s.expires_at = row.OptInt(7);
    s.revoked_at = row.OptInt(8);
    s.username = row.Text(9);
    s.role = RoleFrom(row.Text(10));
    s.user_status = StatusFrom(row.Text(11));
    return std::optional<SessionRecord>(std::move(s));
}

Result<int64_t> InsertSession(Conn& conn, const NewSession& session) {
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("INSERT INTO sessions (token_hash, user_id, kind, name, csrf_hash, created_at, last_seen_at, "
                   "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
                   {session.token_hash, session.user_id, SessionKindName(session.kind), session.name, session.csrf_hash,
                    session.now, session.expires_at}));
    return rows.front().Int(0);
}

Result<void> TouchSession(Conn& conn, int64_t session_id, int64_t now) {
    LINLI_TRY(
        conn.Exec("UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2 AND revoked_at IS NULL",
                  {session_id, now}));
    return {};
}

Result<int64_t> RevokeSession(Conn& conn, int64_t session_id, int64_t now) {
    return conn.Exec("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", {session_id, now});
}

Result<int64_t> RevokeUserSessions(Conn& conn, int64_t user_id, int64_t now, std::optional<int64_t> except) {
    // 0 is never an id, so one statement serves both cases.
    return conn.Exec("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND id <> $3",
                     {user_id, now, except.value_or(0)});
}

Result<std::optional<ApiToken>> FindApiToken(Conn& conn, int64_t id) {
    std::string sql = "SELECT " + std::string(kApiTokenColumns) +
                      " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.kind = 'api' AND "
                      "s.revoked_at IS NULL";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, {id}));
    if (rows.empty()) {
        return std::optional<ApiToken>{};
    }
    return std::optional<ApiToken>(ApiTokenFromRow(rows.front()));
}

Result<Page<ApiToken>> ListApiTokens(Conn& conn, std::optional<int64_t> user_id,
                                     const std::optional<std::string>& cursor, int limit) {
    LINLI_ASSIGN_OR_RETURN(auto before, ParseIdCursor(cursor));
    limit = ClampLimit(limit);
    std::vector<Param> params;
    std::string sql = "SELECT " + std::string(kApiTokenColumns) +
                      " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.kind = 'api' AND s.revoked_at IS NULL";
    if (user_id) {
        params.emplace_back(*user_id);
        sql += " AND s.user_id = " + Placeholder(params);
    }
    if (before) {
        params.emplace_back(*before);
        sql += " AND s.id < " + Placeholder(params);
    }
    params.emplace_back(static_cast<int64_t>(limit) + 1);
    sql += " ORDER BY s.id DESC LIMIT " + Placeholder(params);
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    Page<ApiToken> page;
    for (const auto& row : rows) {
        if (static_cast<int>(page.items.size()) == limit) {
            page.next_cursor = std::to_string(page.items.back().id);
            break;
        }
        page.items.push_back(ApiTokenFromRow(row));
    }
    return page;
}

}  // namespace linli::accounts::repo
