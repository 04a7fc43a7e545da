#pragma once
/// Cursor paging shared by every list endpoint: `?limit=N&cursor=OPAQUE` answers
/// {"items":[...],"next_cursor":"..."|null}. Cursors are keyset positions, never offsets.

#include <optional>
#include <string>
#include <vector>

namespace linli {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

template <class T>
struct Page {
    std::vector<T> items;
    std::optional<std::string> next_cursor;  // absent on the last page
};

}  // namespace linli
