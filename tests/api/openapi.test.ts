import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { answerSchema, type RouteInfo } from '../../gateway/api/route-table.ts'
import type { World } from '../support/world.ts'
import {
  type Caller,
  call,
  callers,
  httpRoutes,
  type RouteWorld,
  requestFor,
  startRouteWorld,
} from './support/route-requests.ts'

let w: RouteWorld
let world: World
beforeAll(async () => {
  w = await startRouteWorld()
  world = w.world
})
afterAll(async () => {
  await world.stop()
})

const ADMIN = 'test-admin-token-0123456789'
const label = (route: RouteInfo) => `${route.method} ${route.url}`

/** The answer fits, field for field, the schema its route declares for its status. */
function expectFits(route: RouteInfo, res: LightMyRequestResponse, what: string): void {
  const context = `${label(route)} (${what}) → ${res.statusCode} ${res.body.slice(0, 400)}`
  const schema = answerSchema(route.doc, res.statusCode)
  expect(schema, `${context}: a status the route does not declare`).toBeDefined()
  if (!schema) return
  if (res.statusCode === 204) {
    expect(res.body, context).toBe('')
    return
  }
  const declared = (z.toJSONSchema(schema, { unrepresentable: 'any' }) as { contentMediaType?: string })
    .contentMediaType
  const media = (declared ?? 'application/json').split(';')[0] ?? ''
  expect(String(res.headers['content-type']), context).toMatch(new RegExp(`^${media}`))
  const parsed = schema.safeParse(media === 'application/json' ? res.json() : res.body)
  expect(parsed.success ? [] : parsed.error.issues, context).toEqual([])
}

/** The route's valid request with each `:param` replaced. */
function withParams(route: RouteInfo, value: string): string {
  const query = requestFor(w, route, 'admin').url.split('?')[1]
  return route.url.replace(/:\w+/g, value) + (query ? `?${query}` : '')
}

function inject(route: RouteInfo, url: string, payload: unknown, type = 'application/json') {
  const headers: Record<string, string> = payload !== undefined ? { 'content-type': type } : {}
  // the admin where admitted; else the first role the route admits (a carer's own routes)
  if (route.roles !== 'public') {
    const as = route.roles.includes('admin') ? 'admin' : route.roles[0]
    headers.authorization = `Bearer ${as === 'admin' || !as ? ADMIN : w.tokens[as]}`
  }
  return world.app.surface.inject({
    method: route.method as 'GET',
    url,
    headers,
    ...(payload !== undefined ? { payload: payload as string } : {}),
  })
}

describe('every answer of the API fits the schema its route declares', () => {
  it('to a caller without a token, and to one whose role the route does not admit', async () => {
    for (const route of httpRoutes(world)) {
      if (route.roles === 'public') continue
      expectFits(route, await call(w, route, 'admin', undefined), 'no token')
      const refused = callers.find((c) => !route.roles.includes(c))
      if (refused) expectFits(route, await call(w, route, refused, w.tokens[refused]), refused)
    }
  })

  it('to a request its schemas refuse', async () => {
    let checked = 0
    for (const route of httpRoutes(world)) {
      const { doc } = route
      if (!doc.params && !doc.query && !doc.body) continue
      const valid = requestFor(w, route, 'admin')
      // params are checked first, then the body, then the query; each bad one alone is enough
      const res = doc.params
        ? await inject(route, withParams(route, 'a'.repeat(65)), valid.body, valid.type)
        : doc.query
          ? await inject(route, `${valid.url.split('?')[0]}?unknown=1`, valid.body, valid.type)
          : await inject(route, valid.url, {})
      expect(res.statusCode, `${label(route)}: ${res.body}`).toBe(400)
      expectFits(route, res, 'invalid request')
      checked++
    }
    expect(checked).toBeGreaterThan(30)
  })

  it('to a body that is not JSON, or of a type the route does not read', async () => {
    for (const route of httpRoutes(world)) {
      if (route.method === 'GET') continue
      const { url } = requestFor(w, route, 'admin')
      const broken = await inject(route, url, '{"', 'application/json')
      expect(broken.json(), label(route)).toMatchObject({ error: { code: 'INVALID_JSON' } })
      expectFits(route, broken, 'broken JSON')
      const xml = await inject(route, url, '<alarm/>', 'application/xml')
      expect(xml.statusCode, label(route)).toBe(415)
      expectFits(route, xml, 'XML')
    }
  })

  it('to an id that names nothing', async () => {
    let notFound = 0
    for (const route of httpRoutes(world)) {
      // a PUT creates what it names
      if (!route.url.includes(':') || route.method === 'PUT') continue
      const valid = requestFor(w, route, 'admin')
      const res = await inject(route, withParams(route, 'Nobody-00'), valid.body, valid.type)
      // a worklist's name is not an id: it is refused as a bad parameter
      expect([400, 404], `${label(route)}: ${res.body}`).toContain(res.statusCode)
      expectFits(route, res, 'unknown id')
      if (res.statusCode === 404) notFound++
    }
    expect(notFound).toBeGreaterThan(10)
  })

  // last: a carer's and a dispatcher's logout ends the sessions the other tests call with
  it('to a valid request, from every role the route admits', async () => {
    for (const route of httpRoutes(world)) {
      const roles: readonly Caller[] = route.roles === 'public' ? ['admin'] : route.roles
      for (const role of roles) {
        const token = route.roles === 'public' ? undefined : w.tokens[role]
        const res = await call(w, route, role, token)
        expect(requestFor(w, route, role).ok, `${role} → ${label(route)}: ${res.body}`).toContain(
          res.statusCode,
        )
        expectFits(route, res, role)
      }
    }
  })

  it('to every worklist, once the devices have been silent for a day', async () => {
    world.clock.set(world.clock.now() + 25 * 3_600_000)
    const route = httpRoutes(world).find((r) => r.url === '/api/v1/stats/lists/:list')
    if (!route) throw new Error('no worklist route')
    for (const list of ['late', 'flagged', 'unrated', 'silent']) {
      const res = await inject(route, `/api/v1/stats/lists/${list}`, undefined)
      expect(res.statusCode, res.body).toBe(200)
      expectFits(route, res, list)
    }
    const silent = await inject(route, '/api/v1/stats/lists/silent', undefined)
    expect((silent.json() as { items: { id: string }[] }).items.map((d) => d.id)).toContain('D01')
  })
})

