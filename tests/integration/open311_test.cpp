// Open311 GeoReport v2 with a real client's eyes (http://wiki.open311.org/GeoReport_v2): every
// method of the spec in both formats, with the shapes of the spec's examples (JSON parsed with
// Boost.JSON, XML with libexpat), the content types, UTC timestamps, the errors document with
// 400/403/404, and the bad input of issue 4: a POST without api_key, with an unknown service_code,
// with neither location nor address.
#include <expat.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace json = boost::json;

// ---- XML as a client reads it ---------------------------------------------------------------------

/// Every element as its path from the root ("service_requests/request/status") and its text.
struct Xml {
    bool ok = false;
    std::string error;
    std::vector<std::pair<std::string, std::string>> elements;

    /// The text of the first element at `path`; "<missing>" when there is none.
    std::string Text(const std::string& path) const {
        for (const auto& [p, t] : elements) {
            if (p == path) {
                return t;
            }
        }
        return "<missing>";
    }
    size_t Count(const std::string& path) const {
        return static_cast<size_t>(
            std::count_if(elements.begin(), elements.end(), [&](const auto& e) { return e.first == path; }));
    }
    bool Has(const std::string& path) const { return Count(path) > 0; }
};

Xml ParseXml(const std::string& body) {
    struct State {
        std::vector<std::string> stack;
        std::vector<std::string> text;
        Xml out;
    } state;
    XML_Parser p = XML_ParserCreate(nullptr);
    XML_SetUserData(p, &state);
    XML_SetElementHandler(
        p,
        [](void* data, const XML_Char* name, const XML_Char**) {
            auto* s = static_cast<State*>(data);
            s->stack.emplace_back(name);
            s->text.emplace_back();
        },
        [](void* data, const XML_Char*) {
            auto* s = static_cast<State*>(data);
            std::string path;
            for (const auto& n : s->stack) {
                path += (path.empty() ? "" : "/") + n;
            }
            // Elements in document order of their start: insert at the start's position.
            s->out.elements.emplace_back(path, s->text.back());
            s->stack.pop_back();
            s->text.pop_back();
        });
    XML_SetCharacterDataHandler(p, [](void* data, const XML_Char* chars, int len) {
        static_cast<State*>(data)->text.back().append(chars, static_cast<size_t>(len));
    });
    state.out.ok = XML_Parse(p, body.data(), static_cast<int>(body.size()), 1) == XML_STATUS_OK;
    if (!state.out.ok) {
        state.out.error = XML_ErrorString(XML_GetErrorCode(p));
    }
    XML_ParserFree(p);
    return state.out;
}

