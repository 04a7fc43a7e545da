#include "modules/devices/routes.hpp"

#include <boost/json.hpp>
#include <string>

#include "http/json_io.hpp"

namespace linli::devices {

namespace {

namespace json = boost::json;
using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

constexpr const char* kDevices = "/api/v1/devices";

template <class T>
json::value Opt(const std::optional<T>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

json::object DeviceToJson(const Device& d) {
    return json::object{{"id", d.id},
                        {"name", d.name},
                        {"kind", KindName(d.kind)},
                        {"place_id", d.place_id},
                        {"place_name", d.place_name},
                        {"category_id", d.category_id},
                        {"secret_prefix", d.secret_prefix},
                        {"created_by", Opt(d.created_by)},
                        {"created_at", d.created_at},
                        {"last_alarm_at", Opt(d.last_alarm_at)},
                        {"last_order_id", Opt(d.last_order_id)},
                        {"alarm_count", d.alarm_count},
                        {"alarm_url", "/api/v1/hooks/devices/" + std::to_string(d.id) + "/alarms"}};
}

/// The alarm's JSON body, strictly (an unknown field is 400 naming it); an empty body is an alarm
/// with nothing more to say.
Result<AlarmReport> ReadAlarm(const Request& req) {
    AlarmReport out;
    if (req.body.empty()) {
        return out;
    }
    LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
    out.event = r.String("event", false, {0, kMaxAlarmEventChars}).value_or("");
    out.message = r.String("message", false, {0, kMaxAlarmMessageChars, true}).value_or("");
    out.alarm_id = r.String("alarm_id", false, {0, kMaxAlarmIdChars}).value_or("");
    LINLI_TRY(r.Finish());
    return out;
}

}  // namespace

void RegisterRoutes(http::Router& router, DeviceService& service) {
    const auto admin = AccessRule::Roles({Role::kAdmin});

    router.Add(
        Method::kPost, kDevices, admin,
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            NewDevice in;
            in.name = r.String("name", true, {1, kMaxDeviceNameChars}).value_or("");
            auto kind = r.String("kind", true, {1, 40});
            in.place_id = r.Int("place_id", true, 1).value_or(0);
            in.category_id = r.Int("category_id", false, 1);
            in.category_code = r.String("category_code", false, {1, 40});
            LINLI_TRY(r.Finish());
            auto parsed = orders::Lookup(kDeviceKinds, kind.value_or(""));
            if (!parsed) {
                return InvalidArgument("kind", "kind must be one of: " + orders::NameList(kDeviceKinds));
            }
            in.kind = *parsed;
            LINLI_ASSIGN_OR_RETURN(auto registered, service.Register(req.caller(), in, req.info()));
            json::object body = DeviceToJson(registered.device);
            body["secret"] = registered.secret;  // the only time it is shown
            auto response = http::JsonResponse(201, body);
            response.AddHeader("Location", std::string(kDevices) + "/" + std::to_string(registered.device.id));
            response.AddHeader("Cache-Control", "no-store");
            return response;
        },
        "Register a device that posts alarms; answers its signing secret once");

    router.Add(
        Method::kGet, kDevices, admin,
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto list, service.List(req.caller()));
            json::array items;
            for (const auto& d : list) {
                items.push_back(DeviceToJson(d));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "List registered devices");

    router.Add(
        Method::kGet, std::string(kDevices) + "/{id}", admin,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto d, service.Get(req.caller(), id));
            return http::JsonResponse(200, DeviceToJson(d));
        },
        "Get a registered device");

    router.Add(
        Method::kDelete, std::string(kDevices) + "/{id}", admin,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_TRY(service.Remove(req.caller(), id, req.info()));
            return http::NoContent();
        },
        "Remove a device; its alarms are refused from then on");

    router.Add(
        Method::kPost, "/api/v1/hooks/devices/{id}/alarms", AccessRule::Public(),
        [&service](Request& req) -> Result<Response> {
            // A malformed id is an unknown device: the same 401 as any other unknown one.
            auto id = req.PathId("id");
            if (!id) {
                return Error{ErrorCode::kUnauthenticated, "unknown or removed device", "device_id"};
            }
            LINLI_TRY(http::QueryReader(req).Finish());
            const std::string_view timestamp = req.Header("x-linli-timestamp").value_or("");
            const std::string_view signature = req.Header("x-linli-signature").value_or("");
            // The signature is checked over the raw bytes before anything parses them.
            LINLI_ASSIGN_OR_RETURN(auto device, service.Authenticate(*id, timestamp, signature, req.body));
            LINLI_ASSIGN_OR_RETURN(auto report, ReadAlarm(req));
            LINLI_ASSIGN_OR_RETURN(auto outcome, service.Raise(device, signature, report, req.info()));
            return http::JsonResponse(outcome.deduplicated ? 200 : 201,
                                      json::object{{"order_id", outcome.order_id},
                                                   {"tracking_code", outcome.tracking_code},
                                                   {"deduplicated", outcome.deduplicated}});
        },
        "A device posts an alarm, signed with its secret (HMAC-SHA256); it becomes a hazard order");
}

}  // namespace linli::devices
