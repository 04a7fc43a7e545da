#include "modules/accounts/service.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <utility>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "modules/accounts/json.hpp"
#include "modules/accounts/repository.hpp"

namespace linli::accounts {

using storage::Conn;

namespace {

constexpr std::string_view kWrongCredentials = "wrong username or password";
constexpr size_t kMaxUsernameChars = 64;
constexpr size_t kMinUsernameChars = 3;
constexpr size_t kMaxDisplayNameChars = 64;
constexpr size_t kMaxTokenNameChars = 100;
constexpr int64_t kMaxTokenDays = 3650;
constexpr int64_t kSecondsPerDay = 86400;
// Far longer than any token we issue (43 characters); hashing megabytes of junk is pointless.
constexpr size_t kMaxPresentedToken = 512;

Error InvalidSession() {
    return Unauthenticated("invalid session");
}
Error SessionExpired() {
    return {ErrorCode::kUnauthenticated, "session expired", "session"};
}

/// At most `max_chars` code points of `s`, cut on a character boundary.
std::string TruncateChars(std::string_view s, size_t max_chars) {
    size_t chars = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            if (chars == max_chars) {
                return std::string(s.substr(0, i));
            }
            ++chars;
        }
    }
    return std::string(s);
}

bool IsUsernameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

Result<void> CheckUsername(const std::string& username) {
    bool ok = username.size() >= kMinUsernameChars && username.size() <= kMaxUsernameChars &&
              std::all_of(username.begin(), username.end(), IsUsernameChar);
    if (!ok) {
        return InvalidArgument("username", "username must be 3 to 64 characters of a-z, 0-9, '_', '.' and '-'");
    }
    return {};
}

/// Trimmed text of 1..max_chars characters without control characters.
Result<std::string> CleanText(std::string_view field, std::string_view value, size_t max_chars) {
    if (!text::IsValidUtf8(value)) {
        return InvalidArgument(std::string(field), std::string(field) + " is not valid UTF-8");
    }
    std::string trimmed = text::Trim(value);
    if (text::HasControlChars(trimmed) || trimmed.find_first_of("\r\n\t") != std::string::npos) {
        return InvalidArgument(std::string(field), std::string(field) + " must not contain control characters");
    }
    size_t chars = text::CodePointCount(trimmed);
    if (chars == 0) {
        return InvalidArgument(std::string(field), std::string(field) + " must not be empty");
    }
    if (chars > max_chars) {
        return InvalidArgument(std::string(field), fmt::format("{} must have at most {} characters", field, max_chars));
    }
    return trimmed;
}

Actor ActorOf(const User& user) {
    Actor a;
    a.user_id = user.id;
    a.username = user.username;
    a.role = user.role;
    return a;
}

/// The audit row of a refused login: nobody is authenticated, so the actor is the name typed.
AuditRecord FailedLoginAudit(std::string_view given_name, const RequestInfo& info, int64_t now,
                             std::optional<int64_t> user_id, std::string reason, std::string result) {
    Actor anonymous;
    // PostgreSQL refuses invalid UTF-8 in TEXT; the API never passes any, but a direct caller might.
    anonymous.username = text::IsValidUtf8(given_name) ? TruncateChars(given_name, kMaxUsernameChars) : "(not UTF-8)";
    AuditRecord r = MakeAudit(anonymous, info, now, "auth.login_failed", "user", user_id,
                              AuditDetail({{"reason", std::move(reason)}}));
    r.result = std::move(result);
    return r;
}

Error LockedError(int64_t until) {
    return {ErrorCode::kLocked, "account locked until " + FormatUtc(until), "username"};
}

bool Locked(const User& user, int64_t now) {
    return user.locked_until && *user.locked_until > now;
}

}  // namespace

std::string FormatUtc(int64_t epoch_seconds) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(static_cast<std::time_t>(epoch_seconds)));
}

std::string NormalizeUsername(std::string_view username) {
    std::string s = text::Trim(username);
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
    return s;
}

