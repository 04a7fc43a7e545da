#include "core/text.hpp"

#include <cstdint>

namespace linli::text {

bool IsValidUtf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int extra = 0;
        uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (end - p <= extra) {
            return false;
        }
        for (int i = 1; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        // Reject overlong forms, UTF-16 surrogates and values past Unicode's range.
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return false;
        }
        p += extra + 1;
    }
    return true;
}

size_t CodePointCount(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) != 0x80) {
            ++n;
        }
    }
    return n;
}

std::string Trim(std::string_view s) {
    auto is_space_at = [&](size_t i, bool from_end) -> size_t {
        // Returns the byte length of the white space at i (or ending at i when from_end), 0 if none.
        static constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
        if (!from_end) {
            if (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
                return 1;
            }
            if (s.substr(i).starts_with(kIdeographicSpace)) {
                return 3;
            }
        } else {
            if (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n' || s[i - 1] == '\r')) {
                return 1;
            }
            if (i >= 3 && s.substr(i - 3, 3) == kIdeographicSpace) {
                return 3;
            }
        }
        return 0;
    };
    size_t b = 0;
    size_t e = s.size();
    while (b < e) {
        size_t n = is_space_at(b, false);
        if (n == 0) {
            break;
        }
        b += n;
    }
    while (e > b) {
        size_t n = is_space_at(e, true);
        if (n == 0) {
            break;
        }
        e -= n;
    }
    return std::string(s.substr(b, e - b));
}

void AppendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool HasControlChars(std::string_view s) {
    for (unsigned char c : s) {
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
            return true;
        }
    }
    return false;
}

}  // namespace linli::text
