#include "storage/sql_rewrite.hpp"

#include <cctype>

namespace linli::storage {
namespace {

bool IsIdentChar(char c) {
    // Bytes >= 0x80 are UTF-8 letters in identifiers for both engines.
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

/// Length of the token starting at `i` that must be copied verbatim (literal, quoted identifier,
/// comment, dollar-quoted body), or 0 when sql[i] starts none of them. Unterminated tokens run to
/// the end: the engine reports the syntax error, we only promise not to touch their text.
size_t OpaqueTokenLength(std::string_view sql, size_t i) {
    const char c = sql[i];
    const size_t n = sql.size();
    if (c == '\'' || c == '"') {
        size_t j = i + 1;
        while (j < n) {
            if (sql[j] == c) {
                if (j + 1 < n && sql[j + 1] == c) {  // doubled quote: an escaped quote, keep going
                    j += 2;
                    continue;
                }
                return j + 1 - i;
            }
            ++j;
        }
        return n - i;
    }
    if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
        size_t end = sql.find('\n', i);
        return (end == std::string_view::npos ? n : end + 1) - i;
    }
    if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
        size_t end = sql.find("*/", i + 2);
        return (end == std::string_view::npos ? n : end + 2) - i;
    }
    if (c == '$' && (i == 0 || !IsIdentChar(sql[i - 1]))) {
        // $tag$ ... $tag$ where tag is empty or an identifier not starting with a digit.
        size_t j = i + 1;
        if (j < n && IsDigit(sql[j])) {
            return 0;  // a placeholder, not a dollar quote
        }
        while (j < n && sql[j] != '$' && IsIdentChar(sql[j])) {
            ++j;
        }
        if (j >= n || sql[j] != '$') {
            return 0;
        }
        std::string_view tag = sql.substr(i, j + 1 - i);
        size_t end = sql.find(tag, j + 1);
        return (end == std::string_view::npos ? n : end + tag.size()) - i;
    }
    return 0;
}

}  // namespace

std::string RewritePlaceholdersForSqlite(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    size_t i = 0;
    while (i < sql.size()) {
        if (size_t len = OpaqueTokenLength(sql, i); len > 0) {
            out.append(sql.substr(i, len));
            i += len;
            continue;
        }
        const char c = sql[i];
        if (IsIdentChar(c) && c != '$') {
            // Copy a whole word, so a '$' inside it (a$1) is never taken for a placeholder.
            size_t j = i;
            while (j < sql.size() && IsIdentChar(sql[j])) {
                ++j;
            }
            out.append(sql.substr(i, j - i));
            i = j;
            continue;
        }
        if (c == '$' && i + 1 < sql.size() && IsDigit(sql[i + 1])) {
            out.push_back('?');
            ++i;
            continue;
        }
        out.push_back(c);
        ++i;
    }
    return out;
}

bool IsBlankSql(std::string_view sql) {
    size_t i = 0;
    while (i < sql.size()) {
        const char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c)) != 0 || c == ';') {
            ++i;
            continue;
        }
        if ((c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') ||
            (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*')) {
            i += OpaqueTokenLength(sql, i);
            continue;
        }
        return false;
    }
    return true;
}

}  // namespace linli::storage
