#pragma once
/// Accounts values as JSON (Boost.JSON). Password and token hashes have no representation here.

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/actor.hpp"
#include "core/paging.hpp"
#include "modules/accounts/audit.hpp"
#include "modules/accounts/model.hpp"

namespace linli::accounts {

/// {"id","username","display_name","role","status","scope_node_ids","failed_logins","locked_until",
///  "password_changed_at","created_at","updated_at"}
boost::json::object UserToJson(const User& user);
/// {"id","user_id","username","name","created_at","last_seen_at","expires_at"}
boost::json::object ApiTokenToJson(const ApiToken& token);
/// Every column; "detail" is embedded as JSON when it parses, else as a string.
boost::json::object AuditToJson(const AuditRecord& record);
/// {"id","path"}
boost::json::object ScopeNodeToJson(const ScopeNode& node);

/// {"items":[...],"next_cursor":"..."|null}
template <class T, class F>
boost::json::object PageToJson(const Page<T>& page, F&& to_json) {
    boost::json::array items;
    items.reserve(page.items.size());
    for (const auto& item : page.items) {
        items.emplace_back(to_json(item));
    }
    boost::json::object out;
    out["items"] = std::move(items);
    if (page.next_cursor) {
        out["next_cursor"] = *page.next_cursor;
    } else {
        out["next_cursor"] = nullptr;
    }
    return out;
}

/// A short JSON object of string fields for AuditRecord::detail ({"reason":"locked"}).
std::string AuditDetail(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace linli::accounts
