#include "modules/accounts/routes.hpp"

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "http/json_io.hpp"
#include "modules/accounts/json.hpp"

namespace linli::accounts {

namespace {

using http::AccessRule;
using http::JsonObjectReader;
using http::Method;
using http::QueryReader;
using http::Request;
using http::Response;

const AccessRule kAdminOnly = AccessRule::Roles({Role::kAdmin});

bool IsUnsafe(Method m) {
    return m == Method::kPost || m == Method::kPut || m == Method::kPatch || m == Method::kDelete;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) {
        return false;
    }
    for (size_t i = 0; i < prefix.size(); ++i) {
        char a = s[i];
        if (a >= 'A' && a <= 'Z') {
            a = static_cast<char>(a - 'A' + 'a');
        }
        if (a != prefix[i]) {
            return false;
        }
    }
    return true;
}

std::string_view TrimSpaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string SessionCookie(std::string_view token, int64_t max_age) {
    return std::string(kSessionCookieName) + "=" + std::string(token) +
           "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
}

const std::vector<std::string_view>& RoleNames() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> v;
        for (Role r : AllRoles()) {
            v.push_back(RoleName(r));
        }
        return v;
    }();
    return names;
}

Result<Role> RoleFrom(const std::string& name) {
    auto role = ParseRole(name);
    if (!role) {
        return InvalidArgument("role", "unknown role \"" + name + "\"");
    }
    return *role;
}

Result<UserStatus> StatusFrom(const std::string& name) {
    auto status = ParseUserStatus(name);
    if (!status) {
        return InvalidArgument("status", "status must be \"active\" or \"disabled\"");
    }
    return *status;
}

// The reader trims text, and so does the service for passwords (CLI and API alike); the bounds only
// stop absurd bodies, the service applies the password policy.
constexpr http::StringRule kPasswordRule{.min_chars = 0, .max_chars = 1024, .multiline = false};
constexpr http::StringRule kUsernameRule{.min_chars = 0, .max_chars = 200, .multiline = false};
constexpr http::StringRule kNameRule{.min_chars = 0, .max_chars = 200, .multiline = false};
constexpr http::StringRule kCursorRule{.min_chars = 0, .max_chars = 100, .multiline = false};

boost::json::object MeJson(const User& user, const Actor& actor) {
    boost::json::object o;
    o["user"] = UserToJson(user);
    o["role"] = RoleName(actor.role);
    boost::json::array scope;
    for (const auto& node : actor.scope) {
        scope.emplace_back(ScopeNodeToJson(node));
    }
    o["scope"] = std::move(scope);
    o["credential"] = actor.credential == CredentialKind::kSessionCookie ? "session" : "bearer";
    return o;
}

// ---- auth -----------------------------------------------------------------------------------------

Result<Response> HandleLogin(AccountsService& service, Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto body, JsonObjectReader::FromRequest(req));
    auto username = body.String("username", true, kUsernameRule);
    auto password = body.String("password", true, kPasswordRule);
    auto bearer = body.Bool("bearer", false);
    LINLI_TRY(body.Finish());
    const bool want_bearer = bearer.value_or(false);
    LINLI_ASSIGN_OR_RETURN(auto login, service.Login(*username, *password, want_bearer, req.info()));

    boost::json::object out;
    if (want_bearer) {
        out["token"] = login.token;
        out["token_type"] = "Bearer";
        out["expires_at"] = login.expires_at;
        out["user"] = UserToJson(login.user);
        return http::JsonResponse(200, out);
    }
    out["user"] = UserToJson(login.user);
    out["csrf_token"] = login.csrf_token;
    out["expires_at"] = login.expires_at;
    Response res = http::JsonResponse(200, out);
    res.AddHeader("Set-Cookie", SessionCookie(login.token, service.options().absolute_timeout_s));
    res.AddHeader("Cache-Control", "no-store");
    return res;
}

Result<Response> HandleLogout(AccountsService& service, Request& req) {
    LINLI_TRY(service.Logout(req.caller(), req.info()));
    Response res = http::NoContent();
    res.AddHeader("Set-Cookie", SessionCookie("", 0));
    return res;
}

Result<Response> HandleMe(AccountsService& service, Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto user, service.GetUser(req.caller(), req.caller().user_id));
    return http::JsonResponse(200, MeJson(user, req.caller()));
}

