// Fuzz target: CSV ledger bytes (any encoding the reader guesses: UTF-8, BOM, GB18030) → the ledger
// reader, then the residents file, the import's row validation and the error report
// (resident_file_check.hpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/resident_file_check.hpp"
#include "modules/ledger/csv_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    linli::ledger::ReadOptions limits;
    limits.max_rows = 200;
    auto table = linli::ledger::ReadCsv(bytes, limits);
    if (!table) {
        linli::fuzz::Expect(table.error().field == "file", "a CSV error names the file: " + table.error().message);
        return 0;
    }
    for (const auto& row : table->rows) {
        linli::fuzz::Expect(row.cells.size() >= table->header.size(), "short rows are padded to the header");
        linli::fuzz::Expect(row.line >= 1, "rows know their line");
    }
    if (bytes.size() >= 2 && bytes.substr(0, 2) == "PK") {
        return 0;  // ReadResidentFile would take it for an XLSX file
    }
    linli::fuzz::CheckResidentFile(bytes);
    return 0;
}
