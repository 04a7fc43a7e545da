#include <gtest/gtest.h>
#include <zip.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "modules/ledger/table_writer.hpp"
#include "modules/ledger/xlsx_reader.hpp"

namespace linli::ledger {
namespace {

// Builds a zip in memory from name → content.
std::string MakeZip(const std::map<std::string, std::string>& entries) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
    zip_source_keep(buffer);
    zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
    EXPECT_NE(archive, nullptr);
    for (const auto& [name, content] : entries) {
        zip_source_t* data = zip_source_buffer(archive, content.data(), content.size(), 0);
        EXPECT_GE(zip_file_add(archive, name.c_str(), data, ZIP_FL_ENC_UTF_8), 0);
    }
    EXPECT_EQ(zip_close(archive), 0);
    std::string bytes;
    EXPECT_EQ(zip_source_open(buffer), 0);
    zip_source_seek(buffer, 0, SEEK_END);
    bytes.resize(static_cast<size_t>(zip_source_tell(buffer)));
    zip_source_seek(buffer, 0, SEEK_SET);
    EXPECT_EQ(zip_source_read(buffer, bytes.data(), bytes.size()), static_cast<zip_int64_t>(bytes.size()));
    zip_source_close(buffer);
    zip_source_free(buffer);
    zip_error_fini(&error);
    return bytes;
}

const std::string kWorkbook = R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
          xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
  <sheets>
    <sheet name="说明" sheetId="1" state="hidden" r:id="rId1"/>
    <sheet name="居民" sheetId="2" r:id="rId2"/>
  </sheets>
</workbook>)";

const std::string kRels = R"(<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
  <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/residents.xml"/>
</Relationships>)";

const std::string kSharedStrings = R"(<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">
  <si><t>姓名</t></si>
  <si><t>身份证号</t></si>
  <si><r><rPr><b/></rPr><t>张</t></r><r><t xml:space="preserve">示例 </t></r><rPh sb="0" eb="1"><t>ZHANG</t></rPh></si>
  <si><t>备注</t></si>
</sst>)";

std::string Sheet(const std::string& rows) {
    return R"(<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)" +
           rows + "</sheetData></worksheet>";
}

std::string HandMadeXlsx(const std::string& rows) {
    return MakeZip(
        {{"[Content_Types].xml", "<Types/>"},
         {"xl/workbook.xml", kWorkbook},
         {"xl/_rels/workbook.xml.rels", kRels},
         {"xl/sharedStrings.xml", kSharedStrings},
         {"xl/worksheets/sheet1.xml", Sheet(R"(<row r="1"><c r="A1" t="inlineStr"><is><t>hidden</t></is></c></row>)")},
         {"xl/worksheets/residents.xml", Sheet(rows)}});
}

void ExpectNotXlsx(const Result<Table>& table) {
    ASSERT_FALSE(table.has_value());
    EXPECT_EQ(table.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(table.error().field, "file");
    EXPECT_EQ(table.error().message, "不是有效的 XLSX 文件 / not a valid XLSX file");
}

TEST(Xlsx, WrittenTableReadsBackUnchanged) {
    Table table{{"姓名", "身份证号", "单元", "房号", "备注"},
                {{2, {"张示例", "11010519900307101X", "", "0301", "独居老人；低保"}},
                 {3, {"李示例", "110105198203151247", "2单元", "", "=1+1"}},
                 {4, {"王示例", "", "", "", "第一行\n第二行"}},
                 {5, {"赵示例", "007", "-12", "1.10105194912E+17", ""}}}};
    Result<std::string> bytes = WriteXlsx(table, "居民台账");
    ASSERT_TRUE(bytes.has_value()) << bytes.error().message;
    EXPECT_TRUE(bytes->starts_with("PK"));

    Result<Table> back = ReadXlsx(*bytes);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back->header, table.header);
    ASSERT_EQ(back->rows.size(), table.rows.size());
    for (size_t i = 0; i < table.rows.size(); ++i) {
        EXPECT_EQ(back->rows[i].cells, table.rows[i].cells) << "row " << i;
        EXPECT_EQ(back->rows[i].line, static_cast<int>(i) + 2);
    }
}

TEST(Xlsx, WritesAnEmptyTableAndManyRows) {
    Table table{{"姓名", "身份证号"}, {}};
    for (int i = 0; i < 3000; ++i) {
        table.rows.push_back({i + 2, {"居民" + std::to_string(i), "110105198001011238"}});
    }
    Result<std::string> bytes = WriteXlsx(table, "Sheet1");
    ASSERT_TRUE(bytes.has_value());
    Result<Table> back = ReadXlsx(*bytes);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    ASSERT_EQ(back->rows.size(), 3000u);
    EXPECT_EQ(back->rows.back().cells[0], "居民2999");
    EXPECT_EQ(back->rows.back().line, 3001);
}

