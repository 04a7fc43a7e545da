#include "http/json_io.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "core/text.hpp"

namespace linli::http {

namespace json = boost::json;

namespace {

bool HasDouble(const json::value& v) {
    switch (v.kind()) {
        case json::kind::double_:
            return true;
        case json::kind::array:
            return std::any_of(v.get_array().begin(), v.get_array().end(), HasDouble);
        case json::kind::object:
            return std::any_of(v.get_object().begin(), v.get_object().end(),
                               [](const json::key_value_pair& kv) { return HasDouble(kv.value()); });
        default:
            return false;
    }
}

void AppendJson(std::string& out, const json::value& v) {
    switch (v.kind()) {
        case json::kind::double_:
            out += FormatJsonNumber(v.get_double());
            return;
        case json::kind::array: {
            out += '[';
            bool first = true;
            for (const auto& item : v.get_array()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                AppendJson(out, item);
            }
            out += ']';
            return;
        }
        case json::kind::object: {
            out += '{';
            bool first = true;
            for (const auto& kv : v.get_object()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                out += json::serialize(json::string_view(kv.key()));  // Boost.JSON escapes
                out += ':';
                AppendJson(out, kv.value());
            }
            out += '}';
            return;
        }
        default:
            out += json::serialize(v);  // strings, integers, booleans, null
            return;
    }
}

}  // namespace

std::string FormatJsonNumber(double v) {
    if (!std::isfinite(v)) {
        return "null";
    }
    // Fixed notation with no precision given: the shortest digits that read back as `v` (C++17).
    char buf[400];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    if (ec != std::errc()) {
        return json::serialize(json::value(v));  // cannot happen with this buffer; stay valid JSON
    }
    return std::string(buf, end);
}

std::string SerializeJson(const json::value& value) {
    // Most bodies carry no double: they keep Boost.JSON's one-pass serializer.
    if (!HasDouble(value)) {
        return json::serialize(value);
    }
    std::string out;
    AppendJson(out, value);
    return out;
}

Response JsonResponse(int status, const json::value& body) {
    Response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = SerializeJson(body);
    return r;
}

namespace {

/// Deep enough for any body this API takes; shallow enough that a hostile body of "[[[[..." costs nothing.
constexpr std::size_t kMaxDepth = 32;

std::string_view TrimAscii(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

/// "application/json", optionally with parameters; a charset, when given, must be UTF-8 (RFC 8259 §8.1).
bool IsJsonContentType(std::string_view value) {
    size_t semi = value.find(';');
    if (!EqualsIgnoreCase(TrimAscii(value.substr(0, semi)), "application/json")) {
        return false;
    }
    while (semi != std::string_view::npos) {
        value.remove_prefix(semi + 1);
        semi = value.find(';');
        std::string_view param = value.substr(0, semi);
        size_t eq = param.find('=');
        if (eq == std::string_view::npos) {
            continue;
        }
        if (EqualsIgnoreCase(TrimAscii(param.substr(0, eq)), "charset")) {
            std::string_view cs = TrimAscii(param.substr(eq + 1));
            if (cs.size() >= 2 && cs.front() == '"' && cs.back() == '"') {
                cs = cs.substr(1, cs.size() - 2);
            }
            if (!EqualsIgnoreCase(cs, "utf-8") && !EqualsIgnoreCase(cs, "utf8")) {
                return false;
            }
        }
    }
    return true;
}

/// Control characters other than the ones a multi-line text may hold, including the C1 range
/// (U+0080..U+009F) which no person types and some terminals obey.
bool HasForbiddenControl(std::string_view s, bool multiline) {
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F) {
            if (multiline && (c == '\n' || c == '\t')) {
                continue;
            }
            return true;
        }
        if (c == 0xC2 && i + 1 < s.size()) {
            auto next = static_cast<unsigned char>(s[i + 1]);
            if (next >= 0x80 && next <= 0x9F) {
                return true;
            }
        }
    }
    return false;
}

/// Checks a text value against `rule`; returns the trimmed text or the message for the caller's field.
Result<std::string> CheckText(std::string_view key, std::string_view raw, const StringRule& rule) {
    if (!text::IsValidUtf8(raw)) {
        return InvalidArgument(std::string(key), "must be valid UTF-8");
    }
    std::string value = text::Trim(raw);
    if (rule.multiline) {
        // Browsers submit text areas with CRLF; store one form of line break.
        std::string normalised;
        normalised.reserve(value.size());
        for (size_t i = 0; i < value.size(); ++i) {
            if (value[i] == '\r' && i + 1 < value.size() && value[i + 1] == '\n') {
                continue;
            }
            normalised += value[i];
        }
        value = std::move(normalised);
    }
    if (HasForbiddenControl(value, rule.multiline)) {
        return InvalidArgument(std::string(key), "must not contain control characters");
    }
    size_t chars = text::CodePointCount(value);
    if (chars < rule.min_chars) {
        if (chars == 0) {
            return InvalidArgument(std::string(key), "must not be empty");
        }
        return InvalidArgument(std::string(key), "must be at least " + std::to_string(rule.min_chars) + " characters");
    }
    if (chars > rule.max_chars) {
        return InvalidArgument(std::string(key), "must be at most " + std::to_string(rule.max_chars) + " characters");
    }
    return value;
}

std::string RangeMessage(int64_t min, int64_t max) {
    if (min != INT64_MIN && max != INT64_MAX) {
        return "must be between " + std::to_string(min) + " and " + std::to_string(max);
    }
    if (min != INT64_MIN) {
        return "must be at least " + std::to_string(min);
    }
    return "must be at most " + std::to_string(max);
}

/// The JSON number as an int64 when it is an integer literal that fits; doubles such as 1.5 or 1e3 are not.
std::optional<int64_t> AsInt64(const json::value& v, bool& out_of_range) {
    out_of_range = false;
    if (v.is_int64()) {
        return v.get_int64();
    }
    if (v.is_uint64()) {
        out_of_range = true;  // only numbers above INT64_MAX parse as uint64
        return std::nullopt;
    }
    return std::nullopt;
}

bool Contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

void MarkRead(std::vector<std::string>& names, std::string_view name) {
    if (!Contains(names, name)) {
        names.emplace_back(name);
    }
}

}  // namespace