AccountsService::AccountsService(storage::Database& db, const Clock& clock, AccountsOptions options,
                                 ScopeResolver resolver)
    : db_(db), clock_(clock), options_(std::move(options)), resolver_(std::move(resolver)) {
    // Same cost as real hashes, so verifying against it takes as long as verifying a real one.
    dummy_hash_ = HashPassword(crypto::RandomToken(16), options_.cost).value();
}

Actor AccountsService::SystemActor(std::string name) {
    Actor a;
    a.user_id = 0;
    a.username = std::move(name);
    a.role = Role::kAdmin;
    return a;
}

Result<void> AccountsService::RequireAdmin(const Actor& actor) const {
    if (actor.role != Role::kAdmin) {
        return Forbidden("only administrators may do this");
    }
    return {};
}

Result<std::vector<ScopeNode>> AccountsService::ResolveScope(const std::vector<int64_t>& node_ids) const {
    if (node_ids.empty()) {
        return std::vector<ScopeNode>{};
    }
    if (!resolver_) {
        return Internal("no scope resolver configured");
    }
    return resolver_(node_ids);
}

Result<std::vector<int64_t>> AccountsService::ValidateScope(std::vector<int64_t> ids) const {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.empty()) {
        return ids;
    }
    auto nodes = ResolveScope(ids);
    if (!nodes) {
        if (nodes.error().code == ErrorCode::kNotFound || nodes.error().code == ErrorCode::kInvalidArgument) {
            return InvalidArgument("scope_node_ids", nodes.error().message);
        }
        return nodes.error();
    }
    std::set<int64_t> known;
    for (const auto& node : *nodes) {
        known.insert(node.id);
    }
    for (int64_t id : ids) {
        if (!known.contains(id)) {
            return InvalidArgument("scope_node_ids", "no territory node " + std::to_string(id));
        }
    }
    return ids;
}

// ---- authentication ----------------------------------------------------------------------------

