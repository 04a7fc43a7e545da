#pragma once
/// Webhook signatures: HMAC-SHA256 (libsodium) over "<timestamp>.<body>" keyed with the
/// subscription's secret, sent as X-Linli-Signature: sha256=<64 hex digits>. docs/webhooks.md shows
/// receivers how to check it.

#include <cstdint>
#include <string>
#include <string_view>

namespace linli::notify {

inline constexpr std::string_view kDeliveryHeader = "X-Linli-Delivery";
inline constexpr std::string_view kTimestampHeader = "X-Linli-Timestamp";
inline constexpr std::string_view kSignatureHeader = "X-Linli-Signature";
inline constexpr std::string_view kTopicHeader = "X-Linli-Topic";

/// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)). Any secret length works.
std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body);

/// What a receiver does: recomputes the signature, compares in constant time, and refuses a
/// timestamp further than `tolerance_s` from `now` (replays). False for a missing or malformed header.
bool VerifyWebhook(std::string_view secret, std::string_view timestamp_header, std::string_view signature_header,
                   std::string_view body, int64_t now, int64_t tolerance_s = 300);

/// A new subscription secret: "whsec_" + 256 random bits, base64url.
std::string NewWebhookSecret();

}  // namespace linli::notify
