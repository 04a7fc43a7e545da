#include "modules/orders/building_token.hpp"

#include <sodium.h>

#include <array>
#include <charconv>
#include <cstring>

#include "core/crypto.hpp"

namespace linli::orders {

namespace {

constexpr std::string_view kPurpose = "building_qr/v1";
constexpr size_t kTagBytes = 16;  // 128 bits: forging one is out of reach, and the QR stays small
constexpr size_t kTagChars = 22;  // unpadded base64url of 16 bytes
constexpr size_t kMaxIdDigits = 18;

Error NotValid(std::string_view field) {
    return InvalidArgument(std::string(field),
                           "二维码无效：请扫描楼栋张贴的二维码 / this QR code is not valid (damaged, mistyped or not "
                           "issued by this community office)");
}

}  // namespace

std::string BuildingTokens::Tag(int64_t building_id) const {
    const std::string hex = crypto_.Hash(kPurpose, std::to_string(building_id));
    std::array<unsigned char, kTagBytes> bin{};
    size_t bin_len = 0;
    // The hash is 64 hex characters; the first 32 are the 16 bytes the tag keeps.
    sodium_hex2bin(bin.data(), bin.size(), hex.data(), kTagBytes * 2, nullptr, &bin_len, nullptr);
    std::string out(sodium_base64_ENCODED_LEN(kTagBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), bin.data(), bin.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(std::strlen(out.c_str()));
    return out;
}

std::string BuildingTokens::Issue(int64_t building_id) const {
    return std::to_string(building_id) + "." + Tag(building_id);
}

Result<int64_t> BuildingTokens::Verify(std::string_view token, std::string_view field) const {
    if (token.empty() || token.size() > kMaxBuildingTokenChars) {
        return NotValid(field);
    }
    const size_t dot = token.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot > kMaxIdDigits || token[0] == '0') {
        return NotValid(field);
    }
    const std::string_view digits = token.substr(0, dot);
    const std::string_view tag = token.substr(dot + 1);
    int64_t id = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc() || end != digits.data() + digits.size() || id <= 0 || tag.size() != kTagChars) {
        return NotValid(field);
    }
    if (!crypto::ConstantTimeEquals(tag, Tag(id))) {
        return NotValid(field);
    }
    return id;
}

}  // namespace linli::orders
