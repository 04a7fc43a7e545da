#pragma once
/// JSON conversions the notify module stores and sends, behind string-only signatures so that the
/// repository and the deliverer need not include Boost.JSON.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace linli::notify {

struct DeliveryJob;

/// [1,2,3] ⇄ ids. Reading malformed text (never written by this module) is kInternal.
std::string IdsToJson(const std::vector<int64_t>& ids);
Result<std::vector<int64_t>> IdsFromJson(std::string_view text);

/// ["order.*","hazard.created"] ⇄ topic patterns.
std::string TopicsToJson(const std::vector<std::string>& topics);
Result<std::vector<std::string>> TopicsFromJson(std::string_view text);

/// A producer's payload as compact JSON: "" becomes "{}"; anything but a JSON object of at most
/// 64 KiB is kInvalidArgument on `field`.
Result<std::string> NormalizePayload(std::string_view payload_json, const std::string& field);

/// The body POSTed to a webhook:
/// {"id":DELIVERY_KEY,"topic","occurred_at","title","body","link","data":PAYLOAD}.
std::string WebhookBody(const DeliveryJob& job);

}  // namespace linli::notify
