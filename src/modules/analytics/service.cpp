#include "modules/analytics/service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <utility>

namespace linli::analytics {

namespace {

/// Counts one answer on `counter` when the service was given a metrics registry.
void Count(metrics::Counter* counter) {
    if (counter != nullptr) {
        counter->Inc();
    }
}

using storage::Conn;
using Nodes = RowSelection::Nodes;

constexpr int64_t kDaySeconds = 86400;
constexpr int kRebuildPage = 5000;
constexpr size_t kRebuildFlushRows = 50000;
constexpr int kMaxApplyRounds = 1000;
constexpr std::string_view kOffsetKey = "utc_offset";

Actor System() {
    return accounts::AccountsService::SystemActor("stats");
}

/// Adds the contributions that are not folded into the rollup yet: for each dirty fact, its old
/// contribution out and its new one in.
RollupDelta PendingOf(const std::vector<FactRow>& facts) {
    RollupDelta delta;
    for (const auto& f : facts) {
        if (f.applied) {
            if (auto old = Decode(*f.applied)) {
                AddTo(delta, *old, -1);
            }
        }
        if (auto cur = Decode(f.cur)) {
            AddTo(delta, *cur, +1);
        }
    }
    return delta;
}

void Add(Values& into, const Values& v) {
    for (size_t i = 0; i < kValueCount; ++i) {
        into[i] += v[i];
    }
}

Values Subtract(Values a, const Values& b) {
    for (size_t i = 0; i < kValueCount; ++i) {
        a[i] -= b[i];
    }
    return a;
}

bool AllZero(const Values& v) {
    return std::all_of(v.begin(), v.end(), [](int64_t x) { return x == 0; });
}

/// Sums `sel` over every segment, rollup rows plus pending facts, into `out` keyed by `key_of`.
template <class KeyOf>
Result<void> Collect(Conn& conn, const StatsRepository& repo, RowSelection sel, const std::vector<Segment>& segments,
                     const RollupDelta& pending, KeyOf key_of, std::map<int64_t, Values>& out) {
    for (const auto& seg : segments) {
        sel.segment = seg;
        LINLI_ASSIGN_OR_RETURN(auto rows, repo.Sum(conn, sel));
        for (const auto& [group, values] : rows) {
            Add(out[key_of(group, seg.grain)], values);
        }
        for (const auto& [key, row] : pending) {
            if (Selects(sel, key, row.first)) {
                Add(out[key_of(GroupValue(sel, key), seg.grain)], row.second);
            }
        }
    }
    return {};
}

std::optional<double> Ratio(int64_t a, int64_t b) {
    if (b <= 0) {
        return std::nullopt;
    }
    return static_cast<double>(a) / static_cast<double>(b);
}

}  // namespace

std::string_view GroupByName(GroupBy g) {
    for (const auto& [v, name] : kGroupBys) {
        if (v == g) {
            return name;
        }
    }
    return {};
}

std::optional<GroupBy> ParseGroupBy(std::string_view name) {
    for (const auto& [v, n] : kGroupBys) {
        if (n == name) {
            return v;
        }
    }
    return std::nullopt;
}

Figures FiguresOf(const Values& v, int64_t overdue) {
    Figures f;
    f.collected = v[kCollected];
    f.accepted = v[kAccepted];
    f.resolved = v[kResolved];
    f.in_progress = v[kOpen];
    f.overdue = overdue;
    f.on_time = v[kOnTime];
    f.merged = v[kMerged];
    f.rejected = v[kRejected];
    f.on_time_rate = Ratio(v[kOnTime], v[kResolved]);
    f.median_accept_seconds = HistogramMedian(v, kAcceptHist);
    f.median_resolve_seconds = HistogramMedian(v, kResolveHist);
    f.mean_accept_seconds = Ratio(v[kAcceptSecs], v[kAccepted]);
    f.mean_resolve_seconds = Ratio(v[kResolveSecs], v[kResolved]);
    f.ratings = v[kRated];
    f.satisfaction = Ratio(v[kRatingSum], v[kRated]);
    f.satisfaction_rate = Ratio(v[kRatingGood], v[kRated]);
    return f;
}

/// The nodes a query adds up: exact nodes, or every root (an admin without node_id).
struct StatsService::Scope {
    Nodes nodes = Nodes::kExact;
    std::vector<int64_t> ids;
    std::vector<std::string> paths;  // empty with kRoots: everywhere
};

StatsService::StatsService(storage::Database& db, const Clock& clock, orders::CatalogService& catalog,
                           registry::RegistryService& territory, registry::AssignmentService& assignments,
                           accounts::AccountsService& accounts, StatsOptions options)
    : db_(db),
      clock_(clock),
      catalog_(catalog),
      territory_(territory),
      assignments_(assignments),
      accounts_(accounts),
      options_(options),
      // Several instances may share one PostgreSQL: this process would not see the others' steps.
      cache_enabled_(options.cache_answers && db.dialect() == storage::Dialect::kSqlite) {
    if (options.metrics != nullptr) {
        constexpr const char* kName = "linli_stats_answers_total";
        constexpr const char* kHelp =
            "Order statistics answers: computed from the database, reused from the cache, or shared with a "
            "request computing the same question at the same time.";
        answers_computed_ = &options.metrics->GetCounter(kName, kHelp, {{"source", "computed"}});
        answers_cached_ = &options.metrics->GetCounter(kName, kHelp, {{"source", "cached"}});
        answers_shared_ = &options.metrics->GetCounter(kName, kHelp, {{"source", "shared"}});
    }
}

StatsService::~StatsService() {
    Stop();
}

Result<void> StatsService::OnEvent(Conn& conn, const orders::Order& order, const orders::OrderEvent&) {
    RatingTotals ratings;
    if (order.replied_at) {
        // Only an answered order can have been rated (a rating names the reply it rates).
        LINLI_ASSIGN_OR_RETURN(ratings, repo_.RatingsOf(conn, order.id));
    }
    LINLI_TRY(repo_.PutFact(conn, order.id, Encode(ContributionOf(order, ratings, options_.utc_offset))));
    // Answers computed before this step commits are out of date once it has.
    conn.AfterCommit([this] { generation_.fetch_add(1, std::memory_order_acq_rel); });
    return {};
}

Result<int64_t> StatsService::ApplyPending() {
    const bool lock = db_.dialect() == storage::Dialect::kPostgres;
    int64_t total = 0;
    for (int round = 0; round < kMaxApplyRounds; ++round) {
        LINLI_ASSIGN_OR_RETURN(auto n, db_.Write([&](Conn& conn) -> Result<int64_t> {
            LINLI_ASSIGN_OR_RETURN(auto facts, repo_.DirtyFacts(conn, options_.apply_batch, lock));
            if (facts.empty()) {
                return int64_t{0};
            }
            LINLI_TRY(repo_.AddRows(conn, PendingOf(facts)));
            for (const auto& f : facts) {
                LINLI_TRY(repo_.MarkApplied(conn, f.order_id, f.cur));
            }
            return static_cast<int64_t>(facts.size());
        }));
        total += n;
        if (n < options_.apply_batch) {
            break;
        }
    }
    return total;
}

Result<int64_t> StatsService::Rebuild() {
    return db_.Write([&](Conn& conn) -> Result<int64_t> {
        conn.AfterCommit([this] { generation_.fetch_add(1, std::memory_order_acq_rel); });
        LINLI_TRY(repo_.DeleteAll(conn));
        LINLI_ASSIGN_OR_RETURN(auto rating_list, repo_.AllRatings(conn));
        std::map<int64_t, RatingTotals> ratings(rating_list.begin(), rating_list.end());
        RollupDelta delta;
        int64_t counted = 0;
        int64_t after = 0;
        while (true) {
            LINLI_ASSIGN_OR_RETURN(auto page, repo_.OrdersAfter(conn, after, kRebuildPage));
            if (page.empty()) {
                break;
            }
            std::vector<std::pair<int64_t, std::string>> facts;
            facts.reserve(page.size());
            for (const auto& o : page) {
                auto r = ratings.find(o.id);
                const Contribution c =
                    ContributionOf(o, r == ratings.end() ? RatingTotals{} : r->second, options_.utc_offset);
                AddTo(delta, c, +1);
                facts.emplace_back(o.id, Encode(c));
            }
            LINLI_TRY(repo_.InsertFacts(conn, facts));
            counted += static_cast<int64_t>(page.size());
            after = page.back().id;
            if (delta.size() >= kRebuildFlushRows) {
                LINLI_TRY(repo_.AddRows(conn, delta));
                delta.clear();
            }
        }
        LINLI_TRY(repo_.AddRows(conn, delta));
        LINLI_TRY(repo_.SetMeta(conn, std::string(kOffsetKey), std::to_string(options_.utc_offset)));
        return counted;
    });
}

Result<bool> StatsService::EnsureFresh() {
    LINLI_ASSIGN_OR_RETURN(auto offset,
                           db_.Read([&](Conn& conn) { return repo_.Meta(conn, std::string(kOffsetKey)); }));
    if (offset && *offset == std::to_string(options_.utc_offset)) {
        return false;
    }
    LINLI_ASSIGN_OR_RETURN(auto counted, Rebuild());
    spdlog::info("order statistics: counted {} order(s) in UTC{:+d}s", counted, options_.utc_offset);
    return true;
}

void StatsService::Start() {
    std::lock_guard lock(mu_);
    if (applier_.joinable()) {
        return;
    }
    stop_ = false;
    applier_ = std::thread([this] { RunApplier(); });
}

void StatsService::Stop() {
    {
        std::lock_guard lock(mu_);
        if (!applier_.joinable()) {
            return;
        }
        stop_ = true;
    }
    cv_.notify_all();
    applier_.join();
}

void StatsService::RunApplier() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        cv_.wait_for(lock, options_.apply_interval, [this] { return stop_; });
        if (stop_) {
            break;
        }
        lock.unlock();
        try {
            if (auto applied = ApplyPending(); !applied) {
                spdlog::warn("order statistics: folding changes failed: {}", applied.error().message);
            }
        } catch (const std::exception& e) {
            // A lost database: the next round tries again; queries stay exact meanwhile.
            spdlog::error("order statistics: folding changes failed: {}", e.what());
        }
        lock.lock();
    }
}

