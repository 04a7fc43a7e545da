#pragma once
/// The register as files (台账): residents files in, error reports and ledgers out. Glue between
/// the ledger module (CSV/XLSX bytes ⇄ tables) and ResidentService (rows ⇄ the register).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/actor.hpp"
#include "core/error.hpp"
#include "modules/ledger/table.hpp"
#include "modules/registry/resident_model.hpp"
#include "storage/database.hpp"

namespace linli::registry {

class AssignmentService;
class ResidentService;

/// One column of a residents file as it was uploaded.
struct FileColumn {
    std::string header;  // as written in the file
    /// The ImportRow member its cells were read into; nullptr: kept in ResidentFile::other_cells
    /// (informational and unknown columns), or dropped when `error_column`.
    std::string ImportRow::*field = nullptr;
    /// A column of an earlier error report (行号, 错误列, 错误说明, error): recognised, ignored, and
    /// left out of the next report so a corrected report can go round again.
    bool error_column = false;
};

struct ResidentFile {
    std::vector<ImportRow> rows;
    std::vector<std::string> unknown_columns;  // ignored, but worth telling the user
    /// The file's header row: ErrorReport repeats the rejected rows with the file's own columns.
    std::vector<FileColumn> columns;
    /// Per row of `rows`: the cells of the columns with no ImportRow member (and not error columns),
    /// in column order. Empty vectors when every column is one the importer reads.
    std::vector<std::vector<std::string>> other_cells;
};

/// Reads a residents file: XLSX when it is a zip, else CSV (UTF-8, with or without BOM, or GBK).
/// Header names are the Chinese ones people use (docs/import-format.md); missing required columns
/// are a 400 on field "file" naming them. A CSV cell that our CSV writer escaped ("'=…", "'+86…") is
/// read back as it was before escaping.
Result<ResidentFile> ReadResidentFile(std::string_view bytes);

/// The header of the error columns ErrorReport appends, in order.
inline constexpr std::string_view kErrorLineHeader = "行号";
inline constexpr std::string_view kErrorColumnsHeader = "错误列";
inline constexpr std::string_view kErrorMessageHeader = "错误说明";
inline constexpr std::string_view kErrorMessageEnHeader = "error";

/// The rows an import rejected, ready to be corrected and imported again: one line per rejected row
/// with the file's own columns (original headers, original order, cells as uploaded), then 行号 (its
/// line in the uploaded file), 错误列 (the Chinese headers of the bad cells, 整行 for the row as a
/// whole), 错误说明 and error (the messages in Chinese and English; several joined, each prefixed
/// with its column). ReadResidentFile ignores these four columns.
ledger::Table ErrorReport(const ResidentFile& file, const std::vector<ImportError>& errors);

enum class FileFormat { kCsv, kXlsx };

/// How a ledger is written and whether it shows personal data in full.
struct ExportOptions {
    FileFormat format = FileFormat::kCsv;
    /// When set, ID numbers and phones are written in full: the caller must be allowed to reveal
    /// (403 otherwise) and this is their reason (2..200 characters; 400 field "reason"). The audit
    /// row records the reveal and the reason.
    std::optional<std::string> reveal_reason;
};

/// The file as bytes: CSV (formula cells escaped) or XLSX with one sheet named `sheet_name`.
Result<std::string> WriteLedger(const ledger::Table& table, FileFormat format, std::string_view sheet_name);

/// Every resident matching `query` in the caller's scope, masked unless revealed, with Chinese
/// headers; writes an `export.residents` audit row with the filter, the count and the reveal.
Result<std::string> ExportResidents(ResidentService& service, storage::Database& db, const Actor& actor,
                                    ResidentQuery query, const ExportOptions& options, const RequestInfo& info,
                                    int64_t now);

/// The households ledger (户台账) of the caller's scope, under `under_node_id` when given (404
/// naming node_id when not visible): 社区, 网格, 楼栋, 单元, 房号, 住房性质, 户主, 户主联系电话 (masked
/// unless revealed), 在住人数, 联户长, 标签, sorted by those names (numbers inside compared as
/// numbers). Read a page of households at a time. Writes an `export.households` audit row with the
/// filter, the count and the reveal.
Result<std::string> ExportHouseholds(ResidentService& residents, AssignmentService& assignments, storage::Database& db,
                                     const Actor& actor, std::optional<int64_t> under_node_id,
                                     const ExportOptions& options, const RequestInfo& info, int64_t now);

}  // namespace linli::registry
