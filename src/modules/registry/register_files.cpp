#include "modules/registry/register_files.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <unordered_map>
#include <utility>

#include "modules/accounts/audit.hpp"
#include "modules/ledger/csv_reader.hpp"
#include "modules/ledger/header_map.hpp"
#include "modules/ledger/table_writer.hpp"
#include "modules/ledger/xlsx_reader.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/resident_service.hpp"

namespace linli::registry {

namespace {

// Columns a residents file must have; the rest are optional (docs/import-format.md).
const std::vector<std::string> kRequired = {"name", "id_number", "building", "unit", "room"};

std::string_view RelationLabel(Relation r) {
    switch (r) {
        case Relation::kHead:
            return "户主";
        case Relation::kSpouse:
            return "配偶";
        case Relation::kChild:
            return "子女";
        case Relation::kParent:
            return "父母";
        case Relation::kGrandparent:
            return "祖父母";
        case Relation::kGrandchild:
            return "孙子女";
        case Relation::kSibling:
            return "兄弟姐妹";
        case Relation::kOther:
            return "其他";
    }
    return "其他";
}

// The words the importer reads back (TenureWords in resident_service.cpp), so a ledger re-imports.
std::string_view TenureLabel(const std::optional<Tenure>& t) {
    if (!t) {
        return "";
    }
    switch (*t) {
        case Tenure::kOwner:
            return "自有";
        case Tenure::kTenant:
            return "租住";
        case Tenure::kPublicRental:
            return "公租房";
        case Tenure::kOther:
            return "其他";
    }
    return "";
}

/// The ImportRow member a header key is read into; nullptr for the informational keys (sex,
/// birth_date and grid: the ID number and the import's target decide them).
std::string ImportRow::*FieldOf(std::string_view key) {
    static const std::unordered_map<std::string_view, std::string ImportRow::*> kFields = {
        {"name", &ImportRow::name},         {"id_number", &ImportRow::id_number}, {"phone", &ImportRow::phone},
        {"building", &ImportRow::building}, {"unit", &ImportRow::unit},           {"room", &ImportRow::room},
        {"relation", &ImportRow::relation}, {"hukou", &ImportRow::hukou},         {"tenure", &ImportRow::tenure},
        {"tags", &ImportRow::tags},         {"note", &ImportRow::note},
    };
    auto it = kFields.find(key);
    return it == kFields.end() ? nullptr : it->second;
}

/// True for the headers ErrorReport appends (matched like any header: spaces, case, width folded).
bool IsErrorColumn(std::string_view header) {
    static const std::vector<std::string> kNormalized = {
        ledger::NormalizeHeader(kErrorLineHeader), ledger::NormalizeHeader(kErrorColumnsHeader),
        ledger::NormalizeHeader(kErrorMessageHeader), ledger::NormalizeHeader(kErrorMessageEnHeader)};
    const std::string folded = ledger::NormalizeHeader(header);
    return std::find(kNormalized.begin(), kNormalized.end(), folded) != kNormalized.end();
}

/// Undoes ledger::EscapeFormula: "'=1+1" → "=1+1", "'+8613812345678" → "+8613812345678". The
/// apostrophe is how our own CSV ledgers and error reports keep a spreadsheet from running a cell;
/// no field of the register starts with one followed by a formula character.
void UnescapeFormula(std::string& cell) {
    if (cell.size() > 1 && cell.front() == '\'' && ledger::LooksLikeFormula(std::string_view(cell).substr(1))) {
        cell.erase(0, 1);
    }
}

std::string ColumnLabel(const std::string& key) {
    return key == "row" ? "整行" : ledger::ChineseHeaderFor(key);
}

/// <0, 0 or >0 as a sorts before, with or after b, comparing runs of ASCII digits as numbers: "2号楼"
/// before "10号楼", and "0301" after "301" (the same number, more leading zeros).
int NaturalCompare(std::string_view a, std::string_view b) {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (digit(a[i]) && digit(b[j])) {
            size_t ie = i, je = j;
            while (ie < a.size() && digit(a[ie])) {
                ++ie;
            }
            while (je < b.size() && digit(b[je])) {
                ++je;
            }
            std::string_view na = a.substr(i, ie - i), nb = b.substr(j, je - j);
            std::string_view ta = na.substr(std::min(na.find_first_not_of('0'), na.size()));
            std::string_view tb = nb.substr(std::min(nb.find_first_not_of('0'), nb.size()));
            if (ta.size() != tb.size()) {
                return ta.size() < tb.size() ? -1 : 1;
            }
            if (int c = ta.compare(tb); c != 0) {
                return c;
            }
            if (na.size() != nb.size()) {
                return na.size() < nb.size() ? -1 : 1;
            }
            i = ie;
            j = je;
            continue;
        }
        if (a[i] != b[j]) {
            return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
        }
        ++i;
        ++j;
    }
    const size_t rest_a = a.size() - i, rest_b = b.size() - j;
    return rest_a == rest_b ? 0 : (rest_a < rest_b ? -1 : 1);
}

const char* FormatName(FileFormat format) {
    return format == FileFormat::kXlsx ? "xlsx" : "csv";
}

/// The audit detail of an export: the count, the format, the filter and the reveal (never the data).
std::string ExportDetail(size_t rows, const ExportOptions& options, std::optional<int64_t> node_id,
                         const std::optional<std::string>& clean_reason) {
    boost::json::object detail{{"rows", rows}, {"format", FormatName(options.format)}};
    detail["node_id"] = node_id ? boost::json::value(*node_id) : boost::json::value(nullptr);
    detail["reveal"] = clean_reason.has_value();
    if (clean_reason) {
        detail["reason"] = *clean_reason;
    }
    return boost::json::serialize(detail);
}

Result<void> AuditExport(storage::Database& db, const Actor& actor, const RequestInfo& info, int64_t now,
                         std::string action, std::string target_type, std::string detail) {
    return db.Write([&](storage::Conn& conn) {
        return accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, std::move(action), std::move(target_type), std::nullopt,
                                      std::move(detail)));
    });
}

}  // namespace

