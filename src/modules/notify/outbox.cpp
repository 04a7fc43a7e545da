#include "modules/notify/outbox.hpp"

#include <algorithm>
#include <string>

#include "core/text.hpp"
#include "modules/notify/json.hpp"
#include "modules/notify/repository.hpp"

namespace linli::notify {

namespace {

constexpr size_t kMaxTitleChars = 200;
constexpr size_t kMaxBodyChars = 2000;
constexpr size_t kMaxLinkBytes = 500;
constexpr size_t kMaxDedupeKeyBytes = 200;
constexpr size_t kMaxRecipients = 10000;

Result<void> CheckText(const std::string& field, const std::string& value, size_t min_chars, size_t max_chars) {
    if (!text::IsValidUtf8(value)) {
        return InvalidArgument(field, "must be valid UTF-8");
    }
    size_t chars = text::CodePointCount(value);
    if (chars < min_chars) {
        return InvalidArgument(field, "must not be empty");
    }
    if (chars > max_chars) {
        return InvalidArgument(field, "must be at most " + std::to_string(max_chars) + " characters");
    }
    return {};
}

bool IsPrintableAscii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

}  // namespace

Result<void> Enqueue(storage::Conn& conn, const Notification& n, int64_t now) {
    if (!IsValidTopic(n.topic)) {
        return InvalidArgument("notification.topic", "topic must be 1..100 of a-z 0-9 _ . - (e.g. order.dispatched)");
    }
    if (n.dedupe_key.empty() || n.dedupe_key.size() > kMaxDedupeKeyBytes || !IsPrintableAscii(n.dedupe_key)) {
        return InvalidArgument("notification.dedupe_key", "dedupe_key must be 1..200 printable ASCII characters");
    }
    LINLI_TRY(CheckText("notification.title", n.title, 1, kMaxTitleChars));
    LINLI_TRY(CheckText("notification.body", n.body, 0, kMaxBodyChars));
    if (n.link.size() > kMaxLinkBytes || !IsPrintableAscii(n.link)) {
        return InvalidArgument("notification.link", "link must be a path or URL of at most 500 printable characters");
    }
    if (n.user_ids.size() > kMaxRecipients) {
        return InvalidArgument("notification.user_ids", "at most 10000 recipients per notification");
    }
    if (n.user_ids.empty() && !n.webhooks) {
        return InvalidArgument("notification.user_ids", "a notification needs recipients or webhooks");
    }
    Notification row = n;
    if (std::any_of(row.user_ids.begin(), row.user_ids.end(), [](int64_t id) { return id <= 0; })) {
        return InvalidArgument("notification.user_ids", "user ids must be positive");
    }
    std::sort(row.user_ids.begin(), row.user_ids.end());
    row.user_ids.erase(std::unique(row.user_ids.begin(), row.user_ids.end()), row.user_ids.end());
    LINLI_ASSIGN_OR_RETURN(row.payload_json, NormalizePayload(n.payload_json, "notification.payload_json"));
    return InsertOutbox(conn, row, now);
}

Result<void> Outbox::Enqueue(storage::Conn& conn, const Notification& n, int64_t now) const {
    LINLI_TRY(notify::Enqueue(conn, n, now));
    if (on_enqueue_) {
        on_enqueue_();
    }
    return {};
}

}  // namespace linli::notify
