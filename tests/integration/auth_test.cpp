// Logging in and staying out: sessions, CSRF, bearer and API tokens, lockout, expiry, audit.
#include <gtest/gtest.h>

#include "support/test_server.hpp"

namespace linli::testing {
namespace {

class Auth : public ::testing::Test {
protected:
    TestServer server;
    void SetUp() override {
        admin_id = server.CreateUser("admin1", Role::kAdmin);
        staff_id = server.CreateUser("staff1", Role::kCommunityStaff);
    }
    int64_t admin_id = 0;
    int64_t staff_id = 0;
};

TEST_F(Auth, CookieLoginSetsAStrictHttpOnlyCookieAndACsrfToken) {
    HttpClient client = server.Client();
    auto reply = client.Login("staff1", kTestPassword);
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto cookie = reply.Header("set-cookie");
    EXPECT_NE(cookie.find("linli_session="), std::string::npos);
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
    EXPECT_FALSE(client.credentials.csrf.empty());
    // Neither the password nor its hash ever comes back.
    EXPECT_EQ(reply.body.find(kTestPassword), std::string::npos);
    EXPECT_EQ(reply.body.find("argon2"), std::string::npos);
    auto me = client.Get("/api/v1/auth/me");
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(me.Json().at("user").at("username").as_string(), "staff1");
}

TEST_F(Auth, NoCredentialsIs401) {
    auto reply = server.Client().Get("/api/v1/auth/me");
    EXPECT_EQ(reply.status, 401);
    EXPECT_EQ(reply.ErrorCode(), "unauthenticated");
}

TEST_F(Auth, ForgedSessionCookieAndForgedBearerAre401) {
    HttpClient forged = server.Client();
    forged.credentials.cookie = "linli_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    EXPECT_EQ(forged.Get("/api/v1/auth/me").status, 401);
    HttpClient bearer = server.Client();
    bearer.credentials.bearer = "not-a-real-token";
    EXPECT_EQ(bearer.Get("/api/v1/auth/me").status, 401);
}

TEST_F(Auth, UnsafeRequestsWithACookieNeedTheMatchingCsrfHeader) {
    HttpClient admin = server.LoggedIn("admin1");
    std::string csrf = admin.credentials.csrf;

    admin.credentials.csrf.clear();
    auto missing = admin.Post("/api/v1/territory/nodes", {{"kind", "subdistrict"}, {"name", "甲街道"}});
    EXPECT_EQ(missing.status, 403);
    EXPECT_EQ(missing.ErrorField(), "X-CSRF-Token");

    admin.credentials.csrf = "forged-csrf-token";
    EXPECT_EQ(admin.Post("/api/v1/territory/nodes", {{"kind", "subdistrict"}, {"name", "甲街道"}}).status, 403);

    // Nothing was written by the refused requests.
    admin.credentials.csrf = csrf;
    EXPECT_EQ(admin.Get("/api/v1/territory/nodes/count").Json().at("count").as_int64(), 0);
    EXPECT_EQ(admin.Post("/api/v1/territory/nodes", {{"kind", "subdistrict"}, {"name", "甲街道"}}).status, 201);
}

TEST_F(Auth, BearerLoginNeedsNoCsrfAndCannotBeUsedAsACookie) {
    HttpClient client = server.LoggedIn("admin1", /*bearer=*/true);
    EXPECT_EQ(client.Post("/api/v1/territory/nodes", {{"kind", "subdistrict"}, {"name", "乙街道"}}).status, 201);
    HttpClient misuse = server.Client();
    misuse.credentials.cookie = "linli_session=" + client.credentials.bearer;
    EXPECT_EQ(misuse.Get("/api/v1/auth/me").status, 401);
}

TEST_F(Auth, ASessionCookieCannotBeUsedAsABearerToken) {
    HttpClient client = server.LoggedIn("staff1");
    HttpClient misuse = server.Client();
    misuse.credentials.bearer = client.credentials.cookie.substr(std::string("linli_session=").size());
    EXPECT_EQ(misuse.Get("/api/v1/auth/me").status, 401);
}

TEST_F(Auth, FiveWrongPasswordsLockTheAccountForFifteenMinutes) {
    HttpClient client = server.Client();
    for (int i = 0; i < 5; ++i) {
        auto reply = client.Login("staff1", "wrong-password-1");
        EXPECT_EQ(reply.status, 401) << "attempt " << i + 1;
        EXPECT_EQ(reply.body.find("locked"), std::string::npos);
    }
    // The sixth attempt is refused even with the right password.
    auto locked = client.Login("staff1", kTestPassword);
    EXPECT_EQ(locked.status, 423) << locked.body;
    EXPECT_EQ(locked.ErrorCode(), "locked");

    server.clock().Advance(14 * 60);
    EXPECT_EQ(client.Login("staff1", kTestPassword).status, 423);
    server.clock().Advance(61);
    EXPECT_EQ(client.Login("staff1", kTestPassword).status, 200);

    // Every failure was audited.
    HttpClient admin = server.LoggedIn("admin1");
    auto audit = admin.Get("/api/v1/audit?action=auth.login_failed&limit=100");
    ASSERT_EQ(audit.status, 200) << audit.body;
    EXPECT_GE(audit.Json().at("items").as_array().size(), 5u);
}

TEST_F(Auth, UnknownUserAndWrongPasswordGetTheSameAnswer) {
    HttpClient client = server.Client();
    auto unknown = client.Login("nobody-here", "whatever-password1");
    auto wrong = client.Login("staff1", "whatever-password1");
    EXPECT_EQ(unknown.status, 401);
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(unknown.Json().at("error").at("message"), wrong.Json().at("error").at("message"));
}

TEST_F(Auth, SessionsExpireAfterThirtyIdleMinutes) {
    HttpClient client = server.LoggedIn("staff1");
    server.clock().Advance(29 * 60);
    EXPECT_EQ(client.Get("/api/v1/auth/me").status, 200);
    server.clock().Advance(29 * 60);  // active 29 minutes ago: still fine
    EXPECT_EQ(client.Get("/api/v1/auth/me").status, 200);
    server.clock().Advance(31 * 60);
    auto expired = client.Get("/api/v1/auth/me");
    EXPECT_EQ(expired.status, 401);
    EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
}

TEST_F(Auth, SessionsEndAfterTwelveHoursEvenWhenActive) {
    HttpClient client = server.LoggedIn("staff1");
    for (int i = 0; i < 12 * 3 - 1; ++i) {  // every 20 minutes for just under 12 hours
        server.clock().Advance(20 * 60);
        ASSERT_EQ(client.Get("/api/v1/auth/me").status, 200) << "after " << (i + 1) * 20 << " minutes";
    }
    server.clock().Advance(21 * 60);
    EXPECT_EQ(client.Get("/api/v1/auth/me").status, 401);
}

TEST_F(Auth, LogoutEndsTheSession) {
    HttpClient client = server.LoggedIn("staff1");
    auto out = client.Send("POST", "/api/v1/auth/logout");
    EXPECT_EQ(out.status, 204) << out.body;
    EXPECT_NE(out.Header("set-cookie").find("Max-Age=0"), std::string::npos);
    EXPECT_EQ(client.Get("/api/v1/auth/me").status, 401);
}

TEST_F(Auth, ApiTokensWorkUntilRevoked) {
    HttpClient admin = server.LoggedIn("admin1");
    auto created = admin.Post("/api/v1/auth/tokens", {{"name", "门禁系统"}});
    ASSERT_EQ(created.status, 201) << created.body;
    std::string token(created.Json().at("token").as_string());
    int64_t id = created.Json().at("id").as_int64();

    HttpClient integration = server.Client();
    integration.credentials.bearer = token;
    EXPECT_EQ(integration.Get("/api/v1/auth/me").status, 200);
    // API tokens do not expire by idling.
    server.clock().Advance(3 * 24 * 3600);
    EXPECT_EQ(integration.Get("/api/v1/auth/me").status, 200);

    admin = server.LoggedIn("admin1");
    EXPECT_EQ(admin.Delete("/api/v1/auth/tokens/" + std::to_string(id)).status, 204);
    EXPECT_EQ(integration.Get("/api/v1/auth/me").status, 401);
}

TEST_F(Auth, OnlyAdminsManageUsersAndReadTheAudit) {
    HttpClient staff = server.LoggedIn("staff1");
    EXPECT_EQ(staff.Get("/api/v1/users").status, 403);
    EXPECT_EQ(staff.Get("/api/v1/audit").status, 403);
    auto create = staff.Post("/api/v1/users", {{"username", "sneaky"}, {"password", "Long-enough-1"}, {"role", "admin"}});
    EXPECT_EQ(create.status, 403);

    HttpClient admin = server.LoggedIn("admin1");
    auto audit = admin.Get("/api/v1/audit?limit=100");
    ASSERT_EQ(audit.status, 200);
    bool saw_login = false;
    auto audit_json = audit.Json();
    for (const auto& item : audit_json.at("items").as_array()) {
        if (item.at("action") == "auth.login" && item.at("actor_name") == "staff1") {
            saw_login = true;
            EXPECT_FALSE(item.at("request_id").as_string().empty());
        }
    }
    EXPECT_TRUE(saw_login);
    // The audit log is append-only through the API.
    EXPECT_EQ(admin.Send("DELETE", "/api/v1/audit").status, 405);
    EXPECT_EQ(admin.Send("PUT", "/api/v1/audit").status, 405);
}

TEST_F(Auth, AdminCreatesAUserWhoCanLogInAndDisablingEndsTheirSessions) {
    HttpClient admin = server.LoggedIn("admin1");
    auto created = admin.Post("/api/v1/users", {{"username", "grid7"},
                                                {"display_name", "网格员 小李"},
                                                {"password", "Grid-worker-7"},
                                                {"role", "grid_worker"}});
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.body.find("Grid-worker-7"), std::string::npos);
    int64_t id = created.Json().at("id").as_int64();

    HttpClient grid = server.Client();
    ASSERT_EQ(grid.Login("grid7", "Grid-worker-7").status, 200);
    EXPECT_EQ(grid.Get("/api/v1/auth/me").status, 200);

    auto disabled = admin.Patch("/api/v1/users/" + std::to_string(id), {{"status", "disabled"}});
    ASSERT_EQ(disabled.status, 200) << disabled.body;
    EXPECT_EQ(grid.Get("/api/v1/auth/me").status, 401);
    EXPECT_EQ(grid.Login("grid7", "Grid-worker-7").status, 401);
}

TEST_F(Auth, DuplicateUsernameIs409AndWeakPasswordIs400) {
    HttpClient admin = server.LoggedIn("admin1");
    auto dup = admin.Post("/api/v1/users", {{"username", "staff1"}, {"password", "Another-pass-1"}, {"role", "volunteer"}});
    EXPECT_EQ(dup.status, 409);
    auto weak = admin.Post("/api/v1/users", {{"username", "weakling"}, {"password", "short"}, {"role", "volunteer"}});
    EXPECT_EQ(weak.status, 400);
    EXPECT_EQ(weak.ErrorField(), "password");
}

}  // namespace
}  // namespace linli::testing
