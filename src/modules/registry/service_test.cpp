// The territory tree through RegistryService, on every available backend: the kind ladder, sibling
// names, scope (out of scope is exactly a 404), keyset paging, literal search, audit.

#include "modules/registry/service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/clock.hpp"
#include "support/test_database.hpp"

namespace linli::registry {
namespace {

using storage::Conn;

constexpr int64_t kStart = 1'700'000'000;

class RegistryServiceTest : public ::testing::TestWithParam<linli::testing::Backend> {
protected:
    void SetUp() override {
        db_ = linli::testing::OpenTestDatabase(GetParam());
        service_ = std::make_unique<RegistryService>(*db_, clock_);
        admin_.role = Role::kAdmin;
        admin_.username = "admin";
    }

    Node Create(std::optional<int64_t> parent, NodeKind kind, const std::string& name, const Actor* actor = nullptr) {
        NewNode node;
        node.parent_id = parent;
        node.kind = kind;
        node.name = name;
        auto created = service_->Create(actor ? *actor : admin_, node, info_);
        EXPECT_TRUE(created) << name << ": " << (created ? "" : created.error().message);
        return created ? *created : Node{};
    }

    Result<Node> TryCreate(const Actor& actor, std::optional<int64_t> parent, NodeKind kind, const std::string& name) {
        NewNode node;
        node.parent_id = parent;
        node.kind = kind;
        node.name = name;
        return service_->Create(actor, node, info_);
    }

    /// A user of `role` whose scope is `node_ids`, resolved as the app does on every request.
    Actor Scoped(Role role, const std::vector<int64_t>& node_ids) {
        Actor actor;
        actor.role = role;
        actor.username = std::string(RoleName(role));
        auto scope = service_->ResolveScope(node_ids);
        EXPECT_TRUE(scope);
        if (scope) {
            actor.scope = *scope;
        }
        return actor;
    }

    static std::vector<std::string> Names(const std::vector<Node>& nodes) {
        std::vector<std::string> names;
        for (const auto& n : nodes) {
            names.push_back(n.name);
        }
        return names;
    }

    std::vector<Node> ListAll(const Actor& actor, NodeQuery query) {
        query.limit = kMaxPageSize;
        auto page = service_->List(actor, query);
        EXPECT_TRUE(page) << (page ? "" : page.error().message);
        return page ? page->items : std::vector<Node>{};
    }

    int64_t CountRows(const std::string& sql) {
        auto rows = db_->Read([&](Conn& c) { return c.Query(sql); });
        EXPECT_TRUE(rows);
        return rows ? rows->at(0).Int(0) : -1;
    }

    ManualClock clock_{kStart};
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<RegistryService> service_;
    Actor admin_;
    RequestInfo info_{"req-test", "127.0.0.1"};
};

/// A subdistrict with one community of two grids, A and B, each with one building › unit › household.
struct SmallTree {
    Node subdistrict, community, grid_a, grid_b, building_a, unit_a, household_a, building_b, unit_b, household_b;
};

class ScopedTreeTest : public RegistryServiceTest {
protected:
    void SetUp() override {
        RegistryServiceTest::SetUp();
        t_.subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
        t_.community = Create(t_.subdistrict.id, NodeKind::kCommunity, "青和居社区");
        t_.grid_a = Create(t_.community.id, NodeKind::kGrid, "第1网格");
        t_.grid_b = Create(t_.community.id, NodeKind::kGrid, "第2网格");
        t_.building_a = Create(t_.grid_a.id, NodeKind::kBuilding, "1号楼");
        t_.unit_a = Create(t_.building_a.id, NodeKind::kUnit, "1单元");
        t_.household_a = Create(t_.unit_a.id, NodeKind::kHousehold, "101室");
        t_.building_b = Create(t_.grid_b.id, NodeKind::kBuilding, "2号楼");
        t_.unit_b = Create(t_.building_b.id, NodeKind::kUnit, "1单元");
        t_.household_b = Create(t_.unit_b.id, NodeKind::kHousehold, "101室");
        grid_worker_a_ = Scoped(Role::kGridWorker, {t_.grid_a.id});
    }

