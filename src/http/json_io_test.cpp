#include "http/json_io.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <regex>
#include <string>

namespace linli::http {
namespace {

Request JsonRequest(std::string body, std::string content_type = "application/json") {
    Request req;
    req.method = Method::kPost;
    req.headers = {{"content-type", std::move(content_type)}};
    req.body = std::move(body);
    return req;
}

/// The error of parsing `body`, expected to fail.
Error ParseError(std::string_view body) {
    auto r = JsonObjectReader::FromText(body);
    EXPECT_FALSE(r) << body;
    return r ? Error{} : r.error();
}

JsonObjectReader Reader(std::string_view body) {
    auto r = JsonObjectReader::FromText(body);
    EXPECT_TRUE(r) << body << " → " << (r ? "" : r.error().message);
    return std::move(*r);
}

// ---- parsing the body -----------------------------------------------------------------------------

TEST(JsonBody, ContentTypeMustBeJson) {
    EXPECT_TRUE(JsonObjectReader::FromRequest(JsonRequest("{}")));
    EXPECT_TRUE(JsonObjectReader::FromRequest(JsonRequest("{}", "application/json; charset=utf-8")));
    EXPECT_TRUE(JsonObjectReader::FromRequest(JsonRequest("{}", "Application/JSON;charset=\"UTF-8\"")));

    for (const char* bad : {"text/plain", "application/x-www-form-urlencoded", "application/jsonp",
                            "application/json; charset=gbk", ""}) {
        auto r = JsonObjectReader::FromRequest(JsonRequest("{}", bad));
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kUnsupportedMediaType) << bad;
        EXPECT_EQ(StatusFor(r.error().code), 415);
        EXPECT_EQ(r.error().field, "Content-Type");
    }
    Request no_header;
    no_header.body = "{}";
    auto r = JsonObjectReader::FromRequest(no_header);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnsupportedMediaType);
}

TEST(JsonBody, EmptyBodyIsRequired) {
    Error e = ParseError("");
    EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(e.field, "body");
}

TEST(JsonBody, MalformedJsonIs400OnBody) {
    for (const char* bad : {"{", "{\"a\":}", "{'a':1}", "{\"a\":1,}", "{\"a\":1} x", "{\"a\":1 /* c */}", "nul",
                            "{\"a\":01}", "{\"a\":NaN}", "   "}) {
        Error e = ParseError(bad);
        EXPECT_EQ(e.code, ErrorCode::kInvalidArgument) << bad;
        EXPECT_EQ(e.field, "body") << bad;
    }
}

TEST(JsonBody, InvalidUtf8IsRejected) {
    for (std::string bad : {std::string("{\"name\":\"\xff\"}"), std::string("{\"name\":\"\xc3\x28\"}"),
                            std::string("{\"name\":\"\xed\xa0\x80\"}"),  // a UTF-16 surrogate encoded as UTF-8
                            std::string("{\"name\":\"\xc0\xaf\"}"),      // overlong '/'
                            std::string("{\"\xfe\":1}")}) {
        Error e = ParseError(bad);
        EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(e.field, "body");
        EXPECT_EQ(e.message, "body is not valid UTF-8");
    }
}

TEST(JsonBody, BoostJsonDefaultsAlsoRejectInvalidUtf8) {
    // The explicit check is belt and braces; the parser's defaults must hold on their own too.
    boost::system::error_code ec;
    boost::json::parse("\"\xff\"", ec);
    EXPECT_TRUE(ec);
}

TEST(JsonBody, NestingDeeperThan32IsRejected) {
    auto nested = [](int depth) {
        std::string s = "{\"a\":";
        for (int i = 1; i < depth; ++i) {  // the object is one level, each array one more
            s += "[";
        }
        s += "1";
        for (int i = 1; i < depth; ++i) {
            s += "]";
        }
        return s + "}";
    };
    EXPECT_TRUE(JsonObjectReader::FromText(nested(32)));
    Error e = ParseError(nested(33));
    EXPECT_EQ(e.field, "body");
    EXPECT_NE(e.message.find("32"), std::string::npos) << e.message;
    Error deep = ParseError(std::string(100000, '['));
    EXPECT_EQ(deep.field, "body");
}

