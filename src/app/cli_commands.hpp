#pragma once
/// The `linli` subcommands other than argument parsing (which main.cpp does).

#include <cstdint>
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
Result<void> RunUserAdd(const Config& config, const Clock& clock, const UserAddArgs& args);
Result<void> RunUserList(const Config& config, const Clock& clock);
Result<void> RunUserDisable(const Config& config, const Clock& clock, const std::string& username);

}  // namespace linli::app
