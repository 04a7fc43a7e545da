#pragma once
/// Reads a CSV ledger (RFC 4180) as people actually produce it: Excel in China writes GBK/GB18030
/// without a BOM, "CSV UTF-8" writes a BOM, line endings are CRLF, LF or CR (even mixed in one file
/// after hand edits), and cells hold commas, quotes and line breaks inside quotes.

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "modules/ledger/table.hpp"

namespace linli::ledger {

/// Parses `bytes` into a Table whose cells are UTF-8. Encoding: a UTF-8 BOM is stripped; valid
/// UTF-8 is taken as is; anything else is converted from GB18030 (a superset of GBK). Each Row's
/// `line` is the line on which its record starts (a quoted line break makes a record span lines).
/// Errors (all name field "file"): empty file, binary file ("not a CSV file"), unknown encoding,
/// UTF-16, an unclosed quote, and (kPayloadTooLarge) more bytes or rows than `options` allow.
/// Thread-safe: keeps no state.
Result<Table> ReadCsv(std::string_view bytes, const ReadOptions& options = {});

/// The bytes as UTF-8 text: BOM stripped, converted from GB18030 when they are not valid UTF-8.
/// Exposed for other text uploads; fails like ReadCsv on an unknown encoding.
Result<std::string> DecodeText(std::string_view bytes);

}  // namespace linli::ledger
