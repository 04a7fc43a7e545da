#pragma once
/// Writes a Table as a ledger file people open in Excel: CSV (UTF-8 with BOM, CRLF) or XLSX.

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "modules/ledger/table.hpp"

namespace linli::ledger {

/// True when a spreadsheet would read `cell` as a formula: it starts with = + - @ TAB or CR
/// (OWASP "CSV injection"). A plain negative number such as "-12" or "-3.5" is not a formula.
bool LooksLikeFormula(std::string_view cell);

/// The cell as it should be written to CSV: a leading apostrophe when LooksLikeFormula, so Excel
/// shows the text instead of running it. Not reversible by design: the file is for people.
std::string EscapeFormula(std::string_view cell);

/// RFC 4180 CSV: a UTF-8 BOM (so Excel detects the encoding of Chinese text), CRLF after every
/// record, a cell quoted when it holds , " CR or LF (quotes doubled), formula-looking cells
/// escaped with EscapeFormula. Rows shorter than the header are padded with empty cells; Row::line
/// is ignored. Thread-safe: keeps no state.
std::string WriteCsv(const Table& table);

/// An .xlsx workbook with one sheet named `sheet_name`: the header in bold and frozen, with an
/// autofilter, every cell written as a string (so ID numbers, phones and leading zeros stay text),
/// columns sized to their content (CJK characters count double, 8–60 characters wide). Formula
/// escaping is not needed here: worksheet_write_string stores a string, never a formula, so "=1+1"
/// stays the text "=1+1" in Excel. libxlsxwriter (1.1.4 has no memory output) writes a private
/// temporary file (mode 0600, removed before returning) that is read back.
/// Errors: a sheet name Excel refuses (> 31 characters, one of []:*?/\) → kInvalidArgument
/// "sheet_name"; a cell over 32,767 characters or more than 1,048,575 rows → kInvalidArgument
/// "file"; temp-file I/O failure → kInternal. Thread-safe: keeps no state.
Result<std::string> WriteXlsx(const Table& table, std::string_view sheet_name);

}  // namespace linli::ledger
