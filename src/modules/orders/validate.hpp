#pragma once
/// Text checks for the orders module's inputs: valid UTF-8, no control characters, lengths in code
/// points after trimming. Errors are 400 naming the field.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace linli::orders {

/// One line: trimmed, 1..max_chars code points (0..max_chars when `may_be_empty`), no tabs or newlines.
Result<std::string> CleanLine(std::string_view raw, std::string_view field, size_t max_chars,
                              bool may_be_empty = false);

/// Free text: trimmed, newlines and tabs allowed, 1..max_chars code points (0.. when `may_be_empty`).
Result<std::string> CleanText(std::string_view raw, std::string_view field, size_t max_chars,
                              bool may_be_empty = false);

}  // namespace linli::orders
