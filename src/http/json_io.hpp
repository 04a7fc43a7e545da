#pragma once
/// Strict JSON in, JSON out. Request bodies are read field by field; any field the handler did
/// not read is rejected by Finish() naming it, so typos never pass silently.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace linli::http {

/// `body` as the response's JSON (application/json), written by SerializeJson.
Response JsonResponse(int status, const boost::json::value& body);

/// JSON text of `value`: Boost.JSON's serializer, except that every double is written in plain decimal
/// notation, the shortest text that reads back as the same double ("37.76524078", "0.8333", "4.5", "1")
/// where Boost.JSON would print an exponent ("3.776524078E1", "1E0") that some clients show as text. A
/// non-finite double, which JSON cannot carry, becomes null.
std::string SerializeJson(const boost::json::value& value);

/// One double as SerializeJson writes it (non-finite: "null").
std::string FormatJsonNumber(double v);

struct StringRule {
    size_t min_chars = 0;     // after trimming
    size_t max_chars = 200;
    bool multiline = false;   // allow \n and \t
};

/// Reads a JSON object body. The first problem found is kept; Finish() returns it.
class JsonObjectReader {
public:
    /// Parses `req.body`: a Content-Type other than JSON is 415; malformed JSON, invalid UTF-8
    /// or a non-object is 400 with field "body".
    static Result<JsonObjectReader> FromRequest(const Request& req);
    static Result<JsonObjectReader> FromText(std::string_view body);

    std::optional<std::string> String(std::string_view key, bool required, StringRule rule = {});
    std::optional<int64_t> Int(std::string_view key, bool required, int64_t min = INT64_MIN, int64_t max = INT64_MAX);
    std::optional<bool> Bool(std::string_view key, bool required);
    std::optional<std::vector<int64_t>> IntArray(std::string_view key, bool required, size_t max_items = 1000);
    /// Present and explicitly null (for PATCH "clear this field").
    bool IsNull(std::string_view key);
    bool Has(std::string_view key) const;

    /// The first error, or an unknown-field error naming the first field never read.
    Result<void> Finish() const;

private:
    explicit JsonObjectReader(boost::json::object obj) : obj_(std::move(obj)) {}
    void Fail(Error e);
    const boost::json::value* Lookup(std::string_view key, bool required);

    boost::json::object obj_;
    std::vector<std::string> read_;
    std::optional<Error> error_;
};

/// Query parameters, strictly: unknown names are rejected by Finish() naming them.
class QueryReader {
public:
    explicit QueryReader(const Request& req) : req_(req) {}
    std::optional<std::string> String(std::string_view key, StringRule rule = {});
    std::optional<int64_t> Int(std::string_view key, int64_t min = INT64_MIN, int64_t max = INT64_MAX);
    /// One of `allowed`, else 400 naming the parameter.
    std::optional<std::string> Enum(std::string_view key, const std::vector<std::string_view>& allowed);
    Result<void> Finish() const;

private:
    const Request& req_;
    std::vector<std::string> read_;
    std::optional<Error> error_;
};

}  // namespace linli::http
