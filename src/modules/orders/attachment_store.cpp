#include "modules/orders/attachment_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "core/crypto.hpp"

namespace linli::orders {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTempPrefix = ".tmp-";

Error IoError(const std::string& what, int err) {
    if (err == ENOSPC || err == EDQUOT) {
        return Error{ErrorCode::kUnavailable, "attachment storage is full", {}};
    }
    return Internal("attachment storage: " + what + ": " + std::strerror(err));
}

/// fsync on a folder makes a rename or a new entry in it durable.
int SyncDir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    int rc = ::fsync(fd) == 0 ? 0 : errno;
    ::close(fd);
    return rc;
}

}  // namespace

AttachmentStore::AttachmentStore(std::string dir) : dir_(std::move(dir)) {}

bool AttachmentStore::IsStorageName(std::string_view name) {
    if (name.size() != 32) {
        return false;
    }
    for (char c : name) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

Result<std::string> AttachmentStore::Put(std::string_view bytes) {
    std::error_code ec;
    if (!fs::exists(dir_, ec)) {
        fs::create_directories(dir_, ec);
        if (ec) {
            return IoError("create " + dir_, ec.value());
        }
        const auto parent = fs::path(dir_).lexically_normal().parent_path();
        SyncDir(parent.empty() ? std::string(".") : parent.string());
    }
    const std::string name = crypto::RandomHex(16);
    const std::string temp = (fs::path(dir_) / (std::string(kTempPrefix) + name)).string();
    const std::string final_path = (fs::path(dir_) / name).string();
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        return IoError("open", errno);
    }
    auto fail = [&](const char* what) -> Error {
        const int err = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        return IoError(what, err);
    };
    size_t written = 0;
    while (written < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("write");
        }
        written += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        return fail("fsync");
    }
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        return IoError("close", err);
    }
    if (::rename(temp.c_str(), final_path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        return IoError("rename", err);
    }
    if (int err = SyncDir(dir_); err != 0) {
        ::unlink(final_path.c_str());
        return IoError("fsync folder", err);
    }
    return name;
}

Result<std::string> AttachmentStore::Read(std::string_view name, int64_t expected_size) const {
    if (!IsStorageName(name)) {
        return Internal("attachment storage: malformed file name");
    }
    const std::string path = (fs::path(dir_) / std::string(name)).string();
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return IoError("open " + std::string(name), errno);
    }
    std::string out;
    out.resize(static_cast<size_t>(expected_size));
    size_t got = 0;
    while (got < out.size()) {
        ssize_t n = ::read(fd, out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += static_cast<size_t>(n);
    }
    char extra = 0;
    const bool longer = got == out.size() && ::read(fd, &extra, 1) > 0;
    ::close(fd);
    if (got != out.size() || longer) {
        return Internal("attachment storage: " + std::string(name) + " is not the size recorded");
    }
    return out;
}

void AttachmentStore::Remove(std::string_view name) const {
    if (IsStorageName(name)) {
        std::error_code ec;
        fs::remove(fs::path(dir_) / std::string(name), ec);
    }
}

Result<int> AttachmentStore::Sweep(const std::function<Result<bool>(const std::string& name)>& known,
                                   int64_t grace_s) const {
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) {
        return 0;
    }
    const auto cutoff = fs::file_time_type::clock::now() - std::chrono::seconds(grace_s);
    int removed = 0;
    std::error_code list_ec;
    for (const auto& entry : fs::directory_iterator(dir_, list_ec)) {
        if (!entry.is_regular_file(ec)) {
            continue;
        }
        const std::string name = entry.path().filename().string();
        const bool temp = name.starts_with(kTempPrefix);
        if (!temp && !IsStorageName(name)) {
            continue;  // not ours: an operator's file is left alone
        }
        auto mtime = entry.last_write_time(ec);
        if (ec || mtime > cutoff) {
            continue;
        }
        if (!temp) {
            LINLI_ASSIGN_OR_RETURN(bool has_row, known(name));
            if (has_row) {
                continue;
            }
        }
        if (fs::remove(entry.path(), ec)) {
            ++removed;
        }
    }
    if (list_ec) {
        return IoError("list " + dir_, list_ec.value());
    }
    return removed;
}

}  // namespace linli::orders
