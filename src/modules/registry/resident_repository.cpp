#include "modules/registry/resident_repository.hpp"

#include <algorithm>
#include <map>
#include <span>
#include <string>
#include <utility>

#include "modules/registry/repository.hpp"

namespace linli::registry {

namespace {

using storage::Conn;
using storage::Param;
using storage::Row;

// The resident with where they live now: household › unit › building names and the open residency.
constexpr std::string_view kSelectResident =
    "SELECT r.id, r.name, r.id_number_masked, r.phone_masked, r.birth_date, r.sex, r.hukou, r.household_id, "
    "r.community_id, r.note, r.created_at, r.updated_at, h.name, h.path, u.name, b.name, rs.relation_to_head, "
    "rs.moved_in "
    "FROM residents r "
    "LEFT JOIN territory_nodes h ON h.id = r.household_id "
    "LEFT JOIN territory_nodes u ON u.id = h.parent_id "
    "LEFT JOIN territory_nodes b ON b.id = u.parent_id "
    "LEFT JOIN residencies rs ON rs.resident_id = r.id AND rs.moved_out IS NULL "
    "WHERE 1 = 1";

std::string Bind(std::vector<Param>& params, Param value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
}

template <class E, size_t N>
E ParseOrThrow(const NameTable<E, N>& table, const std::string& text, const char* column) {
    auto v = Lookup(table, text);
    if (!v) {
        // CHECK constraints make this impossible short of a hand-edited database.
        throw storage::DatabaseError(std::string(column) + " holds an unknown value: " + text);
    }
    return *v;
}

Resident ResidentFromRow(const Row& row) {
    Resident r;
    r.id = row.Int(0);
    r.name = row.Text(1);
    r.id_number_masked = row.Text(2);
    r.phone_masked = row.OptText(3);
    r.birth_date = row.Text(4);
    r.sex = ParseOrThrow(kSexes, row.Text(5), "residents.sex");
    r.hukou = ParseOrThrow(kHukous, row.Text(6), "residents.hukou");
    if (auto household_id = row.OptInt(7)) {
        HouseholdRef ref;
        ref.id = *household_id;
        ref.name = row.Text(12);
        ref.path = row.Text(13);
        ref.unit_name = row.Text(14);
        ref.building_name = row.Text(15);
        if (!row.IsNull(16)) {
            ref.relation = ParseOrThrow(kRelations, row.Text(16), "residencies.relation_to_head");
        }
        ref.moved_in = row.Text(17);
        r.household = std::move(ref);
    }
    r.community_id = row.OptInt(8);
    r.note = row.Text(9);
    r.created_at = row.Int(10);
    r.updated_at = row.Int(11);
    return r;
}

/// Fills the stored tags of `residents` with one query.
Result<void> LoadTags(Conn& conn, std::vector<Resident>& residents) {
    if (residents.empty()) {
        return {};
    }
    std::vector<Param> params;
    std::string sql = "SELECT resident_id, tag, detail FROM resident_tags WHERE resident_id IN (";
    std::map<int64_t, size_t> index;
    for (size_t i = 0; i < residents.size(); ++i) {
        sql += (i ? ", " : "") + Bind(params, residents[i].id);
        index.emplace(residents[i].id, i);
    }
    sql += ") ORDER BY resident_id, tag";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    for (const auto& row : rows) {
        auto it = index.find(row.Int(0));
        if (it != index.end()) {
            residents[it->second].tags.push_back(ResidentTag{row.Text(1), row.OptText(2), false});
        }
    }
    return {};
}

Result<std::vector<Resident>> QueryResidents(Conn& conn, const std::string& sql, const std::vector<Param>& params) {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    std::vector<Resident> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(ResidentFromRow(row));
    }
    LINLI_TRY(LoadTags(conn, out));
    return out;
}

Result<std::optional<Resident>> QueryOneResident(Conn& conn, const std::string& sql, const std::vector<Param>& params) {
    LINLI_ASSIGN_OR_RETURN(auto list, QueryResidents(conn, sql, params));
    if (list.empty()) {
        return std::optional<Resident>();
    }
    return std::optional<Resident>(std::move(list.front()));
}

/// Appends the filter's conditions on `r`.
void AppendFilter(const ResidentFilter& f, std::string& sql, std::vector<Param>& params) {
    if (f.under_path) {
        sql += " AND r.scope_path >= " + Bind(params, *f.under_path);
        sql += " AND r.scope_path < " + Bind(params, SubtreeUpperBound(*f.under_path));
    }
    if (f.name_prefix) {
        // Bytewise prefix range: every name that starts with the prefix sorts below prefix + U+10FFFF.
        sql += " AND r.name >= " + Bind(params, *f.name_prefix);
        sql += " AND r.name < " + Bind(params, *f.name_prefix + "\xF4\x8F\xBF\xBF");
    }
    if (f.with_tag) {
        sql += " AND EXISTS (SELECT 1 FROM resident_tags t WHERE t.resident_id = r.id AND t.tag = " +
               Bind(params, *f.with_tag) + ")";
    }
    if (f.without_tag) {
        sql += " AND NOT EXISTS (SELECT 1 FROM resident_tags t WHERE t.resident_id = r.id AND t.tag = " +
               Bind(params, *f.without_tag) + ")";
    }
    if (f.born_on_or_before) {
        sql += " AND r.birth_date <= " + Bind(params, *f.born_on_or_before);
    }
    if (f.born_after) {
        sql += " AND r.birth_date > " + Bind(params, *f.born_after);
    }
    if (f.hukou) {
        sql += " AND r.hukou = " + Bind(params, *f.hukou);
    }
    if (f.hukou_not) {
        sql += " AND r.hukou <> " + Bind(params, *f.hukou_not);
    }
    if (f.id_hash) {
        sql += " AND r.id_number_hash = " + Bind(params, *f.id_hash);
    }
    if (f.last4_hash) {
        sql += " AND r.id_last4_hash = " + Bind(params, *f.last4_hash);
    }
    if (f.phone_hash) {
        sql += " AND r.phone_hash = " + Bind(params, *f.phone_hash);
    }
}

void AppendOrder(ResidentSort sort, const std::optional<ResidentKey>& after, std::string& sql,
                 std::vector<Param>& params) {
    switch (sort) {
        case ResidentSort::kNameAsc:
            if (after) {
                const auto name = Bind(params, after->name);
                const auto id = Bind(params, after->id);
                sql += " AND (r.name > " + name + " OR (r.name = " + name + " AND r.id > " + id + "))";
            }
            sql += " ORDER BY r.name ASC, r.id ASC";
            return;
        case ResidentSort::kNameDesc:
            if (after) {
                const auto name = Bind(params, after->name);
                const auto id = Bind(params, after->id);
                sql += " AND (r.name < " + name + " OR (r.name = " + name + " AND r.id < " + id + "))";
            }
            sql += " ORDER BY r.name DESC, r.id DESC";
            return;
        case ResidentSort::kIdAsc:
            if (after) {
                sql += " AND r.id > " + Bind(params, after->id);
            }
            sql += " ORDER BY r.id ASC";
            return;
        case ResidentSort::kIdDesc:
            if (after) {
                sql += " AND r.id < " + Bind(params, after->id);
            }
            sql += " ORDER BY r.id DESC";
            return;
    }
}

/// Runs `prefix` + "($1, ..), (..)" + `suffix` over `flat` (rows of `width` parameters): on PostgreSQL
/// `kBatchRows` rows per statement (one round trip each), then the remainder one row per statement, so
/// that only two statement shapes are ever prepared and cached. On SQLite always one row per statement:
/// there is no round trip to save, and a multi-row INSERT needs a statement journal (a copy of every
/// page it touches, in case it fails half-way) that costs more than the statements it saves.
/// Returns every statement's rows, in order.
constexpr size_t kBatchRows = 100;

Result<storage::Rows> InsertRows(Conn& conn, std::string_view prefix, std::string_view suffix, size_t width,
                                 const std::vector<Param>& flat) {
    const auto statement = [&](size_t rows) {
        std::string sql(prefix);
        size_t n = 0;
        for (size_t r = 0; r < rows; ++r) {
            sql += r ? ", (" : "(";
            for (size_t c = 0; c < width; ++c) {
                sql += c ? ", $" : "$";
                sql += std::to_string(++n);
            }
            sql += ")";
        }
        sql += suffix;
        return sql;
    };
    storage::Rows out;
    const size_t total = flat.size() / width;
    size_t done = 0;
    if (conn.dialect() == storage::Dialect::kPostgres && total >= kBatchRows) {
        const std::string batch_sql = statement(kBatchRows);
        for (; done + kBatchRows <= total; done += kBatchRows) {
            LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(batch_sql, std::span<const Param>(flat.data() + done * width,
                                                                                           kBatchRows * width)));
            for (auto& row : rows) {
                out.push_back(std::move(row));
            }
        }
    }
    if (done < total) {
        const std::string one_sql = statement(1);
        for (; done < total; ++done) {
            LINLI_ASSIGN_OR_RETURN(auto rows,
                                   conn.Query(one_sql, std::span<const Param>(flat.data() + done * width, width)));
            for (auto& row : rows) {
                out.push_back(std::move(row));
            }
        }
    }
    return out;
}

