#include "modules/open311/service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <unordered_map>
#include <utility>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "modules/accounts/audit.hpp"
#include "modules/accounts/service.hpp"
#include "modules/open311/w3c_time.hpp"

namespace linli::open311 {

using orders::Category;
using orders::Channel;
using orders::Order;
using orders::OrderKind;
using orders::OrderState;
using registry::NodeKind;

namespace {

constexpr std::string_view kSourcePrefix = "open311:";
constexpr size_t kTitleFromDescriptionChars = 30;

Actor Reader() {
    return accounts::AccountsService::SystemActor("open311");
}

bool IsAdmin(const Actor& actor) {
    return actor.role == Role::kAdmin;
}

/// The first `n` code points of `s` (valid UTF-8).
std::string PrefixChars(std::string_view s, size_t n) {
    size_t count = 0;
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if ((c & 0xC0) != 0x80) {
            if (count == n) {
                break;
            }
            ++count;
        }
        ++i;
    }
    return std::string(s.substr(0, i));
}

/// An optional form field: absent and empty are the same ("Optional Arguments" in the spec).
std::optional<std::string> Given(const std::optional<std::string>& raw) {
    if (!raw) {
        return std::nullopt;
    }
    std::string t = text::Trim(*raw);
    if (t.empty()) {
        return std::nullopt;
    }
    return t;
}

std::optional<double> ParseDouble(std::string_view s) {
    double v = 0;
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc() || ptr != end || !std::isfinite(v)) {
        return std::nullopt;
    }
    return v;
}

std::optional<int64_t> ParseId(std::string_view s) {
    int64_t v = 0;
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc() || ptr != end || v < 1) {
        return std::nullopt;
    }
    return v;
}

std::string DeadlineText(const orders::Deadline& d, Locale locale) {
    switch (d.kind) {
        case DeadlineKind::kSameDay:
            return locale == Locale::kZh ? "当日" : "the same day";
        case DeadlineKind::kWorkingHours:
            return locale == Locale::kZh ? fmt::format("{} 个工作小时内", d.hours)
                                         : fmt::format("within {} working hours", d.hours);
        case DeadlineKind::kCalendarHours:
            return locale == Locale::kZh ? fmt::format("{} 小时内", d.hours) : fmt::format("within {} hours", d.hours);
    }
    return {};
}

std::string CategoryName(const Category& c, Locale locale) {
    return locale == Locale::kZh ? c.name_zh : c.name_en;
}

std::string ServiceDescription(const Category& c, Locale locale) {
    if (locale == Locale::kZh) {
        return fmt::format("{}（{}）：{}受理，{}办结。", c.name_zh, c.name_en, DeadlineText(c.accept, locale),
                           DeadlineText(c.resolve, locale));
    }
    return fmt::format("{} ({}): accepted {}, resolved {}.", c.name_en, c.name_zh, DeadlineText(c.accept, locale),
                       DeadlineText(c.resolve, locale));
}

/// What a kind is called, for the "kind" attribute's values.
std::string KindLabel(OrderKind kind, Locale locale) {
    const bool zh = locale == Locale::kZh;
    switch (kind) {
        case OrderKind::kRequest:
            return zh ? "求助/诉求" : "Request";
        case OrderKind::kComplaint:
            return zh ? "投诉" : "Complaint";
        case OrderKind::kSuggestion:
            return zh ? "建议" : "Suggestion";
        case OrderKind::kHazard:
            return zh ? "隐患" : "Hazard";
        case OrderKind::kDispute:
            return zh ? "纠纷" : "Dispute";
        case OrderKind::kService:
            return zh ? "服务" : "Service";
    }
    return {};
}

/// A human label of a timeline step, for the notes extension.
std::string StepLabel(std::string_view action, Locale locale) {
    struct Label {
        std::string_view action;
        std::string_view zh;
        std::string_view en;
    };
    static constexpr Label kLabels[] = {
        {"submit", "已提交", "Request opened"}, {"accept", "已受理", "Accepted"},
        {"dispatch", "已派单", "Dispatched"},   {"start", "处理中", "Work started"},
        {"resolve", "已办结", "Resolved"},      {"reply", "已答复", "Replied"},
        {"close", "已关闭", "Closed"},          {"return", "已退回重派", "Returned for re-dispatch"},
        {"escalate", "已升级", "Escalated"},    {"merge", "已合并", "Merged into another request"},
        {"reject", "不予受理", "Rejected"},     {"reopen", "已重新打开", "Reopened"},
        {"supervise", "督办", "Supervised"},
    };
    for (const auto& l : kLabels) {
        if (l.action == action) {
            return std::string(locale == Locale::kZh ? l.zh : l.en);
        }
    }
    return std::string(action);
}

