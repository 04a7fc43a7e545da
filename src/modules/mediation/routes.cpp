#include "modules/mediation/routes.hpp"

#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/json_io.hpp"
#include "modules/ledger/table_writer.hpp"
#include "modules/mediation/json.hpp"
#include "modules/mediation/rules.hpp"

namespace linli::mediation {

namespace {

namespace json = boost::json;
using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

constexpr size_t kMaxCursorChars = 1024;

/// A body whose array fields are taken out (the strict reader has no arrays of objects or strings)
/// before the reader reads the rest; any other field is still refused by Finish().
struct Body {
    http::JsonObjectReader reader;
    std::map<std::string, json::array, std::less<>> arrays;
};

Result<Body> ReadBody(const Request& req, std::initializer_list<std::string_view> array_keys) {
    LINLI_TRY(http::JsonObjectReader::FromRequest(req));  // content type, syntax, an object
    auto obj = json::parse(req.body).as_object();
    std::map<std::string, json::array, std::less<>> arrays;
    for (auto key : array_keys) {
        if (auto* v = obj.if_contains(key)) {
            if (!v->is_null()) {
                if (!v->is_array()) {
                    return InvalidArgument(std::string(key), std::string(key) + " must be an array");
                }
                arrays[std::string(key)] = v->as_array();
            }
            obj.erase(key);
        }
    }
    LINLI_ASSIGN_OR_RETURN(auto reader, http::JsonObjectReader::FromText(json::serialize(obj)));
    return Body{std::move(reader), std::move(arrays)};
}

/// The reader of one element of an array of objects, named "<key>[i]" in errors.
Result<http::JsonObjectReader> ElementReader(const json::value& v, const std::string& field) {
    if (!v.is_object()) {
        return InvalidArgument(field, field + " must be an object");
    }
    return http::JsonObjectReader::FromText(json::serialize(v));
}

/// An element's error with its field named in full: "parties[1].name".
Result<void> Within(Result<void> r, const std::string& prefix) {
    if (!r) {
        Error e = r.error();
        e.field = e.field.empty() ? prefix : prefix + "." + e.field;
        return e;
    }
    return {};
}

Result<std::vector<std::string>> Strings(const json::array& a, const std::string& field) {
    std::vector<std::string> out;
    for (const auto& v : a) {
        if (!v.is_string()) {
            return InvalidArgument(field, field + " must be an array of strings");
        }
        out.emplace_back(v.get_string());
    }
    return out;
}

/// One party object: {side, resident_id | name [, phone]}.
Result<NewParty> ReadParty(http::JsonObjectReader& r, const std::string& prefix) {
    NewParty p;
    auto side = r.String("side", true, {1, 20});
    p.resident_id = r.Int("resident_id", false, 1);
    p.name = r.String("name", false, {1, kMaxPartyNameChars});
    p.phone = r.String("phone", false, {1, 40});
    LINLI_TRY(Within(r.Finish(), prefix));
    const std::string side_field = prefix.empty() ? "side" : prefix + ".side";
    LINLI_ASSIGN_OR_RETURN(p.side, ParseName(kPartySides, side, side_field));
    return p;
}

Result<NewDispute> ReadNewDispute(const Request& req) {
    LINLI_ASSIGN_OR_RETURN(auto body, ReadBody(req, {"parties"}));
    auto& r = body.reader;
    NewDispute in;
    in.category = r.String("category", true, {1, 40}).value_or("");
    in.subject = r.String("subject", true, {1, kMaxSubjectChars}).value_or("");
    in.description = r.String("description", false, {0, orders::kMaxDescriptionChars, true}).value_or("");
    in.place_id = r.Int("place_id", false, 1);
    auto channel = r.String("channel", false, {1, 20});
    in.mediator_id = r.Int("mediator_id", false, 1);
    LINLI_TRY(r.Finish());
    if (channel) {
        LINLI_ASSIGN_OR_RETURN(in.channel, ParseName(orders::kChannels, channel, "channel"));
    }
    auto parties = body.arrays.find("parties");
    if (parties == body.arrays.end() || parties->second.empty()) {
        return InvalidArgument("parties", "give the parties: residents by resident_id, others by name");
    }
    if (parties->second.size() > kMaxPartiesPerDispute) {
        return InvalidArgument("parties", "at most " + std::to_string(kMaxPartiesPerDispute) + " parties");
    }
    for (size_t i = 0; i < parties->second.size(); ++i) {
        const std::string prefix = "parties[" + std::to_string(i) + "]";
        LINLI_ASSIGN_OR_RETURN(auto er, ElementReader(parties->second[i], prefix));
        LINLI_ASSIGN_OR_RETURN(auto party, ReadParty(er, prefix));
        in.parties.push_back(std::move(party));
    }
    return in;
}

Result<FigureQuery> ReadFigureQuery(const Request& req, bool* xlsx) {
    http::QueryReader q(req);
    FigureQuery query;
    auto group = q.Enum("group_by", Names(kFigureGroups));
    query.node_id = q.Int("node_id", 1);
    query.from = q.String("from", {1, 10});
    query.to = q.String("to", {1, 10});
    std::optional<std::string> format;
    if (xlsx) {
        format = q.Enum("format", {"csv", "xlsx"});
    }
    LINLI_TRY(q.Finish());
    if (group) {
        query.group_by = *Lookup(kFigureGroups, *group);
    }
    if (xlsx) {
        *xlsx = format && *format == "xlsx";
    }
    return query;
}

Response DetailResponse(int status, const DisputeDetail& d, const Clock& clock) {
    return http::JsonResponse(status, DisputeDetailToJson(d, clock.Now()));
}

}  // namespace

void RegisterRoutes(http::Router& router, MediationService& service, const Clock& clock) {
    const auto anyone = AccessRule::AnyUser();
    const auto leaders = AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff});
    const auto staff =
        AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker});
    const auto intake = AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff,
                                           Role::kGridWorker, Role::kBuildingHead, Role::kLinkLeader});

    // ---- categories, mediators, roster ----
    router.Add(
        Method::kGet, "/api/v1/dispute-categories", anyone,
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto list, service.ListCategories(req.caller()));
            json::array items;
            for (const auto& c : list) {
                items.push_back(CategoryToJson(c));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "List dispute categories");

    const std::string mediators = "/api/v1/mediators";
    router.Add(
        Method::kGet, mediators, staff,
        [&service](Request& req) -> Result<Response> {
            http::QueryReader q(req);
            auto all = q.Enum("include_inactive", {"true", "false"});
            auto specialism = q.Enum("specialism", Names(kSpecialisms));
            LINLI_TRY(q.Finish());
            std::optional<Specialism> s;
            if (specialism) {
                s = Lookup(kSpecialisms, *specialism);
            }
            LINLI_ASSIGN_OR_RETURN(auto list, service.ListMediators(req.caller(), all && *all == "true", s));
            json::array items;
            for (const auto& m : list) {
                items.push_back(MediatorToJson(m));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "List the mediators on the rota");
    router.Add(
        Method::kPost, mediators, leaders,
        [&service, mediators](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto body, ReadBody(req, {"specialisms"}));
            NewMediator in;
            in.user_id = body.reader.Int("user_id", true, 1).value_or(0);
            in.title = body.reader.String("title", false, {0, kMaxTitleChars}).value_or("");
            LINLI_TRY(body.reader.Finish());
            std::vector<std::string> codes;
            if (auto list = body.arrays.find("specialisms"); list != body.arrays.end()) {
                LINLI_ASSIGN_OR_RETURN(codes, Strings(list->second, "specialisms"));
            }
            LINLI_ASSIGN_OR_RETURN(in.specialisms, ParseSpecialisms(codes, "specialisms"));
            LINLI_ASSIGN_OR_RETURN(auto m, service.CreateMediator(req.caller(), in, req.info()));
            auto response = http::JsonResponse(201, MediatorToJson(m));
            response.AddHeader("Location", mediators + "/" + std::to_string(m.id));
            return response;
        },
        "Register a user as a mediator with their specialisms");
    router.Add(
        Method::kGet, mediators + "/{id}", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto m, service.GetMediator(req.caller(), id));
            return http::JsonResponse(200, MediatorToJson(m));
        },
        "Get a mediator");
    router.Add(
        Method::kPatch, mediators + "/{id}", leaders,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto body, ReadBody(req, {"specialisms"}));
            MediatorPatch p;
            p.title = body.reader.String("title", false, {0, kMaxTitleChars});
            p.active = body.reader.Bool("active", false);
            LINLI_TRY(body.reader.Finish());
            if (auto list = body.arrays.find("specialisms"); list != body.arrays.end()) {
                LINLI_ASSIGN_OR_RETURN(auto codes, Strings(list->second, "specialisms"));
                LINLI_ASSIGN_OR_RETURN(p.specialisms, ParseSpecialisms(codes, "specialisms"));
            }
            LINLI_ASSIGN_OR_RETURN(auto m, service.UpdateMediator(req.caller(), id, p, req.info()));
            return http::JsonResponse(200, MediatorToJson(m));
        },
        "Change a mediator's specialisms, title or active flag");

    const std::string duty = "/api/v1/mediation/duty";
    router.Add(
        Method::kGet, duty, staff,
        [&service](Request& req) -> Result<Response> {
            http::QueryReader q(req);
            DutyQuery query;
            auto community = q.Int("community_id", 1);
            query.from = q.String("from", {1, 10});
            query.to = q.String("to", {1, 10});
            auto specialism = q.Enum("specialism", Names(kSpecialisms));
            LINLI_TRY(q.Finish());
            if (!community) {
                return InvalidArgument("community_id", "give the community whose roster to show");
            }
            query.community_id = *community;
            if (specialism) {
                query.specialism = Lookup(kSpecialisms, *specialism);
            }
            LINLI_ASSIGN_OR_RETURN(auto list, service.ListDuty(req.caller(), query));
            json::array items;
            for (const auto& e : list) {
                items.push_back(DutyEntryToJson(e));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "A community's mediation duty roster over a range of days");
    router.Add(
        Method::kPost, duty, leaders,
        [&service](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto body, ReadBody(req, {"entries"}));
            auto community = body.reader.Int("community_id", true, 1);
            LINLI_TRY(body.reader.Finish());
            std::vector<NewDutyEntry> entries;
            if (auto list = body.arrays.find("entries"); list != body.arrays.end()) {
                if (list->second.size() > kMaxDutyEntries) {
                    return InvalidArgument("entries", "at most " + std::to_string(kMaxDutyEntries) + " entries");
                }
                for (size_t i = 0; i < list->second.size(); ++i) {
                    const std::string prefix = "entries[" + std::to_string(i) + "]";
                    LINLI_ASSIGN_OR_RETURN(auto r, ElementReader(list->second[i], prefix));
                    NewDutyEntry e;
                    e.date = r.String("date", true, {1, 10}).value_or("");
                    e.mediator_id = r.Int("mediator_id", true, 1).value_or(0);
                    auto specialism = r.String("specialism", false, {1, 30});
                    LINLI_TRY(Within(r.Finish(), prefix));
                    if (specialism) {
                        LINLI_ASSIGN_OR_RETURN(e.specialism,
                                               ParseName(kSpecialisms, specialism, prefix + ".specialism"));
                    }
                    entries.push_back(std::move(e));
                }
            }
            LINLI_ASSIGN_OR_RETURN(auto list, service.AddDuty(req.caller(), *community, entries, req.info()));
            json::array items;
            for (const auto& e : list) {
                items.push_back(DutyEntryToJson(e));
            }
            return http::JsonResponse(200, json::object{{"items", std::move(items)}});
        },
        "Put mediators on a community's duty roster");
    router.Add(
        Method::kDelete, duty + "/{id}", leaders,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_TRY(service.RemoveDuty(req.caller(), id, req.info()));
            return http::NoContent();
        },
        "Take an entry off the duty roster");

    // ---- disputes ----
    const std::string base = "/api/v1/disputes";
    router.Add(
        Method::kPost, base, intake,
        [&service, &clock, base](Request& req) -> Result<Response> {
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto input, ReadNewDispute(req));
            LINLI_ASSIGN_OR_RETURN(auto detail, service.Create(req.caller(), input, req.info()));
            auto response = DetailResponse(201, detail, clock);
            response.AddHeader("Location", base + "/" + std::to_string(detail.dispute.order_id));
            return response;
        },
        "Record a dispute (a work order of kind dispute) with its parties and lead mediator");
    router.Add(
        Method::kGet, base, anyone,
        [&service, &clock](Request& req) -> Result<Response> {
            http::QueryReader q(req);
            DisputeQuery query;
            auto state = q.Enum("state", Names(orders::kOrderStates));
            query.node_id = q.Int("node_id", 1);
            auto overdue = q.Enum("overdue", {"true", "false"});
            query.cursor = q.String("cursor", {1, kMaxCursorChars});
            if (auto limit = q.Int("limit", 1, kMaxPageSize)) {
                query.limit = static_cast<int>(*limit);
            }
            LINLI_TRY(q.Finish());
            if (state) {
                query.state = Lookup(orders::kOrderStates, *state);
            }
            if (overdue) {
                query.overdue = *overdue == "true";
            }
            LINLI_ASSIGN_OR_RETURN(auto page, service.List(req.caller(), query));
            return http::JsonResponse(200, DisputePageToJson(page, clock.Now()));
        },
        "List the disputes the caller is on (leaders: every one in scope)");
    router.Add(
        Method::kGet, base + "/stats", staff,
        [&service](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto query, ReadFigureQuery(req, nullptr));
            LINLI_ASSIGN_OR_RETURN(auto report, service.Figures(req.caller(), query));
            return http::JsonResponse(200, FiguresToJson(report));
        },
        "Dispute figures: received, mediated, agreed, referred by category, month or grid");
    router.Add(
        Method::kGet, base + "/stats/export", staff,
        [&service](Request& req) -> Result<Response> {
            bool xlsx = false;
            LINLI_ASSIGN_OR_RETURN(auto query, ReadFigureQuery(req, &xlsx));
            LINLI_ASSIGN_OR_RETURN(auto report, service.Figures(req.caller(), query));
            const auto table = FiguresToTable(report);
            const std::string stem = "dispute-stats-" + report.from + "-" + report.to;
            Response r;
            if (xlsx) {
                LINLI_ASSIGN_OR_RETURN(r.body, ledger::WriteXlsx(table, "矛盾纠纷统计"));
                r.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
                r.AddHeader("Content-Disposition", "attachment; filename=\"" + stem + ".xlsx\"");
            } else {
                r.body = ledger::WriteCsv(table);
                r.content_type = "text/csv; charset=utf-8";
                r.AddHeader("Content-Disposition", "attachment; filename=\"" + stem + ".csv\"");
            }
            r.AddHeader("Cache-Control", "no-store");
            return r;
        },
        "Dispute figures as CSV or XLSX (Chinese headers)");
    router.Add(
        Method::kGet, base + "/{id}", anyone,
        [&service, &clock](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto detail, service.Get(req.caller(), id));
            return DetailResponse(200, detail, clock);
        },
        "Get a dispute: parties, mediators, sessions, agreement, outcome and its work order");
    router.Add(
        Method::kPost, base + "/{id}/parties", anyone,
        [&service, &clock](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            LINLI_ASSIGN_OR_RETURN(auto party, ReadParty(r, ""));
            LINLI_ASSIGN_OR_RETURN(auto detail, service.AddParty(req.caller(), id, party, req.info()));
            return DetailResponse(200, detail, clock);
        },
        "Add a party to a dispute");
    router.Add(
        Method::kPost, base + "/{id}/mediators", leaders,
        [&service, &clock](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            auto mediator = r.Int("mediator_id", true, 1);
            auto lead = r.Bool("lead", false);
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(auto detail,
                                   service.AssignMediator(req.caller(), id, *mediator, lead.value_or(false), req.info()));
            return DetailResponse(200, detail, clock);
        },
        "Put a mediator on a dispute (a warning when they are not on duty today)");
    router.Add(
        Method::kPost, base + "/{id}/sessions", anyone,
        [&service, &clock](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            NewSession s;
            s.held_on = r.String("held_on", true, {1, 40}).value_or("");
            s.start_time = r.String("start_time", false, {1, 40});
            s.place_id = r.Int("place_id", true, 1);
            s.place_note = r.String("place_note", false, {0, kMaxPlaceNoteChars}).value_or("");
            s.party_ids = r.IntArray("attendee_party_ids", false, kMaxPartiesPerDispute).value_or(std::vector<int64_t>{});
            s.mediator_ids = r.IntArray("attendee_mediator_ids", false, 50).value_or(std::vector<int64_t>{});
            s.other_attendees = r.String("other_attendees", false, {0, kMaxAttendeesChars}).value_or("");
            s.notes = r.String("notes", false, {0, kMaxSessionNotesChars, true}).value_or("");
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(auto detail, service.AddSession(req.caller(), id, s, req.info()));
            return DetailResponse(200, detail, clock);
        },
        "Record a mediation session: date, place, attendees, notes");
    router.Add(
        Method::kPut, base + "/{id}/agreement", anyone,
        [&service, &clock](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            auto text = r.String("text", true, {1, kMaxAgreementChars, true});
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(auto detail, service.SetAgreement(req.caller(), id, *text, req.info()));
            return DetailResponse(200, detail, clock);
        },
        "Set the agreement text (调解协议); every party's decision goes back to pending");
    router.Add(
        Method::kPost, base + "/{id}/agreement/decisions", anyone,
        [&service, &clock](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            DecisionInput in;
            in.party_id = r.Int("party_id", true, 1).value_or(0);
            auto decision = r.String("decision", true, {1, 20});
            in.note = r.String("note", false, {0, kMaxDecisionNoteChars}).value_or("");
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(in.decision, ParseName(kDecisions, decision, "decision"));
            LINLI_ASSIGN_OR_RETURN(auto detail, service.Decide(req.caller(), id, in, req.info()));
            return DetailResponse(200, detail, clock);
        },
        "Record a party's acceptance or refusal of the agreement");
    router.Add(
        Method::kPost, base + "/{id}/outcome", anyone,
        [&service, &clock](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto id, req.PathId("id"));
            LINLI_TRY(http::QueryReader(req).Finish());
            LINLI_ASSIGN_OR_RETURN(auto r, http::JsonObjectReader::FromRequest(req));
            OutcomeInput in;
            auto outcome = r.String("outcome", true, {1, 20});
            auto referral = r.String("referral", false, {1, 20});
            in.referral_to = r.String("referral_to", false, {0, kMaxReferralToChars}).value_or("");
            in.note = r.String("note", false, {0, kMaxOutcomeNoteChars, true}).value_or("");
            LINLI_TRY(r.Finish());
            LINLI_ASSIGN_OR_RETURN(in.outcome, ParseName(kOutcomes, outcome, "outcome"));
            if (referral) {
                LINLI_ASSIGN_OR_RETURN(in.referral, ParseName(kReferrals, referral, "referral"));
            }
            LINLI_ASSIGN_OR_RETURN(auto detail, service.RecordOutcome(req.caller(), id, in, req.info()));
            return DetailResponse(200, detail, clock);
        },
        "Record the outcome: agreed, partly agreed, or failed and referred (to court, police, arbitration)");
}

}  // namespace linli::mediation
