#include "http/router.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace linli::http {

bool AccessRule::Allows(Role r) const {
    // Only the listed roles: an admin who should pass must be listed too, so each route states it.
    return roles.empty() || std::find(roles.begin(), roles.end(), r) != roles.end();
}

namespace {

/// Splits "/a/b/" into "", "a", "b", "" one segment at a time without allocating.
class SegmentCursor {
public:
    explicit SegmentCursor(std::string_view s) : rest_(s) {}
    bool Next(std::string_view& out) {
        if (done_) {
            return false;
        }
        size_t slash = rest_.find('/');
        if (slash == std::string_view::npos) {
            out = rest_;
            done_ = true;
        } else {
            out = rest_.substr(0, slash);
            rest_.remove_prefix(slash + 1);
        }
        return true;
    }

private:
    std::string_view rest_;
    bool done_ = false;
};

bool IsCapture(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

/// Matches `path` against `pattern`. On success returns true and a specificity score whose higher
/// bits stand for earlier segments: a literal segment sets its bit, so at the first segment where two
/// matching patterns differ, the literal one has the larger score.
bool MatchPattern(std::string_view pattern, std::string_view path, uint64_t& score) {
    SegmentCursor pat(pattern);
    SegmentCursor got(path);
    std::string_view p;
    std::string_view g;
    score = 0;
    int index = 0;
    while (true) {
        bool has_p = pat.Next(p);
        bool has_g = got.Next(g);
        if (!has_p || !has_g) {
            return has_p == has_g;
        }
        if (IsCapture(p)) {
            if (g.empty()) {
                return false;  // "{id}" never captures nothing: "/nodes/" is not "/nodes/{id}"
            }
        } else {
            if (p != g) {
                return false;
            }
            if (index < 64) {
                score |= uint64_t{1} << (63 - index);
            }
        }
        ++index;
    }
}

void CaptureParams(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string, std::less<>>& out) {
    SegmentCursor pat(pattern);
    SegmentCursor got(path);
    std::string_view p;
    std::string_view g;
    while (pat.Next(p) && got.Next(g)) {
        if (IsCapture(p)) {
            out.emplace(std::string(p.substr(1, p.size() - 2)), std::string(g));
        }
    }
}

/// "/a/{id}/b" → "/a/{}/b": two patterns with the same shape would match the same paths.
std::string Shape(std::string_view pattern) {
    std::string out;
    SegmentCursor cur(pattern);
    std::string_view seg;
    bool first = true;
    while (cur.Next(seg)) {
        if (!first) {
            out += '/';
        }
        first = false;
        out += IsCapture(seg) ? std::string_view("{}") : seg;
    }
    return out;
}

void ValidatePattern(std::string_view pattern) {
    if (pattern.empty() || pattern.front() != '/') {
        throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
    }
    SegmentCursor cur(pattern);
    std::string_view seg;
    std::vector<std::string_view> names;
    while (cur.Next(seg)) {
        bool has_brace = seg.find_first_of("{}") != std::string_view::npos;
        if (!has_brace) {
            continue;
        }
        if (!IsCapture(seg) || seg.substr(1, seg.size() - 2).find_first_of("{}") != std::string_view::npos) {
            throw std::invalid_argument("a {name} must be a whole segment: " + std::string(pattern));
        }
        std::string_view name = seg.substr(1, seg.size() - 2);
        if (std::find(names.begin(), names.end(), name) != names.end()) {
            throw std::invalid_argument("duplicate capture name in route: " + std::string(pattern));
        }
        names.push_back(name);
    }
}

size_t SegmentCount(std::string_view path) {
    return static_cast<size_t>(std::count(path.begin(), path.end(), '/')) + 1;
}

bool MethodServes(Method route_method, Method requested) {
    // HEAD is GET without the body (RFC 9110 §9.3.2); the server drops the body.
    return route_method == requested || (requested == Method::kHead && route_method == Method::kGet);
}

}  // namespace

void Router::Add(Method method, std::string pattern, AccessRule access, Handler handler, std::string summary) {
    ValidatePattern(pattern);
    if (!handler) {
        throw std::invalid_argument("route without a handler: " + pattern);
    }
    std::string shape = Shape(pattern);
    for (const Route& r : routes_) {
        if (r.method == method && Shape(r.pattern) == shape) {
            throw std::logic_error("duplicate route: " + std::string(MethodName(method)) + " " + pattern +
                                   " (already " + r.pattern + ")");
        }
    }
    segments_.push_back(SegmentCount(pattern));
    routes_.push_back(Route{method, std::move(pattern), std::move(access), std::move(handler), std::move(summary)});
}

void Router::SetBodyLimit(Method method, std::string_view pattern, size_t limit) {
    for (Route& r : routes_) {
        if (r.method == method && r.pattern == pattern) {
            r.body_limit = limit;
            return;
        }
    }
    throw std::logic_error("no route " + std::string(MethodName(method)) + " " + std::string(pattern));
}

std::vector<Method> Router::AllowedMethods(std::string_view path) const {
    std::vector<Method> allowed;
    auto add = [&](Method m) {
        if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) {
            allowed.push_back(m);
        }
    };
    uint64_t score = 0;
    for (const Route& r : routes_) {
        if (MatchPattern(r.pattern, path, score)) {
            add(r.method);
            if (r.method == Method::kGet) {
                add(Method::kHead);
            }
        }
    }
    std::sort(allowed.begin(), allowed.end());
    return allowed;
}

Result<Router::Match> Router::Find(Method method, std::string_view path) const {
    const Route* best = nullptr;
    uint64_t best_score = 0;
    bool path_known = false;
    uint64_t score = 0;
    // Every request walks the routes: skip at once those with another number of segments, which
    // are most of them (all share "/api/v1/", where a full comparison would first look).
    const size_t segments = SegmentCount(path);
    for (size_t i = 0; i < routes_.size(); ++i) {
        const Route& r = routes_[i];
        if (segments_[i] != segments || !MatchPattern(r.pattern, path, score)) {
            continue;
        }
        path_known = true;
        if (!MethodServes(r.method, method)) {
            continue;
        }
        // An explicit HEAD route beats the GET route of the same shape.
        bool better = best == nullptr || score > best_score ||
                      (score == best_score && r.method == method && best->method != method);
        if (better) {
            best = &r;
            best_score = score;
        }
    }
    if (best == nullptr) {
        if (!path_known) {
            return NotFound("no such route");
        }
        std::string list;
        for (Method m : AllowedMethods(path)) {
            if (!list.empty()) {
                list += ", ";
            }
            list += MethodName(m);
        }
        return Error{ErrorCode::kMethodNotAllowed,
                     "method " + std::string(MethodName(method)) + " not allowed; allowed: " + list,
                     {}};
    }
    Match match;
    match.route = best;
    CaptureParams(best->pattern, path, match.params);
    return match;
}

}  // namespace linli::http
