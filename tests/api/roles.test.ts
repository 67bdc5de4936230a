import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RouteInfo } from '../../gateway/api/route-table.ts'
import { HOME, startWorld, type World } from '../support/world.ts'

let world: World
const tokens: Record<string, string> = {}
const callers = ['admin', 'dispatcher', 'supervisor', 'carer'] as const

beforeAll(async () => {
  world = await startWorld()
  await world.elder('E01')
  await world.api('PUT', '/api/v1/carers/C01', {
    name: '王芳',
    mode: 'walk',
    secret: 'secret-C01',
    base: HOME,
  })
  tokens.admin = 'test-admin-token-0123456789'
  // a session that has expired: logged in, then 12 hours and a second pass
  await world.api('PUT', '/api/v1/users/old', { role: 'dispatcher', password: 'password-old' })
  const old = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
    username: 'old',
    password: 'password-old',
  })
  tokens.expired = old.body.token
  world.clock.set(world.clock.now() + 12 * 3_600_000 + 1_000)
  for (const role of ['dispatcher', 'supervisor', 'carer'] as const) {
    const body: Record<string, unknown> = { role, password: `password-${role}` }
    if (role === 'carer') body.carerId = 'C01'
    await world.api('PUT', `/api/v1/users/${role}1`, body)
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
      username: `${role}1`,
      password: `password-${role}`,
    })
    tokens[role] = login.body.token
  }
})
afterAll(async () => {
  await world.stop()
})

/** Every HTTP route the server registered (WebSocket upgrades are covered by their own tests). */
function httpRoutes(): RouteInfo[] {
  const routes = world.app.http.routeTable.filter((r) => r.url.startsWith('/api/v1/') && !r.doc?.websocket)
  // logout ends the caller's session: it goes last
  const isLogout = (r: RouteInfo) => r.url.endsWith('/auth/logout')
  return [...routes.filter((r) => !isLogout(r)), ...routes.filter(isLogout)]
}

async function call(route: RouteInfo, token: string | undefined): Promise<number> {
  const url = route.url.replace(':username', 'carer1').replace(':id', 'C01')
  const res = await world.app.http.inject({
    method: route.method as 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(route.method === 'GET' ? {} : { payload: {} }),
  })
  return res.statusCode
}

describe('the role matrix, from the route table', () => {
  it('covers the contract’s routes', () => {
    const keys = httpRoutes().map((r) => `${r.method} ${r.url}`)
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
    for (const route of httpRoutes()) {
      if (route.roles === 'public') continue
      for (const token of [undefined, 'wrong-token', tokens.expired]) {
        expect(await call(route, token), `${route.method} ${route.url} with ${token}`).toBe(401)
      }
    }
  })

  it('answers 403 to every role a route does not admit, and lets the others through', async () => {
    for (const route of httpRoutes()) {
      for (const role of callers) {
        const status = await call(route, tokens[role])
        const label = `${role} → ${route.method} ${route.url}: ${status}`
        if (route.roles === 'public' || route.roles.includes(role)) {
          expect([401, 403], label).not.toContain(status)
        } else {
          expect(status, label).toBe(403)
        }
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
      world.app.http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${login.body.token}` } })
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
