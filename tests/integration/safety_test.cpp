// Safety inspections over HTTP as a community runs them (issue 5 §1–5, §7): shipped checklists and a
// community's own, versioned; venues with masked phones; a whole inspection posted from a phone (twice,
// as a poor signal makes it), whose failed items become hazard orders with their deadlines; the loop
// 整改 → 复查 with its rules (no sign-off by the rectifier, no close without a passed re-inspection, one
// extension, then escalation); partner units; ledgers, exports, figures and safety records; and the
// bad input the issue lists, each refused with the field or the rule named.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "modules/orders/scheduler.hpp"
#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace json = boost::json;

/// A tiny but real PNG (1×1). `salt` changes a byte of the IDAT chunk's CRC so that each photo is
/// its own file (the type check looks at the signature only).
std::string PngBytes(unsigned char salt = 0) {
    static const unsigned char kPng[] = {
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
        0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF,
        0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
    std::string bytes(reinterpret_cast<const char*>(kPng), sizeof kPng);
    bytes[sizeof kPng - 1] = static_cast<char>(0x82 ^ salt);
    return bytes;
}

std::string ElfBytes() {
    return std::string(
               "\x7F"
               "ELF\x02\x01\x01\x00",
               8) +
           std::string(120, '\0');
}

std::string PdfBytes() {
    return "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
}

class Safety : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        dir = (std::filesystem::temp_directory_path() /
               ("linli-safety-" + std::to_string(getpid()) + "-" + std::to_string(reinterpret_cast<uintptr_t>(this))))
                  .string();
        server = std::make_unique<TestServer>(GetParam(), [this](app::Config& c) { c.attachments_dir = dir; });
        const int64_t subdistrict = server->CreateNode(std::nullopt, "subdistrict", "和平街道");
        community = server->CreateNode(subdistrict, "community", "青和居社区");
        other_community = server->CreateNode(subdistrict, "community", "流塘社区");
        grid_a = server->CreateNode(community, "grid", "第1网格");
        grid_b = server->CreateNode(community, "grid", "第2网格");
        building_1 = server->CreateNode(grid_a, "building", "1号楼");
        unit_1 = server->CreateNode(building_1, "unit", "1单元");
        building_3 = server->CreateNode(grid_b, "building", "3号楼");
        server->CreateUser("admin1", Role::kAdmin);
        server->CreateUser("staff1", Role::kCommunityStaff, {community});
        worker_a_id = server->CreateUser("worker_a", Role::kGridWorker, {grid_a});
        server->CreateUser("worker_b", Role::kGridWorker, {grid_b});
        wuye_id = server->CreateUser("wuye1", Role::kPartnerUnit);
        server->CreateUser("resident1", Role::kResident, {building_1});
        admin = std::make_unique<HttpClient>(server->LoggedIn("admin1"));
        staff = std::make_unique<HttpClient>(server->LoggedIn("staff1"));
        worker_a = std::make_unique<HttpClient>(server->LoggedIn("worker_a"));
        worker_b = std::make_unique<HttpClient>(server->LoggedIn("worker_b"));
        wuye = std::make_unique<HttpClient>(server->LoggedIn("wuye1"));
        resident = std::make_unique<HttpClient>(server->LoggedIn("resident1"));

        // worker_a looks after grid 1, so hazards found there go to them.
        auto assigned = admin->Post(
            "/api/v1/assignments",
            json::object{{"role", "grid_worker"}, {"user_id", worker_a_id}, {"node_ids", json::array{grid_a}}});
        ASSERT_EQ(assigned.status, 201) << assigned.body;

        const json::value templates = worker_a->Get("/api/v1/safety/templates").Json();
        for (const auto& t : templates.at("items").as_array()) {
            template_ids[json::value_to<std::string>(t.at("code"))] = t.at("id").as_int64();
        }
    }

    void TearDown() override {
        server.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    /// The items of a template's version (current when 0).
    json::array Items(int64_t template_id, int version = 0) {
        std::string url = "/api/v1/safety/templates/" + std::to_string(template_id);
        if (version > 0) {
            url += "?version=" + std::to_string(version);
        }
        auto reply = worker_a->Get(url);
        EXPECT_EQ(reply.status, 200) << reply.body;
        return reply.Json().at("version").at("items").as_array();
    }

    int64_t Photo(HttpClient& client, unsigned char salt = 0) {
        auto reply = client.Send("POST", "/api/v1/safety/photos", PngBytes(salt),
                                 {{"Content-Type", "application/octet-stream"}});
        EXPECT_TRUE(reply.status == 201 || reply.status == 200) << reply.body;
        return reply.Json().at("id").as_int64();
    }

    /// An inspection of `target` with every item of the version passing, except `fail` (positions).
    json::object Inspection(const std::string& client_id, const std::string& code, const std::string& target_kind,
                            int64_t target, const std::vector<int>& fail, int64_t photo = 0, int version = 1) {
        json::array answers;
        for (const auto& item : Items(template_ids.at(code), version)) {
            const int position = static_cast<int>(item.at("position").as_int64());
            const bool failed = std::find(fail.begin(), fail.end(), position) != fail.end();
            json::object a{{"item_id", item.at("id").as_int64()}, {"result", failed ? "fail" : "pass"}};
            if (failed) {
                a["note"] = "现场发现问题";
                if (photo > 0) {
                    a["photo_ids"] = json::array{photo};
                }
            }
            answers.push_back(std::move(a));
        }
        return json::object{{"client_id", client_id},      {"template_id", template_ids.at(code)},
                            {"template_version", version}, {"target_kind", target_kind},
                            {"target_id", target},         {"inspected_at", server->clock().Now() - 600},
                            {"items", std::move(answers)}};
    }

    int64_t Venue(HttpClient& client, int64_t building, const std::string& name = "张记小吃") {
        auto reply = client.Post("/api/v1/safety/venues", json::object{{"name", name},
                                                                       {"kind", "restaurant"},
                                                                       {"owner_name", "张老板"},
                                                                       {"owner_phone", "13912345678"},
                                                                       {"licence_no", "92440300MA5F"},
                                                                       {"building_id", building}});
        EXPECT_EQ(reply.status, 201) << reply.body;
        return reply.Json().at("id").as_int64();
    }

    std::string HazardUrl(int64_t id, const std::string& tail = {}) {
        return "/api/v1/safety/hazards/" + std::to_string(id) + tail;
    }

    json::value Order(int64_t id) {
        auto reply = admin->Get("/api/v1/orders/" + std::to_string(id));
        EXPECT_EQ(reply.status, 200) << reply.body;
        return reply.Json();
    }

    std::string dir;
    std::unique_ptr<TestServer> server;
    int64_t community = 0, other_community = 0, grid_a = 0, grid_b = 0, building_1 = 0, unit_1 = 0, building_3 = 0;
    int64_t worker_a_id = 0, wuye_id = 0;
    std::map<std::string, int64_t> template_ids;
    std::unique_ptr<HttpClient> admin, staff, worker_a, worker_b, wuye, resident;
};

