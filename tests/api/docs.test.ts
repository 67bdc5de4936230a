import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorCodes } from '../../gateway/api/errors.ts'
import { startWorld, type World } from '../support/world.ts'

const root = join(import.meta.dirname, '..', '..')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

describe('docs/api.md error table', () => {
  const doc = readFileSync(join(root, 'docs', 'api.md'), 'utf8')
  const documented = new Map(
    [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1] ?? '', Number(m[2])]),
  )
  const code = sources(join(root, 'gateway'))
    .filter((f) => !f.endsWith(join('api', 'errors.ts')))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n')
    // a route's `errors: [...]` only declares codes: it does not use them
    .replace(/errors:[^\n[]*(\[[^\]]*\][^\n[]*)+/g, '')

  it('documents every code the server has, with its status', () => {
    for (const [name, { status }] of Object.entries(errorCodes)) {
      expect(documented.get(name), name).toBe(status)
    }
  })

  it('documents no code the server does not have', () => {
    for (const name of documented.keys()) expect(Object.keys(errorCodes), name).toContain(name)
  })

  it('has no code that nothing uses', () => {
    // the error handler maps these from Fastify's own failures
    const mappedByHandler = new Set([
      'BAD_REQUEST',
      'INVALID_JSON',
      'NOT_FOUND',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
      'INTERNAL',
    ])
    for (const name of Object.keys(errorCodes)) {
      if (mappedByHandler.has(name)) continue
      expect(code.includes(`'${name}'`), `${name} is documented but never used`).toBe(true)
    }
  })
})

describe('the OpenAPI document', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(async () => {
    await world.stop()
  })

  it('lists every route with a summary and its schemas', async () => {
    const res = await world.app.surface.inject({ method: 'GET', url: '/docs/json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json() as {
      paths: Record<string, Record<string, { summary: string; description: string }>>
    }
    for (const route of world.app.surface.routes()) {
      if (!route.url.startsWith('/api/v1/')) continue
      const path = route.url.replace(/:(\w+)/g, '{$1}')
      const op = doc.paths[path]?.[route.method.toLowerCase()]
      expect(op, `${route.method} ${route.url}`).toBeDefined()
      expect(route.doc.summary, `${route.method} ${route.url} has no summary`).toBeTruthy()
    }
    const put = doc.paths['/api/v1/elders/{id}']?.put as unknown as {
      requestBody: unknown
      description: string
    }
    expect(JSON.stringify(put.requestBody)).toContain('"home"')
    expect(put.description).toBe('Roles: admin.')
  })

  it('serves the page at /docs', async () => {
    const res = await world.app.surface.inject({ method: 'GET', url: '/docs/' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('swagger')
  })
})