interface Operation {
  summary: string
  description: string
  parameters: { name: string; in: string; schema: unknown }[]
  requestBody?: { content: Record<string, { schema: unknown }> }
  responses: Record<string, { description: string; content?: Record<string, { schema: ResponseSchema }> }>
}
type ResponseSchema = Record<string, unknown> & {
  allOf?: [{ $ref: string }, { properties: { error: { properties: { code: { enum: string[] } } } } }]
}

describe('the OpenAPI document', () => {
  let operations: [string, Operation][]
  let components: Record<string, unknown>
  beforeAll(async () => {
    const res = await world.app.surface.inject({ method: 'GET', url: '/docs/json' })
    const doc = res.json() as {
      paths: Record<string, Record<string, Operation>>
      components: { schemas: Record<string, unknown> }
    }
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(
        ([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation],
      ),
    )
    components = doc.components.schemas
  })

  it('has an operation for every route of the route table', () => {
    const documented = operations.map(([key]) => key)
    for (const route of world.app.surface.routes().filter((r) => r.url.startsWith('/api/v1/'))) {
      expect(documented).toContain(`${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`)
    }
  })

  it('gives every answer a schema, and every error the shared Error component', () => {
    expect(components.Error).toBeDefined()
    for (const [key, op] of operations) {
      expect(op.summary, key).not.toBe(key)
      expect(op.description, key).toMatch(/^(Roles: |No token needed)/)
      expect(Object.keys(op.responses).length, key).toBeGreaterThan(1)
      for (const [status, answer] of Object.entries(op.responses)) {
        // 204 and a WebSocket's 101 have no body
        if (status === '204' || status === '101') {
          expect(answer.content, `${key} ${status}`).toBeUndefined()
          continue
        }
        const schemas = Object.values(answer.content ?? {}).map((c) => c.schema)
        expect(schemas.length, `${key} ${status} has no schema`).toBe(1)
        if (Number(status) >= 400 && status !== '503') {
          expect(schemas[0]?.allOf?.[0].$ref, `${key} ${status}`).toBe('#/components/schemas/Error')
        }
      }
    }
  })

  it('lists under each error status only codes docs/api.md explains with that status', () => {
    const table = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'api.md'), 'utf8')
    const documented = new Map(
      [...table.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], m[2]]),
    )
    let codes = 0
    for (const [key, op] of operations) {
      for (const [status, answer] of Object.entries(op.responses)) {
        const schema = answer.content?.['application/json']?.schema
        for (const code of schema?.allOf?.[1].properties.error.properties.code.enum ?? []) {
          expect(documented.get(code), `${key}: ${code}`).toBe(status)
          codes++
        }
      }
    }
    expect(codes).toBeGreaterThan(operations.length * 2)
  })

  it('shows request bodies with their secrets, and no secret, password or hash in any answer', () => {
    const names = (schema: unknown): string[] => {
      if (Array.isArray(schema)) return schema.flatMap(names)
      if (schema === null || typeof schema !== 'object') return []
      const own = Object.keys((schema as { properties?: object }).properties ?? {})
      return [...own, ...Object.values(schema).flatMap(names)]
    }
    const bodies = operations.flatMap(([, op]) => names(op.requestBody))
    expect(bodies).toContain('secret')
    expect(bodies).toContain('password')
    for (const [key, op] of operations) {
      for (const name of names(op.responses)) expect(name, key).not.toMatch(/secret|password|hash/i)
    }
  })

  it('describes parameters from the route’s own schemas', () => {
    const op = (key: string) => operations.find(([k]) => k === key)?.[1]
    const alarms = op('GET /api/v1/alarms')
    expect(alarms?.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['state', 'limit', 'unrated']),
    )
    const elder = op('GET /api/v1/elders/{id}')
    expect(elder?.parameters).toEqual([
      expect.objectContaining({
        name: 'id',
        in: 'path',
        schema: expect.objectContaining({ pattern: expect.any(String) }),
      }),
    ])
    expect(Object.keys(op('GET /api/v1/metrics')?.responses['200']?.content ?? {})).toEqual([
      'text/plain; version=0.0.4',
    ])
  })
})