// ---- queries -------------------------------------------------------------------------------------

Result<StatsService::Scope> StatsService::ResolveScope(const Actor& actor, std::optional<int64_t> node_id,
                                                       std::string* node_name) {
    Scope scope;
    if (node_id) {
        auto node = territory_.Get(actor, *node_id);
        if (!node) {
            if (node.error().code == ErrorCode::kNotFound) {
                return Error{ErrorCode::kNotFound, "territory node not found", "node_id"};
            }
            return node.error();
        }
        if (static_cast<int>(node->kind) > static_cast<int>(registry::NodeKind::kGrid)) {
            return InvalidArgument("node_id", "statistics go down to grids: give a grid or a node above one");
        }
        scope.ids.push_back(node->id);
        scope.paths.push_back(node->path);
        if (node_name) {
            *node_name = node->name;
        }
        return scope;
    }
    if (actor.global()) {
        scope.nodes = Nodes::kRoots;
        return scope;
    }
    // The caller's scope nodes, without those inside another (their orders are counted there).
    for (const auto& n : actor.scope) {
        const bool inside = std::any_of(actor.scope.begin(), actor.scope.end(), [&](const ScopeNode& other) {
            return other.id != n.id && n.path.starts_with(other.path) && n.path != other.path;
        });
        if (!inside && std::find(scope.ids.begin(), scope.ids.end(), n.id) == scope.ids.end()) {
            scope.ids.push_back(n.id);
            scope.paths.push_back(n.path);
        }
    }
    return scope;
}

