#pragma once
/// The access matrix's fixture world (issue 7, item 4): one real server per backend with two
/// communities, their grids, buildings, households, residents and work orders, a partner unit with
/// one order sent to it and others not, and one signed-in account per role and scope. Every record
/// carries a sentinel: a string found nowhere else, so a response that contains it shows that record.
///
/// Groups of records, by where they are:
///   kA1  community A, grid A1, building A1, unit A1, household A1: a resident and an order;
///   kAP  the same unit: an order sent to the partner unit (the partner's only order);
///   kA2  community A, grid A2 (outside grid worker A1's scope): a resident and an order;
///   kB   community B, grid B1 (outside everything on the A side): a resident and an order.
///
/// Safety (groups A1, A2 and B): a venue in the group's building, never inspected; a building
/// inspection with one failed item, its hazard (a hazard order sent to the grid worker of the place)
/// and a photo; community A and B have a checklist of their own. kAP: a hazard whose order went to
/// the partner unit. Mediation (groups A1 and B): a dispute at the group's unit, with parties from
/// outside the register, an agreement and a session; A1's is mediated by the partner unit's account
/// (no territory of its own), B's by grid worker B.

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "support/test_server.hpp"

namespace linli::testing::matrix {

enum class Group { kA1, kAP, kA2, kB };
inline constexpr Group kAllGroups[] = {Group::kA1, Group::kAP, Group::kA2, Group::kB};
std::string GroupName(Group g);

/// What decides whether a caller may see a record: the territory alone (nodes), the register's
/// reader roles (residents, households), the order rule (the territory for the roles that work it,
/// or being the handler), ownership (an import job, an inbox message, an API token), the safety
/// rule (the inspectors' territory; the partner unit for the hazard sent to it), or the dispute rule
/// (leaders in scope and the dispute's own mediator, nobody else: ADR 0009). kWithin: a node seen
/// also by those whose scope lies within it (a community's mediation roster, for its grid workers).
enum class Kind { kNone, kNode, kRegister, kOrder, kOwned, kSafety, kDispute, kWithin };

/// The node of a group that a record hangs from; scope is decided against its path.
enum class Anchor { kCommunity, kGrid, kBuilding, kUnit, kHousehold };

struct Places {
    int64_t community = 0, grid = 0, building = 0, unit = 0, household = 0;
    int64_t Of(Anchor a) const;
};

/// The shared records of a group. Tests read them; only callers that must be refused write to them.
struct GroupRecords {
    Places at;
    std::map<Anchor, std::string> paths;  // materialised paths of `at`
    int64_t resident = 0;                 // 0 for kAP (it shares kA1's register)
    int64_t order = 0;
    std::string tracking_code;
    int64_t attachment = 0;
    int64_t assignment = 0;  // a link leader's assignment to the household
    int64_t carer = 0;       // that link leader (user id)
    std::string resident_phone;
    std::string register_token;       // in the resident's note and household-facing text
    std::string register_person;      // in the resident's name (personal data)
    std::string register_phone_mask;  // "****1234" of the resident's phone
    std::string order_token;          // in the order's title and description
    std::string order_person;         // in the reporter's name (personal data)
    std::string order_phone_mask;

    // Safety (A1, A2, B; kAP: `hazard` only). Tokens of kSafety: venue_*, inspection_token,
    // template_token; the hazard's responsible name goes into its work order too: kOrder.
    int64_t venue = 0;            // in the group's building, never inspected
    int64_t inspection = 0;       // of the group's building, one item failed
    int64_t hazard = 0;           // that item's hazard
    int64_t safety_photo = 0;     // on the inspection, uploaded by the administrator
    int64_t safety_template = 0;  // A1 and B: the community's own checklist
    std::string venue_phone;
    std::string venue_token;       // in the venue's name and address
    std::string venue_person;      // the owner's name
    std::string inspection_token;  // in the inspection's note and an item's note
    std::string hazard_token;      // the hazard's responsible party
    std::string template_token;    // in the checklist's name

