#include "modules/registry/service.hpp"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/crypto.hpp"
#include "core/territory_path.hpp"
#include "core/text.hpp"
#include "modules/accounts/audit.hpp"
#include "modules/registry/json.hpp"

namespace linli::registry {

namespace {

using storage::Conn;

constexpr std::string_view kNodeNotFound = "territory node not found";
constexpr std::string_view kCursorVersion = "v1";
constexpr size_t kMaxSearchChars = 100;
constexpr size_t kMaxScopeIds = 1000;

std::string KindLabel(NodeKind kind) {
    return std::string(NodeKindName(kind));
}

/// Trims and checks a one-line text field: valid UTF-8, no control characters, 1..max_chars
/// code points. Any script is fine, rare CJK (beyond the BMP) and the middle dot included.
Result<std::string> CleanLine(std::string_view raw, const std::string& field, size_t max_chars) {
    if (!text::IsValidUtf8(raw)) {
        return InvalidArgument(field, field + " must be valid UTF-8");
    }
    std::string s = text::Trim(raw);
    if (text::HasControlChars(s) || s.find_first_of("\t\r\n") != std::string::npos) {
        return InvalidArgument(field, field + " must be one line without control characters");
    }
    const size_t chars = text::CodePointCount(s);
    if (chars == 0) {
        return InvalidArgument(field, field + " must not be empty");
    }
    if (chars > max_chars) {
        return InvalidArgument(field, field + " must be at most " + std::to_string(max_chars) + " characters");
    }
    return s;
}

Result<std::optional<std::string>> CleanOptionalCode(const std::optional<std::string>& raw) {
    if (!raw) {
        return std::optional<std::string>();
    }
    LINLI_ASSIGN_OR_RETURN(auto code, CleanLine(*raw, "code", kMaxNodeCodeChars));
    return std::optional<std::string>(std::move(code));
}

/// "%<q>%" for LIKE over lower(name): ASCII lower-cased, and % _ \ escaped so they match literally.
std::string ContainsPattern(std::string_view q) {
    std::string pattern = "%";
    for (char ch : q) {
        if (ch == '%' || ch == '_' || ch == '\\') {
            pattern += '\\';
        }
        pattern += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    }
    pattern += '%';
    return pattern;
}

bool IsEditorRole(Role role) {
    return role == Role::kAdmin || role == Role::kSubdistrictLeader || role == Role::kCommunityStaff ||
           role == Role::kGridWorker;
}

bool GridWorkerMayEdit(NodeKind kind) {
    return kind == NodeKind::kBuilding || kind == NodeKind::kUnit || kind == NodeKind::kHousehold;
}

/// The role part of "may this actor create / change a node of this kind", before any look-up.
Result<void> CheckEditorRole(const Actor& actor, NodeKind kind) {
    if (!IsEditorRole(actor.role)) {
        return Forbidden("your role may not change the territory");
    }
    if (actor.Is(Role::kGridWorker) && !GridWorkerMayEdit(kind)) {
        return Forbidden("a grid worker may change only buildings, units and households");
    }
    return {};
}

/// "/1/5/23/" → "/1/5/"; a root's parent path is "/".
std::string ParentPath(std::string_view path) {
    auto trimmed = path.substr(0, path.size() - 1);
    return std::string(trimmed.substr(0, trimmed.rfind('/') + 1));
}

/// Scoped users change only what lies strictly below one of their scope nodes; roots are the
/// admin's. REQUIRES: `node` is visible to `actor`.
Result<void> CheckMayChange(const Actor& actor, const Node& node) {
    LINLI_TRY(CheckEditorRole(actor, node.kind));
    if (actor.global()) {
        return {};
    }
    if (!node.parent_id) {
        return Forbidden("only an administrator may change a root node");
    }
    if (!actor.CanSee(ParentPath(node.path))) {
        return Forbidden("you may change only the nodes below your scope nodes");
    }
    return {};
}

/// A sibling clash as the database reports it (a race lost past our own check) → 409 naming the field.
Error SiblingClash(const Error& e) {
    if (e.message.find("code") != std::string::npos) {
        return Conflict("a sibling node already has this code", "code");
    }
    return Conflict("a sibling node already has this name", "name");
}

Result<void> CheckSiblingsFree(const NodeRepository& repo, Conn& conn, std::optional<int64_t> parent_id,
                               const std::string& name, const std::optional<std::string>& code, int64_t except_id) {
    LINLI_ASSIGN_OR_RETURN(auto by_name, repo.FindSiblingByName(conn, parent_id, name, except_id));
    if (by_name) {
        return Conflict("a sibling node is already named \"" + name + "\"", "name");
    }
    if (code) {
        LINLI_ASSIGN_OR_RETURN(auto by_code, repo.FindSiblingByCode(conn, parent_id, *code, except_id));
        if (by_code) {
            return Conflict("a sibling node already has the code \"" + *code + "\"", "code");
        }
    }
    return {};
}

// ---- cursors: base64url("v1\n<sort>\n<id>\n<name>"); names never hold a newline --------------

std::string EncodeCursor(NodeSort sort, const Node& last) {
    const bool by_name = sort == NodeSort::kNameAsc || sort == NodeSort::kNameDesc;
    return linli::EncodeCursor(kCursorVersion, NodeSortName(sort), last.id, by_name ? std::string_view(last.name) : "");
}

Result<NodeKey> DecodeCursor(std::string_view cursor, NodeSort sort) {
    const bool by_name = sort == NodeSort::kNameAsc || sort == NodeSort::kNameDesc;
    LINLI_ASSIGN_OR_RETURN(auto decoded, linli::DecodeCursor(cursor, kCursorVersion, NodeSortName(sort), by_name));
    NodeKey key;
    key.id = decoded.id;
    key.name = std::move(decoded.name);
    return key;
}

/// The top-most of the actor's scope nodes: those not lying under another of them.
std::vector<int64_t> TopScopeIds(const Actor& actor) {
    std::vector<int64_t> ids;
    for (const auto& node : actor.scope) {
        const bool nested = std::any_of(actor.scope.begin(), actor.scope.end(), [&](const ScopeNode& other) {
            return other.path.size() < node.path.size() && node.path.starts_with(other.path);
        });
        if (!nested && std::find(ids.begin(), ids.end(), node.id) == ids.end()) {
            ids.push_back(node.id);
        }
    }
    return ids;
}

/// Turns the caller-facing query into the repository's filter, validating it.
Result<NodeFilter> BuildFilter(const Actor& actor, const NodeQuery& query) {
    if (query.parent_id && query.roots_only) {
        return InvalidArgument("parent_id", "give parent_id or ask for the roots, not both");
    }
    NodeFilter filter;
    filter.parent_id = query.parent_id;
    if (query.roots_only) {
        if (actor.global()) {
            filter.roots = true;
        } else {
            filter.only_ids = TopScopeIds(actor);
        }
    }
    filter.kind = query.kind;
    if (query.q) {
        if (!text::IsValidUtf8(*query.q) || text::HasControlChars(*query.q)) {
            return InvalidArgument("q", "q must be text without control characters");
        }
        std::string q = text::Trim(*query.q);
        if (text::CodePointCount(q) > kMaxSearchChars) {
            return InvalidArgument("q", "q must be at most " + std::to_string(kMaxSearchChars) + " characters");
        }
        if (!q.empty()) {
            filter.name_like = ContainsPattern(q);
        }
    }
    return filter;
}

}  // namespace

RegistryService::RegistryService(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<Node> RegistryService::FindVisibleOr404(Conn& conn, const Actor& actor, int64_t id, const char* field,
                                               ChildCount count) const {
    if (id > 0) {
        LINLI_ASSIGN_OR_RETURN(auto node, repo_.FindVisible(conn, actor, id, count));
        if (node) {
            return std::move(*node);
        }
    }
    // Missing and out of scope answer alike, to the byte: existence must not leak.
    return Error{ErrorCode::kNotFound, std::string(kNodeNotFound), field};
}

Result<Node> RegistryService::Get(const Actor& actor, int64_t id) {
    return db_.Read([&](Conn& conn) { return FindVisibleOr404(conn, actor, id, ""); });
}

Result<Page<Node>> RegistryService::List(const Actor& actor, const NodeQuery& query) {
    if (query.limit < 1 || query.limit > kMaxPageSize) {
        return InvalidArgument("limit", "limit must be between 1 and " + std::to_string(kMaxPageSize));
    }
    std::optional<NodeKey> after;
    if (query.cursor) {
        LINLI_ASSIGN_OR_RETURN(after, DecodeCursor(*query.cursor, query.sort));
    }
    LINLI_ASSIGN_OR_RETURN(auto filter, BuildFilter(actor, query));
    LINLI_ASSIGN_OR_RETURN(auto nodes, db_.Read([&](Conn& conn) -> Result<std::vector<Node>> {
        if (query.parent_id) {
            LINLI_TRY(FindVisibleOr404(conn, actor, *query.parent_id, "parent_id", ChildCount::kSkipped));
        }
        // One row more than asked tells whether another page follows.
        return repo_.List(conn, actor, filter, query.sort, after, query.limit + 1);
    }));
    Page<Node> page;
    if (nodes.size() > static_cast<size_t>(query.limit)) {
        nodes.resize(static_cast<size_t>(query.limit));
        page.next_cursor = EncodeCursor(query.sort, nodes.back());
    }
    page.items = std::move(nodes);
    return page;
}

Result<int64_t> RegistryService::Count(const Actor& actor, const NodeQuery& query) {
    LINLI_ASSIGN_OR_RETURN(auto filter, BuildFilter(actor, query));
    return db_.Read([&](Conn& conn) -> Result<int64_t> {
        if (query.parent_id) {
            LINLI_TRY(FindVisibleOr404(conn, actor, *query.parent_id, "parent_id", ChildCount::kSkipped));
        }
        return repo_.Count(conn, actor, filter);
    });
}

Result<std::vector<Node>> RegistryService::Ancestors(const Actor& actor, int64_t id) {
    return db_.Read([&](Conn& conn) -> Result<std::vector<Node>> {
        LINLI_ASSIGN_OR_RETURN(auto node, FindVisibleOr404(conn, actor, id, ""));
        // The scope filter in the query drops the ancestors above the actor's scope nodes.
        return repo_.FindManyVisible(conn, actor, PathIds(node.path));
    });
}

Result<Node> RegistryService::Create(const Actor& actor, const NewNode& input, const RequestInfo& info) {
    // Role first: nothing is looked up for a caller who may not write at all.
    LINLI_TRY(CheckEditorRole(actor, input.kind));
    if (!input.parent_id && !actor.global()) {
        return Forbidden("only an administrator may create a root node");
    }
    LINLI_ASSIGN_OR_RETURN(auto name, CleanLine(input.name, "name", kMaxNodeNameChars));
    LINLI_ASSIGN_OR_RETURN(auto code, CleanOptionalCode(input.code));
    if (!input.parent_id && !IsRootKind(input.kind)) {
        return InvalidArgument("kind",
                               "a root node must be a city, district or subdistrict, not a " + KindLabel(input.kind));
    }
    const int64_t now = clock_.Now();

    LINLI_ASSIGN_OR_RETURN(auto node, db_.Write([&](Conn& conn) -> Result<Node> {
        std::optional<Node> parent;
        if (input.parent_id) {
            LINLI_ASSIGN_OR_RETURN(auto p,
                                   FindVisibleOr404(conn, actor, *input.parent_id, "parent_id", ChildCount::kSkipped));
            const auto child_kind = ChildKindOf(p.kind);
            if (!child_kind) {
                return InvalidArgument("kind", "a household has no child nodes");
            }
            if (*child_kind != input.kind) {
                return InvalidArgument("kind", "a child of a " + KindLabel(p.kind) + " must be a " +
                                                   KindLabel(*child_kind) + ", not a " + KindLabel(input.kind));
            }
            parent = std::move(p);
        }
        LINLI_TRY(CheckSiblingsFree(repo_, conn, input.parent_id, name, code, 0));

        NodeInsert row;
        row.parent_id = input.parent_id;
        row.kind = input.kind;
        row.name = name;
        row.code = code;
        // The id, and so the path, is known only after the insert; the placeholder starts with '#',
        // outside every path range, and is random so concurrent inserts never wait on each other.
        row.provisional_path = "#" + crypto::RandomHex(16);
        row.depth = parent ? parent->depth + 1 : 0;
        row.community_id = parent ? parent->community_id : std::nullopt;
        row.now = now;
        auto id = repo_.Insert(conn, row);
        if (!id) {
            return id.error().code == ErrorCode::kConflict ? SiblingClash(id.error()) : id.error();
        }
        const std::string path = (parent ? parent->path : std::string("/")) + std::to_string(*id) + "/";
        const auto community_id = input.kind == NodeKind::kCommunity ? std::optional<int64_t>(*id) : row.community_id;
        LINLI_TRY(repo_.FinishInsert(conn, *id, path, community_id));

        LINLI_ASSIGN_OR_RETURN(auto created, repo_.FindById(conn, *id));
        if (!created) {
            return Internal("a node vanished inside its own transaction");
        }
        LINLI_TRY(accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "territory.create",
                                                                  "territory_node", *id, NodeAuditDetail(*created))));
        return std::move(*created);
    }));
    CachePath(node.id, node.path);
    return node;
}

