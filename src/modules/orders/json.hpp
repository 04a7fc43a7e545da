#pragma once
/// JSON shapes of the orders module. Only routes.cpp and tests include this with Boost.JSON.

#include <vector>

#include "core/paging.hpp"
#include "modules/orders/model.hpp"

namespace boost::json {
class value;
}  // namespace boost::json

namespace linli::orders {

/// {"id","tracking_code","kind","category":{"id","code","name_zh","name_en"},"title","description",
///  "place":{"id","name","path"},"community_id","grid_id","resident_id","reporter_name",
///  "reporter_phone" (masked),"channel","state","handler":{"user_id","user_name","unit_id","unit_name"},
///  "due_accept_at","due_resolve_at","overdue","escalation_level","merged_into","reject_reason",
///  "accepted_at",...,"closed_at","close_reason","reopen_count","address","created_at","updated_at"}
boost::json::value OrderToJson(const Order& order, int64_t now);
/// The order plus "reporters", "replies" and "actions" (what the caller may do now).
boost::json::value OrderDetailToJson(const OrderDetail& detail, int64_t now);
/// {"items":[order...],"next_cursor"}
boost::json::value OrderPageToJson(const Page<Order>& page, int64_t now);
boost::json::value EventToJson(const OrderEvent& event);
/// {"items":[event...]}
boost::json::value TimelineToJson(const std::vector<OrderEvent>& events);
/// The resident's view: no ids of people, no internal notes.
boost::json::value PublicViewToJson(const PublicView& view);

boost::json::value CategoryToJson(const Category& category);
boost::json::value UnitToJson(const HandlingUnit& unit);
boost::json::value MemberToJson(const UnitMember& member);

}  // namespace linli::orders
