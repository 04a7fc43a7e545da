#include "modules/notify/service.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <string>
#include <utility>

#include "core/text.hpp"
#include "modules/accounts/audit.hpp"
#include "modules/notify/repository.hpp"
#include "modules/notify/signature.hpp"

namespace linli::notify {

using storage::Conn;

namespace {

constexpr size_t kMaxUrlBytes = 2000;
constexpr size_t kMaxNameChars = 100;
constexpr size_t kMaxTopics = 50;

Result<void> RequireAdmin(const Actor& actor) {
    if (!actor.Is(Role::kAdmin)) {
        return Forbidden("only an admin manages webhooks");
    }
    return {};
}

Result<std::string> CheckName(const std::string& name) {
    std::string trimmed = text::Trim(name);
    if (trimmed.empty() || !text::IsValidUtf8(trimmed) || text::CodePointCount(trimmed) > kMaxNameChars) {
        return InvalidArgument("name", "name must be 1..100 characters");
    }
    return trimmed;
}

Result<std::vector<std::string>> CheckTopics(std::vector<std::string> topics) {
    if (topics.empty() || topics.size() > kMaxTopics) {
        return InvalidArgument("topics", "topics must list 1..50 patterns, e.g. [\"order.*\"] or [\"*\"]");
    }
    for (const auto& t : topics) {
        if (!IsValidTopicPattern(t)) {
            return InvalidArgument("topics", "'" + t + "' is not a topic pattern (order.dispatched, order.*, *)");
        }
    }
    std::sort(topics.begin(), topics.end());
    topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
    return topics;
}

std::string Detail(const Webhook& w, bool rotated) {
    boost::json::array topics;
    for (const auto& t : w.topics) {
        topics.emplace_back(t);
    }
    boost::json::object o{{"name", w.name}, {"url", w.url}, {"topics", std::move(topics)}, {"active", w.active}};
    if (rotated) {
        o["secret_rotated"] = true;
    }
    return boost::json::serialize(o);
}

}  // namespace

NotifyService::NotifyService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto)
    : db_(db), clock_(clock), crypto_(crypto) {}

Result<int> NotifyService::SealStoredSecrets() {
    constexpr int kBatch = 100;
    int sealed = 0;
    for (;;) {
        LINLI_ASSIGN_OR_RETURN(auto plain, db_.Read([](Conn& c) { return ListPlainSecrets(c, kBatch); }));
        if (plain.empty()) {
            return sealed;
        }
        LINLI_TRY(db_.Write([&](Conn& c) -> Result<void> {
            for (const auto& p : plain) {
                LINLI_TRY(SealSecret(c, p.webhook_id, crypto_.Encrypt(p.secret)));
            }
            return {};
        }));
        sealed += static_cast<int>(plain.size());
    }
}

// ---- inbox ---------------------------------------------------------------------------------------

Result<Page<InboxMessage>> NotifyService::ListInbox(const Actor& actor, const InboxQuery& query) {
    InboxQuery q = query;
    q.limit = std::clamp(q.limit, 1, kMaxPageSize);
    return db_.Read([&](Conn& c) { return notify::ListInbox(c, actor.user_id, q); });
}

Result<InboxMessage> NotifyService::MarkRead(const Actor& actor, int64_t message_id) {
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& c) { return notify::MarkRead(c, actor.user_id, message_id, now); });
}

Result<int64_t> NotifyService::MarkAllRead(const Actor& actor) {
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& c) { return notify::MarkAllRead(c, actor.user_id, now); });
}

Result<int64_t> NotifyService::UnreadCount(const Actor& actor) {
    return db_.Read([&](Conn& c) { return CountUnread(c, actor.user_id); });
}

// ---- webhooks ------------------------------------------------------------------------------------

Result<void> NotifyService::CheckWebhookUrl(const std::string& url, const std::string& field) {
    if (url.size() > kMaxUrlBytes) {
        return InvalidArgument(field, "url must be at most 2000 bytes");
    }
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) {
        return InvalidArgument(field, "url must be an absolute http:// or https:// URL");
    }
    if (parsed->scheme_id() != boost::urls::scheme::http && parsed->scheme_id() != boost::urls::scheme::https) {
        return InvalidArgument(field, "url must use http or https");
    }
    if (!parsed->has_authority() || parsed->host().empty()) {
        return InvalidArgument(field, "url must name a host");
    }
    if (parsed->has_userinfo()) {
        // Lists show the URL; credentials belong in the receiver's check of our signature instead.
        return InvalidArgument(field, "url must not contain a user name or password");
    }
    if (parsed->has_fragment()) {
        return InvalidArgument(field, "url must not contain a #fragment");
    }
    return {};
}

Result<std::vector<Webhook>> NotifyService::ListWebhooks(const Actor& actor) {
    LINLI_TRY(RequireAdmin(actor));
    return db_.Read([](Conn& c) { return notify::ListWebhooks(c); });
}