TEST(JsonBody, NonObjectIsRejected) {
    for (const char* bad : {"[]", "[{\"a\":1}]", "1", "\"text\"", "null", "true"}) {
        Error e = ParseError(bad);
        EXPECT_EQ(e.field, "body") << bad;
        EXPECT_EQ(e.message, "body must be a JSON object") << bad;
    }
}

// ---- typed fields ---------------------------------------------------------------------------------

TEST(JsonFields, ReadsValidValues) {
    auto r = Reader(R"({"name":"  王小明 ","age":42,"active":true,"ids":[1,2,3],"note":null})");
    EXPECT_EQ(r.String("name", true), "王小明");
    EXPECT_EQ(r.Int("age", true, 0, 150), 42);
    EXPECT_EQ(r.Bool("active", true), true);
    EXPECT_EQ(r.IntArray("ids", true), (std::vector<int64_t>{1, 2, 3}));
    EXPECT_TRUE(r.IsNull("note"));
    EXPECT_TRUE(r.Has("name"));
    EXPECT_FALSE(r.Has("missing"));
    EXPECT_FALSE(r.String("missing", false));
    EXPECT_TRUE(r.Finish());
}

TEST(JsonFields, WrongTypesNameTheField) {
    struct Case {
        std::string body;
        std::function<void(JsonObjectReader&)> read;
        std::string field;
        std::string message;
    };
    std::vector<Case> cases = {
        {R"({"name":5})", [](auto& r) { r.String("name", true); }, "name", "must be a string"},
        {R"({"name":["a"]})", [](auto& r) { r.String("name", true); }, "name", "must be a string"},
        {R"({"age":"42"})", [](auto& r) { r.Int("age", true); }, "age", "must be an integer"},
        {R"({"age":1.5})", [](auto& r) { r.Int("age", true); }, "age", "must be an integer"},
        {R"({"age":2.0})", [](auto& r) { r.Int("age", true); }, "age", "must be an integer"},
        {R"({"age":1e2})", [](auto& r) { r.Int("age", true); }, "age", "must be an integer"},
        {R"({"age":true})", [](auto& r) { r.Int("age", true); }, "age", "must be an integer"},
        {R"({"ok":"true"})", [](auto& r) { r.Bool("ok", true); }, "ok", "must be a boolean"},
        {R"({"ok":1})", [](auto& r) { r.Bool("ok", true); }, "ok", "must be a boolean"},
        {R"({"ids":5})", [](auto& r) { r.IntArray("ids", true); }, "ids", "must be an array of integers"},
        {R"({"ids":[1,"2"]})", [](auto& r) { r.IntArray("ids", true); }, "ids", "must contain only positive integers"},
        {R"({"ids":[1,0]})", [](auto& r) { r.IntArray("ids", true); }, "ids", "must contain only positive integers"},
        {R"({"ids":[-3]})", [](auto& r) { r.IntArray("ids", true); }, "ids", "must contain only positive integers"},
        {R"({"ids":[1.5]})", [](auto& r) { r.IntArray("ids", true); }, "ids", "must contain only positive integers"},
        {R"({"ids":[1,2,3]})", [](auto& r) { r.IntArray("ids", true, 2); }, "ids", "must have at most 2 items"},
    };
    for (auto& c : cases) {
        auto r = Reader(c.body);
        c.read(r);
        auto done = r.Finish();
        ASSERT_FALSE(done) << c.body;
        EXPECT_EQ(done.error().code, ErrorCode::kInvalidArgument) << c.body;
        EXPECT_EQ(done.error().field, c.field) << c.body;
        EXPECT_EQ(done.error().message, c.message) << c.body;
    }
}

