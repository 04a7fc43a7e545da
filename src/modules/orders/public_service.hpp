#pragma once
/// The resident's side of work orders (issue 4 §2 and §6, ADR 0006): building QR tokens, the public
/// report (no login) that becomes an order through OrderService::CreateFromChannel, tracking by code,
/// and the reporter's rating of the answer, whose poor score reopens the order once and alerts the
/// supervisors of the place.
///
/// Who is the reporter: the public side has no accounts, so a rating proves it with the tracking
/// code AND the full phone number the report was made with (compared by keyed hash; never the last
/// 4 digits, which a neighbour may know and which add only ~13 bits to a guess). A resident with an
/// account (role resident) may also report signed in (FileAs): the order records the account as its
/// creator, and that account rates it signed in, without the phone (RateAs). The rules are the same
/// either way, and one reporter rates one answer once, whichever way they prove who they are.
///
/// Rate limits (RateLimiter, in memory, per process): reports per client address and per phone,
/// ratings per client address and per tracking code. The routes ask Admit* before the work:
/// AdmitAddress, Validate, AdmitPhone, File for a report; AdmitRating, Rate for a rating.
///
/// Thread safety: every method may be called concurrently.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/field_crypto.hpp"
#include "modules/accounts/service.hpp"
#include "modules/notify/outbox.hpp"
#include "modules/orders/building_token.hpp"
#include "modules/orders/catalog_service.hpp"
#include "modules/orders/model.hpp"
#include "modules/orders/public_repository.hpp"
#include "modules/orders/rate_limiter.hpp"
#include "modules/orders/repository.hpp"
#include "modules/orders/service.hpp"
#include "modules/registry/service.hpp"
#include "storage/database.hpp"

namespace linli::orders {

/// Limits and URLs of the public side. The defaults are the issue's; tests may lower them.
struct PublicOptions {
    /// Put before "/r/<token>" and "/track/<code>" in answers; empty: the URLs are relative.
    std::string base_url;
    int64_t reports_per_phone = 5;
    int64_t reports_per_address = 20;
    int64_t report_window_seconds = 3600;
    int64_t ratings_per_address = 20;
    int64_t ratings_per_code = 10;  // wrong phones guessed against one code
    int64_t rating_window_seconds = 3600;
    int64_t rating_days = 7;  // after the answer
    int low_score = 2;        // this or less reopens (once) and alerts
};

/// A building's QR target, for staff printing the board.
struct BuildingQr {
    int64_t building_id = 0;
    std::string building_name;
    std::string token;
    std::string url;  // base_url + "/r/" + token
};

/// What the report page shows after scanning: where it is and what can be reported.
struct ReportForm {
    int64_t building_id = 0;
    std::string building_name;
    std::string community_name;
    std::vector<Category> categories;  // active ones, in their sort order
};

/// POST /api/v1/public/reports.
struct PublicReport {
    std::string building_token;
    int64_t category_id = 0;
    std::string description;
    std::string phone;
    std::optional<std::string> name;
    std::optional<std::string> room;  // unit / room as the resident writes it: "2单元301"
};

/// A report that passed every check, ready to file.
struct ValidReport {
    ChannelIntake intake;
    std::string phone_key;  // keyed hash of the normalised phone, for the rate limit
};

struct ReportReceipt {
    std::string tracking_code;
    std::string track_url;  // base_url + "/track/" + code
    int64_t created_at = 0;
};

/// Where the reporter of a tracking code stands with rating the latest answer.
struct RatingState {
    bool open = false;                 // they may rate now
    std::optional<int64_t> closes_at;  // end of the window, once answered
    std::optional<int> score;          // their rating of the latest answer, once given
    std::optional<int64_t> rated_at;
};

/// GET /api/v1/track/{code}: the order's public view plus the rating state. No person's data but
/// the reporter's own phone, masked.
struct TrackView {
    PublicView view;
    std::optional<std::string> reporter_phone_masked;
    RatingState rating;
    std::string track_url;
};

/// POST /api/v1/track/{code}/rating.
struct RatingInput {
    int64_t score = 0;  // 1..5
    std::string comment;
    std::string phone;  // the full number the report was made with
};

struct RatingOutcome {
    int score = 0;
    int64_t rated_at = 0;
    bool reopened = false;  // this rating reopened the order
    bool closed = false;    // this rating closed the answered order
    bool supervisors_alerted = false;
};

/// A rate limit hit: 429 with Retry-After.
struct Throttle {
    std::string field;  // "phone", "" for the client address, "code"
    std::string message;
    int64_t retry_after_seconds = 1;
};

class PublicService {
public:
    /// REQUIRES: every argument outlives the service; `outbox` may be null (then the alert is only the
    /// timeline entry).
    PublicService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto, OrderService& orders,
                  CatalogService& catalog, registry::RegistryService& territory, accounts::AccountsService& accounts,
                  const notify::Outbox* outbox, PublicOptions options = {});

