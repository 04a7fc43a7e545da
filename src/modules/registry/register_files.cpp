#include "modules/registry/register_files.hpp"

#include <map>

#include "modules/accounts/audit.hpp"
#include "modules/ledger/csv_reader.hpp"
#include "modules/ledger/header_map.hpp"
#include "modules/ledger/table_writer.hpp"
#include "modules/ledger/xlsx_reader.hpp"
#include "modules/registry/resident_service.hpp"

namespace linli::registry {

namespace {

// Columns a residents file must have; the rest are optional (docs/import-format.md).
const std::vector<std::string> kRequired = {"name", "id_number", "building", "unit", "room"};

std::string_view RelationLabel(Relation r) {
    switch (r) {
        case Relation::kHead: return "户主";
        case Relation::kSpouse: return "配偶";
        case Relation::kChild: return "子女";
        case Relation::kParent: return "父母";
        case Relation::kGrandparent: return "祖父母";
        case Relation::kGrandchild: return "孙子女";
        case Relation::kSibling: return "兄弟姐妹";
        case Relation::kOther: return "其他";
    }
    return "其他";
}

}  // namespace

Result<ResidentFile> ReadResidentFile(std::string_view bytes) {
    const bool is_zip = bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4);
    LINLI_ASSIGN_OR_RETURN(auto table, is_zip ? ledger::ReadXlsx(bytes) : ledger::ReadCsv(bytes));
    LINLI_ASSIGN_OR_RETURN(auto mapping, ledger::MapHeaders(table.header, kRequired));
    if (table.rows.empty()) {
        return InvalidArgument("file", "文件中没有数据行 / the file has no data rows");
    }
    ResidentFile file;
    file.unknown_columns = mapping.unknown_columns;
    file.rows.reserve(table.rows.size());
    for (auto& source : table.rows) {
        ImportRow row;
        row.line = source.line;
        for (size_t c = 0; c < source.cells.size() && c < mapping.key_of_column.size(); ++c) {
            const auto& key = mapping.key_of_column[c];
            if (!key) {
                continue;
            }
            std::string& cell = source.cells[c];
            if (*key == "name") {
                row.name = std::move(cell);
            } else if (*key == "id_number") {
                row.id_number = std::move(cell);
            } else if (*key == "phone") {
                row.phone = std::move(cell);
            } else if (*key == "building") {
                row.building = std::move(cell);
            } else if (*key == "unit") {
                row.unit = std::move(cell);
            } else if (*key == "room") {
                row.room = std::move(cell);
            } else if (*key == "relation") {
                row.relation = std::move(cell);
            } else if (*key == "hukou") {
                row.hukou = std::move(cell);
            } else if (*key == "tenure") {
                row.tenure = std::move(cell);
            } else if (*key == "tags") {
                row.tags = std::move(cell);
            } else if (*key == "note") {
                row.note = std::move(cell);
            }
            // sex, birth_date and grid are informational: the ID number and the target decide them.
        }
        file.rows.push_back(std::move(row));
    }
    return file;
}

ledger::Table ErrorReport(const std::vector<ImportError>& errors) {
    ledger::Table table;
    table.header = {"行号", "列", "错误说明", "error"};
    int line = 1;
    for (const auto& e : errors) {
        std::string column = e.column == "row" ? "整行" : ledger::ChineseHeaderFor(e.column);
        table.rows.push_back({++line, {std::to_string(e.line), column, e.message_zh, e.message_en}});
    }
    return table;
}

Result<std::string> ExportResidents(ResidentService& service, storage::Database& db, const Actor& actor,
                                    ResidentQuery query, FileFormat format, const RequestInfo& info, int64_t now) {
    std::map<std::string, std::string> tag_names;
    LINLI_ASSIGN_OR_RETURN(auto definitions, service.ListTags(actor));
    for (const auto& d : definitions) {
        tag_names[d.code] = d.name;
    }
    ledger::Table table;
    table.header = {"姓名", "身份证号", "联系电话", "性别", "出生日期", "年龄", "户籍类型",
                    "楼栋", "单元", "房号", "与户主关系", "标签"};
    query.limit = kMaxPageSize;
    query.cursor.reset();
    int line = 1;
    for (;;) {
        LINLI_ASSIGN_OR_RETURN(auto page, service.ListResidents(actor, query));
        for (const auto& r : page.items) {
            std::string tags;
            for (const auto& t : r.tags) {
                auto name = tag_names.find(t.tag);
                tags += (tags.empty() ? "" : "；") + (name != tag_names.end() ? name->second : t.tag);
                if (t.detail) {
                    tags += "(" + *t.detail + ")";
                }
            }
            table.rows.push_back(
                {++line,
                 {r.name, r.id_number_masked, r.phone_masked.value_or(""), r.sex == Sex::kMale ? "男" : "女",
                  r.birth_date, std::to_string(r.age), r.hukou == Hukou::kRegistered ? "户籍" : "流动",
                  r.household ? r.household->building_name : "", r.household ? r.household->unit_name : "",
                  r.household ? r.household->name : "",
                  r.household ? std::string(RelationLabel(r.household->relation)) : "", tags}});
        }
        if (!page.next_cursor) {
            break;
        }
        query.cursor = page.next_cursor;
    }
    std::string bytes;
    if (format == FileFormat::kXlsx) {
        LINLI_ASSIGN_OR_RETURN(bytes, ledger::WriteXlsx(table, "居民台账"));
    } else {
        bytes = ledger::WriteCsv(table);
    }
    // Every export is audited: who took which ledger, filtered how, how many rows (never the data).
    const std::string detail = "{\"rows\":" + std::to_string(table.rows.size()) + ",\"format\":\"" +
                               (format == FileFormat::kXlsx ? "xlsx" : "csv") + "\",\"node_id\":" +
                               (query.under_node_id ? std::to_string(*query.under_node_id) : "null") + "}";
    LINLI_TRY(db.Write([&](storage::Conn& conn) {
        return accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "export.residents", "resident", std::nullopt, detail));
    }));
    return bytes;
}

}  // namespace linli::registry
