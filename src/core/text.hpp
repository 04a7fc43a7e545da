#pragma once
/// Text checks shared by every module: UTF-8 validity, lengths in characters, trimming.

#include <cstddef>
#include <string>
#include <string_view>

namespace linli::text {

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool IsValidUtf8(std::string_view s);

/// Number of Unicode code points; REQUIRES: IsValidUtf8(s).
size_t CodePointCount(std::string_view s);

/// Removes ASCII and ideographic (U+3000) white space from both ends.
std::string Trim(std::string_view s);

/// Appends the UTF-8 encoding of code point `cp`. REQUIRES: cp <= U+10FFFF and not a surrogate.
void AppendUtf8(std::string& out, char32_t cp);

/// True when `s` contains a control character other than tab, CR and LF.
bool HasControlChars(std::string_view s);

}  // namespace linli::text
