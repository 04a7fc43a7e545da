#pragma once
/// The synthetic population of the demo city, modelled on the reports in seeds/: deterministic
/// (a fixed seed), with valid ID numbers, believable ages, household sizes and care tags.
/// Pure generation: it returns import rows; demo.cpp loads them through the register's import.

#include <cstdint>
#include <string>
#include <vector>

#include "modules/registry/resident_model.hpp"

namespace linli::app {

/// One grid's buildings and the people living there.
struct GridPopulation {
    std::string grid_name;                  // "第1网格"
    std::vector<registry::ImportRow> rows;  // building, unit and room name the household
};

struct CommunityPlan {
    std::string name;              // "青和居社区"
    int grids = 0;
    int buildings = 0;
    int units_per_building = 1;
    int households = 0;            // spread over the buildings in order
    int residents = 0;             // exact total
    double floating_share = 0;     // share of floating (流动) population
    double elderly_share = 0;      // share aged 65 and over
    std::string home_region;       // region code of the registered population
    double low_income_share = 0;
    bool public_rental = false;    // households rent from the state (公租房) rather than own or rent privately
};

/// 青和居 (public rental, Qinghe: 15 grids, 19 buildings, 5,235 households, ~6,100 people) and
/// 流塘 (urban village, Liutang: 792 rental buildings, 62,932 people, mostly floating).
std::vector<CommunityPlan> DemoCommunities();

/// The people of `plan`, grid by grid. `today` ("YYYY-MM-DD") anchors ages; `seed` makes it repeatable.
std::vector<GridPopulation> GeneratePopulation(const CommunityPlan& plan, const std::string& today, uint64_t seed);

}  // namespace linli::app
