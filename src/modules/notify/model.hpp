#pragma once
/// Notifications (issue 4 §8) as plain data: what a producer enqueues, what lands in a user's
/// inbox, webhook subscriptions and their per-notification deliveries.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/paging.hpp"

namespace linli::notify {

/// What a producer (orders, …) enqueues inside its own write transaction. See outbox.hpp.
struct Notification {
    /// What happened, dotted lower-case: "order.dispatched", "order.overdue". Webhook
    /// subscriptions select by it; 1..100 of [a-z0-9_.-].
    std::string topic;
    /// In-app inbox recipients (users.id). Unknown ids are skipped at delivery; duplicates collapse.
    std::vector<int64_t> user_ids;
    /// Also fan out to every active webhook subscription whose topics match (SMS/WeChat gateways
    /// are webhook subscribers).
    bool webhooks = true;
    /// Shown in the inbox; Chinese for people. title 1..200 characters, body up to 2000.
    std::string title;
    std::string body;
    /// Where the console takes the reader, e.g. "/orders/123" (may be empty; at most 500 bytes).
    std::string link;
    /// A JSON object (as text) sent to webhooks as "data"; "" means {}. Never put ID numbers or
    /// phones in clear here: receivers are outside the system.
    std::string payload_json;
    /// Unique per notification, e.g. "order:123:dispatched:7" (the event id). Enqueueing the same
    /// key again is a no-op, so a retried producer can't notify twice. 1..200 bytes.
    std::string dedupe_key;
};

/// One message in one user's in-app inbox.
struct InboxMessage {
    int64_t id = 0;
    int64_t user_id = 0;
    std::string topic;
    std::string title;
    std::string body;
    std::string link;
    int64_t created_at = 0;
    std::optional<int64_t> read_at;  // none while unread
};

/// GET /api/v1/inbox: unread first, then newest first, keyset paged.
struct InboxQuery {
    bool unread_only = false;
    std::optional<std::string> cursor;
    int limit = kDefaultPageSize;
};

/// A webhook subscription (admin-managed). The secret is never part of this struct: it is shown
/// once, at creation or rotation (CreatedWebhook).
struct Webhook {
    int64_t id = 0;
    std::string name;
    std::string url;                  // http(s) only; redirects are never followed
    std::vector<std::string> topics;  // patterns: "order.dispatched", "order.*", "*"
    bool active = true;
    std::optional<int64_t> created_by;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

/// A webhook together with its secret, answered once.
struct WebhookWithSecret {
    Webhook webhook;
    std::optional<std::string> secret;  // present on creation and on rotate_secret
};

struct NewWebhook {
    std::string name;
    std::string url;
    std::vector<std::string> topics{"*"};
    bool active = true;
};

/// PATCH: absent fields stay as they are.
struct WebhookPatch {
    std::optional<std::string> name;
    std::optional<std::string> url;
    std::optional<std::vector<std::string>> topics;
    std::optional<bool> active;
    bool rotate_secret = false;
};

enum class DeliveryState { kPending, kDelivered, kFailed, kCancelled };
/// "pending", "delivered", "failed", "cancelled".
std::string_view DeliveryStateName(DeliveryState state);
std::optional<DeliveryState> ParseDeliveryState(std::string_view name);

/// One notification to one webhook subscription: attempts, backoff, outcome.
struct WebhookDelivery {
    int64_t id = 0;
    int64_t outbox_id = 0;
    int64_t webhook_id = 0;
    std::string delivery_key;  // the X-Linli-Delivery header: the same on every attempt
    std::string topic;
    DeliveryState state = DeliveryState::kPending;
    int attempts = 0;
    int64_t next_attempt_at = 0;
    std::optional<int> last_status;  // HTTP status of the last attempt; none when no answer came
    std::string last_error;
    int64_t created_at = 0;
    int64_t updated_at = 0;
    std::optional<int64_t> delivered_at;
};

struct DeliveryQuery {
    std::optional<DeliveryState> state;
    std::optional<int64_t> after_id;  // cursor: newest first, ids below this
    int limit = kDefaultPageSize;
};

/// True when `topic` matches `pattern`: equal, "*", or "prefix.*" matching "prefix.anything".
bool TopicMatches(std::string_view pattern, std::string_view topic);
/// Topics and patterns: 1..100 of [a-z0-9_.-]; a pattern may also be "*" or end in ".*".
bool IsValidTopic(std::string_view topic);
bool IsValidTopicPattern(std::string_view pattern);

}  // namespace linli::notify
