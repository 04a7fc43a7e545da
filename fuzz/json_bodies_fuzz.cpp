// Fuzz target: the JSON body of every route that takes one. The input is
//
//     METHOD PATTERN [ROLE]\n
//     BODY
//
// e.g. "POST /api/v1/orders/{id}/reply grid_worker\n{\"text\":\"…\"}". The route is the router's
// own (an unknown first line picks one of the routes that take bodies by its hash); {params} become
// 1, which names a record of each kind FuzzApp made. The body goes through the pipeline to the
// handler's JsonObjectReader-based decoder and on to the service when it decodes.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <regex>
#include <string>
#include <string_view>

#include "fuzz/fuzz_app.hpp"
#include "http/router.hpp"

namespace {

using linli::http::Method;

std::vector<const linli::http::Route*> BodyRoutes() {
    std::vector<const linli::http::Route*> out;
    for (const auto& r : linli::fuzz::FuzzApp::Get().app().router().routes()) {
        if (r.method == Method::kPost || r.method == Method::kPut || r.method == Method::kPatch) {
            out.push_back(&r);
        }
    }
    return out;
}

std::string FillParams(const std::string& pattern) {
    static const std::regex param("\\{[^}/]*\\}");
    return std::regex_replace(pattern, param, "1");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto& app = linli::fuzz::FuzzApp::Get();
    static const std::vector<const linli::http::Route*> routes = BodyRoutes();

    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t newline = input.find('\n');
    const std::string_view head = input.substr(0, newline);
    const std::string_view body = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

    // "METHOD PATTERN [ROLE]"
    const size_t sp1 = head.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? std::string_view::npos : head.find(' ', sp1 + 1);
    const std::string_view method = head.substr(0, sp1);
    const std::string_view pattern =
        sp1 == std::string_view::npos ? std::string_view{} : head.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view role = sp2 == std::string_view::npos ? std::string_view{} : head.substr(sp2 + 1);

    const linli::http::Route* route = nullptr;
    for (const auto* r : routes) {
        if (r->pattern == pattern && linli::http::MethodName(r->method) == method) {
            route = r;
            break;
        }
    }
    if (route == nullptr) {
        route = routes[std::hash<std::string_view>{}(head) % routes.size()];
    }

    linli::http::Request req;
    req.method = route->method;
    req.target = req.path = FillParams(route->pattern);
    req.headers = {{"content-type", "application/json"}};
    if (!role.empty()) {
        req.headers.emplace_back("x-fuzz-role", std::string(role));
    }
    req.body = std::string(body);
    req.remote_addr = "127.0.0.1";
    auto res = app.Handle(req);
    linli::fuzz::CheckResponse(req, res);
    return 0;
}
