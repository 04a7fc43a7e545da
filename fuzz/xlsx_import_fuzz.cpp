// Fuzz target: XLSX workbooks → the ledger's XLSX reader (libzip, expat), then the residents file,
// the import's row validation and the error report (resident_file_check.hpp).
//
// An input that starts with "PK" is taken as the zip file itself. Any other is a list of parts,
//
//     == xl/workbook.xml
//     <workbook …>
//     == xl/worksheets/sheet1.xml
//     …
//
// which this target zips before reading: mutations then reach the XML and the sheet logic instead
// of dying at the zip's checksums.
#include <zip.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz/resident_file_check.hpp"
#include "modules/ledger/xlsx_reader.hpp"

namespace {

std::vector<std::pair<std::string, std::string>> SplitParts(std::string_view input) {
    std::vector<std::pair<std::string, std::string>> parts;
    size_t pos = 0;
    while (pos < input.size()) {
        if (input.substr(pos, 3) != "== ") {
            break;
        }
        const size_t name_end = input.find('\n', pos);
        if (name_end == std::string_view::npos) {
            break;
        }
        std::string name(input.substr(pos + 3, name_end - pos - 3));
        size_t next = input.find("\n== ", name_end);
        const size_t body_end = next == std::string_view::npos ? input.size() : next;
        parts.emplace_back(std::move(name), std::string(input.substr(name_end + 1, body_end - name_end - 1)));
        pos = next == std::string_view::npos ? input.size() : next + 1;
    }
    return parts;
}

/// The parts as a zip archive in memory; empty when libzip refuses (a bad or repeated name).
std::string Zip(const std::vector<std::pair<std::string, std::string>>& parts) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &error);
    if (out == nullptr) {
        return {};
    }
    zip_t* archive = zip_open_from_source(out, ZIP_TRUNCATE, &error);
    if (archive == nullptr) {
        zip_source_free(out);
        return {};
    }
    zip_source_keep(out);
    for (const auto& [name, body] : parts) {
        zip_source_t* s = zip_source_buffer(archive, body.data(), body.size(), 0);
        if (s == nullptr || zip_file_add(archive, name.c_str(), s, ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(s);
            zip_discard(archive);
            zip_source_free(out);
            return {};
        }
    }
    if (zip_close(archive) < 0) {
        zip_discard(archive);
        zip_source_free(out);
        return {};
    }
    std::string bytes;
    if (zip_source_open(out) == 0) {
        zip_source_seek(out, 0, SEEK_END);
        const zip_int64_t size = zip_source_tell(out);
        zip_source_seek(out, 0, SEEK_SET);
        if (size > 0) {
            bytes.resize(static_cast<size_t>(size));
            if (zip_source_read(out, bytes.data(), static_cast<zip_uint64_t>(size)) != size) {
                bytes.clear();
            }
        }
        zip_source_close(out);
    }
    zip_source_free(out);
    return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string zipped;
    std::string_view bytes = input;
    if (!input.starts_with("PK")) {
        auto parts = SplitParts(input);
        if (parts.empty()) {
            return 0;
        }
        zipped = Zip(parts);
        if (zipped.empty()) {
            return 0;
        }
        bytes = zipped;
    }
    linli::ledger::ReadOptions limits;
    limits.max_rows = 200;
    limits.max_uncompressed_bytes = 4 * 1024 * 1024;
    auto table = linli::ledger::ReadXlsx(bytes, limits);
    if (!table) {
        linli::fuzz::Expect(table.error().field == "file", "an XLSX error names the file: " + table.error().message);
        return 0;
    }
    for (const auto& row : table->rows) {
        linli::fuzz::Expect(row.cells.size() >= table->header.size(), "short rows are padded to the header");
    }
    linli::fuzz::CheckResidentFile(bytes);
    return 0;
}
