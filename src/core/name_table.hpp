#pragma once
/// Small name ↔ enum tables: every enum the API and the database carry (order states, building
/// kinds, hazard statuses …) is stored and sent as its snake_case name, looked up in one table.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace linli {

template <class E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

/// The name of `value`; empty when the table lacks it.
template <class E, size_t N>
constexpr std::string_view NameOf(const NameTable<E, N>& table, E value) {
    for (const auto& [v, name] : table) {
        if (v == value) {
            return name;
        }
    }
    return {};
}

/// The value named `name`, if any.
template <class E, size_t N>
constexpr std::optional<E> Lookup(const NameTable<E, N>& table, std::string_view name) {
    for (const auto& [v, n] : table) {
        if (n == name) {
            return v;
        }
    }
    return std::nullopt;
}

/// "a, b, c" of a table's names, for error messages.
template <class E, size_t N>
std::string NameList(const NameTable<E, N>& table) {
    std::string out;
    for (const auto& [v, name] : table) {
        if (!out.empty()) {
            out += ", ";
        }
        out += name;
    }
    return out;
}

/// Every name of the table, in its order (what a query parameter may be).
template <class E, size_t N>
std::vector<std::string_view> Names(const NameTable<E, N>& table) {
    std::vector<std::string_view> out;
    for (const auto& [v, name] : table) {
        out.push_back(name);
    }
    return out;
}

/// The value named `raw` (absent reads as ""), or a 400 naming `field` and listing the names.
template <class E, size_t N>
Result<E> ParseName(const NameTable<E, N>& table, const std::optional<std::string>& raw, std::string_view field) {
    auto parsed = Lookup(table, raw.value_or(""));
    if (!parsed) {
        return InvalidArgument(std::string(field), std::string(field) + " must be one of: " + NameList(table));
    }
    return *parsed;
}

}  // namespace linli