Result<JsonObjectReader> JsonObjectReader::FromRequest(const Request& req) {
    auto content_type = req.Header("content-type");
    if (!content_type || !IsJsonContentType(*content_type)) {
        return Error{ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json", "Content-Type"};
    }
    return FromText(req.body);
}

Result<JsonObjectReader> JsonObjectReader::FromText(std::string_view body) {
    if (body.empty()) {
        return InvalidArgument("body", "body is required");
    }
    // Boost.JSON rejects invalid UTF-8 by default too; checking the raw bytes here keeps that true
    // whatever parse options a later Boost brings, and gives the clearer message.
    if (!text::IsValidUtf8(body)) {
        return InvalidArgument("body", "body is not valid UTF-8");
    }
    json::parse_options options;
    options.max_depth = kMaxDepth;
    options.allow_comments = false;
    options.allow_trailing_commas = false;
    options.allow_invalid_utf8 = false;
    boost::system::error_code ec;
    json::value v = json::parse(body, ec, json::storage_ptr(), options);
    if (ec) {
        if (ec == json::error::too_deep) {
            return InvalidArgument("body", "body nests deeper than " + std::to_string(kMaxDepth) + " levels");
        }
        return InvalidArgument("body", "body is not valid JSON: " + ec.message());
    }
    if (!v.is_object()) {
        return InvalidArgument("body", "body must be a JSON object");
    }
    return JsonObjectReader(std::move(v.get_object()));
}

void JsonObjectReader::Fail(Error e) {
    if (!error_) {
        error_ = std::move(e);
    }
}

const json::value* JsonObjectReader::Lookup(std::string_view key, bool required) {
    MarkRead(read_, key);
    const json::value* v = obj_.if_contains(key);
    if (v == nullptr || v->is_null()) {
        // An explicit null counts as absent: optional fields may be sent as null.
        if (required) {
            Fail(InvalidArgument(std::string(key), "is required"));
        }
        return nullptr;
    }
    return v;
}

std::optional<std::string> JsonObjectReader::String(std::string_view key, bool required, StringRule rule) {
    const json::value* v = Lookup(key, required);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        Fail(InvalidArgument(std::string(key), "must be a string"));
        return std::nullopt;
    }
    const json::string& s = v->get_string();
    auto checked = CheckText(key, std::string_view(s.data(), s.size()), rule);
    if (!checked) {
        Fail(checked.error());
        return std::nullopt;
    }
    return std::move(*checked);
}

std::optional<int64_t> JsonObjectReader::Int(std::string_view key, bool required, int64_t min, int64_t max) {
    const json::value* v = Lookup(key, required);
    if (v == nullptr) {
        return std::nullopt;
    }
    bool out_of_range = false;
    std::optional<int64_t> n = AsInt64(*v, out_of_range);
    if (out_of_range) {
        Fail(InvalidArgument(std::string(key), RangeMessage(min, max)));
        return std::nullopt;
    }
    if (!n) {
        Fail(InvalidArgument(std::string(key), "must be an integer"));
        return std::nullopt;
    }
    if (*n < min || *n > max) {
        Fail(InvalidArgument(std::string(key), RangeMessage(min, max)));
        return std::nullopt;
    }
    return n;
}

