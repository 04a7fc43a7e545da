#include "modules/orders/json.hpp"

#include <boost/json.hpp>

#include "modules/orders/state_machine.hpp"

namespace linli::orders {

namespace json = boost::json;

namespace {

template <class T>
json::value Opt(const std::optional<T>& v) {
    if (!v) {
        return nullptr;
    }
    return json::value_from(*v);
}

bool Overdue(const Order& o, int64_t now) {
    if (o.state == OrderState::kSubmitted) {
        return o.due_accept_at < now;
    }
    return IsOpen(o.state) && o.due_resolve_at < now;
}

json::object DeadlineToJson(const Deadline& d) {
    return json::object{{"hours", d.hours}, {"kind", NameOf(kDeadlineKinds, d.kind)}};
}

json::value ReplyToJson(const Reply& r, bool with_author) {
    json::object o{{"at", r.at}, {"text", r.text}};
    if (with_author) {
        o["id"] = r.id;
        o["author_user_id"] = Opt(r.author_user_id);
        o["author_name"] = r.author_name;
    }
    return o;
}

}  // namespace

json::value OrderToJson(const Order& o, int64_t now) {
    json::object handler{{"user_id", Opt(o.handler.user_id)},
                         {"user_name", o.handler.user_id ? json::value(o.handler.user_name) : json::value(nullptr)},
                         {"unit_id", Opt(o.handler.unit_id)},
                         {"unit_name", o.handler.unit_id ? json::value(o.handler.unit_name) : json::value(nullptr)}};
    return json::object{
        {"id", o.id},
        {"tracking_code", o.tracking_code},
        {"kind", KindName(o.kind)},
        {"category", json::object{{"id", o.category_id},
                                  {"code", o.category_code},
                                  {"name_zh", o.category_name_zh},
                                  {"name_en", o.category_name_en}}},
        {"title", o.title},
        {"description", o.description},
        {"place", json::object{{"id", o.place_id}, {"name", o.place_name}, {"path", o.place_path}}},
        {"community_id", Opt(o.community_id)},
        {"grid_id", Opt(o.grid_id)},
        {"resident_id", Opt(o.resident_id)},
        {"reporter_name", o.reporter_name},
        {"reporter_phone", Opt(o.reporter_phone_masked)},
        {"channel", ChannelName(o.channel)},
        {"state", StateName(o.state)},
        {"handler", std::move(handler)},
        {"due_accept_at", o.due_accept_at},
        {"due_resolve_at", o.due_resolve_at},
        {"overdue", Overdue(o, now)},
        {"overdue_at", Opt(o.overdue_at)},
        {"escalation_level", kLevelNames[static_cast<size_t>(o.escalation_level)]},
        {"merged_into", Opt(o.merged_into)},
        {"reject_reason", Opt(o.reject_reason)},
        {"accepted_at", Opt(o.accepted_at)},
        {"dispatched_at", Opt(o.dispatched_at)},
        {"started_at", Opt(o.started_at)},
        {"resolved_at", Opt(o.resolved_at)},
        {"replied_at", Opt(o.replied_at)},
        {"closed_at", Opt(o.closed_at)},
        {"close_reason", Opt(o.close_reason)},
        {"reopen_count", o.reopen_count},
        {"address", o.address},
        {"created_at", o.created_at},
        {"updated_at", o.updated_at},
    };
}

json::value OrderDetailToJson(const OrderDetail& d, int64_t now) {
    json::value out = OrderToJson(d.order, now);
    json::array reporters;
    for (const auto& r : d.reporters) {
        reporters.push_back(json::object{{"source_order_id", r.source_order_id},
                                         {"tracking_code", r.tracking_code},
                                         {"resident_id", Opt(r.resident_id)},
                                         {"name", r.name},
                                         {"phone", Opt(r.phone_masked)},
                                         {"added_at", r.created_at}});
    }
    json::array replies;
    for (const auto& r : d.replies) {
        replies.push_back(ReplyToJson(r, true));
    }
    json::array actions;
    for (auto a : d.actions) {
        actions.emplace_back(ActionName(a));
    }
    auto& o = out.as_object();
    o["reporters"] = std::move(reporters);
    o["replies"] = std::move(replies);
    o["actions"] = std::move(actions);
    return out;
}

json::value OrderPageToJson(const Page<Order>& page, int64_t now) {
    json::array items;
    items.reserve(page.items.size());
    for (const auto& o : page.items) {
        items.push_back(OrderToJson(o, now));
    }
    return json::object{{"items", std::move(items)}, {"next_cursor", Opt(page.next_cursor)}};
}

json::value EventToJson(const OrderEvent& e) {
    json::object o{{"id", e.id},
                   {"at", e.at},
                   {"actor_user_id", Opt(e.actor_user_id)},
                   {"actor_name", e.actor_name},
                   {"actor_role", e.actor_role},
                   {"action", e.action},
                   {"from_state", Opt(e.from_state)},
                   {"to_state", e.to_state},
                   {"note", e.note},
                   {"public", e.is_public},
                   {"note_public", e.note_public}};
    if (!e.detail.empty()) {
        boost::system::error_code ec;
        auto parsed = json::parse(e.detail, ec);
        o["detail"] = ec ? json::value(nullptr) : std::move(parsed);
    } else {
        o["detail"] = nullptr;
    }
    return o;
}

json::value TimelineToJson(const std::vector<OrderEvent>& events) {
    json::array items;
    items.reserve(events.size());
    for (const auto& e : events) {
        items.push_back(EventToJson(e));
    }
    return json::object{{"items", std::move(items)}};
}

json::value PublicViewToJson(const PublicView& v) {
    json::array events;
    for (const auto& e : v.events) {
        json::object o{{"at", e.at}, {"action", e.action}, {"state", e.to_state}};
        if (e.note_public && !e.note.empty()) {
            o["note"] = e.note;
        }
        events.push_back(std::move(o));
    }
    json::array replies;
    for (const auto& r : v.replies) {
        replies.push_back(ReplyToJson(r, false));
    }
    return json::object{{"tracking_code", v.tracking_code},
                        {"kind", KindName(v.kind)},
                        {"category_name_zh", v.category_name_zh},
                        {"category_name_en", v.category_name_en},
                        {"title", v.title},
                        {"state", StateName(v.state)},
                        {"merged_into", Opt(v.merged_into_code)},
                        {"created_at", v.created_at},
                        {"events", std::move(events)},
                        {"replies", std::move(replies)}};
}

json::value CategoryToJson(const Category& c) {
    return json::object{{"id", c.id},
                        {"code", c.code},
                        {"name_zh", c.name_zh},
                        {"name_en", c.name_en},
                        {"accept", DeadlineToJson(c.accept)},
                        {"resolve", DeadlineToJson(c.resolve)},
                        {"default_handler", NameOf(kDefaultHandlers, c.default_handler)},
                        {"default_unit_id", Opt(c.default_unit_id)},
                        {"active", c.active},
                        {"sort_order", c.sort_order},
                        {"created_at", c.created_at},
                        {"updated_at", c.updated_at}};
}

json::value UnitToJson(const HandlingUnit& u) {
    return json::object{{"id", u.id},
                        {"name", u.name},
                        {"kind", NameOf(kUnitKinds, u.kind)},
                        {"contact", u.contact},
                        {"active", u.active},
                        {"member_count", u.member_count},
                        {"created_at", u.created_at},
                        {"updated_at", u.updated_at}};
}

json::value MemberToJson(const UnitMember& m) {
    return json::object{
        {"user_id", m.user_id}, {"username", m.username}, {"display_name", m.display_name}, {"added_at", m.created_at}};
}

}  // namespace linli::orders
