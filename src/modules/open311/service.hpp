#pragma once
/// Open311 GeoReport v2 over work orders (issue 4 §10, docs/open311.md): services are the active
/// order categories, a POST becomes an order through OrderService::CreateFromChannel (channel
/// open311), and GET requests shows orders through the spec's fields.
///
/// Who: reads are public, as the spec has them; a POST needs an API key made by an administrator
/// (stored hashed; optionally bound to one jurisdiction). jurisdiction_id is a community's code.
///
/// Privacy: every order of a jurisdiction is listed, but only those that came in through Open311
/// show their description, address, coordinates, media and notes: the others (recorded by staff,
/// reported by QR code) show their service, status and dates only. No reporter's name, phone or
/// tracking code is ever shown.
///
/// Errors are Result values whose codes the routes turn into the spec's error documents:
/// kInvalidArgument 400, kForbidden 403 (api_key), kNotFound 404.
///
/// Thread safety: every method may be called concurrently.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "modules/open311/model.hpp"
#include "modules/open311/repository.hpp"
#include "modules/orders/catalog_service.hpp"
#include "modules/orders/service.hpp"
#include "modules/registry/service.hpp"
#include "storage/database.hpp"

namespace linli::open311 {

struct Open311Options {
    /// Discovery's "contact" and "key_service" texts.
    std::string contact = "Ask the community office that runs this Linli server.";
    std::string key_service =
        "API keys are issued by the server's administrators (POST /api/v1/open311/keys); see docs/open311.md.";
};

/// Seconds the list of communities (jurisdictions) is remembered; a code not found reloads it sooner.
constexpr int64_t kJurisdictionCacheSeconds = 60;

class Open311Service : public orders::OrderListener {
public:
    /// REQUIRES: `db` is migrated; every argument outlives the service; the service is added as a
    /// listener of `orders` (OrderService::AddListener) before serving, else POSTs lose their
    /// media_url and address_id.
    Open311Service(storage::Database& db, const Clock& clock, orders::OrderService& orders,
                   orders::CatalogService& catalog, registry::RegistryService& territory, Open311Options options = {});

    /// discovery.{format}: `endpoint_url` is where this server's GeoReport v2 endpoint is reached.
    Result<Discovery> GetDiscovery(std::string endpoint_url);
    /// services.{format}: the active categories. 404 for an unknown jurisdiction_id.
    Result<std::vector<Service>> ListServices(const std::optional<std::string>& jurisdiction_id, Locale locale);
    /// services/{code}.{format}: 404 for an unknown service code or jurisdiction_id.
    Result<ServiceDefinition> GetDefinition(const std::optional<std::string>& jurisdiction_id,
                                            std::string_view service_code, Locale locale);
    /// POST requests.{format}. 403 api_key missing, unknown or revoked, or bound to another
    /// jurisdiction; 404 service_code / jurisdiction_id unknown; 400 service_code missing, no
    /// location (lat & long, address_string or address_id), a bad lat/long, address_id not a place in
    /// the jurisdiction, jurisdiction_id missing where it is needed, an unknown attribute or value,
    /// text too long, a phone that is not a phone, a media_url that is not http(s).
    Result<PostedRequest> CreateRequest(const NewRequest& input, Locale locale, const RequestInfo& info);
    /// GET requests.{format}: newest first, at most kMaxRequestsReturned, or the page `query.paging`
    /// asks for. 400 a date range wider than 90 days or reversed, an unknown service_code; 404
    /// jurisdiction_id.
    Result<std::vector<ServiceRequest>> ListRequests(const RequestQuery& query);
    /// GET servicerequestupdates.{format}: the public steps of requests posted through Open311 between
    /// start_date and end_date (default: the 90 days to now), oldest first, paged as requests. 400 a
    /// range wider than 90 days or reversed; 404 jurisdiction_id.
    Result<std::vector<RequestUpdate>> ListUpdates(const UpdateQuery& query);
    /// GET requests/{id}.{format}: 404 when there is no such order (in the jurisdiction, if given).
    Result<ServiceRequest> GetRequest(const std::optional<std::string>& jurisdiction_id, int64_t id, bool extensions,
                                      Locale locale);
    /// GET tokens/{token}.{format}: the token is an order's tracking code. 404 when unknown.
    Result<TokenAnswer> GetToken(const std::optional<std::string>& jurisdiction_id, std::string_view token);

    /// Administrators only (else 403). 400 name (1–100 characters) / community_id (not a community).
    Result<CreatedApiKey> CreateKey(const Actor& actor, const NewApiKey& input, const RequestInfo& info);
    Result<std::vector<ApiKey>> ListKeys(const Actor& actor);
    /// 404 when there is no such key; revoking a revoked key changes nothing.
    Result<void> RevokeKey(const Actor& actor, int64_t id, const RequestInfo& info);

    /// Stores the extras of an Open311 POST, and each public step of an Open311 order for the update
    /// feed, in the order's own transaction.
    Result<void> OnEvent(storage::Conn& conn, const orders::Order& order, const orders::OrderEvent& event) override;

private:
    struct Jurisdiction {
        int64_t id = 0;
        std::string path;
        std::string name;
        std::string code;
    };
    /// nullopt in → nullopt out (every jurisdiction); an unknown code is 404 naming it.
    Result<std::optional<Jurisdiction>> Resolve(const std::optional<std::string>& code);
    Result<std::vector<Jurisdiction>> Communities(bool force_reload);
    Result<std::optional<orders::Category>> CategoryByCode(std::string_view code);
    /// The orders as requests; `extras` of those from Open311.
    Result<std::vector<ServiceRequest>> ToRequests(const std::vector<orders::Order>& found, bool extensions,
                                                   Locale locale);
    /// [start, end] from optional start_date / end_date: 90 days to now by default, at most 90 days.
    Result<std::pair<int64_t, int64_t>> DateRange(std::optional<int64_t> start_date,
                                                  std::optional<int64_t> end_date) const;

    storage::Database& db_;
    const Clock& clock_;
    orders::OrderService& orders_;
    orders::CatalogService& catalog_;
    registry::RegistryService& territory_;
    Open311Options options_;

    std::mutex mu_;
    std::vector<Jurisdiction> communities_;         // guarded by mu_
    std::optional<int64_t> communities_loaded_at_;  // guarded by mu_; none: never loaded
    /// POSTs under way: source_ref → their extras, for OnEvent (which runs on the writer's thread).
    std::map<std::string, RequestExtras> pending_;  // guarded by mu_
};

/// "open" or "closed" for an order state: closed once resolved, replied, closed, merged or rejected.
std::string_view StatusOf(orders::OrderState state);

}  // namespace linli::open311
