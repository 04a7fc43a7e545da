#pragma once
/// Password hashing (Argon2id through libsodium's crypto_pwhash_str) and the password policy.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace linli::accounts {

/// Argon2id work factors. Thread safety: a plain value.
struct PasswordCost {
    unsigned long long ops = 0;
    size_t mem = 0;

    /// libsodium's interactive limits (2 passes, 64 MiB): the production default.
    static PasswordCost Interactive();
    /// The smallest limits Argon2id accepts (1 pass, 8 KiB): for tests only.
    static PasswordCost Minimum();
};

constexpr size_t kMinPasswordChars = 10;
constexpr size_t kMaxPasswordChars = 128;

/// What an account without a usable password stores instead of a hash (NewUser::password absent).
/// Not an Argon2id string, so no password verifies against it; setting a password replaces it.
inline constexpr std::string_view kNoPasswordHash = "!";

/// A self-describing Argon2id string ("$argon2id$v=19$m=...,t=...,p=1$salt$hash") with a random salt.
/// Fails (kInternal) only when the memory limit cannot be allocated.
Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost);

/// True when `password` matches `hash`; false for a wrong password, a malformed hash and kNoPasswordHash.
bool VerifyPassword(std::string_view hash, std::string_view password);

/// True when `hash` was made with other limits than `cost` (rehash it at the next good login).
bool NeedsRehash(std::string_view hash, const PasswordCost& cost);

/// Leading and trailing white space is not part of a password: the API's JSON reader trims every
/// string, so the service trims passwords everywhere (login, create, reset) to match the CLI too.
std::string NormalizePassword(std::string_view password);

/// 10..128 characters of valid UTF-8 without control characters, mixing at least two of:
/// lower-case letters, upper-case letters, digits, everything else. Errors name field "password".
Result<void> CheckPasswordPolicy(std::string_view password);

}  // namespace linli::accounts
