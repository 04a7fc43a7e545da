#pragma once
/// The one storage interface every repository talks to. Backends: sqlite/ (default) and postgres/.
///
/// SQL is written once, PostgreSQL-style, with $1..$n placeholders; the SQLite backend rewrites
/// them (see sql_rewrite.hpp). Instants are BIGINT epoch seconds, enums TEXT, ids BIGINT.
///
/// Threading: Read() and Write() block the calling thread until done. Call them from the
/// storage/work pool (where route handlers run), never from an I/O thread.

#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace linli::metrics {
class Registry;
}

namespace linli::storage {

enum class Dialect { kSqlite, kPostgres };

/// A bound parameter: NULL, integer, real or text (text also carries blobs as bytes).
struct Param {
    std::variant<std::nullptr_t, int64_t, double, std::string> value;

    Param(std::nullptr_t) : value(nullptr) {}
    Param(bool b) : value(static_cast<int64_t>(b ? 1 : 0)) {}
    Param(int v) : value(static_cast<int64_t>(v)) {}
    Param(long v) : value(static_cast<int64_t>(v)) {}
    Param(long long v) : value(static_cast<int64_t>(v)) {}
    Param(double v) : value(v) {}
    Param(std::string v) : value(std::move(v)) {}
    Param(std::string_view v) : value(std::string(v)) {}
    Param(const char* v) : value(std::string(v)) {}
    template <class T>
    Param(const std::optional<T>& v) : value(nullptr) {
        if (v) {
            value = Param(*v).value;
        }
    }
};

/// One result row; columns by index, values as text internally.
/// Integers: Int(); nullable columns: OptInt()/OptText().
class Row {
public:
    Row() = default;
    explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}

    size_t size() const { return cells_.size(); }
    bool IsNull(size_t i) const { return !cells_.at(i).has_value(); }
    /// REQUIRES: the column is not NULL and holds an integer.
    int64_t Int(size_t i) const;
    double Real(size_t i) const;
    /// NULL reads as "".
    const std::string& Text(size_t i) const;
    std::optional<int64_t> OptInt(size_t i) const;
    std::optional<std::string> OptText(size_t i) const { return cells_.at(i); }
    /// SQLite answers 0/1, PostgreSQL t/f: both read as bool.
    bool Bool(size_t i) const;

private:
    std::vector<std::optional<std::string>> cells_;
};

using Rows = std::vector<Row>;

/// Thrown for failures that are not the caller's fault: SQL syntax, lost connection, disk full.
/// Expected failures (constraint violations) come back as Result errors instead.
class DatabaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A connection inside a read or a write transaction. Not thread-safe; lives for one call.
class Conn {
public:
    virtual ~Conn() = default;
    virtual Dialect dialect() const = 0;

    /// Runs one statement and returns its rows (if any). A unique, foreign-key, check or
    /// not-null violation returns ErrorCode::kConflict (unique) or kInvalidArgument (the rest)
    /// naming the constraint; anything else throws DatabaseError.
    virtual Result<Rows> Query(std::string_view sql, std::span<const Param> params) = 0;
    /// Like Query, returns the number of rows changed.
    virtual Result<int64_t> Exec(std::string_view sql, std::span<const Param> params) = 0;

    Result<Rows> Query(std::string_view sql, std::initializer_list<Param> params = {}) {
        return Query(sql, std::span<const Param>(params.begin(), params.size()));
    }
    Result<int64_t> Exec(std::string_view sql, std::initializer_list<Param> params = {}) {
        return Exec(sql, std::span<const Param>(params.begin(), params.size()));
    }
    /// First row or kNotFound with `what` as the message.
    Result<Row> QueryOne(std::string_view sql, std::initializer_list<Param> params, std::string_view what);

    /// Runs `fn` once the transaction this connection is in has committed — for a write, durably and
    /// before its Write() returns — and never when this write is rolled back (an error, a throw, a
    /// lost batch). For in-process caches that must be dropped when the data they came from changes:
    /// a reader that samples its cache generation before opening its snapshot can then never keep an
    /// answer older than a committed change. `fn` must not throw nor use the database.
    virtual void AfterCommit(std::function<void()> fn) = 0;
};

/// Figures the server exports at /metrics.
struct WriteStats {
    int64_t queue_depth = 0;     // writes waiting for the writer
    int64_t commits = 0;         // transactions committed
    int64_t writes = 0;          // Write() calls committed
};

struct Options {
    std::string url;               // "sqlite:PATH" or "postgresql://..."
    int readers = 4;               // SQLite reader connections / PostgreSQL pool size
    int max_batch = 256;           // SQLite group commit: most writes in one transaction
    int busy_timeout_ms = 5000;    // SQLite: wait for another process's lock (CLI beside server)
    metrics::Registry* metrics = nullptr;  // optional: queue depth and batch sizes
};

class Database {
public:
    virtual ~Database() = default;
    virtual Dialect dialect() const = 0;

    /// Runs `fn` on a reader connection (a consistent snapshot on SQLite).
    template <class F>
    auto Read(F&& fn) -> std::invoke_result_t<F, Conn&>;

    /// Runs `fn` in a write transaction and returns once the commit is durable.
    /// If `fn` returns an error or throws, everything it wrote is rolled back and nothing else is
    /// affected. On SQLite many concurrent Write() calls share one transaction and one fsync
    /// (group commit), each inside its own savepoint.
    template <class F>
    auto Write(F&& fn) -> std::invoke_result_t<F, Conn&>;

    /// Applies pending numbered migrations; returns how many were applied.
    virtual Result<int> Migrate() = 0;
    /// Current schema version (highest applied migration), 0 when none.
    virtual Result<int> SchemaVersion() = 0;
    /// Online, consistent copy of the whole database to `path`.
    virtual Result<void> Backup(const std::string& path) = 0;
    virtual WriteStats Stats() const = 0;
    /// Finishes queued writes and closes connections. Idempotent.
    virtual void Close() = 0;

protected:
    virtual Result<void> RunRead(const std::function<Result<void>(Conn&)>& fn) = 0;
    virtual Result<void> RunWrite(std::function<Result<void>(Conn&)> fn) = 0;
};

/// Opens the backend named by options.url (does not migrate).
Result<std::unique_ptr<Database>> Open(const Options& options);

// ---- template plumbing ----------------------------------------------------------------------

namespace detail {
template <class R>
struct ResultValue;
template <class T>
struct ResultValue<Result<T>> {
    using type = T;
};
}  // namespace detail

template <class F>
auto Database::Read(F&& fn) -> std::invoke_result_t<F, Conn&> {
    using R = std::invoke_result_t<F, Conn&>;
    std::optional<R> out;
    auto status = RunRead([&](Conn& c) -> Result<void> {
        out.emplace(fn(c));
        if (!*out) {
            return out->error();
        }
        return {};
    });
    if (!status) {
        return status.error();
    }
    return std::move(*out);
}

template <class F>
auto Database::Write(F&& fn) -> std::invoke_result_t<F, Conn&> {
    using R = std::invoke_result_t<F, Conn&>;
    // The writer may run `fn` on another thread; `out` outlives the call because RunWrite blocks.
    std::optional<R> out;
    auto status = RunWrite([&](Conn& c) -> Result<void> {
        out.emplace(fn(c));
        if (!*out) {
            return out->error();
        }
        return {};
    });
    if (!status) {
        return status.error();
    }
    return std::move(*out);
}

}  // namespace linli::storage