    SmallTree t_;
    Actor grid_worker_a_;
};

TEST_P(RegistryServiceTest, BuildsATreeFromSubdistrictDownToHousehold) {
    auto subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
    auto community = Create(subdistrict.id, NodeKind::kCommunity, "青和居社区");
    auto grid = Create(community.id, NodeKind::kGrid, "第1网格");
    auto building = Create(grid.id, NodeKind::kBuilding, "1号楼");
    auto unit = Create(building.id, NodeKind::kUnit, "1单元");
    auto household = Create(unit.id, NodeKind::kHousehold, "101室");

    EXPECT_EQ(subdistrict.path, "/" + std::to_string(subdistrict.id) + "/");
    EXPECT_EQ(household.path, subdistrict.path + std::to_string(community.id) + "/" + std::to_string(grid.id) + "/" +
                                  std::to_string(building.id) + "/" + std::to_string(unit.id) + "/" +
                                  std::to_string(household.id) + "/");
    EXPECT_EQ(subdistrict.depth, 0);
    EXPECT_EQ(household.depth, 5);
    EXPECT_FALSE(subdistrict.parent_id);
    EXPECT_EQ(household.parent_id, unit.id);
    EXPECT_FALSE(subdistrict.community_id);
    EXPECT_EQ(community.community_id, community.id);
    EXPECT_EQ(household.community_id, community.id);
    EXPECT_EQ(household.created_at, kStart);

    auto got = service_->Get(admin_, unit.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->name, "1单元");
    EXPECT_EQ(got->kind, NodeKind::kUnit);
    EXPECT_EQ(got->child_count, 1);

    auto trail = service_->Ancestors(admin_, household.id);
    ASSERT_TRUE(trail);
    EXPECT_EQ(Names(*trail),
              (std::vector<std::string>{"和平街道", "青和居社区", "第1网格", "1号楼", "1单元", "101室"}));

    NodeQuery roots;
    roots.roots_only = true;
    EXPECT_EQ(Names(ListAll(admin_, roots)), std::vector<std::string>{"和平街道"});
    NodeQuery children;
    children.parent_id = community.id;
    EXPECT_EQ(Names(ListAll(admin_, children)), std::vector<std::string>{"第1网格"});
}

TEST_P(RegistryServiceTest, RootsMayBeCitiesDistrictsOrSubdistricts) {
    auto city = Create(std::nullopt, NodeKind::kCity, "深圳市");
    auto district = Create(city.id, NodeKind::kDistrict, "南山区");
    Create(district.id, NodeKind::kSubdistrict, "桃源街道");
    Create(std::nullopt, NodeKind::kDistrict, "朝阳区");
    Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");

    auto community_root = TryCreate(admin_, std::nullopt, NodeKind::kCommunity, "孤立社区");
    ASSERT_FALSE(community_root);
    EXPECT_EQ(community_root.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(community_root.error().field, "kind");
}

TEST_P(RegistryServiceTest, AChildMustBeExactlyOneLevelBelowItsParent) {
    auto subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
    auto community = Create(subdistrict.id, NodeKind::kCommunity, "青和居社区");
    auto grid = Create(community.id, NodeKind::kGrid, "第1网格");
    auto building = Create(grid.id, NodeKind::kBuilding, "1号楼");
    auto unit = Create(building.id, NodeKind::kUnit, "1单元");
    auto household = Create(unit.id, NodeKind::kHousehold, "101室");

    struct Case {
        int64_t parent;
        NodeKind kind;
    };
    for (const auto& c :
         {Case{subdistrict.id, NodeKind::kGrid}, Case{community.id, NodeKind::kBuilding},
          Case{grid.id, NodeKind::kCommunity}, Case{unit.id, NodeKind::kUnit}, Case{building.id, NodeKind::kHousehold},
          Case{household.id, NodeKind::kHousehold}, Case{subdistrict.id, NodeKind::kSubdistrict}}) {
        auto r = TryCreate(admin_, c.parent, c.kind, "错误层级");
        ASSERT_FALSE(r) << NodeKindName(c.kind);
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(r.error().field, "kind");
    }
    EXPECT_EQ(CountRows("SELECT COUNT(*) FROM territory_nodes"), 6);
}

TEST_P(RegistryServiceTest, SiblingNamesAndCodesAreUnique) {
    auto subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
    auto c1 = Create(subdistrict.id, NodeKind::kCommunity, "青和居社区");
    auto c2 = Create(subdistrict.id, NodeKind::kCommunity, "流塘社区");

    auto clash = TryCreate(admin_, subdistrict.id, NodeKind::kCommunity, "青和居社区");
    ASSERT_FALSE(clash);
    EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
    EXPECT_EQ(clash.error().field, "name");

    // Surrounding white space is trimmed before comparing.
    auto padded = TryCreate(admin_, subdistrict.id, NodeKind::kCommunity, "  青和居社区\u3000");
    ASSERT_FALSE(padded);
    EXPECT_EQ(padded.error().code, ErrorCode::kConflict);

    auto root_clash = TryCreate(admin_, std::nullopt, NodeKind::kSubdistrict, "和平街道");
    ASSERT_FALSE(root_clash);
    EXPECT_EQ(root_clash.error().code, ErrorCode::kConflict);
    EXPECT_EQ(root_clash.error().field, "name");

    // The same name under another parent is fine: every community has its "第1网格".
    Create(c1.id, NodeKind::kGrid, "第1网格");
    Create(c2.id, NodeKind::kGrid, "第1网格");

    NewNode coded{subdistrict.id, NodeKind::kCommunity, "三号社区", std::string("440305001001")};
    ASSERT_TRUE(service_->Create(admin_, coded, info_));
    NewNode same_code{subdistrict.id, NodeKind::kCommunity, "四号社区", std::string("440305001001")};
    auto code_clash = service_->Create(admin_, same_code, info_);
    ASSERT_FALSE(code_clash);
    EXPECT_EQ(code_clash.error().code, ErrorCode::kConflict);
    EXPECT_EQ(code_clash.error().field, "code");

    NodePatch rename;
    rename.name = "流塘社区";
    auto rename_clash = service_->Update(admin_, c1.id, rename, info_);
    ASSERT_FALSE(rename_clash);
    EXPECT_EQ(rename_clash.error().code, ErrorCode::kConflict);
    EXPECT_EQ(rename_clash.error().field, "name");
}

TEST_P(RegistryServiceTest, NamesKeepRareCharactersAndTheMiddleDot) {
    auto subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
    const std::string name = "𠀀𪚥社区·阿卜杜拉·艾买提";  // U+20000, U+2A6A5, U+00B7
    auto community = Create(subdistrict.id, NodeKind::kCommunity, name);
    auto got = service_->Get(admin_, community.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->name, name);

    NodeQuery q;
    q.q = "𠀀";
    EXPECT_EQ(Names(ListAll(admin_, q)), std::vector<std::string>{name});

    // 100 characters is the limit, counted in characters, not bytes (𠀀 is 4 bytes).
    std::string hundred;
    for (int i = 0; i < 100; ++i) {
        hundred += "𠀀";
    }
    EXPECT_TRUE(TryCreate(admin_, subdistrict.id, NodeKind::kCommunity, hundred));
    auto too_long = TryCreate(admin_, subdistrict.id, NodeKind::kCommunity, hundred + "𠀀");
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().field, "name");

    for (const std::string& bad : std::vector<std::string>{"", "   ", "a\nb", "a\001b", "\xff\xfe"}) {
        auto r = TryCreate(admin_, subdistrict.id, NodeKind::kCommunity, bad);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(r.error().field, "name");
    }
}

TEST_P(ScopedTreeTest, OutsideTheScopeIsExactlyLikeMissing) {
    auto hidden = service_->Get(grid_worker_a_, t_.building_b.id);
    auto missing = service_->Get(grid_worker_a_, 987654321);
    ASSERT_FALSE(hidden);
    ASSERT_FALSE(missing);
    EXPECT_EQ(hidden.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(hidden.error().code, missing.error().code);
    EXPECT_EQ(hidden.error().message, missing.error().message);
    EXPECT_EQ(hidden.error().field, missing.error().field);

    // The grid worker's own subtree is visible, the community above it is not.
    EXPECT_TRUE(service_->Get(grid_worker_a_, t_.household_a.id));
    EXPECT_TRUE(service_->Get(grid_worker_a_, t_.grid_a.id));
    EXPECT_FALSE(service_->Get(grid_worker_a_, t_.community.id));
    EXPECT_FALSE(service_->Ancestors(grid_worker_a_, t_.household_b.id));

    NodeQuery children_of_b;
    children_of_b.parent_id = t_.grid_b.id;
    auto list_b = service_->List(grid_worker_a_, children_of_b);
    ASSERT_FALSE(list_b);
    EXPECT_EQ(list_b.error().code, ErrorCode::kNotFound);
    auto count_b = service_->Count(grid_worker_a_, children_of_b);
    ASSERT_FALSE(count_b);
    EXPECT_EQ(count_b.error().code, ErrorCode::kNotFound);

    NodePatch rename;
    rename.name = "改名";
    auto update_b = service_->Update(grid_worker_a_, t_.building_b.id, rename, info_);
    ASSERT_FALSE(update_b);
    EXPECT_EQ(update_b.error().code, ErrorCode::kNotFound);
    auto create_under_b = TryCreate(grid_worker_a_, t_.grid_b.id, NodeKind::kBuilding, "3号楼");
    ASSERT_FALSE(create_under_b);
    EXPECT_EQ(create_under_b.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(create_under_b.error().field, "parent_id");
}

TEST_P(ScopedTreeTest, ListsSearchesAndCountsShowOnlyTheScope) {
    NodeQuery buildings;
    buildings.kind = NodeKind::kBuilding;
    EXPECT_EQ(Names(ListAll(grid_worker_a_, buildings)), std::vector<std::string>{"1号楼"});
    auto count = service_->Count(grid_worker_a_, buildings);
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 1);

    // "101室" and "1单元" exist in both grids; only grid A's come back.
    NodeQuery search;
    search.q = "101";
    auto found = ListAll(grid_worker_a_, search);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].id, t_.household_a.id);
    auto search_count = service_->Count(grid_worker_a_, search);
    ASSERT_TRUE(search_count);
    EXPECT_EQ(*search_count, 1);

