#include "access_matrix/world.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "core/id_number.hpp"
#include "modules/notify/outbox.hpp"

namespace linli::testing::matrix {

namespace json = boost::json;

std::string GroupName(Group g) {
    switch (g) {
        case Group::kA1:
            return "A1";
        case Group::kAP:
            return "AP";
        case Group::kA2:
            return "A2";
        case Group::kB:
            return "B";
    }
    return "?";
}

int64_t Places::Of(Anchor a) const {
    switch (a) {
        case Anchor::kCommunity:
            return community;
        case Anchor::kGrid:
            return grid;
        case Anchor::kBuilding:
            return building;
        case Anchor::kUnit:
            return unit;
        case Anchor::kHousehold:
            return household;
    }
    return 0;
}

namespace {

std::string Str(int64_t v) {
    return std::to_string(v);
}

/// The roles that work the territory: they see what lies in their scope (orders included).
bool WorksTerritory(Role r) {
    return r == Role::kAdmin || r == Role::kSubdistrictLeader || r == Role::kCommunityStaff ||
           r == Role::kGridWorker || r == Role::kBuildingHead || r == Role::kLinkLeader;
}

bool ReadsRegister(Role r) {
    return WorksTerritory(r);
}

/// Those who inspect, keep the safety ledgers and read safety records (safety's RequireInspector).
bool Inspects(Role r) {
    return r == Role::kAdmin || r == Role::kSubdistrictLeader || r == Role::kCommunityStaff || r == Role::kGridWorker;
}

/// Those who read every dispute in their scope (mediation's IsDisputeLeader).
bool LeadsDisputes(Role r) {
    return r == Role::kAdmin || r == Role::kSubdistrictLeader || r == Role::kCommunityStaff;
}

/// Days since 1970-01-01 as "YYYY-MM-DD".
std::string DayText(int64_t day) {
    const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(day))};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()));
}

[[noreturn]] void Fail(const std::string& what, const HttpReply& reply) {
    throw std::runtime_error("matrix world: " + what + " answered " + std::to_string(reply.status) + ": " +
                             reply.body);
}

}  // namespace

World::World(Backend backend) {
    const std::string dir = (std::filesystem::temp_directory_path() /
                             ("linli-matrix-" + std::to_string(getpid()) + "-" + BackendName(backend)))
                                .string();
    server_ = std::make_unique<TestServer>(backend, [dir](app::Config& c) {
        c.attachments_dir = dir;
        c.attachments_per_order = 1000;
        c.notify_max_attempts = 1;  // a webhook that cannot be reached fails at once: a delivery to re-send
        c.notify_webhook_timeout_s = 1;
    });
    admin_id_ = server_->CreateUser("admin", Role::kAdmin);
    admin_ = std::make_unique<HttpClient>(server_->LoggedIn("admin", true));
    BuildTerritory();
    BuildCallers();
    BuildRecords();
}

World::~World() = default;

const Caller& World::caller(const std::string& name) const {
    for (const auto& c : callers_) {
        if (c.name == name) {
            return c;
        }
    }
    throw std::logic_error("no caller " + name);
}

HttpReply World::AdminRaw(const std::string& method, const std::string& target, const std::string& body,
                          const Headers& headers) {
    Headers h = headers;
    if (!body.empty() && h.empty()) {
        h.emplace_back("Content-Type", "application/json");
    }
    return admin_->Send(method, target, body, h);
}

json::value World::Admin(const std::string& method, const std::string& target, const json::value& body, int want) {
    auto reply = AdminRaw(method, target, body.is_null() ? std::string() : json::serialize(body));
    if (reply.status != want) {
        Fail(method + " " + target, reply);
    }
    return reply.Json();
}

int64_t World::Node(std::optional<int64_t> parent, const std::string& kind, const std::string& name) {
    return server_->CreateNode(parent, kind, name);
}

std::string World::PathOf(int64_t node) {
    auto got = Admin("GET", "/api/v1/territory/nodes/" + Str(node), nullptr, 200);
    return std::string(got.at("path").as_string());
}