constexpr orders::NameTable<OrderKind, 6> kKinds = orders::kOrderKinds;

/// Chicago's note types: "opened" when the request was submitted or opened again, "closed" when the
/// step closed it, "activity" for anything else.
std::string NoteType(const orders::OrderEvent& e) {
    if (e.action == "submit") {
        return "opened";
    }
    const auto to = orders::Lookup(orders::kOrderStates, e.to_state);
    const auto from = e.from_state ? orders::Lookup(orders::kOrderStates, *e.from_state) : std::nullopt;
    if (!to || !from) {
        return "activity";
    }
    const std::string_view before = StatusOf(*from);
    const std::string_view after = StatusOf(*to);
    if (before == "open" && after == "closed") {
        return "closed";
    }
    if (before == "closed" && after == "open") {
        return "opened";
    }
    return "activity";
}

/// The text of an update: its public note, else what the step was.
std::string UpdateText(const UpdateRow& u, Locale locale) {
    return u.description.empty() ? StepLabel(u.action, locale) : u.description;
}

}  // namespace

std::string_view StatusOf(OrderState state) {
    switch (state) {
        case OrderState::kResolved:
        case OrderState::kReplied:
        case OrderState::kClosed:
        case OrderState::kMerged:
        case OrderState::kRejected:
            return "closed";
        case OrderState::kSubmitted:
        case OrderState::kAccepted:
        case OrderState::kDispatched:
        case OrderState::kInProgress:
        case OrderState::kReturned:
        case OrderState::kEscalated:
        case OrderState::kReopened:
            return "open";
    }
    return "open";
}

Open311Service::Open311Service(storage::Database& db, const Clock& clock, orders::OrderService& orders,
                               orders::CatalogService& catalog, registry::RegistryService& territory,
                               Open311Options options)
    : db_(db), clock_(clock), orders_(orders), catalog_(catalog), territory_(territory), options_(std::move(options)) {}

// ---- jurisdictions and services ------------------------------------------------------------------

Result<std::vector<Open311Service::Jurisdiction>> Open311Service::Communities(bool force_reload) {
    const int64_t now = clock_.Now();
    {
        std::lock_guard lock(mu_);
        if (communities_loaded_at_) {
            const int64_t age = now - *communities_loaded_at_;
            if (!force_reload && age < kJurisdictionCacheSeconds) {
                return communities_;
            }
            // A code looked up in vain reloads at most every few seconds, so junk codes cost no scans.
            if (force_reload && age < 2) {
                return communities_;
            }
        }
    }
    std::vector<Jurisdiction> loaded;
    registry::NodeQuery query;
    query.kind = NodeKind::kCommunity;
    query.sort = registry::NodeSort::kIdAsc;
    query.limit = kMaxPageSize;
    while (true) {
        LINLI_ASSIGN_OR_RETURN(auto page, territory_.List(Reader(), query));
        for (auto& node : page.items) {
            loaded.push_back(Jurisdiction{node.id, node.path, node.name, node.code.value_or("")});
        }
        if (!page.next_cursor) {
            break;
        }
        query.cursor = page.next_cursor;
    }
    std::lock_guard lock(mu_);
    communities_ = loaded;
    communities_loaded_at_ = now;
    return loaded;
}

Result<std::optional<Open311Service::Jurisdiction>> Open311Service::Resolve(const std::optional<std::string>& raw) {
    auto code = Given(raw);
    if (!code) {
        return std::optional<Jurisdiction>{};
    }
    for (bool reload : {false, true}) {
        LINLI_ASSIGN_OR_RETURN(auto all, Communities(reload));
        std::vector<Jurisdiction> matches;
        for (auto& j : all) {
            if (j.code == *code) {
                matches.push_back(j);
            }
        }
        if (matches.size() > 1) {
            return InvalidArgument("jurisdiction_id", "jurisdiction_id " + *code +
                                                          " names more than one community; give the communities "
                                                          "unique codes");
        }
        if (matches.size() == 1) {
            return std::optional<Jurisdiction>(matches.front());
        }
    }
    return Error{ErrorCode::kNotFound, "jurisdiction_id " + *code + " was not found", "jurisdiction_id"};
}

