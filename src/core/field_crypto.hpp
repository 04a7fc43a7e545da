#pragma once
/// Personal data at rest: ID numbers and phones are stored encrypted (libsodium secretbox,
/// XSalsa20-Poly1305, random nonce per value) with a keyed hash beside them (BLAKE2b with a
/// separate subkey) so an exact value can be searched without decrypting every row.
/// The key lives in a file outside the database (created 0600 on first use).
///
/// Thread safety: all methods are const and safe from any thread.

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace linli {

class FieldCrypto {
public:
    /// Loads the 32-byte master key from `key_file`, creating it (mode 0600, parent folders too)
    /// when it does not exist. A file of the wrong size is an error, never silently replaced.
    static Result<std::unique_ptr<FieldCrypto>> OpenKeyFile(const std::string& key_file);
    /// For tests: a key derived from `seed`.
    static std::unique_ptr<FieldCrypto> ForTesting(std::string_view seed = "linli-test-key");

    /// Base64 of nonce || ciphertext.
    std::string Encrypt(std::string_view plaintext) const;
    /// kInternal when the value was not produced with this key (tampered or wrong key file).
    Result<std::string> Decrypt(std::string_view sealed) const;
    /// Hex keyed hash for exact look-up. `purpose` separates hash spaces ("id", "id_last4", "phone").
    std::string Hash(std::string_view purpose, std::string_view value) const;

    ~FieldCrypto();

private:
    FieldCrypto();
    struct Keys;
    std::unique_ptr<Keys> keys_;
};

}  // namespace linli