void World::BuildTerritory() {
    const int64_t subdistrict = Node(std::nullopt, "subdistrict", "和平街道");
    auto make_group = [&](Group g, int64_t community, const std::string& grid_name, const std::string& building_name,
                          const std::string& unit_name, const std::string& room) {
        GroupRecords r;
        r.at.community = community;
        r.at.grid = Node(community, "grid", grid_name);
        r.at.building = Node(r.at.grid, "building", building_name);
        r.at.unit = Node(r.at.building, "unit", unit_name);
        r.at.household =
            Admin("POST", "/api/v1/households", json::object{{"unit_id", r.at.unit}, {"room", room}, {"tenure", "owner"}},
                  201)
                .at("id")
                .as_int64();
        groups_[g] = r;
    };
    const int64_t community_a = Node(subdistrict, "community", "青和居社区");
    const int64_t community_b = Node(subdistrict, "community", "流塘社区");
    // Open311 jurisdictions are communities with a code.
    Admin("PATCH", "/api/v1/territory/nodes/" + Str(community_a), json::object{{"code", "110105001001"}}, 200);
    Admin("PATCH", "/api/v1/territory/nodes/" + Str(community_b), json::object{{"code", "110105001002"}}, 200);
    make_group(Group::kA1, community_a, "第1网格", "1号楼", "1单元", "101");
    groups_[Group::kAP] = groups_[Group::kA1];
    make_group(Group::kA2, community_a, "第2网格", "2号楼", "1单元", "201");
    // Everything in community B below the grid carries a sentinel in its name: nobody on the A side
    // may read it, not even in a breadcrumb.
    make_group(Group::kB, community_b, "Zqbeenode网格", "Zqbeenode楼", "Zqbeenode单元", "301");
    for (auto& [g, r] : groups_) {
        for (Anchor a : {Anchor::kCommunity, Anchor::kGrid, Anchor::kBuilding, Anchor::kUnit, Anchor::kHousehold}) {
            r.paths[a] = PathOf(r.at.Of(a));
        }
    }
    sentinels_.push_back({"Zqbeenode", Group::kB, Kind::kNode, Anchor::kGrid, false});
    groups_[Group::kA1].register_token = "Zqaonereg";
    groups_[Group::kA1].register_person = "Pxaonereg";
    groups_[Group::kA1].order_token = "Zqaoneord";
    groups_[Group::kA1].order_person = "Pxaoneord";
    groups_[Group::kAP].order_token = "Zqapeeord";
    groups_[Group::kAP].order_person = "Pxapeeord";
    groups_[Group::kA2].register_token = "Zqatworeg";
    groups_[Group::kA2].register_person = "Pxatworeg";
    groups_[Group::kA2].order_token = "Zqatwoord";
    groups_[Group::kA2].order_person = "Pxatwoord";
    groups_[Group::kB].register_token = "Zqbeereg";
    groups_[Group::kB].register_person = "Pxbeereg";
    groups_[Group::kB].order_token = "Zqbeeord";
    groups_[Group::kB].order_person = "Pxbeeord";
    // Safety: a venue, an inspection and a hazard in A1, A2 and B (kAP: a hazard); checklists of A and B.
    for (auto [g, name] : {std::pair{Group::kA1, "aone"}, std::pair{Group::kA2, "atwo"}, std::pair{Group::kB, "bee"}}) {
        auto& r = groups_[g];
        r.venue_token = fmt::format("Zq{}vnu", name);
        r.venue_person = fmt::format("Px{}vnu", name);
        r.inspection_token = fmt::format("Zq{}ins", name);
        r.hazard_token = fmt::format("Zq{}hzd", name);
    }
    groups_[Group::kAP].hazard_token = "Zqapeehzd";
    groups_[Group::kA1].template_token = "Zqaonetpl";
    groups_[Group::kB].template_token = "Zqbeetpl";
    // Mediation: a dispute in A1 and in B.
    for (auto [g, name] : {std::pair{Group::kA1, "aone"}, std::pair{Group::kB, "bee"}}) {
        auto& r = groups_[g];
        r.dispute_token = fmt::format("Zq{}dsp", name);
        r.dispute_person = fmt::format("Px{}dsp", name);
        r.agreement_token = fmt::format("Zq{}agr", name);
    }
    groups_[Group::kA1].dispute_mediator = "partner";
    groups_[Group::kB].dispute_mediator = "worker_b";
    for (Group g : kAllGroups) {
        const auto& r = groups_[g];
        if (!r.register_token.empty()) {
            sentinels_.push_back({r.register_token, g, Kind::kRegister, Anchor::kHousehold, false});
            sentinels_.push_back({r.register_person, g, Kind::kRegister, Anchor::kHousehold, true});
        }
        sentinels_.push_back({r.order_token, g, Kind::kOrder, Anchor::kUnit, false});
        sentinels_.push_back({r.order_person, g, Kind::kOrder, Anchor::kUnit, true});
        if (!r.venue_token.empty()) {
            sentinels_.push_back({r.venue_token, g, Kind::kSafety, Anchor::kBuilding, false});
            sentinels_.push_back({r.venue_person, g, Kind::kSafety, Anchor::kBuilding, true});
            sentinels_.push_back({r.inspection_token, g, Kind::kSafety, Anchor::kBuilding, false});
        }
        if (!r.hazard_token.empty()) {
            // The responsible party is named in the hazard and in its work order (the order rule).
            sentinels_.push_back({r.hazard_token, g, Kind::kOrder, Anchor::kBuilding, false});
        }
        if (!r.template_token.empty()) {
            // A community's checklist is for whoever inspects in the community (a grid worker of it
            // too): the grid of the group stands for that, as no caller works in another grid of it.
            sentinels_.push_back({r.template_token, g, Kind::kSafety, Anchor::kGrid, false});
        }
        if (!r.dispute_token.empty()) {
            sentinels_.push_back({r.dispute_token, g, Kind::kDispute, Anchor::kUnit, false});
            sentinels_.push_back({r.agreement_token, g, Kind::kDispute, Anchor::kUnit, false});
            sentinels_.push_back({r.dispute_person, g, Kind::kDispute, Anchor::kUnit, true});
        }
    }
}


