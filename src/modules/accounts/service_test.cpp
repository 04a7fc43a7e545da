#include "modules/accounts/service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "support/test_database.hpp"

namespace linli::accounts {
namespace {

using linli::testing::Backend;

constexpr int64_t kStart = 1'700'000'000;  // 2023-11-14T22:13:20Z
constexpr char kAdminPassword[] = "Admin-Password-1";
constexpr char kPassword[] = "Correct-Horse-9";
const RequestInfo kInfo{"req-1", "127.0.0.1"};

class AccountsServiceTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        db_ = linli::testing::OpenTestDatabase(GetParam());
        // Three territory nodes for user_scopes' foreign key: community 1 with grid 3, community 2.
        auto seeded = db_->Write([](storage::Conn& c) -> Result<void> {
            const char* sql =
                "INSERT INTO territory_nodes (id, parent_id, kind, name, path, depth, community_id, created_at, "
                "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0)";
            LINLI_TRY(c.Exec(sql, {1, nullptr, "community", "青和居", "/1/", 0, 1}));
            LINLI_TRY(c.Exec(sql, {2, nullptr, "community", "流塘", "/2/", 0, 2}));
            LINLI_TRY(c.Exec(sql, {3, 1, "grid", "第一网格", "/1/3/", 1, 1}));
            return {};
        });
        ASSERT_TRUE(seeded) << seeded.error().message;

        AccountsOptions options;
        options.cost = PasswordCost::Minimum();
        service_ = std::make_unique<AccountsService>(*db_, clock_, options, [](const std::vector<int64_t>& ids) {
            // Like the registry: known nodes come back with their paths, unknown ones are left out.
            std::vector<ScopeNode> nodes;
            for (int64_t id : ids) {
                if (id == 1 || id == 2) {
                    nodes.push_back({id, "/" + std::to_string(id) + "/"});
                } else if (id == 3) {
                    nodes.push_back({id, "/1/3/"});
                }
            }
            return Result<std::vector<ScopeNode>>(std::move(nodes));
        });

        auto admin = service_->CreateUser(AccountsService::SystemActor("test"),
                                          NewUser{"admin", "管理员", kAdminPassword, Role::kAdmin, {}}, kInfo);
        ASSERT_TRUE(admin) << admin.error().message;
        admin_ = BearerActor("admin", kAdminPassword);
    }

    void TearDown() override {
        service_.reset();
        db_.reset();
    }

    /// Logs in with a bearer token and authenticates with it: the actor a request would carry.
    Actor BearerActor(const std::string& username, const std::string& password) {
        auto login = service_->Login(username, password, true, kInfo);
        EXPECT_TRUE(login) << login.error().message;
        if (!login) {
            return {};
        }
        auto actor = service_->Authenticate(Credentials{login->token, CredentialKind::kBearer, false, {}});
        EXPECT_TRUE(actor) << actor.error().message;
        return actor ? *actor : Actor{};
    }

    User CreateUser(const std::string& username, Role role, std::vector<int64_t> scope = {}) {
        auto user = service_->CreateUser(admin_, NewUser{username, "", kPassword, role, std::move(scope)}, kInfo);
        EXPECT_TRUE(user) << user.error().message;
        return user ? *user : User{};
    }

    Result<Actor> Cookie(const LoginResult& login, bool unsafe, std::optional<std::string> csrf) {
        return service_->Authenticate(
            Credentials{login.token, CredentialKind::kSessionCookie, unsafe, std::move(csrf)});
    }

    Result<Actor> Bearer(const std::string& token) {
        return service_->Authenticate(Credentials{token, CredentialKind::kBearer, true, {}});
    }

    int64_t AuditCount(const std::string& action) {
        auto rows = db_->Read(
            [&](storage::Conn& c) { return c.Query("SELECT COUNT(*) FROM audit_log WHERE action = $1", {action}); });
        EXPECT_TRUE(rows);
        return rows ? rows->front().Int(0) : -1;
    }

    ManualClock clock_{kStart};
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<AccountsService> service_;
    Actor admin_;
};

// ---- login and lockout -----------------------------------------------------------------------------

TEST_P(AccountsServiceTest, LoginOpensACookieSessionWithCsrfToken) {
    CreateUser("grid01", Role::kGridWorker, {3});
    auto login = service_->Login("grid01", kPassword, false, kInfo);
    ASSERT_TRUE(login) << login.error().message;
    EXPECT_EQ(login->token.size(), 43u);
    EXPECT_FALSE(login->csrf_token.empty());
    EXPECT_NE(login->csrf_token, login->token);
    EXPECT_EQ(login->expires_at, kStart + 43200);
    EXPECT_EQ(login->user.username, "grid01");

    auto actor = Cookie(*login, false, std::nullopt);
    ASSERT_TRUE(actor) << actor.error().message;
    EXPECT_EQ(actor->username, "grid01");
    EXPECT_EQ(actor->role, Role::kGridWorker);
    EXPECT_EQ(actor->credential, CredentialKind::kSessionCookie);
    ASSERT_EQ(actor->scope.size(), 1u);
    EXPECT_EQ(actor->scope[0].path, "/1/3/");
    EXPECT_TRUE(actor->CanSee("/1/3/17/"));
    EXPECT_FALSE(actor->CanSee("/2/"));
    EXPECT_EQ(AuditCount("auth.login"), 2);  // the fixture's admin, then grid01
}