/// Inserts rows like InsertRows and returns their new ids in row order. PostgreSQL: batches with
/// RETURNING, matched back to rows by `key_column` (parameter `key_index` of each row), a text column
/// unique among the rows (PostgreSQL does not promise RETURNING's order). SQLite: one row per statement and
/// last_insert_rowid(), because SQLite runs RETURNING as a trigger, and a statement with a trigger keeps a statement
/// journal.
Result<std::vector<int64_t>> InsertReturningIds(Conn& conn, std::string_view prefix, size_t width,
                                                const std::vector<Param>& flat, std::string_view key_column,
                                                size_t key_index) {
    const size_t total = flat.size() / width;
    std::vector<int64_t> ids(total, 0);
    if (conn.dialect() == storage::Dialect::kSqlite) {
        std::string sql(prefix);
        sql += "(";
        for (size_t c = 0; c < width; ++c) {
            sql += c ? ", $" : "$";
            sql += std::to_string(c + 1);
        }
        sql += ")";
        for (size_t r = 0; r < total; ++r) {
            LINLI_TRY(conn.Exec(sql, std::span<const Param>(flat.data() + r * width, width)));
            LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT last_insert_rowid()"));
            ids[r] = rows.at(0).Int(0);
        }
        return ids;
    }
    std::unordered_map<std::string_view, size_t> row_of;
    row_of.reserve(total);
    for (size_t r = 0; r < total; ++r) {
        row_of.emplace(std::get<std::string>(flat[r * width + key_index].value), r);
    }
    LINLI_ASSIGN_OR_RETURN(auto returned,
                           InsertRows(conn, prefix, " RETURNING id, " + std::string(key_column), width, flat));
    for (const auto& row : returned) {
        auto it = row_of.find(row.Text(1));
        if (it == row_of.end()) {
            throw storage::DatabaseError("INSERT ... RETURNING gave back a key it was not given");
        }
        ids[it->second] = row.Int(0);
    }
    return ids;
}

