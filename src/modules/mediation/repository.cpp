#include "modules/mediation/repository.hpp"

#include <utility>

#include "modules/mediation/rules.hpp"
#include "modules/registry/repository.hpp"

namespace linli::mediation {

namespace {

using storage::Conn;
using storage::Param;
using storage::Row;

std::string Bind(std::vector<Param>& params, Param p) {
    params.push_back(std::move(p));
    return "$" + std::to_string(params.size());
}

const char* Bool(bool b) {
    return b ? "TRUE" : "FALSE";
}

// ---- categories ----------------------------------------------------------------------------------

constexpr std::string_view kCategoryColumns = "c.id, c.code, c.name_zh, c.name_en, c.order_category_code, c.active,"
                                              " c.sort_order";

DisputeCategory CategoryFromRow(const Row& row, size_t at = 0) {
    DisputeCategory c;
    c.id = row.Int(at);
    c.code = row.Text(at + 1);
    c.name_zh = row.Text(at + 2);
    c.name_en = row.Text(at + 3);
    c.order_category_code = row.Text(at + 4);
    c.active = row.Bool(at + 5);
    c.sort_order = row.Int(at + 6);
    return c;
}

// ---- mediators -----------------------------------------------------------------------------------

// users is the accounts module's table: read-only, for names and roles beside the ids (as the
// handling units' member lists do).
constexpr std::string_view kMediatorSelect =
    "SELECT m.id, m.user_id, u.username, u.display_name, u.role, m.specialisms, m.title, m.active, m.created_at,"
    " m.updated_at FROM mediators m JOIN users u ON u.id = m.user_id";

Mediator MediatorFromRow(const Row& row) {
    Mediator m;
    m.id = row.Int(0);
    m.user_id = row.Int(1);
    m.username = row.Text(2);
    m.display_name = row.Text(3);
    m.role = ParseRole(row.Text(4)).value_or(Role::kVolunteer);
    m.specialisms = SplitSpecialisms(row.Text(5));
    m.title = row.Text(6);
    m.active = row.Bool(7);
    m.created_at = row.Int(8);
    m.updated_at = row.Int(9);
    return m;
}

Result<std::optional<Mediator>> FirstMediator(Conn& conn, const std::string& sql, std::initializer_list<Param> p) {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, p));
    if (rows.empty()) {
        return std::optional<Mediator>();
    }
    return std::optional<Mediator>(MediatorFromRow(rows.front()));
}

// ---- duty ----------------------------------------------------------------------------------------

constexpr std::string_view kDutySelect =
    "SELECT d.id, d.community_id, d.duty_date, d.mediator_id, u.display_name, m.title, d.specialism, d.created_at"
    " FROM mediation_duty d JOIN mediators m ON m.id = d.mediator_id JOIN users u ON u.id = m.user_id";

DutyEntry DutyFromRow(const Row& row) {
    DutyEntry e;
    e.id = row.Int(0);
    e.community_id = row.Int(1);
    e.date = row.Text(2);
    e.mediator_id = row.Int(3);
    e.mediator_name = row.Text(4);
    e.mediator_title = row.Text(5);
    e.specialism = Lookup(kSpecialisms, row.Text(6)).value_or(Specialism::kOther);
    e.created_at = row.Int(7);
    return e;
}

/// "$k, $k+1, ..." binding every id.
std::string IdList(std::vector<Param>& params, const std::vector<int64_t>& ids) {
    std::string out;
    for (int64_t id : ids) {
        out += out.empty() ? "" : ", ";
        out += Bind(params, id);
    }
    return out;
}

}  // namespace

// ---- the orders' visibility policy for disputes ----------------------------------------------------

bool IsDisputeLeader(const Actor& actor) {
    return actor.global() || actor.Is(Role::kSubdistrictLeader) || actor.Is(Role::kCommunityStaff);
}

