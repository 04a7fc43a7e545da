// The deadline scheduler on every available backend, driven step by step with a ManualClock and
// RunOnce (no threads, no sleeps): the 80% warning, the overdue flag, the escalation ladder up to the
// subdistrict and no further, fresh warnings after a supervision, "no response" closes 7 days after
// an unrated reply, and never acting twice — not on a repeated sweep, not after a restart, not with
// two schedulers on one database.

#include "modules/orders/scheduler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/field_crypto.hpp"
#include "core/working_calendar.hpp"
#include "modules/accounts/service.hpp"
#include "modules/notify/outbox.hpp"
#include "modules/orders/public_service.hpp"
#include "modules/orders/service.hpp"
#include "modules/registry/assignment_service.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/service.hpp"
#include "support/test_database.hpp"

namespace linli::orders {
namespace {

using registry::NodeKind;

constexpr int64_t kStart = 1'767'571'200;  // 2026-01-05 00:00 UTC, a Monday: 08:00 in Shanghai
constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;

class SchedulerTest : public ::testing::TestWithParam<linli::testing::Backend> {
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
        scheduler_ = NewScheduler();

        admin_ = accounts::AccountsService::SystemActor("test");
        subdistrict_ = Node(std::nullopt, NodeKind::kSubdistrict, "和平街道");
        community_ = Node(subdistrict_, NodeKind::kCommunity, "青和居社区");
        grid_ = Node(community_, NodeKind::kGrid, "第1网格");
        building_ = Node(grid_, NodeKind::kBuilding, "1号楼");
        staff_ = User("staff", Role::kCommunityStaff, {community_});
        worker_ = User("worker", Role::kGridWorker, {grid_});
        leader_ = User("leader", Role::kSubdistrictLeader, {subdistrict_});
        registry::NewAssignment assign;
        assign.role = registry::CareRole::kGridWorker;
        assign.user_id = worker_.user_id;
        assign.node_ids = {grid_};
        EXPECT_TRUE(assignments_->Assign(admin_, assign, info_));
        repairs_ = CategoryId("repairs");
        dispute_ = CategoryId("neighbour_dispute");
    }

    std::unique_ptr<DeadlineScheduler> NewScheduler(PublicService* ratings = nullptr) {
        return std::make_unique<DeadlineScheduler>(*db_, clock_, *calendar_, *service_, &outbox_, ratings);
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
        EXPECT_TRUE(created) << name;
        Actor a;
        a.user_id = created ? created->id : 0;
        a.username = name;
        a.role = role;
        a.scope = territory_->ResolveScope(scope).value();
        return a;
    }

    int64_t CategoryId(const std::string& code) {
        for (const auto& c : catalog_->ListCategories(admin_, false).value()) {
            if (c.code == code) {
                return c.id;
            }
        }
        ADD_FAILURE() << "no category " << code;
        return 0;
    }

    /// Staff intake: accepted and dispatched to the grid worker at once (resolve deadline runs).
    Order Dispatched(int64_t category, std::string title = "楼道灯不亮") {
        NewOrder in;
        in.category_id = category;
        in.title = std::move(title);
        in.place_id = building_;
        in.reporter_name = "王阿姨";
        in.reporter_phone = "13812345678";
        auto created = service_->Create(staff_, in, info_);
        EXPECT_TRUE(created) << created.error().message;
        EXPECT_EQ(created->order.state, OrderState::kDispatched);
        return created->order;
    }

    /// A QR-code report: submitted (accept deadline runs).
    Order Submitted(int64_t category) {
        ChannelIntake in;
        in.category_id = category;
        in.title = "垃圾没人清";
        in.place_id = building_;
        in.reporter_phone = "13912345678";
        in.channel = Channel::kQrCode;
        auto created = service_->CreateFromChannel(in, info_);
        EXPECT_TRUE(created) << created.error().message;
        return *created;
    }

    SweepResult Sweep(DeadlineScheduler* scheduler = nullptr) {
        auto r = (scheduler ? scheduler : scheduler_.get())->RunOnce(clock_.Now());
        EXPECT_TRUE(r) << r.error().message;
        return r ? *r : SweepResult{};
    }

    Order Get(int64_t id) { return service_->Get(admin_, id).value().order; }

