#pragma once
/// Reads the first worksheet of an Excel workbook (.xlsx, Office Open XML) into a Table, streaming
/// the sheet XML so a 60,000-row ledger never sits in memory as a DOM.

#include <string_view>

#include "core/error.hpp"
#include "modules/ledger/table.hpp"

namespace linli::ledger {

/// Parses `bytes` (the whole .xlsx file) into a Table. The first sheet in workbook order is read
/// (xl/workbook.xml + its relationships); cell references place values in their columns, gaps
/// become "". Values are the text as stored: shared and inline strings (rich-text runs joined,
/// phonetic guides dropped), formula results, booleans as TRUE/FALSE, and numbers exactly as
/// written in the file (so an ID typed as a number may arrive as "1.10105194912E+17" and a date as
/// a serial number such as "45292": the caller's validators reject those with a clear message).
/// Each Row's `line` is the Excel row number. Errors name field "file": not a zip or no workbook
/// → "不是有效的 XLSX 文件 / not a valid XLSX file"; an empty sheet → "file is empty"; more than
/// `options` allow (file size, rows, uncompressed bytes: zip bombs) → kPayloadTooLarge.
/// Thread-safe: keeps no state.
Result<Table> ReadXlsx(std::string_view bytes, const ReadOptions& options = {});

}  // namespace linli::ledger
