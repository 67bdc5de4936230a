/**
 * Builds the browser pages (dashboards/ → dashboards/dist) when there is no build yet, or when a
 * source is newer than it. `npm start` runs it first (prestart), so a fresh clone serves its pages;
 * the browser tests' global setup runs it too.
 *
 *   node scripts/build-web.ts     builds if needed; silent when the build is up to date
 *
 * Without Vite (an install without the dev dependencies) it says so in one line and exits 0: the
 * gateway then serves a hint at the page URLs. A failed build is reported and also exits 0 from the
 * command line — an alarm gateway must start without its pages — while `ensureWebBuild` throws.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')

const say = (line: string) => process.stdout.write(`${line}\n`)

export type WebBuildState = 'fresh' | 'stale' | 'missing'
export type WebBuildResult = 'fresh' | 'built' | 'no-vite'

/** The newest modification time under `path` (a file or a directory), 0 when it is not there. */
function newest(path: string): number {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let latest = 0
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)))
  return latest
}

/** What the build goes by: the sources, the public files, the page entries, the config, the lock file. */
function sourcesOf(root: string): string[] {
  const web = join(root, 'dashboards')
  return [
    join(web, 'src'),
    join(web, 'public'),
    join(web, 'index.html'),
    join(web, 'carer', 'index.html'),
    join(web, 'supervision', 'index.html'),
    join(web, 'login', 'index.html'),
    join(web, 'admin', 'index.html'),
    join(web, 'vite.config.ts'),
    join(root, 'package-lock.json'),
  ]
}

export function webBuildState(root = ROOT): WebBuildState {
  const built = join(root, 'dashboards', 'dist', 'index.html')
  if (!existsSync(built)) return 'missing'
  const sources = Math.max(...sourcesOf(root).map(newest))
  return statSync(built).mtimeMs >= sources ? 'fresh' : 'stale'
}

/** Vite's command-line entry as this checkout would load it, or undefined when it is not installed. */
export function viteBin(root = ROOT): string | undefined {
  try {
    const pkg = createRequire(join(root, 'package.json')).resolve('vite/package.json')
    const bin = join(dirname(pkg), 'bin', 'vite.js')
    return existsSync(bin) ? bin : undefined
  } catch {
    return undefined
  }
}

/**
 * Builds the pages when they are missing or stale. Vite runs in a child process on this same Node,
 * so nothing of it (its NODE_ENV, its module cache) stays in the caller. Throws when the build fails.
 */
export function ensureWebBuild(options: { root?: string; quiet?: boolean } = {}): WebBuildResult {
  const root = options.root ?? ROOT
  const state = webBuildState(root)
  if (state === 'fresh') return 'fresh'
  const vite = viteBin(root)
  if (!vite) return 'no-vite'
  if (!options.quiet) {
    say(`building the web pages (${state === 'missing' ? 'no build yet' : 'sources changed'})…`)
  }
  const started = performance.now()
  const run = spawnSync(
    process.execPath,
    [vite, 'build', '--config', join('dashboards', 'vite.config.ts'), '--logLevel', 'warn'],
    { cwd: root, stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'inherit'] },
  )
  if (run.error) throw run.error
  if (run.status !== 0) throw new Error(`vite build failed (exit ${run.status ?? run.signal})`)
  if (!options.quiet) {
    const dist = relative(process.cwd(), join(root, 'dashboards', 'dist')) || '.'
    say(`web pages built into ${dist} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  return 'built'
}

if (import.meta.main) {
  try {
    const result = ensureWebBuild()
    if (result === 'no-vite') {
      const note = webBuildState() === 'missing' ? 'not built' : 'left as they are'
      say(`web pages ${note}: Vite is not installed (install with dev dependencies, then npm run build:web)`)
    }
  } catch (error) {
    console.error(`web pages not built: ${error instanceof Error ? error.message : String(error)}`)
    console.error('the gateway starts without them; fix the build, then npm run build:web')
  }
}
