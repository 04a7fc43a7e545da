#pragma once
/// The notify module's only SQL: the outbox, inboxes, webhook subscriptions and deliveries.
/// Every function runs on the caller's Conn (read or write transaction as its name implies).
///
/// Claims use a lease (claimed_until): a row is due when its lease is absent or expired, so rows
/// claimed by a process that died are claimed again once the lease runs out. On PostgreSQL the claim
/// also takes FOR UPDATE SKIP LOCKED, so several instances share the work without waiting.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/paging.hpp"
#include "modules/notify/model.hpp"
#include "storage/database.hpp"

namespace linli::notify {

/// An outbox row as the deliverer needs it.
struct OutboxRow {
    int64_t id = 0;
    std::string topic;
    std::vector<int64_t> user_ids;
    bool webhooks = true;
    std::string title;
    std::string body;
    std::string link;
    std::string payload_json;
    int64_t created_at = 0;
    int attempts = 0;  // claims so far, this one included
};

/// A claimed webhook delivery with what sending it needs.
struct DeliveryJob {
    int64_t id = 0;
    std::string delivery_key;
    int attempts = 0;  // this attempt included
    int64_t outbox_id = 0;
    int64_t webhook_id = 0;
    std::string topic;
    std::string title;
    std::string body;
    std::string link;
    std::string payload_json;
    int64_t occurred_at = 0;
    std::string url;
    std::string secret_enc;  // the HMAC key sealed with the field key (FieldCrypto)
    std::string secret;      // the HMAC key in clear: only rows written before migration 0014, until sealed
    bool webhook_usable = true;  // active and not deleted
};

/// A webhook whose HMAC key is still stored in clear (written before migration 0014).
struct PlainSecret {
    int64_t webhook_id = 0;
    std::string secret;
};

/// The webhook fields fan-out needs.
struct WebhookTarget {
    int64_t id = 0;
    std::vector<std::string> topics;
};

// ---- outbox ------------------------------------------------------------------------------------

/// INSERT … ON CONFLICT (dedupe_key) DO NOTHING. REQUIRES: `n` validated.
Result<void> InsertOutbox(storage::Conn& conn, const Notification& n, int64_t now);
/// True when some outbox row or webhook delivery is due: a cheap read that spares the single
/// SQLite writer a claim transaction on every idle poll.
Result<bool> AnyDue(storage::Conn& conn, int64_t now);
/// Claims up to `limit` undelivered rows whose lease is absent or expired (oldest first), leasing
/// them until `lease_until` and counting the attempt.
Result<std::vector<OutboxRow>> ClaimOutbox(storage::Conn& conn, int64_t now, int64_t lease_until, int limit);
/// Inserts `user_id`'s inbox row for outbox row `outbox_id` unless it exists or the user does not.
Result<void> InsertInboxRow(storage::Conn& conn, int64_t outbox_id, int64_t user_id);
/// Active, not deleted subscriptions.
Result<std::vector<WebhookTarget>> ActiveWebhooks(storage::Conn& conn);
/// A pending delivery of `outbox_id` to `webhook_id`, due at `now`, unless one exists.
Result<void> InsertDelivery(storage::Conn& conn, int64_t outbox_id, int64_t webhook_id, const std::string& key,
                            int64_t now);
Result<void> MarkOutboxDelivered(storage::Conn& conn, int64_t outbox_id, int64_t now);
/// After a failed fan-out: keep the row, not before `retry_at`, with the error for operators.
Result<void> DeferOutbox(storage::Conn& conn, int64_t outbox_id, int64_t retry_at, const std::string& error);
/// Deletes up to `limit` outbox rows delivered before `before`, oldest first, with their webhook
/// deliveries. A row stays while one of its deliveries is pending or changed since `before` (a failed
/// delivery can be sent again for that long), and the newest outbox row always stays, so SQLite never
/// hands its id out again (inbox rows, which outlive the outbox row, are unique per outbox id).
/// Returns how many outbox rows were deleted.
Result<int64_t> PruneOutbox(storage::Conn& conn, int64_t before, int limit);

// ---- webhook deliveries --------------------------------------------------------------------------

/// Claims up to `limit` pending deliveries due at `now` (lease absent or expired), counting the attempt.
Result<std::vector<DeliveryJob>> ClaimDeliveries(storage::Conn& conn, int64_t now, int64_t lease_until, int limit);
/// Records an attempt's outcome: `state` delivered (delivered_at = now), failed, or pending again
/// at `next_attempt_at`. Only a pending row changes.
Result<void> RecordAttempt(storage::Conn& conn, int64_t delivery_id, DeliveryState state,
                           std::optional<int> http_status, const std::string& error, int64_t next_attempt_at,
                           int64_t now);
Result<Page<WebhookDelivery>> ListDeliveries(storage::Conn& conn, int64_t webhook_id, const DeliveryQuery& query);
Result<WebhookDelivery> GetDelivery(storage::Conn& conn, int64_t webhook_id, int64_t delivery_id);
/// A failed or cancelled delivery back to pending, due now, with a fresh attempt budget.
Result<bool> RequeueDelivery(storage::Conn& conn, int64_t webhook_id, int64_t delivery_id, int64_t now);

// ---- inbox ---------------------------------------------------------------------------------------

Result<Page<InboxMessage>> ListInbox(storage::Conn& conn, int64_t user_id, const InboxQuery& query);
/// kNotFound when the message is not `user_id`'s. Reading twice keeps the first read_at.
Result<InboxMessage> MarkRead(storage::Conn& conn, int64_t user_id, int64_t message_id, int64_t now);
Result<int64_t> MarkAllRead(storage::Conn& conn, int64_t user_id, int64_t now);
Result<int64_t> CountUnread(storage::Conn& conn, int64_t user_id);

// ---- webhook subscriptions -----------------------------------------------------------------------

/// `secret_enc`: the HMAC key sealed with the field key; the key itself is never stored in clear.
Result<Webhook> InsertWebhook(storage::Conn& conn, const NewWebhook& in, const std::string& secret_enc,
                              std::optional<int64_t> created_by, int64_t now);
/// kNotFound for a missing or deleted subscription.
Result<Webhook> GetWebhook(storage::Conn& conn, int64_t id);
Result<std::vector<Webhook>> ListWebhooks(storage::Conn& conn);
/// Writes every field of `w` (name, url, topics, active) and, when given, a new sealed secret.
Result<Webhook> UpdateWebhook(storage::Conn& conn, const Webhook& w, const std::optional<std::string>& new_secret_enc,
                              int64_t now);
/// Webhooks (deleted ones too) whose key is still in clear, at most `limit`.
Result<std::vector<PlainSecret>> ListPlainSecrets(storage::Conn& conn, int limit);
/// Stores the sealed key and blanks the clear one.
Result<void> SealSecret(storage::Conn& conn, int64_t webhook_id, const std::string& secret_enc);
/// Soft delete (history stays); its pending deliveries become cancelled.
Result<void> DeleteWebhook(storage::Conn& conn, int64_t id, int64_t now);

}  // namespace linli::notify