    /// The QR token and URL of a building the caller can see. Roles are the route's; 404 when the
    /// building is missing or outside the scope, 400 id when the node is not a building.
    Result<BuildingQr> QrFor(const Actor& actor, int64_t building_id);

    /// The building a token names, with the categories to choose from. 404 for a forged, truncated or
    /// stale token (the building no longer exists).
    Result<ReportForm> Form(std::string_view token);

    /// Counts one report attempt from `remote_addr` (every well-formed request, valid or not); nullopt
    /// to go ahead.
    std::optional<Throttle> AdmitAddress(std::string_view remote_addr);
    /// Checks a report: 400 building_token (forged or truncated), 404 building_token (the building no
    /// longer exists), 400 category_id / description / phone / name / room.
    Result<ValidReport> Validate(const PublicReport& input);
    /// Counts one valid report against its phone number; nullopt to go ahead. Only valid reports
    /// count, so nobody can use up a resident's allowance with forged requests naming their phone.
    std::optional<Throttle> AdmitPhone(const ValidReport& report);
    /// Files a checked report as a submitted order (channel qr_code, place the building).
    Result<ReportReceipt> File(const ValidReport& report, const RequestInfo& info);
    /// Files it for a signed-in resident (403 for any other role), who becomes the order's creator and
    /// may rate it with RateAs.
    Result<ReportReceipt> FileAs(const Actor& actor, const ValidReport& report, const RequestInfo& info);

    /// The public view of an order by tracking code; 404 for an unknown or malformed code.
    Result<TrackView> Track(std::string_view code);

    /// Counts one rating attempt from `remote_addr` against `code`; nullopt to go ahead.
    std::optional<Throttle> AdmitRating(std::string_view remote_addr, std::string_view code);
    /// The reporter rates the latest answer. 404 unknown code; 400 score (not 1..5) / comment / phone;
    /// 403 phone when the phone is not the one this code's report was made with; 409 when the order
    /// has not been answered, the 7 days after the answer have passed, or this answer was rated
    /// already. A score <= low_score alerts the place's supervisors and reopens the order, unless a
    /// rating reopened it before; any other rating closes an order still in state replied.
    Result<RatingOutcome> Rate(std::string_view code, const RatingInput& input, const RequestInfo& info);
    /// The same for a signed-in resident who filed the report (FileAs); `input.phone` is not used. 403 code
    /// for any other account (staff included: the reporter rates, not the office); otherwise as Rate.
    Result<RatingOutcome> RateAs(const Actor& actor, std::string_view code, const RatingInput& input,
                                 const RequestInfo& info);

    /// For the scheduler ("no rating in 7 days closes it as no response"): replied orders whose
    /// latest answer is older than the rating window at `now` and was not rated, oldest first.
    Result<std::vector<AwaitingRating>> RatingWindowPassed(int64_t now, int limit);

    /// Finishes reopen steps a crash left pending between a poor rating and its reopen. Returns how
    /// many it settled. Safe to call at any time (start-up, the scheduler).
    Result<int> ResumePendingReopens();

    const PublicOptions& options() const { return options_; }

private:
    /// Who is rating: answers the order_reporters row of `target` for `source`, or the refusal.
    using ReporterCheck =
        std::function<Result<int64_t>(storage::Conn& conn, const Order& source, const Order& target)>;
    /// Rate and RateAs after their own checks of the input: every rule of the rating.
    Result<RatingOutcome> RateChecked(std::string_view code, int score, const std::string& comment,
                                      const ReporterCheck& reporter, const RequestInfo& info);
    /// Community staff and subdistrict leaders (active accounts) whose scope covers `place_path`.
    Result<std::vector<int64_t>> SupervisorsOf(std::string_view place_path);
    /// The reopen step for a pending rating; settles the rating's reopen column.
    Result<bool> ReopenFor(const Rating& rating);

    storage::Database& db_;
    const Clock& clock_;
    const FieldCrypto& crypto_;
    OrderService& orders_;
    CatalogService& catalog_;
    registry::RegistryService& territory_;
    accounts::AccountsService& accounts_;
    const notify::Outbox* outbox_;
    PublicOptions options_;
    BuildingTokens tokens_;
    OrderRepository order_repo_;
    PublicRepository repo_;
    RateLimiter reports_by_phone_;
    RateLimiter reports_by_address_;
    RateLimiter ratings_by_address_;
    RateLimiter ratings_by_code_;
};

}  // namespace linli::orders
