#pragma once
/// The bytes of order attachments on disk: one file per attachment, flat in one folder, named by
/// 128 random bits (hex) so that no uploader-chosen text ever reaches a path.
///
/// Durability: Put writes a temporary file in the same folder, fsyncs it, renames it into place and
/// fsyncs the folder, so once Put returns the file survives a crash; the database row is written
/// only after that (AttachmentService). A crash between the two leaves a file without a row: Sweep
/// removes such files (and stray temporaries) once they are older than a grace period, which also
/// keeps it from touching an upload another instance is finishing right now.
///
/// Thread safety: every method may be called concurrently (each works on its own files).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace linli::orders {

class AttachmentStore {
public:
    /// `dir` is created (with its parents) on the first Put, not before: a server that never
    /// receives an attachment leaves no folder behind.
    explicit AttachmentStore(std::string dir);

    /// Stores `bytes` durably and returns the new file's name. kUnavailable when the disk is full,
    /// kInternal for any other I/O failure.
    Result<std::string> Put(std::string_view bytes);
    /// The whole file. kInternal when it is missing or not `expected_size` bytes long (lost or
    /// damaged storage: a bug or an operator's problem, never the caller's).
    Result<std::string> Read(std::string_view name, int64_t expected_size) const;
    /// Best effort (an orphan left behind is swept later).
    void Remove(std::string_view name) const;

    /// Removes files older than `grace_s` seconds (by modification time) for which `known` answers
    /// false, and temporaries older than that. Returns how many files it removed.
    Result<int> Sweep(const std::function<Result<bool>(const std::string& name)>& known, int64_t grace_s) const;

    const std::string& dir() const { return dir_; }

    /// True for names Put may have returned (32 lower-case hex digits).
    static bool IsStorageName(std::string_view name);

private:
    std::string dir_;
};

}  // namespace linli::orders
