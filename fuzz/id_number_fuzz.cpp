// Fuzz target: the ID number validator and masker (core/id_number). Whatever the text, Parse
// answers a value or a 400 naming the field; what it accepts is 18 characters with the right check
// character, reads back the same, and masks to its first and last four characters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/id_number.hpp"
#include "fuzz/expect.hpp"

namespace id_number = linli::id_number;
using linli::fuzz::Expect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string masked_input = id_number::Mask(text);  // total: stored values are masked blindly
    Expect(masked_input.size() == text.size(), "Mask keeps the length");

    auto parsed = id_number::Parse(text, "2026-06-30", "id_number");
    if (!parsed) {
        Expect(parsed.error().code == linli::ErrorCode::kInvalidArgument && parsed.error().field == "id_number",
               "a rejected ID number is a 400 naming the field");
        Expect(!parsed.error().message.empty(), "a rejection says why");
        return 0;
    }
    const std::string& n = parsed->normalized;
    Expect(n.size() == 18, "18 characters");
    Expect(id_number::CheckCharacter(std::string_view(n).substr(0, 17)) == n[17], "the check character holds");
    Expect(parsed->BirthDate() <= "2026-06-30" && parsed->birth_year >= 1900, "a possible birth date");
    Expect(parsed->region == n.substr(0, 6), "the region is the first six digits");

    auto again = id_number::Parse(n, "2026-06-30", "id_number");
    Expect(again && again->normalized == n && again->BirthDate() == parsed->BirthDate() && again->sex == parsed->sex,
           "the normalized number parses to itself");

    const std::string masked = id_number::Mask(n);
    Expect(masked.size() == 18 && masked[0] == n[0] && masked.substr(14) == n.substr(14) &&
               masked.substr(1, 13) == std::string(13, '*'),
           "the mask shows the first and the last four characters only");
    return 0;
}
