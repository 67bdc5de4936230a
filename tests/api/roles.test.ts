import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RouteInfo } from '../../gateway/api/route-table.ts'
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
let tokens: Record<string, string>

beforeAll(async () => {
  w = await startRouteWorld()
  world = w.world
  tokens = w.tokens
})
afterAll(async () => {
  await world.stop()
})

const statusOf = async (route: RouteInfo, as: Caller, token: string | undefined) =>
  (await call(w, route, as, token)).statusCode

describe('the role matrix, from the route table', () => {
  it('covers the contract’s routes', () => {
    const keys = httpRoutes(world).map((r) => `${r.method} ${r.url}`)
    for (const expected of [
      'GET /api/v1/health',
      'POST /api/v1/auth/login',
      'PUT /api/v1/elders/:id',
      'GET /api/v1/alarms',
      'POST /api/v1/alarms/:id/actions',
      'GET /api/v1/carers/:id/tasks',
      'POST /api/v1/carers/:id/reply',
      'GET /api/v1/devices/:id/track',
      'GET /api/v1/audit',
    ]) {
      expect(keys).toContain(expected)
    }
  })

  it('answers 401 to no token, a wrong token and an expired one on every guarded route', async () => {
    for (const route of httpRoutes(world)) {
      if (route.roles === 'public') continue
      for (const token of [undefined, 'wrong-token', tokens.expired]) {
        expect(await statusOf(route, 'admin', token), `${route.method} ${route.url} with ${token}`).toBe(401)
      }
    }
  })

  it('answers 403 to every role a route does not admit, and serves the others', async () => {
    for (const route of httpRoutes(world)) {
      for (const role of callers) {
        const status = await statusOf(route, role, tokens[role])
        const label = `${role} → ${route.method} ${route.url}: ${status}`
        if (route.roles === 'public' || route.roles.includes(role)) {
          expect(requestFor(w, route, role).ok, label).toContain(status)
        } else {
          expect(status, label).toBe(403)
        }
      }
    }
  })

  it('has a valid request for every route, and none that accepts a 401, 403, 404 or 500', () => {
    for (const route of httpRoutes(world)) {
      for (const role of callers) {
        for (const status of requestFor(w, route, role).ok) expect([401, 403, 404, 500]).not.toContain(status)
      }
    }
  })

  it('keeps a carer to their own tasks', async () => {
    await world.api('PUT', '/api/v1/carers/C02', { name: '刘强', mode: 'car', secret: 'secret-C02' })
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: 'carer1',
      password: 'password-carer',
    })
    const as = (url: string) =>
      world.app.surface.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${login.body.token}` },
      })
    expect((await as('/api/v1/carers/C01/tasks')).statusCode).toBe(200)
    const res = await as('/api/v1/carers/C02/tasks')
    expect(res.statusCode).toBe(403)
  })
})

describe('login', () => {
  it('is rate-limited per username, and audited', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) {
      const res = await world.api('POST', '/api/v1/auth/login', { username: 'nobody', password: 'guess' })
      statuses.push(res.status)
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses.slice(5)).toEqual([429, 429])
    const last = await world.api('POST', '/api/v1/auth/login', { username: 'nobody', password: 'guess' })
    expect(last.body).toMatchObject({ error: { code: 'RATE_LIMITED' } })
    const audit = await world.api<{ items: { action: string; actor: string }[] }>(
      'GET',
      '/api/v1/audit?action=auth&actor=nobody',
    )
    expect(audit.body.items.filter((a) => a.action === 'auth.login_failed')).toHaveLength(5)
  })
})