TEST_P(AccountsServiceTest, UsernamesAreCaseInsensitive) {
    CreateUser("Grid01", Role::kGridWorker);
    EXPECT_TRUE(service_->Login("GRID01", kPassword, true, kInfo));
    EXPECT_TRUE(service_->Login(" grid01 ", kPassword, true, kInfo));
}

TEST_P(AccountsServiceTest, BearerLoginHasNoCsrfToken) {
    CreateUser("robot", Role::kCommunityStaff);
    auto login = service_->Login("robot", kPassword, true, kInfo);
    ASSERT_TRUE(login);
    EXPECT_TRUE(login->csrf_token.empty());
    auto actor = Bearer(login->token);  // unsafe method, no CSRF header: fine for bearer
    ASSERT_TRUE(actor) << actor.error().message;
    EXPECT_EQ(actor->credential, CredentialKind::kBearer);
}

TEST_P(AccountsServiceTest, UnknownUserAndWrongPasswordLookTheSame) {
    CreateUser("grid01", Role::kGridWorker);
    auto unknown = service_->Login("nobody", kPassword, false, kInfo);
    auto wrong = service_->Login("grid01", "Wrong-Password-1", false, kInfo);
    ASSERT_FALSE(unknown);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(unknown.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(unknown.error().message, "wrong username or password");
    EXPECT_EQ(wrong.error().message, unknown.error().message);

    // Both refusals are on record although the calls failed; the unknown name is kept, cut to 64.
    EXPECT_EQ(AuditCount("auth.login_failed"), 2);
    auto long_name = service_->Login(std::string(100, 'x'), kPassword, false, kInfo);
    ASSERT_FALSE(long_name);
    AuditQuery q;
    q.action = "auth.login_failed";
    auto page = service_->ListAudit(admin_, q);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->items.size(), 3u);
    EXPECT_EQ(page->items[0].actor_name, std::string(64, 'x'));
    EXPECT_FALSE(page->items[0].actor_user_id.has_value());
    EXPECT_EQ(page->items[2].actor_name, "nobody");
}

TEST_P(AccountsServiceTest, FiveWrongPasswordsLockTheAccountForFifteenMinutes) {
    User user = CreateUser("grid01", Role::kGridWorker);
    for (int i = 0; i < 5; ++i) {
        auto r = service_->Login("grid01", "Wrong-Password-1", false, kInfo);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated) << "attempt " << i + 1;
    }
    // The sixth attempt is refused even with the right password.
    auto locked = service_->Login("grid01", kPassword, false, kInfo);
    ASSERT_FALSE(locked);
    EXPECT_EQ(locked.error().code, ErrorCode::kLocked);
    EXPECT_EQ(locked.error().message, "account locked until " + FormatUtc(kStart + 900));
    EXPECT_EQ(locked.error().message, "account locked until 2023-11-14T22:28:20Z");
    EXPECT_EQ(AuditCount("auth.locked"), 1);
    EXPECT_EQ(AuditCount("auth.login_failed"), 6);

    auto shown = service_->GetUser(admin_, user.id);
    ASSERT_TRUE(shown);
    EXPECT_EQ(shown->failed_logins, 5);
    EXPECT_EQ(shown->locked_until, kStart + 900);

    clock_.Advance(899);
    EXPECT_EQ(service_->Login("grid01", kPassword, false, kInfo).error().code, ErrorCode::kLocked);
    clock_.Advance(1);
    auto again = service_->Login("grid01", kPassword, false, kInfo);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->user.failed_logins, 0);
    EXPECT_FALSE(again->user.locked_until.has_value());
}

TEST_P(AccountsServiceTest, AnExpiredLockStartsTheCountAfresh) {
    CreateUser("grid01", Role::kGridWorker);
    for (int i = 0; i < 5; ++i) {
        ASSERT_FALSE(service_->Login("grid01", "Wrong-Password-1", false, kInfo));
    }
    clock_.Advance(900);
    // One wrong password after the lock ran out is one failure, not a sixth.
    auto wrong = service_->Login("grid01", "Wrong-Password-1", false, kInfo);
    EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
    EXPECT_TRUE(service_->Login("grid01", kPassword, false, kInfo));
}

TEST_P(AccountsServiceTest, SuccessResetsTheFailureCount) {
    CreateUser("grid01", Role::kGridWorker);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 4; ++i) {
            ASSERT_FALSE(service_->Login("grid01", "Wrong-Password-1", false, kInfo));
        }
        ASSERT_TRUE(service_->Login("grid01", kPassword, false, kInfo)) << "round " << round;
    }
}

