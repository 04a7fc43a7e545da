#pragma once
/// How a webhook POST leaves the process. The Deliverer talks to this interface; CurlSender is the
/// real one, tests may substitute their own. An SMS or WeChat gateway is not a sender: it is a
/// webhook subscriber (a small adapter service) receiving the same signed POSTs.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace linli::notify {

struct HttpOutcome {
    std::optional<int> status;  // none when no HTTP answer came (refused, timeout, TLS, cancelled)
    std::string error;          // why, for last_error; empty on a 2xx
    bool cancelled = false;     // stopped by `cancel`: the attempt does not count as an answer
};

/// Thread safety: Post may be called from several threads at once.
class WebhookSender {
public:
    virtual ~WebhookSender() = default;
    /// POSTs `body` (application/json) with `headers` to `url`. Returns when answered, failed or
    /// cancelled (`cancel` becomes true, e.g. at shutdown).
    virtual HttpOutcome Post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                             const std::string& body, const std::atomic<bool>& cancel) = 0;
};

struct CurlSenderOptions {
    long connect_timeout_ms = 5000;
    long total_timeout_ms = 10000;
};

/// libcurl: http and https only (also for redirects, which are never followed), short timeouts,
/// no signals, the response body discarded except for a short excerpt in errors.
std::unique_ptr<WebhookSender> MakeCurlSender(const CurlSenderOptions& options = {});

}  // namespace linli::notify