TEST(JsonFields, MissingRequiredFieldIsRequired) {
    auto r = Reader(R"({"other":1})");
    EXPECT_FALSE(r.String("name", true));
    r.Int("other", false);
    auto done = r.Finish();
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().field, "name");
    EXPECT_EQ(done.error().message, "is required");

    auto null_name = Reader(R"({"name":null})");
    null_name.String("name", true);
    EXPECT_EQ(null_name.Finish().error().message, "is required");
}

TEST(JsonFields, FirstErrorIsKept) {
    auto r = Reader(R"({"a":1,"b":"x"})");
    r.String("a", true);
    r.Int("b", true);
    r.String("c", true);
    auto done = r.Finish();
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().field, "a");
}

TEST(JsonFields, UnknownFieldIsNamed) {
    auto r = Reader(R"({"name":"x","nmae":"typo"})");
    r.String("name", true);
    auto done = r.Finish();
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(done.error().field, "nmae");
    EXPECT_EQ(done.error().message, "unknown field");

    // A field checked with Has() alone was not read.
    auto has_only = Reader(R"({"x":1})");
    EXPECT_TRUE(has_only.Has("x"));
    EXPECT_EQ(has_only.Finish().error().field, "x");
}

TEST(JsonFields, StringLengthsCountCharactersAfterTrimming) {
    StringRule rule{.min_chars = 2, .max_chars = 4};
    EXPECT_EQ(Reader(R"({"s":"张三"})").String("s", true, rule), "张三");
    EXPECT_EQ(Reader(R"({"s":"四个汉字"})").String("s", true, rule), "四个汉字");
    EXPECT_EQ(Reader(R"({"s":"\u3000张三\u3000 "})").String("s", true, rule), "张三");

    auto too_long = Reader(R"({"s":"五个汉字啊"})");
    too_long.String("s", true, rule);
    EXPECT_EQ(too_long.Finish().error().message, "must be at most 4 characters");
    EXPECT_EQ(too_long.Finish().error().field, "s");

    auto too_short = Reader(R"({"s":" 张 "})");
    too_short.String("s", true, rule);
    EXPECT_EQ(too_short.Finish().error().message, "must be at least 2 characters");

    auto blank = Reader(R"({"s":"   "})");
    blank.String("s", true, StringRule{.min_chars = 1});
    EXPECT_EQ(blank.Finish().error().message, "must not be empty");

    auto default_rule = Reader("{\"s\":\"" + std::string(201, 'a') + "\"}");
    default_rule.String("s", true);
    EXPECT_EQ(default_rule.Finish().error().message, "must be at most 200 characters");
}

TEST(JsonFields, ControlCharactersAreRejectedUnlessMultiline) {
    for (const char* body : {R"({"s":"a\nb"})", R"({"s":"a\tb"})", R"({"s":"a\u0000b"})", R"({"s":"a\u001bb"})",
                             R"({"s":"a\u007fb"})", R"({"s":"a\u0085b"})", R"({"s":"a\rb"})"}) {
        auto r = Reader(body);
        r.String("s", true);
        auto done = r.Finish();
        ASSERT_FALSE(done) << body;
        EXPECT_EQ(done.error().field, "s");
        EXPECT_EQ(done.error().message, "must not contain control characters") << body;
    }
    StringRule multi{.max_chars = 1000, .multiline = true};
    EXPECT_EQ(Reader(R"({"s":"line 1\n\tline 2"})").String("s", true, multi), "line 1\n\tline 2");
    EXPECT_EQ(Reader(R"({"s":"line 1\r\nline 2"})").String("s", true, multi), "line 1\nline 2");
    auto bell = Reader(R"({"s":"a\u0007b"})");
    bell.String("s", true, multi);
    EXPECT_EQ(bell.Finish().error().message, "must not contain control characters");
}

TEST(JsonFields, LoneSurrogateEscapeIsRejected) {
    auto r = JsonObjectReader::FromText(R"({"s":"\ud800"})");
    if (r) {
        r->String("s", true);
        EXPECT_FALSE(r->Finish());
    }
}

