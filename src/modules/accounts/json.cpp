#include "modules/accounts/json.hpp"

namespace linli::accounts {

namespace {

boost::json::value OptionalInt(const std::optional<int64_t>& v) {
    if (v) {
        return *v;
    }
    return nullptr;
}

}  // namespace

boost::json::object UserToJson(const User& user) {
    boost::json::object o;
    o["id"] = user.id;
    o["username"] = user.username;
    o["display_name"] = user.display_name;
    o["role"] = RoleName(user.role);
    o["status"] = UserStatusName(user.status);
    boost::json::array scope;
    for (int64_t id : user.scope_node_ids) {
        scope.emplace_back(id);
    }
    o["scope_node_ids"] = std::move(scope);
    o["failed_logins"] = user.failed_logins;
    o["locked_until"] = OptionalInt(user.locked_until);
    o["password_changed_at"] = OptionalInt(user.password_changed_at);
    o["created_at"] = user.created_at;
    o["updated_at"] = user.updated_at;
    return o;
}

boost::json::object ApiTokenToJson(const ApiToken& token) {
    boost::json::object o;
    o["id"] = token.id;
    o["user_id"] = token.user_id;
    o["username"] = token.username;
    o["name"] = token.name;
    o["created_at"] = token.created_at;
    o["last_seen_at"] = token.last_seen_at;
    o["expires_at"] = OptionalInt(token.expires_at);
    return o;
}

boost::json::object AuditToJson(const AuditRecord& record) {
    boost::json::object o;
    o["id"] = record.id;
    o["at"] = record.at;
    o["actor_user_id"] = OptionalInt(record.actor_user_id);
    o["actor_name"] = record.actor_name;
    o["action"] = record.action;
    o["target_type"] = record.target_type;
    o["target_id"] = OptionalInt(record.target_id);
    o["result"] = record.result;
    if (record.detail.empty()) {
        o["detail"] = nullptr;
    } else {
        boost::system::error_code ec;
        boost::json::value parsed = boost::json::parse(record.detail, ec);
        if (ec) {
            o["detail"] = record.detail;
        } else {
            o["detail"] = std::move(parsed);
        }
    }
    o["request_id"] = record.request_id;
    o["remote_addr"] = record.remote_addr;
    return o;
}

boost::json::object ScopeNodeToJson(const ScopeNode& node) {
    boost::json::object o;
    o["id"] = node.id;
    o["path"] = node.path;
    return o;
}

std::string AuditDetail(const std::vector<std::pair<std::string, std::string>>& fields) {
    boost::json::object o;
    for (const auto& [key, value] : fields) {
        o[key] = value;
    }
    return boost::json::serialize(o);
}

}  // namespace linli::accounts
