import { describe, it, expect, vi, afterEach } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createRouter, createMemoryHistory } from 'vue-router'
import { i18n, setLocale } from '../../src/i18n.js'
import OrderView from '../../src/views/OrderView.vue'

const ORDER = {
  id: 7, tracking_code: 'AB12CD34EF', kind: 'request', category: { id: 2, code: 'repairs', name_zh: '维修', name_en: 'Repairs' },
  title: '楼道灯坏了', description: '', place: { id: 4, name: '101', path: '/1/2/3/4/' }, community_id: 2, grid_id: 3,
  reporter_name: '周大爷', reporter_phone: '138****5678', channel: 'walk_in', state: 'resolved',
  handler: { user_id: 5, user_name: '张敏', unit_id: null, unit_name: null }, due_accept_at: 0, due_resolve_at: 0,
  overdue: false, escalation_level: 'grid', created_at: 0, replies: [], reporters: [], actions: ['reply', 'reopen'],
}

function answer(url, init) {
  const path = new URL(url, 'http://x').pathname
  let body
  if (path === '/api/v1/orders/7') body = ORDER
  else if (path === '/api/v1/orders/7/timeline') body = { items: [] }
  else if (path === '/api/v1/orders/7/attachments') body = { items: [] }
  else if (path === '/api/v1/orders/7/reply' && init.method === 'POST') {
    return Promise.resolve(new Response(JSON.stringify({ error: { code: 'invalid_argument', message: '答复内容不能为空', field: 'text' } }), { status: 400, headers: { 'Content-Type': 'application/json' } }))
  }
  return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } }))
}

describe('OrderView', () => {
  afterEach(() => vi.restoreAllMocks())

  async function mountOrder() {
    setLocale('zh-CN')
    setActivePinia(createPinia())
    vi.spyOn(globalThis, 'fetch').mockImplementation(answer)
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/orders/:id', component: OrderView }] })
    await router.push('/orders/7')
    const w = mount(OrderView, { global: { plugins: [i18n, router] }, attachTo: document.body })
    await flushPromises()
    return w
  }

  it('offers only the steps the server allows, and shows the masked phone', async () => {
    const w = await mountOrder()
    const buttons = w.findAll('[data-test="actions"] button').map((b) => b.text())
    expect(buttons).toEqual(['答复', '重新打开'])
    expect(w.text()).toContain('138****5678')
    expect(w.text()).not.toContain('13812345678')
    w.unmount()
  })

  it("shows the API's message next to the field it names", async () => {
    const w = await mountOrder()
    await w.find('[data-test="action-reply"]').trigger('click')
    await flushPromises()
    const submit = document.querySelector('[data-test="action-submit"]')
    expect(submit).not.toBeNull()
    submit.click()
    await vi.waitFor(() => expect(globalThis.fetch).toHaveBeenCalledWith('/api/v1/orders/7/reply', expect.objectContaining({ method: 'POST' })))
    // The message sits in the reply field's form item, not in a general alert.
    const item = () => [...document.querySelectorAll('.el-form-item')].find((e) => e.querySelector('[data-test="f-text"]'))
    await vi.waitFor(() => expect(item().textContent).toContain('答复内容不能为空'), { timeout: 5000 })
    expect(document.querySelector('[data-test="action-error"]')).toBeNull()
    w.unmount()
  })
})
