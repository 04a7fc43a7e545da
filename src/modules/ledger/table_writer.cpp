#include "modules/ledger/table_writer.hpp"

#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>
#include <vector>

namespace linli::ledger {
namespace {

bool IsPlainNumber(std::string_view s) {
    // [-]digits[.digits]: a value, not an expression.
    if (s.starts_with('-')) {
        s.remove_prefix(1);
    }
    size_t digits = 0;
    bool dot = false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            ++digits;
        } else if (c == '.' && !dot && i > 0 && i + 1 < s.size()) {
            dot = true;
        } else {
            return false;
        }
    }
    return digits > 0;
}

void AppendCsvCell(std::string& out, std::string_view cell) {
    std::string escaped;
    if (LooksLikeFormula(cell)) {
        escaped = EscapeFormula(cell);
        cell = escaped;
    }
    if (cell.find_first_of(",\"\r\n") == std::string_view::npos) {
        out.append(cell);
        return;
    }
    out += '"';
    for (char c : cell) {
        if (c == '"') {
            out += '"';
        }
        out += c;
    }
    out += '"';
}

// Width in Excel character units: a CJK character (3- or 4-byte UTF-8) is about two Latin ones.
size_t DisplayWidth(std::string_view s) {
    size_t width = 0;
    for (unsigned char c : s) {
        if (c < 0x80 || (c & 0xE0) == 0xC0) {
            ++width;
        } else if ((c & 0xF0) == 0xE0 || (c & 0xF8) == 0xF0) {
            width += 2;
        }
    }
    return width;
}

struct WorkbookCloser {
    void operator()(lxw_workbook* wb) const { workbook_close(wb); }
};

// Removes the temporary file however WriteXlsx returns.
struct TempFile {
    std::filesystem::path path;
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
};

}  // namespace

bool LooksLikeFormula(std::string_view cell) {
    if (cell.empty()) {
        return false;
    }
    switch (cell.front()) {
        case '=':
        case '+':
        case '@':
        case '\t':
        case '\r':
            return true;
        case '-':
            return !IsPlainNumber(cell);
        default:
            return false;
    }
}

std::string EscapeFormula(std::string_view cell) {
    if (!LooksLikeFormula(cell)) {
        return std::string(cell);
    }
    std::string out = "'";
    out.append(cell);
    return out;
}

std::string WriteCsv(const Table& table) {
    std::string out = "\xEF\xBB\xBF";
    size_t estimate = 0;
    for (const std::string& h : table.header) {
        estimate += h.size() + 1;
    }
    out.reserve(estimate * (table.rows.size() + 1) * 2 + 16);
    auto write_record = [&](const std::vector<std::string>& cells) {
        size_t n = std::max(cells.size(), table.header.size());
        for (size_t i = 0; i < n; ++i) {
            if (i > 0) {
                out += ',';
            }
            if (i < cells.size()) {
                AppendCsvCell(out, cells[i]);
            }
        }
        out += "\r\n";
    };
    write_record(table.header);
    for (const Row& row : table.rows) {
        write_record(row.cells);
    }
    return out;
}

Result<std::string> WriteXlsx(const Table& table, std::string_view sheet_name) {
    const std::string name(sheet_name);
    if (table.rows.size() + 1 > LXW_ROW_MAX) {
        return InvalidArgument("file", "行数超过 Excel 上限 / more rows than Excel allows (1,048,575)");
    }
    size_t columns = table.header.size();
    for (const Row& row : table.rows) {
        columns = std::max(columns, row.cells.size());
    }
    if (columns > LXW_COL_MAX) {
        return InvalidArgument("file", "列数超过 Excel 上限 / more columns than Excel allows (16,384)");
    }

    std::error_code ec;
    std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
    if (ec) {
        dir = "/tmp";
    }
    // mkstemps creates the file with mode 0600: a ledger holds personal data.
    std::string pattern = (dir / "linli-ledger-XXXXXX.xlsx").string();
    int fd = mkstemps(pattern.data(), 5);
    if (fd < 0) {
        return Internal("cannot create a temporary file in " + dir.string());
    }
    close(fd);
    TempFile temp{pattern};

    std::string tmpdir = dir.string();
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;  // rows are streamed to disk, memory stays flat for big ledgers
    options.tmpdir = tmpdir.data();
    options.use_zip64 = LXW_FALSE;
    std::unique_ptr<lxw_workbook, WorkbookCloser> workbook(workbook_new_opt(pattern.c_str(), &options));
    if (!workbook) {
        return Internal("libxlsxwriter could not create a workbook");
    }
    if (workbook_validate_sheet_name(workbook.get(), name.c_str()) != LXW_NO_ERROR) {
        return InvalidArgument("sheet_name",
                               "工作表名称无效 / invalid sheet name (at most 31 characters, none of []:*?/\\)");
    }
    lxw_worksheet* sheet = workbook_add_worksheet(workbook.get(), name.c_str());
    if (sheet == nullptr) {
        return Internal("libxlsxwriter could not add a worksheet");
    }
    lxw_format* text_format = workbook_add_format(workbook.get());
    format_set_num_format(text_format, "@");  // new values typed into these columns stay text too
    lxw_format* header_format = workbook_add_format(workbook.get());
    format_set_bold(header_format);
    format_set_num_format(header_format, "@");

    std::vector<size_t> widths(columns, 0);
    auto measure = [&](const std::vector<std::string>& cells) {
        for (size_t i = 0; i < cells.size(); ++i) {
            widths[i] = std::max(widths[i], DisplayWidth(cells[i]));
        }
    };
    measure(table.header);
    for (const Row& row : table.rows) {
        measure(row.cells);
    }
    for (size_t c = 0; c < columns; ++c) {
        double width = static_cast<double>(std::clamp<size_t>(widths[c] + 2, 8, 60));
        worksheet_set_column(sheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), width, text_format);
    }

    auto write_row = [&](lxw_row_t r, const std::vector<std::string>& cells, lxw_format* format) -> Result<void> {
        for (size_t c = 0; c < cells.size(); ++c) {
            if (cells[c].empty()) {
                continue;
            }
            lxw_error err = worksheet_write_string(sheet, r, static_cast<lxw_col_t>(c), cells[c].c_str(), format);
            if (err == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED) {
                return InvalidArgument("file",
                                       "单元格超过 32767 个字符 / a cell is longer than Excel's 32,767 characters");
            }
            if (err != LXW_NO_ERROR) {
                return Internal(std::string("libxlsxwriter: ") + lxw_strerror(err));
            }
        }
        return {};
    };
    LINLI_TRY(write_row(0, table.header, header_format));
    for (size_t i = 0; i < table.rows.size(); ++i) {
        LINLI_TRY(write_row(static_cast<lxw_row_t>(i + 1), table.rows[i].cells, text_format));
    }
    if (columns > 0) {
        worksheet_freeze_panes(sheet, 1, 0);
        worksheet_autofilter(sheet, 0, 0, static_cast<lxw_row_t>(table.rows.size()),
                             static_cast<lxw_col_t>(columns - 1));
        worksheet_ignore_errors(sheet, LXW_IGNORE_NUMBER_STORED_AS_TEXT, "A1:XFD1048576");
    }

    lxw_error err = workbook_close(workbook.release());
    if (err != LXW_NO_ERROR) {
        return Internal(std::string("libxlsxwriter: ") + lxw_strerror(err));
    }
    std::ifstream in(pattern, std::ios::binary);
    if (!in) {
        return Internal("cannot read back the temporary XLSX file");
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        return Internal("cannot read back the temporary XLSX file");
    }
    return bytes;
}

}  // namespace linli::ledger
