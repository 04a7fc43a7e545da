#include "modules/notify/json.hpp"

#include <boost/json.hpp>

#include "modules/notify/repository.hpp"

namespace linli::notify {

namespace json = boost::json;

namespace {

constexpr size_t kMaxPayloadBytes = 64 * 1024;

Result<json::value> ParseStrict(std::string_view text) {
    json::parse_options options;
    options.max_depth = 32;
    boost::system::error_code ec;
    json::value v = json::parse(text, ec, json::storage_ptr(), options);
    if (ec) {
        return InvalidArgument("", ec.message());
    }
    return v;
}

}  // namespace

std::string IdsToJson(const std::vector<int64_t>& ids) {
    json::array a;
    for (int64_t id : ids) {
        a.push_back(id);
    }
    return json::serialize(a);
}

Result<std::vector<int64_t>> IdsFromJson(std::string_view text) {
    auto v = ParseStrict(text);
    if (!v || !v->is_array()) {
        return Internal("outbox recipients are not a JSON array");
    }
    std::vector<int64_t> out;
    for (const auto& e : v->get_array()) {
        if (!e.is_int64()) {
            return Internal("outbox recipients hold a non-integer");
        }
        out.push_back(e.get_int64());
    }
    return out;
}

std::string TopicsToJson(const std::vector<std::string>& topics) {
    json::array a;
    for (const auto& t : topics) {
        a.emplace_back(t);
    }
    return json::serialize(a);
}

Result<std::vector<std::string>> TopicsFromJson(std::string_view text) {
    auto v = ParseStrict(text);
    if (!v || !v->is_array()) {
        return Internal("webhook topics are not a JSON array");
    }
    std::vector<std::string> out;
    for (const auto& e : v->get_array()) {
        if (!e.is_string()) {
            return Internal("webhook topics hold a non-string");
        }
        out.emplace_back(e.get_string());
    }
    return out;
}

Result<std::string> NormalizePayload(std::string_view payload_json, const std::string& field) {
    if (payload_json.empty()) {
        return std::string("{}");
    }
    if (payload_json.size() > kMaxPayloadBytes) {
        return InvalidArgument(field, "payload must be at most 64 KiB");
    }
    auto v = ParseStrict(payload_json);
    if (!v) {
        return InvalidArgument(field, "payload is not valid JSON: " + v.error().message);
    }
    if (!v->is_object()) {
        return InvalidArgument(field, "payload must be a JSON object");
    }
    return json::serialize(*v);
}

std::string WebhookBody(const DeliveryJob& job) {
    json::object o;
    o["id"] = job.delivery_key;
    o["topic"] = job.topic;
    o["occurred_at"] = job.occurred_at;
    o["title"] = job.title;
    o["body"] = job.body;
    o["link"] = job.link;
    auto data = ParseStrict(job.payload_json);
    o["data"] = data && data->is_object() ? std::move(*data) : json::value(json::object{});
    return json::serialize(o);
}

}  // namespace linli::notify
