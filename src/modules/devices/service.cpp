#include "modules/devices/service.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <utility>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "modules/accounts/audit.hpp"
#include "modules/notify/signature.hpp"

namespace linli::devices {

namespace {

using registry::NodeKind;
using storage::Conn;

constexpr std::string_view kDeviceNotFound = "device not found";
constexpr std::string_view kSecretPrefix = "dvsec_";
constexpr size_t kShownPrefixChars = 10;  // "dvsec_" and 4 more: enough to tell two secrets apart

Error Unsigned(std::string message, std::string field) {
    return Error{ErrorCode::kUnauthenticated, std::move(message), std::move(field)};
}

/// The order category a kind files under when the administrator names none.
std::string_view DefaultCategoryCode(DeviceKind kind) {
    switch (kind) {
        case DeviceKind::kHighAltitudeCamera:
            return "public_order";
        case DeviceKind::kSmokeSensor:
            return "fire_safety";
        case DeviceKind::kWaterLevelSensor:
            return "public_facilities";
        case DeviceKind::kOther:
            return "";
    }
    return "";
}

std::string_view KindLabel(DeviceKind kind) {
    switch (kind) {
        case DeviceKind::kHighAltitudeCamera:
            return "高空抛物监控 / high-altitude throw camera";
        case DeviceKind::kSmokeSensor:
            return "烟感 / smoke sensor";
        case DeviceKind::kWaterLevelSensor:
            return "水位传感器 / water-level sensor";
        case DeviceKind::kOther:
            return "设备 / device";
    }
    return "";
}

std::string AlarmNote(const AlarmReport& r) {
    std::string note;
    auto add = [&note](std::string_view label, std::string_view value) {
        if (!value.empty()) {
            if (!note.empty()) {
                note += "\n";
            }
            note += label;
            note += value;
        }
    };
    add("event: ", r.event);
    add("", r.message);
    add("alarm_id: ", r.alarm_id);
    return note;
}

}  // namespace

DeviceService::DeviceService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto,
                             orders::OrderService& orders, orders::CatalogService& catalog,
                             registry::RegistryService& territory, DeviceOptions options)
    : db_(db),
      clock_(clock),
      crypto_(crypto),
      orders_(orders),
      catalog_(catalog),
      territory_(territory),
      options_(options) {}

Result<void> DeviceService::RequireAdmin(const Actor& actor) const {
    if (!actor.Is(Role::kAdmin)) {
        return Forbidden("only administrators manage devices");
    }
    return {};
}

