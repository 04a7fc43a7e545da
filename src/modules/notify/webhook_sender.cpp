#include "modules/notify/webhook_sender.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <string>

namespace linli::notify {

namespace {

constexpr size_t kMaxResponseExcerpt = 200;

void GlobalInit() {
    // curl_global_init is not thread-safe; do it once, before any handle exists.
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t KeepExcerpt(char* data, size_t size, size_t nmemb, void* user) {
    auto* out = static_cast<std::string*>(user);
    size_t n = size * nmemb;
    // Printable ASCII only: the excerpt ends up in last_error, shown to admins as JSON.
    for (size_t i = 0; i < n && out->size() < kMaxResponseExcerpt; ++i) {
        char c = data[i];
        out->push_back(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return n;  // read and drop the rest: a receiver's body is not ours to keep
}

int CheckCancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* cancel = static_cast<const std::atomic<bool>*>(user);
    return cancel->load() ? 1 : 0;  // non-zero aborts the transfer
}

class CurlSender final : public WebhookSender {
public:
    explicit CurlSender(CurlSenderOptions options) : options_(options) { GlobalInit(); }

    HttpOutcome Post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body, const std::atomic<bool>& cancel) override {
        HttpOutcome out;
        CURL* curl = curl_easy_init();
        if (curl == nullptr) {
            out.error = "curl_easy_init failed";
            return out;
        }
        curl_slist* list = nullptr;
        list = curl_slist_append(list, "Content-Type: application/json");
        list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
        for (const auto& [name, value] : headers) {
            list = curl_slist_append(list, (name + ": " + value).c_str());
        }
        std::string excerpt;
        char error_buffer[CURL_ERROR_SIZE] = {0};
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options_.total_timeout_ms);
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "Linli-Webhook/1");
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, KeepExcerpt);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &excerpt);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, CheckCancel);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&cancel));

        CURLcode rc = curl_easy_perform(curl);
        if (rc == CURLE_OK) {
            long code = 0;
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
            out.status = static_cast<int>(code);
            if (code < 200 || code > 299) {
                out.error = "HTTP " + std::to_string(code);
                if (!excerpt.empty()) {
                    out.error += ": " + excerpt;
                }
            }
        } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
            out.cancelled = true;
            out.error = "cancelled at shutdown";
        } else {
            out.error = error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(curl_easy_strerror(rc));
        }
        curl_slist_free_all(list);
        curl_easy_cleanup(curl);
        return out;
    }

private:
    CurlSenderOptions options_;
};

}  // namespace

std::unique_ptr<WebhookSender> MakeCurlSender(const CurlSenderOptions& options) {
    return std::make_unique<CurlSender>(options);
}

}  // namespace linli::notify
