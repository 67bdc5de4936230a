import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

// `npm run demo`, the newcomer's first command, run as they would run it: the whole system comes up and
// the simulated district's alarms are handled through to `resolved`
const root = resolve(import.meta.dirname, '..', '..')
const TOKEN = 'demo-test-admin-token-0123456789'
interface PackageJson {
  scripts: Record<string, string>
}

describe('npm run demo', () => {
  let demo: ChildProcess | undefined
  const dataDir = mkdtempSync(join(tmpdir(), 'care-demo-test-'))
  afterAll(async () => {
    if (demo?.pid && demo.exitCode === null) {
      const exited = new Promise((r) => demo?.once('exit', r))
      // the demo and its gateway child: the whole group, as a Ctrl-C in a terminal would
      process.kill(-demo.pid, 'SIGTERM')
      await exited
    }
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('prints where to look and how to log in, and handles alarms through to resolved', async () => {
    // what `npm run demo` runs, started directly so that the test owns its process group
    const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson).scripts.demo
    expect(script).toBe('node scripts/demo.ts')
    const args = ['scripts/demo.ts', '--speed', '1200', '--elders', '40', '--seed', '3']
    demo = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, CARE_ADMIN_TOKEN: TOKEN, CARE_DATA_DIR: dataDir, CARE_FLOWS: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let out = ''
    demo.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    demo.stderr?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const banner = async () => {
      const deadline = Date.now() + 60_000
      for (;;) {
        const api = /HTTP API\s+(http:\/\/\S+)\/api\/v1/.exec(out)
        if (api && /web logins/.test(out) && /\n\s*dispatcher\s+\S+/.test(out)) return api[1] as string
        if (demo?.exitCode !== null) throw new Error(`demo exited: ${out}`)
        if (Date.now() > deadline) throw new Error(`no banner: ${out}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    const httpUrl = await banner()
    expect(out).toMatch(/\/login/)

    // the printed dispatcher login works
    const dispatcher = /\n\s*dispatcher\s+(\S+)/.exec(out)?.[1]
    const login = await fetch(`${httpUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'dispatcher', password: dispatcher }),
    })
    expect(login.status).toBe(200)

    const deadline = Date.now() + 60_000
    let resolved = 0
    while (resolved === 0) {
      if (Date.now() > deadline) throw new Error(`no alarm resolved within a minute: ${out.slice(-2000)}`)
      await new Promise((r) => setTimeout(r, 500))
      const res = await fetch(`${httpUrl}/api/v1/alarms?state=resolved`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
      resolved = ((await res.json()) as { items: unknown[] }).items.length
    }
    expect(resolved).toBeGreaterThan(0)

    // and its carers do their rounds of visits: the ledger fills (docs/visits.md, "The demo")
    const visitsBy = Date.now() + 60_000
    let done = 0
    while (done === 0) {
      if (Date.now() > visitsBy) throw new Error(`no visit done within a minute: ${out.slice(-2000)}`)
      await new Promise((r) => setTimeout(r, 500))
      const res = await fetch(`${httpUrl}/api/v1/visits?status=done&kind=planned`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
      done = ((await res.json()) as { items: unknown[] }).items.length
    }
    expect(out).toMatch(/visits: \d+ stations, 40 elders planned, \d+ due today/)
  }, 210_000)
})
