#pragma once
/// Possible duplicates at intake (issue 4 §7): while staff type a new order, orders of the same
/// place (the same building, which holds its households) and category from the last days are
/// ranked by how alike their text is (similar.hpp). The candidates come from one indexed query
/// (category + created_at, or place path), at most kMaxSimilarCandidates of them, scored in C++.
/// Merging a duplicate is the core's `merge` step.
///
/// Once an order exists (the answer to staff intake, or an order reported by QR code, Open311 or a
/// device that staff are about to accept) ForOrder offers the same from the order itself: orders of
/// its category around its place in the last days that are at the very same place or read alike.
///
/// Thread safety: every method may be called concurrently.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "modules/orders/model.hpp"
#include "modules/orders/similar.hpp"
#include "modules/registry/service.hpp"
#include "storage/database.hpp"

namespace linli::orders {

constexpr int kDefaultSimilarDays = 7;
constexpr int kMaxSimilarDays = 90;
constexpr int kMaxSimilarCandidates = 300;
/// With text to compare, orders below this similarity are not offered.
constexpr double kMinSimilarity = 0.2;
/// How many possible duplicates the answer to an intake carries.
constexpr int kIntakeSimilarLimit = 5;

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

/// The repository part: candidates of one category under one subtree since an instant, visible to the
/// caller — only what ranking needs, so the scan reads no text.
struct SimilarCandidate {
    int64_t id = 0;
    OrderState state = OrderState::kSubmitted;
    int64_t place_id = 0;
    int64_t created_at = 0;
};

/// An order's text, read for the orders whose signature is not kept yet.
struct SimilarText {
    int64_t id = 0;
    std::string title;
    std::string description;
};

/// What the answer shows of a ranked order.
struct SimilarLabel {
    std::string tracking_code;
    std::string title;
    std::string place_name;
};

class SimilarRepository {
public:
    /// Newest first; merged orders left out (their target is the one to offer).
    Result<std::vector<SimilarCandidate>> Candidates(storage::Conn& conn, const Actor& actor, int64_t category_id,
                                                     const std::string& under_path, int64_t since, int limit) const;
    /// Titles and descriptions of `ids` (the caller has seen them among its candidates).
    Result<std::vector<SimilarText>> Texts(storage::Conn& conn, const std::vector<int64_t>& ids) const;
    /// Tracking codes, titles and place names of `ids`.
    Result<std::unordered_map<int64_t, SimilarLabel>> Labels(storage::Conn& conn,
                                                             const std::vector<int64_t>& ids) const;
};

/// Text signatures of orders by id, kept between requests: intake compares each new order with up to
/// kMaxSimilarCandidates recent ones, and normalising their texts again every time cost more than the
/// rest of the intake. An order's title and description never change once recorded and ids are never
/// reused, so a kept signature is never out of date. Bounded: two generations of at most
/// kMaxSignatures each; when the newer fills, the older is dropped (what is still asked for comes back
/// as it is used). Thread-safe.
class SignatureCache {
public:
    static constexpr size_t kMaxSignatures = 20000;

    /// The kept signature of each id, null where none is kept (aligned with `ids`).
    std::vector<std::shared_ptr<const TextSignature>> Find(const std::vector<int64_t>& ids);
    void Put(int64_t id, std::shared_ptr<const TextSignature> signature);

private:
    using Map = std::unordered_map<int64_t, std::shared_ptr<const TextSignature>>;
    std::mutex mu_;
    Map newer_;  // guarded by mu_
    Map older_;  // guarded by mu_
};

class SimilarService {
public:
    /// REQUIRES: every argument outlives the service.
    SimilarService(storage::Database& db, const Clock& clock, registry::RegistryService& territory);

    /// Ranked possible duplicates: best score first, then the same place, then newest. Roles: those
    /// who record orders (the route checks). Errors: 404 place_id (not visible), 400 days/limit.
    Result<std::vector<SimilarOrder>> Find(const Actor& actor, const SimilarQuery& query);

    /// Possible duplicates of `order`, an order the caller can see: orders of its category from the last
    /// `days` under the building of its place (its place itself when that is a grid or wider), visible
    /// to `actor`, not `order` itself, offered when at the very same place or when their text is alike
    /// (kMinSimilarity over title and description). At most `limit`, ranked as Find ranks. One indexed
    /// query that reads no text, then the labels of the few offered: intake answers with it. 400 days/limit.
    Result<std::vector<SimilarOrder>> ForOrder(const Actor& actor, const Order& order, int days = kDefaultSimilarDays,
                                               int limit = kIntakeSimilarLimit);

private:
    /// From one snapshot: the candidates, their signatures (kept or read), scored against `typed`
    /// (bigrams; empty: no text), those below kMinSimilarity left out unless `keep_same_place` and
    /// at `place_id`, ranked best first, cut at `limit` and labelled.
    Result<std::vector<SimilarOrder>> Rank(const Actor& actor, int64_t category_id, const std::string& area,
                                           int64_t since, const std::vector<uint64_t>& typed, int64_t place_id,
                                           std::optional<int64_t> exclude_id, bool keep_same_place, int limit);

    storage::Database& db_;
    const Clock& clock_;
    registry::RegistryService& territory_;
    SimilarRepository repo_;
    SignatureCache signatures_;
};

}  // namespace linli::orders