Result<std::pair<int64_t, int64_t>> StatsService::ResolveRange(const StatsQuery& query) const {
    const int64_t today = LocalDay(clock_.Now(), options_.utc_offset);
    const int64_t to = query.to_day.value_or(today);
    const int64_t from = query.from_day.value_or(to - 29);
    if (from > to) {
        return InvalidArgument("from", "from must not be after to");
    }
    if (to - from + 1 > kMaxRangeDays) {
        return InvalidArgument("from", "a query spans at most " + std::to_string(kMaxRangeDays) + " days");
    }
    return std::pair<int64_t, int64_t>{from, to};
}

std::string StatsService::CategoryLabel(int64_t id, std::string* code, std::string* name_en) {
    auto c = catalog_.AnyCategory(id);
    if (c && *c) {
        *code = (*c)->code;
        *name_en = (*c)->name_en;
        return (*c)->name_zh;
    }
    *code = std::to_string(id);
    return "类别 " + std::to_string(id);
}

/// A statistics answer as computed from the database, without the labels that name categories,
/// nodes and handlers (read afresh for every answer): valid while no order step committed since
/// `generation` was read and the clock stays within [computed_at, next_due].
struct StatsService::Computed {
    uint64_t generation = 0;
    int64_t computed_at = 0;
    std::optional<int64_t> next_due;  // an open order falls due after this: overdue counts may change
    std::chrono::steady_clock::time_point stored;
    std::vector<StatsRow> rows;
    Figures total;
};