TEST(Xlsx, RejectsABadSheetName) {
    Result<std::string> bytes = WriteXlsx(Table{{"a"}, {}}, "bad/name");
    ASSERT_FALSE(bytes.has_value());
    EXPECT_EQ(bytes.error().field, "sheet_name");
}

TEST(Xlsx, ReadsSharedStringsGapsAndTypes) {
    Result<Table> table = ReadXlsx(HandMadeXlsx(R"(
        <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="s"><v>3</v></c><c r="F1"/></row>
        <row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>1.10105194912E+17</v></c><c r="C2" t="b"><v>1</v></c><c r="D2" t="str"><f>A1</f><v>姓名</v></c></row>
        <row r="3"></row>
        <row r="5" spans="1:4"><c t="inlineStr"><is><t>李示例</t></is></c><c><v>42</v></c><c r="E5" t="e"><v>#N/A</v></c></row>)"));
    ASSERT_TRUE(table.has_value()) << table.error().message;
    EXPECT_EQ(table->header, (std::vector<std::string>{"姓名", "身份证号", "", "备注"}));
    ASSERT_EQ(table->rows.size(), 2u);
    // Rich-text runs joined, the phonetic guide dropped; numbers exactly as stored.
    EXPECT_EQ(table->rows[0].cells, (std::vector<std::string>{"张示例 ", "1.10105194912E+17", "TRUE", "姓名"}));
    EXPECT_EQ(table->rows[0].line, 2);
    // Cells without a reference follow the previous one; a value past the header is kept.
    EXPECT_EQ(table->rows[1].cells, (std::vector<std::string>{"李示例", "42", "", "", "#N/A"}));
    EXPECT_EQ(table->rows[1].line, 5);
}

TEST(Xlsx, NotAZipIsRejected) {
    ExpectNotXlsx(ReadXlsx("姓名,身份证号\r\n张示例,110105198001011238\r\n"));
    ExpectNotXlsx(ReadXlsx("PK\x03\x04 truncated"));
}

TEST(Xlsx, ZipWithoutWorkbookIsRejected) {
    ExpectNotXlsx(ReadXlsx(MakeZip({{"word/document.xml", "<document/>"}})));
}

TEST(Xlsx, BrokenPartsAreRejected) {
    // A shared-string index past the table.
    ExpectNotXlsx(ReadXlsx(HandMadeXlsx(R"(<row r="1"><c r="A1" t="s"><v>99</v></c></row>)")));
    // Malformed XML.
    ExpectNotXlsx(ReadXlsx(HandMadeXlsx(R"(<row r="1"><c r="A1"><v>1</c></row>)")));
    // A DOCTYPE (entity expansion tricks) is never part of OOXML.
    std::string doctype =
        R"(<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet><sheetData/></worksheet>)";
    ExpectNotXlsx(ReadXlsx(MakeZip({{"xl/workbook.xml", kWorkbook},
                                    {"xl/_rels/workbook.xml.rels", kRels},
                                    {"xl/worksheets/residents.xml", doctype}})));
}

TEST(Xlsx, EmptySheetIsAnEmptyFile) {
    Result<Table> table = ReadXlsx(HandMadeXlsx(""));
    ASSERT_FALSE(table.has_value());
    EXPECT_EQ(table.error().field, "file");
    EXPECT_NE(table.error().message.find("file is empty"), std::string::npos);
}

TEST(Xlsx, CapsUncompressedSize) {
    // 4 MiB of white space compresses to a few KiB: a small zip bomb.
    std::string bomb = Sheet(std::string(4 * 1024 * 1024, ' '));
    ReadOptions options;
    options.max_uncompressed_bytes = 1024 * 1024;
    Result<Table> table = ReadXlsx(MakeZip({{"xl/workbook.xml", kWorkbook},
                                            {"xl/_rels/workbook.xml.rels", kRels},
                                            {"xl/worksheets/residents.xml", bomb}}),
                                   options);
    ASSERT_FALSE(table.has_value());
    EXPECT_EQ(table.error().code, ErrorCode::kPayloadTooLarge);
    EXPECT_EQ(table.error().field, "file");
}

TEST(Xlsx, CapsRows) {
    ReadOptions options;
    options.max_rows = 1;
    Result<Table> table =
        ReadXlsx(HandMadeXlsx(R"(<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>
                        <row r="3"><c r="A3"><v>2</v></c></row>)"),
                 options);
    ASSERT_FALSE(table.has_value());
    EXPECT_EQ(table.error().code, ErrorCode::kPayloadTooLarge);
}

TEST(Xlsx, OldXlsFilesGetAHint) {
    Result<Table> table = ReadXlsx(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(512, '\0'));
    ASSERT_FALSE(table.has_value());
    EXPECT_NE(table.error().message.find(".xls"), std::string::npos);
}

}  // namespace
}  // namespace linli::ledger
