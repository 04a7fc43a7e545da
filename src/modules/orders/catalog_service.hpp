#pragma once
/// The data that orders hang on: categories (with deadlines and a default handler) and handling
/// units (departments, the property company, partner units) with their member accounts.
///
/// Who: everyone signed in lists categories; admins create and change them. Units are listed by
/// the roles that dispatch or supervise (admin, subdistrict_leader, community_staff, grid_worker);
/// admins create, change and delete them and manage their members. Changes are audited
/// (order_category.*, handling_unit.*) in the same transaction.
///
/// Intake reads a category on every new order, so active categories are cached in-process for
/// kCategoryCacheSeconds; a change made through this instance is seen at once, one made through
/// another instance sharing the database within that many seconds.
///
/// Thread safety: every method may be called concurrently.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "modules/accounts/service.hpp"
#include "modules/orders/model.hpp"
#include "modules/orders/repository.hpp"
#include "storage/database.hpp"

namespace linli::orders {

constexpr int64_t kCategoryCacheSeconds = 5;

class CatalogService {
public:
    /// REQUIRES: `db` is migrated; every argument outlives the service.
    CatalogService(storage::Database& db, const Clock& clock, accounts::AccountsService& accounts);

    /// Active categories by sort order; `include_inactive` (admins only, else 403) adds the others.
    Result<std::vector<Category>> ListCategories(const Actor& actor, bool include_inactive);
    /// 404 when missing.
    Result<Category> GetCategory(const Actor& actor, int64_t id);
    /// Admins only. 400 code (lower-case ASCII, digits, '_', 2–40) / name_zh / name_en / *_hours /
    /// default_unit_id (no such unit); 409 code when taken.
    Result<Category> CreateCategory(const Actor& actor, const NewCategory& input, const RequestInfo& info);
    Result<Category> UpdateCategory(const Actor& actor, int64_t id, const CategoryPatch& patch,
                                    const RequestInfo& info);

    Result<std::vector<HandlingUnit>> ListUnits(const Actor& actor, bool include_inactive);
    Result<HandlingUnit> GetUnit(const Actor& actor, int64_t id);
    /// Admins only. 400 name / contact; 409 name when taken.
    Result<HandlingUnit> CreateUnit(const Actor& actor, const NewUnit& input, const RequestInfo& info);
    Result<HandlingUnit> UpdateUnit(const Actor& actor, int64_t id, const UnitPatch& patch, const RequestInfo& info);
    /// 409 when orders or categories still refer to the unit (deactivate it instead).
    Result<void> DeleteUnit(const Actor& actor, int64_t id, const RequestInfo& info);
    Result<std::vector<UnitMember>> ListMembers(const Actor& actor, int64_t unit_id);
    /// 400 user_id when no such user. Adding a member twice is harmless.
    Result<std::vector<UnitMember>> AddMember(const Actor& actor, int64_t unit_id, int64_t user_id,
                                              const RequestInfo& info);
    /// 404 when the user is not a member.
    Result<void> RemoveMember(const Actor& actor, int64_t unit_id, int64_t user_id, const RequestInfo& info);

    /// For intake and dispatch, unscoped: the active category, from the cache. nullopt when missing
    /// or inactive.
    Result<std::optional<Category>> ActiveCategory(int64_t id);
    /// Any category (active or not), for an order that already has it.
    Result<std::optional<Category>> AnyCategory(int64_t id);
    /// For dispatch, unscoped: the unit when it exists and is active.
    Result<std::optional<HandlingUnit>> ActiveUnit(int64_t id);

private:
    struct CategorySnapshot {
        int64_t loaded_at = 0;
        std::vector<Category> all;
    };
    Result<std::shared_ptr<const CategorySnapshot>> Snapshot();
    void ForgetCategories();

    storage::Database& db_;
    const Clock& clock_;
    accounts::AccountsService& accounts_;
    CatalogRepository repo_;

    std::mutex cache_mu_;
    std::shared_ptr<const CategorySnapshot> categories_;  // guarded by cache_mu_
};

}  // namespace linli::orders