TEST_P(Safety, ShippedChecklistsCarryTheirBasisSeverityAndDays) {
    ASSERT_EQ(template_ids.size(), 5u);
    for (const char* code : {"venue_fire_safety", "rental_building", "ebike_charging", "fire_escape", "gas_safety"}) {
        ASSERT_TRUE(template_ids.contains(code)) << code;
    }
    auto reply = worker_a->Get("/api/v1/safety/templates/" + std::to_string(template_ids["ebike_charging"]));
    ASSERT_EQ(reply.status, 200) << reply.body;
    const json::value t = reply.Json();
    EXPECT_EQ(t.at("name_zh"), "电动自行车停放充电检查");
    EXPECT_EQ(t.at("shipped"), true);
    const auto& first = t.at("version").at("items").as_array().at(0);
    EXPECT_NE(json::value_to<std::string>(first.at("text_zh")).find("飞线充电"), std::string::npos);
    EXPECT_EQ(first.at("severity"), "major");
    EXPECT_EQ(first.at("rectify_days").as_int64(), 1);
    EXPECT_FALSE(json::value_to<std::string>(first.at("basis")).empty());
    EXPECT_EQ(resident->Get("/api/v1/safety/templates").status, 403);
    // Only administrators change a shipped checklist; a community makes its own from it.
    auto edit = staff->Post(
        "/api/v1/safety/templates/" + std::to_string(template_ids["ebike_charging"]) + "/versions",
        json::object{
            {"items", json::array{json::object{{"text_zh", "x"}, {"severity", "general"}, {"rectify_days", 3}}}}});
    EXPECT_EQ(edit.status, 403) << edit.body;
}

