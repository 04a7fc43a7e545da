// The one way the console talks to the server: JSON over /api/v1 with the session cookie and the
// CSRF header. Errors become ApiError carrying the server's {"error":{"code","message","field"}}.
import { t } from './i18n.js'

const CSRF_KEY = 'linli.csrf'
let csrf = null
try {
  csrf = localStorage.getItem(CSRF_KEY)
} catch {
  csrf = null
}
let onUnauthenticated = null

export class ApiError extends Error {
  constructor(status, code, message, field, allowed) {
    super(message)
    this.status = status
    this.code = code
    this.field = field || null
    this.allowed = allowed || null
  }
}

export function setCsrf(token) {
  csrf = token || null
  try {
    if (csrf) localStorage.setItem(CSRF_KEY, csrf)
    else localStorage.removeItem(CSRF_KEY)
  } catch {
    // private mode: kept in memory only
  }
}

/** Called with the error when a signed-in call answers 401 (expired or ended session). */
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn
}

export function buildQuery(query) {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === '') continue
    params.append(k, String(v))
  }
  const s = params.toString()
  return s ? `?${s}` : ''
}

export async function request(method, path, { query, body, raw, contentType, signal, quiet401 } = {}) {
  const headers = { Accept: 'application/json' }
  const unsafe = !['GET', 'HEAD'].includes(method)
  if (unsafe && csrf) headers['X-CSRF-Token'] = csrf
  let payload
  if (raw !== undefined) {
    payload = raw
    if (contentType) headers['Content-Type'] = contentType
  } else if (body !== undefined) {
    payload = JSON.stringify(body)
    headers['Content-Type'] = 'application/json'
  }
  let res
  try {
    res = await fetch(path + buildQuery(query), { method, headers, body: payload, credentials: 'same-origin', signal })
  } catch (e) {
    if (e && e.name === 'AbortError') throw e
    throw new ApiError(0, 'network', t('errors.network'))
  }
  if (res.status === 204) return null
  const type = res.headers.get('Content-Type') || ''
  let data = null
  if (type.includes('json')) {
    try {
      data = await res.json()
    } catch {
      data = null
    }
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : {}
    const error = new ApiError(res.status, err.code || 'http_' + res.status, err.message || `${t('errors.generic')} (${res.status})`, err.field, err.allowed)
    if (res.status === 401 && !quiet401 && onUnauthenticated) onUnauthenticated(error)
    throw error
  }
  return data
}

export const api = {
  get: (path, query, opts) => request('GET', path, { ...opts, query }),
  post: (path, body, opts) => request('POST', path, { ...opts, body }),
  patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
  put: (path, body, opts) => request('PUT', path, { ...opts, body }),
  del: (path, opts) => request('DELETE', path, opts),
}

/** Uploads a file with progress (fetch has none): resolves with the parsed JSON answer. */
export function upload(path, { file, form, query, onProgress, contentType }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', path + buildQuery(query))
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json')
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf)
    if (!form && contentType) xhr.setRequestHeader('Content-Type', contentType)
    xhr.upload.onprogress = (e) => {
      if (onProgress && e.lengthComputable) onProgress(Math.round((100 * e.loaded) / e.total))
    }
    xhr.onerror = () => reject(new ApiError(0, 'network', t('errors.network')))
    xhr.onload = () => {
      let data = null
      try {
        data = JSON.parse(xhr.responseText)
      } catch {
        data = null
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data)
      const err = data && data.error ? data.error : {}
      const error = new ApiError(xhr.status, err.code || 'http_' + xhr.status, err.message || t('errors.generic'), err.field)
      if (xhr.status === 401 && onUnauthenticated) onUnauthenticated(error)
      reject(error)
    }
    xhr.send(form || file)
  })
}
