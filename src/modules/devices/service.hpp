#pragma once
/// Devices that post alarms, and the alarms themselves (issue 4 §2; docs/devices.md).
///
/// Registration (admins only; audited): a name, a kind, the place it watches (a building, or a
/// unit, grid or community), the order category its alarms file under. The signing secret is
/// drawn with libsodium, shown once, and stored encrypted with the field key (it must be readable
/// to check signatures, so it cannot be hashed like a password).
///
/// An alarm is POSTed with X-Linli-Timestamp (epoch seconds) and X-Linli-Signature
/// ("sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)), the scheme of Linli's outgoing
/// webhooks (notify/signature.hpp). Refused, in this order: no or malformed headers (401), an
/// unknown or removed device (401), a timestamp more than kAlarmToleranceSeconds away from the
/// server's clock (401), a wrong signature (401), a signature seen before (409: a replay). The
/// signatures of accepted alarms are kept for twice the tolerance, after which the timestamp
/// check alone refuses them.
///
/// A valid alarm becomes a submitted hazard order through OrderService::CreateFromChannel (channel
/// device, the device's place and category), unless the same device raised an order within
/// `dedupe_seconds` that is still open: then the alarm is recorded in that order's timeline.
/// Alarms of one device are handled one at a time in this process, so two at once cannot both
/// open an order; across several instances they could (a duplicate order, merged by staff).
///
/// Thread safety: every method may be called concurrently.

#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/field_crypto.hpp"
#include "modules/devices/model.hpp"
#include "modules/devices/repository.hpp"
#include "modules/orders/catalog_service.hpp"
#include "modules/orders/service.hpp"
#include "modules/registry/service.hpp"
#include "storage/database.hpp"

namespace linli::devices {

struct DeviceOptions {
    /// Repeated alarms within this many seconds of the last one join its open order; 0: never.
    int64_t dedupe_seconds = 600;
};

class DeviceService {
public:
    /// REQUIRES: `db` is migrated; every argument outlives the service.
    DeviceService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto, orders::OrderService& orders,
                  orders::CatalogService& catalog, registry::RegistryService& territory, DeviceOptions options);

    /// Admins only (403). Errors: 400 name / place_id (not a community, grid, building or unit) /
    /// category_id / category_code (unknown or inactive; required for kind "other"); 404 place_id.
    Result<RegisteredDevice> Register(const Actor& actor, const NewDevice& input, const RequestInfo& info);
    /// Admins only. Devices not removed, by id.
    Result<std::vector<Device>> List(const Actor& actor);
    /// Admins only. 404 when missing or removed.
    Result<Device> Get(const Actor& actor, int64_t id);
    /// Admins only; audited. Its alarms are refused from now on; its orders stay. 404 when missing
    /// or already removed.
    Result<void> Remove(const Actor& actor, int64_t id, const RequestInfo& info);

    /// Checks an alarm's signature over the raw `body` (before anything reads it). Returns the
    /// device; the errors are listed in the header comment. Records nothing.
    Result<Device> Authenticate(int64_t device_id, std::string_view timestamp_header, std::string_view signature_header,
                                std::string_view body);

    /// Turns an authenticated alarm into an order (or a timeline entry of the device's open order).
    /// 409 when `signature` was seen before (a replay).
    Result<AlarmOutcome> Raise(const Device& device, std::string_view signature, const AlarmReport& report,
                               const RequestInfo& info);

private:
    Result<void> RequireAdmin(const Actor& actor) const;

    storage::Database& db_;
    const Clock& clock_;
    const FieldCrypto& crypto_;
    orders::OrderService& orders_;
    orders::CatalogService& catalog_;
    registry::RegistryService& territory_;
    DeviceOptions options_;
    DeviceRepository repo_;
    /// One device's alarms are handled one at a time (striped by id).
    std::array<std::mutex, 64> alarm_locks_;
};

}  // namespace linli::devices
