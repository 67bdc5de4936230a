import type { LightMyRequestResponse as Response } from 'fastify'
import type { RouteInfo } from '../../../gateway/api/route-table.ts'
import { HOME, startWorld, type World } from '../../support/world.ts'
import { jpegWithGps } from '../../visits/support/images.ts'

/**
 * A world with something behind every route, and a valid request for each route in the route table:
 * the role matrix (roles.test.ts) and the schema check of every answer (openapi.test.ts) both call
 * every route with it.
 */

export const callers = ['admin', 'dispatcher', 'supervisor', 'carer'] as const
export type Caller = (typeof callers)[number]

export interface RouteWorld {
  world: World
  /** A token per role, and `expired`: a session 12 hours and a second old. */
  tokens: Record<string, string>
  /** An open alarm (no carer near: escalated), to act on. */
  openAlarm: string
  /** A cancelled alarm, to rate. */
  closedAlarm: string
  /** A finished import job, to read. */
  importJob: string
  /** E01's planned visit, given to C01, with `photo` uploaded to it; E02's, to check in and out. */
  visit: string
  photo: string
  visitAtDoor: string
}

export async function startRouteWorld(): Promise<RouteWorld> {
  const world = await startWorld()
  await world.elder('E01')
  // a device that has talked: a status, a fix and a reading, so its record, track and export have them
  const phone = await world.device('D01', 'E01')
  await phone.publish('care/v1/dev/D01/status', { online: true, battery: 81 })
  await phone.publish('care/v1/dev/D01/loc', { ts: world.clock.now(), lat: HOME.lat, lon: HOME.lon, acc: 12 })
  await phone.publish('care/v1/dev/D01/vitals', { ts: world.clock.now(), hr: 72 })
  await world.api('PUT', '/api/v1/carers/C01', {
    name: '王芳',
    mode: 'walk',
    secret: 'secret-C01',
    base: HOME,
  })
  await world.elder('E-erase')
  const open = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E01' })
  const openAlarm = open.body.id
  await world.elder('E02')
  const closed = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E02' })
  const closedAlarm = closed.body.id
  await world.api('POST', `/api/v1/alarms/${closedAlarm}/actions`, { action: 'cancel' })
  // an alarm C01 holds, so their task list is not empty
  await world.elder('E03')
  const held = await world.api<{ id: string }>('POST', '/api/v1/alarms', { elderId: 'E03' })
  await world.api('POST', `/api/v1/alarms/${held.body.id}/actions`, { action: 'assign', carerId: 'C01' })
  for (const victim of ['victim', 'victim-deleted']) {
    await world.api('PUT', `/api/v1/users/${victim}`, { role: 'dispatcher', password: `password-${victim}` })
  }
  const tokens: Record<string, string> = { admin: 'test-admin-token-0123456789' }
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
  await world.api('PUT', '/api/v1/services/S01', { name: '短信通知', secret: 'secret-S01' })
  await world.api('PUT', '/api/v1/stations/ST01', { name: '东关服务站', grid: ['Haifeng St'] })
  const job = await world.app.surface.inject({
    method: 'POST',
    url: '/api/v1/import/jobs?type=elders',
    headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'text/csv' },
    payload: `id,name,lat,lon\nE20,Li Hua,${HOME.lat},${HOME.lon}\n`,
  })
  const importJob = (job.json() as { id: string }).id
  for (let i = 0; i < 100; i++) {
    const view = await world.api<{ state: string }>('GET', `/api/v1/import/jobs/${importJob}`)
    if (view.body.state !== 'running') break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  // visits: E01's and E02's planned visits given to C01, a photo on E01's
  const visitOf = async (elderId: string) => {
    await world.api('PUT', `/api/v1/elders/${elderId}/visit-plan`, { carerId: 'C01' })
    const list = await world.api<{ items: { id: string }[] }>(
      'GET',
      `/api/v1/visits?elderId=${elderId}&status=due`,
    )
    return list.body.items[0]?.id as string
  }
  const visit = await visitOf('E01')
  const visitAtDoor = await visitOf('E02')
  const uploaded = await world.app.surface.inject({
    method: 'POST',
    url: `/api/v1/visits/${visit}/photos`,
    headers: { authorization: `Bearer ${tokens.carer}`, 'content-type': 'image/jpeg' },
    payload: jpegWithGps('route-world'),
  })
  const photo = (uploaded.json() as { id: string }).id
  return { world, tokens, openAlarm, closedAlarm, importJob, visit, photo, visitAtDoor }
}

