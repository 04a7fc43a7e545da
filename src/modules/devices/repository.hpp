#pragma once
/// The devices module's only SQL: devices and the signatures of accepted alarms.
///
/// Thread safety: stateless; each call uses only the connection it is given.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "modules/devices/model.hpp"
#include "storage/database.hpp"

namespace linli::devices {

/// A device row with its sealed secret (the service decrypts it to check a signature).
struct DeviceRow {
    Device device;
    std::string secret_enc;
};

class DeviceRepository {
public:
    Result<int64_t> Insert(storage::Conn& conn, const Device& d, const std::string& secret_enc) const;
    /// Removed devices too.
    Result<std::optional<DeviceRow>> Find(storage::Conn& conn, int64_t id) const;
    /// Devices not removed, by id.
    Result<std::vector<Device>> List(storage::Conn& conn) const;
    /// False when it was already removed.
    Result<bool> MarkRemoved(storage::Conn& conn, int64_t id, int64_t now) const;
    /// Records an alarm's signature; kConflict when this device sent it before (a replay). Drops
    /// the device's signatures seen before `forget_before`.
    Result<void> RecordSignature(storage::Conn& conn, int64_t device_id, const std::string& signature, int64_t now,
                                 int64_t forget_before) const;
    /// Notes an alarm: the time, the order it went to, one more in the count.
    Result<void> NoteAlarm(storage::Conn& conn, int64_t device_id, int64_t at, int64_t order_id) const;
};

}  // namespace linli::devices