Result<Node> RegistryService::Update(const Actor& actor, int64_t id, const NodePatch& patch, const RequestInfo& info) {
    if (!IsEditorRole(actor.role)) {
        return Forbidden("your role may not change the territory");
    }
    if (!patch.name && !patch.code) {
        return InvalidArgument("body", "nothing to update: give a name or a code");
    }
    std::optional<std::string> name;
    if (patch.name) {
        LINLI_ASSIGN_OR_RETURN(name, CleanLine(*patch.name, "name", kMaxNodeNameChars));
    }
    std::optional<std::optional<std::string>> code;
    if (patch.code) {
        LINLI_ASSIGN_OR_RETURN(code, CleanOptionalCode(*patch.code));
    }
    const int64_t now = clock_.Now();

    return db_.Write([&](Conn& conn) -> Result<Node> {
        LINLI_ASSIGN_OR_RETURN(auto before, FindVisibleOr404(conn, actor, id, ""));
        LINLI_TRY(CheckMayChange(actor, before));
        Node after = before;
        if (name) {
            after.name = *name;
        }
        if (code) {
            after.code = *code;
        }
        LINLI_TRY(CheckSiblingsFree(repo_, conn, before.parent_id, after.name,
                                    after.code != before.code ? after.code : std::nullopt, id));
        auto updated = repo_.UpdateText(conn, id, after.name, after.code, now);
        if (!updated) {
            return updated.error().code == ErrorCode::kConflict ? SiblingClash(updated.error()) : updated.error();
        }
        LINLI_ASSIGN_OR_RETURN(auto stored, repo_.FindById(conn, id));
        if (!stored) {
            return Internal("a node vanished inside its own transaction");
        }
        LINLI_TRY(
            accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "territory.update", "territory_node", id,
                                                            NodeUpdateAuditDetail(before, *stored))));
        return std::move(*stored);
    });
}

