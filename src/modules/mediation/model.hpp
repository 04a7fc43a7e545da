#pragma once
/// Dispute mediation (矛盾纠纷调解, DOMAIN.md §3, issue 5 §6, ADR 0009) as plain data: the dispute
/// categories, the mediators and their duty roster, and what a dispute adds to its work order —
/// parties, the mediators on it, sessions, the agreement (调解协议) with each party's decision, and
/// the outcome. The rules live in rules.* and MediationService.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/actor.hpp"
#include "core/paging.hpp"
#include "modules/orders/model.hpp"

namespace linli::mediation {

using orders::Lookup;
using orders::NameList;
using orders::NameOf;
using orders::NameTable;

/// What a mediator is on the rota for: 法律 (judges, lawyers), 公安 (police officers), 党员 (Party
/// members), 人民调解员 (people's mediators), 心理疏导 (counselling), 其他.
enum class Specialism { kLaw, kPolice, kPartyMember, kPeopleMediator, kCounselling, kOther };
inline constexpr NameTable<Specialism, 6> kSpecialisms{{
    {Specialism::kLaw, "law"},
    {Specialism::kPolice, "police"},
    {Specialism::kPartyMember, "party_member"},
    {Specialism::kPeopleMediator, "people_mediator"},
    {Specialism::kCounselling, "counselling"},
    {Specialism::kOther, "other"},
}};
/// Chinese labels, for exports and the console.
inline constexpr NameTable<Specialism, 6> kSpecialismsZh{{
    {Specialism::kLaw, "法律"},
    {Specialism::kPolice, "公安"},
    {Specialism::kPartyMember, "党员"},
    {Specialism::kPeopleMediator, "人民调解员"},
    {Specialism::kCounselling, "心理疏导"},
    {Specialism::kOther, "其他"},
}};

/// Where a party stands: 申请人, 被申请人, 第三人.
enum class PartySide { kApplicant, kRespondent, kThirdParty };
inline constexpr NameTable<PartySide, 3> kPartySides{{
    {PartySide::kApplicant, "applicant"},
    {PartySide::kRespondent, "respondent"},
    {PartySide::kThirdParty, "third_party"},
}};

/// A party's answer to the agreement text; pending until they give one, and again after the text
/// changes.
enum class Decision { kPending, kAccepted, kDeclined };
inline constexpr NameTable<Decision, 3> kDecisions{{
    {Decision::kPending, "pending"},
    {Decision::kAccepted, "accepted"},
    {Decision::kDeclined, "declined"},
}};

/// How the mediation ended: 调解成功, 部分达成, 调解不成.
enum class Outcome { kAgreed, kPartlyAgreed, kFailed };
inline constexpr NameTable<Outcome, 3> kOutcomes{{
    {Outcome::kAgreed, "agreed"},
    {Outcome::kPartlyAgreed, "partly_agreed"},
    {Outcome::kFailed, "failed"},
}};

/// Where what mediation could not settle goes next: 法院 (诉调对接), 公安, 劳动/仲裁, 其他部门.
enum class Referral { kCourt, kPolice, kArbitration, kOther };
inline constexpr NameTable<Referral, 4> kReferrals{{
    {Referral::kCourt, "court"},
    {Referral::kPolice, "police"},
    {Referral::kArbitration, "arbitration"},
    {Referral::kOther, "other"},
}};

/// What a dispute is about (data, migration 0013): neighbours, family, property, tenancy, labour,
/// consumer, other. Its work order takes the order category `order_category_code` (deadline "same
/// day" for the seeded ones: 矛盾不过夜).
struct DisputeCategory {
    int64_t id = 0;
    std::string code;
    std::string name_zh;
    std::string name_en;
    std::string order_category_code;
    bool active = true;
    int64_t sort_order = 0;
};

/// A person on the mediation rota: a user account (community staff, a partner unit's judge or
/// police officer, a volunteer lawyer or Party member) with what they can mediate.
struct Mediator {
    int64_t id = 0;
    int64_t user_id = 0;
    std::string username;
    std::string display_name;
    Role role = Role::kVolunteer;
    std::vector<Specialism> specialisms;  // at least one, in kSpecialisms order
    std::string title;                    // e.g. "区人民法院 法官", "社区民警"
    bool active = true;
    int64_t created_at = 0;
    int64_t updated_at = 0;
};

struct NewMediator {
    int64_t user_id = 0;
    std::vector<Specialism> specialisms;
    std::string title;
};

/// Absent members stay as they are.
struct MediatorPatch {
    std::optional<std::vector<Specialism>> specialisms;
    std::optional<std::string> title;
    std::optional<bool> active;
};

/// One line of a community's duty roster (值班表): this mediator is on duty that local day.
struct DutyEntry {
    int64_t id = 0;
    int64_t community_id = 0;
    std::string date;  // local "YYYY-MM-DD"
    int64_t mediator_id = 0;
    std::string mediator_name;
    std::string mediator_title;
    Specialism specialism = Specialism::kPeopleMediator;  // what they are on duty as that day
    int64_t created_at = 0;
};

struct NewDutyEntry {
    std::string date;
    int64_t mediator_id = 0;
    std::optional<Specialism> specialism;  // default: the mediator's first specialism
};

/// The roster of one community over a range of days, optionally one specialism.
struct DutyQuery {
    int64_t community_id = 0;
    std::optional<std::string> from;  // default: today
    std::optional<std::string> to;    // default: from + 6 days
    std::optional<Specialism> specialism;
};

/// Someone in the dispute: a resident from the register (resident_id) or a person from outside it
/// (name, optional phone, sealed at rest and only ever shown masked).
struct Party {
    int64_t id = 0;
    int64_t order_id = 0;
    PartySide side = PartySide::kApplicant;
    std::optional<int64_t> resident_id;
    std::string name;
    std::optional<std::string> phone_masked;
    Decision decision = Decision::kPending;
    std::optional<int64_t> decided_at;
    std::string decision_note;
    int64_t created_at = 0;
};

struct NewParty {
    std::optional<PartySide> side;  // required
    std::optional<int64_t> resident_id;
    std::optional<std::string> name;
    std::optional<std::string> phone;
};

/// A mediator on a dispute; the lead is the one the work order is sent to.
struct DisputeMediator {
    int64_t mediator_id = 0;
    int64_t user_id = 0;
    std::string name;
    std::string title;
    bool lead = false;
    bool on_duty = false;  // on the community's roster the day they were chosen
    int64_t assigned_at = 0;
};

/// One meeting with the parties (调解会).
struct Session {
    int64_t id = 0;
    int64_t order_id = 0;
    std::string held_on;     // local "YYYY-MM-DD"
    std::string start_time;  // local "HH:MM", or empty
    int64_t place_id = 0;    // a node of the dispute's community (its office, a building's hall)
    std::string place_name;
    std::string place_note;  // "一楼红色议事厅"
    std::vector<int64_t> party_ids;
    std::vector<int64_t> mediator_ids;
    std::string other_attendees;  // free text: "社区民警王警官、物业经理"
    std::string notes;
    std::optional<int64_t> recorded_by;
    std::string recorded_by_name;
    int64_t created_at = 0;
};

struct NewSession {
    std::string held_on;
    std::optional<std::string> start_time;
    std::optional<int64_t> place_id;
    std::string place_note;
    std::vector<int64_t> party_ids;
    std::vector<int64_t> mediator_ids;
    std::string other_attendees;
    std::string notes;
};

/// What mediation adds to a work order of kind dispute. Confidential: only the people on it and
/// leaders read it (ADR 0009).
struct Dispute {
    int64_t order_id = 0;
    DisputeCategory category;
    std::string subject;  // what it is about, in the parties' words ("楼上漏水"); the order's title stays generic
    std::optional<int64_t> community_id;
    std::optional<int64_t> grid_id;
    std::string place_path;
    int64_t received_at = 0;
    std::vector<Party> parties;
    std::vector<DisputeMediator> mediators;
    std::vector<Session> sessions;
    std::optional<std::string> agreement_text;
    std::optional<int64_t> agreement_at;
    std::optional<Outcome> outcome;
    std::optional<Referral> referral;
    std::string referral_to;  // where: "区人民法院", "派出所"
    std::string outcome_note;
    std::optional<int64_t> outcome_at;
    int64_t updated_at = 0;
};

/// Something allowed that the office should know about, returned with the answer and kept in the
/// order's internal timeline ("mediator_not_on_duty").
struct Warning {
    std::string code;
    std::string message;
};

/// A dispute with its work order (as the caller may see it) and any warnings of the request.
struct DisputeDetail {
    Dispute dispute;
    orders::OrderDetail order;
    std::vector<Warning> warnings;
};

/// The agreement's outcome as recorded (POST /api/v1/disputes/{id}/outcome).
struct OutcomeInput {
    Outcome outcome = Outcome::kAgreed;
    std::optional<Referral> referral;
    std::string referral_to;
    std::string note;
};

/// A party's answer to the agreement, recorded by the mediator (the party signs on paper).
struct DecisionInput {
    int64_t party_id = 0;
    Decision decision = Decision::kPending;
    std::string note;
};

/// Intake of a dispute (POST /api/v1/disputes).
struct NewDispute {
    std::string category;  // a dispute category code
    std::string subject;
    std::string description;
    std::optional<int64_t> place_id;  // default: the household of the first party from the register
    orders::Channel channel = orders::Channel::kWalkIn;
    std::vector<NewParty> parties;
    std::optional<int64_t> mediator_id;  // the lead mediator, chosen from the roster
};

/// One line of a dispute list: the order's state and deadline beside the mediation's summary.
struct DisputeSummary {
    orders::Order order;
    DisputeCategory category;
    std::string subject;
    int64_t party_count = 0;
    std::string lead_mediator;
    std::optional<Outcome> outcome;
    std::optional<Referral> referral;
    int64_t session_count = 0;
};

/// List filters (order-level; the caller sees only disputes they are on, or all in scope as a leader).
struct DisputeQuery {
    std::optional<orders::OrderState> state;
    std::optional<int64_t> node_id;
    std::optional<bool> overdue;
    std::optional<std::string> cursor;
    int limit = kDefaultPageSize;
};

/// Figures (issue 5 §7): what the dispute counts break down by.
enum class FigureGroup { kCategory, kMonth, kGrid };
inline constexpr NameTable<FigureGroup, 3> kFigureGroups{{
    {FigureGroup::kCategory, "category"},
    {FigureGroup::kMonth, "month"},
    {FigureGroup::kGrid, "grid"},
}};

struct FigureQuery {
    FigureGroup group_by = FigureGroup::kCategory;
    std::optional<int64_t> node_id;   // a community, grid or above in scope
    std::optional<std::string> from;  // local "YYYY-MM-DD", received on or after; default 1 Jan of this year
    std::optional<std::string> to;    // local "YYYY-MM-DD", received on or before; default today
};

/// Counts of disputes received in the period.
struct DisputeFigures {
    int64_t received = 0;
    int64_t mediated = 0;  // at least one session held
    int64_t agreed = 0;
    int64_t partly_agreed = 0;
    int64_t failed = 0;
    int64_t referred = 0;  // sent on to a court, the police, arbitration or another office
    int64_t pending = 0;   // no outcome yet
    std::optional<double> success_rate;  // (agreed + partly_agreed) / concluded
};

struct FigureRow {
    std::string key;  // category code, "YYYY-MM", or the grid id (as text; "" for no grid)
    std::string name;  // Chinese name of the category or grid; the month again
    DisputeFigures figures;
};

struct FigureReport {
    FigureGroup group_by = FigureGroup::kCategory;
    std::string from;
    std::string to;
    std::optional<int64_t> node_id;
    std::vector<FigureRow> rows;
    DisputeFigures total;
};

/// Text limits, in code points after trimming.
constexpr size_t kMaxSubjectChars = 100;
constexpr size_t kMaxPartyNameChars = 50;
constexpr size_t kMaxPartiesPerDispute = 20;
constexpr size_t kMaxTitleChars = 60;
constexpr size_t kMaxPlaceNoteChars = 100;
constexpr size_t kMaxAttendeesChars = 300;
constexpr size_t kMaxSessionNotesChars = 4000;
constexpr size_t kMaxAgreementChars = 10000;
constexpr size_t kMaxDecisionNoteChars = 500;
constexpr size_t kMaxReferralToChars = 100;
constexpr size_t kMaxOutcomeNoteChars = 2000;
constexpr size_t kMaxDutyEntries = 366;
constexpr int kMaxDutyRangeDays = 92;
constexpr int kMaxFigureRangeDays = 3660;

}  // namespace linli::mediation