TEST_P(Safety, ACommunityEditsItsOwnChecklistAndOldInspectionsKeepTheirItems) {
    auto created = staff->Post("/api/v1/safety/templates", json::object{{"community_id", community},
                                                                        {"code", "qhj_ebike"},
                                                                        {"name_zh", "青和居电动车检查"},
                                                                        {"based_on", template_ids["ebike_charging"]}});
    ASSERT_EQ(created.status, 201) << created.body;
    const json::value v1 = created.Json();
    const int64_t id = v1.at("id").as_int64();
    template_ids["qhj_ebike"] = id;
    EXPECT_EQ(v1.at("kind"), "ebike");
    EXPECT_EQ(v1.at("version").at("version").as_int64(), 1);
    ASSERT_EQ(v1.at("version").at("items").as_array().size(), 6u);  // copied from the shipped one

    // The grid worker of the community sees it; a worker elsewhere does not.
    EXPECT_EQ(worker_a->Get("/api/v1/safety/templates/" + std::to_string(id)).status, 200);
    const int64_t lt_grid = server->CreateNode(other_community, "grid", "流塘第1网格");
    server->CreateUser("worker_lt", Role::kGridWorker, {lt_grid});
    auto worker_lt = server->LoggedIn("worker_lt");
    EXPECT_EQ(worker_lt.Get("/api/v1/safety/templates/" + std::to_string(id)).status, 404);

    // An inspection against version 1, then the checklist is edited (version 2 has two items).
    auto first = worker_a->Post("/api/v1/safety/inspections",
                                Inspection("phone-1-0001", "qhj_ebike", "building", building_1, {}));
    ASSERT_EQ(first.status, 201) << first.body;
    const int64_t inspection = first.Json().at("id").as_int64();
    auto edited = staff->Post(
        "/api/v1/safety/templates/" + std::to_string(id) + "/versions",
        json::object{
            {"note", "合并为两项"},
            {"items", json::array{json::object{{"text_zh", "无飞线充电"}, {"severity", "major"}, {"rectify_days", 1}},
                                  json::object{{"text_zh", "楼道无电动车"},
                                               {"text_en", "No e-bikes in the stairwell"},
                                               {"basis", "《高层民用建筑消防安全管理规定》第三十七条"},
                                               {"severity", "major"},
                                               {"rectify_days", 2}}}}});
    ASSERT_EQ(edited.status, 201) << edited.body;
    EXPECT_EQ(edited.Json().at("current_version").as_int64(), 2);
    EXPECT_EQ(Items(id).size(), 2u);
    EXPECT_EQ(Items(id, 1).size(), 6u);
    auto versions = staff->Get("/api/v1/safety/templates/" + std::to_string(id) + "/versions");
    ASSERT_EQ(versions.status, 200);
    EXPECT_EQ(versions.Json().at("items").as_array().size(), 2u);

    // The old inspection still shows the six items it was made against.
    auto old = staff->Get("/api/v1/safety/inspections/" + std::to_string(inspection));
    ASSERT_EQ(old.status, 200) << old.body;
    EXPECT_EQ(old.Json().at("template_version").as_int64(), 1);
    ASSERT_EQ(old.Json().at("results").as_array().size(), 6u);
    EXPECT_NE(
        json::value_to<std::string>(old.Json().at("results").as_array()[0].at("item").at("text_zh")).find("飞线充电"),
        std::string::npos);

    // A phone that still has version 1 may post against it; version 2's items do not belong there.
    auto late = worker_a->Post("/api/v1/safety/inspections",
                               Inspection("phone-1-0002", "qhj_ebike", "building", building_1, {}, 0, 1));
    EXPECT_EQ(late.status, 201) << late.body;
    json::object mixed = Inspection("phone-1-0003", "qhj_ebike", "building", building_1, {}, 0, 1);
    mixed["items"].as_array()[0].as_object()["item_id"] = Items(id, 2)[0].at("id").as_int64();
    auto outside = worker_a->Post("/api/v1/safety/inspections", mixed);
    EXPECT_EQ(outside.status, 400) << outside.body;
    EXPECT_EQ(outside.ErrorField(), "items[0].item_id");
    // Leaving an item out is named too.
    json::object missing = Inspection("phone-1-0004", "qhj_ebike", "building", building_1, {}, 0, 2);
    missing["items"].as_array().pop_back();
    auto incomplete = worker_a->Post("/api/v1/safety/inspections", missing);
    EXPECT_EQ(incomplete.status, 400);
    EXPECT_EQ(incomplete.ErrorField(), "items");
    json::object no_version = Inspection("phone-1-0005", "qhj_ebike", "building", building_1, {}, 0, 2);
    no_version["template_version"] = 9;
    EXPECT_EQ(worker_a->Post("/api/v1/safety/inspections", no_version).ErrorField(), "template_version");
}

TEST_P(Safety, VenuesKeepTheOwnersPhoneSealedAndStayInScope) {
    const int64_t venue = Venue(*worker_a, building_1);
    auto got = worker_a->Get("/api/v1/safety/venues/" + std::to_string(venue));
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.Json().at("owner_phone"), "139****5678");
    EXPECT_EQ(got.Json().at("grid_id").as_int64(), grid_a);
    EXPECT_EQ(got.body.find("13912345678"), std::string::npos);

    // Found by the owner's exact phone and by name; not by someone outside the grid.
    auto by_phone = staff->Get("/api/v1/safety/venues?q=13912345678");
    ASSERT_EQ(by_phone.status, 200);
    EXPECT_EQ(by_phone.Json().at("items").as_array().size(), 1u);
    EXPECT_EQ(staff->Get("/api/v1/safety/venues?q=%E5%BC%A0%E8%AE%B0").Json().at("items").as_array().size(), 1u);
    EXPECT_EQ(worker_b->Get("/api/v1/safety/venues").Json().at("items").as_array().size(), 0u);
    EXPECT_EQ(worker_b->Get("/api/v1/safety/venues/" + std::to_string(venue)).status, 404);
    EXPECT_EQ(worker_b->Get("/api/v1/safety/venues/" + std::to_string(venue) + "/safety-record").status, 404);
    auto elsewhere = worker_b->Post("/api/v1/safety/venues",
                                    json::object{{"name", "越界小店"}, {"kind", "shop"}, {"building_id", building_1}});
    EXPECT_EQ(elsewhere.status, 404);
    EXPECT_EQ(elsewhere.ErrorField(), "building_id");
    auto grid_as_building = worker_a->Post("/api/v1/safety/venues",
                                           json::object{{"name", "小店"}, {"kind", "shop"}, {"building_id", grid_a}});
    EXPECT_EQ(grid_as_building.status, 400);
    EXPECT_EQ(grid_as_building.ErrorField(), "building_id");
    auto bad_phone = worker_a->Post(
        "/api/v1/safety/venues",
        json::object{{"name", "小店"}, {"kind", "shop"}, {"owner_phone", "12345"}, {"building_id", building_1}});
    EXPECT_EQ(bad_phone.ErrorField(), "owner_phone");

    // The full phone with a reason, on record.
    auto revealed =
        staff->Post("/api/v1/safety/venues/" + std::to_string(venue) + "/reveal", json::object{{"reason", "通知整改"}});
    ASSERT_EQ(revealed.status, 200) << revealed.body;
    EXPECT_EQ(revealed.Json().at("value"), "13912345678");
    auto audit = admin->Get("/api/v1/audit?action=venue.reveal");
    ASSERT_EQ(audit.status, 200) << audit.body;
    EXPECT_EQ(audit.Json().at("items").as_array().size(), 1u);

    auto patched = worker_a->Patch("/api/v1/safety/venues/" + std::to_string(venue),
                                   json::object{{"owner_phone", nullptr}, {"active", false}});
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_TRUE(patched.Json().at("owner_phone").is_null());
    EXPECT_EQ(patched.Json().at("active"), false);
    EXPECT_EQ(worker_a->Delete("/api/v1/safety/venues/" + std::to_string(venue)).status, 204);
    EXPECT_EQ(worker_a->Get("/api/v1/safety/venues/" + std::to_string(venue)).status, 404);
}

