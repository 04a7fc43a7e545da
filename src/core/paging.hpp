#pragma once
/// Cursor paging shared by every list endpoint: `?limit=N&cursor=OPAQUE` answers
/// {"items":[...],"next_cursor":"..."|null}. Cursors are keyset positions, never offsets.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace linli {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

template <class T>
struct Page {
    std::vector<T> items;
    std::optional<std::string> next_cursor;  // absent on the last page
};

}  // namespace linli

namespace linli {

/// The keyset position a cursor carries: the sort it belongs to, the last id, and the last sort
/// value (a name) when the sort is by name.
struct CursorKey {
    int64_t id = 0;
    std::string name;
};

/// An opaque cursor: base64url of "<kind>\n<sort>\n<id>\n<name>". `kind` tells cursors of
/// different lists apart ("v1" territory nodes, "r1" residents).
std::string EncodeCursor(std::string_view kind, std::string_view sort, int64_t id, std::string_view name);

/// Decodes a cursor of `kind` made for `sort`; anything else (tampered, another list, another
/// sort order, too long) is a 400 on field "cursor". `name` must be present exactly when `by_name`.
Result<CursorKey> DecodeCursor(std::string_view cursor, std::string_view kind, std::string_view sort, bool by_name);

}  // namespace linli
