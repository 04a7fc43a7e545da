#include "storage/sql_rewrite.hpp"

#include <gtest/gtest.h>

namespace linli::storage {
namespace {

TEST(SqlRewrite, NumberedPlaceholdersBecomeSqliteNumberedParameters) {
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT a FROM t WHERE b = $1 AND c = $2"),
              "SELECT a FROM t WHERE b = ?1 AND c = ?2");
    EXPECT_EQ(RewritePlaceholdersForSqlite("INSERT INTO t VALUES($1,$2,$10)"), "INSERT INTO t VALUES(?1,?2,?10)");
}

TEST(SqlRewrite, RepeatedPlaceholderKeepsItsNumber) {
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT $1 WHERE x = $1 OR y = $2"), "SELECT ?1 WHERE x = ?1 OR y = ?2");
}

TEST(SqlRewrite, SqlWithoutPlaceholdersIsUnchanged) {
    const std::string sql = "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL)";
    EXPECT_EQ(RewritePlaceholdersForSqlite(sql), sql);
    EXPECT_EQ(RewritePlaceholdersForSqlite(""), "");
}

TEST(SqlRewrite, StringLiteralsAreUntouched) {
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT '$1', $1"), "SELECT '$1', ?1");
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT 'it''s $2 here', $3"), "SELECT 'it''s $2 here', ?3");
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT '', $1, ''''"), "SELECT '', ?1, ''''");
}

TEST(SqlRewrite, QuotedIdentifiersAreUntouched) {
    EXPECT_EQ(RewritePlaceholdersForSqlite(R"(SELECT "col$1", "a""$2" FROM t WHERE x = $1)"),
              R"(SELECT "col$1", "a""$2" FROM t WHERE x = ?1)");
}

TEST(SqlRewrite, CommentsAreUntouched) {
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT $1 -- not $2\nFROM t WHERE x = $2"),
              "SELECT ?1 -- not $2\nFROM t WHERE x = ?2");
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT /* $1 'quote */ $1"), "SELECT /* $1 'quote */ ?1");
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT $1 -- trailing $2"), "SELECT ?1 -- trailing $2");
}

TEST(SqlRewrite, QuotesInsideCommentsDoNotOpenLiterals) {
    EXPECT_EQ(RewritePlaceholdersForSqlite("-- don't\nSELECT $1"), "-- don't\nSELECT ?1");
    EXPECT_EQ(RewritePlaceholdersForSqlite("/* \" */ SELECT $1"), "/* \" */ SELECT ?1");
}

TEST(SqlRewrite, DollarInsideIdentifierIsNotAPlaceholder) {
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT a$1 FROM t WHERE b = $1"), "SELECT a$1 FROM t WHERE b = ?1");
}

TEST(SqlRewrite, DollarQuotedBodiesAreUntouched) {
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT $$ $1 $$, $1"), "SELECT $$ $1 $$, ?1");
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT $fn$ it's $2 $fn$, $2"), "SELECT $fn$ it's $2 $fn$, ?2");
}

TEST(SqlRewrite, UnterminatedTokensAreCopiedAsIs) {
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT $1, 'open $2"), "SELECT ?1, 'open $2");
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT $1 /* open $2"), "SELECT ?1 /* open $2");
}

TEST(SqlRewrite, Utf8TextPassesThrough) {
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT '邻里 $1', $1 AS 名字"), "SELECT '邻里 $1', ?1 AS 名字");
}

TEST(SqlRewrite, InjectionLookingLiteralStaysOneLiteral) {
    EXPECT_EQ(RewritePlaceholdersForSqlite("SELECT '''); DROP TABLE x; -- $1', $1"),
              "SELECT '''); DROP TABLE x; -- $1', ?1");
}

TEST(IsBlankSql, OnlyWhitespaceCommentsAndSemicolonsAreBlank) {
    EXPECT_TRUE(IsBlankSql(""));
    EXPECT_TRUE(IsBlankSql("  ;\n\t; -- done\n /* also */ "));
    EXPECT_FALSE(IsBlankSql("; SELECT 1"));
    EXPECT_FALSE(IsBlankSql("-- c\nDROP TABLE x"));
}

}  // namespace
}  // namespace linli::storage
