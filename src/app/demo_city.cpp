#include "app/demo_city.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>
#include <unordered_set>

#include "core/id_number.hpp"

namespace linli::app {

namespace {

constexpr std::array<const char*, 60> kSurnames = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏",
    "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "欧阳"};
constexpr std::array<const char*, 64> kGiven = {
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "文", "辉", "建", "国", "玉", "兰", "红", "梅",
    "德", "志", "海", "云", "春", "晓", "宇", "浩", "欣", "怡", "子", "轩", "雨", "涵", "博", "睿",
    "淑", "珍", "福", "荣", "金", "凤", "秋", "月", "振", "宏", "新", "立", "永", "成", "嘉", "琳"};
// Where the floating population comes from (provincial capitals' central districts).
constexpr std::array<const char*, 12> kOriginRegions = {"410102", "430102", "510104", "420102", "360102", "450102",
                                                        "340102", "350102", "520102", "130102", "370102", "610102"};

class Generator {
public:
    Generator(const CommunityPlan& plan, const std::string& today, uint64_t seed)
        : plan_(plan), rng_(seed), today_year_(std::stoi(today.substr(0, 4))), today_(today) {}

    std::vector<GridPopulation> Run() {
        std::vector<GridPopulation> grids(static_cast<size_t>(plan_.grids));
        for (int g = 0; g < plan_.grids; ++g) {
            grids[static_cast<size_t>(g)].grid_name = "第" + std::to_string(g + 1) + "网格";
        }
        // Buildings go to grids in order, as evenly as the numbers allow.
        const int households_per_building = plan_.households / plan_.buildings;
        const int extra_households = plan_.households % plan_.buildings;
        const int residents_per_building = plan_.residents / plan_.buildings;
        const int extra_residents = plan_.residents % plan_.buildings;
        for (int b = 0; b < plan_.buildings; ++b) {
            const int grid = b * plan_.grids / plan_.buildings;
            const int households = households_per_building + (b < extra_households ? 1 : 0);
            const int residents = residents_per_building + (b < extra_residents ? 1 : 0);
            FillBuilding(grids[static_cast<size_t>(grid)], b + 1, households, residents);
        }
        return grids;
    }

private:
    void FillBuilding(GridPopulation& grid, int building_no, int households, int residents) {
        // Every household has one person; the rest join households at random, up to four.
        std::vector<int> sizes(static_cast<size_t>(households), 1);
        int left = residents - households;
        std::uniform_int_distribution<int> pick(0, households - 1);
        while (left > 0) {
            int& s = sizes[static_cast<size_t>(pick(rng_))];
            if (s < 4) {
                ++s;
                --left;
            }
        }
        const int per_unit = (households + plan_.units_per_building - 1) / plan_.units_per_building;
        constexpr int kRoomsPerFloor = 4;
        for (int h = 0; h < households; ++h) {
            const int unit = h / per_unit + 1;
            const int in_unit = h % per_unit;
            char room[16];
            std::snprintf(room, sizeof room, "%d%02d", in_unit / kRoomsPerFloor + 1, in_unit % kRoomsPerFloor + 1);
            const bool floating_household = Chance(plan_.floating_share);
            for (int m = 0; m < sizes[static_cast<size_t>(h)]; ++m) {
                grid.rows.push_back(
                    Person(building_no, unit, room, m, sizes[static_cast<size_t>(h)], floating_household));
            }
        }
    }