    NodeQuery everything;
    auto all = ListAll(grid_worker_a_, everything);
    std::set<int64_t> ids;
    for (const auto& n : all) {
        ids.insert(n.id);
    }
    EXPECT_EQ(ids, (std::set<int64_t>{t_.grid_a.id, t_.building_a.id, t_.unit_a.id, t_.household_a.id}));

    // The roots of a scoped user are their scope nodes.
    NodeQuery roots;
    roots.roots_only = true;
    EXPECT_EQ(Names(ListAll(grid_worker_a_, roots)), std::vector<std::string>{"第1网格"});

    // Breadcrumbs stop at the scope node.
    auto trail = service_->Ancestors(grid_worker_a_, t_.household_a.id);
    ASSERT_TRUE(trail);
    EXPECT_EQ(Names(*trail), (std::vector<std::string>{"第1网格", "1号楼", "1单元", "101室"}));
}

TEST_P(ScopedTreeTest, AdminSeesEverything) {
    NodeQuery buildings;
    buildings.kind = NodeKind::kBuilding;
    EXPECT_EQ(Names(ListAll(admin_, buildings)), (std::vector<std::string>{"1号楼", "2号楼"}));
    NodeQuery search;
    search.q = "101";
    EXPECT_EQ(ListAll(admin_, search).size(), 2u);
    auto all = service_->Count(admin_, NodeQuery{});
    ASSERT_TRUE(all);
    EXPECT_EQ(*all, 10);
    EXPECT_TRUE(service_->Get(admin_, t_.building_b.id));
    auto trail = service_->Ancestors(admin_, t_.household_b.id);
    ASSERT_TRUE(trail);
    EXPECT_EQ(trail->size(), 6u);
}

TEST_P(ScopedTreeTest, NoScopeMeansNothingVisible) {
    Actor nobody;
    nobody.role = Role::kCommunityStaff;
    EXPECT_FALSE(service_->Get(nobody, t_.subdistrict.id));
    EXPECT_TRUE(ListAll(nobody, NodeQuery{}).empty());
    NodeQuery roots;
    roots.roots_only = true;
    EXPECT_TRUE(ListAll(nobody, roots).empty());
    auto count = service_->Count(nobody, NodeQuery{});
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 0);
}

