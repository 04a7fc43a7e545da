#include "modules/ledger/xlsx_reader.hpp"

#include <expat.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace linli::ledger {
namespace {

constexpr size_t kMaxColumns = 16384;  // Excel's limit (column XFD)
constexpr size_t kChunkSize = 64 * 1024;

Error NotXlsx() {
    return InvalidArgument("file", "不是有效的 XLSX 文件 / not a valid XLSX file");
}

Error TooLarge(std::string message) {
    return {ErrorCode::kPayloadTooLarge, std::move(message), "file"};
}

Error UnpackedTooLarge() {
    return TooLarge("XLSX 解压后过大 / the XLSX file unpacks to too much data");
}

struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

// Opens a zip held in memory; the bytes must outlive the archive.
std::optional<ZipPtr> OpenZip(std::string_view bytes) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (source == nullptr) {
        zip_error_fini(&error);
        return std::nullopt;
    }
    zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
    zip_error_fini(&error);
    if (archive == nullptr) {
        zip_source_free(source);  // on failure the source still belongs to us
        return std::nullopt;
    }
    return ZipPtr(archive);
}

// Streams one entry in chunks, charging every byte to `budget` so a zip bomb stops early. Returns
// false (as a value) when the entry does not exist.
Result<bool> StreamEntry(zip_t* zip, const std::string& name, size_t& budget,
                         const std::function<Result<void>(std::string_view)>& sink) {
    zip_int64_t index = zip_name_locate(zip, name.c_str(), ZIP_FL_NOCASE);
    if (index < 0) {
        return false;
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip, static_cast<zip_uint64_t>(index), 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) != 0 &&
        st.size > budget) {
        return UnpackedTooLarge();
    }
    std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(zip, static_cast<zip_uint64_t>(index), 0));
    if (!file) {
        return NotXlsx();  // encrypted entry, unsupported compression
    }
    std::vector<char> buffer(kChunkSize);
    for (;;) {
        zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
        if (n < 0) {
            return NotXlsx();  // corrupt data, CRC mismatch
        }
        if (n == 0) {
            return true;
        }
        // Sizes in the zip directory can lie; count what is actually inflated.
        if (static_cast<size_t>(n) > budget) {
            return UnpackedTooLarge();
        }
        budget -= static_cast<size_t>(n);
        LINLI_TRY(sink(std::string_view(buffer.data(), static_cast<size_t>(n))));
    }
}

std::string_view LocalName(const XML_Char* name) {
    std::string_view s(name);
    size_t bar = s.rfind('|');
    return bar == std::string_view::npos ? s : s.substr(bar + 1);
}

// Finds an attribute by local name; `namespaced` asks for a prefixed attribute such as r:id.
const char* Attribute(const XML_Char** attrs, std::string_view local, bool namespaced = false) {
    for (size_t i = 0; attrs[i] != nullptr; i += 2) {
        std::string_view name(attrs[i]);
        bool has_ns = name.find('|') != std::string_view::npos;
        if (has_ns == namespaced && LocalName(attrs[i]) == local) {
            return attrs[i + 1];
        }
    }
    return nullptr;
}

/// A namespace-aware expat parser fed chunk by chunk; subclasses handle elements and text.
/// DOCTYPE declarations are refused: OOXML never has one, and refusing them shuts out entity tricks.
class XmlReader {
public:
    XmlReader() : parser_(XML_ParserCreateNS(nullptr, '|')) {
        if (parser_ == nullptr) {
            throw std::bad_alloc();
        }
        XML_SetUserData(parser_, this);
        XML_SetElementHandler(
            parser_,
            [](void* self, const XML_Char* name, const XML_Char** attrs) {
                static_cast<XmlReader*>(self)->OnStart(LocalName(name), attrs);
            },
            [](void* self, const XML_Char* name) { static_cast<XmlReader*>(self)->OnEnd(LocalName(name)); });
        XML_SetCharacterDataHandler(parser_, [](void* self, const XML_Char* s, int len) {
            static_cast<XmlReader*>(self)->OnText(std::string_view(s, static_cast<size_t>(len)));
        });
        XML_SetStartDoctypeDeclHandler(parser_, [](void* self, const XML_Char*, const XML_Char*, const XML_Char*, int) {
            static_cast<XmlReader*>(self)->Fail(NotXlsx());
        });
    }
    virtual ~XmlReader() { XML_ParserFree(parser_); }
    XmlReader(const XmlReader&) = delete;
    XmlReader& operator=(const XmlReader&) = delete;

