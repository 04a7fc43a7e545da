#include "modules/orders/validate.hpp"

#include "core/text.hpp"

namespace linli::orders {

namespace {

Result<std::string> Clean(std::string_view raw, std::string_view field, size_t max_chars, bool may_be_empty,
                          bool multiline) {
    const std::string name(field);
    if (!text::IsValidUtf8(raw)) {
        return InvalidArgument(name, name + " must be valid UTF-8");
    }
    std::string s = text::Trim(raw);
    if (text::HasControlChars(s) || (!multiline && s.find_first_of("\t\r\n") != std::string::npos)) {
        return InvalidArgument(name, multiline ? name + " must not contain control characters"
                                               : name + " must be one line without control characters");
    }
    const size_t chars = text::CodePointCount(s);
    if (chars == 0 && !may_be_empty) {
        return InvalidArgument(name, name + " must not be empty");
    }
    if (chars > max_chars) {
        return InvalidArgument(name, name + " must be at most " + std::to_string(max_chars) + " characters");
    }
    return s;
}

}  // namespace

Result<std::string> CleanLine(std::string_view raw, std::string_view field, size_t max_chars, bool may_be_empty) {
    return Clean(raw, field, max_chars, may_be_empty, false);
}

Result<std::string> CleanText(std::string_view raw, std::string_view field, size_t max_chars, bool may_be_empty) {
    return Clean(raw, field, max_chars, may_be_empty, true);
}

}  // namespace linli::orders
