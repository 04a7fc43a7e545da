#include "modules/accounts/audit.hpp"

#include <algorithm>
#include <charconv>
#include <span>
#include <string>
#include <utility>

namespace linli::accounts {

using storage::Param;

namespace {

/// Cursor "AT:ID": the (at, id) of the last row of the previous page, newest first.
Result<std::pair<int64_t, int64_t>> ParseAuditCursor(const std::string& cursor) {
    auto bad = InvalidArgument("cursor", "malformed cursor");
    size_t colon = cursor.find(':');
    if (colon == std::string::npos) {
        return bad;
    }
    int64_t at = 0;
    int64_t id = 0;
    const char* begin = cursor.data();
    const char* mid = begin + colon;
    const char* end = begin + cursor.size();
    auto r1 = std::from_chars(begin, mid, at);
    auto r2 = std::from_chars(mid + 1, end, id);
    if (r1.ec != std::errc() || r1.ptr != mid || r2.ec != std::errc() || r2.ptr != end || id <= 0) {
        return bad;
    }
    return std::make_pair(at, id);
}

std::string LikePrefix(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '%' || c == '_' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    out.push_back('%');
    return out;
}

std::string Placeholder(const std::vector<Param>& params) {
    return "$" + std::to_string(params.size());
}

}  // namespace

Result<void> RecordAudit(storage::Conn& conn, const AuditRecord& record) {
    LINLI_TRY(conn.Exec(
        "INSERT INTO audit_log (at, actor_user_id, actor_name, action, target_type, target_id, result, detail, "
        "request_id, remote_addr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        {record.at, record.actor_user_id, record.actor_name, record.action, record.target_type, record.target_id,
         record.result, record.detail, record.request_id, record.remote_addr}));
    return {};
}

AuditRecord MakeAudit(const Actor& actor, const RequestInfo& info, int64_t now, std::string action,
                      std::string target_type, std::optional<int64_t> target_id, std::string detail) {
    AuditRecord r;
    r.at = now;
    // User id 0 is the command line's system actor: it has no users row to point at.
    if (actor.user_id > 0) {
        r.actor_user_id = actor.user_id;
    }
    r.actor_name = actor.username;
    r.action = std::move(action);
    r.target_type = std::move(target_type);
    r.target_id = target_id;
    r.detail = std::move(detail);
    r.request_id = info.request_id;
    r.remote_addr = info.remote_addr;
    return r;
}

Result<Page<AuditRecord>> ListAudit(storage::Conn& conn, const AuditQuery& query) {
    int limit = std::clamp(query.limit, 1, kMaxPageSize);
    std::vector<Param> params;
    std::string sql =
        "SELECT id, at, actor_user_id, actor_name, action, target_type, target_id, result, detail, request_id, "
        "remote_addr FROM audit_log WHERE 1 = 1";
    if (query.actor_user_id) {
        params.emplace_back(*query.actor_user_id);
        sql += " AND actor_user_id = " + Placeholder(params);
    }
    if (query.action && !query.action->empty()) {
        if (query.action->back() == '.') {
            params.emplace_back(LikePrefix(*query.action));
            sql += " AND action LIKE " + Placeholder(params) + " ESCAPE '\\'";
        } else {
            params.emplace_back(*query.action);
            sql += " AND action = " + Placeholder(params);
        }
    }
    if (query.since) {
        params.emplace_back(*query.since);
        sql += " AND at >= " + Placeholder(params);
    }
    if (query.until) {
        params.emplace_back(*query.until);
        sql += " AND at < " + Placeholder(params);
    }
    if (query.cursor && !query.cursor->empty()) {
        LINLI_ASSIGN_OR_RETURN(auto position, ParseAuditCursor(*query.cursor));
        params.emplace_back(position.first);
        std::string at = Placeholder(params);
        params.emplace_back(position.second);
        std::string id = Placeholder(params);
        sql += " AND (at < " + at + " OR (at = " + at + " AND id < " + id + "))";
    }
    params.emplace_back(static_cast<int64_t>(limit) + 1);
    sql += " ORDER BY at DESC, id DESC LIMIT " + Placeholder(params);

    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    Page<AuditRecord> page;
    for (const auto& row : rows) {
        if (static_cast<int>(page.items.size()) == limit) {
            const auto& last = page.items.back();
            page.next_cursor = std::to_string(last.at) + ":" + std::to_string(last.id);
            break;
        }
        AuditRecord r;
        r.id = row.Int(0);
        r.at = row.Int(1);
        r.actor_user_id = row.OptInt(2);
        r.actor_name = row.Text(3);
        r.action = row.Text(4);
        r.target_type = row.Text(5);
        r.target_id = row.OptInt(6);
        r.result = row.Text(7);
        r.detail = row.Text(8);
        r.request_id = row.Text(9);
        r.remote_addr = row.Text(10);
        page.items.push_back(std::move(r));
    }
    return page;
}

}  // namespace linli::accounts
