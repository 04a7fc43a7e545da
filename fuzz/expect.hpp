#pragma once
/// The one assertion of the fuzz targets: it holds in every build type (unlike assert), and its
/// abort makes libFuzzer save the input as a crash.

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace linli::fuzz {

/// Fails the fuzz run (abort) with `what` when `ok` is false.
inline void Expect(bool ok, std::string_view what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz: expectation failed: %.*s\n", static_cast<int>(what.size()), what.data());
        std::abort();
    }
}

}  // namespace linli::fuzz
