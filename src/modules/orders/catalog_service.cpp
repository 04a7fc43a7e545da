#include "modules/orders/catalog_service.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "modules/accounts/audit.hpp"
#include "modules/orders/validate.hpp"

namespace linli::orders {

namespace {

using storage::Conn;

Result<void> RequireAdmin(const Actor& actor) {
    if (!actor.global()) {
        return Forbidden("only an administrator may change categories and handling units");
    }
    return {};
}

bool MayListUnits(const Actor& actor) {
    return actor.global() || actor.Is(Role::kSubdistrictLeader) || actor.Is(Role::kCommunityStaff) ||
           actor.Is(Role::kGridWorker);
}

Result<std::string> CleanCode(std::string_view raw) {
    if (raw.size() < 2 || raw.size() > 40) {
        return InvalidArgument("code", "code must be 2 to 40 characters");
    }
    for (char ch : raw) {
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
            return InvalidArgument("code", "code may hold only a-z, 0-9 and _");
        }
    }
    return std::string(raw);
}

Result<void> CheckDeadline(const Deadline& d, std::string_view prefix) {
    if (d.hours < 0 || d.hours > kMaxDeadlineHours) {
        return InvalidArgument(std::string(prefix) + "_hours",
                               std::string(prefix) + "_hours must be 0.." + std::to_string(kMaxDeadlineHours));
    }
    if (d.hours == 0 && d.kind != DeadlineKind::kSameDay) {
        return InvalidArgument(std::string(prefix) + "_hours",
                               std::string(prefix) + "_hours must be at least 1 unless the kind is same_day");
    }
    return {};
}

std::string CategoryDetail(const Category& c) {
    return boost::json::serialize(boost::json::object{
        {"code", c.code},
        {"name_zh", c.name_zh},
        {"accept", std::to_string(c.accept.hours) + " " + std::string(NameOf(kDeadlineKinds, c.accept.kind))},
        {"resolve", std::to_string(c.resolve.hours) + " " + std::string(NameOf(kDeadlineKinds, c.resolve.kind))},
        {"default_handler", NameOf(kDefaultHandlers, c.default_handler)},
        {"active", c.active},
    });
}

std::string UnitDetail(const HandlingUnit& u) {
    return boost::json::serialize(
        boost::json::object{{"name", u.name}, {"kind", NameOf(kUnitKinds, u.kind)}, {"active", u.active}});
}

Error NameTaken(const Error& e, const char* field, const char* what) {
    if (e.code == ErrorCode::kConflict) {
        return Conflict(std::string(what) + " is already taken", field);
    }
    return e;
}

}  // namespace

CatalogService::CatalogService(storage::Database& db, const Clock& clock, accounts::AccountsService& accounts)
    : db_(db), clock_(clock), accounts_(accounts) {}

// ---- categories --------------------------------------------------------------------------------

Result<std::shared_ptr<const CatalogService::CategorySnapshot>> CatalogService::Snapshot() {
    const int64_t now = clock_.Now();
    {
        std::lock_guard lock(cache_mu_);
        if (categories_ && now - categories_->loaded_at < kCategoryCacheSeconds && now >= categories_->loaded_at) {
            return categories_;
        }
    }
    LINLI_ASSIGN_OR_RETURN(auto all, db_.Read([&](Conn& c) { return repo_.ListCategories(c, true); }));
    auto snapshot = std::make_shared<CategorySnapshot>();
    snapshot->loaded_at = now;
    snapshot->all = std::move(all);
    std::lock_guard lock(cache_mu_);
    categories_ = snapshot;
    return std::shared_ptr<const CategorySnapshot>(std::move(snapshot));
}

void CatalogService::ForgetCategories() {
    std::lock_guard lock(cache_mu_);
    categories_.reset();
}

Result<std::optional<Category>> CatalogService::AnyCategory(int64_t id) {
    LINLI_ASSIGN_OR_RETURN(auto snapshot, Snapshot());
    for (const auto& c : snapshot->all) {
        if (c.id == id) {
            return std::optional<Category>(c);
        }
    }
    // Created through another instance since the snapshot: ask the database once.
    return db_.Read([&](Conn& c) { return repo_.FindCategory(c, id); });
}

Result<std::optional<Category>> CatalogService::ActiveCategory(int64_t id) {
    LINLI_ASSIGN_OR_RETURN(auto found, AnyCategory(id));
    if (found && !found->active) {
        return std::optional<Category>();
    }
    return found;
}

Result<std::vector<Category>> CatalogService::ListCategories(const Actor& actor, bool include_inactive) {
    if (include_inactive) {
        LINLI_TRY(RequireAdmin(actor));
    }
    return db_.Read([&](Conn& c) { return repo_.ListCategories(c, include_inactive); });
}

Result<Category> CatalogService::GetCategory(const Actor&, int64_t id) {
    LINLI_ASSIGN_OR_RETURN(auto found, db_.Read([&](Conn& c) { return repo_.FindCategory(c, id); }));
    if (!found) {
        return NotFound("order category not found");
    }
    return std::move(*found);
}

