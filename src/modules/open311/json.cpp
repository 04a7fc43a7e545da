#include "modules/open311/json.hpp"

#include <boost/json.hpp>

#include "modules/open311/w3c_time.hpp"

namespace linli::open311 {

namespace json = boost::json;

namespace {

Document Str(const std::string& s) {
    return Document::String(s);
}

Document OptStr(const std::optional<std::string>& s) {
    return s ? Document::String(*s) : Document::Null();
}

Document OptTime(const std::optional<int64_t>& t) {
    return t ? Document::String(FormatW3c(*t)) : Document::Null();
}

Document OptInt(const std::optional<int64_t>& v) {
    return v ? Document::Int(*v) : Document::Null();
}

Document OptReal(const std::optional<double>& v) {
    return v ? Document::Real(*v) : Document::Null();
}

Document OptNonEmpty(const std::string& s) {
    return s.empty() ? Document::Null() : Document::String(s);
}

json::value OptJson(const std::optional<int64_t>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

}  // namespace

Body DiscoveryBody(const Discovery& d) {
    Document formats = Document::List("format");
    formats.Add(Str("text/xml")).Add(Str("application/json"));
    Document endpoint = Document::Object();
    endpoint.Set("specification", Str("http://wiki.open311.org/GeoReport_v2"))
        .Set("url", Str(d.url))
        .Set("changeset", Str(d.changeset))
        .Set("type", Str("production"))
        .Set("formats", std::move(formats));
    Document endpoints = Document::List("endpoint");
    endpoints.Add(std::move(endpoint));
    Document doc = Document::Object();
    doc.Set("changeset", Str(d.changeset))
        .Set("contact", Str(d.contact))
        .Set("key_service", Str(d.key_service))
        .Set("endpoints", std::move(endpoints));
    return Body{"discovery", std::move(doc)};
}

Body ServicesBody(const std::vector<Service>& services) {
    Document list = Document::List("service");
    for (const auto& s : services) {
        Document item = Document::Object();
        item.Set("service_code", Str(s.service_code))
            .Set("service_name", Str(s.service_name))
            .Set("description", Str(s.description))
            .Set("metadata", Document::Bool(s.metadata))
            .Set("type", Str(s.type))
            .Set("keywords", Str(s.keywords))
            .Set("group", OptNonEmpty(s.group));
        list.Add(std::move(item));
    }
    return Body{"services", std::move(list)};
}

Body DefinitionBody(const ServiceDefinition& definition) {
    Document attributes = Document::List("attribute");
    for (const auto& a : definition.attributes) {
        Document item = Document::Object();
        item.Set("variable", Document::Bool(a.variable))
            .Set("code", Str(a.code))
            .Set("datatype", Str(a.datatype))
            .Set("required", Document::Bool(a.required))
            .Set("datatype_description", OptNonEmpty(a.datatype_description))
            .Set("order", Document::Int(a.order))
            .Set("description", Str(a.description));
        if (!a.values.empty()) {
            Document values = Document::List("value");
            for (const auto& v : a.values) {
                Document value = Document::Object();
                value.Set("key", Str(v.key)).Set("name", Str(v.name));
                values.Add(std::move(value));
            }
            item.Set("values", std::move(values));
        }
        attributes.Add(std::move(item));
    }
    Document doc = Document::Object();
    doc.Set("service_code", Str(definition.service_code)).Set("attributes", std::move(attributes));
    return Body{"service_definition", std::move(doc)};
}

Body RequestsBody(const std::vector<ServiceRequest>& requests, bool extensions) {
    Document list = Document::List("request");
    for (const auto& r : requests) {
        Document item = Document::Object();
        item.Set("service_request_id", Document::Int(r.service_request_id))
            .Set("status", Str(r.status))
            .Set("status_notes", OptStr(r.status_notes))
            .Set("service_name", Str(r.service_name))
            .Set("service_code", Str(r.service_code))
            .Set("description", OptStr(r.description))
            .Set("agency_responsible", OptStr(r.agency_responsible))
            .Set("service_notice", OptStr(r.service_notice))
            .Set("requested_datetime", Str(FormatW3c(r.requested_datetime)))
            .Set("updated_datetime", Str(FormatW3c(r.updated_datetime)))
            .Set("expected_datetime", OptTime(r.expected_datetime))
            .Set("address", OptStr(r.address))
            .Set("address_id", OptInt(r.address_id))
            .Set("zipcode", OptStr(r.zipcode))
            .Set("lat", OptReal(r.lat))
            .Set("long", OptReal(r.lon))
            .Set("media_url", OptStr(r.media_url));
        if (extensions) {
            Document extended = Document::Object();
            extended.Set("detailed_status", Str(r.detailed_status))
                .Set("channel", Str(r.channel))
                .Set("duplicate", Document::Bool(r.duplicate))
                .Set("parent_service_request_id", OptInt(r.parent_service_request_id));
            item.Set("extended_attributes", std::move(extended));
            Document notes = Document::List("note");
            for (const auto& n : r.notes) {
                Document note = Document::Object();
                note.Set("datetime", Str(FormatW3c(n.datetime)))
                    .Set("type", Str(n.type))
                    .Set("step", Str(n.step))
                    .Set("summary", Str(n.summary))
                    .Set("description", OptNonEmpty(n.description));
                notes.Add(std::move(note));
            }
            item.Set("notes", std::move(notes));
        }
        list.Add(std::move(item));
    }
    return Body{"service_requests", std::move(list)};
}

Body UpdatesBody(const std::vector<RequestUpdate>& updates) {
    Document list = Document::List("request_update");
    for (const auto& u : updates) {
        Document item = Document::Object();
        item.Set("update_id", Document::Int(u.update_id))
            .Set("service_request_id", Document::Int(u.service_request_id))
            .Set("status", Str(u.status))
            .Set("external_status_code", Str(u.external_status_code))
            .Set("updated_datetime", Str(FormatW3c(u.updated_datetime)))
            .Set("description", Str(u.description))
            .Set("media_url", Document::Null());
        list.Add(std::move(item));
    }
    return Body{"service_request_updates", std::move(list)};
}

Body PostedBody(const PostedRequest& posted) {
    Document item = Document::Object();
    item.Set("service_request_id", Document::Int(posted.service_request_id))
        .Set("service_notice", Str(posted.service_notice))
        .Set("account_id", OptStr(posted.account_id));
    Document list = Document::List("request");
    list.Add(std::move(item));
    return Body{"service_requests", std::move(list)};
}

Body TokenBody(const TokenAnswer& answer) {
    Document item = Document::Object();
    item.Set("service_request_id", Document::Int(answer.service_request_id)).Set("token", Str(answer.token));
    Document list = Document::List("request");
    list.Add(std::move(item));
    return Body{"service_requests", std::move(list)};
}

Body ErrorsBody(const std::vector<std::pair<int, std::string>>& errors) {
    Document list = Document::List("error");
    for (const auto& [code, description] : errors) {
        Document item = Document::Object();
        item.Set("code", Document::Int(code)).Set("description", Str(description));
        list.Add(std::move(item));
    }
    return Body{"errors", std::move(list)};
}

std::string Render(const Body& body, Format format) {
    return format == Format::kXml ? WriteXml(body.root, body.doc) : WriteJson(body.doc);
}

json::value ApiKeyToJson(const ApiKey& key) {
    return json::object{{"id", key.id},
                        {"name", key.name},
                        {"prefix", key.prefix},
                        {"community_id", OptJson(key.community_id)},
                        {"created_by", OptJson(key.created_by)},
                        {"created_at", key.created_at},
                        {"revoked_at", OptJson(key.revoked_at)},
                        {"last_used_at", OptJson(key.last_used_at)}};
}

json::value CreatedApiKeyToJson(const CreatedApiKey& key) {
    json::value v = ApiKeyToJson(key.info);
    v.as_object()["key"] = key.key;
    return v;
}

}  // namespace linli::open311
