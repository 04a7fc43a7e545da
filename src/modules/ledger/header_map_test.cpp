#include "modules/ledger/header_map.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "modules/ledger/csv_reader.hpp"

namespace linli::ledger {
namespace {

TEST(HeaderMap, AcceptsChineseAliases) {
    EXPECT_EQ(KeyForHeader("姓名"), "name");
    EXPECT_EQ(KeyForHeader("身份证号"), "id_number");
    EXPECT_EQ(KeyForHeader("身份证号码"), "id_number");
    EXPECT_EQ(KeyForHeader("公民身份号码"), "id_number");
    EXPECT_EQ(KeyForHeader("联系电话"), "phone");
    EXPECT_EQ(KeyForHeader("手机"), "phone");
    EXPECT_EQ(KeyForHeader("手机号"), "phone");
    EXPECT_EQ(KeyForHeader("电话"), "phone");
    EXPECT_EQ(KeyForHeader("性别"), "sex");
    EXPECT_EQ(KeyForHeader("出生日期"), "birth_date");
    EXPECT_EQ(KeyForHeader("楼号"), "building");
    EXPECT_EQ(KeyForHeader("楼栋号"), "building");
    EXPECT_EQ(KeyForHeader("单元号"), "unit");
    EXPECT_EQ(KeyForHeader("门牌号"), "room");
    EXPECT_EQ(KeyForHeader("房间号"), "room");
    EXPECT_EQ(KeyForHeader("关系"), "relation");
    EXPECT_EQ(KeyForHeader("户籍"), "hukou");
    EXPECT_EQ(KeyForHeader("人口类型"), "hukou");
    EXPECT_EQ(KeyForHeader("产权类型"), "tenure");
    EXPECT_EQ(KeyForHeader("租住类型"), "tenure");
    EXPECT_EQ(KeyForHeader("特殊人群"), "tags");
    EXPECT_EQ(KeyForHeader("人员类别"), "tags");
    EXPECT_EQ(KeyForHeader("网格"), "grid");
    EXPECT_EQ(KeyForHeader("备注"), "note");
    EXPECT_EQ(KeyForHeader("民族"), std::nullopt);
}

TEST(HeaderMap, AcceptsEnglishKeysInAnyCaseAndSpacing) {
    EXPECT_EQ(KeyForHeader("id_number"), "id_number");
    EXPECT_EQ(KeyForHeader("ID Number"), "id_number");
    EXPECT_EQ(KeyForHeader(" Phone "), "phone");
    EXPECT_EQ(KeyForHeader("BIRTH_DATE"), "birth_date");
    EXPECT_EQ(KeyForHeader("Tags"), "tags");
}

TEST(HeaderMap, FoldsFullWidthSpacesAndNotes) {
    EXPECT_EQ(KeyForHeader("　姓　名　"), "name");               // ideographic spaces
    EXPECT_EQ(KeyForHeader("ＩＤ＿ＮＵＭＢＥＲ"), "id_number");  // full-width letters and underscore
    EXPECT_EQ(KeyForHeader("身份证号（必填）"), "id_number");    // full-width parentheses, a note
    EXPECT_EQ(KeyForHeader("*姓名"), "name");                    // required-column marker
    EXPECT_EQ(KeyForHeader("联系电话【选填】"), "phone");
    EXPECT_EQ(NormalizeHeader("Ａ Ｂ：c"), "abc");
}

TEST(HeaderMap, MapsAHeaderRowAndReportsUnknownColumns) {
    Result<HeaderMapping> m = MapHeaders({"序号", "姓名", "身份证号码", "民族", "", "手机号"}, {"name", "id_number"});
    ASSERT_TRUE(m.has_value()) << m.error().message;
    ASSERT_EQ(m->key_of_column.size(), 6u);
    EXPECT_EQ(m->key_of_column[0], std::nullopt);
    EXPECT_EQ(m->key_of_column[1], "name");
    EXPECT_EQ(m->key_of_column[2], "id_number");
    EXPECT_EQ(m->key_of_column[4], std::nullopt);
    EXPECT_EQ(m->key_of_column[5], "phone");
    EXPECT_EQ(m->unknown_columns, (std::vector<std::string>{"序号", "民族"}));
}

TEST(HeaderMap, MissingRequiredColumnsAreNamedInChinese) {
    Result<HeaderMapping> one = MapHeaders({"姓名", "电话"}, {"name", "id_number"});
    ASSERT_FALSE(one.has_value());
    EXPECT_EQ(one.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(one.error().field, "file");
    EXPECT_EQ(one.error().message, "缺少列：身份证号 / missing column: 身份证号");

    Result<HeaderMapping> two = MapHeaders({"电话"}, {"name", "id_number"});
    ASSERT_FALSE(two.has_value());
    EXPECT_EQ(two.error().message, "缺少列：姓名、身份证号 / missing column: 姓名, 身份证号");
}

TEST(HeaderMap, DuplicateColumnsAreAnError) {
    Result<HeaderMapping> m = MapHeaders({"姓名", "身份证号", "公民身份号码"}, {"name"});
    ASSERT_FALSE(m.has_value());
    EXPECT_EQ(m.error().field, "file");
    EXPECT_NE(m.error().message.find("duplicate column: 身份证号 (columns 2 and 3)"), std::string::npos)
        << m.error().message;
}

TEST(HeaderMap, ExportHeadersMapBackToTheirKeys) {
    for (const std::string& key : KnownKeys()) {
        EXPECT_EQ(KeyForHeader(ChineseHeaderFor(key)), key);
        EXPECT_EQ(KeyForHeader(key), key);
    }
    EXPECT_EQ(ChineseHeaderFor("id_number"), "身份证号");
    EXPECT_EQ(ChineseHeaderFor("phone"), "联系电话");
    EXPECT_EQ(ChineseHeaderFor("no_such_key"), "no_such_key");
}

// The template shipped in docs/ must import: every column known, ID check digits right.
TEST(HeaderMap, ImportTemplateIsValid) {
    std::filesystem::path path =
        std::filesystem::path(__FILE__).parent_path() / "../../../docs/templates/residents-import.csv";
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path;
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_TRUE(bytes.starts_with("\xEF\xBB\xBF"));
    Result<Table> table = ReadCsv(bytes);
    ASSERT_TRUE(table.has_value()) << table.error().message;
    Result<HeaderMapping> m = MapHeaders(table->header, {"name", "id_number"});
    ASSERT_TRUE(m.has_value()) << m.error().message;
    EXPECT_TRUE(m->unknown_columns.empty());
    ASSERT_EQ(table->rows.size(), 2u);
    size_t id_column = 0;
    for (size_t i = 0; i < m->key_of_column.size(); ++i) {
        if (m->key_of_column[i] == "id_number") {
            id_column = i;
        }
    }
    for (const Row& row : table->rows) {
        const std::string& id = row.cells[id_column];
        ASSERT_EQ(id.size(), 18u);
        static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
        int sum = 0;
        for (int i = 0; i < 17; ++i) {
            sum += (id[static_cast<size_t>(i)] - '0') * kWeights[i];
        }
        EXPECT_EQ(id[17], "10X98765432"[sum % 11]) << id;
    }
}

}  // namespace
}  // namespace linli::ledger
