#include "app/cli_commands.hpp"

#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/app.hpp"
#include "app/demo.hpp"
#include "app/demo_mediation.hpp"
#include "app/demo_safety.hpp"
#include "core/actor.hpp"
#include "core/field_crypto.hpp"
#include "modules/accounts/service.hpp"
#include "modules/ledger/progress.hpp"
#include "modules/ledger/table_writer.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/register_files.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/service.hpp"
#include "storage/database.hpp"

namespace linli::app {

namespace {

/// The services the account commands need, on a migrated database, without the HTTP server.
struct Services {
    std::unique_ptr<storage::Database> db;
    std::unique_ptr<FieldCrypto> crypto;
    std::unique_ptr<registry::RegistryService> registry;
    std::unique_ptr<registry::ResidentService> residents;
    std::unique_ptr<registry::AssignmentService> assignments;
    std::unique_ptr<accounts::AccountsService> accounts;
};

Result<Services> OpenServices(const Config& config, const Clock& clock) {
    Services s;
    LINLI_ASSIGN_OR_RETURN(s.db, OpenDatabase(config));
    s.registry = std::make_unique<registry::RegistryService>(*s.db, clock);
    LINLI_ASSIGN_OR_RETURN(s.crypto, FieldCrypto::OpenKeyFile(config.key_file));
    LINLI_ASSIGN_OR_RETURN(s.residents, MakeResidentService(config, *s.db, clock, *s.crypto, *s.registry));
    s.assignments = std::make_unique<registry::AssignmentService>(*s.db, clock, *s.registry);
    accounts::AccountsOptions options;
    options.cost =
        config.password_cost == "minimum" ? accounts::PasswordCost::Minimum() : accounts::PasswordCost::Interactive();
    auto* reg = s.registry.get();
    s.accounts = std::make_unique<accounts::AccountsService>(
        *s.db, clock, options, [reg](const std::vector<int64_t>& ids) { return reg->ResolveScope(ids); });
    return s;
}

RequestInfo CliInfo() {
    return RequestInfo{"cli", "local"};
}

/// Reads a password from stdin without echo when it is a terminal.
std::string ReadPassword(const std::string& prompt) {
    bool tty = isatty(STDIN_FILENO) != 0;
    termios old_settings{};
    if (tty) {
        std::cerr << prompt << std::flush;
        tcgetattr(STDIN_FILENO, &old_settings);
        termios quiet = old_settings;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old_settings);
        std::cerr << "\n";
    }
    return line;
}

}  // namespace

Result<void> RunServe(const Config& config, const Clock& clock) {
    LINLI_ASSIGN_OR_RETURN(auto app, App::Create(config, clock));
    LINLI_TRY(app->Start());
    spdlog::info("linli serving on http://{}:{} (database {})", SplitListen(config.listen)->first, app->port(),
                 config.db.starts_with("postgres") ? "postgresql" : config.db);
    app->RunUntilStopped();
    spdlog::info("linli stopped");
    return {};
}

Result<void> RunMigrate(const Config& config) {
    LINLI_ASSIGN_OR_RETURN(auto db, OpenDatabase(config));
    LINLI_ASSIGN_OR_RETURN(int version, db->SchemaVersion());
    std::cout << "schema at version " << version << "\n";
    db->Close();
    return {};
}

Result<void> RunDemo(const Config& config, const Clock& clock) {
    LINLI_ASSIGN_OR_RETURN(auto s, OpenServices(config, clock));
    LINLI_ASSIGN_OR_RETURN(auto summary, LoadDemo(*s.accounts, *s.registry, *s.residents, *s.assignments, &std::cout));
    PrintDemoSummary(summary, std::cout);
    s.db->Close();
    // Work that needs the whole application (orders and what hangs on them), on the same database.
    LINLI_ASSIGN_OR_RETURN(auto app, App::Create(config, clock));
    LINLI_ASSIGN_OR_RETURN(auto disputes,
                           LoadDemoDisputes(app->mediation(), app->accounts(), app->registry(), app->residents()));
    PrintDemoDisputes(disputes, std::cout);
    LINLI_ASSIGN_OR_RETURN(auto inspections, LoadDemoSafety(app->safety(), app->accounts(), app->registry()));
    PrintDemoSafety(inspections, std::cout);
    return {};
}

