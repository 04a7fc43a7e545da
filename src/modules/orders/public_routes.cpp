#include "modules/orders/public_routes.hpp"

#include <boost/json.hpp>
#include <string>

#include "http/json_io.hpp"
#include "modules/orders/json.hpp"

namespace linli::orders {

namespace {

namespace json = boost::json;
using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

Response Throttled(const Throttle& t) {
    auto response = http::ErrorResponse(Error{ErrorCode::kTooManyRequests, t.message, t.field});
    response.AddHeader("Retry-After", std::to_string(t.retry_after_seconds));
    return response;
}

template <class T>
json::value Opt(const std::optional<T>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

json::value FormToJson(const ReportForm& form) {
    json::array categories;
    for (const auto& c : form.categories) {
        categories.push_back(
            json::object{{"id", c.id}, {"code", c.code}, {"name_zh", c.name_zh}, {"name_en", c.name_en}});
    }
    return json::object{{"building", json::object{{"id", form.building_id}, {"name", form.building_name}}},
                        {"community_name", form.community_name},
                        {"categories", std::move(categories)}};
}

/// The report form's fields (the same body signed in or not), strictly.
Result<PublicReport> ReadReport(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
    PublicReport in;
    in.building_token = r.String("building_token", true, {1, kMaxBuildingTokenChars}).value_or("");
    in.category_id = r.Int("category_id", true, 1).value_or(0);
    in.description = r.String("description", true, {1, kMaxDescriptionChars, true}).value_or("");
    in.phone = r.String("phone", true, {1, 40}).value_or("");
    in.name = r.String("name", false, {0, kMaxReporterNameChars});
    in.room = r.String("room", false, {0, kMaxAddressChars});
    LINLI_TRY(r.Finish());
    return in;
}

Response ReceiptResponse(const ReportReceipt& receipt) {
    auto response = http::JsonResponse(201, json::object{{"tracking_code", receipt.tracking_code},
                                                         {"track_url", receipt.track_url},
                                                         {"created_at", receipt.created_at}});
    response.AddHeader("Location", "/api/v1/track/" + receipt.tracking_code);
    return response;
}

/// The rating's body; `with_phone` for the public route, where the phone proves the reporter.
Result<RatingInput> ReadRating(const Request& req, bool with_phone) {
    LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
    RatingInput in;
    in.score = r.Int("score", true, 1, 5).value_or(0);
    in.comment = r.String("comment", false, {0, 500, true}).value_or("");
    if (with_phone) {
        in.phone = r.String("phone", true, {1, 40}).value_or("");
    }
    LINLI_TRY(r.Finish());
    return in;
}

Response RatedResponse(const RatingOutcome& outcome) {
    return http::JsonResponse(201, json::object{{"score", outcome.score},
                                                {"rated_at", outcome.rated_at},
                                                {"reopened", outcome.reopened},
                                                {"closed", outcome.closed}});
}

std::string PathText(const Request& req, const char* name) {
    const auto found = req.path_params.find(name);
    return found == req.path_params.end() ? "" : found->second;
}

json::value TrackToJson(const TrackView& t) {
    json::value out = PublicViewToJson(t.view);
    auto& o = out.as_object();
    o["reporter_phone"] = Opt(t.reporter_phone_masked);
    o["rating"] = json::object{{"open", t.rating.open},
                               {"closes_at", Opt(t.rating.closes_at)},
                               {"score", Opt(t.rating.score)},
                               {"rated_at", Opt(t.rating.rated_at)}};
    o["track_url"] = t.track_url;
    return out;
}

}  // namespace

void RegisterPublicRoutes(http::Router& router, PublicService& service) {
    router.Add(
        Method::kGet, "/api/v1/buildings/{id}/qr",
        AccessRule::Roles(
            {Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker, Role::kBuildingHead}),
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto qr, service.QrFor(req.caller(), id));
            return http::JsonResponse(200, json::object{{"building_id", qr.building_id},
                                                        {"building_name", qr.building_name},
                                                        {"token", qr.token},
                                                        {"url", qr.url}});
        },
        "A building's QR token and report URL, for its board");

    router.Add(
        Method::kGet, "/api/v1/public/buildings/{token}", AccessRule::Public(),
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            auto token = req.path_params.find("token");
            LINLI_ASSIGN_OR_RETURN(auto form, service.Form(token == req.path_params.end() ? "" : token->second));
            return http::JsonResponse(200, FormToJson(form));
        },
        "The building a QR token names and the categories to report under (no login)");

    router.Add(
        Method::kPost, "/api/v1/public/reports", AccessRule::Public(),
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto in, ReadReport(req));
            if (auto throttle = service.AdmitAddress(req.remote_addr)) {
                return Throttled(*throttle);
            }
            LINLI_ASSIGN_OR_RETURN(auto report, service.Validate(in));
            if (auto throttle = service.AdmitPhone(report)) {
                return Throttled(*throttle);
            }
            LINLI_ASSIGN_OR_RETURN(auto receipt, service.File(report, req.info()));
            return ReceiptResponse(receipt);
        },
        "Report a problem from a building's QR code (no login; rate-limited)");

    // A resident with an account reports signed in, and rates signed in without the phone (ADR 0006).
    const auto resident = AccessRule::Roles({Role::kResident});
    router.Add(
        Method::kPost, "/api/v1/my/reports", resident,
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto in, ReadReport(req));
            if (auto throttle = service.AdmitAddress(req.remote_addr)) {
                return Throttled(*throttle);
            }
            LINLI_ASSIGN_OR_RETURN(auto report, service.Validate(in));
            if (auto throttle = service.AdmitPhone(report)) {
                return Throttled(*throttle);
            }
            LINLI_ASSIGN_OR_RETURN(auto receipt, service.FileAs(req.caller(), report, req.info()));
            return ReceiptResponse(receipt);
        },
        "A signed-in resident reports a problem from a building's QR code (rate-limited as the public report)");

    router.Add(
        Method::kPost, "/api/v1/my/reports/{code}/rating", resident,
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            const std::string code = PathText(req, "code");
            LINLI_ASSIGN_OR_RETURN(auto in, ReadRating(req, false));
            if (auto throttle = service.AdmitRating(req.remote_addr, code)) {
                return Throttled(*throttle);
            }
            LINLI_ASSIGN_OR_RETURN(auto outcome, service.RateAs(req.caller(), code, in, req.info()));
            return RatedResponse(outcome);
        },
        "The signed-in resident who reported an order rates the answer 1-5 within 7 days");

    router.Add(
        Method::kGet, "/api/v1/track/{code}", AccessRule::Public(),
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            auto code = req.path_params.find("code");
            LINLI_ASSIGN_OR_RETURN(auto view, service.Track(code == req.path_params.end() ? "" : code->second));
            return http::JsonResponse(200, TrackToJson(view));
        },
        "Track a work order by its tracking code: public timeline, answer, rating (no login)");

    router.Add(
        Method::kPost, "/api/v1/track/{code}/rating", AccessRule::Public(),
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            const std::string code = PathText(req, "code");
            LINLI_ASSIGN_OR_RETURN(auto in, ReadRating(req, true));
            if (auto throttle = service.AdmitRating(req.remote_addr, code)) {
                return Throttled(*throttle);
            }
            LINLI_ASSIGN_OR_RETURN(auto outcome, service.Rate(code, in, req.info()));
            return RatedResponse(outcome);
        },
        "The reporter rates the answer 1-5 within 7 days (tracking code + phone; no login; rate-limited)");
}

}  // namespace linli::orders
