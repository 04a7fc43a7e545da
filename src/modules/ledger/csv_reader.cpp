#include "modules/ledger/csv_reader.hpp"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <utility>

#include "core/text.hpp"

namespace linli::ledger {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

Error FileError(std::string message) {
    return InvalidArgument("file", std::move(message));
}

Error TooLarge(std::string message) {
    return {ErrorCode::kPayloadTooLarge, std::move(message), "file"};
}

// NUL never occurs in text; otherwise judge the opening bytes: a text file, in any encoding we
// accept, has almost no C0 control characters besides tab, CR, LF.
bool LooksBinary(std::string_view bytes) {
    if (bytes.find('\0') != std::string_view::npos) {
        return true;
    }
    std::string_view sample = bytes.substr(0, 8192);
    size_t controls = 0;
    for (unsigned char c : sample) {
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f') || c == 0x7F) {
            ++controls;
        }
    }
    return controls * 20 > sample.size();  // more than 5 %
}

// GB18030 → UTF-8 with glibc iconv; nullopt when the bytes are not GB18030 either.
std::optional<std::string> FromGb18030(std::string_view in) {
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == reinterpret_cast<iconv_t>(-1)) {
        return std::nullopt;
    }
    // A GB18030 character of n bytes is at most n+1 bytes of UTF-8 (2 → 3, 4 → 4), so 2x never
    // overflows; E2BIG is still handled in case a library disagrees.
    std::string out(in.size() * 2 + 16, '\0');
    char* in_ptr = const_cast<char*>(in.data());
    size_t in_left = in.size();
    char* out_ptr = out.data();
    size_t out_left = out.size();
    bool ok = true;
    while (in_left > 0) {
        if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) != static_cast<size_t>(-1)) {
            continue;
        }
        if (errno == E2BIG) {
            size_t used = out.size() - out_left;
            out.resize(out.size() * 2);
            out_ptr = out.data() + used;
            out_left = out.size() - used;
            continue;
        }
        ok = false;  // EILSEQ (invalid sequence) or EINVAL (truncated at the end)
        break;
    }
    iconv_close(cd);
    if (!ok) {
        return std::nullopt;
    }
    out.resize(out.size() - out_left);
    return out;
}

bool IsBlank(const std::vector<std::string>& cells) {
    return std::all_of(cells.begin(), cells.end(), [](const std::string& c) { return c.empty(); });
}

bool IsFieldEnd(char c) {
    return c == ',' || c == '\r' || c == '\n';
}

}  // namespace

Result<std::string> DecodeText(std::string_view bytes) {
    if (bytes.starts_with(kUtf8Bom)) {
        bytes.remove_prefix(kUtf8Bom.size());
    }
    if (text::IsValidUtf8(bytes)) {
        return std::string(bytes);
    }
    std::optional<std::string> converted = FromGb18030(bytes);
    if (!converted || !text::IsValidUtf8(*converted)) {
        return FileError("文件编码无法识别 / unknown file encoding (use UTF-8 or GBK)");
    }
    return std::move(*converted);
}

Result<Table> ReadCsv(std::string_view bytes, const ReadOptions& options) {
    if (bytes.size() > options.max_bytes) {
        return TooLarge("文件过大 / file is too large (at most " + std::to_string(options.max_bytes / (1024 * 1024)) +
                        " MiB)");
    }
    if (bytes.empty() || bytes == kUtf8Bom) {
        return FileError("文件为空 / file is empty");
    }
    if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF")) {
        return FileError("不支持 UTF-16 编码，请另存为“CSV UTF-8” / UTF-16 is not supported; save as \"CSV UTF-8\"");
    }
    if (LooksBinary(bytes)) {
        return FileError("不是 CSV 文件 / not a CSV file");
    }
    LINLI_ASSIGN_OR_RETURN(const std::string text, DecodeText(bytes));

    Table table;
    bool have_header = false;
    size_t line_breaks = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
    table.rows.reserve(std::min(line_breaks + 1, options.max_rows + 1));

    const char* p = text.data();
    const char* const end = p + text.size();
    int line = 1;
    while (p < end) {
        const int record_line = line;
        std::vector<std::string> cells;
        cells.reserve(have_header ? table.header.size() : 16);
        for (;;) {
            std::string cell;
            if (p < end && *p == '"') {
                ++p;
                for (;;) {
                    if (p == end) {
                        return FileError("第 " + std::to_string(record_line) +
                                         " 行的引号未闭合 / unclosed quote in the record on line " +
                                         std::to_string(record_line));
                    }
                    const char* q = p;
                    while (q < end && *q != '"' && *q != '\r' && *q != '\n') {
                        ++q;
                    }
                    cell.append(p, q);
                    p = q;
                    if (p == end) {
                        continue;
                    }
                    if (*p == '"') {
                        if (p + 1 < end && p[1] == '"') {
                            cell += '"';
                            p += 2;
                            continue;
                        }
                        ++p;
                        break;
                    }
                    // A line break inside quotes is part of the cell; store it as LF whatever the file used.
                    cell += '\n';
                    ++line;
                    if (*p == '\r' && p + 1 < end && p[1] == '\n') {
                        ++p;
                    }
                    ++p;
                }
                // Excel-like leniency: text after the closing quote (`"a"b`) is kept, not an error.
                const char* q = p;
                while (q < end && !IsFieldEnd(*q)) {
                    ++q;
                }
                cell.append(p, q);
                p = q;
            } else {
                const char* q = p;
                while (q < end && !IsFieldEnd(*q)) {
                    ++q;
                }
                cell.assign(p, q);
                p = q;
            }
            cells.push_back(std::move(cell));
            if (p == end) {
                break;
            }
            if (*p == ',') {
                ++p;
                continue;
            }
            if (*p == '\r' && p + 1 < end && p[1] == '\n') {
                ++p;
            }
            ++p;
            ++line;
            break;
        }

        if (IsBlank(cells)) {
            continue;
        }
        if (!have_header) {
            // Empty cells at the end of the header are trailing commas, not columns.
            while (!cells.empty() && cells.back().empty()) {
                cells.pop_back();
            }
            table.header = std::move(cells);
            have_header = true;
            continue;
        }
        if (table.rows.size() >= options.max_rows) {
            return TooLarge("行数过多 / too many rows (at most " + std::to_string(options.max_rows) + ")");
        }
        // Cells past the header that are empty are trailing commas, not data.
        while (cells.size() > table.header.size() && cells.back().empty()) {
            cells.pop_back();
        }
        if (cells.size() < table.header.size()) {
            cells.resize(table.header.size());
        }
        table.rows.push_back(Row{record_line, std::move(cells)});
    }
    if (!have_header) {
        return FileError("文件为空 / file is empty");
    }
    return table;
}

}  // namespace linli::ledger
