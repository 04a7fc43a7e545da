#pragma once
/// The shapes of GeoReport v2 as Documents (one tree, written as XML or JSON: document.hpp), with
/// the spec's element names, and the JSON of the API-key administration routes.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "modules/open311/document.hpp"
#include "modules/open311/model.hpp"

namespace boost::json {
class value;
}  // namespace boost::json

namespace linli::open311 {

/// A response body in the requested format: its root element (XML) and the tree.
struct Body {
    std::string root;  // "services", "service_requests", ...
    Document doc;
};

/// <discovery>: changeset, contact, key_service, endpoints/endpoint(specification, url, changeset,
/// type, formats/format).
Body DiscoveryBody(const Discovery& discovery);
/// <services><service>service_code, service_name, description, metadata, type, keywords, group
Body ServicesBody(const std::vector<Service>& services);
/// <service_definition>service_code, attributes/attribute(variable, code, datatype, required,
/// datatype_description, order, description, values/value(key, name))
Body DefinitionBody(const ServiceDefinition& definition);
/// <service_requests><request>service_request_id, status, status_notes, service_name, service_code,
/// description, agency_responsible, service_notice, requested_datetime, updated_datetime,
/// expected_datetime, address, address_id, zipcode, lat, long, media_url; with `extensions` also
/// extended_attributes(detailed_status, channel, duplicate, parent_service_request_id) and
/// notes/note(datetime, type, step, summary, description).
Body RequestsBody(const std::vector<ServiceRequest>& requests, bool extensions);
/// <service_request_updates><request_update>update_id, service_request_id, status, external_status_code,
/// updated_datetime, description, media_url (FixMyStreet's shape; JSON: an array of the updates).
Body UpdatesBody(const std::vector<RequestUpdate>& updates);
/// <service_requests><request>service_request_id, service_notice, account_id
Body PostedBody(const PostedRequest& posted);
/// <service_requests><request>service_request_id, token
Body TokenBody(const TokenAnswer& answer);
/// <errors><error>code, description — one per error (the spec allows several).
Body ErrorsBody(const std::vector<std::pair<int, std::string>>& errors);

/// The text of `body` in `format`.
std::string Render(const Body& body, Format format);

/// {"id","name","prefix","community_id","created_by","created_at","revoked_at","last_used_at"}
boost::json::value ApiKeyToJson(const ApiKey& key);
/// The key plus "key": the secret, shown once.
boost::json::value CreatedApiKeyToJson(const CreatedApiKey& key);

}  // namespace linli::open311