Result<LoginResult> AccountsService::Login(std::string_view username_in, std::string_view password_in, bool bearer,
                                           const RequestInfo& info) {
    const std::string username = NormalizeUsername(username_in);
    const std::string password = NormalizePassword(password_in);
    LINLI_ASSIGN_OR_RETURN(auto found, db_.Read([&](Conn& c) { return repo::FindUserByUsername(c, username); }));

    if (!found) {
        // Spend the same time as a real check, so response times do not reveal which names exist.
        (void)VerifyPassword(dummy_hash_, password);
        int64_t now = clock_.Now();
        LINLI_TRY(db_.Write([&](Conn& c) {
            return RecordAudit(c, FailedLoginAudit(username_in, info, now, std::nullopt, "unknown_user", "failed"));
        }));
        return Unauthenticated(std::string(kWrongCredentials));
    }

    const int64_t user_id = found->user.id;
    const std::string verified_hash = found->password_hash;
    bool password_ok = false;
    std::optional<std::string> rehash;
    if (!Locked(found->user, clock_.Now())) {
        // Verified outside the transaction: Argon2id takes tens of milliseconds and the writer is shared.
        if (verified_hash == kNoPasswordHash) {
            // No password set yet: refused like a wrong one, after as long as a real check takes.
            (void)VerifyPassword(dummy_hash_, password);
        } else {
            password_ok = VerifyPassword(verified_hash, password);
        }
        if (password_ok && NeedsRehash(verified_hash, options_.cost)) {
            LINLI_ASSIGN_OR_RETURN(auto fresh_hash, HashPassword(password, options_.cost));
            rehash = std::move(fresh_hash);
        }
    }

    // The decision is taken again on the row inside the transaction, since another login may have
    // locked the account meanwhile. Refusals are committed, then returned as errors (a Write that
    // returns an error rolls back, and the counters and audit rows must stay).
    // `result` first: an aggregate whose first member took an Error would confuse Result's constructors.
    struct Outcome {
        LoginResult result;
        std::optional<Error> refusal;
    };
    LINLI_ASSIGN_OR_RETURN(auto outcome, db_.Write([&](Conn& c) -> Result<Outcome> {
        const int64_t now = clock_.Now();
        LINLI_ASSIGN_OR_RETURN(auto fresh, repo::FindUserById(c, user_id));
        if (!fresh) {
            LINLI_TRY(RecordAudit(c, FailedLoginAudit(username_in, info, now, std::nullopt, "unknown_user", "failed")));
            return Outcome{{}, Unauthenticated(std::string(kWrongCredentials))};
        }
        const User& user = fresh->user;
        if (Locked(user, now)) {
            LINLI_TRY(RecordAudit(c, FailedLoginAudit(username_in, info, now, user.id, "locked", "denied")));
            return Outcome{{}, LockedError(*user.locked_until)};
        }
        if (user.status == UserStatus::kDisabled) {
            LINLI_TRY(RecordAudit(c, FailedLoginAudit(username_in, info, now, user.id, "disabled", "denied")));
            return Outcome{{}, Unauthenticated(std::string(kWrongCredentials))};
        }
        // A password changed since it was verified makes the verification stale.
        if (!password_ok || fresh->password_hash != verified_hash) {
            LINLI_ASSIGN_OR_RETURN(int64_t failed, repo::RecordFailedLogin(c, user.id, now));
            // The caller cannot tell the two apart; the audit log tells an administrator.
            const char* reason = fresh->password_hash == kNoPasswordHash ? "no_password" : "wrong_password";
            LINLI_TRY(RecordAudit(c, FailedLoginAudit(username_in, info, now, user.id, reason, "failed")));
            if (failed >= options_.max_failed_logins) {
                const int64_t until = now + options_.lock_seconds;
                LINLI_TRY(repo::LockUntil(c, user.id, until));
                AuditRecord lock = MakeAudit(
                    ActorOf(user), info, now, "auth.locked", "user", user.id,
                    AuditDetail({{"failed_logins", std::to_string(failed)}, {"locked_until", FormatUtc(until)}}));
                lock.actor_user_id.reset();  // nobody authenticated did this
                LINLI_TRY(RecordAudit(c, lock));
            }
            return Outcome{{}, Unauthenticated(std::string(kWrongCredentials))};
        }

        LINLI_TRY(repo::ClearFailedLogins(c, user.id));
        if (rehash) {
            LINLI_TRY(repo::SetPasswordHash(c, user.id, *rehash, now, /*reset_lock=*/false));
        }
        Outcome ok;
        ok.result.token = crypto::RandomToken(32);
        ok.result.expires_at = now + options_.absolute_timeout_s;
        repo::NewSession session;
        session.token_hash = crypto::HashToken(ok.result.token);
        session.user_id = user.id;
        session.kind = bearer ? SessionKind::kBearer : SessionKind::kSession;
        session.now = now;
        session.expires_at = ok.result.expires_at;
        if (!bearer) {
            ok.result.csrf_token = crypto::RandomToken(32);
            session.csrf_hash = crypto::HashToken(ok.result.csrf_token);
        }
        LINLI_ASSIGN_OR_RETURN(int64_t session_id, repo::InsertSession(c, session));
        LINLI_TRY(RecordAudit(c, MakeAudit(ActorOf(user), info, now, "auth.login", "session", session_id,
                                           AuditDetail({{"kind", std::string(SessionKindName(session.kind))}}))));
        LINLI_ASSIGN_OR_RETURN(auto after, repo::FindUserById(c, user.id));
        ok.result.user = after ? after->user : user;
        return ok;
    }));
    if (outcome.refusal) {
        return *outcome.refusal;
    }
    return std::move(outcome.result);
}

