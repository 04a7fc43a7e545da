#include "modules/notify/signature.hpp"

#include <sodium.h>

#include <charconv>
#include <string>

#include "core/crypto.hpp"

namespace linli::notify {

std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body) {
    crypto::Init();
    // The init/update/final form takes a key of any length (the one-shot crypto_auth_hmacsha256
    // wants exactly 32 bytes); integrators use the secret string as shown, bytes as they are.
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    const std::string prefix = std::to_string(timestamp) + ".";
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&state, mac);
    char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    return "sha256=" + std::string(hex);
}

bool VerifyWebhook(std::string_view secret, std::string_view timestamp_header, std::string_view signature_header,
                   std::string_view body, int64_t now, int64_t tolerance_s) {
    if (secret.empty() || timestamp_header.empty() || signature_header.empty()) {
        return false;
    }
    int64_t timestamp = 0;
    auto [end, ec] =
        std::from_chars(timestamp_header.data(), timestamp_header.data() + timestamp_header.size(), timestamp);
    if (ec != std::errc() || end != timestamp_header.data() + timestamp_header.size()) {
        return false;
    }
    if (timestamp < now - tolerance_s || timestamp > now + tolerance_s) {
        return false;
    }
    return crypto::ConstantTimeEquals(SignWebhook(secret, timestamp, body), signature_header);
}

std::string NewWebhookSecret() {
    return "whsec_" + crypto::RandomToken(32);
}

}  // namespace linli::notify
