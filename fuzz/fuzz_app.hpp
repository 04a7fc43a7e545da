#pragma once
/// What the fuzz targets share: a whole Linli (every module's routes and services) over a throwaway
/// SQLite database, built once per process, with one account per role; and the checks every
/// response must pass whatever the input.
///
/// The targets are built two ways (fuzz/CMakeLists.txt): with libFuzzer in the clang sanitizer tree
/// (`make fuzz`), and with replay_main.cpp in every tree, which runs the seed corpus and the saved
/// crashing inputs (fuzz/regressions/) as an ordinary ctest test.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/app.hpp"
#include "core/actor.hpp"
#include "fuzz/expect.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace linli::fuzz {

/// The territory the accounts are scoped to, made at start-up.
struct Places {
    int64_t subdistrict = 0;
    int64_t community = 0;
    int64_t grid = 0;
    int64_t building = 0;
    int64_t unit = 0;
    int64_t household = 0;
};

/// Thread safety: the targets call it from one thread (libFuzzer's).
class FuzzApp {
public:
    /// Built on first use; lives until the process exits (its temporary folder is removed then).
    static FuzzApp& Get();

    app::App& app() { return *app_; }
    const Places& places() const { return places_; }

    /// The request through the app's router and handlers as the pipeline runs them. A request with
    /// an Authorization header or a session cookie is authenticated for real; any other is the
    /// account of the role named by its `x-fuzz-role` header (admin when absent or unknown), so the
    /// fuzzer reaches the handlers behind every access rule.
    http::Response Handle(http::Request& req);

    /// The actor of the account made for `role`.
    const Actor& ActorFor(Role role) const;

private:
    FuzzApp();
    std::unique_ptr<app::App> app_;
    Places places_;
    std::vector<Actor> actors_;  // indexed by Role
    struct PipelineHolder;
    std::unique_ptr<PipelineHolder> pipeline_;
};

/// Aborts, printing the request, when the response breaks a promise the API makes for any input:
/// no 500 (an exception escaped: a bug), and an error status comes with the JSON error body.
void CheckResponse(const http::Request& req, const http::Response& res);

}  // namespace linli::fuzz
