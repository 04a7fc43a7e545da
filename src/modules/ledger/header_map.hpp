#pragma once
/// Maps the column headers people put in their ledgers (姓名, 身份证号码, 手机号 …) to canonical
/// keys ("name", "id_number", "phone" …), and back to a Chinese header for exports.
///
/// Keys: name, id_number, phone, sex, birth_date, building, unit, room, relation, hukou, tenure,
/// tags, grid, note. sex and birth_date are informational (both derive from the ID number).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace linli::ledger {

/// Which key each column of a header row carries.
struct HeaderMapping {
    std::vector<std::optional<std::string>> key_of_column;  // same size as the header; nullopt = not ours
    std::vector<std::string> unknown_columns;  // non-empty headers that map to no key, as written (to report)
};

/// The canonical keys in export order.
const std::vector<std::string>& KnownKeys();

/// The header folded for matching: full-width ASCII (ＡＢＣ１２３) and the ideographic space
/// folded to ASCII, 【】 to (), ASCII lower-cased, white space, '*', '_', '-', '.', ':' removed, and a
/// trailing parenthetical note dropped ("身份证号（必填）" → "身份证号").
std::string NormalizeHeader(std::string_view header);

/// The key for one header (any alias, Chinese or English, matched after NormalizeHeader), or nullopt.
std::optional<std::string> KeyForHeader(std::string_view header);

/// Maps a header row. Errors (kInvalidArgument, field "file"): a key in `required_keys` with no
/// column → "缺少列：身份证号、姓名 / missing column: 身份证号, 姓名"; two columns mapping to the same
/// key → "列重复：… / duplicate column: …". Unknown columns are listed, not an error.
/// REQUIRES: every required key is one of KnownKeys().
Result<HeaderMapping> MapHeaders(const std::vector<std::string>& header, const std::vector<std::string>& required_keys);

/// The Chinese header for a key, as written in exports and the import template (e.g. "id_number"
/// → "身份证号"); an unknown key is returned unchanged.
std::string ChineseHeaderFor(std::string_view key);

}  // namespace linli::ledger
