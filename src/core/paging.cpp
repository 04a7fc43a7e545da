#include "core/paging.hpp"

#include <sodium.h>

#include <charconv>

#include "core/text.hpp"

namespace linli {

namespace {
constexpr size_t kMaxCursorChars = 1024;
constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
}  // namespace

std::string EncodeCursor(std::string_view kind, std::string_view sort, int64_t id, std::string_view name) {
    std::string raw = std::string(kind) + "\n" + std::string(sort) + "\n" + std::to_string(id) + "\n";
    raw += name;
    std::string out(sodium_base64_ENCODED_LEN(raw.size(), kVariant), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(), kVariant);
    out.resize(out.find('\0'));
    return out;
}

Result<CursorKey> DecodeCursor(std::string_view cursor, std::string_view kind, std::string_view sort, bool by_name) {
    const auto bad = [] { return InvalidArgument("cursor", "cursor is not valid; start again from the first page"); };
    if (cursor.empty() || cursor.size() > kMaxCursorChars) {
        return bad();
    }
    std::string raw(cursor.size(), '\0');
    size_t raw_len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), cursor.data(), cursor.size(),
                          nullptr, &raw_len, nullptr, kVariant) != 0) {
        return bad();
    }
    raw.resize(raw_len);
    std::string_view rest = raw;
    std::string_view parts[3];
    for (auto& part : parts) {
        auto nl = rest.find('\n');
        if (nl == std::string_view::npos) {
            return bad();
        }
        part = rest.substr(0, nl);
        rest.remove_prefix(nl + 1);
    }
    if (parts[0] != kind) {
        return bad();
    }
    if (parts[1] != sort) {
        return InvalidArgument("cursor", "cursor belongs to another sort order; start again from the first page");
    }
    CursorKey key;
    auto [end, ec] = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), key.id);
    if (ec != std::errc() || end != parts[2].data() + parts[2].size() || key.id <= 0) {
        return bad();
    }
    if (by_name ? (rest.empty() || !text::IsValidUtf8(rest) || rest.find('\n') != std::string_view::npos)
                : !rest.empty()) {
        return bad();
    }
    key.name = std::string(rest);
    return key;
}

}  // namespace linli
