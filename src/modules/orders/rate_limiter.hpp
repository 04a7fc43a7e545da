#pragma once
/// A sliding-window rate limiter for the public (no-login) routes: at most `max_hits` hits per key in
/// any `window_seconds`. In memory, per process: with several server instances behind a load balancer
/// each enforces its own limit (the effective limit is multiplied by the instance count); a restart
/// forgets. Good enough to stop a flood from one address or one phone; see ADR 0006.
///
/// Thread safety: every method may be called concurrently (one mutex; the work per hit is tiny).

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"

namespace linli::orders {

class RateLimiter {
public:
    /// REQUIRES: max_hits >= 1, window_seconds >= 1; `clock` outlives the limiter.
    RateLimiter(const Clock& clock, int64_t max_hits, int64_t window_seconds);

    /// Counts one hit for `key` and returns nullopt when it is within the limit; when the key is over
    /// its limit the hit is not counted and the answer is the seconds until one more would be allowed
    /// (at least 1: the Retry-After header).
    std::optional<int64_t> Hit(std::string_view key);

    int64_t max_hits() const { return max_hits_; }
    int64_t window_seconds() const { return window_; }

private:
    /// Drops keys with no hit inside the window; called when the map grows, so memory stays bounded
    /// by the number of keys seen within one window.
    void PruneLocked(int64_t now);

    const Clock& clock_;
    const int64_t max_hits_;
    const int64_t window_;
    std::mutex mu_;
    std::unordered_map<std::string, std::deque<int64_t>> hits_;  // guarded by mu_; oldest first
    size_t prune_at_ = 1024;                                     // guarded by mu_
};

}  // namespace linli::orders
