#pragma once
/// The people-facing side of notifications: a user's in-app inbox, and the admin's webhook
/// subscriptions with their delivery history. Producers do not use this: they use Outbox (outbox.hpp).
///
/// Rules: an inbox message belongs to one user; another user's message is kNotFound. Webhooks are
/// admin-only (kForbidden otherwise); every change writes an audit row (webhook.create,
/// webhook.update, webhook.delete, webhook.redeliver) in the same transaction, never with the secret.
/// The secret is answered once, at creation or on rotate_secret; it is stored sealed with the field key
/// (FieldCrypto, like ID numbers and phones: HMAC needs the key itself, so it cannot be hashed).
///
/// Thread safety: every method may be called concurrently.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/field_crypto.hpp"
#include "core/paging.hpp"
#include "modules/notify/model.hpp"
#include "storage/database.hpp"

namespace linli::notify {

class NotifyService {
public:
    /// REQUIRES: `db` is migrated; every argument outlives the service.
    NotifyService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto);

    /// Seals webhook secrets still stored in clear (written before migration 0014) and blanks them.
    /// Returns how many it sealed. Idempotent; the app calls it at start, before the deliverer runs.
    Result<int> SealStoredSecrets();

    // ---- inbox (any authenticated user, their own messages) ----
    Result<Page<InboxMessage>> ListInbox(const Actor& actor, const InboxQuery& query);
    /// Marks one message read (idempotent: the first read_at stays).
    Result<InboxMessage> MarkRead(const Actor& actor, int64_t message_id);
    /// Marks every unread message read; returns how many changed.
    Result<int64_t> MarkAllRead(const Actor& actor);
    Result<int64_t> UnreadCount(const Actor& actor);

    // ---- webhooks (admin) ----
    Result<std::vector<Webhook>> ListWebhooks(const Actor& actor);
    /// 400 name / url (not http(s), credentials in it, too long) / topics (empty, bad pattern).
    Result<WebhookWithSecret> CreateWebhook(const Actor& actor, const NewWebhook& in, const RequestInfo& info);
    Result<WebhookWithSecret> UpdateWebhook(const Actor& actor, int64_t id, const WebhookPatch& patch,
                                            const RequestInfo& info);
    /// Soft delete: the row and its delivery history stay in the database; pending deliveries are cancelled.
    Result<void> DeleteWebhook(const Actor& actor, int64_t id, const RequestInfo& info);
    /// Newest first; `query.after_id` is the cursor.
    Result<Page<WebhookDelivery>> ListDeliveries(const Actor& actor, int64_t webhook_id, const DeliveryQuery& query);
    /// A failed or cancelled delivery is sent again (same delivery id, fresh attempts); 409 otherwise.
    Result<WebhookDelivery> Redeliver(const Actor& actor, int64_t webhook_id, int64_t delivery_id,
                                      const RequestInfo& info);

    /// Checks a webhook URL: absolute http(s) with a host, no user:password, no fragment, ≤ 2000 bytes.
    static Result<void> CheckWebhookUrl(const std::string& url, const std::string& field = "url");

private:
    storage::Database& db_;
    const Clock& clock_;
    const FieldCrypto& crypto_;
};

}  // namespace linli::notify
