#pragma once
/// The SQL of the resident's side of work orders: ratings (order_ratings, migration 0007), the
/// reporter a tracking code and phone prove, and the scans the scheduler and the rating recovery use.
/// PostgreSQL-style $n for both backends. Orders, events and reporters are written by OrderRepository.
///
/// Thread safety: stateless; each call uses only the connection it is given.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "storage/database.hpp"

namespace linli::orders {

/// What a rating's low score asked of the order (column order_ratings.reopen).
enum class RatingReopen { kNone, kPending, kDone, kSkipped };

/// One stored rating.
struct Rating {
    int64_t id = 0;
    int64_t order_id = 0;         // the order that was answered (the merge target for a merged order)
    int64_t source_order_id = 0;  // the order whose tracking code was used
    int64_t reporter_id = 0;      // order_reporters.id
    int64_t reply_id = 0;         // the answer rated (order_replies.id, the latest reply then)
    int score = 0;
    std::string comment;
    RatingReopen reopen = RatingReopen::kNone;
    int64_t created_at = 0;
};

/// A replied order whose rating window has passed with no rating of its latest answer.
struct AwaitingRating {
    int64_t order_id = 0;
    int64_t replied_at = 0;
};

class PublicRepository {
public:
    /// The order_reporters row of `order_id` that came from `source_order_id` with this phone hash.
    Result<std::optional<int64_t>> FindReporter(storage::Conn& conn, int64_t order_id, int64_t source_order_id,
                                                std::string_view phone_hash) const;

    /// The first order_reporters row of `order_id` that came from `source_order_id` (that order's own
    /// reporter, or the copy a merge made of it), if any.
    Result<std::optional<int64_t>> FindSourceReporter(storage::Conn& conn, int64_t order_id,
                                                      int64_t source_order_id) const;

    Result<int64_t> InsertRating(storage::Conn& conn, const Rating& r) const;
    /// The rating of one answer by the reporter of `source_order_id`, if any.
    Result<std::optional<Rating>> FindRating(storage::Conn& conn, int64_t order_id, int64_t source_order_id,
                                             int64_t reply_id) const;
    /// The id of the latest reply of `order_id` (the answer a rating is about), if any.
    Result<std::optional<int64_t>> LatestReplyId(storage::Conn& conn, int64_t order_id) const;
    /// True when a rating of `order_id` has reopened it (or is about to).
    Result<bool> ReopenedByRating(storage::Conn& conn, int64_t order_id) const;
    Result<void> SetReopen(storage::Conn& conn, int64_t rating_id, RatingReopen reopen) const;
    /// Ratings left 'pending' (a crash between the rating and its reopen step), oldest first.
    Result<std::vector<Rating>> ListPendingReopens(storage::Conn& conn, int limit) const;

    /// Orders in state replied with replied_at <= `replied_before` and no rating of their latest
    /// answer, oldest answer first.
    Result<std::vector<AwaitingRating>> ListAwaitingRating(storage::Conn& conn, int64_t replied_before,
                                                           int limit) const;
};

}  // namespace linli::orders
