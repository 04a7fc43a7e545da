#pragma once
/// The 18-digit resident ID number (居民身份证号码), GB 11643-1999: 6-digit region code,
/// 8-digit birth date, 3-digit sequence (odd for men, even for women), ISO 7064 MOD 11-2 check
/// character (0-9 or X). Region codes are not checked against a list: codes change over time and
/// a number issued under an old code stays valid.

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace linli::id_number {

enum class Sex { kMale, kFemale };

struct Parsed {
    std::string normalized;  // 18 characters, upper-case X
    std::string region;      // first 6 digits
    int birth_year = 0;
    int birth_month = 0;
    int birth_day = 0;
    Sex sex = Sex::kMale;
    /// "YYYY-MM-DD"
    std::string BirthDate() const;
};

/// Validates `text` (spaces trimmed, lower-case x accepted). `today` ("YYYY-MM-DD") bounds the
/// birth date: a birth in the future is rejected. Errors are kInvalidArgument naming `field`,
/// with a message in Chinese and English, e.g. a 15-digit legacy number gets
/// "15 位旧身份证号请换成 18 位 / 15-digit legacy ID numbers must be converted to 18 digits".
Result<Parsed> Parse(std::string_view text, std::string_view today, std::string_view field = "id_number");

/// The check character for the first 17 digits. REQUIRES: 17 ASCII digits.
char CheckCharacter(std::string_view first17);

/// "1*************1234" style: first 1 and last 4 characters, the rest '*'.
std::string Mask(std::string_view normalized);

}  // namespace linli::id_number
