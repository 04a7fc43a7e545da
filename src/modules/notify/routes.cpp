#include "modules/notify/routes.hpp"

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/json_io.hpp"

namespace linli::notify {

namespace {

namespace json = boost::json;
using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

json::value OptInt(const std::optional<int64_t>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

json::object ToJson(const InboxMessage& m) {
    return json::object{{"id", m.id},
                        {"topic", m.topic},
                        {"title", m.title},
                        {"body", m.body},
                        {"link", m.link},
                        {"created_at", m.created_at},
                        {"read_at", OptInt(m.read_at)},
                        {"unread", !m.read_at.has_value()}};
}

json::object ToJson(const Webhook& w) {
    json::array topics;
    for (const auto& t : w.topics) {
        topics.emplace_back(t);
    }
    return json::object{{"id", w.id},
                        {"name", w.name},
                        {"url", w.url},
                        {"topics", std::move(topics)},
                        {"active", w.active},
                        {"created_by", OptInt(w.created_by)},
                        {"created_at", w.created_at},
                        {"updated_at", w.updated_at}};
}

json::object ToJson(const WebhookWithSecret& w) {
    json::object o = ToJson(w.webhook);
    if (w.secret) {
        o["secret"] = *w.secret;  // shown this once; only its holder can verify signatures
    }
    return o;
}

json::object ToJson(const WebhookDelivery& d) {
    const bool pending = d.state == DeliveryState::kPending;
    return json::object{{"id", d.id},
                        {"delivery_id", d.delivery_key},
                        {"outbox_id", d.outbox_id},
                        {"topic", d.topic},
                        {"state", DeliveryStateName(d.state)},
                        {"attempts", d.attempts},
                        {"next_attempt_at", pending ? json::value(d.next_attempt_at) : json::value(nullptr)},
                        {"last_status", d.last_status ? json::value(*d.last_status) : json::value(nullptr)},
                        {"last_error", d.last_error},
                        {"created_at", d.created_at},
                        {"updated_at", d.updated_at},
                        {"delivered_at", OptInt(d.delivered_at)}};
}

template <class T>
Response PageResponse(const Page<T>& page) {
    json::array items;
    for (const auto& item : page.items) {
        items.push_back(ToJson(item));
    }
    return http::JsonResponse(
        200, json::object{{"items", std::move(items)},
                          {"next_cursor", page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr)}});
}

/// A webhook body: the strict reader takes the scalar fields; "topics" (an array of strings, which
/// the reader has no accessor for) is taken out here first and checked element by element.
struct WebhookBody {
    http::JsonObjectReader reader;
    std::optional<std::vector<std::string>> topics;
};

Result<WebhookBody> ReadWebhookBody(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto checked, http::JsonObjectReader::FromRequest(req));  // 415 / 400 body first
    (void)checked;
    json::object obj = json::parse(req.body).as_object();  // valid: the reader parsed it
    std::optional<std::vector<std::string>> topics;
    if (auto* v = obj.if_contains("topics"); v != nullptr && !v->is_null()) {
        if (!v->is_array()) {
            return InvalidArgument("topics", "must be an array of strings");
        }
        topics.emplace();
        for (const auto& e : v->get_array()) {
            if (!e.is_string()) {
                return InvalidArgument("topics", "must be an array of strings");
            }
            topics->emplace_back(e.get_string());
        }
    }
    obj.erase("topics");
    LINLI_ASSIGN_OR_RETURN(auto reader, http::JsonObjectReader::FromText(json::serialize(obj)));
    return WebhookBody{std::move(reader), std::move(topics)};
}

}  // namespace

