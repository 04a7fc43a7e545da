#include "storage/database.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "storage/postgres/postgres_database.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace linli::storage {

namespace {

const std::string& Cell(const std::vector<std::optional<std::string>>& cells, size_t i, std::string_view what) {
    const auto& cell = cells.at(i);
    if (!cell) {
        throw DatabaseError("column " + std::to_string(i) + " is NULL, expected " + std::string(what));
    }
    return *cell;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

int64_t Row::Int(size_t i) const {
    const std::string& s = Cell(cells_, i, "an integer");
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size()) {
        return v;
    }
    // An integral value stored in a REAL column ("3.0") still reads as an integer.
    double d = 0;
    auto [dend, dec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (dec == std::errc() && dend == s.data() + s.size() && std::trunc(d) == d && std::abs(d) < 9.2e18) {
        return static_cast<int64_t>(d);
    }
    throw DatabaseError("column " + std::to_string(i) + " is not an integer: '" + s + "'");
}

double Row::Real(size_t i) const {
    const std::string& s = Cell(cells_, i, "a number");
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) {
        throw DatabaseError("column " + std::to_string(i) + " is not a number: '" + s + "'");
    }
    return v;
}

const std::string& Row::Text(size_t i) const {
    static const std::string kEmpty;
    const auto& cell = cells_.at(i);
    return cell ? *cell : kEmpty;
}

std::optional<int64_t> Row::OptInt(size_t i) const {
    if (IsNull(i)) {
        return std::nullopt;
    }
    return Int(i);
}

bool Row::Bool(size_t i) const {
    const std::string& s = Cell(cells_, i, "a boolean");
    if (s == "1" || s == "t" || s == "true") {
        return true;
    }
    if (s == "0" || s == "f" || s == "false") {
        return false;
    }
    throw DatabaseError("column " + std::to_string(i) + " is not a boolean: '" + s + "'");
}

Result<Row> Conn::QueryOne(std::string_view sql, std::initializer_list<Param> params, std::string_view what) {
    LINLI_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
    if (rows.empty()) {
        return NotFound(std::string(what));
    }
    return std::move(rows.front());
}

Result<std::unique_ptr<Database>> Open(const Options& options) {
    const std::string& url = options.url;
    if (StartsWith(url, "sqlite:")) {
        std::string path = url.substr(std::string_view("sqlite:").size());
        if (path.empty()) {
            return InvalidArgument("database.url", "sqlite: URL needs a file path, e.g. sqlite:/var/lib/linli/linli.db");
        }
        LINLI_ASSIGN_OR_RETURN(auto db, SqliteDatabase::Open(options, path));
        return std::unique_ptr<Database>(std::move(db));
    }
    if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://")) {
        LINLI_ASSIGN_OR_RETURN(auto db, PostgresDatabase::Open(options));
        return std::unique_ptr<Database>(std::move(db));
    }
    return InvalidArgument("database.url", "unknown database URL scheme (want sqlite:PATH or postgresql://...)");
}

}  // namespace linli::storage