    // Mediation (A1, B). All of kDispute.
    int64_t duty_entry = 0;        // a roster entry of the spare mediator in the group's community
    int64_t dispute = 0;           // the order id
    int64_t dispute_party = 0;     // its first party
    std::string dispute_code;      // its tracking code
    std::string dispute_mediator;  // the caller who mediates it (and handles its order)
    std::string dispute_token;     // in the subject, the description and the session's notes
    std::string dispute_person;    // the parties' names
    std::string agreement_token;   // in the agreement
    std::string dispute_phone_mask;
};

/// One caller of the matrix. `role` is empty for the anonymous caller.
struct Caller {
    std::string name;
    std::optional<Role> role;
    std::vector<int64_t> scope;
    std::vector<std::string> scope_paths;
    int64_t user_id = 0;
    std::string bearer;
    bool partner_member = false;  // member of the handling unit the kAP order was sent to
};

/// A string that stands for one record's content: who may see it is decided like the record.
struct Sentinel {
    std::string text;
    Group group;
    Kind kind;
    Anchor anchor;
    bool personal;  // a name or a masked phone: never on a public route
};

class World {
public:
    /// Builds everything; throws (failing the test) when a step of the set-up is refused.
    explicit World(Backend backend);
    ~World();

    TestServer& server() { return *server_; }
    const std::vector<Caller>& callers() const { return callers_; }
    const Caller& caller(const std::string& name) const;
    const GroupRecords& group(Group g) const { return groups_.at(g); }
    const std::vector<Sentinel>& sentinels() const { return sentinels_; }

    /// True when `c` may see a record of group `g` hanging from `anchor` under rule `kind`. kOwned
    /// and kNone are decided by the caller of this function.
    bool Sees(const Caller& c, Group g, Kind kind, Anchor anchor) const;
    /// True when `c`'s scope covers the node `anchor` of group `g`.
    bool Covers(const Caller& c, Group g, Anchor anchor) const;

    /// Requests as the administrator (set-up and fresh targets); fail the test unless `want`.
    boost::json::value Admin(const std::string& method, const std::string& target, const boost::json::value& body,
                             int want);
    HttpReply AdminRaw(const std::string& method, const std::string& target, const std::string& body = {},
                       const Headers& headers = {});
    /// A request as the named caller (its bearer token; none for "anonymous").
    HttpReply As(const std::string& caller, const std::string& method, const std::string& target,
                 const std::string& body = {}, const Headers& headers = {});

    // Fresh records in a group, with the group's sentinels, for callers inside scope whose
    // request changes what it names: the shared records stay as they are.
    int64_t FreshOrder(Group g, bool dispatch_to_partner = false);
    /// An order already answered (replied), for the steps that follow an answer.
    int64_t FreshRepliedOrder(Group g);
    int64_t FreshResident(Group g);
    int64_t FreshHousehold(Group g);
    int64_t FreshUnitNode(Group g);
    int64_t FreshAssignment(Group g);
    int64_t FreshUser();
    int64_t FreshHandlingUnit();
    int64_t FreshWebhook();
    int64_t FreshDevice();
    int64_t FreshOpen311Key();
    int64_t FreshCategory();
    /// A venue in the group's building, with its sentinels.
    int64_t FreshVenue(Group g);
    /// A hazard of a fresh inspection of the group's building (kAP: sent to the partner unit, else
    /// to the grid worker of the place). `rectified`: sent instead to a unit none of the callers is
    /// in, whose member recorded the rectification, so that any inspector may re-inspect it.
    int64_t FreshHazard(Group g, bool rectified = false);
    /// A checklist of the group's community (nullopt: a shipped one, made by the administrator).
    int64_t FreshTemplate(std::optional<Group> g);
    /// A dispute at the group's unit, mediated by the group's mediator, with an agreement.
    struct DisputeIds {
        int64_t id = 0;
        int64_t party = 0;
        std::string phone_mask;  // the first party's phone, masked
    };
    DisputeIds FreshDispute(Group g);
    int64_t FreshMediator();
    /// A roster entry of the spare mediator in the group's community, on a day of its own.
    int64_t FreshDutyEntry(Group g);
    /// A safety photo uploaded by `caller` (the same bytes each time: the same photo).
    int64_t CallerPhoto(const std::string& caller);
    /// The server's date in the community's zone, "YYYY-MM-DD".
    std::string Today();
    /// A new API token of `caller` (its id); `secret` receives the token when given.
    int64_t FreshApiToken(const std::string& caller, std::string* secret = nullptr);
    /// A separate bearer session of `caller` (for logout, which ends the session it is called with).
    std::string FreshSession(const std::string& caller);

