// Dispute mediation through MediationService on every available backend: a dispute is a work order
// of kind dispute due the same day; only its mediators and leaders read it (a grid worker of the
// place gets 404, in lists too, and the tracking page says nothing of it); a mediator off the roster
// is allowed with a warning kept in the order's timeline; an agreement accepted by every party
// closes it as agreed and resolves the order; and the figures count it.

#include "modules/mediation/service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/field_crypto.hpp"
#include "core/id_number.hpp"
#include "core/working_calendar.hpp"
#include "modules/accounts/service.hpp"
#include "modules/orders/catalog_service.hpp"
#include "modules/orders/service.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/service.hpp"
#include "support/test_database.hpp"

namespace linli::mediation {
namespace {

using registry::NodeKind;

constexpr int64_t kStart = 1'767'571'200;  // 2026-01-05 00:00 UTC, a Monday: 08:00 in Shanghai

class MediationServiceTest : public ::testing::TestWithParam<linli::testing::Backend> {
protected:
    void SetUp() override {
        db_ = linli::testing::OpenTestDatabase(GetParam());
        crypto_ = FieldCrypto::ForTesting();
        calendar_ = std::make_unique<WorkingCalendar>(WorkingCalendar::Create(WorkingCalendarConfig{}).value());
        territory_ = std::make_unique<registry::RegistryService>(*db_, clock_);
        residents_ = std::make_unique<registry::ResidentService>(*db_, clock_, *crypto_, *territory_,
                                                                 registry::ResidentServiceOptions{});
        assignments_ = std::make_unique<registry::AssignmentService>(*db_, clock_, *territory_);
        accounts::AccountsOptions options;
        options.cost = accounts::PasswordCost::Minimum();
        accounts_ = std::make_unique<accounts::AccountsService>(
            *db_, clock_, options, [this](const std::vector<int64_t>& ids) { return territory_->ResolveScope(ids); });
        catalog_ = std::make_unique<orders::CatalogService>(*db_, clock_, *accounts_);
        orders_ = std::make_unique<orders::OrderService>(*db_, clock_, *calendar_, *crypto_, *catalog_, *territory_,
                                                         *assignments_, *residents_, *accounts_);
        service_ = std::make_unique<MediationService>(*db_, clock_, *calendar_, *crypto_, *orders_, *catalog_,
                                                      *territory_, *residents_, *accounts_);
        orders_->AddListener(service_.get());

        admin_ = accounts::AccountsService::SystemActor("test");
        subdistrict_ = Node(std::nullopt, NodeKind::kSubdistrict, "和平街道");
        community_ = Node(subdistrict_, NodeKind::kCommunity, "青和居社区");
        other_community_ = Node(subdistrict_, NodeKind::kCommunity, "流塘社区");
        grid_a_ = Node(community_, NodeKind::kGrid, "第1网格");
        grid_b_ = Node(community_, NodeKind::kGrid, "第2网格");
        building_1_ = Node(grid_a_, NodeKind::kBuilding, "1号楼");
        unit_1_ = Node(building_1_, NodeKind::kUnit, "1单元");
        building_3_ = Node(grid_b_, NodeKind::kBuilding, "3号楼");
        elsewhere_ = Node(other_community_, NodeKind::kGrid, "流塘第1网格");

        staff_ = User("staff", Role::kCommunityStaff, {community_});
        worker_a_ = User("worker_a", Role::kGridWorker, {grid_a_});
        worker_b_ = User("worker_b", Role::kGridWorker, {grid_b_});
        lawyer_ = User("lawyer", Role::kVolunteer, {});
        police_ = User("police", Role::kPartnerUnit, {});

        household_ = residents_->CreateHousehold(admin_, registry::NewHousehold{unit_1_, "101"}, info_).value().id;
        zhang_ = Resident("张伟", "11010819800101001");
        lawyer_mediator_ = Mediator(lawyer_, {Specialism::kLaw}, "律师");
        police_mediator_ = Mediator(police_, {Specialism::kPolice}, "社区民警");
    }

    int64_t Node(std::optional<int64_t> parent, NodeKind kind, const std::string& name) {
        registry::NewNode n;
        n.parent_id = parent;
        n.kind = kind;
        n.name = name;
        auto created = territory_->Create(admin_, n, info_);
        EXPECT_TRUE(created) << name;
        return created ? created->id : 0;
    }

    Actor User(const std::string& name, Role role, std::vector<int64_t> scope) {
        accounts::NewUser u;
        u.username = name;
        u.display_name = name + " 名";
        u.role = role;
        u.scope_node_ids = scope;
        auto created = accounts_->CreateUser(admin_, u, info_);
        EXPECT_TRUE(created) << name << ": " << (created ? "" : created.error().message);
        Actor a;
        a.user_id = created ? created->id : 0;
        a.username = name;
        a.role = role;
        a.scope = territory_->ResolveScope(scope).value();
        return a;
    }

