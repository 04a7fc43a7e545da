#include "http/request.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <cctype>
#include <charconv>
#include <cstdint>

#include "core/text.hpp"

namespace linli::http {

std::string_view MethodName(Method m) {
    switch (m) {
        case Method::kGet:
            return "GET";
        case Method::kHead:
            return "HEAD";
        case Method::kPost:
            return "POST";
        case Method::kPut:
            return "PUT";
        case Method::kPatch:
            return "PATCH";
        case Method::kDelete:
            return "DELETE";
        case Method::kOptions:
            return "OPTIONS";
        case Method::kOther:
            return "OTHER";
    }
    return "OTHER";
}

Method ParseMethod(std::string_view name) {
    // Methods are case-sensitive (RFC 9110 §9.1): "get" is not GET.
    if (name == "GET") {
        return Method::kGet;
    }
    if (name == "HEAD") {
        return Method::kHead;
    }
    if (name == "POST") {
        return Method::kPost;
    }
    if (name == "PUT") {
        return Method::kPut;
    }
    if (name == "PATCH") {
        return Method::kPatch;
    }
    if (name == "DELETE") {
        return Method::kDelete;
    }
    if (name == "OPTIONS") {
        return Method::kOptions;
    }
    return Method::kOther;
}

std::optional<std::string_view> Request::Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lower_name) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

std::optional<std::string_view> Request::QueryParam(std::string_view name) const {
    for (const auto& [key, value] : query) {
        if (key == name) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

namespace {

std::string_view TrimSpaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

std::optional<std::string> Request::Cookie(std::string_view name) const {
    // RFC 6265 §5.4: "a=1; b=2". A client may send several Cookie headers (HTTP/2 proxies split
    // them), so every one is searched; the first pair with the name wins.
    for (const auto& [header_name, value] : headers) {
        if (header_name != "cookie") {
            continue;
        }
        std::string_view rest = value;
        while (!rest.empty()) {
            size_t semi = rest.find(';');
            std::string_view pair = rest.substr(0, semi);
            rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
            size_t eq = pair.find('=');
            if (eq == std::string_view::npos) {
                continue;
            }
            if (TrimSpaces(pair.substr(0, eq)) != name) {
                continue;
            }
            std::string_view v = TrimSpaces(pair.substr(eq + 1));
            if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
                v = v.substr(1, v.size() - 2);
            }
            return std::string(v);
        }
    }
    return std::nullopt;
}

Result<int64_t> Request::PathId(std::string_view name) const {
    auto it = path_params.find(name);
    if (it == path_params.end()) {
        return NotFound("no such record");
    }
    const std::string& s = it->second;
    // Decimal digits only: no sign, no spaces, no leading zeros that would make two URLs name one record.
    if (s.empty() || s.size() > 19 || s.front() == '0') {
        return NotFound("no such record");
    }
    for (char c : s) {
        if (c < '0' || c > '9') {
            return NotFound("no such record");
        }
    }
    int64_t id = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (ec != std::errc() || ptr != s.data() + s.size() || id <= 0) {
        return NotFound("no such record");
    }
    return id;
}

Result<Request> MakeRequest(std::string_view method, std::string target,
                            std::vector<std::pair<std::string, std::string>> headers, std::string body) {
    Request req;
    req.method = ParseMethod(method);
    req.target = std::move(target);

    auto url = boost::urls::parse_origin_form(req.target);
    if (!url) {
        return InvalidArgument("url", "malformed request target");
    }
    req.path = url->path();
    if (!text::IsValidUtf8(req.path)) {
        return InvalidArgument("url", "path is not valid UTF-8");
    }
    // params() decodes percent-escapes and '+' as space, as HTML forms send them.
    for (auto param : url->params()) {
        if (!text::IsValidUtf8(param.key) || !text::IsValidUtf8(param.value)) {
            return InvalidArgument("url", "query is not valid UTF-8");
        }
        req.query.emplace_back(std::move(param.key), std::move(param.value));
    }

    for (auto& [name, value] : headers) {
        for (char& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    req.headers = std::move(headers);
    req.body = std::move(body);
    return req;
}

}  // namespace linli::http
