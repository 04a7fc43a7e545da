#include "modules/orders/similar.hpp"

#include <algorithm>

namespace linli::orders {

namespace {

/// Decodes one UTF-8 sequence at `i`; advances `i`. Returns 0xFFFFFFFF for an invalid byte.
char32_t Next(std::string_view s, size_t& i) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    char32_t cp = 0;
    if (c < 0x80) {
        ++i;
        return c;
    }
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07;
    } else {
        ++i;
        return 0xFFFFFFFF;
    }
    if (i + len > s.size()) {
        i = s.size();
        return 0xFFFFFFFF;
    }
    for (size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) {
            ++i;
            return 0xFFFFFFFF;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    i += len;
    return cp;
}

bool IsDropped(char32_t cp) {
    if (cp < 0x80) {
        const bool alnum = (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
        return !alnum;  // spaces, controls, ASCII punctuation and symbols
    }
    return (cp >= 0x0080 && cp <= 0x00BF) ||  // Latin-1 punctuation, symbols, no-break space
           (cp >= 0x2000 && cp <= 0x2BFF) ||  // general punctuation, arrows, shapes, symbols
           (cp >= 0x3000 && cp <= 0x303F) ||  // CJK symbols and punctuation 。，、「」【】
           (cp >= 0xFE30 && cp <= 0xFE4F) ||  // CJK compatibility forms ︵︶
           (cp >= 0xFE50 && cp <= 0xFE6F) ||  // small forms
           (cp >= 0xFF5F && cp <= 0xFF65) ||  // half-width CJK punctuation
           (cp >= 0x1F000 && cp <= 0x1FAFF);  // emoji and pictographs
}

}  // namespace

std::u32string NormalizeForSimilarity(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        char32_t cp = Next(text, i);
        if (cp == 0xFFFFFFFF) {
            continue;
        }
        if (cp == 0x3000) {
            cp = ' ';
        } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
            cp -= 0xFEE0;  // full-width ASCII forms
        }
        if (cp >= 'A' && cp <= 'Z') {
            cp += 'a' - 'A';
        }
        if (!IsDropped(cp)) {
            out.push_back(cp);
        }
    }
    return out;
}

std::vector<uint64_t> Bigrams(const std::u32string& s) {
    std::vector<uint64_t> out;
    if (s.size() == 1) {
        out.push_back(static_cast<uint64_t>(s[0]));
        return out;
    }
    out.reserve(s.size());
    for (size_t i = 0; i + 1 < s.size(); ++i) {
        // Code points fit 21 bits: one pair in one integer, tagged so it never equals a single character.
        out.push_back((uint64_t{1} << 63) | (static_cast<uint64_t>(s[i]) << 21) | static_cast<uint64_t>(s[i + 1]));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

double Dice(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
    if (a.empty() && b.empty()) {
        return 0.0;
    }
    size_t common = 0;
    auto ia = a.begin();
    auto ib = b.begin();
    while (ia != a.end() && ib != b.end()) {
        if (*ia < *ib) {
            ++ia;
        } else if (*ib < *ia) {
            ++ib;
        } else {
            ++common;
            ++ia;
            ++ib;
        }
    }
    return 2.0 * static_cast<double>(common) / static_cast<double>(a.size() + b.size());
}

TextSignature SignatureOf(std::string_view title, std::string_view description) {
    std::u32string normalized = NormalizeForSimilarity(title);
    TextSignature out;
    out.title = Bigrams(normalized);
    // Normalising works character by character: the whole text's form is the two forms joined.
    normalized += NormalizeForSimilarity(description);
    out.whole = Bigrams(normalized);
    return out;
}

double Similarity(const std::vector<uint64_t>& typed, const TextSignature& order) {
    return std::max(Dice(typed, order.title), Dice(typed, order.whole));
}

double TextSimilarity(std::string_view a, std::string_view b) {
    return Dice(Bigrams(NormalizeForSimilarity(a)), Bigrams(NormalizeForSimilarity(b)));
}

}  // namespace linli::orders