    registry::ImportRow Person(int building_no, int unit, const char* room, int member, int household_size,
                               bool floating) {
        registry::ImportRow row;
        row.line = ++line_;
        row.building = std::to_string(building_no) + "号楼";
        row.unit = std::to_string(unit) + "单元";
        row.room = room;
        row.relation = member == 0 ? "户主" : (member == 1 && household_size > 1 && Chance(0.6) ? "配偶" : "子女");
        row.hukou = floating ? "流动" : "户籍";
        row.tenure = plan_.public_rental ? "公租房" : (floating ? "租户" : "业主");

        int age = AgeFor(member);
        const bool male = Chance(0.5);
        row.name = Name();
        row.id_number = IdNumber(floating ? kOriginRegions[Uniform(0, kOriginRegions.size() - 1)] : plan_.home_region,
                                 today_year_ - age, male);
        if (Chance(0.75)) {
            row.phone = Phone();
        }
        std::string tags;
        auto add = [&](const char* tag) { tags += (tags.empty() ? "" : "；") + std::string(tag); };
        if (age >= 65) {
            if (Chance(0.75)) {
                add("红色老年证");
            }
            if (household_size == 1 && Chance(0.35)) {
                add("独居");
            }
        }
        if (Chance(0.025)) {
            static constexpr std::array<const char*, 4> kGrades = {"残疾(一级)", "残疾(二级)", "残疾(三级)",
                                                                   "残疾(四级)"};
            add(kGrades[Uniform(0, 3)]);
        }
        if (Chance(plan_.low_income_share)) {
            add("低保");
        }
        if (age >= 18 && Chance(0.06)) {
            add("党员");
        }
        if (age >= 30 && male && Chance(0.015)) {
            add("退役军人");
        }
        if (age < 18 && Chance(0.02)) {
            add("困难学生");
        }
        row.tags = tags;
        return row;
    }

    int AgeFor(int member) {
        if (Chance(plan_.elderly_share)) {
            return Uniform(65, 96);
        }
        if (member >= 2) {
            return Uniform(1, 20);  // children
        }
        return Uniform(18, 64);
    }

    std::string Name() {
        std::string name = kSurnames[Uniform(0, kSurnames.size() - 1)];
        name += kGiven[Uniform(0, kGiven.size() - 1)];
        if (Chance(0.7)) {
            name += kGiven[Uniform(0, kGiven.size() - 1)];
        }
        return name;
    }

    std::string IdNumber(const std::string& region, int year, bool male) {
        for (;;) {
            const int month = Uniform(1, 12);
            const int day = Uniform(1, 28);
            int seq = Uniform(0, 499) * 2 + (male ? 1 : 0);
            // region (6 digits) + birth date + sequence: the 17 digits the check character covers.
            const std::string first17 = fmt::format("{}{:04}{:02}{:02}{:03}", region, year, month, day, seq);
            std::string id = first17 + id_number::CheckCharacter(first17);
            if (id.substr(6, 8) <= today_compact() && used_.insert(id).second) {
                return id;
            }
        }
    }

    std::string Phone() {
        static constexpr std::array<const char*, 8> kPrefixes = {"138", "139", "150", "158",
                                                                 "186", "135", "177", "199"};
        char rest[9];
        std::snprintf(rest, sizeof rest, "%08d", Uniform(0, 99999999));
        return std::string(kPrefixes[Uniform(0, kPrefixes.size() - 1)]) + rest;
    }

    std::string today_compact() const { return today_.substr(0, 4) + today_.substr(5, 2) + today_.substr(8, 2); }
    bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
    template <class A, class B>
    int Uniform(A lo, B hi) {
        return std::uniform_int_distribution<int>(static_cast<int>(lo), static_cast<int>(hi))(rng_);
    }

    const CommunityPlan& plan_;
    std::mt19937_64 rng_;
    int today_year_;
    std::string today_;
    int line_ = 0;
    std::unordered_set<std::string> used_;
};

/// "青和居" for "青和居社区": how people name the community in a title.
std::string ShortName(const std::string& community) {
    static const std::string kSuffix = "社区";
    if (community.size() > kSuffix.size() && community.ends_with(kSuffix)) {
        return community.substr(0, community.size() - kSuffix.size());
    }
    return community;
}

/// The number in "17号楼" or "2单元"; `fallback` when the name has none.
int LeadingNumber(const std::string& name, int fallback) {
    int n = 0;
    size_t i = 0;
    for (; i < name.size() && name[i] >= '0' && name[i] <= '9'; ++i) {
        n = n * 10 + (name[i] - '0');
    }
    return i == 0 ? fallback : n;
}

class CarerPlanner {
public:
    CarerPlanner(const CommunityPlan& plan, const std::vector<LoadedGrid>& grids, uint64_t seed)
        : plan_(plan), grids_(grids), rng_(seed), short_name_(ShortName(plan.name)) {}

