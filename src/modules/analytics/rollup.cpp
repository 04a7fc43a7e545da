#include "modules/analytics/rollup.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "core/territory_path.hpp"
#include "modules/orders/state_machine.hpp"

namespace linli::analytics {

namespace {

using orders::OrderState;
namespace chr = std::chrono;

constexpr int64_t kDay = 86400;

int64_t FloorDiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        --q;
    }
    return q;
}

chr::year_month_day Civil(int64_t day) {
    return chr::year_month_day{chr::sys_days{chr::days{day}}};
}

int64_t DayOf(const chr::year_month_day& ymd) {
    return chr::sys_days{ymd}.time_since_epoch().count();
}

/// The path cut right after the segment of node `id` ("/1/5/23/40/", 5 → "/1/5/"); the whole path
/// when `id` is not on it.
std::string CutAfter(std::string_view path, int64_t id) {
    const std::string needle = "/" + std::to_string(id) + "/";
    const size_t at = path.find(needle);
    if (at == std::string_view::npos) {
        return std::string(path);
    }
    return std::string(path.substr(0, at + needle.size()));
}

bool IsResolvedState(OrderState s) {
    return s == OrderState::kResolved || s == OrderState::kReplied || s == OrderState::kClosed;
}

template <class T>
bool ReadInt(std::string_view& rest, T& out) {
    const size_t bar = rest.find('|');
    const std::string_view field = rest.substr(0, bar);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (ec != std::errc() || end != field.data() + field.size()) {
        return false;
    }
    out = static_cast<T>(v);
    rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    return true;
}

}  // namespace

size_t BucketOf(int64_t seconds) {
    const auto it = std::upper_bound(kBucketBounds.begin(), kBucketBounds.end(), std::max<int64_t>(seconds, 0));
    return static_cast<size_t>(it - kBucketBounds.begin());
}

const std::vector<std::string>& ValueColumns() {
    static const std::vector<std::string> columns = [] {
        std::vector<std::string> c{"collected", "accepted", "accept_secs", "resolved", "resolve_secs", "on_time",
                                   "open",      "merged",   "rejected",    "rated",    "rating_sum",   "rating_good"};
        for (size_t i = 0; i < kBuckets; ++i) {
            c.push_back("a" + std::to_string(i));
        }
        for (size_t i = 0; i < kBuckets; ++i) {
            c.push_back("r" + std::to_string(i));
        }
        return c;
    }();
    return columns;
}

int64_t HandlerKey(const orders::Handler& h) {
    if (h.unit_id) {
        return -*h.unit_id;
    }
    return h.user_id.value_or(0);
}

Contribution ContributionOf(const orders::Order& o, const RatingTotals& ratings, int utc_offset) {
    Contribution c;
    c.day = LocalDay(o.created_at, utc_offset);
    if (o.grid_id) {
        c.grid_id = *o.grid_id;
        c.node_path = CutAfter(o.place_path, *o.grid_id);
    } else if (o.community_id) {
        c.node_path = CutAfter(o.place_path, *o.community_id);
    } else {
        c.node_path = o.place_path;
    }
    c.community_id = o.community_id.value_or(0);
    c.category_id = o.category_id;
    c.handler_key = HandlerKey(o.handler);
    if (o.accepted_at) {
        c.accepted = true;
        c.accept_secs = std::max<int64_t>(0, *o.accepted_at - o.created_at);
    }
    if (IsResolvedState(o.state) && o.resolved_at) {
        c.resolved = true;
        c.resolve_secs = std::max<int64_t>(0, *o.resolved_at - o.created_at);
        c.on_time = *o.resolved_at <= o.due_resolve_at;
    }
    c.open = orders::IsOpen(o.state);
    c.merged = o.state == OrderState::kMerged;
    c.rejected = o.state == OrderState::kRejected;
    c.rated = ratings.count;
    c.rating_sum = ratings.sum;
    c.rating_good = ratings.good;
    return c;
}

std::string Encode(const Contribution& c) {
    std::string out = "v1|";
    auto put = [&out](int64_t v) {
        out += std::to_string(v);
        out += '|';
    };
    put(c.day);
    out += c.node_path;
    out += '|';
    for (int64_t v : {c.grid_id, c.community_id, c.category_id, c.handler_key, int64_t{c.accepted}, c.accept_secs,
                      int64_t{c.resolved}, c.resolve_secs, int64_t{c.on_time}, int64_t{c.open}, int64_t{c.merged},
                      int64_t{c.rejected}, c.rated, c.rating_sum}) {
        put(v);
    }
    out += std::to_string(c.rating_good);
    return out;
}

std::optional<Contribution> Decode(std::string_view text) {
    if (!text.starts_with("v1|")) {
        return std::nullopt;
    }
    std::string_view rest = text.substr(3);
    Contribution c;
    if (!ReadInt(rest, c.day)) {
        return std::nullopt;
    }
    const size_t bar = rest.find('|');
    if (bar == std::string_view::npos) {
        return std::nullopt;
    }
    c.node_path = std::string(rest.substr(0, bar));
    rest = rest.substr(bar + 1);
    bool ok = ReadInt(rest, c.grid_id) && ReadInt(rest, c.community_id) && ReadInt(rest, c.category_id) &&
              ReadInt(rest, c.handler_key) && ReadInt(rest, c.accepted) && ReadInt(rest, c.accept_secs) &&
              ReadInt(rest, c.resolved) && ReadInt(rest, c.resolve_secs) && ReadInt(rest, c.on_time) &&
              ReadInt(rest, c.open) && ReadInt(rest, c.merged) && ReadInt(rest, c.rejected) && ReadInt(rest, c.rated) &&
              ReadInt(rest, c.rating_sum) && ReadInt(rest, c.rating_good);
    if (!ok || !rest.empty()) {
        return std::nullopt;
    }
    return c;
}

