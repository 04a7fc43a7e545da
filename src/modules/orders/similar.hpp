#pragma once
/// Text similarity for possible duplicates at intake (issue 4 §7): character bigrams of normalised
/// text compared with the Dice coefficient. Chinese has no spaces between words, so words cannot be
/// compared without a segmenter; overlapping character pairs ("楼道灯坏了" → 楼道 道灯 灯坏 坏了)
/// capture most of what two reports of the same matter share, and cost nothing to compute.
/// Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linli::orders {

/// The text reduced to what carries meaning: full-width forms to half-width (ＡＢＣ１２３ → abc123,
/// the ideographic space to a space), ASCII letters lower-cased, then every space, punctuation mark
/// and symbol (ASCII, CJK 。，、「」…, general punctuation “”—…) dropped. Invalid UTF-8 bytes are skipped.
std::u32string NormalizeForSimilarity(std::string_view text);

/// The distinct character bigrams of normalised text (a one-character text: that character), sorted.
std::vector<uint64_t> Bigrams(const std::u32string& normalized);

/// Dice coefficient 2|A∩B| / (|A|+|B|) of two sorted sets; 0 when both are empty.
double Dice(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);

/// What an order's text is compared by: the bigrams of its title alone and of its title with its
/// description (a short title typed so far against a long description would score low on the whole).
struct TextSignature {
    std::vector<uint64_t> title;
    std::vector<uint64_t> whole;
};
TextSignature SignatureOf(std::string_view title, std::string_view description);
/// How alike a typed text (its bigrams) is to an order: the better of its title and its whole text.
double Similarity(const std::vector<uint64_t>& typed, const TextSignature& order);

/// Dice over the bigrams of both texts after normalisation: 1 for the same words whatever the
/// punctuation or width, 0 for nothing in common.
double TextSimilarity(std::string_view a, std::string_view b);

}  // namespace linli::orders