TEST_P(ScopedTreeTest, ScopedRolesWriteOnlyBelowTheirScope) {
    // A grid worker adds buildings, units and households in their grid, nothing else.
    auto building = TryCreate(grid_worker_a_, t_.grid_a.id, NodeKind::kBuilding, "3号楼");
    ASSERT_TRUE(building);
    auto grid = TryCreate(grid_worker_a_, t_.community.id, NodeKind::kGrid, "第9网格");
    ASSERT_FALSE(grid);
    EXPECT_EQ(grid.error().code, ErrorCode::kForbidden);
    auto del = service_->Delete(grid_worker_a_, building->id, info_);
    ASSERT_FALSE(del);
    EXPECT_EQ(del.error().code, ErrorCode::kForbidden);
    auto del_b = service_->Delete(grid_worker_a_, t_.household_b.id, info_);
    ASSERT_FALSE(del_b);
    EXPECT_EQ(del_b.error().code, ErrorCode::kNotFound);

    auto staff = Scoped(Role::kCommunityStaff, {t_.community.id});
    EXPECT_TRUE(TryCreate(staff, t_.community.id, NodeKind::kGrid, "第3网格"));
    auto root = TryCreate(staff, std::nullopt, NodeKind::kSubdistrict, "新街道");
    ASSERT_FALSE(root);
    EXPECT_EQ(root.error().code, ErrorCode::kForbidden);
    NodePatch rename;
    rename.name = "青和居新社区";
    auto own = service_->Update(staff, t_.community.id, rename, info_);
    ASSERT_FALSE(own);
    EXPECT_EQ(own.error().code, ErrorCode::kForbidden);
    rename.name = "第1网格（东）";
    EXPECT_TRUE(service_->Update(staff, t_.grid_a.id, rename, info_));
    EXPECT_TRUE(service_->Delete(staff, building->id, info_));

    auto resident = Scoped(Role::kResident, {t_.household_a.id});
    auto by_resident = TryCreate(resident, t_.unit_a.id, NodeKind::kHousehold, "102室");
    ASSERT_FALSE(by_resident);
    EXPECT_EQ(by_resident.error().code, ErrorCode::kForbidden);
    EXPECT_TRUE(service_->Get(resident, t_.household_a.id));
    EXPECT_FALSE(service_->Get(resident, t_.unit_a.id));
}

