#include "modules/orders/similar_service.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>

#include "core/territory_path.hpp"
#include "modules/orders/repository.hpp"
#include "modules/orders/similar.hpp"
#include "modules/registry/repository.hpp"

namespace linli::orders {

namespace {

using registry::NodeKind;
using storage::Conn;
using storage::Param;

/// The path of the building a household or unit belongs to (a building: itself; a grid or
/// community: itself, a wider net): every level sits exactly one below its parent.
std::string AreaPath(const registry::Node& place) {
    const int up = static_cast<int>(place.kind) - static_cast<int>(NodeKind::kBuilding);
    if (up <= 0) {
        return place.path;
    }
    std::string path = place.path;
    for (int i = 0; i < up && path.size() > 1; ++i) {
        // "/1/5/23/40/" → "/1/5/23/"
        const size_t cut = path.rfind('/', path.size() - 2);
        path.resize(cut + 1);
    }
    return path;
}

/// AreaPath from an order alone, with no read: the building is the level under the order's grid
/// ("/1/5/23/40/77/" with grid 23 → "/1/5/23/40/"); a place at the grid or above is its own area.
std::string AreaPathOf(const Order& order) {
    if (!order.grid_id) {
        return order.place_path;
    }
    const auto ids = PathIds(order.place_path);
    const auto grid = std::find(ids.begin(), ids.end(), *order.grid_id);
    if (grid == ids.end() || std::next(grid) == ids.end()) {
        return order.place_path;  // the place is the grid itself
    }
    std::string path = "/";
    for (auto it = ids.begin(); it != std::next(grid, 2); ++it) {
        path += std::to_string(*it) + "/";
    }
    return path;
}

bool CanMergeInto(OrderState s) {
    return s != OrderState::kMerged && s != OrderState::kClosed && s != OrderState::kRejected &&
           s != OrderState::kReplied;
}

}  // namespace

Result<std::vector<SimilarCandidate>> SimilarRepository::Candidates(Conn& conn, const Actor& actor, int64_t category_id,
                                                                    const std::string& under_path, int64_t since,
                                                                    int limit) const {
    std::vector<Param> params{category_id, since, under_path, registry::SubtreeUpperBound(under_path)};
    std::string sql =
        "SELECT o.id, o.tracking_code, o.title, o.description, o.state, o.place_id, o.place_name, o.created_at"
        " FROM orders o WHERE o.category_id = $1 AND o.created_at >= $2 AND o.place_path >= $3"
        " AND o.place_path < $4 AND o.state <> 'merged'";
    AppendOrderVisibility(actor, sql, params);
    params.emplace_back(static_cast<int64_t>(limit));
    // Newest first along orders_similar_idx (category, created_at, …): the scan stops at `limit`.
    sql += " ORDER BY o.created_at DESC LIMIT $" + std::to_string(params.size());
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    std::vector<SimilarCandidate> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        SimilarCandidate c;
        c.id = r.Int(0);
        c.tracking_code = r.Text(1);
        c.title = r.Text(2);
        c.description = r.Text(3);
        c.state = Lookup(kOrderStates, r.Text(4)).value_or(OrderState::kSubmitted);
        c.place_id = r.Int(5);
        c.place_name = r.Text(6);
        c.created_at = r.Int(7);
        out.push_back(std::move(c));
    }
    return out;
}

SimilarService::SimilarService(storage::Database& db, const Clock& clock, registry::RegistryService& territory)
    : db_(db), clock_(clock), territory_(territory) {}

Result<std::vector<SimilarOrder>> SimilarService::Find(const Actor& actor, const SimilarQuery& query) {
    if (query.days < 1 || query.days > kMaxSimilarDays) {
        return InvalidArgument("days", "days must be between 1 and " + std::to_string(kMaxSimilarDays));
    }
    if (query.limit < 1 || query.limit > 50) {
        return InvalidArgument("limit", "limit must be between 1 and 50");
    }
    auto place = territory_.Get(actor, query.place_id);
    if (!place) {
        if (place.error().code == ErrorCode::kNotFound) {
            return Error{ErrorCode::kNotFound, "territory node not found", "place_id"};
        }
        return place.error();
    }
    const std::string area = AreaPath(*place);
    const int64_t since = clock_.Now() - int64_t{query.days} * 86400;
    LINLI_ASSIGN_OR_RETURN(auto candidates, db_.Read([&](Conn& conn) {
        return repo_.Candidates(conn, actor, query.category_id, area, since, kMaxSimilarCandidates);
    }));

    return Rank(candidates, Bigrams(NormalizeForSimilarity(query.text)), query.place_id, std::nullopt, false,
                query.limit);
}

Result<std::vector<SimilarOrder>> SimilarService::ForOrder(const Actor& actor, const Order& order, int days,
                                                           int limit) {
    if (days < 1 || days > kMaxSimilarDays) {
        return InvalidArgument("days", "days must be between 1 and " + std::to_string(kMaxSimilarDays));
    }
    if (limit < 1 || limit > 50) {
        return InvalidArgument("limit", "limit must be between 1 and 50");
    }
    const std::string area = AreaPathOf(order);
    const int64_t since = clock_.Now() - int64_t{days} * 86400;
    LINLI_ASSIGN_OR_RETURN(auto candidates, db_.Read([&](Conn& conn) {
        return repo_.Candidates(conn, actor, order.category_id, area, since, kMaxSimilarCandidates);
    }));
    return Rank(candidates, Bigrams(NormalizeForSimilarity(order.title + order.description)), order.place_id,
                order.id, true, limit);
}

std::vector<SimilarOrder> SimilarService::Rank(const std::vector<SimilarCandidate>& candidates,
                                               const std::vector<uint64_t>& typed, int64_t place_id,
                                               std::optional<int64_t> exclude_id, bool keep_same_place,
                                               int limit) const {
    std::vector<SimilarOrder> out;
    for (const auto& c : candidates) {
        if (exclude_id && c.id == *exclude_id) {
            continue;
        }
        SimilarOrder s;
        s.id = c.id;
        s.tracking_code = c.tracking_code;
        s.title = c.title;
        s.state = c.state;
        s.place_id = c.place_id;
        s.place_name = c.place_name;
        s.created_at = c.created_at;
        s.same_place = c.place_id == place_id;
        s.can_merge_into = CanMergeInto(c.state);
        if (!typed.empty()) {
            // A short title typed so far against a long description would score low on the whole
            // text: the better of title alone and title with description counts.
            const double title = Dice(typed, Bigrams(NormalizeForSimilarity(c.title)));
            const double whole = Dice(typed, Bigrams(NormalizeForSimilarity(c.title + c.description)));
            s.score = std::max(title, whole);
            if (s.score < kMinSimilarity && !(keep_same_place && s.same_place)) {
                continue;
            }
        }
        out.push_back(std::move(s));
    }
    std::stable_sort(out.begin(), out.end(), [](const SimilarOrder& a, const SimilarOrder& b) {
        if (a.score != b.score) {
            return a.score > b.score;
        }
        if (a.same_place != b.same_place) {
            return a.same_place;
        }
        return a.id > b.id;
    });
    if (out.size() > static_cast<size_t>(limit)) {
        out.resize(static_cast<size_t>(limit));
    }
    return out;
}

}  // namespace linli::orders
