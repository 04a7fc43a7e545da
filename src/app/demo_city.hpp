#pragma once
/// The synthetic population of the demo city, modelled on the reports in seeds/: deterministic
/// (a fixed seed), with valid ID numbers, believable ages, household sizes and care tags.
/// Pure generation: it returns import rows; demo.cpp loads them through the register's import.

#include <cstdint>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "modules/registry/resident_model.hpp"

namespace linli::app {

/// One grid's buildings and the people living there.
struct GridPopulation {
    std::string grid_name;                  // "第1网格"
    std::vector<registry::ImportRow> rows;  // building, unit and room name the household
};

struct CommunityPlan {
    std::string name;  // "青和居社区"
    std::string key;   // "qhj": in usernames and the demo's node keys
    int grids = 0;
    int buildings = 0;
    int units_per_building = 1;
    int households = 0;         // spread over the buildings in order
    int residents = 0;          // exact total
    double floating_share = 0;  // share of floating (流动) population
    double elderly_share = 0;   // share aged 65 and over
    std::string home_region;    // region code of the registered population
    double low_income_share = 0;
    bool public_rental = false;  // households rent from the state (公租房) rather than own or rent privately

    // The people who look after people, as the reports describe them, with gaps on purpose.
    int grids_without_worker = 0;  // a vacant post shows in the coverage report
    int buildings_without_head = 0;
    int max_buildings_per_head = 1;  // in urban villages one head (often the landlord) minds 1-3 small buildings
    double link_leader_share = 0;    // share of households with a link leader (联户长)
};

/// 青和居 (public rental, Qinghe: 15 grids, 19 buildings, 5,235 households, ~6,100 people) and
/// 流塘 (urban village, Liutang: 792 rental buildings, 62,932 people, mostly floating).
std::vector<CommunityPlan> DemoCommunities();

/// One community's territory as loaded: grids in order, their buildings in order, each building's
/// units in order, each unit's households in room order (territory node ids).
struct LoadedBuilding {
    int64_t id = 0;
    std::string name;                         // "17号楼"
    std::vector<std::vector<int64_t>> units;  // household ids per unit
    std::vector<std::string> unit_names;      // "1单元"
};
struct LoadedGrid {
    int64_t id = 0;
    std::string name;  // "第1网格"
    std::vector<LoadedBuilding> buildings;
};

/// One carer: an account to create (unless it is one of the demo's own) and what it looks after.
struct CarerPlan {
    std::string username;           // grid_qhj_02, head_lt_b17, link_qhj_b3u2_4
    std::string display_name;       // "流塘 17-19号楼 楼栋长 陈国华(房东)"
    Role role = Role::kGridWorker;  // grid_worker, building_head or link_leader
    std::vector<int64_t> node_ids;  // the grid, 1-3 buildings, or 10-30 neighbouring households
};

/// Grid workers, building heads and link leaders for `plan`'s loaded territory, deterministic for
/// `seed`. In 青和居 the demo's own accounts keep their posts: grid_qhj_01 on grid 1, head_qhj_b1 on
/// building 1, link_qhj_u1 on the first 20 households of building 1's unit 1; grid_lt_01 on 流塘's grid 1.
std::vector<CarerPlan> PlanCarers(const CommunityPlan& plan, const std::vector<LoadedGrid>& grids, uint64_t seed);

/// The people of `plan`, grid by grid. `today` ("YYYY-MM-DD") anchors ages; `seed` makes it repeatable.
std::vector<GridPopulation> GeneratePopulation(const CommunityPlan& plan, const std::string& today, uint64_t seed);

}  // namespace linli::app