    std::vector<CarerPlan> Run() {
        GridWorkers();
        BuildingHeads();
        LinkLeaders();
        return std::move(out_);
    }

private:
    void GridWorkers() {
        // The vacant posts are drawn among grids 2..n: grid 1 keeps the demo's own grid worker.
        std::vector<size_t> vacant = Draw(1, grids_.size(), plan_.grids_without_worker);
        for (size_t g = 0; g < grids_.size(); ++g) {
            if (Contains(vacant, g)) {
                continue;
            }
            char username[64];
            std::snprintf(username, sizeof username, "grid_%s_%02zu", plan_.key.c_str(), g + 1);
            out_.push_back({username,
                            short_name_ + " " + grids_[g].name + " 网格员 " + Name(),
                            Role::kGridWorker,
                            {grids_[g].id}});
        }
    }

    void BuildingHeads() {
        size_t total = 0;
        for (const auto& grid : grids_) {
            total += grid.buildings.size();
        }
        // Counted across the community; the first building keeps the demo's own head (head_qhj_b1).
        std::vector<size_t> vacant = Draw(1, total, plan_.buildings_without_head);
        size_t index = 0;
        for (const auto& grid : grids_) {
            // A head looks after neighbours: consecutive buildings of one grid, never across a vacancy.
            std::vector<const LoadedBuilding*> run;
            auto flush = [&] {
                size_t at = 0;
                while (at < run.size()) {
                    const size_t size = std::min(
                        run.size() - at, static_cast<size_t>(Uniform(1, std::max(1, plan_.max_buildings_per_head))));
                    AddHead(std::vector<const LoadedBuilding*>(run.begin() + static_cast<std::ptrdiff_t>(at),
                                                               run.begin() + static_cast<std::ptrdiff_t>(at + size)));
                    at += size;
                }
                run.clear();
            };
            for (const auto& building : grid.buildings) {
                if (Contains(vacant, index++)) {
                    flush();
                } else {
                    run.push_back(&building);
                }
            }
            flush();
        }
    }

    void AddHead(const std::vector<const LoadedBuilding*>& buildings) {
        const int first = LeadingNumber(buildings.front()->name, 0);
        std::string label = buildings.front()->name;
        if (buildings.size() > 1) {
            label = std::to_string(first) + "-" + buildings.back()->name;  // "17-19号楼"
        }
        std::string who = Name();
        // In an urban village the head is often the landlord; elsewhere a resident volunteer.
        if (plan_.max_buildings_per_head > 1 && Chance(0.6)) {
            who += "(房东)";
        }
        CarerPlan head{"head_" + plan_.key + "_b" + std::to_string(first),
                       short_name_ + " " + label + " 楼栋长 " + who,
                       Role::kBuildingHead,
                       {}};
        for (const auto* b : buildings) {
            head.node_ids.push_back(b->id);
        }
        out_.push_back(std::move(head));
    }

    void LinkLeaders() {
        bool first_unit = true;
        for (const auto& grid : grids_) {
            for (const auto& building : grid.buildings) {
                const int b = LeadingNumber(building.name, 0);
                for (size_t u = 0; u < building.units.size(); ++u) {
                    const auto& households = building.units[u];
                    const std::string unit_name = u < building.unit_names.size() ? building.unit_names[u] : "";
                    const int unit_no = LeadingNumber(unit_name, static_cast<int>(u) + 1);
                    // The demo's own link leader keeps the first 20 households of the first unit.
                    size_t at = 0;
                    int chunk_no = 0;
                    if (first_unit && plan_.key == "qhj" && households.size() >= kDemoLinkHouseholds) {
                        out_.push_back(
                            {"link_qhj_u1", "", Role::kLinkLeader,
                             std::vector<int64_t>(households.begin(), households.begin() + kDemoLinkHouseholds)});
                        at = kDemoLinkHouseholds;
                        ++chunk_no;
                    }
                    first_unit = false;
                    for (size_t size : ChunkSizes(households.size() - at)) {
                        ++chunk_no;
                        const size_t from = at;
                        at += size;
                        if (!Chance(plan_.link_leader_share)) {
                            continue;  // a gap: these neighbours have nobody yet
                        }
                        std::string title = building.name;
                        if (building.units.size() > 1) {
                            title += unit_name;
                        }
                        out_.push_back({"link_" + plan_.key + "_b" + std::to_string(b) + "u" + std::to_string(unit_no) +
                                            "_" + std::to_string(chunk_no),
                                        short_name_ + " " + title + " 联户长 " + Name(), Role::kLinkLeader,
                                        std::vector<int64_t>(households.begin() + static_cast<std::ptrdiff_t>(from),
                                                             households.begin() + static_cast<std::ptrdiff_t>(at))});
                    }
                }
            }
        }
    }

