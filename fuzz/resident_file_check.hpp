#pragma once
/// What the CSV and XLSX targets do with a file the ledger reader accepted: read it as a residents
/// file, import it as an administrator (the register's row validation, all-or-nothing or skipping
/// bad rows as the input's length decides), and read the error report back as the next upload would.

#include <set>
#include <string_view>

#include "fuzz/fuzz_app.hpp"
#include "modules/accounts/service.hpp"
#include "modules/registry/register_files.hpp"
#include "modules/registry/resident_service.hpp"

namespace linli::fuzz {

inline void CheckResidentFile(std::string_view bytes) {
    auto file = registry::ReadResidentFile(bytes);
    if (!file) {
        Expect(file.error().code == ErrorCode::kInvalidArgument || file.error().code == ErrorCode::kPayloadTooLarge,
               "an unreadable residents file is a 400 or 413: " + file.error().message);
        return;
    }
    auto& app = FuzzApp::Get();
    registry::ImportOptions options;
    options.skip_invalid = bytes.size() % 2 == 1;
    auto summary = app.app().residents().ImportResidents(accounts::AccountsService::SystemActor("fuzz"),
                                                         app.places().community, file->rows, options,
                                                         RequestInfo{"fuzz", "local"});
    if (!summary) {
        Expect(summary.error().code != ErrorCode::kInternal, "an import fails as a 4xx: " + summary.error().message);
        return;
    }
    Expect(summary->committed == (summary->errors.empty() || options.skip_invalid),
           "all or nothing unless bad rows are skipped");
    if (summary->errors.empty()) {
        return;
    }
    // The rejected rows come back as a file the user corrects and uploads again.
    std::set<int> lines;
    for (const auto& e : summary->errors) {
        lines.insert(e.line);
    }
    auto report = registry::WriteLedger(registry::ErrorReport(*file, summary->errors), registry::FileFormat::kCsv,
                                        "错误报告");
    Expect(report.has_value(), "the error report is written");
    auto again = registry::ReadResidentFile(*report);
    Expect(again.has_value(), "the error report reads back as a residents file: " +
                                  (again ? std::string() : again.error().field + ": " + again.error().message));
    Expect(again->rows.size() == lines.size(), "the error report holds one row per rejected row");
}

}  // namespace linli::fuzz
