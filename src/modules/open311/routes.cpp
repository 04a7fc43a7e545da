#include "modules/open311/routes.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text.hpp"
#include "http/json_io.hpp"
#include "modules/open311/json.hpp"
#include "modules/open311/w3c_time.hpp"

namespace linli::open311 {

namespace {

namespace json = boost::json;
using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

constexpr std::string_view kBase = "/open311/v2";
constexpr size_t kMaxParamChars = 4000;

std::string ContentType(Format format) {
    return format == Format::kXml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8";
}

Response Answer(int status, const Body& body, Format format) {
    Response r;
    r.status = status;
    r.content_type = ContentType(format);
    r.body = Render(body, format);
    return r;
}

/// The spec's error document, with the HTTP status of the error code.
Response ErrorAnswer(const Error& error, Format format) {
    const int status = http::StatusFor(error.code);
    std::string description = error.message;
    if (!error.field.empty() && description.find(error.field) == std::string::npos) {
        description = error.field + ": " + description;
    }
    return Answer(status, ErrorsBody({{status, description}}), format);
}

/// "repairs.json" → ("repairs", kJson); nullopt without a known extension.
std::optional<std::pair<std::string, Format>> SplitFormat(std::string_view segment) {
    for (auto [ext, format] : {std::pair{std::string_view(".json"), Format::kJson}, {".xml", Format::kXml}}) {
        if (segment.size() > ext.size() && segment.ends_with(ext)) {
            return std::pair{std::string(segment.substr(0, segment.size() - ext.size())), format};
        }
    }
    return std::nullopt;
}

/// Every value of query parameter `name`, comma lists split ("can be declared multiple times, comma
/// delimited"), blanks dropped.
std::vector<std::string> ListParam(const std::vector<std::pair<std::string, std::string>>& params,
                                   std::string_view name) {
    std::vector<std::string> out;
    for (const auto& [k, v] : params) {
        if (k != name) {
            continue;
        }
        size_t start = 0;
        while (start <= v.size()) {
            size_t comma = v.find(',', start);
            if (comma == std::string::npos) {
                comma = v.size();
            }
            auto item = text::Trim(std::string_view(v).substr(start, comma - start));
            if (!item.empty()) {
                out.push_back(std::move(item));
            }
            start = comma + 1;
        }
    }
    return out;
}

/// The last non-empty value of `name` ("a null parameter is treated as a non-declared one").
std::optional<std::string> Param(const std::vector<std::pair<std::string, std::string>>& params,
                                 std::string_view name) {
    std::optional<std::string> out;
    for (const auto& [k, v] : params) {
        if (k == name && !text::Trim(v).empty()) {
            out = v;
        }
    }
    return out;
}

/// Rejects parameters a route does not know, naming the first (typos never pass silently), and
/// overlong values.
Result<void> CheckParams(const std::vector<std::pair<std::string, std::string>>& params,
                         const std::vector<std::string_view>& known) {
    for (const auto& [k, v] : params) {
        const bool attribute = k.starts_with("attribute[") && k.ends_with("]");
        const bool allowed = std::find(known.begin(), known.end(), k) != known.end() ||
                             (attribute && std::find(known.begin(), known.end(), "attribute") != known.end());
        if (!allowed) {
            return InvalidArgument(k, "unknown parameter " + k);
        }
        if (v.size() > kMaxParamChars * 4) {
            return InvalidArgument(k, k + " is too long");
        }
    }
    return {};
}

Locale LocaleOf(const Request& req) {
    std::string_view tag;
    if (auto q = Param(req.query, "locale")) {
        return q->starts_with("en") ? Locale::kEn : Locale::kZh;
    }
    if (auto h = req.Header("accept-language")) {
        tag = *h;
    }
    return tag.starts_with("en") ? Locale::kEn : Locale::kZh;
}

Result<bool> Extensions(const Request& req) {
    auto v = Param(req.query, "extensions");
    if (!v || *v == "false") {
        return false;
    }
    if (*v == "true") {
        return true;
    }
    return InvalidArgument("extensions", "extensions must be true or false");
}

/// Where clients reach this endpoint, from the request (behind a proxy: X-Forwarded-Proto/Host).
std::string EndpointUrl(const Request& req) {
    std::string proto = std::string(req.Header("x-forwarded-proto").value_or("http"));
    std::string host = std::string(req.Header("x-forwarded-host").value_or(req.Header("host").value_or("localhost")));
    if (proto != "http" && proto != "https") {
        proto = "http";
    }
    return proto + "://" + host + std::string(kBase);
}

/// The parameters every GET takes: api_key is allowed (some clients always send it) and ignored.
const std::vector<std::string_view> kCommonParams{"jurisdiction_id", "api_key", "locale"};

Response Discover(const Request& req, Open311Service& service, Format format) {
    if (auto ok = CheckParams(req.query, {"jurisdiction_id", "api_key", "locale"}); !ok) {
        return ErrorAnswer(ok.error(), format);
    }
    auto d = service.GetDiscovery(EndpointUrl(req));
    return d ? Answer(200, DiscoveryBody(*d), format) : ErrorAnswer(d.error(), format);
}

Response Services(const Request& req, Open311Service& service, Format format) {
    if (auto ok = CheckParams(req.query, kCommonParams); !ok) {
        return ErrorAnswer(ok.error(), format);
    }
    auto s = service.ListServices(Param(req.query, "jurisdiction_id"), LocaleOf(req));
    return s ? Answer(200, ServicesBody(*s), format) : ErrorAnswer(s.error(), format);
}

/// page and page_size (the pagination extension): whole numbers, page from 1, page_size 1..1000.
Result<Paging> ReadPaging(const Request& req) {
    Paging p;
    for (const char* name : {"page", "page_size"}) {
        auto raw = Param(req.query, name);
        if (!raw) {
            continue;
        }
        const std::string t = text::Trim(*raw);
        int v = 0;
        auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        const bool is_size = std::string_view(name) == "page_size";
        const int max = is_size ? kMaxRequestsReturnedAsInt : 1'000'000;
        if (ec != std::errc() || ptr != t.data() + t.size() || v < 1 || v > max) {
            return InvalidArgument(name, is_size ? "page_size must be a whole number from 1 to 1000"
                                                 : "page must be a whole number from 1");
        }
        (is_size ? p.page_size : p.page) = v;
    }
    return p;
}

/// start_date and end_date, W3C date-times with a zone.
Result<void> ReadDates(const Request& req, std::optional<int64_t>& start, std::optional<int64_t>& end) {
    for (const char* name : {"start_date", "end_date"}) {
        if (auto raw = Param(req.query, name)) {
            auto t = ParseW3c(text::Trim(*raw));
            if (!t) {
                return InvalidArgument(name, std::string(name) + " must be a W3C date-time, e.g. 2010-01-01T00:00:00Z");
            }
            (std::string_view(name) == "start_date" ? start : end) = *t;
        }
    }
    return {};
}

Result<RequestQuery> ReadRequestQuery(const Request& req) {
    LINLI_TRY(CheckParams(req.query, {"jurisdiction_id", "api_key", "locale", "service_request_id", "service_code",
                                      "start_date", "end_date", "status", "extensions", "page", "page_size"}));
    RequestQuery q;
    LINLI_ASSIGN_OR_RETURN(q.paging, ReadPaging(req));
    q.jurisdiction_id = Param(req.query, "jurisdiction_id");
    q.locale = LocaleOf(req);
    LINLI_ASSIGN_OR_RETURN(q.extensions, Extensions(req));
    for (const auto& id : ListParam(req.query, "service_request_id")) {
        int64_t v = 0;
        auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
        if (ec != std::errc() || ptr != id.data() + id.size() || v < 1) {
            return InvalidArgument("service_request_id", "service_request_id must be a list of request ids");
        }
        q.service_request_ids.push_back(v);
    }
    if (q.service_request_ids.size() > kMaxRequestIds) {
        return InvalidArgument("service_request_id", "at most 200 service_request_id at once");
    }
    q.service_codes = ListParam(req.query, "service_code");
    LINLI_TRY(ReadDates(req, q.start_date, q.end_date));
    const auto statuses = ListParam(req.query, "status");
    if (!statuses.empty()) {
        q.open = q.closed = false;
        for (const auto& s : statuses) {
            if (s == "open") {
                q.open = true;
            } else if (s == "closed") {
                q.closed = true;
            } else {
                return InvalidArgument("status", "status must be open, closed or both (comma delimited)");
            }
        }
    }
    return q;
}

Response ListRequests(const Request& req, Open311Service& service, Format format) {
    auto q = ReadRequestQuery(req);
    if (!q) {
        return ErrorAnswer(q.error(), format);
    }
    auto found = service.ListRequests(*q);
    return found ? Answer(200, RequestsBody(*found, q->extensions), format) : ErrorAnswer(found.error(), format);
}

Response ListUpdates(const Request& req, Open311Service& service, Format format) {
    auto read = [&]() -> Result<UpdateQuery> {
        LINLI_TRY(CheckParams(req.query,
                              {"jurisdiction_id", "api_key", "locale", "start_date", "end_date", "page", "page_size"}));
        UpdateQuery q;
        q.jurisdiction_id = Param(req.query, "jurisdiction_id");
        q.locale = LocaleOf(req);
        LINLI_ASSIGN_OR_RETURN(q.paging, ReadPaging(req));
        LINLI_TRY(ReadDates(req, q.start_date, q.end_date));
        return q;
    };
    auto q = read();
    if (!q) {
        return ErrorAnswer(q.error(), format);
    }
    auto found = service.ListUpdates(*q);
    return found ? Answer(200, UpdatesBody(*found), format) : ErrorAnswer(found.error(), format);
}

/// The form fields of a POST: the query string's, then the body's (application/x-www-form-urlencoded).
Result<std::vector<std::pair<std::string, std::string>>> FormFields(const Request& req) {
    std::vector<std::pair<std::string, std::string>> fields = req.query;
    if (req.body.empty()) {
        return fields;
    }
    const auto type = req.Header("content-type").value_or("");
    if (!type.starts_with("application/x-www-form-urlencoded")) {
        return InvalidArgument("Content-Type", "send the request as application/x-www-form-urlencoded; charset=utf-8");
    }
    // Boost.URL decodes the body as it decodes a query: percent-escapes, and '+' as a space.
    const std::string target = "/?" + req.body;  // the view below points into it
    auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) {
        return InvalidArgument("body", "the form body is not valid application/x-www-form-urlencoded");
    }
    for (auto param : parsed->params()) {
        if (!text::IsValidUtf8(param.key) || !text::IsValidUtf8(param.value)) {
            return InvalidArgument("body", "the form body is not valid UTF-8");
        }
        fields.emplace_back(std::move(param.key), std::move(param.value));
    }
    return fields;
}

Result<NewRequest> ReadNewRequest(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto fields, FormFields(req));
    LINLI_TRY(CheckParams(fields, {"api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string",
                                   "address_id", "email", "device_id", "account_id", "first_name", "last_name", "phone",
                                   "description", "media_url", "attribute", "locale"}));
    NewRequest in;
    in.api_key = Param(fields, "api_key");
    in.jurisdiction_id = Param(fields, "jurisdiction_id");
    in.service_code = Param(fields, "service_code");
    in.lat = Param(fields, "lat");
    in.lon = Param(fields, "long");
    in.address_string = Param(fields, "address_string");
    in.address_id = Param(fields, "address_id");
    in.email = Param(fields, "email");
    in.device_id = Param(fields, "device_id");
    in.account_id = Param(fields, "account_id");
    in.first_name = Param(fields, "first_name");
    in.last_name = Param(fields, "last_name");
    in.phone = Param(fields, "phone");
    in.description = Param(fields, "description");
    in.media_url = Param(fields, "media_url");
    for (const auto& [k, v] : fields) {
        if (!k.starts_with("attribute[")) {
            continue;
        }
        // attribute[code]=v, or attribute[code][]=v repeated for a multivaluelist.
        std::string_view inner = std::string_view(k).substr(10);
        if (inner.ends_with("[]")) {
            inner.remove_suffix(2);
        }
        if (!inner.ends_with("]") || inner.size() < 2) {
            return InvalidArgument(k, "attributes are sent as attribute[code]=value");
        }
        inner.remove_suffix(1);
        if (!text::Trim(v).empty()) {
            in.attributes[std::string(inner)].push_back(v);
        }
    }
    return in;
}