TEST_P(RegistryServiceTest, PagingVisitsEveryNodeOnceInOrderForEverySort) {
    auto subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
    auto c1 = Create(subdistrict.id, NodeKind::kCommunity, "青和居社区");
    auto c2 = Create(subdistrict.id, NodeKind::kCommunity, "流塘社区");
    // 120 grids; both communities get the same 60 names, so name ties are broken by id.
    const std::vector<std::string> prefixes = {"网格", "Grid ", "grid ", "Ärger "};
    std::vector<Node> grids;
    for (int i = 0; i < 60; ++i) {
        const std::string name = prefixes[static_cast<size_t>(i * 7) % prefixes.size()] + std::to_string((i * 37) % 60);
        grids.push_back(Create(c1.id, NodeKind::kGrid, name));
        grids.push_back(Create(c2.id, NodeKind::kGrid, name));
    }

    struct SortCase {
        NodeSort sort;
        bool (*less)(const Node&, const Node&);
    };
    const SortCase cases[] = {
        {NodeSort::kNameAsc,
         [](const Node& a, const Node& b) { return std::tie(a.name, a.id) < std::tie(b.name, b.id); }},
        {NodeSort::kNameDesc,
         [](const Node& a, const Node& b) { return std::tie(a.name, a.id) > std::tie(b.name, b.id); }},
        {NodeSort::kIdAsc, [](const Node& a, const Node& b) { return a.id < b.id; }},
        {NodeSort::kIdDesc, [](const Node& a, const Node& b) { return a.id > b.id; }},
    };
    for (const auto& c : cases) {
        auto expected = grids;
        std::sort(expected.begin(), expected.end(), c.less);

        NodeQuery query;
        query.kind = NodeKind::kGrid;
        query.sort = c.sort;
        query.limit = 50;
        std::vector<int64_t> seen;
        int pages = 0;
        while (true) {
            auto page = service_->List(admin_, query);
            ASSERT_TRUE(page) << page.error().message;
            ++pages;
            for (const auto& n : page->items) {
                seen.push_back(n.id);
            }
            if (!page->next_cursor) {
                break;
            }
            query.cursor = page->next_cursor;
            ASSERT_LT(pages, 10) << "paging does not end";
        }
        std::vector<int64_t> expected_ids;
        for (const auto& n : expected) {
            expected_ids.push_back(n.id);
        }
        EXPECT_EQ(pages, 3) << NodeSortName(c.sort);
        EXPECT_EQ(seen, expected_ids) << NodeSortName(c.sort);
    }

    NodeQuery count_query;
    count_query.kind = NodeKind::kGrid;
    auto count = service_->Count(admin_, count_query);
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 120);
}

