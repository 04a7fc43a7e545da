#include "support/test_server.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "modules/accounts/service.hpp"
#include "modules/registry/service.hpp"

namespace linli::testing {

namespace {
int64_t WallClockNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}
}  // namespace

TestServer::TestServer(Backend backend, const std::function<void(app::Config&)>& tweak) : clock_(WallClockNow()) {
    app::Config config;
    config.listen = "127.0.0.1:0";
    config.password_cost = "minimum";
    config.access_log = false;
    config.workers = 16;
    key_file_ = (std::filesystem::temp_directory_path() / ("linli-test-" + std::to_string(getpid()) + "-" +
                                                           std::to_string(reinterpret_cast<uintptr_t>(this)) + ".key"))
                    .string();
    config.key_file = key_file_;
    if (tweak) {
        tweak(config);
    }
    auto app = app::App::Create(config, clock_, [backend](metrics::Registry* metrics) {
        storage::Options options;
        options.metrics = metrics;
        return OpenTestDatabase(backend, options, false);
    });
    if (!app) {
        throw std::runtime_error("test server: " + app.error().message);
    }
    app_ = std::move(*app);
    if (auto r = app_->Start(); !r) {
        throw std::runtime_error("test server start: " + r.error().message);
    }
    runner_ = std::thread([this] { app_->RunUntilStopped(); });
}

TestServer::~TestServer() {
    Stop();
    std::error_code ec;
    std::filesystem::remove(key_file_, ec);
}

void TestServer::Stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    app_->Stop();
    if (runner_.joinable()) {
        runner_.join();
    }
}

int64_t TestServer::CreateUser(const std::string& username, Role role, const std::vector<int64_t>& scope) {
    accounts::NewUser user;
    user.username = username;
    user.password = kTestPassword;
    user.role = role;
    user.scope_node_ids = scope;
    auto created = app_->accounts().CreateUser(accounts::AccountsService::SystemActor("test"), user, {"test", "local"});
    if (!created) {
        throw std::runtime_error("create user " + username + ": " + created.error().message);
    }
    return created->id;
}

HttpClient TestServer::LoggedIn(const std::string& username, bool bearer) {
    HttpClient client(port());
    auto reply = client.Login(username, kTestPassword, bearer);
    if (reply.status != 200) {
        throw std::runtime_error("login " + username + " answered " + std::to_string(reply.status) + ": " + reply.body);
    }
    return client;
}

int64_t TestServer::CreateNode(std::optional<int64_t> parent, const std::string& kind, const std::string& name) {
    registry::NewNode node;
    node.parent_id = parent;
    node.kind = *registry::ParseNodeKind(kind);
    node.name = name;
    auto created = app_->registry().Create(accounts::AccountsService::SystemActor("test"), node, {"test", "local"});
    if (!created) {
        throw std::runtime_error("create node " + name + ": " + created.error().message);
    }
    return created->id;
}

}  // namespace linli::testing
