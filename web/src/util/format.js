// Dates and numbers as the community reads them: local time (Asia/Shanghai on the server's side,
// the browser's zone here), 24-hour clock.
import { i18n } from '../i18n.js'

export function formatTime(epochSeconds) {
  if (epochSeconds === null || epochSeconds === undefined) return '—'
  const d = new Date(epochSeconds * 1000)
  const pad = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

export function formatDate(epochSeconds) {
  return formatTime(epochSeconds).slice(0, 10)
}

export function isoDate(d) {
  const pad = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** The ISO date `n` days after (or before, if negative) the ISO date `iso`, as calendar arithmetic. */
export function addDays(iso, n) {
  const d = new Date(iso + 'T00:00:00Z')
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}

export function percent(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—'
  return `${(x * 100).toFixed(1)}%`
}

export function hoursLeft(due, now = Date.now() / 1000) {
  return Math.round((due - now) / 360) / 10
}

/** The name of a category (or anything with name_zh/name_en) in the current language. */
export function localName(o) {
  if (!o) return ''
  return i18n.global.locale.value === 'en' ? o.name_en || o.name_zh || o.name : o.name_zh || o.name || o.name_en
}

/** Masks a value the way the server does, for anything the console itself holds (never a full number on screen). */
export function maskPhone(p) {
  if (!p) return ''
  const s = String(p)
  if (s.includes('*')) return s
  return s.length >= 7 ? s.slice(0, 3) + '****' + s.slice(-4) : '****'
}

export const OPEN_STATES = ['submitted', 'accepted', 'dispatched', 'in_progress', 'returned', 'escalated', 'reopened']
export const ALL_STATES = ['submitted', 'accepted', 'dispatched', 'in_progress', 'resolved', 'replied', 'closed', 'returned', 'escalated', 'merged', 'rejected', 'reopened']
export const KINDS = ['request', 'complaint', 'suggestion', 'hazard', 'dispute', 'service']
export const CHANNELS = ['walk_in', 'phone', 'door_knocking', 'service_point', 'patrol', 'party_visit']
export const ROLES = ['admin', 'subdistrict_leader', 'community_staff', 'grid_worker', 'building_head', 'link_leader', 'partner_unit', 'volunteer', 'resident', 'merchant']

export function stateType(state) {
  switch (state) {
    case 'submitted':
    case 'returned':
    case 'reopened':
      return 'warning'
    case 'escalated':
      return 'danger'
    case 'resolved':
    case 'replied':
    case 'closed':
      return 'success'
    case 'merged':
    case 'rejected':
      return 'info'
    default:
      return 'primary'
  }
}
