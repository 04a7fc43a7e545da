#pragma once
/// The small SQL dialect helpers behind "one SQL dialect": repositories write PostgreSQL-style SQL,
/// the SQLite backend rewrites what SQLite spells differently.
///
/// The scanner knows just enough SQL lexing to stay out of string literals ('...' with '' escapes),
/// quoted identifiers ("..." with "" escapes), comments (-- to end of line, /* ... */) and
/// PostgreSQL dollar-quoted bodies ($$...$$, $tag$...$tag$). PostgreSQL's E'...' strings with
/// backslash escapes are not understood (SQLite has no such syntax either: don't write them).
/// Thread safety: pure functions.

#include <string>
#include <string_view>

namespace linli::storage {

/// Rewrites PostgreSQL placeholders `$1..$n` to SQLite's numbered `?1..?n`, keeping the numbers, so
/// a parameter used twice is bound once. Text inside literals, quoted identifiers and comments is
/// copied unchanged, and so is a `$` that continues an identifier (`a$1`).
std::string RewritePlaceholdersForSqlite(std::string_view sql);

/// True when `sql` holds no statement: only white space, comments and semicolons. The SQLite
/// backend uses it to refuse a second statement hidden after the first in one Query() call.
bool IsBlankSql(std::string_view sql);

}  // namespace linli::storage
