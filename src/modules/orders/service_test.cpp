// Work orders through OrderService on every available backend: staff intake and automatic dispatch
// to the grid worker, the whole life of an order, who may take which step (403 / 404), handling
// units that see only what was sent to them, merges that keep every reporter, rejections that are
// still answered, supervision, and the scheduler's escalation that never acts twice.

#include "modules/orders/service.hpp"

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
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/service.hpp"
#include "support/test_database.hpp"

namespace linli::orders {
namespace {

using registry::NodeKind;

constexpr int64_t kStart = 1'767'571'200;  // 2026-01-05 00:00 UTC, a Monday: 08:00 in Shanghai

bool Has(const std::vector<OrderAction>& actions, OrderAction a) {
    return std::find(actions.begin(), actions.end(), a) != actions.end();
}

class OrderServiceTest : public ::testing::TestWithParam<linli::testing::Backend> {
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
        catalog_ = std::make_unique<CatalogService>(*db_, clock_, *accounts_);
        service_ = std::make_unique<OrderService>(*db_, clock_, *calendar_, *crypto_, *catalog_, *territory_,
                                                  *assignments_, *residents_, *accounts_);

        admin_ = accounts::AccountsService::SystemActor("test");
        subdistrict_ = Node(std::nullopt, NodeKind::kSubdistrict, "和平街道");
        community_ = Node(subdistrict_, NodeKind::kCommunity, "青和居社区");
        grid_a_ = Node(community_, NodeKind::kGrid, "第1网格");
        grid_b_ = Node(community_, NodeKind::kGrid, "第2网格");
        building_1_ = Node(grid_a_, NodeKind::kBuilding, "1号楼");
        unit_1_ = Node(building_1_, NodeKind::kUnit, "1单元");
        building_3_ = Node(grid_b_, NodeKind::kBuilding, "3号楼");

        staff_ = User("staff", Role::kCommunityStaff, {community_});
        worker_a_ = User("worker_a", Role::kGridWorker, {grid_a_});
        worker_b_ = User("worker_b", Role::kGridWorker, {grid_b_});
        leader_ = User("leader", Role::kSubdistrictLeader, {subdistrict_});
        property_ = User("wuye", Role::kPartnerUnit, {});
        head_ = User("head1", Role::kBuildingHead, {building_1_});

        registry::NewAssignment assign;
        assign.role = registry::CareRole::kGridWorker;
        assign.user_id = worker_a_.user_id;
        assign.node_ids = {grid_a_};
        EXPECT_TRUE(assignments_->Assign(admin_, assign, info_));
        repairs_ = CategoryId("repairs");
        dispute_ = CategoryId("neighbour_dispute");
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

    int64_t CategoryId(const std::string& code) {
        auto list = catalog_->ListCategories(admin_, false).value();
        for (const auto& c : list) {
            if (c.code == code) {
                return c.id;
            }
        }
        ADD_FAILURE() << "no category " << code;
        return 0;
    }

    NewOrder Intake(int64_t place, int64_t category, std::string title = "楼道灯不亮") {
        NewOrder in;
        in.kind = OrderKind::kRequest;
        in.category_id = category;
        in.title = std::move(title);
        in.description = "3楼到5楼的楼道灯坏了";
        in.place_id = place;
        in.reporter_name = "王阿姨";
        in.reporter_phone = "13812345678";
        in.channel = Channel::kWalkIn;
        return in;
    }

    OrderDetail Step(const Actor& actor, int64_t id, OrderAction action, ActionInput in = {}) {
        auto r = service_->Act(actor, id, action, in, info_);
        EXPECT_TRUE(r) << ActionName(action) << ": " << (r ? "" : r.error().message);
        return r ? *r : OrderDetail{};
    }