    std::vector<std::string> Actions(int64_t id) {
        std::vector<std::string> out;
        for (const auto& e : service_->Timeline(admin_, id).value()) {
            out.push_back(e.action);
        }
        return out;
    }

    int Count(int64_t id, const std::string& action) {
        auto actions = Actions(id);
        return static_cast<int>(std::count(actions.begin(), actions.end(), action));
    }

    /// The outbox rows of a topic: their dedupe keys and recipients.
    std::vector<std::pair<std::string, std::string>> Outbox(const std::string& topic) {
        return db_
            ->Read([&](storage::Conn& c) -> Result<std::vector<std::pair<std::string, std::string>>> {
                LINLI_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT dedupe_key, recipients FROM notify_outbox"
                                                          " WHERE topic = $1 ORDER BY id",
                                                          {topic}));
                std::vector<std::pair<std::string, std::string>> out;
                for (const auto& row : rows) {
                    out.emplace_back(row.Text(0), row.Text(1));
                }
                return out;
            })
            .value();
    }

    void Step(const Actor& actor, int64_t id, OrderAction action, ActionInput in = {}) {
        auto r = service_->Act(actor, id, action, in, info_);
        ASSERT_TRUE(r) << ActionName(action) << ": " << r.error().message;
    }

    ManualClock clock_{kStart};
    RequestInfo info_{"test", "local"};
    notify::Outbox outbox_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<FieldCrypto> crypto_;
    std::unique_ptr<WorkingCalendar> calendar_;
    std::unique_ptr<registry::RegistryService> territory_;
    std::unique_ptr<registry::ResidentService> residents_;
    std::unique_ptr<registry::AssignmentService> assignments_;
    std::unique_ptr<accounts::AccountsService> accounts_;
    std::unique_ptr<CatalogService> catalog_;
    std::unique_ptr<OrderService> service_;
    std::unique_ptr<DeadlineScheduler> scheduler_;
    Actor admin_, staff_, worker_, leader_;
    int64_t subdistrict_ = 0, community_ = 0, grid_ = 0, building_ = 0;
    int64_t repairs_ = 0, dispute_ = 0;
};

TEST(WarningInstantTest, EightyPercentOfWorkingTimeForWorkingHoursAndOfElapsedTimeOtherwise) {
    auto calendar = WorkingCalendar::Create(WorkingCalendarConfig{}).value();
    // Repairs: 24 working hours from Monday 08:00 (Shanghai) end on Thursday 10:30; 80% of them,
    // 19 h 12 min of office time, is Wednesday 14:42.
    const int64_t due = calendar.Deadline(kStart, DeadlineKind::kWorkingHours, 24);
    EXPECT_EQ(due, kStart + 3 * kDay + 2 * kHour + 30 * 60);
    EXPECT_EQ(WarningInstant(calendar, kStart, due, DeadlineKind::kWorkingHours, 0.8),
              kStart + 2 * kDay + 6 * kHour + 42 * 60);
    // Calendar hours: 80% of 10 h is 8 h.
    EXPECT_EQ(WarningInstant(calendar, kStart, kStart + 10 * kHour, DeadlineKind::kCalendarHours, 0.8),
              kStart + 8 * kHour);
    // A deadline already reached leaves no time to warn in.
    EXPECT_EQ(WarningInstant(calendar, kStart, kStart, DeadlineKind::kCalendarHours, 0.8), kStart);
}

TEST_P(SchedulerTest, WarnsOnceAtEightyPercentOfTheTimeAndTellsTheHandler) {
    const Order order = Dispatched(repairs_);
    const int64_t warn_at = kStart + 2 * kDay + 6 * kHour + 42 * 60;  // Wednesday 14:42, see above

    EXPECT_FALSE(Sweep().Acted());  // plans it; nothing due yet
    clock_.Set(warn_at - 60);
    EXPECT_FALSE(Sweep().Acted());
    EXPECT_EQ(Count(order.id, "warn"), 0);

    clock_.Set(warn_at);
    EXPECT_EQ(Sweep().warned, 1);
    EXPECT_EQ(Sweep().warned, 0);  // a second sweep at the same moment does nothing
    clock_.Advance(3600);
    EXPECT_FALSE(Sweep().Acted());

    EXPECT_EQ(Count(order.id, "warn"), 1);
    const auto timeline = service_->Timeline(admin_, order.id).value();
    EXPECT_EQ(timeline.back().action, "warn");
    EXPECT_FALSE(timeline.back().is_public);  // the office's business, not on the tracking page
    EXPECT_EQ(timeline.back().actor_role, "system");
    EXPECT_EQ(Get(order.id).resolve_warned_at, warn_at);
    EXPECT_EQ(Get(order.id).state, OrderState::kDispatched);  // a warning changes nothing else

    const auto sent = Outbox("order.deadline_warning");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].second, "[" + std::to_string(worker_.user_id) + "]");
}