    /// A valid, unused 18-digit ID number.
    std::string NextIdNumber();
    /// A mainland mobile number not used before in this world.
    std::string NextPhone();
    /// A counter for unique names.
    int Next() { return ++counter_; }

    // Catalogue and other shared ids.
    int64_t repairs_category = 0;
    int64_t partner_unit = 0;
    int64_t partner_user = 0;
    int64_t spare_member_user = 0;
    int64_t webhook = 0;
    int64_t failed_delivery = 0;
    int64_t device = 0;
    std::string device_secret;
    int64_t open311_key = 0;
    std::string open311_secret;
    std::string import_job;       // started by staff_a into grid A1, one rejected row with kA1's sentinels
    std::string import_owner = "staff_a";
    int64_t worker_a_message = 0;  // an inbox message of worker_a
    int64_t worker_a_token = 0;    // an API token of worker_a
    std::string building_a1_qr;    // the QR token of building A1
    std::string replied_code;      // tracking code of a replied kA1 order (rating)
    std::string replied_phone;
    std::string open_code;         // tracking code of an open kA1 order (the reporter's photos)
    std::string open_phone;
    std::string login_user = "matrix_login";
    /// Sentinels of the reports that came in through public channels (Open311, QR) in community A.
    std::string open311_person = "Pxopenrep";
    std::string qr_person = "Pxqrrep";
    std::string qr_token = "Zqqrrep";
    /// A report the resident filed signed in (POST /api/v1/my/reports), answered: theirs to rate.
    std::string resident_report_code;

    // Safety and mediation.
    int64_t shipped_template = 0;  // the shipped checklist inspections are made with
    int shipped_version = 0;
    std::vector<int64_t> shipped_items;
    int64_t rectifier_unit = 0;  // a unit none of the callers is in (see FreshHazard)
    std::string rectifier = "matrix_rectifier";
    int64_t spare_mediator = 0;            // on no dispute, on the rosters of communities A and B
    std::map<Group, int64_t> mediator_of;  // the mediator (id) of each group's disputes
    int64_t dispute_category = 0;          // the order category of the disputes' work orders

    /// PNG bytes for attachments; `salt` makes other bytes of the same image (another file).
    static std::string Png(unsigned char salt = 0);
    /// A multipart/form-data body with one file field and optional text fields; the boundary is kBoundary.
    static std::string Form(const std::string& filename, const std::string& bytes,
                            const std::vector<std::pair<std::string, std::string>>& fields = {});
    /// application/x-www-form-urlencoded.
    static std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);
    static constexpr const char* kBoundary = "----LinliMatrixBoundary";

private:
    void BuildTerritory();
    void BuildCallers();
    void BuildRecords();
    int64_t Node(std::optional<int64_t> parent, const std::string& kind, const std::string& name);
    std::string PathOf(int64_t node);
    int64_t Attach(int64_t order, const std::string& name);
    /// Registers the masked form of `phone` as a personal sentinel of group `g`.
    void PhoneSentinel(const std::string& phone, Group g, Kind kind, Anchor anchor);
    int64_t Resident(Group g, const std::string& suffix, const std::vector<std::string>& tags = {});
    void BuildSafety();
    void BuildMediation();
    /// A building inspection of the group's building with every item passing but the first when
    /// `fail`; its hazard goes to `unit` when given. Returns the answer.
    boost::json::value Inspect(Group g, bool fail, std::optional<int64_t> unit, int64_t photo);
    /// An order filed by the resident from building A1's QR code, answered by grid worker A.
    void BuildResidentReport();

    std::unique_ptr<TestServer> server_;
    std::unique_ptr<HttpClient> admin_;
    int64_t admin_id_ = 0;
    std::vector<Caller> callers_;
    std::map<Group, GroupRecords> groups_;
    std::vector<Sentinel> sentinels_;
    int counter_ = 0;
    int id_serial_ = 0;
    int phone_serial_ = 0;
    std::string last_phone_;
};

}  // namespace linli::testing::matrix