    ActionInput Note(std::string note) {
        ActionInput in;
        in.note = std::move(note);
        return in;
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
    std::unique_ptr<CatalogService> catalog_;
    std::unique_ptr<OrderService> service_;
    Actor admin_, staff_, worker_a_, worker_b_, leader_, property_, head_;
    int64_t subdistrict_ = 0, community_ = 0, grid_a_ = 0, grid_b_ = 0, building_1_ = 0, unit_1_ = 0, building_3_ = 0;
    int64_t repairs_ = 0, dispute_ = 0;
};

TEST_P(OrderServiceTest, StaffIntakeIsAcceptedAndDispatchedToTheGridWorkerOfThePlace) {
    auto created = service_->Create(staff_, Intake(unit_1_, repairs_), info_);
    ASSERT_TRUE(created) << created.error().message;
    const Order& o = created->order;
    EXPECT_EQ(o.state, OrderState::kDispatched);
    EXPECT_EQ(o.handler.user_id, worker_a_.user_id);
    EXPECT_EQ(o.grid_id, grid_a_);
    EXPECT_EQ(o.community_id, community_);
    EXPECT_EQ(o.reporter_phone_masked, "138****5678");
    EXPECT_EQ(o.tracking_code.size(), kTrackingCodeChars);
    // Repairs: 2 working hours to accept and 24 to resolve, counted from 08:00 on a Monday in
    // Shanghai: the office opens at 09:00, so acceptance is due at 11:00 (03:00 UTC).
    EXPECT_EQ(o.due_accept_at, kStart + 3 * 3600);
    EXPECT_GT(o.due_resolve_at, kStart + 3 * 24 * 3600);
    ASSERT_EQ(created->reporters.size(), 1u);
    EXPECT_EQ(created->reporters[0].name, "王阿姨");

    auto timeline = service_->Timeline(staff_, o.id).value();
    ASSERT_EQ(timeline.size(), 3u);
    EXPECT_EQ(timeline[0].action, "submit");
    EXPECT_EQ(timeline[1].action, "accept");
    EXPECT_EQ(timeline[2].action, "dispatch");
    EXPECT_EQ(timeline[2].actor_user_id, staff_.user_id);
    EXPECT_EQ(timeline[2].to_state, "dispatched");

    // The grid worker sees it as theirs; another grid's worker does not see it at all.
    auto mine = service_->Get(worker_a_, o.id).value();
    EXPECT_TRUE(Has(mine.actions, OrderAction::kStart));
    EXPECT_EQ(service_->Get(worker_b_, o.id).error().code, ErrorCode::kNotFound);
}

TEST_P(OrderServiceTest, AnOrderRunsItsWholeLifeAndClosesOnlyAfterAReply) {
    const int64_t id = service_->Create(staff_, Intake(building_1_, repairs_), info_)->order.id;
    Step(worker_a_, id, OrderAction::kStart);
    Step(worker_a_, id, OrderAction::kResolve, Note("换了灯泡"));
    auto early = service_->Act(staff_, id, OrderAction::kClose, {}, info_);
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error().code, ErrorCode::kConflict);
    const auto allowed = early.error().allowed;
    ASSERT_TRUE(allowed.has_value());
    EXPECT_EQ(*allowed, (std::vector<std::string>{"reply", "reopen"}));

    auto replied = Step(worker_a_, id, OrderAction::kReply, Note("王阿姨您好，楼道灯已修好。"));
    EXPECT_EQ(replied.order.state, OrderState::kReplied);
    ASSERT_EQ(replied.replies.size(), 1u);
    auto closed = Step(staff_, id, OrderAction::kClose);
    EXPECT_EQ(closed.order.state, OrderState::kClosed);
    EXPECT_EQ(closed.order.close_reason, "replied");

    auto timeline = service_->Timeline(staff_, id).value();
    std::vector<std::string> actions;
    for (const auto& e : timeline) {
        actions.push_back(e.action);
    }
    EXPECT_EQ(actions,
              (std::vector<std::string>{"submit", "accept", "dispatch", "start", "resolve", "reply", "close"}));
    EXPECT_EQ(timeline[4].note, "换了灯泡");

