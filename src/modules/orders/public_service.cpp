#include "modules/orders/public_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <utility>

#include "core/phone.hpp"
#include "core/territory_path.hpp"
#include "core/text.hpp"
#include "modules/orders/validate.hpp"

namespace linli::orders {

namespace {

using registry::NodeKind;
using storage::Conn;

constexpr int64_t kSecondsPerDay = 86400;
constexpr size_t kMaxCommentChars = 500;
constexpr int kMaxSupervisorPages = 20;
constexpr int kPendingBatch = 100;
constexpr int kReopenAttempts = 3;

std::string Join(std::string_view base, std::string_view path, std::string_view tail) {
    std::string out(base);
    while (!out.empty() && out.back() == '/') {
        out.pop_back();
    }
    out += path;
    out += tail;
    return out;
}

bool WellFormedCode(std::string_view code) {
    return code.size() == kTrackingCodeChars && std::all_of(code.begin(), code.end(), [](char ch) {
               return kTrackingAlphabet.find(ch) != std::string_view::npos;
           });
}

Error UnknownCode() {
    return NotFound("no order has this tracking code / 查询码不存在");
}

/// True when the order's latest answer stands: it was replied and not reopened since.
bool Answered(const Order& o) {
    return o.replied_at && (o.state == OrderState::kReplied || o.state == OrderState::kClosed);
}

/// The order a tracking code answers for: itself, or the order it was merged into.
Result<std::pair<Order, Order>> SourceAndTarget(Conn& conn, const OrderRepository& repo, std::string_view code) {
    LINLI_ASSIGN_OR_RETURN(auto source, repo.FindByTrackingCode(conn, code));
    if (!source) {
        return UnknownCode();
    }
    Order target = *source;
    if (source->merged_into) {
        LINLI_ASSIGN_OR_RETURN(auto into, repo.FindById(conn, *source->merged_into));
        if (into) {
            target = std::move(*into);
        }
    }
    return std::make_pair(std::move(*source), std::move(target));
}

Error ForgedToken404() {
    return Error{ErrorCode::kNotFound,
                 "二维码无效 / this QR code is not valid (damaged, mistyped or not issued by this community office)",
                 "token"};
}

Error StaleBuilding(std::string field) {
    return Error{ErrorCode::kNotFound,
                 "这栋楼已不在本系统中 / the building of this QR code is no longer served; ask the community office",
                 std::move(field)};
}

}  // namespace

PublicService::PublicService(storage::Database& db, const Clock& clock, const FieldCrypto& crypto, OrderService& orders,
                             CatalogService& catalog, registry::RegistryService& territory,
                             accounts::AccountsService& accounts, const notify::Outbox* outbox, PublicOptions options)
    : db_(db),
      clock_(clock),
      crypto_(crypto),
      orders_(orders),
      catalog_(catalog),
      territory_(territory),
      accounts_(accounts),
      outbox_(outbox),
      options_(std::move(options)),
      tokens_(crypto),
      reports_by_phone_(clock, options_.reports_per_phone, options_.report_window_seconds),
      reports_by_address_(clock, options_.reports_per_address, options_.report_window_seconds),
      ratings_by_address_(clock, options_.ratings_per_address, options_.rating_window_seconds),
      ratings_by_code_(clock, options_.ratings_per_code, options_.rating_window_seconds) {}

// ---- building QR tokens ------------------------------------------------------------------------

Result<BuildingQr> PublicService::QrFor(const Actor& actor, int64_t building_id) {
    auto node = territory_.Get(actor, building_id);
    if (!node) {
        if (node.error().code == ErrorCode::kNotFound) {
            return Error{ErrorCode::kNotFound, "building not found", "id"};
        }
        return node.error();
    }
    if (node->kind != NodeKind::kBuilding) {
        return InvalidArgument("id", "QR codes are made for buildings; node " + std::to_string(building_id) + " is a " +
                                         std::string(registry::NodeKindName(node->kind)));
    }
    BuildingQr qr;
    qr.building_id = node->id;
    qr.building_name = node->name;
    qr.token = tokens_.Issue(node->id);
    qr.url = Join(options_.base_url, "/r/", qr.token);
    return qr;
}

Result<ReportForm> PublicService::Form(std::string_view token) {
    auto building_id = tokens_.Verify(token, "token");
    if (!building_id) {
        return ForgedToken404();
    }
    const Actor system = OrderService::SystemActor("qr_code");
    auto node = territory_.Get(system, *building_id);
    if (!node) {
        return node.error().code == ErrorCode::kNotFound ? StaleBuilding("token") : node.error();
    }
    if (node->kind != NodeKind::kBuilding) {
        return StaleBuilding("token");
    }
    ReportForm form;
    form.building_id = node->id;
    form.building_name = node->name;
    if (node->community_id) {
        auto community = territory_.Get(system, *node->community_id);
        if (community) {
            form.community_name = community->name;
        }
    }
    LINLI_ASSIGN_OR_RETURN(form.categories, catalog_.ListCategories(system, false));
    return form;
}

// ---- reports -----------------------------------------------------------------------------------

std::optional<Throttle> PublicService::AdmitAddress(std::string_view remote_addr) {
    if (auto wait = reports_by_address_.Hit(remote_addr)) {
        return Throttle{"",
                        "提交过于频繁，请稍后再试 / too many reports from this network (at most " +
                            std::to_string(options_.reports_per_address) + " an hour); try again later",
                        *wait};
    }
    return std::nullopt;
}

std::optional<Throttle> PublicService::AdmitPhone(const ValidReport& report) {
    if (auto wait = reports_by_phone_.Hit(report.phone_key)) {
        return Throttle{"phone",
                        "该手机号提交过于频繁，请稍后再试 / too many reports with this phone number (at most " +
                            std::to_string(options_.reports_per_phone) + " an hour); try again later",
                        *wait};
    }
    return std::nullopt;
}

Result<ValidReport> PublicService::Validate(const PublicReport& input) {
    LINLI_ASSIGN_OR_RETURN(auto building_id, tokens_.Verify(input.building_token, "building_token"));
    LINLI_ASSIGN_OR_RETURN(auto description, CleanText(input.description, "description", kMaxDescriptionChars));
    LINLI_ASSIGN_OR_RETURN(auto parsed, phone::Parse(input.phone, "phone"));
    std::optional<std::string> name;
    if (input.name) {
        LINLI_ASSIGN_OR_RETURN(auto cleaned, CleanLine(*input.name, "name", kMaxReporterNameChars, true));
        if (!cleaned.empty()) {
            name = std::move(cleaned);
        }
    }
    std::optional<std::string> room;
    if (input.room) {
        LINLI_ASSIGN_OR_RETURN(auto cleaned, CleanLine(*input.room, "room", kMaxAddressChars, true));
        if (!cleaned.empty()) {
            room = std::move(cleaned);
        }
    }
    LINLI_ASSIGN_OR_RETURN(auto category, catalog_.ActiveCategory(input.category_id));
    if (!category) {
        return InvalidArgument("category_id", "no such active order category");
    }
    const Actor system = OrderService::SystemActor("qr_code");
    auto node = territory_.Get(system, building_id);
    if (!node) {
        return node.error().code == ErrorCode::kNotFound ? StaleBuilding("building_token") : node.error();
    }
    if (node->kind != NodeKind::kBuilding) {
        return StaleBuilding("building_token");
    }

    ValidReport out;
    ChannelIntake& in = out.intake;
    in.kind = OrderKind::kRequest;
    in.category_id = category->id;
    // The form has no title: the category and the building say what and where at a glance.
    in.title = category->name_zh + " · " + node->name;
    if (text::CodePointCount(in.title) > kMaxTitleChars) {
        in.title = category->name_zh;
    }
    in.description = std::move(description);
    in.place_id = node->id;
    in.reporter_name = std::move(name);
    in.reporter_phone = parsed.normalized;
    in.channel = Channel::kQrCode;
    in.address = std::move(room);
    in.source_ref = "qr:" + std::to_string(node->id);
    out.phone_key = crypto_.Hash("phone", parsed.normalized);
    return out;
}

Result<ReportReceipt> PublicService::FileAs(const Actor& actor, const ValidReport& report, const RequestInfo& info) {
    if (actor.role != Role::kResident || actor.user_id <= 0) {
        return Forbidden("only a resident's own account reports here; staff record orders at /api/v1/orders");
    }
    ValidReport mine = report;
    mine.intake.created_by = actor.user_id;
    return File(mine, info);
}

Result<ReportReceipt> PublicService::File(const ValidReport& report, const RequestInfo& info) {
    LINLI_ASSIGN_OR_RETURN(auto order, orders_.CreateFromChannel(report.intake, info));
    ReportReceipt receipt;
    receipt.tracking_code = order.tracking_code;
    receipt.track_url = Join(options_.base_url, "/track/", order.tracking_code);
    receipt.created_at = order.created_at;
    return receipt;
}

// ---- tracking ----------------------------------------------------------------------------------

Result<TrackView> PublicService::Track(std::string_view code) {
    if (!WellFormedCode(code)) {
        return UnknownCode();
    }
    LINLI_ASSIGN_OR_RETURN(auto view, orders_.GetPublicView(code));
    const int64_t now = clock_.Now();
    TrackView out;
    LINLI_TRY(db_.Read([&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto pair, SourceAndTarget(conn, order_repo_, code));
        const auto& [source, target] = pair;
        out.reporter_phone_masked = source.reporter_phone_masked;
        if (!Answered(target)) {
            return {};
        }
        LINLI_ASSIGN_OR_RETURN(auto reply_id, repo_.LatestReplyId(conn, target.id));
        if (!reply_id) {
            return {};
        }
        const int64_t closes_at = *target.replied_at + options_.rating_days * kSecondsPerDay;
        out.rating.closes_at = closes_at;
        LINLI_ASSIGN_OR_RETURN(auto rated, repo_.FindRating(conn, target.id, source.id, *reply_id));
        if (rated) {
            out.rating.score = rated->score;
            out.rating.rated_at = rated->created_at;
            return {};
        }
        // Without a phone on the report nobody can prove to be its reporter.
        out.rating.open = now <= closes_at && source.reporter_phone_masked.has_value();
        return {};
    }));
    out.view = std::move(view);
    out.track_url = Join(options_.base_url, "/track/", out.view.tracking_code);
    return out;
}