Result<Actor> AccountsService::Authenticate(const Credentials& credentials) {
    if (credentials.token.empty() || credentials.token.size() > kMaxPresentedToken) {
        return InvalidSession();
    }
    const std::string token_hash = crypto::HashToken(credentials.token);
    const int64_t now = clock_.Now();
    auto found = CachedLookup(token_hash, now);
    if (!found) {
        LINLI_ASSIGN_OR_RETURN(found, db_.Read([&](Conn& c) -> Result<std::optional<CachedSession>> {
            LINLI_ASSIGN_OR_RETURN(auto session, repo::FindSessionByTokenHash(c, token_hash));
            if (!session || session->revoked_at) {
                return std::optional<CachedSession>{};
            }
            LINLI_ASSIGN_OR_RETURN(auto scope_ids, repo::ScopeNodeIds(c, session->user_id));
            return std::optional<CachedSession>(CachedSession{std::move(*session), std::move(scope_ids), now});
        }));
        if (!found) {
            return InvalidSession();
        }
        Remember(token_hash, *found);
    }
    const repo::SessionRecord& s = found->session;

    // A credential only works where it was meant to be sent: a console cookie replayed as a bearer
    // header would skip the CSRF check, and a bearer token in a cookie would ride on the browser.
    const bool from_cookie = credentials.kind == CredentialKind::kSessionCookie;
    const bool kind_matches = from_cookie ? s.kind == SessionKind::kSession : s.kind != SessionKind::kSession;
    if (!kind_matches) {
        return InvalidSession();
    }

    if (s.kind == SessionKind::kApi) {
        if (s.expires_at && now > *s.expires_at) {
            return Error{ErrorCode::kUnauthenticated, "API token expired", "Authorization"};
        }
    } else {
        if (now - s.last_seen_at > options_.idle_timeout_s || (s.expires_at && now > *s.expires_at)) {
            return SessionExpired();
        }
    }
    if (s.user_status != UserStatus::kActive) {
        return Unauthenticated("account disabled");
    }
    if (from_cookie && credentials.unsafe_method) {
        bool csrf_ok = credentials.csrf_header && s.csrf_hash &&
                       crypto::ConstantTimeEquals(crypto::HashToken(*credentials.csrf_header), *s.csrf_hash);
        if (!csrf_ok) {
            return Error{ErrorCode::kForbidden, "missing or wrong CSRF token", "X-CSRF-Token"};
        }
    }

    Actor actor;
    actor.user_id = s.user_id;
    actor.username = s.username;
    actor.role = s.role;
    actor.session_id = s.id;
    actor.credential = credentials.kind;
    LINLI_ASSIGN_OR_RETURN(actor.scope, ResolveScope(found->scope_ids));

    // last_seen_at drives the idle timeout, but writing it on every request would turn each read
    // into a write transaction (on SQLite, a trip through the single writer and an fsync). Moving
    // it at most once a minute costs at most a minute of idle-timeout precision.
    if (now - s.last_seen_at >= kTouchIntervalSeconds) {
        LINLI_TRY(db_.Write([&](Conn& c) { return repo::TouchSession(c, s.id, now); }));
        found->session.last_seen_at = now;
        found->cached_at = now;
        Remember(token_hash, std::move(*found));
    }
    return actor;
}

std::optional<AccountsService::CachedSession> AccountsService::CachedLookup(const std::string& token_hash,
                                                                            int64_t now) const {
    std::shared_lock lock(cache_mu_);
    auto it = cache_.find(token_hash);
    // A clock moved backwards (tests, NTP) also invalidates the entry.
    if (it == cache_.end() || now < it->second.cached_at || now - it->second.cached_at >= kSessionCacheSeconds) {
        return std::nullopt;
    }
    return it->second;
}

void AccountsService::Remember(const std::string& token_hash, CachedSession entry) {
    std::unique_lock lock(cache_mu_);
    // Bounded without bookkeeping: entries are seconds old at most, so dropping all is cheap.
    if (cache_.size() >= 10000) {
        cache_.clear();
    }
    cache_[token_hash] = std::move(entry);
}

void AccountsService::ForgetSessions() {
    std::unique_lock lock(cache_mu_);
    cache_.clear();
}

