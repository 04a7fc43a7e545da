#include "modules/devices/repository.hpp"

namespace linli::devices {

namespace {

using storage::Conn;
using storage::Row;

constexpr std::string_view kColumns =
    "id, name, kind, place_id, place_name, category_id, secret_prefix, created_by, created_at, removed_at,"
    " last_alarm_at, last_order_id, alarm_count, secret_enc";

DeviceRow FromRow(const Row& row) {
    DeviceRow r;
    Device& d = r.device;
    d.id = row.Int(0);
    d.name = row.Text(1);
    d.kind = orders::Lookup(kDeviceKinds, row.Text(2)).value_or(DeviceKind::kOther);
    d.place_id = row.Int(3);
    d.place_name = row.Text(4);
    d.category_id = row.Int(5);
    d.secret_prefix = row.Text(6);
    d.created_by = row.OptInt(7);
    d.created_at = row.Int(8);
    d.removed_at = row.OptInt(9);
    d.last_alarm_at = row.OptInt(10);
    d.last_order_id = row.OptInt(11);
    d.alarm_count = row.Int(12);
    r.secret_enc = row.Text(13);
    return r;
}

}  // namespace

Result<int64_t> DeviceRepository::Insert(Conn& conn, const Device& d, const std::string& secret_enc) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("INSERT INTO devices (name, kind, place_id, place_name, category_id, secret_enc,"
                                      " secret_prefix, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
                                      " $9) RETURNING id",
                                      {d.name, KindName(d.kind), d.place_id, d.place_name, d.category_id, secret_enc,
                                       d.secret_prefix, d.created_by, d.created_at}));
    return rows.at(0).Int(0);
}

Result<std::optional<DeviceRow>> DeviceRepository::Find(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("SELECT " + std::string(kColumns) + " FROM devices WHERE id = $1", {id}));
    if (rows.empty()) {
        return std::optional<DeviceRow>();
    }
    return std::optional<DeviceRow>(FromRow(rows.front()));
}

Result<std::vector<Device>> DeviceRepository::List(Conn& conn) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT " + std::string(kColumns) +
                                                 " FROM devices WHERE removed_at IS NULL ORDER BY id"));
    std::vector<Device> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(FromRow(row).device);
    }
    return out;
}

Result<bool> DeviceRepository::MarkRemoved(Conn& conn, int64_t id, int64_t now) const {
    LINLI_ASSIGN_OR_RETURN(
        auto n, conn.Exec("UPDATE devices SET removed_at = $2 WHERE id = $1 AND removed_at IS NULL", {id, now}));
    return n > 0;
}

Result<void> DeviceRepository::RecordSignature(Conn& conn, int64_t device_id, const std::string& signature, int64_t now,
                                               int64_t forget_before) const {
    LINLI_TRY(conn.Exec("DELETE FROM device_alarm_signatures WHERE device_id = $1 AND seen_at < $2",
                        {device_id, forget_before}));
    LINLI_TRY(conn.Exec("INSERT INTO device_alarm_signatures (device_id, signature, seen_at) VALUES ($1, $2, $3)",
                        {device_id, signature, now}));
    return {};
}

Result<void> DeviceRepository::NoteAlarm(Conn& conn, int64_t device_id, int64_t at, int64_t order_id) const {
    LINLI_TRY(
        conn.Exec("UPDATE devices SET last_alarm_at = $2, last_order_id = $3, alarm_count = alarm_count + 1"
                  " WHERE id = $1",
                  {device_id, at, order_id}));
    return {};
}

}  // namespace linli::devices