    int64_t Resident(const std::string& name, const std::string& first17) {
        registry::NewResident r;
        r.name = name;
        r.id_number = first17 + id_number::CheckCharacter(first17);
        r.phone = "13912345678";
        r.household_id = household_;
        r.relation = registry::Relation::kHead;
        auto created = residents_->CreateResident(admin_, r, info_);
        EXPECT_TRUE(created) << (created ? "" : created.error().message);
        return created ? created->id : 0;
    }

    int64_t Mediator(const Actor& user, std::vector<Specialism> specialisms, std::string title) {
        auto created = service_->CreateMediator(staff_, NewMediator{user.user_id, std::move(specialisms), title}, info_);
        EXPECT_TRUE(created) << (created ? "" : created.error().message);
        return created ? created->id : 0;
    }

    NewDispute Intake(std::optional<int64_t> mediator = std::nullopt) {
        NewDispute in;
        in.category = "neighbours";
        in.subject = "楼上漏水";
        in.description = "1号楼201漏水到101，双方争吵";
        in.parties = {NewParty{PartySide::kApplicant, zhang_, std::nullopt, std::nullopt},
                      NewParty{PartySide::kRespondent, std::nullopt, std::string("李娜"), std::string("13698765432")}};
        in.mediator_id = mediator;
        return in;
    }

    DisputeDetail Create(const Actor& actor, NewDispute in) {
        auto created = service_->Create(actor, in, info_);
        EXPECT_TRUE(created) << (created ? "" : created.error().message + " (" + created.error().field + ")");
        return created ? *created : DisputeDetail{};
    }

    void OnDuty(int64_t mediator, const std::string& date) {
        auto added = service_->AddDuty(staff_, community_, {NewDutyEntry{date, mediator, std::nullopt}}, info_);
        ASSERT_TRUE(added) << added.error().message;
    }

