#include "modules/open311/repository.hpp"

#include <string>
#include <utility>

namespace linli::open311::repo {

using storage::Conn;
using storage::Param;
using storage::Row;

namespace {

constexpr std::string_view kKeyColumns =
    "id, name, key_prefix, community_id, created_by, created_at, revoked_at, last_used_at";

ApiKey KeyFromRow(const Row& r) {
    ApiKey k;
    k.id = r.Int(0);
    k.name = r.Text(1);
    k.prefix = r.Text(2);
    k.community_id = r.OptInt(3);
    k.created_by = r.OptInt(4);
    k.created_at = r.Int(5);
    k.revoked_at = r.OptInt(6);
    k.last_used_at = r.OptInt(7);
    return k;
}

}  // namespace

Result<ApiKey> InsertKey(Conn& conn, const NewApiKey& key, const std::string& key_hash, const std::string& prefix,
                         std::optional<int64_t> created_by, int64_t now) {
    LINLI_ASSIGN_OR_RETURN(
        auto row, conn.QueryOne("INSERT INTO open311_api_keys (name, key_hash, key_prefix, community_id, "
                                "created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING " +
                                    std::string(kKeyColumns),
                                {key.name, key_hash, prefix, key.community_id, created_by, now}, "open311 api key"));
    return KeyFromRow(row);
}

Result<std::vector<ApiKey>> ListKeys(Conn& conn) {
    LINLI_ASSIGN_OR_RETURN(
        auto rows, conn.Query("SELECT " + std::string(kKeyColumns) + " FROM open311_api_keys ORDER BY id DESC"));
    std::vector<ApiKey> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        out.push_back(KeyFromRow(r));
    }
    return out;
}

Result<std::optional<ApiKey>> FindKey(Conn& conn, int64_t id) {
    LINLI_ASSIGN_OR_RETURN(
        auto rows, conn.Query("SELECT " + std::string(kKeyColumns) + " FROM open311_api_keys WHERE id = $1", {id}));
    if (rows.empty()) {
        return std::optional<ApiKey>{};
    }
    return std::optional<ApiKey>(KeyFromRow(rows.front()));
}

Result<bool> RevokeKey(Conn& conn, int64_t id, int64_t now) {
    LINLI_ASSIGN_OR_RETURN(
        auto changed,
        conn.Exec("UPDATE open311_api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", {id, now}));
    return changed > 0;
}

Result<std::optional<KeyMatch>> FindActiveKeyByHash(Conn& conn, const std::string& key_hash) {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT id, community_id FROM open311_api_keys "
                                                 "WHERE key_hash = $1 AND revoked_at IS NULL",
                                                 {key_hash}));
    if (rows.empty()) {
        return std::optional<KeyMatch>{};
    }
    return std::optional<KeyMatch>(KeyMatch{rows.front().Int(0), rows.front().OptInt(1)});
}

Result<void> InsertRequestExtras(Conn& conn, const RequestExtras& extras, int64_t now) {
    LINLI_TRY(
        conn.Exec("INSERT INTO open311_requests (order_id, api_key_id, address_id, media_url, created_at) "
                  "VALUES ($1, $2, $3, $4, $5)",
                  {extras.order_id, extras.api_key_id, extras.address_id, extras.media_url, now}));
    LINLI_TRY(conn.Exec("UPDATE open311_api_keys SET last_used_at = $2 WHERE id = $1", {extras.api_key_id, now}));
    return {};
}

Result<std::vector<RequestExtras>> FindRequestExtras(Conn& conn, const std::vector<int64_t>& order_ids) {
    std::vector<RequestExtras> out;
    // Chunks keep the statement's parameter count well under either backend's limit.
    constexpr size_t kChunk = 200;
    for (size_t start = 0; start < order_ids.size(); start += kChunk) {
        const size_t end = std::min(order_ids.size(), start + kChunk);
        std::string sql =
            "SELECT order_id, api_key_id, address_id, media_url FROM open311_requests WHERE order_id IN (";
        std::vector<Param> params;
        for (size_t i = start; i < end; ++i) {
            if (i > start) {
                sql += ", ";
            }
            params.emplace_back(order_ids[i]);
            sql += "$" + std::to_string(params.size());
        }
        sql += ")";
        LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params.data(), params.size())));
        for (const auto& r : rows) {
            out.push_back(RequestExtras{r.Int(0), r.Int(1), r.OptInt(2), r.Text(3)});
        }
    }
    return out;
}

Result<void> InsertUpdate(Conn& conn, const UpdateRow& u) {
    LINLI_TRY(conn.Exec(
        "INSERT INTO open311_updates (order_id, event_id, community_id, at, status, detailed_status, action, "
        "description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING",
        {u.order_id, u.event_id, u.community_id, u.at, u.status, u.detailed_status, u.action, u.description}));
    return {};
}

Result<std::vector<UpdateRow>> ListUpdates(Conn& conn, std::optional<int64_t> community_id, int64_t start, int64_t end,
                                           int64_t offset, int limit) {
    std::vector<Param> params{start, end};
    std::string sql =
        "SELECT id, order_id, event_id, community_id, at, status, detailed_status, action, description "
        "FROM open311_updates WHERE at >= $1 AND at <= $2";
    if (community_id) {
        params.emplace_back(*community_id);
        sql += " AND community_id = $" + std::to_string(params.size());
    }
    params.emplace_back(static_cast<int64_t>(limit));
    sql += " ORDER BY at, id LIMIT $" + std::to_string(params.size());
    params.emplace_back(offset);
    sql += " OFFSET $" + std::to_string(params.size());
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params.data(), params.size())));
    std::vector<UpdateRow> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        out.push_back(UpdateRow{r.Int(0), r.Int(1), r.Int(2), r.OptInt(3), r.Int(4), r.Text(5), r.Text(6), r.Text(7),
                                r.Text(8)});
    }
    return out;
}

}  // namespace linli::open311::repo
