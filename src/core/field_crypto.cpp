#include "core/field_crypto.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "core/crypto.hpp"

namespace linli {
namespace {

constexpr size_t kMasterKeyBytes = crypto_kdf_KEYBYTES;
static_assert(kMasterKeyBytes == 32);
// crypto_kdf contexts are exactly 8 characters; changing this string makes every stored value unreadable.
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "linlifld";
constexpr uint64_t kSecretboxSubkeyId = 1;
constexpr uint64_t kHashSubkeyId = 2;
constexpr size_t kHashBytes = crypto_generichash_BYTES;  // 32: BLAKE2b-256

std::string ErrnoText() { return std::strerror(errno); }

/// Closes a file descriptor on every path out.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

Result<void> WriteAll(int fd, const unsigned char* data, size_t size, const std::string& path) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return Internal(fmt::format("cannot write key file {}: {}", path, ErrnoText()));
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return {};
}

/// Reads exactly kMasterKeyBytes from `path`; any other size is an error naming the path.
Result<void> ReadKey(const std::string& path, unsigned char* key) {
    Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) {
        return Internal(fmt::format("cannot read key file {}: {}", path, ErrnoText()));
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) {
        return Internal(fmt::format("cannot read key file {}: {}", path, ErrnoText()));
    }
    if (!S_ISREG(st.st_mode) || st.st_size != static_cast<off_t>(kMasterKeyBytes)) {
        return Internal(fmt::format("key file {} must be a regular file of exactly {} bytes (it has {}); it is never "
                                    "replaced automatically because the data encrypted with it would be lost",
                                    path, kMasterKeyBytes, static_cast<long long>(st.st_size)));
    }
    size_t got = 0;
    while (got < kMasterKeyBytes) {
        ssize_t n = ::read(f.fd, key + got, kMasterKeyBytes - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return Internal(fmt::format("cannot read key file {}: {}", path, n < 0 ? ErrnoText() : "file shrank"));
        }
        got += static_cast<size_t>(n);
    }
    return {};
}

/// Writes a new random key to a temporary file and links it into place, so a crash never leaves a
/// half-written key and two processes starting together end up with the same key.
Result<void> CreateKey(const std::string& path) {
    std::filesystem::path p(path);
    if (p.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(p.parent_path(), ec);
        if (ec) {
            return Internal(fmt::format("cannot create the folder of key file {}: {}", path, ec.message()));
        }
    }
    std::string tmp = path + ".tmp-" + crypto::RandomHex(8);
    unsigned char key[kMasterKeyBytes];
    randombytes_buf(key, sizeof key);
    Result<void> written = [&]() -> Result<void> {
        Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
        if (f.fd < 0) {
            return Internal(fmt::format("cannot create key file {}: {}", path, ErrnoText()));
        }
        LINLI_TRY(WriteAll(f.fd, key, sizeof key, path));
        if (::fsync(f.fd) != 0) {
            return Internal(fmt::format("cannot write key file {}: {}", path, ErrnoText()));
        }
        return {};
    }();
    sodium_memzero(key, sizeof key);
    if (written && ::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
        written = Internal(fmt::format("cannot create key file {}: {}", path, ErrnoText()));
    }
    ::unlink(tmp.c_str());
    return written;
}

}  // namespace

struct FieldCrypto::Keys {
    unsigned char box[crypto_secretbox_KEYBYTES];
    unsigned char hash[crypto_generichash_KEYBYTES];

    explicit Keys(const unsigned char* master) {
        static_assert(crypto_secretbox_KEYBYTES >= crypto_kdf_BYTES_MIN);
        static_assert(crypto_generichash_KEYBYTES >= crypto_kdf_BYTES_MIN);
        if (crypto_kdf_derive_from_key(box, sizeof box, kSecretboxSubkeyId, kKdfContext, master) != 0 ||
            crypto_kdf_derive_from_key(hash, sizeof hash, kHashSubkeyId, kKdfContext, master) != 0) {
            throw std::runtime_error("crypto_kdf_derive_from_key failed");
        }
    }
    ~Keys() {
        sodium_memzero(box, sizeof box);
        sodium_memzero(hash, sizeof hash);
    }
    Keys(const Keys&) = delete;
    Keys& operator=(const Keys&) = delete;
};

FieldCrypto::FieldCrypto() = default;
FieldCrypto::~FieldCrypto() = default;

Result<std::unique_ptr<FieldCrypto>> FieldCrypto::OpenKeyFile(const std::string& key_file) {
    crypto::Init();
    std::error_code ec;
    bool exists = std::filesystem::exists(key_file, ec);
    if (ec) {
        return Internal(fmt::format("cannot read key file {}: {}", key_file, ec.message()));
    }
    if (!exists) {
        LINLI_TRY(CreateKey(key_file));
    }
    unsigned char master[kMasterKeyBytes];
    Result<void> read = ReadKey(key_file, master);
    if (!read) {
        sodium_memzero(master, sizeof master);
        return read.error();
    }
    std::unique_ptr<FieldCrypto> fc(new FieldCrypto());
    fc->keys_ = std::make_unique<Keys>(master);
    sodium_memzero(master, sizeof master);
    return fc;
}

std::unique_ptr<FieldCrypto> FieldCrypto::ForTesting(std::string_view seed) {
    crypto::Init();
    unsigned char master[kMasterKeyBytes];
    crypto_generichash(master, sizeof master, reinterpret_cast<const unsigned char*>(seed.data()), seed.size(),
                       nullptr, 0);
    std::unique_ptr<FieldCrypto> fc(new FieldCrypto());
    fc->keys_ = std::make_unique<Keys>(master);
    sodium_memzero(master, sizeof master);
    return fc;
}

std::string FieldCrypto::Encrypt(std::string_view plaintext) const {
    std::vector<unsigned char> sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size());
    unsigned char* nonce = sealed.data();
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(sealed.data() + crypto_secretbox_NONCEBYTES,
                          reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(), nonce, keys_->box);
    std::string out(sodium_base64_ENCODED_LEN(sealed.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), sealed.data(), sealed.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
}

Result<std::string> FieldCrypto::Decrypt(std::string_view sealed) const {
    auto cannot = [] { return Internal("encrypted field cannot be decrypted with this key"); };
    std::vector<unsigned char> bin(sealed.size() / 4 * 3 + 3);
    size_t bin_len = 0;
    if (sodium_base642bin(bin.data(), bin.size(), sealed.data(), sealed.size(), nullptr, &bin_len, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin_len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        return cannot();
    }
    std::string plain(bin_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                   bin.data() + crypto_secretbox_NONCEBYTES, bin_len - crypto_secretbox_NONCEBYTES,
                                   bin.data(), keys_->box) != 0) {
        return cannot();
    }
    return plain;
}

std::string FieldCrypto::Hash(std::string_view purpose, std::string_view value) const {
    crypto_generichash_state state;
    crypto_generichash_init(&state, keys_->hash, sizeof keys_->hash, kHashBytes);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size());
    // The NUL keeps ("ab", "c") and ("a", "bc") apart; purposes never contain one.
    const unsigned char separator = 0;
    crypto_generichash_update(&state, &separator, 1);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(value.data()), value.size());
    unsigned char digest[kHashBytes];
    crypto_generichash_final(&state, digest, sizeof digest);
    std::string hex(kHashBytes * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), digest, sizeof digest);
    hex.resize(kHashBytes * 2);
    return hex;
}

}  // namespace linli