TEST_P(Safety, PhotosMustBeImagesByContent) {
    auto elf = worker_a->Send("POST", "/api/v1/safety/photos", ElfBytes(), {{"Content-Type", "image/jpeg"}});
    EXPECT_EQ(elf.status, 415) << elf.body;
    EXPECT_EQ(elf.ErrorField(), "file");
    auto pdf = worker_a->Send("POST", "/api/v1/safety/photos", PdfBytes(), {{"Content-Type", "image/png"}});
    EXPECT_EQ(pdf.status, 415) << pdf.body;
    EXPECT_NE(pdf.body.find("image"), std::string::npos);

    // The same photo sent twice (the answer was lost) is one photo.
    auto first = worker_a->Send("POST", "/api/v1/safety/photos", PngBytes(), {{"Content-Type", "image/png"}});
    ASSERT_EQ(first.status, 201) << first.body;
    auto again = worker_a->Send("POST", "/api/v1/safety/photos", PngBytes(), {{"Content-Type", "image/png"}});
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.Json().at("id"), first.Json().at("id"));
    const int64_t photo = first.Json().at("id").as_int64();
    auto download = worker_a->Get("/api/v1/safety/photos/" + std::to_string(photo));
    ASSERT_EQ(download.status, 200);
    EXPECT_EQ(download.body, PngBytes());
    EXPECT_EQ(download.Header("content-type"), "image/png");
    EXPECT_EQ(worker_b->Get("/api/v1/safety/photos/" + std::to_string(photo)).status, 404);

    // Someone else's photo cannot be put on one's inspection.
    auto used = worker_b->Post("/api/v1/safety/inspections",
                               Inspection("phone-b-1", "fire_escape", "building", building_3, {1}, photo));
    EXPECT_EQ(used.status, 400) << used.body;
    EXPECT_EQ(used.ErrorField(), "items[0].photo_ids");
}

TEST_P(Safety, AnInspectionPostedTwiceIsRecordedOnceAndOpensItsHazardOrders) {
    const int64_t venue = Venue(*worker_a, building_1);
    const int64_t photo = Photo(*worker_a);
    const json::object body =
        Inspection("8f14e45f-ceea-4675-a3f0-c8d1b4e0e001", "venue_fire_safety", "venue", venue, {2, 8}, photo);
    auto first = worker_a->Post("/api/v1/safety/inspections", body);
    ASSERT_EQ(first.status, 201) << first.body;
    const json::value recorded = first.Json();
    EXPECT_EQ(recorded.at("replayed"), false);
    EXPECT_EQ(recorded.at("failed").as_int64(), 2);
    EXPECT_EQ(recorded.at("passed").as_int64(), 7);
    ASSERT_EQ(recorded.at("hazards").as_array().size(), 2u);
    const auto& hazard = recorded.at("hazards").as_array()[0];
    EXPECT_EQ(hazard.at("responsible").at("kind"), "owner");
    EXPECT_EQ(hazard.at("responsible").at("name"), "张老板");
    EXPECT_EQ(hazard.at("severity"), "major");
    ASSERT_TRUE(hazard.at("order").is_object()) << first.body;
    // The order is a hazard, sent to the grid worker of the place, due when the item allows (1 day).
    const json::value order = Order(hazard.at("order").at("id").as_int64());
    EXPECT_EQ(order.at("kind"), "hazard");
    EXPECT_EQ(order.at("state"), "dispatched");
    EXPECT_EQ(order.at("handler").at("user_id").as_int64(), worker_a_id);
    EXPECT_EQ(order.at("due_resolve_at").as_int64(), hazard.at("due_at").as_int64());
    EXPECT_GT(hazard.at("due_at").as_int64(), server->clock().Now());
    EXPECT_LE(hazard.at("due_at").as_int64(), server->clock().Now() + 2 * 86400);

    // The phone did not hear back and sends it again: the same inspection, nothing new.
    auto again = worker_a->Post("/api/v1/safety/inspections", body);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.Json().at("replayed"), true);
    EXPECT_EQ(again.Json().at("id"), recorded.at("id"));
    EXPECT_EQ(again.Json().at("hazards").as_array()[0].at("order").at("id"), hazard.at("order").at("id"));
    EXPECT_EQ(staff->Get("/api/v1/safety/inspections").Json().at("items").as_array().size(), 1u);
    EXPECT_EQ(staff->Get("/api/v1/safety/hazards").Json().at("items").as_array().size(), 2u);
    EXPECT_EQ(admin->Get("/api/v1/orders?kind=hazard").Json().at("items").as_array().size(), 2u);

    // The same id with a different inspection is refused, naming the id.
    json::object different = body;
    different["note"] = "另一次检查";
    auto clash = worker_a->Post("/api/v1/safety/inspections", different);
    EXPECT_EQ(clash.status, 409) << clash.body;
    EXPECT_EQ(clash.ErrorField(), "client_id");

    // The venue's record shows the inspection and the open hazards.
    auto record = staff->Get("/api/v1/safety/venues/" + std::to_string(venue) + "/safety-record");
    ASSERT_EQ(record.status, 200) << record.body;
    EXPECT_EQ(record.Json().at("inspection_count").as_int64(), 1);
    EXPECT_EQ(record.Json().at("open_hazards").as_array().size(), 2u);
    EXPECT_EQ(record.Json().at("last_inspected_at"), body.at("inspected_at"));
}