Result<ResidentFile> ReadResidentFile(std::string_view bytes) {
    const bool is_zip = bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4);
    LINLI_ASSIGN_OR_RETURN(auto table, is_zip ? ledger::ReadXlsx(bytes) : ledger::ReadCsv(bytes));
    if (!is_zip) {
        // Our error report escapes a header like any cell ("\t单元" → "'\t单元"): read it back as written.
        for (auto& header : table.header) {
            UnescapeFormula(header);
        }
    }
    LINLI_ASSIGN_OR_RETURN(auto mapping, ledger::MapHeaders(table.header, kRequired));
    if (table.rows.empty()) {
        return InvalidArgument("file", "文件中没有数据行 / the file has no data rows");
    }
    ResidentFile file;
    for (auto& column : mapping.unknown_columns) {
        if (!IsErrorColumn(column)) {
            file.unknown_columns.push_back(std::move(column));
        }
    }
    file.columns.reserve(table.header.size());
    size_t other_columns = 0;
    for (size_t c = 0; c < table.header.size(); ++c) {
        FileColumn column;
        column.header = table.header[c];
        if (c < mapping.key_of_column.size() && mapping.key_of_column[c]) {
            column.field = FieldOf(*mapping.key_of_column[c]);
        } else {
            column.error_column = IsErrorColumn(column.header);
        }
        if (!column.field && !column.error_column) {
            ++other_columns;
        }
        file.columns.push_back(std::move(column));
    }
    file.rows.reserve(table.rows.size());
    file.other_cells.reserve(table.rows.size());
    for (auto& source : table.rows) {
        ImportRow row;
        row.line = source.line;
        std::vector<std::string> others;
        others.reserve(other_columns);
        // Cells past the last header column belong to no column: the importer has nothing to read there.
        for (size_t c = 0; c < file.columns.size(); ++c) {
            const FileColumn& column = file.columns[c];
            if (column.error_column) {
                continue;
            }
            std::string cell = c < source.cells.size() ? std::move(source.cells[c]) : std::string();
            if (!is_zip) {
                UnescapeFormula(cell);  // XLSX cells are strings already: an apostrophe there is typed text
            }
            if (column.field) {
                row.*column.field = std::move(cell);
            } else {
                others.push_back(std::move(cell));
            }
        }
        file.rows.push_back(std::move(row));
        file.other_cells.push_back(std::move(others));
    }
    return file;
}

