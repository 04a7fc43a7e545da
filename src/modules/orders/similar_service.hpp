#pragma once
/// Possible duplicates at intake (issue 4 §7): while staff type a new order, orders of the same
/// place (the same building, which holds its households) and category from the last days are
/// ranked by how alike their text is (similar.hpp). The candidates come from one indexed query
/// (category + created_at, or place path), at most kMaxSimilarCandidates of them, scored in C++.
/// Merging a duplicate is the core's `merge` step.
///
/// Thread safety: every method may be called concurrently.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "modules/orders/model.hpp"
#include "modules/registry/service.hpp"
#include "storage/database.hpp"

namespace linli::orders {

constexpr int kDefaultSimilarDays = 7;
constexpr int kMaxSimilarDays = 90;
constexpr int kMaxSimilarCandidates = 300;
/// With text to compare, orders below this similarity are not offered.
constexpr double kMinSimilarity = 0.2;

struct SimilarQuery {
    int64_t place_id = 0;
    int64_t category_id = 0;
    std::string text;  // what staff typed so far (title and/or description); may be empty
    int days = kDefaultSimilarDays;
    int limit = 10;
};

/// An order that may be the same matter.
struct SimilarOrder {
    int64_t id = 0;
    std::string tracking_code;
    std::string title;
    OrderState state = OrderState::kSubmitted;
    int64_t place_id = 0;
    std::string place_name;
    int64_t created_at = 0;
    double score = 0;             // text similarity 0..1 (0 when no text was given)
    bool same_place = false;      // the very place asked about (household, unit or building)
    bool can_merge_into = false;  // the core's merge accepts it as a target
};

/// The repository part: candidates of one category under one subtree since an instant, visible to the caller.
struct SimilarCandidate {
    int64_t id = 0;
    std::string tracking_code;
    std::string title;
    std::string description;
    OrderState state = OrderState::kSubmitted;
    int64_t place_id = 0;
    std::string place_name;
    int64_t created_at = 0;
};

class SimilarRepository {
public:
    /// Newest first; merged orders left out (their target is the one to offer).
    Result<std::vector<SimilarCandidate>> Candidates(storage::Conn& conn, const Actor& actor, int64_t category_id,
                                                     const std::string& under_path, int64_t since, int limit) const;
};

class SimilarService {
public:
    /// REQUIRES: every argument outlives the service.
    SimilarService(storage::Database& db, const Clock& clock, registry::RegistryService& territory);

    /// Ranked possible duplicates: best score first, then the same place, then newest. Roles: those
    /// who record orders (the route checks). Errors: 404 place_id (not visible), 400 days/limit.
    Result<std::vector<SimilarOrder>> Find(const Actor& actor, const SimilarQuery& query);

private:
    storage::Database& db_;
    const Clock& clock_;
    registry::RegistryService& territory_;
    SimilarRepository repo_;
};

}  // namespace linli::orders