TEST_P(AccountsServiceTest, UnlockLetsALockedUserIn) {
    User user = CreateUser("grid01", Role::kGridWorker);
    for (int i = 0; i < 5; ++i) {
        ASSERT_FALSE(service_->Login("grid01", "Wrong-Password-1", false, kInfo));
    }
    auto unlocked = service_->Unlock(admin_, user.id, kInfo);
    ASSERT_TRUE(unlocked) << unlocked.error().message;
    EXPECT_EQ(unlocked->failed_logins, 0);
    EXPECT_FALSE(unlocked->locked_until.has_value());
    EXPECT_TRUE(service_->Login("grid01", kPassword, false, kInfo));
    EXPECT_EQ(AuditCount("user.unlock"), 1);
}

TEST_P(AccountsServiceTest, DisabledUsersCannotLogIn) {
    User user = CreateUser("grid01", Role::kGridWorker);
    UserPatch patch;
    patch.status = UserStatus::kDisabled;
    ASSERT_TRUE(service_->UpdateUser(admin_, user.id, patch, kInfo));
    auto r = service_->Login("grid01", kPassword, false, kInfo);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(r.error().message, "wrong username or password");
}

// ---- sessions ------------------------------------------------------------------------------------------

TEST_P(AccountsServiceTest, SessionsExpireAfterThirtyIdleMinutes) {
    CreateUser("grid01", Role::kGridWorker);
    auto login = service_->Login("grid01", kPassword, false, kInfo);
    ASSERT_TRUE(login);
    // Activity keeps it alive: 2,000 s in all, never 1,800 s idle.
    clock_.Advance(1000);
    ASSERT_TRUE(Cookie(*login, false, std::nullopt));
    clock_.Advance(1000);
    ASSERT_TRUE(Cookie(*login, false, std::nullopt));

    clock_.Advance(1801);
    auto r = Cookie(*login, false, std::nullopt);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(r.error().message, "session expired");
    EXPECT_EQ(r.error().field, "session");
}

TEST_P(AccountsServiceTest, SessionsEndTwelveHoursAfterLoginEvenWhenActive) {
    CreateUser("grid01", Role::kGridWorker);
    auto login = service_->Login("grid01", kPassword, true, kInfo);
    ASSERT_TRUE(login);
    for (int i = 0; i < 28; ++i) {  // 28 × 1,500 s = 42,000 s < 43,200 s
        clock_.Advance(1500);
        ASSERT_TRUE(Bearer(login->token)) << "step " << i;
    }
    clock_.Advance(1500);
    auto r = Bearer(login->token);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(r.error().message, "session expired");
}

TEST_P(AccountsServiceTest, ForgedAndRevokedTokensAreRefused) {
    auto forged = Bearer("dGhpcyBpcyBub3QgYSByZWFsIHRva2VuIGF0IGFsbCEh");
    ASSERT_FALSE(forged);
    EXPECT_EQ(forged.error().code, ErrorCode::kUnauthenticated);
    EXPECT_FALSE(Bearer(""));
    EXPECT_FALSE(Bearer(std::string(10000, 'a')));

    CreateUser("grid01", Role::kGridWorker);
    auto login = service_->Login("grid01", kPassword, false, kInfo);
    ASSERT_TRUE(login);
    auto actor = Cookie(*login, true, login->csrf_token);
    ASSERT_TRUE(actor);
    ASSERT_TRUE(service_->Logout(*actor, kInfo));
    auto after = Cookie(*login, false, std::nullopt);
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(AuditCount("auth.logout"), 1);
}

TEST_P(AccountsServiceTest, CookieSessionsNeedTheCsrfHeaderOnUnsafeMethods) {
    CreateUser("grid01", Role::kGridWorker);
    auto login = service_->Login("grid01", kPassword, false, kInfo);
    ASSERT_TRUE(login);

    EXPECT_TRUE(Cookie(*login, false, std::nullopt));  // GET: no header needed
    auto missing = Cookie(*login, true, std::nullopt);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kForbidden);
    EXPECT_EQ(missing.error().field, "X-CSRF-Token");
    auto wrong = Cookie(*login, true, std::string("not-the-token"));
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::kForbidden);
    auto other_session = service_->Login("grid01", kPassword, false, kInfo);
    ASSERT_TRUE(other_session);
    EXPECT_FALSE(Cookie(*login, true, other_session->csrf_token));  // another session's token
    EXPECT_TRUE(Cookie(*login, true, login->csrf_token));
}

TEST_P(AccountsServiceTest, ACredentialOnlyWorksWhereItWasMeantToBeSent) {
    CreateUser("grid01", Role::kGridWorker);
    auto cookie_login = service_->Login("grid01", kPassword, false, kInfo);
    auto bearer_login = service_->Login("grid01", kPassword, true, kInfo);
    ASSERT_TRUE(cookie_login && bearer_login);

    // A console cookie replayed as a bearer header would dodge the CSRF check.
    auto as_bearer = Bearer(cookie_login->token);
    ASSERT_FALSE(as_bearer);
    EXPECT_EQ(as_bearer.error().code, ErrorCode::kUnauthenticated);
    // A bearer token or API token set as a cookie.
    EXPECT_FALSE(
        service_->Authenticate(Credentials{bearer_login->token, CredentialKind::kSessionCookie, false, std::nullopt}));
    Actor actor = BearerActor("grid01", kPassword);
    auto api = service_->CreateApiToken(actor, "sync", std::nullopt, kInfo);
    ASSERT_TRUE(api);
    EXPECT_FALSE(service_->Authenticate(Credentials{api->token, CredentialKind::kSessionCookie, false, std::nullopt}));
    EXPECT_TRUE(Bearer(api->token));
}

