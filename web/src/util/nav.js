// The console's pages as the menu offers them, with the roles that see each (no roles: everyone
// signed in). The users page shows the same list per role, so the two never disagree.
import { STATS_ROLES, RESIDENT_READERS, IMPORTERS, INTAKE_ROLES, INSPECTORS } from '../stores/session.js'

export const SAFETY_READERS = ['admin', 'subdistrict_leader', 'community_staff', 'grid_worker', 'partner_unit']

export const NAV_ITEMS = [
  { key: 'home', path: '/home', roles: ['grid_worker', 'building_head', 'link_leader'] },
  { key: 'dashboard', path: '/dashboard', roles: STATS_ROLES },
  { key: 'orders', path: '/orders' },
  { key: 'newOrder', path: '/orders/new', roles: INTAKE_ROLES },
  { key: 'territory', path: '/territory' },
  { key: 'residents', path: '/residents', roles: RESIDENT_READERS },
  { key: 'imports', path: '/imports', roles: IMPORTERS },
  { key: 'inspections', path: '/inspections', roles: INSPECTORS },
  { key: 'hazards', path: '/hazards', roles: SAFETY_READERS },
  { key: 'disputes', path: '/disputes', roles: RESIDENT_READERS },
  { key: 'users', path: '/admin/users', roles: ['admin'] },
  { key: 'categories', path: '/admin/categories', roles: ['admin', 'subdistrict_leader', 'community_staff', 'grid_worker'] },
  { key: 'calendar', path: '/admin/calendar' },
]

/** The menu entries a role sees. */
export function navFor(role) {
  return NAV_ITEMS.filter((i) => !i.roles || i.roles.includes(role))
}
