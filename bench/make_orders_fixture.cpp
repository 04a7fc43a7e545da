// Prepares the work-order benchmark (bench/run-orders-bench): fills a database that `linli demo`
// made with N work orders spread over the demo's buildings, categories and grid workers across the
// last two years (most answered and closed, some late, a few still open or overdue: the recent ones
// and one in 500 of the older ones), by direct bulk
// SQL, then counts them into the statistics rollups with the service's own Rebuild (ADR 0007).
// Prints "orders <n> rollup_rows <m> seconds <s>". Deterministic for a given N.
// Usage: make_orders_fixture DB_PATH N
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "core/clock.hpp"
#include "modules/accounts/service.hpp"
#include "modules/analytics/service.hpp"
#include "modules/orders/catalog_service.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/service.hpp"

namespace {

using namespace linli;
using storage::Conn;
using storage::Param;

struct Building {
    int64_t id = 0;
    std::string path;
    std::string name;
    int64_t community_id = 0;
    int64_t grid_id = 0;
};

struct Category {
    int64_t id = 0;
    int64_t resolve_hours = 24;
};

/// Node id at position `index` (0 = root) of a path "/1/5/23/".
int64_t PathId(const std::string& path, size_t index) {
    size_t pos = 1;
    for (size_t i = 0; i < index; ++i) {
        pos = path.find('/', pos) + 1;
    }
    return std::stoll(path.substr(pos, path.find('/', pos) - pos));
}

std::string Code(int64_t i) {
    static const std::string alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    std::string code(10, '2');
    code[0] = 'B';  // never a code intake draws at random in practice; unique by construction
    for (int k = 9; k >= 1; --k) {
        code[static_cast<size_t>(k)] = alphabet[static_cast<size_t>(i % 31)];
        i /= 31;
    }
    return code;
}

int Fail(const Error& e) {
    std::cerr << "make_orders_fixture: " << e.message << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: make_orders_fixture DB_PATH N\n";
        return 2;
    }
    const int64_t total = std::atoll(argv[2]);
    const auto started = std::chrono::steady_clock::now();
    app::Config config;
    config.db = std::string("sqlite:") + argv[1];
    auto opened = app::OpenDatabase(config);
    if (!opened) {
        return Fail(opened.error());
    }
    storage::Database& db = **opened;
    SystemClock clock;
    const int64_t now = clock.Now();

