#pragma once
/// In-process metrics rendered in the Prometheus text format at GET /metrics.
/// Written by hand: Debian 12 packages no Prometheus client for C++ (see docs/adr/0002).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace linli::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

/// Thread safety: all operations are lock-free atomics.
class Counter {
public:
    void Inc(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    int64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<int64_t> value_{0};
};

class Gauge {
public:
    void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
    void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
    int64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<int64_t> value_{0};
};

/// Cumulative histogram with fixed upper bounds (Prometheus `le` buckets plus +Inf).
class Histogram {
public:
    explicit Histogram(std::vector<double> bounds);
    void Observe(double v);
    const std::vector<double>& bounds() const { return bounds_; }
    /// Per-bucket (non-cumulative) counts; the last is the +Inf bucket.
    std::vector<int64_t> BucketCounts() const;
    int64_t count() const { return count_.load(std::memory_order_relaxed); }
    double sum() const;

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<int64_t>[]> buckets_;
    std::atomic<int64_t> count_{0};
    std::atomic<int64_t> sum_micros_{0};  // sum kept in millionths so it can be atomic
};

/// Owns every metric; references it hands out stay valid for its lifetime.
/// Thread safety: safe from any thread; look-ups take a mutex, updates do not.
class Registry {
public:
    Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
    Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
    Histogram& GetHistogram(const std::string& name, const std::string& help, const Labels& labels,
                            const std::vector<double>& bounds);
    std::string RenderPrometheus() const;

    /// Default latency buckets in seconds, 0.5 ms to 10 s.
    static std::vector<double> LatencyBuckets();

private:
    struct Family {
        std::string type;  // counter | gauge | histogram
        std::string help;
        std::map<Labels, std::unique_ptr<Counter>> counters;
        std::map<Labels, std::unique_ptr<Gauge>> gauges;
        std::map<Labels, std::unique_ptr<Histogram>> histograms;
    };
    Family& FamilyFor(const std::string& name, const std::string& type, const std::string& help);

    mutable std::mutex mu_;
    std::map<std::string, Family> families_;
};

}  // namespace linli::metrics
