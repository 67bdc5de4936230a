import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ensureWebBuild, viteBin, webBuildState } from '../../scripts/build-web.ts'

const repo = resolve(import.meta.dirname, '../..')
const temp = mkdtempSync(join(tmpdir(), 'care-build-web-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

/** A checkout with page sources and no node_modules: what an install without dev dependencies has. */
function bareCheckout(name: string): string {
  const root = join(temp, name)
  mkdirSync(join(root, 'dashboards', 'src'), { recursive: true })
  mkdirSync(join(root, 'scripts'), { recursive: true })
  writeFileSync(join(root, 'package.json'), '{"type":"module"}')
  writeFileSync(join(root, 'dashboards', 'index.html'), '<!doctype html>')
  writeFileSync(join(root, 'dashboards', 'src', 'main.ts'), 'export {}')
  copyFileSync(join(repo, 'scripts', 'build-web.ts'), join(root, 'scripts', 'build-web.ts'))
  return root
}

const at = (path: string, ms: number) => utimesSync(path, ms / 1000, ms / 1000)

describe('scripts/build-web.ts: npm start builds the pages when they are missing or stale', () => {
  it('tells a missing, a stale and a fresh build apart by modification times', () => {
    const root = bareCheckout('state')
    expect(webBuildState(root)).toBe('missing')
    const built = join(root, 'dashboards', 'dist', 'index.html')
    mkdirSync(join(root, 'dashboards', 'dist'))
    writeFileSync(built, '<!doctype html>')
    const now = Date.now()
    at(join(root, 'dashboards', 'src', 'main.ts'), now - 60_000)
    at(join(root, 'dashboards', 'index.html'), now - 60_000)
    at(built, now)
    expect(webBuildState(root)).toBe('fresh')
    // a page entry, a source or the lock file newer than the build makes it stale
    at(join(root, 'dashboards', 'index.html'), now + 1_000)
    expect(webBuildState(root)).toBe('stale')
    at(join(root, 'dashboards', 'index.html'), now - 60_000)
    writeFileSync(join(root, 'package-lock.json'), '{}')
    at(join(root, 'package-lock.json'), now + 1_000)
    expect(webBuildState(root)).toBe('stale')
  })

  it('without Vite says so in one line and exits 0, building nothing', () => {
    const root = bareCheckout('no-vite')
    expect(viteBin(root)).toBeUndefined()
    expect(ensureWebBuild({ root, quiet: true })).toBe('no-vite')
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'build-web.ts')], { encoding: 'utf8' })
    expect(run.status).toBe(0)
    expect(run.stderr).toBe('')
    const lines = run.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/not built: Vite is not installed/)
    expect(webBuildState(root)).toBe('missing')
  })

  it('is silent and quick when the build is up to date (the global setup has just built it)', () => {
    expect(webBuildState(repo)).toBe('fresh')
    expect(viteBin(repo)).toBeDefined()
    const started = performance.now()
    const run = spawnSync(process.execPath, [join(repo, 'scripts', 'build-web.ts')], { encoding: 'utf8' })
    expect(run.status).toBe(0)
    expect(run.stdout + run.stderr).toBe('')
    expect(performance.now() - started).toBeLessThan(5_000)
  })

  it('declares itself as the prestart of npm start', async () => {
    const { default: pkg } = await import('../../package.json', { with: { type: 'json' } })
    expect(pkg.scripts.prestart).toBe('node scripts/build-web.ts')
  })
})
