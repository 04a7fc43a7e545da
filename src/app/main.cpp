// The `linli` command: serve, migrate, demo, user, backup, version.
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <map>

#include "app/app.hpp"
#include "app/cli_commands.hpp"
#include "app/config.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"

extern char** environ;

namespace {

std::map<std::string, std::string> Environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string kv(*e);
        if (auto eq = kv.find('='); eq != std::string::npos && kv.starts_with("LINLI_")) {
            env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
        }
    }
    return env;
}

void SetUpLogging(const linli::app::Config& config) {
    auto level = spdlog::level::from_str(config.log_level);
    spdlog::set_level(level);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
    // The access log goes through a background thread so request threads never wait on stdout.
    if (!spdlog::get("access")) {
        spdlog::init_thread_pool(8192, 1);
        auto access = spdlog::stdout_logger_mt<spdlog::async_factory>("access");
        access->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z access %v");
        access->set_level(level);
    }
}

int Fail(const linli::Error& e) {
    std::cerr << "linli: " << e.message;
    if (!e.field.empty() && e.message.find(e.field) == std::string::npos) {
        std::cerr << " (" << e.field << ")";
    }
    std::cerr << "\n";
    return e.code == linli::ErrorCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    linli::crypto::Init();
    CLI::App cli{"Linli (邻里): community governance — registers, requests, care and co-building"};
    cli.require_subcommand(1);
    cli.fallthrough();
    cli.set_version_flag("--version", std::string(LINLI_VERSION_STRING));

    std::string config_path;
    cli.add_option("-c,--config", config_path,
                   "TOML config file (default: $LINLI_CONFIG, else ./linli.toml if present)");
    // Every setting is also a flag; flags override LINLI_* variables, which override the file.
    std::map<std::string, std::string> flag_values;
    for (const auto& s : linli::app::Settings()) {
        cli.add_option_function<std::string>(
            "--" + s.flag, [&flag_values, key = s.toml_key](const std::string& v) { flag_values[key] = v; },
            s.help + " [" + s.toml_key + ", $" + s.env + "]");
    }

    auto* serve = cli.add_subcommand("serve", "Serve the API, Open311 and the web console");
    auto* migrate = cli.add_subcommand("migrate", "Bring the database schema up to date");
    auto* demo = cli.add_subcommand("demo", "Load the demo territory and one account per role (once)");
    auto* version = cli.add_subcommand("version", "Print the version");
    auto* backup = cli.add_subcommand("backup", "Write an online, consistent copy of the database");
    std::string backup_file;
    backup->add_option("FILE", backup_file, "where to write the copy")->required();

    linli::app::ImportArgs import_args;
    auto* import_cmd = cli.add_subcommand("import", "Import residents and households from a CSV or XLSX file");
    import_cmd->add_option("FILE", import_args.file, "the file (see docs/import-format.md)")->required();
    import_cmd->add_option("--into", import_args.into, "the community or grid node id to import into")->required();
    import_cmd->add_flag("--skip-invalid", import_args.skip_invalid,
                         "import the good rows and report the bad ones (default: all or nothing)");
    import_cmd->add_option(
        "--errors", import_args.errors_file,
        "where to write the error report (.csv or .xlsx): the rejected rows to fix and import again");

    linli::app::ExportArgs export_args;
    auto* export_cmd = cli.add_subcommand("export", "Export a ledger (台账), masked unless revealed, as CSV or XLSX");
    export_cmd->add_option("WHAT", export_args.what, "residents or households")->required();
    export_cmd->add_option("--out", export_args.out, "file to write (.csv or .xlsx)")->required();
    export_cmd->add_option("--under", export_args.under, "only what lies under this territory node id");
    export_cmd->add_option("--format", export_args.format, "csv or xlsx (default: from --out)");
    export_cmd->add_flag("--reveal", export_args.reveal, "ID numbers and phones in full (audited; needs --reason)");
    export_cmd->add_option("--reason", export_args.reason, "why the full values are needed (2 to 200 characters)");

    auto* user = cli.add_subcommand("user", "Manage accounts");
    user->require_subcommand(1);
    linli::app::UserAddArgs add_args;
    auto* user_add = user->add_subcommand("add", "Create an account");
    user_add->add_option("username", add_args.username, "login name: 3-64 of a-z 0-9 _ . -")->required();
    user_add
        ->add_option("--role", add_args.role,
                     "admin, subdistrict_leader, community_staff, grid_worker, building_head, link_leader, "
                     "partner_unit, volunteer, resident, merchant")
        ->required();
    user_add->add_option("--scope", add_args.scope_node_ids, "territory node id(s) the user may see");
    user_add->add_option("--name", add_args.display_name, "display name");
    user_add->add_flag("--password-stdin", add_args.password_stdin, "read the password from standard input");
    auto* user_list = user->add_subcommand("list", "List accounts");
    std::string disable_name;
    auto* user_disable = user->add_subcommand("disable", "Disable an account and end its sessions");
    user_disable->add_option("username", disable_name)->required();
    std::string passwd_name;
    bool passwd_stdin = false;
    auto* user_passwd = user->add_subcommand("passwd", "Set an account's password (e.g. a carer the demo created)");
    user_passwd->add_option("username", passwd_name)->required();
    user_passwd->add_flag("--password-stdin", passwd_stdin, "read the password from standard input");

    CLI11_PARSE(cli, argc, argv);

    linli::app::Config config;
    if (config_path.empty()) {
        if (const char* p = std::getenv("LINLI_CONFIG")) {
            config_path = p;
        }
    }
    bool required = !config_path.empty();
    if (auto r = linli::app::ApplyTomlFile(config, required ? config_path : "linli.toml", required); !r) {
        return Fail(r.error());
    }
    if (auto r = linli::app::ApplyEnvironment(config, Environment()); !r) {
        return Fail(r.error());
    }
    for (const auto& [key, value] : flag_values) {
        if (auto r = linli::app::ApplySetting(config, key, value); !r) {
            return Fail(r.error());
        }
    }
    if (auto r = linli::app::Validate(config); !r) {
        return Fail(r.error());
    }
    SetUpLogging(config);

    linli::SystemClock clock;
    linli::Result<void> result;
    try {
        if (*version) {
            std::cout << "linli " << LINLI_VERSION_STRING << "\n";
        } else if (*serve) {
            result = linli::app::RunServe(config, clock);
        } else if (*migrate) {
            result = linli::app::RunMigrate(config);
        } else if (*demo) {
            result = linli::app::RunDemo(config, clock);
        } else if (*backup) {
            result = linli::app::RunBackup(config, backup_file);
        } else if (*import_cmd) {
            result = linli::app::RunImport(config, clock, import_args);
        } else if (*export_cmd) {
            result = linli::app::RunExport(config, clock, export_args);
        } else if (*user_add) {
            result = linli::app::RunUserAdd(config, clock, add_args);
        } else if (*user_list) {
            result = linli::app::RunUserList(config, clock);
        } else if (*user_disable) {
            result = linli::app::RunUserDisable(config, clock, disable_name);
        } else if (*user_passwd) {
            result = linli::app::RunUserPassword(config, clock, passwd_name, passwd_stdin);
        }
    } catch (const std::exception& e) {
        std::cerr << "linli: " << e.what() << "\n";
        return 1;
    }
    spdlog::shutdown();
    return result ? 0 : Fail(result.error());
}
