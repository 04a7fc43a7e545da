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

namespace {

/// "$first, $first+1, …" for `count` parameters.
std::string Placeholders(size_t first, size_t count) {
    std::string out;
    for (size_t i = 0; i < count; ++i) {
        out += (i == 0 ? "$" : ", $") + std::to_string(first + i);
    }
    return out;
}

}  // namespace

Result<std::vector<SimilarCandidate>> SimilarRepository::Candidates(Conn& conn, const Actor& actor, int64_t category_id,
                                                                    const std::string& under_path, int64_t since,
                                                                    int limit) const {
    std::vector<Param> params{category_id, since, under_path, registry::SubtreeUpperBound(under_path)};
    std::string sql =
        "SELECT o.id, o.state, o.place_id, o.created_at"
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
        c.state = Lookup(kOrderStates, r.Text(1)).value_or(OrderState::kSubmitted);
        c.place_id = r.Int(2);
        c.created_at = r.Int(3);
        out.push_back(c);
    }
    return out;
}

Result<std::vector<SimilarText>> SimilarRepository::Texts(Conn& conn, const std::vector<int64_t>& ids) const {
    std::vector<SimilarText> out;
    if (ids.empty()) {
        return out;
    }
    std::vector<Param> params(ids.begin(), ids.end());
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT id, title, description FROM orders WHERE id IN (" +
                                                     Placeholders(1, ids.size()) + ")",
                                                 params));
    out.reserve(rows.size());
    for (auto& r : rows) {
        out.push_back(SimilarText{r.Int(0), r.Text(1), r.Text(2)});
    }
    return out;
}

Result<std::unordered_map<int64_t, SimilarLabel>> SimilarRepository::Labels(Conn& conn,
                                                                            const std::vector<int64_t>& ids) const {
    std::unordered_map<int64_t, SimilarLabel> out;
    if (ids.empty()) {
        return out;
    }
    std::vector<Param> params(ids.begin(), ids.end());
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("SELECT id, tracking_code, title, place_name FROM orders WHERE id IN (" +
                                          Placeholders(1, ids.size()) + ")",
                                      params));
    for (const auto& r : rows) {
        out[r.Int(0)] = SimilarLabel{r.Text(1), r.Text(2), r.Text(3)};
    }
    return out;
}

std::vector<std::shared_ptr<const TextSignature>> SignatureCache::Find(const std::vector<int64_t>& ids) {
    std::vector<std::shared_ptr<const TextSignature>> out(ids.size());
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < ids.size(); ++i) {
        if (auto it = newer_.find(ids[i]); it != newer_.end()) {
            out[i] = it->second;
        } else if (auto old = older_.find(ids[i]); old != older_.end()) {
            out[i] = old->second;
            newer_.emplace(ids[i], old->second);  // still in use: keep it past the next turn
        }
    }
    return out;
}

void SignatureCache::Put(int64_t id, std::shared_ptr<const TextSignature> signature) {
    std::lock_guard lock(mu_);
    if (newer_.size() >= kMaxSignatures) {
        older_ = std::move(newer_);
        newer_ = Map{};
    }
    newer_[id] = std::move(signature);
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
    const int64_t since = clock_.Now() - int64_t{query.days} * 86400;
    return Rank(actor, query.category_id, AreaPath(*place), since, Bigrams(NormalizeForSimilarity(query.text)),
                query.place_id, std::nullopt, false, query.limit);
}

Result<std::vector<SimilarOrder>> SimilarService::ForOrder(const Actor& actor, const Order& order, int days,
                                                           int limit) {
    if (days < 1 || days > kMaxSimilarDays) {
        return InvalidArgument("days", "days must be between 1 and " + std::to_string(kMaxSimilarDays));
    }
    if (limit < 1 || limit > 50) {
        return InvalidArgument("limit", "limit must be between 1 and 50");
    }
    const int64_t since = clock_.Now() - int64_t{days} * 86400;
    // The order's own signature is what later intakes around it will compare with: keep it now.
    auto own = std::make_shared<const TextSignature>(SignatureOf(order.title, order.description));
    signatures_.Put(order.id, own);
    return Rank(actor, order.category_id, AreaPathOf(order), since, own->whole, order.place_id, order.id, true, limit);
}