void World::BuildCallers() {
    const auto& a1 = groups_[Group::kA1];
    const auto& b = groups_[Group::kB];
    const int64_t subdistrict = Admin("GET", "/api/v1/territory/nodes/" + Str(a1.at.community), nullptr, 200)
                                    .at("parent_id")
                                    .as_int64();
    struct Spec {
        const char* name;
        std::optional<Role> role;
        std::vector<int64_t> scope;
    };
    // Every role, inside and outside; the roles that do not work the territory get a scope as the
    // demo gives them one (a partner unit, a volunteer and a merchant in a community, a resident in
    // a household), so that a rule leaning on scope alone shows.
    const std::vector<Spec> specs = {
        {"admin", Role::kAdmin, {}},
        {"leader", Role::kSubdistrictLeader, {subdistrict}},
        {"staff_a", Role::kCommunityStaff, {a1.at.community}},
        {"staff_b", Role::kCommunityStaff, {b.at.community}},
        {"worker_a", Role::kGridWorker, {a1.at.grid}},
        {"worker_b", Role::kGridWorker, {b.at.grid}},
        {"head_a", Role::kBuildingHead, {a1.at.building}},
        {"link_a", Role::kLinkLeader, {a1.at.unit}},
        {"partner", Role::kPartnerUnit, {a1.at.community}},
        {"volunteer", Role::kVolunteer, {a1.at.community}},
        {"resident", Role::kResident, {a1.at.household}},
        {"merchant", Role::kMerchant, {a1.at.community}},
        {"anonymous", std::nullopt, {}},
    };
    for (const auto& spec : specs) {
        Caller c;
        c.name = spec.name;
        c.role = spec.role;
        c.scope = spec.scope;
        for (int64_t node : c.scope) {
            c.scope_paths.push_back(PathOf(node));
        }
        if (c.role) {
            c.user_id = c.name == "admin" ? admin_id_ : server_->CreateUser(c.name, *c.role, c.scope);
            c.bearer = server_->LoggedIn(c.name, true).credentials.bearer;
        }
        c.partner_member = c.name == "partner";
        callers_.push_back(std::move(c));
    }
}

HttpReply World::As(const std::string& name, const std::string& method, const std::string& target,
                    const std::string& body, const Headers& headers) {
    HttpClient client(server_->port());
    client.credentials.bearer = caller(name).bearer;
    Headers h = headers;
    if (!body.empty() && h.empty()) {
        h.emplace_back("Content-Type", "application/json");
    }
    return client.Send(method, target, body, h, !client.credentials.bearer.empty());
}

bool World::Covers(const Caller& c, Group g, Anchor anchor) const {
    if (c.role == Role::kAdmin) {
        return true;
    }
    const std::string& path = groups_.at(g).paths.at(anchor);
    for (const auto& scope : c.scope_paths) {
        if (path.starts_with(scope)) {
            return true;
        }
    }
    return false;
}

bool World::Sees(const Caller& c, Group g, Kind kind, Anchor anchor) const {
    if (!c.role) {
        return false;
    }
    switch (kind) {
        case Kind::kNone:
            return true;
        case Kind::kNode:
            return Covers(c, g, anchor);
        case Kind::kRegister:
            return ReadsRegister(*c.role) && Covers(c, g, anchor);
        case Kind::kOrder:
            // The roles that work the territory see the orders of their scope; anyone else sees an
            // order only when it was sent to them or to a unit they belong to.
            return (WorksTerritory(*c.role) && Covers(c, g, anchor)) || (g == Group::kAP && c.partner_member);
        case Kind::kOwned:
            return false;
        case Kind::kSafety:
            // Inspectors in their territory; a partner unit only what is sent to it (the kAP hazard).
            return (Inspects(*c.role) && Covers(c, g, anchor)) || (g == Group::kAP && c.partner_member);
        case Kind::kDispute:
            // Leaders in their territory and the dispute's own mediator; in scope is not enough.
            return (LeadsDisputes(*c.role) && Covers(c, g, anchor)) || c.name == groups_.at(g).dispute_mediator;
        case Kind::kWithin: {
            if (Covers(c, g, anchor)) {
                return true;
            }
            const std::string& path = groups_.at(g).paths.at(anchor);
            return std::any_of(c.scope_paths.begin(), c.scope_paths.end(),
                               [&](const std::string& scope) { return scope.starts_with(path); });
        }
    }
    return false;
}

void World::PhoneSentinel(const std::string& phone, Group g, Kind kind, Anchor anchor) {
    sentinels_.push_back({phone.substr(0, 3) + "****" + phone.substr(7), g, kind, anchor, true});
}

std::string World::NextIdNumber() {
    const int n = id_serial_++;
    const std::string first17 = fmt::format("110101{:04}0101{:03}", 1950 + (n / 900) % 60, 100 + n % 900);
    return first17 + id_number::CheckCharacter(first17);
}

std::string World::NextPhone() {
    return fmt::format("1390000{:04}", ++phone_serial_);
}

int64_t World::Resident(Group g, const std::string& suffix, const std::vector<std::string>& tags) {
    const auto& r = groups_.at(g);
    const std::string phone = NextPhone();
    last_phone_ = phone;
    PhoneSentinel(phone, g, Kind::kRegister, Anchor::kHousehold);
    json::object body{{"name", r.register_person + " " + suffix},
                      {"id_number", NextIdNumber()},
                      {"phone", phone},
                      {"household_id", r.at.household},
                      {"relation", "other"},
                      {"note", r.register_token + " 需要关照"}};
    if (!tags.empty()) {
        json::array list;
        for (const auto& t : tags) {
            list.emplace_back(t);
        }
        body["tags"] = std::move(list);
    }
    return Admin("POST", "/api/v1/residents", body, 201).at("id").as_int64();
}

int64_t World::FreshResident(Group g) {
    return Resident(g == Group::kAP ? Group::kA1 : g, "Fresh");
}

int64_t World::FreshHousehold(Group g) {
    return Admin("POST", "/api/v1/households",
                 json::object{{"unit_id", groups_.at(g).at.unit}, {"room", "9" + Str(Next())}, {"tenure", "owner"}},
                 201)
        .at("id")
        .as_int64();
}

int64_t World::FreshUnitNode(Group g) {
    return Node(groups_.at(g).at.building, "unit", (g == Group::kB ? "Zqbeenode" : "") + std::string("新单元") +
                                                       Str(Next()));
}