orders::OrderVisibilityPolicy::Rule DisputeVisibility::RuleFor(const Actor& actor,
                                                               std::vector<Param>& params) const {
    Rule rule;
    if (actor.user_id <= 0) {
        rule.restrict = "1 = 0";
        return rule;
    }
    // IN (SELECT …) rather than EXISTS: the planner serves it from dispute_mediators_user_idx as one
    // more arm of the orders' multi-index OR.
    const std::string me = Bind(params, actor.user_id);
    // Beyond the scope rule: where they mediate (a judge's partner-unit account has no territory).
    rule.grant = "o.id IN (SELECT dm.order_id FROM dispute_mediators dm WHERE dm.user_id = " + me + ")";
    if (!IsDisputeLeader(actor)) {
        // In scope is not enough: only where they mediate or the order is sent to them.
        rule.restrict = "o.handler_user_id = " + me + " OR " + rule.grant;
    }
    return rule;
}

void DisputeVisibility::RedactPublicView(orders::PublicView& view) const {
    // The steps and their times stay (the reporter sees it move); what was said does not.
    view.title = "矛盾纠纷调解";
    for (auto& e : view.events) {
        e.note.clear();
        e.note_public = false;
    }
    for (auto& r : view.replies) {
        r.text = "调解已有结果，详情请向社区调解室了解。The mediation has an outcome; ask the community's "
                 "mediation office for details.";
    }
}

const DisputeVisibility& DisputeVisibility::Instance() {
    static const DisputeVisibility policy;
    return policy;
}

// ---- categories ----------------------------------------------------------------------------------

Result<std::vector<DisputeCategory>> MediationRepository::ListCategories(Conn& conn, bool include_inactive) const {
    std::string sql = "SELECT " + std::string(kCategoryColumns) + " FROM dispute_categories c";
    if (!include_inactive) {
        sql += " WHERE c.active = TRUE";
    }
    sql += " ORDER BY c.sort_order, c.id";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql));
    std::vector<DisputeCategory> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(CategoryFromRow(row));
    }
    return out;
}

Result<std::optional<DisputeCategory>> MediationRepository::FindCategoryByCode(Conn& conn,
                                                                               std::string_view code) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT " + std::string(kCategoryColumns) +
                                                     " FROM dispute_categories c WHERE c.code = $1",
                                                 {std::string(code)}));
    if (rows.empty()) {
        return std::optional<DisputeCategory>();
    }
    return std::optional<DisputeCategory>(CategoryFromRow(rows.front()));
}

// ---- mediators -----------------------------------------------------------------------------------

Result<int64_t> MediationRepository::InsertMediator(Conn& conn, const NewMediator& m,
                                                    std::optional<int64_t> created_by, int64_t now) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("INSERT INTO mediators (user_id, specialisms, title, created_by, created_at,"
                                      " updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                                      {m.user_id, JoinSpecialisms(m.specialisms), m.title, created_by, now}));
    return rows.at(0).Int(0);
}

Result<std::optional<Mediator>> MediationRepository::FindMediator(Conn& conn, int64_t id) const {
    return FirstMediator(conn, std::string(kMediatorSelect) + " WHERE m.id = $1", {id});
}

Result<std::optional<Mediator>> MediationRepository::FindMediatorByUser(Conn& conn, int64_t user_id) const {
    return FirstMediator(conn, std::string(kMediatorSelect) + " WHERE m.user_id = $1", {user_id});
}

Result<std::vector<Mediator>> MediationRepository::ListMediators(Conn& conn, bool include_inactive,
                                                                 std::optional<Specialism> specialism) const {
    std::string sql(kMediatorSelect);
    if (!include_inactive) {
        sql += " WHERE m.active = TRUE";
    }
    sql += " ORDER BY u.display_name, m.id";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql));
    std::vector<Mediator> out;
    for (const auto& row : rows) {
        auto m = MediatorFromRow(row);
        if (specialism &&
            std::find(m.specialisms.begin(), m.specialisms.end(), *specialism) == m.specialisms.end()) {
            continue;
        }
        out.push_back(std::move(m));
    }
    return out;
}

Result<void> MediationRepository::UpdateMediator(Conn& conn, const Mediator& m) const {
    LINLI_TRY(conn.Exec("UPDATE mediators SET specialisms = $2, title = $3, active = " + std::string(Bool(m.active)) +
                            ", updated_at = $4 WHERE id = $1",
                        {m.id, JoinSpecialisms(m.specialisms), m.title, m.updated_at}));
    return {};
}