Result<std::optional<Category>> Open311Service::CategoryByCode(std::string_view code) {
    LINLI_ASSIGN_OR_RETURN(auto categories, catalog_.ListCategories(Reader(), false));
    for (auto& c : categories) {
        if (c.code == code) {
            return std::optional<Category>(std::move(c));
        }
    }
    return std::optional<Category>{};
}

Result<Discovery> Open311Service::GetDiscovery(std::string endpoint_url) {
    Discovery d;
    // The changeset tells clients to refresh cached services: the latest change to a category.
    LINLI_ASSIGN_OR_RETURN(auto categories, catalog_.ListCategories(Reader(), false));
    int64_t changed = 0;
    for (const auto& c : categories) {
        changed = std::max(changed, c.updated_at);
    }
    d.changeset = FormatW3c(changed);
    d.contact = options_.contact;
    d.key_service = options_.key_service;
    d.url = std::move(endpoint_url);
    return d;
}

Result<std::vector<Service>> Open311Service::ListServices(const std::optional<std::string>& jurisdiction_id,
                                                          Locale locale) {
    LINLI_TRY(Resolve(jurisdiction_id));
    LINLI_ASSIGN_OR_RETURN(auto categories, catalog_.ListCategories(Reader(), false));
    std::vector<Service> out;
    out.reserve(categories.size());
    for (const auto& c : categories) {
        Service s;
        s.service_code = c.code;
        s.service_name = CategoryName(c, locale);
        s.description = ServiceDescription(c, locale);
        s.keywords = c.name_zh + ", " + c.name_en + ", " + c.code;
        s.group = NameOf(orders::kDefaultHandlers, c.default_handler);
        out.push_back(std::move(s));
    }
    return out;
}

Result<ServiceDefinition> Open311Service::GetDefinition(const std::optional<std::string>& jurisdiction_id,
                                                        std::string_view service_code, Locale locale) {
    LINLI_TRY(Resolve(jurisdiction_id));
    LINLI_ASSIGN_OR_RETURN(auto category, CategoryByCode(service_code));
    if (!category) {
        return Error{ErrorCode::kNotFound, "service_code " + std::string(service_code) + " was not found",
                     "service_code"};
    }
    const bool zh = locale == Locale::kZh;
    ServiceDefinition def;
    def.service_code = category->code;

    Attribute kind;
    kind.code = "kind";
    kind.datatype = "singlevaluelist";
    kind.required = false;
    kind.datatype_description = zh ? "不填时为“求助/诉求”" : "request when not given";
    kind.order = 1;
    kind.description = zh ? "这件事属于哪一类？" : "What kind of matter is this?";
    for (const auto& [k, name] : kKinds) {
        kind.values.push_back(AttributeValue{std::string(name), KindLabel(k, locale)});
    }
    def.attributes.push_back(std::move(kind));

    Attribute title;
    title.code = "title";
    title.datatype = "string";
    title.required = false;
    title.datatype_description = zh ? fmt::format("最多 {} 个字；不填时取描述的开头", orders::kMaxTitleChars)
                                    : fmt::format(
                                          "up to {} characters; the start of the description when not "
                                          "given",
                                          orders::kMaxTitleChars);
    title.order = 2;
    title.description = zh ? "一句话概括" : "A short title";
    def.attributes.push_back(std::move(title));

    // From the category's own fields: its deadlines, shown to the user, not asked.
    Attribute deadline;
    deadline.variable = false;
    deadline.code = "deadline";
    deadline.datatype = "string";
    deadline.required = false;
    deadline.order = 3;
    deadline.description = ServiceDescription(*category, locale);
    def.attributes.push_back(std::move(deadline));
    return def;
}

// ---- POST requests ---------------------------------------------------------------------------------