TagDefinition TagFromRow(const Row& row) {
    TagDefinition t;
    t.community_id = row.OptInt(0);
    t.code = row.Text(1);
    t.name = row.Text(2);
    t.name_en = row.Text(3);
    return t;
}

}  // namespace

// ---- buildings and households -----------------------------------------------------------------

Result<std::optional<BuildingDetails>> ResidentRepository::FindBuildingDetails(Conn& conn, int64_t building_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT building_kind, address, floors, unit_count, updated_at "
                                                 "FROM building_details WHERE node_id = $1",
                                                 {building_id}));
    if (rows.empty()) {
        return std::optional<BuildingDetails>();
    }
    const auto& row = rows.front();
    BuildingDetails d;
    d.building_id = building_id;
    d.kind = ParseOrThrow(kBuildingKinds, row.Text(0), "building_details.building_kind");
    d.address = row.Text(1);
    if (auto floors = row.OptInt(2)) {
        d.floors = static_cast<int>(*floors);
    }
    if (auto units = row.OptInt(3)) {
        d.unit_count = static_cast<int>(*units);
    }
    d.updated_at = row.Int(4);
    return std::optional<BuildingDetails>(std::move(d));
}

Result<void> ResidentRepository::UpsertBuildingDetails(Conn& conn, int64_t building_id, const BuildingDetailsInput& in,
                                                       int64_t now) const {
    std::optional<int64_t> floors, units;
    if (in.floors) {
        floors = *in.floors;
    }
    if (in.unit_count) {
        units = *in.unit_count;
    }
    LINLI_TRY(
        conn.Exec("INSERT INTO building_details (node_id, building_kind, address, floors, unit_count, updated_at) "
                  "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (node_id) DO UPDATE SET "
                  "building_kind = excluded.building_kind, address = excluded.address, "
                  "floors = excluded.floors, unit_count = excluded.unit_count, updated_at = excluded.updated_at",
                  {building_id, NameOf(kBuildingKinds, in.kind), in.address, floors, units, now}));
    return {};
}

Result<std::optional<Tenure>> ResidentRepository::FindTenure(Conn& conn, int64_t household_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("SELECT tenure FROM household_details WHERE node_id = $1", {household_id}));
    if (rows.empty()) {
        return std::optional<Tenure>();
    }
    return std::optional<Tenure>(ParseOrThrow(kTenures, rows.front().Text(0), "household_details.tenure"));
}

Result<void> ResidentRepository::UpsertTenure(Conn& conn, int64_t household_id, Tenure tenure, int64_t now) const {
    LINLI_TRY(
        conn.Exec("INSERT INTO household_details (node_id, tenure, updated_at) VALUES ($1, $2, $3) "
                  "ON CONFLICT (node_id) DO UPDATE SET tenure = excluded.tenure, updated_at = excluded.updated_at",
                  {household_id, NameOf(kTenures, tenure), now}));
    return {};
}