// ---- ratings -----------------------------------------------------------------------------------

std::optional<Throttle> PublicService::AdmitRating(std::string_view remote_addr, std::string_view code) {
    if (auto wait = ratings_by_address_.Hit(remote_addr)) {
        return Throttle{"", "提交过于频繁，请稍后再试 / too many ratings from this network; try again later", *wait};
    }
    if (auto wait = ratings_by_code_.Hit(code)) {
        return Throttle{
            "code", "该工单评价尝试过多，请稍后再试 / too many attempts to rate this order; try again later", *wait};
    }
    return std::nullopt;
}

Result<std::vector<int64_t>> PublicService::SupervisorsOf(std::string_view place_path) {
    const auto ids = PathIds(place_path);
    std::vector<int64_t> out;
    const Actor system = accounts::AccountsService::SystemActor("orders");
    for (Role role : {Role::kCommunityStaff, Role::kSubdistrictLeader}) {
        accounts::UserQuery query;
        query.role = role;
        query.status = accounts::UserStatus::kActive;
        query.limit = kMaxPageSize;
        for (int page_no = 0; page_no < kMaxSupervisorPages; ++page_no) {
            LINLI_ASSIGN_OR_RETURN(auto page, accounts_.ListUsers(system, query));
            for (const auto& user : page.items) {
                const bool covers = std::any_of(user.scope_node_ids.begin(), user.scope_node_ids.end(), [&](int64_t n) {
                    return std::find(ids.begin(), ids.end(), n) != ids.end();
                });
                if (covers) {
                    out.push_back(user.id);
                }
            }
            if (!page.next_cursor) {
                break;
            }
            query.cursor = page.next_cursor;
        }
    }
    return out;
}