TEST_P(AccountsServiceTest, DisablingAUserRevokesTheirSessions) {
    User user = CreateUser("grid01", Role::kGridWorker);
    auto login = service_->Login("grid01", kPassword, false, kInfo);
    ASSERT_TRUE(login);
    Actor actor = BearerActor("grid01", kPassword);
    auto api = service_->CreateApiToken(actor, "sync", std::nullopt, kInfo);
    ASSERT_TRUE(api);

    UserPatch patch;
    patch.status = UserStatus::kDisabled;
    auto disabled = service_->UpdateUser(admin_, user.id, patch, kInfo);
    ASSERT_TRUE(disabled) << disabled.error().message;
    EXPECT_EQ(disabled->status, UserStatus::kDisabled);
    EXPECT_FALSE(Cookie(*login, false, std::nullopt));
    EXPECT_FALSE(Bearer(api->token));
    EXPECT_EQ(AuditCount("user.disable"), 1);

    // Enabling again does not bring the old sessions back.
    patch.status = UserStatus::kActive;
    ASSERT_TRUE(service_->UpdateUser(admin_, user.id, patch, kInfo));
    EXPECT_FALSE(Cookie(*login, false, std::nullopt));
    EXPECT_TRUE(service_->Login("grid01", kPassword, false, kInfo));
    EXPECT_EQ(AuditCount("user.enable"), 1);
}

TEST_P(AccountsServiceTest, AnAdminCannotDisableOrDemoteThemselves) {
    UserPatch disable;
    disable.status = UserStatus::kDisabled;
    auto r = service_->UpdateUser(admin_, admin_.user_id, disable, kInfo);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, "status");
    UserPatch demote;
    demote.role = Role::kResident;
    auto demoted = service_->UpdateUser(admin_, admin_.user_id, demote, kInfo);
    ASSERT_FALSE(demoted);
    EXPECT_EQ(demoted.error().field, "role");
    auto me = service_->GetUser(admin_, admin_.user_id);
    ASSERT_TRUE(me);
    EXPECT_EQ(me->status, UserStatus::kActive);
    EXPECT_EQ(me->role, Role::kAdmin);
}

TEST_P(AccountsServiceTest, PasswordResetRevokesSessionsAndClearsTheLock) {
    User user = CreateUser("grid01", Role::kGridWorker);
    auto login = service_->Login("grid01", kPassword, false, kInfo);
    ASSERT_TRUE(login);
    for (int i = 0; i < 5; ++i) {
        ASSERT_FALSE(service_->Login("grid01", "Wrong-Password-1", false, kInfo));
    }
    UserPatch patch;
    patch.password = "Brand-New-Pass-2";
    auto reset = service_->UpdateUser(admin_, user.id, patch, kInfo);
    ASSERT_TRUE(reset) << reset.error().message;
    EXPECT_EQ(reset->password_changed_at, kStart);
    EXPECT_FALSE(Cookie(*login, false, std::nullopt));
    EXPECT_FALSE(service_->Login("grid01", kPassword, false, kInfo));
    EXPECT_TRUE(service_->Login("grid01", "Brand-New-Pass-2", false, kInfo));
    EXPECT_EQ(AuditCount("user.password_reset"), 1);

    patch.password = "short";
    auto weak = service_->UpdateUser(admin_, user.id, patch, kInfo);
    ASSERT_FALSE(weak);
    EXPECT_EQ(weak.error().field, "password");
}

// ---- accounts without a password ---------------------------------------------------------------------------

TEST_P(AccountsServiceTest, AnAccountWithoutAPasswordCannotLogInUntilAnAdminSetsOne) {
    auto created =
        service_->CreateUser(admin_, NewUser{"link01", "联户长 赵师傅", std::nullopt, Role::kLinkLeader, {3}}, kInfo);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_FALSE(created->password_changed_at.has_value());  // no password was ever set

    // Every password is refused exactly like a wrong one, including the marker stored in its place.
    auto wrong_elsewhere = service_->Login("admin", "Wrong-Password-1", false, kInfo);
    ASSERT_FALSE(wrong_elsewhere);
    for (const std::string& attempt : {std::string(kPassword), std::string(""), std::string(kNoPasswordHash)}) {
        auto refused = service_->Login("link01", attempt, false, kInfo);
        ASSERT_FALSE(refused) << attempt;
        EXPECT_EQ(refused.error().code, wrong_elsewhere.error().code) << attempt;
        EXPECT_EQ(refused.error().message, wrong_elsewhere.error().message) << attempt;
    }
    // The attempts count towards the lock like wrong passwords; the log says why they failed.
    EXPECT_EQ(service_->GetUser(admin_, created->id)->failed_logins, 3);
    AuditQuery failed;
    failed.action = "auth.login_failed";
    auto rows = service_->ListAudit(admin_, failed);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->items.size(), 4u);
    EXPECT_NE(rows->items[0].detail.find("no_password"), std::string::npos) << rows->items[0].detail;
    EXPECT_NE(rows->items[3].detail.find("wrong_password"), std::string::npos) << rows->items[3].detail;

    clock_.Advance(60);
    UserPatch patch;
    patch.password = "Link-Leader-Pass-1";
    auto reset = service_->UpdateUser(admin_, created->id, patch, kInfo);
    ASSERT_TRUE(reset) << reset.error().message;
    EXPECT_EQ(reset->password_changed_at, kStart + 60);
    EXPECT_EQ(reset->failed_logins, 0);
    auto login = service_->Login("link01", "Link-Leader-Pass-1", false, kInfo);
    ASSERT_TRUE(login) << login.error().message;
    EXPECT_EQ(login->user.role, Role::kLinkLeader);
}

