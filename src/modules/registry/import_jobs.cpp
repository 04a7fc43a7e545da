#include "modules/registry/import_jobs.hpp"

#include <atomic>

#include "core/crypto.hpp"
#include "modules/registry/register_files.hpp"
#include "modules/registry/resident_service.hpp"

namespace linli::registry {

namespace {
constexpr int64_t kKeepSeconds = 3600;
}

struct ImportJobs::Job {
    mutable std::mutex mu;
    ImportStatus status;
    /// Built when the import is done, from the file's own rows: the file itself is not kept.
    std::shared_ptr<const ledger::Table> report;
    std::atomic<bool> thread_done{false};  // Run() has returned: its thread can be joined at once
};

ImportJobs::ImportJobs(ResidentService& residents, const Clock& clock) : residents_(residents), clock_(clock) {}

ImportJobs::~ImportJobs() {
    decltype(threads_) threads;
    {
        std::lock_guard lock(mu_);
        threads.swap(threads_);
    }
    for (auto& [job, thread] : threads) {
        thread.join();
    }
}

std::string ImportJobs::Start(const Actor& actor, int64_t target_node_id, bool skip_invalid, std::string file,
                              const RequestInfo& info) {
    auto job = std::make_shared<Job>();
    job->status.id = crypto::RandomHex(12);
    job->status.phase = "reading";
    job->status.owner_user_id = actor.user_id;
    job->status.started_at = clock_.Now();
    std::lock_guard lock(mu_);
    ForgetOld();
    JoinFinished();
    jobs_[job->status.id] = job;
    threads_.emplace_back(
        job, std::thread(&ImportJobs::Run, this, job, actor, target_node_id, skip_invalid, std::move(file), info));
    return job->status.id;
}

void ImportJobs::Run(std::shared_ptr<Job> job, Actor actor, int64_t target, bool skip_invalid, std::string file,
                     RequestInfo info) {
    struct MarkDone {
        Job& job;
        ~MarkDone() { job.thread_done.store(true); }
    } mark_done{*job};
    auto fail = [&](Error e) {
        std::lock_guard lock(job->mu);
        job->status.phase = "failed";
        job->status.error = std::move(e);
    };
    auto parsed = ReadResidentFile(file);
    file.clear();
    file.shrink_to_fit();
    if (!parsed) {
        fail(parsed.error());
        return;
    }
    {
        std::lock_guard lock(job->mu);
        job->status.phase = "importing";
        job->status.total = static_cast<int64_t>(parsed->rows.size());
    }
    ImportOptions options;
    options.skip_invalid = skip_invalid;
    options.progress = [job](int64_t done) {
        std::lock_guard lock(job->mu);
        job->status.done = done;
    };
    try {
        auto summary = residents_.ImportResidents(actor, target, parsed->rows, options, info);
        if (!summary) {
            fail(summary.error());
            return;
        }
        // The rejected rows' cells are personal data going back to their uploader only: kept in
        // memory with the job, never logged.
        auto report = std::make_shared<const ledger::Table>(ErrorReport(*parsed, summary->errors));
        *parsed = ResidentFile{};  // the cells are in the report now
        std::lock_guard lock(job->mu);
        job->status.phase = "done";
        job->status.done = job->status.total;
        job->status.summary = std::move(*summary);
        job->report = std::move(report);
    } catch (const std::exception& e) {
        fail(Internal(std::string("import failed: ") + e.what()));
    }
}

Result<ImportStatus> ImportJobs::Get(const Actor& actor, const std::string& id) const {
    std::shared_ptr<Job> job;
    {
        std::lock_guard lock(mu_);
        auto it = jobs_.find(id);
        if (it != jobs_.end()) {
            job = it->second;
        }
    }
    if (!job) {
        return NotFound("no such import");
    }
    std::lock_guard lock(job->mu);
    if (job->status.owner_user_id != actor.user_id && !actor.global()) {
        return NotFound("no such import");
    }
    return job->status;
}

Result<std::shared_ptr<const ledger::Table>> ImportJobs::Report(const Actor& actor, const std::string& id) const {
    std::shared_ptr<Job> job;
    {
        std::lock_guard lock(mu_);
        auto it = jobs_.find(id);
        if (it != jobs_.end()) {
            job = it->second;
        }
    }
    if (!job) {
        return NotFound("no such import");
    }
    std::lock_guard lock(job->mu);
    if (job->status.owner_user_id != actor.user_id && !actor.global()) {
        return NotFound("no such import");
    }
    if (!job->report) {
        return NotFound("the import has no error report (yet)");
    }
    return job->report;
}

void ImportJobs::JoinFinished() {
    for (auto it = threads_.begin(); it != threads_.end();) {
        if (it->first->thread_done.load()) {
            it->second.join();
            it = threads_.erase(it);
        } else {
            ++it;
        }
    }
}

void ImportJobs::ForgetOld() {
    const int64_t now = clock_.Now();
    for (auto it = jobs_.begin(); it != jobs_.end();) {
        std::lock_guard lock(it->second->mu);
        const bool finished = it->second->status.phase == "done" || it->second->status.phase == "failed";
        if (finished && now - it->second->status.started_at > kKeepSeconds) {
            it = jobs_.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace linli::registry