Result<Category> CatalogService::CreateCategory(const Actor& actor, const NewCategory& input, const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    NewCategory c = input;
    LINLI_ASSIGN_OR_RETURN(c.code, CleanCode(input.code));
    LINLI_ASSIGN_OR_RETURN(c.name_zh, CleanLine(input.name_zh, "name_zh", kMaxCategoryNameChars));
    LINLI_ASSIGN_OR_RETURN(c.name_en, CleanLine(input.name_en, "name_en", kMaxCategoryNameChars));
    LINLI_TRY(CheckDeadline(c.accept, "accept"));
    LINLI_TRY(CheckDeadline(c.resolve, "resolve"));
    const int64_t now = clock_.Now();
    auto created = db_.Write([&](Conn& conn) -> Result<Category> {
        if (c.default_unit_id) {
            LINLI_ASSIGN_OR_RETURN(auto unit, repo_.FindUnit(conn, *c.default_unit_id));
            if (!unit) {
                return InvalidArgument("default_unit_id", "no such handling unit");
            }
        }
        auto id = repo_.InsertCategory(conn, c, now);
        if (!id) {
            return NameTaken(id.error(), "code", "this code");
        }
        LINLI_ASSIGN_OR_RETURN(auto stored, repo_.FindCategory(conn, *id));
        LINLI_TRY(accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "order_category.create",
                                                                  "order_category", *id, CategoryDetail(*stored))));
        return std::move(*stored);
    });
    ForgetCategories();
    return created;
}

Result<Category> CatalogService::UpdateCategory(const Actor& actor, int64_t id, const CategoryPatch& patch,
                                                const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    std::optional<std::string> name_zh, name_en;
    if (patch.name_zh) {
        LINLI_ASSIGN_OR_RETURN(name_zh, CleanLine(*patch.name_zh, "name_zh", kMaxCategoryNameChars));
    }
    if (patch.name_en) {
        LINLI_ASSIGN_OR_RETURN(name_en, CleanLine(*patch.name_en, "name_en", kMaxCategoryNameChars));
    }
    const int64_t now = clock_.Now();
    auto updated = db_.Write([&](Conn& conn) -> Result<Category> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindCategory(conn, id));
        if (!found) {
            return NotFound("order category not found");
        }
        Category c = *found;
        if (name_zh) {
            c.name_zh = *name_zh;
        }
        if (name_en) {
            c.name_en = *name_en;
        }
        if (patch.accept) {
            c.accept = *patch.accept;
        }
        if (patch.resolve) {
            c.resolve = *patch.resolve;
        }
        if (patch.default_handler) {
            c.default_handler = *patch.default_handler;
        }
        if (patch.default_unit_id) {
            c.default_unit_id = *patch.default_unit_id;
        }
        if (patch.active) {
            c.active = *patch.active;
        }
        if (patch.sort_order) {
            c.sort_order = *patch.sort_order;
        }
        LINLI_TRY(CheckDeadline(c.accept, "accept"));
        LINLI_TRY(CheckDeadline(c.resolve, "resolve"));
        if (c.default_unit_id && c.default_unit_id != found->default_unit_id) {
            LINLI_ASSIGN_OR_RETURN(auto unit, repo_.FindUnit(conn, *c.default_unit_id));
            if (!unit) {
                return InvalidArgument("default_unit_id", "no such handling unit");
            }
        }
        c.updated_at = now;
        LINLI_TRY(repo_.UpdateCategory(conn, c));
        LINLI_TRY(accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "order_category.update",
                                                                  "order_category", id, CategoryDetail(c))));
        return c;
    });
    ForgetCategories();
    return updated;
}

// ---- handling units ----------------------------------------------------------------------------

Result<std::vector<HandlingUnit>> CatalogService::ListUnits(const Actor& actor, bool include_inactive) {
    if (!MayListUnits(actor)) {
        return Forbidden("your role may not list handling units");
    }
    return db_.Read([&](Conn& c) { return repo_.ListUnits(c, include_inactive); });
}

Result<HandlingUnit> CatalogService::GetUnit(const Actor& actor, int64_t id) {
    if (!MayListUnits(actor)) {
        return Forbidden("your role may not read handling units");
    }
    LINLI_ASSIGN_OR_RETURN(auto found, db_.Read([&](Conn& c) { return repo_.FindUnit(c, id); }));
    if (!found) {
        return NotFound("handling unit not found");
    }
    return std::move(*found);
}