Result<void> AccountsService::Logout(const Actor& actor, const RequestInfo& info) {
    if (actor.session_id <= 0) {
        return {};
    }
    auto done = db_.Write([&](Conn& c) -> Result<void> {
        const int64_t now = clock_.Now();
        LINLI_ASSIGN_OR_RETURN(int64_t revoked, repo::RevokeSession(c, actor.session_id, now));
        if (revoked > 0) {
            LINLI_TRY(RecordAudit(c, MakeAudit(actor, info, now, "auth.logout", "session", actor.session_id)));
        }
        return {};
    });
    ForgetSessions();
    return done;
}

// ---- users -------------------------------------------------------------------------------------

Result<NewUser> AccountsService::CheckNewUser(const NewUser& input) const {
    NewUser user = input;
    user.username = NormalizeUsername(input.username);
    LINLI_TRY(CheckUsername(user.username));
    if (text::Trim(input.display_name).empty()) {
        user.display_name = user.username;
    } else {
        LINLI_ASSIGN_OR_RETURN(user.display_name, CleanText("display_name", input.display_name, kMaxDisplayNameChars));
    }
    if (input.password) {
        user.password = NormalizePassword(*input.password);
        LINLI_TRY(CheckPasswordPolicy(*user.password));
    }
    return user;
}

Result<std::string> AccountsService::HashFor(const NewUser& user) const {
    if (!user.password) {
        return std::string(kNoPasswordHash);
    }
    return HashPassword(*user.password, options_.cost);
}

Result<User> AccountsService::CreateUser(const Actor& actor, const NewUser& input, const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    LINLI_ASSIGN_OR_RETURN(NewUser user, CheckNewUser(input));
    LINLI_ASSIGN_OR_RETURN(user.scope_node_ids, ValidateScope(input.scope_node_ids));
    LINLI_ASSIGN_OR_RETURN(const std::string hash, HashFor(user));

    return db_.Write([&](Conn& c) -> Result<User> {
        const int64_t now = clock_.Now();
        LINLI_ASSIGN_OR_RETURN(int64_t id, repo::InsertUser(c, user, hash, now));
        LINLI_TRY(repo::ReplaceScopes(c, id, user.scope_node_ids));
        std::vector<std::pair<std::string, std::string>> detail{{"username", user.username},
                                                                {"role", std::string(RoleName(user.role))}};
        if (!user.password) {
            detail.emplace_back("password", "none");
        }
        LINLI_TRY(RecordAudit(c, MakeAudit(actor, info, now, "user.create", "user", id, AuditDetail(detail))));
        LINLI_ASSIGN_OR_RETURN(auto created, repo::FindUserById(c, id));
        if (!created) {
            return Internal("user vanished after insert");
        }
        return std::move(created->user);
    });
}