Result<PostedRequest> Open311Service::CreateRequest(const NewRequest& input, Locale locale, const RequestInfo& info) {
    // The key first: without one nothing else is looked at (403, as the spec's example).
    auto api_key = Given(input.api_key);
    if (!api_key) {
        return Error{ErrorCode::kForbidden, "api_key is required to create a service request", "api_key"};
    }
    const std::string key_hash = crypto::HashToken(*api_key);
    LINLI_ASSIGN_OR_RETURN(auto key,
                           db_.Read([&](storage::Conn& conn) { return repo::FindActiveKeyByHash(conn, key_hash); }));
    if (!key) {
        return Error{ErrorCode::kForbidden, "Invalid api_key received -- can't proceed with create_request.",
                     "api_key"};
    }

    auto service_code = Given(input.service_code);
    if (!service_code) {
        return InvalidArgument("service_code", "service_code was not provided");
    }

    LINLI_ASSIGN_OR_RETURN(auto jurisdiction, Resolve(input.jurisdiction_id));
    if (jurisdiction && key->community_id && *key->community_id != jurisdiction->id) {
        return Error{ErrorCode::kForbidden, "this api_key is not valid for jurisdiction_id " + jurisdiction->code,
                     "api_key"};
    }
    if (!jurisdiction) {
        LINLI_ASSIGN_OR_RETURN(auto all, Communities(false));
        if (key->community_id) {
            for (const auto& j : all) {
                if (j.id == *key->community_id) {
                    jurisdiction = j;
                }
            }
        } else if (all.size() == 1) {
            jurisdiction = all.front();
        }
        if (!jurisdiction) {
            return InvalidArgument("jurisdiction_id",
                                   "jurisdiction_id was not provided: this endpoint serves several communities");
        }
    }

    LINLI_ASSIGN_OR_RETURN(auto category, CategoryByCode(*service_code));
    if (!category) {
        return Error{ErrorCode::kNotFound, "service_code " + *service_code + " was not found", "service_code"};
    }

    // The location: lat & long together, address_string, or address_id (a place in the jurisdiction).
    auto lat_text = Given(input.lat);
    auto lon_text = Given(input.lon);
    auto address = Given(input.address_string);
    auto address_id_text = Given(input.address_id);
    if (!lat_text && !lon_text && !address && !address_id_text) {
        return InvalidArgument("lat", "a location is required: lat and long, address_string or address_id");
    }
    std::optional<double> lat;
    std::optional<double> lon;
    if (lat_text || lon_text) {
        if (!lat_text || !lon_text) {
            return InvalidArgument(lat_text ? "long" : "lat", "lat and long must both be sent");
        }
        lat = ParseDouble(*lat_text);
        if (!lat || *lat < -90 || *lat > 90) {
            return InvalidArgument("lat", "lat must be a WGS84 latitude between -90 and 90");
        }
        lon = ParseDouble(*lon_text);
        if (!lon || *lon < -180 || *lon > 180) {
            return InvalidArgument("long", "long must be a WGS84 longitude between -180 and 180");
        }
    }
    if (address && text::CodePointCount(*address) > orders::kMaxAddressChars) {
        return InvalidArgument("address_string",
                               fmt::format("address_string is longer than {} characters", orders::kMaxAddressChars));
    }
    int64_t place_id = jurisdiction->id;
    std::optional<int64_t> address_id;
    if (address_id_text) {
        address_id = ParseId(*address_id_text);
        auto node = address_id ? territory_.Get(Reader(), *address_id) : Result<registry::Node>(NotFound(""));
        if (!node) {
            if (node.error().code != ErrorCode::kNotFound) {
                return node.error();
            }
            return InvalidArgument("address_id", "address_id is not a known address (a territory node id)");
        }
        const bool place_kind = node->kind == NodeKind::kCommunity || node->kind == NodeKind::kGrid ||
                                node->kind == NodeKind::kBuilding || node->kind == NodeKind::kUnit ||
                                node->kind == NodeKind::kHousehold;
        if (!place_kind || !node->path.starts_with(jurisdiction->path)) {
            return InvalidArgument(
                "address_id", "address_id must be a building, unit or household of jurisdiction " + jurisdiction->code);
        }
        place_id = node->id;
    }

    // Attributes of the service definition only.
    OrderKind kind = OrderKind::kRequest;
    std::optional<std::string> title;
    for (const auto& [code, values] : input.attributes) {
        const std::string field = "attribute[" + code + "]";
        if (code != "kind" && code != "title") {
            return InvalidArgument(field, code + " is not an attribute of service " + category->code);
        }
        if (values.size() != 1) {
            return InvalidArgument(field, code + " takes one value");
        }
        if (code == "kind") {
            auto parsed = orders::Lookup(kKinds, values.front());
            if (!parsed) {
                return InvalidArgument(field, "kind must be one of: " + orders::NameList(kKinds));
            }
            kind = *parsed;
        } else {
            title = Given(values.front());
        }
    }

    auto description = input.description ? text::Trim(*input.description) : std::string();
    if (text::CodePointCount(description) > orders::kMaxDescriptionChars) {
        return InvalidArgument("description",
                               fmt::format("description is longer than {} characters", orders::kMaxDescriptionChars));
    }
    if (!title) {
        const auto first_line = description.substr(0, description.find('\n'));
        title = first_line.empty() ? CategoryName(*category, locale)
                                   : PrefixChars(text::Trim(first_line), kTitleFromDescriptionChars);
    }

    std::string media_url = Given(input.media_url).value_or("");
    if (!media_url.empty()) {
        if (!(media_url.starts_with("http://") || media_url.starts_with("https://")) ||
            media_url.size() > kMaxMediaUrlChars || text::HasControlChars(media_url)) {
            return InvalidArgument("media_url", "media_url must be an http or https URL of at most 1000 characters");
        }
    }

    // The reporter: a name (family name first when written in Chinese) and a phone; email, device_id
    // and account_id are not kept (docs/open311.md).
    auto first = Given(input.first_name);
    auto last = Given(input.last_name);
    std::optional<std::string> reporter_name;
    if (first || last) {
        const std::string f = first.value_or("");
        const std::string l = last.value_or("");
        const bool ascii =
            std::all_of(f.begin(), f.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }) &&
            std::all_of(l.begin(), l.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
        reporter_name = ascii ? text::Trim(f + " " + l) : l + f;
    }

    orders::ChannelIntake intake;
    intake.kind = kind;
    intake.category_id = category->id;
    intake.title = *title;
    intake.description = description;
    intake.place_id = place_id;
    intake.reporter_name = reporter_name;
    intake.reporter_phone = Given(input.phone);
    intake.channel = Channel::kOpen311;
    intake.address = address;
    intake.lat = lat;
    intake.lon = lon;
    const std::string source_ref = std::string(kSourcePrefix) + crypto::RandomToken(12);
    intake.source_ref = source_ref;
    {
        std::lock_guard lock(mu_);
        pending_[source_ref] = RequestExtras{0, key->id, address_id, media_url};
    }
    auto created = orders_.CreateFromChannel(intake, info);
    {
        std::lock_guard lock(mu_);
        pending_.erase(source_ref);
    }
    if (!created) {
        Error e = created.error();
        // Name the spec's fields, not the orders module's.
        if (e.field == "reporter_name") {
            e.field = "first_name";
        } else if (e.field == "reporter_phone") {
            e.field = "phone";
        } else if (e.field == "address") {
            e.field = "address_string";
        } else if (e.field == "place_id") {
            e.field = "address_id";
        } else if (e.field == "category_id") {
            e.field = "service_code";
        }
        return e;
    }

    PostedRequest out;
    out.service_request_id = created->id;
    const std::string code = created->tracking_code;
    if (locale == Locale::kZh) {
        out.service_notice =
            fmt::format("已收到。查询码 {}（可在 /track/{} 查看进度）。{}受理，预计 {} 前办结。", code, code,
                        DeadlineText(category->accept, locale), FormatW3c(created->due_resolve_at));
    } else {
        out.service_notice = fmt::format(
            "Received. Tracking code {} (follow it at /track/{}). It will be accepted {} and is expected "
            "to be resolved by {}.",
            code, code, DeadlineText(category->accept, locale), FormatW3c(created->due_resolve_at));
    }
    return out;
}

