import { describe, it, expect, vi, afterEach } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createRouter, createMemoryHistory } from 'vue-router'
import { i18n, setLocale } from '../../src/i18n.js'
import InspectionNewView from '../../src/views/InspectionNewView.vue'
import { navFor } from '../../src/util/nav.js'
import { addDays } from '../../src/util/format.js'

const TEMPLATE = {
  id: 2, kind: 'rental_building', name_zh: '出租屋安全检查', name_en: 'Rental building safety', active: true, current_version: 1,
  version: {
    id: 4, version: 1, items: [
      { id: 10, position: 1, text_zh: '灭火器完好有效', text_en: 'Extinguishers', basis: '消防法第十六条', severity: 'general', rectify_days: 7 },
      { id: 11, position: 2, text_zh: '楼梯间无杂物堆放', text_en: 'Stairs clear', basis: '消防法第二十八条', severity: 'major', rectify_days: 1 },
    ],
  },
}

const json = (body, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }))

function answer(url, init = {}) {
  const path = new URL(url, 'http://x').pathname
  if (path === '/api/v1/safety/templates') return json({ items: [TEMPLATE] })
  if (path === '/api/v1/safety/templates/2') return json(TEMPLATE)
  if (path === '/api/v1/safety/inspections' && init.method === 'POST') {
    return json({ error: { code: 'invalid_argument', message: 'items[1].note 太长', field: 'items[1].note' } }, 400)
  }
  return json({ items: [], next_cursor: null })
}

describe('InspectionNewView', () => {
  afterEach(() => vi.restoreAllMocks())

  async function mountForm() {
    setLocale('zh-CN')
    setActivePinia(createPinia())
    vi.spyOn(globalThis, 'fetch').mockImplementation(answer)
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/inspections/new', component: InspectionNewView }, { path: '/:p(.*)*', component: { template: '<div />' } }] })
    await router.push('/inspections/new')
    const w = mount(InspectionNewView, { global: { plugins: [i18n, router] }, attachTo: document.body })
    await flushPromises()
    return w
  }

  it('lists every item of the checklist with its legal basis, and answers the rest as passed in one tap', async () => {
    const w = await mountForm()
    expect(w.findAll('[data-test^="s-item-"]')).toHaveLength(2)
    expect(w.text()).toContain('消防法第二十八条')
    expect(w.text()).toContain('重大隐患')
    expect(w.text()).toContain('0/2')
    await w.find('[data-test="s-all-pass"]').trigger('click')
    expect(w.text()).toContain('2/2')
    w.unmount()
  })

  it("sends the answers with one client id and shows the API's message under the item it names", async () => {
    const w = await mountForm()
    await w.find('[data-test="s-fail-1"] input').setValue(true)
    await w.find('[data-test="s-all-pass"]').trigger('click')
    await w.find('[data-test="s-submit"]').trigger('click')
    await flushPromises()
    const call = globalThis.fetch.mock.calls.find(([u, init]) => u === '/api/v1/safety/inspections' && init.method === 'POST')
    const body = JSON.parse(call[1].body)
    expect(body.template_id).toBe(2)
    expect(body.template_version).toBe(1)
    expect(body.client_id).toMatch(/^[A-Za-z0-9._:-]{1,64}$/)
    expect(body.items).toEqual([{ item_id: 10, result: 'pass' }, { item_id: 11, result: 'fail' }])
    await vi.waitFor(() => expect(w.find('[data-test="s-item-1"]').text()).toContain('items[1].note 太长'))
    expect(w.find('[data-test="s-item-0"]').text()).not.toContain('太长')
    expect(w.find('[data-test="s-error"]').exists()).toBe(false)
    w.unmount()
  })
})

describe('menu', () => {
  it('offers each role only the pages its API allows', () => {
    const keys = (role) => navFor(role).map((i) => i.key)
    expect(keys('grid_worker')).toEqual(expect.arrayContaining(['home', 'inspections', 'hazards', 'orders']))
    expect(keys('partner_unit')).toContain('hazards')
    expect(keys('partner_unit')).not.toContain('inspections')
    expect(keys('partner_unit')).not.toContain('residents')
    expect(keys('community_staff')).not.toContain('users')
    expect(keys('admin')).toContain('users')
  })
})

describe('dates', () => {
  it("counts days on the calendar, across months and years, whatever the browser's zone", () => {
    expect(addDays('2026-11-23', -29)).toBe('2026-10-25')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
  })
})

describe('DashboardView', () => {
  afterEach(() => vi.restoreAllMocks())

  it("counts in the server's calendar: the period ends on the server's today, not the browser's", async () => {
    setLocale('zh-CN')
    setActivePinia(createPinia())
    const stats = { group_by: 'category', from: '2026-10-25', to: '2026-11-23', items: [], total: { collected: 3, resolved: 1, satisfaction: 5 } }
    vi.spyOn(globalThis, 'fetch').mockImplementation((url) => {
      const u = new URL(url, 'http://x')
      if (u.pathname === '/api/v1/orders/stats') return json({ ...stats, group_by: u.searchParams.get('group_by') })
      if (u.pathname === '/api/v1/territory/nodes') return json({ items: [{ id: 2, kind: 'grid', name: '第1网格' }] })
      if (u.pathname === '/api/v1/coverage') return json({ grids: [], totals: {} })
      return json({ items: [], next_cursor: null })
    })
    const { default: DashboardView } = await import('../../src/views/DashboardView.vue')
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
    const w = mount(DashboardView, { global: { plugins: [i18n, router], stubs: { EChart: true, NodeSelect: true } } })
    await flushPromises()
    const statsCalls = () => globalThis.fetch.mock.calls.map(([u]) => new URL(u, 'http://x')).filter((u) => u.pathname === '/api/v1/orders/stats' && u.searchParams.get('group_by') === 'category')
    expect(statsCalls()[0].searchParams.has('from')).toBe(false) // the server's default: its last 30 days
    expect(statsCalls()[0].searchParams.has('to')).toBe(false)
    expect(w.find('[data-test="fig-collected"]').text()).toBe('3')
    expect(w.find('[data-test="fig-satisfaction"]').text()).toBe('5.00')
    const select = w.findAllComponents({ name: 'ElSelect' })[0]
    select.vm.$emit('update:modelValue', 7)
    select.vm.$emit('change', 7)
    await flushPromises()
    const last = statsCalls().at(-1)
    expect(last.searchParams.get('from')).toBe('2026-11-17') // 7 days ending on the server's 2026-11-23
    expect(last.searchParams.has('to')).toBe(false)
    w.unmount()
  })
})