std::optional<bool> JsonObjectReader::Bool(std::string_view key, bool required) {
    const json::value* v = Lookup(key, required);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_bool()) {
        Fail(InvalidArgument(std::string(key), "must be a boolean"));
        return std::nullopt;
    }
    return v->get_bool();
}

std::optional<std::vector<int64_t>> JsonObjectReader::IntArray(std::string_view key, bool required, size_t max_items) {
    const json::value* v = Lookup(key, required);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_array()) {
        Fail(InvalidArgument(std::string(key), "must be an array of integers"));
        return std::nullopt;
    }
    const json::array& arr = v->get_array();
    if (arr.size() > max_items) {
        Fail(InvalidArgument(std::string(key), "must have at most " + std::to_string(max_items) + " items"));
        return std::nullopt;
    }
    std::vector<int64_t> out;
    out.reserve(arr.size());
    for (const json::value& item : arr) {
        bool out_of_range = false;
        std::optional<int64_t> n = AsInt64(item, out_of_range);
        if (!n || *n <= 0) {
            Fail(InvalidArgument(std::string(key), "must contain only positive integers"));
            return std::nullopt;
        }
        out.push_back(*n);
    }
    return out;
}

bool JsonObjectReader::IsNull(std::string_view key) {
    MarkRead(read_, key);
    const json::value* v = obj_.if_contains(key);
    return v != nullptr && v->is_null();
}

bool JsonObjectReader::Has(std::string_view key) const {
    return obj_.contains(key);
}

Result<void> JsonObjectReader::Finish() const {
    if (error_) {
        return *error_;
    }
    for (const auto& kv : obj_) {
        std::string_view key(kv.key().data(), kv.key().size());
        if (!Contains(read_, key)) {
            return InvalidArgument(std::string(key), "unknown field");
        }
    }
    return {};
}

// ---- query parameters ---------------------------------------------------------------------------

namespace {

void Record(std::optional<Error>& slot, Error e) {
    if (!slot) {
        slot = std::move(e);
    }
}

/// The single value of `key`, or nullopt when absent; a repeated parameter is an error.
Result<std::optional<std::string_view>> SingleParam(const Request& req, std::string_view key) {
    std::optional<std::string_view> found;
    for (const auto& [name, value] : req.query) {
        if (name != key) {
            continue;
        }
        if (found) {
            return InvalidArgument(std::string(key), "must be given only once");
        }
        found = std::string_view(value);
    }
    return found;
}

}  // namespace

std::optional<std::string> QueryReader::String(std::string_view key, StringRule rule) {
    MarkRead(read_, key);
    auto param = SingleParam(req_, key);
    if (!param) {
        Record(error_, param.error());
        return std::nullopt;
    }
    if (!*param) {
        return std::nullopt;
    }
    rule.multiline = false;  // a query parameter is one line
    auto checked = CheckText(key, **param, rule);
    if (!checked) {
        Record(error_, checked.error());
        return std::nullopt;
    }
    return std::move(*checked);
}

std::optional<int64_t> QueryReader::Int(std::string_view key, int64_t min, int64_t max) {
    MarkRead(read_, key);
    auto param = SingleParam(req_, key);
    if (!param) {
        Record(error_, param.error());
        return std::nullopt;
    }
    if (!*param) {
        return std::nullopt;
    }
    std::string_view s = **param;
    // Strict decimal: an optional minus and digits; no '+', spaces, hex or fractions.
    std::string_view digits = !s.empty() && s.front() == '-' ? s.substr(1) : s;
    bool all_digits =
        !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!all_digits) {
        Record(error_, InvalidArgument(std::string(key), "must be an integer"));
        return std::nullopt;
    }
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || ptr != s.data() + s.size() || n < min || n > max) {
        Record(error_, InvalidArgument(std::string(key), RangeMessage(min, max)));
        return std::nullopt;
    }
    return n;
}

std::optional<std::string> QueryReader::Enum(std::string_view key, const std::vector<std::string_view>& allowed) {
    MarkRead(read_, key);
    auto param = SingleParam(req_, key);
    if (!param) {
        Record(error_, param.error());
        return std::nullopt;
    }
    if (!*param) {
        return std::nullopt;
    }
    if (std::find(allowed.begin(), allowed.end(), **param) != allowed.end()) {
        return std::string(**param);
    }
    std::string list;
    for (std::string_view a : allowed) {
        if (!list.empty()) {
            list += ", ";
        }
        list += a;
    }
    Record(error_, InvalidArgument(std::string(key), "must be one of: " + list));
    return std::nullopt;
}

Result<void> QueryReader::Finish() const {
    if (error_) {
        return *error_;
    }
    for (const auto& [name, value] : req_.query) {
        if (!Contains(read_, name)) {
            return InvalidArgument(name, "unknown query parameter");
        }
    }
    return {};
}

}  // namespace linli::http
