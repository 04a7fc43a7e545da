#pragma once
/// The web console's files (web/dist, built by Vite) served at "/": hashed assets cached for a year,
/// index.html revalidated on every load, a precompressed ".gz" sibling sent to clients that accept
/// gzip, and index.html for any other console route (the Vue router draws the page). Paths of the
/// API, Open311, metrics and health are never answered here, so their 404s stay JSON.
/// Free of Beast: the pipeline calls it when no route matched.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "http/response.hpp"

namespace linli::http {

/// Thread safety: Serve() only reads the file system; it may be called from any thread.
class StaticFiles {
public:
    /// `root` is the folder holding index.html; it need not exist yet (then nothing is served).
    explicit StaticFiles(std::filesystem::path root);

    /// The answer for a GET or HEAD of a console path, or nullopt when the request is not the
    /// console's (another method, an API path, no such root): the caller answers 404 as usual.
    std::optional<Response> Serve(const Request& req) const;

    /// The label for metrics and the access log: the path's shape without the secret that a
    /// tracking code (/track/{code}) or a building's QR token (/r/{token}) carries.
    static std::string RouteLabel(std::string_view path);

    /// True for paths the console never owns (/api/, /open311/, /metrics, /healthz).
    static bool IsReserved(std::string_view path);

    /// The Content-Type for a file name, by extension; application/octet-stream when unknown.
    static std::string_view ContentTypeFor(std::string_view file_name);

    /// Whether an Accept-Encoding header value admits gzip (a "gzip" or "*" coding whose q is not 0).
    static bool AcceptsGzip(std::string_view accept_encoding);

private:
    std::filesystem::path root_;
};

}  // namespace linli::http
