// The resident register through ResidentService, on every available backend: masked personal data,
// audited reveals, ID and phone validation, computed age tags, moves that keep one record, scope
// (out of scope is exactly a 404, in lists, searches and counts too) and the bulk import.

#include "modules/registry/resident_service.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/field_crypto.hpp"
#include "core/id_number.hpp"
#include "modules/registry/resident_json.hpp"
#include "support/test_database.hpp"

namespace linli::registry {
namespace {

using storage::Conn;

constexpr int64_t kJan1st2025 = 1'735'689'600;  // 2025-01-01 00:00:00 UTC (08:00 in Shanghai)

/// A valid 18-digit number: region, birth date "YYYYMMDD", 3-digit sequence (odd: male), check character.
std::string MakeId(const std::string& birth, int seq, const std::string& region = "110101") {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%03d", seq % 1000);
    std::string first17 = region + birth + buf;
    return first17 + id_number::CheckCharacter(first17);
}

class ResidentServiceTest : public ::testing::TestWithParam<linli::testing::Backend> {
protected:
    void SetUp() override {
        db_ = linli::testing::OpenTestDatabase(GetParam());
        crypto_ = FieldCrypto::ForTesting();
        territory_ = std::make_unique<RegistryService>(*db_, clock_);
        service_ = std::make_unique<ResidentService>(*db_, clock_, *crypto_, *territory_);
        admin_.role = Role::kAdmin;
        admin_.username = "admin";

        subdistrict_ = MakeNode(std::nullopt, NodeKind::kSubdistrict, "和平街道");
        community_ = MakeNode(subdistrict_.id, NodeKind::kCommunity, "青和居社区");
        grid_a_ = MakeNode(community_.id, NodeKind::kGrid, "第1网格");
        grid_b_ = MakeNode(community_.id, NodeKind::kGrid, "第2网格");
        building_a_ = MakeNode(grid_a_.id, NodeKind::kBuilding, "1号楼");
        unit_a_ = MakeNode(building_a_.id, NodeKind::kUnit, "1单元");
        building_b_ = MakeNode(grid_b_.id, NodeKind::kBuilding, "2号楼");
        unit_b_ = MakeNode(building_b_.id, NodeKind::kUnit, "1单元");
        household_a1_ = MakeHousehold(unit_a_.id, "101");
        household_a2_ = MakeHousehold(unit_a_.id, "102");
        household_b_ = MakeHousehold(unit_b_.id, "101");
        worker_a_ = Scoped(Role::kGridWorker, {grid_a_.id});
        worker_b_ = Scoped(Role::kGridWorker, {grid_b_.id});
    }

    Node MakeNode(std::optional<int64_t> parent, NodeKind kind, const std::string& name) {
        NewNode n;
        n.parent_id = parent;
        n.kind = kind;
        n.name = name;
        auto created = territory_->Create(admin_, n, info_);
        EXPECT_TRUE(created) << name;
        return created ? *created : Node{};
    }

    int64_t MakeHousehold(int64_t unit_id, const std::string& room) {
        auto h = service_->CreateHousehold(admin_, NewHousehold{unit_id, room, Tenure::kOwner}, info_);
        EXPECT_TRUE(h) << (h ? "" : h.error().message);
        return h ? h->id : 0;
    }

    Actor Scoped(Role role, const std::vector<int64_t>& ids) {
        Actor a;
        a.role = role;
        a.username = std::string(RoleName(role));
        a.user_id = 0;
        auto scope = territory_->ResolveScope(ids);
        EXPECT_TRUE(scope);
        if (scope) {
            a.scope = *scope;
        }
        return a;
    }

    NewResident Person(const std::string& name, const std::string& id, int64_t household,
                       std::optional<std::string> phone = std::nullopt) {
        NewResident r;
        r.name = name;
        r.id_number = id;
        r.phone = std::move(phone);
        r.household_id = household;
        r.relation = Relation::kHead;
        return r;
    }

    Resident MustCreate(const NewResident& in, const Actor* actor = nullptr) {
        auto r = service_->CreateResident(actor ? *actor : admin_, in, info_);
        EXPECT_TRUE(r) << in.name << ": " << (r ? "" : r.error().message);
        return r ? *r : Resident{};
    }

