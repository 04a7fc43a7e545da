#include "core/person_name.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <vector>

#include "core/text.hpp"

namespace linli::person_name {
namespace {

constexpr size_t kMaxCodePoints = 50;
constexpr char32_t kMiddleDot = 0x00B7;

/// Code points of `s`. REQUIRES: text::IsValidUtf8(s).
std::vector<char32_t> Decode(std::string_view s) {
    std::vector<char32_t> out;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        unsigned char c = *p;
        int extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : 3;
        char32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
        for (int i = 1; i <= extra; ++i) {
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        out.push_back(cp);
        p += extra + 1;
    }
    return out;
}


bool IsIdeograph(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF)      // CJK Unified Ideographs
           || (c >= 0x3400 && c <= 0x4DBF)   // Extension A
           || (c >= 0x20000 && c <= 0x323AF) // Extensions B–H (planes 2 and 3)
           || (c >= 0xF900 && c <= 0xFAFF)   // Compatibility Ideographs
           || (c >= 0x2F800 && c <= 0x2FA1F) // Compatibility Ideographs Supplement
           || c == 0x3007;                   // 〇, the ideographic zero used in names
}

bool IsLatinLetter(char32_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= 0x00C0 && c <= 0x024F && c != 0x00D7 && c != 0x00F7)  // Latin-1 letters, Extended-A and -B
           || (c >= 0x1E00 && c <= 0x1EFF);                             // Latin Extended Additional (Vietnamese)
}

bool IsCombiningMark(char32_t c) { return c >= 0x0300 && c <= 0x036F; }

/// The ways people type the middle dot of transliterated names: ·, ・, •, ‧ and half-width ･.
bool IsDotVariant(char32_t c) { return c == 0x00B7 || c == 0x30FB || c == 0x2022 || c == 0x2027 || c == 0xFF65; }

}  // namespace

Result<std::string> Normalize(std::string_view text, std::string_view field) {
    std::string f(field);
    if (!text::IsValidUtf8(text)) {
        return InvalidArgument(f, "姓名不是有效的 UTF-8 文本 / the name is not valid UTF-8 text");
    }
    std::string trimmed = text::Trim(text);
    if (trimmed.empty()) {
        return InvalidArgument(f, "姓名不能为空 / the name is empty");
    }
    std::vector<char32_t> cps = Decode(trimmed);
    if (cps.size() > kMaxCodePoints) {
        return InvalidArgument(f, "姓名不能超过 50 个字 / a name has at most 50 characters");
    }
    std::string out;
    char32_t prev = 0;
    for (size_t i = 0; i < cps.size(); ++i) {
        char32_t c = cps[i];
        char32_t next = i + 1 < cps.size() ? cps[i + 1] : 0;
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
            return InvalidArgument(f, "姓名不能包含控制字符 / a name cannot contain control characters");
        }
        if ((c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19)) {
            return InvalidArgument(f, "姓名不能包含数字 / a name cannot contain digits");
        }
        if (IsDotVariant(c)) {
            if (prev == 0 || prev == kMiddleDot || prev == ' ' || next == 0 || IsDotVariant(next) || next == ' ') {
                return InvalidArgument(f, "间隔号 · 只能出现在姓名的两部分之间 / the middle dot must stand between two parts of "
                                          "the name");
            }
            c = kMiddleDot;
        } else if (c == ' ') {
            // One space between Latin words ("Anna Müller"); Chinese names are written without spaces.
            bool after_latin = IsLatinLetter(prev) || IsCombiningMark(prev);
            if (!after_latin || !IsLatinLetter(next)) {
                return InvalidArgument(f, "姓名中的空格只能用于分隔拉丁字母单词 / a space may only separate two Latin words");
            }
        } else if (IsCombiningMark(c)) {
            // Decomposed accents ("u" + U+0308) are letters as well; NFC is not required.
            if (!IsLatinLetter(prev) && !IsCombiningMark(prev)) {
                return InvalidArgument(f, "姓名包含不允许的字符 / the name contains a character that is not allowed");
            }
        } else if (!IsIdeograph(c) && !IsLatinLetter(c)) {
            // Invisible and direction-changing characters are named by number only, never echoed.
            bool invisible = (c >= 0x2000 && c <= 0x206F) || c == 0xFEFF || (c >= 0xFE00 && c <= 0xFE0F) ||
                             c >= 0xE0000 || (c >= 0xFFF0 && c <= 0xFFFF);
            std::string shown;
            if (!invisible) {
                text::AppendUtf8(shown, c);
                shown = fmt::format("“{}” ", shown);
            }
            return InvalidArgument(f, fmt::format("姓名包含不允许的字符 {0}(U+{1:04X}) / the name contains a character that is "
                                                  "not allowed: {0}(U+{1:04X})",
                                                  shown, static_cast<uint32_t>(c)));
        }
        text::AppendUtf8(out, c);
        prev = c;
    }
    return out;
}

}  // namespace linli::person_name