// ---- duty roster ---------------------------------------------------------------------------------

Result<bool> MediationRepository::InsertDuty(Conn& conn, int64_t community_id, const std::string& date,
                                             int64_t mediator_id, Specialism specialism,
                                             std::optional<int64_t> created_by, int64_t now) const {
    LINLI_ASSIGN_OR_RETURN(
        auto n, conn.Exec("INSERT INTO mediation_duty (community_id, duty_date, mediator_id, specialism, created_by,"
                          " created_at) VALUES ($1, $2, $3, $4, $5, $6)"
                          " ON CONFLICT (community_id, duty_date, mediator_id) DO NOTHING",
                          {community_id, date, mediator_id, NameOf(kSpecialisms, specialism), created_by, now}));
    return n > 0;
}

Result<std::vector<DutyEntry>> MediationRepository::ListDuty(Conn& conn, int64_t community_id,
                                                             const std::string& from, const std::string& to,
                                                             std::optional<Specialism> specialism) const {
    std::vector<Param> params{community_id, from, to};
    std::string sql =
        std::string(kDutySelect) + " WHERE d.community_id = $1 AND d.duty_date >= $2 AND d.duty_date <= $3";
    if (specialism) {
        sql += " AND d.specialism = " + Bind(params, NameOf(kSpecialisms, *specialism));
    }
    sql += " ORDER BY d.duty_date, u.display_name, d.id";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    std::vector<DutyEntry> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(DutyFromRow(row));
    }
    return out;
}

Result<std::optional<DutyEntry>> MediationRepository::FindDuty(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(std::string(kDutySelect) + " WHERE d.id = $1", {id}));
    if (rows.empty()) {
        return std::optional<DutyEntry>();
    }
    return std::optional<DutyEntry>(DutyFromRow(rows.front()));
}

Result<bool> MediationRepository::DeleteDuty(Conn& conn, int64_t id) const {
    LINLI_ASSIGN_OR_RETURN(auto n, conn.Exec("DELETE FROM mediation_duty WHERE id = $1", {id}));
    return n > 0;
}

Result<bool> MediationRepository::IsOnDuty(Conn& conn, int64_t community_id, const std::string& date,
                                           int64_t mediator_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT 1 FROM mediation_duty WHERE community_id = $1 AND"
                                                 " duty_date = $2 AND mediator_id = $3",
                                                 {community_id, date, mediator_id}));
    return !rows.empty();
}

// ---- disputes ------------------------------------------------------------------------------------

Result<void> MediationRepository::InsertDispute(Conn& conn, const DisputeInsert& d, int64_t now) const {
    LINLI_TRY(conn.Exec("INSERT INTO disputes (order_id, category_id, subject, community_id, grid_id, place_path,"
                        " received_at, received_day, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                        " ON CONFLICT (order_id) DO NOTHING",
                        {d.order_id, d.category_id, d.subject, d.community_id, d.grid_id, d.place_path, d.received_at,
                         d.received_day, now}));
    return {};
}

Result<void> MediationRepository::UpdateHead(Conn& conn, int64_t order_id, int64_t category_id,
                                             const std::string& subject, int64_t now) const {
    LINLI_TRY(conn.Exec("UPDATE disputes SET category_id = $2, subject = $3, updated_at = $4 WHERE order_id = $1",
                        {order_id, category_id, subject, now}));
    return {};
}