TEST_P(Safety, AHazardClosesOnlyAfterAPassedReinspectionBySomeoneElse) {
    const int64_t photo = Photo(*worker_a);
    auto posted = worker_a->Post("/api/v1/safety/inspections",
                                 Inspection("phone-a-0100", "ebike_charging", "building", building_1, {1}, photo));
    ASSERT_EQ(posted.status, 201) << posted.body;
    const json::value inspection = posted.Json();
    const int64_t hazard = inspection.at("hazards").as_array()[0].at("id").as_int64();
    const int64_t order = inspection.at("hazards").as_array()[0].at("order").at("id").as_int64();
    const std::string order_url = "/api/v1/orders/" + std::to_string(order);
    const int64_t staff_photo = Photo(*staff, 1);

    // Nothing to re-inspect before the rectification.
    auto early = staff->Post(HazardUrl(hazard, "/reinspections"),
                             json::object{{"result", "pass"}, {"photo_ids", json::array{staff_photo}}});
    EXPECT_EQ(early.status, 409) << early.body;
    // 整改 by the handler (worker_a); not by someone else.
    EXPECT_EQ(worker_b->Post(HazardUrl(hazard, "/rectification"), json::object{{"note", "x"}}).status, 404);
    auto not_handler = staff->Post(HazardUrl(hazard, "/rectification"), json::object{{"note", "已拆除飞线"}});
    EXPECT_EQ(not_handler.status, 403) << not_handler.body;
    auto rectified =
        worker_a->Post(HazardUrl(hazard, "/rectification"),
                       json::object{{"note", "已拆除飞线，劝导车主到集中充电点"}, {"photo_ids", json::array{photo}}});
    ASSERT_EQ(rectified.status, 200) << rectified.body;
    EXPECT_EQ(rectified.Json().at("status"), "rectified");
    EXPECT_EQ(rectified.Json().at("rectified_by").as_int64(), worker_a_id);
    EXPECT_EQ(rectified.Json().at("rectifications").as_array().size(), 1u);
    EXPECT_EQ(Order(order).at("state"), "resolved");

    // No answer and no close through the orders API without a passed re-inspection.
    auto reply = worker_a->Post(order_url + "/reply", json::object{{"text", "已整改"}});
    EXPECT_EQ(reply.status, 409) << reply.body;
    EXPECT_NE(reply.body.find("re-inspection"), std::string::npos);
    // The rectifier may not sign off their own work.
    const int64_t own_photo = Photo(*worker_a, 2);
    auto self = worker_a->Post(HazardUrl(hazard, "/reinspections"),
                               json::object{{"result", "pass"}, {"photo_ids", json::array{own_photo}}});
    EXPECT_EQ(self.status, 403) << self.body;
    EXPECT_NE(self.body.find("someone other than"), std::string::npos);
    // A re-inspection without a photo is refused.
    auto no_photo = staff->Post(HazardUrl(hazard, "/reinspections"),
                                json::object{{"result", "pass"}, {"photo_ids", json::array{}}});
    EXPECT_EQ(no_photo.status, 400);
    EXPECT_EQ(no_photo.ErrorField(), "photo_ids");

    // First failure: reopened, the deadline extended once (the item's day again, from today).
    auto failed =
        staff->Post(HazardUrl(hazard, "/reinspections"),
                    json::object{{"result", "fail"}, {"note", "仍有飞线"}, {"photo_ids", json::array{staff_photo}}});
    ASSERT_EQ(failed.status, 201) << failed.body;
    const json::value after_fail = failed.Json();
    EXPECT_EQ(after_fail.at("status"), "open");
    EXPECT_EQ(after_fail.at("failed_reinspections").as_int64(), 1);
    const auto& first_reinspection = after_fail.at("reinspections").as_array()[0];
    ASSERT_TRUE(first_reinspection.at("new_due_at").is_int64());
    EXPECT_EQ(after_fail.at("due_at"), first_reinspection.at("new_due_at"));
    json::value reopened = Order(order);
    EXPECT_EQ(reopened.at("state"), "reopened");
    EXPECT_EQ(reopened.at("due_resolve_at"), after_fail.at("due_at"));
    EXPECT_EQ(reopened.at("escalation_level"), "grid");

    // Second failure: no second extension; the order climbs a rung.
    ASSERT_EQ(worker_a->Post(HazardUrl(hazard, "/rectification"), json::object{{"note", "再次整改"}}).status, 200);
    auto failed_again = staff->Post(
        HazardUrl(hazard, "/reinspections"),
        json::object{{"result", "fail"}, {"note", "仍未整改到位"}, {"photo_ids", json::array{staff_photo}}});
    ASSERT_EQ(failed_again.status, 201) << failed_again.body;
    EXPECT_EQ(failed_again.Json().at("due_at"), after_fail.at("due_at"));
    EXPECT_EQ(failed_again.Json().at("reinspections").as_array()[1].at("escalated"), true);
    json::value escalated = Order(order);
    EXPECT_EQ(escalated.at("state"), "escalated");
    EXPECT_EQ(escalated.at("escalation_level"), "community");
    EXPECT_EQ(escalated.at("due_resolve_at"), after_fail.at("due_at"));

    // Put right at last, and signed off by someone else: answered and closed.
    ASSERT_EQ(worker_a->Post(HazardUrl(hazard, "/rectification"), json::object{{"note", "已设集中充电桩"}}).status,
              200);
    auto passed = staff->Post(HazardUrl(hazard, "/reinspections"),
                              json::object{{"result", "pass"}, {"photo_ids", json::array{staff_photo}}});
    ASSERT_EQ(passed.status, 201) << passed.body;
    EXPECT_EQ(passed.Json().at("status"), "verified");
    EXPECT_EQ(passed.Json().at("order").at("state"), "closed");
    const json::value closed = Order(order);
    EXPECT_EQ(closed.at("state"), "closed");
    EXPECT_EQ(closed.at("replies").as_array().size(), 1u);
    auto again = staff->Post(HazardUrl(hazard, "/reinspections"),
                             json::object{{"result", "pass"}, {"photo_ids", json::array{staff_photo}}});
    EXPECT_EQ(again.status, 409);

    // An inspection hazard is never rejected away: returned to the dispatcher, it is dispatched again.
    auto unlabelled = worker_a->Post("/api/v1/safety/inspections",
                                     Inspection("phone-a-0101", "fire_escape", "fire_escape", unit_1, {1}, photo));
    EXPECT_EQ(unlabelled.status, 400) << unlabelled.body;
    EXPECT_EQ(unlabelled.ErrorField(), "label");  // which fire escape
    json::object labelled = Inspection("phone-a-0101", "fire_escape", "fire_escape", unit_1, {1}, photo);
    labelled["label"] = "东侧疏散楼梯";
    auto escape = worker_a->Post("/api/v1/safety/inspections", labelled);
    ASSERT_EQ(escape.status, 201) << escape.body;
    EXPECT_EQ(escape.Json().at("target_name"), "1单元 东侧疏散楼梯");
    const std::string escape_order =
        "/api/v1/orders/" + std::to_string(escape.Json().at("hazards").as_array()[0].at("order").at("id").as_int64());
    ASSERT_EQ(worker_a->Post(escape_order + "/return", json::object{{"reason", "应由物业处理"}}).status, 200);
    auto rejected = staff->Post(escape_order + "/reject", json::object{{"reason", "不是隐患"}});
    EXPECT_EQ(rejected.status, 409) << rejected.body;
    EXPECT_NE(rejected.body.find("cannot be rejected"), std::string::npos);
}

