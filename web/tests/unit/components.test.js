import { describe, it, expect, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createRouter, createMemoryHistory } from 'vue-router'
import { i18n, setLocale } from '../../src/i18n.js'
import StateTag from '../../src/components/StateTag.vue'
import PageState from '../../src/components/PageState.vue'
import LoginView from '../../src/views/LoginView.vue'
import { ApiError } from '../../src/api.js'
import { useSession } from '../../src/stores/session.js'
import { maskPhone } from '../../src/util/format.js'

const global = { plugins: [i18n] }

describe('StateTag', () => {
  it('names the state in Chinese by default and in English a click away', async () => {
    setLocale('zh-CN')
    const w = mount(StateTag, { props: { state: 'in_progress' }, global })
    expect(w.text()).toBe('处置中')
    setLocale('en')
    await flushPromises()
    expect(w.text()).toBe('In progress')
    setLocale('zh-CN')
  })
})

describe('PageState', () => {
  it('shows a lost connection as an error with a retry, never a blank page', async () => {
    const w = mount(PageState, { props: { error: new ApiError(0, 'network', 'x') }, global })
    expect(w.find('[data-test="page-error"]').exists()).toBe(true)
    expect(w.text()).toContain('无法连接服务器')
    await w.find('button').trigger('click')
    expect(w.emitted('retry')).toHaveLength(1)
  })
  it('shows its content when loaded', () => {
    const w = mount(PageState, { props: { loading: false }, slots: { default: '<p>content</p>' }, global })
    expect(w.text()).toBe('content')
  })
})

describe('LoginView', () => {
  async function mountLogin(query = {}) {
    setActivePinia(createPinia())
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/login', component: LoginView }, { path: '/:p(.*)*', component: { template: '<div />' } }] })
    await router.push({ path: '/login', query })
    const w = mount(LoginView, { global: { plugins: [i18n, router] } })
    return { w, router }
  }

  it('shows the lock and when it ends', async () => {
    const { w } = await mountLogin()
    const session = useSession()
    session.login = vi.fn().mockRejectedValue(new ApiError(423, 'locked', 'account locked until 2026-11-22T10:15:00Z', 'username'))
    await w.find('input[name="username"]').setValue('grid01')
    await w.find('input[name="password"]').setValue('bad')
    await w.find('form').trigger('submit')
    await flushPromises()
    const error = w.find('[data-test="login-error"]').text()
    expect(error).toContain('账号已锁定')
    expect(error).toMatch(/2026-11-22 \d\d:15/)
  })

  it('says a session expired and returns to the page the user was on', async () => {
    const { w, router } = await mountLogin({ next: '/orders/7', reason: 'expired' })
    expect(w.find('[data-test="login-notice"]').text()).toContain('登录已过期')
    const session = useSession()
    session.login = vi.fn().mockResolvedValue({ role: 'community_staff' })
    await w.find('input[name="username"]').setValue('staff')
    await w.find('input[name="password"]').setValue('pw')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/orders/7')
  })

  it('never follows a next that leaves the site', async () => {
    const { w, router } = await mountLogin({ next: '//evil.example/x' })
    const session = useSession()
    session.login = vi.fn().mockResolvedValue({ role: 'community_staff' })
    session.user = { role: 'community_staff' }
    await w.find('input[name="username"]').setValue('staff')
    await w.find('input[name="password"]').setValue('pw')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/dashboard')
  })
})

describe('format', () => {
  it('never shows a full phone the console holds', () => {
    expect(maskPhone('13812345678')).toBe('138****5678')
    expect(maskPhone('138****5678')).toBe('138****5678')
  })
})