Result<std::vector<HouseholdMember>> ResidentRepository::Members(Conn& conn, int64_t household_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows,
                           conn.Query("SELECT r.id, r.name, rs.relation_to_head, rs.moved_in FROM residencies rs "
                                      "JOIN residents r ON r.id = rs.resident_id "
                                      "WHERE rs.household_id = $1 AND rs.moved_out IS NULL ORDER BY r.id",
                                      {household_id}));
    std::vector<HouseholdMember> members;
    members.reserve(rows.size());
    for (const auto& row : rows) {
        members.push_back(HouseholdMember{row.Int(0), row.Text(1),
                                          ParseOrThrow(kRelations, row.Text(2), "residencies.relation_to_head"),
                                          row.Text(3)});
    }
    // Head first, then spouse, children, ...: the order of kRelations; ties by id.
    std::stable_sort(members.begin(), members.end(), [](const HouseholdMember& a, const HouseholdMember& b) {
        return static_cast<int>(a.relation) < static_cast<int>(b.relation);
    });
    return members;
}

Result<std::vector<PlaceNode>> ResidentRepository::PlacesUnder(Conn& conn, std::string_view path) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT id, parent_id, kind, name, path, depth, community_id "
                                                 "FROM territory_nodes WHERE path >= $1 AND path < $2 "
                                                 "AND kind IN ('building', 'unit', 'household')",
                                                 {path, SubtreeUpperBound(path)}));
    std::vector<PlaceNode> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        PlaceNode n;
        n.id = row.Int(0);
        n.parent_id = row.OptInt(1).value_or(0);
        n.kind = ParseNodeKind(row.Text(2)).value_or(NodeKind::kHousehold);
        n.name = row.Text(3);
        n.path = row.Text(4);
        n.depth = static_cast<int>(row.Int(5));
        n.community_id = row.OptInt(6);
        out.push_back(std::move(n));
    }
    return out;
}

// ---- residents ------------------------------------------------------------------------------------

Result<std::optional<Resident>> ResidentRepository::FindVisible(Conn& conn, const Actor& actor, int64_t id) const {
    std::string sql(kSelectResident);
    std::vector<Param> params;
    sql += " AND r.id = " + Bind(params, id);
    if (!AppendScopeFilter(actor, "r.scope_path", sql, params)) {
        return std::optional<Resident>();
    }
    return QueryOneResident(conn, sql, params);
}

Result<std::optional<Resident>> ResidentRepository::FindById(Conn& conn, int64_t id) const {
    std::string sql(kSelectResident);
    std::vector<Param> params;
    sql += " AND r.id = " + Bind(params, id);
    return QueryOneResident(conn, sql, params);
}

Result<std::optional<ResidentBrief>> ResidentRepository::FindByIdHash(Conn& conn, std::string_view id_hash) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT r.id, r.household_id, r.scope_path, rs.relation_to_head "
                                                 "FROM residents r LEFT JOIN residencies rs "
                                                 "ON rs.resident_id = r.id AND rs.moved_out IS NULL "
                                                 "WHERE r.id_number_hash = $1",
                                                 {id_hash}));
    if (rows.empty()) {
        return std::optional<ResidentBrief>();
    }
    const auto& row = rows.front();
    return std::optional<ResidentBrief>(ResidentBrief{row.Int(0), row.OptInt(1), row.OptText(2), row.OptText(3)});
}

Result<std::unordered_map<std::string, ResidentBrief>> ResidentRepository::FindByIdHashes(
    Conn& conn, const std::vector<std::string>& hashes) const {
    // Fixed-size chunks (the last one padded with a repeat) so only one statement is ever prepared.
    constexpr size_t kChunk = 256;
    static const std::string sql = [] {
        std::string s =
            "SELECT r.id_number_hash, r.id, r.household_id, r.scope_path, rs.relation_to_head FROM residents r "
            "LEFT JOIN residencies rs ON rs.resident_id = r.id AND rs.moved_out IS NULL WHERE r.id_number_hash IN (";
        for (size_t i = 1; i <= kChunk; ++i) {
            s += (i > 1 ? ", $" : "$") + std::to_string(i);
        }
        return s + ")";
    }();
    std::unordered_map<std::string, ResidentBrief> out;
    std::vector<Param> params;
    params.reserve(kChunk);
    for (size_t start = 0; start < hashes.size(); start += kChunk) {
        params.clear();
        for (size_t i = 0; i < kChunk; ++i) {
            params.emplace_back(hashes[std::min(start + i, hashes.size() - 1)]);
        }
        LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
        for (const auto& row : rows) {
            out.emplace(row.Text(0), ResidentBrief{row.Int(1), row.OptInt(2), row.OptText(3), row.OptText(4)});
        }
    }
    return out;
}

