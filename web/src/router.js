import { createRouter, createWebHistory } from 'vue-router'
import { useSession } from './stores/session.js'

// Every page is its own chunk: the login page and a resident's QR page load no chart, no table.
const StaffLayout = () => import('./components/StaffLayout.vue')

export const routes = [
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  { path: '/r/:token', name: 'report', component: () => import('./views/public/ReportView.vue'), meta: { public: true } },
  { path: '/track/:code?', name: 'track', component: () => import('./views/public/TrackView.vue'), meta: { public: true } },
  { path: '/buildings/:id/board', name: 'board', component: () => import('./views/BoardView.vue') },
  {
    path: '/',
    component: StaffLayout,
    children: [
      { path: '', name: 'root', redirect: () => useSession().home },
      { path: 'dashboard', name: 'dashboard', component: () => import('./views/DashboardView.vue') },
      { path: 'home', name: 'home', component: () => import('./views/GridHomeView.vue') },
      { path: 'territory', name: 'territory', component: () => import('./views/TerritoryView.vue') },
      { path: 'residents', name: 'residents', component: () => import('./views/ResidentsView.vue') },
      { path: 'residents/:id', name: 'resident', component: () => import('./views/ResidentView.vue') },
      { path: 'households/:id', name: 'household', component: () => import('./views/HouseholdView.vue') },
      { path: 'imports', name: 'imports', component: () => import('./views/ImportView.vue') },
      { path: 'orders', name: 'orders', component: () => import('./views/OrdersView.vue') },
      { path: 'orders/new', name: 'order-new', component: () => import('./views/OrderNewView.vue') },
      { path: 'orders/:id', name: 'order', component: () => import('./views/OrderView.vue') },
      { path: 'inspections', name: 'inspections', component: () => import('./views/InspectionsView.vue') },
      { path: 'inspections/new', name: 'inspection-new', component: () => import('./views/InspectionNewView.vue') },
      { path: 'inspections/:id(\\d+)', name: 'inspection', component: () => import('./views/InspectionView.vue') },
      { path: 'hazards', name: 'hazards', component: () => import('./views/HazardsView.vue') },
      { path: 'disputes', name: 'disputes', component: () => import('./views/DisputesView.vue') },
      { path: 'disputes/:id', name: 'dispute', component: () => import('./views/DisputeView.vue') },
      { path: 'admin/users', name: 'users', component: () => import('./views/admin/UsersView.vue') },
      { path: 'admin/categories', name: 'categories', component: () => import('./views/admin/CategoriesView.vue') },
      { path: 'admin/calendar', name: 'calendar', component: () => import('./views/admin/CalendarView.vue') },
    ],
  },
  { path: '/:rest(.*)*', name: 'missing', component: () => import('./views/NotFoundView.vue'), meta: { public: true } },
]

export function makeRouter(history = createWebHistory()) {
  const router = createRouter({ history, routes })
  router.beforeEach(async (to) => {
    if (to.meta.public) return true
    const session = useSession()
    if (!session.loaded) {
      try {
        await session.load()
      } catch {
        // Lost connection: let the page show its own error rather than bounce to the login page.
        return true
      }
    }
    if (!session.signedIn) {
      return { name: 'login', query: { next: to.fullPath } }
    }
    return true
  })
  return router
}
