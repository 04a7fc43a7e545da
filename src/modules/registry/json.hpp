#pragma once
/// JSON shapes of the registry module: the node object the API answers and the short audit details.
/// Boost.JSON is only forward-declared here so the service can build audit details without it.

#include <string>
#include <vector>

#include "core/paging.hpp"
#include "modules/registry/model.hpp"

namespace boost::json {
class value;
}  // namespace boost::json

namespace linli::registry {

/// {"id","parent_id","kind","name","code","path","depth","community_id","child_count","created_at","updated_at"};
/// absent optionals are null.
boost::json::value NodeToJson(const Node& node);
/// {"items":[node...],"next_cursor":string|null}
boost::json::value NodePageToJson(const Page<Node>& page);
/// {"items":[node...]}
boost::json::value NodeListToJson(const std::vector<Node>& nodes);

/// Audit detail of territory.create / territory.delete: {"kind","name","code","parent_id","path"}.
std::string NodeAuditDetail(const Node& node);
/// Audit detail of territory.update: {"name":{"old","new"}} plus "code":{"old","new"} when it changed.
std::string NodeUpdateAuditDetail(const Node& before, const Node& after);

}  // namespace linli::registry