Result<std::optional<Dispute>> MediationRepository::FindDispute(Conn& conn, int64_t order_id) const {
    LINLI_ASSIGN_OR_RETURN(
        auto heads,
        conn.Query("SELECT d.order_id, d.subject, d.community_id, d.grid_id, d.place_path, d.received_at,"
                   " d.agreement_text, d.agreement_at, d.outcome, d.referral, d.referral_to, d.outcome_note,"
                   " d.outcome_at, d.updated_at, " +
                       std::string(kCategoryColumns) +
                       " FROM disputes d JOIN dispute_categories c ON c.id = d.category_id WHERE d.order_id = $1",
                   {order_id}));
    if (heads.empty()) {
        return std::optional<Dispute>();
    }
    const Row& h = heads.front();
    Dispute d;
    d.order_id = h.Int(0);
    d.subject = h.Text(1);
    d.community_id = h.OptInt(2);
    d.grid_id = h.OptInt(3);
    d.place_path = h.Text(4);
    d.received_at = h.Int(5);
    d.agreement_text = h.OptText(6);
    d.agreement_at = h.OptInt(7);
    if (auto o = h.OptText(8)) {
        d.outcome = Lookup(kOutcomes, *o);
    }
    if (auto r = h.OptText(9)) {
        d.referral = Lookup(kReferrals, *r);
    }
    d.referral_to = h.Text(10);
    d.outcome_note = h.Text(11);
    d.outcome_at = h.OptInt(12);
    d.updated_at = h.Int(13);
    d.category = CategoryFromRow(h, 14);

    LINLI_ASSIGN_OR_RETURN(auto parties,
                           conn.Query("SELECT id, order_id, side, resident_id, name, phone_masked, decision,"
                                      " decided_at, decision_note, created_at FROM dispute_parties"
                                      " WHERE order_id = $1 ORDER BY id",
                                      {order_id}));
    for (const auto& r : parties) {
        Party p;
        p.id = r.Int(0);
        p.order_id = r.Int(1);
        p.side = Lookup(kPartySides, r.Text(2)).value_or(PartySide::kThirdParty);
        p.resident_id = r.OptInt(3);
        p.name = r.Text(4);
        p.phone_masked = r.OptText(5);
        p.decision = Lookup(kDecisions, r.Text(6)).value_or(Decision::kPending);
        p.decided_at = r.OptInt(7);
        p.decision_note = r.Text(8);
        p.created_at = r.Int(9);
        d.parties.push_back(std::move(p));
    }

    LINLI_ASSIGN_OR_RETURN(auto mediators,
                           conn.Query("SELECT dm.mediator_id, dm.user_id, u.display_name, m.title, dm.lead,"
                                      " dm.on_duty, dm.assigned_at FROM dispute_mediators dm"
                                      " JOIN mediators m ON m.id = dm.mediator_id JOIN users u ON u.id = dm.user_id"
                                      " WHERE dm.order_id = $1 ORDER BY dm.assigned_at, dm.mediator_id",
                                      {order_id}));
    for (const auto& r : mediators) {
        d.mediators.push_back(DisputeMediator{r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Bool(4), r.Bool(5),
                                              r.Int(6)});
    }

    LINLI_ASSIGN_OR_RETURN(auto sessions,
                           conn.Query("SELECT id, order_id, held_on, start_time, place_id, place_name, place_note,"
                                      " other_attendees, notes, recorded_by, recorded_by_name, created_at"
                                      " FROM dispute_sessions WHERE order_id = $1 ORDER BY held_on, start_time, id",
                                      {order_id}));
    std::map<int64_t, size_t> by_id;
    for (const auto& r : sessions) {
        Session s;
        s.id = r.Int(0);
        s.order_id = r.Int(1);
        s.held_on = r.Text(2);
        s.start_time = r.Text(3);
        s.place_id = r.Int(4);
        s.place_name = r.Text(5);
        s.place_note = r.Text(6);
        s.other_attendees = r.Text(7);
        s.notes = r.Text(8);
        s.recorded_by = r.OptInt(9);
        s.recorded_by_name = r.Text(10);
        s.created_at = r.Int(11);
        by_id[s.id] = d.sessions.size();
        d.sessions.push_back(std::move(s));
    }
    if (!d.sessions.empty()) {
        LINLI_ASSIGN_OR_RETURN(auto attendees,
                               conn.Query("SELECT a.session_id, a.party_id, a.mediator_id FROM dispute_session_attendees a"
                                          " JOIN dispute_sessions s ON s.id = a.session_id WHERE s.order_id = $1"
                                          " ORDER BY a.session_id, a.party_id, a.mediator_id",
                                          {order_id}));
        for (const auto& r : attendees) {
            auto& s = d.sessions[by_id.at(r.Int(0))];
            if (auto party = r.OptInt(1)) {
                s.party_ids.push_back(*party);
            }
            if (auto mediator = r.OptInt(2)) {
                s.mediator_ids.push_back(*mediator);
            }
        }
    }
    return std::optional<Dispute>(std::move(d));
}

