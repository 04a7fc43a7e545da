// Prepares the import benchmark: a fresh database with 和平街道 › 流塘社区 › 第1网格, and the
// 62,932 residents of the demo's 流塘 as a residents CSV. Prints the grid's node id.
// Usage: make_import_fixture DB_PATH CSV_PATH
#include <fstream>
#include <iostream>

#include "app/app.hpp"
#include "app/demo_city.hpp"
#include "core/clock.hpp"
#include "modules/accounts/service.hpp"
#include "modules/ledger/table_writer.hpp"
#include "modules/registry/service.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: make_import_fixture DB_PATH CSV_PATH\n";
        return 2;
    }
    using namespace linli;
    app::Config config;
    config.db = std::string("sqlite:") + argv[1];
    auto db = app::OpenDatabase(config);
    if (!db) {
        std::cerr << db.error().message << "\n";
        return 1;
    }
    SystemClock clock;
    registry::RegistryService territory(**db, clock);
    auto system = accounts::AccountsService::SystemActor("bench");
    RequestInfo info{"bench", "local"};
    std::optional<int64_t> parent;
    const std::pair<registry::NodeKind, const char*> path[] = {{registry::NodeKind::kSubdistrict, "和平街道"},
                                                                {registry::NodeKind::kCommunity, "流塘社区"},
                                                                {registry::NodeKind::kGrid, "第1网格"}};
    for (const auto& [kind, name] : path) {
        auto node = territory.Create(system, registry::NewNode{parent, kind, name, std::nullopt}, info);
        if (!node) {
            std::cerr << node.error().message << "\n";
            return 1;
        }
        parent = node->id;
    }
    auto plan = app::DemoCommunities()[1];
    plan.grids = 1;  // the whole community in one grid: one file, one import
    auto grids = app::GeneratePopulation(plan, "2026-11-22", 7);
    ledger::Table table;
    table.header = {"姓名", "身份证号", "联系电话", "楼栋", "单元", "房号", "与户主关系", "户籍类型", "居住类型", "标签"};
    for (const auto& r : grids[0].rows) {
        table.rows.push_back(
            {r.line, {r.name, r.id_number, r.phone, r.building, r.unit, r.room, r.relation, r.hukou, r.tenure, r.tags}});
    }
    std::ofstream(argv[2], std::ios::binary) << ledger::WriteCsv(table);
    (*db)->Close();
    std::cout << *parent << "\n";
    return 0;
}
