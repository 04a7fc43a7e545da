#pragma once
/// Method + path routing with {name} segments. Every route must state its access rule.

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/actor.hpp"
#include "core/error.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace linli::http {

/// Who may call a route. Role checks answer 403; scope checks are the services' and answer 404.
struct AccessRule {
    bool authenticated = true;
    std::vector<Role> roles;  // empty: any authenticated role

    static AccessRule Public() { return {false, {}}; }
    static AccessRule AnyUser() { return {true, {}}; }
    static AccessRule Roles(std::initializer_list<Role> roles) { return {true, roles}; }
    bool Allows(Role r) const;
};

/// Handlers run on the storage/work pool and may block on the database.
using Handler = std::function<Result<Response>(Request&)>;

struct Route {
    Method method = Method::kGet;
    std::string pattern;  // "/api/v1/territory/nodes/{id}"
    AccessRule access;
    Handler handler;
    std::string summary;  // one line for the OpenAPI check and logs
    size_t body_limit = 0;  // largest body this route takes; 0: the server's default (file uploads raise it)
};

/// Thread safety: build it before serving; Find() is then safe from any thread.
class Router {
public:
    /// Throws std::invalid_argument for a malformed pattern and std::logic_error for a duplicate
    /// (same method and same shape): both are bugs found at start-up.
    void Add(Method method, std::string pattern, AccessRule access, Handler handler, std::string summary = {});

    struct Match {
        const Route* route = nullptr;
        std::map<std::string, std::string, std::less<>> params;
    };
    /// kNotFound when no pattern matches `path`; kMethodNotAllowed when one matches for another method.
    Result<Match> Find(Method method, std::string_view path) const;
    /// The methods some route serves at `path` (GET implies HEAD), sorted; for the Allow header of a 405.
    std::vector<Method> AllowedMethods(std::string_view path) const;
    const std::vector<Route>& routes() const { return routes_; }
    /// Lets the route `method pattern` (already added) take bodies up to `limit` bytes.
    void SetBodyLimit(Method method, std::string_view pattern, size_t limit);

private:
    std::vector<Route> routes_;
    std::vector<size_t> segments_;  // per route: its number of '/'-separated segments
};

}  // namespace linli::http
