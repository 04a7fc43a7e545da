#include "core/crypto.hpp"

#include <sodium.h>

#include <stdexcept>
#include <vector>

namespace linli::crypto {

void Init() {
    // sodium_init() is idempotent and thread-safe; a failure means no entropy source.
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium failed to initialise");
    }
}

std::string RandomToken(size_t bytes) {
    Init();
    std::vector<unsigned char> buf(bytes);
    randombytes_buf(buf.data(), buf.size());
    std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), buf.data(), buf.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(out.find('\0'));
    return out;
}

std::string RandomHex(size_t bytes) {
    Init();
    std::vector<unsigned char> buf(bytes);
    randombytes_buf(buf.data(), buf.size());
    std::string out(bytes * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), buf.data(), buf.size());
    out.resize(bytes * 2);
    return out;
}

std::string HashToken(std::string_view token) {
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                       nullptr, 0);
    std::string out(sizeof digest * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), digest, sizeof digest);
    out.resize(sizeof digest * 2);
    return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace linli::crypto
