#include "modules/notify/model.hpp"

namespace linli::notify {

namespace {

constexpr size_t kMaxTopicChars = 100;

bool IsTopicChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

}  // namespace

std::string_view DeliveryStateName(DeliveryState state) {
    switch (state) {
        case DeliveryState::kPending:
            return "pending";
        case DeliveryState::kDelivered:
            return "delivered";
        case DeliveryState::kFailed:
            return "failed";
        case DeliveryState::kCancelled:
            return "cancelled";
    }
    return "pending";
}

std::optional<DeliveryState> ParseDeliveryState(std::string_view name) {
    for (auto s :
         {DeliveryState::kPending, DeliveryState::kDelivered, DeliveryState::kFailed, DeliveryState::kCancelled}) {
        if (DeliveryStateName(s) == name) {
            return s;
        }
    }
    return std::nullopt;
}

bool IsValidTopic(std::string_view topic) {
    if (topic.empty() || topic.size() > kMaxTopicChars || topic.front() == '.' || topic.back() == '.') {
        return false;
    }
    for (char c : topic) {
        if (!IsTopicChar(c)) {
            return false;
        }
    }
    return true;
}

bool IsValidTopicPattern(std::string_view pattern) {
    if (pattern == "*") {
        return true;
    }
    if (pattern.size() > 2 && pattern.ends_with(".*")) {
        return IsValidTopic(pattern.substr(0, pattern.size() - 2));
    }
    return IsValidTopic(pattern);
}

bool TopicMatches(std::string_view pattern, std::string_view topic) {
    if (pattern == "*") {
        return true;
    }
    if (pattern.size() > 2 && pattern.ends_with(".*")) {
        // "order.*" matches "order.dispatched" and "order.sla.overdue", not "orders.x" nor "order".
        std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot
        return topic.size() > prefix.size() && topic.starts_with(prefix);
    }
    return pattern == topic;
}

}  // namespace linli::notify
