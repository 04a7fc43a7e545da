#include "http/static_files.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

namespace linli::http {

namespace {

namespace fs = std::filesystem;

// Vite puts every content-hashed file under assets/: a new build gets new names, so a year is safe.
constexpr std::string_view kAssetsPrefix = "/assets/";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
// index.html (and the few unhashed files) must be checked on each load, or a browser keeps an old
// page that names assets a new build no longer has.
constexpr std::string_view kRevalidate = "no-cache";

struct TypeByExtension {
    std::string_view extension;
    std::string_view type;
};
constexpr std::array<TypeByExtension, 18> kTypes{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
}};

std::string Lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

/// The path's segments when every one is an ordinary file or folder name; nullopt for "..", ".",
/// a hidden name, a backslash or a NUL: such a path is refused, never resolved.
std::optional<std::vector<std::string_view>> SafeSegments(std::string_view path) {
    std::vector<std::string_view> out;
    if (path.empty() || path.front() != '/') {
        return std::nullopt;
    }
    size_t start = 1;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        std::string_view segment = path.substr(start, end - start);
        if (!segment.empty()) {
            if (segment.front() == '.' || segment.find('\\') != std::string_view::npos ||
                segment.find('\0') != std::string_view::npos || segment.find(':') != std::string_view::npos) {
                return std::nullopt;
            }
            out.push_back(segment);
        }
        start = end + 1;
    }
    return out;
}

std::optional<std::string> ReadFile(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// True when `path` resolves (symlinks followed) to somewhere inside `root`.
bool Inside(const fs::path& root, const fs::path& path) {
    std::error_code ec;
    auto real_root = fs::weakly_canonical(root, ec);
    if (ec) {
        return false;
    }
    auto real = fs::weakly_canonical(path, ec);
    if (ec) {
        return false;
    }
    auto rel = real.lexically_relative(real_root);
    return !rel.empty() && *rel.begin() != "..";
}

bool Compressible(std::string_view type) {
    return type.starts_with("text/") || type.starts_with("application/json") || type.starts_with("image/svg") ||
           type.starts_with("application/manifest");
}

}  // namespace

StaticFiles::StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

bool StaticFiles::IsReserved(std::string_view path) {
    auto under = [&](std::string_view prefix) {
        // "/api" itself, "/api/..." — but not "/apiary".
        return path == prefix || (path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/');
    };
    return under("/api") || under("/open311") || under("/metrics") || under("/healthz");
}

std::string StaticFiles::RouteLabel(std::string_view path) {
    if (path.starts_with(kAssetsPrefix)) {
        return "/assets/{file}";
    }
    if (path.starts_with("/track/")) {
        return "/track/{code}";
    }
    if (path.starts_with("/r/")) {
        return "/r/{token}";
    }
    return "/{console}";
}

std::string_view StaticFiles::ContentTypeFor(std::string_view file_name) {
    const auto dot = file_name.rfind('.');
    if (dot == std::string_view::npos) {
        return "application/octet-stream";
    }
    const std::string extension = Lower(file_name.substr(dot));
    for (const auto& t : kTypes) {
        if (t.extension == extension) {
            return t.type;
        }
    }
    return "application/octet-stream";
}

bool StaticFiles::AcceptsGzip(std::string_view accept_encoding) {
    bool gzip = false;
    bool star = false;
    bool gzip_named = false;
    while (!accept_encoding.empty()) {
        size_t comma = accept_encoding.find(',');
        std::string_view item = Trim(accept_encoding.substr(0, comma));
        accept_encoding = comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
        std::string_view coding = Trim(item.substr(0, item.find(';')));
        bool refused = false;
        if (auto semi = item.find(';'); semi != std::string_view::npos) {
            std::string params = Lower(item.substr(semi + 1));
            params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
            if (auto q = params.find("q="); q != std::string::npos) {
                // q=0, q=0.0, q=0.000: refused; anything else is some preference.
                std::string_view value = std::string_view(params).substr(q + 2);
                value = value.substr(0, value.find(';'));
                refused = !value.empty() && value.find_first_not_of("0.") == std::string_view::npos;
            }
        }
        const std::string name = Lower(coding);
        if (name == "gzip" || name == "x-gzip") {
            gzip_named = true;
            gzip = !refused;
        } else if (name == "*") {
            star = !refused;
        }
    }
    return gzip || (!gzip_named && star);
}

std::optional<Response> StaticFiles::Serve(const Request& req) const {
    if (req.method != Method::kGet && req.method != Method::kHead) {
        return std::nullopt;
    }
    if (root_.empty() || IsReserved(req.path)) {
        return std::nullopt;
    }
    auto segments = SafeSegments(req.path);
    if (!segments) {
        return ErrorResponse(NotFound("no such file"));
    }

    fs::path file = root_;
    for (auto s : *segments) {
        file /= fs::path(std::string(s));
    }
    std::error_code ec;
    const bool is_file = !segments->empty() && fs::is_regular_file(file, ec) && Inside(root_, file);
    if (!is_file) {
        // A missing asset, or a file name of a type we serve, is a real 404: answering index.html
        // for a lost script would make the browser run HTML as JavaScript. A QR token
        // ("/r/17.k3Jd…") has a dot too, but no such extension: it is a console route.
        const bool named_file =
            !segments->empty() && ContentTypeFor(segments->back()) != "application/octet-stream";
        if (req.path.starts_with(kAssetsPrefix) || named_file) {
            return ErrorResponse(NotFound("no such file"));
        }
        file = root_ / "index.html";  // a console route: the single page draws it
        if (!fs::is_regular_file(file, ec)) {
            return std::nullopt;  // nothing built: the API's own 404
        }
    }

    const std::string name = file.filename().string();
    const std::string_view type = ContentTypeFor(name);
    const bool immutable = req.path.starts_with(kAssetsPrefix) && is_file;

    Response r;
    r.content_type = std::string(type);
    std::optional<std::string> body;
    if (Compressible(type)) {
        const bool gzip = AcceptsGzip(req.Header("accept-encoding").value_or(""));
        fs::path gz = file;
        gz += ".gz";
        if (gzip) {
            body = ReadFile(gz);
            if (body) {
                r.AddHeader("Content-Encoding", "gzip");
            }
        }
        // Caches must keep the gzip and the plain copy apart, whichever this client got.
        r.AddHeader("Vary", "Accept-Encoding");
    }
    if (!body) {
        body = ReadFile(file);
    }
    if (!body) {
        return ErrorResponse(NotFound("no such file"));
    }
    r.body = std::move(*body);
    r.AddHeader("Cache-Control", std::string(immutable ? kImmutable : kRevalidate));
    r.AddHeader("X-Content-Type-Options", "nosniff");
    if (type.starts_with("text/html")) {
        r.AddHeader("X-Frame-Options", "DENY");
        r.AddHeader("Referrer-Policy", "same-origin");  // a tracking code in the URL stays on this site
    }
    return r;
}

}  // namespace linli::http