Result<std::optional<SealedFields>> ResidentRepository::FindSealedVisible(Conn& conn, const Actor& actor,
                                                                          int64_t id) const {
    std::string sql = "SELECT r.id_number_enc, r.phone_enc FROM residents r WHERE r.id = ";
    std::vector<Param> params;
    sql += Bind(params, id);
    if (!AppendScopeFilter(actor, "r.scope_path", sql, params)) {
        return std::optional<SealedFields>();
    }
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    if (rows.empty()) {
        return std::optional<SealedFields>();
    }
    return std::optional<SealedFields>(SealedFields{rows.front().Text(0), rows.front().OptText(1)});
}

Result<std::vector<Resident>> ResidentRepository::List(Conn& conn, const Actor& actor, const ResidentFilter& filter,
                                                       ResidentSort sort, const std::optional<ResidentKey>& after,
                                                       int limit) const {
    std::string sql(kSelectResident);
    std::vector<Param> params;
    if (!AppendScopeFilter(actor, "r.scope_path", sql, params)) {
        return std::vector<Resident>();
    }
    AppendFilter(filter, sql, params);
    AppendOrder(sort, after, sql, params);
    sql += " LIMIT " + Bind(params, limit);
    return QueryResidents(conn, sql, params);
}

Result<int64_t> ResidentRepository::Count(Conn& conn, const Actor& actor, const ResidentFilter& filter) const {
    std::string sql = "SELECT COUNT(*) FROM residents r WHERE 1 = 1";
    std::vector<Param> params;
    if (!AppendScopeFilter(actor, "r.scope_path", sql, params)) {
        return int64_t{0};
    }
    AppendFilter(filter, sql, params);
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    return rows.at(0).Int(0);
}

Result<int64_t> ResidentRepository::Insert(Conn& conn, const ResidentInsert& row) const {
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("INSERT INTO residents (name, id_number_enc, id_number_hash, id_last4_hash, id_number_masked, "
                   "phone_enc, phone_hash, phone_masked, birth_date, sex, hukou, household_id, scope_path, "
                   "community_id, note, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
                   {row.name, row.id_enc, row.id_hash, row.last4_hash, row.id_masked, row.phone_enc, row.phone_hash,
                    row.phone_masked, row.birth_date, row.sex, row.hukou, row.household_id, row.scope_path,
                    row.community_id, row.note, row.now}));
    return rows.at(0).Int(0);
}

Result<void> ResidentRepository::UpdateName(Conn& conn, int64_t id, std::string_view name, int64_t now) const {
    LINLI_TRY(conn.Exec("UPDATE residents SET name = $1, updated_at = $2 WHERE id = $3", {name, now, id}));
    return {};
}

Result<void> ResidentRepository::UpdatePhone(Conn& conn, int64_t id, const std::optional<std::string>& enc,
                                             const std::optional<std::string>& hash,
                                             const std::optional<std::string>& masked, int64_t now) const {
    LINLI_TRY(
        conn.Exec("UPDATE residents SET phone_enc = $1, phone_hash = $2, phone_masked = $3, updated_at = $4 "
                  "WHERE id = $5",
                  {enc, hash, masked, now, id}));
    return {};
}

Result<void> ResidentRepository::UpdateHukou(Conn& conn, int64_t id, std::string_view hukou, int64_t now) const {
    LINLI_TRY(conn.Exec("UPDATE residents SET hukou = $1, updated_at = $2 WHERE id = $3", {hukou, now, id}));
    return {};
}

Result<void> ResidentRepository::UpdateNote(Conn& conn, int64_t id, std::string_view note, int64_t now) const {
    LINLI_TRY(conn.Exec("UPDATE residents SET note = $1, updated_at = $2 WHERE id = $3", {note, now, id}));
    return {};
}

Result<void> ResidentRepository::UpdatePlace(Conn& conn, int64_t id, std::optional<int64_t> household_id,
                                             const std::optional<std::string>& scope_path,
                                             std::optional<int64_t> community_id, int64_t now) const {
    LINLI_TRY(
        conn.Exec("UPDATE residents SET household_id = $1, scope_path = $2, community_id = $3, updated_at = $4 "
                  "WHERE id = $5",
                  {household_id, scope_path, community_id, now, id}));
    return {};
}

Result<void> ResidentRepository::ReplaceTags(Conn& conn, int64_t id, const std::vector<TagInput>& tags,
                                             int64_t now) const {
    LINLI_TRY(conn.Exec("DELETE FROM resident_tags WHERE resident_id = $1", {id}));
    for (const auto& tag : tags) {
        LINLI_TRY(conn.Exec("INSERT INTO resident_tags (resident_id, tag, detail, created_at) VALUES ($1, $2, $3, $4)",
                            {id, tag.tag, tag.detail, now}));
    }
    return {};
}