Result<void> Open311Service::OnEvent(storage::Conn& conn, const Order& order, const orders::OrderEvent& event) {
    if (order.channel != Channel::kOpen311) {
        return {};
    }
    if (event.is_public) {
        UpdateRow u;
        u.order_id = order.id;
        u.event_id = event.id;
        u.community_id = order.community_id;
        u.at = event.at;
        u.detailed_status = event.to_state;
        const auto to = orders::Lookup(orders::kOrderStates, event.to_state);
        u.status = std::string(StatusOf(to.value_or(order.state)));
        u.action = event.action;
        u.description = event.note_public ? event.note : std::string();
        LINLI_TRY(repo::InsertUpdate(conn, u));
    }
    if (event.action != "submit" || !order.source_ref || !order.source_ref->starts_with(kSourcePrefix)) {
        return {};
    }
    std::optional<RequestExtras> extras;
    {
        std::lock_guard lock(mu_);
        auto it = pending_.find(*order.source_ref);
        if (it != pending_.end()) {
            extras = it->second;
        }
    }
    if (!extras) {
        return {};
    }
    extras->order_id = order.id;
    return repo::InsertRequestExtras(conn, *extras, clock_.Now());
}

// ---- GET requests ----------------------------------------------------------------------------------

Result<std::vector<ServiceRequest>> Open311Service::ToRequests(const std::vector<Order>& found, bool extensions,
                                                               Locale locale) {
    std::vector<int64_t> open311_ids;
    for (const auto& o : found) {
        if (o.channel == Channel::kOpen311) {
            open311_ids.push_back(o.id);
        }
    }
    std::unordered_map<int64_t, RequestExtras> extras;
    if (!open311_ids.empty()) {
        LINLI_ASSIGN_OR_RETURN(
            auto rows, db_.Read([&](storage::Conn& conn) { return repo::FindRequestExtras(conn, open311_ids); }));
        for (auto& r : rows) {
            extras.emplace(r.order_id, std::move(r));
        }
    }
    LINLI_ASSIGN_OR_RETURN(auto communities, Communities(false));
    std::unordered_map<int64_t, std::string> community_names;
    for (const auto& j : communities) {
        community_names.emplace(j.id, j.name);
    }

    std::vector<ServiceRequest> out;
    out.reserve(found.size());
    for (const auto& o : found) {
        const bool published = o.channel == Channel::kOpen311;
        ServiceRequest r;
        r.service_request_id = o.id;
        r.status = std::string(StatusOf(o.state));
        r.service_name = locale == Locale::kZh ? o.category_name_zh : o.category_name_en;
        r.service_code = o.category_code;
        if (!o.handler.unit_name.empty()) {
            r.agency_responsible = o.handler.unit_name;
        } else if (o.community_id) {
            if (auto it = community_names.find(*o.community_id); it != community_names.end()) {
                r.agency_responsible = it->second;
            }
        }
        r.requested_datetime = o.created_at;
        r.updated_datetime = o.updated_at;
        if (r.status == "open") {
            r.expected_datetime = o.due_resolve_at;
        }
        r.detailed_status = std::string(orders::StateName(o.state));
        r.channel = std::string(orders::ChannelName(o.channel));
        r.duplicate = o.merged_into.has_value();
        r.parent_service_request_id = o.merged_into;
        if (o.merged_into) {
            r.status_notes = locale == Locale::kZh ? fmt::format("重复诉求，已并入 {} 号。", *o.merged_into)
                                                   : fmt::format("Duplicate request, merged into {}.", *o.merged_into);
        }
        if (published) {
            if (!o.description.empty()) {
                r.description = o.description;
            }
            if (!o.address.empty()) {
                r.address = o.address;
            }
            r.lat = o.lat;
            r.lon = o.lon;
            if (auto it = extras.find(o.id); it != extras.end()) {
                r.address_id = it->second.address_id;
                if (!it->second.media_url.empty()) {
                    r.media_url = it->second.media_url;
                }
            }
        }
        if (published || extensions) {
            LINLI_ASSIGN_OR_RETURN(auto view, orders_.GetPublicView(o.tracking_code));
            int64_t latest_note_at = INT64_MIN;
            for (const auto& e : view.events) {
                Note n;
                n.datetime = e.at;
                n.type = NoteType(e);
                n.step = e.action;
                n.summary = StepLabel(e.action, locale);
                // Notes meant for the reporter are published only where the reporter published the request.
                if (published && e.note_public && !e.note.empty()) {
                    n.description = e.note;
                    if (e.at >= latest_note_at && !o.merged_into) {
                        latest_note_at = e.at;
                        r.status_notes = e.note;
                    }
                }
                r.notes.push_back(std::move(n));
            }
            if (published) {
                for (const auto& reply : view.replies) {
                    if (reply.at >= latest_note_at && !o.merged_into) {
                        latest_note_at = reply.at;
                        r.status_notes = reply.text;
                    }
                }
            }
        }
        out.push_back(std::move(r));
    }
    return out;
}

