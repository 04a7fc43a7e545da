// Starts a real `linli serve` on a fresh SQLite database with the demo loaded, on a free loopback
// port, serving the built console (web/dist). Used by the end-to-end tests and the web benchmark.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.once('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => ok(port))
    })
  })
}

async function waitHealthy(base, child, seconds) {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`linli serve exited with ${child.exitCode}`)
    try {
      const r = await fetch(base + '/healthz')
      if (r.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error('linli serve did not become healthy')
}

/**
 * Loads the demo into a new database and serves it. Returns {base, stop, dir, demoSeconds}.
 * `linli` is the binary; `webRoot` the built console.
 */
export async function startLinli({ linli, webRoot, log = () => {} }) {
  const dir = mkdtempSync(join(tmpdir(), 'linli-e2e-'))
  const env = {
    ...process.env,
    LINLI_DB: 'sqlite:' + join(dir, 'linli.db'),
    LINLI_KEY_FILE: join(dir, 'linli.key'),
    LINLI_ATTACHMENTS_DIR: join(dir, 'attachments'),
    LINLI_WEB_ROOT: resolve(webRoot),
    LINLI_ACCESS_LOG: 'false',
    LINLI_LOG_LEVEL: 'warn',
  }
  const started = Date.now()
  const demo = spawnSync(linli, ['demo'], { env, encoding: 'utf8' })
  if (demo.status !== 0) throw new Error('linli demo failed: ' + demo.stderr + demo.stdout)
  const demoSeconds = (Date.now() - started) / 1000
  log(`linli demo: ${demoSeconds.toFixed(1)} s`)
  const port = await freePort()
  const child = spawn(linli, ['serve', '--listen', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const base = `http://127.0.0.1:${port}`
  try {
    await waitHealthy(base, child, 60)
  } catch (e) {
    child.kill('SIGKILL')
    throw new Error(e.message + '\n' + output)
  }
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await new Promise((r) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL')
          r()
        }, 10000)
        child.once('exit', () => {
          clearTimeout(timer)
          r()
        })
      })
    }
    rmSync(dir, { recursive: true, force: true })
  }
  return { base, stop, dir, demoSeconds, output: () => output }
}