int64_t World::FreshAssignment(Group g) {
    const int64_t household = FreshHousehold(g);
    const int64_t carer =
        server_->CreateUser("carer_" + Str(Next()), Role::kLinkLeader, {groups_.at(g).at.household});
    auto made = Admin("POST", "/api/v1/assignments",
                      json::object{{"role", "link_leader"}, {"user_id", carer}, {"node_ids", json::array{household}}},
                      201);
    return made.at("items").as_array().at(0).at("id").as_int64();
}

int64_t World::FreshOrder(Group g, bool dispatch_to_partner) {
    const auto& r = groups_.at(g);
    const std::string phone = NextPhone();
    PhoneSentinel(phone, g, Kind::kOrder, Anchor::kUnit);
    auto created = Admin("POST", "/api/v1/orders",
                         json::object{{"kind", "request"},
                                      {"category_id", repairs_category},
                                      {"title", r.order_token + " 楼道灯不亮 " + Str(Next())},
                                      {"description", r.order_token + " 三楼到五楼的灯坏了"},
                                      {"place_id", r.at.unit},
                                      {"reporter_name", r.order_person + " Wang"},
                                      {"reporter_phone", phone},
                                      {"channel", "walk_in"},
                                      {"auto_dispatch", true}},
                         201);
    const int64_t id = created.at("id").as_int64();
    if (dispatch_to_partner || g == Group::kAP) {
        Admin("POST", "/api/v1/orders/" + Str(id) + "/dispatch",
              json::object{{"handler_unit_id", partner_unit}, {"note", "请物业处理"}}, 200);
    }
    return id;
}

int64_t World::FreshRepliedOrder(Group g) {
    const int64_t id = FreshOrder(g);
    const std::string url = "/api/v1/orders/" + Str(id);
    const std::string worker = g == Group::kB ? "worker_b" : "worker_a";
    for (const auto& [step, body] : std::vector<std::pair<std::string, std::string>>{
             {"start", "{}"}, {"resolve", "{}"}, {"reply", R"({"text":"已修好"})"}}) {
        auto reply = As(worker, "POST", url + "/" + step, body);
        if (reply.status != 200) {
            Fail(worker + " " + step, reply);
        }
    }
    return id;
}

int64_t World::FreshUser() {
    return server_->CreateUser("spare_" + Str(Next()), Role::kVolunteer, {});
}

int64_t World::FreshHandlingUnit() {
    return Admin("POST", "/api/v1/handling-units", json::object{{"name", "共建单位" + Str(Next())}, {"kind", "other"}},
                 201)
        .at("id")
        .as_int64();
}

int64_t World::FreshWebhook() {
    return Admin("POST", "/api/v1/webhooks",
                 json::object{{"name", "hook" + Str(Next())},
                              {"url", "http://127.0.0.1:1/hook"},
                              {"topics", json::array{"matrix.none"}},
                              {"active", false}},
                 201)
        .at("id")
        .as_int64();
}

int64_t World::FreshDevice() {
    return Admin("POST", "/api/v1/devices",
                 json::object{{"name", "烟感" + Str(Next())},
                              {"kind", "smoke_sensor"},
                              {"place_id", groups_.at(Group::kA1).at.building}},
                 201)
        .at("id")
        .as_int64();
}

int64_t World::FreshOpen311Key() {
    return Admin("POST", "/api/v1/open311/keys", json::object{{"name", "热线" + Str(Next())}}, 201).at("id").as_int64();
}

int64_t World::FreshCategory() {
    const int n = Next();
    return Admin("POST", "/api/v1/order-categories",
                 json::object{{"code", "matrix_" + Str(n)},
                              {"name_zh", "测试类别" + Str(n)},
                              {"name_en", "Test category " + Str(n)},
                              {"accept_hours", 4},
                              {"accept_kind", "working_hours"},
                              {"resolve_hours", 24},
                              {"resolve_kind", "working_hours"}},
                 201)
        .at("id")
        .as_int64();
}

int64_t World::FreshApiToken(const std::string& name, std::string* secret) {
    auto reply = As(name, "POST", "/api/v1/auth/tokens", json::serialize(json::object{{"name", "t" + Str(Next())}}));
    if (reply.status != 201) {
        Fail(name + " POST /api/v1/auth/tokens", reply);
    }
    if (secret != nullptr) {
        *secret = std::string(reply.Json().at("token").as_string());
    }
    return reply.Json().at("id").as_int64();
}

std::string World::FreshSession(const std::string& name) {
    return server_->LoggedIn(name, true).credentials.bearer;
}

std::string World::FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
    auto encode = [](const std::string& s) {
        std::string out;
        for (unsigned char c : s) {
            if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
                out += static_cast<char>(c);
            } else {
                out += fmt::format("%{:02X}", c);
            }
        }
        return out;
    };
    std::string out;
    for (const auto& [k, v] : fields) {
        out += (out.empty() ? "" : "&") + encode(k) + "=" + encode(v);
    }
    return out;
}