/// One computation under way: those who ask the same question meanwhile wait for its answer.
struct StatsService::Flight {
    uint64_t generation = 0;  // joined only while no order step has committed since it started
    std::promise<Result<std::shared_ptr<const Computed>>> promise;
    std::shared_future<Result<std::shared_ptr<const Computed>>> answer = promise.get_future().share();
};

std::string StatsService::CacheKey(GroupBy g, int64_t from, int64_t to, const Scope& scope) {
    // Everything the figures depend on: the figures of one scope are the same whoever asks.
    std::string key = fmt::format("{}|{}|{}|{}|", GroupByName(g), from, to, static_cast<int>(scope.nodes));
    for (int64_t id : scope.ids) {
        key += std::to_string(id) + ',';
    }
    key += '|';
    for (const auto& p : scope.paths) {
        key += p + ',';
    }
    return key;
}

std::shared_ptr<const StatsService::Computed> StatsService::Lookup(const std::string& key, int64_t now) {
    if (!cache_enabled_) {
        return nullptr;
    }
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(key);
    if (it == cache_.end()) {
        return nullptr;
    }
    const Computed& c = *it->second;
    const bool fresh = c.generation == generation_.load(std::memory_order_acquire) && now >= c.computed_at &&
                       (!c.next_due || now <= *c.next_due) &&
                       std::chrono::steady_clock::now() - c.stored < kMaxCacheAge;
    if (!fresh) {
        cache_.erase(it);
        return nullptr;
    }
    return it->second;
}

void StatsService::Store(const std::string& key, std::shared_ptr<const Computed> computed) {
    if (!cache_enabled_) {
        return;
    }
    std::lock_guard lock(cache_mu_);
    const uint64_t generation = generation_.load(std::memory_order_acquire);
    if (computed->generation != generation) {
        return;  // a step committed meanwhile: already out of date
    }
    if (cache_.size() >= kMaxCachedAnswers) {
        std::erase_if(cache_, [&](const auto& entry) { return entry.second->generation != generation; });
        if (cache_.size() >= kMaxCachedAnswers) {
            cache_.clear();
        }
    }
    cache_[key] = std::move(computed);
}