Values ValuesOf(const Contribution& c) {
    Values v{};
    v[kCollected] = 1;
    v[kAccepted] = c.accepted ? 1 : 0;
    v[kAcceptSecs] = c.accepted ? c.accept_secs : 0;
    v[kResolved] = c.resolved ? 1 : 0;
    v[kResolveSecs] = c.resolved ? c.resolve_secs : 0;
    v[kOnTime] = c.resolved && c.on_time ? 1 : 0;
    v[kOpen] = c.open ? 1 : 0;
    v[kMerged] = c.merged ? 1 : 0;
    v[kRejected] = c.rejected ? 1 : 0;
    v[kRated] = c.rated;
    v[kRatingSum] = c.rating_sum;
    v[kRatingGood] = c.rating_good;
    if (c.accepted) {
        v[kAcceptHist + BucketOf(c.accept_secs)] = 1;
    }
    if (c.resolved) {
        v[kResolveHist + BucketOf(c.resolve_secs)] = 1;
    }
    return v;
}

void AddTo(RollupDelta& delta, const Contribution& c, int sign) {
    const Values values = ValuesOf(c);
    const auto ids = PathIds(c.node_path);
    const int64_t month = MonthStart(c.day);
    for (size_t depth = 0; depth < ids.size(); ++depth) {
        RollupNode node;
        node.path = CutAfter(c.node_path, ids[depth]);
        node.depth = static_cast<int>(depth);
        node.kind = ids[depth] == c.grid_id ? 'g' : ids[depth] == c.community_id ? 'c' : 'x';
        for (const auto& [dim, dim_key] :
             {std::pair<char, int64_t>{'a', 0}, {'c', c.category_id}, {'h', c.handler_key}}) {
            for (const auto& [grain, period] : {std::pair<char, int64_t>{'d', c.day}, {'m', month}}) {
                auto& slot = delta[RollupKey{ids[depth], dim, grain, period, dim_key}];
                slot.first = node;
                for (size_t i = 0; i < kValueCount; ++i) {
                    slot.second[i] += sign * values[i];
                }
            }
        }
    }
}

int64_t LocalDay(int64_t epoch_seconds, int utc_offset) {
    return FloorDiv(epoch_seconds + utc_offset, kDay);
}

int64_t MonthStart(int64_t day) {
    const auto ymd = Civil(day);
    return DayOf(ymd.year() / ymd.month() / chr::day{1});
}

int64_t NextMonthStart(int64_t day) {
    const auto ymd = Civil(day);
    return DayOf(chr::year_month_day{ymd.year() / ymd.month() / chr::day{1}} + chr::months{1});
}

int64_t WeekStart(int64_t day) {
    // 1970-01-01 was a Thursday: day 0 is 3 days after a Monday.
    return day - ((day % 7 + 7 + 3) % 7);
}

std::optional<int64_t> ParseDate(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    auto num = [](std::string_view s, auto& out) {
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc() && end == s.data() + s.size();
    };
    if (!num(text.substr(0, 4), y) || !num(text.substr(5, 2), m) || !num(text.substr(8, 2), d)) {
        return std::nullopt;
    }
    const chr::year_month_day ymd{chr::year{y}, chr::month{m}, chr::day{d}};
    if (!ymd.ok() || y < 1970 || y > 2999) {
        return std::nullopt;
    }
    return DayOf(ymd);
}

std::string FormatDate(int64_t day) {
    const auto ymd = Civil(day);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

std::string FormatMonth(int64_t day) {
    return FormatDate(day).substr(0, 7);
}

std::vector<Segment> SplitRange(int64_t from_day, int64_t to_day) {
    std::vector<Segment> out;
    int64_t first_full = from_day == MonthStart(from_day) ? from_day : NextMonthStart(from_day);
    // The first day after the last whole month inside the range.
    const int64_t after_to = to_day + 1;
    const int64_t end_full = after_to == MonthStart(after_to) ? after_to : MonthStart(after_to);
    if (first_full >= end_full) {
        out.push_back(Segment{'d', from_day, to_day});
        return out;
    }
    if (from_day < first_full) {
        out.push_back(Segment{'d', from_day, first_full - 1});
    }
    // Months are keyed by their first day: every month start in [first_full, end_full).
    out.push_back(Segment{'m', first_full, MonthStart(end_full - 1)});
    if (end_full <= to_day) {
        out.push_back(Segment{'d', end_full, to_day});
    }
    return out;
}

std::optional<double> HistogramMedian(const Values& v, size_t first) {
    int64_t n = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
        n += v[first + i];
    }
    if (n <= 0) {
        return std::nullopt;
    }
    const double half = static_cast<double>(n) / 2.0;
    int64_t before = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
        const int64_t count = v[first + i];
        if (count > 0 && static_cast<double>(before + count) >= half) {
            if (i == 0) {
                return 0.0;  // exactly zero: accepted at intake
            }
            const double lower = static_cast<double>(kBucketBounds[i - 1]);
            if (i + 1 == kBuckets) {
                return lower;
            }
            const double upper = static_cast<double>(kBucketBounds[i]);
            return lower + (upper - lower) * (half - static_cast<double>(before)) / static_cast<double>(count);
        }
        before += count;
    }
    return std::nullopt;
}

}  // namespace linli::analytics