Result<std::map<int64_t, DisputeSummary>> MediationRepository::Summaries(Conn& conn,
                                                                         const std::vector<int64_t>& order_ids) const {
    std::map<int64_t, DisputeSummary> out;
    if (order_ids.empty()) {
        return out;
    }
    std::vector<Param> params;
    const std::string ids = IdList(params, order_ids);
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("SELECT d.order_id, d.subject, d.outcome, d.referral,"
                   " (SELECT count(*) FROM dispute_parties p WHERE p.order_id = d.order_id),"
                   " (SELECT count(*) FROM dispute_sessions s WHERE s.order_id = d.order_id),"
                   " COALESCE((SELECT min(u.display_name) FROM dispute_mediators dm JOIN users u ON u.id = dm.user_id"
                   " WHERE dm.order_id = d.order_id AND dm.lead = TRUE), ''), " +
                       std::string(kCategoryColumns) +
                       " FROM disputes d JOIN dispute_categories c ON c.id = d.category_id WHERE d.order_id IN (" +
                       ids + ")",
                   params));
    for (const auto& r : rows) {
        DisputeSummary s;
        s.subject = r.Text(1);
        if (auto o = r.OptText(2)) {
            s.outcome = Lookup(kOutcomes, *o);
        }
        if (auto ref = r.OptText(3)) {
            s.referral = Lookup(kReferrals, *ref);
        }
        s.party_count = r.Int(4);
        s.session_count = r.Int(5);
        s.lead_mediator = r.Text(6);
        s.category = CategoryFromRow(r, 7);
        out.emplace(r.Int(0), std::move(s));
    }
    return out;
}

Result<int64_t> MediationRepository::InsertParty(Conn& conn, const PartyInsert& p) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("INSERT INTO dispute_parties (order_id, side, resident_id, name, phone_enc,"
                                      " phone_hash, phone_masked, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                                      " RETURNING id",
                                      {p.order_id, NameOf(kPartySides, p.side), p.resident_id, p.name, p.phone_enc,
                                       p.phone_hash, p.phone_masked, p.created_at}));
    return rows.at(0).Int(0);
}

Result<bool> MediationRepository::InsertDisputeMediator(Conn& conn, int64_t order_id, const Mediator& m, bool lead,
                                                        bool on_duty, std::optional<int64_t> by, int64_t now) const {
    LINLI_ASSIGN_OR_RETURN(
        auto n, conn.Exec("INSERT INTO dispute_mediators (order_id, mediator_id, user_id, lead, on_duty, assigned_by,"
                          " assigned_at) VALUES ($1, $2, $3, " +
                              std::string(Bool(lead)) + ", " + Bool(on_duty) +
                              ", $4, $5) ON CONFLICT (order_id, mediator_id) DO NOTHING",
                          {order_id, m.id, m.user_id, by, now}));
    return n > 0;
}

Result<void> MediationRepository::SetLead(Conn& conn, int64_t order_id, int64_t mediator_id) const {
    LINLI_TRY(conn.Exec("UPDATE dispute_mediators SET lead = (mediator_id = $2) WHERE order_id = $1",
                        {order_id, mediator_id}));
    return {};
}

Result<int64_t> MediationRepository::InsertSession(Conn& conn, const Session& s) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("INSERT INTO dispute_sessions (order_id, held_on, start_time, place_id,"
                                      " place_name, place_note, other_attendees, notes, recorded_by,"
                                      " recorded_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
                                      " $10, $11) RETURNING id",
                                      {s.order_id, s.held_on, s.start_time, s.place_id, s.place_name, s.place_note,
                                       s.other_attendees, s.notes, s.recorded_by, s.recorded_by_name, s.created_at}));
    const int64_t id = rows.at(0).Int(0);
    for (int64_t party : s.party_ids) {
        LINLI_TRY(conn.Exec("INSERT INTO dispute_session_attendees (session_id, party_id) VALUES ($1, $2)",
                            {id, party}));
    }
    for (int64_t mediator : s.mediator_ids) {
        LINLI_TRY(conn.Exec("INSERT INTO dispute_session_attendees (session_id, mediator_id) VALUES ($1, $2)",
                            {id, mediator}));
    }
    return id;
}