Result<void> ResidentRepository::OpenResidency(Conn& conn, int64_t resident_id, int64_t household_id,
                                               std::string_view relation, std::string_view moved_in,
                                               int64_t now) const {
    LINLI_TRY(
        conn.Exec("INSERT INTO residencies (resident_id, household_id, relation_to_head, moved_in, created_at) "
                  "VALUES ($1, $2, $3, $4, $5)",
                  {resident_id, household_id, relation, moved_in, now}));
    return {};
}

Result<void> ResidentRepository::CloseResidency(Conn& conn, int64_t resident_id, std::string_view moved_out) const {
    LINLI_TRY(conn.Exec("UPDATE residencies SET moved_out = $1 WHERE resident_id = $2 AND moved_out IS NULL",
                        {moved_out, resident_id}));
    return {};
}

Result<void> ResidentRepository::SetRelation(Conn& conn, int64_t resident_id, std::string_view relation) const {
    LINLI_TRY(conn.Exec("UPDATE residencies SET relation_to_head = $1 WHERE resident_id = $2 AND moved_out IS NULL",
                        {relation, resident_id}));
    return {};
}

Result<std::vector<Residency>> ResidentRepository::Residencies(Conn& conn, int64_t resident_id) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT id, household_id, relation_to_head, moved_in, moved_out "
                                                 "FROM residencies WHERE resident_id = $1 ORDER BY id",
                                                 {resident_id}));
    std::vector<Residency> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        out.push_back(Residency{row.Int(0), row.Int(1),
                                ParseOrThrow(kRelations, row.Text(2), "residencies.relation_to_head"), row.Text(3),
                                row.OptText(4)});
    }
    return out;
}

// ---- bulk writes ----------------------------------------------------------------------------------

Result<std::vector<int64_t>> ResidentRepository::ReserveNodeIds(Conn& conn, size_t n) const {
    std::vector<int64_t> ids;
    ids.reserve(n);
    if (n == 0) {
        return ids;
    }
    if (conn.dialect() == storage::Dialect::kPostgres) {
        // The identity column's sequence hands out ids no other transaction will get.
        LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT nextval(pg_get_serial_sequence('territory_nodes', 'id')) "
                                                     "FROM generate_series(1, $1)",
                                                     {static_cast<int64_t>(n)}));
        for (const auto& row : rows) {
            ids.push_back(row.Int(0));
        }
        return ids;
    }
    // SQLite has one writer, and this runs inside its transaction: the ids after the largest are free.
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT COALESCE(MAX(id), 0) FROM territory_nodes"));
    const int64_t last = rows.at(0).Int(0);
    for (size_t i = 1; i <= n; ++i) {
        ids.push_back(last + static_cast<int64_t>(i));
    }
    return ids;
}

Result<void> ResidentRepository::InsertPlaces(Conn& conn, const std::vector<PlaceInsert>& rows, int64_t now) const {
    std::vector<Param> flat;
    flat.reserve(rows.size() * 9);
    for (const auto& r : rows) {
        flat.emplace_back(r.id);
        flat.emplace_back(r.parent_id);
        flat.emplace_back(NodeKindName(r.kind));
        flat.emplace_back(r.name);
        flat.emplace_back(r.path);
        flat.emplace_back(r.depth);
        flat.emplace_back(r.community_id);
        flat.emplace_back(now);
        flat.emplace_back(now);
    }
    LINLI_TRY(
        InsertRows(conn,
                   "INSERT INTO territory_nodes (id, parent_id, kind, name, path, depth, community_id, created_at, "
                   "updated_at) VALUES ",
                   "", 9, flat));
    return {};
}

Result<void> ResidentRepository::UpsertTenures(Conn& conn, const std::vector<std::pair<int64_t, Tenure>>& rows,
                                               int64_t now) const {
    std::vector<Param> flat;
    flat.reserve(rows.size() * 3);
    for (const auto& [id, tenure] : rows) {
        flat.emplace_back(id);
        flat.emplace_back(NameOf(kTenures, tenure));
        flat.emplace_back(now);
    }
    LINLI_TRY(InsertRows(
        conn, "INSERT INTO household_details (node_id, tenure, updated_at) VALUES ",
        " ON CONFLICT (node_id) DO UPDATE SET tenure = excluded.tenure, updated_at = excluded.updated_at", 3, flat));
    return {};
}