Result<void> RunBackup(const Config& config, const std::string& file) {
    // The database as it is: no migrations. A backup is what one takes before an upgrade, and it may
    // run beside a serving (older) server, whose schema it must not change under it.
    if (config.db.starts_with("sqlite:")) {
        const std::string path = config.db.substr(7);
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) {
            return InvalidArgument("database.url", "no SQLite database at " + path);
        }
    }
    storage::Options options;
    options.url = config.db;
    options.readers = 1;
    LINLI_ASSIGN_OR_RETURN(auto db, storage::Open(options));
    LINLI_ASSIGN_OR_RETURN(int version, db->SchemaVersion());
    LINLI_TRY(db->Backup(file));
    std::cout << "backup written to " << file << " (schema version " << version << ")\n";
    db->Close();
    return {};
}

namespace {

Result<std::string> ReadWholeFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return InvalidArgument("file", "cannot open " + path);
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

Result<void> WriteWholeFile(const std::string& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        return InvalidArgument("out", "cannot write " + path);
    }
    return {};
}

}  // namespace

Result<void> RunImport(const Config& config, const Clock& clock, const ImportArgs& args) {
    LINLI_ASSIGN_OR_RETURN(auto bytes, ReadWholeFile(args.file));
    const auto started = std::chrono::steady_clock::now();
    LINLI_ASSIGN_OR_RETURN(auto file, registry::ReadResidentFile(bytes));
    for (const auto& column : file.unknown_columns) {
        std::cerr << "import: ignoring column " << column << "\n";
    }
    LINLI_ASSIGN_OR_RETURN(auto s, OpenServices(config, clock));
    const auto total = static_cast<int64_t>(file.rows.size());
    ledger::ProgressBar bar(std::cerr, total, "导入 import");
    registry::ImportOptions options;
    options.skip_invalid = args.skip_invalid;
    options.progress = [&bar](int64_t done) { bar.Update(done); };
    LINLI_ASSIGN_OR_RETURN(auto summary, s.residents->ImportResidents(accounts::AccountsService::SystemActor(),
                                                                      args.into, file.rows, options, CliInfo()));
    bar.Finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!summary.errors.empty()) {
        // The rejected rows with their cells as given and the reasons: fix it and import it again.
        std::string report = args.errors_file.empty() ? args.file + ".errors.csv" : args.errors_file;
        const auto report_format = report.ends_with(".xlsx") ? registry::FileFormat::kXlsx : registry::FileFormat::kCsv;
        LINLI_ASSIGN_OR_RETURN(auto report_bytes, registry::WriteLedger(registry::ErrorReport(file, summary.errors),
                                                                        report_format, "错误报告"));
        LINLI_TRY(WriteWholeFile(report, report_bytes));
        std::cerr << "import: " << summary.errors.size() << " problem(s); report written to " << report << "\n";
        for (size_t i = 0; i < summary.errors.size() && i < 10; ++i) {
            const auto& e = summary.errors[i];
            std::cerr << "  line " << e.line << ", " << e.column << ": " << e.message_zh << " / " << e.message_en
                      << "\n";
        }
    }
    s.db->Close();
    if (!summary.committed) {
        return InvalidArgument("file", "nothing imported: fix the rows in the report, or use --skip-invalid");
    }
    std::cout << "imported " << total - summary.skipped << " of " << total << " rows in " << seconds << " s ("
              << summary.inserted << " new, " << summary.updated << " updated, " << summary.skipped << " skipped, "
              << summary.nodes_created << " buildings/units/households created)\n";
    return {};
}

Result<void> RunExport(const Config& config, const Clock& clock, const ExportArgs& args) {
    if (args.what != "residents" && args.what != "households") {
        return InvalidArgument("what", "can export: residents, households");
    }
    std::string format = args.format;
    if (format.empty()) {
        format = args.out.ends_with(".xlsx") ? "xlsx" : "csv";
    }
    if (format != "csv" && format != "xlsx") {
        return InvalidArgument("format", "format must be csv or xlsx");
    }
    if (args.reason && !args.reveal) {
        return InvalidArgument("reveal", "--reason is only read with --reveal");
    }
    registry::ExportOptions options;
    options.format = format == "xlsx" ? registry::FileFormat::kXlsx : registry::FileFormat::kCsv;
    if (args.reveal) {
        options.reveal_reason = args.reason.value_or("");
    }
    LINLI_ASSIGN_OR_RETURN(auto s, OpenServices(config, clock));
    const auto actor = accounts::AccountsService::SystemActor();
    std::string bytes;
    if (args.what == "households") {
        LINLI_ASSIGN_OR_RETURN(bytes, registry::ExportHouseholds(*s.residents, *s.assignments, *s.db, actor, args.under,
                                                                 options, CliInfo(), clock.Now()));
    } else {
        registry::ResidentQuery query;
        query.under_node_id = args.under;
        LINLI_ASSIGN_OR_RETURN(
            bytes, registry::ExportResidents(*s.residents, *s.db, actor, query, options, CliInfo(), clock.Now()));
    }
    LINLI_TRY(WriteWholeFile(args.out, bytes));
    std::cout << "exported " << args.what << (args.reveal ? " (revealed, audited)" : " (masked)") << " to " << args.out
              << "\n";
    s.db->Close();
    return {};
}