Response PostRequest(Request& req, Open311Service& service, Format format) {
    auto in = ReadNewRequest(req);
    if (!in) {
        return ErrorAnswer(in.error(), format);
    }
    auto posted = service.CreateRequest(*in, LocaleOf(req), req.info());
    return posted ? Answer(200, PostedBody(*posted), format) : ErrorAnswer(posted.error(), format);
}

Response BadFormat() {
    return ErrorAnswer(Error{ErrorCode::kNotFound, "the format must be .json or .xml", "format"}, Format::kXml);
}

void AddFormats(http::Router& router, Method method, std::string_view resource,
                Response (*handler)(Request&, Open311Service&, Format), Open311Service& service,
                const std::string& summary) {
    for (auto [ext, format] : {std::pair{std::string_view("json"), Format::kJson}, {"xml", Format::kXml}}) {
        router.Add(
            method, std::string(kBase) + "/" + std::string(resource) + "." + std::string(ext), AccessRule::Public(),
            [&service, handler, format = format](Request& req) -> Result<Response> {
                return handler(req, service, format);
            },
            summary + " (" + std::string(ext) + ")");
    }
}

}  // namespace

void RegisterRoutes(http::Router& router, Open311Service& service) {
    AddFormats(
        router, Method::kGet, "discovery",
        [](Request& req, Open311Service& s, Format f) { return Discover(req, s, f); }, service,
        "Open311 service discovery");
    AddFormats(
        router, Method::kGet, "services", [](Request& req, Open311Service& s, Format f) { return Services(req, s, f); },
        service, "Open311 service list");
    AddFormats(
        router, Method::kGet, "requests",
        [](Request& req, Open311Service& s, Format f) { return ListRequests(req, s, f); }, service,
        "Open311 service requests");
    AddFormats(
        router, Method::kGet, "servicerequestupdates",
        [](Request& req, Open311Service& s, Format f) { return ListUpdates(req, s, f); }, service,
        "Open311 service request updates (FixMyStreet extension)");
    AddFormats(
        router, Method::kPost, "requests",
        [](Request& req, Open311Service& s, Format f) { return PostRequest(req, s, f); }, service,
        "Open311 create a service request");

    router.Add(
        Method::kGet, std::string(kBase) + "/services/{service_code}", AccessRule::Public(),
        [&service](Request& req) -> Result<Response> {
            auto split = SplitFormat(req.path_params.at("service_code"));
            if (!split) {
                return BadFormat();
            }
            auto [code, format] = *split;
            if (auto ok = CheckParams(req.query, kCommonParams); !ok) {
                return ErrorAnswer(ok.error(), format);
            }
            auto def = service.GetDefinition(Param(req.query, "jurisdiction_id"), code, LocaleOf(req));
            return def ? Answer(200, DefinitionBody(*def), format) : ErrorAnswer(def.error(), format);
        },
        "Open311 service definition");

    router.Add(
        Method::kGet, std::string(kBase) + "/requests/{service_request_id}", AccessRule::Public(),
        [&service](Request& req) -> Result<Response> {
            auto split = SplitFormat(req.path_params.at("service_request_id"));
            if (!split) {
                return BadFormat();
            }
            auto [id_text, format] = *split;
            if (auto ok = CheckParams(req.query, {"jurisdiction_id", "api_key", "locale", "extensions"}); !ok) {
                return ErrorAnswer(ok.error(), format);
            }
            auto ext = Extensions(req);
            if (!ext) {
                return ErrorAnswer(ext.error(), format);
            }
            int64_t id = 0;
            auto [ptr, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
            if (ec != std::errc() || ptr != id_text.data() + id_text.size() || id < 1) {
                return ErrorAnswer(Error{ErrorCode::kNotFound, "service_request_id " + id_text + " was not found",
                                         "service_request_id"},
                                   format);
            }
            auto found = service.GetRequest(Param(req.query, "jurisdiction_id"), id, *ext, LocaleOf(req));
            return found ? Answer(200, RequestsBody({*found}, *ext), format) : ErrorAnswer(found.error(), format);
        },
        "Open311 one service request");

    router.Add(
        Method::kGet, std::string(kBase) + "/tokens/{token}", AccessRule::Public(),
        [&service](Request& req) -> Result<Response> {
            auto split = SplitFormat(req.path_params.at("token"));
            if (!split) {
                return BadFormat();
            }
            auto [token, format] = *split;
            if (auto ok = CheckParams(req.query, kCommonParams); !ok) {
                return ErrorAnswer(ok.error(), format);
            }
            auto found = service.GetToken(Param(req.query, "jurisdiction_id"), token);
            return found ? Answer(200, TokenBody(*found), format) : ErrorAnswer(found.error(), format);
        },
        "Open311 service_request_id from a token");

    // ---- API keys (administrators) ---------------------------------------------------------------
    router.Add(
        Method::kPost, "/api/v1/open311/keys", AccessRule::Roles({Role::kAdmin}),
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            NewApiKey in;
            in.name = r.String("name", true, {1, kMaxKeyNameChars}).value_or("");
            in.community_id = r.Int("community_id", false, 1);
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(auto created, service.CreateKey(req.caller(), in, req.info()));
            auto resp = http::JsonResponse(201, CreatedApiKeyToJson(created));
            resp.AddHeader("Location", "/api/v1/open311/keys/" + std::to_string(created.info.id));
            return resp;
        },
        "Create an Open311 API key (the secret is shown once)");
    router.Add(
        Method::kGet, "/api/v1/open311/keys", AccessRule::Roles({Role::kAdmin}),
        [&service](Request& req) -> Result<Response> {
            http::QueryReader q(req);
            LINLI_TRY(q.Finish());
            LINLI_ASSIGN_OR_RETURN(auto keys, service.ListKeys(req.caller()));
            json::array items;
            for (const auto& k : keys) {
                items.push_back(ApiKeyToJson(k));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "List Open311 API keys");
    router.Add(
        Method::kDelete, "/api/v1/open311/keys/{id}", AccessRule::Roles({Role::kAdmin}),
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(service.RevokeKey(req.caller(), id, req.info()));
            return http::NoContent();
        },
        "Revoke an Open311 API key");
}

}  // namespace linli::open311