Result<std::shared_ptr<const StatsService::Computed>> StatsService::ComputeOnce(const std::string& key, GroupBy g,
                                                                                int64_t from, int64_t to,
                                                                                const Scope& scope, int64_t now) {
    if (!cache_enabled_) {
        Count(answers_computed_);
        return Compute(g, from, to, scope, now);
    }
    std::shared_ptr<Flight> flight;
    bool mine = false;
    {
        std::lock_guard lock(cache_mu_);
        const uint64_t generation = generation_.load(std::memory_order_acquire);
        auto it = in_flight_.find(key);
        if (it != in_flight_.end() && it->second->generation == generation) {
            flight = it->second;
        } else {
            // None, or one begun before a step this caller may have seen commit: a fresh computation.
            flight = std::make_shared<Flight>();
            flight->generation = generation;
            in_flight_[key] = flight;
            mine = true;
        }
    }
    if (!mine) {
        auto shared = flight->answer.get();  // rethrows what the computing request threw
        // Overdue counts are against the clock: the answer holds only from when it was computed on.
        if (shared && now >= (*shared)->computed_at && (!(*shared)->next_due || now <= *(*shared)->next_due)) {
            Count(answers_shared_);
            return shared;
        }
        Count(answers_computed_);
        return Compute(g, from, to, scope, now);
    }

    auto finish = [&] {
        std::lock_guard lock(cache_mu_);
        auto it = in_flight_.find(key);
        if (it != in_flight_.end() && it->second == flight) {
            in_flight_.erase(it);
        }
    };
    Result<std::shared_ptr<const Computed>> computed = Internal("statistics not computed");
    try {
        Count(answers_computed_);
        computed = Compute(g, from, to, scope, now);
    } catch (...) {
        finish();
        flight->promise.set_exception(std::current_exception());  // the waiters fail as this request does
        throw;
    }
    if (computed) {
        Store(key, *computed);
    }
    finish();
    flight->promise.set_value(computed);
    return computed;
}