TEST_P(Safety, APartnerUnitRectifiesTheHazardsSentToIt) {
    auto unit =
        admin->Post("/api/v1/handling-units",
                    json::object{{"name", "青和物业"}, {"kind", "property_company"}, {"contact", "010-12345678"}});
    ASSERT_EQ(unit.status, 201) << unit.body;
    const int64_t unit_id = unit.Json().at("id").as_int64();
    ASSERT_EQ(
        admin
            ->Post("/api/v1/handling-units/" + std::to_string(unit_id) + "/members", json::object{{"user_id", wuye_id}})
            .status,
        200);
    const int64_t found_photo = Photo(*worker_a, 5);
    json::object body = Inspection("phone-a-0200", "fire_escape", "building", building_1, {1, 3}, found_photo);
    body["responsible"] = json::object{{"kind", "property_company"}, {"unit_id", unit_id}};
    auto posted = worker_a->Post("/api/v1/safety/inspections", body);
    ASSERT_EQ(posted.status, 201) << posted.body;
    const json::value inspection = posted.Json();
    const auto& hazard = inspection.at("hazards").as_array()[0];
    EXPECT_EQ(hazard.at("responsible").at("name"), "青和物业");
    EXPECT_EQ(hazard.at("order").at("handler_unit_id").as_int64(), unit_id);
    const int64_t hazard_id = hazard.at("id").as_int64();
    // Another hazard, not sent to the unit.
    const int64_t other_photo = Photo(*worker_b, 6);
    auto own = worker_b->Post("/api/v1/safety/inspections",
                              Inspection("phone-b-0200", "fire_escape", "building", building_3, {1}, other_photo));
    ASSERT_EQ(own.status, 201) << own.body;
    const int64_t not_theirs = own.Json().at("hazards").as_array()[0].at("id").as_int64();

    auto listed = wuye->Get("/api/v1/safety/hazards");
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_EQ(listed.Json().at("items").as_array().size(), 2u);
    EXPECT_EQ(wuye->Get(HazardUrl(not_theirs)).status, 404);
    EXPECT_EQ(wuye->Get("/api/v1/safety/inspections").status, 403);
    EXPECT_EQ(wuye->Get("/api/v1/safety/ledger").status, 403);

    const int64_t photo = Photo(*wuye, 3);
    auto rectified = wuye->Post(HazardUrl(hazard_id, "/rectification"),
                                json::object{{"note", "已清理楼道杂物"}, {"photo_ids", json::array{photo}}});
    ASSERT_EQ(rectified.status, 200) << rectified.body;
    EXPECT_EQ(rectified.Json().at("rectified_by").as_int64(), wuye_id);
    const int64_t check_photo = Photo(*worker_a, 4);
    auto passed = worker_a->Post(HazardUrl(hazard_id, "/reinspections"),
                                 json::object{{"result", "pass"}, {"photo_ids", json::array{check_photo}}});
    ASSERT_EQ(passed.status, 201) << passed.body;
    EXPECT_EQ(passed.Json().at("order").at("state"), "closed");

    // The unit sees the photos of its hazard (what was found, what the re-inspection saw), not others'.
    const auto photo_url = [](int64_t id) { return "/api/v1/safety/photos/" + std::to_string(id); };
    EXPECT_EQ(wuye->Get(photo_url(found_photo)).status, 200);
    EXPECT_EQ(wuye->Get(photo_url(check_photo)).status, 200);
    EXPECT_EQ(wuye->Get(photo_url(photo)).status, 200);
    EXPECT_EQ(wuye->Get(photo_url(other_photo)).status, 404);
}