TEST_P(SchedulerTest, FlagsOverdueAndEscalatesUpTheLadderThenStopsAtTheTop) {
    const Order order = Dispatched(dispute_, "楼上漏水邻里争吵");
    const int64_t due = order.due_resolve_at;  // same day, 23:59:59 in Shanghai
    Sweep();

    clock_.Set(due + 60);  // the scheduler was not looking at 80%: no late warning, the flag says more
    const auto first = Sweep();
    EXPECT_EQ(first.warned, 0);
    EXPECT_EQ(first.overdue, 1);
    EXPECT_EQ(first.escalated, 1);
    Order after = Get(order.id);
    EXPECT_EQ(after.state, OrderState::kEscalated);
    EXPECT_EQ(after.escalation_level, kLevelCommunity);
    EXPECT_EQ(after.overdue_at, due + 60);
    EXPECT_EQ(Actions(order.id), (std::vector<std::string>{"submit", "accept", "dispatch", "overdue", "escalate"}));
    EXPECT_EQ(Outbox("order.overdue").size(), 1u);
    EXPECT_FALSE(Sweep().Acted());

    // Still open 8 working hours after the escalation (Tuesday 00:01 → Wednesday 09:30): the next rung.
    const int64_t rung = calendar_->AddWorkingSeconds(due + 60, 8 * kHour);
    clock_.Set(rung - 60);
    EXPECT_FALSE(Sweep().Acted());
    clock_.Set(rung);
    EXPECT_EQ(Sweep().escalated, 1);
    after = Get(order.id);
    EXPECT_EQ(after.escalation_level, kLevelSubdistrict);
    const auto timeline = service_->Timeline(admin_, order.id).value();
    EXPECT_EQ(timeline.back().action, "escalate");
    EXPECT_TRUE(timeline.back().is_public);
    EXPECT_NE(timeline.back().detail.find("subdistrict"), std::string::npos);

    // The top of the ladder: weeks later, nothing more.
    clock_.Advance(30 * kDay);
    EXPECT_FALSE(Sweep().Acted());
    EXPECT_EQ(Count(order.id, "escalate"), 2);
    EXPECT_EQ(Count(order.id, "overdue"), 1);
}

TEST_P(SchedulerTest, ASupervisedOrderGetsAFreshWarningAndOverdueFlagButClimbsNoHigherThanTheTop) {
    const Order order = Dispatched(dispute_);
    Sweep();
    clock_.Set(order.due_resolve_at + 60);
    Sweep();
    clock_.Set(calendar_->AddWorkingSeconds(order.due_resolve_at + 60, 8 * kHour));
    Sweep();
    ASSERT_EQ(Get(order.id).escalation_level, kLevelSubdistrict);

    // 督办: the leader gives ten more hours.
    const int64_t new_due = clock_.Now() + 10 * kHour;
    ActionInput in;
    in.note = "限今晚办结";
    in.due_at = new_due;
    Step(leader_, order.id, OrderAction::kSupervise, in);
    EXPECT_FALSE(Get(order.id).overdue_at);

    EXPECT_EQ(Sweep().planned, 1);
    clock_.Set(new_due - 2 * kHour);  // 80% of 10 calendar hours (disputes count calendar time)
    EXPECT_EQ(Sweep().warned, 1);
    clock_.Set(new_due + 1);
    const auto late = Sweep();
    EXPECT_EQ(late.overdue, 1);
    EXPECT_EQ(late.escalated, 0);
    clock_.Advance(10 * kDay);
    EXPECT_FALSE(Sweep().Acted());
    EXPECT_EQ(Count(order.id, "warn"), 1);
    EXPECT_EQ(Count(order.id, "overdue"), 2);
    EXPECT_EQ(Count(order.id, "escalate"), 2);
    EXPECT_EQ(Outbox("order.deadline_warning").size(), 1u);
    EXPECT_EQ(Outbox("order.overdue").size(), 2u);
}