Result<void> RegistryService::Delete(const Actor& actor, int64_t id, const RequestInfo& info) {
    if (!IsEditorRole(actor.role)) {
        return Forbidden("your role may not change the territory");
    }
    const int64_t now = clock_.Now();
    auto deleted = db_.Write([&](Conn& conn) -> Result<void> {
        // Scope before role: a grid worker asking for a node outside their grid gets the same 404 as
        // everyone, and a 403 only for nodes they can see anyway.
        LINLI_ASSIGN_OR_RETURN(auto node, FindVisibleOr404(conn, actor, id, ""));
        if (actor.Is(Role::kGridWorker)) {
            return Forbidden("a grid worker may not delete territory nodes");
        }
        LINLI_TRY(CheckMayChange(actor, node));
        LINLI_ASSIGN_OR_RETURN(bool has_children, repo_.HasChildren(conn, id));
        if (has_children) {
            return Conflict("node has children");
        }
        auto removed = repo_.Delete(conn, id);
        if (!removed) {
            // A foreign key from another module's records (a user's scope, a household's address).
            if (removed.error().code == ErrorCode::kInvalidArgument || removed.error().code == ErrorCode::kConflict) {
                return Conflict("node is still referenced by other records");
            }
            return removed.error();
        }
        return accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "territory.delete", "territory_node",
                                                               id, NodeAuditDetail(node)));
    });
    if (!deleted) {
        return deleted.error();
    }
    std::unique_lock lock(cache_mu_);
    path_cache_.erase(id);
    return {};
}