TEST_P(AccountsServiceTest, CreateUsersMakesManyAccountsInOneTransaction) {
    std::vector<NewUser> batch{
        NewUser{"Grid_02", "网格员 王芳", std::nullopt, Role::kGridWorker, {3}},
        NewUser{"head_01", "", std::nullopt, Role::kBuildingHead, {3, 1, 3}},
        NewUser{"staff_02", "社区工作者", std::string(kPassword), Role::kCommunityStaff, {2}},
    };
    auto created = service_->CreateUsers(admin_, batch, kInfo);
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_EQ(created->size(), 3u);
    EXPECT_EQ((*created)[0].username, "grid_02");
    EXPECT_LT((*created)[0].id, (*created)[1].id);
    EXPECT_EQ((*created)[1].display_name, "head_01");
    EXPECT_FALSE((*created)[1].password_changed_at.has_value());
    EXPECT_EQ((*created)[2].password_changed_at, kStart);

    // What was stored is what came back.
    auto head = service_->GetUserByUsername(admin_, "head_01");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->id, (*created)[1].id);
    EXPECT_EQ(head->role, Role::kBuildingHead);
    EXPECT_EQ(head->scope_node_ids, (std::vector<int64_t>{1, 3}));
    EXPECT_FALSE(head->password_changed_at.has_value());
    EXPECT_FALSE(service_->Login("grid_02", kPassword, false, kInfo));
    EXPECT_TRUE(service_->Login("staff_02", kPassword, false, kInfo));

    // One audit row for the batch, naming the count; no user.create row per account.
    EXPECT_EQ(AuditCount("user.create_batch"), 1);
    EXPECT_EQ(AuditCount("user.create"), 1);  // the fixture's admin
    AuditQuery q;
    q.action = "user.create_batch";
    auto rows = service_->ListAudit(admin_, q);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->items.size(), 1u);
    EXPECT_NE(rows->items[0].detail.find("\"count\":\"3\""), std::string::npos) << rows->items[0].detail;
    EXPECT_NE(rows->items[0].detail.find("\"without_password\":\"2\""), std::string::npos) << rows->items[0].detail;
}

TEST_P(AccountsServiceTest, CreateUsersIsAllOrNothing) {
    auto count_users = [&] {
        UserQuery all;
        all.limit = 500;
        return service_->ListUsers(admin_, all)->items.size();
    };
    const size_t before = count_users();
    auto taken = service_->CreateUsers(admin_,
                                       {NewUser{"fresh_01", "", std::nullopt, Role::kLinkLeader, {}},
                                        NewUser{"ADMIN", "", std::nullopt, Role::kLinkLeader, {}}},
                                       kInfo);
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().code, ErrorCode::kConflict);
    EXPECT_EQ(taken.error().field, "username");
    EXPECT_NE(taken.error().message.find("admin"), std::string::npos) << taken.error().message;

    auto twice = service_->CreateUsers(admin_,
                                       {NewUser{"fresh_01", "", std::nullopt, Role::kLinkLeader, {}},
                                        NewUser{"fresh_01", "", std::nullopt, Role::kLinkLeader, {}}},
                                       kInfo);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, ErrorCode::kConflict);

    auto unknown_node = service_->CreateUsers(admin_,
                                              {NewUser{"fresh_01", "", std::nullopt, Role::kLinkLeader, {3}},
                                               NewUser{"fresh_02", "", std::nullopt, Role::kLinkLeader, {99}}},
                                              kInfo);
    ASSERT_FALSE(unknown_node);
    EXPECT_EQ(unknown_node.error().field, "scope_node_ids");

    auto bad_name = service_->CreateUsers(admin_,
                                          {NewUser{"fresh_01", "", std::nullopt, Role::kLinkLeader, {}},
                                           NewUser{"x", "", std::nullopt, Role::kLinkLeader, {}}},
                                          kInfo);
    ASSERT_FALSE(bad_name);
    EXPECT_EQ(bad_name.error().field, "username");
    EXPECT_NE(bad_name.error().message.find("user 2"), std::string::npos) << bad_name.error().message;

    auto weak =
        service_->CreateUsers(admin_, {NewUser{"fresh_01", "", std::string("short"), Role::kLinkLeader, {}}}, kInfo);
    ASSERT_FALSE(weak);
    EXPECT_EQ(weak.error().field, "password");

    EXPECT_EQ(count_users(), before);
    EXPECT_EQ(AuditCount("user.create_batch"), 0);

    CreateUser("staff01", Role::kCommunityStaff, {1});
    Actor staff = BearerActor("staff01", kPassword);
    auto forbidden =
        service_->CreateUsers(staff, {NewUser{"fresh_01", "", std::nullopt, Role::kLinkLeader, {}}}, kInfo);
    ASSERT_FALSE(forbidden);
    EXPECT_EQ(forbidden.error().code, ErrorCode::kForbidden);
}

