#pragma once
/// The neutral shape of a ledger (台账) file: a header row and rows of UTF-8 text cells. Readers
/// turn CSV / XLSX bytes into a Table and writers turn a Table back into bytes; what the cells mean
/// (header_map, the registry's validators) is decided by the caller.

#include <cstddef>
#include <string>
#include <vector>

namespace linli::ledger {

/// One data row of a file.
struct Row {
    int line = 0;                    // 1-based line (CSV) or row number (XLSX) in the source, for error reports
    std::vector<std::string> cells;  // UTF-8; at least header.size() cells (short rows are padded with "")
};

/// A whole file: the first non-blank row is the header, the rest are data rows in file order.
/// Blank rows (every cell empty) are dropped; rows may hold more cells than the header when the
/// file had data beyond the last header column, which the caller reports per row.
struct Table {
    std::vector<std::string> header;
    std::vector<Row> rows;
};

/// Limits shared by the readers. Past them the read fails with kPayloadTooLarge naming "file".
struct ReadOptions {
    size_t max_rows = 1'000'000;                        // data rows, header excluded
    size_t max_bytes = 64 * 1024 * 1024;                // size of the file as uploaded
    size_t max_uncompressed_bytes = 256 * 1024 * 1024;  // XLSX: all zip entries read, summed (zip bombs)
};

}  // namespace linli::ledger
