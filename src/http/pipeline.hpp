#pragma once
/// Everything between a parsed request and the handler's response: request id, routing,
/// authentication, role check, the handler, error mapping, exception capture, metrics and the
/// access log. Runs on the work pool (it may block on the database through the authenticator).

#include <functional>
#include <memory>
#include <optional>

#include "core/actor.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"

namespace linli::http {

/// Returns the caller when the request carries valid credentials, nullopt when it carries none,
/// and an error for expired or forged ones (401) or a missing/bad CSRF header (403).
using Authenticator = std::function<Result<std::optional<Actor>>(const Request&)>;

struct PipelineOptions {
    bool access_log = true;
    /// The web console's files, answered for GET/HEAD paths no route matches; null: none.
    const StaticFiles* static_files = nullptr;
};

/// Thread safety: Handle() may be called concurrently from many threads.
class Pipeline {
public:
    Pipeline(const Router& router, Authenticator authenticator, metrics::Registry& metrics, PipelineOptions options);
    Response Handle(Request& req);
    /// The body limit of the route `method path` would reach, when it sets its own (uploads).
    std::optional<size_t> BodyLimitFor(Method method, std::string_view path) const;
    /// The largest body limit any route declares (0 when none does).
    size_t LargestRouteBodyLimit() const;

private:
    const Router& router_;
    Authenticator authenticator_;
    metrics::Registry& metrics_;
    PipelineOptions options_;
    /// Metric handles and the access logger, looked up once (pipeline.cpp); shared_ptr keeps the type private.
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace linli::http