// ---- user administration ----------------------------------------------------------------------------------

TEST_P(AccountsServiceTest, OnlyAdminsManageUsers) {
    CreateUser("staff01", Role::kCommunityStaff, {1});
    Actor staff = BearerActor("staff01", kPassword);
    auto created = service_->CreateUser(staff, NewUser{"grid09", "", kPassword, Role::kGridWorker, {}}, kInfo);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, ErrorCode::kForbidden);
    EXPECT_EQ(service_->ListUsers(staff, {}).error().code, ErrorCode::kForbidden);
    EXPECT_EQ(service_->GetUser(staff, admin_.user_id).error().code, ErrorCode::kForbidden);
    EXPECT_EQ(service_->UpdateUser(staff, admin_.user_id, UserPatch{}, kInfo).error().code, ErrorCode::kForbidden);
    EXPECT_EQ(service_->Unlock(staff, admin_.user_id, kInfo).error().code, ErrorCode::kForbidden);
    EXPECT_EQ(service_->ListAudit(staff, {}).error().code, ErrorCode::kForbidden);
    EXPECT_TRUE(service_->GetUser(staff, staff.user_id));  // oneself is fine
    EXPECT_EQ(AuditCount("user.create"), 2);               // admin and staff01, nothing more
}

TEST_P(AccountsServiceTest, CreateUserValidatesItsInput) {
    auto create = [&](std::string username, std::string password, std::vector<int64_t> scope = {}) {
        return service_->CreateUser(admin_, NewUser{username, "", password, Role::kGridWorker, scope}, kInfo);
    };
    for (const char* bad : {"ab", "has space", "ünï", "semi;colon", ""}) {
        auto r = create(bad, kPassword);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().field, "username") << bad;
    }
    EXPECT_EQ(create(std::string(65, 'a'), kPassword).error().field, "username");
    EXPECT_TRUE(create(std::string(64, 'a'), kPassword));
    EXPECT_EQ(create("weakling", "password").error().field, "password");

    auto unknown_node = create("grid02", kPassword, {1, 99});
    ASSERT_FALSE(unknown_node);
    EXPECT_EQ(unknown_node.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(unknown_node.error().field, "scope_node_ids");

    auto ok = create("Grid.02", kPassword, {3, 1, 3});
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->username, "grid.02");
    EXPECT_EQ(ok->display_name, "grid.02");
    EXPECT_EQ(ok->scope_node_ids, (std::vector<int64_t>{1, 3}));
    EXPECT_EQ(ok->status, UserStatus::kActive);

    auto dup = create("GRID.02", kPassword);
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
    EXPECT_EQ(dup.error().field, "username");
}

