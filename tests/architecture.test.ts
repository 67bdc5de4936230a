import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * docs/architecture.md, "What may import what", checked on the source: a
 * new import across a layer, or SQL outside the store adapters, fails here.
 */

const root = resolve(import.meta.dirname, '..')

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)))
}

/** The repository paths a file imports (relative imports only: packages are not layers). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map(
    (m) => m[1] ?? '',
  )
  return specs.map((s) => relative(root, resolve(root, dirname(file), s)))
}

const under = (path: string, ...dirs: string[]) => dirs.some((d) => path.startsWith(`${d}/`) || path === d)

function violations(from: string[], allowed: (target: string, file: string) => boolean): string[] {
  return from.flatMap((file) =>
    importsOf(file)
      .filter((t) => !allowed(t, file))
      .map((t) => `${file} → ${t}`),
  )
}

describe('the layers', () => {
  it('kernel/ imports nothing of the broker, the gateway or the pages', () => {
    expect(violations(sources('kernel'), (t) => under(t, 'kernel'))).toEqual([])
  })

  it('broker/ imports only the kernel', () => {
    expect(violations(sources('broker'), (t) => under(t, 'broker', 'kernel'))).toEqual([])
  })

  it('gateway/dispatch/ is pure: only the kernel and itself', () => {
    expect(violations(sources('gateway/dispatch'), (t) => under(t, 'gateway/dispatch', 'kernel'))).toEqual([])
  })

  it('nothing but the composition root imports the store adapters', () => {
    const gateway = sources('gateway').filter((f) => !under(f, 'gateway/store') && f !== 'gateway/wire.ts')
    expect(violations(gateway, (t) => !under(t, 'gateway/store'))).toEqual([])
  })

  it('the gateway imports nothing of the broker but in the composition root', () => {
    const gateway = sources('gateway').filter((f) => f !== 'gateway/wire.ts')
    expect(violations(gateway, (t) => !under(t, 'broker'))).toEqual([])
  })

  it('the pages take only types from the gateway, and values from the kernel and the pure dispatch', () => {
    const pages = sources('dashboards/src')
    const bad = pages.flatMap((file) => {
      const text = readFileSync(join(root, file), 'utf8')
      return [...text.matchAll(/^import\s+(type\s+)?[^'"]*from\s+['"](\.{1,2}\/[^'"]+)['"]/gm)]
        .map((m) => ({
          typeOnly: m[1] !== undefined,
          target: relative(root, resolve(root, dirname(file), m[2] ?? '')),
        }))
        .filter(
          ({ typeOnly, target }) =>
            under(target, 'gateway') && !typeOnly && !under(target, 'gateway/dispatch'),
        )
        .map(({ target }) => `${file} → ${target}`)
    })
    expect(bad).toEqual([])
  })
})

describe('state behind ports', () => {
  it('has no SQL outside gateway/store', () => {
    const sql = /\bdb\.(prepare|exec)\(|new DatabaseSync\(|from 'node:sqlite'/
    const found = [...sources('gateway'), ...sources('broker'), ...sources('kernel')]
      .filter((f) => !under(f, 'gateway/store'))
      .filter((f) => sql.test(readFileSync(join(root, f), 'utf8')))
    expect(found).toEqual([])
  })
})