ledger::Table ErrorReport(const ResidentFile& file, const std::vector<ImportError>& errors) {
    ledger::Table table;
    for (const auto& column : file.columns) {
        if (!column.error_column) {
            table.header.push_back(column.header);
        }
    }
    for (auto h : {kErrorLineHeader, kErrorColumnsHeader, kErrorMessageHeader, kErrorMessageEnHeader}) {
        table.header.emplace_back(h);
    }
    // Errors by line, each line's in the order the importer found them.
    std::map<int, std::vector<const ImportError*>> by_line;
    for (const auto& e : errors) {
        by_line[e.line].push_back(&e);
    }
    int out_line = 1;
    for (const auto& [line, line_errors] : by_line) {
        ledger::Row out;
        out.line = ++out_line;
        out.cells.reserve(table.header.size());
        // Rows are in file order, so their lines ascend.
        auto it = std::lower_bound(file.rows.begin(), file.rows.end(), line,
                                   [](const ImportRow& r, int l) { return r.line < l; });
        const bool found = it != file.rows.end() && it->line == line;
        const auto index = static_cast<size_t>(it - file.rows.begin());
        size_t other = 0;
        for (const auto& column : file.columns) {
            if (column.error_column) {
                continue;
            }
            if (!found) {
                out.cells.emplace_back();
            } else if (column.field) {
                out.cells.push_back((*it).*column.field);
            } else {
                const auto& others = file.other_cells[index];
                out.cells.push_back(other < others.size() ? others[other] : std::string());
                ++other;
            }
        }
        std::vector<std::string> columns;
        std::string zh, en;
        const bool several = line_errors.size() > 1;
        for (const ImportError* e : line_errors) {
            std::string label = ColumnLabel(e->column);
            if (std::find(columns.begin(), columns.end(), label) == columns.end()) {
                columns.push_back(label);
            }
            zh += (zh.empty() ? "" : "；") + (several ? label + "：" : "") + e->message_zh;
            en += (en.empty() ? "" : "; ") + (several ? e->column + ": " : "") + e->message_en;
        }
        std::string column_list;
        for (const auto& c : columns) {
            column_list += (column_list.empty() ? "" : "、") + c;
        }
        out.cells.push_back(std::to_string(line));
        out.cells.push_back(std::move(column_list));
        out.cells.push_back(std::move(zh));
        out.cells.push_back(std::move(en));
        table.rows.push_back(std::move(out));
    }
    return table;
}

Result<std::string> WriteLedger(const ledger::Table& table, FileFormat format, std::string_view sheet_name) {
    if (format == FileFormat::kXlsx) {
        return ledger::WriteXlsx(table, sheet_name);
    }
    return ledger::WriteCsv(table);
}

Result<std::string> ExportResidents(ResidentService& service, storage::Database& db, const Actor& actor,
                                    ResidentQuery query, const ExportOptions& options, const RequestInfo& info,
                                    int64_t now) {
    std::optional<std::string> reason;
    if (options.reveal_reason) {
        LINLI_ASSIGN_OR_RETURN(reason, service.CheckRevealReason(actor, *options.reveal_reason));
    }
    std::map<std::string, std::string> tag_names;
    LINLI_ASSIGN_OR_RETURN(auto definitions, service.ListTags(actor));
    for (const auto& d : definitions) {
        tag_names[d.code] = d.name;
    }
    ledger::Table table;
    table.header = {"姓名",     "身份证号", "联系电话", "性别", "出生日期",   "年龄",
                    "户籍类型", "楼栋",     "单元",     "房号", "与户主关系", "标签"};
    query.limit = kMaxPageSize;
    query.cursor.reset();
    int line = 1;
    for (;;) {
        LINLI_ASSIGN_OR_RETURN(auto page, service.ListResidents(actor, query));
        std::unordered_map<int64_t, RevealedFields> revealed;
        if (reason) {
            std::vector<int64_t> ids;
            ids.reserve(page.items.size());
            for (const auto& r : page.items) {
                ids.push_back(r.id);
            }
            LINLI_ASSIGN_OR_RETURN(revealed, service.RevealForExport(actor, ids, *reason));
        }
        for (const auto& r : page.items) {
            std::string tags;
            for (const auto& t : r.tags) {
                auto name = tag_names.find(t.tag);
                tags += (tags.empty() ? "" : "；") + (name != tag_names.end() ? name->second : t.tag);
                if (t.detail) {
                    tags += "(" + *t.detail + ")";
                }
            }
            std::string id_number = r.id_number_masked;
            std::string phone = r.phone_masked.value_or("");
            if (auto full = revealed.find(r.id); full != revealed.end()) {
                id_number = full->second.id_number;
                phone = full->second.phone.value_or("");
            }
            table.rows.push_back({++line,
                                  {r.name, std::move(id_number), std::move(phone), r.sex == Sex::kMale ? "男" : "女",
                                   r.birth_date, std::to_string(r.age), r.hukou == Hukou::kRegistered ? "户籍" : "流动",
                                   r.household ? r.household->building_name : "",
                                   r.household ? r.household->unit_name : "", r.household ? r.household->name : "",
                                   r.household ? std::string(RelationLabel(r.household->relation)) : "", tags}});
        }
        if (!page.next_cursor) {
            break;
        }
        query.cursor = page.next_cursor;
    }
    LINLI_ASSIGN_OR_RETURN(auto bytes, WriteLedger(table, options.format, "居民台账"));
    // Every export is audited: who took which ledger, filtered how, how many rows, whether in full
    // and why (never the data). No audit row, no file.
    LINLI_TRY(AuditExport(db, actor, info, now, "export.residents", "resident",
                          ExportDetail(table.rows.size(), options, query.under_node_id, reason)));
    return bytes;
}