Result<std::shared_ptr<const StatsService::Computed>> StatsService::Compute(GroupBy g, int64_t from, int64_t to,
                                                                            const Scope& scope, int64_t now) {
    auto computed = std::make_shared<Computed>();
    // Sampled before the read snapshot opens: a step that commits after this makes the answer stale
    // and bumps the generation after its commit (OnEvent), so the answer is never kept past it.
    computed->generation = generation_.load(std::memory_order_acquire);
    computed->computed_at = now;
    computed->stored = std::chrono::steady_clock::now();

    const bool by_node = g == GroupBy::kGrid || g == GroupBy::kCommunity;
    const std::vector<Segment> segments =
        g == GroupBy::kDay || g == GroupBy::kWeek ? std::vector<Segment>{Segment{'d', from, to}} : SplitRange(from, to);

    RowSelection sel;
    sel.dim = g == GroupBy::kCategory ? 'c' : g == GroupBy::kHandler ? 'h' : 'a';
    sel.nodes = scope.nodes;
    sel.node_ids = scope.ids;
    sel.group = IsTimeGroup(g) ? RowSelection::GroupBy::kPeriod : RowSelection::GroupBy::kDimKey;
    if (by_node) {
        sel.nodes = Nodes::kKindUnder;
        sel.kind = g == GroupBy::kGrid ? 'g' : 'c';
        sel.under_paths = scope.paths;
        sel.group = RowSelection::GroupBy::kNode;
    }
    RowSelection total_sel;
    total_sel.dim = 'a';
    total_sel.nodes = scope.nodes;
    total_sel.node_ids = scope.ids;
    total_sel.group = RowSelection::GroupBy::kDimKey;

    auto key_of = [g](int64_t group, char grain) -> int64_t {
        switch (g) {
            case GroupBy::kDay:
                return group;
            case GroupBy::kWeek:
                return WeekStart(group);
            case GroupBy::kMonth:
                return grain == 'm' ? group : MonthStart(group);
            case GroupBy::kCategory:
            case GroupBy::kGrid:
            case GroupBy::kCommunity:
            case GroupBy::kHandler:
                return group;
        }
        return group;
    };

    OverdueSelection overdue_sel;
    overdue_sel.now = now;
    overdue_sel.utc_offset = options_.utc_offset;
    overdue_sel.from_ts = from * kDaySeconds - options_.utc_offset;
    overdue_sel.to_ts = (to + 1) * kDaySeconds - options_.utc_offset;
    overdue_sel.under_paths = scope.paths;
    switch (g) {
        case GroupBy::kCategory:
            overdue_sel.group = OverdueGroup::kCategory;
            break;
        case GroupBy::kHandler:
            overdue_sel.group = OverdueGroup::kHandler;
            break;
        case GroupBy::kGrid:
            overdue_sel.group = OverdueGroup::kGrid;
            break;
        case GroupBy::kCommunity:
            overdue_sel.group = OverdueGroup::kCommunity;
            break;
        case GroupBy::kDay:
        case GroupBy::kWeek:
        case GroupBy::kMonth:
            overdue_sel.group = OverdueGroup::kDay;
            break;
    }

    std::map<int64_t, Values> groups;
    std::map<int64_t, Values> totals;
    std::map<int64_t, int64_t> overdue;
    if (scope.nodes == Nodes::kExact && scope.ids.empty()) {
        // A caller without territory: nothing to count.
    } else {
        LINLI_TRY(db_.Read([&](Conn& conn) -> Result<void> {
            LINLI_ASSIGN_OR_RETURN(auto dirty, repo_.DirtyFacts(conn, 1'000'000, false));
            const RollupDelta pending = PendingOf(dirty);
            LINLI_TRY(Collect(conn, repo_, sel, segments, pending, key_of, groups));
            LINLI_TRY(Collect(
                conn, repo_, total_sel, SplitRange(from, to), pending, [](int64_t, char) { return int64_t{0}; },
                totals));
            LINLI_ASSIGN_OR_RETURN(auto late, repo_.Overdue(conn, overdue_sel));
            for (const auto& [group, n] : late.late) {
                overdue[IsTimeGroup(g) ? key_of(group, 'd') : group] += n;
            }
            computed->next_due = late.next_due;
            return {};
        }));
    }

    if (by_node) {
        // Orders placed on a community itself (no grid), or on a subdistrict: what the grids do not hold.
        Values sum{};
        for (const auto& [k, v] : groups) {
            Add(sum, v);
        }
        const Values rest = Subtract(totals[0], sum);
        if (!AllZero(rest)) {
            Add(groups[0], rest);
        }
    }
    if (IsTimeGroup(g)) {
        // Every period of the range, empty ones too: charts need the gaps.
        for (int64_t d = from; d <= to; ++d) {
            groups.try_emplace(key_of(d, 'd'), Values{});
        }
    }
    std::vector<StatsRow>& rows = computed->rows;
    for (auto& [key, values] : groups) {
        if (!IsTimeGroup(g) && AllZero(values) && overdue[key] == 0) {
            continue;
        }
        StatsRow row;
        row.key = key;
        switch (g) {
            case GroupBy::kCategory:
                break;  // labelled by Label()
            case GroupBy::kGrid:
            case GroupBy::kCommunity:
                row.code = std::to_string(key);
                break;
            case GroupBy::kHandler:
                row.code = key == 0 ? "none" : key > 0 ? "user" : "unit";
                break;
            case GroupBy::kDay:
            case GroupBy::kWeek:
                row.code = FormatDate(key);
                row.name = row.code;
                break;
            case GroupBy::kMonth:
                row.code = FormatDate(key);
                row.name = FormatMonth(key);
                break;
        }
        row.figures = FiguresOf(values, overdue[key]);
        rows.push_back(std::move(row));
    }
    if (!IsTimeGroup(g)) {
        std::stable_sort(rows.begin(), rows.end(), [](const StatsRow& a, const StatsRow& b) {
            return a.figures.collected > b.figures.collected;
        });
    }
    int64_t overdue_total = 0;
    for (const auto& [k, n] : overdue) {
        overdue_total += n;
    }
    computed->total = FiguresOf(totals[0], overdue_total);
    return std::shared_ptr<const Computed>(std::move(computed));
}