Result<RatingOutcome> PublicService::Rate(std::string_view code, const RatingInput& input, const RequestInfo& info) {
    if (!WellFormedCode(code)) {
        return UnknownCode();
    }
    if (input.score < 1 || input.score > 5) {
        return InvalidArgument("score", "score must be a whole number from 1 to 5 / 评分为 1 到 5 分");
    }
    LINLI_ASSIGN_OR_RETURN(auto comment, CleanText(input.comment, "comment", kMaxCommentChars, true));
    LINLI_ASSIGN_OR_RETURN(auto parsed, phone::Parse(input.phone, "phone"));
    const std::string phone_hash = crypto_.Hash("phone", parsed.normalized);
    auto by_phone = [&](Conn& conn, const Order& source, const Order& target) -> Result<int64_t> {
        LINLI_ASSIGN_OR_RETURN(auto reporter, repo_.FindReporter(conn, target.id, source.id, phone_hash));
        if (!reporter) {
            return Error{
                ErrorCode::kForbidden,
                "只有反映人本人可以评价：请填写提交时的手机号 / only the person who reported this may rate it: "
                "give the phone number the report was made with",
                "phone"};
        }
        return *reporter;
    };
    return RateChecked(code, static_cast<int>(input.score), comment, by_phone, info);
}

