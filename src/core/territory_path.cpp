#include "core/territory_path.hpp"

#include <charconv>

namespace linli {

std::vector<int64_t> PathIds(std::string_view path) {
    std::vector<int64_t> ids;
    size_t pos = 1;
    while (pos < path.size()) {
        const size_t next = path.find('/', pos);
        if (next == std::string_view::npos) {
            break;
        }
        int64_t id = 0;
        auto [end, ec] = std::from_chars(path.data() + pos, path.data() + next, id);
        if (ec == std::errc() && end == path.data() + next) {
            ids.push_back(id);
        }
        pos = next + 1;
    }
    return ids;
}

}  // namespace linli