Result<WebhookWithSecret> NotifyService::CreateWebhook(const Actor& actor, const NewWebhook& in,
                                                       const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    NewWebhook w = in;
    LINLI_ASSIGN_OR_RETURN(w.name, CheckName(in.name));
    LINLI_TRY(CheckWebhookUrl(in.url));
    LINLI_ASSIGN_OR_RETURN(w.topics, CheckTopics(in.topics));
    const std::string secret = NewWebhookSecret();
    const int64_t now = clock_.Now();
    std::optional<int64_t> created_by;
    if (actor.user_id > 0) {
        created_by = actor.user_id;
    }
    return db_.Write([&](Conn& c) -> Result<WebhookWithSecret> {
        LINLI_ASSIGN_OR_RETURN(Webhook created, InsertWebhook(c, w, crypto_.Encrypt(secret), created_by, now));
        LINLI_TRY(accounts::RecordAudit(
            c, accounts::MakeAudit(actor, info, now, "webhook.create", "webhook", created.id, Detail(created, false))));
        return WebhookWithSecret{std::move(created), secret};
    });
}

Result<WebhookWithSecret> NotifyService::UpdateWebhook(const Actor& actor, int64_t id, const WebhookPatch& patch,
                                                       const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    std::optional<std::string> name;
    if (patch.name) {
        LINLI_ASSIGN_OR_RETURN(name, CheckName(*patch.name));
    }
    if (patch.url) {
        LINLI_TRY(CheckWebhookUrl(*patch.url));
    }
    std::optional<std::vector<std::string>> topics;
    if (patch.topics) {
        LINLI_ASSIGN_OR_RETURN(topics, CheckTopics(*patch.topics));
    }
    std::optional<std::string> secret;
    if (patch.rotate_secret) {
        secret = NewWebhookSecret();
    }
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& c) -> Result<WebhookWithSecret> {
        LINLI_ASSIGN_OR_RETURN(Webhook w, GetWebhook(c, id));
        if (name) {
            w.name = *name;
        }
        if (patch.url) {
            w.url = *patch.url;
        }
        if (topics) {
            w.topics = *topics;
        }
        if (patch.active) {
            w.active = *patch.active;
        }
        std::optional<std::string> sealed;
        if (secret) {
            sealed = crypto_.Encrypt(*secret);
        }
        LINLI_ASSIGN_OR_RETURN(Webhook updated, notify::UpdateWebhook(c, w, sealed, now));
        LINLI_TRY(accounts::RecordAudit(c, accounts::MakeAudit(actor, info, now, "webhook.update", "webhook", id,
                                                               Detail(updated, secret.has_value()))));
        return WebhookWithSecret{std::move(updated), secret};
    });
}

Result<void> NotifyService::DeleteWebhook(const Actor& actor, int64_t id, const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& c) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(Webhook w, GetWebhook(c, id));
        LINLI_TRY(notify::DeleteWebhook(c, id, now));
        return accounts::RecordAudit(
            c, accounts::MakeAudit(actor, info, now, "webhook.delete", "webhook", id, Detail(w, false)));
    });
}

Result<Page<WebhookDelivery>> NotifyService::ListDeliveries(const Actor& actor, int64_t webhook_id,
                                                            const DeliveryQuery& query) {
    LINLI_TRY(RequireAdmin(actor));
    DeliveryQuery q = query;
    q.limit = std::clamp(q.limit, 1, kMaxPageSize);
    return db_.Read([&](Conn& c) -> Result<Page<WebhookDelivery>> {
        // A deleted subscription's history is not listed: 404 like any missing webhook.
        LINLI_TRY(GetWebhook(c, webhook_id));
        return notify::ListDeliveries(c, webhook_id, q);
    });
}

Result<WebhookDelivery> NotifyService::Redeliver(const Actor& actor, int64_t webhook_id, int64_t delivery_id,
                                                 const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& c) -> Result<WebhookDelivery> {
        LINLI_TRY(GetWebhook(c, webhook_id));
        LINLI_ASSIGN_OR_RETURN(WebhookDelivery before, GetDelivery(c, webhook_id, delivery_id));
        LINLI_ASSIGN_OR_RETURN(bool requeued, RequeueDelivery(c, webhook_id, delivery_id, now));
        if (!requeued) {
            return Conflict("only a failed or cancelled delivery can be sent again; this one is " +
                                std::string(DeliveryStateName(before.state)),
                            "state");
        }
        boost::json::object detail{{"delivery_id", before.delivery_key},
                                   {"previous_state", DeliveryStateName(before.state)}};
        LINLI_TRY(accounts::RecordAudit(c, accounts::MakeAudit(actor, info, now, "webhook.redeliver", "webhook",
                                                               webhook_id, boost::json::serialize(detail))));
        return GetDelivery(c, webhook_id, delivery_id);
    });
}

}  // namespace linli::notify