Result<std::vector<User>> AccountsService::CreateUsers(const Actor& actor, const std::vector<NewUser>& inputs,
                                                       const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    // An error names the account it is about: the field alone would not say which of many.
    auto about = [&inputs](size_t i, Error e) {
        e.message = "user " + std::to_string(i + 1) + " (" + NormalizeUsername(inputs[i].username) + "): " + e.message;
        return e;
    };
    std::vector<NewUser> users;
    users.reserve(inputs.size());
    std::vector<int64_t> all_scope_ids;
    for (size_t i = 0; i < inputs.size(); ++i) {
        auto user = CheckNewUser(inputs[i]);
        if (!user) {
            return about(i, user.error());
        }
        std::sort(user->scope_node_ids.begin(), user->scope_node_ids.end());
        user->scope_node_ids.erase(std::unique(user->scope_node_ids.begin(), user->scope_node_ids.end()),
                                   user->scope_node_ids.end());
        all_scope_ids.insert(all_scope_ids.end(), user->scope_node_ids.begin(), user->scope_node_ids.end());
        users.push_back(std::move(*user));
    }
    // Every scope node checked once, in slices the resolver takes (one query each on a cache miss).
    std::sort(all_scope_ids.begin(), all_scope_ids.end());
    all_scope_ids.erase(std::unique(all_scope_ids.begin(), all_scope_ids.end()), all_scope_ids.end());
    constexpr size_t kScopeSlice = 500;
    for (size_t from = 0; from < all_scope_ids.size(); from += kScopeSlice) {
        const size_t to = std::min(all_scope_ids.size(), from + kScopeSlice);
        auto checked = ValidateScope(std::vector<int64_t>(all_scope_ids.begin() + static_cast<std::ptrdiff_t>(from),
                                                          all_scope_ids.begin() + static_cast<std::ptrdiff_t>(to)));
        if (!checked) {
            return checked.error();
        }
    }
    std::vector<std::string> hashes;
    hashes.reserve(users.size());
    for (const auto& user : users) {
        LINLI_ASSIGN_OR_RETURN(auto hash, HashFor(user));
        hashes.push_back(std::move(hash));
    }

    return db_.Write([&](Conn& c) -> Result<std::vector<User>> {
        const int64_t now = clock_.Now();
        std::vector<User> created;
        created.reserve(users.size());
        std::map<std::string, int64_t> per_role;
        int64_t without_password = 0;
        for (size_t i = 0; i < users.size(); ++i) {
            const NewUser& u = users[i];
            auto id = repo::InsertUser(c, u, hashes[i], now);
            if (!id) {
                return about(i, id.error());
            }
            LINLI_TRY(repo::ReplaceScopes(c, *id, u.scope_node_ids));
            User user;
            user.id = *id;
            user.username = u.username;
            user.display_name = u.display_name;
            user.role = u.role;
            user.scope_node_ids = u.scope_node_ids;
            if (u.password) {
                user.password_changed_at = now;
            } else {
                ++without_password;
            }
            user.created_at = now;
            user.updated_at = now;
            ++per_role[std::string(RoleName(u.role))];
            created.push_back(std::move(user));
        }
        if (!created.empty()) {
            std::string roles;
            for (const auto& [role, count] : per_role) {
                roles += (roles.empty() ? "" : ",") + role + "=" + std::to_string(count);
            }
            LINLI_TRY(RecordAudit(c, MakeAudit(actor, info, now, "user.create_batch", "user", std::nullopt,
                                               AuditDetail({{"count", std::to_string(created.size())},
                                                            {"roles", roles},
                                                            {"without_password", std::to_string(without_password)},
                                                            {"first_id", std::to_string(created.front().id)},
                                                            {"last_id", std::to_string(created.back().id)}}))));
        }
        return created;
    });
}

Result<Page<User>> AccountsService::ListUsers(const Actor& actor, const UserQuery& query) {
    LINLI_TRY(RequireAdmin(actor));
    return db_.Read([&](Conn& c) { return repo::ListUsers(c, query); });
}

Result<User> AccountsService::GetUser(const Actor& actor, int64_t user_id) {
    if (actor.user_id != user_id) {
        LINLI_TRY(RequireAdmin(actor));
    }
    LINLI_ASSIGN_OR_RETURN(auto found, db_.Read([&](Conn& c) { return repo::FindUserById(c, user_id); }));
    if (!found) {
        return NotFound("no such user");
    }
    return std::move(found->user);
}

Result<User> AccountsService::GetUserByUsername(const Actor& actor, std::string_view username) {
    LINLI_TRY(RequireAdmin(actor));
    const std::string name = NormalizeUsername(username);
    LINLI_ASSIGN_OR_RETURN(auto found, db_.Read([&](Conn& c) { return repo::FindUserByUsername(c, name); }));
    if (!found) {
        return NotFound("no such user");
    }
    return std::move(found->user);
}

