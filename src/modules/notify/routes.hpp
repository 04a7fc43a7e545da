#pragma once
/// HTTP routes of notifications: the caller's inbox and the admin's webhook subscriptions.

#include "http/router.hpp"
#include "modules/notify/service.hpp"

namespace linli::notify {

/// GET /api/v1/inbox, GET /api/v1/inbox/unread-count, POST /api/v1/inbox/{id}/read,
/// POST /api/v1/inbox/read-all; admin: GET/POST /api/v1/webhooks, PATCH/DELETE /api/v1/webhooks/{id},
/// GET /api/v1/webhooks/{id}/deliveries, POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver.
/// `service` outlives the router.
void RegisterRoutes(http::Router& router, NotifyService& service);

}  // namespace linli::notify
