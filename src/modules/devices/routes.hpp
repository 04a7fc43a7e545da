#pragma once
/// HTTP routes of devices and their alarms (DeviceService; docs/devices.md).

#include "http/router.hpp"
#include "modules/devices/service.hpp"

namespace linli::devices {

/// Adds:
///   POST   /api/v1/devices                         admin {"name","kind","place_id","category_id"?,
///                                                  "category_code"?} → 201 device + "secret" (shown once)
///   GET    /api/v1/devices                         admin → {"items":[device]}
///   GET    /api/v1/devices/{id}                    admin → device
///   DELETE /api/v1/devices/{id}                    admin → 204; its alarms are refused from then on
///   POST   /api/v1/hooks/devices/{id}/alarms       the device, signed (X-Linli-Timestamp,
///                                                  X-Linli-Signature) {"event"?,"message"?,"alarm_id"?} → 201
///                                                  {"order_id","tracking_code", "deduplicated":false}, or 200 with
///                                                  true when it joined the device's open order; 401 unsigned / stale /
///                                                  wrong signature / unknown device; 409 replay
/// REQUIRES: `service` outlives `router`.
void RegisterRoutes(http::Router& router, DeviceService& service);

}  // namespace linli::devices
