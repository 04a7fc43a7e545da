#pragma once
/// Time source. Code takes a Clock so tests can move time (session expiry, lockouts, SLA).

#include <atomic>
#include <cstdint>

namespace linli {

/// Thread safety: implementations are safe to call from any thread.
class Clock {
public:
    virtual ~Clock() = default;
    /// Seconds since the Unix epoch, UTC.
    virtual int64_t Now() const = 0;
};

class SystemClock final : public Clock {
public:
    int64_t Now() const override;
};

/// A clock that stands still until a test moves it.
class ManualClock final : public Clock {
public:
    explicit ManualClock(int64_t start) : now_(start) {}
    int64_t Now() const override { return now_.load(); }
    void Set(int64_t t) { now_.store(t); }
    void Advance(int64_t seconds) { now_.fetch_add(seconds); }

private:
    std::atomic<int64_t> now_;
};

}  // namespace linli
