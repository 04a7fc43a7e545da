#include "access_matrix/route_table.hpp"

#include <boost/json.hpp>

#include <string>
#include <tuple>
#include <utility>

#include "modules/ledger/xlsx_reader.hpp"
#include "modules/notify/signature.hpp"

namespace linli::testing::matrix {

namespace {

namespace json = boost::json;

std::string Str(int64_t v) {
    return std::to_string(v);
}

const std::vector<Role> kAdminOnly{Role::kAdmin};
/// Those who work the territory: read the register, record orders, read coverage.
const std::vector<Role> kReaders{Role::kAdmin,      Role::kSubdistrictLeader, Role::kCommunityStaff,
                                 Role::kGridWorker, Role::kBuildingHead,      Role::kLinkLeader};
/// Those who keep the register and run the work: write the register, see figures.
const std::vector<Role> kWriters{Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker};
/// Those who assign carers (registry's AssignmentService).
const std::vector<Role> kAssigners{Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff};
/// Those who print a building's QR board.
const std::vector<Role> kQrRoles{Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker,
                                 Role::kBuildingHead};

/// Those who inspect and keep the safety ledgers (safety's RequireInspector); also mediation's
/// "staff", who read the mediators, the rosters and the dispute figures.
const std::vector<Role> kInspectors{Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker};
/// ...and partner units, who see and rectify the hazards sent to them.
const std::vector<Role> kInspectorsAndPartners{Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff,
                                               Role::kGridWorker, Role::kPartnerUnit};
/// Community leaders: change checklists, register mediators, keep rosters, assign mediators.
const std::vector<Role> kLeaders{Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff};

const std::vector<Group> kRegisterGroups{Group::kA1, Group::kA2, Group::kB};
const std::vector<Group> kOrderGroups{Group::kA1, Group::kAP, Group::kA2, Group::kB};
/// Groups with safety records of their own (kAP has a hazard only).
const std::vector<Group> kSafetyGroups{Group::kA1, Group::kA2, Group::kB};
const std::vector<Group> kHazardGroups{Group::kA1, Group::kAP, Group::kA2, Group::kB};
/// One group per community: community checklists, rosters, disputes.
const std::vector<Group> kCommunityGroups{Group::kA1, Group::kB};

Call Get(std::string target) {
    return Call{"GET", std::move(target), {}, {}, {}, false};
}

Call Send(std::string method, std::string target, const json::value& body) {
    return Call{std::move(method), std::move(target), json::serialize(body), {{"Content-Type", "application/json"}},
                {}, false};
}

Call Delete(std::string target) {
    return Call{"DELETE", std::move(target), {}, {}, {}, false};
}

/// A case that does not depend on the caller's scope.
Case Plain(std::string label, StatusSet ok, std::function<Call(Ctx&)> make) {
    Case c;
    c.label = std::move(label);
    c.ok = std::move(ok);
    c.make = std::move(make);
    return c;
}

/// A case whose answer depends on whether the caller may see the group's record at `anchor`.
Case Scoped(std::string label, Kind kind, Anchor anchor, std::vector<Group> groups, StatusSet ok,
            std::function<Call(Ctx&)> make) {
    Case c;
    c.label = std::move(label);
    c.kind = kind;
    c.anchor = anchor;
    c.groups = std::move(groups);
    c.ok = std::move(ok);
    c.make = std::move(make);
    return c;
}

Case Owned(std::string label, std::string owner, bool admin_sees, StatusSet ok, std::function<Call(Ctx&)> make) {
    Case c;
    c.label = std::move(label);
    c.kind = Kind::kOwned;
    c.owner = std::move(owner);
    c.admin_sees_owned = admin_sees;
    c.ok = std::move(ok);
    c.make = std::move(make);
    return c;
}

Case Mutating(Case c) {
    c.mutates = true;
    return c;
}

Case ServiceRoles(Case c, std::vector<Role> roles) {
    c.service_roles = std::move(roles);
    return c;
}

/// Positive and negative at once: the answer shows `text` (a group's sentinel) exactly when the
/// caller may see that group's records under `kind`. Proves the sentinel scan would see a leak.
std::string ShowsIff(Ctx& c, const HttpReply& reply, Group group, Kind kind, Anchor anchor, const std::string& text) {
    const bool sees = c.world.Sees(c.caller, group, kind, anchor);
    const bool shown = ReadableText(reply).find(text) != std::string::npos;
    if (sees && !shown) {
        return "does not show \"" + text + "\" (group " + GroupName(group) + "), which the caller may see";
    }
    if (!sees && shown) {
        return "shows \"" + text + "\" (group " + GroupName(group) + ")";
    }
    return {};
}

/// A check that each group's `token` shows exactly when the caller may see it under `kind`.
std::function<std::string(Ctx&, const HttpReply&)> ShowsTokens(std::vector<Group> groups, Kind kind, Anchor anchor,
                                                               std::string GroupRecords::*token) {
    return [groups, kind, anchor, token](Ctx& c, const HttpReply& reply) {
        std::string wrong;
        for (Group g : groups) {
            wrong += ShowsIff(c, reply, g, kind, anchor, c.world.group(g).*token);
        }
        return wrong;
    };
}

/// A building inspection of the group's building with every item passing (no hazard, no order).
json::object PassingInspection(World& w, Group g) {
    json::array items;
    for (int64_t id : w.shipped_items) {
        items.push_back(json::object{{"item_id", id}, {"result", "pass"}});
    }
    return json::object{{"client_id", "route-" + Str(w.Next())},
                        {"template_id", w.shipped_template},
                        {"template_version", w.shipped_version},
                        {"target_kind", "building"},
                        {"target_id", w.group(g).at.building},
                        {"inspected_at", w.server().clock().Now() - 600},
                        {"note", w.group(g).inspection_token + " 日常巡查"},
                        {"items", std::move(items)}};
}

/// Every group's order sentinel shows exactly when the caller may see that group's orders.
std::string ShowsTheOrdersItMaySee(Ctx& c, const HttpReply& reply) {
    std::string wrong;
    for (Group g : kOrderGroups) {
        wrong += ShowsIff(c, reply, g, Kind::kOrder, Anchor::kUnit, c.world.group(g).order_token);
    }
    return wrong;
}

/// Every group's resident shows exactly when the caller may read that group's register.
std::string ShowsTheResidentsItMaySee(Ctx& c, const HttpReply& reply) {
    std::string wrong;
    for (Group g : kRegisterGroups) {
        wrong += ShowsIff(c, reply, g, Kind::kRegister, Anchor::kHousehold, c.world.group(g).register_person);
    }
    return wrong;
}

/// A search for the group's shared resident finds it exactly when the caller may see it: a count of
/// at least one, or a non-empty page.
std::function<std::string(Ctx&, const HttpReply&)> FindsWhatItMaySee(bool count) {
    return [count](Ctx& c, const HttpReply& reply) -> std::string {
        const bool sees = c.world.Sees(c.caller, c.group, Kind::kRegister, Anchor::kHousehold);
        const auto v = reply.Json();
        const size_t found = count ? static_cast<size_t>(v.at("count").to_number<int64_t>())
                                   : v.at("items").as_array().size();
        if (sees && found == 0) {
            return "found nothing, yet the resident is in the caller's scope";
        }
        if (!sees && found != 0) {
            return "found " + std::to_string(found) + " outside the caller's scope";
        }
        return {};
    };
}

RouteSpec Route(std::string method, std::string pattern, std::vector<Role> roles, std::vector<Case> cases) {
    return RouteSpec{std::move(method), std::move(pattern), false, std::move(roles), std::move(cases)};
}

RouteSpec Public(std::string method, std::string pattern, std::vector<Case> cases) {
    return RouteSpec{std::move(method), std::move(pattern), true, {}, std::move(cases)};
}

}  // namespace

std::string ReadableText(const HttpReply& reply) {
    std::string text;
    for (const auto& [name, value] : reply.headers) {
        text += name + ": " + value + "\n";
    }
    if (reply.Header("content-type").find("spreadsheetml") == std::string::npos) {
        return text + reply.body;
    }
    auto table = ledger::ReadXlsx(reply.body);
    if (!table) {
        return text + reply.body;
    }
    for (const auto& h : table->header) {
        text += h + "\t";
    }
    for (const auto& row : table->rows) {
        for (const auto& cell : row.cells) {
            text += cell + "\t";
        }
        text += "\n";
    }
    return text;
}

std::vector<RouteSpec> RouteTable(World* w) {
    std::vector<RouteSpec> t;
    // The builders reach the world through their Ctx; `w` may be null when only the keys are read.
    (void)w;
    auto g = [](Ctx& c) -> const GroupRecords& { return c.world.group(c.group); };

    // ---- system --------------------------------------------------------------------------------------
    t.push_back(Public("GET", "/healthz", {Plain("up", {200}, [](Ctx&) { return Get("/healthz"); })}));
    t.push_back(Public("GET", "/metrics", {Plain("prometheus", {200}, [](Ctx&) { return Get("/metrics"); })}));
    t.push_back(Public("GET", "/api/v1/openapi.json",
                       {Plain("description", {200}, [](Ctx&) { return Get("/api/v1/openapi.json"); })}));

    // ---- accounts ------------------------------------------------------------------------------------
    t.push_back(Public("POST", "/api/v1/auth/login", {Plain("valid password", {200}, [](Ctx& c) {
                           return Send("POST", "/api/v1/auth/login",
                                       json::object{{"username", c.world.login_user},
                                                    {"password", kTestPassword},
                                                    {"bearer", true}});
                       })}));
    t.push_back(Route("POST", "/api/v1/auth/logout", {}, {Plain("own session", {204}, [](Ctx& c) {
                          Call call = Send("POST", "/api/v1/auth/logout", json::object{});
                          if (c.caller.role) {
                              call.bearer = c.world.FreshSession(c.caller.name);  // not the matrix's own session
                          }
                          return call;
                      })}));
    t.push_back(
        Route("GET", "/api/v1/auth/me", {}, {Plain("self", {200}, [](Ctx&) { return Get("/api/v1/auth/me"); })}));
    {
        Case all = Plain("everyone's (all=true)", {200}, [](Ctx&) { return Get("/api/v1/auth/tokens?all=true"); });
        // Only an administrator may list other users' tokens.
        all.quirk = [](const Caller& c, Group) -> std::optional<StatusSet> {
            return c.role == Role::kAdmin ? std::nullopt : std::optional<StatusSet>(StatusSet{403});
        };
        t.push_back(Route("GET", "/api/v1/auth/tokens", {},
                          {Plain("own", {200}, [](Ctx&) { return Get("/api/v1/auth/tokens"); }), all}));
    }
    t.push_back(Route("POST", "/api/v1/auth/tokens", {}, {Plain("own", {201}, [](Ctx& c) {
                          return Send("POST", "/api/v1/auth/tokens",
                                      json::object{{"name", "matrix " + Str(c.world.Next())}});
                      })}));
    t.push_back(Route("DELETE", "/api/v1/auth/tokens/{id}", {},
                      {Mutating(Owned("worker_a's token", "worker_a", true, {204}, [](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshApiToken("worker_a") : c.world.worker_a_token;
                          return Delete("/api/v1/auth/tokens/" + Str(id));
                      }))}));
    t.push_back(Route("GET", "/api/v1/users", kAdminOnly,
                      {Plain("list", {200}, [](Ctx&) { return Get("/api/v1/users"); })}));
    t.push_back(Route("POST", "/api/v1/users", kAdminOnly, {Plain("create", {201}, [](Ctx& c) {
                          return Send("POST", "/api/v1/users",
                                      json::object{{"username", "made_" + Str(c.world.Next())},
                                                   {"password", kTestPassword},
                                                   {"role", "volunteer"}});
                      })}));
    t.push_back(Route("GET", "/api/v1/users/{id}", kAdminOnly, {Plain("worker_a", {200}, [](Ctx& c) {
                          return Get("/api/v1/users/" + Str(c.world.caller("worker_a").user_id));
                      })}));
    t.push_back(Route("PATCH", "/api/v1/users/{id}", kAdminOnly,
                      {Mutating(Plain("display name", {200}, [](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshUser() : c.world.caller("worker_a").user_id;
                          return Send("PATCH", "/api/v1/users/" + Str(id), json::object{{"display_name", "改名"}});
                      }))}));
    t.push_back(Route("POST", "/api/v1/users/{id}/unlock", kAdminOnly,
                      {Mutating(Plain("unlock", {200}, [](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshUser() : c.world.caller("worker_a").user_id;
                          return Send("POST", "/api/v1/users/" + Str(id) + "/unlock", json::object{});
                      }))}));
    t.push_back(Route("GET", "/api/v1/audit", kAdminOnly,
                      {Plain("newest first", {200}, [](Ctx&) { return Get("/api/v1/audit"); })}));

    // ---- territory -----------------------------------------------------------------------------------
    const std::string nodes = "/api/v1/territory/nodes";
    t.push_back(Route(
        "GET", nodes, {},
        {Plain("roots", {200}, [nodes](Ctx&) { return Get(nodes); }),
         Scoped("children of a building", Kind::kNode, Anchor::kBuilding, kRegisterGroups, {200},
                [nodes, g](Ctx& c) { return Get(nodes + "?parent_id=" + Str(g(c).at.building)); }),
         [&] {
             Case search = Plain("search by name", {200}, [nodes](Ctx&) { return Get(nodes + "?q=Zqbeenode"); });
             search.groups = {Group::kB};
             return search;
         }(),
         Plain("all units", {200}, [nodes](Ctx&) { return Get(nodes + "?kind=unit&limit=200"); })}));
    t.push_back(Route("GET", nodes + "/count", {},
                      {Plain("all", {200}, [nodes](Ctx&) { return Get(nodes + "/count"); }),
                       Scoped("under a building", Kind::kNode, Anchor::kBuilding, kRegisterGroups, {200},
                              [nodes, g](Ctx& c) {
                                  return Get(nodes + "/count?parent_id=" + Str(g(c).at.building));
                              })}));
    t.push_back(Route("GET", nodes + "/{id}", {},
                      {Scoped("a building", Kind::kNode, Anchor::kBuilding, kRegisterGroups, {200},
                              [nodes, g](Ctx& c) { return Get(nodes + "/" + Str(g(c).at.building)); })}));
    t.push_back(Route("GET", nodes + "/{id}/ancestors", {},
                      {Scoped("a unit", Kind::kNode, Anchor::kUnit, kRegisterGroups, {200}, [nodes, g](Ctx& c) {
                          return Get(nodes + "/" + Str(g(c).at.unit) + "/ancestors");
                      })}));
    t.push_back(Route("POST", nodes, kWriters,
                      {Scoped("a unit in a building", Kind::kNode, Anchor::kBuilding, kRegisterGroups, {201},
                              [nodes, g](Ctx& c) {
                                  const std::string prefix = c.group == Group::kB ? "Zqbeenode" : "";
                                  return Send("POST", nodes,
                                              json::object{{"parent_id", g(c).at.building},
                                                           {"kind", "unit"},
                                                           {"name", prefix + "新单元" + Str(c.world.Next())}});
                              })}));
    t.push_back(Route("PATCH", nodes + "/{id}", kWriters,
                      {Mutating(Scoped("rename a unit", Kind::kNode, Anchor::kUnit, kRegisterGroups, {200},
                                       [nodes, g](Ctx& c) {
                                           const int64_t id = c.fresh ? c.world.FreshUnitNode(c.group) : g(c).at.unit;
                                           return Send("PATCH", nodes + "/" + Str(id),
                                                       json::object{{"code", "U" + Str(c.world.Next())}});
                                       }))}));
    {
        Case del = Mutating(Scoped("a unit", Kind::kNode, Anchor::kUnit, kRegisterGroups, {204}, [nodes, g](Ctx& c) {
            const int64_t id = c.fresh ? c.world.FreshUnitNode(c.group) : g(c).at.unit;
            return Delete(nodes + "/" + Str(id));
        }));
        // A grid worker passes the router so that a node outside the scope is a 404 like for everyone;
        // inside it, deleting is for the office (registry/routes.cpp).
        del.quirk = [](const Caller& c, Group) -> std::optional<StatusSet> {
            if (c.role == Role::kGridWorker) {
                return StatusSet{403, 404};
            }
            return std::nullopt;
        };
        t.push_back(Route("DELETE", nodes + "/{id}", kWriters, {del}));
    }

    // ---- residents and households --------------------------------------------------------------------
    const std::string residents = "/api/v1/residents";
    t.push_back(Route("POST", residents, kWriters,
                      {Scoped("into a household", Kind::kRegister, Anchor::kHousehold, kRegisterGroups, {201},
                              [residents, g](Ctx& c) {
                                  return Send("POST", residents,
                                              json::object{{"name", g(c).register_person + " New"},
                                                           {"id_number", c.world.NextIdNumber()},
                                                           {"household_id", g(c).at.household},
                                                           {"relation", "other"},
                                                           {"note", g(c).register_token}});
                              })}));
    auto resident_queries = [residents, g](const std::string& path) {
        std::vector<Case> cases;
        Case all = Plain("all", {200}, [residents, path](Ctx&) {
            return Get(residents + path + (path.empty() ? "?limit=200" : ""));
        });
        if (path.empty()) {
            all.check = ShowsTheResidentsItMaySee;
        }
        cases.push_back(all);
        cases.push_back(Scoped("in a grid", Kind::kRegister, Anchor::kGrid, kRegisterGroups, {200},
                               [residents, path, g](Ctx& c) {
                                   return Get(residents + path + "?grid_id=" + Str(g(c).at.grid));
                               }));
        Case by_name = Plain("search by name", {200}, [residents, path, g](Ctx& c) {
            return Get(residents + path + "?q=" + g(c).register_person);
        });
        by_name.groups = kRegisterGroups;
        by_name.check = FindsWhatItMaySee(path == "/count");
        cases.push_back(by_name);
        Case by_phone = Plain("search by phone", {200}, [residents, path, g](Ctx& c) {
            return Get(residents + path + "?phone=" + g(c).resident_phone);
        });
        by_phone.groups = kRegisterGroups;
        by_phone.check = FindsWhatItMaySee(path == "/count");
        cases.push_back(by_phone);
        for (auto& c : cases) {
            c.service_roles = kReaders;
        }
        return cases;
    };
    t.push_back(Route("GET", residents, kReaders, resident_queries("")));
    t.push_back(Route("GET", residents + "/count", kReaders, resident_queries("/count")));
    t.push_back(Route("GET", residents + "/{id}", kReaders,
                      {Scoped("shared resident", Kind::kRegister, Anchor::kHousehold, kRegisterGroups, {200},
                              [residents, g](Ctx& c) { return Get(residents + "/" + Str(g(c).resident)); })}));
    t.push_back(Route("PATCH", residents + "/{id}", kWriters,
                      {Mutating(Scoped("note", Kind::kRegister, Anchor::kHousehold, kRegisterGroups, {200},
                                       [residents, g](Ctx& c) {
                                           const int64_t id = c.fresh ? c.world.FreshResident(c.group) : g(c).resident;
                                           return Send("PATCH", residents + "/" + Str(id),
                                                       json::object{{"note", g(c).register_token + " 改"}});
                                       }))}));
    t.push_back(Route("POST", residents + "/{id}/move", kWriters,
                      {Mutating(Scoped("out of the city", Kind::kRegister, Anchor::kHousehold, kRegisterGroups, {200},
                                       [residents, g](Ctx& c) {
                                           const int64_t id = c.fresh ? c.world.FreshResident(c.group) : g(c).resident;
                                           return Send("POST", residents + "/" + Str(id) + "/move",
                                                       json::object{{"household_id", nullptr}});
                                       }))}));
    t.push_back(Route("POST", residents + "/{id}/reveal", kWriters,
                      {Scoped("phone with a reason", Kind::kRegister, Anchor::kHousehold, kRegisterGroups, {200},
                              [residents, g](Ctx& c) {
                                  return Send("POST", residents + "/" + Str(g(c).resident) + "/reveal",
                                              json::object{{"field", "phone"}, {"reason", "入户走访需要联系本人核实"}});
                              })}));
    const std::string households = "/api/v1/households";
    t.push_back(Route("POST", households, kWriters,
                      {Scoped("in a unit", Kind::kRegister, Anchor::kUnit, kRegisterGroups, {201},
                              [households, g](Ctx& c) {
                                  return Send("POST", households,
                                              json::object{{"unit_id", g(c).at.unit},
                                                           {"room", "8" + Str(c.world.Next())},
                                                           {"tenure", "owner"}});
                              })}));
    t.push_back(Route("GET", households + "/{id}", kReaders,
                      {Scoped("shared household", Kind::kRegister, Anchor::kHousehold, kRegisterGroups, {200},
                              [households, g](Ctx& c) { return Get(households + "/" + Str(g(c).at.household)); })}));
    t.push_back(Route("PATCH", households + "/{id}", kWriters,
                      {Mutating(Scoped("tenure", Kind::kRegister, Anchor::kHousehold, kRegisterGroups, {200},
                                       [households, g](Ctx& c) {
                                           const int64_t id = c.fresh ? c.world.FreshHousehold(c.group)
                                                                      : g(c).at.household;
                                           return Send("PATCH", households + "/" + Str(id),
                                                       json::object{{"tenure", "tenant"}});
                                       }))}));
    t.push_back(Route("GET", "/api/v1/buildings/{id}/details", kReaders,
                      {Scoped("a building", Kind::kRegister, Anchor::kBuilding, kRegisterGroups, {200}, [g](Ctx& c) {
                          return Get("/api/v1/buildings/" + Str(g(c).at.building) + "/details");
                      })}));
    t.push_back(Route("PUT", "/api/v1/buildings/{id}/details", kWriters,
                      {Scoped("same details again", Kind::kRegister, Anchor::kBuilding, kRegisterGroups, {200},
                              [g](Ctx& c) {
                                  // Inside: the details it already has; outside: a change that must not land.
                                  const int floors = c.world.Sees(c.caller, c.group, Kind::kRegister,
                                                                  Anchor::kBuilding)
                                                         ? 6
                                                         : 99;
                                  return Send("PUT", "/api/v1/buildings/" + Str(g(c).at.building) + "/details",
                                              json::object{{"kind", "residential"},
                                                           {"address", "幸福路1号"},
                                                           {"floors", floors},
                                                           {"unit_count", 2}});
                              })}));
    t.push_back(Route("GET", "/api/v1/tags", kReaders,
                      {Plain("care tags", {200}, [](Ctx&) { return Get("/api/v1/tags"); })}));

    // ---- register files ------------------------------------------------------------------------------
    const std::string imports = "/api/v1/residents/imports";
    t.push_back(Route("POST", imports, kWriters,
                      {Scoped("into a grid", Kind::kRegister, Anchor::kGrid, kRegisterGroups, {202},
                              [imports, g](Ctx& c) {
                                  const std::string csv =
                                      "姓名,身份证号,联系电话,楼栋,单元,房号,与户主关系,户籍类型,标签\r\n" +
                                      g(c).register_person + " Upload,110101,,1号楼,1单元,101,户主,户籍,\r\n";
                                  return Call{"POST", imports + "?into=" + Str(g(c).at.grid), csv,
                                              {{"Content-Type", "text/csv"}}, {}, false};
                              })}));
    t.push_back(Route("GET", imports + "/{id}", kWriters,
                      {Owned("staff_a's import", "staff_a", true, {200},
                             [imports](Ctx& c) { return Get(imports + "/" + c.world.import_job); })}));
    t.push_back(Route("GET", imports + "/{id}/errors", kWriters,
                      {Owned("staff_a's error report", "staff_a", true, {200},
                             [imports](Ctx& c) { return Get(imports + "/" + c.world.import_job + "/errors"); }),
                       Owned("as xlsx", "staff_a", true, {200}, [imports](Ctx& c) {
                           return Get(imports + "/" + c.world.import_job + "/errors?format=xlsx");
                       })}));
    for (auto& c : t.back().cases) {
        // The rejected row comes back, as uploaded.
        c.check = [](Ctx& ctx, const HttpReply& reply) -> std::string {
            const std::string& person = ctx.world.group(Group::kA1).register_person;
            return ReadableText(reply).find(person) == std::string::npos ? "the rejected row is missing" : "";
        };
    }
    for (const std::string ledger : {"/api/v1/residents/export", "/api/v1/households/export"}) {
        std::vector<Case> cases;
        cases.push_back(Plain("all in scope", {200}, [ledger](Ctx&) { return Get(ledger); }));
        cases.push_back(Plain("all in scope, xlsx", {200}, [ledger](Ctx&) { return Get(ledger + "?format=xlsx"); }));
        if (ledger == "/api/v1/residents/export") {
            cases[0].check = ShowsTheResidentsItMaySee;
            cases[1].check = ShowsTheResidentsItMaySee;
        }
        cases.push_back(Scoped("under a grid", Kind::kRegister, Anchor::kGrid, kRegisterGroups, {200},
                               [ledger, g](Ctx& c) { return Get(ledger + "?node_id=" + Str(g(c).at.grid)); }));
        for (auto& c : cases) {
            c.service_roles = kReaders;
        }
        // Revealing is for the register's writers, with a reason.
        cases.push_back(ServiceRoles(Plain("revealed", {200}, [ledger](Ctx&) {
                                         return Get(ledger + "?reveal=true&reason=%E5%B9%B4%E5%BA%A6%E6%A0%B8%E6%9F%A5"
                                                             "%E4%BD%8F%E6%88%B7%E4%BF%A1%E6%81%AF");
                                     }),
                                     kWriters));
        t.push_back(Route("GET", ledger, {}, cases));
    }

    // ---- assignments and coverage --------------------------------------------------------------------
    const std::string assignments = "/api/v1/assignments";
    t.push_back(Route("POST", assignments, kReaders,
                      {ServiceRoles(Scoped("a link leader to a household", Kind::kRegister, Anchor::kHousehold,
                                           kRegisterGroups, {201},
                                           [assignments, g](Ctx& c) {
                                               const int64_t household =
                                                   c.fresh ? c.world.FreshHousehold(c.group) : g(c).at.household;
                                               return Send("POST", assignments,
                                                           json::object{{"role", "link_leader"},
                                                                        {"user_id", g(c).carer},
                                                                        {"node_ids", json::array{household}}});
                                           }),
                                    kAssigners)}));
    // Creating an assignment to a fresh household is still "inside": mark the case so.
    t.back().cases.back().mutates = true;
    t.push_back(Route("GET", assignments, kReaders,
                      {Plain("all in scope", {200}, [assignments](Ctx&) { return Get(assignments); }),
                       Scoped("at a household", Kind::kRegister, Anchor::kHousehold, kRegisterGroups, {200},
                              [assignments, g](Ctx& c) {
                                  return Get(assignments + "?node_id=" + Str(g(c).at.household));
                              })}));
    t.push_back(Route("POST", assignments + "/{id}/end", kReaders,
                      {ServiceRoles(Mutating(Scoped("a link leader's", Kind::kRegister, Anchor::kHousehold,
                                                    kRegisterGroups, {200},
                                                    [assignments, g](Ctx& c) {
                                                        const int64_t id = c.fresh ? c.world.FreshAssignment(c.group)
                                                                                   : g(c).assignment;
                                                        return Send("POST", assignments + "/" + Str(id) + "/end",
                                                                    json::object{});
                                                    })),
                                    kAssigners)}));
    for (const std::string coverage : {"/api/v1/coverage", "/api/v1/coverage/export"}) {
        t.push_back(Route("GET", coverage, kReaders,
                          {Scoped("of a grid", Kind::kRegister, Anchor::kGrid, kRegisterGroups, {200},
                                  [coverage, g](Ctx& c) { return Get(coverage + "?node_id=" + Str(g(c).at.grid)); })}));
    }

    // ---- notifications -------------------------------------------------------------------------------
    {
        Case own = Plain("own", {200}, [](Ctx&) { return Get("/api/v1/inbox"); });
        // worker_a has the probe about grid A1's order; nobody else has it.
        own.check = [](Ctx& c, const HttpReply& reply) -> std::string {
            const bool shown = reply.body.find(c.world.group(Group::kA1).order_token) != std::string::npos;
            return shown == (c.caller.name == "worker_a") ? "" : "the probe message is in the wrong inbox";
        };
        t.push_back(Route("GET", "/api/v1/inbox", {}, {own}));
    }
    t.push_back(Route("GET", "/api/v1/inbox/unread-count", {},
                      {Plain("own", {200}, [](Ctx&) { return Get("/api/v1/inbox/unread-count"); })}));
    t.push_back(Route("POST", "/api/v1/inbox/{id}/read", {},
                      {Owned("worker_a's message", "worker_a", false, {200}, [](Ctx& c) {
                          return Send("POST", "/api/v1/inbox/" + Str(c.world.worker_a_message) + "/read",
                                      json::object{});
                      })}));
    t.push_back(Route("POST", "/api/v1/inbox/read-all", {}, {Plain("own", {200}, [](Ctx&) {
                          return Send("POST", "/api/v1/inbox/read-all", json::object{});
                      })}));
    const std::string hooks = "/api/v1/webhooks";
    t.push_back(Route("GET", hooks, kAdminOnly, {Plain("list", {200}, [hooks](Ctx&) { return Get(hooks); })}));
    t.push_back(Route("POST", hooks, kAdminOnly, {Plain("create", {201}, [hooks](Ctx& c) {
                          return Send("POST", hooks,
                                      json::object{{"name", "h" + Str(c.world.Next())},
                                                   {"url", "http://127.0.0.1:1/h"},
                                                   {"topics", json::array{"matrix.none"}},
                                                   {"active", false}});
                      })}));
    t.push_back(Route("PATCH", hooks + "/{id}", kAdminOnly, {Mutating(Plain("rename", {200}, [hooks](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshWebhook() : c.world.webhook;
                          return Send("PATCH", hooks + "/" + Str(id), json::object{{"name", "改名"}});
                      }))}));
    t.push_back(Route("DELETE", hooks + "/{id}", kAdminOnly, {Mutating(Plain("delete", {204}, [hooks](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshWebhook() : c.world.webhook;
                          return Delete(hooks + "/" + Str(id));
                      }))}));
    t.push_back(Route("GET", hooks + "/{id}/deliveries", kAdminOnly, {Plain("failed ones", {200}, [hooks](Ctx& c) {
                          return Get(hooks + "/" + Str(c.world.webhook) + "/deliveries");
                      })}));
    t.push_back(Route("POST", hooks + "/{id}/deliveries/{delivery_id}/redeliver", kAdminOnly,
                      {Plain("a failed delivery", {200, 409}, [hooks](Ctx& c) {
                          return Send("POST",
                                      hooks + "/" + Str(c.world.webhook) + "/deliveries/" +
                                          Str(c.world.failed_delivery) + "/redeliver",
                                      json::object{});
                      })}));

    // ---- work orders ---------------------------------------------------------------------------------
    const std::string orders = "/api/v1/orders";
    t.push_back(Route("POST", orders, kReaders,
                      {Scoped("staff intake at a unit", Kind::kOrder, Anchor::kUnit, kRegisterGroups, {201},
                              [orders, g](Ctx& c) {
                                  return Send("POST", orders,
                                              json::object{{"kind", "request"},
                                                           {"category_id", c.world.repairs_category},
                                                           {"title", g(c).order_token + " 新工单"},
                                                           {"place_id", g(c).at.unit},
                                                           {"reporter_name", g(c).order_person + " Sun"},
                                                           {"channel", "phone"},
                                                           {"auto_dispatch", false}});
                              })}));
    t.push_back(Route(
        "GET", orders, {},
        {[&] {
             Case all = Plain("all visible", {200}, [orders](Ctx&) { return Get(orders + "?limit=200"); });
             all.check = ShowsTheOrdersItMaySee;
             return all;
         }(),
         Plain("dispatched ones", {200}, [orders](Ctx&) { return Get(orders + "?state=dispatched&limit=200"); }),
         // The filter names a node: found when the caller's territory holds it; the orders listed are
         // still only those the caller may see (the sentinels say which).
         Scoped("under a grid", Kind::kNode, Anchor::kGrid, kRegisterGroups, {200},
                [orders, g](Ctx& c) { return Get(orders + "?node_id=" + Str(g(c).at.grid)); }),
         Plain("sent to the partner unit", {200}, [orders](Ctx& c) {
             return Get(orders + "?handler_unit_id=" + Str(c.world.partner_unit));
         })}));
    // A dispute's work order is read under the dispute rule wherever it is read (mediation's
    // OrderVisibilityPolicy): its mediator and leaders in scope; the grid worker of the place gets 404.
    t.push_back(Route("GET", orders + "/{id}", {},
                      {Scoped("shared order", Kind::kOrder, Anchor::kUnit, kOrderGroups, {200},
                              [orders, g](Ctx& c) { return Get(orders + "/" + Str(g(c).order)); }),
                       Scoped("a dispute's order", Kind::kDispute, Anchor::kUnit, kCommunityGroups, {200},
                              [orders, g](Ctx& c) { return Get(orders + "/" + Str(g(c).dispute)); })}));
    t.push_back(Route("GET", orders + "/{id}/timeline", {},
                      {Scoped("shared order", Kind::kOrder, Anchor::kUnit, kOrderGroups, {200},
                              [orders, g](Ctx& c) { return Get(orders + "/" + Str(g(c).order) + "/timeline"); }),
                       Scoped("a dispute's order", Kind::kDispute, Anchor::kUnit, kCommunityGroups, {200},
                              [orders, g](Ctx& c) { return Get(orders + "/" + Str(g(c).dispute) + "/timeline"); })}));
    const std::vector<std::pair<std::string, json::object>> steps = {
        {"accept", {}},
        {"dispatch", {{"handler_unit_id", 0}}},  // the partner unit: filled in when the request is built
        {"start", {}},
        {"resolve", {{"note", "已处理"}}},
        {"reply", {{"text", "您好，已处理。"}}},
        {"close", {}},
        {"return", {{"reason", "派错了"}}},
        {"escalate", {{"reason", "需要社区协调"}}},
        {"merge", {{"into", 0}}},  // another fresh order of the group
        {"reject", {{"reason", "不属于受理范围"}}},
        {"reopen", {{"reason", "居民不满意"}}},
        {"supervise", {{"note", "请加快"}, {"due_at", 0}}},
    };
    for (const auto& entry : steps) {
        // Named copies: clang 14 cannot capture structured bindings in a lambda.
        const std::string step = entry.first;
        const json::object body = entry.second;
        // A step is any signed-in user's to try: the state machine answers 403 to the wrong party and
        // 409 to the wrong state; outside scope the order is not found.
        t.push_back(Route("POST", orders + "/{id}/" + step, {},
                          {Mutating(Scoped("on an order", Kind::kOrder, Anchor::kUnit, kOrderGroups, {200, 403, 409},
                                           [orders, g, step, body](Ctx& c) {
                                               const int64_t id = c.fresh ? c.world.FreshOrder(c.group) : g(c).order;
                                               json::object b = body;
                                               if (b.contains("handler_unit_id")) {
                                                   b["handler_unit_id"] = c.world.partner_unit;
                                               }
                                               if (b.contains("into")) {
                                                   b["into"] = c.world.FreshOrder(c.group);
                                               }
                                               if (b.contains("due_at")) {
                                                   b["due_at"] = c.world.server().clock().Now() + 86400;
                                               }
                                               return Send("POST", orders + "/" + Str(id) + "/" + step, b);
                                           }))}));
    }
    {
        // Disputes at the place: their titles are generic, so whether one is offered shows by its id.
        Case disputes =
            Scoped("disputes at a unit", Kind::kNode, Anchor::kUnit, kCommunityGroups, {200}, [orders, g](Ctx& c) {
                return Get(orders + "/similar?place_id=" + Str(g(c).at.unit) +
                           "&category_id=" + Str(c.world.dispute_category) + "&limit=50");
            });
        disputes.check = [](Ctx& c, const HttpReply& reply) -> std::string {
            const bool sees = c.world.Sees(c.caller, c.group, Kind::kDispute, Anchor::kUnit);
            bool offered = false;
            const json::value answer = reply.Json();
            for (const auto& item : answer.at("items").as_array()) {
                offered = offered || item.at("id").as_int64() == c.world.group(c.group).dispute;
            }
            return sees == offered ? "" : std::string(offered ? "offers" : "does not offer") + " the dispute";
        };
        t.push_back(Route("GET", orders + "/similar", kReaders,
                          {Scoped("at a unit", Kind::kNode, Anchor::kUnit, kRegisterGroups, {200},
                                  [orders, g](Ctx& c) {
                                      return Get(orders + "/similar?place_id=" + Str(g(c).at.unit) + "&category_id=" +
                                                 Str(c.world.repairs_category) + "&text=" + g(c).order_token);
                                  }),
                           disputes}));
    }
    const std::string categories = "/api/v1/order-categories";
    t.push_back(Route("GET", categories, {},
                      {Plain("active", {200}, [categories](Ctx&) { return Get(categories); })}));
    t.push_back(Route("GET", categories + "/{id}", {}, {Plain("repairs", {200}, [categories](Ctx& c) {
                          return Get(categories + "/" + Str(c.world.repairs_category));
                      })}));
    t.push_back(Route("POST", categories, kAdminOnly, {Plain("create", {201}, [categories](Ctx& c) {
                          const int n = c.world.Next();
                          return Send("POST", categories,
                                      json::object{{"code", "made_" + Str(n)},
                                                   {"name_zh", "类别" + Str(n)},
                                                   {"name_en", "Category " + Str(n)},
                                                   {"accept_hours", 4},
                                                   {"accept_kind", "working_hours"},
                                                   {"resolve_hours", 24},
                                                   {"resolve_kind", "working_hours"}});
                      })}));
    t.push_back(Route("PATCH", categories + "/{id}", kAdminOnly,
                      {Mutating(Plain("sort order", {200}, [categories](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshCategory() : c.world.repairs_category;
                          return Send("PATCH", categories + "/" + Str(id), json::object{{"sort_order", 7}});
                      }))}));
    const std::string units = "/api/v1/handling-units";
    t.push_back(Route("GET", units, kWriters, {Plain("list", {200}, [units](Ctx&) { return Get(units); })}));
    t.push_back(Route("GET", units + "/{id}", kWriters, {Plain("the partner unit", {200}, [units](Ctx& c) {
                          return Get(units + "/" + Str(c.world.partner_unit));
                      })}));
    t.push_back(Route("POST", units, kAdminOnly, {Plain("create", {201}, [units](Ctx& c) {
                          return Send("POST", units,
                                      json::object{{"name", "单位" + Str(c.world.Next())}, {"kind", "other"}});
                      })}));
    t.push_back(Route("PATCH", units + "/{id}", kAdminOnly, {Mutating(Plain("rename", {200}, [units](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshHandlingUnit() : c.world.partner_unit;
                          return Send("PATCH", units + "/" + Str(id), json::object{{"contact", "010-1"}});
                      }))}));
    t.push_back(Route("DELETE", units + "/{id}", kAdminOnly, {Mutating(Plain("unused unit", {204}, [units](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshHandlingUnit() : c.world.partner_unit;
                          return Delete(units + "/" + Str(id));
                      }))}));
    t.push_back(Route("GET", units + "/{id}/members", kAdminOnly, {Plain("the partner unit", {200}, [units](Ctx& c) {
                          return Get(units + "/" + Str(c.world.partner_unit) + "/members");
                      })}));
    t.push_back(Route("POST", units + "/{id}/members", kAdminOnly,
                      {Mutating(Plain("a new member", {200}, [units](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshHandlingUnit() : c.world.partner_unit;
                          return Send("POST", units + "/" + Str(id) + "/members",
                                      json::object{{"user_id", c.world.FreshUser()}});
                      }))}));
    t.push_back(Route("DELETE", units + "/{id}/members/{user_id}", kAdminOnly,
                      {Mutating(Plain("a member", {204}, [units](Ctx& c) {
                          if (!c.fresh) {
                              return Delete(units + "/" + Str(c.world.partner_unit) + "/members/" +
                                            Str(c.world.partner_user));
                          }
                          const int64_t unit = c.world.FreshHandlingUnit();
                          const int64_t user = c.world.FreshUser();
                          c.world.Admin("POST", units + "/" + Str(unit) + "/members", json::object{{"user_id", user}},
                                        200);
                          return Delete(units + "/" + Str(unit) + "/members/" + Str(user));
                      }))}));

    // ---- statistics ----------------------------------------------------------------------------------
    for (const std::string path : {"/stats", "/stats/export", "/scorecards", "/scorecards/export"}) {
        t.push_back(Route("GET", orders + path, kWriters,
                          {Plain("whole scope", {200}, [orders, path](Ctx&) { return Get(orders + path); }),
                           Scoped("of a grid", Kind::kNode, Anchor::kGrid, kRegisterGroups, {200},
                                  [orders, path, g](Ctx& c) {
                                      return Get(orders + path + "?node_id=" + Str(g(c).at.grid));
                                  })}));
    }

    // ---- Open311 (public by design; docs/open311.md: no reporter's name or phone, and orders that did
    // not come in through Open311 show service, status and dates only) -------------------------------
    const std::string o311 = "/open311/v2";
    for (const std::string ext : {"json", "xml"}) {
        t.push_back(Public("GET", o311 + "/discovery." + ext,
                           {Plain("discovery", {200}, [o311, ext](Ctx&) { return Get(o311 + "/discovery." + ext); })}));
        t.push_back(Public("GET", o311 + "/services." + ext,
                           {Plain("services", {200}, [o311, ext](Ctx&) { return Get(o311 + "/services." + ext); })}));
        Case list = Plain("a jurisdiction's requests", {200}, [o311, ext](Ctx& c) {
            const std::string code = c.group == Group::kB ? "110105001002" : "110105001001";
            return Get(o311 + "/requests." + ext + "?jurisdiction_id=" + code + "&extensions=true");
        });
        list.groups = {Group::kA1, Group::kB};
        t.push_back(Public("GET", o311 + "/requests." + ext, {list}));
        Case updates = Plain("a jurisdiction's updates", {200}, [o311, ext](Ctx& c) {
            const std::string code = c.group == Group::kB ? "110105001002" : "110105001001";
            return Get(o311 + "/servicerequestupdates." + ext + "?jurisdiction_id=" + code);
        });
        updates.groups = {Group::kA1, Group::kB};
        t.push_back(Public("GET", o311 + "/servicerequestupdates." + ext, {updates}));
        t.push_back(Public("POST", o311 + "/requests." + ext, {Plain("with a key", {200, 201}, [o311, ext](Ctx& c) {
                               Call call;
                               call.method = "POST";
                               call.target = o311 + "/requests." + ext;
                               call.body = World::FormEncode({{"api_key", c.world.open311_secret},
                                                              {"jurisdiction_id", "110105001001"},
                                                              {"service_code", "repairs"},
                                                              {"address_string", "幸福路1号"},
                                                              {"first_name", c.world.open311_person},
                                                              {"phone", c.world.NextPhone()},
                                                              {"description", "路灯不亮"}});
                               call.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
                               return call;
                           })}));
    }
    t.push_back(Public("GET", o311 + "/services/{service_code}",
                       {Plain("repairs", {200}, [o311](Ctx&) { return Get(o311 + "/services/repairs.json"); })}));
    {
        Case one = Plain("a staff-recorded order", {200}, [o311, g](Ctx& c) {
            return Get(o311 + "/requests/" + Str(g(c).order) + ".json?extensions=true");
        });
        one.groups = kOrderGroups;
        Case dispute = Plain("a dispute's order", {200}, [o311, g](Ctx& c) {
            return Get(o311 + "/requests/" + Str(g(c).dispute) + ".json?extensions=true");
        });
        dispute.groups = kCommunityGroups;
        t.push_back(Public("GET", o311 + "/requests/{service_request_id}", {one, dispute}));
    }
    {
        // An order's Open311 token is its tracking code; the answer is only the request's id, which
        // requests/{id} shows publicly anyway (service, status and dates).
        Case token = Plain("a tracking code", {200}, [o311, g](Ctx& c) {
            return Get(o311 + "/tokens/" + g(c).tracking_code + ".json");
        });
        token.groups = kOrderGroups;
        t.push_back(Public("GET", o311 + "/tokens/{token}", {token}));
    }
    const std::string keys = "/api/v1/open311/keys";
    t.push_back(Route("POST", keys, kAdminOnly, {Plain("create", {201}, [keys](Ctx& c) {
                          return Send("POST", keys, json::object{{"name", "key " + Str(c.world.Next())}});
                      })}));
    t.push_back(Route("GET", keys, kAdminOnly, {Plain("list", {200}, [keys](Ctx&) { return Get(keys); })}));
    t.push_back(Route("DELETE", keys + "/{id}", kAdminOnly, {Mutating(Plain("revoke", {204}, [keys](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshOpen311Key() : c.world.open311_key;
                          return Delete(keys + "/" + Str(id));
                      }))}));

    // ---- the residents' side: QR boards, reports, tracking, ratings ------------------------------------
    t.push_back(Route("GET", "/api/v1/buildings/{id}/qr", kQrRoles,
                      {Scoped("a building", Kind::kNode, Anchor::kBuilding, kRegisterGroups, {200}, [g](Ctx& c) {
                          return Get("/api/v1/buildings/" + Str(g(c).at.building) + "/qr");
                      })}));
    t.push_back(Public("GET", "/api/v1/public/buildings/{token}", {Plain("building A1's board", {200}, [](Ctx& c) {
                           return Get("/api/v1/public/buildings/" + c.world.building_a1_qr);
                       })}));
    t.push_back(Public("POST", "/api/v1/public/reports", {Plain("a report", {201, 429}, [](Ctx& c) {
                           return Send("POST", "/api/v1/public/reports",
                                       json::object{{"building_token", c.world.building_a1_qr},
                                                    {"category_id", c.world.repairs_category},
                                                    {"description", c.world.qr_token + " 楼道堆物"},
                                                    {"phone", c.world.NextPhone()},
                                                    {"name", c.world.qr_person + " Zhou"}});
                       })}));
    {
        Case track = Plain("its own order", {200}, [g](Ctx& c) { return Get("/api/v1/track/" + g(c).tracking_code); });
        track.groups = kOrderGroups;
        // The holder of a tracking code is the reporter: they see their order's title and masked phone.
        track.public_may_show = [g](Ctx& c) {
            return std::vector<std::string>{g(c).order_token, g(c).order_phone_mask};
        };
        // A dispute's tracking page shows its steps, never what was said: its reporter (the first
        // party) sees their own masked phone, and no subject, party or agreement.
        Case dispute = Plain("a dispute", {200}, [g](Ctx& c) { return Get("/api/v1/track/" + g(c).dispute_code); });
        dispute.groups = kCommunityGroups;
        dispute.public_may_show = [g](Ctx& c) { return std::vector<std::string>{g(c).dispute_phone_mask}; };
        t.push_back(Public("GET", "/api/v1/track/{code}", {track, dispute}));
    }
    t.push_back(Public("POST", "/api/v1/track/{code}/rating", {Plain("an answered order", {201, 409, 429}, [](Ctx& c) {
                           return Send("POST", "/api/v1/track/" + c.world.replied_code + "/rating",
                                       json::object{{"score", 5}, {"phone", c.world.replied_phone}});
                       })}));
    t.push_back(Public("POST", "/api/v1/track/{code}/attachments", {Plain("a photo", {201, 429}, [](Ctx& c) {
                           Call call;
                           call.method = "POST";
                           call.target = "/api/v1/track/" + c.world.open_code + "/attachments";
                           call.body = World::Form("photo.png", World::Png(), {{"phone", c.world.open_phone}});
                           call.headers = {{"Content-Type", std::string("multipart/form-data; boundary=") +
                                                                World::kBoundary}};
                           return call;
                       })}));

    // ---- attachments ---------------------------------------------------------------------------------
    t.push_back(Route("POST", orders + "/{id}/attachments", {},
                      {Mutating(Scoped("a photo", Kind::kOrder, Anchor::kUnit, kOrderGroups, {201},
                                       [orders, g](Ctx& c) {
                                           const int64_t id = c.fresh ? c.world.FreshOrder(c.group) : g(c).order;
                                           return Call{"POST",
                                                       orders + "/" + Str(id) + "/attachments?filename=" +
                                                           g(c).order_token + ".png",
                                                       World::Png(),
                                                       {{"Content-Type", "image/png"}},
                                                       {},
                                                       false};
                                       }))}));
    t.push_back(
        Route("GET", orders + "/{id}/attachments", {},
              {Scoped("shared order", Kind::kOrder, Anchor::kUnit, kOrderGroups, {200},
                      [orders, g](Ctx& c) { return Get(orders + "/" + Str(g(c).order) + "/attachments"); }),
               Scoped("a dispute's order", Kind::kDispute, Anchor::kUnit, kCommunityGroups, {200},
                      [orders, g](Ctx& c) { return Get(orders + "/" + Str(g(c).dispute) + "/attachments"); })}));
    t.push_back(Route("GET", "/api/v1/attachments/{id}", {},
                      {[&] {
                          Case photo = Scoped("shared order's photo", Kind::kOrder, Anchor::kUnit, kOrderGroups, {200},
                                              [g](Ctx& c) {
                                                  return Get("/api/v1/attachments/" + Str(g(c).attachment));
                                              });
                          photo.check = [](Ctx&, const HttpReply& reply) -> std::string {
                              return reply.body == World::Png() ? "" : "the bytes differ from the upload";
                          };
                          return photo;
                      }()}));

    // ---- devices -------------------------------------------------------------------------------------
    const std::string devices = "/api/v1/devices";
    t.push_back(Route("POST", devices, kAdminOnly, {Plain("register", {201}, [devices](Ctx& c) {
                          return Send("POST", devices,
                                      json::object{{"name", "烟感" + Str(c.world.Next())},
                                                   {"kind", "smoke_sensor"},
                                                   {"place_id", c.world.group(Group::kA1).at.building}});
                      })}));
    t.push_back(Route("GET", devices, kAdminOnly, {Plain("list", {200}, [devices](Ctx&) { return Get(devices); })}));
    t.push_back(Route("GET", devices + "/{id}", kAdminOnly, {Plain("one", {200}, [devices](Ctx& c) {
                          return Get(devices + "/" + Str(c.world.device));
                      })}));
    t.push_back(Route("DELETE", devices + "/{id}", kAdminOnly, {Mutating(Plain("remove", {204}, [devices](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshDevice() : c.world.device;
                          return Delete(devices + "/" + Str(id));
                      }))}));
    // Signed by the device's secret, not by a user: the same for every caller.
    t.push_back(Public("POST", "/api/v1/hooks/devices/{id}/alarms", {Plain("a signed alarm", {200, 201}, [](Ctx& c) {
                           const std::string body =
                               json::serialize(json::object{{"event", "smoke"}, {"alarm_id", "m" + Str(c.world.Next())}});
                           const int64_t ts = c.world.server().clock().Now();
                           return Call{"POST",
                                       "/api/v1/hooks/devices/" + Str(c.world.device) + "/alarms",
                                       body,
                                       {{"Content-Type", "application/json"},
                                        {"X-Linli-Timestamp", Str(ts)},
                                        {"X-Linli-Signature", notify::SignWebhook(c.world.device_secret, ts, body)}},
                                       {},
                                       true};
                       })}));

    // ---- similar orders, the resident's own reports, building boards, the calendar -------------------
    t.push_back(Route("GET", orders + "/{id}/similar", kReaders,
                      {Scoped("shared order", Kind::kOrder, Anchor::kUnit, kOrderGroups, {200},
                              [orders, g](Ctx& c) { return Get(orders + "/" + Str(g(c).order) + "/similar"); }),
                       Scoped("a dispute's order", Kind::kDispute, Anchor::kUnit, kCommunityGroups, {200},
                              [orders, g](Ctx& c) { return Get(orders + "/" + Str(g(c).dispute) + "/similar"); })}));
    // A resident's own account reports and rates signed in (ADR 0006); nobody else's role does.
    t.push_back(Route("POST", "/api/v1/my/reports", {Role::kResident},
                      {Plain("from building A1's board", {201, 429}, [](Ctx& c) {
                          return Send("POST", "/api/v1/my/reports",
                                      json::object{{"building_token", c.world.building_a1_qr},
                                                   {"category_id", c.world.repairs_category},
                                                   {"description", c.world.qr_token + " 楼顶漏水"},
                                                   {"phone", c.world.NextPhone()},
                                                   {"name", c.world.qr_person + " Resident"}});
                      })}));
    t.push_back(Route("POST", "/api/v1/my/reports/{code}/rating", {Role::kResident},
                      {Plain("their own answered report", {201, 409, 429},
                             [](Ctx& c) {
                                 return Send("POST", "/api/v1/my/reports/" + c.world.resident_report_code + "/rating",
                                             json::object{{"score", 5}});
                             }),
                       // Filed at the counter, not by this account: only its reporter rates it (a code
                       // the public rating case does not use up its per-code limit on).
                       Plain("an order someone else reported", {403}, [](Ctx& c) {
                           return Send("POST",
                                       "/api/v1/my/reports/" + c.world.group(Group::kA1).tracking_code + "/rating",
                                       json::object{{"score", 1}});
                       })}));
    {
        // The board names its consenting residents with their full phones: the register's writers only.
        Case board = Scoped("a building", Kind::kRegister, Anchor::kBuilding, kRegisterGroups, {200},
                            [g](Ctx& c) { return Get("/api/v1/buildings/" + Str(g(c).at.building) + "/board"); });
        board.check = [](Ctx& c, const HttpReply& reply) {
            return ShowsIff(c, reply, c.group, Kind::kRegister, Anchor::kHousehold,
                            c.world.group(c.group).register_person);
        };
        t.push_back(Route("GET", "/api/v1/buildings/{id}/board", kWriters, {board}));
    }
    t.push_back(Route("GET", "/api/v1/working-calendar", {}, {Plain("weekends, holidays, hours", {200}, [](Ctx&) {
                          return Get("/api/v1/working-calendar");
                      })}));

    // ---- safety: checklists --------------------------------------------------------------------------
    const std::string safety = "/api/v1/safety";
    const std::string templates = safety + "/templates";
    {
        Case usable = Plain("usable ones", {200}, [templates](Ctx&) { return Get(templates); });
        usable.check = ShowsTokens(kCommunityGroups, Kind::kSafety, Anchor::kGrid, &GroupRecords::template_token);
        Case all =
            Plain("retired ones too", {200}, [templates](Ctx&) { return Get(templates + "?include_inactive=true"); });
        all.check = usable.check;
        t.push_back(Route("GET", templates, kInspectors, {usable, all}));
    }
    t.push_back(Route("POST", templates, kLeaders,
                      {Scoped("a community's own", Kind::kNode, Anchor::kCommunity, kCommunityGroups, {201},
                              [templates, g](Ctx& c) {
                                  const int n = c.world.Next();
                                  return Send("POST", templates,
                                              json::object{{"community_id", g(c).at.community},
                                                           {"code", "route_" + Str(n)},
                                                           {"name_zh", g(c).template_token + " 检查表" + Str(n)},
                                                           {"based_on", c.world.shipped_template}});
                              }),
                       // A shipped checklist is the administrators' (a community makes its own from it).
                       ServiceRoles(Plain("a shipped one", {201},
                                          [templates](Ctx& c) {
                                              const int n = c.world.Next();
                                              return Send("POST", templates,
                                                          json::object{{"code", "route_" + Str(n)},
                                                                       {"name_zh", "通用检查表" + Str(n)},
                                                                       {"based_on", c.world.shipped_template}});
                                          }),
                                    kAdminOnly)}));
    // A community's checklist is for whoever inspects in the community, a grid worker of it too: the
    // group's grid stands for that (no caller works in another grid of it).
    for (const std::string tail : {"", "/versions"}) {
        t.push_back(Route(
            "GET", templates + "/{id}" + tail, kInspectors,
            {Plain("a shipped one", {200},
                   [templates, tail](Ctx& c) { return Get(templates + "/" + Str(c.world.shipped_template) + tail); }),
             Scoped(
                 "a community's own", Kind::kSafety, Anchor::kGrid, kCommunityGroups, {200},
                 [templates, tail, g](Ctx& c) { return Get(templates + "/" + Str(g(c).safety_template) + tail); })}));
    }
    {
        auto change = [templates, g](const std::string& method, const std::string& tail, json::object body,
                                     bool shipped) {
            return [templates, g, method, tail, body, shipped](Ctx& c) {
                int64_t id = shipped ? c.world.shipped_template : g(c).safety_template;
                if (c.fresh) {
                    id = shipped ? c.world.FreshTemplate(std::nullopt) : c.world.FreshTemplate(c.group);
                }
                return Send(method, templates + "/" + Str(id) + tail, body);
            };
        };
        const json::object patch{{"active", true}};
        const json::object version{
            {"items",
             json::array{json::object{{"text_zh", "疏散通道畅通"}, {"severity", "general"}, {"rectify_days", 3}}}}};
        for (const auto& [method, tail, body, ok] :
             {std::tuple{std::string("PATCH"), std::string(), patch, 200},
              std::tuple{std::string("POST"), std::string("/versions"), version, 201}}) {
            t.push_back(Route(
                method, templates + "/{id}" + tail, kLeaders,
                {Mutating(ServiceRoles(Plain("a shipped one", {ok}, change(method, tail, body, true)), kAdminOnly)),
                 Mutating(Scoped("a community's own", Kind::kSafety, Anchor::kGrid, kCommunityGroups, {ok},
                                 change(method, tail, body, false)))}));
        }
    }

    // ---- safety: venues ------------------------------------------------------------------------------
    const std::string venues = safety + "/venues";
    {
        Case all = Plain("all in scope", {200}, [venues](Ctx&) { return Get(venues + "?limit=100"); });
        all.check = ShowsTokens(kSafetyGroups, Kind::kSafety, Anchor::kBuilding, &GroupRecords::venue_token);
        Case by_phone = Plain("by the owner's phone", {200},
                              [venues, g](Ctx& c) { return Get(venues + "?q=" + g(c).venue_phone); });
        by_phone.groups = kSafetyGroups;
        by_phone.check = [](Ctx& c, const HttpReply& reply) -> std::string {
            const bool sees = c.world.Sees(c.caller, c.group, Kind::kSafety, Anchor::kBuilding);
            const size_t found = reply.Json().at("items").as_array().size();
            if (sees != (found != 0)) {
                return "found " + std::to_string(found) + " venue(s) by the phone of group " + GroupName(c.group) +
                       "'s owner";
            }
            return {};
        };
        t.push_back(Route("GET", venues, kInspectors,
                          {all, by_phone,
                           Scoped("in a grid", Kind::kNode, Anchor::kGrid, kRegisterGroups, {200},
                                  [venues, g](Ctx& c) { return Get(venues + "?node_id=" + Str(g(c).at.grid)); })}));
    }
    t.push_back(
        Route("POST", venues, kInspectors,
              {Scoped("in a building", Kind::kNode, Anchor::kBuilding, kRegisterGroups, {201}, [venues, g](Ctx& c) {
                  return Send(
                      "POST", venues,
                      json::object{
                          {"name", "新店" + Str(c.world.Next())}, {"kind", "shop"}, {"building_id", g(c).at.building}});
              })}));
    t.push_back(Route("GET", venues + "/{id}", kInspectors,
                      {Scoped("shared venue", Kind::kSafety, Anchor::kBuilding, kSafetyGroups, {200},
                              [venues, g](Ctx& c) { return Get(venues + "/" + Str(g(c).venue)); })}));
    t.push_back(
        Route("PATCH", venues + "/{id}", kInspectors,
              {Mutating(Scoped("address", Kind::kSafety, Anchor::kBuilding, kSafetyGroups, {200}, [venues, g](Ctx& c) {
                  const int64_t id = c.fresh ? c.world.FreshVenue(c.group) : g(c).venue;
                  return Send("PATCH", venues + "/" + Str(id), json::object{{"address", g(c).venue_token + " 新址"}});
              }))}));
    t.push_back(Route("DELETE", venues + "/{id}", kInspectors,
                      {Mutating(Scoped("never inspected", Kind::kSafety, Anchor::kBuilding, kSafetyGroups, {204},
                                       [venues, g](Ctx& c) {
                                           const int64_t id = c.fresh ? c.world.FreshVenue(c.group) : g(c).venue;
                                           return Delete(venues + "/" + Str(id));
                                       }))}));
    t.push_back(Route("POST", venues + "/{id}/reveal", kInspectors,
                      {Scoped("the owner's phone with a reason", Kind::kSafety, Anchor::kBuilding, kSafetyGroups, {200},
                              [venues, g](Ctx& c) {
                                  return Send("POST", venues + "/" + Str(g(c).venue) + "/reveal",
                                              json::object{{"field", "owner_phone"}, {"reason", "通知整改"}});
                              })}));
    t.push_back(
        Route("GET", venues + "/{id}/safety-record", kInspectors,
              {Scoped("shared venue", Kind::kSafety, Anchor::kBuilding, kSafetyGroups, {200},
                      [venues, g](Ctx& c) { return Get(venues + "/" + Str(g(c).venue) + "/safety-record"); })}));
    {
        Case record = Scoped("a building", Kind::kSafety, Anchor::kBuilding, kSafetyGroups, {200}, [safety, g](Ctx& c) {
            return Get(safety + "/buildings/" + Str(g(c).at.building) + "/safety-record");
        });
        record.check = [](Ctx& c, const HttpReply& reply) {
            return ShowsIff(c, reply, c.group, Kind::kSafety, Anchor::kBuilding,
                            c.world.group(c.group).inspection_token);
        };
        t.push_back(Route("GET", safety + "/buildings/{id}/safety-record", kInspectors, {record}));
    }

    // ---- safety: photos, inspections, hazards ---------------------------------------------------------
    const std::string photos = safety + "/photos";
    t.push_back(Route("POST", photos, kInspectorsAndPartners, {Plain("a PNG", {200, 201}, [photos](Ctx&) {
                          return Call{"POST", photos, World::Png(), {{"Content-Type", "image/png"}}, {}, false};
                      })}));
    {
        // The uploader's, or one a record the caller may see refers to (partner units: their own only).
        Case photo = Scoped("on a shared inspection", Kind::kSafety, Anchor::kBuilding, kSafetyGroups, {200},
                            [photos, g](Ctx& c) { return Get(photos + "/" + Str(g(c).safety_photo)); });
        photo.check = [](Ctx&, const HttpReply& reply) -> std::string {
            return reply.body.size() == World::Png().size() && reply.body.starts_with("\x89PNG") ? "" : "not the photo";
        };
        t.push_back(Route("GET", photos + "/{id}", kInspectorsAndPartners, {photo}));
    }
    const std::string inspections = safety + "/inspections";
    t.push_back(Route(
        "POST", inspections, kInspectors,
        {Scoped("of a building, all passed", Kind::kNode, Anchor::kBuilding, kRegisterGroups, {201},
                [inspections](Ctx& c) { return Send("POST", inspections, PassingInspection(c.world, c.group)); })}));
    for (const std::string tail : {"", "/export"}) {
        const std::string base = inspections + tail;
        Case all =
            Plain("all in scope", {200}, [base, tail](Ctx&) { return Get(base + (tail.empty() ? "?limit=100" : "")); });
        all.check = ShowsTokens(kSafetyGroups, Kind::kSafety, Anchor::kBuilding, &GroupRecords::inspection_token);
        t.push_back(Route("GET", base, kInspectors,
                          {all,
                           Scoped("in a grid", Kind::kNode, Anchor::kGrid, kRegisterGroups, {200},
                                  [base, tail, g](Ctx& c) {
                                      return Get(base + "?node_id=" + Str(g(c).at.grid) +
                                                 (tail.empty() ? "" : "&format=csv"));
                                  }),
                           Scoped("of a venue", Kind::kSafety, Anchor::kBuilding, kSafetyGroups, {200},
                                  [base, g](Ctx& c) { return Get(base + "?venue_id=" + Str(g(c).venue)); })}));
    }
    t.push_back(Route("GET", inspections + "/{id}", kInspectors,
                      {Scoped("shared inspection", Kind::kSafety, Anchor::kBuilding, kSafetyGroups, {200},
                              [inspections, g](Ctx& c) { return Get(inspections + "/" + Str(g(c).inspection)); })}));
    // Hazards: the inspectors' in their territory, a partner unit's those sent to it (kAP).
    const std::string hazards = safety + "/hazards";
    for (const std::string tail : {"", "/export"}) {
        const std::string base = hazards + tail;
        Case all =
            Plain("all in scope", {200}, [base, tail](Ctx&) { return Get(base + (tail.empty() ? "?limit=100" : "")); });
        all.check = ShowsTokens(kHazardGroups, Kind::kSafety, Anchor::kBuilding, &GroupRecords::hazard_token);
        t.push_back(Route(
            "GET", base, tail.empty() ? kInspectorsAndPartners : kInspectors,
            {all, Scoped("in a grid", Kind::kNode, Anchor::kGrid, kRegisterGroups, {200}, [base, tail, g](Ctx& c) {
                 return Get(base + "?node_id=" + Str(g(c).at.grid) + (tail.empty() ? "" : "&format=csv"));
             })}));
    }
    t.push_back(Route("GET", hazards + "/{id}", kInspectorsAndPartners,
                      {Scoped("shared hazard", Kind::kSafety, Anchor::kBuilding, kHazardGroups, {200},
                              [hazards, g](Ctx& c) { return Get(hazards + "/" + Str(g(c).hazard)); })}));
    // 整改 is the hazard order's handler's (the grid worker of the place, or the partner unit for
    // kAP): anyone else who may see it gets 403, and a hazard not yet dispatched (A2 has no grid
    // worker) 409.
    t.push_back(Route(
        "POST", hazards + "/{id}/rectification", kInspectorsAndPartners,
        {Mutating(Scoped(
            "a rectification", Kind::kSafety, Anchor::kBuilding, kHazardGroups, {200, 403, 409}, [hazards, g](Ctx& c) {
                const int64_t id = c.fresh ? c.world.FreshHazard(c.group) : g(c).hazard;
                return Send("POST", hazards + "/" + Str(id) + "/rectification", json::object{{"note", "已整改"}});
            }))}));
    // 复查 of a hazard rectified by a unit outside the callers, with a photo of the caller's own.
    t.push_back(Route(
        "POST", hazards + "/{id}/reinspections", kInspectors,
        {Mutating(Scoped(
            "a passed re-inspection", Kind::kSafety, Anchor::kBuilding, kSafetyGroups, {201}, [hazards, g](Ctx& c) {
                int64_t id = g(c).hazard;
                int64_t photo = g(c).safety_photo;
                if (c.fresh) {
                    id = c.world.FreshHazard(c.group, true);
                    photo = c.world.CallerPhoto(c.caller.name);
                }
                return Send("POST", hazards + "/" + Str(id) + "/reinspections",
                            json::object{{"result", "pass"}, {"note", "已复查"}, {"photo_ids", json::array{photo}}});
            }))}));

    // ---- safety: ledgers and figures -----------------------------------------------------------------
    for (const std::string path : {"/ledger", "/ledger/export", "/figures"}) {
        const std::string base = safety + path;
        const bool grouped = path != "/figures";
        t.push_back(
            Route("GET", base, kInspectors,
                  {Plain("whole scope", {200},
                         [base, grouped](Ctx&) { return Get(base + (grouped ? "?group_by=grid" : "")); }),
                   Scoped("under a grid", Kind::kNode, Anchor::kGrid, kRegisterGroups, {200}, [base, grouped](Ctx& c) {
                       return Get(base + "?node_id=" + Str(c.world.group(c.group).at.grid) +
                                  (grouped ? "&group_by=building" : ""));
                   })}));
    }

    // ---- mediation: categories, mediators, rosters -------------------------------------------------------
    t.push_back(Route("GET", "/api/v1/dispute-categories", {},
                      {Plain("active", {200}, [](Ctx&) { return Get("/api/v1/dispute-categories"); })}));
    // Mediators are the city's (no scope): read by staff, changed by leaders.
    const std::string mediators = "/api/v1/mediators";
    t.push_back(
        Route("GET", mediators, kInspectors, {Plain("the rota", {200}, [mediators](Ctx&) { return Get(mediators); })}));
    t.push_back(Route("GET", mediators + "/{id}", kInspectors, {Plain("the spare mediator", {200}, [mediators](Ctx& c) {
                          return Get(mediators + "/" + Str(c.world.spare_mediator));
                      })}));
    t.push_back(Route("POST", mediators, kLeaders, {Plain("a new one", {201}, [mediators](Ctx& c) {
                          return Send("POST", mediators,
                                      json::object{{"user_id", c.world.FreshUser()},
                                                   {"specialisms", json::array{"counselling"}},
                                                   {"title", "心理咨询师"}});
                      })}));
    t.push_back(Route("PATCH", mediators + "/{id}", kLeaders, {Mutating(Plain("title", {200}, [mediators](Ctx& c) {
                          const int64_t id = c.fresh ? c.world.FreshMediator() : c.world.spare_mediator;
                          return Send("PATCH", mediators + "/" + Str(id), json::object{{"title", "调解员"}});
                      }))}));
    // A community's roster: read by staff, its grid workers included (their scope lies below the
    // community), kept by its leaders.
    const std::string duty = "/api/v1/mediation/duty";
    t.push_back(Route("GET", duty, kInspectors,
                      {Scoped("a community's", Kind::kWithin, Anchor::kCommunity, kCommunityGroups, {200},
                              [duty, g](Ctx& c) { return Get(duty + "?community_id=" + Str(g(c).at.community)); })}));
    t.push_back(Route(
        "POST", duty, kLeaders,
        {Scoped("today's entry again", Kind::kNode, Anchor::kCommunity, kCommunityGroups, {200}, [duty, g](Ctx& c) {
            return Send("POST", duty,
                        json::object{{"community_id", g(c).at.community},
                                     {"entries", json::array{json::object{{"date", c.world.Today()},
                                                                          {"mediator_id", c.world.spare_mediator}}}}});
        })}));
    t.push_back(
        Route("DELETE", duty + "/{id}", kLeaders,
              {Mutating(Scoped("an entry", Kind::kNode, Anchor::kCommunity, kCommunityGroups, {204}, [duty, g](Ctx& c) {
                  const int64_t id = c.fresh ? c.world.FreshDutyEntry(c.group) : g(c).duty_entry;
                  return Delete(duty + "/" + Str(id));
              }))}));

    // ---- mediation: disputes (ADR 0009: its mediators and leaders in scope read a dispute; anyone
    // else, the grid worker of the very place included, gets 404) ---------------------------------------
    const std::string disputes = "/api/v1/disputes";
    t.push_back(Route(
        "POST", disputes, kReaders,
        {Scoped("at a unit", Kind::kOrder, Anchor::kUnit, kRegisterGroups, {201}, [disputes, g](Ctx& c) {
            return Send("POST", disputes,
                        json::object{{"category", "neighbours"},
                                     {"subject", "楼道堆物纠纷"},
                                     {"channel", "phone"},
                                     {"place_id", g(c).at.unit},
                                     {"parties", json::array{json::object{{"side", "applicant"}, {"name", "赵六"}}}}});
        })}));
    {
        Case all = Plain("all it may read", {200}, [disputes](Ctx&) { return Get(disputes + "?limit=100"); });
        all.check = ShowsTokens(kCommunityGroups, Kind::kDispute, Anchor::kUnit, &GroupRecords::dispute_token);
        t.push_back(
            Route("GET", disputes, {},
                  {all, Scoped("under a grid", Kind::kNode, Anchor::kGrid, kRegisterGroups, {200},
                               [disputes, g](Ctx& c) { return Get(disputes + "?node_id=" + Str(g(c).at.grid)); })}));
    }
    for (const std::string path : {"/stats", "/stats/export"}) {
        const std::string base = disputes + path;
        const std::string format = path == "/stats" ? "" : "&format=xlsx";
        // Grid workers see counts by grid only.
        Case by_category =
            Plain("by category", {200}, [base, format](Ctx&) { return Get(base + "?group_by=category" + format); });
        by_category.quirk = [](const Caller& c, Group) -> std::optional<StatusSet> {
            return c.role == Role::kGridWorker ? std::optional<StatusSet>(StatusSet{403}) : std::nullopt;
        };
        t.push_back(Route(
            "GET", base, kInspectors,
            {by_category,
             Plain("by grid", {200}, [base, format](Ctx&) { return Get(base + "?group_by=grid" + format); }),
             Scoped("under a grid", Kind::kNode, Anchor::kGrid, kRegisterGroups, {200}, [base, format, g](Ctx& c) {
                 return Get(base + "?group_by=grid&node_id=" + Str(g(c).at.grid) + format);
             })}));
    }
    t.push_back(Route("GET", disputes + "/{id}", {},
                      {Scoped("shared dispute", Kind::kDispute, Anchor::kUnit, kCommunityGroups, {200},
                              [disputes, g](Ctx& c) { return Get(disputes + "/" + Str(g(c).dispute)); })}));
    struct DisputeStep {
        std::string method;
        std::string tail;
        std::vector<Role> roles;
    };
    for (const auto& [method, tail, roles] : std::vector<DisputeStep>{{"POST", "/parties", {}},
                                                                      {"POST", "/mediators", kLeaders},
                                                                      {"POST", "/sessions", {}},
                                                                      {"PUT", "/agreement", {}},
                                                                      {"POST", "/agreement/decisions", {}},
                                                                      {"POST", "/outcome", {}}}) {
        const std::string step = tail;
        const std::string verb = method;
        t.push_back(
            Route(method, disputes + "/{id}" + tail, roles,
                  {Mutating(Scoped(
                      "on a dispute", Kind::kDispute, Anchor::kUnit, kCommunityGroups, {200},
                      [disputes, g, step, verb](Ctx& c) {
                          World::DisputeIds ids{g(c).dispute, g(c).dispute_party, {}};
                          if (c.fresh) {
                              ids = c.world.FreshDispute(c.group);
                          }
                          json::object body;
                          if (step == "/parties") {
                              body = {{"side", "third_party"}, {"name", "赵六"}};
                          } else if (step == "/mediators") {
                              body = {{"mediator_id", c.world.spare_mediator}};
                          } else if (step == "/sessions") {
                              body = {{"held_on", c.world.Today()},
                                      {"place_id", g(c).at.unit},
                                      {"notes", g(c).dispute_token + " 第二次调解"}};
                          } else if (step == "/agreement") {
                              body = {{"text", g(c).agreement_token + " 协议修改"}};
                          } else if (step == "/agreement/decisions") {
                              body = {{"party_id", ids.party}, {"decision", "accepted"}};
                          } else {
                              body = {{"outcome", "failed"}, {"referral", "court"}, {"referral_to", "区人民法院"}};
                          }
                          return Send(verb, disputes + "/" + Str(ids.id) + step, body);
                      }))}));
    }
    return t;
}

}  // namespace linli::testing::matrix
