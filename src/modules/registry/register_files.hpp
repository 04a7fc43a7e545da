#pragma once
/// The register as files (台账): residents files in, error reports and ledgers out. Glue between
/// the ledger module (CSV/XLSX bytes ⇄ tables) and ResidentService (rows ⇄ the register).

#include <string>
#include <string_view>
#include <vector>

#include "core/actor.hpp"
#include "core/error.hpp"
#include "modules/ledger/table.hpp"
#include "modules/registry/resident_model.hpp"
#include "storage/database.hpp"

namespace linli::registry {

class ResidentService;

struct ResidentFile {
    std::vector<ImportRow> rows;
    std::vector<std::string> unknown_columns;  // ignored, but worth telling the user
};

/// Reads a residents file: XLSX when it is a zip, else CSV (UTF-8, with or without BOM, or GBK).
/// Header names are the Chinese ones people use (docs/import-format.md); missing required columns
/// are a 400 on field "file" naming them.
Result<ResidentFile> ReadResidentFile(std::string_view bytes);

/// The import's errors as a table to download: 行号, 列, 错误说明, error.
ledger::Table ErrorReport(const std::vector<ImportError>& errors);

enum class FileFormat { kCsv, kXlsx };

/// Every resident matching `query` in the caller's scope, masked, with Chinese headers; writes an
/// `export.residents` audit row with the filter and the count.
Result<std::string> ExportResidents(ResidentService& service, storage::Database& db, const Actor& actor,
                                    ResidentQuery query, FileFormat format, const RequestInfo& info, int64_t now);

}  // namespace linli::registry