Result<std::vector<int64_t>> ResidentRepository::InsertMany(Conn& conn, const std::vector<ResidentInsert>& rows) const {
    constexpr size_t kWidth = 17;
    std::vector<Param> flat;
    flat.reserve(rows.size() * kWidth);
    for (const auto& r : rows) {
        flat.emplace_back(r.name);
        flat.emplace_back(r.id_enc);
        flat.emplace_back(r.id_hash);
        flat.emplace_back(r.last4_hash);
        flat.emplace_back(r.id_masked);
        flat.emplace_back(r.phone_enc);
        flat.emplace_back(r.phone_hash);
        flat.emplace_back(r.phone_masked);
        flat.emplace_back(r.birth_date);
        flat.emplace_back(r.sex);
        flat.emplace_back(r.hukou);
        flat.emplace_back(r.household_id);
        flat.emplace_back(r.scope_path);
        flat.emplace_back(r.community_id);
        flat.emplace_back(r.note);
        flat.emplace_back(r.now);
        flat.emplace_back(r.now);
    }
    return InsertReturningIds(
        conn,
        "INSERT INTO residents (name, id_number_enc, id_number_hash, id_last4_hash, id_number_masked, "
        "phone_enc, phone_hash, phone_masked, birth_date, sex, hukou, household_id, scope_path, "
        "community_id, note, created_at, updated_at) VALUES ",
        kWidth, flat, "id_number_hash", 2);
}

Result<void> ResidentRepository::InsertResidencies(Conn& conn, const std::vector<ResidencyInsert>& rows,
                                                   int64_t now) const {
    std::vector<Param> flat;
    flat.reserve(rows.size() * 5);
    for (const auto& r : rows) {
        flat.emplace_back(r.resident_id);
        flat.emplace_back(r.household_id);
        flat.emplace_back(r.relation);
        flat.emplace_back(r.moved_in);
        flat.emplace_back(now);
    }
    LINLI_TRY(InsertRows(conn,
                         "INSERT INTO residencies (resident_id, household_id, relation_to_head, moved_in, created_at) "
                         "VALUES ",
                         "", 5, flat));
    return {};
}

Result<void> ResidentRepository::InsertTags(Conn& conn, const std::vector<TagRow>& rows, int64_t now) const {
    std::vector<Param> flat;
    flat.reserve(rows.size() * 4);
    for (const auto& r : rows) {
        flat.emplace_back(r.resident_id);
        flat.emplace_back(r.tag);
        flat.emplace_back(r.detail);
        flat.emplace_back(now);
    }
    LINLI_TRY(
        InsertRows(conn, "INSERT INTO resident_tags (resident_id, tag, detail, created_at) VALUES ", "", 4, flat));
    return {};
}

// ---- tags ---------------------------------------------------------------------------------------

Result<std::vector<TagDefinition>> ResidentRepository::TagDefinitions(Conn& conn,
                                                                      const std::vector<int64_t>& community_ids) const {
    std::vector<Param> params;
    std::string sql = "SELECT community_id, code, name, name_en FROM tag_definitions WHERE community_id IS NULL";
    if (!community_ids.empty()) {
        sql += " OR community_id IN (";
        for (size_t i = 0; i < community_ids.size(); ++i) {
            sql += (i ? ", " : "") + Bind(params, community_ids[i]);
        }
        sql += ")";
    }
    sql += " ORDER BY community_id IS NOT NULL, id";
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    std::vector<TagDefinition> out;
    for (const auto& row : rows) {
        out.push_back(TagFromRow(row));
    }
    return out;
}

Result<std::vector<TagDefinition>> ResidentRepository::AllTagDefinitions(Conn& conn) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT community_id, code, name, name_en FROM tag_definitions "
                                                 "ORDER BY community_id IS NOT NULL, community_id, id"));
    std::vector<TagDefinition> out;
    for (const auto& row : rows) {
        out.push_back(TagFromRow(row));
    }
    return out;
}

Result<bool> ResidentRepository::TagCodeExists(Conn& conn, std::string_view code) const {
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT 1 FROM tag_definitions WHERE code = $1 LIMIT 1", {code}));
    return !rows.empty();
}

// ---- ledgers (exports) -----------------------------------------------------------------------------

Result<std::unordered_map<int64_t, SealedFields>> ResidentRepository::FindSealedVisibleMany(
    Conn& conn, const Actor& actor, const std::vector<int64_t>& ids) const {
    // Fixed-size chunks (the last one padded with a repeat) so one statement shape per scope is prepared.
    constexpr size_t kChunk = 100;
    std::unordered_map<int64_t, SealedFields> out;
    for (size_t start = 0; start < ids.size(); start += kChunk) {
        std::string sql = "SELECT r.id, r.id_number_enc, r.phone_enc FROM residents r WHERE r.id IN (";
        std::vector<Param> params;
        params.reserve(kChunk + 2 * actor.scope.size());
        for (size_t i = 0; i < kChunk; ++i) {
            sql += (i ? ", " : "") + Bind(params, ids[std::min(start + i, ids.size() - 1)]);
        }
        sql += ")";
        if (!AppendScopeFilter(actor, "r.scope_path", sql, params)) {
            return out;
        }
        LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
        for (const auto& row : rows) {
            out.emplace(row.Int(0), SealedFields{row.Text(1), row.OptText(2)});
        }
    }
    return out;
}