Result<void> StatsService::Label(GroupBy g, std::vector<StatsRow>& rows) {
    switch (g) {
        case GroupBy::kCategory:
            for (auto& row : rows) {
                row.name = CategoryLabel(row.key, &row.code, &row.name_en);
            }
            return {};
        case GroupBy::kDay:
        case GroupBy::kWeek:
        case GroupBy::kMonth:
            return {};  // periods name themselves
        case GroupBy::kGrid:
        case GroupBy::kCommunity:
        case GroupBy::kHandler:
            break;
    }
    // The labels, in one statement per kind rather than one service call per row.
    std::vector<int64_t> users, units, nodes;
    const bool by_node = g != GroupBy::kHandler;
    for (const auto& row : rows) {
        if (row.key != 0) {
            (by_node ? nodes : row.key > 0 ? users : units).push_back(row.key > 0 ? row.key : -row.key);
        }
    }
    std::map<int64_t, std::string> names;       // nodes, or users for handlers
    std::map<int64_t, std::string> unit_names;  // handlers that are units
    if (!nodes.empty() || !users.empty() || !units.empty()) {
        LINLI_TRY(db_.Read([&](Conn& conn) -> Result<void> {
            if (by_node) {
                LINLI_ASSIGN_OR_RETURN(names, repo_.NodeNames(conn, nodes));
            } else {
                LINLI_ASSIGN_OR_RETURN(names, repo_.UserNames(conn, users));
                LINLI_ASSIGN_OR_RETURN(unit_names, repo_.UnitNames(conn, units));
            }
            return {};
        }));
    }
    for (auto& row : rows) {
        const int64_t key = row.key;
        if (by_node) {
            if (key == 0) {
                row.name = g == GroupBy::kCommunity ? "未划入社区" : "未划入网格";
            } else {
                auto it = names.find(key);
                row.name = it != names.end() ? it->second : "节点 " + std::to_string(key);
            }
        } else if (key == 0) {
            row.name = "未派遣";
        } else if (key > 0) {
            auto it = names.find(key);
            row.name = it != names.end() ? it->second : "用户 " + std::to_string(key);
        } else {
            auto it = unit_names.find(-key);
            row.name = it != unit_names.end() ? it->second : "单位 " + std::to_string(-key);
        }
    }
    return {};
}

Result<StatsReport> StatsService::Stats(const Actor& actor, const StatsQuery& query) {
    LINLI_ASSIGN_OR_RETURN(auto range, ResolveRange(query));
    const int64_t from = range.first;  // not a structured binding: clang 14 cannot capture one
    const int64_t to = range.second;
    StatsReport report;
    report.group_by = query.group_by;
    report.from_day = from;
    report.to_day = to;
    report.node_id = query.node_id;
    // Scope first, on every request: a cached answer is only ever one of the caller's own scope.
    LINLI_ASSIGN_OR_RETURN(auto scope, ResolveScope(actor, query.node_id, &report.node_name));

    const std::string key = CacheKey(query.group_by, from, to, scope);
    const int64_t now = clock_.Now();
    std::shared_ptr<const Computed> computed = Lookup(key, now);
    if (computed) {
        Count(answers_cached_);
    } else {
        LINLI_ASSIGN_OR_RETURN(computed, ComputeOnce(key, query.group_by, from, to, scope, now));
    }
    report.rows = computed->rows;
    report.total = computed->total;
    LINLI_TRY(Label(query.group_by, report.rows));
    return report;
}

