#pragma once
/// The territory tree of the living register (DOMAIN.md §1): plain data, no behaviour beyond the
/// kind ladder. Later parts of the register (buildings' attributes, households, residents) hang
/// off node ids.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/paging.hpp"

namespace linli::registry {

/// The levels of the tree, top to bottom. A child is always exactly one level below its parent.
enum class NodeKind {
    kCity,
    kDistrict,
    kSubdistrict,
    kCommunity,
    kGrid,
    kBuilding,
    kUnit,
    kHousehold,
};

/// Every kind, top to bottom; the index of a kind is its level.
inline constexpr std::array<std::pair<NodeKind, std::string_view>, 8> kNodeKinds{{
    {NodeKind::kCity, "city"},
    {NodeKind::kDistrict, "district"},
    {NodeKind::kSubdistrict, "subdistrict"},
    {NodeKind::kCommunity, "community"},
    {NodeKind::kGrid, "grid"},
    {NodeKind::kBuilding, "building"},
    {NodeKind::kUnit, "unit"},
    {NodeKind::kHousehold, "household"},
}};

/// "city", "district", "subdistrict", "community", "grid", "building", "unit", "household".
constexpr std::string_view NodeKindName(NodeKind kind) {
    return kNodeKinds[static_cast<size_t>(kind)].second;
}

constexpr std::optional<NodeKind> ParseNodeKind(std::string_view name) {
    for (const auto& [kind, kind_name] : kNodeKinds) {
        if (kind_name == name) {
            return kind;
        }
    }
    return std::nullopt;
}

/// The kind a child of `parent` must have; nullopt for a household (a leaf).
constexpr std::optional<NodeKind> ChildKindOf(NodeKind parent) {
    if (parent == NodeKind::kHousehold) {
        return std::nullopt;
    }
    return static_cast<NodeKind>(static_cast<int>(parent) + 1);
}

/// True for the kinds a tree may start with: city, district, subdistrict.
constexpr bool IsRootKind(NodeKind kind) {
    return kind == NodeKind::kCity || kind == NodeKind::kDistrict || kind == NodeKind::kSubdistrict;
}

/// One node of the territory tree.
struct Node {
    int64_t id = 0;
    std::optional<int64_t> parent_id;  // none for a root
    NodeKind kind = NodeKind::kCity;
    std::string name;
    std::optional<std::string> code;  // e.g. an official division code; unique among siblings
    /// "/<root id>/.../<own id>/". Never changes: ids are immutable and nodes are never re-parented.
    std::string path;
    int depth = 0;                        // 0 for a root
    std::optional<int64_t> community_id;  // the enclosing community (itself for one); none above
    int64_t child_count = 0;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

/// Sort orders for lists; the only ones the repository knows (a whitelist, never user SQL).
enum class NodeSort { kNameAsc, kNameDesc, kIdAsc, kIdDesc };

inline constexpr std::array<std::pair<NodeSort, std::string_view>, 4> kNodeSorts{{
    {NodeSort::kNameAsc, "name"},
    {NodeSort::kNameDesc, "-name"},
    {NodeSort::kIdAsc, "id"},
    {NodeSort::kIdDesc, "-id"},
}};

/// "name", "-name", "id", "-id".
constexpr std::string_view NodeSortName(NodeSort sort) {
    return kNodeSorts[static_cast<size_t>(sort)].second;
}

constexpr std::optional<NodeSort> ParseNodeSort(std::string_view name) {
    for (const auto& [sort, sort_name] : kNodeSorts) {
        if (sort_name == name) {
            return sort;
        }
    }
    return std::nullopt;
}

/// Filters shared by List and Count.
///  - parent_id: the children of that node (404 when it is missing or outside the caller's scope);
///  - roots_only: the top of the tree the caller may see — the real roots for an admin, the
///    top-most of their scope nodes for everyone else;
///  - neither: every node the caller may see (a search), narrowed by kind and q.
/// parent_id and roots_only together are a 400 (field "parent_id").
struct NodeQuery {
    std::optional<int64_t> parent_id;
    std::optional<NodeKind> kind;
    std::optional<std::string> q;  // name contains; case-insensitive for ASCII; wildcards are literal
    bool roots_only = false;
    NodeSort sort = NodeSort::kNameAsc;
    std::optional<std::string> cursor;  // from a previous page's next_cursor, same sort
    int limit = kDefaultPageSize;       // 1..kMaxPageSize
};

/// What Create needs. The kind must be a root kind without a parent, else the parent's child kind.
struct NewNode {
    std::optional<int64_t> parent_id;
    NodeKind kind = NodeKind::kCity;
    std::string name;
    std::optional<std::string> code;
};

/// A partial update: absent members stay as they are.
struct NodePatch {
    std::optional<std::string> name;
    /// Absent: unchanged; present and nullopt: clear the code.
    std::optional<std::optional<std::string>> code;
};

/// Limits on a node's text, in Unicode code points after trimming.
constexpr size_t kMaxNodeNameChars = 100;
constexpr size_t kMaxNodeCodeChars = 64;

}  // namespace linli::registry
