// The access matrix (issue 7, item 4): every route the server registers × every role and scope
// (inside, outside, the partner unit's handler, a resident, anonymous) × the ways of calling it, on
// every backend. Each answer's status is compared with route_table.cpp, and no answer to a caller may
// contain a sentinel of a record that caller must not see: not in lists, searches, counts, exports,
// attachments, notifications or error messages. A route without an entry in the table fails here,
// naming the route.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "access_matrix/route_table.hpp"
#include "access_matrix/world.hpp"

namespace linli::testing::matrix {
namespace {

std::string Join(const StatusSet& s) {
    std::string out;
    for (int v : s) {
        out += (out.empty() ? "" : "|") + std::to_string(v);
    }
    return out;
}

std::string Excerpt(const std::string& body) {
    std::string out = body.substr(0, 240);
    std::replace(out.begin(), out.end(), '\n', ' ');
    return out;
}

bool RoleIn(const std::vector<Role>& roles, Role r) {
    return std::find(roles.begin(), roles.end(), r) != roles.end();
}

/// Whether `caller` reaches the service for this case and may see its target.
struct Decision {
    StatusSet expected;
    bool inside = false;  // reaches the service and may see the target: a write would land
};

Decision Decide(World& world, const RouteSpec& spec, const Case& c, const Caller& caller, Group g) {
    if (spec.is_public) {
        return {c.ok, true};
    }
    if (!caller.role) {
        return {{401}, false};
    }
    if (!spec.roles.empty() && !RoleIn(spec.roles, *caller.role)) {
        return {{403}, false};
    }
    bool inside = true;
    switch (c.kind) {
        case Kind::kNone:
            break;
        case Kind::kOwned:
            inside = caller.name == c.owner || (c.admin_sees_owned && caller.role == Role::kAdmin);
            break;
        default:
            inside = world.Sees(caller, g, c.kind, c.anchor);
            break;
    }
    if (!c.service_roles.empty() && !RoleIn(c.service_roles, *caller.role)) {
        // A service may look the record up before it asks about the role: outside scope either
        // answer tells nothing.
        return {inside ? StatusSet{403} : StatusSet{403, 404}, false};
    }
    if (c.quirk) {
        if (auto q = c.quirk(caller, g); q && (inside || c.kind == Kind::kNone)) {
            return {*q, inside};
        }
    }
    return {inside ? c.ok : c.outside, inside};
}

struct Tally {
    std::vector<std::string> failures;
    int routes = 0;
    int cases = 0;
    int requests = 0;
    std::map<int, int> statuses;
};

/// The shared records as the administrator reads them: the requests the matrix makes on them must
/// all be refused, so they read the same at the end.
std::map<std::string, std::string> Snapshot(World& world) {
    std::map<std::string, std::string> out;
    for (Group g : kAllGroups) {
        const auto& r = world.group(g);
        std::vector<std::string> urls = {"/api/v1/orders/" + std::to_string(r.order),
                                         "/api/v1/orders/" + std::to_string(r.order) + "/timeline",
                                         "/api/v1/orders/" + std::to_string(r.order) + "/attachments"};
        if (r.resident != 0) {
            urls.push_back("/api/v1/residents/" + std::to_string(r.resident));
        }
        if (r.hazard != 0) {
            urls.push_back("/api/v1/safety/hazards/" + std::to_string(r.hazard));
        }
        if (r.venue != 0) {
            urls.push_back("/api/v1/safety/venues/" + std::to_string(r.venue));
            urls.push_back("/api/v1/safety/inspections/" + std::to_string(r.inspection));
        }
        if (r.safety_template != 0) {
            urls.push_back("/api/v1/safety/templates/" + std::to_string(r.safety_template));
        }
        if (r.dispute != 0) {
            urls.push_back("/api/v1/disputes/" + std::to_string(r.dispute));
        }
        for (const auto& url : urls) {
            auto reply = world.AdminRaw("GET", url);
            out[url] = std::to_string(reply.status) + " " + reply.body;
        }
    }
    return out;
}

void RunCase(World& world, const RouteSpec& spec, const Case& c, Group g, const Caller& caller, Tally& tally) {
    const Decision d = Decide(world, spec, c, caller, g);
    Ctx ctx{world, caller, g, c.mutates && d.inside};
    Call call = c.make(ctx);

    HttpClient client(world.server().port());
    if (caller.role && !call.no_credentials) {
        client.credentials.bearer = call.bearer.empty() ? caller.bearer : call.bearer;
    }
    const HttpReply reply = client.Send(call.method, call.target, call.body, call.headers,
                                        !client.credentials.bearer.empty());
    ++tally.requests;
    ++tally.statuses[reply.status];

    const std::string where = spec.Key() + " [" + c.label + "] " + GroupName(g) + " as " + caller.name + " (" +
                              call.method + " " + call.target + ")";
    if (d.expected.count(reply.status) == 0) {
        tally.failures.push_back(where + ": expected " + Join(d.expected) + ", got " + std::to_string(reply.status) +
                                 ": " + Excerpt(reply.body));
    } else if (reply.status >= 200 && reply.status < 300 && c.check) {
        if (std::string wrong = c.check(ctx, reply); !wrong.empty()) {
            tally.failures.push_back(where + ": " + wrong);
        }
    }

    // No sentinel of a record the caller may not see, in whatever the answer is (errors included).
    std::vector<std::string> may_show;
    if (spec.is_public && c.public_may_show) {
        may_show = c.public_may_show(ctx);
    }
    const std::string text = ReadableText(reply);
    for (const auto& s : world.sentinels()) {
        bool forbidden = false;
        if (spec.is_public) {
            forbidden = std::find(may_show.begin(), may_show.end(), s.text) == may_show.end();
        } else {
            forbidden = !world.Sees(caller, s.group, s.kind, s.anchor);
        }
        if (forbidden && text.find(s.text) != std::string::npos) {
            tally.failures.push_back(where + ": shows \"" + s.text + "\" (group " + GroupName(s.group) +
                                     (s.personal ? ", personal data" : "") + "): " + Excerpt(text));
        }
    }
}

/// "METHOD pattern" of every route the server registers.
std::set<std::string> ServerRoutes(TestServer& server) {
    std::set<std::string> out;
    for (const auto& [method, pattern] : server.app().RouteList()) {
        out.insert(method + " " + pattern);
    }
    return out;
}

/// True when `path` (no captures) matches `pattern` segment by segment, "{x}" matching any non-empty one.
bool Matches(const std::string& pattern, const std::string& path) {
    std::vector<std::string> p, q;
    std::stringstream ps(pattern), qs(path);
    for (std::string seg; std::getline(ps, seg, '/');) {
        p.push_back(seg);
    }
    for (std::string seg; std::getline(qs, seg, '/');) {
        q.push_back(seg);
    }
    if (p.size() != q.size()) {
        return false;
    }
    for (size_t i = 0; i < p.size(); ++i) {
        const bool capture = p[i].size() >= 2 && p[i].front() == '{' && p[i].back() == '}';
        if (capture ? q[i].empty() : p[i] != q[i]) {
            return false;
        }
    }
    return true;
}

// ---- the table covers the server ------------------------------------------------------------------

TEST(AccessMatrix, EveryRouteHasAnExpectation) {
    TestServer server;
    const auto routes = ServerRoutes(server);
    std::set<std::string> table;
    for (const auto& spec : RouteTable(nullptr)) {
        EXPECT_TRUE(table.insert(spec.Key()).second) << "two entries for " << spec.Key();
        EXPECT_FALSE(spec.cases.empty()) << spec.Key() << " has no case";
    }
    for (const auto& route : routes) {
        EXPECT_TRUE(table.count(route) == 1)
            << "route " << route << " has no entry in tests/access_matrix/route_table.cpp: decide who may call it "
            << "(its roles, what inside and outside scope get) and add it";
    }
    // An entry for a route this server does not register (one behind a setting, or one removed) is
    // noted, not failed: the matrix skips it.
    for (const auto& key : table) {
        if (routes.count(key) == 0) {
            std::cout << "[ matrix   ] not registered by this server: " << key << "\n";
        }
    }
}

// Every route answers a method it does not serve with 405 and the methods it does, before any login.
TEST(AccessMatrix, UnservedMethodsAre405WithAllow) {
    TestServer server;
    std::vector<std::pair<std::string, std::string>> list = server.app().RouteList();
    std::set<std::string> patterns;
    for (const auto& [method, pattern] : list) {
        patterns.insert(pattern);
    }
    HttpClient anonymous = server.Client();
    int checked = 0;
    for (const auto& pattern : patterns) {
        std::string path;
        std::stringstream ps(pattern);
        for (std::string seg; std::getline(ps, seg, '/');) {
            if (seg.empty()) {
                continue;
            }
            path += "/" + (seg.front() == '{' ? std::string("1") : seg);
        }
        std::set<std::string> served;
        for (const auto& [method, other] : list) {
            if (Matches(other, path)) {
                served.insert(method);
                if (method == "GET") {
                    served.insert("HEAD");
                }
            }
        }
        for (const std::string method : {"PUT", "PATCH", "DELETE", "POST", "GET"}) {
            if (served.count(method) != 0) {
                continue;
            }
            auto reply = anonymous.Send(method, path, method == "GET" ? "" : "{}",
                                        {{"Content-Type", "application/json"}}, false);
            EXPECT_EQ(reply.status, 405) << method << " " << path << ": " << reply.body;
            std::set<std::string> allow;
            std::stringstream as(reply.Header("allow"));
            for (std::string m; std::getline(as, m, ',');) {
                allow.insert(m.substr(m.find_first_not_of(' ')));
            }
            EXPECT_EQ(allow, served) << method << " " << path << ": Allow: " << reply.Header("allow");
            ++checked;
            break;
        }
    }
    EXPECT_GT(checked, 0);
}

// ---- the matrix ------------------------------------------------------------------------------------

class AccessMatrixOn : public ::testing::TestWithParam<Backend> {};

TEST_P(AccessMatrixOn, EveryRouteRoleAndScope) {
    World world(GetParam());
    const auto table = RouteTable(&world);
    const auto routes = ServerRoutes(world.server());
    const auto before = Snapshot(world);

    Tally tally;
    for (const auto& spec : table) {
        if (routes.count(spec.Key()) == 0) {
            continue;  // reported by EveryRouteHasAnExpectation
        }
        ++tally.routes;
        for (const auto& c : spec.cases) {
            ++tally.cases;
            for (Group g : c.groups) {
                for (const auto& caller : world.callers()) {
                    RunCase(world, spec, c, g, caller, tally);
                }
            }
        }
    }

    const auto after = Snapshot(world);
    for (const auto& [url, body] : before) {
        if (after.at(url) != body) {
            tally.failures.push_back("the shared record " + url + " changed under requests that should have been "
                                     "refused:\n  before: " + Excerpt(body) + "\n  after:  " + Excerpt(after.at(url)));
        }
    }

    std::string statuses;
    for (const auto& [status, n] : tally.statuses) {
        statuses += " " + std::to_string(status) + "×" + std::to_string(n);
    }
    std::cout << "[ matrix   ] " << BackendName(GetParam()) << ": " << tally.routes << " routes, " << tally.cases
              << " cases, " << world.callers().size() << " callers, " << world.sentinels().size() << " sentinels, "
              << tally.requests << " requests;" << statuses << "\n";
    for (const auto& f : tally.failures) {
        ADD_FAILURE() << f;
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessMatrixOn, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace linli::testing::matrix
