// The console's first-page weight and the time to a usable dashboard, in Debian's Chromium against
// a real `linli serve` with the demo (青和居 and 流塘) loaded. bench/run-web-bench runs it.
//
//   node e2e/bench.mjs --linli ../build/linli [--runs 7] [--json FILE]
//
// Prints the figures; with --json also writes them to FILE (bench/run-web-bench turns that into its
// section of bench/RESULTS.md).
import { chromium } from 'playwright-core'
import { readFileSync, statSync, existsSync, writeFileSync } from 'node:fs'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startLinli } from './server.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
)
const linli = resolve(args.linli || join(here, '../../build/linli'))
const runs = Number(args.runs || 7)
const dist = resolve(here, '../dist')
const kb = (n) => (n / 1024).toFixed(1) + ' KiB'
const gzSize = (file) => (existsSync(file + '.gz') ? statSync(file + '.gz').size : statSync(file).size)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length })
const figures = { runs }

// 1. What index.html makes every first visit load (the login page, a QR page, the dashboard alike).
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const entry = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])
let entryJs = 0
let entryCss = 0
for (const path of entry) {
  const size = gzSize(join(dist, path))
  if (path.endsWith('.js')) entryJs += size
  else entryCss += size
}
console.log(`entry (index.html): JS ${kb(entryJs)} gzip, CSS ${kb(entryCss)} gzip`)
figures.entry = { js: entryJs, css: entryCss }

const server = await startLinli({ linli, webRoot: dist, log: (m) => console.log('bench: ' + m) })
figures.demoSeconds = server.demoSeconds
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] })
try {
  // A session cookie and CSRF token for the staff account, as the login page would set them.
  const login = await fetch(server.base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'staff_qhj', password: 'Linli-demo-2026' }) })
  const cookie = login.headers.get('set-cookie').split(';')[0].split('=')
  const { csrf_token: csrf } = await login.json()

  async function visit(context, page) {
    const bytes = { js: 0, css: 0, other: 0 }
    const seen = []
    page.on('response', async (r) => {
      const url = new URL(r.url())
      if (!url.pathname.startsWith('/assets/')) return
      const size = Number((await r.allHeaders())['content-length'] || 0)
      seen.push(url.pathname)
      if (url.pathname.endsWith('.js')) bytes.js += size
      else if (url.pathname.endsWith('.css')) bytes.css += size
      else bytes.other += size
    })
    const t0 = Date.now()
    await page.goto(server.base + '/dashboard')
    // Usable: the figures are in and the charts drawn.
    await page.locator('[data-test="fig-collected"]').waitFor()
    await page.locator('[data-test="figures"] ~ .grid2 canvas').first().waitFor()
    const ms = Date.now() - t0
    return { ms, bytes, seen }
  }

  const cold = []
  let transfer = null
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    await context.addCookies([{ name: cookie[0], value: cookie[1], url: server.base }])
    await context.addInitScript((t) => localStorage.setItem('linli.csrf', t), csrf)
    const page = await context.newPage()
    const r = await visit(context, page)
    cold.push(r.ms)
    transfer = r
    // The same page again in the same browser: cached assets (immutable), only API calls.
    if (i === 0) {
      const again = []
      for (let j = 0; j < runs; j++) {
        const t0 = Date.now()
        await page.reload()
        await page.locator('[data-test="fig-collected"]').waitFor()
        await page.locator('[data-test="figures"] ~ .grid2 canvas').first().waitFor()
        again.push(Date.now() - t0)
      }
      console.log(`dashboard, warm cache (reload): median ${median(again)} ms, min ${Math.min(...again)} ms, max ${Math.max(...again)} ms over ${runs}`)
      figures.dashboardWarm = spread(again)
    }
    await context.close()
  }
  console.log(`dashboard, cold cache: median ${median(cold)} ms, min ${Math.min(...cold)} ms, max ${Math.max(...cold)} ms over ${runs}`)
  console.log(`dashboard transfer (gzip, ${transfer.seen.length} asset files): JS ${kb(transfer.bytes.js)}, CSS ${kb(transfer.bytes.css)}`)
  figures.dashboardCold = spread(cold)
  figures.dashboardTransfer = { files: transfer.seen.length, js: transfer.bytes.js, css: transfer.bytes.css }

  // The resident's QR page on a phone: what a first scan costs.
  const token = await (async () => {
    const b = await fetch(server.base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'staff_qhj', password: 'Linli-demo-2026', bearer: true }) })
    const auth = 'Bearer ' + (await b.json()).token
    const nodes = await (await fetch(server.base + '/api/v1/territory/nodes?kind=building&limit=1', { headers: { Authorization: auth } })).json()
    return (await (await fetch(server.base + `/api/v1/buildings/${nodes.items[0].id}/qr`, { headers: { Authorization: auth } })).json()).url
  })()
  const qr = []
  let qrBytes = null
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 375, height: 812 } })
    const page = await context.newPage()
    const bytes = { js: 0, css: 0 }
    page.on('response', async (r) => {
      const p = new URL(r.url()).pathname
      if (!p.startsWith('/assets/')) return
      const size = Number((await r.allHeaders())['content-length'] || 0)
      if (p.endsWith('.js')) bytes.js += size
      else if (p.endsWith('.css')) bytes.css += size
    })
    const t0 = Date.now()
    await page.goto(server.base + token)
    await page.locator('[data-test="r-submit"]').waitFor()
    qr.push(Date.now() - t0)
    qrBytes = bytes
    await context.close()
  }
  console.log(`QR report page (375 px), cold cache: median ${median(qr)} ms; transfer JS ${kb(qrBytes.js)}, CSS ${kb(qrBytes.css)}`)
  figures.qrCold = spread(qr)
  figures.qrTransfer = { js: qrBytes.js, css: qrBytes.css }
  figures.browser = browser.version()
  if (args.json) writeFileSync(args.json, JSON.stringify(figures, null, 2))
} finally {
  await browser.close()
  await server.stop()
}