bool IsUtc(const std::string& s) {
    static const std::regex kW3c(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
    return std::regex_match(s, kW3c);
}

/// application/x-www-form-urlencoded, as the spec's example request.
std::string Form(const std::vector<std::pair<std::string, std::string>>& fields) {
    auto encode = [](const std::string& s) {
        std::string out;
        for (unsigned char c : s) {
            if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
                out += static_cast<char>(c);
            } else if (c == ' ') {
                out += '+';
            } else {
                char buf[4];
                std::snprintf(buf, sizeof buf, "%%%02X", c);
                out += buf;
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

const Headers kFormHeaders{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};

class Open311 : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        subdistrict = server->CreateNode(std::nullopt, "subdistrict", "和平街道");
        community = server->CreateNode(subdistrict, "community", "青和居社区");
        other_community = server->CreateNode(subdistrict, "community", "长安社区");
        grid = server->CreateNode(community, "grid", "第1网格");
        building = server->CreateNode(grid, "building", "1号楼");
        const int64_t other_grid = server->CreateNode(other_community, "grid", "第9网格");
        other_building = server->CreateNode(other_grid, "building", "9号楼");
        server->CreateUser("admin1", Role::kAdmin);
        server->CreateUser("staff1", Role::kCommunityStaff, {community});
        admin = std::make_unique<HttpClient>(server->LoggedIn("admin1"));
        staff = std::make_unique<HttpClient>(server->LoggedIn("staff1"));
        ASSERT_EQ(admin->Patch(NodeUrl(community), {{"code", "110105001001"}}).status, 200);
        ASSERT_EQ(admin->Patch(NodeUrl(other_community), {{"code", "110105001002"}}).status, 200);

        auto created = admin->Post("/api/v1/open311/keys", {{"name", "12345 热线"}});
        ASSERT_EQ(created.status, 201) << created.body;
        const auto key_json = created.Json();
        api_key = std::string(key_json.at("key").as_string());
        key_id = key_json.at("id").as_int64();
    }

    static std::string NodeUrl(int64_t id) { return "/api/v1/territory/nodes/" + std::to_string(id); }

    HttpReply Get(const std::string& target) { return server->Client().Get(target); }

    HttpReply Post(const std::string& target, const std::vector<std::pair<std::string, std::string>>& fields) {
        return server->Client().Send("POST", target, Form(fields), kFormHeaders);
    }

    /// The spec's example request, with this server's service code, jurisdiction and a mainland phone.
    std::vector<std::pair<std::string, std::string>> ExampleRequest() const {
        return {{"api_key", api_key},
                {"jurisdiction_id", "110105001001"},
                {"service_code", "repairs"},
                {"lat", "37.76524078"},
                {"long", "-122.4212043"},
                {"address_string", "1234 5th street"},
                {"email", "smit333@sfgov.edu"},
                {"device_id", "tt222111"},
                {"account_id", "123456"},
                {"first_name", "john"},
                {"last_name", "smith"},
                {"phone", "13812345678"},
                {"description", "A large sinkhole is destroying the street"},
                {"media_url", "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"},
                {"attribute[kind]", "complaint"}};
    }

    int64_t PostExample() {
        auto reply = Post("/open311/v2/requests.json", ExampleRequest());
        EXPECT_EQ(reply.status, 200) << reply.body;
        const auto v = reply.Json();
        return v.at(0).at("service_request_id").as_int64();
    }

    std::unique_ptr<TestServer> server;
    int64_t subdistrict = 0, community = 0, other_community = 0, grid = 0, building = 0, other_building = 0;
    int64_t key_id = 0;
    std::string api_key;
    std::unique_ptr<HttpClient> admin, staff;
};

// ---- discovery -----------------------------------------------------------------------------------

TEST_P(Open311, DiscoveryInBothFormats) {
    auto j = Get("/open311/v2/discovery.json");
    ASSERT_EQ(j.status, 200) << j.body;
    EXPECT_EQ(j.Header("content-type"), "application/json; charset=utf-8");
    const auto v = j.Json();
    for (const char* field : {"changeset", "contact", "key_service"}) {
        EXPECT_TRUE(v.at(field).is_string()) << field;
    }
    const auto& endpoint = v.at("endpoints").at(0);
    EXPECT_EQ(endpoint.at("specification"), "http://wiki.open311.org/GeoReport_v2");
    EXPECT_TRUE(std::string(endpoint.at("url").as_string()).ends_with("/open311/v2"));
    EXPECT_EQ(endpoint.at("type"), "production");
    EXPECT_EQ(endpoint.at("formats"), (json::array{"text/xml", "application/json"}));

    auto x = Get("/open311/v2/discovery.xml");
    ASSERT_EQ(x.status, 200);
    EXPECT_EQ(x.Header("content-type"), "text/xml; charset=utf-8");
    EXPECT_TRUE(x.body.starts_with(R"(<?xml version="1.0" encoding="UTF-8"?>)"));
    auto xml = ParseXml(x.body);
    ASSERT_TRUE(xml.ok) << xml.error;
    EXPECT_EQ(xml.Text("discovery/endpoints/endpoint/specification"), "http://wiki.open311.org/GeoReport_v2");
    EXPECT_EQ(xml.Count("discovery/endpoints/endpoint/formats/format"), 2u);
    EXPECT_TRUE(xml.Has("discovery/key_service"));
}

// ---- services ------------------------------------------------------------------------------------

TEST_P(Open311, ServiceListIsTheCategories) {
    auto j = Get("/open311/v2/services.json?jurisdiction_id=110105001001");
    ASSERT_EQ(j.status, 200) << j.body;
    const auto v = j.Json();
    ASSERT_TRUE(v.is_array());
    const json::object* repairs = nullptr;
    for (const auto& s : v.as_array()) {
        if (s.at("service_code") == "repairs") {
            repairs = &s.as_object();
        }
    }
    ASSERT_NE(repairs, nullptr);
    EXPECT_EQ(repairs->at("service_name"), "维修");
    EXPECT_TRUE(repairs->at("description").is_string());
    EXPECT_EQ(repairs->at("metadata"), true);
    EXPECT_EQ(repairs->at("type"), "realtime");
    EXPECT_NE(std::string(repairs->at("keywords").as_string()).find("Repairs"), std::string::npos);
    EXPECT_TRUE(repairs->contains("group"));

    auto en = Get("/open311/v2/services.json?locale=en");
    ASSERT_EQ(en.status, 200);
    EXPECT_NE(en.body.find("\"service_name\":\"Repairs\""), std::string::npos);

    auto x = Get("/open311/v2/services.xml?jurisdiction_id=110105001001");
    ASSERT_EQ(x.status, 200);
    EXPECT_EQ(x.Header("content-type"), "text/xml; charset=utf-8");
    auto xml = ParseXml(x.body);
    ASSERT_TRUE(xml.ok) << xml.error;
    EXPECT_EQ(xml.Count("services/service"), v.as_array().size());
    for (const char* field : {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}) {
        EXPECT_TRUE(xml.Has(std::string("services/service/") + field)) << field;
    }
    EXPECT_EQ(xml.Text("services/service/metadata"), "true");
}

TEST_P(Open311, UnknownJurisdictionIs404InTheSpecsErrorFormat) {
    auto j = Get("/open311/v2/services.json?jurisdiction_id=sfgov.org");
    EXPECT_EQ(j.status, 404);
    const auto v = j.Json();
    ASSERT_TRUE(v.is_array()) << j.body;
    EXPECT_EQ(v.at(0).at("code"), 404);
    EXPECT_NE(std::string(v.at(0).at("description").as_string()).find("jurisdiction_id"), std::string::npos);

    auto x = Get("/open311/v2/services.xml?jurisdiction_id=sfgov.org");
    EXPECT_EQ(x.status, 404);
    EXPECT_EQ(x.Header("content-type"), "text/xml; charset=utf-8");
    auto xml = ParseXml(x.body);
    ASSERT_TRUE(xml.ok);
    EXPECT_EQ(xml.Text("errors/error/code"), "404");
    EXPECT_NE(xml.Text("errors/error/description").find("jurisdiction_id"), std::string::npos);
}

TEST_P(Open311, ServiceDefinitionHasTheCategorysAttributes) {
    auto j = Get("/open311/v2/services/repairs.json?jurisdiction_id=110105001001");
    ASSERT_EQ(j.status, 200) << j.body;
    EXPECT_EQ(j.Header("content-type"), "application/json; charset=utf-8");
    const auto v = j.Json();
    EXPECT_EQ(v.at("service_code"), "repairs");
    const auto& attributes = v.at("attributes").as_array();
    ASSERT_GE(attributes.size(), 2u);
    const auto& kind = attributes[0].as_object();
    for (const char* field :
         {"variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"}) {
        EXPECT_TRUE(kind.contains(field)) << field;
    }
    EXPECT_EQ(kind.at("code"), "kind");
    EXPECT_EQ(kind.at("datatype"), "singlevaluelist");
    EXPECT_EQ(kind.at("variable"), true);
    EXPECT_EQ(kind.at("order"), 1);
    bool has_complaint = false;
    for (const auto& value : kind.at("values").as_array()) {
        EXPECT_TRUE(value.as_object().contains("name"));
        has_complaint = has_complaint || value.at("key") == "complaint";
    }
    EXPECT_TRUE(has_complaint);
    // The category's deadlines, shown and not asked.
    const auto& deadline = attributes.back().as_object();
    EXPECT_EQ(deadline.at("variable"), false);

    auto x = Get("/open311/v2/services/repairs.xml");
    ASSERT_EQ(x.status, 200);
    auto xml = ParseXml(x.body);
    ASSERT_TRUE(xml.ok) << xml.error;
    EXPECT_EQ(xml.Text("service_definition/service_code"), "repairs");
    EXPECT_EQ(xml.Count("service_definition/attributes/attribute"), attributes.size());
    EXPECT_EQ(xml.Text("service_definition/attributes/attribute/datatype"), "singlevaluelist");
    EXPECT_TRUE(xml.Has("service_definition/attributes/attribute/values/value/key"));
    EXPECT_TRUE(xml.Has("service_definition/attributes/attribute/values/value/name"));

    auto missing = Get("/open311/v2/services/potholes.xml");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(ParseXml(missing.body).Text("errors/error/code"), "404");
    EXPECT_EQ(Get("/open311/v2/services/repairs.csv").status, 404);
}

// ---- POST requests ---------------------------------------------------------------------------------

TEST_P(Open311, PostTheSpecsExampleRequest) {
    auto j = Post("/open311/v2/requests.json", ExampleRequest());
    ASSERT_EQ(j.status, 200) << j.body;
    EXPECT_EQ(j.Header("content-type"), "application/json; charset=utf-8");
    const auto v = j.Json();
    ASSERT_TRUE(v.is_array());
    const auto& posted = v.at(0).as_object();
    EXPECT_GT(posted.at("service_request_id").as_int64(), 0);
    EXPECT_FALSE(posted.contains("token"));  // "should not be returned if service_request_id is returned"
    EXPECT_TRUE(posted.at("service_notice").is_string());
    EXPECT_TRUE(posted.at("account_id").is_null());

    // The order exists in Linli, from the open311 channel, at the jurisdiction, with the reporter.
    auto order = admin->Get("/api/v1/orders/" + std::to_string(posted.at("service_request_id").as_int64()));
    ASSERT_EQ(order.status, 200) << order.body;
    const auto o = order.Json();
    EXPECT_EQ(o.at("channel"), "open311");
    EXPECT_EQ(o.at("kind"), "complaint");
    EXPECT_EQ(o.at("state"), "submitted");
    EXPECT_EQ(o.at("place").at("id"), community);
    EXPECT_EQ(o.at("reporter_name"), "john smith");
    EXPECT_EQ(o.at("address"), "1234 5th street");
    EXPECT_NE(std::string(posted.at("service_notice").as_string()).find(std::string(o.at("tracking_code").as_string())),
              std::string::npos);

    auto x = Post("/open311/v2/requests.xml", ExampleRequest());
    ASSERT_EQ(x.status, 200) << x.body;
    EXPECT_EQ(x.Header("content-type"), "text/xml; charset=utf-8");
    auto xml = ParseXml(x.body);
    ASSERT_TRUE(xml.ok) << xml.error;
    EXPECT_NE(xml.Text("service_requests/request/service_request_id"), "<missing>");
    EXPECT_TRUE(xml.Has("service_requests/request/service_notice"));
    EXPECT_TRUE(xml.Has("service_requests/request/account_id"));
    EXPECT_FALSE(xml.Has("service_requests/request/token"));
}

TEST_P(Open311, PostWithAnAddressIdFilesTheOrderAtThatBuilding) {
    auto reply = Post("/open311/v2/requests.json", {{"api_key", api_key},
                                                    {"jurisdiction_id", "110105001001"},
                                                    {"service_code", "environment"},
                                                    {"address_id", std::to_string(building)},
                                                    {"description", "楼道堆放杂物\n影响通行"}});
    ASSERT_EQ(reply.status, 200) << reply.body;
    const int64_t id = reply.Json().at(0).at("service_request_id").as_int64();
    auto order = admin->Get("/api/v1/orders/" + std::to_string(id)).Json();
    EXPECT_EQ(order.at("place").at("id"), building);
    EXPECT_EQ(order.at("title"), "楼道堆放杂物");  // the first line of the description

    auto got = Get("/open311/v2/requests/" + std::to_string(id) + ".json").Json();
    EXPECT_EQ(got.at(0).at("address_id"), building);
}

TEST_P(Open311, PostWithoutApiKeyIs403) {
    auto fields = ExampleRequest();
    fields.erase(fields.begin());  // api_key
    auto j = Post("/open311/v2/requests.json", fields);
    EXPECT_EQ(j.status, 403) << j.body;
    EXPECT_EQ(j.Json().at(0).at("code"), 403);
    auto x = Post("/open311/v2/requests.xml", fields);
    EXPECT_EQ(x.status, 403);
    auto xml = ParseXml(x.body);
    ASSERT_TRUE(xml.ok);
    EXPECT_EQ(xml.Text("errors/error/code"), "403");
    EXPECT_NE(xml.Text("errors/error/description").find("api_key"), std::string::npos);

    auto wrong = ExampleRequest();
    wrong[0].second = "o311_not-a-key";
    EXPECT_EQ(Post("/open311/v2/requests.json", wrong).status, 403);

    // A revoked key stops working at once.
    ASSERT_EQ(admin->Delete("/api/v1/open311/keys/" + std::to_string(key_id)).status, 204);
    EXPECT_EQ(Post("/open311/v2/requests.json", ExampleRequest()).status, 403);
}

TEST_P(Open311, PostWithAnUnknownServiceCodeIs404) {
    auto fields = ExampleRequest();
    for (auto& [k, v] : fields) {
        if (k == "service_code") {
            v = "001";
        }
    }
    auto j = Post("/open311/v2/requests.json", fields);
    EXPECT_EQ(j.status, 404) << j.body;
    EXPECT_NE(std::string(j.Json().at(0).at("description").as_string()).find("service_code"), std::string::npos);
    auto x = Post("/open311/v2/requests.xml", fields);
    EXPECT_EQ(x.status, 404);
    EXPECT_EQ(ParseXml(x.body).Text("errors/error/code"), "404");

    // service_code missing altogether: 400 ("was not provided").
    auto none = ExampleRequest();
    none.erase(std::remove_if(none.begin(), none.end(), [](const auto& f) { return f.first == "service_code"; }),
               none.end());
    EXPECT_EQ(Post("/open311/v2/requests.json", none).status, 400);
}

TEST_P(Open311, PostWithNeitherLocationNorAddressIs400) {
    auto fields = ExampleRequest();
    fields.erase(std::remove_if(fields.begin(), fields.end(),
                                [](const auto& f) {
                                    return f.first == "lat" || f.first == "long" || f.first == "address_string";
                                }),
                 fields.end());
    auto j = Post("/open311/v2/requests.json", fields);
    EXPECT_EQ(j.status, 400) << j.body;
    EXPECT_EQ(j.Json().at(0).at("code"), 400);
    auto x = Post("/open311/v2/requests.xml", fields);
    EXPECT_EQ(x.status, 400);
    EXPECT_NE(ParseXml(x.body).Text("errors/error/description").find("location"), std::string::npos);

    // An empty value is no value ("Optional Arguments").
    auto empty = fields;
    empty.emplace_back("address_string", "");
    EXPECT_EQ(Post("/open311/v2/requests.json", empty).status, 400);
    // lat without long.
    auto half = fields;
    half.emplace_back("lat", "37.7");
    EXPECT_EQ(Post("/open311/v2/requests.json", half).status, 400);
}

TEST_P(Open311, OtherBadPostsAre400Or403) {
    auto with = [&](const std::string& key, const std::string& value) {
        auto fields = ExampleRequest();
        bool replaced = false;
        for (auto& [k, v] : fields) {
            if (k == key) {
                v = value;
                replaced = true;
            }
        }
        if (!replaced) {
            fields.emplace_back(key, value);
        }
        return Post("/open311/v2/requests.json", fields);
    };
    EXPECT_EQ(with("lat", "91").status, 400);
    EXPECT_EQ(with("long", "east").status, 400);
    EXPECT_EQ(with("address_id", std::to_string(other_building)).status, 400);  // not in this jurisdiction
    EXPECT_EQ(with("attribute[colour]", "red").status, 400);
    EXPECT_EQ(with("attribute[kind]", "praise").status, 400);
    EXPECT_EQ(with("media_url", "javascript:alert(1)").status, 400);
    EXPECT_EQ(with("phone", "not a phone").status, 400);
    EXPECT_EQ(with("description", std::string(4001, 'x')).status, 400);
    EXPECT_EQ(with("jurisdiction_id", "nowhere.gov").status, 404);
    EXPECT_EQ(with("frobnicate", "1").status, 400);  // unknown fields are named, not ignored

    // Several communities: the jurisdiction must be named.
    auto fields = ExampleRequest();
    fields.erase(
        std::remove_if(fields.begin(), fields.end(), [](const auto& f) { return f.first == "jurisdiction_id"; }),
        fields.end());
    EXPECT_EQ(Post("/open311/v2/requests.json", fields).status, 400);

    // A key bound to one community posts only there (and needs no jurisdiction_id).
    auto bound = admin->Post("/api/v1/open311/keys", {{"name", "长安 app"}, {"community_id", other_community}});
    ASSERT_EQ(bound.status, 201) << bound.body;
    const std::string bound_key(bound.Json().at("key").as_string());
    fields[0].second = bound_key;
    EXPECT_EQ(Post("/open311/v2/requests.json", fields).status, 200);
    auto elsewhere = ExampleRequest();
    elsewhere[0].second = bound_key;
    EXPECT_EQ(Post("/open311/v2/requests.json", elsewhere).status, 403);

    // A body that is not a form.
    auto as_json = server->Client().Send("POST", "/open311/v2/requests.json", R"({"api_key":"x"})",
                                         {{"Content-Type", "application/json"}});
    EXPECT_EQ(as_json.status, 400);
}

// ---- GET requests ----------------------------------------------------------------------------------

TEST_P(Open311, GetOneRequestInBothFormats) {
    const int64_t id = PostExample();
    const std::string url = "/open311/v2/requests/" + std::to_string(id);
    auto j = Get(url + ".json?jurisdiction_id=110105001001");
    ASSERT_EQ(j.status, 200) << j.body;
    const auto v = j.Json();
    ASSERT_TRUE(v.is_array());
    ASSERT_EQ(v.as_array().size(), 1u);
    const auto& r = v.at(0).as_object();
    for (const char* field :
         {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
          "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
          "address", "address_id", "zipcode", "lat", "long", "media_url"}) {
        EXPECT_TRUE(r.contains(field)) << field;
    }
    EXPECT_EQ(r.at("service_request_id"), id);
    EXPECT_EQ(r.at("status"), "open");
    EXPECT_EQ(r.at("service_code"), "repairs");
    EXPECT_EQ(r.at("service_name"), "维修");
    EXPECT_EQ(r.at("description"), "A large sinkhole is destroying the street");
    EXPECT_EQ(r.at("address"), "1234 5th street");
    EXPECT_DOUBLE_EQ(r.at("lat").to_number<double>(), 37.76524078);
    EXPECT_DOUBLE_EQ(r.at("long").to_number<double>(), -122.4212043);
    EXPECT_EQ(r.at("media_url"), "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg");
    EXPECT_EQ(r.at("agency_responsible"), "青和居社区");
    EXPECT_TRUE(IsUtc(std::string(r.at("requested_datetime").as_string())));
    EXPECT_TRUE(IsUtc(std::string(r.at("updated_datetime").as_string())));
    EXPECT_TRUE(IsUtc(std::string(r.at("expected_datetime").as_string())));
    // No reporter's personal data, no tracking code.
    EXPECT_EQ(j.body.find("john"), std::string::npos);
    EXPECT_EQ(j.body.find("5678"), std::string::npos);
    EXPECT_EQ(j.body.find("smit333"), std::string::npos);
    EXPECT_FALSE(r.contains("extended_attributes"));  // only on request

    auto x = Get(url + ".xml");
    ASSERT_EQ(x.status, 200);
    EXPECT_EQ(x.Header("content-type"), "text/xml; charset=utf-8");
    auto xml = ParseXml(x.body);
    ASSERT_TRUE(xml.ok) << xml.error;
    EXPECT_EQ(xml.Text("service_requests/request/service_request_id"), std::to_string(id));
    EXPECT_EQ(xml.Text("service_requests/request/status"), "open");
    EXPECT_EQ(xml.Text("service_requests/request/long"), "-122.4212043");
    EXPECT_TRUE(IsUtc(xml.Text("service_requests/request/requested_datetime")));
    EXPECT_TRUE(xml.Has("service_requests/request/zipcode"));

    EXPECT_EQ(Get("/open311/v2/requests/999999.json").status, 404);
    EXPECT_EQ(Get("/open311/v2/requests/abc.xml").status, 404);
    // In another jurisdiction the request does not exist.
    EXPECT_EQ(Get(url + ".json?jurisdiction_id=110105001002").status, 404);
}

TEST_P(Open311, ListFiltersAsTheSpecSays) {
    const int64_t first = PostExample();
    server->clock().Advance(3600);
    const int64_t second = PostExample();

    auto all = Get("/open311/v2/requests.json?jurisdiction_id=110105001001");
    ASSERT_EQ(all.status, 200) << all.body;
    const auto listed = all.Json();
    ASSERT_EQ(listed.as_array().size(), 2u);
    EXPECT_EQ(listed.at(0).at("service_request_id"), second);  // newest first

    const std::string ids = std::to_string(first) + "," + std::to_string(second);
    auto by_ids = Get("/open311/v2/requests.json?service_request_id=" + ids + "&status=closed");
    EXPECT_EQ(by_ids.Json().as_array().size(), 2u);  // "This overrides all other arguments."

    EXPECT_EQ(Get("/open311/v2/requests.json?status=open").Json().as_array().size(), 2u);
    EXPECT_EQ(Get("/open311/v2/requests.json?status=closed").Json().as_array().size(), 0u);
    EXPECT_EQ(Get("/open311/v2/requests.json?status=open,closed").Json().as_array().size(), 2u);
    EXPECT_EQ(Get("/open311/v2/requests.json?service_code=noise").Json().as_array().size(), 0u);
    EXPECT_EQ(Get("/open311/v2/requests.json?service_code=noise,repairs").Json().as_array().size(), 2u);
    EXPECT_EQ(Get("/open311/v2/requests.json?jurisdiction_id=110105001002").Json().as_array().size(), 0u);

    // start_date / end_date in the w3 format, with a zone.
    const int64_t now = server->clock().Now();
    auto w3 = [](int64_t t) {
        char buf[32];
        std::time_t tt = static_cast<std::time_t>(t);
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
        return std::string(buf);
    };
    auto recent = Get("/open311/v2/requests.json?start_date=" + w3(now - 60) + "&end_date=" + w3(now + 60));
    ASSERT_EQ(recent.status, 200) << recent.body;
    ASSERT_EQ(recent.Json().as_array().size(), 1u);
    EXPECT_EQ(recent.Json().at(0).at("service_request_id"), second);

    auto x = Get("/open311/v2/requests.xml?status=open");
    auto xml = ParseXml(x.body);
    ASSERT_TRUE(xml.ok) << xml.error;
    EXPECT_EQ(xml.Count("service_requests/request"), 2u);

    EXPECT_EQ(Get("/open311/v2/requests.json?status=pending").status, 400);
    EXPECT_EQ(Get("/open311/v2/requests.json?start_date=yesterday").status, 400);
    EXPECT_EQ(Get("/open311/v2/requests.json?start_date=2010-01-01T00:00:00Z&end_date=2010-06-01T00:00:00Z").status,
              400);  // "may not span more than 90 days"
    auto bad = Get("/open311/v2/requests.xml?status=pending");
    EXPECT_EQ(ParseXml(bad.body).Text("errors/error/code"), "400");
}

TEST_P(Open311, TokenIsTheTrackingCode) {
    const int64_t id = PostExample();
    const auto order = admin->Get("/api/v1/orders/" + std::to_string(id)).Json();
    const std::string code(order.at("tracking_code").as_string());
    auto j = Get("/open311/v2/tokens/" + code + ".json");
    ASSERT_EQ(j.status, 200) << j.body;
    EXPECT_EQ(j.Json().at(0).at("service_request_id"), id);
    EXPECT_EQ(j.Json().at(0).at("token").as_string(), code);
    auto xml = ParseXml(Get("/open311/v2/tokens/" + code + ".xml").body);
    ASSERT_TRUE(xml.ok);
    EXPECT_EQ(xml.Text("service_requests/request/service_request_id"), std::to_string(id));
    EXPECT_EQ(xml.Text("service_requests/request/token"), code);
    auto missing = Get("/open311/v2/tokens/ZZZZZZZZZZ.xml");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(ParseXml(missing.body).Text("errors/error/code"), "404");
}

TEST_P(Open311, StatusNotesAndTheExtendedStatus) {
    const int64_t id = PostExample();
    const std::string order_url = "/api/v1/orders/" + std::to_string(id);
    ASSERT_EQ(admin->Post(order_url + "/reject", {{"reason", "不属于社区职责"}}).status, 200);
    auto rejected = Get("/open311/v2/requests/" + std::to_string(id) + ".json?extensions=true").Json();
    EXPECT_EQ(rejected.at(0).at("status"), "closed");
    EXPECT_EQ(rejected.at(0).at("extended_attributes").at("detailed_status"), "rejected");
    EXPECT_EQ(rejected.at(0).at("extended_attributes").at("channel"), "open311");

    auto replied = admin->Post(order_url + "/reply", {{"text", "已转交市政部门处理"}});
    ASSERT_EQ(replied.status, 200) << replied.body;
    auto j = Get("/open311/v2/requests/" + std::to_string(id) + ".json?extensions=true");
    const auto v = j.Json();
    const auto& r = v.at(0).as_object();
    EXPECT_EQ(r.at("status"), "closed");
    EXPECT_EQ(r.at("status_notes"), "已转交市政部门处理");
    EXPECT_EQ(r.at("extended_attributes").at("detailed_status"), "replied");
    const auto& notes = r.at("notes").as_array();
    ASSERT_EQ(notes.size(), 3u);  // submit, reject, reply
    // Chicago's note types: the request opened, closed (rejected), then activity (the answer).
    EXPECT_EQ(notes.at(0).at("type"), "opened");
    EXPECT_EQ(notes.at(0).at("step"), "submit");
    EXPECT_TRUE(IsUtc(std::string(notes.front().at("datetime").as_string())));
    EXPECT_EQ(notes.at(1).at("type"), "closed");
    EXPECT_EQ(notes.at(1).at("step"), "reject");
    EXPECT_EQ(notes.at(1).at("description"), "不属于社区职责");
    EXPECT_EQ(notes.at(2).at("type"), "activity");
    EXPECT_EQ(notes.at(2).at("step"), "reply");
    EXPECT_EQ(r.at("extended_attributes").at("duplicate"), false);
    EXPECT_TRUE(r.at("extended_attributes").at("parent_service_request_id").is_null());
    // No staff names in the public notes.
    EXPECT_EQ(j.body.find("admin1"), std::string::npos);

    auto xml = ParseXml(Get("/open311/v2/requests/" + std::to_string(id) + ".xml?extensions=true").body);
    ASSERT_TRUE(xml.ok) << xml.error;
    EXPECT_EQ(xml.Text("service_requests/request/status_notes"), "已转交市政部门处理");
    EXPECT_EQ(xml.Text("service_requests/request/extended_attributes/detailed_status"), "replied");
    EXPECT_EQ(xml.Count("service_requests/request/notes/note"), notes.size());
}

TEST_P(Open311, OrdersFromOtherChannelsShowNoPersonalMatter) {
    auto categories = staff->Get("/api/v1/order-categories").Json();
    int64_t repairs = 0;
    for (const auto& c : categories.at("items").as_array()) {
        if (c.at("code") == "repairs") {
            repairs = c.at("id").as_int64();
        }
    }
    auto created = staff->Post("/api/v1/orders", {{"kind", "request"},
                                                  {"category_id", repairs},
                                                  {"title", "王阿姨家水管漏水"},
                                                  {"description", "502 室卫生间漏水"},
                                                  {"place_id", building},
                                                  {"reporter_name", "王阿姨"},
                                                  {"reporter_phone", "13812345678"},
                                                  {"channel", "walk_in"},
                                                  {"auto_dispatch", false}});
    ASSERT_EQ(created.status, 201) << created.body;
    auto j = Get("/open311/v2/requests.json");
    ASSERT_EQ(j.status, 200);
    const auto v = j.Json();
    ASSERT_EQ(v.as_array().size(), 1u);
    EXPECT_EQ(v.at(0).at("service_code"), "repairs");
    EXPECT_TRUE(v.at(0).at("description").is_null());
    EXPECT_TRUE(v.at(0).at("address").is_null());
    EXPECT_EQ(j.body.find("王阿姨"), std::string::npos);
    EXPECT_EQ(j.body.find("漏水"), std::string::npos);
}

// ---- API keys ----------------------------------------------------------------------------------------

TEST_P(Open311, OnlyAdministratorsManageKeysAndSecretsAreShownOnce) {
    EXPECT_EQ(staff->Post("/api/v1/open311/keys", {{"name", "x"}}).status, 403);
    EXPECT_EQ(staff->Get("/api/v1/open311/keys").status, 403);
    auto listed = admin->Get("/api/v1/open311/keys");
    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(listed.body.find(api_key), std::string::npos);
    const auto items = listed.Json().at("items").as_array();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_TRUE(api_key.starts_with(std::string(items[0].at("prefix").as_string())));
    EXPECT_EQ(admin->Post("/api/v1/open311/keys", {{"name", ""}}).status, 400);
    EXPECT_EQ(admin->Post("/api/v1/open311/keys", {{"name", "x"}, {"community_id", building}}).ErrorField(),
              "community_id");
    EXPECT_EQ(admin->Delete("/api/v1/open311/keys/999").status, 404);

    // Used keys show when they were last used.
    PostExample();
    const auto after = admin->Get("/api/v1/open311/keys").Json();
    EXPECT_FALSE(after.at("items").at(0).at("last_used_at").is_null());
}

TEST_P(Open311, AMergedRequestIsADuplicateOfItsParent) {
    const int64_t parent = PostExample();
    const int64_t child = PostExample();
    ASSERT_EQ(admin->Post("/api/v1/orders/" + std::to_string(child) + "/merge", {{"into", parent}}).status, 200);
    auto j = Get("/open311/v2/requests/" + std::to_string(child) + ".json?extensions=true");
    ASSERT_EQ(j.status, 200) << j.body;
    const auto v = j.Json();
    EXPECT_EQ(v.at(0).at("status"), "closed");
    EXPECT_EQ(v.at(0).at("extended_attributes").at("duplicate"), true);
    EXPECT_EQ(v.at(0).at("extended_attributes").at("parent_service_request_id"), parent);
    auto xml = ParseXml(Get("/open311/v2/requests/" + std::to_string(child) + ".xml?extensions=true").body);
    ASSERT_TRUE(xml.ok) << xml.error;
    EXPECT_EQ(xml.Text("service_requests/request/extended_attributes/duplicate"), "true");
    EXPECT_EQ(xml.Text("service_requests/request/extended_attributes/parent_service_request_id"),
              std::to_string(parent));
}

TEST_P(Open311, RequestsArePagedWithPageAndPageSize) {
    std::vector<int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(PostExample());
        server->clock().Advance(60);
    }
    auto page = [&](const std::string& query) {
        auto reply = Get("/open311/v2/requests.json?" + query);
        EXPECT_EQ(reply.status, 200) << reply.body;
        std::vector<int64_t> out;
        const auto v = reply.Json();
        for (const auto& r : v.as_array()) {
            out.push_back(r.at("service_request_id").as_int64());
        }
        return out;
    };
    // Newest first, two at a time, every request once, then an empty page.
    EXPECT_EQ(page("page_size=2"), (std::vector<int64_t>{ids[4], ids[3]}));
    EXPECT_EQ(page("page_size=2&page=2"), (std::vector<int64_t>{ids[2], ids[1]}));
    EXPECT_EQ(page("page_size=2&page=3"), (std::vector<int64_t>{ids[0]}));
    EXPECT_TRUE(page("page_size=2&page=4").empty());
    // With the other filters; without page_size a page is the spec's 1,000.
    EXPECT_EQ(page("status=open&page_size=4&page=2"), (std::vector<int64_t>{ids[0]}));
    EXPECT_EQ(page("page=1").size(), 5u);
    EXPECT_TRUE(page("page=2").empty());
    auto xml = ParseXml(Get("/open311/v2/requests.xml?page_size=3").body);
    ASSERT_TRUE(xml.ok) << xml.error;
    EXPECT_EQ(xml.Count("service_requests/request"), 3u);

    for (const char* bad : {"page=0", "page=x", "page_size=0", "page_size=1001", "page_size=-5", "page=1.5"}) {
        auto reply = Get(std::string("/open311/v2/requests.json?") + bad);
        EXPECT_EQ(reply.status, 400) << bad;
        EXPECT_NE(std::string(reply.Json().at(0).at("description").as_string()).find("page"), std::string::npos);
    }
}

TEST_P(Open311, ServiceRequestUpdatesFollowThePublicStepsOfOpen311Requests) {
    const int64_t id = PostExample();
    const int64_t created = server->clock().Now();
    // A request recorded by staff is not in the feed (it did not come in through Open311).
    int64_t repairs = 0;
    const auto categories = staff->Get("/api/v1/order-categories").Json();  // outlives the loop
    for (const auto& c : categories.at("items").as_array()) {
        if (c.at("code") == "repairs") {
            repairs = c.at("id").as_int64();
        }
    }
    ASSERT_EQ(staff->Post("/api/v1/orders", {{"kind", "request"},
                                             {"category_id", repairs},
                                             {"title", "楼道灯不亮"},
                                             {"place_id", building},
                                             {"channel", "walk_in"}})
                  .status,
              201);
    const std::string order_url = "/api/v1/orders/" + std::to_string(id);
    server->clock().Advance(600);
    ASSERT_EQ(admin->Post(order_url + "/accept", {{"note", "内部备注：不对外"}}).status, 200);
    server->clock().Advance(600);
    ASSERT_EQ(admin->Post(order_url + "/reject", {{"reason", "不属于社区职责"}}).status, 200);
    server->clock().Advance(600);
    ASSERT_EQ(admin->Post(order_url + "/reply", {{"text", "已转交市政部门处理"}}).status, 200);

    auto j = Get("/open311/v2/servicerequestupdates.json?jurisdiction_id=110105001001");
    ASSERT_EQ(j.status, 200) << j.body;
    EXPECT_EQ(j.Header("content-type"), "application/json; charset=utf-8");
    const auto v = j.Json();
    ASSERT_TRUE(v.is_array());
    ASSERT_EQ(v.as_array().size(), 4u) << j.body;  // submit, accept, reject, reply; oldest first
    std::vector<std::string> statuses;
    std::vector<std::string> states;
    for (const auto& u : v.as_array()) {
        for (const char* field : {"update_id", "service_request_id", "status", "updated_datetime", "description",
                                  "media_url", "external_status_code"}) {
            EXPECT_TRUE(u.as_object().contains(field)) << field;
        }
        EXPECT_EQ(u.at("service_request_id"), id);
        EXPECT_TRUE(IsUtc(std::string(u.at("updated_datetime").as_string())));
        statuses.emplace_back(u.at("status").as_string());
        states.emplace_back(u.at("external_status_code").as_string());
    }
    EXPECT_EQ(statuses, (std::vector<std::string>{"open", "open", "closed", "closed"}));
    EXPECT_EQ(states, (std::vector<std::string>{"submitted", "accepted", "rejected", "replied"}));
    EXPECT_EQ(v.at(2).at("description"), "不属于社区职责");
    EXPECT_EQ(v.at(3).at("description"), "已转交市政部门处理");
    EXPECT_EQ(j.body.find("内部备注"), std::string::npos);  // an internal note never leaves
    EXPECT_EQ(j.body.find("admin1"), std::string::npos);
    EXPECT_LT(v.at(0).at("update_id").as_int64(), v.at(3).at("update_id").as_int64());

    auto xml = ParseXml(Get("/open311/v2/servicerequestupdates.xml").body);
    ASSERT_TRUE(xml.ok) << xml.error;
    EXPECT_EQ(xml.Count("service_request_updates/request_update"), 4u);
    EXPECT_EQ(xml.Text("service_request_updates/request_update/service_request_id"), std::to_string(id));
    EXPECT_EQ(xml.Text("service_request_updates/request_update/status"), "open");

    // The range and the pages, as for requests; another jurisdiction has none.
    auto w3 = [](int64_t t) {
        char buf[32];
        std::time_t tt = static_cast<std::time_t>(t);
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
        return std::string(buf);
    };
    auto since = Get("/open311/v2/servicerequestupdates.json?start_date=" + w3(created + 900) +
                     "&end_date=" + w3(server->clock().Now()));
    ASSERT_EQ(since.status, 200) << since.body;
    EXPECT_EQ(since.Json().as_array().size(), 2u);
    auto second_page = Get("/open311/v2/servicerequestupdates.json?page_size=3&page=2").Json();
    ASSERT_EQ(second_page.as_array().size(), 1u);
    EXPECT_EQ(second_page.at(0).at("external_status_code"), "replied");
    EXPECT_TRUE(Get("/open311/v2/servicerequestupdates.json?jurisdiction_id=110105001002").Json().as_array().empty());
    EXPECT_EQ(Get("/open311/v2/servicerequestupdates.json?jurisdiction_id=nowhere").status, 404);
    EXPECT_EQ(Get("/open311/v2/servicerequestupdates.json?start_date=yesterday").status, 400);
    EXPECT_EQ(Get("/open311/v2/servicerequestupdates.json?service_code=repairs").status, 400);
    EXPECT_EQ(Get("/open311/v2/servicerequestupdates.xml?start_date=2010-01-01T00:00:00Z&end_date=2010-06-01T00:00:00Z")
                  .status,
              400);
}

// ---- the specification's own examples (http://wiki.open311.org/GeoReport_v2), one by one ------------

TEST_P(Open311, TheSpecsSampleUrlsAnswerAsTheSpecShows) {
    const int64_t id = PostExample();
    const auto order = admin->Get("/api/v1/orders/" + std::to_string(id)).Json();
    const std::string token(order.at("tracking_code").as_string());

    // GET Service List: https://api.city.gov/dev/v2/services.xml?jurisdiction_id=city.gov
    auto services = ParseXml(Get("/open311/v2/services.xml?jurisdiction_id=110105001001").body);
    ASSERT_TRUE(services.ok) << services.error;
    EXPECT_GT(services.Count("services/service"), 0u);

    // GET Service Definition: https://api.city.gov/dev/v2/services/033.xml?jurisdiction_id=city.gov
    auto definition = ParseXml(Get("/open311/v2/services/repairs.xml?jurisdiction_id=110105001001").body);
    ASSERT_TRUE(definition.ok) << definition.error;
    EXPECT_EQ(definition.Text("service_definition/service_code"), "repairs");

    // GET service_request_id from a token: https://api.city.gov/dev/v2/tokens/123456.xml?jurisdiction_id=city.gov
    auto from_token = Get("/open311/v2/tokens/" + token + ".xml?jurisdiction_id=110105001001");
    ASSERT_EQ(from_token.status, 200) << from_token.body;
    auto token_xml = ParseXml(from_token.body);
    EXPECT_EQ(token_xml.Text("service_requests/request/service_request_id"), std::to_string(id));
    EXPECT_EQ(token_xml.Text("service_requests/request/token"), token);
    EXPECT_EQ(Get("/open311/v2/tokens/" + token + ".xml?jurisdiction_id=110105001002").status, 404);

    // GET Service Requests:
    // https://api.city.gov/dev/v2/requests.xml?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open
    // A month of 2010: a valid range with nothing in it here — an empty list, not an error.
    auto sample = Get("/open311/v2/requests.xml?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z"
                      "&status=open");
    ASSERT_EQ(sample.status, 200) << sample.body;
    EXPECT_EQ(sample.Header("content-type"), "text/xml; charset=utf-8");
    auto sample_xml = ParseXml(sample.body);
    ASSERT_TRUE(sample_xml.ok) << sample_xml.error;
    EXPECT_TRUE(sample_xml.Has("service_requests"));
    EXPECT_EQ(sample_xml.Count("service_requests/request"), 0u);
    auto sample_json = Get("/open311/v2/requests.json?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z"
                           "&status=open");
    ASSERT_EQ(sample_json.status, 200);
    EXPECT_TRUE(sample_json.Json().as_array().empty());
    // The same range written with a zone offset, as the spec's date examples are.
    EXPECT_EQ(Get("/open311/v2/requests.json?start_date=2010-05-23T20:00:00-04:00&end_date=2010-06-24T00:00:00Z")
                  .status,
              200);

    // GET Service Request: https://api.city.gov/dev/v2/requests/123456.xml?jurisdiction_id=city.gov
    auto one = ParseXml(Get("/open311/v2/requests/" + std::to_string(id) + ".xml?jurisdiction_id=110105001001").body);
    ASSERT_TRUE(one.ok) << one.error;
    EXPECT_EQ(one.Text("service_requests/request/service_request_id"), std::to_string(id));
    EXPECT_EQ(one.Text("service_requests/request/lat"), "37.76524078");

    // POST Service Request's error sample: <errors><error><code>403</code><description>Invalid api_key
    // received -- can't proceed with create_request.</description></error></errors>
    auto wrong = ExampleRequest();
    wrong[0].second = "xyz";
    auto refused = Post("/open311/v2/requests.xml", wrong);
    EXPECT_EQ(refused.status, 403);
    auto refused_xml = ParseXml(refused.body);
    ASSERT_TRUE(refused_xml.ok) << refused_xml.error;
    EXPECT_EQ(refused_xml.Text("errors/error/code"), "403");
    EXPECT_NE(refused_xml.Text("errors/error/description").find("Invalid api_key received"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, Open311, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace linli::testing
