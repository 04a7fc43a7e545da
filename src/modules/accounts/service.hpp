#pragma once
/// Accounts rules: login with lockout, session and token authentication, user administration,
/// API tokens and the audit log. Every write and its audit row commit in one transaction.
///
/// Thread safety: all methods may be called concurrently; the service holds no mutable state.

#include <cstdint>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/paging.hpp"
#include "modules/accounts/audit.hpp"
#include "modules/accounts/model.hpp"
#include "modules/accounts/password.hpp"
#include "modules/accounts/repository.hpp"
#include "storage/database.hpp"

namespace linli::accounts {

struct AccountsOptions {
    int64_t idle_timeout_s = 1800;       // a session or bearer login unused this long is over
    int64_t absolute_timeout_s = 43200;  // and any of them is over this long after login
    int max_failed_logins = 5;           // consecutive wrong passwords before a lock
    int64_t lock_seconds = 900;
    PasswordCost cost = PasswordCost::Interactive();
};

/// Resolves territory node ids to nodes with their paths (given by the app: the registry owns them).
/// Returns only the nodes that exist; an id it does not return is unknown.
using ScopeResolver = std::function<Result<std::vector<ScopeNode>>(const std::vector<int64_t>& node_ids)>;

/// Seconds between last_seen_at updates: reads would otherwise write on every request.
constexpr int64_t kTouchIntervalSeconds = 60;

/// Seconds an authenticated credential is remembered in-process, so a burst of requests does not
/// read the session on each one. This instance forgets at once on logout, revocation and any user
/// change; another instance sharing the database sees those within this many seconds.
constexpr int64_t kSessionCacheSeconds = 2;

class AccountsService {
public:
    /// REQUIRES: `db` and `clock` outlive the service; `db` is migrated.
    AccountsService(storage::Database& db, const Clock& clock, AccountsOptions options, ScopeResolver resolver);

    const AccountsOptions& options() const { return options_; }

    /// The command line's actor: an administrator with user id 0 (audited with no actor user id).
    static Actor SystemActor(std::string name = "cli");

    // ---- authentication ------------------------------------------------------------------------

    /// Checks the password and opens a session (cookie + CSRF token) or, with `bearer`, a bearer
    /// login. Wrong username or password: 401; a locked account: kLocked (423), even with the right
    /// password; `max_failed_logins` wrong passwords in a row lock the account for `lock_seconds`.
    /// An account without a password (NewUser::password absent) refuses every password this way.
    /// Failures are audited and their counters committed although the call returns an error.
    Result<LoginResult> Login(std::string_view username, std::string_view password, bool bearer,
                              const RequestInfo& info);

    /// The caller behind a credential: 401 for unknown, revoked, expired or wrong-kind credentials
    /// and disabled users; 403 (field "X-CSRF-Token") for a cookie on an unsafe method without the
    /// matching CSRF header.
    Result<Actor> Authenticate(const Credentials& credentials);

    /// Revokes the caller's current session or bearer login.
    Result<void> Logout(const Actor& actor, const RequestInfo& info);

    // ---- users (administrators; GetUser also for oneself) ----------------------------------------

    /// Creates one account, audited as user.create. Without NewUser::password the account has no
    /// usable password (kNoPasswordHash, password_changed_at none) until an UpdateUser sets one.
    Result<User> CreateUser(const Actor& actor, const NewUser& user, const RequestInfo& info);
    /// Creates many accounts in one transaction, all or none, checked like CreateUser; for bulk
    /// loads (the demo's carers) where a write and an audit row per account would be slow. One
    /// audit row, user.create_batch, names the count, the roles and the id range. Returns the
    /// accounts in the given order. Accounts without a password cost no hashing at all.
    Result<std::vector<User>> CreateUsers(const Actor& actor, const std::vector<NewUser>& users,
                                          const RequestInfo& info);
    Result<Page<User>> ListUsers(const Actor& actor, const UserQuery& query);
    Result<User> GetUser(const Actor& actor, int64_t user_id);
    Result<User> GetUserByUsername(const Actor& actor, std::string_view username);
    /// Disabling a user or resetting their password revokes all their sessions and API tokens.
    /// An administrator may neither disable nor change the role of their own account.
    Result<User> UpdateUser(const Actor& actor, int64_t user_id, const UserPatch& patch, const RequestInfo& info);
    /// Clears failed logins and any lock.
    Result<User> Unlock(const Actor& actor, int64_t user_id, const RequestInfo& info);

    // ---- API tokens ------------------------------------------------------------------------------

    /// A named bearer token for integrations, acting as `actor`'s user; expires after
    /// `expires_in_days` (1..3650) or never when absent. The secret is in the result only.
    Result<NewApiToken> CreateApiToken(const Actor& actor, std::string_view name,
                                       std::optional<int64_t> expires_in_days, const RequestInfo& info);
    /// The caller's live tokens; an administrator with `all_users` sees everyone's.
    Result<Page<ApiToken>> ListApiTokens(const Actor& actor, const ApiTokenQuery& query);
    /// Own tokens, or anyone's for an administrator; another user's token is 404 to others.
    Result<void> RevokeApiToken(const Actor& actor, int64_t token_id, const RequestInfo& info);

    // ---- audit -----------------------------------------------------------------------------------

    /// Administrators only.
    Result<Page<AuditRecord>> ListAudit(const Actor& actor, const AuditQuery& query);

    /// The scope nodes of `node_ids` through the resolver (for /auth/me and other modules).
    Result<std::vector<ScopeNode>> ResolveScope(const std::vector<int64_t>& node_ids) const;

private:
    Result<void> RequireAdmin(const Actor& actor) const;
    /// Username, display name and password (when given) normalized and checked; scope untouched.
    Result<NewUser> CheckNewUser(const NewUser& input) const;
    /// The Argon2id hash of the user's password, or kNoPasswordHash without one.
    Result<std::string> HashFor(const NewUser& user) const;
    /// Deduplicates and sorts `ids`, and checks every one names a territory node.
    Result<std::vector<int64_t>> ValidateScope(std::vector<int64_t> ids) const;

    storage::Database& db_;
    const Clock& clock_;
    AccountsOptions options_;
    ScopeResolver resolver_;
    std::string dummy_hash_;  // verified against for unknown users, so timing does not reveal them

    struct CachedSession {
        repo::SessionRecord session;
        std::vector<int64_t> scope_ids;
        int64_t cached_at = 0;
    };
    std::optional<CachedSession> CachedLookup(const std::string& token_hash, int64_t now) const;
    void Remember(const std::string& token_hash, CachedSession entry);
    /// Drops every remembered credential (after logout, revocation, user changes: all rare).
    void ForgetSessions();

    mutable std::shared_mutex cache_mu_;
    std::unordered_map<std::string, CachedSession> cache_;
};

/// "2024-05-01T08:00:00Z".
std::string FormatUtc(int64_t epoch_seconds);

/// Trims and lower-cases a username as stored; REQUIRES nothing (any bytes).
std::string NormalizeUsername(std::string_view username);

}  // namespace linli::accounts