Result<User> AccountsService::UpdateUser(const Actor& actor, int64_t user_id, const UserPatch& patch,
                                         const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    std::optional<std::string> display_name;
    if (patch.display_name) {
        LINLI_ASSIGN_OR_RETURN(display_name, CleanText("display_name", *patch.display_name, kMaxDisplayNameChars));
    }
    std::optional<std::vector<int64_t>> scope;
    if (patch.scope_node_ids) {
        LINLI_ASSIGN_OR_RETURN(scope, ValidateScope(*patch.scope_node_ids));
    }
    std::optional<std::string> hash;
    if (patch.password) {
        const std::string password = NormalizePassword(*patch.password);
        LINLI_TRY(CheckPasswordPolicy(password));
        LINLI_ASSIGN_OR_RETURN(hash, HashPassword(password, options_.cost));
    }
    // An administrator who disables or demotes themselves may leave nobody able to undo it.
    if (user_id == actor.user_id) {
        if (patch.status == UserStatus::kDisabled) {
            return InvalidArgument("status", "you cannot disable your own account");
        }
        if (patch.role && *patch.role != actor.role) {
            return InvalidArgument("role", "you cannot change your own role");
        }
    }

    auto updated = db_.Write([&](Conn& c) -> Result<User> {
        const int64_t now = clock_.Now();
        LINLI_ASSIGN_OR_RETURN(auto found, repo::FindUserById(c, user_id));
        if (!found) {
            return NotFound("no such user");
        }
        const User& before = found->user;

        std::vector<std::string> changed;
        const std::string new_name = display_name.value_or(before.display_name);
        const Role new_role = patch.role.value_or(before.role);
        if (new_name != before.display_name) {
            changed.emplace_back("display_name");
        }
        if (new_role != before.role) {
            changed.emplace_back("role");
        }
        if (scope && *scope != before.scope_node_ids) {
            changed.emplace_back("scope_node_ids");
            LINLI_TRY(repo::ReplaceScopes(c, user_id, *scope));
        }
        if (!changed.empty()) {
            LINLI_TRY(repo::UpdateProfile(c, user_id, new_name, new_role, now));
            std::string fields;
            for (const auto& f : changed) {
                fields += (fields.empty() ? "" : ",") + f;
            }
            std::vector<std::pair<std::string, std::string>> detail{{"fields", fields}};
            if (new_role != before.role) {
                detail.emplace_back("role", std::string(RoleName(new_role)));
            }
            LINLI_TRY(RecordAudit(c, MakeAudit(actor, info, now, "user.update", "user", user_id, AuditDetail(detail))));
        }

        if (patch.status && *patch.status != before.status) {
            LINLI_TRY(repo::SetStatus(c, user_id, *patch.status, now));
            std::string action = "user.enable";
            if (*patch.status == UserStatus::kDisabled) {
                action = "user.disable";
                LINLI_TRY(repo::RevokeUserSessions(c, user_id, now));
            }
            LINLI_TRY(RecordAudit(c, MakeAudit(actor, info, now, std::move(action), "user", user_id)));
        }

        if (hash) {
            LINLI_TRY(repo::SetPasswordHash(c, user_id, *hash, now, /*reset_lock=*/true));
            // Whoever knew the old password loses its sessions; an admin resetting their own keeps this one.
            std::optional<int64_t> keep;
            if (user_id == actor.user_id) {
                keep = actor.session_id;
            }
            LINLI_TRY(repo::RevokeUserSessions(c, user_id, now, keep));
            LINLI_TRY(RecordAudit(c, MakeAudit(actor, info, now, "user.password_reset", "user", user_id)));
        }

        LINLI_ASSIGN_OR_RETURN(auto after, repo::FindUserById(c, user_id));
        if (!after) {
            return Internal("user vanished during update");
        }
        return std::move(after->user);
    });
    // Role, scope, status or password may have changed: no remembered credential may outlive it.
    ForgetSessions();
    return updated;
}