    std::vector<Building> buildings;
    std::vector<Category> categories;
    std::map<int64_t, std::pair<int64_t, std::string>> worker_of_grid;  // grid → (user, name)
    std::vector<std::pair<int64_t, std::string>> units;
    auto loaded = db.Write([&](Conn& c) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT b.id, b.path, b.name, b.community_id FROM territory_nodes b"
                                                  " WHERE b.kind = 'building' ORDER BY b.id"));
        for (const auto& r : rows) {
            Building b{r.Int(0), r.Text(1), r.Text(2), r.OptInt(3).value_or(0), 0};
            // Buildings sit under grids: the grid is the building's parent.
            b.grid_id = PathId(b.path, static_cast<size_t>(std::count(b.path.begin(), b.path.end(), '/') - 3));
            buildings.push_back(std::move(b));
        }
        LINLI_ASSIGN_OR_RETURN(auto cats,
                               c.Query("SELECT id, resolve_hours FROM order_categories WHERE active = TRUE"));
        for (const auto& r : cats) {
            categories.push_back(Category{r.Int(0), std::max<int64_t>(r.Int(1), 8)});
        }
        LINLI_ASSIGN_OR_RETURN(auto workers,
                               c.Query("SELECT a.node_id, a.user_id, u.display_name FROM assignments a JOIN users u"
                                       " ON u.id = a.user_id WHERE a.role = 'grid_worker' AND a.ended_at IS NULL"));
        for (const auto& r : workers) {
            worker_of_grid.try_emplace(r.Int(0), r.Int(1), r.Text(2));
        }
        for (const char* name : {"区住建局维修科", "青和物业服务中心", "流塘供电所"}) {
            LINLI_TRY(
                c.Exec("INSERT INTO handling_units (name, kind, contact, created_at, updated_at)"
                       " VALUES ($1, 'department', '', $2, $2) ON CONFLICT (name) DO NOTHING",
                       {name, now}));
        }
        LINLI_ASSIGN_OR_RETURN(auto unit_rows, c.Query("SELECT id, name FROM handling_units ORDER BY id"));
        for (const auto& r : unit_rows) {
            units.emplace_back(r.Int(0), r.Text(1));
        }
        return {};
    });
    if (!loaded) {
        return Fail(loaded.error());
    }
    if (buildings.empty() || categories.empty()) {
        std::cerr << "make_orders_fixture: run `linli demo` on the database first\n";
        return 1;
    }

    std::mt19937_64 rng(20260301);
    auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
    std::lognormal_distribution<double> resolve_hours(2.3, 0.9);  // median ~10 h, long tail
    const char* titles[] = {"楼道灯不亮",   "水管漏水", "电动车楼道充电", "夜间装修噪音",     "垃圾未及时清运",
                            "邻里漏水纠纷", "电梯故障", "占道停车",       "独居老人需要帮助", "咨询医保政策"};
    const int64_t span = 730 * 86400;
    constexpr int kRowsPerStatement = 100;
    constexpr int64_t kRowsPerTransaction = 20000;
    const std::string columns =
        "INSERT INTO orders (tracking_code, kind, category_id, title, description, place_id, place_path, place_name,"
        " community_id, grid_id, reporter_name, channel, state, handler_user_id, handler_user_name, handler_unit_id,"
        " handler_unit_name, due_accept_at, due_resolve_at, accepted_at, dispatched_at, resolved_at, replied_at,"
        " closed_at, close_reason, created_at, updated_at) VALUES ";
    constexpr int kColumns = 27;

    for (int64_t base = 0; base < total; base += kRowsPerTransaction) {
        const int64_t end = std::min(total, base + kRowsPerTransaction);
        auto written = db.Write([&](Conn& c) -> Result<void> {
            for (int64_t start = base; start < end; start += kRowsPerStatement) {
                const int64_t stop = std::min(end, start + kRowsPerStatement);
                std::string sql = columns;
                std::vector<Param> p;
                p.reserve(static_cast<size_t>(stop - start) * kColumns);
                for (int64_t i = start; i < stop; ++i) {
                    const Building& b = buildings[static_cast<size_t>(uniform(0, int64_t(buildings.size()) - 1))];
                    const Category& cat = categories[static_cast<size_t>(uniform(0, int64_t(categories.size()) - 1))];
                    // Older orders first, so ids ascend with time as they do in life.
                    const int64_t created = now - span + (span * i) / total + uniform(0, 600);
                    const int64_t age = now - created;
                    const int64_t due_accept = created + 2 * 3600;
                    const int64_t due_resolve =
                        created + cat.resolve_hours * 3600 * 2;  // working hours ≈ 2× on the clock
                    std::optional<int64_t> user_id, unit_id;
                    std::string user_name, unit_name;
                    if (uniform(0, 9) == 0 && !units.empty()) {
                        const auto& u = units[static_cast<size_t>(uniform(0, int64_t(units.size()) - 1))];
                        unit_id = u.first;
                        unit_name = u.second;
                    } else if (auto w = worker_of_grid.find(b.grid_id); w != worker_of_grid.end()) {
                        user_id = w->second.first;
                        user_name = w->second.second;
                    }
                    const int64_t accept_after = uniform(0, 3) == 0 ? uniform(60, 4 * 3600) : 0;
                    const int64_t resolve_after =
                        std::max<int64_t>(600, static_cast<int64_t>(resolve_hours(rng) * 3600.0));
                    std::string state = "closed";
                    std::optional<int64_t> accepted = created + accept_after;
                    std::optional<int64_t> dispatched = accepted;
                    std::optional<int64_t> resolved, replied, closed;
                    std::optional<std::string> reason;
                    const int64_t roll = uniform(0, 99);
                    // Open: not resolved yet, or (one in 500) left open long past its deadline.
                    if (resolve_after > age || (roll < 2 && uniform(0, 9) == 0)) {
                        state = roll % 2 == 0 ? "in_progress" : "dispatched";  // still open (some overdue)
                    } else if (roll < 4) {
                        state = "rejected";
                    } else {
                        resolved = created + resolve_after;
                        replied = *resolved + 1800;
                        if (*replied + 7 * 86400 < now) {
                            closed = *replied + uniform(3600, 7 * 86400);
                            reason = uniform(0, 2) == 0 ? "no_response" : "rated";
                        } else {
                            state = "replied";
                        }
                    }
                    sql += i == start ? "(" : ", (";
                    for (int k = 0; k < kColumns; ++k) {
                        sql += (k ? ", $" : "$") + std::to_string(p.size() + static_cast<size_t>(k) + 1);
                    }
                    sql += ")";
                    const std::string title = titles[static_cast<size_t>(uniform(0, 9))];
                    for (Param v : std::initializer_list<Param>{Code(i),
                                                                "request",
                                                                cat.id,
                                                                title,
                                                                title + "，请尽快处理",
                                                                b.id,
                                                                b.path,
                                                                b.name,
                                                                b.community_id,
                                                                b.grid_id,
                                                                "居民",
                                                                "walk_in",
                                                                state,
                                                                user_id,
                                                                user_name,
                                                                unit_id,
                                                                unit_name,
                                                                due_accept,
                                                                due_resolve,
                                                                accepted,
                                                                dispatched,
                                                                resolved,
                                                                replied,
                                                                closed,
                                                                reason,
                                                                created,
                                                                closed.value_or(replied.value_or(created))}) {
                        p.push_back(std::move(v));
                    }
                }
                LINLI_TRY(c.Exec(sql, p));
            }
            return {};
        });
        if (!written) {
            return Fail(written.error());
        }
        std::cerr << "\rorders: " << end << " / " << total << std::flush;
    }
    std::cerr << "\n";

    // The statistics, counted by the service itself.
    registry::RegistryService territory(db, clock);
    accounts::AccountsService accounts(
        db, clock, accounts::AccountsOptions{},
        [&territory](const std::vector<int64_t>& ids) { return territory.ResolveScope(ids); });
    orders::CatalogService catalog(db, clock, accounts);
    registry::AssignmentService assignments(db, clock, territory);
    analytics::StatsService stats(db, clock, catalog, territory, assignments, accounts);
    auto counted = stats.Rebuild();
    if (!counted) {
        return Fail(counted.error());
    }
    auto rows = db.Read([](Conn& c) -> Result<int64_t> {
        LINLI_ASSIGN_OR_RETURN(auto r, c.Query("SELECT count(*) FROM order_stats"));
        return r.at(0).Int(0);
    });
    db.Close();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "orders " << *counted << " rollup_rows " << (rows ? *rows : -1) << " seconds " << seconds << "\n";
    return 0;
}
