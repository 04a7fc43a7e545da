#pragma once
/// HTTP routes of the accounts module and the request authenticator built on it.

#include <string_view>

#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "modules/accounts/service.hpp"

namespace linli::accounts {

/// The console's session cookie (HttpOnly, SameSite=Strict).
constexpr std::string_view kSessionCookieName = "linli_session";
/// The login route (public: the pipeline never authenticates it, so a stale cookie cannot block it).
constexpr std::string_view kLoginPath = "/api/v1/auth/login";

/// Adds /api/v1/auth/{login,logout,me,tokens}, /api/v1/users and /api/v1/audit.
/// REQUIRES: `service` outlives `router`.
void RegisterRoutes(http::Router& router, AccountsService& service);

/// Reads `Authorization: Bearer TOKEN` (bearer logins and API tokens) or else the `linli_session`
/// cookie with the `X-CSRF-Token` header; no credentials ⇒ nullopt. POST, PUT, PATCH and DELETE
/// count as unsafe (a cookie needs the CSRF header). REQUIRES: `service` outlives the result.
http::Authenticator MakeAuthenticator(AccountsService& service);

}  // namespace linli::accounts
