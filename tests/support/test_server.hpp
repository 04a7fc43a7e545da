#pragma once
/// A real `linli` server in-process on 127.0.0.1, port 0, over a fresh database, with a clock the
/// test can move. Integration tests talk to it over HTTP like any client.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "app/app.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "support/http_client.hpp"
#include "support/test_database.hpp"

namespace linli::testing {

inline constexpr const char* kTestPassword = "Test-passw0rd";

class TestServer {
public:
    /// `tweak` may change the config (timeouts, limits) before the server starts.
    explicit TestServer(Backend backend = Backend::kSqlite, const std::function<void(app::Config&)>& tweak = {});
    ~TestServer();

    uint16_t port() const { return app_->port(); }
    app::App& app() { return *app_; }
    ManualClock& clock() { return clock_; }
    HttpClient Client() const { return HttpClient(app_->port()); }

    /// Creates a user directly through the service (as the CLI would) with kTestPassword.
    int64_t CreateUser(const std::string& username, Role role, const std::vector<int64_t>& scope = {});
    /// A client logged in (cookie + CSRF) as `username`.
    HttpClient LoggedIn(const std::string& username, bool bearer = false);
    /// Creates a node as the system; returns its id.
    int64_t CreateNode(std::optional<int64_t> parent, const std::string& kind, const std::string& name);

    /// Stops the server as SIGTERM would; idempotent.
    void Stop();

private:
    ManualClock clock_;
    std::string key_file_;  // a throwaway field-encryption key
    std::unique_ptr<app::App> app_;
    std::thread runner_;
    bool stopped_ = false;
};

/// Waits (bounded: 15 s) until `done` holds, for work the server finishes in the background
/// (deliveries, rollups); the test then asserts the outcome, never the speed.
template <class F>
bool Eventually(F done) {
    for (int i = 0; i < 300; ++i) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
}

}  // namespace linli::testing