    ManualClock clock_{kStart};
    RequestInfo info_{"test", "local"};
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<FieldCrypto> crypto_;
    std::unique_ptr<WorkingCalendar> calendar_;
    std::unique_ptr<registry::RegistryService> territory_;
    std::unique_ptr<registry::ResidentService> residents_;
    std::unique_ptr<registry::AssignmentService> assignments_;
    std::unique_ptr<accounts::AccountsService> accounts_;
    std::unique_ptr<orders::CatalogService> catalog_;
    std::unique_ptr<orders::OrderService> orders_;
    std::unique_ptr<MediationService> service_;
    Actor admin_, staff_, worker_a_, worker_b_, lawyer_, police_;
    int64_t subdistrict_ = 0, community_ = 0, other_community_ = 0, grid_a_ = 0, grid_b_ = 0, building_1_ = 0,
            unit_1_ = 0, building_3_ = 0, elsewhere_ = 0, household_ = 0, zhang_ = 0;
    int64_t lawyer_mediator_ = 0, police_mediator_ = 0;
};

TEST_P(MediationServiceTest, ADisputeIsASameDayOrderSentToItsOnDutyMediator) {
    OnDuty(lawyer_mediator_, "2026-01-05");
    auto d = Create(staff_, Intake(lawyer_mediator_));
    EXPECT_TRUE(d.warnings.empty());
    EXPECT_EQ(d.order.order.kind, orders::OrderKind::kDispute);
    EXPECT_EQ(d.order.order.category_code, "neighbour_dispute");
    EXPECT_EQ(d.order.order.title, "矛盾纠纷：邻里纠纷");  // the subject stays in the confidential record
    EXPECT_EQ(d.dispute.subject, "楼上漏水");
    // 矛盾不过夜: due by 23:59:59 in Shanghai the same day.
    EXPECT_EQ(d.order.order.due_resolve_at, kStart + 16 * 3600 - 1);
    EXPECT_EQ(d.order.order.state, orders::OrderState::kDispatched);
    EXPECT_EQ(d.order.order.handler.user_id, lawyer_.user_id);
    ASSERT_EQ(d.dispute.parties.size(), 2u);
    EXPECT_EQ(d.dispute.parties[0].name, "张伟");
    EXPECT_EQ(d.dispute.parties[0].resident_id, zhang_);
    EXPECT_EQ(d.dispute.parties[1].phone_masked, "136****5432");
    ASSERT_EQ(d.dispute.mediators.size(), 1u);
    EXPECT_TRUE(d.dispute.mediators[0].lead);
    EXPECT_TRUE(d.dispute.mediators[0].on_duty);
}

TEST_P(MediationServiceTest, OnlyTheMediatorsAndLeadersReadIt) {
    const int64_t id = Create(staff_, Intake(lawyer_mediator_)).dispute.order_id;

    EXPECT_TRUE(service_->Get(staff_, id));
    EXPECT_TRUE(service_->Get(lawyer_, id));  // no territorial scope, but on it
    EXPECT_TRUE(orders_->Timeline(lawyer_, id));
    // The grid worker of the very place is not on it: as if it did not exist, everywhere.
    EXPECT_EQ(service_->Get(worker_a_, id).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(orders_->Get(worker_a_, id).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(orders_->Timeline(worker_a_, id).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(service_->Get(police_, id).error().code, ErrorCode::kNotFound);
    orders::OrderQuery all;
    EXPECT_TRUE(orders_->List(worker_a_, all).value().items.empty());
    EXPECT_EQ(orders_->List(staff_, all).value().items.size(), 1u);
    EXPECT_EQ(service_->List(lawyer_, DisputeQuery{}).value().items.size(), 1u);
    EXPECT_TRUE(service_->List(worker_a_, DisputeQuery{}).value().items.empty());

    // Once the police officer is put on it, they read it too.
    auto assigned = service_->AssignMediator(staff_, id, police_mediator_, false, info_);
    ASSERT_TRUE(assigned) << assigned.error().message;
    EXPECT_TRUE(service_->Get(police_, id));

    // The tracking page shows the steps, never what was said.
    auto view = orders_->GetPublicView(assigned->order.order.tracking_code).value();
    EXPECT_EQ(view.title, "矛盾纠纷调解");
    for (const auto& e : view.events) {
        EXPECT_TRUE(e.note.empty()) << e.action;
    }
}

TEST_P(MediationServiceTest, AMediatorOffTheRosterIsAllowedWithAWarningInTheTimeline) {
    OnDuty(police_mediator_, "2026-01-05");  // someone else is on duty today
    auto d = Create(staff_, Intake(lawyer_mediator_));
    ASSERT_EQ(d.warnings.size(), 1u);
    EXPECT_EQ(d.warnings[0].code, "mediator_not_on_duty");
    EXPECT_FALSE(d.dispute.mediators.at(0).on_duty);
    auto timeline = orders_->Timeline(staff_, d.dispute.order_id).value();
    auto warned = std::find_if(timeline.begin(), timeline.end(),
                               [](const orders::OrderEvent& e) { return e.action == "mediator_not_on_duty"; });
    ASSERT_NE(warned, timeline.end());
    EXPECT_FALSE(warned->is_public);
}

TEST_P(MediationServiceTest, AnAgreementAcceptedByEveryPartyResolvesTheOrder) {
    OnDuty(lawyer_mediator_, "2026-01-05");
    auto d = Create(staff_, Intake(lawyer_mediator_));
    const int64_t id = d.dispute.order_id;
    const int64_t zhang = d.dispute.parties[0].id;
    const int64_t li = d.dispute.parties[1].id;

    NewSession s;
    s.held_on = "2026-01-05";
    s.start_time = "09:30";
    s.place_id = community_;
    s.place_note = "红色议事厅";
    s.party_ids = {zhang, li};
    s.mediator_ids = {lawyer_mediator_};
    s.notes = "双方同意由楼上承担维修费用";
    auto met = service_->AddSession(lawyer_, id, s, info_);
    ASSERT_TRUE(met) << met.error().message;
    ASSERT_EQ(met->dispute.sessions.size(), 1u);
    EXPECT_EQ(met->dispute.sessions[0].party_ids.size(), 2u);

    ASSERT_TRUE(service_->SetAgreement(lawyer_, id, "李娜承担维修费用八百元，三日内付清。", info_));
    auto early = service_->RecordOutcome(lawyer_, id, OutcomeInput{Outcome::kAgreed, std::nullopt, "", ""}, info_);
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error().code, ErrorCode::kConflict);

    ASSERT_TRUE(service_->Decide(lawyer_, id, DecisionInput{zhang, Decision::kAccepted, ""}, info_));
    ASSERT_TRUE(service_->Decide(lawyer_, id, DecisionInput{li, Decision::kAccepted, "签字"}, info_));
    auto done = service_->RecordOutcome(lawyer_, id, OutcomeInput{Outcome::kAgreed, std::nullopt, "", ""}, info_);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(done->dispute.outcome, Outcome::kAgreed);
    EXPECT_EQ(done->order.order.state, orders::OrderState::kResolved);
    EXPECT_TRUE(done->warnings.empty());

    auto figures = service_->Figures(staff_, FigureQuery{FigureGroup::kCategory, std::nullopt, std::nullopt,
                                                         std::nullopt});
    ASSERT_TRUE(figures) << figures.error().message;
    ASSERT_EQ(figures->rows.size(), 1u);
    EXPECT_EQ(figures->rows[0].name, "邻里纠纷");
    EXPECT_EQ(figures->total.received, 1);
    EXPECT_EQ(figures->total.mediated, 1);
    EXPECT_EQ(figures->total.agreed, 1);
    EXPECT_EQ(figures->total.success_rate, 1.0);
}

TEST_P(MediationServiceTest, BadPartiesAndSessionsNameTheField) {
    NewDispute nameless = Intake();
    nameless.parties[1].name.reset();
    auto r = service_->Create(staff_, nameless, info_);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().field, "parties[1].name");

    // A resident of another grid is out of the grid worker's sight.
    auto out_of_scope = service_->Create(worker_b_, Intake(), info_);
    ASSERT_FALSE(out_of_scope);
    EXPECT_EQ(out_of_scope.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(out_of_scope.error().field, "parties[0].resident_id");

    const int64_t id = Create(staff_, Intake()).dispute.order_id;
    NewSession s;
    s.held_on = "05/01/2026";
    s.place_id = community_;
    EXPECT_EQ(service_->AddSession(staff_, id, s, info_).error().field, "held_on");
    s.held_on = "2026-01-06";  // tomorrow
    EXPECT_EQ(service_->AddSession(staff_, id, s, info_).error().field, "held_on");
    s.held_on = "2026-01-05";
    s.place_id = 999999;
    EXPECT_EQ(service_->AddSession(staff_, id, s, info_).error().field, "place_id");
    s.place_id = elsewhere_;
    EXPECT_EQ(service_->AddSession(staff_, id, s, info_).error().field, "place_id");

    ASSERT_TRUE(service_->SetAgreement(staff_, id, "双方各让一步。", info_));
    auto stranger = service_->Decide(staff_, id, DecisionInput{424242, Decision::kAccepted, ""}, info_);
    ASSERT_FALSE(stranger);
    EXPECT_EQ(stranger.error().field, "party_id");
}

TEST_P(MediationServiceTest, GridWorkersSeeCountsByGridOnly) {
    Create(staff_, Intake());
    auto by_grid = service_->Figures(worker_a_, FigureQuery{FigureGroup::kGrid, std::nullopt, std::nullopt,
                                                            std::nullopt});
    ASSERT_TRUE(by_grid) << by_grid.error().message;
    ASSERT_EQ(by_grid->rows.size(), 1u);
    EXPECT_EQ(by_grid->rows[0].name, "第1网格");
    EXPECT_EQ(by_grid->rows[0].figures.received, 1);
    auto by_category =
        service_->Figures(worker_a_, FigureQuery{FigureGroup::kCategory, std::nullopt, std::nullopt, std::nullopt});
    ASSERT_FALSE(by_category);
    EXPECT_EQ(by_category.error().field, "group_by");
    // The other grid's worker counts nothing of it.
    EXPECT_TRUE(service_->Figures(worker_b_, FigureQuery{FigureGroup::kGrid, std::nullopt, std::nullopt,
                                                         std::nullopt})
                    .value()
                    .rows.empty());
}

TEST_P(MediationServiceTest, ADisputeFromTheGenericIntakeHasItsRecordToo) {
    orders::NewOrder in;
    in.kind = orders::OrderKind::kDispute;
    in.category_id = catalog_->ListCategories(admin_, false).value().at(0).id;
    for (const auto& c : catalog_->ListCategories(admin_, false).value()) {
        if (c.code == "neighbour_dispute") {
            in.category_id = c.id;
        }
    }
    in.title = "邻居装修噪音";
    in.place_id = building_3_;
    in.reporter_name = "王阿姨";
    auto created = orders_->Create(staff_, in, info_);
    ASSERT_TRUE(created) << created.error().message;
    auto d = service_->Get(staff_, created->order.id);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->dispute.category.code, "neighbours");
    EXPECT_EQ(d->dispute.subject, "邻居装修噪音");
    EXPECT_EQ(orders_->Get(worker_b_, created->order.id).error().code, ErrorCode::kNotFound);
}

TEST_P(MediationServiceTest, AnOutsiderFirstTakesThePlaceOfTheResidentParty) {
    NewDispute in = Intake();
    std::swap(in.parties[0], in.parties[1]);  // the tenant from outside the register complains first
    in.category = "tenancy";
    auto d = Create(staff_, in);
    EXPECT_EQ(d.order.order.place_id, household_);
    EXPECT_EQ(d.order.order.reporter_name, "李娜");
    EXPECT_EQ(d.order.order.reporter_phone_masked, "136****5432");
    EXPECT_EQ(d.dispute.category.code, "tenancy");
    EXPECT_EQ(d.order.order.state, orders::OrderState::kSubmitted);  // no mediator yet: the office sends it
}

INSTANTIATE_TEST_SUITE_P(Backends, MediationServiceTest, ::testing::ValuesIn(linli::testing::AvailableBackends()),
                         [](const auto& info) { return linli::testing::BackendName(info.param); });

}  // namespace
}  // namespace linli::mediation