Result<Response> HandleListTokens(AccountsService& service, Request& req) {
    QueryReader q(req);
    ApiTokenQuery query;
    auto all = q.Enum("all", {"true", "false"});
    query.cursor = q.String("cursor", kCursorRule);
    auto limit = q.Int("limit", 1, kMaxPageSize);
    LINLI_TRY(q.Finish());
    query.all_users = all == "true";
    query.limit = static_cast<int>(limit.value_or(kDefaultPageSize));
    LINLI_ASSIGN_OR_RETURN(auto page, service.ListApiTokens(req.caller(), query));
    return http::JsonResponse(200, PageToJson(page, ApiTokenToJson));
}

Result<Response> HandleCreateToken(AccountsService& service, Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto body, JsonObjectReader::FromRequest(req));
    auto name = body.String("name", true, kNameRule);
    auto days = body.Int("expires_in_days", false);
    LINLI_TRY(body.Finish());
    LINLI_ASSIGN_OR_RETURN(auto created, service.CreateApiToken(req.caller(), *name, days, req.info()));
    boost::json::object out = ApiTokenToJson(created.info);
    out["token"] = created.token;  // shown this once; only its hash is kept
    Response res = http::JsonResponse(201, out);
    res.AddHeader("Cache-Control", "no-store");
    return res;
}

Result<Response> HandleRevokeToken(AccountsService& service, Request& req) {
    LINLI_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
    LINLI_TRY(service.RevokeApiToken(req.caller(), id, req.info()));
    return http::NoContent();
}

// ---- users ----------------------------------------------------------------------------------------

Result<Response> HandleListUsers(AccountsService& service, Request& req) {
    QueryReader q(req);
    UserQuery query;
    auto role = q.Enum("role", RoleNames());
    auto status = q.Enum("status", {"active", "disabled"});
    query.q = q.String("q", {.min_chars = 0, .max_chars = 64, .multiline = false});
    query.cursor = q.String("cursor", kCursorRule);
    auto limit = q.Int("limit", 1, kMaxPageSize);
    LINLI_TRY(q.Finish());
    if (role) {
        query.role = ParseRole(*role);
    }
    if (status) {
        query.status = ParseUserStatus(*status);
    }
    query.limit = static_cast<int>(limit.value_or(kDefaultPageSize));
    LINLI_ASSIGN_OR_RETURN(auto page, service.ListUsers(req.caller(), query));
    return http::JsonResponse(200, PageToJson(page, UserToJson));
}

Result<Response> HandleCreateUser(AccountsService& service, Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto body, JsonObjectReader::FromRequest(req));
    auto username = body.String("username", true, kUsernameRule);
    auto display_name = body.String("display_name", false, kNameRule);
    auto password = body.String("password", true, kPasswordRule);
    auto role = body.String("role", true, kNameRule);
    auto scope = body.IntArray("scope_node_ids", false);
    LINLI_TRY(body.Finish());
    NewUser user;
    user.username = *username;
    user.display_name = display_name.value_or("");
    user.password = *password;
    LINLI_ASSIGN_OR_RETURN(user.role, RoleFrom(*role));
    user.scope_node_ids = scope.value_or(std::vector<int64_t>{});
    LINLI_ASSIGN_OR_RETURN(auto created, service.CreateUser(req.caller(), user, req.info()));
    return http::JsonResponse(201, UserToJson(created));
}

Result<Response> HandleGetUser(AccountsService& service, Request& req) {
    LINLI_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
    LINLI_ASSIGN_OR_RETURN(auto user, service.GetUser(req.caller(), id));
    return http::JsonResponse(200, UserToJson(user));
}

Result<Response> HandleUpdateUser(AccountsService& service, Request& req) {
    LINLI_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
    LINLI_ASSIGN_OR_RETURN(auto body, JsonObjectReader::FromRequest(req));
    UserPatch patch;
    patch.display_name = body.String("display_name", false, kNameRule);
    auto role = body.String("role", false, kNameRule);
    patch.scope_node_ids = body.IntArray("scope_node_ids", false);
    auto status = body.String("status", false, kNameRule);
    patch.password = body.String("password", false, kPasswordRule);
    LINLI_TRY(body.Finish());
    if (role) {
        LINLI_ASSIGN_OR_RETURN(patch.role, RoleFrom(*role));
    }
    if (status) {
        LINLI_ASSIGN_OR_RETURN(patch.status, StatusFrom(*status));
    }
    LINLI_ASSIGN_OR_RETURN(auto user, service.UpdateUser(req.caller(), id, patch, req.info()));
    return http::JsonResponse(200, UserToJson(user));
}

