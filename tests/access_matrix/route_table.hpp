#pragma once
/// The access matrix's expectations (issue 7, item 4): for every route the server registers, who may
/// call it and what each caller gets, inside and outside their scope. The matrix fails when the
/// server has a route this table does not name, so a new route cannot ship without someone deciding
/// who may call it.
///
/// How a caller's expected status is decided, in order:
///   1. a public route: the case's `ok` for everyone, signed in or not;
///   2. no credentials: 401;
///   3. a role the route's rule leaves out (`roles`), or one the service refuses (`service_roles`): 403;
///   4. a documented exception (`quirk`), when the case has one for this caller;
///   5. a case that does not depend on scope (Kind::kNone): `ok`;
///   6. otherwise `ok` when the caller may see the target (World::Sees, or the owner for kOwned),
///      else `outside` (404: a record outside the caller's scope is not found, never forbidden).

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "access_matrix/world.hpp"

namespace linli::testing::matrix {

using StatusSet = std::set<int>;

/// One HTTP request.
struct Call {
    std::string method;
    std::string target;  // path and query
    std::string body;
    Headers headers;
    std::string bearer;      // when set, sent instead of the caller's own token (a session of its own)
    bool no_credentials = false;  // sent without credentials whoever calls (signed device hooks)
};

/// What a case's request builder knows.
struct Ctx {
    World& world;
    const Caller& caller;
    Group group;
    /// The caller is inside scope and the request changes what it names: build it on a fresh target,
    /// so the shared records only ever see requests that must be refused.
    bool fresh;
};

/// One way of calling a route (by id, filtered by a node, a search, an export format, ...).
struct Case {
    std::string label;
    Kind kind = Kind::kNone;
    Anchor anchor = Anchor::kUnit;
    std::vector<Group> groups{Group::kA1};
    StatusSet ok;
    StatusSet outside{404};
    bool mutates = false;
    std::vector<Role> service_roles;  // non-empty: the service answers 403 to any other role
    std::string owner;                // Kind::kOwned: the caller whose record it is
    bool admin_sees_owned = false;
    std::function<Call(Ctx&)> make;
    /// A documented exception to the rule above for this caller and group (why, in the table).
    std::function<std::optional<StatusSet>(const Caller&, Group)> quirk;
    /// A further check of a 2xx answer (a count or a search that must find exactly what the caller
    /// may see): an empty string when it holds, else what is wrong.
    std::function<std::string(Ctx&, const HttpReply&)> check;
    /// Public routes: the sentinels this case may show (a tracking code shows its own order).
    std::function<std::vector<std::string>(Ctx&)> public_may_show;
};

struct RouteSpec {
    std::string method;
    std::string pattern;
    bool is_public = false;
    std::vector<Role> roles;  // the route's rule; empty (and not public): any signed-in user
    std::vector<Case> cases;

    std::string Key() const { return method + " " + pattern; }
};

/// The text a person would read in an answer: its headers and body, spreadsheets unzipped to their
/// cells (a sentinel in a compressed XLSX would otherwise never be found).
std::string ReadableText(const HttpReply& reply);

/// The table. `world` is captured by the request builders and used only when they run, so the
/// table's keys can be read with a null world.
std::vector<RouteSpec> RouteTable(World* world);

}  // namespace linli::testing::matrix