Result<HandlingUnit> CatalogService::CreateUnit(const Actor& actor, const NewUnit& input, const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    NewUnit u = input;
    LINLI_ASSIGN_OR_RETURN(u.name, CleanLine(input.name, "name", kMaxUnitNameChars));
    LINLI_ASSIGN_OR_RETURN(u.contact, CleanLine(input.contact, "contact", 100, true));
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<HandlingUnit> {
        auto id = repo_.InsertUnit(conn, u, now);
        if (!id) {
            return NameTaken(id.error(), "name", "this name");
        }
        LINLI_ASSIGN_OR_RETURN(auto stored, repo_.FindUnit(conn, *id));
        LINLI_TRY(accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "handling_unit.create",
                                                                  "handling_unit", *id, UnitDetail(*stored))));
        return std::move(*stored);
    });
}

Result<HandlingUnit> CatalogService::UpdateUnit(const Actor& actor, int64_t id, const UnitPatch& patch,
                                                const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    std::optional<std::string> name, contact;
    if (patch.name) {
        LINLI_ASSIGN_OR_RETURN(name, CleanLine(*patch.name, "name", kMaxUnitNameChars));
    }
    if (patch.contact) {
        LINLI_ASSIGN_OR_RETURN(contact, CleanLine(*patch.contact, "contact", 100, true));
    }
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<HandlingUnit> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindUnit(conn, id));
        if (!found) {
            return NotFound("handling unit not found");
        }
        HandlingUnit u = *found;
        if (name) {
            u.name = *name;
        }
        if (contact) {
            u.contact = *contact;
        }
        if (patch.kind) {
            u.kind = *patch.kind;
        }
        if (patch.active) {
            u.active = *patch.active;
        }
        u.updated_at = now;
        auto done = repo_.UpdateUnit(conn, u);
        if (!done) {
            return NameTaken(done.error(), "name", "this name");
        }
        LINLI_TRY(accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "handling_unit.update", "handling_unit", id, UnitDetail(u))));
        return u;
    });
}

Result<void> CatalogService::DeleteUnit(const Actor& actor, int64_t id, const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindUnit(conn, id));
        if (!found) {
            return NotFound("handling unit not found");
        }
        auto removed = repo_.DeleteUnit(conn, id);
        if (!removed) {
            if (removed.error().code == ErrorCode::kInvalidArgument || removed.error().code == ErrorCode::kConflict) {
                return Conflict("orders or categories still refer to this unit; deactivate it instead");
            }
            return removed.error();
        }
        return accounts::RecordAudit(conn, accounts::MakeAudit(actor, info, now, "handling_unit.delete",
                                                               "handling_unit", id, UnitDetail(*found)));
    });
}

Result<std::vector<UnitMember>> CatalogService::ListMembers(const Actor& actor, int64_t unit_id) {
    LINLI_TRY(RequireAdmin(actor));
    return db_.Read([&](Conn& conn) -> Result<std::vector<UnitMember>> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindUnit(conn, unit_id));
        if (!found) {
            return NotFound("handling unit not found");
        }
        return repo_.ListMembers(conn, unit_id);
    });
}

Result<std::vector<UnitMember>> CatalogService::AddMember(const Actor& actor, int64_t unit_id, int64_t user_id,
                                                          const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    // Through the accounts service: the user must exist.
    auto user = accounts_.GetUser(accounts::AccountsService::SystemActor("orders"), user_id);
    if (!user) {
        return user.error().code == ErrorCode::kNotFound ? InvalidArgument("user_id", "no such user") : user.error();
    }
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<std::vector<UnitMember>> {
        LINLI_ASSIGN_OR_RETURN(auto found, repo_.FindUnit(conn, unit_id));
        if (!found) {
            return NotFound("handling unit not found");
        }
        LINLI_ASSIGN_OR_RETURN(bool added, repo_.AddMember(conn, unit_id, user_id, now));
        if (added) {
            LINLI_TRY(accounts::RecordAudit(
                conn, accounts::MakeAudit(actor, info, now, "handling_unit.member_add", "handling_unit", unit_id,
                                          boost::json::serialize(boost::json::object{{"user_id", user_id}}))));
        }
        return repo_.ListMembers(conn, unit_id);
    });
}

Result<void> CatalogService::RemoveMember(const Actor& actor, int64_t unit_id, int64_t user_id,
                                          const RequestInfo& info) {
    LINLI_TRY(RequireAdmin(actor));
    const int64_t now = clock_.Now();
    return db_.Write([&](Conn& conn) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(bool removed, repo_.RemoveMember(conn, unit_id, user_id));
        if (!removed) {
            return NotFound("no such member of this handling unit");
        }
        return accounts::RecordAudit(
            conn, accounts::MakeAudit(actor, info, now, "handling_unit.member_remove", "handling_unit", unit_id,
                                      boost::json::serialize(boost::json::object{{"user_id", user_id}})));
    });
}

Result<std::optional<HandlingUnit>> CatalogService::ActiveUnit(int64_t id) {
    LINLI_ASSIGN_OR_RETURN(auto found, db_.Read([&](Conn& c) { return repo_.FindUnit(c, id); }));
    if (found && !found->active) {
        return std::optional<HandlingUnit>();
    }
    return found;
}

}  // namespace linli::orders