Result<std::string> ExportHouseholds(ResidentService& residents, AssignmentService& assignments, storage::Database& db,
                                     const Actor& actor, std::optional<int64_t> under_node_id,
                                     const ExportOptions& options, const RequestInfo& info, int64_t now) {
    std::optional<std::string> reason;
    if (options.reveal_reason) {
        LINLI_ASSIGN_OR_RETURN(reason, residents.CheckRevealReason(actor, *options.reveal_reason));
    }
    HouseholdLedgerQuery query;
    query.under_node_id = under_node_id;
    query.reveal_reason = reason;
    // The first page checks role, node and reveal before anything else is read.
    LINLI_ASSIGN_OR_RETURN(auto page, residents.ListHouseholdLedger(actor, query));

    // Tags in the order the register lists them, by their Chinese names.
    std::unordered_map<std::string, std::pair<size_t, std::string>> tag_names;
    LINLI_ASSIGN_OR_RETURN(auto definitions, residents.ListTags(actor));
    for (size_t i = 0; i < definitions.size(); ++i) {
        tag_names.emplace(definitions[i].code, std::make_pair(i, definitions[i].name));
    }
    // Active link leaders of the households in scope, by household.
    std::unordered_map<int64_t, std::string> leaders;
    AssignmentQuery leader_query;
    leader_query.node_id = under_node_id;
    leader_query.role = CareRole::kLinkLeader;
    leader_query.limit = kMaxPageSize;
    for (;;) {
        LINLI_ASSIGN_OR_RETURN(auto assigned, assignments.List(actor, leader_query));
        for (const auto& a : assigned.items) {
            std::string& names = leaders[a.node_id];
            names += (names.empty() ? "" : "、") + (a.display_name.empty() ? a.username : a.display_name);
        }
        if (!assigned.next_cursor || assigned.items.empty()) {
            break;
        }
        leader_query.after_id = assigned.items.back().id;
    }

    ledger::Table table;
    table.header = {"社区", "网格",         "楼栋",     "单元",   "房号", "住房性质",
                    "户主", "户主联系电话", "在住人数", "联户长", "标签"};
    for (;;) {
        for (auto& h : page.items) {
            std::vector<std::pair<size_t, std::string>> named;
            for (const auto& code : h.tags) {
                auto it = tag_names.find(code);
                named.push_back(it != tag_names.end() ? it->second : std::make_pair(definitions.size(), code));
            }
            std::sort(named.begin(), named.end());
            std::string tags;
            for (const auto& [order, name] : named) {
                tags += (tags.empty() ? "" : "；") + name;
            }
            auto leader = leaders.find(h.id);
            table.rows.push_back({0,
                                  {std::move(h.community_name), std::move(h.grid_name), std::move(h.building_name),
                                   std::move(h.unit_name), std::move(h.room), std::string(TenureLabel(h.tenure)),
                                   h.head_name.value_or(""), h.head_phone.value_or(""), std::to_string(h.members),
                                   leader != leaders.end() ? leader->second : "", std::move(tags)}});
        }
        if (!page.next_cursor) {
            break;
        }
        query.cursor = std::move(page.next_cursor);
        LINLI_ASSIGN_OR_RETURN(page, residents.ListHouseholdLedger(actor, query));
    }
    // People read a ledger by place: community, grid, building, unit, room (2号楼 before 10号楼).
    std::stable_sort(table.rows.begin(), table.rows.end(), [](const ledger::Row& a, const ledger::Row& b) {
        for (size_t c = 0; c < 5; ++c) {
            if (int order = NaturalCompare(a.cells[c], b.cells[c]); order != 0) {
                return order < 0;
            }
        }
        return false;
    });
    for (size_t i = 0; i < table.rows.size(); ++i) {
        table.rows[i].line = static_cast<int>(i) + 2;
    }
    LINLI_ASSIGN_OR_RETURN(auto bytes, WriteLedger(table, options.format, "户台账"));
    LINLI_TRY(AuditExport(db, actor, info, now, "export.households", "household",
                          ExportDetail(table.rows.size(), options, under_node_id, reason)));
    return bytes;
}

}  // namespace linli::registry
