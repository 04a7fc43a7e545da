#include "modules/safety/rules.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>

#include "core/crypto.hpp"
#include "core/text.hpp"

namespace linli::safety {

namespace {

constexpr int64_t kDay = 86400;

int64_t FloorDiv(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
    int64_t y;
    unsigned m;
    unsigned d;
};

Civil CivilFromDays(int64_t z) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

bool IsClientIdChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '-';
}

}  // namespace

int64_t RectifyDeadline(int64_t from, int days, int utc_offset) {
    const int64_t local_day = FloorDiv(from + utc_offset, kDay);
    return (local_day + days + 1) * kDay - utc_offset - 1;
}

Result<void> CheckAnswers(const TemplateVersion& version, const std::vector<NewInspectionItem>& answers) {
    std::map<int64_t, const TemplateItem*> items;
    for (const auto& item : version.items) {
        items.emplace(item.id, &item);
    }
    std::map<int64_t, size_t> seen;
    for (size_t i = 0; i < answers.size(); ++i) {
        const std::string field = "items[" + std::to_string(i) + "].item_id";
        const int64_t id = answers[i].item_id;
        if (!items.contains(id)) {
            return InvalidArgument(field, "item " + std::to_string(id) + " is not an item of version " +
                                              std::to_string(version.version) + " of this template");
        }
        if (auto [it, fresh] = seen.emplace(id, i); !fresh) {
            return InvalidArgument(field, "item " + std::to_string(id) + " is answered twice (also at items[" +
                                              std::to_string(it->second) + "])");
        }
    }
    for (const auto& item : version.items) {
        if (!seen.contains(item.id)) {
            return InvalidArgument("items", "item " + std::to_string(item.id) + " (" + std::to_string(item.position) +
                                                ". " + item.text_zh +
                                                ") is not answered; answer every item "
                                                "(pass, fail or na)");
        }
    }
    return {};
}

Result<void> CheckClientId(std::string_view client_id) {
    if (client_id.empty() || client_id.size() > kMaxClientIdChars ||
        !std::all_of(client_id.begin(), client_id.end(), IsClientIdChar)) {
        return InvalidArgument("client_id",
                               "client_id must be 1 to 64 characters of letters, digits and . _ : - (a UUID the phone "
                               "generated)");
    }
    return {};
}

std::string InspectionFingerprint(const NewInspection& in) {
    // Length-prefixed fields: no choice of text can make two different inspections read alike.
    std::string canon;
    auto add = [&canon](std::string_view s) {
        canon += std::to_string(s.size());
        canon += ':';
        canon += s;
        canon += ';';
    };
    auto add_int = [&add](int64_t v) { add(std::to_string(v)); };
    auto add_responsible = [&](const std::optional<Responsible>& r) {
        if (!r) {
            add("-");
            return;
        }
        add(NameOf(kResponsibleKinds, r->kind));
        add(r->name);
        add_int(r->unit_id.value_or(0));
    };
    add_int(in.template_id);
    add_int(in.template_version);
    add(NameOf(kTargetKinds, in.target_kind));
    add_int(in.target_id);
    add(in.label);
    add_int(in.inspected_at);
    add(in.note);
    add_responsible(in.responsible);
    std::vector<const NewInspectionItem*> items;
    for (const auto& item : in.items) {
        items.push_back(&item);
    }
    std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->item_id < b->item_id; });
    for (const auto* item : items) {
        add_int(item->item_id);
        add(NameOf(kItemResults, item->result));
        add(item->note);
        add(JoinIds(item->photo_ids));
        add_responsible(item->responsible);
    }
    return crypto::HashToken(canon);
}

std::string JoinIds(const std::vector<int64_t>& ids) {
    std::string out;
    for (int64_t id : ids) {
        if (!out.empty()) {
            out += ',';
        }
        out += std::to_string(id);
    }
    return out;
}

std::vector<int64_t> SplitIds(std::string_view text) {
    std::vector<int64_t> out;
    while (!text.empty()) {
        const size_t comma = text.find(',');
        const std::string_view part = text.substr(0, comma);
        int64_t v = 0;
        auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
        if (ec == std::errc() && ptr == part.data() + part.size() && v > 0) {
            out.push_back(v);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        text.remove_prefix(comma + 1);
    }
    return out;
}

std::string Truncate(std::string_view text, size_t max_chars) {
    if (text::CodePointCount(text) <= max_chars) {
        return std::string(text);
    }
    std::string out;
    size_t chars = 0;
    for (size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        if (chars + 1 >= max_chars) {
            break;
        }
        out.append(text.substr(i, len));
        i += len;
        ++chars;
    }
    return out + "…";
}

std::optional<int64_t> ParseLocalDate(std::string_view text, int utc_offset) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    auto num = [&](size_t at, size_t len) -> std::optional<int> {
        int v = 0;
        auto [ptr, ec] = std::from_chars(text.data() + at, text.data() + at + len, v);
        if (ec != std::errc() || ptr != text.data() + at + len) {
            return std::nullopt;
        }
        return v;
    };
    auto y = num(0, 4);
    auto m = num(5, 2);
    auto d = num(8, 2);
    if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31) {
        return std::nullopt;
    }
    const int64_t days = DaysFromCivil(*y, static_cast<unsigned>(*m), static_cast<unsigned>(*d));
    const Civil back = CivilFromDays(days);
    if (back.y != *y || back.m != static_cast<unsigned>(*m) || back.d != static_cast<unsigned>(*d)) {
        return std::nullopt;  // 2025-02-30
    }
    return days * kDay - utc_offset;
}

std::string FormatLocalDate(int64_t epoch_seconds, int utc_offset) {
    const Civil c = CivilFromDays(FloorDiv(epoch_seconds + utc_offset, kDay));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.y), c.m, c.d);
    return buf;
}

std::string FormatLocalMinute(int64_t epoch_seconds, int utc_offset) {
    const int64_t local = epoch_seconds + utc_offset;
    const int64_t secs = local - FloorDiv(local, kDay) * kDay;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(secs / 3600),
                  static_cast<long long>(secs % 3600 / 60));
    return FormatLocalDate(epoch_seconds, utc_offset) + " " + buf;
}

Responsible DefaultResponsible(TemplateKind kind, const std::optional<Venue>& venue) {
    Responsible r;
    if (venue) {
        r.kind = ResponsibleKind::kOwner;
        r.name = venue->owner_name;
    } else if (kind == TemplateKind::kRentalBuilding) {
        r.kind = ResponsibleKind::kLandlord;
    } else {
        r.kind = ResponsibleKind::kPropertyCompany;
    }
    return r;
}

std::string_view DefaultCategoryCode(TemplateKind kind) {
    return kind == TemplateKind::kEbike ? "ebike_charging" : "fire_safety";
}

Result<void> CheckTemplateCode(std::string_view code) {
    const bool ok = code.size() >= 2 && code.size() <= 40 && std::all_of(code.begin(), code.end(), [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                    });
    if (!ok) {
        return InvalidArgument("code", "code must be 2 to 40 characters of a-z, 0-9 and _");
    }
    return {};
}

}  // namespace linli::safety
