#pragma once
/// Progress of long work (imports, exports): a terminal bar for the CLI and a shared state that an
/// HTTP endpoint can poll.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

namespace linli::ledger {

/// "12,345,678": digits grouped by thousands, as the bar prints counts.
std::string GroupThousands(int64_t n);

/// One line of the bar, without the leading '\r':
/// "导入 [##########..........] 52% 31,000/60,000 rows 48,213 rows/s ETA 0:01".
/// With `total` <= 0 (unknown) the bar, percentage and ETA are left out. `seconds` is the time
/// since the start; rate and ETA are omitted until it is positive.
std::string FormatProgressLine(std::string_view label, int64_t done, int64_t total, double seconds);

/// A one-line progress bar redrawn in place with '\r', at most about 10 times a second.
/// It draws only when `out` is std::cout / std::cerr / std::clog attached to a terminal, or when
/// `force` is true (tests, or a caller that knows better); otherwise it prints nothing.
/// Not thread-safe: update it from the thread doing the work (or poll a ProgressState).
class ProgressBar {
public:
    ProgressBar(std::ostream& out, int64_t total, std::string label, bool force = false);
    /// Finishes the line if Finish was not called, so the shell prompt starts on a fresh line.
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    /// Records `done` items; redraws when 100 ms passed since the last draw (or on the first call).
    void Update(int64_t done);
    /// Draws the final state and ends the line. Idempotent.
    void Finish();

    /// Whether this bar prints at all.
    bool enabled() const { return enabled_; }

private:
    void Draw();

    std::ostream& out_;
    int64_t total_;
    std::string label_;
    bool enabled_;
    bool drawn_ = false;
    bool finished_ = false;
    int64_t done_ = 0;
    size_t last_width_ = 0;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

/// Progress shared between a worker and readers (an HTTP endpoint that polls it).
/// Thread-safe: counters are atomics, the phase is guarded by a mutex.
class ProgressState {
public:
    struct Snapshot {
        int64_t total = 0;  // 0 while unknown
        int64_t done = 0;
        std::string phase;  // e.g. "parsing", "validating", "writing", "done", "failed"
        bool finished = false;
    };

    void SetTotal(int64_t total) { total_.store(total, std::memory_order_relaxed); }
    void SetDone(int64_t done) { done_.store(done, std::memory_order_relaxed); }
    void Advance(int64_t n = 1) { done_.fetch_add(n, std::memory_order_relaxed); }
    void SetPhase(std::string phase);
    /// Marks the work over (successful or not); `phase` is the final word, e.g. "done" or "failed".
    void Finish(std::string phase);
    Snapshot Get() const;

private:
    std::atomic<int64_t> total_{0};
    std::atomic<int64_t> done_{0};
    std::atomic<bool> finished_{false};
    mutable std::mutex mutex_;
    std::string phase_;
};

}  // namespace linli::ledger
