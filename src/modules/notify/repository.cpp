#include "modules/notify/repository.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "modules/notify/json.hpp"

namespace linli::notify {

using storage::Conn;
using storage::Dialect;
using storage::Param;
using storage::Row;
using storage::Rows;

namespace {

/// PostgreSQL: let concurrent instances skip rows another one is claiming instead of queueing
/// behind it. SQLite has one writer, so there is nothing to skip.
std::string_view SkipLocked(const Conn& conn) {
    return conn.dialect() == Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "";
}

constexpr std::string_view kInboxColumns = "id, user_id, topic, title, body, link, created_at, read_at";

InboxMessage InboxFromRow(const Row& r) {
    InboxMessage m;
    m.id = r.Int(0);
    m.user_id = r.Int(1);
    m.topic = r.Text(2);
    m.title = r.Text(3);
    m.body = r.Text(4);
    m.link = r.Text(5);
    m.created_at = r.Int(6);
    m.read_at = r.OptInt(7);
    return m;
}

constexpr std::string_view kWebhookColumns = "id, name, url, topics, active, created_by, created_at, updated_at";

Result<Webhook> WebhookFromRow(const Row& r) {
    Webhook w;
    w.id = r.Int(0);
    w.name = r.Text(1);
    w.url = r.Text(2);
    LINLI_ASSIGN_OR_RETURN(w.topics, TopicsFromJson(r.Text(3)));
    w.active = r.Bool(4);
    w.created_by = r.OptInt(5);
    w.created_at = r.Int(6);
    w.updated_at = r.Int(7);
    return w;
}

constexpr std::string_view kDeliveryColumns =
    "d.id, d.outbox_id, d.webhook_id, d.delivery_key, o.topic, d.state, d.attempts, d.next_attempt_at, "
    "d.last_status, d.last_error, d.created_at, d.updated_at, d.delivered_at";

WebhookDelivery DeliveryFromRow(const Row& r) {
    WebhookDelivery d;
    d.id = r.Int(0);
    d.outbox_id = r.Int(1);
    d.webhook_id = r.Int(2);
    d.delivery_key = r.Text(3);
    d.topic = r.Text(4);
    d.state = ParseDeliveryState(r.Text(5)).value_or(DeliveryState::kPending);
    d.attempts = static_cast<int>(r.Int(6));
    d.next_attempt_at = r.Int(7);
    if (auto s = r.OptInt(8)) {
        d.last_status = static_cast<int>(*s);
    }
    d.last_error = r.Text(9);
    d.created_at = r.Int(10);
    d.updated_at = r.Int(11);
    d.delivered_at = r.OptInt(12);
    return d;
}

std::string Ph(std::vector<Param>& params, Param p) {
    params.push_back(std::move(p));
    return "$" + std::to_string(params.size());
}

}  // namespace

// ---- outbox ------------------------------------------------------------------------------------

Result<void> InsertOutbox(Conn& conn, const Notification& n, int64_t now) {
    LINLI_TRY(conn.Exec(
        "INSERT INTO notify_outbox (topic, dedupe_key, recipients, webhooks, title, body, link, payload, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedupe_key) DO NOTHING",
        {n.topic, n.dedupe_key, IdsToJson(n.user_ids), n.webhooks, n.title, n.body, n.link, n.payload_json, now}));
    return {};
}

Result<bool> AnyDue(Conn& conn, int64_t now) {
    LINLI_ASSIGN_OR_RETURN(
        Rows rows,
        conn.Query(
            "SELECT 1 WHERE EXISTS (SELECT 1 FROM notify_outbox WHERE delivered_at IS NULL AND "
            "(claimed_until IS NULL OR claimed_until <= $1)) OR EXISTS (SELECT 1 FROM notify_deliveries "
            "WHERE state = 'pending' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1))",
            {now}));
    return !rows.empty();
}

Result<std::vector<OutboxRow>> ClaimOutbox(Conn& conn, int64_t now, int64_t lease_until, int limit) {
    // The due condition is repeated outside the sub-select so that, on PostgreSQL, a row another
    // instance claimed meanwhile is re-checked against its new lease and left alone.
    std::string sql =
        "UPDATE notify_outbox SET claimed_until = $1, attempts = attempts + 1 WHERE id IN (SELECT id FROM "
        "notify_outbox "
        "WHERE delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $2) ORDER BY id LIMIT $3" +
        std::string(SkipLocked(conn)) +
        ") AND delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $2) "
        "RETURNING id, topic, recipients, webhooks, title, body, link, payload, created_at, attempts";
    LINLI_ASSIGN_OR_RETURN(Rows rows, conn.Query(sql, {lease_until, now, limit}));
    std::vector<OutboxRow> out;
    out.reserve(rows.size());
    for (const Row& r : rows) {
        OutboxRow o;
        o.id = r.Int(0);
        o.topic = r.Text(1);
        LINLI_ASSIGN_OR_RETURN(o.user_ids, IdsFromJson(r.Text(2)));
        o.webhooks = r.Bool(3);
        o.title = r.Text(4);
        o.body = r.Text(5);
        o.link = r.Text(6);
        o.payload_json = r.Text(7);
        o.created_at = r.Int(8);
        o.attempts = static_cast<int>(r.Int(9));
        out.push_back(std::move(o));
    }
    std::sort(out.begin(), out.end(), [](const OutboxRow& a, const OutboxRow& b) { return a.id < b.id; });
    return out;
}

Result<void> InsertInboxRow(Conn& conn, int64_t outbox_id, int64_t user_id) {
    // Copied from the outbox row so the inbox keeps the text even after old outbox rows are pruned;
    // joined to users so an id that names no user is skipped instead of failing the whole fan-out.
    LINLI_TRY(
        conn.Exec("INSERT INTO notify_inbox (user_id, outbox_id, topic, title, body, link, created_at) "
                  "SELECT u.id, o.id, o.topic, o.title, o.body, o.link, o.created_at FROM notify_outbox o "
                  "JOIN users u ON u.id = $2 WHERE o.id = $1 ON CONFLICT (outbox_id, user_id) DO NOTHING",
                  {outbox_id, user_id}));
    return {};
}

Result<std::vector<WebhookTarget>> ActiveWebhooks(Conn& conn) {
    LINLI_ASSIGN_OR_RETURN(
        Rows rows,
        conn.Query("SELECT id, topics FROM notify_webhooks WHERE active AND deleted_at IS NULL ORDER BY id"));
    std::vector<WebhookTarget> out;
    for (const Row& r : rows) {
        WebhookTarget t;
        t.id = r.Int(0);
        LINLI_ASSIGN_OR_RETURN(t.topics, TopicsFromJson(r.Text(1)));
        out.push_back(std::move(t));
    }
    return out;
}

Result<void> InsertDelivery(Conn& conn, int64_t outbox_id, int64_t webhook_id, const std::string& key, int64_t now) {
    LINLI_TRY(conn.Exec(
        "INSERT INTO notify_deliveries (outbox_id, webhook_id, delivery_key, state, attempts, next_attempt_at, "
        "created_at, updated_at) VALUES ($1, $2, $3, 'pending', 0, $4, $4, $4) "
        "ON CONFLICT (outbox_id, webhook_id) DO NOTHING",
        {outbox_id, webhook_id, key, now}));
    return {};
}

Result<void> MarkOutboxDelivered(Conn& conn, int64_t outbox_id, int64_t now) {
    LINLI_TRY(
        conn.Exec("UPDATE notify_outbox SET delivered_at = $2, claimed_until = NULL, last_error = '' "
                  "WHERE id = $1 AND delivered_at IS NULL",
                  {outbox_id, now}));
    return {};
}

Result<void> DeferOutbox(Conn& conn, int64_t outbox_id, int64_t retry_at, const std::string& error) {
    LINLI_TRY(
        conn.Exec("UPDATE notify_outbox SET claimed_until = $2, last_error = $3 WHERE id = $1 AND delivered_at IS NULL",
                  {outbox_id, retry_at, error}));
    return {};
}

Result<int64_t> PruneOutbox(Conn& conn, int64_t before, int limit) {
    LINLI_ASSIGN_OR_RETURN(
        Rows rows,
        conn.Query("SELECT o.id FROM notify_outbox o WHERE o.delivered_at IS NOT NULL AND o.delivered_at < $1 "
                   "AND o.id < (SELECT MAX(id) FROM notify_outbox) AND NOT EXISTS (SELECT 1 FROM notify_deliveries d "
                   "WHERE d.outbox_id = o.id AND (d.state = 'pending' OR d.updated_at >= $1)) "
                   "ORDER BY o.delivered_at LIMIT $2",
                   {before, static_cast<int64_t>(limit)}));
    if (rows.empty()) {
        return int64_t{0};
    }
    std::vector<Param> params;
    std::string ids;
    for (const Row& r : rows) {
        ids += (ids.empty() ? "" : ", ") + Ph(params, r.Int(0));
    }
    LINLI_TRY(conn.Exec("DELETE FROM notify_deliveries WHERE outbox_id IN (" + ids + ")", params));
    return conn.Exec("DELETE FROM notify_outbox WHERE id IN (" + ids + ")", params);
}

// ---- webhook deliveries --------------------------------------------------------------------------

Result<std::vector<DeliveryJob>> ClaimDeliveries(Conn& conn, int64_t now, int64_t lease_until, int limit) {
    std::string sql =
        "UPDATE notify_deliveries SET claimed_until = $1, attempts = attempts + 1, updated_at = $2 "
        "WHERE id IN (SELECT id FROM notify_deliveries WHERE state = 'pending' AND next_attempt_at <= $2 "
        "AND (claimed_until IS NULL OR claimed_until <= $2) ORDER BY next_attempt_at, id LIMIT $3" +
        std::string(SkipLocked(conn)) +
        ") AND state = 'pending' AND (claimed_until IS NULL OR claimed_until <= $2) RETURNING id";
    LINLI_ASSIGN_OR_RETURN(Rows ids, conn.Query(sql, {lease_until, now, limit}));
    std::vector<DeliveryJob> out;
    for (const Row& id_row : ids) {
        LINLI_ASSIGN_OR_RETURN(
            Row r, conn.QueryOne(
                       "SELECT d.id, d.delivery_key, d.attempts, d.outbox_id, d.webhook_id, o.topic, o.title, o.body, "
                       "o.link, o.payload, o.created_at, w.url, w.secret_enc, w.secret, w.active, w.deleted_at "
                       "FROM notify_deliveries d JOIN notify_outbox o ON o.id = d.outbox_id "
                       "JOIN notify_webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
                       {id_row.Int(0)}, "delivery not found"));
        DeliveryJob j;
        j.id = r.Int(0);
        j.delivery_key = r.Text(1);
        j.attempts = static_cast<int>(r.Int(2));
        j.outbox_id = r.Int(3);
        j.webhook_id = r.Int(4);
        j.topic = r.Text(5);
        j.title = r.Text(6);
        j.body = r.Text(7);
        j.link = r.Text(8);
        j.payload_json = r.Text(9);
        j.occurred_at = r.Int(10);
        j.url = r.Text(11);
        j.secret_enc = r.IsNull(12) ? std::string() : r.Text(12);
        j.secret = r.Text(13);
        j.webhook_usable = r.Bool(14) && r.IsNull(15);
        out.push_back(std::move(j));
    }
    std::sort(out.begin(), out.end(), [](const DeliveryJob& a, const DeliveryJob& b) { return a.id < b.id; });
    return out;
}

Result<void> RecordAttempt(Conn& conn, int64_t delivery_id, DeliveryState state, std::optional<int> http_status,
                           const std::string& error, int64_t next_attempt_at, int64_t now) {
    std::optional<int64_t> status;
    if (http_status) {
        status = *http_status;
    }
    std::optional<int64_t> delivered_at;
    if (state == DeliveryState::kDelivered) {
        delivered_at = now;
    }
    LINLI_TRY(
        conn.Exec("UPDATE notify_deliveries SET state = $2, last_status = $3, last_error = $4, next_attempt_at = $5, "
                  "claimed_until = NULL, updated_at = $6, delivered_at = $7 WHERE id = $1 AND state = 'pending'",
                  {delivery_id, DeliveryStateName(state), status, error, next_attempt_at, now, delivered_at}));
    return {};
}

Result<Page<WebhookDelivery>> ListDeliveries(Conn& conn, int64_t webhook_id, const DeliveryQuery& query) {
    std::vector<Param> params;
    std::string sql = "SELECT " + std::string(kDeliveryColumns) +
                      " FROM notify_deliveries d JOIN notify_outbox o ON o.id = d.outbox_id WHERE d.webhook_id = " +
                      Ph(params, webhook_id);
    if (query.state) {
        sql += " AND d.state = " + Ph(params, DeliveryStateName(*query.state));
    }
    if (query.after_id) {
        sql += " AND d.id < " + Ph(params, *query.after_id);
    }
    sql += " ORDER BY d.id DESC LIMIT " + Ph(params, static_cast<int64_t>(query.limit + 1));
    LINLI_ASSIGN_OR_RETURN(Rows rows, conn.Query(sql, params));
    Page<WebhookDelivery> page;
    for (const Row& r : rows) {
        if (static_cast<int>(page.items.size()) == query.limit) {
            page.next_cursor = std::to_string(page.items.back().id);
            break;
        }
        page.items.push_back(DeliveryFromRow(r));
    }
    return page;
}

Result<WebhookDelivery> GetDelivery(Conn& conn, int64_t webhook_id, int64_t delivery_id) {
    LINLI_ASSIGN_OR_RETURN(Row r, conn.QueryOne("SELECT " + std::string(kDeliveryColumns) +
                                                    " FROM notify_deliveries d JOIN notify_outbox o ON "
                                                    "o.id = d.outbox_id WHERE d.webhook_id = $1 AND d.id = $2",
                                                {webhook_id, delivery_id}, "delivery not found"));
    return DeliveryFromRow(r);
}

Result<bool> RequeueDelivery(Conn& conn, int64_t webhook_id, int64_t delivery_id, int64_t now) {
    LINLI_ASSIGN_OR_RETURN(
        int64_t changed,
        conn.Exec("UPDATE notify_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $3, "
                  "claimed_until = NULL, updated_at = $3 WHERE webhook_id = $1 AND id = $2 "
                  "AND state IN ('failed', 'cancelled')",
                  {webhook_id, delivery_id, now}));
    return changed > 0;
}

// ---- inbox ---------------------------------------------------------------------------------------

Result<Page<InboxMessage>> ListInbox(Conn& conn, int64_t user_id, const InboxQuery& query) {
    // Unread first, then newest first: the key is (read?, id DESC). The cursor carries both.
    std::vector<Param> params;
    std::string sql =
        "SELECT " + std::string(kInboxColumns) + " FROM notify_inbox WHERE user_id = " + Ph(params, user_id);
    if (query.unread_only) {
        sql += " AND read_at IS NULL";
    }
    if (query.cursor) {
        LINLI_ASSIGN_OR_RETURN(CursorKey key, DecodeCursor(*query.cursor, "n1", "inbox", true));
        if (key.name == "u") {
            sql += " AND ((read_at IS NULL AND id < " + Ph(params, key.id) + ") OR read_at IS NOT NULL)";
        } else if (key.name == "r") {
            sql += " AND read_at IS NOT NULL AND id < " + Ph(params, key.id);
        } else {
            return InvalidArgument("cursor", "cursor is not valid; start again from the first page");
        }
    }
    sql += " ORDER BY CASE WHEN read_at IS NULL THEN 0 ELSE 1 END, id DESC LIMIT " +
           Ph(params, static_cast<int64_t>(query.limit + 1));
    LINLI_ASSIGN_OR_RETURN(Rows rows, conn.Query(sql, params));
    Page<InboxMessage> page;
    for (const Row& r : rows) {
        if (static_cast<int>(page.items.size()) == query.limit) {
            const InboxMessage& last = page.items.back();
            page.next_cursor = EncodeCursor("n1", "inbox", last.id, last.read_at ? "r" : "u");
            break;
        }
        page.items.push_back(InboxFromRow(r));
    }
    return page;
}

Result<InboxMessage> MarkRead(Conn& conn, int64_t user_id, int64_t message_id, int64_t now) {
    LINLI_TRY(conn.Exec("UPDATE notify_inbox SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL",
                        {message_id, user_id, now}));
    LINLI_ASSIGN_OR_RETURN(Row r, conn.QueryOne("SELECT " + std::string(kInboxColumns) +
                                                    " FROM notify_inbox WHERE id = $1 AND user_id = $2",
                                                {message_id, user_id}, "message not found"));
    return InboxFromRow(r);
}

Result<int64_t> MarkAllRead(Conn& conn, int64_t user_id, int64_t now) {
    return conn.Exec("UPDATE notify_inbox SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL", {user_id, now});
}

Result<int64_t> CountUnread(Conn& conn, int64_t user_id) {
    LINLI_ASSIGN_OR_RETURN(
        Row r,
        conn.QueryOne("SELECT COUNT(*) FROM notify_inbox WHERE user_id = $1 AND read_at IS NULL", {user_id}, "count"));
    return r.Int(0);
}

// ---- webhook subscriptions -----------------------------------------------------------------------

Result<Webhook> InsertWebhook(Conn& conn, const NewWebhook& in, const std::string& secret_enc,
                              std::optional<int64_t> created_by, int64_t now) {
    LINLI_ASSIGN_OR_RETURN(
        Row r, conn.QueryOne("INSERT INTO notify_webhooks (name, url, topics, secret, secret_enc, active, created_by, "
                             "created_at, updated_at) VALUES ($1, $2, $3, '', $4, $5, $6, $7, $7) RETURNING " +
                                 std::string(kWebhookColumns),
                             {in.name, in.url, TopicsToJson(in.topics), secret_enc, in.active, created_by, now},
                             "webhook not created"));
    return WebhookFromRow(r);
}

Result<Webhook> GetWebhook(Conn& conn, int64_t id) {
    LINLI_ASSIGN_OR_RETURN(Row r, conn.QueryOne("SELECT " + std::string(kWebhookColumns) +
                                                    " FROM notify_webhooks WHERE id = $1 AND deleted_at IS NULL",
                                                {id}, "webhook not found"));
    return WebhookFromRow(r);
}

Result<std::vector<Webhook>> ListWebhooks(Conn& conn) {
    LINLI_ASSIGN_OR_RETURN(Rows rows, conn.Query("SELECT " + std::string(kWebhookColumns) +
                                                 " FROM notify_webhooks WHERE deleted_at IS NULL ORDER BY id"));
    std::vector<Webhook> out;
    for (const Row& r : rows) {
        LINLI_ASSIGN_OR_RETURN(Webhook w, WebhookFromRow(r));
        out.push_back(std::move(w));
    }
    return out;
}

Result<Webhook> UpdateWebhook(Conn& conn, const Webhook& w, const std::optional<std::string>& new_secret_enc,
                              int64_t now) {
    // A new sealed key also blanks a clear one left from before migration 0014.
    LINLI_ASSIGN_OR_RETURN(
        Row r,
        conn.QueryOne("UPDATE notify_webhooks SET name = $2, url = $3, topics = $4, active = $5, "
                      "secret_enc = COALESCE($6, secret_enc), secret = CASE WHEN $6 IS NULL THEN secret ELSE '' END, "
                      "updated_at = $7 WHERE id = $1 AND deleted_at IS NULL RETURNING " +
                          std::string(kWebhookColumns),
                      {w.id, w.name, w.url, TopicsToJson(w.topics), w.active, new_secret_enc, now},
                      "webhook not found"));
    return WebhookFromRow(r);
}

Result<std::vector<PlainSecret>> ListPlainSecrets(Conn& conn, int limit) {
    LINLI_ASSIGN_OR_RETURN(Rows rows, conn.Query("SELECT id, secret FROM notify_webhooks WHERE secret <> '' "
                                                 "ORDER BY id LIMIT $1",
                                                 {static_cast<int64_t>(limit)}));
    std::vector<PlainSecret> out;
    for (const Row& r : rows) {
        out.push_back(PlainSecret{r.Int(0), r.Text(1)});
    }
    return out;
}

Result<void> SealSecret(Conn& conn, int64_t webhook_id, const std::string& secret_enc) {
    LINLI_TRY(conn.Exec("UPDATE notify_webhooks SET secret_enc = $2, secret = '' WHERE id = $1 AND secret <> ''",
                        {webhook_id, secret_enc}));
    return {};
}

Result<void> DeleteWebhook(Conn& conn, int64_t id, int64_t now) {
    LINLI_ASSIGN_OR_RETURN(int64_t changed,
                           conn.Exec("UPDATE notify_webhooks SET deleted_at = $2, active = $3, updated_at = $2 "
                                     "WHERE id = $1 AND deleted_at IS NULL",
                                     {id, now, false}));
    if (changed == 0) {
        return NotFound("webhook not found");
    }
    LINLI_TRY(
        conn.Exec("UPDATE notify_deliveries SET state = 'cancelled', claimed_until = NULL, "
                  "last_error = 'webhook deleted', updated_at = $2 WHERE webhook_id = $1 AND state = 'pending'",
                  {id, now}));
    return {};
}

}  // namespace linli::notify