    Result<void> Feed(std::string_view chunk, bool final) {
        if (error_) {
            return *error_;
        }
        XML_Status status =
            XML_Parse(parser_, chunk.data(), static_cast<int>(chunk.size()), final ? XML_TRUE : XML_FALSE);
        if (error_) {
            return *error_;
        }
        if (status != XML_STATUS_OK) {
            return NotXlsx();
        }
        return {};
    }

protected:
    virtual void OnStart(std::string_view local, const XML_Char** attrs) = 0;
    virtual void OnEnd(std::string_view local) = 0;
    virtual void OnText(std::string_view text) = 0;

    /// Records the first error and stops the parser; Feed returns it.
    void Fail(Error error) {
        if (!error_) {
            error_ = std::move(error);
            XML_StopParser(parser_, XML_FALSE);
        }
    }
    bool failed() const { return error_.has_value(); }

private:
    XML_Parser parser_;
    std::optional<Error> error_;
};

// Parses a whole zip entry with `reader`; false when the entry is missing.
Result<bool> ParseEntry(zip_t* zip, const std::string& name, size_t& budget, XmlReader& reader) {
    LINLI_ASSIGN_OR_RETURN(
        bool found, StreamEntry(zip, name, budget, [&](std::string_view chunk) { return reader.Feed(chunk, false); }));
    if (!found) {
        return false;
    }
    LINLI_TRY(reader.Feed({}, true));
    return true;
}

// xl/workbook.xml: the relationship id of the first visible sheet (the first sheet if all are hidden).
class WorkbookReader : public XmlReader {
public:
    std::string first_rid;
    std::string first_visible_rid;

protected:
    void OnStart(std::string_view local, const XML_Char** attrs) override {
        if (local != "sheet") {
            return;
        }
        const char* rid = Attribute(attrs, "id", true);
        if (rid == nullptr) {
            return;
        }
        const char* state = Attribute(attrs, "state");
        bool visible = state == nullptr || std::string_view(state) == "visible";
        if (first_rid.empty()) {
            first_rid = rid;
        }
        if (visible && first_visible_rid.empty()) {
            first_visible_rid = rid;
        }
    }
    void OnEnd(std::string_view) override {}
    void OnText(std::string_view) override {}
};

// xl/_rels/workbook.xml.rels: relationship id → target.
class RelsReader : public XmlReader {
public:
    explicit RelsReader(std::string id) : id_(std::move(id)) {}
    std::string target;

protected:
    void OnStart(std::string_view local, const XML_Char** attrs) override {
        if (local != "Relationship") {
            return;
        }
        const char* id = Attribute(attrs, "Id");
        const char* t = Attribute(attrs, "Target");
        if (id != nullptr && t != nullptr && id_ == id) {
            target = t;
        }
    }
    void OnEnd(std::string_view) override {}
    void OnText(std::string_view) override {}

private:
    std::string id_;
};

// A relationship target is relative to xl/ unless it starts with '/'; resolves "../" segments.
std::string ResolveTarget(std::string_view target) {
    std::string base = "xl/";
    if (target.starts_with('/')) {
        base.clear();
        target.remove_prefix(1);
    }
    std::vector<std::string> parts;
    std::string path = base + std::string(target);
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (part == "..") {
            if (!parts.empty()) {
                parts.pop_back();
            }
        } else if (!part.empty() && part != ".") {
            parts.push_back(std::move(part));
        }
        if (slash == std::string::npos) {
            break;
        }
        start = slash + 1;
    }
    std::string out;
    for (const std::string& part : parts) {
        if (!out.empty()) {
            out += '/';
        }
        out += part;
    }
    return out;
}