    // The resident's view: public steps and the reply, no staff names, no internal notes.
    auto view = service_->GetPublicView(closed.order.tracking_code).value();
    EXPECT_EQ(view.state, OrderState::kClosed);
    ASSERT_EQ(view.replies.size(), 1u);
    EXPECT_EQ(view.replies[0].text, "王阿姨您好，楼道灯已修好。");
    for (const auto& e : view.events) {
        EXPECT_TRUE(e.actor_name.empty());
        EXPECT_NE(e.note, "换了灯泡");
    }
    EXPECT_EQ(service_->GetPublicView("AAAAAAAAAA").error().code, ErrorCode::kNotFound);
    EXPECT_EQ(service_->GetPublicView("not-a-code").error().code, ErrorCode::kNotFound);
}

TEST_P(OrderServiceTest, OnlyTheHandlerReplies) {
    const int64_t id = service_->Create(staff_, Intake(building_1_, repairs_), info_)->order.id;
    Step(worker_a_, id, OrderAction::kStart);
    Step(worker_a_, id, OrderAction::kResolve);
    // The dispatcher can see the order but is not its handler: 403. Another grid's worker: 404.
    EXPECT_EQ(service_->Act(staff_, id, OrderAction::kReply, Note("好了"), info_).error().code, ErrorCode::kForbidden);
    EXPECT_EQ(service_->Act(worker_b_, id, OrderAction::kReply, Note("好了"), info_).error().code,
              ErrorCode::kNotFound);
    auto empty = service_->Act(worker_a_, id, OrderAction::kReply, Note("  "), info_);
    EXPECT_EQ(empty.error().field, "text");
}

TEST_P(OrderServiceTest, AHandlingUnitSeesOnlyWhatWasSentToIt) {
    auto unit = catalog_->CreateUnit(admin_, NewUnit{"青和物业", UnitKind::kPropertyCompany, "010-12345678"}, info_);
    ASSERT_TRUE(unit) << unit.error().message;
    ASSERT_TRUE(catalog_->AddMember(admin_, unit->id, property_.user_id, info_));

    NewOrder in = Intake(building_1_, repairs_);
    in.auto_dispatch = false;
    const int64_t sent = service_->Create(staff_, in, info_)->order.id;
    const int64_t other = service_->Create(staff_, in, info_)->order.id;
    EXPECT_EQ(service_->Get(property_, sent).error().code, ErrorCode::kNotFound);

    Step(staff_, sent, OrderAction::kAccept);
    ActionInput to_unit;
    to_unit.handler_unit_id = unit->id;
    auto dispatched = Step(staff_, sent, OrderAction::kDispatch, to_unit);
    EXPECT_EQ(dispatched.order.handler.unit_name, "青和物业");

    auto seen = service_->Get(property_, sent);
    ASSERT_TRUE(seen) << seen.error().message;
    EXPECT_TRUE(Has(seen->actions, OrderAction::kStart));
    EXPECT_EQ(service_->Get(property_, other).error().code, ErrorCode::kNotFound);
    auto list = service_->List(property_, OrderQuery{}).value();
    ASSERT_EQ(list.items.size(), 1u);
    EXPECT_EQ(list.items[0].id, sent);

    // Returned to the dispatcher, the unit lets go and no longer sees it.
    Step(property_, sent, OrderAction::kReturn, Note("不属于物业管辖"));
    EXPECT_EQ(service_->Get(property_, sent).error().code, ErrorCode::kNotFound);
    auto back = service_->Get(staff_, sent).value();
    EXPECT_EQ(back.order.state, OrderState::kReturned);
    EXPECT_TRUE(back.order.handler.empty());
    // Dispatched again without a handler named: the grid worker of the place.
    auto again = Step(staff_, sent, OrderAction::kDispatch);
    EXPECT_EQ(again.order.handler.user_id, worker_a_.user_id);
}

TEST_P(OrderServiceTest, MergingKeepsEveryReporterAndAnswersThemAll) {
    const int64_t first = service_->Create(staff_, Intake(building_1_, repairs_), info_)->order.id;
    NewOrder second_in = Intake(building_1_, repairs_, "楼道灯又坏了");
    second_in.reporter_name = "李师傅";
    second_in.reporter_phone = "13998765432";
    second_in.auto_dispatch = false;
    auto second = service_->Create(staff_, second_in, info_).value();

    ActionInput into;
    into.into_order_id = first;
    auto merged = Step(staff_, second.order.id, OrderAction::kMerge, into);
    EXPECT_EQ(merged.order.state, OrderState::kMerged);
    EXPECT_EQ(merged.order.merged_into, first);

    auto target = service_->Get(staff_, first).value();
    ASSERT_EQ(target.reporters.size(), 2u);
    EXPECT_EQ(target.reporters[0].name, "王阿姨");
    EXPECT_EQ(target.reporters[1].name, "李师傅");
    EXPECT_EQ(target.reporters[1].phone_masked, "139****5432");
    EXPECT_EQ(target.reporters[1].tracking_code, second.order.tracking_code);

    // Merging into itself, into a missing order, or merging twice.
    into.into_order_id = first;
    EXPECT_EQ(service_->Act(staff_, first, OrderAction::kMerge, into, info_).error().field, "into");
    EXPECT_EQ(service_->Act(staff_, second.order.id, OrderAction::kMerge, into, info_).error().code,
              ErrorCode::kConflict);

    Step(worker_a_, first, OrderAction::kStart);
    Step(worker_a_, first, OrderAction::kResolve);
    Step(worker_a_, first, OrderAction::kReply, Note("灯已修好"));
    // The second reporter's tracking code shows the first order's reply.
    auto view = service_->GetPublicView(second.order.tracking_code).value();
    EXPECT_EQ(view.state, OrderState::kMerged);
    EXPECT_EQ(view.merged_into_code, target.order.tracking_code);
    ASSERT_EQ(view.replies.size(), 1u);
    EXPECT_EQ(view.replies[0].text, "灯已修好");
}

TEST_P(OrderServiceTest, ARejectionNeedsAReasonAndIsStillAnswered) {
    NewOrder in = Intake(building_1_, repairs_);
    in.auto_dispatch = false;
    const int64_t id = service_->Create(staff_, in, info_)->order.id;
    auto no_reason = service_->Act(staff_, id, OrderAction::kReject, {}, info_);
    EXPECT_EQ(no_reason.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(no_reason.error().field, "reason");
    auto rejected = Step(staff_, id, OrderAction::kReject, Note("属于个人家中维修，不在社区受理范围"));
    EXPECT_EQ(rejected.order.state, OrderState::kRejected);
    EXPECT_EQ(rejected.order.reject_reason, "属于个人家中维修，不在社区受理范围");
    EXPECT_EQ(service_->Act(staff_, id, OrderAction::kClose, {}, info_).error().code, ErrorCode::kConflict);
    Step(staff_, id, OrderAction::kReply, Note("已电话告知王阿姨可联系物业有偿维修"));
    EXPECT_EQ(Step(staff_, id, OrderAction::kClose).order.state, OrderState::kClosed);
    // The reason is for the resident: it shows on the tracking page.
    auto view = service_->GetPublicView(rejected.order.tracking_code).value();
    bool reason_shown = false;
    for (const auto& e : view.events) {
        reason_shown |= e.action == "reject" && e.note == "属于个人家中维修，不在社区受理范围";
    }
    EXPECT_TRUE(reason_shown);
}

TEST_P(OrderServiceTest, ALeaderSupervisesWithANoteAndANewDeadline) {
    const int64_t id = service_->Create(staff_, Intake(building_1_, repairs_), info_)->order.id;
    ActionInput in = Note("请本周内办结");
    in.due_at = kStart + 2 * 86400;
    auto supervised = Step(leader_, id, OrderAction::kSupervise, in);
    EXPECT_EQ(supervised.order.due_resolve_at, kStart + 2 * 86400);
    EXPECT_EQ(supervised.order.state, OrderState::kDispatched);
    EXPECT_EQ(service_->Act(worker_a_, id, OrderAction::kSupervise, in, info_).error().code, ErrorCode::kForbidden);
    in.due_at = kStart - 1;
    EXPECT_EQ(service_->Act(leader_, id, OrderAction::kSupervise, in, info_).error().field, "due_at");
    auto timeline = service_->Timeline(leader_, id).value();
    EXPECT_EQ(timeline.back().action, "supervise");
    EXPECT_FALSE(timeline.back().is_public);
}

TEST_P(OrderServiceTest, TheSchedulerEscalatesOncePerDeadlineUpToTheSubdistrict) {
    const auto created = service_->Create(staff_, Intake(building_1_, dispute_, "楼上漏水邻里争吵"), info_).value();
    const int64_t id = created.order.id;
    // A dispute is due the same day, by 23:59:59 in Shanghai.
    EXPECT_EQ(created.order.due_resolve_at, kStart + 16 * 3600 - 1);
    const int64_t due = created.order.due_resolve_at;
    clock_.Set(due + 60);
    EXPECT_TRUE(service_->EscalateOverdue(id, due, "逾期未办结").value());
    EXPECT_FALSE(service_->EscalateOverdue(id, due, "逾期未办结").value());  // never twice
    auto after = service_->Get(staff_, id).value();
    EXPECT_EQ(after.order.state, OrderState::kEscalated);
    EXPECT_EQ(after.order.escalation_level, kLevelCommunity);
    // The handler keeps working on it.
    EXPECT_TRUE(Has(after.actions, OrderAction::kDispatch));
    EXPECT_TRUE(Has(service_->Get(worker_a_, id).value().actions, OrderAction::kStart));

    // By hand up to the subdistrict, then no higher.
    Step(staff_, id, OrderAction::kEscalate, Note("社区协调不了，上报街道"));
    auto top = service_->Act(leader_, id, OrderAction::kEscalate, Note("再上报"), info_);
    ASSERT_FALSE(top);
    EXPECT_EQ(top.error().code, ErrorCode::kConflict);
    EXPECT_FALSE(Has(service_->Get(leader_, id).value().actions, OrderAction::kEscalate));
}

TEST_P(OrderServiceTest, IntakeForAResidentUsesTheirHousehold) {
    auto household = residents_->CreateHousehold(admin_, registry::NewHousehold{unit_1_, "101"}, info_);
    ASSERT_TRUE(household) << household.error().message;
    registry::NewResident r;
    r.name = "张大爷";
    std::string first17 = "11010819450101001";
    r.id_number = first17 + id_number::CheckCharacter(first17);
    r.household_id = household->id;
    r.relation = registry::Relation::kHead;
    auto resident = residents_->CreateResident(admin_, r, info_);
    ASSERT_TRUE(resident) << resident.error().message;

    NewOrder in = Intake(0, repairs_);
    in.place_id.reset();
    in.reporter_name.reset();
    in.resident_id = resident->id;
    in.channel = Channel::kDoorKnocking;
    auto created = service_->Create(worker_a_, in, info_);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_EQ(created->order.place_id, household->id);
    EXPECT_EQ(created->order.reporter_name, "张大爷");
    EXPECT_EQ(created->order.resident_id, resident->id);

    // Another grid's worker can see neither the resident nor the place.
    EXPECT_EQ(service_->Create(worker_b_, in, info_).error().field, "resident_id");
}

TEST_P(OrderServiceTest, IntakeIsScopedAndChecked) {
    EXPECT_EQ(service_->Create(worker_b_, Intake(building_1_, repairs_), info_).error().field, "place_id");
    EXPECT_EQ(service_->Create(worker_b_, Intake(building_1_, repairs_), info_).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(service_->Create(property_, Intake(building_1_, repairs_), info_).error().code, ErrorCode::kForbidden);
    NewOrder web = Intake(building_1_, repairs_);
    web.channel = Channel::kWeb;
    EXPECT_EQ(service_->Create(staff_, web, info_).error().field, "channel");
    NewOrder bad_phone = Intake(building_1_, repairs_);
    bad_phone.reporter_phone = "12345";
    EXPECT_EQ(service_->Create(staff_, bad_phone, info_).error().field, "reporter_phone");
    EXPECT_EQ(service_->Create(staff_, Intake(building_1_, 9999), info_).error().field, "category_id");

    // A building head records at their service point; not a dispatcher, so it waits to be accepted.
    NewOrder at_point = Intake(building_1_, repairs_);
    at_point.channel = Channel::kServicePoint;
    auto waiting = service_->Create(head_, at_point, info_).value();
    EXPECT_EQ(waiting.order.state, OrderState::kSubmitted);
    EXPECT_TRUE(waiting.order.handler.empty());
    EXPECT_EQ(service_->Act(head_, waiting.order.id, OrderAction::kAccept, {}, info_).error().code,
              ErrorCode::kForbidden);
    EXPECT_EQ(Step(worker_a_, waiting.order.id, OrderAction::kAccept).order.state, OrderState::kAccepted);
}

TEST_P(OrderServiceTest, ListsFilterAndPage) {
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(service_->Create(staff_, Intake(building_1_, repairs_, "第" + std::to_string(i) + "件"), info_));
    }
    NewOrder b = Intake(building_3_, repairs_);
    b.auto_dispatch = false;
    ASSERT_TRUE(service_->Create(staff_, b, info_));

    OrderQuery q;
    q.limit = 2;
    auto page = service_->List(staff_, q).value();
    ASSERT_EQ(page.items.size(), 2u);
    ASSERT_TRUE(page.next_cursor);
    EXPECT_GT(page.items[0].id, page.items[1].id);  // newest first
    int seen = 2;
    while (page.next_cursor) {
        q.cursor = page.next_cursor;
        page = service_->List(staff_, q).value();
        seen += static_cast<int>(page.items.size());
    }
    EXPECT_EQ(seen, 6);

    EXPECT_EQ(service_->List(worker_a_, OrderQuery{}).value().items.size(), 5u);
    OrderQuery submitted;
    submitted.state = OrderState::kSubmitted;
    EXPECT_EQ(service_->List(staff_, submitted).value().items.size(), 1u);
    OrderQuery under;
    under.node_id = grid_b_;
    EXPECT_EQ(service_->List(staff_, under).value().items.size(), 1u);
    EXPECT_EQ(service_->List(worker_a_, under).error().code, ErrorCode::kNotFound);

    OrderQuery overdue;
    overdue.overdue = true;
    EXPECT_TRUE(service_->List(staff_, overdue).value().items.empty());
    clock_.Advance(30 * 86400);
    EXPECT_EQ(service_->List(staff_, overdue).value().items.size(), 6u);

    q.cursor = "garbage";
    EXPECT_EQ(service_->List(staff_, q).error().field, "cursor");
}

TEST_P(OrderServiceTest, CategoriesAndUnitsAreAdminData) {
    auto list = catalog_->ListCategories(staff_, false).value();
    EXPECT_GE(list.size(), 11u);
    auto dispute = catalog_->GetCategory(staff_, dispute_).value();
    EXPECT_EQ(dispute.name_zh, "邻里纠纷");
    EXPECT_EQ(dispute.resolve.kind, DeadlineKind::kSameDay);

    NewCategory c;
    c.code = "pets";
    c.name_zh = "宠物管理";
    c.name_en = "Pets";
    c.accept = {2, DeadlineKind::kWorkingHours};
    c.resolve = {16, DeadlineKind::kWorkingHours};
    EXPECT_EQ(catalog_->CreateCategory(staff_, c, info_).error().code, ErrorCode::kForbidden);
    ASSERT_TRUE(catalog_->CreateCategory(admin_, c, info_));
    EXPECT_EQ(catalog_->CreateCategory(admin_, c, info_).error().field, "code");

    // A category sent to a unit by default dispatches there at intake.
    auto unit = catalog_->CreateUnit(admin_, NewUnit{"城管执法队", UnitKind::kDepartment, ""}, info_).value();
    CategoryPatch p;
    p.default_handler = DefaultHandler::kUnit;
    p.default_unit_id = unit.id;
    ASSERT_TRUE(catalog_->UpdateCategory(admin_, repairs_, p, info_));
    auto created = service_->Create(staff_, Intake(building_1_, repairs_), info_).value();
    EXPECT_EQ(created.order.handler.unit_id, unit.id);
    EXPECT_FALSE(created.order.handler.user_id);
    EXPECT_EQ(catalog_->DeleteUnit(admin_, unit.id, info_).error().code, ErrorCode::kConflict);
}

INSTANTIATE_TEST_SUITE_P(Backends, OrderServiceTest, ::testing::ValuesIn(linli::testing::AvailableBackends()),
                         [](const auto& info) { return linli::testing::BackendName(info.param); });

}  // namespace
}  // namespace linli::orders
