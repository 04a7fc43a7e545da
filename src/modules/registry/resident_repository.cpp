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

/// Runs `prefix` + "($1, ..), (..)" + `suffix` over `flat` (rows of `width` parameters): `kBatchRows`
/// rows per statement, then the remainder one row per statement, so that only two statement shapes are
/// ever prepared and cached. Returns every statement's rows, in order.
constexpr size_t kBatchRows = 100;

Result<storage::Rows> InsertRows(Conn& conn, std::string_view prefix, std::string_view suffix, size_t width,
                                 const std::vector<Param>& flat) {
    const auto statement = [&](size_t rows) {
        std::string sql(prefix);
        size_t n = 0;
        for (size_t r = 0; r < rows; ++r) {
            sql += r ? ", (" : "(";
            for (size_t c = 0; c < width; ++c) {
                sql += (c ? ", $" : "$") + std::to_string(++n);
            }
            sql += ")";
        }
        sql += suffix;
        return sql;
    };
    storage::Rows out;
    const size_t total = flat.size() / width;
    size_t done = 0;
    if (total >= kBatchRows) {
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
            LINLI_ASSIGN_OR_RETURN(auto rows, conn.Query(one_sql, std::span<const Param>(flat.data() + done * width, width)));
            for (auto& row : rows) {
                out.push_back(std::move(row));
            }
        }
    }
    return out;
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
    LINLI_TRY(conn.Exec("INSERT INTO building_details (node_id, building_kind, address, floors, unit_count, updated_at) "
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
    LINLI_TRY(conn.Exec("INSERT INTO household_details (node_id, tenure, updated_at) VALUES ($1, $2, $3) "
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
    LINLI_TRY(conn.Exec("UPDATE residents SET phone_enc = $1, phone_hash = $2, phone_masked = $3, updated_at = $4 "
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
    LINLI_TRY(conn.Exec("UPDATE residents SET household_id = $1, scope_path = $2, community_id = $3, updated_at = $4 "
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
    LINLI_TRY(conn.Exec("INSERT INTO residencies (resident_id, household_id, relation_to_head, moved_in, created_at) "
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

Result<std::vector<int64_t>> ResidentRepository::InsertPlaces(Conn& conn, const std::vector<PlaceInsert>& rows,
                                                              int64_t now) const {
    std::vector<int64_t> ids(rows.size(), 0);
    if (rows.empty()) {
        return ids;
    }
    std::vector<Param> flat;
    flat.reserve(rows.size() * 8);
    std::unordered_map<std::string, size_t> index;
    index.reserve(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        flat.emplace_back(r.parent_id);
        flat.emplace_back(NodeKindName(r.kind));
        flat.emplace_back(r.name);
        flat.emplace_back(r.provisional_path);
        flat.emplace_back(r.depth);
        flat.emplace_back(r.community_id);
        flat.emplace_back(now);
        flat.emplace_back(now);
        index.emplace(r.provisional_path, i);
    }
    LINLI_ASSIGN_OR_RETURN(auto returned, InsertRows(conn,
                                                     "INSERT INTO territory_nodes (parent_id, kind, name, path, depth, "
                                                     "community_id, created_at, updated_at) VALUES ",
                                                     " RETURNING id, path", 8, flat));
    int64_t min_id = INT64_MAX, max_id = 0;
    for (const auto& row : returned) {
        auto it = index.find(row.Text(1));
        if (it == index.end()) {
            throw storage::DatabaseError("INSERT ... RETURNING gave back a path it was not given");
        }
        ids[it->second] = row.Int(0);
        min_id = std::min(min_id, row.Int(0));
        max_id = std::max(max_id, row.Int(0));
    }
    // Every provisional path shares the prefix, so [prefix, prefix with '-' → '.') holds exactly ours.
    const std::string& prefix_source = rows.front().provisional_path;
    std::string prefix = prefix_source.substr(0, prefix_source.rfind('-') + 1);
    std::string bound = prefix;
    bound.back() = '.';
    LINLI_TRY(conn.Exec("UPDATE territory_nodes SET path = (SELECT p.path FROM territory_nodes p "
                        "WHERE p.id = territory_nodes.parent_id) || CAST(id AS TEXT) || '/' "
                        "WHERE id >= $1 AND id <= $2 AND path >= $3 AND path < $4",
                        {min_id, max_id, prefix, bound}));
    return ids;
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
    LINLI_TRY(InsertRows(conn, "INSERT INTO household_details (node_id, tenure, updated_at) VALUES ",
                         " ON CONFLICT (node_id) DO UPDATE SET tenure = excluded.tenure, updated_at = excluded.updated_at",
                         3, flat));
    return {};
}

Result<std::vector<int64_t>> ResidentRepository::InsertMany(Conn& conn, const std::vector<ResidentInsert>& rows) const {
    constexpr size_t kWidth = 17;
    std::vector<Param> flat;
    flat.reserve(rows.size() * kWidth);
    std::unordered_map<std::string_view, size_t> index;
    index.reserve(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        for (Param p : {Param(r.name), Param(r.id_enc), Param(r.id_hash), Param(r.last4_hash), Param(r.id_masked),
                        Param(r.phone_enc), Param(r.phone_hash), Param(r.phone_masked), Param(r.birth_date),
                        Param(r.sex), Param(r.hukou), Param(r.household_id), Param(r.scope_path),
                        Param(r.community_id), Param(r.note), Param(r.now), Param(r.now)}) {
            flat.push_back(std::move(p));
        }
        index.emplace(r.id_hash, i);
    }
    LINLI_ASSIGN_OR_RETURN(
        auto returned,
        InsertRows(conn,
                   "INSERT INTO residents (name, id_number_enc, id_number_hash, id_last4_hash, id_number_masked, "
                   "phone_enc, phone_hash, phone_masked, birth_date, sex, hukou, household_id, scope_path, "
                   "community_id, note, created_at, updated_at) VALUES ",
                   " RETURNING id, id_number_hash", kWidth, flat));
    std::vector<int64_t> ids(rows.size(), 0);
    for (const auto& row : returned) {
        auto it = index.find(row.Text(1));
        if (it == index.end()) {
            throw storage::DatabaseError("INSERT ... RETURNING gave back a hash it was not given");
        }
        ids[it->second] = row.Int(0);
    }
    return ids;
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
    LINLI_TRY(InsertRows(conn, "INSERT INTO resident_tags (resident_id, tag, detail, created_at) VALUES ", "", 4, flat));
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

}  // namespace linli::registry
