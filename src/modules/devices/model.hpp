#pragma once
/// Devices that report hazards by themselves (DOMAIN.md §3; docs/devices.md): 高空抛物 cameras,
/// smoke and water-level sensors, as plain data. The rules live in DeviceService.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "modules/orders/model.hpp"

namespace linli::devices {

enum class DeviceKind { kHighAltitudeCamera, kSmokeSensor, kWaterLevelSensor, kOther };
inline constexpr orders::NameTable<DeviceKind, 4> kDeviceKinds{{
    {DeviceKind::kHighAltitudeCamera, "high_altitude_camera"},
    {DeviceKind::kSmokeSensor, "smoke_sensor"},
    {DeviceKind::kWaterLevelSensor, "water_level_sensor"},
    {DeviceKind::kOther, "other"},
}};

inline std::string_view KindName(DeviceKind k) {
    return orders::NameOf(kDeviceKinds, k);
}

/// A registered device. Its secret never leaves the server after registration.
struct Device {
    int64_t id = 0;
    std::string name;
    DeviceKind kind = DeviceKind::kOther;
    int64_t place_id = 0;  // the building (or unit, grid, community) it watches
    std::string place_name;
    int64_t category_id = 0;    // the order category its alarms file under
    std::string secret_prefix;  // the first characters of the secret, to tell secrets apart
    std::optional<int64_t> created_by;
    int64_t created_at = 0;
    std::optional<int64_t> removed_at;
    std::optional<int64_t> last_alarm_at;
    std::optional<int64_t> last_order_id;
    int64_t alarm_count = 0;
};

/// POST /api/v1/devices. The category: category_id, or category_code, or the kind's default.
struct NewDevice {
    std::string name;
    DeviceKind kind = DeviceKind::kOther;
    int64_t place_id = 0;
    std::optional<int64_t> category_id;
    std::optional<std::string> category_code;
};

/// A device just registered, with its signing secret: shown this once.
struct RegisteredDevice {
    Device device;
    std::string secret;
};

/// What an alarm's JSON body says (all optional).
struct AlarmReport {
    std::string event;     // "smoke", "object_thrown", "water_high", ...
    std::string message;   // free text from the device (a reading, a camera position)
    std::string alarm_id;  // the device's own id for the alarm
};

/// What became of an alarm.
struct AlarmOutcome {
    int64_t order_id = 0;
    std::string tracking_code;
    bool deduplicated = false;  // joined the timeline of the device's open order
};

constexpr size_t kMaxDeviceNameChars = 50;
constexpr size_t kMaxAlarmEventChars = 40;
constexpr size_t kMaxAlarmMessageChars = 1000;
constexpr size_t kMaxAlarmIdChars = 100;
/// How far an alarm's timestamp may be from the server's clock.
constexpr int64_t kAlarmToleranceSeconds = 300;

}  // namespace linli::devices