    int64_t Count(const Actor& actor, ResidentQuery q = {}) {
        auto n = service_->CountResidents(actor, q);
        EXPECT_TRUE(n) << (n ? "" : n.error().message);
        return n ? *n : -1;
    }

    std::vector<std::string> ListNames(const Actor& actor, ResidentQuery q = {}) {
        q.limit = kMaxPageSize;
        auto page = service_->ListResidents(actor, q);
        EXPECT_TRUE(page) << (page ? "" : page.error().message);
        std::vector<std::string> names;
        if (page) {
            for (const auto& r : page->items) {
                names.push_back(r.name);
            }
        }
        return names;
    }

    int64_t CountRows(const std::string& sql) {
        auto rows = db_->Read([&](Conn& c) { return c.Query(sql); });
        EXPECT_TRUE(rows);
        return rows ? rows->at(0).Int(0) : -1;
    }

    std::vector<std::string> AuditDetails(const std::string& action) {
        auto rows = db_->Read([&](Conn& c) {
            return c.Query("SELECT detail FROM audit_log WHERE action = $1 ORDER BY id", {action});
        });
        std::vector<std::string> out;
        if (rows) {
            for (const auto& row : *rows) {
                out.push_back(row.Text(0));
            }
        }
        return out;
    }

    static bool HasTag(const Resident& r, const std::string& tag) {
        for (const auto& t : r.tags) {
            if (t.tag == tag) {
                return true;
            }
        }
        return false;
    }

