#pragma once
/// The `linli` subcommands other than argument parsing (which main.cpp does).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace linli::app {

Result<void> RunServe(const Config& config, const Clock& clock);
Result<void> RunMigrate(const Config& config);
/// Loads the demo territory and accounts unless they exist; prints the demo logins.
Result<void> RunDemo(const Config& config, const Clock& clock);
Result<void> RunBackup(const Config& config, const std::string& file);

struct UserAddArgs {
    std::string username;
    std::string role;
    std::vector<int64_t> scope_node_ids;
    std::string display_name;
    bool password_stdin = false;
};
struct ImportArgs {
    std::string file;
    int64_t into = 0;  // a community or grid node id
    bool skip_invalid = false;
    std::string errors_file;  // where the error report goes (.csv or .xlsx); default FILE.errors.csv
};
/// `linli import FILE --into NODE`: validates every row, imports all or nothing (or the good rows
/// with --skip-invalid), shows a progress bar, writes the error report.
Result<void> RunImport(const Config& config, const Clock& clock, const ImportArgs& args);

struct ExportArgs {
    std::string what = "residents";  // residents | households
    std::string out;
    std::optional<int64_t> under;  // only what lies under this node
    std::string format;            // csv | xlsx; default from the file name
    bool reveal = false;           // ID numbers and phones in full; needs `reason`
    std::optional<std::string> reason;
};
/// `linli export residents|households --out FILE [--reveal --reason TEXT]`: a ledger, masked unless
/// revealed with a reason, audited.
Result<void> RunExport(const Config& config, const Clock& clock, const ExportArgs& args);

/// `linli user passwd NAME`: sets an account's password (carers created without one, or a reset);
/// ends nothing else. Audited like every account change.
Result<void> RunUserPassword(const Config& config, const Clock& clock, const std::string& username,
                             bool password_stdin);
Result<void> RunUserAdd(const Config& config, const Clock& clock, const UserAddArgs& args);
Result<void> RunUserList(const Config& config, const Clock& clock);
Result<void> RunUserDisable(const Config& config, const Clock& clock, const std::string& username);

}  // namespace linli::app