void RegisterRoutes(http::Router& router, NotifyService& service) {
    const std::string inbox = "/api/v1/inbox";
    const std::string hooks = "/api/v1/webhooks";
    const auto admin = AccessRule::Roles({Role::kAdmin});

    router.Add(
        Method::kGet, inbox, AccessRule::AnyUser(),
        [&service](Request& req) -> Result<Response> {
            http::QueryReader reader(req);
            InboxQuery q;
            if (auto unread = reader.Enum("unread_only", {"true", "false"})) {
                q.unread_only = *unread == "true";
            }
            q.cursor = reader.String("cursor", {1, 1024});
            if (auto limit = reader.Int("limit", 1, kMaxPageSize)) {
                q.limit = static_cast<int>(*limit);
            }
            LINLI_TRY(reader.Finish());
            LINLI_ASSIGN_OR_RETURN(auto page, service.ListInbox(req.caller(), q));
            return PageResponse(page);
        },
        "The caller's inbox: unread first, then newest");

    router.Add(
        Method::kGet, inbox + "/unread-count", AccessRule::AnyUser(),
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto n, service.UnreadCount(req.caller()));
            return http::JsonResponse(200, json::object{{"unread", n}});
        },
        "How many of the caller's messages are unread");

    router.Add(
        Method::kPost, inbox + "/{id}/read", AccessRule::AnyUser(),
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto m, service.MarkRead(req.caller(), id));
            return http::JsonResponse(200, ToJson(m));
        },
        "Mark one of the caller's messages read");

    router.Add(
        Method::kPost, inbox + "/read-all", AccessRule::AnyUser(),
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto n, service.MarkAllRead(req.caller()));
            return http::JsonResponse(200, json::object{{"marked", n}});
        },
        "Mark all of the caller's messages read");

    router.Add(
        Method::kGet, hooks, admin,
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto list, service.ListWebhooks(req.caller()));
            json::array items;
            for (const auto& w : list) {
                items.push_back(ToJson(w));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "List webhook subscriptions (admin)");

    router.Add(
        Method::kPost, hooks, admin,
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto body, ReadWebhookBody(req));
            NewWebhook in;
            in.name = body.reader.String("name", true, {1, 100}).value_or("");
            in.url = body.reader.String("url", true, {1, 2000}).value_or("");
            in.active = body.reader.Bool("active", false).value_or(true);
            LINLI_TRY(body.reader.Finish());
            if (!body.topics) {
                return InvalidArgument("topics", "is required, e.g. [\"order.*\"] or [\"*\"]");
            }
            in.topics = *body.topics;
            LINLI_ASSIGN_OR_RETURN(auto created, service.CreateWebhook(req.caller(), in, req.info()));
            return http::JsonResponse(201, ToJson(created));
        },
        "Create a webhook subscription; its secret is answered this once (admin)");

    router.Add(
        Method::kPatch, hooks + "/{id}", admin,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto body, ReadWebhookBody(req));
            WebhookPatch patch;
            patch.name = body.reader.String("name", false, {1, 100});
            patch.url = body.reader.String("url", false, {1, 2000});
            patch.active = body.reader.Bool("active", false);
            patch.rotate_secret = body.reader.Bool("rotate_secret", false).value_or(false);
            LINLI_TRY(body.reader.Finish());
            patch.topics = body.topics;
            LINLI_ASSIGN_OR_RETURN(auto updated, service.UpdateWebhook(req.caller(), id, patch, req.info()));
            return http::JsonResponse(200, ToJson(updated));
        },
        "Change, pause or re-key a webhook subscription (admin)");

    router.Add(
        Method::kDelete, hooks + "/{id}", admin,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_TRY(service.DeleteWebhook(req.caller(), id, req.info()));
            return http::NoContent();
        },
        "Delete a webhook subscription; pending deliveries are cancelled (admin)");

    router.Add(
        Method::kGet, hooks + "/{id}/deliveries", admin,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            http::QueryReader reader(req);
            DeliveryQuery q;
            if (auto state = reader.Enum("state", {"pending", "delivered", "failed", "cancelled"})) {
                q.state = ParseDeliveryState(*state);
            }
            q.after_id = reader.Int("cursor", 1);
            if (auto limit = reader.Int("limit", 1, kMaxPageSize)) {
                q.limit = static_cast<int>(*limit);
            }
            LINLI_TRY(reader.Finish());
            LINLI_ASSIGN_OR_RETURN(auto page, service.ListDeliveries(req.caller(), id, q));
            return PageResponse(page);
        },
        "A webhook's recent deliveries and failures, newest first (admin)");

    router.Add(
        Method::kPost, hooks + "/{id}/deliveries/{delivery_id}/redeliver", admin,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_ASSIGN_OR_RETURN(auto delivery_id, req.PathId("delivery_id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto d, service.Redeliver(req.caller(), id, delivery_id, req.info()));
            return http::JsonResponse(200, ToJson(d));
        },
        "Send a failed or cancelled delivery again with the same delivery id (admin)");
}

}  // namespace linli::notify