    ManualClock clock_{kJan1st2025};
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<FieldCrypto> crypto_;
    std::unique_ptr<RegistryService> territory_;
    std::unique_ptr<ResidentService> service_;
    Actor admin_;
    RequestInfo info_{"req-test", "127.0.0.1"};
    Node subdistrict_, community_, grid_a_, grid_b_, building_a_, unit_a_, building_b_, unit_b_;
    int64_t household_a1_ = 0, household_a2_ = 0, household_b_ = 0;
    Actor worker_a_, worker_b_;
};

TEST_P(ResidentServiceTest, CreatesAndReadsWithPersonalDataMasked) {
    const std::string id = MakeId("19800215", 123);  // seq 123: odd, male
    auto created = MustCreate(Person("张三", id, household_a1_, "13812345678"));
    EXPECT_EQ(created.id_number_masked, "1*************" + id.substr(14));
    EXPECT_EQ(created.phone_masked, "138****5678");
    EXPECT_EQ(created.birth_date, "1980-02-15");
    EXPECT_EQ(created.sex, Sex::kMale);
    EXPECT_EQ(created.age, 44);
    ASSERT_TRUE(created.household);
    EXPECT_EQ(created.household->id, household_a1_);
    EXPECT_EQ(created.household->name, "101");
    EXPECT_EQ(created.household->unit_name, "1单元");
    EXPECT_EQ(created.household->building_name, "1号楼");
    EXPECT_EQ(created.household->relation, Relation::kHead);

    auto got = service_->GetResident(worker_a_, created.id);
    ASSERT_TRUE(got);
    const std::string body = boost::json::serialize(ResidentToJson(*got, true));
    EXPECT_EQ(body.find(id), std::string::npos) << body;
    EXPECT_EQ(body.find("13812345678"), std::string::npos) << body;
    EXPECT_NE(body.find("\"id_number\":\"1*************" + id.substr(14) + "\""), std::string::npos) << body;
    EXPECT_NE(body.find("\"phone\":\"138****5678\""), std::string::npos) << body;

    // Nothing at rest or in the audit log holds the values in clear.
    EXPECT_EQ(CountRows("SELECT COUNT(*) FROM residents WHERE id_number_enc = '" + id + "'"), 0);
    for (const auto& detail : AuditDetails("resident.create")) {
        EXPECT_EQ(detail.find(id), std::string::npos);
        EXPECT_EQ(detail.find("13812345678"), std::string::npos);
    }
    EXPECT_EQ(AuditDetails("resident.create").size(), 1u);

    // The household lists its member.
    auto household = service_->GetHousehold(worker_a_, household_a1_);
    ASSERT_TRUE(household);
    ASSERT_EQ(household->members.size(), 1u);
    EXPECT_EQ(household->members[0].name, "张三");
    EXPECT_EQ(household->tenure, Tenure::kOwner);
}

TEST_P(ResidentServiceTest, RevealNeedsARightAReasonAndIsAudited) {
    const std::string id = MakeId("19800215", 124);
    auto r = MustCreate(Person("李四", id, household_a1_, "13812345678"));

    auto value = service_->Reveal(worker_a_, r.id, "id_number", "上门核实低保材料", info_);
    ASSERT_TRUE(value) << value.error().message;
    EXPECT_EQ(*value, id);
    auto phone = service_->Reveal(worker_a_, r.id, "phone", "联系家属", info_);
    ASSERT_TRUE(phone);
    EXPECT_EQ(*phone, "13812345678");

    auto details = AuditDetails("resident.reveal");
    ASSERT_EQ(details.size(), 2u);
    EXPECT_NE(details[0].find("上门核实低保材料"), std::string::npos);
    EXPECT_NE(details[0].find("id_number"), std::string::npos);
    EXPECT_EQ(details[0].find(id), std::string::npos);
    EXPECT_EQ(details[1].find("13812345678"), std::string::npos);

    auto no_reason = service_->Reveal(worker_a_, r.id, "id_number", " ", info_);
    ASSERT_FALSE(no_reason);
    EXPECT_EQ(no_reason.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(no_reason.error().field, "reason");

    auto volunteer = service_->Reveal(Scoped(Role::kVolunteer, {grid_a_.id}), r.id, "id_number", "想看看", info_);
    ASSERT_FALSE(volunteer);
    EXPECT_EQ(volunteer.error().code, ErrorCode::kForbidden);
    auto head = service_->Reveal(Scoped(Role::kBuildingHead, {building_a_.id}), r.id, "phone", "想联系", info_);
    ASSERT_FALSE(head);
    EXPECT_EQ(head.error().code, ErrorCode::kForbidden);

    // Another grid's worker: the same 404 as for a missing resident.
    auto other = service_->Reveal(worker_b_, r.id, "id_number", "核实", info_);
    auto missing = service_->Reveal(worker_b_, r.id + 1000, "id_number", "核实", info_);
    ASSERT_FALSE(other);
    ASSERT_FALSE(missing);
    EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(other.error().message, missing.error().message);
    EXPECT_EQ(AuditDetails("resident.reveal").size(), 2u);
}

TEST_P(ResidentServiceTest, DuplicateIdNumberIs409WithoutSayingWho) {
    const std::string id = MakeId("19900101", 11);
    MustCreate(Person("王五", id, household_a1_));
    auto same_grid = service_->CreateResident(worker_a_, Person("王五", id, household_a2_), info_);
    auto other_grid = service_->CreateResident(worker_b_, Person("王五", id, household_b_), info_);
    ASSERT_FALSE(same_grid);
    ASSERT_FALSE(other_grid);
    EXPECT_EQ(same_grid.error().code, ErrorCode::kConflict);
    EXPECT_EQ(same_grid.error().field, "id_number");
    EXPECT_EQ(other_grid.error().code, ErrorCode::kConflict);
    EXPECT_EQ(other_grid.error().message, same_grid.error().message);
    // Lower-case x and spaces are the same number.
    std::string with_x;
    for (int seq = 0; seq < 1000 && with_x.empty(); ++seq) {
        auto candidate = MakeId("19700101", seq);
        if (candidate.back() == 'X') {
            with_x = candidate;
        }
    }
    ASSERT_FALSE(with_x.empty());
    MustCreate(Person("赵六", with_x, household_a1_));
    std::string lower = with_x;
    lower.back() = 'x';
    auto again = service_->CreateResident(admin_, Person("赵六", " " + lower, household_a1_), info_);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST_P(ResidentServiceTest, BadIdNumbersAndPhonesAre400NamingTheField) {
    std::string good = MakeId("19800215", 123);
    std::string wrong_check = good;
    wrong_check.back() = good.back() == '0' ? '1' : '0';
    const std::vector<std::string> bad_ids = {
        wrong_check,
        MakeId("19800230", 123),   // February 30th
        MakeId("20300101", 123),   // born in the future
        "110101800215123",          // 15-digit legacy number
        "",
    };
    for (const auto& id : bad_ids) {
        auto r = service_->CreateResident(admin_, Person("张三", id, household_a1_), info_);
        ASSERT_FALSE(r) << id;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << id;
        EXPECT_EQ(r.error().field, "id_number") << id;
    }
    for (const auto& phone : {"1381234567", "23812345678", "abc"}) {
        auto r = service_->CreateResident(admin_, Person("张三", good, household_a1_, phone), info_);
        ASSERT_FALSE(r) << phone;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(r.error().field, "phone");
    }
    EXPECT_EQ(CountRows("SELECT COUNT(*) FROM residents"), 0);
}

TEST_P(ResidentServiceTest, AcceptsRareCjkAndMiddleDotNames) {
    auto rare = MustCreate(Person("王\xF0\xA0\x80\x80", MakeId("19800215", 1), household_a1_));  // 王𠀀 (U+20000)
    EXPECT_EQ(rare.name, "王\xF0\xA0\x80\x80");
    auto minority = MustCreate(Person("阿依古丽·买买提", MakeId("19800215", 3), household_a1_));
    EXPECT_EQ(minority.name, "阿依古丽·买买提");
    auto bad = service_->CreateResident(admin_, Person("张3", MakeId("19800215", 5), household_a1_), info_);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().field, "name");
    // A name prefix search finds the rare character.
    ResidentQuery q;
    q.q = "王";
    EXPECT_EQ(ListNames(admin_, q), std::vector<std::string>{"王\xF0\xA0\x80\x80"});
}

TEST_P(ResidentServiceTest, ElderlyTagIsComputedAsOfTodayInShanghai) {
    // Born 1960-01-02: 65 on 2025-01-02, which starts at 2025-01-01T16:00Z in Shanghai.
    auto r = MustCreate(Person("刘老", MakeId("19600102", 21), household_a1_));
    EXPECT_EQ(r.age, 64);
    EXPECT_FALSE(HasTag(r, "elderly"));
    ResidentQuery elderly;
    elderly.tag = "elderly";
    EXPECT_EQ(Count(admin_, elderly), 0);

    clock_.Set(kJan1st2025 + 8 * 3600 - 1);  // 2025-01-01T15:59:59Z: still the 1st in Shanghai
    EXPECT_FALSE(HasTag(*service_->GetResident(admin_, r.id), "elderly"));
    clock_.Set(kJan1st2025 + 16 * 3600);  // 2025-01-02T00:00 in Shanghai
    auto later = service_->GetResident(admin_, r.id);
    ASSERT_TRUE(later);
    EXPECT_EQ(later->age, 65);
    EXPECT_TRUE(HasTag(*later, "elderly"));
    EXPECT_FALSE(HasTag(*later, "elderly_80"));
    EXPECT_EQ(Count(admin_, elderly), 1);

    // Computed tags cannot be set by hand.
    ResidentPatch patch;
    patch.tags = std::vector<TagInput>{{"elderly", std::nullopt}};
    auto set = service_->UpdateResident(admin_, r.id, patch, info_);
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().field, "tags");
}

TEST_P(ResidentServiceTest, FindsOver65WithoutARedElderlyCard) {
    auto a = Person("甲", MakeId("19500101", 1), household_a1_);
    a.tags = {{"red_elderly_card", std::nullopt}};
    MustCreate(a);
    MustCreate(Person("乙", MakeId("19550101", 3), household_a1_));
    auto c = Person("丙", MakeId("19400101", 5), household_a2_);
    c.tags = {{"living_alone", std::nullopt}, {"disabled", "2"}};
    auto created_c = MustCreate(c);
    MustCreate(Person("丁", MakeId("19900101", 7), household_a2_));

    ResidentQuery q;
    q.tag = "elderly";
    q.without_tag = "red_elderly_card";
    EXPECT_EQ(ListNames(worker_a_, q), (std::vector<std::string>{"丙", "乙"}));
    EXPECT_EQ(Count(worker_a_, q), 2);
    ResidentQuery over80;
    over80.tag = "elderly_80";
    EXPECT_EQ(ListNames(worker_a_, over80), std::vector<std::string>{"丙"});
    ResidentQuery alone;
    alone.tag = "living_alone";
    EXPECT_EQ(Count(worker_a_, alone), 1);
    // The disability grade is normalised.
    bool graded = false;
    for (const auto& t : created_c.tags) {
        graded |= t.tag == "disabled" && t.detail == "二级";
    }
    EXPECT_TRUE(graded);
    ResidentQuery unknown;
    unknown.tag = "no_such_tag";
    auto bad = service_->CountResidents(admin_, unknown);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().field, "tag");
}

TEST_P(ResidentServiceTest, MoveWithinTheCityKeepsOneRecordAndTheHistory) {
    auto person = Person("陈七", MakeId("19850505", 31), household_a1_);
    person.moved_in = "2020-05-01";
    auto r = MustCreate(person);
    MoveRequest early;
    early.household_id = household_a2_;
    early.relation = Relation::kSpouse;
    early.date = "2019-01-01";
    auto before_moving_in = service_->MoveResident(worker_a_, r.id, early, info_);
    ASSERT_FALSE(before_moving_in);
    EXPECT_EQ(before_moving_in.error().field, "date");
    MoveRequest move;
    move.household_id = household_a2_;
    move.relation = Relation::kSpouse;
    move.date = "2024-12-20";
    auto moved = service_->MoveResident(worker_a_, r.id, move, info_);
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(moved->id, r.id);
    ASSERT_TRUE(moved->household);
    EXPECT_EQ(moved->household->id, household_a2_);
    EXPECT_EQ(moved->household->relation, Relation::kSpouse);
    ASSERT_EQ(moved->residencies.size(), 2u);
    EXPECT_EQ(moved->residencies[0].household_id, household_a1_);
    EXPECT_EQ(moved->residencies[0].moved_out, "2024-12-20");
    EXPECT_EQ(moved->residencies[1].household_id, household_a2_);
    EXPECT_FALSE(moved->residencies[1].moved_out);
    EXPECT_EQ(CountRows("SELECT COUNT(*) FROM residents"), 1);
    EXPECT_TRUE(service_->GetHousehold(admin_, household_a1_)->members.empty());
    EXPECT_EQ(service_->GetHousehold(admin_, household_a2_)->members.size(), 1u);

    // Into another grid the worker cannot see: 404 on the household.
    move.household_id = household_b_;
    auto out_of_scope = service_->MoveResident(worker_a_, r.id, move, info_);
    ASSERT_FALSE(out_of_scope);
    EXPECT_EQ(out_of_scope.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(out_of_scope.error().field, "household_id");

    // Out of the city: only an admin still sees the record.
    MoveRequest away;
    away.date = "2024-12-31";
    auto gone = service_->MoveResident(worker_a_, r.id, away, info_);
    ASSERT_TRUE(gone) << gone.error().message;
    EXPECT_FALSE(gone->household);
    EXPECT_FALSE(service_->GetResident(worker_a_, r.id));
    auto seen = service_->GetResident(admin_, r.id);
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->residencies.size(), 2u);
    EXPECT_EQ(seen->residencies[1].moved_out, "2024-12-31");
    EXPECT_EQ(AuditDetails("resident.move").size(), 2u);
}

TEST_P(ResidentServiceTest, AGridWorkerSeesNothingOfAnotherGrid) {
    const std::string id_a = MakeId("19800101", 41);
    const std::string id_b = MakeId("19800101", 43);
    auto a = MustCreate(Person("张甲", id_a, household_a1_, "13900001111"));
    auto b = MustCreate(Person("张乙", id_b, household_b_, "13900002222"), &worker_b_);

    auto by_id = service_->GetResident(worker_a_, b.id);
    auto missing = service_->GetResident(worker_a_, b.id + 1000);
    ASSERT_FALSE(by_id);
    ASSERT_FALSE(missing);
    EXPECT_EQ(by_id.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(by_id.error().message, missing.error().message);

    EXPECT_EQ(ListNames(worker_a_), std::vector<std::string>{"张甲"});
    EXPECT_EQ(Count(worker_a_), 1);
    ResidentQuery prefix;
    prefix.q = "张";
    EXPECT_EQ(ListNames(worker_a_, prefix), std::vector<std::string>{"张甲"});
    EXPECT_EQ(Count(admin_, prefix), 2);

    const auto search = [&](const Actor& actor, auto set) {
        ResidentQuery q;
        set(q);
        return ListNames(actor, q);
    };
    EXPECT_TRUE(search(worker_a_, [&](ResidentQuery& q) { q.id_number = id_b; }).empty());
    EXPECT_EQ(search(worker_a_, [&](ResidentQuery& q) { q.id_number = id_a; }), std::vector<std::string>{"张甲"});
    EXPECT_EQ(search(worker_a_, [&](ResidentQuery& q) { q.id_last4 = id_a.substr(14); }),
              std::vector<std::string>{"张甲"});
    EXPECT_TRUE(search(worker_a_, [&](ResidentQuery& q) { q.id_last4 = id_b.substr(14); }).empty());
    EXPECT_TRUE(search(worker_a_, [&](ResidentQuery& q) { q.phone = "139 0000 2222"; }).empty());
    EXPECT_EQ(search(worker_a_, [&](ResidentQuery& q) { q.phone = "13900001111"; }), std::vector<std::string>{"张甲"});
    EXPECT_EQ(search(admin_, [&](ResidentQuery& q) { q.phone = "13900002222"; }), std::vector<std::string>{"张乙"});

    // Naming grid B as the subtree is a 404, like a missing node.
    ResidentQuery under_b;
    under_b.under_node_id = grid_b_.id;
    under_b.under_kind = "grid";
    under_b.under_field = "grid_id";
    auto listed = service_->ListResidents(worker_a_, under_b);
    ASSERT_FALSE(listed);
    EXPECT_EQ(listed.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(Count(admin_, under_b), 1);

    // Writes too.
    ResidentPatch patch;
    patch.note = "x";
    auto update = service_->UpdateResident(worker_a_, b.id, patch, info_);
    ASSERT_FALSE(update);
    EXPECT_EQ(update.error().code, ErrorCode::kNotFound);
    // A building head reads within scope but may not write.
    auto head = Scoped(Role::kBuildingHead, {building_a_.id});
    EXPECT_EQ(Count(head), 1);
    auto head_write = service_->UpdateResident(head, a.id, patch, info_);
    ASSERT_FALSE(head_write);
    EXPECT_EQ(head_write.error().code, ErrorCode::kForbidden);
    auto volunteer_read = service_->CountResidents(Scoped(Role::kVolunteer, {grid_a_.id}), {});
    ASSERT_FALSE(volunteer_read);
    EXPECT_EQ(volunteer_read.error().code, ErrorCode::kForbidden);
}

TEST_P(ResidentServiceTest, ListsPageWithACursor) {
    const std::string second = "甲乙丙丁戊己庚";
    for (int i = 0; i < 7; ++i) {
        MustCreate(Person("李" + second.substr(static_cast<size_t>(6 - i) * 3, 3), MakeId("19800101", 101 + 2 * i),
                          household_a1_));
    }
    ResidentQuery q;
    q.limit = 3;
    std::vector<std::string> all;
    for (int pages = 0; pages < 5; ++pages) {
        auto page = service_->ListResidents(worker_a_, q);
        ASSERT_TRUE(page) << page.error().message;
        for (const auto& r : page->items) {
            all.push_back(r.name);
        }
        if (!page->next_cursor) {
            break;
        }
        q.cursor = page->next_cursor;
    }
    EXPECT_EQ(all.size(), 7u);
    EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
}

TEST_P(ResidentServiceTest, HouseholdsAndBuildings) {
    auto created = service_->CreateHousehold(worker_a_, NewHousehold{unit_a_.id, "201", Tenure::kTenant}, info_);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_EQ(created->name, "201");
    EXPECT_EQ(created->tenure, Tenure::kTenant);
    EXPECT_EQ(created->building_name, "1号楼");
    auto clash = service_->CreateHousehold(worker_a_, NewHousehold{unit_a_.id, "201", Tenure::kTenant}, info_);
    ASSERT_FALSE(clash);
    EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
    EXPECT_EQ(clash.error().field, "room");
    auto elsewhere = service_->CreateHousehold(worker_a_, NewHousehold{unit_b_.id, "301", Tenure::kOwner}, info_);
    ASSERT_FALSE(elsewhere);
    EXPECT_EQ(elsewhere.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(elsewhere.error().field, "unit_id");

    auto updated = service_->UpdateHousehold(worker_a_, created->id, HouseholdPatch{Tenure::kPublicRental}, info_);
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->tenure, Tenure::kPublicRental);
    EXPECT_FALSE(service_->GetHousehold(worker_b_, created->id));

    auto empty = service_->GetBuildingDetails(worker_a_, building_a_.id);
    ASSERT_TRUE(empty);
    EXPECT_FALSE(empty->kind);
    BuildingDetailsInput details{BuildingKind::kThreeSmall, "流塘路 12 号", 6, 2};
    auto set = service_->SetBuildingDetails(worker_a_, building_a_.id, details, info_);
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(set->kind, BuildingKind::kThreeSmall);
    EXPECT_EQ(set->floors, 6);
    EXPECT_EQ(service_->GetBuildingDetails(admin_, building_a_.id)->address, "流塘路 12 号");
    auto not_building = service_->GetBuildingDetails(admin_, unit_a_.id);
    ASSERT_FALSE(not_building);
    EXPECT_EQ(not_building.error().code, ErrorCode::kNotFound);
    EXPECT_FALSE(service_->SetBuildingDetails(worker_b_, building_a_.id, details, info_));
}

// ---- import ----------------------------------------------------------------------------------------

std::vector<ImportRow> MakeRows(int n, int first_seq = 0) {
    std::vector<ImportRow> rows;
    rows.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        ImportRow row;
        row.line = i + 2;  // line 1 is the header
        row.name = "居民";
        // Names without digits: a two-character suffix from a small alphabet.
        static const char* kChars[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
        row.name += kChars[(i / 10) % 10];
        row.name += kChars[i % 10];
        const int k = first_seq + i;
        // Distinct numbers: vary the birth day and the sequence.
        char birth[16];
        std::snprintf(birth, sizeof birth, "19%02d%02d%02d", 40 + k % 50, 1 + k % 12, 1 + k % 28);
        row.id_number = MakeId(birth, k % 997 + 1, std::to_string(110101 + k / 997 % 10));
        row.phone = i % 3 == 0 ? "" : "138" + std::to_string(10000000 + k);
        row.building = std::to_string(1 + i % 5);
        row.unit = std::to_string(1 + i % 2);
        row.room = std::to_string(101 + i % 40);
        row.relation = i % 4 == 0 ? "户主" : "子女";
        row.hukou = i % 2 ? "流动人口" : "户籍";
        row.tenure = "租住";
        row.tags = i % 10 == 0 ? "独居，残疾(二级)" : "";
        rows.push_back(std::move(row));
    }
    return rows;
}

TEST_P(ResidentServiceTest, ImportIsAllOrNothingByDefault) {
    auto rows = MakeRows(1000);
    rows[503].id_number = rows[503].id_number.substr(0, 17) + (rows[503].id_number.back() == '0' ? "1" : "0");
    auto summary = service_->ImportResidents(worker_a_, grid_a_.id, rows, {}, info_);
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_FALSE(summary->committed);
    EXPECT_EQ(summary->inserted, 0);
    ASSERT_EQ(summary->errors.size(), 1u);
    EXPECT_EQ(summary->errors[0].line, 505);
    EXPECT_EQ(summary->errors[0].column, "id_number");
    EXPECT_FALSE(summary->errors[0].message_zh.empty());
    EXPECT_FALSE(summary->errors[0].message_en.empty());
    EXPECT_EQ(CountRows("SELECT COUNT(*) FROM residents"), 0);
    EXPECT_EQ(CountRows("SELECT COUNT(*) FROM territory_nodes WHERE name = '3号楼'"), 0);

    ImportOptions skip;
    skip.skip_invalid = true;
    int64_t last_progress = 0;
    skip.progress = [&](int64_t done) { last_progress = done; };
    summary = service_->ImportResidents(worker_a_, grid_a_.id, rows, skip, info_);
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_TRUE(summary->committed);
    EXPECT_EQ(summary->inserted, 999);
    EXPECT_EQ(summary->skipped, 1);
    EXPECT_EQ(summary->errors.size(), 1u);
    EXPECT_EQ(last_progress, 1000);
    EXPECT_EQ(Count(worker_a_), 999);
    ResidentQuery floating;
    floating.hukou = Hukou::kFloating;
    EXPECT_EQ(Count(worker_a_, floating), 499);
    ResidentQuery alone;
    alone.tag = "living_alone";
    EXPECT_EQ(Count(worker_a_, alone), 100);
    // "3" became "3号楼" with units "1单元", "2单元" under it, inside grid A.
    EXPECT_EQ(CountRows("SELECT COUNT(*) FROM territory_nodes WHERE name = '3号楼' AND parent_id = " +
                        std::to_string(grid_a_.id)),
              1);
    EXPECT_EQ(AuditDetails("resident.import").size(), 1u);
}

TEST_P(ResidentServiceTest, ReimportUpdatesInsteadOfDuplicating) {
    auto rows = MakeRows(200);
    auto first = service_->ImportResidents(worker_a_, grid_a_.id, rows, {}, info_);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->inserted, 200);
    const int64_t nodes = CountRows("SELECT COUNT(*) FROM territory_nodes");

    rows[0].name = "新名字";
    rows[1].room = "999";  // moved within the grid
    auto second = service_->ImportResidents(worker_a_, grid_a_.id, rows, {}, info_);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(second->inserted, 0);
    EXPECT_EQ(second->updated, 200);
    EXPECT_EQ(second->nodes_created, 1);
    EXPECT_EQ(CountRows("SELECT COUNT(*) FROM residents"), 200);
    EXPECT_EQ(CountRows("SELECT COUNT(*) FROM territory_nodes"), nodes + 1);
    ResidentQuery q;
    q.q = "新名字";
    EXPECT_EQ(Count(worker_a_, q), 1);
    ResidentQuery by_id;
    by_id.id_number = rows[1].id_number;
    auto page = service_->ListResidents(worker_a_, by_id);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->items.size(), 1u);
    ASSERT_TRUE(page->items[0].household);
    EXPECT_EQ(page->items[0].household->name, "999");
    auto moved = service_->GetResident(worker_a_, page->items[0].id);
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved->residencies.size(), 2u);