TEST_P(AccountsServiceTest, UpdateUserChangesProfileRoleAndScope) {
    User user = CreateUser("grid01", Role::kGridWorker, {3});
    UserPatch patch;
    patch.display_name = "  王网格  ";
    patch.role = Role::kCommunityStaff;
    patch.scope_node_ids = std::vector<int64_t>{1, 2};
    clock_.Advance(10);
    auto updated = service_->UpdateUser(admin_, user.id, patch, kInfo);
    ASSERT_TRUE(updated) << updated.error().message;
    EXPECT_EQ(updated->display_name, "王网格");
    EXPECT_EQ(updated->role, Role::kCommunityStaff);
    EXPECT_EQ(updated->scope_node_ids, (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(updated->updated_at, kStart + 10);
    EXPECT_EQ(AuditCount("user.update"), 1);

    // The new role and scope show on the next request.
    Actor actor = BearerActor("grid01", kPassword);
    EXPECT_EQ(actor.role, Role::kCommunityStaff);
    EXPECT_TRUE(actor.CanSee("/2/8/"));

    patch = UserPatch{};
    patch.scope_node_ids = std::vector<int64_t>{42};
    EXPECT_EQ(service_->UpdateUser(admin_, user.id, patch, kInfo).error().field, "scope_node_ids");
    EXPECT_EQ(service_->UpdateUser(admin_, 999999, UserPatch{}, kInfo).error().code, ErrorCode::kNotFound);
}

TEST_P(AccountsServiceTest, ListUsersFiltersAndPages) {
    CreateUser("grid01", Role::kGridWorker, {3});
    CreateUser("grid02", Role::kGridWorker);
    CreateUser("staff01", Role::kCommunityStaff);
    UserQuery query;
    query.limit = 2;
    auto first = service_->ListUsers(admin_, query);
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_EQ(first->items.size(), 2u);
    EXPECT_EQ(first->items[0].username, "admin");
    ASSERT_TRUE(first->next_cursor);
    query.cursor = first->next_cursor;
    auto second = service_->ListUsers(admin_, query);
    ASSERT_TRUE(second);
    ASSERT_EQ(second->items.size(), 2u);
    EXPECT_EQ(second->items[0].username, "grid02");
    EXPECT_EQ(second->items[1].username, "staff01");
    EXPECT_FALSE(second->next_cursor);

    UserQuery by_role;
    by_role.role = Role::kGridWorker;
    auto grid = service_->ListUsers(admin_, by_role);
    ASSERT_TRUE(grid);
    ASSERT_EQ(grid->items.size(), 2u);
    EXPECT_EQ(grid->items[0].scope_node_ids, (std::vector<int64_t>{3}));

    UserQuery by_text;
    by_text.q = "STAFF";
    auto staff = service_->ListUsers(admin_, by_text);
    ASSERT_TRUE(staff);
    ASSERT_EQ(staff->items.size(), 1u);
    EXPECT_EQ(staff->items[0].username, "staff01");
    by_text.q = "%";
    EXPECT_TRUE(service_->ListUsers(admin_, by_text)->items.empty());  // wildcards match literally

    UserQuery bad_cursor;
    bad_cursor.cursor = "abc";
    EXPECT_EQ(service_->ListUsers(admin_, bad_cursor).error().field, "cursor");
}

// ---- API tokens ----------------------------------------------------------------------------------------------

TEST_P(AccountsServiceTest, ApiTokensWorkUntilTheyExpireOrAreRevoked) {
    CreateUser("staff01", Role::kCommunityStaff);
    Actor staff = BearerActor("staff01", kPassword);
    auto token = service_->CreateApiToken(staff, "门禁同步", 1, kInfo);
    ASSERT_TRUE(token) << token.error().message;
    EXPECT_EQ(token->info.expires_at, kStart + 86400);

    // No idle timeout for API tokens: an hour of silence is fine.
    clock_.Advance(3600);
    auto actor = Bearer(token->token);
    ASSERT_TRUE(actor) << actor.error().message;
    EXPECT_EQ(actor->username, "staff01");

    auto listed = service_->ListApiTokens(staff, {});
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->items.size(), 1u);
    EXPECT_EQ(listed->items[0].name, "门禁同步");

    clock_.Advance(86400);
    auto expired = Bearer(token->token);
    ASSERT_FALSE(expired);
    EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);

    auto bad_days = service_->CreateApiToken(staff, "x", 0, kInfo);
    EXPECT_EQ(bad_days.error().field, "expires_in_days");
    EXPECT_EQ(service_->CreateApiToken(staff, "   ", std::nullopt, kInfo).error().field, "name");
}