Result<RatingOutcome> PublicService::RateAs(const Actor& actor, std::string_view code, const RatingInput& input,
                                            const RequestInfo& info) {
    if (!WellFormedCode(code)) {
        return UnknownCode();
    }
    if (input.score < 1 || input.score > 5) {
        return InvalidArgument("score", "score must be a whole number from 1 to 5 / 评分为 1 到 5 分");
    }
    LINLI_ASSIGN_OR_RETURN(auto comment, CleanText(input.comment, "comment", kMaxCommentChars, true));
    auto by_account = [&](Conn& conn, const Order& source, const Order& target) -> Result<int64_t> {
        const bool reporter = actor.role == Role::kResident && actor.user_id > 0 && source.created_by &&
                              *source.created_by == actor.user_id;
        if (!reporter) {
            return Error{ErrorCode::kForbidden,
                         "只有反映人本人可以评价 / only the resident who reported this (signed in as the account "
                         "that filed it) may rate it",
                         "code"};
        }
        LINLI_ASSIGN_OR_RETURN(auto row, repo_.FindSourceReporter(conn, target.id, source.id));
        if (!row) {
            return Internal("order " + std::to_string(source.id) + " has no reporter row");
        }
        return *row;
    };
    return RateChecked(code, static_cast<int>(input.score), comment, by_account, info);
}

