import { describe, it, expect, vi, beforeEach } from 'vitest'
import { api, ApiError, setUnauthenticatedHandler, setCsrf, buildQuery } from '../../src/api.js'

function reply(status, body) {
  return Promise.resolve(new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }))
}

describe('api', () => {
  beforeEach(() => {
    vi.restoreAllMocks()
    setUnauthenticatedHandler(null)
    setCsrf(null)
  })

  it('turns the server error body into an ApiError naming the field', async () => {
    vi.spyOn(globalThis, 'fetch').mockReturnValue(reply(400, { error: { code: 'invalid_argument', message: '标题不能为空', field: 'title' } }))
    const e = await api.post('/api/v1/orders', {}).catch((x) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(400)
    expect(e.field).toBe('title')
    expect(e.message).toBe('标题不能为空')
  })

  it('sends the CSRF token on unsafe methods only', async () => {
    const fetch = vi.spyOn(globalThis, 'fetch').mockImplementation(() => reply(200, { ok: true }))
    setCsrf('tok123')
    await api.get('/api/v1/x')
    await api.post('/api/v1/x', { a: 1 })
    expect(fetch.mock.calls[0][1].headers['X-CSRF-Token']).toBeUndefined()
    expect(fetch.mock.calls[1][1].headers['X-CSRF-Token']).toBe('tok123')
    expect(fetch.mock.calls[1][1].body).toBe('{"a":1}')
  })

  it('calls the expired-session handler on a 401', async () => {
    vi.spyOn(globalThis, 'fetch').mockReturnValue(reply(401, { error: { code: 'unauthenticated', message: 'session expired', field: 'session' } }))
    const handler = vi.fn()
    setUnauthenticatedHandler(handler)
    await api.get('/api/v1/orders').catch(() => {})
    expect(handler).toHaveBeenCalledOnce()
  })

  it('reports a lost connection as a network error, not a crash', async () => {
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('Failed to fetch'))
    const e = await api.get('/api/v1/orders').catch((x) => x)
    expect(e.code).toBe('network')
    expect(e.message).toContain('无法连接服务器')
  })

  it('leaves empty filters out of the query string', () => {
    expect(buildQuery({ a: 1, b: '', c: null, d: undefined, e: 'x y' })).toBe('?a=1&e=x+y')
    expect(buildQuery({})).toBe('')
  })
})