TEST_P(AccountsServiceTest, OnlyTheOwnerOrAnAdminRevokesAToken) {
    CreateUser("staff01", Role::kCommunityStaff);
    CreateUser("staff02", Role::kCommunityStaff);
    Actor one = BearerActor("staff01", kPassword);
    Actor two = BearerActor("staff02", kPassword);
    auto token = service_->CreateApiToken(one, "sync", std::nullopt, kInfo);
    ASSERT_TRUE(token);

    auto foreign = service_->RevokeApiToken(two, token->info.id, kInfo);
    ASSERT_FALSE(foreign);
    EXPECT_EQ(foreign.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(service_->ListApiTokens(two, {})->items.empty());
    ApiTokenQuery all;
    all.all_users = true;
    EXPECT_EQ(service_->ListApiTokens(two, all).error().code, ErrorCode::kForbidden);
    EXPECT_EQ(service_->ListApiTokens(admin_, all)->items.size(), 1u);

    ASSERT_TRUE(service_->RevokeApiToken(admin_, token->info.id, kInfo));
    EXPECT_FALSE(Bearer(token->token));
    EXPECT_TRUE(service_->ListApiTokens(one, {})->items.empty());
    EXPECT_EQ(service_->RevokeApiToken(one, token->info.id, kInfo).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(AuditCount("api_token.create"), 1);
    EXPECT_EQ(AuditCount("api_token.revoke"), 1);
}

// ---- audit ---------------------------------------------------------------------------------------------------

TEST_P(AccountsServiceTest, EveryWriteLeavesAnAuditRow) {
    User user = CreateUser("grid01", Role::kGridWorker);
    clock_.Advance(5);
    UserPatch patch;
    patch.display_name = "网格员一号";
    ASSERT_TRUE(service_->UpdateUser(admin_, user.id, patch, kInfo));
    ASSERT_TRUE(service_->Unlock(admin_, user.id, kInfo));
    Actor grid = BearerActor("grid01", kPassword);
    auto token = service_->CreateApiToken(grid, "sync", std::nullopt, kInfo);
    ASSERT_TRUE(token);
    ASSERT_TRUE(service_->RevokeApiToken(grid, token->info.id, kInfo));
    ASSERT_TRUE(service_->Logout(grid, kInfo));

    for (const char* action : {"user.create", "user.update", "user.unlock", "auth.login", "api_token.create",
                               "api_token.revoke", "auth.logout"}) {
        EXPECT_GE(AuditCount(action), 1) << action;
    }

    AuditQuery query;
    query.actor_user_id = grid.user_id;
    auto mine = service_->ListAudit(admin_, query);
    ASSERT_TRUE(mine);
    ASSERT_EQ(mine->items.size(), 4u);  // newest first
    EXPECT_EQ(mine->items[0].action, "auth.logout");
    EXPECT_EQ(mine->items[3].action, "auth.login");
    EXPECT_EQ(mine->items[0].request_id, "req-1");
    EXPECT_EQ(mine->items[0].remote_addr, "127.0.0.1");
    EXPECT_EQ(mine->items[0].at, kStart + 5);

    AuditQuery by_user;
    by_user.action = "user.";
    auto user_rows = service_->ListAudit(admin_, by_user);
    ASSERT_TRUE(user_rows);
    ASSERT_EQ(user_rows->items.size(), 4u);  // create admin, create grid01, update, unlock
    EXPECT_EQ(user_rows->items[0].action, "user.unlock");
    EXPECT_EQ(user_rows->items[0].target_id, user.id);
    EXPECT_EQ(user_rows->items[0].actor_name, "admin");
    EXPECT_EQ(user_rows->items[3].actor_name, "test");  // the system actor
    EXPECT_FALSE(user_rows->items[3].actor_user_id.has_value());

    // Password hashes never reach the log.
    AuditQuery everything;
    everything.limit = 500;
    const auto all_rows = service_->ListAudit(admin_, everything);  // kept: the loop reads into it
    ASSERT_TRUE(all_rows);
    for (const auto& row : all_rows->items) {
        EXPECT_EQ(row.detail.find("argon2"), std::string::npos) << row.action;
        EXPECT_EQ(row.detail.find(kPassword), std::string::npos) << row.action;
    }
}

TEST_P(AccountsServiceTest, AuditPagesWalkBackInTime) {
    for (int i = 0; i < 5; ++i) {
        CreateUser("grid0" + std::to_string(i), Role::kGridWorker);
        clock_.Advance(1);
    }
    AuditQuery query;
    query.action = "user.create";
    query.limit = 2;
    std::vector<int64_t> targets;
    for (int page = 0; page < 10; ++page) {
        auto result = service_->ListAudit(admin_, query);
        ASSERT_TRUE(result) << result.error().message;
        for (const auto& row : result->items) {
            targets.push_back(*row.target_id);
        }
        if (!result->next_cursor) {
            break;
        }
        query.cursor = result->next_cursor;
    }
    ASSERT_EQ(targets.size(), 6u);  // five and the fixture's admin
    EXPECT_TRUE(std::is_sorted(targets.rbegin(), targets.rend()));
    EXPECT_EQ(std::set<int64_t>(targets.begin(), targets.end()).size(), 6u);

    AuditQuery window;
    window.action = "user.create";
    window.since = kStart + 1;
    window.until = kStart + 3;
    EXPECT_EQ(service_->ListAudit(admin_, window)->items.size(), 2u);
    AuditQuery bad;
    bad.cursor = "nonsense";
    EXPECT_EQ(service_->ListAudit(admin_, bad).error().field, "cursor");
}

TEST_P(AccountsServiceTest, TheAuditLogIsAppendOnly) {
    ASSERT_GE(AuditCount("user.create"), 1);
    // The trigger's refusal may come back as an error or a DatabaseError; either way nothing changes.
    auto refused = [&](const char* sql) {
        std::string message;
        try {
            auto r = db_->Write([&](storage::Conn& c) { return c.Exec(sql); });
            if (r) {
                return false;
            }
            message = r.error().message;
        } catch (const std::exception& e) {
            message = e.what();
        }
        return message.find("audit_log is append-only") != std::string::npos;
    };
    EXPECT_TRUE(refused("UPDATE audit_log SET action = 'nothing.happened'"));
    EXPECT_TRUE(refused("DELETE FROM audit_log"));
    EXPECT_EQ(AuditCount("user.create"), 1);
    EXPECT_EQ(AuditCount("nothing.happened"), 0);
}

TEST_P(AccountsServiceTest, AnotherInstanceSeesALogoutWithinTheCachePeriod) {
    // Two services over one database: two `linli serve` instances behind a load balancer.
    AccountsOptions options;
    options.cost = PasswordCost::Minimum();
    AccountsService other(*db_, clock_, options, [](const std::vector<int64_t>&) {
        return Result<std::vector<ScopeNode>>(std::vector<ScopeNode>{});
    });
    auto login = service_->Login("admin", kAdminPassword, true, kInfo);
    ASSERT_TRUE(login);
    Credentials credentials{login->token, CredentialKind::kBearer, false, {}};
    ASSERT_TRUE(other.Authenticate(credentials));  // now remembered by the other instance

    auto actor = service_->Authenticate(credentials);
    ASSERT_TRUE(actor);
    ASSERT_TRUE(service_->Logout(*actor, kInfo));
    EXPECT_FALSE(service_->Authenticate(credentials));  // this instance forgets at once
    clock_.Advance(kSessionCacheSeconds);
    EXPECT_FALSE(other.Authenticate(credentials));  // the other within the cache period
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountsServiceTest, ::testing::ValuesIn(linli::testing::AvailableBackends()),
                         [](const auto& info) { return linli::testing::BackendName(info.param); });

}  // namespace
}  // namespace linli::accounts