TEST(JsonFields, IntegersOutOfRange) {
    auto r = Reader(R"({"age":151})");
    r.Int("age", true, 0, 150);
    EXPECT_EQ(r.Finish().error().message, "must be between 0 and 150");
    EXPECT_EQ(r.Finish().error().field, "age");

    auto low = Reader(R"({"n":-1})");
    low.Int("n", true, 0);
    EXPECT_EQ(low.Finish().error().message, "must be at least 0");

    auto huge = Reader(R"({"n":9223372036854775808})");
    huge.Int("n", true);
    EXPECT_EQ(huge.Finish().error().field, "n");

    auto huge_item = Reader(R"({"ids":[18446744073709551615]})");
    huge_item.IntArray("ids", true);
    EXPECT_FALSE(huge_item.Finish());

    auto max = Reader(R"({"n":9223372036854775807,"m":-9223372036854775808})");
    EXPECT_EQ(max.Int("n", true), INT64_MAX);
    EXPECT_EQ(max.Int("m", true), INT64_MIN);
    EXPECT_TRUE(max.Finish());
}

TEST(JsonFields, SqlMetacharactersPassThroughVerbatim) {
    const std::string evil = R"(Robert'); DROP TABLE residents;-- %_ \ " ` /* */ OR 1=1)";
    boost::json::object o;
    o["name"] = evil;
    auto r = Reader(boost::json::serialize(o));
    StringRule rule{.max_chars = 500};
    EXPECT_EQ(r.String("name", true, rule), evil);
    EXPECT_TRUE(r.Finish());
}

TEST(JsonFields, NullForOptionalFieldsIsAbsent) {
    auto r = Reader(R"({"a":null,"b":null,"c":null,"d":null})");
    EXPECT_FALSE(r.String("a", false));
    EXPECT_FALSE(r.Int("b", false));
    EXPECT_FALSE(r.Bool("c", false));
    EXPECT_FALSE(r.IntArray("d", false));
    EXPECT_TRUE(r.Finish());
}

TEST(JsonOut, JsonResponseSerialises) {
    auto res = JsonResponse(201, boost::json::object{{"id", 7}, {"name", "王"}});
    EXPECT_EQ(res.status, 201);
    EXPECT_EQ(res.content_type, "application/json");
    EXPECT_EQ(boost::json::parse(res.body).at("name").as_string(), "王");
}

// ---- query parameters -----------------------------------------------------------------------------

Request Query(std::vector<std::pair<std::string, std::string>> params) {
    Request req;
    req.query = std::move(params);
    return req;
}

TEST(QueryParams, ReadsValidValues) {
    auto req = Query({{"q", " 幸福 "}, {"limit", "20"}, {"status", "open"}, {"offset", "-5"}});
    QueryReader q(req);
    EXPECT_EQ(q.String("q"), "幸福");
    EXPECT_EQ(q.Int("limit", 1, 500), 20);
    EXPECT_EQ(q.Int("offset"), -5);
    EXPECT_EQ(q.Enum("status", {"open", "closed"}), "open");
    EXPECT_FALSE(q.String("cursor"));
    EXPECT_TRUE(q.Finish());
}

TEST(QueryParams, IntegersAreStrictDecimal) {
    for (const char* bad : {"abc", "1.5", "+1", " 1", "1 ", "0x10", "1e3", "", "-", "١٢"}) {
        auto req = Query({{"limit", bad}});
        QueryReader q(req);
        EXPECT_FALSE(q.Int("limit"));
        auto done = q.Finish();
        ASSERT_FALSE(done) << bad;
        EXPECT_EQ(done.error().field, "limit");
        EXPECT_EQ(done.error().message, "must be an integer") << bad;
    }
    auto req = Query({{"limit", "501"}});
    QueryReader q(req);
    q.Int("limit", 1, 500);
    EXPECT_EQ(q.Finish().error().message, "must be between 1 and 500");

    auto overflow = Query({{"limit", "99999999999999999999"}});
    QueryReader qo(overflow);
    qo.Int("limit");
    EXPECT_EQ(qo.Finish().error().field, "limit");
}

TEST(QueryParams, EnumListsAllowedValues) {
    auto req = Query({{"status", "OPEN"}});
    QueryReader q(req);
    EXPECT_FALSE(q.Enum("status", {"open", "closed"}));
    auto done = q.Finish();
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().field, "status");
    EXPECT_EQ(done.error().message, "must be one of: open, closed");
}

TEST(QueryParams, UnknownParameterIsNamed) {
    auto req = Query({{"limit", "5"}, {"limt", "5"}});
    QueryReader q(req);
    q.Int("limit");
    auto done = q.Finish();
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().field, "limt");
    EXPECT_EQ(done.error().message, "unknown query parameter");
}

TEST(QueryParams, RepeatedParameterIsRejected) {
    auto req = Query({{"status", "open"}, {"status", "closed"}});
    QueryReader q(req);
    EXPECT_FALSE(q.Enum("status", {"open", "closed"}));
    auto done = q.Finish();
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().field, "status");
    EXPECT_EQ(done.error().message, "must be given only once");
}

TEST(QueryParams, StringRulesApply) {
    auto req = Query({{"q", "a\nb"}, {"name", std::string(300, 'x')}, {"bad", "\xff"}});
    QueryReader q(req);
    q.String("q", StringRule{.multiline = true});  // never multi-line in a query
    EXPECT_EQ(q.Finish().error().message, "must not contain control characters");

    QueryReader q2(req);
    q2.String("name");
    EXPECT_EQ(q2.Finish().error().message, "must be at most 200 characters");

    QueryReader q3(req);
    q3.String("bad");
    EXPECT_EQ(q3.Finish().error().message, "must be valid UTF-8");
}

TEST(QueryParams, SqlMetacharactersPassThroughVerbatim) {
    const std::string evil = "' OR 1=1; -- %_";
    auto req = Query({{"q", evil}});
    QueryReader q(req);
    EXPECT_EQ(q.String("q"), evil);
    EXPECT_TRUE(q.Finish());
}

TEST(JsonOut, DoublesArePlainDecimalsThatReadBackTheSame) {
    // Boost.JSON alone would write these as 3.776524078E1, -1.224212043E2, 8.333E-1, 4.5E0, 1E0.
    const boost::json::value body{{"lat", 37.76524078},   {"long", -122.4212043}, {"rate", 0.8333},
                                  {"satisfaction", 4.5}, {"one", 1.0},           {"tiny", 0.00001},
                                  {"list", boost::json::array{0.1, 2.5}}};
    const std::string text = SerializeJson(body);
    EXPECT_NE(text.find(R"("lat":37.76524078)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("long":-122.4212043)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("rate":0.8333)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("satisfaction":4.5)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("one":1)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("tiny":0.00001)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("list":[0.1,2.5])"), std::string::npos) << text;
    EXPECT_FALSE(std::regex_search(text, std::regex(R"(\d[eE][-+]?\d)"))) << text;  // no exponent anywhere
    // Still JSON, and the same values when read back.
    const auto back = boost::json::parse(text);
    for (const auto& [key, value] : body.as_object()) {
        if (value.is_double()) {
            EXPECT_EQ(back.at(key).to_number<double>(), value.get_double()) << key;
        }
    }
    EXPECT_EQ(back.at("list"), body.at("list"));

    // Strings are escaped as before; bodies without a double are Boost.JSON's own text.
    const boost::json::value plain{{"name", "王\"阿姨\"\n"}, {"n", 3}, {"ok", true}, {"none", nullptr}};
    EXPECT_EQ(SerializeJson(plain), boost::json::serialize(plain));
    const boost::json::value mixed{{"name", "王\"阿姨\"\n"}, {"x", 0.5}};
    EXPECT_EQ(boost::json::parse(SerializeJson(mixed)), mixed);

    EXPECT_EQ(FormatJsonNumber(std::nan("")), "null");
    EXPECT_EQ(FormatJsonNumber(-0.25), "-0.25");
    EXPECT_EQ(JsonResponse(200, body).body, text);
}

}  // namespace
}  // namespace linli::http