Result<std::vector<SimilarOrder>> SimilarService::Rank(const Actor& actor, int64_t category_id, const std::string& area,
                                                       int64_t since, const std::vector<uint64_t>& typed,
                                                       int64_t place_id, std::optional<int64_t> exclude_id,
                                                       bool keep_same_place, int limit) {
    struct Scored {
        const SimilarCandidate* candidate;
        double score;
        bool same_place;
    };
    return db_.Read([&](Conn& conn) -> Result<std::vector<SimilarOrder>> {
        LINLI_ASSIGN_OR_RETURN(auto candidates,
                               repo_.Candidates(conn, actor, category_id, area, since, kMaxSimilarCandidates));
        std::vector<int64_t> ids;
        ids.reserve(candidates.size());
        for (const auto& c : candidates) {
            ids.push_back(c.id);
        }
        std::vector<std::shared_ptr<const TextSignature>> signatures;
        if (!typed.empty()) {
            signatures = signatures_.Find(ids);
            std::vector<int64_t> missing;
            for (size_t i = 0; i < ids.size(); ++i) {
                if (!signatures[i]) {
                    missing.push_back(ids[i]);
                }
            }
            LINLI_ASSIGN_OR_RETURN(auto texts, repo_.Texts(conn, missing));
            std::unordered_map<int64_t, std::shared_ptr<const TextSignature>> read;
            for (const auto& t : texts) {
                auto signature = std::make_shared<const TextSignature>(SignatureOf(t.title, t.description));
                signatures_.Put(t.id, signature);
                read.emplace(t.id, std::move(signature));
            }
            for (size_t i = 0; i < ids.size(); ++i) {
                if (!signatures[i]) {
                    auto it = read.find(ids[i]);
                    signatures[i] = it != read.end() ? it->second : std::make_shared<const TextSignature>();
                }
            }
        }

        std::vector<Scored> scored;
        for (size_t i = 0; i < candidates.size(); ++i) {
            const auto& c = candidates[i];
            if (exclude_id && c.id == *exclude_id) {
                continue;
            }
            Scored s{&c, 0.0, c.place_id == place_id};
            if (!typed.empty()) {
                s.score = Similarity(typed, *signatures[i]);
                if (s.score < kMinSimilarity && !(keep_same_place && s.same_place)) {
                    continue;
                }
            }
            scored.push_back(s);
        }
        // Best score, then the very place, then newest (ids grow with time): a total order.
        auto better = [](const Scored& a, const Scored& b) {
            if (a.score != b.score) {
                return a.score > b.score;
            }
            if (a.same_place != b.same_place) {
                return a.same_place;
            }
            return a.candidate->id > b.candidate->id;
        };
        const size_t keep = std::min(scored.size(), static_cast<size_t>(limit));
        std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep), scored.end(), better);
        scored.resize(keep);

        std::vector<int64_t> offered;
        for (const auto& s : scored) {
            offered.push_back(s.candidate->id);
        }
        LINLI_ASSIGN_OR_RETURN(auto labels, repo_.Labels(conn, offered));
        std::vector<SimilarOrder> out;
        out.reserve(scored.size());
        for (const auto& s : scored) {
            const SimilarCandidate& c = *s.candidate;
            SimilarOrder o;
            o.id = c.id;
            if (auto it = labels.find(c.id); it != labels.end()) {
                o.tracking_code = std::move(it->second.tracking_code);
                o.title = std::move(it->second.title);
                o.place_name = std::move(it->second.place_name);
            }
            o.state = c.state;
            o.place_id = c.place_id;
            o.created_at = c.created_at;
            o.score = s.score;
            o.same_place = s.same_place;
            o.can_merge_into = CanMergeInto(c.state);
            out.push_back(std::move(o));
        }
        return out;
    });
}

}  // namespace linli::orders