std::string World::Png(unsigned char salt) {
    static const unsigned char kPng[] = {
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
        0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF,
        0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
    std::string bytes(reinterpret_cast<const char*>(kPng), sizeof kPng);
    // The last byte is the IEND chunk's CRC: the type is judged by the signature, so it stays a PNG.
    bytes.back() = static_cast<char>(static_cast<unsigned char>(bytes.back()) ^ salt);
    return bytes;
}

std::string World::Form(const std::string& filename, const std::string& bytes,
                        const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string body;
    for (const auto& [name, value] : fields) {
        body += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
                value + "\r\n";
    }
    body += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
            filename + "\"\r\nContent-Type: image/png\r\n\r\n" + bytes + "\r\n--" + kBoundary + "--\r\n";
    return body;
}

int64_t World::Attach(int64_t order, const std::string& name) {
    auto reply = AdminRaw("POST", "/api/v1/orders/" + Str(order) + "/attachments?filename=" + name + ".png", Png(),
                          {{"Content-Type", "image/png"}});
    if (reply.status != 201) {
        Fail("attach to order " + Str(order), reply);
    }
    return reply.Json().at("id").as_int64();
}

void World::BuildRecords() {
    const json::value categories = Admin("GET", "/api/v1/order-categories", nullptr, 200);
    for (const auto& c : categories.at("items").as_array()) {
        if (c.at("code") == "repairs") {
            repairs_category = c.at("id").as_int64();
        }
    }
    if (repairs_category == 0) {
        throw std::runtime_error("matrix world: no repairs category");
    }
    // The grid workers of grids A1 and B1 (automatic dispatch sends them their grid's orders).
    for (const auto& [worker, g] : {std::pair{"worker_a", Group::kA1}, std::pair{"worker_b", Group::kB}}) {
        Admin("POST", "/api/v1/assignments",
              json::object{{"role", "grid_worker"},
                           {"user_id", caller(worker).user_id},
                           {"node_ids", json::array{groups_[g].at.grid}}},
              201);
    }
    // The partner unit and its member account.
    partner_unit = Admin("POST", "/api/v1/handling-units",
                         json::object{{"name", "青和物业"}, {"kind", "property_company"}, {"contact", "010-12345678"}},
                         201)
                       .at("id")
                       .as_int64();
    partner_user = caller("partner").user_id;
    Admin("POST", "/api/v1/handling-units/" + Str(partner_unit) + "/members", json::object{{"user_id", partner_user}},
          200);

    for (Group g : kAllGroups) {
        auto& r = groups_[g];
        if (g != Group::kAP) {
            r.resident = Resident(g, "Shared");
            r.resident_phone = last_phone_;
            // Listed on the building's board (with their consent): name and full phone, for the office.
            Resident(g, "Board", {"board_listed", "fire_squad_119"});
            // Building details, so that reading them is a 200 inside scope.
            Admin("PUT", "/api/v1/buildings/" + Str(r.at.building) + "/details",
                  json::object{{"kind", "residential"}, {"address", "幸福路1号"}, {"floors", 6}, {"unit_count", 2}},
                  200);
            r.carer = server_->CreateUser("carer_" + GroupName(g), Role::kLinkLeader, {r.at.household});
            r.assignment = Admin("POST", "/api/v1/assignments",
                                 json::object{{"role", "link_leader"},
                                              {"user_id", r.carer},
                                              {"node_ids", json::array{r.at.household}}},
                                 201)
                               .at("items")
                               .as_array()
                               .at(0)
                               .at("id")
                               .as_int64();
        }
        r.order = FreshOrder(g);
        const auto detail = Admin("GET", "/api/v1/orders/" + Str(r.order), nullptr, 200);
        r.tracking_code = std::string(detail.at("tracking_code").as_string());
        r.order_phone_mask = std::string(detail.at("reporter_phone").as_string());
        r.attachment = Attach(r.order, r.order_token);
    }

    // An order answered and waiting for its rating, with the phone it was reported with.
    const int64_t replied = FreshRepliedOrder(Group::kA1);
    replied_code = std::string(Admin("GET", "/api/v1/orders/" + Str(replied), nullptr, 200)
                                   .at("tracking_code")
                                   .as_string());
    replied_phone = fmt::format("1390000{:04}", phone_serial_);  // FreshOrder's phone for it

    // An open order whose reporter adds photos by its tracking code.
    const int64_t open = FreshOrder(Group::kA1);
    open_phone = fmt::format("1390000{:04}", phone_serial_);
    open_code = std::string(Admin("GET", "/api/v1/orders/" + Str(open), nullptr, 200).at("tracking_code").as_string());

    building_a1_qr = std::string(
        Admin("GET", "/api/v1/buildings/" + Str(groups_[Group::kA1].at.building) + "/qr", nullptr, 200)
            .at("token")
            .as_string());

    // Devices and Open311.
    auto device_json = Admin("POST", "/api/v1/devices",
                             json::object{{"name", "1号楼烟感"},
                                          {"kind", "smoke_sensor"},
                                          {"place_id", groups_[Group::kA1].at.building}},
                             201);
    device = device_json.at("id").as_int64();
    device_secret = std::string(device_json.at("secret").as_string());
    auto key_json = Admin("POST", "/api/v1/open311/keys", json::object{{"name", "12345 热线"}}, 201);
    open311_key = key_json.at("id").as_int64();
    open311_secret = std::string(key_json.at("key").as_string());

    // Reports that came in through public channels: Open311 (at the jurisdiction, community A) and a
    // building's QR code (at building A1). Their reporters' names must never be shown publicly.
    sentinels_.push_back({open311_person, Group::kA1, Kind::kOrder, Anchor::kCommunity, true});
    sentinels_.push_back({qr_person, Group::kA1, Kind::kOrder, Anchor::kBuilding, true});
    sentinels_.push_back({qr_token, Group::kA1, Kind::kOrder, Anchor::kBuilding, false});
    {
        const std::string phone = NextPhone();
        PhoneSentinel(phone, Group::kA1, Kind::kOrder, Anchor::kCommunity);
        const std::string form = FormEncode({{"api_key", open311_secret},
                                             {"jurisdiction_id", "110105001001"},
                                             {"service_code", "repairs"},
                                             {"address_string", "幸福路1号"},
                                             {"first_name", open311_person},
                                             {"last_name", "Li"},
                                             {"phone", phone},
                                             {"description", "路灯不亮"}});
        auto posted = AdminRaw("POST", "/open311/v2/requests.json", form,
                               {{"Content-Type", "application/x-www-form-urlencoded"}});
        if (posted.status != 200) {
            Fail("Open311 POST", posted);
        }
    }
    {
        const std::string phone = NextPhone();
        PhoneSentinel(phone, Group::kA1, Kind::kOrder, Anchor::kBuilding);
        Admin("POST", "/api/v1/public/reports",
              json::object{{"building_token", building_a1_qr},
                           {"category_id", repairs_category},
                           {"description", qr_token + " 楼道堆物"},
                           {"phone", phone},
                           {"name", qr_person + " Zhou"},
                           {"room", "101"}},
              201);
    }

    // An account only the login route uses.
    server_->CreateUser(login_user, Role::kVolunteer, {});
    worker_a_token = FreshApiToken("worker_a");

    // An import by staff_a into grid A1 whose only row is rejected: its error report carries the row.
    {
        const std::string first17 = "11010119500101123";
        const char check = id_number::CheckCharacter(first17);
        const std::string wrong_id = first17 + (check == '1' ? '2' : '1');
        const std::string csv = "姓名,身份证号,联系电话,楼栋,单元,房号,与户主关系,户籍类型,标签\r\n" +
                                groups_[Group::kA1].register_person + " Import," + wrong_id +
                                ",13912340000,1号楼,1单元,101,户主,户籍,\r\n";
        auto started = As("staff_a", "POST", "/api/v1/residents/imports?into=" + Str(groups_[Group::kA1].at.grid),
                          csv, {{"Content-Type", "text/csv"}});
        if (started.status != 202) {
            Fail("staff_a import", started);
        }
        import_job = std::string(started.Json().at("id").as_string());
        bool finished = Eventually([&] {
            auto status = As("staff_a", "GET", "/api/v1/residents/imports/" + import_job);
            const auto phase = status.status == 200 ? status.Json().at("phase") : json::value();
            return phase == "done" || phase == "failed";
        });
        if (!finished) {
            throw std::runtime_error("matrix world: the import did not finish");
        }
    }

    // A webhook that cannot be reached (one failed delivery to re-send) and an inbox message of
    // worker_a about grid A1's order, both from one notification.
    webhook = Admin("POST", "/api/v1/webhooks",
                    json::object{{"name", "短信网关"},
                                 {"url", "http://127.0.0.1:1/hook"},
                                 {"topics", json::array{"matrix.*"}}},
                    201)
                  .at("id")
                  .as_int64();
    {
        notify::Notification n;
        n.topic = "matrix.probe";
        n.user_ids = {caller("worker_a").user_id};
        n.title = groups_[Group::kA1].order_token + " 即将超时";
        n.body = "请尽快处理";
        n.dedupe_key = "matrix:probe";
        auto& app = server_->app();
        const int64_t now = server_->clock().Now();
        auto enqueued =
            app.db().Write([&](storage::Conn& c) -> Result<void> { return app.outbox().Enqueue(c, n, now); });
        if (!enqueued) {
            throw std::runtime_error("matrix world: enqueue: " + enqueued.error().message);
        }
    }
    const bool delivered = Eventually([&] {
        auto inbox = As("worker_a", "GET", "/api/v1/inbox");
        auto deliveries = AdminRaw("GET", "/api/v1/webhooks/" + Str(webhook) + "/deliveries?state=failed");
        if (inbox.status != 200 || deliveries.status != 200) {
            return false;
        }
        const auto items = inbox.Json().at("items").as_array();
        const auto failed = deliveries.Json().at("items").as_array();
        if (items.empty() || failed.empty()) {
            return false;
        }
        worker_a_message = items.at(0).at("id").as_int64();
        failed_delivery = failed.at(0).at("id").as_int64();
        return true;
    });
    if (!delivered) {
        throw std::runtime_error("matrix world: the probe notification was not delivered");
    }

    BuildResidentReport();
    BuildSafety();
    BuildMediation();
}

std::string World::Today() {
    // The community's zone (Asia/Shanghai, the default calendar): UTC+8, no daylight saving.
    return DayText((server_->clock().Now() + 8 * 3600) / 86400);
}

void World::BuildResidentReport() {
    // The resident reports signed in from building A1's board; the office answers it.
    const std::string phone = NextPhone();
    PhoneSentinel(phone, Group::kA1, Kind::kOrder, Anchor::kBuilding);
    auto filed = As("resident", "POST", "/api/v1/my/reports",
                    json::serialize(json::object{{"building_token", building_a1_qr},
                                                 {"category_id", repairs_category},
                                                 {"description", qr_token + " 地下室积水"},
                                                 {"phone", phone},
                                                 {"name", qr_person + " Resident"}}));
    if (filed.status != 201) {
        Fail("resident POST /api/v1/my/reports", filed);
    }
    resident_report_code = std::string(filed.Json().at("tracking_code").as_string());
    // Its order's id, as a resident's Open311 client would find it.
    auto token = AdminRaw("GET", "/open311/v2/tokens/" + resident_report_code + ".json");
    if (token.status != 200) {
        Fail("Open311 token of the resident's report", token);
    }
    const json::value found = token.Json();
    const json::value& first = found.is_array() ? found.as_array().at(0) : found;
    const int64_t id = first.at("service_request_id").to_number<int64_t>();
    const std::string url = "/api/v1/orders/" + Str(id);
    const std::string state(Admin("GET", url, nullptr, 200).at("state").as_string());
    if (state == "submitted") {
        Admin("POST", url + "/accept", json::object{}, 200);
    }
    if (state == "submitted" || state == "accepted") {
        Admin("POST", url + "/dispatch", json::object{{"handler_user_id", caller("worker_a").user_id}}, 200);
    }
    for (const auto& [step, body] : std::vector<std::pair<std::string, std::string>>{
             {"start", "{}"}, {"resolve", "{}"}, {"reply", R"({"text":"已抽水"})"}}) {
        auto reply = As("worker_a", "POST", url + "/" + step, body);
        if (reply.status != 200) {
            Fail("worker_a " + step + " of the resident's report", reply);
        }
    }
}

json::value World::Inspect(Group g, bool fail, std::optional<int64_t> unit, int64_t photo) {
    // kAP's hazard is found in building A1 like A1's; only where its order goes differs.
    const auto& place = groups_.at(g == Group::kAP ? Group::kA1 : g);
    const auto& r = groups_.at(g);
    json::array items;
    for (size_t i = 0; i < shipped_items.size(); ++i) {
        json::object a{{"item_id", shipped_items[i]}, {"result", fail && i == 0 ? "fail" : "pass"}};
        if (i == 0) {
            a["note"] = place.inspection_token + " 现场发现问题";
            if (photo > 0) {
                a["photo_ids"] = json::array{photo};
            }
        }
        items.push_back(std::move(a));
    }
    json::object responsible{{"kind", "property_company"}, {"name", r.hazard_token + " 物业"}};
    if (unit) {
        responsible["unit_id"] = *unit;
    }
    return Admin("POST", "/api/v1/safety/inspections",
                 json::object{{"client_id", "matrix-" + Str(Next())},
                              {"template_id", shipped_template},
                              {"template_version", shipped_version},
                              {"target_kind", "building"},
                              {"target_id", place.at.building},
                              {"inspected_at", server_->clock().Now() - 600},
                              {"note", place.inspection_token + " 例行检查"},
                              {"responsible", std::move(responsible)},
                              {"items", std::move(items)}},
                 201);
}

int64_t World::FreshVenue(Group g) {
    auto& r = groups_.at(g);
    const std::string phone = NextPhone();
    PhoneSentinel(phone, g, Kind::kSafety, Anchor::kBuilding);
    r.venue_phone = r.venue_phone.empty() ? phone : r.venue_phone;
    return Admin("POST", "/api/v1/safety/venues",
                 json::object{{"name", r.venue_token + " 小吃店" + Str(Next())},
                              {"kind", "restaurant"},
                              {"owner_name", r.venue_person + " Zhang"},
                              {"owner_phone", phone},
                              {"licence_no", "92440300MA5F"},
                              {"address", r.venue_token + " 幸福路1号底商"},
                              {"building_id", r.at.building}},
                 201)
        .at("id")
        .as_int64();
}

int64_t World::FreshHazard(Group g, bool rectified) {
    std::optional<int64_t> unit;
    if (rectified) {
        unit = rectifier_unit;
    } else if (g == Group::kAP) {
        unit = partner_unit;
    }
    const json::value inspection = Inspect(g, true, unit, 0);
    const int64_t hazard = inspection.at("hazards").as_array().at(0).at("id").as_int64();
    if (rectified) {
        HttpClient client = server_->LoggedIn(rectifier, true);
        auto done =
            client.Send("POST", "/api/v1/safety/hazards/" + Str(hazard) + "/rectification",
                        json::serialize(json::object{{"note", "已整改"}}), {{"Content-Type", "application/json"}});
        if (done.status != 200) {
            Fail("the rectifier's rectification", done);
        }
    }
    return hazard;
}

int64_t World::FreshTemplate(std::optional<Group> g) {
    const int n = Next();
    json::object body{{"code", "matrix_" + Str(n)}, {"based_on", shipped_template}};
    if (g) {
        body["community_id"] = groups_.at(*g).at.community;
        body["name_zh"] = groups_.at(*g).template_token + " 自查表" + Str(n);
    } else {
        body["name_zh"] = "通用检查表" + Str(n);
    }
    return Admin("POST", "/api/v1/safety/templates", body, 201).at("id").as_int64();
}

int64_t World::CallerPhoto(const std::string& name) {
    auto reply = As(name, "POST", "/api/v1/safety/photos", Png(), {{"Content-Type", "image/png"}});
    if (reply.status != 200 && reply.status != 201) {
        Fail(name + " POST /api/v1/safety/photos", reply);
    }
    return reply.Json().at("id").as_int64();
}

void World::BuildSafety() {
    const json::value shipped = Admin("GET", "/api/v1/safety/templates", nullptr, 200);
    for (const auto& t : shipped.at("items").as_array()) {
        if (t.at("code") == "rental_building") {
            shipped_template = t.at("id").as_int64();
        }
    }
    if (shipped_template == 0) {
        throw std::runtime_error("matrix world: no shipped rental_building checklist");
    }
    const auto detail = Admin("GET", "/api/v1/safety/templates/" + Str(shipped_template), nullptr, 200);
    shipped_version = static_cast<int>(detail.at("current_version").as_int64());
    for (const auto& item : detail.at("version").at("items").as_array()) {
        shipped_items.push_back(item.at("id").as_int64());
    }
    // A re-inspection is made by someone other than the rectifier: a unit outside the callers rectifies.
    rectifier_unit = FreshHandlingUnit();
    const int64_t rectifier_id = server_->CreateUser(rectifier, Role::kPartnerUnit, {});
    Admin("POST", "/api/v1/handling-units/" + Str(rectifier_unit) + "/members", json::object{{"user_id", rectifier_id}},
          200);

    unsigned char salt = 0;
    for (Group g : {Group::kA1, Group::kA2, Group::kB}) {
        auto& r = groups_[g];
        r.venue = FreshVenue(g);
        auto photo = AdminRaw("POST", "/api/v1/safety/photos", Png(++salt), {{"Content-Type", "image/png"}});
        if (photo.status != 201) {
            Fail("admin POST /api/v1/safety/photos", photo);
        }
        r.safety_photo = photo.Json().at("id").as_int64();
        const json::value inspection = Inspect(g, true, std::nullopt, r.safety_photo);
        r.inspection = inspection.at("id").as_int64();
        r.hazard = inspection.at("hazards").as_array().at(0).at("id").as_int64();
    }
    groups_[Group::kAP].hazard = FreshHazard(Group::kAP);
    groups_[Group::kA1].safety_template = FreshTemplate(Group::kA1);
    groups_[Group::kB].safety_template = FreshTemplate(Group::kB);
}

int64_t World::FreshMediator() {
    return Admin(
               "POST", "/api/v1/mediators",
               json::object{
                   {"user_id", FreshUser()}, {"specialisms", json::array{"people_mediator"}}, {"title", "人民调解员"}},
               201)
        .at("id")
        .as_int64();
}

int64_t World::FreshDutyEntry(Group g) {
    // A day of its own, years ahead: the entry is new, and nobody else's.
    const std::string date = DayText((server_->clock().Now() / 86400) + 3650 + Next());
    auto list =
        Admin("POST", "/api/v1/mediation/duty",
              json::object{{"community_id", groups_.at(g).at.community},
                           {"entries", json::array{json::object{{"date", date}, {"mediator_id", spare_mediator}}}}},
              200);
    for (const auto& e : list.at("items").as_array()) {
        if (e.at("date").as_string() == date && e.at("mediator_id").as_int64() == spare_mediator) {
            return e.at("id").as_int64();
        }
    }
    throw std::runtime_error("matrix world: the roster entry of " + date + " is missing");
}

World::DisputeIds World::FreshDispute(Group g) {
    const auto& r = groups_.at(g);
    const std::string phone = NextPhone();
    PhoneSentinel(phone, g, Kind::kDispute, Anchor::kUnit);
    auto created = Admin(
        "POST", "/api/v1/disputes",
        json::object{
            {"category", "neighbours"},
            {"subject", r.dispute_token + " 楼上漏水"},
            {"description", r.dispute_token + " 双方争吵"},
            {"channel", "walk_in"},
            {"place_id", r.at.unit},
            {"mediator_id", mediator_of.at(g)},
            {"parties",
             json::array{json::object{{"side", "applicant"}, {"name", r.dispute_person + " Li"}, {"phone", phone}},
                         json::object{{"side", "respondent"}, {"name", r.dispute_person + " Wang"}}}}},
        201);
    DisputeIds ids;
    ids.id = created.at("id").as_int64();
    ids.party = created.at("parties").as_array().at(0).at("id").as_int64();
    ids.phone_mask = phone.substr(0, 3) + "****" + phone.substr(7);
    const std::string handler = created.at("order").at("handler").at("user_id").is_int64()
                                    ? Str(created.at("order").at("handler").at("user_id").as_int64())
                                    : "none";
    if (handler != Str(caller(r.dispute_mediator).user_id)) {
        throw std::runtime_error("matrix world: dispute " + Str(ids.id) +
                                 " was not sent to its mediator: " + json::serialize(created.at("warnings")));
    }
    auto agreed = AdminRaw("PUT", "/api/v1/disputes/" + Str(ids.id) + "/agreement",
                           json::serialize(json::object{{"text", r.agreement_token + " 双方各让一步"}}));
    if (agreed.status != 200) {
        Fail("PUT agreement", agreed);
    }
    return ids;
}

void World::BuildMediation() {
    const auto mediator = [&](const std::string& name, const char* specialism, const char* title) {
        return Admin("POST", "/api/v1/mediators",
                     json::object{
                         {"user_id", caller(name).user_id}, {"specialisms", json::array{specialism}}, {"title", title}},
                     201)
            .at("id")
            .as_int64();
    };
    // A1's mediator has no territory of their own (a lawyer's partner-unit account); B's is its grid worker.
    mediator_of[Group::kA1] = mediator("partner", "law", "青和律师事务所 律师");
    mediator_of[Group::kB] = mediator("worker_b", "people_mediator", "流塘社区 人民调解员");
    spare_mediator = FreshMediator();
    for (Group g : {Group::kA1, Group::kB}) {
        auto& r = groups_[g];
        Admin("POST", "/api/v1/mediation/duty",
              json::object{{"community_id", r.at.community},
                           {"entries", json::array{json::object{{"date", Today()}, {"mediator_id", spare_mediator}}}}},
              200);
        r.duty_entry = FreshDutyEntry(g);
        const DisputeIds ids = FreshDispute(g);
        r.dispute = ids.id;
        r.dispute_party = ids.party;
        r.dispute_phone_mask = ids.phone_mask;
        const auto detail = Admin("GET", "/api/v1/disputes/" + Str(r.dispute), nullptr, 200);
        r.dispute_code = std::string(detail.at("tracking_code").as_string());
        dispute_category = detail.at("order").at("category").at("id").as_int64();
        Admin("POST", "/api/v1/disputes/" + Str(r.dispute) + "/sessions",
              json::object{{"held_on", Today()},
                           {"place_id", r.at.unit},
                           {"attendee_party_ids", json::array{r.dispute_party}},
                           {"notes", r.dispute_token + " 调解会：双方陈述"}},
              200);
    }
}

}  // namespace linli::testing::matrix
