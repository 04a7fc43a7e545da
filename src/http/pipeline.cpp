#include "http/pipeline.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/crypto.hpp"

namespace linli::http {

/// Metric handles cached per label set: the registry's mutex is taken only the first time a
/// (method, route, status) or route is seen; afterwards a shared lock on this cache suffices.
struct Pipeline::State {
    std::shared_mutex mu;
    std::unordered_map<std::string, metrics::Counter*> counters;      // method \0 route \0 status
    std::unordered_map<std::string, metrics::Histogram*> histograms;  // route
    std::shared_ptr<spdlog::logger> access;
};

namespace {

constexpr const char* kRequestsName = "linli_http_requests_total";
constexpr const char* kRequestsHelp = "HTTP requests answered, by method, route pattern and status.";
constexpr const char* kDurationName = "linli_http_request_duration_seconds";
constexpr const char* kDurationHelp = "Time from a parsed request to its response, by route pattern.";

std::shared_ptr<spdlog::logger> AccessLogger() {
    if (auto existing = spdlog::get("access")) {
        return existing;
    }
    try {
        return spdlog::stdout_logger_mt("access");
    } catch (const spdlog::spdlog_ex&) {
        // Another pipeline registered it between the two calls.
        return spdlog::get("access");
    }
}

/// A path is user input: escape control bytes so a "%0A" in a URL cannot forge a log line.
std::string LogSafe(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F || c == '"' || c == '\\') {
            out += fmt::format("\\x{:02x}", u);
        } else {
            out += c;
        }
    }
    return out;
}

std::string AllowList(const std::vector<Method>& methods) {
    std::string out;
    for (Method m : methods) {
        if (!out.empty()) {
            out += ", ";
        }
        out += MethodName(m);
    }
    return out;
}

}  // namespace

Pipeline::Pipeline(const Router& router, Authenticator authenticator, metrics::Registry& metrics,
                   PipelineOptions options)
    : router_(router),
      authenticator_(std::move(authenticator)),
      metrics_(metrics),
      options_(options),
      state_(std::make_shared<State>()) {
    if (options_.access_log) {
        state_->access = AccessLogger();
    }
}

std::optional<size_t> Pipeline::BodyLimitFor(Method method, std::string_view path) const {
    auto match = router_.Find(method, path);
    if (!match || match->route->body_limit == 0) {
        return std::nullopt;
    }
    return match->route->body_limit;
}

size_t Pipeline::LargestRouteBodyLimit() const {
    size_t largest = 0;
    for (const auto& r : router_.routes()) {
        largest = std::max(largest, r.body_limit);
    }
    return largest;
}

Response Pipeline::Handle(Request& req) {
    const auto started = std::chrono::steady_clock::now();
    if (req.request_id.empty()) {
        req.request_id = crypto::RandomHex(8);  // the server sets one; direct callers (tests) may not
    }

    Response response;
    try {
        [&] {
            auto match = router_.Find(req.method, req.path);
            if (!match && match.error().code == ErrorCode::kNotFound && options_.static_files) {
                if (auto served = options_.static_files->Serve(req)) {
                    req.route = StaticFiles::RouteLabel(req.path);
                    response = std::move(*served);
                    return;
                }
            }
            if (!match) {
                response = ErrorResponse(match.error());
                if (match.error().code == ErrorCode::kMethodNotAllowed) {
                    response.AddHeader("Allow", AllowList(router_.AllowedMethods(req.path)));
                }
                return;
            }
            const Route& route = *match->route;
            req.route = route.pattern;
            req.path_params = std::move(match->params);

            // Public routes never consult the authenticator: a stale cookie must not break the login page.
            if (route.access.authenticated) {
                if (!authenticator_) {
                    response = ErrorResponse(Unauthenticated("login required"));
                    return;
                }
                auto who = authenticator_(req);
                if (!who) {
                    response = ErrorResponse(who.error());
                    return;
                }
                if (!*who) {
                    response = ErrorResponse(Unauthenticated("login required"));
                    return;
                }
                if (!route.access.Allows((*who)->role)) {
                    response = ErrorResponse(Forbidden("your role may not do this"));
                    return;
                }
                req.actor = std::move(**who);
            }

            auto result = route.handler(req);
            response = result ? std::move(*result) : ErrorResponse(result.error());
        }();
    } catch (const std::exception& e) {
        spdlog::error("request {} {} {}: unhandled exception: {}", req.request_id, MethodName(req.method),
                      req.route.empty() ? LogSafe(req.path) : req.route, e.what());
        response = ErrorResponse(Internal("internal error (request id " + req.request_id + ")"));
    } catch (...) {
        spdlog::error("request {} {} {}: unhandled non-standard exception", req.request_id, MethodName(req.method),
                      req.route.empty() ? LogSafe(req.path) : req.route);
        response = ErrorResponse(Internal("internal error (request id " + req.request_id + ")"));
    }

    response.AddHeader("X-Request-Id", req.request_id);

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::string& route_label = req.route.empty() ? std::string("unmatched") : req.route;
    const std::string status = std::to_string(response.status);
    const std::string_view method = MethodName(req.method);

    std::string counter_key;
    counter_key.reserve(method.size() + route_label.size() + status.size() + 2);
    counter_key.append(method).append(1, '\0').append(route_label).append(1, '\0').append(status);
    metrics::Counter* counter = nullptr;
    metrics::Histogram* histogram = nullptr;
    {
        std::shared_lock lock(state_->mu);
        if (auto it = state_->counters.find(counter_key); it != state_->counters.end()) {
            counter = it->second;
        }
        if (auto it = state_->histograms.find(route_label); it != state_->histograms.end()) {
            histogram = it->second;
        }
    }
    if (counter == nullptr || histogram == nullptr) {
        if (counter == nullptr) {
            counter =
                &metrics_.GetCounter(kRequestsName, kRequestsHelp,
                                     {{"method", std::string(method)}, {"route", route_label}, {"status", status}});
        }
        if (histogram == nullptr) {
            histogram = &metrics_.GetHistogram(kDurationName, kDurationHelp, {{"route", route_label}},
                                               metrics::Registry::LatencyBuckets());
        }
        std::unique_lock lock(state_->mu);
        state_->counters.emplace(std::move(counter_key), counter);
        state_->histograms.emplace(route_label, histogram);
    }
    counter->Inc();
    histogram->Observe(seconds);

    if (options_.access_log && state_->access) {
        // The query string is left out on purpose: it may carry names, phone numbers, ID numbers.
        // So is a path that carries a bearer secret (a tracking code, a building's QR token): the
        // route's pattern stands in for it.
        const bool secret_path =
            route_label.find("{code}") != std::string::npos || route_label.find("{token}") != std::string::npos;
        const size_t bytes = req.method == Method::kHead ? 0 : response.body.size();
        state_->access->info("{} {} {} \"{}\" {} {} {} {:.3f}ms user={}", req.request_id,
                             req.remote_addr.empty() ? "-" : req.remote_addr, method,
                             secret_path ? route_label : LogSafe(req.path), route_label, response.status, bytes,
                             seconds * 1000.0, req.actor ? std::to_string(req.actor->user_id) : std::string("-"));
    }
    return response;
}

}  // namespace linli::http