    /// `n` neighbouring households cut into groups of 10 to 30 (about 15-25), in order; a unit of
    /// fewer than 10 is one small group.
    std::vector<size_t> ChunkSizes(size_t n) {
        if (n == 0) {
            return {};
        }
        const size_t target = static_cast<size_t>(Uniform(15, 25));
        size_t k = (n + target - 1) / target;
        k = std::max(k, (n + kMaxLinkHouseholds - 1) / kMaxLinkHouseholds);
        k = std::max<size_t>(1, std::min(k, n / kMinLinkHouseholds));
        std::vector<size_t> sizes(k, n / k);
        for (size_t i = 0; i < n % k; ++i) {
            ++sizes[i];
        }
        return sizes;
    }

    /// `count` distinct indices drawn from [from, to), ascending.
    std::vector<size_t> Draw(size_t from, size_t to, int count) {
        std::vector<size_t> pool;
        for (size_t i = from; i < to; ++i) {
            pool.push_back(i);
        }
        std::shuffle(pool.begin(), pool.end(), rng_);
        pool.resize(std::min(pool.size(), static_cast<size_t>(std::max(0, count))));
        std::sort(pool.begin(), pool.end());
        return pool;
    }

    static bool Contains(const std::vector<size_t>& sorted, size_t i) {
        return std::binary_search(sorted.begin(), sorted.end(), i);
    }

    std::string Name() {
        std::string name = kSurnames[static_cast<size_t>(Uniform(0, kSurnames.size() - 1))];
        name += kGiven[static_cast<size_t>(Uniform(0, kGiven.size() - 1))];
        if (Chance(0.7)) {
            name += kGiven[static_cast<size_t>(Uniform(0, kGiven.size() - 1))];
        }
        return name;
    }

    bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
    template <class A, class B>
    int Uniform(A lo, B hi) {
        return std::uniform_int_distribution<int>(static_cast<int>(lo), static_cast<int>(hi))(rng_);
    }

    static constexpr size_t kDemoLinkHouseholds = 20;
    static constexpr size_t kMinLinkHouseholds = 10;
    static constexpr size_t kMaxLinkHouseholds = 30;

    const CommunityPlan& plan_;
    const std::vector<LoadedGrid>& grids_;
    std::mt19937_64 rng_;
    std::string short_name_;
    std::vector<CarerPlan> out_;
};

}  // namespace

std::vector<CarerPlan> PlanCarers(const CommunityPlan& plan, const std::vector<LoadedGrid>& grids, uint64_t seed) {
    return CarerPlanner(plan, grids, seed).Run();
}

std::vector<CommunityPlan> DemoCommunities() {
    CommunityPlan qinghe;
    qinghe.name = "青和居社区";
    qinghe.key = "qhj";
    qinghe.grids = 15;
    qinghe.buildings = 19;
    qinghe.units_per_building = 3;
    qinghe.households = 5235;
    qinghe.residents = 6100;
    qinghe.floating_share = 0.08;
    qinghe.elderly_share = 0.18;
    qinghe.home_region = "110108";
    qinghe.low_income_share = 0.06;
    qinghe.public_rental = true;
    qinghe.grids_without_worker = 0;
    qinghe.buildings_without_head = 1;
    qinghe.max_buildings_per_head = 1;
    qinghe.link_leader_share = 0.97;

    CommunityPlan liutang;
    liutang.name = "流塘社区";
    liutang.key = "lt";
    liutang.grids = 20;
    liutang.buildings = 792;
    liutang.units_per_building = 1;
    liutang.households = 792 * 44;
    liutang.residents = 62932;
    liutang.floating_share = 0.85;
    liutang.elderly_share = 0.04;
    liutang.home_region = "440306";
    liutang.low_income_share = 0.01;
    liutang.grids_without_worker = 1;
    liutang.buildings_without_head = 119;  // about 15% of 792
    liutang.max_buildings_per_head = 3;
    liutang.link_leader_share = 0.5;
    return {qinghe, liutang};
}

std::vector<GridPopulation> GeneratePopulation(const CommunityPlan& plan, const std::string& today, uint64_t seed) {
    return Generator(plan, today, seed).Run();
}

}  // namespace linli::app
