#pragma once
/// Imports started over HTTP run in the background; a page polls their progress. Jobs live in this
/// process only (an import's status is asked of the instance that runs it) and are kept an hour.
///
/// Thread safety: every method may be called from any thread.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "modules/ledger/table.hpp"
#include "modules/registry/resident_model.hpp"

namespace linli::registry {

class ResidentService;

struct ImportStatus {
    std::string id;
    std::string phase;  // reading | importing | done | failed
    int64_t total = 0;
    int64_t done = 0;
    int64_t owner_user_id = 0;
    int64_t started_at = 0;
    std::optional<ImportSummary> summary;  // when done
    std::optional<Error> error;            // when failed (a bad file, a target outside scope, ...)
};

class ImportJobs {
public:
    ImportJobs(ResidentService& residents, const Clock& clock);
    ~ImportJobs();  // waits for running imports

    /// Starts importing `file` into `target_node_id`; returns the job id at once.
    std::string Start(const Actor& actor, int64_t target_node_id, bool skip_invalid, std::string file,
                      const RequestInfo& info);
    /// The job's progress; 404 unless the caller started it or is an admin.
    Result<ImportStatus> Get(const Actor& actor, const std::string& id) const;
    /// A finished import's rejected rows with their original cells and the reasons (ErrorReport in
    /// register_files.hpp; no rows when none were rejected). 404 like Get, and while the import runs
    /// or when it failed before validating rows (a bad file: its status says why).
    Result<std::shared_ptr<const ledger::Table>> Report(const Actor& actor, const std::string& id) const;

private:
    struct Job;
    void Run(std::shared_ptr<Job> job, Actor actor, int64_t target, bool skip_invalid, std::string file,
             RequestInfo info);
    void ForgetOld();     // REQUIRES: mu_ held
    void JoinFinished();  // REQUIRES: mu_ held

    ResidentService& residents_;
    const Clock& clock_;
    mutable std::mutex mu_;
    std::map<std::string, std::shared_ptr<Job>> jobs_;
    /// Running (or just finished) imports; finished ones are joined when the next one starts.
    std::vector<std::pair<std::shared_ptr<Job>, std::thread>> threads_;
};

}  // namespace linli::registry