Result<RatingOutcome> PublicService::RateChecked(std::string_view code, int score, const std::string& comment,
                                                 const ReporterCheck& find_reporter, const RequestInfo& info) {
    const int64_t now = clock_.Now();
    const bool low = score <= options_.low_score;

    struct Checked {
        Order source;
        Order target;
        int64_t reporter_id = 0;
        int64_t reply_id = 0;
    };
    // Every refusal on a read, so a wrong phone or a late rating costs no write. Re-checked in the write.
    auto check = [&](Conn& conn) -> Result<Checked> {
        LINLI_ASSIGN_OR_RETURN(auto pair, SourceAndTarget(conn, order_repo_, code));
        Checked c{std::move(pair.first), std::move(pair.second), 0, 0};
        LINLI_ASSIGN_OR_RETURN(c.reporter_id, find_reporter(conn, c.source, c.target));
        LINLI_ASSIGN_OR_RETURN(auto reply_id, repo_.LatestReplyId(conn, c.target.id));
        if (!Answered(c.target) || !reply_id) {
            return Conflict(
                "尚未答复，答复后才能评价 / this request has not been answered yet; rating opens with the "
                "answer");
        }
        c.reply_id = *reply_id;
        const int64_t closes_at = *c.target.replied_at + options_.rating_days * kSecondsPerDay;
        if (now > closes_at) {
            return Conflict("评价期已过 / the " + std::to_string(options_.rating_days) +
                            " days for rating this answer ended at " + accounts::FormatUtc(closes_at));
        }
        LINLI_ASSIGN_OR_RETURN(auto rated, repo_.FindRating(conn, c.target.id, c.source.id, c.reply_id));
        if (rated) {
            return Conflict("已评价过 / this answer has already been rated (" + std::to_string(rated->score) +
                            " of 5); each answer is rated once");
        }
        return c;
    };
    LINLI_ASSIGN_OR_RETURN(auto checked, db_.Read(check));

    std::vector<int64_t> supervisors;
    if (low) {
        LINLI_ASSIGN_OR_RETURN(supervisors, SupervisorsOf(checked.target.place_path));
    }

    bool alerted = false;
    LINLI_ASSIGN_OR_RETURN(auto rating, db_.Write([&](Conn& conn) -> Result<Rating> {
        LINLI_ASSIGN_OR_RETURN(auto again, check(conn));
        if (again.reply_id != checked.reply_id || again.target.id != checked.target.id) {
            return Conflict("the order changed meanwhile; load it again and retry", "state");
        }
        const Order& target = again.target;
        Rating r;
        r.order_id = target.id;
        r.source_order_id = again.source.id;
        r.reporter_id = again.reporter_id;
        r.reply_id = again.reply_id;
        r.score = score;
        r.comment = comment;
        r.created_at = now;
        if (low) {
            LINLI_ASSIGN_OR_RETURN(bool reopened_before, repo_.ReopenedByRating(conn, target.id));
            r.reopen = reopened_before ? RatingReopen::kNone : RatingReopen::kPending;
        }
        LINLI_ASSIGN_OR_RETURN(r.id, repo_.InsertRating(conn, r));

        // The timeline shows the rating to staff with the comment; the public view shows only that
        // a rating was given (the comment is the resident's words to the office, not to the world).
        OrderEvent e;
        e.order_id = target.id;
        e.at = now;
        e.actor_role = "public";
        e.action = "rate";
        e.from_state = std::string(StateName(target.state));
        e.to_state = std::string(StateName(target.state));
        e.note = "评分 " + std::to_string(score) + "/5" + (comment.empty() ? "" : "：" + comment);
        e.is_public = true;
        e.note_public = false;
        boost::json::object detail{{"score", score}, {"rating_id", r.id}};
        if (again.source.id != target.id) {
            detail["from_code"] = again.source.tracking_code;
        }
        if (low) {
            detail["supervisors_alerted"] = outbox_ != nullptr;
        }
        e.detail = boost::json::serialize(detail);
        LINLI_TRY(order_repo_.InsertEvent(conn, e));

        if (low && outbox_) {
            notify::Notification n;
            n.topic = "order.low_rating";
            n.user_ids = supervisors;
            n.title = "低分评价 " + std::to_string(score) + "/5：工单 " + target.tracking_code;
            n.body =
                target.category_name_zh + " · " + target.place_name + "：居民评价 " + std::to_string(score) +
                " 分（满分 5 分）。" +
                (r.reopen == RatingReopen::kPending ? "工单已自动重新打开，请督办。"
                                                    : "此工单此前已因低分重新打开过一次，本次不再自动打开，请督办。");
            n.link = "/orders/" + std::to_string(target.id);
            // No comment and no phone: webhook receivers are outside the system.
            n.payload_json =
                boost::json::serialize(boost::json::object{{"order_id", target.id},
                                                           {"tracking_code", target.tracking_code},
                                                           {"score", score},
                                                           {"reopens", r.reopen == RatingReopen::kPending}});
            n.dedupe_key = "order:" + std::to_string(target.id) + ":rating:" + std::to_string(r.id);
            LINLI_TRY(outbox_->Enqueue(conn, n, now));
            alerted = true;
        }
        return r;
    }));

    RatingOutcome outcome;
    outcome.score = score;
    outcome.rated_at = now;
    outcome.supervisors_alerted = alerted;
    if (rating.reopen == RatingReopen::kPending) {
        // The rating is committed; if this step fails or the process dies here, ResumePendingReopens
        // finishes it. The resident's rating stands either way.
        auto reopened = ReopenFor(rating);
        if (reopened) {
            outcome.reopened = *reopened;
        } else {
            spdlog::warn("rating {} of order {}: reopen left pending ({}); request {}", rating.id, rating.order_id,
                         reopened.error().message, info.request_id);
        }
    } else if (checked.target.state == OrderState::kReplied) {
        // 回访 done: the answer was rated, so the order closes (a low rating after the one reopen too:
        // the supervisors were alerted and may reopen it by hand).
        ActionInput close;
        close.note = "居民已评价 " + std::to_string(score) + " 分（满分 5 分）/ rated " + std::to_string(score) +
                     " of 5 by the reporter";
        close.note_public = true;
        auto closed =
            orders_.Act(OrderService::SystemActor("rating"), rating.order_id, OrderAction::kClose, close, info);
        outcome.closed = closed.has_value();
        if (!closed && closed.error().code != ErrorCode::kConflict) {
            spdlog::warn("rating {} of order {}: close failed ({}); request {}", rating.id, rating.order_id,
                         closed.error().message, info.request_id);
        }
    }
    return outcome;
}

