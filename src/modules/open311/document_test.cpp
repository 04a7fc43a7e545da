// The two writers of one tree: the JSON must parse with Boost.JSON and the XML with libexpat (a real
// XML parser), both with the spec's names, escapes and null/empty conventions.
#include "modules/open311/document.hpp"

#include <expat.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "modules/open311/json.hpp"

namespace linli::open311 {
namespace {

namespace json = boost::json;

/// Element paths ("services/service/service_code") with their text, in document order.
struct Parsed {
    bool ok = false;
    std::vector<std::pair<std::string, std::string>> elements;
    std::string error;
};

Parsed ParseXml(const std::string& xml) {
    struct State {
        std::vector<std::string> stack;
        std::vector<std::string> text;
        Parsed out;
    } state;
    XML_Parser p = XML_ParserCreate("UTF-8");
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
            s->out.elements.emplace_back(path, s->text.back());
            s->stack.pop_back();
            s->text.pop_back();
        });
    XML_SetCharacterDataHandler(p, [](void* data, const XML_Char* chars, int len) {
        static_cast<State*>(data)->text.back().append(chars, static_cast<size_t>(len));
    });
    state.out.ok = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
    if (!state.out.ok) {
        state.out.error = XML_ErrorString(XML_GetErrorCode(p));
    }
    XML_ParserFree(p);
    return state.out;
}

std::string TextOf(const Parsed& parsed, const std::string& path) {
    for (const auto& [p, t] : parsed.elements) {
        if (p == path) {
            return t;
        }
    }
    return "<missing>";
}

TEST(Document, XmlHasTheDeclarationTheSpecRequiresAndParses) {
    Service s;
    s.service_code = "001";
    s.service_name = "Cans left out 24x7";
    s.description = "Garbage <or> recycling & \"cans\" 'left'";
    s.keywords = "lorem, ipsum, dolor";
    s.group = "sanitation";
    const std::string xml = Render(ServicesBody({s}), Format::kXml);
    EXPECT_TRUE(xml.starts_with(R"(<?xml version="1.0" encoding="UTF-8"?>)")) << xml;
    auto parsed = ParseXml(xml);
    ASSERT_TRUE(parsed.ok) << parsed.error << "\n" << xml;
    EXPECT_EQ(TextOf(parsed, "services/service/service_code"), "001");
    EXPECT_EQ(TextOf(parsed, "services/service/description"), s.description);
    EXPECT_EQ(TextOf(parsed, "services/service/metadata"), "true");
    EXPECT_EQ(TextOf(parsed, "services/service/type"), "realtime");
    EXPECT_EQ(TextOf(parsed, "services/service/group"), "sanitation");
}

TEST(Document, JsonFollowsTheSparkConvention) {
    Service s;
    s.service_code = "001";
    s.service_name = "名字";
    const auto v = json::parse(Render(ServicesBody({s, s}), Format::kJson));
    ASSERT_TRUE(v.is_array());
    ASSERT_EQ(v.as_array().size(), 2u);
    const auto& first = v.as_array()[0].as_object();
    EXPECT_EQ(first.at("service_code"), "001");
    EXPECT_EQ(first.at("service_name"), "名字");
    EXPECT_EQ(first.at("metadata"), true);
    EXPECT_TRUE(first.at("group").is_null());  // absent → null in JSON
}

TEST(Document, CoordinatesAreWrittenAsPlainNumbers) {
    ServiceRequest r;
    r.service_request_id = 638344;
    r.status = "closed";
    r.lat = 37.762221815;
    r.lon = -122.4651145;
    const std::string text = Render(RequestsBody({r}, false), Format::kJson);
    EXPECT_NE(text.find("\"lat\":37.762221815"), std::string::npos) << text;
    EXPECT_NE(text.find("\"long\":-122.4651145"), std::string::npos) << text;
    const auto v = json::parse(text);
    EXPECT_DOUBLE_EQ(v.as_array()[0].at("lat").to_number<double>(), 37.762221815);
    auto parsed = ParseXml(Render(RequestsBody({r}, false), Format::kXml));
    ASSERT_TRUE(parsed.ok);
    EXPECT_EQ(TextOf(parsed, "service_requests/request/long"), "-122.4651145");
    EXPECT_EQ(TextOf(parsed, "service_requests/request/address"), "");  // null → empty element
}

TEST(Document, ControlCharactersXmlCannotCarryAreDropped) {
    EXPECT_EQ(XmlEscape(std::string("a\x01"
                                    "b\tc\nd",
                                    7)),
              "ab\tc\nd");
    ServiceRequest r;
    r.description = std::string("bell\x07 & tab\t", 12);
    auto parsed = ParseXml(Render(RequestsBody({r}, false), Format::kXml));
    ASSERT_TRUE(parsed.ok) << parsed.error;
    EXPECT_EQ(TextOf(parsed, "service_requests/request/description"), "bell & tab\t");
}

TEST(Document, ErrorsAreAListOfCodeAndDescription) {
    const auto body = ErrorsBody({{403, "Invalid api_key received -- can't proceed with create_request."}});
    const auto v = json::parse(Render(body, Format::kJson));
    ASSERT_TRUE(v.is_array());
    EXPECT_EQ(v.as_array()[0].at("code"), 403);
    EXPECT_EQ(v.as_array()[0].at("description"), "Invalid api_key received -- can't proceed with create_request.");
    auto parsed = ParseXml(Render(body, Format::kXml));
    ASSERT_TRUE(parsed.ok);
    EXPECT_EQ(TextOf(parsed, "errors/error/code"), "403");
}

}  // namespace
}  // namespace linli::open311
