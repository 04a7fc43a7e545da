#include "core/metrics.hpp"

#include <gtest/gtest.h>

namespace linli::metrics {
namespace {

TEST(Metrics, RendersPrometheusTextWithCumulativeBuckets) {
    Registry r;
    r.GetCounter("linli_x_total", "x", {{"route", "/a"}}).Inc(3);
    auto& h = r.GetHistogram("linli_h", "h", {}, {1, 2});
    h.Observe(0.5);
    h.Observe(1.5);
    h.Observe(5);
    auto text = r.RenderPrometheus();
    EXPECT_NE(text.find("# TYPE linli_x_total counter"), std::string::npos);
    EXPECT_NE(text.find("linli_x_total{route=\"/a\"} 3"), std::string::npos);
    EXPECT_NE(text.find("linli_h_bucket{le=\"1\"} 1"), std::string::npos);
    EXPECT_NE(text.find("linli_h_bucket{le=\"2\"} 2"), std::string::npos);
    EXPECT_NE(text.find("linli_h_bucket{le=\"+Inf\"} 3"), std::string::npos);
    EXPECT_NE(text.find("linli_h_count 3"), std::string::npos);
    EXPECT_NE(text.find("linli_h_sum 7"), std::string::npos);
}

TEST(Metrics, EscapesLabelValues) {
    Registry r;
    r.GetCounter("c", "c", {{"path", "a\"b\\c"}}).Inc();
    EXPECT_NE(r.RenderPrometheus().find("c{path=\"a\\\"b\\\\c\"} 1"), std::string::npos);
}

TEST(Metrics, SameNameAndLabelsIsTheSameMetric) {
    Registry r;
    r.GetCounter("c", "c", {{"k", "v"}}).Inc();
    r.GetCounter("c", "c", {{"k", "v"}}).Inc();
    EXPECT_EQ(r.GetCounter("c", "c", {{"k", "v"}}).value(), 2);
}

}  // namespace
}  // namespace linli::metrics
