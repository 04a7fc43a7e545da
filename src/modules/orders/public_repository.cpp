#include "modules/orders/public_repository.hpp"

#include <array>
#include <utility>

namespace linli::orders {

namespace {

using storage::Conn;
using storage::Row;

constexpr std::string_view kRatingColumns =
    "id, order_id, source_order_id, reporter_id, reply_id, score, comment, reopen, created_at";

constexpr std::array<std::pair<RatingReopen, std::string_view>, 3> kReopenNames{{
    {RatingReopen::kPending, "pending"},
    {RatingReopen::kDone, "done"},
    {RatingReopen::kSkipped, "skipped"},
}};

std::optional<std::string> ReopenName(RatingReopen r) {
    for (const auto& [value, name] : kReopenNames) {
        if (value == r) {
            return std::string(name);
        }
    }
    return std::nullopt;
}

RatingReopen ReopenFrom(const std::optional<std::string>& text) {
    if (text) {
        for (const auto& [value, name] : kReopenNames) {
            if (name == *text) {
                return value;
            }
        }
    }
    return RatingReopen::kNone;
}

Rating RatingFromRow(const Row& row) {
    Rating r;
    r.id = row.Int(0);
    r.order_id = row.Int(1);
    r.source_order_id = row.Int(2);
    r.reporter_id = row.Int(3);
    r.reply_id = row.Int(4);
    r.score = static_cast<int>(row.Int(5));
    r.comment = row.Text(6);
    r.reopen = ReopenFrom(row.OptText(7));
    r.created_at = row.Int(8);
    return r;
}

}  // namespace

Result<std::optional<int64_t>> PublicRepository::FindReporter(Conn& conn, int64_t order_id, int64_t source_order_id,
                                                              std::string_view phone_hash) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT id FROM order_reporters WHERE order_id = $1"
                                                 " AND source_order_id = $2 AND phone_hash = $3",
                                                 {order_id, source_order_id, phone_hash}));
    if (rows.empty()) {
        return std::optional<int64_t>();
    }
    return std::optional<int64_t>(rows.front().Int(0));
}

Result<std::optional<int64_t>> PublicRepository::FindSourceReporter(Conn& conn, int64_t order_id,
                                                                    int64_t source_order_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT id FROM order_reporters WHERE order_id = $1"
                                                 " AND source_order_id = $2 ORDER BY id LIMIT 1",
                                                 {order_id, source_order_id}));
    if (rows.empty()) {
        return std::optional<int64_t>();
    }
    return std::optional<int64_t>(rows.front().Int(0));
}

Result<int64_t> PublicRepository::InsertRating(Conn& conn, const Rating& r) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("INSERT INTO order_ratings (order_id, source_order_id, reporter_id, reply_id,"
                                      " score, comment, reopen, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                                      " RETURNING id",
                                      {r.order_id, r.source_order_id, r.reporter_id, r.reply_id, r.score, r.comment,
                                       ReopenName(r.reopen), r.created_at}));
    return rows.at(0).Int(0);
}

Result<std::optional<Rating>> PublicRepository::FindRating(Conn& conn, int64_t order_id, int64_t source_order_id,
                                                           int64_t reply_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT " + std::string(kRatingColumns) +
                                                     " FROM order_ratings WHERE order_id = $1 AND source_order_id = $2"
                                                     " AND reply_id = $3 ORDER BY id LIMIT 1",
                                                 {order_id, source_order_id, reply_id}));
    if (rows.empty()) {
        return std::optional<Rating>();
    }
    return std::optional<Rating>(RatingFromRow(rows.front()));
}

Result<std::optional<int64_t>> PublicRepository::LatestReplyId(Conn& conn, int64_t order_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT MAX(id) FROM order_replies WHERE order_id = $1", {order_id}));
    if (rows.empty()) {
        return std::optional<int64_t>();
    }
    return rows.front().OptInt(0);
}

Result<bool> PublicRepository::ReopenedByRating(Conn& conn, int64_t order_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT 1 FROM order_ratings WHERE order_id = $1"
                                                 " AND reopen IN ('pending', 'done') LIMIT 1",
                                                 {order_id}));
    return !rows.empty();
}

Result<void> PublicRepository::SetReopen(Conn& conn, int64_t rating_id, RatingReopen reopen) const {
    LINLI_TRY(conn.Exec("UPDATE order_ratings SET reopen = $2 WHERE id = $1", {rating_id, ReopenName(reopen)}));
    return {};
}

Result<std::vector<Rating>> PublicRepository::ListPendingReopens(Conn& conn, int limit) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT " + std::string(kRatingColumns) +
                                                     " FROM order_ratings WHERE reopen = 'pending' ORDER BY id"
                                                     " LIMIT $1",
                                                 {limit}));
    std::vector<Rating> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(RatingFromRow(row));
    }
    return out;
}

Result<std::vector<AwaitingRating>> PublicRepository::ListAwaitingRating(Conn& conn, int64_t replied_before,
                                                                         int limit) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT o.id, o.replied_at FROM orders o WHERE o.state = 'replied'"
                                                 " AND o.replied_at <= $1 AND NOT EXISTS (SELECT 1 FROM order_ratings r"
                                                 " WHERE r.order_id = o.id AND r.reply_id = (SELECT MAX(p.id)"
                                                 " FROM order_replies p WHERE p.order_id = o.id))"
                                                 " ORDER BY o.replied_at, o.id LIMIT $2",
                                                 {replied_before, limit}));
    std::vector<AwaitingRating> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(AwaitingRating{row.Int(0), row.Int(1)});
    }
    return out;
}

}  // namespace linli::orders