// xl/sharedStrings.xml: each <si> is one string, its <t> texts joined; <rPh> phonetic guides skipped.
class SharedStringsReader : public XmlReader {
public:
    std::vector<std::string> strings;

protected:
    void OnStart(std::string_view local, const XML_Char**) override {
        if (local == "si") {
            current_.clear();
        } else if (local == "rPh") {
            ++phonetic_depth_;
        } else if (local == "t") {
            in_t_ = true;
        }
    }
    void OnEnd(std::string_view local) override {
        if (local == "si") {
            strings.push_back(std::move(current_));
            current_.clear();
        } else if (local == "rPh") {
            --phonetic_depth_;
        } else if (local == "t") {
            in_t_ = false;
        }
    }
    void OnText(std::string_view text) override {
        if (in_t_ && phonetic_depth_ == 0) {
            current_.append(text);
        }
    }

private:
    std::string current_;
    bool in_t_ = false;
    int phonetic_depth_ = 0;
};

// "BC12" → 54 (0-based column); nullopt when there are no letters or the column is past XFD.
std::optional<size_t> ColumnOf(std::string_view ref) {
    size_t col = 0;
    size_t letters = 0;
    for (char c : ref) {
        if (c >= 'A' && c <= 'Z') {
            col = col * 26 + static_cast<size_t>(c - 'A' + 1);
        } else if (c >= 'a' && c <= 'z') {
            col = col * 26 + static_cast<size_t>(c - 'a' + 1);
        } else {
            break;
        }
        if (++letters > 3) {
            return std::nullopt;
        }
    }
    if (letters == 0 || col > kMaxColumns) {
        return std::nullopt;
    }
    return col - 1;
}

std::optional<long long> ParseInt(std::string_view s) {
    long long v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

// The worksheet: rows of cells into a Table, one row at a time.
class SheetReader : public XmlReader {
public:
    SheetReader(const std::vector<std::string>& shared, const ReadOptions& options, Table& table)
        : shared_(shared), options_(options), table_(table) {}
    bool have_header = false;

protected:
    void OnStart(std::string_view local, const XML_Char** attrs) override {
        if (failed()) {
            return;
        }
        if (local == "row") {
            const char* r = Attribute(attrs, "r");
            std::optional<long long> n = r != nullptr ? ParseInt(r) : std::nullopt;
            row_number_ = n && *n > 0 ? static_cast<int>(std::min<long long>(*n, 1 << 30)) : row_number_ + 1;
            cells_.clear();
            next_column_ = 0;
        } else if (local == "c") {
            const char* r = Attribute(attrs, "r");
            if (r != nullptr) {
                std::optional<size_t> col = ColumnOf(r);
                if (!col) {
                    Fail(NotXlsx());
                    return;
                }
                column_ = *col;
            } else {
                column_ = next_column_;
            }
            if (column_ >= kMaxColumns) {
                Fail(NotXlsx());
                return;
            }
            const char* t = Attribute(attrs, "t");
            type_ = t != nullptr ? t : "n";
            value_.clear();
            inline_.clear();
        } else if (local == "v") {
            in_v_ = true;
        } else if (local == "is") {
            in_is_ = true;
        } else if (local == "t") {
            in_t_ = true;
        } else if (local == "rPh") {
            ++phonetic_depth_;
        }
    }

    void OnEnd(std::string_view local) override {
        if (failed()) {
            return;
        }
        if (local == "v") {
            in_v_ = false;
        } else if (local == "is") {
            in_is_ = false;
        } else if (local == "t") {
            in_t_ = false;
        } else if (local == "rPh") {
            --phonetic_depth_;
        } else if (local == "c") {
            EndCell();
        } else if (local == "row") {
            EndRow();
        }
    }

    void OnText(std::string_view text) override {
        if (in_v_) {
            value_.append(text);
        } else if (in_is_ && in_t_ && phonetic_depth_ == 0) {
            inline_.append(text);
        }
    }

private:
    void EndCell() {
        std::string text;
        if (type_ == "s") {
            std::optional<long long> index = ParseInt(value_);
            if (!index || *index < 0 || static_cast<size_t>(*index) >= shared_.size()) {
                Fail(NotXlsx());
                return;
            }
            text = shared_[static_cast<size_t>(*index)];
        } else if (type_ == "inlineStr") {
            text = std::move(inline_);
        } else if (type_ == "b") {
            text = value_ == "1" ? "TRUE" : value_ == "0" ? "FALSE" : value_;
        } else {
            text = std::move(value_);  // n, str (formula result), e (#N/A...), d (ISO date)
        }
        if (cells_.size() <= column_) {
            cells_.resize(column_ + 1);
        }
        cells_[column_] = std::move(text);
        next_column_ = column_ + 1;
    }

    void EndRow() {
        bool blank = std::all_of(cells_.begin(), cells_.end(), [](const std::string& c) { return c.empty(); });
        if (blank) {
            return;
        }
        if (!have_header) {
            // Empty cells at the end of the header are formatting, not columns.
            while (!cells_.empty() && cells_.back().empty()) {
                cells_.pop_back();
            }
            table_.header = std::move(cells_);
            cells_.clear();
            have_header = true;
            return;
        }
        if (table_.rows.size() >= options_.max_rows) {
            Fail(TooLarge("行数过多 / too many rows (at most " + std::to_string(options_.max_rows) + ")"));
            return;
        }
        while (cells_.size() > table_.header.size() && cells_.back().empty()) {
            cells_.pop_back();
        }
        if (cells_.size() < table_.header.size()) {
            cells_.resize(table_.header.size());
        }
        table_.rows.push_back(Row{row_number_, std::move(cells_)});
        cells_ = {};
    }

    const std::vector<std::string>& shared_;
    const ReadOptions& options_;
    Table& table_;
    std::vector<std::string> cells_;
    int row_number_ = 0;
    size_t column_ = 0;
    size_t next_column_ = 0;
    std::string type_;
    std::string value_;
    std::string inline_;
    bool in_v_ = false;
    bool in_is_ = false;
    bool in_t_ = false;
    int phonetic_depth_ = 0;
};

}  // namespace