Result<Response> HandleUnlockUser(AccountsService& service, Request& req) {
    LINLI_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
    LINLI_ASSIGN_OR_RETURN(auto user, service.Unlock(req.caller(), id, req.info()));
    return http::JsonResponse(200, UserToJson(user));
}

// ---- audit ----------------------------------------------------------------------------------------

Result<Response> HandleListAudit(AccountsService& service, Request& req) {
    QueryReader q(req);
    AuditQuery query;
    query.actor_user_id = q.Int("actor_user_id", 1);
    query.action = q.String("action", {.min_chars = 0, .max_chars = 100, .multiline = false});
    query.since = q.Int("since");
    query.until = q.Int("until");
    query.cursor = q.String("cursor", kCursorRule);
    auto limit = q.Int("limit", 1, kMaxPageSize);
    LINLI_TRY(q.Finish());
    query.limit = static_cast<int>(limit.value_or(kDefaultPageSize));
    LINLI_ASSIGN_OR_RETURN(auto page, service.ListAudit(req.caller(), query));
    return http::JsonResponse(200, PageToJson(page, AuditToJson));
}

}  // namespace

void RegisterRoutes(http::Router& router, AccountsService& service) {
    auto bind = [&service](Result<Response> (*fn)(AccountsService&, Request&)) -> http::Handler {
        return [&service, fn](Request& req) { return fn(service, req); };
    };
    router.Add(Method::kPost, std::string(kLoginPath), AccessRule::Public(), bind(HandleLogin),
               "Log in: a session cookie and CSRF token, or a bearer token");
    router.Add(Method::kPost, "/api/v1/auth/logout", AccessRule::AnyUser(), bind(HandleLogout),
               "Log out: revoke the current session");
    router.Add(Method::kGet, "/api/v1/auth/me", AccessRule::AnyUser(), bind(HandleMe),
               "The caller: user, role and scope");
    router.Add(Method::kGet, "/api/v1/auth/tokens", AccessRule::AnyUser(), bind(HandleListTokens),
               "List API tokens (own; admins may ask for all)");
    router.Add(Method::kPost, "/api/v1/auth/tokens", AccessRule::AnyUser(), bind(HandleCreateToken),
               "Create an API token (the secret is shown once)");
    router.Add(Method::kDelete, "/api/v1/auth/tokens/{id}", AccessRule::AnyUser(), bind(HandleRevokeToken),
               "Revoke an API token");
    router.Add(Method::kGet, "/api/v1/users", kAdminOnly, bind(HandleListUsers), "List users");
    router.Add(Method::kPost, "/api/v1/users", kAdminOnly, bind(HandleCreateUser), "Create a user");
    router.Add(Method::kGet, "/api/v1/users/{id}", kAdminOnly, bind(HandleGetUser), "Get a user");
    router.Add(Method::kPatch, "/api/v1/users/{id}", kAdminOnly, bind(HandleUpdateUser),
               "Update a user: name, role, scope, status, password");
    router.Add(Method::kPost, "/api/v1/users/{id}/unlock", kAdminOnly, bind(HandleUnlockUser),
               "Clear a user's failed logins and lock");
    router.Add(Method::kGet, "/api/v1/audit", kAdminOnly, bind(HandleListAudit), "Read the audit log, newest first");
}

http::Authenticator MakeAuthenticator(AccountsService& service) {
    return [&service](const Request& req) -> Result<std::optional<Actor>> {
        Credentials credentials;
        if (auto header = req.Header("authorization")) {
            // The scheme is case-insensitive (RFC 9110 §11.1); the token is taken as sent.
            if (!StartsWithNoCase(*header, "bearer ")) {
                return Error{ErrorCode::kUnauthenticated, "Authorization must be \"Bearer <token>\"", "Authorization"};
            }
            credentials.token = std::string(TrimSpaces(header->substr(7)));
            credentials.kind = CredentialKind::kBearer;
        } else if (auto cookie = req.Cookie(kSessionCookieName); cookie && !cookie->empty()) {
            credentials.token = std::move(*cookie);
            credentials.kind = CredentialKind::kSessionCookie;
        } else {
            return std::optional<Actor>{};
        }
        credentials.unsafe_method = IsUnsafe(req.method);
        if (auto csrf = req.Header("x-csrf-token")) {
            credentials.csrf_header = std::string(*csrf);
        }
        LINLI_ASSIGN_OR_RETURN(auto actor, service.Authenticate(credentials));
        return std::optional<Actor>(std::move(actor));
    };
}

}  // namespace linli::accounts