Result<User> AccountsService::Unlock(const Actor& actor, int64_t user_id, const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    return db_.Write([&](Conn& c) -> Result<User> {
        const int64_t now = clock_.Now();
        LINLI_ASSIGN_OR_RETURN(auto found, repo::FindUserById(c, user_id));
        if (!found) {
            return NotFound("no such user");
        }
        LINLI_TRY(repo::ClearFailedLogins(c, user_id));
        LINLI_TRY(RecordAudit(c, MakeAudit(actor, info, now, "user.unlock", "user", user_id)));
        LINLI_ASSIGN_OR_RETURN(auto after, repo::FindUserById(c, user_id));
        if (!after) {
            return Internal("user vanished during unlock");
        }
        return std::move(after->user);
    });
}

// ---- API tokens --------------------------------------------------------------------------------

Result<NewApiToken> AccountsService::CreateApiToken(const Actor& actor, std::string_view name_in,
                                                    std::optional<int64_t> expires_in_days, const RequestInfo& info) {
    if (actor.user_id <= 0) {
        return InvalidArgument("user", "API tokens belong to a user account");
    }
    LINLI_ASSIGN_OR_RETURN(const std::string name, CleanText("name", name_in, kMaxTokenNameChars));
    if (expires_in_days && (*expires_in_days < 1 || *expires_in_days > kMaxTokenDays)) {
        return InvalidArgument("expires_in_days", "expires_in_days must be between 1 and 3650");
    }
    return db_.Write([&](Conn& c) -> Result<NewApiToken> {
        const int64_t now = clock_.Now();
        NewApiToken out;
        out.token = crypto::RandomToken(32);
        repo::NewSession session;
        session.token_hash = crypto::HashToken(out.token);
        session.user_id = actor.user_id;
        session.kind = SessionKind::kApi;
        session.name = name;
        session.now = now;
        if (expires_in_days) {
            session.expires_at = now + *expires_in_days * kSecondsPerDay;
        }
        LINLI_ASSIGN_OR_RETURN(int64_t id, repo::InsertSession(c, session));
        LINLI_TRY(RecordAudit(
            c, MakeAudit(actor, info, now, "api_token.create", "api_token", id, AuditDetail({{"name", name}}))));
        out.info.id = id;
        out.info.user_id = actor.user_id;
        out.info.username = actor.username;
        out.info.name = name;
        out.info.created_at = now;
        out.info.last_seen_at = now;
        out.info.expires_at = session.expires_at;
        return out;
    });
}

Result<Page<ApiToken>> AccountsService::ListApiTokens(const Actor& actor, const ApiTokenQuery& query) {
    std::optional<int64_t> owner = actor.user_id;
    if (query.all_users) {
        LINLI_TRY(RequireAdmin(actor));
        owner.reset();
    }
    return db_.Read([&](Conn& c) { return repo::ListApiTokens(c, owner, query.cursor, query.limit); });
}

Result<void> AccountsService::RevokeApiToken(const Actor& actor, int64_t token_id, const RequestInfo& info) {
    auto revoked = db_.Write([&](Conn& c) -> Result<void> {
        const int64_t now = clock_.Now();
        LINLI_ASSIGN_OR_RETURN(auto token, repo::FindApiToken(c, token_id));
        // Someone else's token is "not found" to a non-admin: its existence is none of their business.
        if (!token || (token->user_id != actor.user_id && actor.role != Role::kAdmin)) {
            return NotFound("no such API token");
        }
        LINLI_TRY(repo::RevokeSession(c, token_id, now));
        return RecordAudit(c, MakeAudit(actor, info, now, "api_token.revoke", "api_token", token_id,
                                        AuditDetail({{"name", token->name}, {"owner", token->username}})));
    });
    ForgetSessions();
    return revoked;
}

// ---- audit -------------------------------------------------------------------------------------

Result<Page<AuditRecord>> AccountsService::ListAudit(const Actor& actor, const AuditQuery& query) {
    LINLI_TRY(RequireAdmin(actor));
    return db_.Read([&](Conn& c) { return accounts::ListAudit(c, query); });
}

}  // namespace linli::accounts
