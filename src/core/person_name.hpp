#pragma once
/// Personal names as people write them: any CJK ideograph (extensions A–H included), Latin
/// letters, and the middle dot of minority names (· U+00B7, ・ U+30FB, • U+2022 normalised to ·).

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace linli::person_name {

/// Trimmed and normalised; 1–50 characters; no digits, controls or punctuation other than the
/// middle dot and a space between Latin words. Errors name `field`.
Result<std::string> Normalize(std::string_view text, std::string_view field = "name");

}  // namespace linli::person_name