Result<ScorecardReport> StatsService::Scorecards(const Actor& actor, const StatsQuery& query) {
    LINLI_ASSIGN_OR_RETURN(auto range, ResolveRange(query));
    const int64_t from = range.first;  // not a structured binding: clang 14 cannot capture one
    const int64_t to = range.second;
    ScorecardReport report;
    report.from_day = from;
    report.to_day = to;
    report.node_id = query.node_id;
    LINLI_ASSIGN_OR_RETURN(auto scope, ResolveScope(actor, query.node_id, nullptr));

    // The grid workers of the grids in scope, through the register (the owner of assignments).
    std::map<int64_t, Scorecard> cards;
    std::vector<std::optional<int64_t>> under;
    if (scope.nodes == Nodes::kRoots) {
        under.push_back(std::nullopt);
    } else {
        under.assign(scope.ids.begin(), scope.ids.end());
    }
    for (const auto& node : under) {
        registry::AssignmentQuery q;
        q.node_id = node;
        q.role = registry::CareRole::kGridWorker;
        q.active_only = true;
        q.limit = kMaxPageSize;
        while (true) {
            LINLI_ASSIGN_OR_RETURN(auto page, assignments_.List(System(), q));
            for (const auto& a : page.items) {
                auto& card = cards[a.user_id];
                card.user_id = a.user_id;
                card.name = a.display_name.empty() ? a.username : a.display_name;
                if (std::find(card.grids.begin(), card.grids.end(), a.node_name) == card.grids.end()) {
                    card.grids.push_back(a.node_name);
                }
                q.after_id = a.id;
            }
            if (page.items.size() < static_cast<size_t>(q.limit)) {
                break;
            }
        }
    }
    if (cards.empty()) {
        return report;
    }
    std::vector<int64_t> users;
    for (const auto& [id, card] : cards) {
        users.push_back(id);
    }

    RowSelection sel;
    sel.dim = 'h';
    sel.nodes = scope.nodes;
    sel.node_ids = scope.ids;
    sel.group = RowSelection::GroupBy::kDimKey;
    sel.dim_keys = users;
    OverdueSelection overdue_sel;
    overdue_sel.group = OverdueGroup::kHandlerUser;
    overdue_sel.now = clock_.Now();
    overdue_sel.under_paths = scope.paths;
    overdue_sel.handler_user_ids = users;

    std::map<int64_t, Values> figures;
    std::map<int64_t, int64_t> overdue;
    LINLI_TRY(db_.Read([&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto dirty, repo_.DirtyFacts(conn, 1'000'000, false));
        LINLI_TRY(Collect(
            conn, repo_, sel, SplitRange(from, to), PendingOf(dirty), [](int64_t group, char) { return group; },
            figures));
        LINLI_ASSIGN_OR_RETURN(auto late, repo_.Overdue(conn, overdue_sel));
        for (const auto& [user, n] : late.late) {
            overdue[user] += n;
        }
        return {};
    }));
    for (auto& [id, card] : cards) {
        const Values& v = figures[id];
        const Figures f = FiguresOf(v, overdue[id]);
        card.handled = f.collected;
        card.resolved = f.resolved;
        card.on_time = f.on_time;
        card.on_time_rate = f.on_time_rate;
        card.median_resolve_seconds = f.median_resolve_seconds;
        card.ratings = f.ratings;
        card.satisfaction = f.satisfaction;
        card.in_progress = f.in_progress;
        card.overdue_now = f.overdue;
        report.items.push_back(std::move(card));
    }
    std::stable_sort(report.items.begin(), report.items.end(),
                     [](const Scorecard& a, const Scorecard& b) { return a.name < b.name; });
    return report;
}

}  // namespace linli::analytics
