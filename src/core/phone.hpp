#pragma once
/// Mainland China phone numbers: mobiles (11 digits, 1[3-9]x) and landlines (area code 0xx or
/// 0xxx, then 7-8 digits, optional extension), with common separators and a +86 prefix accepted.

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace linli::phone {

enum class Kind { kMobile, kLandline };

struct Parsed {
    std::string normalized;  // digits only, with '-' between area code and number for landlines
    Kind kind = Kind::kMobile;
};

/// Errors are kInvalidArgument naming `field`, message in Chinese and English.
Result<Parsed> Parse(std::string_view text, std::string_view field = "phone");

/// "138****5678" for mobiles; landlines keep the area code and last 4: "010-****5678".
std::string Mask(std::string_view normalized);

}  // namespace linli::phone
