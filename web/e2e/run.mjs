// End-to-end tests of the console in a real browser: playwright-core driving Debian's Chromium
// (/usr/bin/chromium; nothing is downloaded) against a real `linli serve` on a fresh database with
// the demo loaded. The scenarios of issue 6 §6, plus the bad-input rules. Screenshots of the main
// pages go to --artifacts. Prints one line per test and "N passed, N failed" at the end.
//
//   node e2e/run.mjs --linli ../build/linli [--artifacts ../build/web-artifacts] [--only 'part of a name|another']
import { chromium } from 'playwright-core'
import { mkdirSync, readFileSync, existsSync } from 'node:fs'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startLinli } from './server.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
)
const linli = resolve(args.linli || process.env.LINLI_BIN || join(here, '../../build/linli'))
const artifacts = resolve(args.artifacts || join(here, '../../build/web-artifacts'))
const webRoot = resolve(here, '../dist')
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium'
const PASSWORD = 'Linli-demo-2026'

const tests = []
const test = (name, fn) => tests.push({ name, fn })
const shared = {}

function expect(cond, message) {
  if (!cond) throw new Error(message)
}

// ---- helpers ---------------------------------------------------------------------------------------

const sel = (name) => `[data-test="${name}"]`
/** The text field of an Element Plus input whose data-test lands on the input or its wrapper. */
const field = (page, name) =>
  page.locator(`input${sel(name)}, textarea${sel(name)}, ${sel(name)} input, ${sel(name)} textarea`).first()

async function newPage(browser, { width = 1280, height = 860 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'zh-CN', acceptDownloads: true })
  const page = await context.newPage()
  shared.lastPage = page
  page.setDefaultTimeout(20000)
  page.on('pageerror', (e) => console.log('  [page error]', e.message))
  return page
}

async function login(page, username, { expectPath } = {}) {
  await page.goto(shared.base + '/login')
  await field(page, 'username').fill(username)
  await field(page, 'password').fill(PASSWORD)
  await page.click(sel('login-submit'))
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  if (expectPath) await page.waitForURL((url) => url.pathname === expectPath)
}

async function shot(page, name) {
  await page.waitForTimeout(300) // fonts and charts settle
  await page.screenshot({ path: join(artifacts, name + '.png'), fullPage: true })
}

/** Picks an option of an Element Plus select by its visible text. */
async function pickOption(page, selectName, text) {
  await page.click(sel(selectName))
  const popper = page.locator('.el-select__popper:visible').last()
  const option = popper.locator('.el-select-dropdown__item', { hasText: text }).first()
  await option.click()
  await popper.waitFor({ state: 'hidden' })
}

/** Walks a lazy cascader by the labels of each level; the last is selected. */
async function pickCascader(page, name, labels) {
  await page.click(`${sel(name)} .el-cascader`)
  for (let i = 0; i < labels.length; i++) {
    const menu = page.locator('.el-cascader-menu:visible').nth(i)
    const node = typeof labels[i] === 'number' ? menu.locator('.el-cascader-node').nth(labels[i]) : menu.locator('.el-cascader-node', { hasText: labels[i] }).first()
    await node.waitFor()
    if (i === labels.length - 1) {
      await node.locator('.el-radio').click()
    } else {
      await node.click()
    }
  }
  await page.keyboard.press('Escape')
}

