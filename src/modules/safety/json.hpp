#pragma once
/// JSON shapes of the safety module (docs/api/openapi.yaml, /api/v1/safety/...). Only routes.cpp and
/// tests include this with Boost.JSON.

#include <cstdint>
#include <vector>

#include "core/paging.hpp"
#include "modules/safety/model.hpp"

namespace boost::json {
class value;
}  // namespace boost::json

namespace linli::safety {

/// {"id","community_id","shipped","code","kind","category_code","name_zh","name_en","active",
///  "current_version","created_at","updated_at"}
boost::json::value TemplateToJson(const Template& t);
/// The template plus "version": {"id","version","name_zh","name_en","note","created_by",
/// "created_by_name","created_at","item_count","items":[{"id","position","text_zh","text_en","basis",
/// "severity","rectify_days"}]}
boost::json::value TemplateDetailToJson(const TemplateDetail& d);
/// {"items":[version without items...]}
boost::json::value VersionsToJson(const std::vector<TemplateVersion>& versions);

/// {"id","name","kind","kind_zh","owner_name","owner_phone" (masked),"licence_no","address","place_id",
///  "building_id","grid_id","community_id","active","last_inspected_at","created_at","updated_at"}
boost::json::value VenueToJson(const Venue& v);
boost::json::value VenuePageToJson(const Page<Venue>& page);

/// {"id","content_type","size","sha256","created_at","url"}
boost::json::value PhotoToJson(const Photo& p);

boost::json::value InspectionToJson(const Inspection& i);
/// The inspection plus "results" (each with its "item" as in the version it was made against) and
/// "hazards".
boost::json::value InspectionDetailToJson(const InspectionDetail& d);
boost::json::value InspectionPageToJson(const Page<Inspection>& page);

/// A hazard with "overdue", its "responsible" party and its "order" ({"id","tracking_code","state",
/// "escalation_level","handler_user_id","handler_unit_id"}, null until opened); with
/// "rectifications" and "reinspections" when `with_history`.
boost::json::value HazardToJson(const HazardDetail& d, bool with_history);
boost::json::value HazardPageToJson(const Page<HazardDetail>& page);

boost::json::value LedgerToJson(const Ledger& l);
boost::json::value FiguresToJson(const Figures& f);
boost::json::value SafetyRecordToJson(const SafetyRecord& r);

}  // namespace linli::safety
