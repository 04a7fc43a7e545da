#pragma once
/// Small wrappers over libsodium: random tokens, token hashes, constant-time comparison.

#include <cstddef>
#include <string>
#include <string_view>

namespace linli::crypto {

/// Initialises libsodium; safe to call many times and from any thread.
void Init();

/// `bytes` random bytes as unpadded base64url (32 bytes: 256 bits, 43 characters).
std::string RandomToken(size_t bytes = 32);

/// `bytes` random bytes as lower-case hex.
std::string RandomHex(size_t bytes);

/// BLAKE2b-256 of `token` as hex: what the database stores instead of a session or API token.
std::string HashToken(std::string_view token);

bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace linli::crypto