TEST_P(Safety, OverdueHazardsEscalateAndTheLedgerCountsThem) {
    const int64_t venue = Venue(*worker_a, building_1);
    ASSERT_EQ(worker_a
                  ->Post("/api/v1/safety/inspections",
                         Inspection("phone-a-0300", "venue_fire_safety", "venue", venue, {2, 5}))
                  .status,
              201);
    ASSERT_EQ(
        worker_b
            ->Post("/api/v1/safety/inspections", Inspection("phone-b-0300", "gas_safety", "building", building_3, {4}))
            .status,
        201);
    // Three days on, the one-day hazards are past due: the orders scheduler escalates them.
    server->clock().Advance(3 * 86400);
    auto swept = server->app().scheduler().RunOnce(server->clock().Now());
    ASSERT_TRUE(swept) << swept.error().message;
    // Sessions ran out meanwhile.
    staff = std::make_unique<HttpClient>(server->LoggedIn("staff1"));
    worker_b = std::make_unique<HttpClient>(server->LoggedIn("worker_b"));
    auto overdue = staff->Get("/api/v1/safety/hazards?overdue=true");
    ASSERT_EQ(overdue.status, 200) << overdue.body;
    const json::value late = overdue.Json();
    ASSERT_EQ(late.at("items").as_array().size(), 2u);  // item 2 (1 day) and gas item 4 (1 day)
    for (const auto& h : late.at("items").as_array()) {
        EXPECT_EQ(h.at("overdue"), true);
        EXPECT_EQ(h.at("order").at("escalation_level"), "community") << json::serialize(h);
    }

    auto by_grid = staff->Get("/api/v1/safety/ledger?group_by=grid");
    ASSERT_EQ(by_grid.status, 200) << by_grid.body;
    const json::value ledger = by_grid.Json();
    EXPECT_EQ(ledger.at("totals").at("found").as_int64(), 3);
    EXPECT_EQ(ledger.at("totals").at("overdue").as_int64(), 2);
    ASSERT_EQ(ledger.at("rows").as_array().size(), 2u);
    EXPECT_EQ(ledger.at("rows").as_array()[0].at("name"), "第1网格");
    EXPECT_EQ(ledger.at("rows").as_array()[0].at("found").as_int64(), 2);
    // A grid worker's ledger is their grid's.
    EXPECT_EQ(worker_b->Get("/api/v1/safety/ledger").Json().at("totals").at("found").as_int64(), 1);
    EXPECT_EQ(worker_b->Get("/api/v1/safety/ledger?node_id=" + std::to_string(grid_a)).status, 404);

    auto by_venue = staff->Get("/api/v1/safety/ledger?group_by=venue");
    ASSERT_EQ(by_venue.status, 200);
    EXPECT_EQ(by_venue.Json().at("rows").as_array()[1].at("name"), "张记小吃");

    auto figures = staff->Get("/api/v1/safety/figures");
    ASSERT_EQ(figures.status, 200) << figures.body;
    const json::value f = figures.Json();
    EXPECT_EQ(f.at("inspections").as_int64(), 2);
    EXPECT_EQ(f.at("by_kind").as_array().size(), 2u);  // venue fire safety and gas
    EXPECT_EQ(f.at("by_grid").as_array().size(), 2u);

    // The ledgers as files people open in Excel, with Chinese headers.
    auto csv = staff->Get("/api/v1/safety/hazards/export?format=csv");
    ASSERT_EQ(csv.status, 200) << csv.body;
    EXPECT_NE(csv.body.find("隐患编号"), std::string::npos);
    EXPECT_NE(csv.body.find("张记小吃"), std::string::npos);
    auto xlsx = staff->Get("/api/v1/safety/hazards/export");
    ASSERT_EQ(xlsx.status, 200);
    EXPECT_EQ(xlsx.body.substr(0, 2), "PK");
    auto summary = staff->Get("/api/v1/safety/ledger/export?group_by=community&format=csv");
    ASSERT_EQ(summary.status, 200);
    EXPECT_NE(summary.body.find("逾期未整改"), std::string::npos);
    auto history = staff->Get("/api/v1/safety/inspections/export?format=csv");
    ASSERT_EQ(history.status, 200);
    EXPECT_NE(history.body.find("检查人"), std::string::npos);

    auto record = staff->Get("/api/v1/safety/buildings/" + std::to_string(building_1) + "/safety-record");
    ASSERT_EQ(record.status, 200) << record.body;
    EXPECT_EQ(record.Json().at("open_hazards").as_array().size(), 2u);
    EXPECT_EQ(worker_b->Get("/api/v1/safety/buildings/" + std::to_string(building_1) + "/safety-record").status, 404);
}

