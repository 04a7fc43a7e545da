#pragma once
/// Helpers the parts of SafetyService (service*.cpp) share. Not part of the module's interface.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/actor.hpp"
#include "core/error.hpp"
#include "core/territory_path.hpp"
#include "modules/registry/model.hpp"

namespace linli::safety::internal {

/// admin, subdistrict_leader, community_staff, grid_worker: the roles that inspect and keep ledgers.
bool IsInspector(const Actor& actor);
/// 403 for the other roles.
Result<void> RequireInspector(const Actor& actor);
/// The id of the ancestor of kind `want` of a node of kind `kind` at `path` (itself included).
std::optional<int64_t> AncestorOfKind(std::string_view path, registry::NodeKind kind, registry::NodeKind want);
/// 404 naming a field.
Error NotFoundField(std::string message, std::string field);
/// Lower-case hex SHA-256 (libsodium).
std::string Sha256Hex(std::string_view bytes);

}  // namespace linli::safety::internal