/** Every HTTP route the server registered (WebSocket upgrades are covered by their own tests). */
export function httpRoutes(world: World): RouteInfo[] {
  const routes = world.app.surface.routes().filter((r) => r.url.startsWith('/api/v1/') && !r.doc.websocket)
  // logout ends the caller's session: it goes last
  const isLogout = (r: RouteInfo) => r.url.endsWith('/auth/logout')
  return [...routes.filter((r) => !isLogout(r)), ...routes.filter(isLogout)]
}

export interface Call {
  url: string
  body?: unknown
  /** Content type of a body that is not JSON. */
  type?: string
  /** What an admitted caller gets: a success, or the one domain answer this request must give. */
  ok: number[]
}

/**
 * A valid request for each route, as `caller` makes it, and the statuses that prove the route let
 * that caller through and did its work. A 404 or a 500 is never among them: a route answering that
 * to an admitted role has not shown that the role may use it. Routes that destroy something get a
 * fresh victim per call.
 */
const requests: Record<string, (caller: Caller, w: RouteWorld) => Call> = {
  'GET /api/v1/health': () => ({ url: '/api/v1/health', ok: [200] }),
  'POST /api/v1/auth/login': () => ({
    url: '/api/v1/auth/login',
    body: { username: 'supervisor1', password: 'password-supervisor' },
    ok: [200],
  }),
  'POST /api/v1/auth/carer': () => ({
    url: '/api/v1/auth/carer',
    body: { carerId: 'C01', secret: 'secret-C01' },
    ok: [200],
  }),
  // the bootstrap token is not a session: logout says so instead of pretending
  'POST /api/v1/auth/logout': (caller) => ({
    url: '/api/v1/auth/logout',
    ok: caller === 'admin' ? [409] : [204],
  }),
  // no admin user exists here, so retiring the bootstrap token is refused (LAST_ADMIN), past the role check
  'POST /api/v1/auth/bootstrap-token/retire': () => ({
    url: '/api/v1/auth/bootstrap-token/retire',
    ok: [409],
  }),
  'POST /api/v1/users/:username/disable': () => ({ url: '/api/v1/users/victim/disable', ok: [200] }),
  'POST /api/v1/users/:username/enable': () => ({ url: '/api/v1/users/victim/enable', ok: [200] }),
  'DELETE /api/v1/users/:username': () => ({ url: '/api/v1/users/victim-deleted', ok: [204] }),
  'GET /api/v1/metrics': () => ({ url: '/api/v1/metrics', ok: [200] }),
  'GET /api/v1/audit': () => ({ url: '/api/v1/audit?limit=5', ok: [200] }),
  'PUT /api/v1/elders/:id': () => ({
    url: '/api/v1/elders/E01',
    body: { name: '赵大爷', home: HOME },
    ok: [200],
  }),
  'GET /api/v1/elders': () => ({ url: '/api/v1/elders?q=e0&risk=medium,high', ok: [200] }),
  'GET /api/v1/grids': () => ({ url: '/api/v1/grids?parent=Haifeng St', ok: [200] }),
  'GET /api/v1/elders/:id': () => ({ url: '/api/v1/elders/E01', ok: [200] }),
  'PUT /api/v1/devices/:id': () => ({
    url: '/api/v1/devices/D09',
    body: { kind: 'watch', elderId: 'E01', secret: 'secret-D09' },
    ok: [200, 201],
  }),
  'GET /api/v1/devices': () => ({ url: '/api/v1/devices?elderId=E01,E02', ok: [200] }),
  'GET /api/v1/devices/:id': () => ({ url: '/api/v1/devices/D01', ok: [200] }),
  'GET /api/v1/devices/:id/track': () => ({ url: '/api/v1/devices/D01/track', ok: [200] }),
  // D01 speaks MQTT, not the watch listener's protocol: the route's own refusal, past the role check
  'POST /api/v1/devices/:id/commands': () => ({
    url: '/api/v1/devices/D01/commands',
    body: { command: 'locate' },
    ok: [409],
  }),
  'PUT /api/v1/carers/:id': () => ({
    url: '/api/v1/carers/C09',
    body: { name: '刘强', mode: 'car', secret: 'secret-C09' },
    ok: [200, 201],
  }),
  'GET /api/v1/carers': () => ({ url: '/api/v1/carers', ok: [200] }),
  'GET /api/v1/carers/:id': () => ({ url: '/api/v1/carers/C01', ok: [200] }),
  'GET /api/v1/carers/:id/tasks': () => ({ url: '/api/v1/carers/C01/tasks', ok: [200] }),
  // a valid reply to an alarm never offered to C01: the dispatcher's own refusal, past the role check
  'POST /api/v1/carers/:id/reply': (_caller, w) => ({
    url: '/api/v1/carers/C01/reply',
    body: { alarmId: w.openAlarm, action: 'decline', ts: w.world.clock.now() },
    ok: [409],
  }),
  'POST /api/v1/carers/:id/duty': () => ({
    url: '/api/v1/carers/C01/duty',
    body: { status: 'off' },
    ok: [200],
  }),
  'PUT /api/v1/services/:id': () => ({
    url: '/api/v1/services/S09',
    body: { secret: 'secret-S09' },
    ok: [200, 201],
  }),
  'GET /api/v1/services': () => ({ url: '/api/v1/services', ok: [200] }),
  'PUT /api/v1/stations/:id': () => ({
    url: '/api/v1/stations/ST09',
    body: { name: '西关服务站', phone: '0543-3211234', location: HOME },
    ok: [200, 201],
  }),
  'GET /api/v1/stations': () => ({ url: '/api/v1/stations', ok: [200] }),
  'GET /api/v1/stations/:id': () => ({ url: '/api/v1/stations/ST01', ok: [200] }),
  'PUT /api/v1/users/:username': () => ({
    url: '/api/v1/users/u09',
    body: { role: 'dispatcher', password: 'password-u09' },
    ok: [200, 201],
  }),
  'GET /api/v1/users': () => ({ url: '/api/v1/users', ok: [200] }),
  'GET /api/v1/users/:username': () => ({ url: '/api/v1/users/carer1', ok: [200] }),
  'GET /api/v1/alarms': () => ({ url: '/api/v1/alarms?elderId=E01', ok: [200] }),
  'GET /api/v1/alarms/:id': (_caller, w) => ({ url: `/api/v1/alarms/${w.openAlarm}`, ok: [200] }),
  // the elder's alarm is open: a second call is a note on it
  'POST /api/v1/alarms': () => ({ url: '/api/v1/alarms', body: { elderId: 'E01' }, ok: [200, 201] }),
  'POST /api/v1/alarms/:id/actions': (_caller, w) => ({
    url: `/api/v1/alarms/${w.openAlarm}/actions`,
    body: { action: 'note', note: '回访' },
    ok: [200],
  }),
  'POST /api/v1/alarms/:id/rating': (_caller, w) => ({
    url: `/api/v1/alarms/${w.closedAlarm}/rating`,
    body: { score: 5, by: 'elder' },
    ok: [201],
  }),
  'GET /api/v1/stats': () => ({ url: '/api/v1/stats', ok: [200] }),
  'GET /api/v1/stats/charts': () => ({ url: '/api/v1/stats/charts?tz=Asia/Shanghai', ok: [200] }),
  'GET /api/v1/stats/lists/:list': () => ({ url: '/api/v1/stats/lists/late', ok: [200] }),
  'GET /api/v1/elders/:id/export': () => ({ url: '/api/v1/elders/E01/export', ok: [200] }),
  'DELETE /api/v1/elders/:id': () => ({ url: '/api/v1/elders/E-erase', ok: [200] }),
  'POST /api/v1/import': () => ({
    url: '/api/v1/import?type=elders',
    body: `id,name,lat,lon\nE10,Li Hua,${HOME.lat},${HOME.lon}\n`,
    type: 'text/csv',
    ok: [200],
  }),
  'POST /api/v1/import/preview': () => ({
    url: '/api/v1/import/preview?type=elders',
    body: `编号,姓名,纬度,经度\nE11,Li Hua,${HOME.lat},${HOME.lon}\nE12,,${HOME.lat},${HOME.lon}\n`,
    type: 'text/csv',
    ok: [200],
  }),
  'POST /api/v1/import/jobs': () => ({
    url: '/api/v1/import/jobs?type=elders',
    body: `id,name,lat,lon\nE13,Li Hua,${HOME.lat},${HOME.lon}\n`,
    type: 'text/csv',
    ok: [202],
  }),
  'GET /api/v1/import/jobs/:id': (_caller, w) => ({ url: `/api/v1/import/jobs/${w.importJob}`, ok: [200] }),
  'GET /api/v1/visits': () => ({ url: '/api/v1/visits?status=due,done&from=2026-01-01&to=today', ok: [200] }),
  'GET /api/v1/visits.csv': () => ({ url: '/api/v1/visits.csv?elderId=E01', ok: [200] }),
  'GET /api/v1/visits/:id': (_caller, w) => ({ url: `/api/v1/visits/${w.visit}`, ok: [200] }),
  'PATCH /api/v1/visits/:id': (_caller, w) => ({
    url: `/api/v1/visits/${w.visit}`,
    body: { dueDay: '2026-02-01', carerId: 'C01' },
    ok: [200],
  }),
  'GET /api/v1/elders/:id/visit-plan': () => ({ url: '/api/v1/elders/E01/visit-plan', ok: [200] }),
  'PUT /api/v1/elders/:id/visit-plan': () => ({
    url: '/api/v1/elders/E01/visit-plan',
    body: { carerId: 'C01', weekdays: [1, 2, 3, 4, 5] },
    ok: [200],
  }),
  'GET /api/v1/carers/:id/visits': () => ({ url: '/api/v1/carers/C01/visits', ok: [200] }),
  'POST /api/v1/visits': () => ({
    url: '/api/v1/visits',
    body: { elderId: 'E01', kind: 'call', report: { condition: 'well' } },
    ok: [201],
  }),
  // the same picture again is the same photo: stored once, answered again
  'POST /api/v1/visits/:id/photos': (_caller, w) => ({
    url: `/api/v1/visits/${w.visit}/photos`,
    body: jpegWithGps('route-world'),
    type: 'image/jpeg',
    ok: [201],
  }),
  'GET /api/v1/visits/:id/photos/:photoId': (_caller, w) => ({
    url: `/api/v1/visits/${w.visit}/photos/${w.photo}`,
    ok: [200],
  }),
  // called again (by another test of the matrix), the visit is already checked in or out: its own 409
  'POST /api/v1/visits/:id/sign-in': (_caller, w) => ({
    url: `/api/v1/visits/${w.visitAtDoor}/sign-in`,
    body: { ...HOME, acc: 10 },
    ok: [200, 409],
  }),
  'POST /api/v1/visits/:id/sign-out': (_caller, w) => ({
    url: `/api/v1/visits/${w.visitAtDoor}/sign-out`,
    body: { report: { condition: 'well' } },
    ok: [200, 409],
  }),
  'GET /api/v1/import/jobs/:id/report': (_caller, w) => ({
    url: `/api/v1/import/jobs/${w.importJob}/report`,
    ok: [200],
  }),
}

export function requestFor(w: RouteWorld, route: RouteInfo, caller: Caller): Call {
  const make = requests[`${route.method} ${route.url}`]
  if (!make) throw new Error(`${route.method} ${route.url}: add a valid request for it to the role matrix`)
  return make(caller, w)
}

/** The route's valid request as `as` makes it, sent with `token` (none: no Authorization header). */
export function call(
  w: RouteWorld,
  route: RouteInfo,
  as: Caller,
  token: string | undefined,
): Promise<Response> {
  const req = requestFor(w, route, as)
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  if (req.type) headers['content-type'] = req.type
  return w.world.app.surface.inject({
    method: route.method as 'GET',
    url: req.url,
    headers,
    ...(req.body !== undefined ? { payload: req.body as string } : {}),
  })
}