async function apiAs(username, method, path, body) {
  if (!shared.tokens) shared.tokens = {}
  if (!shared.tokens[username]) {
    const r = await fetch(shared.base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD, bearer: true }) })
    shared.tokens[username] = (await r.json()).token
  }
  const r = await fetch(shared.base + path, { method, headers: { Authorization: 'Bearer ' + shared.tokens[username], 'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined })
  return r.status === 204 ? null : r.json()
}

async function figure(page, name) {
  const text = await page.locator(sel(name)).innerText()
  return Number(text.trim())
}

// ---- the scenarios ---------------------------------------------------------------------------------

test('the login page refuses a wrong password with the API message next to the form', async ({ browser }) => {
  const page = await newPage(browser)
  await page.goto(shared.base + '/login')
  await shot(page, 'login')
  await field(page, 'username').fill('staff_qhj')
  await field(page, 'password').fill('wrong-password')
  await page.click(sel('login-submit'))
  await page.locator(sel('login-error')).waitFor()
  expect((await page.locator(sel('login-error')).innerText()).includes('用户名或密码错误'), 'wrong-password message')
  // English is a click away.
  await page.click(sel('lang'))
  await page.locator('text=Log in to Linli').waitFor()
  await page.context().close()
})

test('a grid worker logs in and sees only their grid', async ({ browser }) => {
  const page = await newPage(browser, { width: 375, height: 812 })
  await login(page, 'grid_qhj_01', { expectPath: '/home' })
  await page.locator(sel('grid-home')).waitFor()
  await page.locator(sel('k-building')).waitFor()
  await shot(page, 'grid-home-375')
  const grids = await page.evaluate(async () => (await (await fetch('/api/v1/territory/nodes?kind=grid&limit=50')).json()).items.map((n) => n.name))
  expect(grids.length === 1 && grids[0] === '第1网格', 'one grid visible, got ' + JSON.stringify(grids))
  await page.goto(shared.base + '/territory')
  await page.locator('.el-tree-node').first().waitFor()
  const roots = await page.locator('.el-tree > .el-tree-node').allInnerTexts()
  expect(roots.length === 1 && roots[0].includes('第1网格'), 'the tree starts at their grid: ' + JSON.stringify(roots))
  await shot(page, 'territory-grid-worker-375')
  // Another grid's building is not found, exactly like a missing one.
  const other = await apiAs('staff_qhj', 'GET', '/api/v1/territory/nodes?kind=grid&limit=50')
  const second = other.items.find((n) => n.name === '第2网格')
  const status = await page.evaluate(async (id) => (await fetch('/api/v1/territory/nodes/' + id)).status, second.id)
  expect(status === 404, 'another grid answers 404, got ' + status)
  await page.context().close()
})

test('staff record a request for a resident and dispatch it', async ({ browser }) => {
  const page = await newPage(browser)
  await login(page, 'staff_qhj', { expectPath: '/dashboard' })
  await page.locator(sel('fig-collected')).waitFor()
  shared.collectedBefore = await figure(page, 'fig-collected')
  await shot(page, 'dashboard-before')
  await page.goto(shared.base + '/orders/new')
  await page.locator(sel('f-category')).waitFor()
  await pickOption(page, 'f-category', '维修')
  await pickCascader(page, 'f-place', ['青和居社区', '第1网格', 0, 0, 0])
  await field(page, 'f-title').fill('楼道灯坏了')
  await field(page, 'f-description').fill('2单元三楼楼道灯不亮，晚上看不见台阶')
  await field(page, 'f-reporter-name').fill('周大爷')
  await field(page, 'f-reporter-phone').fill('13812345678')
  await page.click(sel('f-auto')) // no automatic dispatch: staff dispatch it themselves
  await shot(page, 'order-new')
  await page.click(sel('submit'))
  await page.waitForURL(/\/orders\/\d+$/)
  shared.orderId = Number(new URL(page.url()).pathname.split('/').pop())
  await page.locator(sel('order-state')).waitFor()
  expect((await page.locator(sel('order-state')).getAttribute('data-state')) === 'submitted', 'waits to be accepted')
  await page.click(sel('action-accept'))
  await page.click(sel('action-submit'))
  await page.locator('[data-test="order-state"][data-state="accepted"]').waitFor()
  const order = await page.evaluate(async (id) => (await fetch('/api/v1/orders/' + id)).json(), shared.orderId)
  shared.trackingCode = order.tracking_code
  expect(order.reporter_phone === '138****5678', 'the phone is masked: ' + order.reporter_phone)
  await page.click(sel('action-dispatch'))
  await pickOption(page, 'f-handler-user', '张敏')
  await page.click(sel('action-submit'))
  await page.locator('[data-test="order-state"][data-state="dispatched"]').waitFor()
  expect((await page.locator(sel('order-handler')).innerText()).includes('张敏'), 'dispatched to the grid worker')
  await shot(page, 'order-dispatched')
  await page.context().close()
})

test('the handler resolves and replies; only the allowed steps are offered', async ({ browser }) => {
  const page = await newPage(browser, { width: 375, height: 812 })
  await login(page, 'grid_qhj_01')
  await page.locator(sel('my-order')).first().waitFor()
  await page.goto(`${shared.base}/orders/${shared.orderId}`)
  await page.locator(sel('action-start')).waitFor()
  const offered = await page.locator(`${sel('actions')} button`).allInnerTexts()
  expect(!offered.some((t) => t.includes('关闭')), 'no close before a reply: ' + offered.join(','))
  for (const step of ['start', 'resolve']) {
    await page.click(sel('action-' + step))
    await page.click(sel('action-submit'))
    await page.locator(`[data-test="order-state"][data-state="${step === 'start' ? 'in_progress' : 'resolved'}"]`).waitFor()
  }
  await page.click(sel('action-reply'))
  await page.click(sel('action-submit')) // empty: the API's message shows next to the field
  await page.locator('.el-dialog .el-form-item__error').first().waitFor()
  await field(page, 'f-text').fill('已更换楼道灯，感谢您的反映。')
  await page.click(sel('action-submit'))
  await page.locator('[data-test="order-state"][data-state="replied"]').waitFor()
  await shot(page, 'order-replied-375')
  await page.context().close()
})

test('the resident opens the tracking page and rates it', async ({ browser }) => {
  const page = await newPage(browser, { width: 375, height: 812 })
  await page.goto(`${shared.base}/track/${shared.trackingCode}`)
  await page.locator('[data-test="t-state"][data-state="replied"]').waitFor()
  expect((await page.locator(sel('t-replies')).innerText()).includes('已更换楼道灯'), 'the reply is shown')
  await page.locator('.el-rate__item').nth(4).click()
  await field(page, 't-phone').fill('13900000000')
  await page.click(sel('t-submit'))
  await page.locator(sel('t-phone-error')).waitFor() // not the phone the report was made with
  await field(page, 't-phone').fill('13812345678')
  await page.click(sel('t-submit'))
  await page.locator(sel('t-rated')).waitFor()
  await shot(page, 'track-rated-375')
  await page.context().close()
})

test('a resident reports from a building QR code and gets a tracking code', async ({ browser }) => {
  const buildings = await apiAs('staff_qhj', 'GET', '/api/v1/territory/nodes?kind=building&limit=1')
  shared.buildingId = buildings.items[0].id
  const qr = await apiAs('staff_qhj', 'GET', `/api/v1/buildings/${shared.buildingId}/qr`)
  const page = await newPage(browser, { width: 375, height: 812 })
  await page.goto(shared.base + qr.url)
  await page.locator(sel('report-building')).waitFor()
  await page.click(sel('r-submit')) // nothing filled: the API names the field
  await page.locator('.field-error').first().waitFor()
  await page.locator('.el-check-tag').first().click()
  await field(page, 'r-description').fill('电梯按钮失灵')
  await field(page, 'r-phone').fill('13700001111')
  await field(page, 'r-room').fill('1单元502')
  await shot(page, 'report-375')
  await page.click(sel('r-submit'))
  await page.locator(sel('tracking-code')).waitFor()
  const code = (await page.locator(sel('tracking-code')).innerText()).trim()
  expect(/^[A-Z0-9]{10}$/.test(code), 'a tracking code: ' + code)
  await shot(page, 'report-done-375')
  await page.context().close()
})

test('an admin imports a CSV with bad rows and downloads the error report', async ({ browser }) => {
  const page = await newPage(browser)
  await login(page, 'admin')
  await page.goto(shared.base + '/imports')
  const roots = await page.evaluate(async () => (await (await fetch('/api/v1/territory/nodes?limit=20')).json()).items.map((n) => n.name))
  // Down to 青和居社区's 第2网格 from the admin's top node (the demo's city or subdistrict).
  const path = []
  let level = await apiAs('admin', 'GET', '/api/v1/territory/nodes?limit=20')
  let node = level.items[0]
  path.push(node.name)
  while (node.kind !== 'community') {
    level = await apiAs('admin', 'GET', `/api/v1/territory/nodes?parent_id=${node.id}&limit=50`)
    node = level.items.find((n) => n.name === '青和居社区') || level.items.find((n) => n.name.includes('和平')) || level.items[0]
    path.push(node.name)
  }
  path.push('第2网格')
  void roots
  await pickCascader(page, 'i-into', path)
  const csv = [
    '姓名,身份证号,联系电话,楼栋,单元,房号,与户主关系',
    '测试甲,110101199003074258,13811112222,1号楼,1单元,101,户主',
    '测试乙,110101199003074250,13811113333,1号楼,1单元,102,户主', // wrong check digit
    '测试丙,11010119900307,13811114444,1号楼,1单元,103,户主', // too short
    '测试丁,110101198506150017,1234,1号楼,1单元,104,户主', // bad phone
  ].join('\n')
  await page.locator('input[data-test="i-file"]').setInputFiles({ name: 'residents.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
  await page.click(sel('i-start'))
  await page.locator(sel('i-result')).waitFor({ timeout: 60000 })
  const errors = await figure(page, 'r-errors')
  expect(errors >= 2, 'the bad rows are counted: ' + errors)
  await shot(page, 'import-result')
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${sel('error-report')}`)])
  const report = readFileSync(await download.path(), 'utf8')
  expect(report.includes('错误说明') && report.includes('测试乙'), 'the error report lists the bad rows')
  await page.context().close()
})

test('the dashboard shows the new figures', async ({ browser }) => {
  const page = await newPage(browser)
  await login(page, 'staff_qhj', { expectPath: '/dashboard' })
  await page.locator(sel('fig-collected')).waitFor()
  let collected = await figure(page, 'fig-collected')
  for (let i = 0; i < 10 && collected <= shared.collectedBefore; i++) {
    await page.waitForTimeout(500)
    await page.reload()
    await page.locator(sel('fig-collected')).waitFor()
    collected = await figure(page, 'fig-collected')
  }
  expect(collected > shared.collectedBefore, `collected grew: ${shared.collectedBefore} → ${collected}`)
  expect((await figure(page, 'fig-resolved')) >= 1, 'resolved counted')
  expect((await page.locator(sel('fig-satisfaction')).innerText()).includes('5.00'), 'the rating counts')
  await page.locator(`${sel('coverage')} canvas`).first().waitFor({ timeout: 60000 })
  await shot(page, 'dashboard')
  await page.setViewportSize({ width: 375, height: 812 })
  await shot(page, 'dashboard-375')
  await page.context().close()
})

test('orders: filters saved as a view come back after a reload', async ({ browser }) => {
  const page = await newPage(browser)
  await login(page, 'staff_qhj')
  await page.goto(shared.base + '/orders')
  await page.locator(`${sel('orders-table')} .el-table__row`).first().waitFor()
  await page.click(sel('filter-overdue'))
  await page.click(sel('search'))
  await page.waitForURL(/overdue=true/)
  await page.click(sel('views'))
  await page.click(sel('save-view'))
  await page.locator('.el-message-box input').fill('超期工单')
  await page.click('.el-message-box__btns .el-button--primary')
  await page.click(sel('reset'))
  await page.waitForURL((url) => !url.search.includes('overdue'))
  await page.reload()
  await page.click(sel('views'))
  await page.locator('.el-dropdown-menu__item', { hasText: '超期工单' }).first().click()
  await page.waitForURL(/overdue=true/)
  const overdue = await apiAs('staff_qhj', 'GET', '/api/v1/orders?overdue=true&limit=100')
  await page.waitForFunction((n) => document.querySelectorAll('[data-test="orders-table"] .el-table__body-wrapper .el-table__row').length === n, overdue.items.length)
  await page.context().close()
})

test('the building board lists the residents who agreed, with their phones, on one A4 page', async ({ browser }) => {
  const people = await apiAs('staff_qhj', 'GET', `/api/v1/residents?building_id=${shared.buildingId}&limit=50`)
  const resident = people.items.find((r) => r.phone)
  const page = await newPage(browser)
  await login(page, 'staff_qhj')
  await page.goto(`${shared.base}/residents/${resident.id}`)
  await page.click(sel('edit-resident'))
  await page.click(sel('e-tags'))
  const popper = page.locator('.el-select__popper:visible').last()
  for (const tag of ['同意公示', '119自治小分队']) await popper.locator('.el-select-dropdown__item', { hasText: tag }).first().click()
  await page.keyboard.press('Escape')
  await page.click(sel('e-save'))
  await page.locator(sel('resident-dialog')).waitFor({ state: 'hidden' })
  await page.goto(`${shared.base}/buildings/${shared.buildingId}/board`)
  await page.locator(sel('board-qr')).waitFor()
  const squad = await page.locator(sel('board-squad')).innerText()
  expect(squad.includes(resident.name) && /1\d{10}/.test(squad) && !squad.includes('*'), 'listed with the full phone: ' + squad)
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true })
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length
  expect(pages === 1, 'the board prints on one A4 page, got ' + pages)
  await page.context().close()
})

test('every staff page renders at desk width and fits a 375 px phone', async ({ browser }) => {
  const resident = (await apiAs('staff_qhj', 'GET', '/api/v1/residents?limit=1')).items[0]
  const inspection = (await apiAs('staff_qhj', 'GET', '/api/v1/safety/inspections?limit=1')).items[0]
  const dispute = (await apiAs('staff_qhj', 'GET', '/api/v1/disputes?limit=1')).items[0]
  // [name, path, ready, desk screenshot too]
  const staffPages = [
    ['orders', '/orders', sel('orders-table'), true],
    ['orders-board', '/orders?mode=board', sel('orders-board'), true],
    ['order-new', '/orders/new', sel('f-category'), false],
    ['order', `/orders/${shared.orderId}`, sel('timeline'), false],
    ['residents', '/residents', `${sel('residents-table')} .el-table__row`, true],
    ['resident', `/residents/${resident.id}`, `${sel('resident')} h1`, false],
    ['household', `/households/${resident.household.id}`, `${sel('members')} .el-table__row`, false],
    ['imports', '/imports', sel('i-start'), false],
    ['territory', '/territory', '.el-tree-node', true],
    ['categories', '/admin/categories', sel('categories-table'), true],
    ['calendar', '/admin/calendar', '.el-calendar', true],
    ['inspections', '/inspections', sel('inspection'), true],
    ['inspection-new', '/inspections/new', sel('s-items'), false],
    ['inspection', `/inspections/${inspection.id}`, sel('i-result'), false],
    ['hazards', '/hazards', sel('hazard-totals'), true],
    ['disputes', '/disputes', sel('disputes-table'), true],
    ['dispute', `/disputes/${dispute.id}`, `${sel('parties')} .el-table__row`, false],
    ['building-board', `/buildings/${shared.buildingId}/board`, sel('board-qr'), true],
  ]
  const adminPages = [
    ['users', '/admin/users', sel('scope-name'), true],
    ['dashboard-admin', '/dashboard', `${sel('coverage')} canvas`, false],
  ]
  for (const [user, pages] of [['staff_qhj', staffPages], ['admin', adminPages]]) {
    const page = await newPage(browser)
    await login(page, user)
    for (const [name, path, ready, desk] of pages) {
      await page.setViewportSize({ width: desk ? 1280 : 375, height: desk ? 860 : 812 })
      await page.goto(shared.base + path)
      await page.locator(ready).first().waitFor()
      if (desk) {
        await shot(page, name)
        await page.setViewportSize({ width: 375, height: 812 })
        await page.waitForTimeout(200)
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow <= 1, `${name} fits 375 px (overflow ${overflow})`)
      await shot(page, name + '-375')
    }
    await page.context().close()
  }
})

test('nothing shows a full ID number or phone unless revealed, and a reveal needs a reason', async ({ browser }) => {
  const page = await newPage(browser)
  await login(page, 'staff_qhj')
  await page.goto(shared.base + '/residents')
  await page.locator(`${sel('residents-table')} .el-table__row`).first().waitFor()
  const ids = await page.locator(sel('id-number')).allInnerTexts()
  expect(ids.length > 0 && ids.every((s) => s.includes('*')), 'ID numbers masked')
  const phones = await page.locator(sel('phone')).allInnerTexts()
  expect(phones.every((s) => s === '—' || s.includes('*')), 'phones masked')
  await page.locator(sel('reveal-id')).first().click()
  await page.click(sel('reveal-submit')) // no reason: the API's message next to the field
  await page.locator('.el-dialog .el-form-item__error').first().waitFor()
  await field(page, 'reveal-reason').fill('入户走访核对')
  await page.click(sel('reveal-submit'))
  await page.waitForFunction(() => !document.querySelector('[data-test="id-number"]').innerText.includes('*'))
  await page.context().close()
})

test('an expired session returns to the login page and then to where the user was', async ({ browser }) => {
  const page = await newPage(browser)
  await login(page, 'staff_qhj')
  await page.goto(shared.base + '/residents')
  // The page has finished loading (list, then count): the session ends while the user reads it,
  // not while a request of the page is still on its way (that one would answer 401 first).
  await page.locator(`${sel('residents-table')} .el-table__row`).first().waitFor()
  await page.waitForFunction(() => document.querySelector('[data-test="resident-count"]').innerText.trim() !== '')
  await page.waitForLoadState('networkidle')
  await page.context().clearCookies() // as when the session times out
  await page.click(sel('nav-orders'))
  await page.waitForURL(/\/login\?/)
  await page.locator(sel('login-notice')).waitFor()
  await field(page, 'username').fill('staff_qhj')
  await field(page, 'password').fill(PASSWORD)
  await page.click(sel('login-submit'))
  await page.waitForURL((url) => url.pathname === '/orders')
  await page.context().close()
})

test('a lost connection shows an error, never a blank page', async ({ browser }) => {
  const page = await newPage(browser)
  await login(page, 'staff_qhj')
  await page.route('**/api/v1/orders?**', (route) => route.abort('internetdisconnected'))
  await page.goto(shared.base + '/orders')
  await page.locator(sel('page-error')).waitFor()
  expect((await page.locator(sel('page-error')).innerText()).includes('无法连接服务器'), 'the network message')
  await shot(page, 'offline-error')
  await page.context().close()
})

test('a door-knocking request in a few taps, with the API message next to a bad field', async ({ browser }) => {
  const page = await newPage(browser, { width: 375, height: 812 })
  await login(page, 'grid_qhj_01', { expectPath: '/home' })
  await pickOption(page, 'k-building', '')
  await page.locator(`${sel('k-household')}:not(.is-disabled)`).waitFor()
  await pickOption(page, 'k-household', '')
  await field(page, 'k-phone').fill('12345')
  await field(page, 'k-title').fill('独居老人家中水管漏水')
  await page.click(sel('k-submit'))
  await page.locator(sel('k-phone-error')).waitFor()
  await field(page, 'k-phone').fill('13698765432')
  const before = await page.locator(sel('my-order')).count()
  await page.click(sel('k-submit'))
  await page.waitForFunction((n) => document.querySelectorAll('[data-test="my-order"]').length > n, before)
  await page.context().close()
})

// A 1×1 PNG: the safety API takes photos by their bytes.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

test('a grid worker records an inspection on the phone; the hazard is put right and signed off', async ({ browser }) => {
  const page = await newPage(browser, { width: 375, height: 812 })
  await login(page, 'grid_qhj_01', { expectPath: '/home' })
  await page.click(sel('home-inspect'))
  await page.locator(sel('s-items')).waitFor()
  await pickOption(page, 's-template', '出租屋')
  await page.locator('[data-test="s-items"]', { hasText: '楼梯间' }).waitFor()
  await pickCascader(page, 's-target', ['第1网格', 0])
  await page.click(sel('s-submit')) // nothing answered: the API names what is missing
  await page.locator(sel('s-items-error')).waitFor()
  await page.click(sel('s-fail-1'))
  await field(page, 's-note-1').fill('二楼楼梯间堆放纸箱，安全出口被挡')
  await page.locator(sel('s-photos-1-file')).setInputFiles({ name: 'stairs.png', mimeType: 'image/png', buffer: PNG })
  await page.locator(`${sel('s-photos-1')} img`).waitFor()
  await page.click(sel('s-all-pass'))
  await shot(page, 'inspection-new-375')
  await page.click(sel('s-submit'))
  await page.waitForURL(/\/inspections\/\d+$/)
  await page.locator(sel('i-hazards')).waitFor()
  expect((await page.locator(sel('i-counts')).innerText()).includes('✗ 1'), 'one item failed')
  await shot(page, 'inspection-375')
  // The handler (the grid worker of the building) puts it right …
  await page.locator(`${sel('i-hazards')} a`, { hasText: '查看隐患' }).click()
  await page.locator(sel('rectify-note')).waitFor()
  shared.hazardUrl = page.url()
  await field(page, 'rectify-note').fill('纸箱已清走，安全出口畅通')
  await page.click(sel('rectify-submit'))
  await page.locator('[data-test="hazard-status"][data-status="rectified"]').waitFor()
  await page.context().close()
  // … and community staff sign it off after a re-inspection with a photo.
  const desk = await newPage(browser)
  await login(desk, 'staff_qhj')
  await desk.goto(shared.hazardUrl)
  await desk.locator(sel('reinspect-submit')).waitFor()
  await desk.click(sel('reinspect-submit')) // no photo: the API's message
  await desk.locator(sel('reinspect-error')).waitFor()
  await desk.locator(sel('reinspect-photos-file')).setInputFiles({ name: 'after.png', mimeType: 'image/png', buffer: PNG })
  await desk.locator(`${sel('reinspect-photos')} img`).waitFor()
  await desk.click(sel('reinspect-submit'))
  await desk.locator('[data-test="hazard-status"][data-status="verified"]').waitFor()
  await shot(desk, 'hazard-verified')
  await desk.context().close()
})

test('staff record a dispute with its parties; phones stay masked', async ({ browser }) => {
  const page = await newPage(browser)
  await login(page, 'staff_qhj')
  await page.goto(shared.base + '/disputes')
  await page.click(sel('new-dispute'))
  await page.locator(sel('d-subject')).waitFor()
  await field(page, 'd-subject').fill('楼上漏水纠纷')
  await pickCascader(page, 'd-place', ['青和居社区', '第1网格', 0, 0, 0])
  await field(page, 'd-party-name-0').fill('钱先生')
  await page.locator('.el-dialog input[placeholder*="电话"]').first().fill('13611112222')
  await field(page, 'd-party-name-1').fill('孙女士')
  await page.click(sel('d-submit'))
  await page.waitForURL(/\/disputes\/\d+$/)
  await page.locator(`${sel('parties')} .el-table__row`).first().waitFor()
  const text = await page.locator(sel('parties')).innerText()
  expect(text.includes('钱先生') && text.includes('136****2222') && !text.includes('13611112222'), 'parties listed, phone masked: ' + text)
  await shot(page, 'dispute')
  await page.context().close()
})

// ---- the runner -------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(join(webRoot, 'index.html'))) throw new Error('web/dist is not built: run `make web`')
  if (!existsSync(linli)) throw new Error('no linli binary at ' + linli)
  mkdirSync(artifacts, { recursive: true })
  const started = Date.now()
  const server = await startLinli({ linli, webRoot, log: (m) => console.log('e2e: ' + m) })
  shared.base = server.base
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  let passed = 0
  let failed = 0
  try {
    for (const t of tests) {
      if (args.only && !args.only.split('|').some((o) => t.name.includes(o))) continue
      const t0 = Date.now()
      try {
        await t.fn({ browser })
        passed += 1
        console.log(`  ✓ ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
      } catch (e) {
        failed += 1
        const safe = t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)
        await shared.lastPage?.screenshot({ path: join(artifacts, 'FAILED-' + safe + '.png'), fullPage: true }).catch(() => {})
        await shared.lastPage?.context().close().catch(() => {})
        console.log(`  ✗ ${t.name}\n      ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 4).join('\n      ')}`)
      }
    }
  } finally {
    await browser.close()
    await server.stop()
  }
  console.log(`e2e: screenshots in ${artifacts}; ${((Date.now() - started) / 1000).toFixed(0)} s`)
  console.log(`${passed} passed, ${failed} failed`)
  process.exit(failed ? 1 : 0)
}

main().catch((e) => {
  console.error('e2e:', e.message)
  console.log('0 passed, 1 failed')
  process.exit(1)
})
