import { defineStore } from 'pinia'
import { api, setCsrf } from '../api.js'

export const STATS_ROLES = ['admin', 'subdistrict_leader', 'community_staff', 'grid_worker']
export const RESIDENT_READERS = ['admin', 'subdistrict_leader', 'community_staff', 'grid_worker', 'building_head', 'link_leader']
export const REVEALERS = ['admin', 'subdistrict_leader', 'community_staff', 'grid_worker']
export const INTAKE_ROLES = RESIDENT_READERS
export const IMPORTERS = ['admin', 'subdistrict_leader', 'community_staff', 'grid_worker']
/** Who records inspections and re-inspects hazards (the safety API's writers). */
export const INSPECTORS = ['admin', 'subdistrict_leader', 'community_staff', 'grid_worker']

export const useSession = defineStore('session', {
  state: () => ({ user: null, scope: [], loaded: false }),
  getters: {
    role: (s) => (s.user ? s.user.role : null),
    signedIn: (s) => !!s.user,
    can: (s) => (roles) => !!s.user && roles.includes(s.user.role),
    home: (s) => (s.user && ['grid_worker', 'building_head', 'link_leader'].includes(s.user.role) ? '/home' : '/dashboard'),
  },
  actions: {
    async load() {
      try {
        const me = await api.get('/api/v1/auth/me', undefined, { quiet401: true })
        this.user = me.user
        this.scope = me.scope || []
      } catch (e) {
        if (e.status !== 401) throw e
        this.user = null
        this.scope = []
      }
      this.loaded = true
      return this.user
    },
    async login(username, password) {
      const answer = await api.post('/api/v1/auth/login', { username, password }, { quiet401: true })
      setCsrf(answer.csrf_token)
      this.user = answer.user
      this.loaded = true
      await this.load()
      return this.user
    },
    async logout() {
      try {
        await api.post('/api/v1/auth/logout', undefined, { quiet401: true })
      } catch {
        // ended or unreachable: forget it here all the same
      }
      this.forget()
    },
    forget() {
      setCsrf(null)
      this.user = null
      this.scope = []
      this.loaded = true
    },
  },
})
