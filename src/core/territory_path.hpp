#pragma once
// Materialised territory paths ("/1/5/23/": the ids from the root down to a node, ADR 0003) are
// what every scope check ranges over; modules take them apart with this one function.

#include <cstdint>
#include <string_view>
#include <vector>

namespace linli {

/// The ids along a path, root first: "/1/5/23/" → {1, 5, 23}. Malformed segments are skipped.
std::vector<int64_t> PathIds(std::string_view path);

}  // namespace linli
