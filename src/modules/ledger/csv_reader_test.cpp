#include "modules/ledger/csv_reader.hpp"

#include <gtest/gtest.h>
#include <iconv.h>

#include <string>

#include "modules/ledger/table_writer.hpp"

namespace linli::ledger {
namespace {

// Converts UTF-8 test text to GBK, as Excel in China saves "CSV (逗号分隔)".
std::string ToGbk(const std::string& utf8) {
    iconv_t cd = iconv_open("GBK", "UTF-8");
    EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
    std::string out(utf8.size() * 2 + 4, '\0');
    char* in_ptr = const_cast<char*>(utf8.data());
    size_t in_left = utf8.size();
    char* out_ptr = out.data();
    size_t out_left = out.size();
    EXPECT_NE(iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left), static_cast<size_t>(-1));
    iconv_close(cd);
    out.resize(out.size() - out_left);
    return out;
}

Table MustRead(std::string_view bytes) {
    Result<Table> table = ReadCsv(bytes);
    EXPECT_TRUE(table.has_value()) << (table ? "" : table.error().message);
    return table ? *table : Table{};
}

void ExpectFileError(std::string_view bytes, std::string_view message_part) {
    Result<Table> table = ReadCsv(bytes);
    ASSERT_FALSE(table.has_value());
    EXPECT_EQ(table.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(table.error().field, "file");
    EXPECT_NE(table.error().message.find(message_part), std::string::npos) << table.error().message;
}

TEST(CsvReader, StripsUtf8Bom) {
    Table t = MustRead("\xEF\xBB\xBF姓名,身份证号\r\n张示例,110105198001011238\r\n");
    ASSERT_EQ(t.header.size(), 2u);
    EXPECT_EQ(t.header[0], "姓名");
    ASSERT_EQ(t.rows.size(), 1u);
    EXPECT_EQ(t.rows[0].cells[0], "张示例");
    EXPECT_EQ(t.rows[0].line, 2);
}

TEST(CsvReader, ConvertsGbkToUtf8) {
    std::string gbk = ToGbk("姓名,楼栋,备注\r\n张示例,3号楼,独居老人、低保\r\n");
    ASSERT_FALSE(gbk.empty());
    Table t = MustRead(gbk);
    EXPECT_EQ(t.header[0], "姓名");
    EXPECT_EQ(t.header[1], "楼栋");
    ASSERT_EQ(t.rows.size(), 1u);
    EXPECT_EQ(t.rows[0].cells[0], "张示例");
    EXPECT_EQ(t.rows[0].cells[2], "独居老人、低保");
}

TEST(CsvReader, RejectsBytesInNoKnownEncoding) {
    // 0x80 and 0xFF alone are neither UTF-8 nor GB18030.
    ExpectFileError("name,note\nx,\x80\xFF\x80\n", "unknown file encoding");
}

TEST(CsvReader, RejectsUtf16) {
    ExpectFileError("\xFF\xFEn\0a\0m\0e\0", "UTF-16");
}

TEST(CsvReader, AcceptsMixedLineEndings) {
    Table t = MustRead("a,b\r\n1,2\n3,4\r5,6\r\n7,8");
    ASSERT_EQ(t.rows.size(), 4u);
    EXPECT_EQ(t.rows[0].cells, (std::vector<std::string>{"1", "2"}));
    EXPECT_EQ(t.rows[1].line, 3);
    EXPECT_EQ(t.rows[2].cells, (std::vector<std::string>{"5", "6"}));
    EXPECT_EQ(t.rows[2].line, 4);
    EXPECT_EQ(t.rows[3].cells, (std::vector<std::string>{"7", "8"}));
    EXPECT_EQ(t.rows[3].line, 5);
}

TEST(CsvReader, QuotedNewlinesStayInTheCellAndLinesCountFromTheRecordStart) {
    Table t = MustRead("姓名,备注\r\n张示例,\"第一行\r\n第二行\"\r\n李示例,x\r\n");
    ASSERT_EQ(t.rows.size(), 2u);
    EXPECT_EQ(t.rows[0].cells[1], "第一行\n第二行");
    EXPECT_EQ(t.rows[0].line, 2);
    EXPECT_EQ(t.rows[1].cells[0], "李示例");
    EXPECT_EQ(t.rows[1].line, 4);
}

TEST(CsvReader, UnescapesDoubledQuotesAndKeepsQuotedCommas) {
    Table t = MustRead("a,b,c\n\"He said \"\"hi\"\"\",\"x,y\",\"\"\n");
    ASSERT_EQ(t.rows.size(), 1u);
    EXPECT_EQ(t.rows[0].cells, (std::vector<std::string>{"He said \"hi\"", "x,y", ""}));
}

TEST(CsvReader, UnclosedQuoteNamesTheLine) {
    ExpectFileError("a,b\n1,2\n3,\"oops\n4,5\n", "line 3");
}

TEST(CsvReader, PadsShortRowsAndKeepsExtraCells) {
    Table t = MustRead("a,b,c\n1\n1,2,3,4\n1,2,3,,\n");
    ASSERT_EQ(t.rows.size(), 3u);
    EXPECT_EQ(t.rows[0].cells, (std::vector<std::string>{"1", "", ""}));
    EXPECT_EQ(t.rows[1].cells, (std::vector<std::string>{"1", "2", "3", "4"}));
    // Trailing empty cells past the header are just trailing commas.
    EXPECT_EQ(t.rows[2].cells, (std::vector<std::string>{"1", "2", "3"}));
}

TEST(CsvReader, IgnoresBlankLinesAndTrailingCommasInTheHeader) {
    Table t = MustRead("\n姓名,身份证号,,\n\n张示例,1\n,,,\n\r\n\r\n");
    EXPECT_EQ(t.header, (std::vector<std::string>{"姓名", "身份证号"}));
    ASSERT_EQ(t.rows.size(), 1u);
    EXPECT_EQ(t.rows[0].line, 4);
}

TEST(CsvReader, EmptyFileIsAnError) {
    ExpectFileError("", "file is empty");
    ExpectFileError("\xEF\xBB\xBF", "file is empty");
    ExpectFileError("\r\n\r\n,,\r\n", "file is empty");
}

TEST(CsvReader, HeaderOnlyIsATableWithNoRows) {
    Table t = MustRead("姓名,身份证号\r\n");
    EXPECT_EQ(t.header.size(), 2u);
    EXPECT_TRUE(t.rows.empty());
}

TEST(CsvReader, BinaryFileIsNotACsv) {
    static const char kPng[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0";
    const std::string png(kPng, sizeof kPng - 1);
    ExpectFileError(png, "not a CSV file");
    ExpectFileError(std::string(200, '\x01') + "a,b\n", "not a CSV file");
}

TEST(CsvReader, ParsesTenThousandRows) {
    std::string csv = "姓名,身份证号,联系电话,楼栋,单元,房号,与户主关系,户籍类型,居住类型,备注\r\n";
    for (int i = 0; i < 10000; ++i) {
        csv += "居民" + std::to_string(i) + ",110105198001011238,13800138000,3号楼,2单元," +
               std::to_string(100 + i % 900) + ",户主,户籍,自有,\"备注, " + std::to_string(i) + "\"\r\n";
    }
    Table t = MustRead(csv);
    ASSERT_EQ(t.rows.size(), 10000u);
    EXPECT_EQ(t.rows.back().cells[0], "居民9999");
    EXPECT_EQ(t.rows.back().cells[9], "备注, 9999");
    EXPECT_EQ(t.rows.back().line, 10001);
}

TEST(CsvReader, EnforcesLimits) {
    ReadOptions options;
    options.max_rows = 2;
    Result<Table> rows = ReadCsv("a\n1\n2\n3\n", options);
    ASSERT_FALSE(rows.has_value());
    EXPECT_EQ(rows.error().code, ErrorCode::kPayloadTooLarge);

    options = {};
    options.max_bytes = 4;
    Result<Table> bytes = ReadCsv("a,b\n1,2\n", options);
    ASSERT_FALSE(bytes.has_value());
    EXPECT_EQ(bytes.error().code, ErrorCode::kPayloadTooLarge);
    EXPECT_EQ(bytes.error().field, "file");
}

TEST(CsvWriter, WritesBomCrlfAndQuotes) {
    Table t{{"姓名", "备注"}, {{2, {"张示例", "a,b"}}, {3, {"李示例", "say \"hi\"\nbye"}}, {4, {"王示例"}}}};
    std::string csv = WriteCsv(t);
    EXPECT_EQ(csv, "\xEF\xBB\xBF姓名,备注\r\n张示例,\"a,b\"\r\n李示例,\"say \"\"hi\"\"\nbye\"\r\n王示例,\r\n");
}

TEST(CsvWriter, EscapesFormulasButNotNegativeNumbers) {
    std::vector<std::string> cells = {
        "=SUM(A1:A2)", "+8613800138000", "@cmd", "\tx", "-1+2", "-12", "-3.5", "=HYPERLINK(\"http://x\",\"y\")", "12",
        "a=b"};
    Table t{{}, {{2, cells}}};
    for (size_t i = 0; i < cells.size(); ++i) {
        t.header.push_back("c" + std::to_string(i));
    }
    Table back = MustRead(WriteCsv(t));
    ASSERT_EQ(back.rows.size(), 1u);
    EXPECT_EQ(back.rows[0].cells,
              (std::vector<std::string>{"'=SUM(A1:A2)", "'+8613800138000", "'@cmd", "'\tx", "'-1+2", "-12", "-3.5",
                                        "'=HYPERLINK(\"http://x\",\"y\")", "12", "a=b"}));
}

TEST(CsvWriter, FormulaDetection) {
    EXPECT_TRUE(LooksLikeFormula("\r=1"));
    EXPECT_TRUE(LooksLikeFormula("-"));
    EXPECT_TRUE(LooksLikeFormula("-1e5"));
    EXPECT_TRUE(LooksLikeFormula("-.5"));
    EXPECT_FALSE(LooksLikeFormula("-0.5"));
    EXPECT_FALSE(LooksLikeFormula(""));
    EXPECT_FALSE(LooksLikeFormula("张示例"));
    EXPECT_EQ(EscapeFormula("=1+1"), "'=1+1");
    EXPECT_EQ(EscapeFormula("-12"), "-12");
}

TEST(CsvWriter, RoundTripsOrdinaryText) {
    Table t{{"姓名", "身份证号", "备注"},
            {{2, {"张示例", "11010519900307101X", "多行\n备注, 含逗号"}}, {3, {"李示例", "", "007"}}}};
    Table back = MustRead(WriteCsv(t));
    EXPECT_EQ(back.header, t.header);
    ASSERT_EQ(back.rows.size(), 2u);
    EXPECT_EQ(back.rows[0].cells, t.rows[0].cells);
    EXPECT_EQ(back.rows[1].cells, t.rows[1].cells);
    EXPECT_EQ(back.rows[1].line, 4);  // the quoted line break moved it down one line
}

}  // namespace
}  // namespace linli::ledger
