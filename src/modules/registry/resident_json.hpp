#pragma once
/// JSON shapes of the resident register: residents (personal data masked, always), households,
/// building details, tags, import summaries, and the short audit details (never a full ID number or
/// phone). Boost.JSON is only forward-declared so the service can build audit details without it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/paging.hpp"
#include "modules/registry/resident_model.hpp"

namespace boost::json {
class value;
}  // namespace boost::json

namespace linli::registry {

/// {"id","name","id_number"(masked),"phone"(masked|null),"birth_date","age","sex","hukou",
///  "tags":[{"tag","detail","computed"}],"household":{"id","name","unit_name","building_name","path"}|null,
///  "relation"|null,"moved_in"|null,"community_id","note","created_at","updated_at"}
/// plus "residencies":[{"id","household_id","relation","moved_in","moved_out"}] when `with_history`.
boost::json::value ResidentToJson(const Resident& resident, bool with_history = false);
/// {"items":[resident...],"next_cursor":string|null}
boost::json::value ResidentPageToJson(const Page<Resident>& page);
/// {"id","unit_id","name","unit_name","building_name","path","community_id","tenure"|null,
///  "members":[{"resident_id","name","relation","moved_in"}],"created_at","updated_at"}
boost::json::value HouseholdToJson(const Household& household);
/// {"building_id","kind"|null,"address","floors"|null,"unit_count"|null,"updated_at"|null}
boost::json::value BuildingDetailsToJson(const BuildingDetails& details);
/// {"items":[{"code","name","name_en","community_id","computed"}]}
boost::json::value TagsToJson(const std::vector<TagDefinition>& tags);
/// {"inserted","updated","skipped","nodes_created","committed","errors":[{"line","column","message_zh","message_en"}]}
boost::json::value ImportSummaryToJson(const ImportSummary& summary);

// ---- audit details ----
std::string ResidentAuditDetail(const Resident& resident);
std::string ResidentUpdateAuditDetail(const Resident& before, const Resident& after,
                                      const std::vector<std::string>& fields);
std::string MoveAuditDetail(std::optional<int64_t> from, std::optional<int64_t> to, std::string_view date);
std::string RevealAuditDetail(std::string_view field, std::string_view reason);
std::string HouseholdAuditDetail(int64_t unit_id, std::string_view room, Tenure tenure);
std::string TenureAuditDetail(std::optional<Tenure> before, Tenure after);
std::string BuildingAuditDetail(const BuildingDetailsInput& input);
std::string ImportAuditDetail(int64_t rows, const ImportSummary& summary);

}  // namespace linli::registry