namespace {

/// A new password from standard input (piped, or --password-stdin) or typed twice at the terminal.
Result<std::string> ReadNewPassword(const std::string& username, bool from_stdin) {
    std::string password;
    if (from_stdin || !isatty(STDIN_FILENO)) {
        std::getline(std::cin, password);
        return password;
    }
    password = ReadPassword("Password for " + username + ": ");
    if (ReadPassword("Again: ") != password) {
        return InvalidArgument("password", "the two passwords differ");
    }
    return password;
}

}  // namespace

Result<void> RunUserAdd(const Config& config, const Clock& clock, const UserAddArgs& args) {
    auto role = ParseRole(args.role);
    if (!role) {
        return InvalidArgument("role", "unknown role '" + args.role + "'");
    }
    LINLI_ASSIGN_OR_RETURN(std::string password, ReadNewPassword(args.username, args.password_stdin));
    LINLI_ASSIGN_OR_RETURN(auto s, OpenServices(config, clock));
    accounts::NewUser user;
    user.username = args.username;
    user.display_name = args.display_name;
    user.password = password;
    user.role = *role;
    user.scope_node_ids = args.scope_node_ids;
    LINLI_ASSIGN_OR_RETURN(auto created,
                           s.accounts->CreateUser(accounts::AccountsService::SystemActor(), user, CliInfo()));
    std::cout << "created user " << created.username << " (id " << created.id << ", " << RoleName(created.role)
              << ")\n";
    s.db->Close();
    return {};
}

Result<void> RunUserList(const Config& config, const Clock& clock) {
    LINLI_ASSIGN_OR_RETURN(auto s, OpenServices(config, clock));
    accounts::UserQuery query;
    query.limit = kMaxPageSize;
    std::cout << "id\tusername\trole\tstatus\tscope\tname\n";
    for (;;) {
        LINLI_ASSIGN_OR_RETURN(auto page, s.accounts->ListUsers(accounts::AccountsService::SystemActor(), query));
        for (const auto& u : page.items) {
            std::string scope;
            for (auto id : u.scope_node_ids) {
                scope += (scope.empty() ? "" : ",") + std::to_string(id);
            }
            std::cout << u.id << "\t" << u.username << "\t" << RoleName(u.role) << "\t"
                      << accounts::UserStatusName(u.status) << "\t" << (scope.empty() ? "-" : scope) << "\t"
                      << u.display_name << "\n";
        }
        if (!page.next_cursor) {
            break;
        }
        query.cursor = page.next_cursor;
    }
    s.db->Close();
    return {};
}

Result<void> RunUserDisable(const Config& config, const Clock& clock, const std::string& username) {
    LINLI_ASSIGN_OR_RETURN(auto s, OpenServices(config, clock));
    auto actor = accounts::AccountsService::SystemActor();
    LINLI_ASSIGN_OR_RETURN(auto user, s.accounts->GetUserByUsername(actor, username));
    accounts::UserPatch patch;
    patch.status = accounts::UserStatus::kDisabled;
    LINLI_TRY(s.accounts->UpdateUser(actor, user.id, patch, CliInfo()));
    std::cout << "disabled " << user.username << "; their sessions are ended\n";
    s.db->Close();
    return {};
}

Result<void> RunUserPassword(const Config& config, const Clock& clock, const std::string& username,
                             bool password_stdin) {
    LINLI_ASSIGN_OR_RETURN(std::string password, ReadNewPassword(username, password_stdin));
    LINLI_ASSIGN_OR_RETURN(auto s, OpenServices(config, clock));
    auto actor = accounts::AccountsService::SystemActor();
    LINLI_ASSIGN_OR_RETURN(auto user, s.accounts->GetUserByUsername(actor, username));
    accounts::UserPatch patch;
    patch.password = std::move(password);
    LINLI_TRY(s.accounts->UpdateUser(actor, user.id, patch, CliInfo()));
    std::cout << "set the password of " << user.username << "\n";
    s.db->Close();
    return {};
}

}  // namespace linli::app