Result<void> MediationRepository::SetAgreement(Conn& conn, int64_t order_id, const std::string& text,
                                               std::optional<int64_t> by, int64_t now) const {
    LINLI_TRY(conn.Exec("UPDATE disputes SET agreement_text = $2, agreement_at = $3, agreement_by = $4,"
                        " updated_at = $3 WHERE order_id = $1",
                        {order_id, text, now, by}));
    LINLI_TRY(conn.Exec("UPDATE dispute_parties SET decision = 'pending', decided_at = NULL, decision_note = ''"
                        " WHERE order_id = $1",
                        {order_id}));
    return {};
}

Result<void> MediationRepository::SetDecision(Conn& conn, int64_t party_id, Decision decision,
                                              const std::string& note, int64_t now) const {
    LINLI_TRY(conn.Exec("UPDATE dispute_parties SET decision = $2, decided_at = $3, decision_note = $4 WHERE id = $1",
                        {party_id, NameOf(kDecisions, decision), now, note}));
    return {};
}

Result<bool> MediationRepository::SetOutcome(Conn& conn, int64_t order_id, const OutcomeInput& in,
                                             std::optional<int64_t> by, int64_t now) const {
    std::optional<std::string> referral;
    if (in.referral) {
        referral = std::string(NameOf(kReferrals, *in.referral));
    }
    LINLI_ASSIGN_OR_RETURN(auto n, conn.Exec("UPDATE disputes SET outcome = $2, referral = $3, referral_to = $4,"
                                             " outcome_note = $5, outcome_at = $6, outcome_by = $7, updated_at = $6"
                                             " WHERE order_id = $1 AND outcome IS NULL",
                                             {order_id, NameOf(kOutcomes, in.outcome), referral, in.referral_to,
                                              in.note, now, by}));
    return n == 1;
}

// ---- figures -------------------------------------------------------------------------------------

Result<std::vector<FigureCounts>> MediationRepository::Figures(Conn& conn, const FigureFilter& filter,
                                                               FigureGroup group) const {
    std::vector<Param> params{filter.from, filter.to};
    std::string key;
    std::string from = " FROM disputes d";
    switch (group) {
        case FigureGroup::kCategory:
            key = "c.code";
            from += " JOIN dispute_categories c ON c.id = d.category_id";
            break;
        case FigureGroup::kMonth:
            key = "substr(d.received_day, 1, 7)";
            break;
        case FigureGroup::kGrid:
            key = "COALESCE(d.grid_id, 0)";
            break;
    }
    std::string where = " WHERE d.received_day >= $1 AND d.received_day <= $2";
    if (!filter.everywhere) {
        std::string any;
        for (const auto& path : filter.paths) {
            any += any.empty() ? "" : " OR ";
            any += "(d.place_path >= " + Bind(params, path) + " AND d.place_path < " +
                   Bind(params, registry::SubtreeUpperBound(path)) + ")";
        }
        where += any.empty() ? " AND 1 = 0" : " AND (" + any + ")";
    }
    const std::string sql =
        "SELECT " + key +
        ", count(*),"
        " sum(CASE WHEN EXISTS (SELECT 1 FROM dispute_sessions s WHERE s.order_id = d.order_id) THEN 1 ELSE 0 END),"
        " sum(CASE WHEN d.outcome = 'agreed' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN d.outcome = 'partly_agreed' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN d.outcome = 'failed' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN d.referral IS NOT NULL THEN 1 ELSE 0 END),"
        " sum(CASE WHEN d.outcome IS NULL THEN 1 ELSE 0 END)" +
        from + where + " GROUP BY " + key + " ORDER BY " + key;
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
    std::vector<FigureCounts> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        FigureCounts c;
        c.key = r.Text(0);
        c.figures.received = r.Int(1);
        c.figures.mediated = r.Int(2);
        c.figures.agreed = r.Int(3);
        c.figures.partly_agreed = r.Int(4);
        c.figures.failed = r.Int(5);
        c.figures.referred = r.Int(6);
        c.figures.pending = r.Int(7);
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace linli::mediation
