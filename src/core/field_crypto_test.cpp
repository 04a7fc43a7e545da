#include "core/field_crypto.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/crypto.hpp"

namespace linli {
namespace {

namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() : path_(fs::temp_directory_path() / ("linli-field-crypto-" + crypto::RandomHex(8))) {
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

TEST(FieldCrypto, RoundTrip) {
    auto fc = FieldCrypto::ForTesting();
    for (std::string_view value : {"11010519491231002X", "13812345678", "", "买买提·艾力"}) {
        std::string sealed = fc->Encrypt(value);
        if (!value.empty()) {
            EXPECT_EQ(sealed.find(value), std::string::npos);
        }
        auto back = fc->Decrypt(sealed);
        ASSERT_TRUE(back) << back.error().message;
        EXPECT_EQ(*back, value);
    }
}

TEST(FieldCrypto, SameValueEncryptsDifferentlyEachTime) {
    auto fc = FieldCrypto::ForTesting();
    EXPECT_NE(fc->Encrypt("13812345678"), fc->Encrypt("13812345678"));
}

TEST(FieldCrypto, HashIsStableAndSeparatedByPurpose) {
    auto fc = FieldCrypto::ForTesting();
    std::string h = fc->Hash("phone", "13812345678");
    EXPECT_EQ(h.size(), 64u);
    EXPECT_EQ(h, fc->Hash("phone", "13812345678"));
    EXPECT_EQ(h, FieldCrypto::ForTesting()->Hash("phone", "13812345678"));
    EXPECT_NE(h, fc->Hash("id", "13812345678"));
    EXPECT_NE(h, fc->Hash("phone", "13812345679"));
    EXPECT_NE(fc->Hash("ab", "c"), fc->Hash("a", "bc"));
    EXPECT_NE(h, FieldCrypto::ForTesting("another seed")->Hash("phone", "13812345678"));
}

TEST(FieldCrypto, TamperedValueIsRejected) {
    auto fc = FieldCrypto::ForTesting();
    std::string sealed = fc->Encrypt("11010519491231002X");
    std::string tampered = sealed;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    for (const std::string& bad : {tampered, sealed.substr(0, 10), std::string("not base64!"), std::string()}) {
        auto r = fc->Decrypt(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInternal);
        EXPECT_EQ(r.error().message, "encrypted field cannot be decrypted with this key");
    }
}

TEST(FieldCrypto, WrongKeyCannotDecrypt) {
    std::string sealed = FieldCrypto::ForTesting("key one")->Encrypt("13812345678");
    auto r = FieldCrypto::ForTesting("key two")->Decrypt(sealed);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

TEST(FieldCrypto, KeyFileIsCreatedPrivateAndReused) {
    TempDir dir;
    std::string key_file = (dir.path() / "secrets" / "nested" / "field.key").string();
    auto first = FieldCrypto::OpenKeyFile(key_file);
    ASSERT_TRUE(first) << first.error().message;
    struct stat st {};
    ASSERT_EQ(::stat(key_file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(st.st_size, 32);
    std::string sealed = (*first)->Encrypt("13812345678");
    std::string hash = (*first)->Hash("phone", "13812345678");

    auto second = FieldCrypto::OpenKeyFile(key_file);
    ASSERT_TRUE(second) << second.error().message;
    auto back = (*second)->Decrypt(sealed);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, "13812345678");
    EXPECT_EQ((*second)->Hash("phone", "13812345678"), hash);
    // No temporary file is left beside the key.
    EXPECT_EQ(std::distance(fs::directory_iterator(fs::path(key_file).parent_path()), fs::directory_iterator()), 1);

    auto other = FieldCrypto::OpenKeyFile((dir.path() / "other.key").string());
    ASSERT_TRUE(other);
    EXPECT_FALSE((*other)->Decrypt(sealed));
}

TEST(FieldCrypto, WrongSizeKeyFileIsRejectedNotReplaced) {
    TempDir dir;
    std::string key_file = (dir.path() / "short.key").string();
    {
        std::ofstream out(key_file, std::ios::binary);
        out << "too short";
    }
    auto r = FieldCrypto::OpenKeyFile(key_file);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(key_file), std::string::npos);
    EXPECT_EQ(fs::file_size(key_file), 9u);  // left alone
}

TEST(FieldCrypto, UnreadableKeyPathIsRejectedNamingIt) {
    TempDir dir;
    std::string key_file = (dir.path() / "a-directory").string();
    fs::create_directories(key_file);
    auto r = FieldCrypto::OpenKeyFile(key_file);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(key_file), std::string::npos);
}

}  // namespace
}  // namespace linli
