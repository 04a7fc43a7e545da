#include "modules/orders/rate_limiter.hpp"

#include <algorithm>

namespace linli::orders {

RateLimiter::RateLimiter(const Clock& clock, int64_t max_hits, int64_t window_seconds)
    : clock_(clock), max_hits_(std::max<int64_t>(1, max_hits)), window_(std::max<int64_t>(1, window_seconds)) {}

std::optional<int64_t> RateLimiter::Hit(std::string_view key) {
    const int64_t now = clock_.Now();
    std::lock_guard lock(mu_);
    if (hits_.size() >= prune_at_) {
        PruneLocked(now);
        // Grow the threshold with the live set so pruning stays amortised O(1) per hit.
        prune_at_ = std::max<size_t>(1024, hits_.size() * 2);
    }
    auto& times = hits_[std::string(key)];
    while (!times.empty() && times.front() <= now - window_) {
        times.pop_front();
    }
    if (static_cast<int64_t>(times.size()) >= max_hits_) {
        return std::max<int64_t>(1, times.front() + window_ - now);
    }
    times.push_back(now);
    return std::nullopt;
}

void RateLimiter::PruneLocked(int64_t now) {
    for (auto it = hits_.begin(); it != hits_.end();) {
        if (it->second.empty() || it->second.back() <= now - window_) {
            it = hits_.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace linli::orders
