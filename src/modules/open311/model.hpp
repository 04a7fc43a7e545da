#pragma once
/// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) as plain data: the services (order
/// categories), their definitions (attributes), service requests (orders seen through the spec's
/// fields), the answer to a POST, and the API keys third-party clients post with.
/// docs/open311.md says how each spec field maps onto Linli's orders.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace linli::open311 {

/// Spec: "Default query limit is a span of 90 days or first 1000 requests returned" — also the
/// largest page_size of the pagination extension.
constexpr int kMaxRequestsReturnedAsInt = 1000;

/// The spec's two formats: the file extension of every resource (`services.xml`, `requests/7.json`).
enum class Format { kJson, kXml };

/// The language of service names and notices: Chinese first, English on `locale=en`.
enum class Locale { kZh, kEn };

/// One value of a list attribute.
struct AttributeValue {
    std::string key;
    std::string name;
};

/// One attribute of a service definition. Datatypes as the spec names them: string, number,
/// datetime, text, singlevaluelist, multivaluelist.
struct Attribute {
    bool variable = true;
    std::string code;
    std::string datatype;
    bool required = false;
    std::string datatype_description;
    int order = 0;
    std::string description;
    std::vector<AttributeValue> values;
};

/// A service type: one active order category. Linli creates the order at once, so every service
/// is "realtime" (the POST answers a service_request_id, never a token).
struct Service {
    std::string service_code;  // the category's code
    std::string service_name;
    std::string description;
    bool metadata = true;  // every category has the attributes of kAttributes
    std::string type = "realtime";
    std::string keywords;
    std::string group;
};

struct ServiceDefinition {
    std::string service_code;
    std::vector<Attribute> attributes;
};

/// One entry of the update history ("notes", the Chicago / Boston / San Francisco extension).
struct Note {
    int64_t datetime = 0;
    std::string type;         // as Chicago: "opened" (submitted, reopened), "closed" (now closed), "activity"
    std::string step;         // the Linli step: submit, accept, dispatch, ..., reply, close
    std::string summary;      // a human label of the step
    std::string description;  // the public note, when the step has one meant for the reporter
};

/// A work order as GeoReport's service request. Optional members are absent (JSON null, an empty
/// XML element) when Linli does not know them or does not publish them (docs/open311.md, privacy).
struct ServiceRequest {
    int64_t service_request_id = 0;  // the order id
    std::string status;              // open | closed
    std::optional<std::string> status_notes;
    std::string service_name;
    std::string service_code;
    std::optional<std::string> description;
    std::optional<std::string> agency_responsible;
    std::optional<std::string> service_notice;
    int64_t requested_datetime = 0;
    int64_t updated_datetime = 0;
    std::optional<int64_t> expected_datetime;
    std::optional<std::string> address;
    std::optional<int64_t> address_id;
    std::optional<std::string> zipcode;
    std::optional<double> lat;
    std::optional<double> lon;
    std::optional<std::string> media_url;
    // The extensions (only with extensions=true):
    std::string detailed_status;  // the Linli state: submitted, accepted, ..., merged, rejected
    std::string channel;          // where the order came from: open311, walk_in, qr_code, ...
    bool duplicate = false;       // merged into another request (Chicago's extended_attributes.duplicate)
    std::optional<int64_t> parent_service_request_id;  // … the request it was merged into
    std::vector<Note> notes;
};

/// One entry of servicerequestupdates.{format} (the FixMyStreet "service request updates" extension):
/// a public step of a request that came in through Open311.
struct RequestUpdate {
    int64_t update_id = 0;
    int64_t service_request_id = 0;
    std::string status;                // open | closed, after the update
    std::string external_status_code;  // the Linli state after the update: accepted, replied, ...
    int64_t updated_datetime = 0;
    std::string description;           // the public note (an answer, a reason), else a label of the step
};

/// Which page of a list to answer (the pagination extension: Chicago, Boston, Toronto, ...). Without
/// page and page_size a list is the spec's default: the first kMaxRequestsReturned.
struct Paging {
    int page = 1;                               // from 1
    int page_size = kMaxRequestsReturnedAsInt;  // 1..kMaxRequestsReturned
};

/// GET servicerequestupdates.{format} filters, already parsed.
struct UpdateQuery {
    std::optional<std::string> jurisdiction_id;
    std::optional<int64_t> start_date;
    std::optional<int64_t> end_date;
    Paging paging;
    Locale locale = Locale::kZh;
};

/// The answer to a POST: realtime, so an id and no token.
struct PostedRequest {
    int64_t service_request_id = 0;
    std::string service_notice;
    std::optional<std::string> account_id;
};

/// GET tokens/{token}: the token is an order's tracking code (what a resident holds).
struct TokenAnswer {
    int64_t service_request_id = 0;
    std::string token;
};

/// The discovery document (http://wiki.open311.org/Service_Discovery).
struct Discovery {
    std::string changeset;
    std::string contact;
    std::string key_service;
    std::string url;  // the GeoReport v2 endpoint, ".../open311/v2"
};

/// POST requests.{format}, as the client sent it (form fields), before checks.
struct NewRequest {
    std::optional<std::string> api_key;
    std::optional<std::string> jurisdiction_id;
    std::optional<std::string> service_code;
    std::optional<std::string> lat;
    std::optional<std::string> lon;
    std::optional<std::string> address_string;
    std::optional<std::string> address_id;
    std::optional<std::string> email;
    std::optional<std::string> device_id;
    std::optional<std::string> account_id;
    std::optional<std::string> first_name;
    std::optional<std::string> last_name;
    std::optional<std::string> phone;
    std::optional<std::string> description;
    std::optional<std::string> media_url;
    std::map<std::string, std::vector<std::string>> attributes;  // attribute[code] and attribute[code][]
};

/// GET requests.{format} filters, already parsed.
struct RequestQuery {
    std::optional<std::string> jurisdiction_id;
    std::vector<int64_t> service_request_ids;  // overrides every other filter
    std::vector<std::string> service_codes;
    std::optional<int64_t> start_date;
    std::optional<int64_t> end_date;
    bool open = true;  // which statuses to include (both by default)
    bool closed = true;
    bool extensions = false;
    Paging paging;
    Locale locale = Locale::kZh;
};

/// An API key as administrators see it (never its secret, only its first characters).
struct ApiKey {
    int64_t id = 0;
    std::string name;
    std::string prefix;                   // the key's first kKeyPrefixChars characters, to tell keys apart
    std::optional<int64_t> community_id;  // when set, the key posts only to this jurisdiction
    std::optional<int64_t> created_by;
    int64_t created_at = 0;
    std::optional<int64_t> revoked_at;
    std::optional<int64_t> last_used_at;
};

struct NewApiKey {
    std::string name;
    std::optional<int64_t> community_id;
};

/// A freshly created key: `key` is the secret, shown this once.
struct CreatedApiKey {
    ApiKey info;
    std::string key;
};

constexpr size_t kKeyPrefixChars = 6;
constexpr size_t kMaxKeyNameChars = 100;
/// Spec: "Default query limit is a span of 90 days or first 1000 requests returned".
constexpr int64_t kDefaultSpanSeconds = 90 * 86400;
constexpr size_t kMaxRequestsReturned = static_cast<size_t>(kMaxRequestsReturnedAsInt);
constexpr size_t kMaxRequestIds = 200;
constexpr size_t kMaxMediaUrlChars = 1000;

}  // namespace linli::open311