TEST_P(RegistryServiceTest, BadPagingInputIsRejected) {
    auto subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
    for (int i = 0; i < 3; ++i) {
        Create(subdistrict.id, NodeKind::kCommunity, "社区" + std::to_string(i));
    }
    NodeQuery query;
    query.parent_id = subdistrict.id;
    query.limit = 2;
    auto first = service_->List(admin_, query);
    ASSERT_TRUE(first);
    ASSERT_TRUE(first->next_cursor);

    NodeQuery other_sort = query;
    other_sort.sort = NodeSort::kIdDesc;
    other_sort.cursor = first->next_cursor;
    auto mismatched = service_->List(admin_, other_sort);
    ASSERT_FALSE(mismatched);
    EXPECT_EQ(mismatched.error().field, "cursor");

    for (const std::string& bad : std::vector<std::string>{"", "not a cursor!", "djE", "djEKbmFtZQp4eAo"}) {
        NodeQuery garbage = query;
        garbage.cursor = bad;
        auto r = service_->List(admin_, garbage);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(r.error().field, "cursor");
    }
    for (int limit : {0, kMaxPageSize + 1}) {
        NodeQuery q = query;
        q.limit = limit;
        auto r = service_->List(admin_, q);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().field, "limit");
    }
}

TEST_P(RegistryServiceTest, SearchTreatsWildcardsAndQuotesLiterally) {
    auto subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
    for (const std::string& name : std::vector<std::string>{"100% 完成社区", "1000 社区", "a_b社区", "axb社区",
                                                            "back\\slash社区", "O'Brien社区", "GRID Town"}) {
        Create(subdistrict.id, NodeKind::kCommunity, name);
    }
    auto search = [&](const std::string& q) {
        NodeQuery query;
        query.q = q;
        auto names = Names(ListAll(admin_, query));
        std::sort(names.begin(), names.end());
        return names;
    };
    EXPECT_EQ(search("%"), std::vector<std::string>{"100% 完成社区"});
    EXPECT_EQ(search("_"), std::vector<std::string>{"a_b社区"});
    EXPECT_EQ(search("\\"), std::vector<std::string>{"back\\slash社区"});
    EXPECT_EQ(search("'"), std::vector<std::string>{"O'Brien社区"});
    EXPECT_EQ(search("grid town"), std::vector<std::string>{"GRID Town"});
    EXPECT_TRUE(search("'; DROP TABLE territory_nodes; --").empty());
    EXPECT_TRUE(search("' OR '1'='1").empty());
    EXPECT_EQ(CountRows("SELECT COUNT(*) FROM territory_nodes"), 8);

    NodeQuery count_query;
    count_query.q = "%";
    auto count = service_->Count(admin_, count_query);
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 1);
}

TEST_P(RegistryServiceTest, UpdateRenamesAndClearsTheCode) {
    auto subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
    NewNode input{subdistrict.id, NodeKind::kCommunity, "青和居社区", std::string("001")};
    auto community = service_->Create(admin_, input, info_);
    ASSERT_TRUE(community);
    EXPECT_EQ(community->code, "001");

    clock_.Advance(60);
    NodePatch patch;
    patch.name = "青和居社区（新）";
    patch.code = std::optional<std::string>();
    auto updated = service_->Update(admin_, community->id, patch, info_);
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->name, "青和居社区（新）");
    EXPECT_FALSE(updated->code);
    EXPECT_EQ(updated->path, community->path);
    EXPECT_EQ(updated->updated_at, kStart + 60);
    EXPECT_EQ(updated->created_at, kStart);

    auto empty = service_->Update(admin_, community->id, NodePatch{}, info_);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(RegistryServiceTest, DeleteRefusesANodeWithChildren) {
    auto subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
    auto community = Create(subdistrict.id, NodeKind::kCommunity, "青和居社区");
    auto refused = service_->Delete(admin_, subdistrict.id, info_);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
    EXPECT_EQ(refused.error().message, "node has children");

    ASSERT_TRUE(service_->Delete(admin_, community.id, info_));
    auto gone = service_->Get(admin_, community.id);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(service_->Delete(admin_, subdistrict.id, info_));
    EXPECT_FALSE(service_->Delete(admin_, subdistrict.id, info_));
}

