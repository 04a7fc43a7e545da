#include "core/metrics.hpp"

#include <cmath>
#include <sstream>

namespace linli::metrics {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<int64_t>[bounds_.size() + 1]) {
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        buckets_[i].store(0);
    }
}

void Histogram::Observe(double v) {
    size_t i = 0;
    while (i < bounds_.size() && v > bounds_[i]) {
        ++i;
    }
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_micros_.fetch_add(static_cast<int64_t>(std::llround(v * 1e6)), std::memory_order_relaxed);
}

std::vector<int64_t> Histogram::BucketCounts() const {
    std::vector<int64_t> out(bounds_.size() + 1);
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        out[i] = buckets_[i].load(std::memory_order_relaxed);
    }
    return out;
}

double Histogram::sum() const { return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6; }

Registry::Family& Registry::FamilyFor(const std::string& name, const std::string& type, const std::string& help) {
    auto [it, inserted] = families_.try_emplace(name);
    if (inserted) {
        it->second.type = type;
        it->second.help = help;
    }
    return it->second;
}

Counter& Registry::GetCounter(const std::string& name, const std::string& help, const Labels& labels) {
    std::lock_guard lock(mu_);
    auto& slot = FamilyFor(name, "counter", help).counters[labels];
    if (!slot) {
        slot = std::make_unique<Counter>();
    }
    return *slot;
}

Gauge& Registry::GetGauge(const std::string& name, const std::string& help, const Labels& labels) {
    std::lock_guard lock(mu_);
    auto& slot = FamilyFor(name, "gauge", help).gauges[labels];
    if (!slot) {
        slot = std::make_unique<Gauge>();
    }
    return *slot;
}

Histogram& Registry::GetHistogram(const std::string& name, const std::string& help, const Labels& labels,
                                  const std::vector<double>& bounds) {
    std::lock_guard lock(mu_);
    auto& slot = FamilyFor(name, "histogram", help).histograms[labels];
    if (!slot) {
        slot = std::make_unique<Histogram>(bounds);
    }
    return *slot;
}

std::vector<double> Registry::LatencyBuckets() {
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

namespace {

std::string Escape(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string FormatLabels(const Labels& labels, const std::string& extra_key = {}, const std::string& extra_val = {}) {
    if (labels.empty() && extra_key.empty()) {
        return {};
    }
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) {
            out += ',';
        }
        first = false;
        out += k + "=\"" + Escape(v) + "\"";
    }
    if (!extra_key.empty()) {
        if (!first) {
            out += ',';
        }
        out += extra_key + "=\"" + extra_val + "\"";
    }
    return out + "}";
}

std::string FormatNumber(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

}  // namespace

std::string Registry::RenderPrometheus() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& [name, fam] : families_) {
        out += "# HELP " + name + " " + fam.help + "\n# TYPE " + name + " " + fam.type + "\n";
        for (const auto& [labels, c] : fam.counters) {
            out += name + FormatLabels(labels) + " " + std::to_string(c->value()) + "\n";
        }
        for (const auto& [labels, g] : fam.gauges) {
            out += name + FormatLabels(labels) + " " + std::to_string(g->value()) + "\n";
        }
        for (const auto& [labels, h] : fam.histograms) {
            auto counts = h->BucketCounts();
            int64_t cumulative = 0;
            for (size_t i = 0; i < counts.size(); ++i) {
                cumulative += counts[i];
                std::string le = i < h->bounds().size() ? FormatNumber(h->bounds()[i]) : "+Inf";
                out += name + "_bucket" + FormatLabels(labels, "le", le) + " " + std::to_string(cumulative) + "\n";
            }
            out += name + "_sum" + FormatLabels(labels) + " " + FormatNumber(h->sum()) + "\n";
            out += name + "_count" + FormatLabels(labels) + " " + std::to_string(h->count()) + "\n";
        }
    }
    return out;
}

}  // namespace linli::metrics
