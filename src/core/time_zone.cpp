#include "core/time_zone.hpp"

#include <charconv>
#include <string>
#include <unordered_map>

namespace linli {

Result<int> FixedUtcOffset(std::string_view zone) {
    static const std::unordered_map<std::string_view, int> kZones = {
        {"Asia/Shanghai", 8 * 3600},
        {"Asia/Chongqing", 8 * 3600},
        {"Asia/Harbin", 8 * 3600},
        {"Asia/Hong_Kong", 8 * 3600},
        {"Asia/Macau", 8 * 3600},
        {"Asia/Taipei", 8 * 3600},
        {"PRC", 8 * 3600},
        {"UTC", 0},
        {"Etc/UTC", 0},
    };
    if (auto it = kZones.find(zone); it != kZones.end()) {
        return it->second;
    }
    // "+08:00" / "-05:30"
    auto digit = [&](size_t i) { return zone[i] >= '0' && zone[i] <= '9'; };
    if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' && digit(1) && digit(2) && digit(4) &&
        digit(5)) {
        int hours = 0;
        int minutes = 0;
        auto [hours_end, hours_ec] = std::from_chars(zone.data() + 1, zone.data() + 3, hours);
        auto [minutes_end, minutes_ec] = std::from_chars(zone.data() + 4, zone.data() + 6, minutes);
        if (hours_ec == std::errc() && minutes_ec == std::errc() && hours_end == zone.data() + 3 &&
            minutes_end == zone.data() + 6 && hours <= 14 && minutes < 60) {
            return (zone[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
        }
    }
    return InvalidArgument("time_zone", "unsupported time zone \"" + std::string(zone) +
                                            "\": use Asia/Shanghai, UTC or an offset such as +08:00");
}

}  // namespace linli