Result<std::vector<ServiceRequest>> Open311Service::ListRequests(const RequestQuery& query) {
    LINLI_ASSIGN_OR_RETURN(auto jurisdiction, Resolve(query.jurisdiction_id));
    const Actor reader = Reader();
    std::vector<Order> found;
    if (!query.service_request_ids.empty()) {
        // "This overrides all other arguments."
        for (int64_t id : query.service_request_ids) {
            auto detail = orders_.Get(reader, id);
            if (!detail) {
                if (detail.error().code == ErrorCode::kNotFound) {
                    continue;
                }
                return detail.error();
            }
            if (jurisdiction && detail->order.community_id != jurisdiction->id) {
                continue;
            }
            found.push_back(std::move(detail->order));
        }
        return ToRequests(found, query.extensions, query.locale);
    }

    LINLI_ASSIGN_OR_RETURN(auto range, DateRange(query.start_date, query.end_date));
    const auto [start, end] = range;

    std::set<int64_t> category_ids;
    for (const auto& code : query.service_codes) {
        LINLI_ASSIGN_OR_RETURN(auto category, CategoryByCode(code));
        if (!category) {
            return InvalidArgument("service_code", "service_code " + code + " was not found");
        }
        category_ids.insert(category->id);
    }

    orders::OrderQuery oq;
    if (jurisdiction) {
        oq.node_id = jurisdiction->id;
    }
    if (category_ids.size() == 1) {
        oq.category_id = *category_ids.begin();
    }
    oq.limit = kMaxPageSize;
    // Newest first: stop at the first order older than the range. A later page skips the matches of
    // the pages before it (the range is at most 90 days, so this stays bounded).
    const size_t skip = static_cast<size_t>(query.paging.page - 1) * static_cast<size_t>(query.paging.page_size);
    const size_t take = static_cast<size_t>(query.paging.page_size);
    size_t skipped = 0;
    bool done = false;
    while (!done) {
        LINLI_ASSIGN_OR_RETURN(auto page, orders_.List(reader, oq));
        for (auto& o : page.items) {
            if (o.created_at > end) {
                continue;
            }
            if (o.created_at < start) {
                done = true;
                break;
            }
            if (!category_ids.empty() && !category_ids.contains(o.category_id)) {
                continue;
            }
            const bool open = StatusOf(o.state) == "open";
            if ((open && !query.open) || (!open && !query.closed)) {
                continue;
            }
            if (skipped < skip) {
                ++skipped;
                continue;
            }
            found.push_back(std::move(o));
            if (found.size() >= take) {
                done = true;
                break;
            }
        }
        if (!page.next_cursor) {
            break;
        }
        oq.cursor = page.next_cursor;
    }
    return ToRequests(found, query.extensions, query.locale);
}

