#include "modules/accounts/password.hpp"

#include <sodium.h>

#include <string>

#include "core/crypto.hpp"
#include "core/text.hpp"

namespace linli::accounts {

PasswordCost PasswordCost::Interactive() {
    return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordCost PasswordCost::Minimum() {
    return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost) {
    crypto::Init();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), cost.ops, cost.mem) != 0) {
        return Internal("out of memory while hashing a password");
    }
    return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
    crypto::Init();
    // libsodium reads the hash as a NUL-terminated string of at most crypto_pwhash_STRBYTES.
    // The no-password marker would fail libsodium's parse too; saying so does not rely on it.
    if (hash.empty() || hash == kNoPasswordHash || hash.size() >= crypto_pwhash_STRBYTES) {
        return false;
    }
    std::string terminated(hash);
    return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool NeedsRehash(std::string_view hash, const PasswordCost& cost) {
    crypto::Init();
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) {
        return true;
    }
    std::string terminated(hash);
    // 1: other limits; -1: not an Argon2id string at all. Both mean "hash it again".
    return crypto_pwhash_str_needs_rehash(terminated.c_str(), cost.ops, cost.mem) != 0;
}

std::string NormalizePassword(std::string_view password) {
    return text::Trim(password);
}

Result<void> CheckPasswordPolicy(std::string_view password) {
    if (!text::IsValidUtf8(password)) {
        return InvalidArgument("password", "password is not valid UTF-8");
    }
    if (text::HasControlChars(password) || password.find_first_of("\r\n\t") != std::string_view::npos) {
        return InvalidArgument("password", "password must not contain control characters");
    }
    size_t chars = text::CodePointCount(password);
    if (chars < kMinPasswordChars) {
        return InvalidArgument("password", "password must have at least 10 characters");
    }
    if (chars > kMaxPasswordChars) {
        return InvalidArgument("password", "password must have at most 128 characters");
    }
    bool lower = false;
    bool upper = false;
    bool digit = false;
    bool other = false;
    for (unsigned char c : password) {
        if (c >= 'a' && c <= 'z') {
            lower = true;
        } else if (c >= 'A' && c <= 'Z') {
            upper = true;
        } else if (c >= '0' && c <= '9') {
            digit = true;
        } else {
            other = true;  // symbols and every non-ASCII character (Chinese passwords count here)
        }
    }
    if (int(lower) + int(upper) + int(digit) + int(other) < 2) {
        return InvalidArgument("password",
                               "password must mix at least two of: lower-case letters, upper-case letters, digits, "
                               "other characters");
    }
    return {};
}

}  // namespace linli::accounts