    // Grid B's worker cannot take over grid A's people by importing them.
    auto takeover = service_->ImportResidents(worker_b_, grid_b_.id, std::vector<ImportRow>{rows[5]}, {}, info_);
    ASSERT_TRUE(takeover);
    EXPECT_FALSE(takeover->committed);
    ASSERT_EQ(takeover->errors.size(), 1u);
    EXPECT_EQ(takeover->errors[0].message_en, "already registered elsewhere");
}

TEST_P(ResidentServiceTest, ImportRejectsDuplicateIdsInsideAFile) {
    auto rows = MakeRows(10);
    rows[7].id_number = rows[2].id_number;
    auto summary = service_->ImportResidents(admin_, grid_a_.id, rows, {}, info_);
    ASSERT_TRUE(summary);
    EXPECT_FALSE(summary->committed);
    ASSERT_EQ(summary->errors.size(), 1u);
    EXPECT_EQ(summary->errors[0].line, 9);
    EXPECT_EQ(summary->errors[0].column, "id_number");
    EXPECT_NE(summary->errors[0].message_en.find("line 4"), std::string::npos);
}

TEST_P(ResidentServiceTest, ImportIntoAnotherGridOrAnUnknownCommunityBuildingIsRefused) {
    auto rows = MakeRows(5);
    auto other_grid = service_->ImportResidents(worker_a_, grid_b_.id, rows, {}, info_);
    ASSERT_FALSE(other_grid);
    EXPECT_EQ(other_grid.error().code, ErrorCode::kNotFound);
    auto community = service_->ImportResidents(worker_a_, community_.id, rows, {}, info_);
    ASSERT_FALSE(community);
    EXPECT_EQ(community.error().code, ErrorCode::kNotFound);
    auto volunteer = service_->ImportResidents(Scoped(Role::kVolunteer, {grid_a_.id}), grid_a_.id, rows, {}, info_);
    ASSERT_FALSE(volunteer);
    EXPECT_EQ(volunteer.error().code, ErrorCode::kForbidden);

    // Into the community: existing buildings are found ("1" is 1号楼), unknown ones are row errors.
    auto staff = Scoped(Role::kCommunityStaff, {community_.id});
    rows = MakeRows(2);
    rows[0].building = "1";
    rows[1].building = "9号楼";
    auto summary = service_->ImportResidents(staff, community_.id, rows, ImportOptions{true, {}}, info_);
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_EQ(summary->inserted, 1);
    ASSERT_EQ(summary->errors.size(), 1u);
    EXPECT_EQ(summary->errors[0].column, "building");
    EXPECT_EQ(summary->errors[0].line, 3);
    EXPECT_EQ(CountRows("SELECT COUNT(*) FROM territory_nodes WHERE name = '9号楼'"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ResidentServiceTest, ::testing::ValuesIn(linli::testing::AvailableBackends()),
                         [](const auto& info) { return linli::testing::BackendName(info.param); });

}  // namespace
}  // namespace linli::registry