TEST_P(SchedulerTest, AnUnacceptedReportClimbsOnceForEachMissedDeadline) {
    const Order order = Submitted(repairs_);
    ASSERT_EQ(order.state, OrderState::kSubmitted);
    // 2 working hours to accept from Monday 08:00: due 11:00; 80% at 10:36.
    EXPECT_EQ(order.due_accept_at, kStart + 3 * kHour);
    Sweep();
    clock_.Set(kStart + 2 * kHour + 36 * 60);
    EXPECT_EQ(Sweep().warned, 1);
    EXPECT_TRUE(Get(order.id).accept_warned_at);
    EXPECT_EQ(Outbox("order.deadline_warning").size(), 1u);  // no handler yet: webhooks only

    clock_.Set(order.due_accept_at + 1);
    const auto missed = Sweep();
    EXPECT_EQ(missed.overdue, 1);
    EXPECT_EQ(missed.escalated, 1);
    EXPECT_GE(missed.planned, 1);  // now it runs against its resolve deadline, planned afresh
    Order after = Get(order.id);
    EXPECT_EQ(after.state, OrderState::kEscalated);
    EXPECT_EQ(after.escalation_level, kLevelCommunity);

    // The resolve deadline: its own warning, flag, and the next rung.
    clock_.Set(order.due_resolve_at + 1);
    const auto late = Sweep();
    EXPECT_EQ(late.overdue, 1);
    EXPECT_EQ(late.escalated, 1);
    EXPECT_EQ(Get(order.id).escalation_level, kLevelSubdistrict);
    clock_.Advance(30 * kDay);
    EXPECT_FALSE(Sweep().Acted());
    EXPECT_EQ(Count(order.id, "overdue"), 2);
    EXPECT_EQ(Count(order.id, "escalate"), 2);
}

TEST_P(SchedulerTest, ARestartOrASecondSchedulerNeverActsTwice) {
    const Order a = Dispatched(repairs_);
    const Order b = Dispatched(dispute_);
    Sweep();
    clock_.Set(b.due_resolve_at + 60);
    Sweep();
    const auto before_a = Actions(a.id);
    const auto before_b = Actions(b.id);

    // A restart: a new scheduler on the same database, at the same moment.
    scheduler_ = NewScheduler();
    EXPECT_FALSE(Sweep().Acted());
    // Two schedulers side by side, sweeping in turn as time passes.
    auto other = NewScheduler();
    for (int i = 0; i < 20; ++i) {
        clock_.Advance(6 * kHour);
        Sweep();
        Sweep(other.get());
    }
    EXPECT_EQ(Count(a.id, "warn"), 1);
    EXPECT_EQ(Count(a.id, "overdue"), 1);
    EXPECT_EQ(Count(a.id, "escalate"), 2);
    EXPECT_EQ(Count(b.id, "overdue"), 1);
    EXPECT_EQ(Count(b.id, "escalate"), 2);
    EXPECT_EQ(Outbox("order.deadline_warning").size(), 1u);
    EXPECT_EQ(Outbox("order.overdue").size(), 2u);
    EXPECT_GE(Actions(a.id).size(), before_a.size());
    EXPECT_GE(Actions(b.id).size(), before_b.size());
}

TEST_P(SchedulerTest, APlanReadStaleByASecondSchedulerCannotResetOneAlreadyActedOn) {
    const Order order = Dispatched(repairs_);
    // What a second scheduler read before the first one planned the order.
    auto stale = db_->Read([](storage::Conn& c) { return SchedulerRepository().ListStale(c, 10); }).value();
    ASSERT_EQ(stale.size(), 1u);
    Sweep();
    clock_.Set(kStart + 2 * kDay + 6 * kHour + 42 * 60);
    Sweep();
    ASSERT_EQ(Count(order.id, "warn"), 1);

    // The second scheduler now writes its plan from that read: refused, so no second warning.
    const StaleOrder& s = stale.front();
    auto saved = db_->Write([&](storage::Conn& c) {
        return SchedulerRepository().SavePlan(c, s.id, s.state, s.current_due, SchedStage::kPlanned, kStart);
    });
    ASSERT_TRUE(saved);
    EXPECT_FALSE(*saved);
    Sweep();
    EXPECT_EQ(Count(order.id, "warn"), 1);
}