Result<std::vector<LedgerHousehold>> ResidentRepository::LedgerHouseholds(Conn& conn, const Actor& actor,
                                                                          const std::optional<std::string>& under_path,
                                                                          const std::optional<std::string>& after_path,
                                                                          int limit) const {
    // The kind ladder is strict (household › unit › building › grid), so inner joins find every level.
    // COALESCE keeps SQLite's planner off the kind index: walking the path index in order reads one
    // page of rows, where the kind index would join and sort every household for every page.
    std::string sql =
        "SELECT h.id, h.path, h.name, u.name, b.name, g.name, c.name, d.tenure FROM territory_nodes h "
        "JOIN territory_nodes u ON u.id = h.parent_id "
        "JOIN territory_nodes b ON b.id = u.parent_id "
        "JOIN territory_nodes g ON g.id = b.parent_id "
        "LEFT JOIN territory_nodes c ON c.id = h.community_id "
        "LEFT JOIN household_details d ON d.node_id = h.id "
        "WHERE COALESCE(h.kind, '') = 'household'";
    std::vector<Param> params;
    if (under_path) {
        sql += " AND h.path >= " + Bind(params, *under_path);
        sql += " AND h.path < " + Bind(params, SubtreeUpperBound(*under_path));
    }
    if (after_path) {
        sql += " AND h.path > " + Bind(params, *after_path);
    }
    if (!AppendScopeFilter(actor, "h.path", sql, params)) {
        return std::vector<LedgerHousehold>();
    }
    sql += " ORDER BY h.path LIMIT " + Bind(params, limit);
    LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, std::span<const Param>(params)));
    std::vector<LedgerHousehold> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        LedgerHousehold h;
        h.id = row.Int(0);
        h.path = row.Text(1);
        h.room = row.Text(2);
        h.unit_name = row.Text(3);
        h.building_name = row.Text(4);
        h.grid_name = row.Text(5);
        h.community_name = row.IsNull(6) ? std::string() : row.Text(6);
        if (!row.IsNull(7)) {
            h.tenure = ParseOrThrow(kTenures, row.Text(7), "household_details.tenure");
        }
        out.push_back(std::move(h));
    }
    return out;
}

Result<std::vector<LedgerMember>> ResidentRepository::LedgerMembers(Conn& conn, const Actor& actor,
                                                                    std::string_view first_path,
                                                                    std::string_view last_path) const {
    // A resident's scope_path is their household's path, so one range covers a whole page of households.
    std::vector<Param> params;
    std::string range =
        " AND r.scope_path >= " + Bind(params, first_path) + " AND r.scope_path <= " + Bind(params, last_path);
    if (!AppendScopeFilter(actor, "r.scope_path", range, params)) {
        return std::vector<LedgerMember>();
    }
    LINLI_ASSIGN_OR_RETURN(
        auto rows,
        conn.Query("SELECT r.id, r.scope_path, r.name, rs.relation_to_head, r.phone_masked, r.phone_enc, r.birth_date, "
                   "r.hukou FROM residents r "
                   "LEFT JOIN residencies rs ON rs.resident_id = r.id AND rs.moved_out IS NULL WHERE 1 = 1" +
                       range + " ORDER BY r.id",
                   std::span<const Param>(params)));
    std::vector<LedgerMember> out;
    out.reserve(rows.size());
    std::unordered_map<int64_t, size_t> index;
    for (const auto& row : rows) {
        LedgerMember m;
        m.resident_id = row.Int(0);
        m.household_path = row.Text(1);
        m.name = row.Text(2);
        if (!row.IsNull(3)) {
            m.relation = ParseOrThrow(kRelations, row.Text(3), "residencies.relation_to_head");
        }
        m.phone_masked = row.OptText(4);
        m.phone_enc = row.OptText(5);
        m.birth_date = row.Text(6);
        m.hukou = ParseOrThrow(kHukous, row.Text(7), "residents.hukou");
        index.emplace(m.resident_id, out.size());
        out.push_back(std::move(m));
    }
    if (out.empty()) {
        return out;
    }
    LINLI_ASSIGN_OR_RETURN(
        auto tags, conn.Query("SELECT r.id, t.tag FROM resident_tags t JOIN residents r ON r.id = t.resident_id "
                              "WHERE 1 = 1" +
                                  range + " ORDER BY r.id, t.tag",
                              std::span<const Param>(params)));
    for (const auto& row : tags) {
        auto it = index.find(row.Int(0));
        if (it != index.end()) {
            out[it->second].tags.push_back(row.Text(1));
        }
    }
    return out;
}

}  // namespace linli::registry