Result<RegisteredDevice> DeviceService::Register(const Actor& actor, const NewDevice& input, const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    const std::string name = text::Trim(input.name);
    if (name.empty() || !text::IsValidUtf8(name) || text::CodePointCount(name) > kMaxDeviceNameChars ||
        text::HasControlChars(name)) {
        return InvalidArgument("name", "name must be 1 to " + std::to_string(kMaxDeviceNameChars) +
                                           " characters without control characters");
    }
    auto place = territory_.Get(actor, input.place_id);
    if (!place) {
        if (place.error().code == ErrorCode::kNotFound) {
            return Error{ErrorCode::kNotFound, "no such place", "place_id"};
        }
        return place.error();
    }
    if (place->kind != NodeKind::kBuilding && place->kind != NodeKind::kUnit && place->kind != NodeKind::kGrid &&
        place->kind != NodeKind::kCommunity) {
        return InvalidArgument("place_id", "a device watches a building, a unit, a grid or a community");
    }
    // The category: by id, by code, or the kind's default.
    int64_t category_id = 0;
    if (input.category_id) {
        LINLI_ASSIGN_OR_RETURN(auto c, catalog_.ActiveCategory(*input.category_id));
        if (!c) {
            return InvalidArgument("category_id", "no such active order category");
        }
        category_id = c->id;
    } else {
        const std::string code =
            input.category_code ? *input.category_code : std::string(DefaultCategoryCode(input.kind));
        if (code.empty()) {
            return InvalidArgument("category_code", "category_code (or category_id) is required for kind \"other\"");
        }
        LINLI_ASSIGN_OR_RETURN(auto all, catalog_.ListCategories(actor, false));
        for (const auto& c : all) {
            if (c.code == code) {
                category_id = c.id;
            }
        }
        if (category_id == 0) {
            return InvalidArgument("category_code", "no active order category has the code \"" + code + "\"");
        }
    }
    RegisteredDevice out;
    out.secret = std::string(kSecretPrefix) + crypto::RandomToken(32);
    Device& d = out.device;
    d.name = name;
    d.kind = input.kind;
    d.place_id = place->id;
    d.place_name = place->name;
    d.category_id = category_id;
    d.secret_prefix = out.secret.substr(0, kShownPrefixChars);
    if (actor.user_id > 0) {
        d.created_by = actor.user_id;
    }
    d.created_at = clock_.Now();
    const std::string sealed = crypto_.Encrypt(out.secret);
    LINLI_ASSIGN_OR_RETURN(d.id, db_.Write([&](Conn& conn) -> Result<int64_t> {
        LINLI_ASSIGN_OR_RETURN(int64_t id, repo_.Insert(conn, d, sealed));
        const std::string detail = boost::json::serialize(boost::json::object{
            {"name", d.name}, {"kind", KindName(d.kind)}, {"place_id", d.place_id}, {"category_id", d.category_id}});
        LINLI_TRY(accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, d.created_at, "device.create", "device", id, detail)));
        return id;
    }));
    return out;
}

Result<std::vector<Device>> DeviceService::List(const Actor& actor) {
    LINLI_TRY(RequireAdmin(actor));
    return db_.Read([&](Conn& conn) { return repo_.List(conn); });
}

Result<Device> DeviceService::Get(const Actor& actor, int64_t id) {
    LINLI_TRY(RequireAdmin(actor));
    return db_.Read([&](Conn& conn) -> Result<Device> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.Find(conn, id));
        if (!found || found->device.removed_at) {
            return NotFound(std::string(kDeviceNotFound));
        }
        return std::move(found->device);
    });
}

Result<void> DeviceService::Remove(const Actor& actor, int64_t id, const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(bool removed, repo_.MarkRemoved(conn, id, now));
        if (!removed) {
            return NotFound(std::string(kDeviceNotFound));
        }
        return accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "device.remove", "device", id));
    });
}

Result<Device> DeviceService::Authenticate(int64_t device_id, std::string_view timestamp_header,
                                           std::string_view signature_header, std::string_view body) {
    if (timestamp_header.empty() || signature_header.empty()) {
        return Unsigned("the alarm must be signed: send X-Linli-Timestamp and X-Linli-Signature (docs/devices.md)",
                        timestamp_header.empty() ? "X-Linli-Timestamp" : "X-Linli-Signature");
    }
    int64_t timestamp = 0;
    auto [end, ec] =
        std::from_chars(timestamp_header.data(), timestamp_header.data() + timestamp_header.size(), timestamp);
    if (ec != std::errc() || end != timestamp_header.data() + timestamp_header.size()) {
        return Unsigned("X-Linli-Timestamp must be the signing time in epoch seconds", "X-Linli-Timestamp");
    }
    LINLI_ASSIGN_OR_RETURN(auto row, db_.Read([&](Conn& conn) { return repo_.Find(conn, device_id); }));
    if (!row || row->device.removed_at) {
        return Unsigned("unknown or removed device", "device_id");
    }
    const int64_t now = clock_.Now();
    const int64_t skew = timestamp > now ? timestamp - now : now - timestamp;
    if (skew > kAlarmToleranceSeconds) {
        return Unsigned("X-Linli-Timestamp is " + std::to_string(skew) + " s away from the server's clock; at most " +
                            std::to_string(kAlarmToleranceSeconds) + " s are allowed (check the device's clock)",
                        "X-Linli-Timestamp");
    }
    LINLI_ASSIGN_OR_RETURN(auto secret, crypto_.Decrypt(row->secret_enc));
    const std::string expected = notify::SignWebhook(secret, timestamp, body);
    // Accept the bare hex as well as "sha256=<hex>"; compare in constant time either way.
    std::string given(signature_header);
    if (!given.starts_with("sha256=")) {
        given = "sha256=" + given;
    }
    if (!crypto::ConstantTimeEquals(expected, given)) {
        return Unsigned(
            "X-Linli-Signature does not match: it must be sha256=<hex HMAC-SHA256 of timestamp + \".\" + "
            "body, keyed with the device's secret>",
            "X-Linli-Signature");
    }
    return std::move(row->device);
}

