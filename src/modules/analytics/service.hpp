#pragma once
/// Work-order statistics (issue 4 §9, ADR 0007): figures per category, grid, community, handler and
/// period, and a scorecard per grid worker, read from additive rollups so that a question over a
/// million orders adds up a few hundred rows.
///
/// How the rollups stay right: StatsService is an orders::OrderListener. In the transaction of every
/// order step it rewrites one row, the order's fact (what it contributes now); a background applier
/// folds changed facts into the rollup (old contribution out, new in) in batches; and every query
/// also adds the facts not folded yet, in the same read snapshot, so figures are exact at every
/// moment and intake pays one row per step, not one per rollup row. Orders are counted in the local
/// day they were created (cohorts); `overdue` is counted live from the open orders.
///
/// Medians come from a 25-bucket histogram of durations (rollup.hpp) interpolated inside the bucket
/// holding the median: the true median lies in that bucket, so the error is at most its width
/// (e.g. between 16 and 24 hours: within 8 hours; under an hour: within 15 minutes).
///
/// Scope: figures of a node need the node in the caller's scope (404 node_id otherwise, as for any
/// record); without node_id a caller gets their scope (admins: everything). Territory only: orders
/// sent to a caller from outside their scope are not in their figures.
///
/// Thread safety: every method may be called concurrently; Start/Stop from one thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "modules/accounts/service.hpp"
#include "modules/analytics/model.hpp"
#include "modules/analytics/repository.hpp"
#include "modules/orders/catalog_service.hpp"
#include "modules/orders/service.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/service.hpp"
#include "storage/database.hpp"

namespace linli::analytics {

struct StatsOptions {
    int utc_offset = 8 * 3600;  // the community's zone: days and months are local
    int apply_batch = 5000;     // facts folded per transaction
    std::chrono::milliseconds apply_interval{500};
    /// Keep answers until an order step commits or an open order falls due (SQLite only: see Stats).
    bool cache_answers = true;
    /// Optional: linli_stats_answers_total{source} (computed, cached, shared) is counted here.
    metrics::Registry* metrics = nullptr;
};

class StatsService : public orders::OrderListener {
public:
    /// REQUIRES: `db` is migrated; every argument outlives the service.
    StatsService(storage::Database& db, const Clock& clock, orders::CatalogService& catalog,
                 registry::RegistryService& territory, registry::AssignmentService& assignments,
                 accounts::AccountsService& accounts, StatsOptions options = {});
    ~StatsService() override;

    /// Rewrites the order's fact in the step's transaction (one row; the rollup is folded later).
    Result<void> OnEvent(storage::Conn& conn, const orders::Order& order, const orders::OrderEvent& event) override;

    /// Folds every changed fact into the rollup; returns how many. Safe beside the applier thread
    /// and other instances (PostgreSQL: rows are claimed with SKIP LOCKED).
    Result<int64_t> ApplyPending();
    /// Recounts everything from the orders (first start, or a changed time zone). Returns the
    /// number of orders counted. One write transaction.
    Result<int64_t> Rebuild();
    /// Rebuilds when the rollup was counted in another time zone or never; true when it did.
    Result<bool> EnsureFresh();

    /// Starts / stops the background applier (every apply_interval). Idempotent.
    void Start();
    void Stop();

    /// Figures broken down by query.group_by. Roles are checked by the route. Errors: 400 from/to
    /// (not a date, from after to, more than kMaxRangeDays), 400 node_id below a grid, 404 node_id.
    ///
    /// Dashboards ask the same question again and again, so on SQLite (where every write goes through
    /// this process) the figures of a (scope, group_by, from, to) are kept in memory and reused while
    /// they are exactly what a new count would give: until any order step commits (OnEvent bumps a
    /// generation after the commit) or an open order in the selection falls due (overdue is counted
    /// against the clock), and for kMaxCacheAge at most. The scope is resolved on every request and is
    /// part of the key; names of categories, nodes and handlers are read afresh for every answer.
    /// When many ask the same question while it is not kept (a dashboard wall after a commit), one of
    /// them computes it and the others wait for that answer instead of each computing their own.
    Result<StatsReport> Stats(const Actor& actor, const StatsQuery& query);
    /// One scorecard per active grid worker of the grids in scope (or under node_id); group_by ignored.
    Result<ScorecardReport> Scorecards(const Actor& actor, const StatsQuery& query);

    /// The longest a kept answer is reused even when nothing invalidated it (a safety net only).
    static constexpr std::chrono::seconds kMaxCacheAge{60};
    /// Kept answers at most (each a few kilobytes; a by-day report over a year, a few hundred).
    static constexpr size_t kMaxCachedAnswers = 256;

private:
    struct Scope;
    struct Computed;
    struct Flight;
    static std::string CacheKey(GroupBy g, int64_t from, int64_t to, const Scope& scope);
    std::shared_ptr<const Computed> Lookup(const std::string& key, int64_t now);
    void Store(const std::string& key, std::shared_ptr<const Computed> computed);
    /// Compute, once per key at a time: a caller asking what another is computing since the last
    /// commit waits for that answer (single flight), then it is kept as Store keeps it.
    Result<std::shared_ptr<const Computed>> ComputeOnce(const std::string& key, GroupBy g, int64_t from, int64_t to,
                                                        const Scope& scope, int64_t now);
    /// The figures (unlabelled rows and total) of a Stats question, from one read snapshot.
    Result<std::shared_ptr<const Computed>> Compute(GroupBy g, int64_t from, int64_t to, const Scope& scope,
                                                    int64_t now);
    /// Names the rows (categories from the catalogue, nodes and handlers from the database).
    Result<void> Label(GroupBy g, std::vector<StatsRow>& rows);
    Result<Scope> ResolveScope(const Actor& actor, std::optional<int64_t> node_id, std::string* node_name);
    Result<std::pair<int64_t, int64_t>> ResolveRange(const StatsQuery& query) const;
    std::string CategoryLabel(int64_t id, std::string* code, std::string* name_en);
    void RunApplier();

    storage::Database& db_;
    const Clock& clock_;
    orders::CatalogService& catalog_;
    registry::RegistryService& territory_;
    registry::AssignmentService& assignments_;
    accounts::AccountsService& accounts_;
    StatsOptions options_;
    StatsRepository repo_;

    const bool cache_enabled_;
    std::atomic<uint64_t> generation_{0};  // bumped after every committed step that rewrote a fact
    std::mutex cache_mu_;
    std::unordered_map<std::string, std::shared_ptr<const Computed>> cache_;  // guarded by cache_mu_
    std::unordered_map<std::string, std::shared_ptr<Flight>> in_flight_;      // guarded by cache_mu_
    metrics::Counter* answers_computed_ = nullptr;  // linli_stats_answers_total, when options name a registry
    metrics::Counter* answers_cached_ = nullptr;
    metrics::Counter* answers_shared_ = nullptr;

    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread applier_;
};

}  // namespace linli::analytics