Result<std::pair<int64_t, int64_t>> Open311Service::DateRange(std::optional<int64_t> start_date,
                                                              std::optional<int64_t> end_date) const {
    int64_t end = 0;
    int64_t start = 0;
    if (start_date && end_date) {
        start = *start_date;
        end = *end_date;
    } else if (start_date) {
        start = *start_date;
        end = start + kDefaultSpanSeconds;
    } else {
        end = end_date.value_or(clock_.Now());
        start = end - kDefaultSpanSeconds;
    }
    if (start > end) {
        return InvalidArgument("start_date", "start_date is after end_date");
    }
    if (end - start > kDefaultSpanSeconds) {
        return InvalidArgument("end_date", "start_date and end_date may not span more than 90 days");
    }
    return std::pair{start, end};
}

Result<std::vector<RequestUpdate>> Open311Service::ListUpdates(const UpdateQuery& query) {
    LINLI_ASSIGN_OR_RETURN(auto jurisdiction, Resolve(query.jurisdiction_id));
    LINLI_ASSIGN_OR_RETURN(auto range, DateRange(query.start_date, query.end_date));
    std::optional<int64_t> community;
    if (jurisdiction) {
        community = jurisdiction->id;
    }
    const int64_t offset = int64_t{query.paging.page - 1} * query.paging.page_size;
    LINLI_ASSIGN_OR_RETURN(auto rows, db_.Read([&](storage::Conn& conn) {
        return repo::ListUpdates(conn, community, range.first, range.second, offset, query.paging.page_size);
    }));
    std::vector<RequestUpdate> out;
    out.reserve(rows.size());
    for (const auto& u : rows) {
        RequestUpdate r;
        r.update_id = u.id;
        r.service_request_id = u.order_id;
        r.status = u.status;
        r.external_status_code = u.detailed_status;
        r.updated_datetime = u.at;
        r.description = UpdateText(u, query.locale);
        out.push_back(std::move(r));
    }
    return out;
}