Result<AlarmOutcome> DeviceService::Raise(const Device& device, std::string_view signature, const AlarmReport& report,
                                          const RequestInfo& info) {
    std::lock_guard lock(alarm_locks_[static_cast<size_t>(device.id) % alarm_locks_.size()]);
    const int64_t now = clock_.Now();
    std::string sig(signature);
    if (sig.starts_with("sha256=")) {
        sig.erase(0, 7);
    }
    std::transform(sig.begin(), sig.end(), sig.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // The replay check and the device's last alarm, in one write.
    LINLI_ASSIGN_OR_RETURN(auto current, db_.Write([&](Conn& conn) -> Result<Device> {
        auto recorded = repo_.RecordSignature(conn, device.id, sig, now, now - 2 * kAlarmToleranceSeconds);
        if (!recorded) {
            if (recorded.error().code == ErrorCode::kConflict) {
                return Error{ErrorCode::kConflict,
                             "this alarm was received before (same signature): a replay; sign each alarm anew",
                             "X-Linli-Signature"};
            }
            return recorded.error();
        }
        LINLI_ASSIGN_OR_RETURN(auto row, repo_.Find(conn, device.id));
        if (!row) {
            return Unsigned("unknown or removed device", "device_id");
        }
        return std::move(row->device);
    }));
    const std::string note = AlarmNote(report);
    if (options_.dedupe_seconds > 0 && current.last_order_id && current.last_alarm_at &&
        *current.last_alarm_at >= now - options_.dedupe_seconds) {
        auto joined = orders_.RecordChannelEvent(*current.last_order_id, orders::Channel::kDevice, "alarm",
                                                 note.empty() ? "repeated alarm" : "repeated alarm\n" + note);
        if (joined) {
            LINLI_TRY(db_.Write([&](Conn& conn) { return repo_.NoteAlarm(conn, device.id, now, joined->id); }));
            return AlarmOutcome{joined->id, joined->tracking_code, true};
        }
        if (joined.error().code != ErrorCode::kConflict && joined.error().code != ErrorCode::kNotFound) {
            return joined.error();
        }
        // The last order is no longer open: this alarm is a new matter.
    }
    orders::ChannelIntake intake;
    intake.kind = orders::OrderKind::kHazard;
    intake.category_id = current.category_id;
    intake.title = "设备告警 / device alarm: " + current.name;
    if (!report.event.empty()) {
        intake.title += " (" + report.event + ")";
    }
    intake.description = std::string(KindLabel(current.kind)) + " " + current.name + " @ " + current.place_name;
    if (!note.empty()) {
        intake.description += "\n" + note;
    }
    intake.place_id = current.place_id;
    intake.reporter_name = current.name;
    intake.channel = orders::Channel::kDevice;
    intake.source_ref = "device:" + std::to_string(current.id);
    LINLI_ASSIGN_OR_RETURN(auto order, orders_.CreateFromChannel(intake, info));
    LINLI_TRY(db_.Write([&](Conn& conn) { return repo_.NoteAlarm(conn, device.id, now, order.id); }));
    return AlarmOutcome{order.id, order.tracking_code, false};
}

}  // namespace linli::devices