Result<Table> ReadXlsx(std::string_view bytes, const ReadOptions& options) {
    if (bytes.size() > options.max_bytes) {
        return TooLarge("文件过大 / file is too large (at most " + std::to_string(options.max_bytes / (1024 * 1024)) +
                        " MiB)");
    }
    if (bytes.empty()) {
        return InvalidArgument("file", "文件为空 / file is empty");
    }
    // Password-protected .xlsx and old .xls files are OLE compound documents, not zips.
    if (bytes.starts_with("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) {
        return InvalidArgument(
            "file",
            "不是有效的 XLSX 文件（旧版 .xls 或加密文件请另存为 .xlsx）/ not a valid XLSX file (save "
            ".xls or password-protected workbooks as a plain .xlsx)");
    }
    std::optional<ZipPtr> zip = OpenZip(bytes);
    if (!zip) {
        return NotXlsx();
    }
    size_t budget = options.max_uncompressed_bytes;

    WorkbookReader workbook;
    LINLI_ASSIGN_OR_RETURN(bool has_workbook, ParseEntry(zip->get(), "xl/workbook.xml", budget, workbook));
    if (!has_workbook) {
        return NotXlsx();
    }
    std::string rid = workbook.first_visible_rid.empty() ? workbook.first_rid : workbook.first_visible_rid;
    std::string sheet_path = "xl/worksheets/sheet1.xml";  // what every writer uses when rels are odd
    if (!rid.empty()) {
        RelsReader rels(rid);
        LINLI_ASSIGN_OR_RETURN(bool has_rels, ParseEntry(zip->get(), "xl/_rels/workbook.xml.rels", budget, rels));
        if (has_rels && !rels.target.empty()) {
            sheet_path = ResolveTarget(rels.target);
        }
    }

    SharedStringsReader shared;
    LINLI_TRY(ParseEntry(zip->get(), "xl/sharedStrings.xml", budget, shared));  // optional: inline strings only

    Table table;
    SheetReader sheet(shared.strings, options, table);
    LINLI_ASSIGN_OR_RETURN(bool has_sheet, ParseEntry(zip->get(), sheet_path, budget, sheet));
    if (!has_sheet) {
        return NotXlsx();
    }
    if (!sheet.have_header) {
        return InvalidArgument("file", "文件为空 / file is empty");
    }
    return table;
}

}  // namespace linli::ledger