Result<std::vector<ScopeNode>> RegistryService::ResolveScope(const std::vector<int64_t>& ids) {
    if (ids.size() > kMaxScopeIds) {
        return InvalidArgument("scope_node_ids", "at most " + std::to_string(kMaxScopeIds) + " scope nodes");
    }
    std::vector<int64_t> unique_ids;
    std::unordered_set<int64_t> seen;
    for (int64_t id : ids) {
        if (id <= 0) {
            return InvalidArgument("scope_node_ids", "unknown territory node " + std::to_string(id));
        }
        if (seen.insert(id).second) {
            unique_ids.push_back(id);
        }
    }

    // Answer from what this call saw, so a concurrent Delete emptying the cache cannot race us.
    std::unordered_map<int64_t, std::string> paths;
    std::vector<int64_t> misses;
    {
        std::shared_lock lock(cache_mu_);
        for (int64_t id : unique_ids) {
            auto it = path_cache_.find(id);
            if (it == path_cache_.end()) {
                misses.push_back(id);
            } else {
                paths.emplace(id, it->second);
            }
        }
    }
    if (!misses.empty()) {
        LINLI_ASSIGN_OR_RETURN(auto found, db_.Read([&](Conn& conn) { return repo_.Paths(conn, misses); }));
        std::unique_lock lock(cache_mu_);
        for (auto& [id, path] : found) {
            path_cache_.insert_or_assign(id, path);
            paths.emplace(id, std::move(path));
        }
    }
    std::vector<ScopeNode> out;
    out.reserve(unique_ids.size());
    for (int64_t id : unique_ids) {
        auto it = paths.find(id);
        if (it == paths.end()) {
            return InvalidArgument("scope_node_ids", "unknown territory node " + std::to_string(id));
        }
        out.push_back(ScopeNode{id, std::move(it->second)});
    }
    return out;
}

void RegistryService::CachePath(int64_t id, const std::string& path) {
    std::unique_lock lock(cache_mu_);
    path_cache_.insert_or_assign(id, path);
}

}  // namespace linli::registry
