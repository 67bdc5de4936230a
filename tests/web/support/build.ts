import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../../..')
const dashboards = join(root, 'dashboards')
const built = join(dashboards, 'dist', 'index.html')

function newest(dir: string): number {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

/** Builds the pages when there is no build, or when a source is newer than it. */
export function ensureWebBuild(): void {
  const sources = Math.max(newest(join(dashboards, 'src')), newest(join(dashboards, 'public')))
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return
  execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
}