TEST_P(Safety, InspectionsOutsideTheCallersScopeAreNotFound) {
    auto outside = worker_b->Post("/api/v1/safety/inspections",
                                  Inspection("phone-b-0400", "fire_escape", "building", building_1, {}));
    EXPECT_EQ(outside.status, 404) << outside.body;
    EXPECT_EQ(outside.ErrorField(), "target_id");
    const int64_t venue = Venue(*worker_a, building_1);
    auto venue_outside = worker_b->Post("/api/v1/safety/inspections",
                                        Inspection("phone-b-0401", "venue_fire_safety", "venue", venue, {}));
    EXPECT_EQ(venue_outside.status, 404);
    auto wrong_kind =
        worker_a->Post("/api/v1/safety/inspections", Inspection("phone-a-0402", "fire_escape", "building", grid_a, {}));
    EXPECT_EQ(wrong_kind.status, 400);
    EXPECT_EQ(wrong_kind.ErrorField(), "target_id");
    json::object future = Inspection("phone-a-0403", "fire_escape", "building", building_1, {});
    future["inspected_at"] = server->clock().Now() + 86400;
    EXPECT_EQ(worker_a->Post("/api/v1/safety/inspections", future).ErrorField(), "inspected_at");
    json::object bad_id = Inspection("bad id with spaces", "fire_escape", "building", building_1, {});
    EXPECT_EQ(worker_a->Post("/api/v1/safety/inspections", bad_id).ErrorField(), "client_id");
    json::object bad_result = Inspection("phone-a-0404", "fire_escape", "building", building_1, {});
    bad_result["items"].as_array()[1].as_object()["result"] = "maybe";
    EXPECT_EQ(worker_a->Post("/api/v1/safety/inspections", bad_result).ErrorField(), "items[1].result");
    json::object unknown = Inspection("phone-a-0405", "fire_escape", "building", building_1, {});
    unknown["items"].as_array()[0].as_object()["colour"] = "red";
    EXPECT_EQ(worker_a->Post("/api/v1/safety/inspections", unknown).ErrorField(), "items[0].colour");
    // Someone else's inspection and hazard are 404 too.
    auto mine = worker_a->Post("/api/v1/safety/inspections",
                               Inspection("phone-a-0406", "fire_escape", "building", building_1, {1}));
    ASSERT_EQ(mine.status, 201) << mine.body;
    EXPECT_EQ(worker_b->Get("/api/v1/safety/inspections/" + std::to_string(mine.Json().at("id").as_int64())).status,
              404);
    EXPECT_EQ(worker_b->Get(HazardUrl(mine.Json().at("hazards").as_array()[0].at("id").as_int64())).status, 404);
    EXPECT_EQ(
        resident->Post("/api/v1/safety/inspections", Inspection("phone-r-1", "fire_escape", "building", building_1, {}))
            .status,
        403);
}

INSTANTIATE_TEST_SUITE_P(Backends, Safety, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace linli::testing