TEST_P(RegistryServiceTest, EveryWriteLeavesAnAuditRow) {
    auto subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
    auto community = Create(subdistrict.id, NodeKind::kCommunity, "青和居社区");
    NodePatch patch;
    patch.name = "青和居新社区";
    ASSERT_TRUE(service_->Update(admin_, community.id, patch, info_));
    ASSERT_TRUE(service_->Delete(admin_, community.id, info_));
    // A refused write leaves nothing behind.
    ASSERT_FALSE(TryCreate(admin_, subdistrict.id, NodeKind::kGrid, "错误"));

    auto rows = db_->Read([](Conn& c) {
        return c.Query(
            "SELECT action, target_type, target_id, detail, request_id, actor_name, at FROM audit_log "
            "WHERE action LIKE 'territory.%' ORDER BY id");
    });
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 4u);
    const std::vector<std::pair<std::string, int64_t>> expected = {{"territory.create", subdistrict.id},
                                                                   {"territory.create", community.id},
                                                                   {"territory.update", community.id},
                                                                   {"territory.delete", community.id}};
    for (size_t i = 0; i < expected.size(); ++i) {
        const auto& row = (*rows)[i];
        EXPECT_EQ(row.Text(0), expected[i].first);
        EXPECT_EQ(row.Text(1), "territory_node");
        EXPECT_EQ(row.Int(2), expected[i].second);
        EXPECT_EQ(row.Text(4), "req-test");
        EXPECT_EQ(row.Text(5), "admin");
        EXPECT_EQ(row.Int(6), kStart);
    }
    const std::string update_detail = (*rows)[2].Text(3);
    EXPECT_NE(update_detail.find("青和居社区"), std::string::npos) << update_detail;
    EXPECT_NE(update_detail.find("青和居新社区"), std::string::npos) << update_detail;
}

TEST_P(RegistryServiceTest, ResolveScopeGivesPathsAndRejectsUnknownIds) {
    auto subdistrict = Create(std::nullopt, NodeKind::kSubdistrict, "和平街道");
    auto community = Create(subdistrict.id, NodeKind::kCommunity, "青和居社区");

    auto scope = service_->ResolveScope({community.id, subdistrict.id, community.id});
    ASSERT_TRUE(scope);
    ASSERT_EQ(scope->size(), 2u);
    EXPECT_EQ((*scope)[0].id, community.id);
    EXPECT_EQ((*scope)[0].path, community.path);
    EXPECT_EQ((*scope)[1].path, subdistrict.path);

    // A second service starts with an empty cache and must agree.
    RegistryService fresh(*db_, clock_);
    auto again = fresh.ResolveScope({subdistrict.id});
    ASSERT_TRUE(again);
    EXPECT_EQ((*again)[0].path, subdistrict.path);

    for (const std::vector<int64_t>& bad :
         {std::vector<int64_t>{community.id, 999999}, std::vector<int64_t>{0}, std::vector<int64_t>{-3}}) {
        auto r = service_->ResolveScope(bad);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(r.error().field, "scope_node_ids");
    }
    auto none = service_->ResolveScope({});
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryServiceTest, ::testing::ValuesIn(linli::testing::AvailableBackends()),
                         [](const auto& info) { return linli::testing::BackendName(info.param); });
INSTANTIATE_TEST_SUITE_P(Backends, ScopedTreeTest, ::testing::ValuesIn(linli::testing::AvailableBackends()),
                         [](const auto& info) { return linli::testing::BackendName(info.param); });

}  // namespace
}  // namespace linli::registry