Result<ServiceRequest> Open311Service::GetRequest(const std::optional<std::string>& jurisdiction_id, int64_t id,
                                                  bool extensions, Locale locale) {
    LINLI_ASSIGN_OR_RETURN(auto jurisdiction, Resolve(jurisdiction_id));
    const Error not_found{ErrorCode::kNotFound, "service_request_id " + std::to_string(id) + " was not found",
                          "service_request_id"};
    auto detail = orders_.Get(Reader(), id);
    if (!detail) {
        return detail.error().code == ErrorCode::kNotFound ? not_found : detail.error();
    }
    if (jurisdiction && detail->order.community_id != jurisdiction->id) {
        return not_found;
    }
    LINLI_ASSIGN_OR_RETURN(auto list, ToRequests({detail->order}, extensions, locale));
    return std::move(list.front());
}

Result<TokenAnswer> Open311Service::GetToken(const std::optional<std::string>& jurisdiction_id,
                                             std::string_view token) {
    LINLI_ASSIGN_OR_RETURN(auto jurisdiction, Resolve(jurisdiction_id));
    const Error not_found{ErrorCode::kNotFound, "token " + std::string(token) + " was not found", "token"};
    auto order = orders_.FindByTrackingCode(token);
    if (!order) {
        return order.error().code == ErrorCode::kNotFound ? not_found : order.error();
    }
    if (jurisdiction && order->community_id != jurisdiction->id) {
        return not_found;
    }
    return TokenAnswer{order->id, std::string(token)};
}

// ---- API keys --------------------------------------------------------------------------------------

Result<CreatedApiKey> Open311Service::CreateKey(const Actor& actor, const NewApiKey& input, const RequestInfo& info) {
    if (!IsAdmin(actor)) {
        return Forbidden("only administrators manage Open311 API keys");
    }
    NewApiKey key = input;
    key.name = text::Trim(key.name);
    const size_t chars = text::CodePointCount(key.name);
    if (chars < 1 || chars > kMaxKeyNameChars || text::HasControlChars(key.name)) {
        return InvalidArgument("name", "name must be 1 to 100 characters on one line");
    }
    if (key.community_id) {
        auto node = territory_.Get(actor, *key.community_id);
        if (!node || node->kind != NodeKind::kCommunity) {
            if (!node && node.error().code != ErrorCode::kNotFound) {
                return node.error();
            }
            return InvalidArgument("community_id", "community_id must be a community");
        }
    }
    const std::string secret = "o311_" + crypto::RandomToken(32);
    const std::string prefix = secret.substr(0, 5 + kKeyPrefixChars);
    const int64_t now = clock_.Now();
    const std::optional<int64_t> created_by = actor.user_id > 0 ? std::optional<int64_t>(actor.user_id) : std::nullopt;
    LINLI_ASSIGN_OR_RETURN(auto stored, db_.Write([&](storage::Conn& conn) -> Result<ApiKey> {
        LINLI_ASSIGN_OR_RETURN(auto k, repo::InsertKey(conn, key, crypto::HashToken(secret), prefix, created_by, now));
        LINLI_TRY(
            accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "open311_key.create", "open311_api_key",
                                                            k.id, fmt::format(R"({{"prefix":"{}"}})", prefix))));
        return k;
    }));
    return CreatedApiKey{std::move(stored), secret};
}

Result<std::vector<ApiKey>> Open311Service::ListKeys(const Actor& actor) {
    if (!IsAdmin(actor)) {
        return Forbidden("only administrators manage Open311 API keys");
    }
    return db_.Read([&](storage::Conn& conn) { return repo::ListKeys(conn); });
}

Result<void> Open311Service::RevokeKey(const Actor& actor, int64_t id, const RequestInfo& info) {
    if (!IsAdmin(actor)) {
        return Forbidden("only administrators manage Open311 API keys");
    }
    const int64_t now = clock_.Now();
    return db_.Write([&](storage::Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto key, repo::FindKey(conn, id));
        if (!key) {
            return NotFound("no such Open311 API key");
        }
        LINLI_ASSIGN_OR_RETURN(bool revoked, repo::RevokeKey(conn, id, now));
        if (revoked) {
            LINLI_TRY(accounts::RecordAudit(
                conn, accounts::MakeAudit(actor, info, now, "open311_key.revoke", "open311_api_key", id)));
        }
        return {};
    });
}

}  // namespace linli::open311
