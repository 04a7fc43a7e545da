#include "modules/registry/json.hpp"

#include <boost/json.hpp>

namespace linli::registry {

namespace {

template <class T>
boost::json::value OptionalToJson(const std::optional<T>& v) {
    if (!v) {
        return nullptr;
    }
    return boost::json::value_from(*v);
}

}  // namespace

boost::json::value NodeToJson(const Node& node) {
    return boost::json::object{
        {"id", node.id},
        {"parent_id", OptionalToJson(node.parent_id)},
        {"kind", NodeKindName(node.kind)},
        {"name", node.name},
        {"code", OptionalToJson(node.code)},
        {"path", node.path},
        {"depth", node.depth},
        {"community_id", OptionalToJson(node.community_id)},
        {"child_count", node.child_count},
        {"created_at", node.created_at},
        {"updated_at", node.updated_at},
    };
}

boost::json::value NodeListToJson(const std::vector<Node>& nodes) {
    boost::json::array items;
    items.reserve(nodes.size());
    for (const auto& node : nodes) {
        items.push_back(NodeToJson(node));
    }
    return boost::json::object{{"items", std::move(items)}};
}

boost::json::value NodePageToJson(const Page<Node>& page) {
    auto out = NodeListToJson(page.items);
    out.as_object()["next_cursor"] = OptionalToJson(page.next_cursor);
    return out;
}

std::string NodeAuditDetail(const Node& node) {
    return boost::json::serialize(boost::json::object{
        {"kind", NodeKindName(node.kind)},
        {"name", node.name},
        {"code", OptionalToJson(node.code)},
        {"parent_id", OptionalToJson(node.parent_id)},
        {"path", node.path},
    });
}

std::string NodeUpdateAuditDetail(const Node& before, const Node& after) {
    boost::json::object detail;
    // The names always, so the log reads as a rename history even when only the code changed.
    detail["name"] = boost::json::object{{"old", before.name}, {"new", after.name}};
    if (before.code != after.code) {
        detail["code"] = boost::json::object{{"old", OptionalToJson(before.code)}, {"new", OptionalToJson(after.code)}};
    }
    return boost::json::serialize(detail);
}

}  // namespace linli::registry