TEST_P(SchedulerTest, AResolvedOrderIsLeftAlone) {
    const Order order = Dispatched(repairs_);
    Sweep();
    Step(worker_, order.id, OrderAction::kStart);
    Step(worker_, order.id, OrderAction::kResolve);
    clock_.Set(order.due_resolve_at + 10 * kDay);
    EXPECT_FALSE(Sweep().Acted());
    EXPECT_EQ(Count(order.id, "warn") + Count(order.id, "overdue") + Count(order.id, "escalate"), 0);
}

TEST_P(SchedulerTest, AnUnratedReplyClosesAsNoResponseAfterSevenDays) {
    const Order order = Dispatched(repairs_);
    const Order rated = Dispatched(repairs_, "门禁坏了");
    for (int64_t id : {order.id, rated.id}) {
        Step(worker_, id, OrderAction::kStart);
        Step(worker_, id, OrderAction::kResolve);
        ActionInput reply;
        reply.note = "已修好";
        Step(worker_, id, OrderAction::kReply, reply);
    }
    const int64_t replied_at = clock_.Now();
    // A rating in the timeline (what the reporter's rating writes) keeps its order out of it.
    ASSERT_TRUE(db_->Write([&](storage::Conn& c) -> Result<int64_t> {
        OrderEvent e;
        e.order_id = rated.id;
        e.at = replied_at + kHour;
        e.actor_role = "public";
        e.action = "rate";
        e.to_state = "replied";
        return OrderRepository().InsertEvent(c, e);
    }));

    clock_.Set(replied_at + 7 * kDay - 1);
    EXPECT_EQ(Sweep().closed, 0);
    clock_.Set(replied_at + 7 * kDay);
    EXPECT_EQ(Sweep().closed, 1);
    EXPECT_EQ(Sweep().closed, 0);

    const Order closed = Get(order.id);
    EXPECT_EQ(closed.state, OrderState::kClosed);
    EXPECT_EQ(closed.close_reason, "no_response");
    EXPECT_EQ(Count(order.id, "close"), 1);
    EXPECT_EQ(Get(rated.id).state, OrderState::kReplied);
    // The resident's tracking page says so.
    const auto view = service_->GetPublicView(closed.tracking_code).value();
    EXPECT_EQ(view.state, OrderState::kClosed);
    EXPECT_EQ(view.events.back().action, "close");
}

TEST_P(SchedulerTest, WithRatingsTheScheduleClosesOnlyWhatTheRatingsSideReportsUnrated) {
    PublicService ratings(*db_, clock_, *crypto_, *service_, *catalog_, *territory_, *accounts_, &outbox_);
    scheduler_ = NewScheduler(&ratings);
    const Order quiet = Dispatched(repairs_);
    const Order happy = Dispatched(repairs_, "门禁坏了");
    for (int64_t id : {quiet.id, happy.id}) {
        Step(worker_, id, OrderAction::kStart);
        Step(worker_, id, OrderAction::kResolve);
        ActionInput reply;
        reply.note = "已修好";
        Step(worker_, id, OrderAction::kReply, reply);
    }
    const int64_t replied_at = clock_.Now();
    clock_.Advance(kDay);
    RatingInput five;
    five.score = 5;
    five.phone = "13812345678";
    auto outcome = ratings.Rate(happy.tracking_code, five, info_);
    ASSERT_TRUE(outcome) << outcome.error().message;

    clock_.Set(replied_at + 7 * kDay);
    EXPECT_EQ(Sweep().closed, 1);
    EXPECT_EQ(Get(quiet.id).close_reason, "no_response");
    EXPECT_NE(Get(happy.id).close_reason, "no_response");
    EXPECT_EQ(Count(happy.id, "close"), 1);
}

TEST_P(SchedulerTest, NextDueIsTheEarliestPlannedStep) {
    EXPECT_FALSE(scheduler_->NextDue().value());
    const Order order = Dispatched(repairs_);
    Sweep();
    EXPECT_EQ(scheduler_->NextDue().value(), kStart + 2 * kDay + 6 * kHour + 42 * 60);
    (void)order;
}

INSTANTIATE_TEST_SUITE_P(Backends, SchedulerTest, ::testing::ValuesIn(linli::testing::AvailableBackends()),
                         [](const auto& info) { return linli::testing::BackendName(info.param); });

}  // namespace
}  // namespace linli::orders