Result<bool> PublicService::ReopenFor(const Rating& rating) {
    ActionInput in;
    in.note = "居民评价 " + std::to_string(rating.score) +
              " 分（满分 5 分），工单自动重新打开 / reopened after the "
              "reporter's rating of " +
              std::to_string(rating.score) + " out of 5";
    in.note_public = true;
    RatingReopen settled = RatingReopen::kDone;
    for (int attempt = 0;; ++attempt) {
        auto step =
            orders_.Act(OrderService::SystemActor("rating"), rating.order_id, OrderAction::kReopen, in, RequestInfo{});
        if (step) {
            settled = RatingReopen::kDone;
            break;
        }
        const Error& e = step.error();
        // An illegal step (the order moved on: someone reopened or it was merged) is final; a
        // concurrent change of the same order is worth another try.
        const bool changed_meanwhile = e.code == ErrorCode::kConflict && !e.allowed;
        if (changed_meanwhile && attempt + 1 < kReopenAttempts) {
            continue;
        }
        if (e.code == ErrorCode::kConflict || e.code == ErrorCode::kForbidden || e.code == ErrorCode::kNotFound) {
            settled = RatingReopen::kSkipped;
            break;
        }
        return e;
    }
    LINLI_TRY(db_.Write([&](Conn& conn) { return repo_.SetReopen(conn, rating.id, settled); }));
    return settled == RatingReopen::kDone;
}

// ---- for the scheduler -------------------------------------------------------------------------

Result<std::vector<AwaitingRating>> PublicService::RatingWindowPassed(int64_t now, int limit) {
    limit = std::clamp(limit, 1, kMaxPageSize);
    const int64_t before = now - options_.rating_days * kSecondsPerDay;
    return db_.Read([&](Conn& conn) { return repo_.ListAwaitingRating(conn, before, limit); });
}

Result<int> PublicService::ResumePendingReopens() {
    LINLI_ASSIGN_OR_RETURN(auto pending,
                           db_.Read([&](Conn& conn) { return repo_.ListPendingReopens(conn, kPendingBatch); }));
    int settled = 0;
    for (const auto& rating : pending) {
        LINLI_TRY(ReopenFor(rating));
        ++settled;
    }
    return settled;
}

}  // namespace linli::orders
